//! A collection's rules in the SDK's shape (`list_rule` … `update_fields`),
//! served at `/collections/{name}/rules` and accepted in collection bodies.
//! They are a view of the permissions of the built-in roles `user` and
//! `public` on that collection (docs/permissions.md, "Collection rules"):
//! `null` is no grant, `""` grants `true` to both roles, an expression
//! grants it to `user` only. `list_*` and `view_*` are both our `read`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::engine;
use super::model::{Fields, OpRule, Operation, RuleSet};
use super::permissions;
use crate::app::AppState;
use crate::auth::{AnyAdmin, RoleId, Superadmin};
use crate::collections::store::{self, Collection};
use crate::db::Tx;
use crate::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::http::{ApiJson, ApiPath};
use crate::on_tx;

/// A collection's rules, as the SDK types them.
#[derive(Debug, PartialEq, Serialize, ToSchema)]
pub struct CollectionRules {
    pub list_rule: Option<String>,
    pub view_rule: Option<String>,
    pub create_rule: Option<String>,
    pub update_rule: Option<String>,
    pub delete_rule: Option<String>,
    #[schema(value_type = Object)]
    pub list_fields: Fields,
    #[schema(value_type = Object)]
    pub view_fields: Fields,
    #[schema(value_type = Object)]
    pub create_fields: Fields,
    #[schema(value_type = Object)]
    pub update_fields: Fields,
}

/// Any subset of the rules: a key left out is kept; a rule sent as `null` locks.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesUpdate {
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub list_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub view_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub create_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub update_rule: Option<Option<String>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>)]
    pub delete_rule: Option<Option<String>>,
    #[schema(value_type = Object)]
    pub list_fields: Option<Fields>,
    #[schema(value_type = Object)]
    pub view_fields: Option<Fields>,
    #[schema(value_type = Object)]
    pub create_fields: Option<Fields>,
    #[schema(value_type = Object)]
    pub update_fields: Option<Fields>,
}

/// A key that is present, even as `null`, is `Some`.
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl RulesUpdate {
    pub fn is_empty(&self) -> bool {
        self.list_rule.is_none()
            && self.view_rule.is_none()
            && self.create_rule.is_none()
            && self.update_rule.is_none()
            && self.delete_rule.is_none()
            && self.list_fields.is_none()
            && self.view_fields.is_none()
            && self.create_fields.is_none()
            && self.update_fields.is_none()
    }

    /// Per operation: the new rule (if sent) and fields (if sent), with the
    /// wire names for errors. `list_*` and `view_*` must agree.
    #[expect(clippy::type_complexity)]
    fn per_operation(
        &self,
    ) -> Result<
        Vec<(
            Operation,
            &'static str,
            Option<Option<&str>>,
            Option<&Fields>,
        )>,
        ApiError,
    > {
        let mut errors = Vec::new();
        let read_rule = agree(&self.list_rule, &self.view_rule, "view_rule", &mut errors);
        let read_fields = agree(
            &self.list_fields,
            &self.view_fields,
            "view_fields",
            &mut errors,
        );
        if let Some(err) = ApiError::from_field_errors(errors) {
            return Err(err);
        }
        Ok(vec![
            (
                Operation::Read,
                "list",
                read_rule.map(|r| r.as_deref()),
                read_fields,
            ),
            (
                Operation::Create,
                "create",
                rule(&self.create_rule),
                self.create_fields.as_ref(),
            ),
            (
                Operation::Update,
                "update",
                rule(&self.update_rule),
                self.update_fields.as_ref(),
            ),
            (Operation::Delete, "delete", rule(&self.delete_rule), None),
        ])
    }
}

fn rule(r: &Option<Option<String>>) -> Option<Option<&str>> {
    r.as_ref().map(|r| r.as_deref())
}

/// `list_*` and `view_*` are one setting here: either one, or both equal.
fn agree<'a, T: PartialEq>(
    list: &'a Option<T>,
    view: &'a Option<T>,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<&'a T> {
    match (list, view) {
        (Some(l), Some(v)) if l != v => {
            errors.push(FieldError::new(
                name,
                "rules_differ",
                "Lists and single reads share one read permission: send list and view settings equal, or one of them",
            ));
            None
        }
        (Some(l), _) => Some(l),
        (None, v) => v.as_ref(),
    }
}

/// The rules of a collection, read from the `user` and `public` permissions.
pub async fn rules_of(tx: &mut Tx, c: &Collection) -> ApiResult<CollectionRules> {
    let (_, user) = permissions::load(tx, RoleId::USER.0, &c.name).await?;
    let (_, public) = permissions::load(tx, RoleId::PUBLIC.0, &c.name).await?;
    let rule = |op: Operation| {
        user.get(op).map(|u| {
            let open = u.rule == "true" && public.get(op).is_some_and(|p| p.rule == "true");
            if open {
                String::new()
            } else {
                u.rule.clone()
            }
        })
    };
    let fields = |op: Operation| user.get(op).map(|u| u.fields.clone()).unwrap_or_default();
    Ok(CollectionRules {
        list_rule: rule(Operation::Read),
        view_rule: rule(Operation::Read),
        create_rule: rule(Operation::Create),
        update_rule: rule(Operation::Update),
        delete_rule: rule(Operation::Delete),
        list_fields: fields(Operation::Read),
        view_fields: fields(Operation::Read),
        create_fields: fields(Operation::Create),
        update_fields: fields(Operation::Update),
    })
}

/// The collections the built-in `public` role has any permission on (the
/// SDK's `has_public_access`): anonymous callers may do something there, in
/// the account they name. A permission on `*` covers every collection.
#[derive(Debug, Default)]
pub struct PublicAccess {
    everywhere: bool,
    names: std::collections::HashSet<String>,
}

impl PublicAccess {
    pub fn covers(&self, collection: &str) -> bool {
        self.everywhere || self.names.contains(&collection.to_ascii_lowercase())
    }
}

/// Reads the `public` role's permissions once, for a page of collections.
pub async fn public_access(tx: &mut Tx) -> ApiResult<PublicAccess> {
    let rows: Vec<(String, String)> = on_tx!(tx, |c| sqlx::query_as(
        "SELECT collection, rules FROM permissions WHERE role_id = $1"
    )
    .bind(RoleId::PUBLIC.0)
    .fetch_all(c)
    .await)?;
    let mut access = PublicAccess::default();
    for (collection, rules) in rows {
        // An unreadable row grants nothing (as in `engine::grants`).
        let grants = serde_json::from_str::<RuleSet>(&rules).is_ok_and(|set| !set.is_empty());
        if !grants {
            continue;
        }
        if collection == "*" {
            access.everywhere = true;
        } else {
            access.names.insert(collection.to_ascii_lowercase());
        }
    }
    Ok(access)
}

/// Validates and applies `update` to the permissions of `user` and `public`
/// on `c`, inside `tx`. Nothing is written when anything is invalid.
pub async fn apply(tx: &mut Tx, c: &Collection, update: &RulesUpdate) -> ApiResult<()> {
    let plan = update.per_operation()?;
    let mut errors = Vec::new();
    for (_, name, rule, fields) in &plan {
        if let Some(Some(rule)) = rule {
            if !rule.trim().is_empty() {
                if let Err((message, position)) = engine::validate_rule(tx, Some(c), rule).await {
                    errors.push(
                        FieldError::new(format!("{name}_rule"), "rule_invalid", message)
                            .at(position),
                    );
                }
            }
        }
        if let Some(Fields::List(list)) = fields {
            for f in list.iter().filter(|f| c.field(f).is_none()) {
                errors.push(FieldError::new(
                    format!("{name}_fields"),
                    "unknown_field",
                    format!("'{}' has no field '{f}'", c.name),
                ));
            }
        }
    }
    if let Some(err) = ApiError::from_field_errors(errors) {
        return Err(err);
    }
    let (user_id, mut user) = permissions::load(tx, RoleId::USER.0, &c.name).await?;
    let (public_id, mut public) = permissions::load(tx, RoleId::PUBLIC.0, &c.name).await?;
    for (op, _, rule, fields) in plan {
        let fields = fields
            .cloned()
            .or_else(|| user.get(op).map(|u| u.fields.clone()))
            .unwrap_or_default();
        let grant = |rule: &str| {
            Some(OpRule {
                rule: rule.to_string(),
                fields: fields.clone(),
            })
        };
        match rule {
            // Only the fields change: keep each role's rule.
            None => {
                for set in [&mut user, &mut public] {
                    let kept = set.get(op).map(|r| r.rule.clone());
                    if let Some(rule) = kept {
                        set.set(op, grant(&rule));
                    }
                }
            }
            Some(None) => {
                user.set(op, None);
                public.set(op, None);
            }
            Some(Some(rule)) if rule.trim().is_empty() => {
                user.set(op, grant("true"));
                public.set(op, grant("true"));
            }
            Some(Some(rule)) => {
                user.set(op, grant(rule));
                public.set(op, None);
            }
        }
    }
    permissions::save(tx, RoleId::USER.0, &c.name, user_id, &user).await?;
    permissions::save(tx, RoleId::PUBLIC.0, &c.name, public_id, &public).await?;
    Ok(())
}

async fn collection(tx: &mut Tx, name: &str) -> ApiResult<Collection> {
    store::find_by_name(tx, name)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Collection '{name}' not found")))
}

/// A collection's rules (an admin of any account, or the superadmin: the
/// rules are the same in every account).
#[utoipa::path(get, path = "/collections/{collection_id}/rules", tag = "collections", params(("collection_id" = String, Path, description = "The collection's name")),
    security(("bearer" = [])), responses((status = 200, body = CollectionRules), (status = 404, body = ErrorBody)))]
pub async fn get_collection_rules(
    State(state): State<AppState>,
    _admin: AnyAdmin,
    ApiPath(name): ApiPath<String>,
) -> ApiResult<Json<CollectionRules>> {
    let mut tx = state.db.begin_read().await?;
    let c = collection(&mut tx, &name).await?;
    Ok(Json(rules_of(&mut tx, &c).await?))
}

/// Changes a collection's rules (any subset). The superadmin only: collections
/// and permissions are shared by every account.
#[utoipa::path(put, path = "/collections/{collection_id}/rules", tag = "collections", params(("collection_id" = String, Path, description = "The collection's name")),
    request_body = RulesUpdate, security(("bearer" = [])),
    responses((status = 200, body = CollectionRules), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_collection_rules(
    State(state): State<AppState>,
    Superadmin(admin): Superadmin,
    ApiPath(name): ApiPath<String>,
    ApiJson(update): ApiJson<RulesUpdate>,
) -> ApiResult<Json<CollectionRules>> {
    let mut tx = state.db.begin().await?;
    let c = collection(&mut tx, &name).await?;
    let roles = [RoleId::USER.0, RoleId::PUBLIC.0];
    let mut before = Vec::new();
    for role in roles {
        before.push(super::trail::before(&mut tx, role, &c.name).await?);
    }
    apply(&mut tx, &c, &update).await?;
    for b in before {
        super::trail::changed(&state, &mut tx, &admin, b).await?;
    }
    let rules = rules_of(&mut tx, &c).await?;
    tx.commit().await?;
    Ok(Json(rules))
}
