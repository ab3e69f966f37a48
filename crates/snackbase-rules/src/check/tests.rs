use super::*;
use crate::parse;

fn schema() -> Schema {
    Schema::from_fields([
        ("title", FieldType::Text),
        ("views", FieldType::Number),
        ("published", FieldType::Boolean),
        ("due", FieldType::Datetime),
        ("meta", FieldType::Json),
        ("status", FieldType::Select { multiple: false }),
        ("tags", FieldType::Select { multiple: true }),
        ("owner", FieldType::Reference),
    ])
    .expect("valid schema")
}

fn rule_scope() -> Scope {
    Scope::rule().with_sql_macro("is_member", 2)
}

/// `expected` is `"ok"` or the error message with its position.
fn check_in(scope: &Scope, src: &str, expected: &str) {
    let expr = parse(src).expect("parses");
    let got = match check(&expr, &schema(), scope) {
        Ok(()) => "ok".to_owned(),
        Err(e) => e.to_string(),
    };
    assert_eq!(got, expected, "source: {src:?}");
}

fn rule(src: &str, expected: &str) {
    check_in(&rule_scope(), src, expected);
}

fn filter(src: &str, expected: &str) {
    check_in(&Scope::filter(), src, expected);
}

#[test]
fn well_typed_rules() {
    for src in [
        "record.created_by == user.id",
        "user.role == 'admin' or record.owner == user.id",
        "record.views > 10 and record.views <= -2.5",
        "record.published",
        "not record.title",
        "record.tags",
        "record.due < '2024-01-01T00:00:00Z' and record.created_at >= '2024-01-01'",
        "'2024-01-01' <= record.due",
        "record.due == record.updated_at",
        "record.due in ['2024-01-01', null, record.created_at]",
        "'2024-01-01' in [record.due]",
        "record.meta == null and record.meta != null",
        "record.tags == null",
        "'x' in record.tags and record.title in user.groups",
        "'managers' in user.groups",
        "record.title in 'abc' and 'a' in record.title",
        "contains(record.tags, 'x') and contains(record.title, 'x')",
        "contains([1, 2], record.views)",
        "starts_with(record.title, 'a') and ends_with(record.status, record.owner)",
        "record.status in ['a', 'b'] and record.views not in [1, 2.5]",
        "record.title in null and null in record.tags",
        "@has_role('admin') and @has_group('g') and @owns_record() and @is_creator()",
        "@in_time_range(22, 6) and @has_role(user.email)",
        "@is_member(record.owner, user.id) == 1",
        "@is_member(record.meta, null)",
        "-record.views < 0 and -@is_member(1, 2) > 0",
        "account.id == record.account_id and account.slug != ''",
        "null == null",
        "(record.views > 1) == record.published",
    ] {
        rule(src, "ok");
    }
}

#[test]
fn well_typed_filters() {
    for src in [
        "title == 'x' and record.title != 'y'",
        "views > 3 or published",
        "created_at > '2024-01-01'",
        "'a' in tags",
        "meta == null",
        "id in ['a', 'b']",
    ] {
        filter(src, "ok");
    }
}

#[test]
fn name_errors() {
    rule("record.nope == 1", "Unknown field 'nope' at position 0");
    rule(
        "user.name == 'x'",
        "Unknown variable 'user.name' at position 0",
    );
    rule(
        "user.id.x == 'x'",
        "Unknown variable 'user.id.x' at position 0",
    );
    rule(
        "session.id == 'x'",
        "Unknown variable 'session.id' at position 0",
    );
    rule(
        "title == 'x'",
        "Unknown variable 'title'. Did you mean 'record.title'? at position 0",
    );
    rule(
        "user == 'x'",
        "'user' is not a value; name one of its fields at position 0",
    );
    rule(
        "record.owner.id == user.id",
        "'record.owner.id' does not exist: fields have no members at position 0",
    );
    filter(
        "user.id == 'x'",
        "Context variables are not allowed in filters: 'user.id' at position 0",
    );
    filter("nope == 1", "Unknown field 'nope' at position 0");
    filter(
        "@has_role('a')",
        "Macros are not allowed in filters at position 0",
    );
    rule(
        "lower(record.title)",
        "Unknown function: lower at position 0",
    );
    rule("@nope()", "Unknown macro: @nope at position 0");
}

#[test]
fn arity_errors() {
    rule(
        "contains(record.tags)",
        "contains() expects 2 arguments, found 1 at position 0",
    );
    rule(
        "starts_with('a', 'b', 'c')",
        "starts_with() expects 2 arguments, found 3 at position 0",
    );
    rule(
        "@has_role()",
        "@has_role() expects 1 argument, found 0 at position 0",
    );
    rule(
        "@owns_record(1)",
        "@owns_record() expects 0 arguments, found 1 at position 0",
    );
    rule(
        "@is_member(1)",
        "@is_member() expects 2 arguments, found 1 at position 0",
    );
}

#[test]
fn type_errors() {
    rule(
        "record.views == '10'",
        "Cannot compare number with text at position 0",
    );
    rule(
        "record.title == 1",
        "Cannot compare text with number at position 0",
    );
    rule(
        "record.published == 1",
        "Cannot compare boolean with number at position 0",
    );
    rule(
        "record.published < true",
        "Cannot order values of type boolean with '<' at position 0",
    );
    rule(
        "record.views > null",
        "Ordering with null is always false; use '==' or '!=' to test for null at position 15",
    );
    rule(
        "record.tags >= 'a'",
        "Cannot order values of type list with '>=' at position 0",
    );
    rule(
        "record.meta == 'x'",
        "A json value can only be compared with null at position 0",
    );
    rule(
        "record.meta",
        "A json value can only be compared with null at position 0",
    );
    rule(
        "not record.meta",
        "A json value can only be compared with null at position 4",
    );
    rule(
        "record.tags == ['a']",
        "A list can only be compared with null, or used on the right of 'in' or as the first argument of contains() at position 15",
    );
    rule(
        "[1, 2]",
        "A list can only be compared with null, or used on the right of 'in' or as the first argument of contains() at position 0",
    );
    rule(
        "record.views in record.title",
        "Cannot compare number with text at position 0",
    );
    rule(
        "record.views in [1, 'a']",
        "Cannot compare number with text at position 20",
    );
    rule(
        "'a' in record.views",
        "The right side of 'in' must be a list or text, found number at position 7",
    );
    rule(
        "'a' in @is_member(1, 2)",
        "The right side of 'in' must be a list or text, found macro result at position 7",
    );
    rule(
        "starts_with(record.views, 'a')",
        "starts_with() expects text arguments, found number at position 12",
    );
    rule(
        "ends_with(record.title, null)",
        "ends_with() expects text arguments, found null at position 24",
    );
    rule(
        "record.due < 'tomorrow'",
        "Invalid datetime literal 'tomorrow'; expected RFC 3339, such as 2024-01-31T12:00:00Z at position 13",
    );
    rule(
        "record.due == record.title",
        "Cannot compare datetime with text at position 0",
    );
    rule(
        "'2024-01-01' in [record.due, record.title]",
        "Cannot compare datetime with text at position 29",
    );
    rule(
        "record.title in [record.due]",
        "Cannot compare text with datetime at position 17",
    );
    rule(
        "-record.title",
        "Unary minus expects a number, found text at position 1",
    );
    rule(
        "@has_role(1)",
        "@has_role() expects a text argument, found number at position 10",
    );
    rule(
        "@in_time_range('9', 17)",
        "@in_time_range() expects number arguments, found text at position 15",
    );
    rule(
        "@has_role(record.title)",
        "The arguments of @has_role() must not depend on the record at position 10",
    );
    rule(
        "@has_group(@is_member(1, 2))",
        "The arguments of @has_group() must not depend on the record at position 11",
    );
    rule(
        "@is_member(user.groups, 1)",
        "A list can only be compared with null, or used on the right of 'in' or as the first argument of contains() at position 11",
    );
}

#[test]
fn hand_built_trees_are_refused_safely() {
    let mut e = Expr::new(ExprKind::Literal(Literal::Bool(true)), Span::default());
    for _ in 0..10_000 {
        e = Expr::new(ExprKind::Not(Box::new(e)), Span::default());
    }
    let got = check(&e, &schema(), &rule_scope()).expect_err("too deep");
    assert_eq!(got.kind, CheckErrorKind::TooDeep);
    // Dropping a deep tree recurses too; unwind it iteratively.
    while let ExprKind::Not(inner) = e.kind {
        e = *inner;
    }
    let nan = Expr::new(ExprKind::Literal(Literal::Float(f64::NAN)), Span::default());
    assert_eq!(
        check(&nan, &schema(), &rule_scope()).map_err(|e| e.kind),
        Err(CheckErrorKind::NonFinite)
    );
    let empty = Expr::new(
        ExprKind::Path(crate::Path::new(Vec::<String>::new())),
        Span::default(),
    );
    assert!(check(&empty, &schema(), &rule_scope()).is_err());
    assert!(check(&empty, &schema(), &Scope::filter()).is_err());
}

#[test]
fn sdk_dialect_types() {
    for src in [
        "title ~ 'x' && title !~ 'y'",
        "status ~ 'op' and owner ~ 'u' and id !~ ''",
        "title ~ null or null !~ title",
        "title = 'it\\'s' && views > 5 && title IN ('a', null) && (views = 1 || views = 2)",
        "due IS NULL || due IS NOT NULL",
        "views NOT IN (1, 2.5, null)",
        "due >= Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
        "due IN (Thu Jan 01 1970 00:00:00 GMT+0000, '2024-01-01')",
        "created_at < Sat Jun 15 2024 14:30:00 GMT+0200 AND published = true",
        "tags IS NULL",
        "meta IS NOT NULL",
    ] {
        filter(src, "ok");
    }
    rule(
        "record.title ~ user.email and @is_member(1, 2) !~ 'x'",
        "ok",
    );
    // `~` compares text only.
    filter(
        "views ~ '1'",
        "'~' compares text, found number at position 0",
    );
    filter(
        "title !~ 1",
        "'!~' compares text, found number at position 9",
    );
    filter(
        "due ~ '2024'",
        "'~' compares text, found datetime at position 0",
    );
    filter(
        "published ~ 'x'",
        "'~' compares text, found boolean at position 0",
    );
    filter("tags ~ 'x'", "'~' compares text, found list at position 0");
    filter("meta ~ 'x'", "'~' compares text, found json at position 0");
    filter(
        "title ~ ['a', 'b']",
        "A list can only be compared with null, or used on the right of 'in' or as the first argument of contains() at position 8",
    );
    // The SDK's other shapes are type-checked like the rule syntax.
    filter(
        "views = 'x'",
        "Cannot compare number with text at position 0",
    );
    filter(
        "views IN ('1', 2)",
        "Cannot compare number with text at position 10",
    );
    filter("title = NaN", "Unknown field 'NaN' at position 8");
    filter(
        "title = NULL",
        "Unknown name 'NULL'. Did you mean 'null'? at position 8",
    );
    filter(
        "published = True",
        "Unknown name 'True'. Did you mean 'true'? at position 12",
    );
    rule(
        "record.title == NULL",
        "Unknown name 'NULL'. Did you mean 'null'? at position 16",
    );
    filter("title = Thu Jan 01 1970 00:00:00 GMT+0000", "ok");
    filter(
        "due < Thu Jan 01 1970 00:00:00 GMT+0000 && nme = 1",
        "Unknown field 'nme' at position 43",
    );
}
