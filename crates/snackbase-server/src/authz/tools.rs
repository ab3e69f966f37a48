//! Rule tools for the admin: validate a rule (with the error position) and
//! test one against a given context, explaining the result.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use snackbase_rules as rules;
use utoipa::ToSchema;

use super::engine;
use crate::app::AppState;
use crate::auth::Superadmin;
use crate::collections::store;
use crate::error::ApiResult;
use crate::http::ApiJson;

#[derive(Debug, Deserialize, ToSchema)]
pub struct ValidateRequest {
    pub rule: String,
    /// Check field names and types against this collection.
    pub collection: Option<String>,
    /// Accepted for the SDK; every operation uses the same language. `create`,
    /// `read`, `update`, `delete`, or the SDK's `list` and `view` (both read).
    pub operation: Option<String>,
    /// The SDK's field names (`collectionRules.validateRule`), used when no
    /// `collection` is named: the rule may use these record fields, with
    /// whatever types make it check.
    #[serde(default, rename = "collectionFields")]
    pub collection_fields: Option<Vec<String>>,
}

/// An operation name a rule may be validated for: ours, or the SDK's
/// collection-rule names `list` and `view` (which both mean read).
fn known_operation(raw: &str) -> bool {
    let raw = raw.trim();
    super::model::Operation::parse(raw).is_some()
        || raw.eq_ignore_ascii_case("list")
        || raw.eq_ignore_ascii_case("view")
}

/// The types a record field known only by name may have, in the order they
/// are tried.
const UNTYPED: [rules::FieldType; 5] = [
    rules::FieldType::Text,
    rules::FieldType::Number,
    rules::FieldType::Boolean,
    rules::FieldType::Datetime,
    rules::FieldType::Select { multiple: true },
];

/// Checks `expr` where `names` are record fields of unknown type (besides
/// those `schema` already types), and returns the schema it checked under.
/// Each field the checker reports as unknown gets the first type under which
/// checking gets past it; the rule is refused when none does. Every round
/// types one more field, so this ends.
fn check_untyped(
    expr: &rules::Expr,
    scope: &rules::Scope,
    mut schema: rules::Schema,
    names: &[String],
) -> Result<rules::Schema, rules::CheckError> {
    loop {
        let error = match rules::check(expr, &schema, scope) {
            Ok(()) => return Ok(schema),
            Err(e) => e,
        };
        let rules::CheckErrorKind::UnknownField(name) = &error.kind else {
            return Err(error);
        };
        if !names.iter().any(|n| n == name) {
            return Err(error);
        }
        let mut progress = None;
        for ty in UNTYPED {
            let mut trial = schema.clone();
            if trial.add_field(name, ty).is_err() {
                break;
            }
            match rules::check(expr, &trial, scope) {
                Ok(()) => return Ok(trial),
                Err(e) if matches!(e.kind, rules::CheckErrorKind::UnknownField(_)) => {
                    progress = Some(trial);
                    break;
                }
                Err(_) => {}
            }
        }
        match progress {
            Some(next) => schema = next,
            None => return Err(error),
        }
    }
}

/// A schema typed by the values of `context.record` (what a rule is tested
/// against when no collection is named), and the names of its null fields,
/// whose type is unknown.
fn context_schema(context: &Map<String, Value>) -> (rules::Schema, Vec<String>) {
    let mut schema = rules::Schema::new();
    let mut untyped = Vec::new();
    let Some(Value::Object(record)) = context.get("record") else {
        return (schema, untyped);
    };
    for (name, value) in record {
        let ty = match value {
            Value::Null => {
                untyped.push(name.clone());
                continue;
            }
            Value::Bool(_) => rules::FieldType::Boolean,
            Value::Number(_) => rules::FieldType::Number,
            Value::String(_) => rules::FieldType::Text,
            Value::Array(_) => rules::FieldType::Select { multiple: true },
            Value::Object(_) => rules::FieldType::Json,
        };
        // System fields keep their own types; invalid names cannot be used anyway.
        let _ = schema.add_field(name, ty);
    }
    (schema, untyped)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ValidateResponse {
    pub valid: bool,
    pub error: Option<String>,
    /// 0-based character offset of the problem.
    pub position: Option<usize>,
    /// The same problem as a list (the SDK's shape).
    pub errors: Vec<String>,
}

async fn validate(state: &AppState, req: ValidateRequest) -> ApiResult<ValidateResponse> {
    if let Some(op) = req.operation.as_deref().filter(|op| !known_operation(op)) {
        let message =
            format!("Unknown operation '{op}': use create, read (or list, view), update or delete");
        return Ok(ValidateResponse {
            valid: false,
            errors: vec![message.clone()],
            error: Some(message),
            position: None,
        });
    }
    let mut tx = state.db.begin_read().await?;
    let collection = match &req.collection {
        Some(name) if name != "*" => store::find_by_name(&mut tx, name).await?,
        _ => None,
    };
    if let (Some(name), None) = (&req.collection, &collection) {
        if name != "*" {
            let message = format!("Collection '{name}' not found");
            return Ok(ValidateResponse {
                valid: false,
                errors: vec![message.clone()],
                error: Some(message),
                position: None,
            });
        }
    }
    if let (None, Some(names)) = (&req.collection, &req.collection_fields) {
        let expr = match rules::parse(&req.rule) {
            Ok(expr) => expr,
            Err(e) => return Ok(invalid(e.to_string(), e.position)),
        };
        let scope = engine::macro_scope(&mut tx).await?;
        return Ok(
            match check_untyped(&expr, &scope, rules::Schema::new(), names) {
                Ok(_) => ValidateResponse {
                    valid: true,
                    error: None,
                    position: None,
                    errors: Vec::new(),
                },
                Err(e) => invalid(e.to_string(), e.span.start),
            },
        );
    }
    Ok(
        match engine::validate_rule(&mut tx, collection.as_ref(), &req.rule).await {
            Ok(()) => ValidateResponse {
                valid: true,
                error: None,
                position: None,
                errors: Vec::new(),
            },
            Err((message, position)) => invalid(message, position),
        },
    )
}

fn invalid(message: String, position: usize) -> ValidateResponse {
    ValidateResponse {
        valid: false,
        errors: vec![message.clone()],
        error: Some(message),
        position: Some(position),
    }
}

/// Checks a rule's syntax, and its names and types against a collection when given.
#[utoipa::path(post, path = "/roles/validate-rule", tag = "roles", request_body = ValidateRequest, security(("bearer" = [])),
    responses((status = 200, body = ValidateResponse)))]
pub async fn validate_rule(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiJson(req): ApiJson<ValidateRequest>,
) -> ApiResult<Json<ValidateResponse>> {
    Ok(Json(validate(&state, req).await?))
}

/// Same as `/roles/validate-rule` (the JavaScript SDK's path).
#[utoipa::path(post, path = "/rules/validate", tag = "roles", request_body = ValidateRequest, security(("bearer" = [])),
    responses((status = 200, body = ValidateResponse)))]
pub async fn validate_rule_sdk(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiJson(req): ApiJson<ValidateRequest>,
) -> ApiResult<Json<ValidateResponse>> {
    Ok(Json(validate(&state, req).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TestRequest {
    pub rule: String,
    /// `{"user": {...}, "account": {...}, "record": {...}}`.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub context: Map<String, Value>,
    pub collection: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestResponse {
    pub allowed: bool,
    /// The raw value of the expression.
    #[schema(value_type = Object)]
    pub result: Value,
    pub error: Option<String>,
    pub position: Option<usize>,
    pub evaluation_details: String,
}

struct JsonContext<'a>(&'a Map<String, Value>);

impl rules::Context for JsonContext<'_> {
    fn resolve(&self, path: &[&str]) -> rules::Value {
        let mut current = match path.first().and_then(|root| self.0.get(*root)) {
            Some(v) => v,
            None => return rules::Value::Null,
        };
        for segment in &path[1..] {
            match current.get(segment) {
                Some(v) => current = v,
                None => return rules::Value::Null,
            }
        }
        rules::Value::from_json(current)
    }
    fn now_hour_utc(&self) -> u8 {
        chrono::Timelike::hour(&chrono::Utc::now()) as u8
    }
}

async fn test(state: &AppState, req: TestRequest) -> ApiResult<TestResponse> {
    let failed = |error: String, position: Option<usize>| TestResponse {
        allowed: false,
        result: Value::Null,
        error: Some(error),
        position,
        evaluation_details: "Rule evaluation failed".into(),
    };
    let mut tx = state.db.begin_read().await?;
    let scope = engine::macro_scope(&mut tx).await?;
    let expr = match rules::parse(&req.rule) {
        Ok(expr) => expr,
        Err(e) => return Ok(failed(e.to_string(), Some(e.position))),
    };
    let schema = match &req.collection {
        // No collection named (the SDK's testRule): the context's record says
        // which fields there are and, by its values, of which types.
        None => {
            let (typed, untyped) = context_schema(&req.context);
            match check_untyped(&expr, &scope, typed, &untyped) {
                Ok(schema) => schema,
                Err(e) => return Ok(failed(e.to_string(), Some(e.span.start))),
            }
        }
        Some(name) => {
            let collection = match name.as_str() {
                "*" => None,
                _ => store::find_by_name(&mut tx, name).await?,
            };
            if let Err((message, position)) =
                engine::validate_rule(&mut tx, collection.as_ref(), &req.rule).await
            {
                return Ok(failed(message, Some(position)));
            }
            match &collection {
                Some(c) => engine::schema_of(c)?,
                None => rules::Schema::new(),
            }
        }
    };
    let ctx = JsonContext(&req.context);
    Ok(match rules::evaluate_value(&expr, &schema, &scope, &ctx) {
        Ok(value) => {
            let allowed = value.is_truthy();
            let result = value.to_json();
            TestResponse {
                allowed,
                evaluation_details: format!(
                    "Rule evaluated to: {result}, so access is {}",
                    if allowed { "granted" } else { "denied" }
                ),
                result,
                error: None,
                position: None,
            }
        }
        Err(e) => failed(e.to_string(), None),
    })
}

/// Evaluates a rule against a given context and explains the result.
#[utoipa::path(post, path = "/roles/test-rule", tag = "roles", request_body = TestRequest, security(("bearer" = [])),
    responses((status = 200, body = TestResponse)))]
pub async fn test_rule(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiJson(req): ApiJson<TestRequest>,
) -> ApiResult<Json<TestResponse>> {
    Ok(Json(test(&state, req).await?))
}

/// Same as `/roles/test-rule` (the JavaScript SDK's path).
#[utoipa::path(post, path = "/rules/test", tag = "roles", request_body = TestRequest, security(("bearer" = [])),
    responses((status = 200, body = TestResponse)))]
pub async fn test_rule_sdk(
    State(state): State<AppState>,
    _admin: Superadmin,
    ApiJson(req): ApiJson<TestRequest>,
) -> ApiResult<Json<TestResponse>> {
    Ok(Json(test(&state, req).await?))
}
