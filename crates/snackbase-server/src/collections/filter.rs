//! `filter=`: the rule language over record fields (in its own syntax or
//! the SDK's dialect, see docs/rules.md), checked against the collection's
//! schema and compiled to a parameterised SQL predicate.

use snackbase_rules::{self as rules, Dialect, Scope};

use crate::collections::view::View;
use crate::db::statement::Statement;
use crate::db::Backend;
use crate::error::{ApiError, ApiResult, FieldError};

pub use super::compiled::rule_schema as schema_of;

struct FilterContext;

impl rules::SqlContext for FilterContext {
    fn resolve(&self, _path: &[&str]) -> rules::Value {
        rules::Value::Null
    }

    fn now_hour_utc(&self) -> u8 {
        chrono::Timelike::hour(&chrono::Utc::now()) as u8
    }

    fn table_alias(&self) -> Option<&str> {
        Some("t")
    }
}

fn invalid(code: &str, message: String, position: usize) -> ApiError {
    ApiError::Validation {
        message: message.clone(),
        details: vec![FieldError::new("filter", code, message).at(position)],
    }
}

/// Parses, checks and compiles a filter into a predicate on `t`, a fragment
/// of the statement that will number its placeholders.
pub fn compile(c: &View<'_>, source: &str, backend: Backend) -> ApiResult<Statement> {
    let expr =
        rules::parse(source).map_err(|e| invalid("filter_syntax", e.to_string(), e.position))?;
    let schema = c.rule_schema()?;
    let scope = Scope::filter();
    rules::check(&expr, &schema, &scope)
        .map_err(|e| invalid("filter_invalid", e.to_string(), e.span.start))?;
    let dialect = match backend {
        Backend::Sqlite => Dialect::Sqlite,
        Backend::Postgres => Dialect::Postgres,
    };
    let compiled = rules::compile_fragment(&expr, &schema, &scope, dialect, &FilterContext)
        .map_err(|e| {
            let position = match &e {
                rules::CompileError::Check(c) => c.span.start,
                _ => 0,
            };
            invalid("filter_invalid", e.to_string(), position)
        })?;
    let mut predicate = Statement::default();
    predicate.append_fragment(compiled);
    Ok(predicate)
}
