use serde_json::{json, Value as Json};

use super::*;
use crate::{parse, Path, Schema};

/// A context over JSON: `{"record": {...}, "user": {...}, "account": {...}}`.
struct Ctx {
    root: Json,
    hour: u8,
}

impl Ctx {
    fn new(root: Json) -> Self {
        Self { root, hour: 10 }
    }
}

impl Context for Ctx {
    fn resolve(&self, path: &[&str]) -> Value {
        let mut node = &self.root;
        for segment in path {
            match node.get(segment) {
                Some(next) => node = next,
                None => return Value::Null,
            }
        }
        Value::from_json(node)
    }

    fn now_hour_utc(&self) -> u8 {
        self.hour
    }

    fn call_sql_macro(&self, name: &str, args: &[Value]) -> Result<Value, MacroError> {
        match (name, args) {
            ("is_active_user", [Value::Text(status)]) => {
                Ok(Value::Int(i64::from(status == "active")))
            }
            ("boom", _) => Err(MacroError::new("database unavailable")),
            _ => Err(MacroError::new("no such macro")),
        }
    }
}

fn schema() -> Schema {
    Schema::from_fields([
        ("title", FieldType::Text),
        ("views", FieldType::Number),
        ("published", FieldType::Boolean),
        ("due", FieldType::Datetime),
        ("status", FieldType::Text),
        ("tags", FieldType::Select { multiple: true }),
        ("owner_id", FieldType::Text),
    ])
    .expect("valid schema")
}

/// Evaluates a rule (parsed, not checked: the evaluator must cope with
/// anything) and returns the value, or the error message.
fn eval_in(scope: &Scope, ctx: &Ctx, src: &str) -> Result<Value, String> {
    let expr = parse(src).map_err(|e| e.to_string())?;
    evaluate_value(&expr, &schema(), scope, ctx).map_err(|e| e.to_string())
}

fn rule(ctx: &Ctx, src: &str) -> bool {
    let expr = parse(src).expect("parses");
    evaluate(&expr, &schema(), &Scope::rule(), ctx).expect("evaluates")
}

#[test]
fn literals_evaluate_to_themselves() {
    let ctx = Ctx::new(json!({}));
    for (src, want) in [
        ("true", Value::Bool(true)),
        ("false", Value::Bool(false)),
        ("123", Value::Int(123)),
        ("-1.5", Value::Float(-1.5)),
        ("'hello'", Value::Text("hello".into())),
        ("null", Value::Null),
        (
            "[1, 'a']",
            Value::List(vec![Value::Int(1), Value::Text("a".into())]),
        ),
        (
            "-(-9223372036854775808)",
            Value::Float(9_223_372_036_854_775_808.0),
        ),
    ] {
        assert_eq!(eval_in(&Scope::rule(), &ctx, src), Ok(want), "{src}");
    }
}

#[test]
fn variables_resolve_or_are_null() {
    let ctx = Ctx::new(json!({
        "user": {"id": "u1", "settings": {"theme": "dark"}},
        "record": {"title": "T", "views": 3}
    }));
    let scope = Scope::rule();
    assert_eq!(
        eval_in(&scope, &ctx, "user.id"),
        Ok(Value::Text("u1".into()))
    );
    assert_eq!(eval_in(&scope, &ctx, "user.email"), Ok(Value::Null));
    assert_eq!(eval_in(&scope, &ctx, "nobody.id"), Ok(Value::Null));
    assert_eq!(
        eval_in(&scope, &ctx, "user.settings.theme"),
        Ok(Value::Text("dark".into()))
    );
    // Number fields are floats, whatever the context hands over.
    assert_eq!(eval_in(&scope, &ctx, "record.views"), Ok(Value::Float(3.0)));
    // Bare names in filters are record fields.
    assert_eq!(
        eval_in(&Scope::filter(), &ctx, "title"),
        Ok(Value::Text("T".into()))
    );
}

#[test]
fn comparisons() {
    let ctx = Ctx::new(json!({"record": {"views": 5, "title": "b"}}));
    for (src, want) in [
        ("record.views == 5", true),
        ("record.views != 5", false),
        ("record.views > 4 and record.views >= 5", true),
        ("record.views < 5 or record.views <= 4", false),
        ("record.title == 'b' and record.title < 'c'", true),
        ("1 == 1.0", true),
        ("'1' == 1", false),
        ("true == 1", false),
        ("null == null", true),
        ("record.nothing == null", true),
        ("record.title == null", false),
        ("record.title != null", true),
        ("1 < 'a'", false),
        ("null < 1 or null >= 1", false),
        ("'B' < 'a'", true),
        ("[1, 2] == [1, 2.0]", true),
    ] {
        assert_eq!(rule(&ctx, src), want, "{src}");
    }
}

#[test]
fn logic_short_circuits() {
    let ctx = Ctx::new(json!({"a": true, "b": false}));
    let scope = Scope::rule();
    assert_eq!(eval_in(&scope, &ctx, "a and not b"), Ok(Value::Bool(true)));
    // `a or X` never evaluates X; neither does `b and X`.
    assert_eq!(
        eval_in(&scope, &ctx, "a or unknown()"),
        Ok(Value::Bool(true))
    );
    assert_eq!(
        eval_in(&scope, &ctx, "b and @boom()"),
        Ok(Value::Bool(false))
    );
    assert_eq!(
        eval_in(&scope, &ctx, "b or unknown()"),
        Err("Unknown function: unknown at position 5".into())
    );
    assert_eq!(
        eval_in(&scope, &ctx, "a and @boom(1)"),
        Err("Macro @boom failed: database unavailable at position 6".into())
    );
    // The final value is truthy-cast.
    for (src, want) in [
        ("0", false),
        ("''", false),
        ("[]", false),
        ("null", false),
        ("'x'", true),
        ("2.5", true),
    ] {
        let expr = parse(src).expect("parses");
        assert_eq!(evaluate(&expr, &schema(), &scope, &ctx), Ok(want), "{src}");
    }
}

#[test]
fn membership_and_functions() {
    let ctx = Ctx::new(json!({
        "user": {"id": null, "role": "editor", "roles": ["admin", "x"]},
        "items": null,
        "allowed_users": ["u1", "u2"],
        "current_user": "u2",
        "record": {"tags": ["a", "b"], "title": "Hello"}
    }));
    for (src, want) in [
        ("'admin' in ['admin', 'user']", true),
        ("'guest' in ['admin', 'user']", false),
        ("1 in [1, 2, 3]", true),
        ("5 in [1, 2, 3]", false),
        ("user.role in ['editor', 'admin']", true),
        ("current_user in allowed_users", true),
        ("user.id in [null, 'a']", true),
        ("'a' in items", false),
        ("'ell' in record.title", true),
        ("'a' not in record.tags", false),
        ("contains(user.roles, 'admin')", true),
        ("contains(user.roles, 'guest')", false),
        ("contains(items, 'a')", false),
        ("contains(record.title, 'Hell')", true),
        ("contains(5, 5)", false),
        ("starts_with(record.title, 'He')", true),
        ("starts_with(record.title, 'he')", false),
        ("ends_with(record.title, 'llo')", true),
        ("ends_with(5, 'llo')", false),
        ("starts_with(record.title, null)", false),
    ] {
        assert_eq!(rule(&ctx, src), want, "{src}");
    }
    assert_eq!(
        eval_in(&Scope::rule(), &ctx, "contains(1)"),
        Err("contains() expects 2 arguments, found 1 at position 0".into())
    );
}

#[test]
fn real_world_rule() {
    let src = "user.role == 'admin' or (user.role == 'editor' and record.status == 'draft') \
               or record.owner_id == user.id";
    let case = |role: &str, status: &str, owner: &str| {
        let ctx = Ctx::new(json!({
            "user": {"id": "u1", "role": role},
            "record": {"status": status, "owner_id": owner}
        }));
        rule(&ctx, src)
    };
    assert!(case("admin", "published", "u2"));
    assert!(case("editor", "draft", "u2"));
    assert!(!case("editor", "published", "u2"));
    assert!(case("viewer", "published", "u1"));
    let user = |id: &str, role: &str| Ctx::new(json!({"user": {"id": id, "role": role}}));
    let src = "user.id == 'special_user' or user.role == 'admin'";
    assert!(rule(&user("special_user", "viewer"), src));
    assert!(rule(&user("other", "admin"), src));
    assert!(!rule(&user("other", "viewer"), src));
    let src = "user.id in ['user1', 'user2', 'user3']";
    assert!(rule(&user("user2", "x"), src));
    assert!(!rule(&user("user4", "x"), src));
}

#[test]
fn datetimes_compare_as_instants() {
    let ctx = Ctx::new(
        json!({"record": {"due": "2024-01-01T10:00:00+02:00", "created_at": "2024-01-01T08:00:00Z"}}),
    );
    for (src, want) in [
        ("record.due == '2024-01-01T08:00:00Z'", true),
        ("record.due == record.created_at", true),
        ("record.due < '2024-01-01T09:00:00.000001+01:00'", true),
        ("record.due > '2024-01-01'", true),
        (
            "record.due in ['2024-01-01T08:00:00.000Z', 'garbage']",
            true,
        ),
        ("'2024-01-01T09:00:00+01:00' in [record.due]", true),
        ("record.due < 'garbage' or record.due == 'garbage'", false),
        ("record.due != 'garbage'", true),
        ("record.missing_field == null", true),
    ] {
        assert_eq!(rule(&ctx, src), want, "{src}");
    }
}

#[test]
fn builtin_macros() {
    let ctx = |user: Json, record: Json, hour: u8| Ctx {
        root: json!({"user": user, "record": record}),
        hour,
    };
    let member = ctx(
        json!({"id": "u1", "role": "admin", "groups": ["admin", "editor"]}),
        json!({"created_by": "u1"}),
        10,
    );
    assert!(rule(&member, "@has_group('admin')"));
    assert!(!rule(&member, "@has_group('guest')"));
    assert!(rule(&member, "@has_role('admin')"));
    assert!(!rule(&member, "@has_role('Admin')"));
    assert!(rule(&member, "@owns_record() and @is_creator()"));
    let stranger = ctx(json!({"id": "u2"}), json!({"created_by": "u1"}), 10);
    assert!(!rule(
        &stranger,
        "@owns_record() or @is_creator() or @has_group('admin')"
    ));
    let anonymous = ctx(json!({}), json!({}), 10);
    assert!(!rule(
        &anonymous,
        "@owns_record() or @has_role(null) or @has_group('x')"
    ));
    let no_record = ctx(json!({"id": "u1"}), json!(null), 10);
    assert!(!rule(&no_record, "@owns_record()"));
    for (hour, range, want) in [
        (10, "(9, 17)", true),
        (9, "(9, 17)", true),
        (18, "(9, 17)", false),
        (17, "(9, 17)", false),
        (0, "(0, 24)", true),
        (23, "(0, 24)", true),
        (10, "(25, 26)", false),
        (23, "(22, 6)", true),
        (3, "(22, 6)", true),
        (6, "(22, 6)", false),
        (12, "(22, 6)", false),
        (12, "(12, 12)", false),
        (12, "(11.5, 12.5)", true),
    ] {
        let src = format!("@in_time_range{range}");
        assert_eq!(
            rule(&ctx(json!({}), json!({}), hour), &src),
            want,
            "{src} at {hour}"
        );
    }
    assert_eq!(
        eval_in(&Scope::rule(), &member, "@has_role()"),
        Err("@has_role() expects 1 argument, found 0 at position 0".into())
    );
}

#[test]
fn sql_macros_go_through_the_context() {
    let active = Ctx::new(json!({"user": {"status": "active"}}));
    let inactive = Ctx::new(json!({"user": {"status": "gone"}}));
    let src = "@is_active_user(user.status) == 1";
    assert_eq!(eval_in(&Scope::rule(), &active, src), Ok(Value::Bool(true)));
    assert_eq!(
        eval_in(&Scope::rule(), &inactive, src),
        Ok(Value::Bool(false))
    );
}

#[test]
fn deep_hand_built_trees_fail_cleanly() {
    let leaf = Expr::new(ExprKind::Path(Path::new(["user", "id"])), Span::default());
    let mut e = leaf;
    for _ in 0..5_000 {
        e = Expr::new(ExprKind::Neg(Box::new(e)), Span::default());
    }
    let ctx = Ctx::new(json!({}));
    let err = evaluate(&e, &schema(), &Scope::rule(), &ctx).expect_err("too deep");
    assert_eq!(err.kind, EvalErrorKind::TooDeep);
    while let ExprKind::Neg(inner) = e.kind {
        e = *inner;
    }
}

#[test]
fn sdk_dialect() {
    let ctx = Ctx::new(json!({"record": {
        "title": "It's 100% Done_now", "views": 5, "status": null, "tags": ["a"],
        "due": "1970-01-01T01:00:00+01:00"
    }}));
    let filter = |src: &str| {
        let expr = parse(src).expect("parses");
        crate::check(&expr, &schema(), &Scope::filter()).expect("checks");
        evaluate(&expr, &schema(), &Scope::filter(), &ctx).expect("evaluates")
    };
    for (src, want) in [
        ("title ~ 'done'", true),
        ("title ~ 'DONE_NOW'", true),
        ("title ~ '100%'", true),
        ("title ~ '%'", true),
        ("title ~ 'it\\'s'", true),
        ("title ~ 'one_n'", true),
        ("title ~ 'It_s'", false),
        ("title ~ '1%0'", false),
        ("title ~ 'x%'", false),
        ("title ~ ''", true),
        ("title !~ 'done'", false),
        ("title !~ 'nope'", true),
        // Null never contains nor is contained; `!~` is its negation.
        ("status ~ ''", false),
        ("status !~ 'x'", true),
        ("title ~ null", false),
        ("title !~ null", true),
        ("status = null", true),
        ("status IS NULL", true),
        ("status IS NOT NULL", false),
        ("title != null", true),
        // `!=` and `NOT IN` are true for null, as `not (x = v)` is.
        ("status != 'x'", true),
        ("status NOT IN ('x', 'y')", true),
        ("status NOT IN ('x', null)", false),
        ("status IN ('x', null)", true),
        ("views IN (1, 5)", true),
        ("views NOT IN (5)", false),
        ("views = 5 && (title ~ 'x' || views > 4)", true),
        (
            "due = Thu Jan 01 1970 00:00:00 GMT+0000 (Coordinated Universal Time)",
            true,
        ),
        ("due < Thu Jan 01 1970 01:00:00 GMT+0100", false),
        ("due < Thu Jan 01 1970 01:00:00 GMT+0059", true),
        ("due > Thu Jan 01 1970 00:59:59 GMT+0000", false),
        ("due IN (Wed Dec 31 1969 19:00:00 GMT-0500)", true),
    ] {
        assert_eq!(filter(src), want, "{src}");
    }
}
