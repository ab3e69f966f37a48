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
fn equality_with_a_known_value_is_plain_in_positive_positions() {
    check_both("record.title == 'a'", r#"("title" = $1) | "a""#);
    check_both("record.views == 2", r#"("views" = $1) | 2.0"#);
    check(
        "record.due == '2024-01-01T01:00:00+01:00'",
        r#"("due" = $1) | "2024-01-01T00:00:00.000000Z""#,
        r#"("due" = CAST($1 AS TIMESTAMPTZ)) | "2024-01-01T00:00:00.000000Z""#,
    );
    check_both(
        "record.title == 'a' and (record.views == 2 or record.published == false)",
        r#"(("title" = $1) AND (("views" = $2) OR ("published" = $3))) | "a", 2.0, false"#,
    );
    // Two record values may both be NULL, and `NULL == NULL` is true.
    check(
        "record.title == record.created_by",
        r#"("title" IS "created_by") | "#,
        r#"("title" IS NOT DISTINCT FROM "created_by") | "#,
    );
}

#[test]
fn equality_is_null_safe_where_observed() {
    check(
        "not (record.title == 'a')",
        r#"(NOT ("title" IS $1)) | "a""#,
        r#"(NOT ("title" IS NOT DISTINCT FROM $1)) | "a""#,
    );
    check(
        "record.title != 'a'",
        r#"(NOT ("title" IS $1)) | "a""#,
        r#"(NOT ("title" IS NOT DISTINCT FROM $1)) | "a""#,
    );
    check(
        "record.title != record.created_by",
        r#"(NOT ("title" IS "created_by")) | "#,
        r#"(NOT ("title" IS NOT DISTINCT FROM "created_by")) | "#,
    );
    check(
        "not (record.title == 'a' and record.views == 2)",
        r#"(NOT (("title" IS $1) AND ("views" IS $2))) | "a", 2.0"#,
        r#"(NOT (("title" IS NOT DISTINCT FROM $1) AND ("views" IS NOT DISTINCT FROM $2))) | "a", 2.0"#,
    );
    check(
        "record.published == (record.views > 1)",
        r#"("published" IS COALESCE(("views" > $1), FALSE)) | 1.0"#,
        r#"("published" IS NOT DISTINCT FROM COALESCE(("views" > $1), FALSE)) | 1.0"#,
    );
    // The comparison inside is observed; the outer one is positive.
    check(
        "(record.title == 'a') == true",
        r#"(("title" IS $1) = $2) | "a", true"#,
        r#"(("title" IS NOT DISTINCT FROM $1) = $2) | "a", true"#,
    );
}

#[test]
fn equality_with_null_is_a_null_test() {
    check_both("record.title == null", r#"("title" IS NULL) | "#);
    check_both("null != record.meta", r#"("meta" IS NOT NULL) | "#);
    check_both("record.tags != null", r#"("tags" IS NOT NULL) | "#);
    check_both(
        "not (record.title == null) or not (record.views != null)",
        r#"((NOT ("title" IS NULL)) OR (NOT ("views" IS NOT NULL))) | "#,
    );
}

#[test]
fn identity_is_bound() {
    check_both(
        "record.created_by == user.id or user.role == 'admin'",
        r#"(("created_by" = $1) OR $2) | "u1", false"#,
    );
    check_both(
        "@has_role('editor') and @has_group('g2') and @in_time_range(9, 17)",
        "$1 | true",
    );
    check_both(
        "@has_role('editor') and @has_group('g3') and record.published",
        r#"($1 AND $2 AND "published") | true, false"#,
    );
    check_both("@owns_record()", r#"("created_by" = $1) | "u1""#);
    check(
        "not @owns_record()",
        r#"(NOT ("created_by" IS $1)) | "u1""#,
        r#"(NOT ("created_by" IS NOT DISTINCT FROM $1)) | "u1""#,
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
fn ordering_is_plain_in_positive_positions() {
    check_both("record.views >= -1.5", r#"("views" >= $1) | -1.5"#);
    check(
        "'b' < record.title",
        r#"($1 < "title") | "b""#,
        r#"($1 COLLATE "C" < "title") | "b""#,
    );
    check(
        "record.due < '2024-06-01'",
        r#"("due" < $1) | "2024-06-01T00:00:00.000000Z""#,
        r#"("due" < CAST($1 AS TIMESTAMPTZ)) | "2024-06-01T00:00:00.000000Z""#,
    );
    check_both(
        "-record.views < record.views",
        r#"((-"views") < "views") | "#,
    );
}

#[test]
fn ordering_is_two_valued_where_observed() {
    check_both(
        "not (record.views >= -1.5)",
        r#"(NOT COALESCE(("views" >= $1), FALSE)) | -1.5"#,
    );
    check(
        "not ('b' < record.title or record.due < '2024-06-01')",
        r#"(NOT (COALESCE(($1 < "title"), FALSE) OR COALESCE(("due" < $2), FALSE))) | "b", "2024-06-01T00:00:00.000000Z""#,
        r#"(NOT (COALESCE(($1 COLLATE "C" < "title"), FALSE) OR COALESCE(("due" < CAST($2 AS TIMESTAMPTZ)), FALSE))) | "b", "2024-06-01T00:00:00.000000Z""#,
    );
}

#[test]
fn truthiness_and_logic() {
    check_both(
        "not record.title or record.views and record.published",
        r#"((NOT COALESCE("title" <> '', FALSE)) OR (("views" <> 0) AND "published")) | "#,
    );
    check_both(
        "not (record.published or record.views) and record.title",
        r#"((NOT (COALESCE("published", FALSE) OR COALESCE("views" <> 0, FALSE))) AND ("title" <> '')) | "#,
    );
    check_both("record.due", r#"("due" IS NOT NULL) | "#);
    check_both("not record.due", r#"(NOT ("due" IS NOT NULL)) | "#);
    check(
        "record.tags",
        r#"(json_array_length("tags") > 0) | "#,
        r#"(jsonb_array_length("tags") > 0) | "#,
    );
    check(
        "not record.tags",
        r#"(NOT COALESCE(json_array_length("tags") > 0, FALSE)) | "#,
        r#"(NOT COALESCE(jsonb_array_length("tags") > 0, FALSE)) | "#,
    );
    check_both("true", "$1 | true");
    check_both("0", "$1 | false");
}

#[test]
fn membership() {
    check_both(
        "record.title in ['a', null, user.id, account.slug]",
        r#"(("title" IN ($1, $2)) OR ("title" IS NULL)) | "a", "u1""#,
    );
    check_both(
        "not (record.title in ['a', null, user.id, account.slug])",
        r#"(NOT (COALESCE("title" IN ($1, $2), FALSE) OR ("title" IS NULL))) | "a", "u1""#,
    );
    check_both(
        "record.title not in ['a', 'b']",
        r#"(NOT COALESCE("title" IN ($1, $2), FALSE)) | "a", "b""#,
    );
    check_both("record.title in []", "FALSE | ");
    check_both(
        "record.title in user.groups",
        r#"("title" IN ($1, $2)) | "g1", "g2""#,
    );
    check_both(
        "'a' in [record.title, record.created_by]",
        r#"(("title" = $1) OR ("created_by" = $2)) | "a", "a""#,
    );
    check(
        "'a' not in [record.title, record.created_by]",
        r#"(NOT (("title" IS $1) OR ("created_by" IS $2))) | "a", "a""#,
        r#"(NOT (("title" IS NOT DISTINCT FROM $1) OR ("created_by" IS NOT DISTINCT FROM $2))) | "a", "a""#,
    );
    check(
        "'x' in record.tags",
        r#"($1 IN (SELECT value FROM json_each("tags"))) | "x""#,
        r#"("tags" @> jsonb_build_array($1)) | "x""#,
    );
    check(
        "'x' not in record.tags",
        r#"(NOT COALESCE($1 IN (SELECT value FROM json_each("tags")), FALSE)) | "x""#,
        r#"(NOT COALESCE("tags" @> jsonb_build_array($1), FALSE)) | "x""#,
    );
    check(
        "contains(record.title, user.role)",
        r#"(instr("title", $1) > 0) | "editor""#,
        r#"(strpos("title", $1) > 0) | "editor""#,
    );
    check(
        "record.title not in 'abc'",
        r#"(NOT COALESCE(instr($1, "title") > 0, FALSE)) | "abc""#,
        r#"(NOT COALESCE(strpos($1, "title") > 0, FALSE)) | "abc""#,
    );
    check(
        "record.due in ['2024-01-01', '2024-01-01T02:00:00+02:00']",
        r#"("due" IN ($1, $2)) | "2024-01-01T00:00:00.000000Z", "2024-01-01T00:00:00.000000Z""#,
        r#"("due" IN (CAST($1 AS TIMESTAMPTZ), CAST($2 AS TIMESTAMPTZ))) | "2024-01-01T00:00:00.000000Z", "2024-01-01T00:00:00.000000Z""#,
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
        r#"(substr("title", 1, length($1)) = $1) | "ab""#,
        r#"(left("title", length($1)) = $1) | "ab""#,
    );
    check(
        "ends_with(record.title, 'ab')",
        r#"(length("title") >= length($1) AND substr("title", length("title") - length($1) + 1) = $1) | "ab""#,
        r#"(right("title", length($1)) = $1) | "ab""#,
    );
    check(
        "not starts_with(record.title, 'ab') and not ends_with(record.title, 'ab')",
        r#"((NOT COALESCE(substr("title", 1, length($1)) = $1, FALSE)) AND (NOT COALESCE(length("title") >= length($2) AND substr("title", length("title") - length($2) + 1) = $2, FALSE))) | "ab", "ab""#,
        r#"((NOT COALESCE(left("title", length($1)) = $1, FALSE)) AND (NOT COALESCE(right("title", length($2)) = $2, FALSE))) | "ab", "ab""#,
    );
}

#[test]
fn sql_macros_use_the_hook() {
    check_both(
        "@is_member(record.id, user.id) > 0",
        r#"((SELECT count(*) FROM members m WHERE m.project = "id" AND m.user_id = $1 AND m.role = $2) > $3) | "u1", "member", 0i"#,
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
        r#"($1 IN (SELECT value FROM json_each("r""x"."value"))) | "a""#
    );
    check(
        "'a' in record.value",
        "error: Field 'value' needs a table alias for membership tests on SQLite at position 0",
        r#"("value" @> jsonb_build_array($1)) | "a""#,
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

/// The SQL of list filters and rules as the server compiles them (alias `t`,
/// parameters from `$2`, after `"t"."account_id" = $1`).
fn compile_listing(dialect: Dialect, scope: &Scope, user_id: Value, src: &str) -> String {
    let schema = Schema::from_fields([
        ("status", FieldType::Select { multiple: false }),
        ("n", FieldType::Number),
        ("flag", FieldType::Boolean),
    ])
    .expect("valid schema");
    let ctx = Ctx {
        alias: Some("t"),
        user_id,
    };
    let expr = parse(src).expect("parses");
    let p = compile(&expr, &schema, scope, dialect, &ctx, 2).expect("compiles");
    let params: Vec<String> = p.params.iter().map(param).collect();
    format!("{} | {}", p.sql, params.join(", "))
}

fn check_listing(src: &str, sqlite: &str, postgres: &str) {
    for (dialect, want) in [(Dialect::Sqlite, sqlite), (Dialect::Postgres, postgres)] {
        let scope = if src.contains("record.") {
            Scope::rule()
        } else {
            Scope::filter()
        };
        assert_eq!(
            compile_listing(dialect, &scope, Value::Text("u1".into()), src),
            want,
            "{dialect:?}: {src}"
        );
    }
}

#[test]
fn index_friendly_list_filters() {
    check_listing(
        "status == 's3'",
        r#"("t"."status" = $2) | "s3""#,
        r#"("t"."status" = $2) | "s3""#,
    );
    check_listing(
        "n > 3 and flag == true",
        r#"(("t"."n" > $2) AND ("t"."flag" = $3)) | 3.0, true"#,
        r#"(("t"."n" > $2) AND ("t"."flag" = $3)) | 3.0, true"#,
    );
    check_listing(
        "not (status == 's3')",
        r#"(NOT ("t"."status" IS $2)) | "s3""#,
        r#"(NOT ("t"."status" IS NOT DISTINCT FROM $2)) | "s3""#,
    );
    check_listing(
        "status in ['a', 'b']",
        r#"("t"."status" IN ($2, $3)) | "a", "b""#,
        r#"("t"."status" IN ($2, $3)) | "a", "b""#,
    );
    check_listing(
        "record.created_by == user.id",
        r#"("t"."created_by" = $2) | "u1""#,
        r#"("t"."created_by" = $2) | "u1""#,
    );
    check_listing(
        "status == null or status != null",
        r#"(("t"."status" IS NULL) OR ("t"."status" IS NOT NULL)) | "#,
        r#"(("t"."status" IS NULL) OR ("t"."status" IS NOT NULL)) | "#,
    );
    check_listing(
        "created_at >= '2024-01-01' and created_at < '2024-02-01T00:00:00+01:00'",
        r#"(("t"."created_at" >= $2) AND ("t"."created_at" < $3)) | "2024-01-01T00:00:00.000000Z", "2024-01-31T23:00:00.000000Z""#,
        r#"(("t"."created_at" >= CAST($2 AS TIMESTAMPTZ)) AND ("t"."created_at" < CAST($3 AS TIMESTAMPTZ))) | "2024-01-01T00:00:00.000000Z", "2024-01-31T23:00:00.000000Z""#,
    );
    // Text ordering keeps `COLLATE "C"` (code point order) on PostgreSQL.
    check_listing(
        "status >= 'b'",
        r#"("t"."status" >= $2) | "b""#,
        r#"("t"."status" COLLATE "C" >= $2) | "b""#,
    );
}

#[test]
fn a_null_identity_is_a_null_test() {
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        assert_eq!(
            compile_listing(
                dialect,
                &Scope::rule(),
                Value::Null,
                "record.created_by == user.id or @owns_record()"
            ),
            r#"(("t"."created_by" IS NULL) OR FALSE) | "#
        );
        assert_eq!(
            compile_listing(
                dialect,
                &Scope::rule(),
                Value::Null,
                "record.created_by != user.id"
            ),
            r#"("t"."created_by" IS NOT NULL) | "#
        );
    }
}

#[test]
fn contains_ignoring_case() {
    // A known pattern is bound, lowered and with its wildcards escaped.
    check(
        r"record.title ~ 'It\'s 100%_\x'",
        r#"(lower("title") LIKE $1 ESCAPE '\') | "%it's 100\\%\\_\\\\x%""#,
        r#"(translate("title", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE $1 ESCAPE '\') | "%it's 100\\%\\_\\\\x%""#,
    );
    check(
        "record.title !~ 'A'",
        r#"(NOT COALESCE(lower("title") LIKE $1 ESCAPE '\', FALSE)) | "%a%""#,
        r#"(NOT COALESCE(translate("title", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE $1 ESCAPE '\', FALSE)) | "%a%""#,
    );
    check(
        "not (record.title ~ user.role)",
        r#"(NOT COALESCE(lower("title") LIKE $1 ESCAPE '\', FALSE)) | "%editor%""#,
        r#"(NOT COALESCE(translate("title", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE $1 ESCAPE '\', FALSE)) | "%editor%""#,
    );
    // A pattern from the record is searched for, without wildcards.
    check(
        "record.title ~ record.created_by",
        r#"(instr(lower("title"), lower("created_by")) > 0) | "#,
        r#"(strpos(translate("title", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), translate("created_by", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) > 0) | "#,
    );
    check(
        "'Ab%' ~ record.title",
        r#"(instr($1, lower("title")) > 0) | "ab%""#,
        r#"(strpos($1, translate("title", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')) > 0) | "ab%""#,
    );
    check(
        "@is_member(1, 2) ~ 'x'",
        r#"(lower((SELECT count(*) FROM members m WHERE m.project = $1 AND m.user_id = $2 AND m.role = $3)) LIKE $4 ESCAPE '\') | 1i, 2i, "member", "%x%""#,
        r#"(translate(CAST((SELECT count(*) FROM members m WHERE m.project = $1 AND m.user_id = $2 AND m.role = $3) AS TEXT), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') LIKE $4 ESCAPE '\') | 1i, 2i, "member", "%x%""#,
    );
    // Null matches nothing; known values are computed.
    check_both("record.title ~ null", "FALSE | ");
    check_both("null ~ record.title", "FALSE | ");
    check_both("record.title !~ null", "(NOT FALSE) | ");
    check_both("'ABC' ~ 'b' and user.role !~ 'x'", "$1 | true");
}

/// The SQL of `sdk` and `rule`, which must be the same, on both backends.
fn same_sql(sdk: &str, rule: &str) {
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        for scope in [Scope::filter(), Scope::rule()] {
            let (sdk, rule) = if scope.kind() == crate::ScopeKind::Rule {
                (qualify(sdk), qualify(rule))
            } else {
                (sdk.to_owned(), rule.to_owned())
            };
            let sdk_sql = compile_listing(dialect, &scope, Value::Text("u1".into()), &sdk);
            let rule_sql = compile_listing(dialect, &scope, Value::Text("u1".into()), &rule);
            assert_eq!(sdk_sql, rule_sql, "{dialect:?}: {sdk} vs {rule}");
        }
    }
}

/// `status` → `record.status` (and `n`, `flag`), for the rule scope.
fn qualify(src: &str) -> String {
    let mut out = String::new();
    let mut word = String::new();
    for c in src.chars().chain([' ']) {
        if c.is_ascii_alphanumeric() || c == '_' {
            word.push(c);
            continue;
        }
        if ["status", "n", "flag"].contains(&word.as_str()) {
            out.push_str("record.");
        }
        out.push_str(&word);
        word.clear();
        out.push(c);
    }
    out
}

#[test]
fn the_sdk_dialect_compiles_to_the_same_sql_as_the_rule_syntax() {
    // The index-friendly shapes keep their SQL: `=` is `==`, `IN (…)` is
    // `in […]`, `IS NULL` is `== null`.
    same_sql("status = 'x'", r#"status == "x""#);
    check_listing(
        "status = 'x'",
        r#"("t"."status" = $2) | "x""#,
        r#"("t"."status" = $2) | "x""#,
    );
    same_sql("status = 'x' && n > 5", "status == 'x' and n > 5");
    same_sql("status IN ('a', 'b')", "status in ['a', 'b']");
    same_sql("status NOT IN ('a', null)", "status not in ['a', null]");
    same_sql("status IN ('a')", "status in ['a']");
    same_sql(
        "status IS NULL || flag IS NOT NULL",
        "status == null or flag != null",
    );
    same_sql("status = null", "status == null");
    same_sql(
        "n >= 1e+2 || n <= -1.5e-7",
        "n >= 100.0 or n <= -0.00000015",
    );
    same_sql(
        "(status = 'a' || n = 2) && flag = true",
        "(status == 'a' or n == 2) and flag == true",
    );
    same_sql("status != 'x'", "status != 'x'");
    same_sql(
        "NOT (status = 'a') AND flag",
        "not (status == 'a') and flag",
    );
}
