use super::*;

/// A compact S-expression of the tree, to assert structure in one line.
fn sexp(e: &Expr) -> String {
    let list = |head: &str, items: &[Expr]| {
        let inner: Vec<String> = items.iter().map(sexp).collect();
        format!("({head} {})", inner.join(" "))
    };
    match &e.kind {
        ExprKind::Literal(Literal::Text(s)) => format!("{s:?}"),
        ExprKind::Literal(Literal::Float(f)) => format!("{f:?}f"),
        ExprKind::Literal(Literal::Int(i)) => i.to_string(),
        ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
        ExprKind::Literal(Literal::Null) => "null".into(),
        ExprKind::List(items) => list("list", items).replace("(list )", "(list)"),
        ExprKind::Path(p) => p.to_string(),
        ExprKind::Not(inner) => format!("(not {})", sexp(inner)),
        ExprKind::Neg(inner) => format!("(neg {})", sexp(inner)),
        ExprKind::And(items) => list("and", items),
        ExprKind::Or(items) => list("or", items),
        ExprKind::Compare { op, lhs, rhs } => {
            format!("({} {} {})", op.symbol(), sexp(lhs), sexp(rhs))
        }
        ExprKind::Call { name, args } => list(name, args),
        ExprKind::Macro { name, args } => list(&format!("@{name}"), args),
    }
}

/// The one data-driven helper: `Ok` cases give the tree, `Err` cases the
/// message with its position.
fn check(src: &str, expected: &str) {
    let got = match parse(src) {
        Ok(e) => sexp(&e),
        Err(e) => format!("error: {e}"),
    };
    assert_eq!(got, expected, "source: {src:?}");
}

#[test]
fn seed_parser_behaviours() {
    check("a == b", "(== a b)");
    check("not a or b and c", "(or (not a) (and b c))");
    check("(a or b) and c", "(and (or a b) c)");
    check(
        r#"contains(user.roles, "admin")"#,
        r#"(contains user.roles "admin")"#,
    );
    check("[]", "(list)");
    check(
        "user.id in ['admin','user']",
        r#"(in user.id (list "admin" "user"))"#,
    );
    check("[1, 2, 'three', true]", r#"(list 1 2 "three" true)"#);
    check("not a == b", "(not (== a b))");
    check("not not x", "(not (not x))");
}

#[test]
fn operators_and_aliases() {
    check("a && b || !c", "(or (and a b) (not c))");
    check("a and b and c or d", "(or (and a b c) d)");
    check(
        "a != 1 or b <= 2.5 or c >= 3",
        "(or (!= a 1) (<= b 2.5f) (>= c 3))",
    );
    check("x not in [1]", "(not in x (list 1))");
    check("x < y", "(< x y)");
    check("x > y", "(> x y)");
    check("-x < -(y)", "(< (neg x) (neg y))");
    check("- 5", "-5");
    check("-5.5", "-5.5f");
    check("--5", "(neg -5)");
    check("1.", "1.0f");
    check("-9223372036854775808", "-9223372036854775808");
    check("@owns_record()", "(@owns_record )");
    check("@m(1, record.a)", "(@m 1 record.a)");
    check("a == (b or c)", "(== a (or b c))");
    check("record.owner.id", "record.owner.id");
    check(r#""it's" == 'say "hi"'"#, r#"(== "it's" "say \"hi\"")"#);
    check(r"'a\\b\'c\n\t'", r#""a\\b'c\n\t""#);
    check("\u{3000}a\u{a0}==\tb\n", "(== a b)");
    check("user.and", "user.and");
    check("AND", "AND");
}

#[test]
fn syntax_errors_with_positions() {
    check("user.id ==", "error: Unexpected token: EOF at position 10");
    check(
        "user.id = 1",
        "error: Unexpected character '='. Did you mean '=='? at position 8",
    );
    check("", "error: Unexpected token: EOF at position 0");
    check("   ", "error: Unexpected token: EOF at position 3");
    check("(a", "error: Expected RPAREN, found EOF at position 2");
    check(
        "f(a b)",
        "error: Expected RPAREN, found IDENTIFIER at position 4",
    );
    check(
        "[1 2]",
        "error: Expected RBRACKET, found INTEGER at position 3",
    );
    check("[1,]", "error: Unexpected token: RBRACKET at position 3");
    check("f(a,)", "error: Unexpected token: RPAREN at position 4");
    check(
        "a b",
        "error: Unexpected token after expression at position 2",
    );
    check(
        "a - 1",
        "error: Unexpected token after expression at position 2",
    );
    check(
        "a < b < c",
        "error: Comparison operators cannot be chained; combine comparisons with 'and' at position 6",
    );
    check(
        "a == b == c",
        "error: Comparison operators cannot be chained; combine comparisons with 'and' at position 7",
    );
    check("a == not b", "error: Unexpected token: NOT at position 5");
    check("@m", "error: Expected LPAREN, found EOF at position 2");
    check("and", "error: Unexpected token: AND at position 0");
    check(
        "9223372036854775808",
        "error: Integer literal out of range at position 0",
    );
    check(
        "-9223372036854775809",
        "error: Integer literal out of range at position 1",
    );
    let huge = format!("{}.5", "9".repeat(400));
    check(&huge, "error: Number literal out of range at position 0");
    check("'abc", "error: Unterminated string literal at position 4");
    check("a # b", "error: Invalid character '#' at position 2");
    check("'é' # ", "error: Invalid character '#' at position 4");
}

#[test]
fn expected_is_reported() {
    let err = parse("user.id ==").expect_err("fails");
    assert_eq!(err.expected, Some(Expected::Expression));
    assert_eq!(err.position, 10);
    let err = parse("(a").expect_err("fails");
    assert_eq!(err.expected, Some(Expected::Token(TokenKind::RParen)));
    assert_eq!(
        parse("a = b")
            .expect_err("fails")
            .expected
            .map(|e| e.to_string()),
        Some("'=='".to_owned())
    );
    assert_eq!(
        parse("a b").expect_err("fails").expected,
        Some(Expected::EndOfInput)
    );
}

#[test]
fn limits() {
    let at_limit = format!("{}x{}", "(".repeat(64), ")".repeat(64));
    assert!(parse(&at_limit).is_ok());
    let past = format!("{}x{}", "(".repeat(65), ")".repeat(65));
    check(
        &past,
        "error: Expression is nested too deeply (more than 64 levels) at position 64",
    );
    check(
        &"not ".repeat(65).to_string(),
        "error: Expression is nested too deeply (more than 64 levels) at position 256",
    );
    check(
        &format!("{}1", "-(".repeat(65)),
        "error: Expression is nested too deeply (more than 64 levels) at position 64",
    );
    check(
        &format!("{}1", "[".repeat(100)),
        "error: Expression is nested too deeply (more than 64 levels) at position 64",
    );
    let long = "a".repeat(MAX_SOURCE_CHARS + 1);
    check(
        &long,
        "error: Expression is too long (more than 4096 characters) at position 4096",
    );
    assert!(parse(&"a".repeat(MAX_SOURCE_CHARS)).is_ok());
    let parens = format!("{}x{}", "(".repeat(10_000), ")".repeat(10_000));
    assert!(matches!(
        parse(&parens).expect_err("too long").kind,
        ParseErrorKind::TooLong { .. }
    ));
}

#[test]
fn spans_cover_the_source() {
    let e = parse("  record.a == 'x' and -3 < b").expect("parses");
    assert_eq!(e.span, Span::new(2, 28));
    let ExprKind::And(items) = &e.kind else {
        panic!("not an and: {e:?}")
    };
    assert_eq!(items[0].span, Span::new(2, 17));
    assert_eq!(items[1].span, Span::new(22, 28));
}

#[test]
fn printing_round_trips() {
    for src in [
        "not a or b and c",
        "(a or b) and (c or d)",
        "a and (b and c)",
        "not (a and b)",
        "-(x) < -(-5)",
        "x in [1, -2.5, 'it\\'s', null, true] and not contains(y, \"q\")",
        "@has_role('a') or @m(record.x, -1)",
        "(a == b) == (c != d)",
        "1. == 1.5",
        "'\\\\ \\n \\t \"'",
        "x not in [] or not (y in z)",
    ] {
        let first = parse(src).expect("parses");
        let printed = first.to_string();
        let second = parse(&printed).expect("reparses");
        assert_eq!(sexp(&first), sexp(&second), "{src} printed as {printed}");
    }
}
