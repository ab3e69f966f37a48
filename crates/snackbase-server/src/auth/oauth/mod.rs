//! OAuth2 / OpenID Connect login (authorization code flow with PKCE S256,
//! `state` and `nonce`), for providers configured by the superadmin
//! (system-wide) or by an account's admin (for that account) in the
//! configuration store, category `auth_providers`.
//!
//! `POST /auth/oauth/{provider}/authorize` starts a login and answers the URL
//! to send the user to; the provider sends them back to the client's
//! `redirect_uri` with `code` and `state`, which the client posts to
//! `/auth/oauth/{provider}/callback` for the usual tokens. Without an account
//! the login uses the system configuration and a first login makes a new
//! account (as registering does); with one, the account's own configuration
//! (or the system one) and a first login joins that account.

mod flows;
mod github;
pub mod identities;
pub mod provider;
pub mod rules;

use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::AuthResponse;
use crate::accounts::model as accounts;
use crate::app::AppState;
use crate::auth::superadmin::SYSTEM_ACCOUNT;
use crate::error::{ApiError, ApiResult, ErrorBody};
use crate::http::{ApiJson, NoStore};

pub use provider::Discovery;

/// The configuration category OAuth providers live in.
pub const CATEGORY: &str = "auth_providers";

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProvidersQuery {
    /// Account code or slug; without it, the system-wide providers.
    pub account: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderItem {
    pub provider_name: String,
    pub display_name: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderList {
    pub items: Vec<ProviderItem>,
}

/// The providers a login page may offer for an account (or system-wide).
#[utoipa::path(get, path = "/auth/oauth/providers", tag = "auth", params(ProvidersQuery),
    responses((status = 200, body = ProviderList), (status = 404, body = ErrorBody)))]
pub async fn providers(
    State(state): State<AppState>,
    Query(q): Query<ProvidersQuery>,
) -> ApiResult<Json<ProviderList>> {
    let account = account_named(&state, q.account.as_deref()).await?;
    let items =
        crate::configuration::enabled(&state, CATEGORY, account.as_ref().map(|a| a.id.as_str()))
            .await?
            .into_iter()
            .filter(|(name, _)| rules::PROVIDERS.contains(&name.as_str()))
            .map(|(provider_name, display_name)| ProviderItem {
                provider_name,
                display_name,
            })
            .collect();
    Ok(Json(ProviderList { items }))
}

async fn account_named(
    state: &AppState,
    account: Option<&str>,
) -> ApiResult<Option<accounts::AccountRow>> {
    let Some(account) = account.map(str::trim).filter(|a| !a.is_empty()) else {
        return Ok(None);
    };
    let mut tx = state.db.begin_read().await?;
    let found = accounts::resolve(&mut tx, account)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("Account '{account}' not found")))?;
    if found.id == SYSTEM_ACCOUNT {
        return Err(ApiError::bad_request(
            "The system account does not sign in through identity providers",
        ));
    }
    Ok(Some(found))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeRequest {
    /// Where the provider sends the user back (the client's callback page).
    pub redirect_uri: String,
    /// Ignored: the server makes its own `state` and answers it.
    pub state: Option<String>,
    /// Account code or slug the login is for; without it, a first login
    /// makes a new account.
    pub account: Option<String>,
    /// The name of the account a first login makes (without `account`).
    pub account_name: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorizeResponse {
    pub authorization_url: String,
    /// Single use, valid for ten minutes; the callback must bring it back.
    pub state: String,
    pub provider: String,
}

fn resolve_settings(
    provider_name: &str,
    resolved: &crate::configuration::Resolved,
) -> ApiResult<(provider::Settings, rules::Rules)> {
    Ok((
        rules::settings(provider_name, &resolved.values)?,
        rules::rules(&resolved.values),
    ))
}

async fn configured(
    state: &AppState,
    provider_name: &str,
    account_id: Option<&str>,
) -> ApiResult<crate::configuration::Resolved> {
    if !rules::PROVIDERS.contains(&provider_name) {
        return Err(ApiError::not_found(format!(
            "Provider '{provider_name}' is not supported"
        )));
    }
    crate::configuration::resolve(state, CATEGORY, provider_name, account_id)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "Provider '{provider_name}' is not configured or is disabled"
            ))
        })
}

fn check_redirect(redirect_uri: &str) -> ApiResult<()> {
    let ok = url::Url::parse(redirect_uri)
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.fragment().is_none())
        .is_some_and(|_| redirect_uri.len() <= 2048);
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(
            "redirect_uri",
            "invalid",
            "The redirect URI must be an http(s) URL without a fragment",
        ))
    }
}

/// Starts a login with `provider`: answers the URL to send the user to.
#[utoipa::path(post, path = "/auth/oauth/{provider}/authorize", tag = "auth",
    request_body = AuthorizeRequest,
    responses((status = 200, body = AuthorizeResponse), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 502, body = ErrorBody)))]
pub async fn authorize(
    State(state): State<AppState>,
    Path(provider_name): Path<String>,
    ApiJson(req): ApiJson<AuthorizeRequest>,
) -> ApiResult<NoStore<Json<AuthorizeResponse>>> {
    check_redirect(&req.redirect_uri)?;
    let account = account_named(&state, req.account.as_deref()).await?;
    let account_id = account.as_ref().map(|a| a.id.clone());
    let resolved = configured(&state, &provider_name, account_id.as_deref()).await?;
    let (settings, _) = resolve_settings(&provider_name, &resolved)?;
    let flow_state = flows::random_token();
    let flow = flows::Flow {
        provider_name: provider_name.clone(),
        configuration_id: resolved.id.clone(),
        account_id,
        account_name: req
            .account_name
            .map(|n| n.trim().chars().take(255).collect())
            .filter(|n: &String| !n.is_empty()),
        redirect_uri: req.redirect_uri.clone(),
        pkce_verifier: flows::random_token(),
        nonce: flows::random_token(),
    };
    let authorization_url = state
        .oidc
        .authorization_url(
            &settings,
            &req.redirect_uri,
            &flow_state,
            &flow.nonce,
            &flow.pkce_verifier,
        )
        .await?;
    let mut tx = state.db.begin().await?;
    flows::start(&mut tx, &state, &flow_state, &flow).await?;
    tx.commit().await?;
    Ok(NoStore(Json(AuthorizeResponse {
        authorization_url,
        state: flow_state,
        provider: provider_name,
    })))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CallbackRequest {
    pub code: String,
    pub redirect_uri: String,
    pub state: String,
}

/// The usual tokens and what the login created, or (the user has a second
/// factor) the challenge to answer at `/auth/mfa/verify` first.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum CallbackReply {
    Session(Box<CallbackResponse>),
    Challenge(crate::auth::mfa::MfaChallenge),
}

/// The usual tokens, and what the login created.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackResponse {
    #[serde(flatten)]
    pub auth: AuthResponse,
    #[serde(rename = "isNewUser")]
    pub is_new_user: bool,
    #[serde(rename = "isNewAccount")]
    pub is_new_account: bool,
}

fn invalid_state() -> ApiError {
    ApiError::bad_request("Invalid or expired state token; start the login again")
}

/// Finishes a login: exchanges the code (with the flow's PKCE verifier),
/// checks the ID token, and signs the user in (making them on first login
/// when the provider allows it).
#[utoipa::path(post, path = "/auth/oauth/{provider}/callback", tag = "auth",
    request_body = CallbackRequest,
    responses((status = 200, body = CallbackReply), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 502, body = ErrorBody)))]
pub async fn callback(
    State(state): State<AppState>,
    Path(provider_name): Path<String>,
    ApiJson(req): ApiJson<CallbackRequest>,
) -> ApiResult<NoStore<Json<CallbackReply>>> {
    if req.code.is_empty() || req.code.len() > 2048 {
        return Err(ApiError::invalid(
            "code",
            "invalid",
            "The code is missing or too long",
        ));
    }
    let flow = {
        let mut tx = state.db.begin().await?;
        let flow = flows::take(&mut tx, &state, &req.state).await?;
        tx.commit().await?;
        flow.ok_or_else(invalid_state)?
    };
    if flow.provider_name != provider_name {
        return Err(ApiError::bad_request(
            "This login was started with another provider",
        ));
    }
    if flow.redirect_uri != req.redirect_uri {
        return Err(ApiError::bad_request(
            "The redirect URI differs from the one the login was started with",
        ));
    }
    let resolved = configured(&state, &provider_name, flow.account_id.as_deref()).await?;
    if resolved.id != flow.configuration_id {
        return Err(ApiError::bad_request(
            "The provider's configuration changed during the login; start it again",
        ));
    }
    let (settings, rules) = resolve_settings(&provider_name, &resolved)?;
    let identity = state
        .oidc
        .exchange(
            &settings,
            &flow.redirect_uri,
            &req.code,
            &flow.pkce_verifier,
            &flow.nonce,
        )
        .await?;
    let mut tx = state.db.begin().await?;
    let account = match &flow.account_id {
        Some(id) => Some(
            accounts::find_by_id(&mut tx, id)
                .await?
                .ok_or_else(invalid_state)?,
        ),
        None => None,
    };
    let signed = identities::sign_in(
        &mut tx,
        &provider_name,
        &rules,
        account.as_ref(),
        flow.account_name.as_deref(),
        &identity,
    )
    .await?;
    let (account, user) = (&signed.account, &signed.user);
    if signed.new_user {
        // The user (and maybe the account) the first login made, recorded
        // whether or not this login goes on.
        let extra = serde_json::json!({"via": "oauth", "provider": provider_name,
            "new_account": signed.new_account});
        let created = super::trail::about("REGISTER", user, Some(extra));
        crate::audit::append(&state.audit, &mut tx, created).await?;
    }
    if let Err(unverified) = crate::auth::login::check_verified(&state, account, user) {
        // The user a first login made stays; they verify, then sign in.
        tx.commit().await?;
        return Err(unverified);
    }
    // The provider is the first factor only; the second is asked as after a password.
    let key = crate::auth::lockout::key(&account.id, &user.email);
    if let Some(purpose) = crate::auth::mfa::due(user, account) {
        let token = crate::auth::mfa::issue(&mut tx, purpose, &user.id, &key).await?;
        tx.commit().await?;
        return Ok(NoStore(Json(CallbackReply::Challenge(
            crate::auth::mfa::MfaChallenge::new(purpose, token),
        ))));
    }
    tracing::info!(account_id = %account.id, user_id = %user.id, provider = %provider_name,
        new_user = signed.new_user, new_account = signed.new_account, "signed in through an identity provider");
    let extra = serde_json::json!({"provider": provider_name, "new_user": signed.new_user,
        "new_account": signed.new_account});
    let auth = crate::auth::login::finish_with(
        &state,
        tx,
        user,
        &key,
        extra.as_object().cloned().unwrap_or_default(),
    )
    .await?;
    Ok(NoStore(Json(CallbackReply::Session(Box::new(
        CallbackResponse {
            auth,
            is_new_user: signed.new_user,
            is_new_account: signed.new_account,
        },
    )))))
}
