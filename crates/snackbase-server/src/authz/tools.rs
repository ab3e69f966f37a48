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
    /// Accepted for the SDK; every operation uses the same language.
    pub operation: Option<String>,
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
    if let Some(op) = req
        .operation
        .as_deref()
        .filter(|op| super::model::Operation::parse(op).is_none())
    {
        let message = format!("Unknown operation '{op}': use create, read, update or delete");
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
    Ok(
        match engine::validate_rule(&mut tx, collection.as_ref(), &req.rule).await {
            Ok(()) => ValidateResponse {
                valid: true,
                error: None,
                position: None,
                errors: Vec::new(),
            },
            Err((message, position)) => ValidateResponse {
                valid: false,
                errors: vec![message.clone()],
                error: Some(message),
                position: Some(position),
            },
        },
    )
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
    let collection = match &req.collection {
        Some(name) if name != "*" => store::find_by_name(&mut tx, name).await?,
        _ => None,
    };
    if let Err((message, position)) =
        engine::validate_rule(&mut tx, collection.as_ref(), &req.rule).await
    {
        return Ok(failed(message, Some(position)));
    }
    let schema = match &collection {
        Some(c) => engine::schema_of(c)?,
        None => rules::Schema::new(),
    };
    let scope = engine::macro_scope(&mut tx).await?;
    let Ok(expr) = rules::parse(&req.rule) else {
        return Ok(failed("Rule cannot be parsed".into(), None));
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
