//! Unit tests of the macro check: what passes, what is refused (on both
//! dialects), the expansion, and a seeded fuzz of forbidden reads.

use std::collections::HashMap;

use super::template::{compile, validate};
use crate::db::dialect::Backend;

const BACKENDS: [Backend; 2] = [Backend::Sqlite, Backend::Postgres];

fn check(sql: &str, backend: Backend) -> Result<(), String> {
    validate(
        sql,
        &["status".into()],
        &["posts".into(), "notes".into()],
        backend,
    )
}

#[track_caller]
fn accepted(sql: &str) {
    for b in BACKENDS {
        if let Err(e) = check(sql, b) {
            panic!("{b:?} refused {sql:?}: {e}");
        }
    }
}

#[track_caller]
fn refused(sql: &str) {
    for b in BACKENDS {
        assert!(check(sql, b).is_err(), "{b:?} accepted {sql:?}");
    }
}

#[test]
fn plain_macros_pass() {
    for sql in [
        "SELECT COUNT(*) FROM {posts} WHERE status = :status AND created_by = :user_id",
        "select 'it''s; drop' || :status",
        "SELECT 1",
        "SELECT 1;",
        "SELECT COUNT(*) FROM {posts} -- a comment\n WHERE status = 'x'",
        "SELECT /* how many */ COUNT(*) FROM {posts}",
        "WITH x AS (SELECT 1 AS n) SELECT * FROM x",
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 5) SELECT COUNT(*) FROM r",
        "WITH mine AS (SELECT * FROM {posts} WHERE created_by = :user_id), live AS (SELECT * FROM mine WHERE status = 'live') SELECT COUNT(*) FROM live",
        "SELECT COUNT(*) FROM {posts} p JOIN {notes} n ON n.title = p.title WHERE p.account_id = :account_id",
        "SELECT COUNT(*) FROM {posts} AS p LEFT JOIN {notes} AS n ON n.id = p.id",
        "SELECT COUNT(*) FROM {posts} WHERE id IN (SELECT id FROM {notes})",
        "SELECT COUNT(*) FROM {posts} WHERE EXISTS (SELECT 1 FROM {notes} WHERE notes.title = posts.title)",
        "SELECT (SELECT COUNT(*) FROM {notes}) + (SELECT COUNT(*) FROM {posts})",
        "SELECT COUNT(*) FROM (SELECT title FROM {posts} UNION SELECT title FROM {notes}) AS t",
        "SELECT COALESCE(MAX(LENGTH(title)), 0) FROM {posts} WHERE LOWER(status) = LOWER(:status)",
        "SELECT CASE WHEN COUNT(*) > 2 THEN 'many' ELSE 'few' END FROM {posts}",
        "SELECT CAST(COUNT(*) AS TEXT) FROM {posts}",
        "SELECT COUNT(DISTINCT status) FROM {posts} WHERE title LIKE 'a%' AND status IS NOT NULL",
        "SELECT SUM(ABS(ROUND(1.5))) FROM {posts} GROUP BY status HAVING COUNT(*) > 1 ORDER BY 1 DESC LIMIT 1 OFFSET 0",
        "SELECT COUNT(*) FROM {posts} WHERE created_at > CURRENT_TIMESTAMP",
        "SELECT COUNT(*) FROM {posts} WHERE status BETWEEN 'a' AND 'z' OR status IN ('x', 'y')",
        "VALUES (1)",
        "SELECT COUNT(*) FROM {Posts}",
        "SELECT \"user\" FROM {posts}",
        "SELECT COUNT(*) FROM {posts} NATURAL JOIN {notes}",
        "SELECT COUNT(*) FROM {posts} JOIN {notes} USING (title)",
        "SELECT COUNT(*) FROM {posts} CROSS JOIN {notes}",
        "SELECT title FROM {posts} INTERSECT SELECT title FROM {notes} EXCEPT SELECT 'x'",
        "SELECT DISTINCT title FROM {posts} WHERE title IS DISTINCT FROM status",
        "SELECT COUNT(*) FROM {posts} WHERE title = POSITION('a' IN status)",
        "SELECT SUBSTRING(title FROM 1 FOR 2), TRIM(title), LOWER(title COLLATE \"C\") FROM {posts}",
        "SELECT rank() OVER w FROM {posts} WINDOW w AS (PARTITION BY status ORDER BY title)",
        "SELECT data ->> 'a' FROM {posts}",
        "SELECT NULLIF(-1, +1) * (2 % 3) / 4 - 5",
    ] {
        accepted(sql);
    }
    // Dialect-specific.
    for sql in [
        "SELECT x::text FROM {posts}",
        "SELECT COUNT(*) FROM {posts} WHERE created_at > now() - INTERVAL '1 day'",
        "SELECT string_agg(title, ',' ORDER BY title) FROM {posts}",
        "SELECT COUNT(*) FILTER (WHERE status = 'x') FROM {posts}",
        "SELECT COUNT(*) FROM {posts} FULL JOIN {notes} ON true",
        "SELECT title FROM {posts} ORDER BY title FETCH FIRST 1 ROWS ONLY",
        "SELECT EXTRACT(YEAR FROM created_at AT TIME ZONE 'UTC') FROM {posts}",
        "SELECT COUNT(*) FROM {posts} WHERE title ILIKE 'a%' OR title ~ '^b' OR title SIMILAR TO 'c%'",
        "SELECT COUNT(*) FROM {posts} WHERE id::uuid IS NOT NULL AND 1 < ALL (SELECT 2)",
        "SELECT CAST('1 day' AS INTERVAL), DATE '2024-01-01', '{}'::jsonb",
    ] {
        check(sql, Backend::Postgres).unwrap();
    }
    for sql in [
        "SELECT group_concat(title) FROM {posts}",
        "SELECT COUNT(*) FROM {posts} WHERE created_at > datetime('now', '-1 day')",
        "SELECT typeof(title) FROM {posts} LIMIT 1",
        "SELECT COUNT(*) FROM {posts} WHERE title GLOB 'a*'",
        "SELECT title FROM {posts} LIMIT 1, 2",
    ] {
        check(sql, Backend::Sqlite).unwrap();
    }
}

#[test]
fn what_a_macro_may_not_be() {
    for sql in [
        "DELETE FROM {posts}",
        "UPDATE {posts} SET title = 'x'",
        "INSERT INTO {posts} (title) VALUES ('x')",
        "SELECT 1; DROP TABLE users",
        "SELECT 1; SELECT 2",
        "SELECT * FROM {ghosts}",
        "SELECT :nope",
        "SELECT $1",
        "SELECT ?",
        "SELECT * FROM {posts} FOR UPDATE",
        "SELECT * INTO stolen FROM {posts}",
        "SELECT COUNT(* FROM {posts}",
        "",
        "   ",
        "SELECT snackbase_macro_c_posts",
        "SELECT 1 FROM {posts} WHERE {posts} = 1",
        "SELECT :status FROM {posts} AS :status",
        "SELECT * FROM :status",
        "SELECT { posts }",
        "SELECT {posts}.title FROM {posts}",
        "WITH {posts} AS (SELECT 1) SELECT * FROM {posts}",
        "SELECT current_user",
        "SELECT user",
        "SELECT current_schema",
    ] {
        refused(sql);
    }
    assert!(validate(
        "SELECT :account_id",
        &["account_id".into()],
        &[],
        Backend::Sqlite
    )
    .is_err());
    assert!(validate("SELECT :a", &["a".into(), "a".into()], &[], Backend::Sqlite).is_err());
    assert!(validate("SELECT 1", &["1x".into()], &[], Backend::Sqlite).is_err());
}

/// The reads of issue 11 (defect 4), which the old deny-list let through,
/// and their obvious variants.
#[test]
fn reads_outside_the_placeholders_are_refused() {
    for sql in [
        "SELECT password_hash FROM 'users'",
        "SELECT password_hash FROM \"users\"",
        "SELECT password_hash FROM [users]",
        "SELECT password_hash FROM `users`",
        "SELECT password_hash FROM users",
        "SELECT password_hash FROM USERS",
        "SELECT password_hash FROM main.users",
        "SELECT password_hash FROM public.users",
        "SELECT password_hash FROM \"main\".\"users\"",
        "SELECT password_hash FROM/**/users",
        "SELECT password_hash FROM/* x */'users'",
        "SELECT password_hash FROM -- x\n users",
        "SELECT COUNT(*) FROM 'col_notes'",
        "SELECT COUNT(*) FROM col_notes",
        "SELECT COUNT(*) FROM \"col_notes\"",
        "SELECT secret FROM webhooks",
        "SELECT token FROM invitations",
        "SELECT token_hash FROM auth_links",
        "SELECT * FROM request_logs",
        "SELECT * FROM webhook_deliveries",
        "SELECT * FROM settings",
        "SELECT * FROM email_templates",
        "SELECT * FROM macros",
        "SELECT * FROM accounts",
        "SELECT * FROM pragma_table_info('users')",
        "SELECT name FROM pragma_table_info('users') LIMIT 1",
        "PRAGMA table_info(users)",
        "ATTACH DATABASE 'x.db' AS x",
        "SELECT * FROM sqlite_master",
        "SELECT * FROM sqlite_schema",
        "SELECT * FROM generate_series(1, 3)",
        "SELECT * FROM json_each('[1]')",
        "SELECT * FROM pg_catalog.pg_user",
        "SELECT * FROM pg_user",
        "SELECT * FROM pg_shadow",
        "SELECT * FROM information_schema.tables",
        "SELECT E'\\'' || (SELECT email FROM users LIMIT 1) || E'\\''",
        "SELECT '\\'' || (SELECT email FROM users LIMIT 1) || '\\''",
        "SELECT COUNT(*) FROM {posts} UNION SELECT COUNT(*) FROM users",
        "SELECT COUNT(*) FROM {posts} WHERE EXISTS (SELECT 1 FROM users)",
        "SELECT COUNT(*) FROM {posts} WHERE id IN (SELECT id FROM users)",
        "SELECT (SELECT password_hash FROM users LIMIT 1)",
        "SELECT COUNT(*) FROM {posts} JOIN users ON 1 = 1",
        "SELECT COUNT(*) FROM (SELECT * FROM users) AS u",
        "WITH x AS (SELECT * FROM users) SELECT COUNT(*) FROM x",
        // A WITH table that names a real table is not visible in its own body.
        "WITH users AS (SELECT * FROM users) SELECT password_hash FROM users",
        // …nor in the WITH tables before it.
        "WITH a AS (SELECT * FROM users), users AS (SELECT 1) SELECT * FROM a",
        // A WITH table may not shadow the table a placeholder expands to.
        "WITH col_posts AS (SELECT 1 AS account_id) SELECT COUNT(*) FROM {posts}",
        // Functions that read outside.
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT current_setting('data_directory')",
        "SELECT dblink('host=x', 'SELECT 1')",
        "SELECT lo_import('/etc/passwd')",
        "SELECT query_to_xml('SELECT * FROM users', true, true, '')",
        "SELECT pg_catalog.lower('x')",
        "SELECT load_extension('x')",
        "SELECT sqlite_version()",
        "SELECT 'users'::regclass",
        "SELECT CAST('users' AS regclass)",
        "SELECT version()",
        "SELECT COUNT(*) FROM {posts} WHERE title = (SELECT current_setting('is_superuser'))",
    ] {
        refused(sql);
    }
}

#[test]
fn expansion_scopes_collections() {
    let mut values = HashMap::new();
    values.insert("status".to_string(), "$3".to_string());
    let t = compile(
        "SELECT COUNT(*) FROM {posts} WHERE status = :status",
        &["status".into()],
        Backend::Postgres,
    )
    .unwrap();
    assert_eq!(
        t.expand("$1", &values).unwrap(),
        "SELECT COUNT(*) FROM (SELECT * FROM \"col_posts\" WHERE \"account_id\" = $1) AS \"posts\" WHERE status = $3"
    );
    // An alias of the query's own is kept; comments are gone.
    let t = compile(
        "SELECT COUNT(*) /* c */ FROM {Posts} p WHERE p.status = :status",
        &["status".into()],
        Backend::Sqlite,
    )
    .unwrap();
    assert_eq!(
        t.expand("?1", &values).unwrap(),
        "SELECT COUNT(*) FROM (SELECT * FROM \"col_posts\" WHERE \"account_id\" = ?1) p WHERE p.status = $3"
    );
}

/// Every place an expression can stand is walked: a subquery there reading
/// a table is refused, the same subquery reading a placeholder passes.
#[test]
fn subqueries_are_checked_wherever_they_stand() {
    const SLOTS: &[&str] = &[
        "SELECT @E",
        "SELECT COUNT(*) FROM {posts} WHERE @E IS NOT NULL",
        "SELECT COUNT(*) FROM {posts} GROUP BY @E",
        "SELECT COUNT(*) FROM {posts} GROUP BY status HAVING @E IS NULL",
        "SELECT title FROM {posts} ORDER BY @E",
        "SELECT title FROM {posts} LIMIT @E",
        "SELECT title FROM {posts} LIMIT 1 OFFSET @E",
        "SELECT COUNT(*) FROM {posts} p JOIN {notes} n ON n.title = @E",
        "VALUES (@E)",
        "SELECT COALESCE(@E, 'x')",
        "SELECT CASE @E WHEN 'a' THEN 1 END",
        "SELECT CASE WHEN @E = 'a' THEN 1 ELSE 2 END",
        "SELECT CAST(@E AS TEXT)",
        "SELECT 1 WHERE 'a' IN (@E, 'b')",
        "SELECT 1 WHERE 'a' BETWEEN @E AND 'z'",
        "SELECT 1 WHERE 'a' LIKE @E",
        "SELECT LOWER(TRIM(@E))",
        "SELECT SUBSTRING(@E FROM 1 FOR 2)",
        "SELECT COUNT(*) FILTER (WHERE @E IS NULL) FROM {posts}",
        "SELECT ROW_NUMBER() OVER (PARTITION BY @E) FROM {posts}",
        "SELECT COUNT(*) OVER (ORDER BY @E) FROM {posts}",
        "SELECT NOT (@E IS NULL)",
        "SELECT -LENGTH(@E)",
        "SELECT (@E) || 'x'",
        "SELECT EXISTS (SELECT @E)",
        "WITH w AS (SELECT @E AS v) SELECT v FROM w",
        "SELECT * FROM (SELECT @E AS v) AS s",
        "SELECT COUNT(*) FROM {posts} WHERE title = ANY (SELECT @E)",
    ];
    for slot in SLOTS {
        refused(&slot.replace("@E", "(SELECT password_hash FROM users LIMIT 1)"));
        accepted(&slot.replace("@E", "(SELECT title FROM {notes} LIMIT 1)"));
    }
}

/// A seeded generator (splitmix64), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Query shapes; `@T` stands for what is read.
const SHAPES: &[&str] = &[
    "SELECT COUNT(*) FROM @T",
    "SELECT password_hash FROM @T LIMIT 1",
    "SELECT COUNT(*) FROM {posts} WHERE EXISTS (SELECT 1 FROM @T)",
    "SELECT (SELECT COUNT(*) FROM @T)",
    "SELECT COUNT(*) FROM {posts} UNION SELECT COUNT(*) FROM @T",
    "SELECT COUNT(*) FROM {posts} UNION ALL SELECT COUNT(*) FROM @T ORDER BY 1",
    "WITH x AS (SELECT * FROM @T) SELECT COUNT(*) FROM x",
    "WITH RECURSIVE x AS (SELECT * FROM @T) SELECT COUNT(*) FROM x",
    "SELECT COUNT(*) FROM {posts} p JOIN @T u ON 1 = 1",
    "SELECT COUNT(*) FROM {posts} p, @T",
    "SELECT COUNT(*) FROM (SELECT * FROM @T) AS s",
    "SELECT COUNT(*) FROM {posts} WHERE id IN (SELECT id FROM @T)",
    "SELECT COALESCE((SELECT MAX(id) FROM @T), 0)",
    "SELECT CASE WHEN 1 = 1 THEN (SELECT 1 FROM @T) END",
];

/// Table names no macro may read, and how they may be written.
const TABLES: &[&str] = &[
    "users",
    "col_notes",
    "webhooks",
    "invitations",
    "request_logs",
    "webhook_deliveries",
    "settings",
    "email_templates",
    "macros",
    "accounts",
    "sqlite_master",
    "pg_user",
    "pg_shadow",
];
const FORMS: &[&str] = &[
    "@N",
    "'@N'",
    "\"@N\"",
    "[@N]",
    "`@N`",
    "main.@N",
    "public.@N",
    "\"main\".\"@N\"",
    "pg_catalog.@N",
    "information_schema.@N",
    "pragma_table_info('@N')",
    "generate_series(1, 2)",
    "json_each('[1]')",
];
const SPACES: &[&str] = &[
    " ", "  ", "\n", "\t", " /**/ ", "/**/", "/* x */", " --c\n ",
];
const WRAPS: &[&str] = &[
    "SELECT (@Q)",
    "SELECT COUNT(*) FROM (@Q) AS w",
    "WITH w AS (@Q) SELECT COUNT(*) FROM w",
    "SELECT 1 WHERE EXISTS (@Q)",
    "SELECT COUNT(*) FROM {notes} WHERE 1 IN (@Q)",
];

/// One mutation of `shape` reading `table`: wrapped, re-spaced, re-cased.
fn mutate(rng: &mut Rng, shape: &str, table: &str) -> String {
    let mut sql = shape.replace("@T", table);
    for _ in 0..rng.below(3) {
        sql = rng.pick(WRAPS).replace("@Q", &sql);
    }
    let mut out = String::new();
    for c in sql.chars() {
        match c {
            ' ' if rng.below(3) == 0 => out.push_str(rng.pick(SPACES)),
            c if c.is_ascii_alphabetic() && rng.below(4) == 0 => {
                out.push(if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                })
            }
            c => out.push(c),
        }
    }
    out
}

#[test]
fn fuzzed_reads_outside_the_placeholders_are_refused() {
    let mut rng = Rng(0x5eed_0011_0004);
    let mut tried = 0;
    for _ in 0..400 {
        let shape = rng.pick(SHAPES);
        let name = rng.pick(TABLES);
        let form = rng.pick(FORMS).replace("@N", name);
        let sql = mutate(&mut rng, shape, &form);
        for b in BACKENDS {
            assert!(check(&sql, b).is_err(), "{b:?} accepted {sql:?}");
        }
        // The same mutations of a legitimate read pass: what is refused
        // above is the table, not the mutation.
        let fine = mutate(&mut rng, shape, "{notes}");
        for b in BACKENDS {
            if let Err(e) = check(&fine, b) {
                panic!("{b:?} refused {fine:?}: {e}");
            }
        }
        tried += 1;
    }
    assert_eq!(tried, 400);
}

#[test]
fn what_runs_is_what_was_checked() {
    // sqlparser prints a quote after a backslash as it is: the string a\'
    // (written 'a\''') would be printed 'a\'', which reads back differently.
    for b in BACKENDS {
        let e = check(r"SELECT 'a\''' FROM {posts}", b).unwrap_err();
        assert!(e.contains("cannot be checked"), "{b:?}: {e}");
    }
    // The text that runs has no comments, so nothing can hide in them.
    let t = compile("SELECT 1 /* FROM users */ -- x", &[], Backend::Postgres).unwrap();
    assert_eq!(t.expand("$1", &HashMap::new()).unwrap(), "SELECT 1");
}

/// Deep input is refused, not a stack overflow (which would abort the
/// process): the parser grows its stack and limits its depth, the check
/// limits its own.
#[test]
fn deep_queries_are_refused_without_overflowing() {
    let chain = format!("SELECT 1{}", "+1".repeat(4_990));
    let nested = format!("SELECT {}1{}", "(".repeat(200), ")".repeat(200));
    let subqueries = format!("SELECT {}1{}", "(SELECT ".repeat(100), ")".repeat(100));
    let from = format!(
        "SELECT 1 FROM {}{{posts}}{}",
        "(SELECT 1 FROM ".repeat(100),
        ") AS y".repeat(100)
    );
    for sql in [chain, nested, subqueries, from] {
        refused(&sql);
    }
}
