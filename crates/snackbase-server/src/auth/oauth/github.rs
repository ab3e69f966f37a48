//! GitHub login: OAuth2 without OpenID Connect. The authorization code flow
//! with PKCE (S256) and `state` as for the others, then the user is read from
//! the REST API: `GET /user` for the stable numeric id (the subject) and
//! `GET /user/emails` for the primary address and whether GitHub verified it.
//! There is no ID token, so no nonce: the code is exchanged by this server
//! with the client secret and the PKCE verifier, and only once.

use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope, TokenResponse as _, TokenUrl,
};
use serde::Deserialize;

use super::provider::{Discovery, Identity, Settings};
use crate::error::ApiError;

#[derive(Debug, Deserialize)]
struct GithubUser {
    id: i64,
}

#[derive(Debug, Deserialize)]
struct GithubEmail {
    email: String,
    primary: bool,
    verified: bool,
}

fn unreachable(what: &str) -> ApiError {
    ApiError::BadGateway(format!(
        "GitHub could not be reached or answered wrongly ({what})"
    ))
}

fn client(
    settings: &Settings,
    redirect_uri: &str,
) -> Result<
    BasicClient<
        oauth2::EndpointSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointNotSet,
        oauth2::EndpointSet,
    >,
    ApiError,
> {
    let base = settings.issuer.trim_end_matches('/');
    let auth = AuthUrl::new(format!("{base}/login/oauth/authorize"))
        .map_err(|_| ApiError::bad_request("GitHub's base URL is not valid"))?;
    let token = TokenUrl::new(format!("{base}/login/oauth/access_token"))
        .map_err(|_| ApiError::bad_request("GitHub's base URL is not valid"))?;
    let redirect = RedirectUrl::new(redirect_uri.to_string())
        .map_err(|_| ApiError::invalid("redirect_uri", "invalid", "Not a valid URL"))?;
    Ok(BasicClient::new(ClientId::new(settings.client_id.clone()))
        .set_client_secret(ClientSecret::new(settings.client_secret.clone()))
        .set_auth_uri(auth)
        .set_token_uri(token)
        .set_redirect_uri(redirect))
}

impl Discovery {
    /// The URL to send the user to (no request is made).
    pub(super) fn github_authorization_url(
        &self,
        settings: &Settings,
        redirect_uri: &str,
        state: &str,
        pkce_verifier: &str,
    ) -> Result<String, ApiError> {
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pkce_verifier.to_string(),
        ));
        let state = state.to_string();
        let client = client(settings, redirect_uri)?;
        let mut request = client
            .authorize_url(move || CsrfToken::new(state))
            .set_pkce_challenge(challenge);
        for scope in &settings.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        Ok(request.url().0.to_string())
    }

    /// Exchanges `code` and reads who the user is.
    pub(super) async fn github_exchange(
        &self,
        settings: &Settings,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
    ) -> Result<Identity, ApiError> {
        let api = settings
            .api_url
            .as_deref()
            .unwrap_or("https://api.github.com")
            .trim_end_matches('/')
            .to_string();
        for (what, url) in [
            ("base URL", settings.issuer.as_str()),
            ("API URL", api.as_str()),
        ] {
            crate::webhooks::ssrf::check_target(url, self.allow_private)
                .map_err(|e| ApiError::BadGateway(format!("GitHub's {what} is refused: {e}")))?;
        }
        let token = client(settings, redirect_uri)?
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.client)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => ApiError::bad_request(format!(
                    "GitHub refused the login: the code is invalid, expired or already used ({})",
                    r.error()
                )),
                // GitHub answers a refused code with 200 and an `error` field.
                RequestTokenError::Parse(_, body)
                    if serde_json::from_slice::<serde_json::Value>(&body)
                        .is_ok_and(|v| v.get("error").is_some()) =>
                {
                    ApiError::bad_request(
                        "GitHub refused the login: the code is invalid, expired or already used",
                    )
                }
                other => {
                    tracing::warn!(error = %other, "GitHub code exchange failed");
                    unreachable("token")
                }
            })?;
        let bearer = token.access_token().secret().clone();
        let get = |path: &'static str| {
            self.client
                .get(format!("{api}{path}"))
                .bearer_auth(&bearer)
                .header(reqwest::header::ACCEPT, "application/vnd.github+json")
                .header(reqwest::header::USER_AGENT, "SnackBase")
                .send()
        };
        let user: GithubUser = get("/user")
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|_| unreachable("user"))?
            .json()
            .await
            .map_err(|_| unreachable("user"))?;
        let emails: Vec<GithubEmail> = get("/user/emails")
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|_| unreachable("emails"))?
            .json()
            .await
            .map_err(|_| unreachable("emails"))?;
        let primary = emails.into_iter().find(|e| e.primary);
        Ok(Identity {
            issuer: settings.issuer.trim_end_matches('/').to_string(),
            subject: user.id.to_string(),
            email_verified: primary.as_ref().is_some_and(|e| e.verified),
            email: primary.map(|e| e.email),
        })
    }
}
