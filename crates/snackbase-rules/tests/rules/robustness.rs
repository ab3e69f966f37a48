//! No input makes the parser, checker, evaluator or compiler panic, and
//! printed trees parse back to the same tree.

use proptest::prelude::*;
use snackbase_rules::{check, compile, evaluate, parse, Dialect, Expr, Scope};

use crate::gen::{arbitrary_tree, condition, config, path, schema, EvalCtx, Identity, SqlCtx};

/// Runs every stage on `source`; only panics matter.
fn exercise(source: &str) {
    let Ok(expr) = parse(source) else {
        return;
    };
    exercise_tree(&expr);
}

fn exercise_tree(expr: &Expr) {
    let identity = Identity {
        id: Some("u1".into()),
        role: None,
        groups: vec!["g1".into()],
        hour: 3,
    };
    let record = crate::gen::Record {
        id: "r0".into(),
        created_by: "u1".into(),
        updated_by: "u1".into(),
        created_at: 0,
        updated_at: 1,
        texts: [Some("a".into()), None, Some("b".into()), None],
        numbers: [Some(1.0), None],
        b1: Some(true),
        d1: None,
        j1: Some(serde_json::json!({"k": 1})),
        lists: [Some(vec!["a".into()]), None],
    };
    for scope in [Scope::rule().with_sql_macro("twice", 1), Scope::filter()] {
        let _ = check(expr, &schema(), &scope);
        let ctx = EvalCtx {
            record: &record,
            identity: &identity,
        };
        let _ = evaluate(expr, &schema(), &scope, &ctx);
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let _ = compile(expr, &schema(), &scope, dialect, &SqlCtx(&identity), 1);
        }
    }
}

/// Source-like noise: tokens of the language glued together at random.
fn token_soup() -> impl Strategy<Value = String> {
    let token = prop::sample::select(vec![
        "(",
        ")",
        "[",
        "]",
        ",",
        "==",
        "!=",
        "<",
        "<=",
        ">",
        ">=",
        "=",
        "!",
        "&&",
        "||",
        "&",
        "|",
        "-",
        "and",
        "or",
        "not",
        "in",
        "true",
        "false",
        "null",
        "record.t1",
        "record.n1",
        "record.d1",
        "record.m1",
        "record.j1",
        "record.value",
        "user.id",
        "user.groups",
        "account.slug",
        "t1",
        "n1",
        "@has_role(",
        "@twice(",
        "@owns_record()",
        "contains(",
        "starts_with(",
        "ends_with(",
        "'a'",
        "\"b\"",
        "'2024-01-01'",
        "'\\'",
        "'",
        "1",
        "-1",
        "2.5",
        "1.",
        "9223372036854775808",
        " ",
        ".",
        "@",
        "#",
        "é",
        "\u{0}",
        "\\",
        "=",
        "~",
        "!~",
        "IN",
        "NOT",
        "IS",
        "NULL",
        "AND",
        "like",
        "<>",
        "'a\\b'",
        "'it\\'s'",
        "1e+21",
        "-1.5e-7",
        "2e",
        "Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
        "Thu Jan 01 1970 00:00:00 GMT+0000",
        "Thu Jan ",
        " (Coordinated Universal Time)",
    ]);
    prop::collection::vec(token, 0..40).prop_map(|tokens| tokens.concat())
}

proptest! {
    #![proptest_config(config(400))]

    #[test]
    fn arbitrary_text_never_panics(source in any::<String>()) {
        exercise(&source);
    }

    #[test]
    fn token_soup_never_panics(source in token_soup()) {
        exercise(&source);
    }

    #[test]
    fn well_typed_trees_round_trip(expr in condition()) {
        let printed = expr.to_string();
        let parsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{e}: {printed}")))?;
        prop_assert_eq!(parsed.to_string(), printed);
    }

    #[test]
    fn arbitrary_trees_never_panic(expr in arbitrary_tree()) {
        // The tree itself, and its printed form through the parser.
        exercise_tree(&expr);
        let printed = expr.to_string();
        exercise(&printed);
        if let Ok(parsed) = parse(&printed) {
            prop_assert_eq!(parsed.to_string(), printed);
        }
    }
}

#[test]
fn mangled_generated_sources_never_panic() {
    let mut runner = proptest::test_runner::TestRunner::new(config(200));
    let strategy = (
        condition(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
    );
    runner
        .run(&strategy, |(expr, a, b)| {
            // Cut a well-formed source at two random places and swap the parts.
            let source: Vec<char> = expr.to_string().chars().collect();
            let (i, j) = (a.index(source.len() + 1), b.index(source.len() + 1));
            let (lo, hi) = (i.min(j), i.max(j));
            let mangled: String = source[hi..]
                .iter()
                .chain(&source[lo..hi])
                .chain(&source[..lo])
                .collect();
            exercise(&mangled);
            Ok(())
        })
        .expect("no panic");
    exercise_tree(&path("record"));
}
