//! The SDK's filter dialect (`=`, `IN (…)`, `IS NULL`, `&&`, `~`, quotes
//! escaped as `\'`, JavaScript date texts) is the same language: every
//! generated expression written in it compiles to the SQL of its rule
//! syntax, on both dialects. The agreement suite also runs on this writing.

use proptest::prelude::*;
use snackbase_rules::{check, compile, parse, CompareOp, Dialect, Expr, ExprKind, Literal, Scope};

use crate::gen::{condition, config, schema, Identity, SqlCtx, DATETIMES, JS_DATES};

/// `e` written as a user of the SDK's query builder would: `=`, `IS NULL`,
/// `IN (…)`, `NOT IN (…)`, `&&`, `||`, `NOT (…)`, strings in single quotes
/// with only `'` escaped, and datetimes compared with a datetime field as
/// JavaScript date texts where they have whole seconds. What the dialect
/// cannot say (functions, macros, list literals elsewhere, substring `in`)
/// stays in the rule syntax.
pub fn sdk(e: &Expr) -> String {
    let mut out = String::new();
    write(e, false, &mut out);
    out
}

fn write(e: &Expr, datetime: bool, out: &mut String) {
    match &e.kind {
        ExprKind::Literal(Literal::Text(text)) => out.push_str(&text_literal(text, datetime)),
        ExprKind::Literal(_) | ExprKind::Path(_) => out.push_str(&e.to_string()),
        ExprKind::List(items) => {
            out.push('[');
            write_items(items, datetime, out);
            out.push(']');
        }
        ExprKind::Not(inner) => {
            out.push_str("NOT (");
            write(inner, false, out);
            out.push(')');
        }
        ExprKind::Neg(inner) => {
            out.push_str("-(");
            write(inner, false, out);
            out.push(')');
        }
        ExprKind::And(items) | ExprKind::Or(items) => {
            let joiner = if matches!(e.kind, ExprKind::And(_)) {
                " && "
            } else {
                " || "
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(joiner);
                }
                let group = matches!(item.kind, ExprKind::And(_) | ExprKind::Or(_));
                if group {
                    out.push('(');
                }
                write(item, false, out);
                if group {
                    out.push(')');
                }
            }
        }
        ExprKind::Compare { op, lhs, rhs } => {
            let datetime = datetime_field(lhs) || datetime_field(rhs) || datetime_items(rhs);
            write_comparison(*op, lhs, rhs, datetime, out);
        }
        ExprKind::Call { name, args } => {
            out.push_str(name);
            out.push('(');
            write_items(args, args.iter().any(datetime_items), out);
            out.push(')');
        }
        ExprKind::Macro { name, args } => {
            out.push('@');
            out.push_str(name);
            out.push('(');
            write_items(args, false, out);
            out.push(')');
        }
    }
}

fn write_comparison(op: CompareOp, lhs: &Expr, rhs: &Expr, datetime: bool, out: &mut String) {
    let null = |e: &Expr| matches!(e.kind, ExprKind::Literal(Literal::Null));
    write_operand(lhs, datetime, out);
    match op {
        CompareOp::Eq | CompareOp::Ne if null(rhs) => {
            out.push_str(if op == CompareOp::Eq {
                " IS NULL"
            } else {
                " IS NOT NULL"
            });
            return;
        }
        CompareOp::In | CompareOp::NotIn => {
            let keyword = if op == CompareOp::In { "IN" } else { "NOT IN" };
            match &rhs.kind {
                // One item in parentheses is a list only if it is a literal.
                ExprKind::List(items)
                    if items.len() != 1 || matches!(items[0].kind, ExprKind::Literal(_)) =>
                {
                    out.push_str(&format!(" {keyword} ("));
                    write_items(items, datetime, out);
                    out.push(')');
                }
                _ => {
                    out.push_str(&format!(" {} ", keyword.to_lowercase()));
                    write_operand(rhs, datetime, out);
                }
            }
            return;
        }
        CompareOp::Eq => out.push_str(" = "),
        other => {
            out.push(' ');
            out.push_str(other.symbol());
            out.push(' ');
        }
    }
    write_operand(rhs, datetime, out);
}

fn write_operand(e: &Expr, datetime: bool, out: &mut String) {
    let compound = matches!(
        e.kind,
        ExprKind::And(_) | ExprKind::Or(_) | ExprKind::Not(_) | ExprKind::Compare { .. }
    );
    if compound {
        out.push('(');
    }
    write(e, datetime, out);
    if compound {
        out.push(')');
    }
}

fn write_items(items: &[Expr], datetime: bool, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write(item, datetime, out);
    }
}

/// As the SDK renders a string: in single quotes, each `'` as `\'`, nothing
/// else escaped. Texts the rule syntax reads differently (with a
/// backslash) are written in it; datetimes as JavaScript dates if they can.
fn text_literal(text: &str, datetime: bool) -> String {
    if datetime {
        if let Some(js) = DATETIMES
            .iter()
            .position(|(written, _)| *written == text)
            .and_then(|i| JS_DATES[i])
        {
            return js.to_owned();
        }
    }
    if text.contains('\\') || text.contains('\n') || text.contains('\t') {
        return Expr::new(
            ExprKind::Literal(Literal::Text(text.to_owned())),
            Default::default(),
        )
        .to_string();
    }
    format!("'{}'", text.replace('\'', "\\'"))
}

fn datetime_field(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Path(path) => path
            .segments
            .last()
            .is_some_and(|f| ["d1", "created_at", "updated_at"].contains(&f.as_str())),
        _ => false,
    }
}

fn datetime_items(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::List(items) => items.iter().any(datetime_field),
        _ => datetime_field(e),
    }
}

fn scope() -> Scope {
    Scope::rule().with_sql_macro("twice", 1)
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_sdk_writing_compiles_to_the_same_sql(expr in condition()) {
        let rule_source = expr.to_string();
        let sdk_source = sdk(&expr);
        let rule_expr = parse(&rule_source).expect("the rule syntax parses");
        let sdk_expr = parse(&sdk_source)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{sdk_source}")))?;
        prop_assert_eq!(
            check(&sdk_expr, &schema(), &scope()).map_err(|e| e.to_string()),
            Ok(()),
            "{}", sdk_source
        );
        let identity = Identity { id: Some("u1".into()), role: None, groups: vec!["g1".into()], hour: 7 };
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let rule_sql = compile(&rule_expr, &schema(), &scope(), dialect, &SqlCtx(&identity), 1);
            let sdk_sql = compile(&sdk_expr, &schema(), &scope(), dialect, &SqlCtx(&identity), 1);
            prop_assert_eq!(&sdk_sql, &rule_sql, "{:?}\nsdk:  {}\nrule: {}", dialect, sdk_source, rule_source);
        }
    }
}

#[test]
fn the_writer_speaks_the_dialect() {
    let e = parse(
        "record.t1 == 'it\\'s' and (record.n1 > 5 or record.t2 in ['a', 1, null]) and not (record.d1 == '2024-01-01') and record.s1 != null",
    )
    .expect("parses");
    assert_eq!(
        sdk(&e),
        "record.t1 = 'it\\'s' && (record.n1 > 5 || record.t2 IN ('a', 1, null)) && NOT (record.d1 = Mon Jan 01 2024 00:00:00 GMT+0000 (Coordinated Universal Time)) && record.s1 IS NOT NULL"
    );
}
