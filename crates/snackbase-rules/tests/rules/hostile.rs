//! Hostile input is refused or bound as data; it never reaches the SQL text,
//! and resource attacks end in errors, not crashes.

use snackbase_rules::{
    compile, parse, CompileError, Dialect, ParseErrorKind, Schema, SchemaError, Scope, SqlParam,
    SqlPredicate,
};

use crate::agreement::runtime;
use crate::db::{postgres_url, Db};
use crate::gen::{records, schema, Identity, SqlCtx};

const PAYLOADS: [&str; 8] = [
    "'; DROP TABLE t; --",
    "\"; DROP TABLE t; --",
    "x' OR '1'='1",
    "*/ OR 1=1 /*",
    "-- comment",
    "$1",
    "\\",
    "'); DELETE FROM t WHERE ('1'='1",
];

fn anonymous() -> Identity {
    Identity {
        id: Some("'; DROP TABLE t; --".into()),
        role: Some("' OR 1=1 --".into()),
        groups: vec!["\") OR (\"".into()],
        hour: 0,
    }
}

fn quoted(payload: &str) -> String {
    format!("'{}'", payload.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// As the SDK quotes: only `'` escaped (backslashes need the rule syntax).
fn sdk_quoted(payload: &str) -> String {
    if payload.contains('\\') {
        return quoted(payload);
    }
    format!("'{}'", payload.replace('\'', "\\'"))
}

/// The `LIKE` pattern `~ payload` binds.
fn like_pattern(payload: &str) -> String {
    let mut pattern = String::from("%");
    for c in payload.to_ascii_lowercase().chars() {
        if matches!(c, '\\' | '%' | '_') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// Compiled predicates whose values carry the payloads.
fn predicates(dialect: Dialect) -> Vec<SqlPredicate> {
    let identity = anonymous();
    let scope = Scope::rule();
    let mut out = Vec::new();
    for payload in PAYLOADS {
        let lit = quoted(payload);
        let sdk = sdk_quoted(payload);
        for (src, value) in [
            (
                format!("record.t1 ~ {sdk} || record.t2 !~ {sdk}"),
                like_pattern(payload),
            ),
            (
                format!("record.t1 IN ({sdk}, 'a') && record.t2 NOT IN ({sdk})"),
                payload.to_owned(),
            ),
            (format!("record.t1 = {sdk}"), payload.to_owned()),
        ] {
            let expr = parse(&src).expect("hostile SDK literals still parse as strings");
            let predicate = compile(&expr, &schema(), &scope, dialect, &SqlCtx(&identity), 1)
                .expect("compiles");
            for fragment in ["DROP", "DELETE", "drop", "delete", "--", "/*", "1=1", "'1'"] {
                assert!(
                    !predicate.sql.contains(fragment),
                    "{fragment} spliced into {}",
                    predicate.sql
                );
            }
            assert!(
                predicate.params.contains(&SqlParam::Text(value.clone())),
                "not bound: {src} -> {predicate:?}, {value:?}"
            );
            out.push(predicate);
        }
        for src in [
            format!("record.t1 == {lit}"),
            format!("record.t1 in [{lit}, 'a'] or {lit} in record.m1"),
            format!("starts_with(record.t1, {lit}) or ends_with({lit}, record.t1)"),
            format!("{lit} in record.t2 or record.t1 < {lit}"),
            "record.created_by == user.id or record.t1 in user.groups or record.t2 == user.role"
                .to_owned(),
        ] {
            let expr = parse(&src).expect("hostile literals still parse as strings");
            let predicate = compile(&expr, &schema(), &scope, dialect, &SqlCtx(&identity), 1)
                .expect("compiles");
            for fragment in ["DROP", "DELETE", "--", "/*", "1=1", "'1'"] {
                assert!(
                    !predicate.sql.contains(fragment),
                    "{fragment} spliced into {}",
                    predicate.sql
                );
            }
            let value = if src.contains("user.id") {
                identity.id.clone().unwrap_or_default()
            } else {
                payload.to_owned()
            };
            assert!(
                predicate.params.contains(&SqlParam::Text(value)),
                "not bound: {src} -> {predicate:?}"
            );
            out.push(predicate);
        }
    }
    out
}

async fn run_all(db: &mut Db, predicates: &[SqlPredicate]) {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let rows = proptest::strategy::Strategy::new_tree(&records(), &mut runner).expect("records");
    db.load(&proptest::strategy::ValueTree::current(&rows))
        .await
        .expect("loads");
    for predicate in predicates {
        db.select(predicate)
            .await
            .expect("hostile predicate runs as plain SQL");
    }
    assert_eq!(db.count().await.expect("table still there"), 6);
}

#[test]
fn payloads_are_bound_not_spliced_sqlite() {
    let rt = runtime();
    rt.block_on(async {
        let mut db = Db::sqlite().await;
        run_all(&mut db, &predicates(Dialect::Sqlite)).await;
        db.close().await;
    });
}

#[test]
fn payloads_are_bound_not_spliced_postgres() {
    let Some(url) = postgres_url() else {
        return;
    };
    let rt = runtime();
    rt.block_on(async {
        let mut db = Db::postgres(&url).await;
        run_all(&mut db, &predicates(Dialect::Postgres)).await;
        db.close().await;
    });
}

#[test]
fn injection_shaped_sources_are_syntax_errors() {
    for (src, want) in [
        (
            "record.t1 == 'x'; DROP TABLE t; --",
            "Invalid character ';' at position 16",
        ),
        (
            "record.t1 == 'x' -- comment",
            "Unexpected token after expression at position 17",
        ),
        (
            "record.t1 == 'x' /* c */",
            "Invalid character '/' at position 17",
        ),
        (
            "record.t1 == 'unbalanced",
            "Unterminated string literal at position 24",
        ),
        (
            "record.t1 == \"it's",
            "Unterminated string literal at position 18",
        ),
        (
            "record.\"t1\" == 'x'",
            "Expected a name after '.' at position 7",
        ),
        (
            "record.t1\" == 'x'",
            "Unterminated string literal at position 17",
        ),
        (
            "record.t1 == x'00'",
            "Unexpected token after expression at position 14",
        ),
        ("@drop_table(); --", "Invalid character ';' at position 13"),
        ("record.t1 == $1", "Invalid character '$' at position 13"),
        (
            "record.t1 == 99999999999999999999999",
            "Integer literal out of range at position 13",
        ),
        (
            "record.t1 == 1e999",
            "Number literal out of range at position 13",
        ),
        (
            "record.t1 = 'x' OR 1=1 --",
            "Unexpected token after expression at position 23",
        ),
        (
            "record.t1 ~ 'x' ESCAPE '!'",
            "Unexpected token after expression at position 16",
        ),
        (
            "record.t1 IN ('a'); DROP TABLE t",
            "Invalid character ';' at position 18",
        ),
        (
            "record.t1 IN (SELECT 1)",
            "Expected RPAREN, found INTEGER at position 21",
        ),
        (
            "record.t1 IS NULL; --",
            "Invalid character ';' at position 17",
        ),
    ] {
        let err = parse(src).expect_err(src);
        assert_eq!(err.to_string(), want, "{src}");
    }
}

#[test]
fn names_never_reach_sql_unchecked() {
    let scope = Scope::rule();
    let identity = anonymous();
    for src in [
        "record.nope == 1",
        "nope",
        "record.t1.x == 1",
        "@nope()",
        "\"t1\" == 1",
    ] {
        let expr = parse(src).expect("parses");
        let err = compile(
            &expr,
            &schema(),
            &scope,
            Dialect::Sqlite,
            &SqlCtx(&identity),
            1,
        )
        .expect_err(src);
        assert!(matches!(err, CompileError::Check(_)), "{src}: {err}");
    }
    for name in ["a\"b", "a;b", "a b", "t1--", "\"", ""] {
        assert!(matches!(
            Schema::new().add_field(name, snackbase_rules::FieldType::Text),
            Err(SchemaError::InvalidName(_))
        ));
    }
}

#[test]
fn resource_attacks_end_in_errors() {
    let nested = format!("{}record.b1{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(matches!(
        parse(&nested).expect_err("refused").kind,
        ParseErrorKind::TooLong { .. }
    ));
    let nested = format!("{}record.b1{}", "(".repeat(1_000), ")".repeat(1_000));
    assert!(matches!(
        parse(&nested).expect_err("refused").kind,
        ParseErrorKind::TooDeep { .. }
    ));
    let nots = "not ".repeat(1_000) + "true";
    assert!(matches!(
        parse(&nots).expect_err("refused").kind,
        ParseErrorKind::TooDeep { .. }
    ));
    let minus = "-".repeat(2_000) + "1";
    assert!(matches!(
        parse(&minus).expect_err("refused").kind,
        ParseErrorKind::TooDeep { .. }
    ));
    let huge = "9".repeat(4_000);
    assert!(matches!(
        parse(&huge).expect_err("refused").kind,
        ParseErrorKind::IntegerOutOfRange
    ));
    let huge = format!("{}.0", "9".repeat(4_000));
    assert!(matches!(
        parse(&huge).expect_err("refused").kind,
        ParseErrorKind::NumberOutOfRange
    ));
    let wide = vec!["record.t1 == 'a'"; 200].join(" or ");
    let expr = parse(&wide).expect("wide but shallow is fine");
    let p = compile(
        &expr,
        &schema(),
        &Scope::rule(),
        Dialect::Postgres,
        &SqlCtx(&anonymous()),
        1,
    )
    .expect("compiles");
    assert_eq!(p.params.len(), 200);
    let big = "a".repeat(1 << 20);
    assert!(matches!(
        parse(&big).expect_err("refused").kind,
        ParseErrorKind::TooLong { .. }
    ));
}

#[test]
fn nothing_panics_at_the_limits() {
    // The deepest accepted nesting of each kind runs through every stage on
    // a test thread's default stack, and is not refused as too deep.
    let identity = anonymous();
    let record = records_one();
    for src in [
        format!("{}record.b1{}", "(".repeat(64), ")".repeat(64)),
        format!("{}record.b1", "not ".repeat(64)),
        format!("{}record.n1 > 0", "-".repeat(64)),
        format!("{}record.b1{}", "(record.b1 == ".repeat(32), ")".repeat(32)),
        format!(
            "{}record.b1{}",
            "(record.b1 or record.b1 and record.b1 == ".repeat(21),
            ")".repeat(21)
        ),
        format!("{}true{}", "[".repeat(63), "]".repeat(63)),
        format!(
            "{}record.b1{}",
            "record.b1 in [record.b1 or record.b1 and ".repeat(64),
            "]".repeat(64)
        ),
        format!(
            "{}record.t1{}",
            "contains(record.t1 or record.b1 and ".repeat(63),
            ", 'x') == record.b1".repeat(63)
        ),
        format!(
            "{}record.b1{}",
            "@has_role(record.b1 or record.b1 and ".repeat(64),
            ")".repeat(64)
        ),
    ] {
        let expr = parse(&src).expect("within limits");
        for scope in [Scope::rule(), Scope::filter()] {
            if let Err(e) = snackbase_rules::check(&expr, &schema(), &scope) {
                assert!(!e.to_string().contains("too deeply"), "{e}");
            }
            let ctx = crate::gen::EvalCtx {
                record: &record,
                identity: &identity,
            };
            if let Err(e) = snackbase_rules::evaluate(&expr, &schema(), &scope, &ctx) {
                assert!(!e.to_string().contains("too deeply"), "{e}");
            }
            if let Err(e) = compile(
                &expr,
                &schema(),
                &scope,
                Dialect::Sqlite,
                &SqlCtx(&identity),
                1,
            ) {
                assert!(!e.to_string().contains("too deeply"), "{e}");
            }
        }
    }
}

fn records_one() -> crate::gen::Record {
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let rows = proptest::strategy::Strategy::new_tree(&records(), &mut runner).expect("records");
    proptest::strategy::ValueTree::current(&rows).swap_remove(0)
}
