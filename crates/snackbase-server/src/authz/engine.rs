//! Permission resolution: the grants of a role on a collection for an
//! operation (parsed once and cached until permissions, roles, macros or
//! collections change), the caller's rule context, and the checks the record
//! routes run (in SQL for lists, in memory for single records).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};
use snackbase_rules::{self as rules, Dialect, Expr, Scope};

use super::model::{Fields, Operation, RuleSet};
use crate::auth::Principal;
use crate::cache::GenCache;
use crate::collections::compiled::Compiled;
use crate::collections::store::Collection;
use crate::db::statement::Statement;
use crate::db::{Backend, Changes, Tx};
use crate::error::{ApiError, ApiResult};
use crate::on_tx;

/// One rule that grants an operation, with the fields it opens.
#[derive(Debug)]
pub struct Grant {
    pub source: String,
    pub expr: Expr,
    pub fields: Fields,
}

/// (role, lowercased collection, operation).
type GrantKey = (i64, String, Operation);

/// Parsed grants by [`GrantKey`], and the macros, for the current change generation.
pub struct AuthzCache {
    grants: GenCache<GrantKey, Arc<Vec<Grant>>>,
    macros: GenCache<(), Arc<Macros>>,
}

/// SQL macros by name.
pub type Macros = HashMap<String, crate::macros::MacroDef>;

impl AuthzCache {
    /// `(cache, (hits, misses))` for `/metrics`.
    pub fn lookups(&self) -> [(&'static str, (u64, u64)); 2] {
        [
            ("grants", self.grants.lookups.get()),
            ("macros", self.macros.lookups.get()),
        ]
    }

    pub fn new(changes: Arc<Changes>) -> Self {
        Self {
            grants: GenCache::new(changes.clone(), 4096),
            macros: GenCache::new(changes, 1),
        }
    }

    /// The grants and macros for a check, if both are cached (no database needed).
    pub fn cached(
        &self,
        role_id: i64,
        collection: &str,
        op: Operation,
    ) -> Option<(Arc<Vec<Grant>>, Arc<Macros>)> {
        let key = (role_id, collection.to_ascii_lowercase(), op);
        Some((self.grants.get(&key)?, self.macros.get(&())?))
    }

    /// Every SQL macro (cached like the grants).
    pub async fn macros(&self, tx: &mut Tx) -> ApiResult<Arc<Macros>> {
        if let Some(found) = self.macros.get(&()) {
            return Ok(found);
        }
        let generation = self.macros.generation();
        let loaded = crate::macros::load_all(tx).await?;
        self.macros.put((), generation, loaded.clone());
        Ok(loaded)
    }
}

/// The grants of `role_id` for `op` on `collection` (its own row and `*`).
pub async fn grants(
    cache: &AuthzCache,
    tx: &mut Tx,
    role_id: i64,
    collection: &str,
    op: Operation,
) -> ApiResult<Arc<Vec<Grant>>> {
    let key = (role_id, collection.to_ascii_lowercase(), op);
    if let Some(found) = cache.grants.get(&key) {
        return Ok(found);
    }
    let generation = cache.grants.generation();
    let rows: Vec<(String, String)> = on_tx!(tx, |c| {
        sqlx::query_as(
        "SELECT collection, rules FROM permissions WHERE role_id = $1 AND (LOWER(collection) = $2 OR collection = '*') ORDER BY id"
    )
    .bind(role_id)
    .bind(&key.1)
    .fetch_all(c)
    .await
    })?;
    let mut out = Vec::new();
    for (collection, text) in rows {
        let Ok(set) = serde_json::from_str::<RuleSet>(&text) else {
            tracing::error!(role_id, collection = %collection, "unreadable permission row; it grants nothing");
            continue;
        };
        let Some(op_rule) = set.get(op) else { continue };
        match rules::parse(&op_rule.rule) {
            Ok(expr) => out.push(Grant {
                source: op_rule.rule.clone(),
                expr,
                fields: op_rule.fields.clone(),
            }),
            Err(e) => {
                tracing::error!(role_id, collection = %collection, error = %e, "unparsable rule; it grants nothing")
            }
        }
    }
    let out = Arc::new(out);
    cache.grants.put(key, generation, out.clone());
    Ok(out)
}

/// Whether any of the grants calls one of the SQL macros (which list queries inline).
pub fn uses_sql_macros(grants: &[Grant], macros: &Macros) -> bool {
    grants.iter().any(|g| {
        macros
            .keys()
            .any(|name| g.source.contains(&format!("@{name}(")))
    })
}

fn now_hour() -> u8 {
    chrono::Timelike::hour(&chrono::Utc::now()) as u8
}

/// What running rules needs besides the caller: the database (for SQL
/// macros) and the macros themselves.
#[derive(Clone)]
pub struct Env {
    pub db: crate::db::Db,
    pub macros: Arc<Macros>,
}

impl Env {
    pub fn scope(&self) -> Scope {
        self.macros.values().fold(Scope::rule(), |s, m| {
            s.with_sql_macro(m.name.clone(), m.parameters.len())
        })
    }
}

struct RecordContext<'a> {
    who: &'a Principal,
    record: &'a Map<String, Value>,
    env: &'a Env,
}

impl rules::Context for RecordContext<'_> {
    fn resolve(&self, path: &[&str]) -> rules::Value {
        match path {
            ["record", field] => self
                .record
                .get(*field)
                .map(rules::Value::from_json)
                .unwrap_or(rules::Value::Null),
            other => self.who.resolve(other),
        }
    }
    fn now_hour_utc(&self) -> u8 {
        now_hour()
    }
    fn call_sql_macro(
        &self,
        name: &str,
        args: &[rules::Value],
    ) -> Result<rules::Value, rules::MacroError> {
        let def = self
            .env
            .macros
            .get(name)
            .ok_or_else(|| rules::MacroError::new(format!("Unknown macro @{name}")))?;
        let (db, account, user) = (
            self.env.db.clone(),
            self.who.account_id.to_string(),
            self.who.user_id.clone(),
        );
        // Rules are evaluated synchronously; the macro runs on this worker
        // thread, which the multi-threaded runtime lets block.
        tokio::task::block_in_place(|| {
            tokio::runtime::Handle::current().block_on(crate::macros::run::run(
                &db,
                def,
                &account,
                user.as_deref(),
                args,
            ))
        })
        .map_err(rules::MacroError::new)
    }
}

struct QueryContext<'a> {
    who: &'a Principal,
    env: &'a Env,
}

impl rules::SqlContext for QueryContext<'_> {
    fn resolve(&self, path: &[&str]) -> rules::Value {
        self.who.resolve(path)
    }
    fn now_hour_utc(&self) -> u8 {
        now_hour()
    }
    fn table_alias(&self) -> Option<&str> {
        Some("t")
    }
    fn sql_macro(
        &self,
        name: &str,
        args: &[String],
        params: &mut rules::ParamBinder,
    ) -> Result<String, rules::MacroError> {
        let def = self
            .env
            .macros
            .get(name)
            .ok_or_else(|| rules::MacroError::new(format!("Unknown macro @{name}")))?;
        if args.len() != def.parameters.len() {
            return Err(rules::MacroError::new(format!(
                "@{name} takes {} arguments",
                def.parameters.len()
            )));
        }
        let account = params.bind(rules::SqlParam::Text(self.who.account_id.to_string()));
        let user = params.bind(match &self.who.user_id {
            Some(u) => rules::SqlParam::Text(u.to_string()),
            None => rules::SqlParam::Null,
        });
        let mut values: HashMap<String, String> = def
            .parameters
            .iter()
            .cloned()
            .zip(args.iter().map(|a| format!("({a})")))
            .collect();
        values.insert("account_id".into(), account.clone());
        values.insert("user_id".into(), user);
        let sql = def
            .template(self.env.db.backend())
            .and_then(|t| t.expand(&account, &values))
            .map_err(rules::MacroError::new)?;
        Ok(format!("({sql})"))
    }
}

/// The rule-language view of a collection.
pub fn schema_of(c: &Collection) -> ApiResult<rules::Schema> {
    crate::collections::filter::schema_of(c)
}

/// The rule schema the compiled collection holds (built once with it).
fn compiled_schema(c: &Compiled) -> ApiResult<&rules::Schema> {
    c.rule_schema.as_ref().ok_or_else(|| {
        ApiError::internal(anyhow::anyhow!(
            "the fields of '{}' cannot be used in rules",
            c.name
        ))
    })
}

/// Whether any grant allows `record` (a stored row, or the data of a create).
/// A rule that fails at run time denies and is logged.
pub fn allows(
    grants: &[Grant],
    env: &Env,
    c: &Compiled,
    who: &Principal,
    record: &Map<String, Value>,
) -> ApiResult<bool> {
    let schema = compiled_schema(c)?;
    let scope = env.scope();
    let ctx = RecordContext { who, record, env };
    for g in grants {
        match rules::evaluate(&g.expr, schema, &scope, &ctx) {
            Ok(true) => return Ok(true),
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(collection = %c.name, rule = %g.source, error = %e, "rule failed at run time; denied")
            }
        }
    }
    Ok(false)
}

/// The OR of every grant as one SQL predicate on `t` (a fragment of the
/// statement that numbers its placeholders). Grants that fail to compile are
/// left out (and logged).
pub fn predicate(
    grants: &[Grant],
    env: &Env,
    c: &Compiled,
    who: &Principal,
    backend: Backend,
) -> ApiResult<Statement> {
    let schema = compiled_schema(c)?;
    let scope = env.scope();
    let dialect = match backend {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
    };
    let ctx = QueryContext { who, env };
    let mut predicate = Statement::default();
    for g in grants {
        match rules::compile_fragment(&g.expr, schema, &scope, dialect, &ctx) {
            Ok(fragment) => {
                if !predicate.is_empty() {
                    predicate.push(" OR ");
                }
                predicate.push("(").append_fragment(fragment).push(")");
            }
            Err(e) => {
                tracing::warn!(collection = %c.name, rule = %g.source, error = %e, "rule cannot be compiled; denied")
            }
        }
    }
    if predicate.is_empty() {
        predicate.push("1 = 0");
    }
    Ok(predicate)
}

/// The union of the grants' fields.
pub fn fields_of(grants: &[Grant]) -> Fields {
    grants
        .iter()
        .fold(Fields::List(Vec::new()), |acc, g| acc.union(&g.fields))
}

/// Checks a rule when it is saved: it must parse and type-check against the
/// collection's schema (or the system fields only, for `*`).
pub async fn validate_rule(
    tx: &mut Tx,
    collection: Option<&Collection>,
    source: &str,
) -> Result<(), (String, usize)> {
    let expr = rules::parse(source).map_err(|e| (e.to_string(), e.position))?;
    let schema = match collection {
        Some(c) => {
            schema_of(c).map_err(|_| ("The collection schema cannot be used".to_string(), 0))?
        }
        None => rules::Schema::new(),
    };
    let scope = macro_scope(tx)
        .await
        .map_err(|_| ("Macros could not be loaded".to_string(), 0))?;
    rules::check(&expr, &schema, &scope).map_err(|e| (e.to_string(), e.span.start))
}

/// The rule scope with every SQL macro and its parameter count.
pub async fn macro_scope(tx: &mut Tx) -> ApiResult<Scope> {
    let rows: Vec<(String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT name, parameters FROM macros"
    )
    .fetch_all(c)
    .await)?;
    let mut scope = Scope::rule();
    for (name, params) in rows {
        let count = serde_json::from_str::<Vec<String>>(&params)
            .map(|p| p.len())
            .unwrap_or(0);
        scope = scope.with_sql_macro(name, count);
    }
    Ok(scope)
}

/// The denial for a caller without any grant: 401 for anonymous callers, 403 otherwise.
pub fn denied(who: &Principal, op: Operation, collection: &str) -> ApiError {
    if who.user_id.is_none() {
        ApiError::Unauthorized("Authentication required".into())
    } else {
        ApiError::forbidden(format!(
            "Permission denied for {} on {collection}",
            op.name()
        ))
    }
}
