use super::*;
use crate::{parse, FieldType};

struct Ctx {
    alias: Option<&'static str>,
    user_id: Value,
}

impl SqlContext for Ctx {
    fn resolve(&self, path: &[&str]) -> Value {
        match path {
            ["user", "id"] => self.user_id.clone(),
            ["user", "role"] => Value::Text("editor".into()),
            ["user", "groups"] => Value::List(vec!["g1".into(), "g2".into()]),
            ["account", "id"] => Value::Text("AC0001".into()),
            _ => Value::Null,
        }
    }

    fn now_hour_utc(&self) -> u8 {
        10
    }

    fn table_alias(&self) -> Option<&str> {
        self.alias
    }

    fn sql_macro(
        &self,
        name: &str,
        args: &[String],
        params: &mut ParamBinder,
    ) -> Result<String, MacroError> {
        match (name, args) {
            ("nul", []) => Ok("1\u{0}".to_owned()),
            ("is_member", [project, user]) => {
                let role = params.bind(SqlParam::Text("member".into()));
                Ok(format!(
                    "SELECT count(*) FROM members m WHERE m.project = {project} AND m.user_id = {user} AND m.role = {role}"
                ))
            }
            _ => Err(MacroError::new("not compilable")),
        }
    }
}

fn schema() -> Schema {
    Schema::from_fields([
        ("title", FieldType::Text),
        ("views", FieldType::Number),
        ("published", FieldType::Boolean),
        ("due", FieldType::Datetime),
        ("meta", FieldType::Json),
        ("tags", FieldType::Select { multiple: true }),
        ("value", FieldType::Select { multiple: true }),
    ])
    .expect("valid schema")
}

fn scope() -> Scope {
    Scope::rule()
        .with_sql_macro("is_member", 2)
        .with_sql_macro("broken", 0)
        .with_sql_macro("nul", 0)
}

fn param(p: &SqlParam) -> String {
    match p {
        SqlParam::Null => "NULL".into(),
        SqlParam::Bool(b) => b.to_string(),
        SqlParam::Int(i) => format!("{i}i"),
        SqlParam::Float(f) => format!("{f:?}"),
        SqlParam::Text(s) => format!("{s:?}"),
    }
}

fn compile_with(dialect: Dialect, ctx: &Ctx, src: &str) -> String {
    let expr = parse(src).expect("parses");
    match compile(&expr, &schema(), &scope(), dialect, ctx, 1) {
        Ok(p) => {
            let params: Vec<String> = p.params.iter().map(param).collect();
            format!("{} | {}", p.sql, params.join(", "))
        }
        Err(e) => format!("error: {e}"),
    }
}

/// The one data-driven helper: the SQLite and PostgreSQL output, each as
/// `sql | params`.
fn check(src: &str, sqlite: &str, postgres: &str) {
    let ctx = Ctx {
        alias: None,
        user_id: Value::Text("u1".into()),
    };
    assert_eq!(
        compile_with(Dialect::Sqlite, &ctx, src),
        sqlite,
        "sqlite: {src}"
    );
    assert_eq!(
        compile_with(Dialect::Postgres, &ctx, src),
        postgres,
        "postgres: {src}"
    );
}

/// For output that is the same in both dialects.
fn check_both(src: &str, both: &str) {
    check(src, both, both);
}

#[test]
fn equality_is_null_safe() {
    check(
        "record.title == 'a'",
        r#"("title" IS $1) | "a""#,
        r#"("title" IS NOT DISTINCT FROM $1) | "a""#,
    );
    check(
        "record.title != record.created_by",
        r#"(NOT ("title" IS "created_by")) | "#,
        r#"(NOT ("title" IS NOT DISTINCT FROM "created_by")) | "#,
    );
    check_both("record.title == null", r#"("title" IS NULL) | "#);
    check_both("null != record.meta", r#"(NOT ("meta" IS NULL)) | "#);
    check(
        "record.views == 2",
        r#"("views" IS $1) | 2.0"#,
        r#"("views" IS NOT DISTINCT FROM $1) | 2.0"#,
    );
    check(
        "record.due == '2024-01-01T01:00:00+01:00'",
        r#"("due" IS $1) | "2024-01-01T00:00:00.000000Z""#,
        r#"("due" IS NOT DISTINCT FROM CAST($1 AS TIMESTAMPTZ)) | "2024-01-01T00:00:00.000000Z""#,
    );
    check(
        "record.published == (record.views > 1)",
        r#"("published" IS COALESCE(("views" > $1), FALSE)) | 1.0"#,
        r#"("published" IS NOT DISTINCT FROM COALESCE(("views" > $1), FALSE)) | 1.0"#,
    );
}

#[test]
fn identity_is_bound() {
    check(
        "record.created_by == user.id or user.role == 'admin'",
        r#"(("created_by" IS $1) OR $2) | "u1", false"#,
        r#"(("created_by" IS NOT DISTINCT FROM $1) OR $2) | "u1", false"#,
    );
    check_both(
        "@has_role('editor') and @has_group('g2') and @in_time_range(9, 17)",
        "$1 | true",
    );
    check_both(
        "@has_role('editor') and @has_group('g3') and record.published",
        r#"($1 AND $2 AND COALESCE("published", FALSE)) | true, false"#,
    );
    check(
        "@owns_record()",
        r#"("created_by" IS $1) | "u1""#,
        r#"("created_by" IS NOT DISTINCT FROM $1) | "u1""#,
    );
    check_both("user.id == 'u1'", "$1 | true");
    let anonymous = Ctx {
        alias: Some("t"),
        user_id: Value::Null,
    };
    assert_eq!(
        compile_with(
            Dialect::Sqlite,
            &anonymous,
            "@is_creator() or record.created_by == user.id"
        ),
        r#"(FALSE OR ("t"."created_by" IS NULL)) | "#
    );
}

#[test]
fn ordering_is_two_valued() {
    check(
        "record.views >= -1.5",
        r#"COALESCE(("views" >= $1), FALSE) | -1.5"#,
        r#"COALESCE(("views" >= $1), FALSE) | -1.5"#,
    );
    check(
        "'b' < record.title",
        r#"COALESCE(($1 < "title"), FALSE) | "b""#,
        r#"COALESCE(($1 COLLATE "C" < "title"), FALSE) | "b""#,
    );
    check(
        "record.due < '2024-06-01'",
        r#"COALESCE(("due" < $1), FALSE) | "2024-06-01T00:00:00.000000Z""#,
        r#"COALESCE(("due" < CAST($1 AS TIMESTAMPTZ)), FALSE) | "2024-06-01T00:00:00.000000Z""#,
    );
    check_both(
        "-record.views < record.views",
        r#"COALESCE(((-"views") < "views"), FALSE) | "#,
    );
}

#[test]
fn truthiness_and_logic() {
    check_both(
        "not record.title or record.views and record.published",
        r#"((NOT COALESCE("title" <> '', FALSE)) OR (COALESCE("views" <> 0, FALSE) AND COALESCE("published", FALSE))) | "#,
    );
    check_both("record.due", r#"("due" IS NOT NULL) | "#);
    check(
        "record.tags",
        r#"COALESCE(json_array_length("tags") > 0, FALSE) | "#,
        r#"COALESCE(jsonb_array_length("tags") > 0, FALSE) | "#,
    );
    check_both("true", "$1 | true");
    check_both("0", "$1 | false");
}

#[test]
fn membership() {
    check_both(
        "record.title in ['a', null, user.id, account.slug]",
        r#"(COALESCE("title" IN ($1, $2), FALSE) OR ("title" IS NULL)) | "a", "u1""#,
    );
    check_both("record.title in []", "FALSE | ");
    check_both(
        "record.title in user.groups",
        r#"COALESCE("title" IN ($1, $2), FALSE) | "g1", "g2""#,
    );
    check(
        "'a' in [record.title, record.created_by]",
        r#"(("title" IS $1) OR ("created_by" IS $2)) | "a", "a""#,
        r#"(("title" IS NOT DISTINCT FROM $1) OR ("created_by" IS NOT DISTINCT FROM $2)) | "a", "a""#,
    );
    check(
        "'x' in record.tags",
        r#"COALESCE($1 IN (SELECT value FROM json_each("tags")), FALSE) | "x""#,
        r#"COALESCE("tags" @> jsonb_build_array($1), FALSE) | "x""#,
    );
    check(
        "contains(record.title, user.role)",
        r#"COALESCE(instr("title", $1) > 0, FALSE) | "editor""#,
        r#"COALESCE(strpos("title", $1) > 0, FALSE) | "editor""#,
    );
    check(
        "record.title not in 'abc'",
        r#"(NOT COALESCE(instr($1, "title") > 0, FALSE)) | "abc""#,
        r#"(NOT COALESCE(strpos($1, "title") > 0, FALSE)) | "abc""#,
    );
    check(
        "record.due in ['2024-01-01', '2024-01-01T02:00:00+02:00']",
        r#"COALESCE("due" IN ($1, $2), FALSE) | "2024-01-01T00:00:00.000000Z", "2024-01-01T00:00:00.000000Z""#,
        r#"COALESCE("due" IN (CAST($1 AS TIMESTAMPTZ), CAST($2 AS TIMESTAMPTZ)), FALSE) | "2024-01-01T00:00:00.000000Z", "2024-01-01T00:00:00.000000Z""#,
    );
    check_both("null in record.tags", "FALSE | ");
    // Discarded SQL leaves no parameter behind.
    check_both("(record.views > 1) in []", "FALSE | ");
    check(
        "starts_with(record.title, 'a') == (record.title in user.email)",
        r#"(COALESCE(substr("title", 1, length($1)) = $1, FALSE) IS FALSE) | "a""#,
        r#"(COALESCE(left("title", length($1)) = $1, FALSE) IS NOT DISTINCT FROM FALSE) | "a""#,
    );
}

#[test]
fn string_functions() {
    check(
        "starts_with(record.title, 'ab')",
        r#"COALESCE(substr("title", 1, length($1)) = $1, FALSE) | "ab""#,
        r#"COALESCE(left("title", length($1)) = $1, FALSE) | "ab""#,
    );
    check(
        "ends_with(record.title, 'ab')",
        r#"COALESCE(length("title") >= length($1) AND substr("title", length("title") - length($1) + 1) = $1, FALSE) | "ab""#,
        r#"COALESCE(right("title", length($1)) = $1, FALSE) | "ab""#,
    );
}

#[test]
fn sql_macros_use_the_hook() {
    check_both(
        "@is_member(record.id, user.id) > 0",
        r#"COALESCE(((SELECT count(*) FROM members m WHERE m.project = "id" AND m.user_id = $1 AND m.role = $2) > $3), FALSE) | "u1", "member", 0i"#,
    );
    check_both(
        "@nul() == 1",
        "error: Macro @nul cannot be compiled: the macro's SQL contains a NUL character at position 0",
    );
    check_both(
        "@broken()",
        "error: Macro @broken cannot be compiled: not compilable at position 0",
    );
}

#[test]
fn aliases_and_errors() {
    let aliased = Ctx {
        alias: Some("r\"x"),
        user_id: Value::Text("u1".into()),
    };
    assert_eq!(
        compile_with(Dialect::Sqlite, &aliased, "'a' in record.value"),
        r#"COALESCE($1 IN (SELECT value FROM json_each("r""x"."value")), FALSE) | "a""#
    );
    check(
        "'a' in record.value",
        "error: Field 'value' needs a table alias for membership tests on SQLite at position 0",
        r#"COALESCE("value" @> jsonb_build_array($1), FALSE) | "a""#,
    );
    check_both(
        "record.views == 'x'",
        "error: Cannot compare number with text at position 0",
    );
    let expr = parse("true").expect("parses");
    let ctx = Ctx {
        alias: None,
        user_id: Value::Null,
    };
    assert_eq!(
        compile(&expr, &schema(), &scope(), Dialect::Sqlite, &ctx, 0),
        Err(CompileError::InvalidFirstParam)
    );
    let p = compile(&expr, &schema(), &scope(), Dialect::Postgres, &ctx, 7).expect("compiles");
    assert_eq!(p.sql, "$7");
}

#[test]
fn repeated_operands_are_bounded() {
    // Each level repeats the previous level's SQL once per element; the
    // compiler refuses to build exponential output.
    let element = "record.published";
    let mut src = element.to_owned();
    for _ in 0..20 {
        src = format!("({src} in [{element}, {element}, {element}])");
    }
    check_both(
        &src,
        "error: The compiled query would be too large at position 20",
    );
    let mut src = element.to_owned();
    for _ in 0..3 {
        src = format!("({src} in [{element}, {element}, {element}])");
    }
    let ctx = Ctx {
        alias: None,
        user_id: Value::Null,
    };
    assert!(!compile_with(Dialect::Sqlite, &ctx, &src).starts_with("error"));
}
