//! Talking to an OpenID Connect provider: discovery (cached per issuer, and
//! fetched again when a token is signed by a key the cached JWKS lacks: key
//! rotation), the authorization URL with PKCE (S256), `state` and `nonce`,
//! and the code exchange whose ID token must carry our nonce, the provider's
//! issuer and our client id as audience, under a valid signature.
//!
//! Every request goes through the webhook client: no redirects, no proxy,
//! and the SSRF guard on every address it connects to (unless
//! `SNACKBASE_OAUTH_ALLOW_PRIVATE_NETWORKS`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreProviderMetadata,
};
use openidconnect::{
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    TokenResponse as _,
};

use crate::error::ApiError;

/// How long a discovery document (with its JWKS) is trusted before it is
/// fetched again.
const DISCOVERY_TTL: Duration = Duration::from_secs(600);

/// A provider's settings, as its configuration gives them.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The OpenID Connect issuer; for GitHub, its base URL.
    pub issuer: String,
    /// GitHub's REST API (GitHub only: it has no ID token).
    pub api_url: Option<String>,
    pub client_id: String,
    pub client_secret: String,
    pub scopes: Vec<String>,
}

/// What the provider vouches for about the user.
#[derive(Debug, Clone)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
}

/// Discovery documents by issuer, and the HTTP client that fetches them.
pub struct Discovery {
    pub(super) allow_private: bool,
    pub(super) client: reqwest::Client,
    documents: Mutex<HashMap<String, (Instant, Arc<CoreProviderMetadata>)>>,
}

impl Discovery {
    pub fn new(allow_private: bool) -> anyhow::Result<Self> {
        Ok(Self {
            allow_private,
            client: crate::webhooks::worker::client(allow_private)?,
            documents: Mutex::new(HashMap::new()),
        })
    }

    /// The issuer's discovery document: cached, or fetched when `fresh`,
    /// missing or stale.
    async fn metadata(
        &self,
        issuer: &str,
        fresh: bool,
    ) -> Result<Arc<CoreProviderMetadata>, ApiError> {
        if !fresh {
            let documents = self.documents.lock().expect("discovery cache poisoned");
            if let Some((at, doc)) = documents.get(issuer) {
                if at.elapsed() < DISCOVERY_TTL {
                    return Ok(doc.clone());
                }
            }
        }
        // The resolver guards host names; literal addresses are checked here,
        // for the issuer and for the endpoints the server itself will call.
        let guard = |what: &str, url: &str| {
            crate::webhooks::ssrf::check_target(url, self.allow_private).map_err(|e| {
                ApiError::BadGateway(format!("The identity provider's {what} is refused: {e}"))
            })
        };
        guard("issuer", issuer)?;
        let url = IssuerUrl::new(issuer.to_string())
            .map_err(|_| ApiError::bad_request("The provider's issuer URL is not valid"))?;
        let doc = CoreProviderMetadata::discover_async(url, &self.client)
            .await
            .map_err(|e| {
                tracing::warn!(issuer, error = %e, "OpenID Connect discovery failed");
                ApiError::BadGateway(format!(
                    "The identity provider could not be reached or answered wrongly: {e}"
                ))
            })?;
        guard("JWKS address", doc.jwks_uri().as_str())?;
        if let Some(token) = doc.token_endpoint() {
            guard("token endpoint", token.as_str())?;
        }
        let doc = Arc::new(doc);
        self.documents
            .lock()
            .expect("discovery cache poisoned")
            .insert(issuer.to_string(), (Instant::now(), doc.clone()));
        Ok(doc)
    }

    fn client(
        doc: &CoreProviderMetadata,
        settings: &Settings,
        redirect_uri: &str,
    ) -> Result<
        CoreClient<
            openidconnect::EndpointSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointNotSet,
            openidconnect::EndpointMaybeSet,
            openidconnect::EndpointMaybeSet,
        >,
        ApiError,
    > {
        let redirect = RedirectUrl::new(redirect_uri.to_string())
            .map_err(|_| ApiError::invalid("redirect_uri", "invalid", "Not a valid URL"))?;
        Ok(CoreClient::from_provider_metadata(
            doc.clone(),
            ClientId::new(settings.client_id.clone()),
            Some(ClientSecret::new(settings.client_secret.clone())),
        )
        .set_redirect_uri(redirect))
    }

    /// The URL to send the user to, for a flow with these `state`, `nonce`
    /// and PKCE verifier.
    pub async fn authorization_url(
        &self,
        settings: &Settings,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        pkce_verifier: &str,
    ) -> Result<String, ApiError> {
        if settings.api_url.is_some() {
            return self.github_authorization_url(settings, redirect_uri, state, pkce_verifier);
        }
        let doc = self.metadata(&settings.issuer, false).await?;
        let client = Self::client(&doc, settings, redirect_uri)?;
        let challenge = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
            pkce_verifier.to_string(),
        ));
        let (state, nonce) = (state.to_string(), nonce.to_string());
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                move || CsrfToken::new(state),
                move || Nonce::new(nonce),
            )
            .set_pkce_challenge(challenge);
        for scope in settings.scopes.iter().filter(|s| s.as_str() != "openid") {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        Ok(request.url().0.to_string())
    }

    /// Exchanges `code` for tokens and checks the ID token: signature (with
    /// one fresh JWKS fetch if the key is unknown), issuer, audience,
    /// expiry and `nonce`.
    pub async fn exchange(
        &self,
        settings: &Settings,
        redirect_uri: &str,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
    ) -> Result<Identity, ApiError> {
        if settings.api_url.is_some() {
            return self
                .github_exchange(settings, redirect_uri, code, pkce_verifier)
                .await;
        }
        let doc = self.metadata(&settings.issuer, false).await?;
        let client = Self::client(&doc, settings, redirect_uri)?;
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|_| ApiError::BadGateway("The provider has no token endpoint".into()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_string()))
            .request_async(&self.client)
            .await
            .map_err(|e| match e {
                RequestTokenError::ServerResponse(r) => {
                    let kind = match r.error() {
                        CoreErrorResponseType::InvalidGrant => {
                            "the code is invalid, expired or already used"
                        }
                        _ => "the code was refused",
                    };
                    ApiError::bad_request(format!(
                        "The identity provider refused the login: {kind} ({})",
                        r.error()
                    ))
                }
                other => {
                    tracing::warn!(issuer = %settings.issuer, error = %other, "OAuth code exchange failed");
                    ApiError::BadGateway(
                        "The identity provider could not be reached or answered wrongly".into(),
                    )
                }
            })?;
        let id_token = response.id_token().ok_or_else(|| {
            ApiError::BadGateway("The identity provider returned no ID token".into())
        })?;
        let nonce = Nonce::new(nonce.to_string());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(ClaimsVerificationError::SignatureVerification(_)) => {
                // Perhaps the provider rotated its keys: fetch them again, once.
                let doc = self.metadata(&settings.issuer, true).await?;
                let client = Self::client(&doc, settings, redirect_uri)?;
                let verifier = client.id_token_verifier();
                let claims = id_token.claims(&verifier, &nonce).map_err(refused)?.clone();
                claims
            }
            Err(e) => return Err(refused(e)),
        };
        Ok(Identity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|e| e.to_string()),
            email_verified: claims.email_verified().unwrap_or(false),
        })
    }
}

/// An ID token that fails a check: the login is refused (400), naming the
/// check but nothing of the token.
fn refused(e: ClaimsVerificationError) -> ApiError {
    let what = match e {
        ClaimsVerificationError::Expired(_) => "it has expired",
        ClaimsVerificationError::InvalidAudience(_) => "it was issued for another client",
        ClaimsVerificationError::InvalidIssuer(_) => "it comes from another issuer",
        ClaimsVerificationError::InvalidNonce(_) => "its nonce does not match this login",
        ClaimsVerificationError::SignatureVerification(_) => "its signature does not verify",
        _ => "it is not valid",
    };
    ApiError::bad_request(format!(
        "The identity provider's ID token was refused: {what}"
    ))
}
