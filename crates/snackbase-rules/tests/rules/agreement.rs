//! The central property: for every well-typed expression, the records the
//! compiled SQL selects are exactly those the evaluator accepts.

use std::cell::RefCell;

use proptest::prelude::*;
use proptest::test_runner::{TestCaseError, TestError, TestRunner};
use snackbase_rules::{check, compile, evaluate, parse, Dialect, Expr, Scope};
use tokio::runtime::Runtime;

use crate::db::{postgres_url, Db};
use crate::gen::{condition, config, identity, records, schema, EvalCtx, Identity, Record, SqlCtx};
use crate::sdk::sdk;

fn scope() -> Scope {
    Scope::rule().with_sql_macro("twice", 1)
}

pub fn runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

fn fail(message: String) -> TestCaseError {
    TestCaseError::fail(message)
}

/// Runs one generated case against `db`, its source written in the rule
/// syntax or (`sdk_writing`) in the SDK's dialect.
fn agree_once(
    rt: &Runtime,
    db: &RefCell<Db>,
    expr: &Expr,
    sdk_writing: bool,
    records: &[Record],
    identity: &Identity,
) -> Result<(), TestCaseError> {
    let (schema, scope) = (schema(), scope());
    let mut db = db.borrow_mut();
    let dialect = match *db {
        Db::Sqlite(_) => Dialect::Sqlite,
        Db::Postgres { .. } => Dialect::Postgres,
    };
    let source = if sdk_writing {
        sdk(expr)
    } else {
        expr.to_string()
    };
    let parsed = parse(&source).map_err(|e| fail(format!("does not parse: {e}\n{source}")))?;
    check(&parsed, &schema, &scope).map_err(|e| fail(format!("does not check: {e}\n{source}")))?;
    let predicate = compile(&parsed, &schema, &scope, dialect, &SqlCtx(identity), 1)
        .map_err(|e| fail(format!("does not compile: {e}\n{source}")))?;
    let context = |what: &str| {
        format!(
            "{what}\nsource: {source}\nsql: {}\nparams: {:?}\nidentity: {identity:?}",
            predicate.sql, predicate.params
        )
    };
    let selected = rt
        .block_on(async {
            db.load(records).await?;
            db.select(&predicate).await
        })
        .map_err(|e| fail(context(&format!("{} failed: {e}", db.name()))))?;
    for record in records {
        let ctx = EvalCtx { record, identity };
        let verdict = evaluate(&parsed, &schema, &scope, &ctx)
            .map_err(|e| fail(context(&format!("evaluation failed: {e}"))))?;
        if verdict != selected.contains(&record.id) {
            return Err(fail(context(&format!(
                "{}: evaluator says {verdict} for {record:?}",
                db.name()
            ))));
        }
    }
    Ok(())
}

/// The number of generated cases per database: `SNACKBASE_AGREEMENT_CASES`
/// if set (e.g. thousands while changing the compiler), else a few hundred.
fn cases() -> u32 {
    std::env::var("SNACKBASE_AGREEMENT_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(400)
}

fn agree(rt: &Runtime, db: Db, cases: u32) -> Db {
    let db = RefCell::new(db);
    let mut runner = TestRunner::new(config(cases));
    let result = runner.run(
        &(condition(), any::<bool>(), records(), identity()),
        |(expr, sdk_writing, records, identity)| {
            agree_once(rt, &db, &expr, sdk_writing, &records, &identity)
        },
    );
    let db = db.into_inner();
    if let Err(error) = result {
        rt.block_on(db.close());
        match error {
            TestError::Fail(reason, (expr, ..)) => panic!("{reason}\nminimal expression: {expr}"),
            TestError::Abort(reason) => panic!("aborted: {reason}"),
        }
    }
    db
}

#[test]
fn evaluator_and_sqlite_agree() {
    let rt = runtime();
    let db = rt.block_on(Db::sqlite());
    let db = agree(&rt, db, cases());
    rt.block_on(db.close());
}

#[test]
fn evaluator_and_postgres_agree() {
    let Some(url) = postgres_url() else {
        return;
    };
    let rt = runtime();
    let db = rt.block_on(Db::postgres(&url));
    let db = agree(&rt, db, cases());
    rt.block_on(db.close());
}

proptest! {
    #![proptest_config(config(64))]

    /// Filters name fields bare; they mean the same as `record.<field>`.
    #[test]
    fn bare_names_in_filters_mean_record_fields(expr in condition()) {
        let source = expr.to_string();
        let filter_source = source.replace("record.", "");
        let Ok(filter_expr) = parse(&filter_source) else {
            return Err(TestCaseError::reject("not a filter"));
        };
        prop_assume!(check(&filter_expr, &schema(), &Scope::filter()).is_ok());
        let identity = Identity { id: None, role: None, groups: vec![], hour: 0 };
        let rule = compile(&parse(&source).expect("parses"), &schema(), &scope(), Dialect::Sqlite, &SqlCtx(&identity), 1)
            .expect("compiles");
        let filter = compile(&filter_expr, &schema(), &Scope::filter(), Dialect::Sqlite, &SqlCtx(&identity), 1)
            .expect("compiles");
        prop_assert_eq!(rule, filter);
    }
}
