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
        "user.id & 1",
        "error: Unexpected character '&'. Did you mean '&&'? at position 8",
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
        parse("a & b")
            .expect_err("fails")
            .expected
            .map(|e| e.to_string()),
        Some("'&&'".to_owned())
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

#[test]
fn the_sdk_example() {
    // sdk-0.9.md §3, as the query builder sends it.
    check(
        r"title = 'it\'s' && n > 5 && t IN ('a', 1, null) && (a = 1 || b = 2)",
        r#"(and (== title "it's") (> n 5) (in t (list "a" 1 null)) (or (== a 1) (== b 2)))"#,
    );
}

#[test]
fn sdk_operators() {
    check("a = 1", "(== a 1)");
    check("a != 1", "(!= a 1)");
    check(
        "a < 1 && a <= 2 && a > 3 && a >= 4",
        "(and (< a 1) (<= a 2) (> a 3) (>= a 4))",
    );
    check("title ~ 'x'", r#"(~ title "x")"#);
    check("title !~ 'x'", r#"(!~ title "x")"#);
    check("a ~ b ~ c", "error: Comparison operators cannot be chained; combine comparisons with 'and' at position 6");
    check("x = null", "(== x null)");
    check("x != null", "(!= x null)");
    check("x IS NULL", "(== x null)");
    check("x IS NOT NULL", "(!= x null)");
    check("x is not null || y Is Null", "(or (!= x null) (== y null))");
    check("x IS NULL = true", "error: Comparison operators cannot be chained; combine comparisons with 'and' at position 10");
    check("(a = 1 || b = 2) && c", "(and (or (== a 1) (== b 2)) c)");
    check("a AND b Or c and D", "(or (and a b) (and c D))");
    check("NOT (a = 1)", "(not (== a 1))");
    check("Not a", "(not a)");
    // Operator words are names where a name can stand.
    check("AND == 1", "(== AND 1)");
    check("NOT", "NOT");
    check("IN IN (IS)", "(in IN IS)");
    check("is.not", "is.not");
    check("a.in == b.IS", "(== a.in b.IS)");
}

#[test]
fn in_lists_in_parentheses() {
    check("t IN ('a', 'b')", r#"(in t (list "a" "b"))"#);
    check("t in ('a')", r#"(in t (list "a"))"#);
    check("t NOT IN ('a', -1.5)", r#"(not in t (list "a" -1.5f))"#);
    check("t not IN (null)", "(not in t (list null))");
    check("t Not In ()", "(not in t (list))");
    check("t IN (1, record.x)", "(in t (list 1 record.x))");
    check("t in [1, 2]", "(in t (list 1 2))");
    // One non-literal groups, as parentheses do elsewhere.
    check("t in (record.tags)", "(in t record.tags)");
    check("t in (a == b)", "(in t (== a b))");
    check("t in ('abc' )", r#"(in t (list "abc"))"#);
    check("t in 'abc'", r#"(in t "abc")"#);
    check(
        "t IN ('a',)",
        "error: Unexpected token: RPAREN at position 10",
    );
    check(
        "t IN ('a' 'b')",
        "error: Expected RPAREN, found STRING at position 10",
    );
    check(
        "t IN ('a'",
        "error: Expected RPAREN, found EOF at position 9",
    );
    check(
        &format!("t IN {}1{}", "(".repeat(64), ")".repeat(64)),
        "(in t (list 1))",
    );
    check(
        &format!("t IN {}1{}", "(".repeat(65), ")".repeat(65)),
        "error: Expression is nested too deeply (more than 64 levels) at position 69",
    );
}

#[test]
fn sdk_literals() {
    check(r"'it\'s'", r#""it's""#);
    check(r#""status""#, r#""status""#);
    // The SDK escapes only quotes; other backslashes stand for themselves.
    check(r"'a\b'", r#""a\\b""#);
    check(r"'C:\Program Files\x'", r#""C:\\Program Files\\x""#);
    check(r"'100\%'", r#""100\\%""#);
    check(r"'a\'", "error: Unterminated string literal at position 4");
    check("1.5", "1.5f");
    check("1e+21", "1e21f");
    check("-1.5e-7", "-1.5e-7f");
    check("true = false", "(== true false)");
    check(
        "due < Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
        r#"(< due "1970-01-01T00:00:00.000000Z")"#,
    );
    check(
        "due IN (Sat Jun 15 2024 14:30:00 GMT+0200 (Central European Summer Time), Thu Jan 01 1970 00:00:00 GMT-0130)",
        r#"(in due (list "2024-06-15T12:30:00.000000Z" "1970-01-01T01:30:00.000000Z"))"#,
    );
    check(
        "due = Thu Jan 01 1970 00:00:00 GMT+0000 (UTC) (x)",
        "error: Unexpected token after expression at position 46",
    );
    check(
        "due = Thu Jan 01 70 00:00:00 GMT+0000",
        "error: Invalid date 'Thu Jan 01 70 00:00:00 GMT+0000'; expected a JavaScript date such as Thu Jan 01 1970 00:00:00 GMT+0000 at position 6",
    );
    check("x = NaN", "(== x NaN)");
}

#[test]
fn sdk_errors_point_at_the_problem() {
    check(
        "x IS 5",
        "error: Expected NULL, found INTEGER at position 5",
    );
    check("x IS NOT", "error: Expected NULL, found EOF at position 8");
    check("x IS", "error: Expected NULL, found EOF at position 4");
    check(
        "title LIKE '%x%'",
        "error: Unknown operator 'LIKE'. Did you mean '~'? at position 6",
    );
    check(
        "title not ilike 'x'",
        "error: Unknown operator 'NOT ilike'. Did you mean '!~'? at position 6",
    );
    check(
        "a <> 1",
        "error: Unknown operator '<>'. Did you mean '!='? at position 2",
    );
    check("a = = 1", "error: Unexpected token: EQ at position 4");
    check("a === 1", "error: Unexpected token: EQ at position 4");
    check(
        "title = 'x' && nme > 1 &",
        "error: Unexpected character '&'. Did you mean '&&'? at position 23",
    );
    check("a ~", "error: Unexpected token: EOF at position 3");
    check("~ a", "error: Unexpected token: TILDE at position 0");
}

#[test]
fn sdk_and_rule_syntax_give_the_same_tree() {
    for (sdk, rule) in [
        ("status = 'x'", r#"status == "x""#),
        ("a IS NULL && b IS NOT NULL", "a == null and b != null"),
        (
            "t IN ('a', 'b') || t NOT IN (1)",
            "t in ['a', 'b'] or t not in [1]",
        ),
        (
            "(a = 1 || b = 2) && c != 3",
            "(a == 1 or b == 2) and c != 3",
        ),
    ] {
        let (sdk_tree, rule_tree) = (parse(sdk).expect("parses"), parse(rule).expect("parses"));
        assert_eq!(sexp(&sdk_tree), sexp(&rule_tree), "{sdk}");
    }
    for src in [
        "title ~ 'x' and not (title !~ 'y')",
        "t in ('a')",
        "x ~ (a == b)",
    ] {
        let first = parse(src).expect("parses");
        let printed = first.to_string();
        assert_eq!(
            sexp(&first),
            sexp(&parse(&printed).expect("reparses")),
            "{printed}"
        );
    }
}
