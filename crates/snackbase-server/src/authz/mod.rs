//! Authorization: roles, permissions per (role, collection, operation) with a
//! rule and allowed fields, the permission matrix, and the rule tools.

pub mod collection_rules;
pub mod engine;
pub mod model;
mod permissions;
mod roles;
mod tools;
mod trail;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::app::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(roles::list_roles, roles::create_role))
        .routes(routes!(
            roles::get_role,
            roles::update_role,
            roles::patch_role,
            roles::delete_role
        ))
        .routes(routes!(permissions::role_permissions))
        .routes(routes!(permissions::permission_matrix))
        .routes(routes!(permissions::bulk_update))
        .routes(routes!(
            permissions::list_permissions,
            permissions::create_permission
        ))
        .routes(routes!(
            permissions::get_permission,
            permissions::delete_permission
        ))
        .routes(routes!(
            collection_rules::get_collection_rules,
            collection_rules::update_collection_rules
        ))
        .routes(routes!(tools::validate_rule))
        .routes(routes!(tools::test_rule))
        .routes(routes!(tools::validate_rule_sdk))
        .routes(routes!(tools::test_rule_sdk))
}
