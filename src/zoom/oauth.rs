//! The OAuth half: the authorize URL (fresh state and PKCE S256 challenge), the code exchange on
//! Zoom's token endpoint (oauth2's typed client, HTTP Basic), and revocation.

use super::api::{read_body, zoom_message};
use super::error::{Endpoint, ZoomError, scrub};
use super::{ZoomClient, error_chain};
use oauth2::basic::BasicTokenType;
use oauth2::{
    AsyncHttpClient, AuthorizationCode, CsrfToken, HttpClientError, HttpRequest, HttpResponse, PkceCodeChallenge,
    PkceCodeVerifier, RequestTokenError, TokenResponse,
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::Duration;

/// Where to send the browser to sign in, and what to keep until it comes back: `state` to match
/// against the callback's, `pkce_verifier` for [`ZoomClient::exchange_code`].
#[derive(Debug)]
pub struct Authorization {
    pub url: String,
    pub state: String,
    pub pkce_verifier: SecretString,
}

/// A user's access token for Zoom's API.
#[derive(Debug)]
pub struct AccessToken {
    pub secret: SecretString,
    /// From Zoom's `expires_in` (3599 s), or an hour less a second where it is missing.
    pub expires_in: Duration,
    /// The scopes Zoom granted (`scope`), e.g. `user:read:token`.
    pub scopes: Vec<String>,
}

/// Zoom's token error reply, `{"reason": "Invalid authorization code", "error": "invalid_grant"}`;
/// every field optional, so any JSON object Zoom answers with is read.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ZoomTokenError {
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

impl ZoomTokenError {
    fn reason(&self) -> &str {
        [&self.reason, &self.error_description, &self.message]
            .into_iter()
            .flatten()
            .next()
            .map_or("no reason given", |r| r)
    }
}

impl fmt::Display for ZoomTokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error.as_deref().unwrap_or("error"), self.reason())
    }
}

impl oauth2::ErrorResponse for ZoomTokenError {}

type TokenError = RequestTokenError<HttpClientError<reqwest::Error>, ZoomTokenError>;

/// The shared reqwest client as oauth2's HTTP client, noting the status of the answer.
struct StatusRecorder<'a> {
    http: &'a reqwest::Client,
    status: &'a AtomicU16,
}

impl<'c> AsyncHttpClient<'c> for StatusRecorder<'_> {
    type Error = HttpClientError<reqwest::Error>;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let response = self.http.call(request).await?;
            self.status.store(response.status().as_u16(), Ordering::Relaxed);
            Ok(response)
        })
    }
}

/// Typical Zoom lifetime of an access token, for a reply that leaves `expires_in` out.
const AN_HOUR_LESS_A_SECOND: Duration = Duration::from_secs(3599);

impl ZoomClient {
    /// A fresh sign-in: random `state`, a random PKCE verifier and its S256 challenge, and the
    /// authorize URL carrying them with the client ID and redirect URI.
    pub fn authorize(&self) -> Authorization {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state) = self.inner.oauth.authorize_url(CsrfToken::new_random).set_pkce_challenge(challenge).url();
        Authorization {
            url: url.into(),
            state: state.into_secret(),
            pkce_verifier: SecretString::from(verifier.into_secret()),
        }
    }

    /// Exchanges the callback's `code` (with the sign-in's PKCE verifier) for an access token.
    pub async fn exchange_code(&self, code: &str, pkce_verifier: &SecretString) -> Result<AccessToken, ZoomError> {
        let inner = &*self.inner;
        // oauth2 does not say which status a refused exchange had; the client beside it records it.
        let status = AtomicU16::new(0);
        let http = StatusRecorder { http: &inner.http, status: &status };
        let reply = inner
            .oauth
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.expose_secret().to_owned()))
            .request_async(&http)
            .await;
        let secrets = [code, pkce_verifier.expose_secret(), inner.client_secret.expose_secret()];
        let token = reply.map_err(|e| self.token_error(e, status.load(Ordering::Relaxed), &secrets))?;
        if *token.token_type() != BasicTokenType::Bearer {
            let problem = format!("the token type is {:?}, not bearer", token.token_type());
            return Err(ZoomError::BadReply { endpoint: Endpoint::Token, problem: scrub(&problem, &secrets) });
        }
        Ok(AccessToken {
            secret: SecretString::from(token.access_token().secret().as_str()),
            expires_in: token.expires_in().unwrap_or(AN_HOUR_LESS_A_SECOND),
            scopes: token.scopes().into_iter().flatten().map(|s| s.to_string()).collect(),
        })
    }

    fn token_error(&self, error: TokenError, status: u16, secrets: &[&str]) -> ZoomError {
        let endpoint = Endpoint::Token;
        let refused = |message: &str| ZoomError::Refused { endpoint, status, message: scrub(message, secrets) };
        match error {
            RequestTokenError::Request(HttpClientError::Reqwest(e)) => {
                ZoomError::transport(endpoint, &e, self.inner.timeout, secrets)
            }
            RequestTokenError::Request(e) => {
                ZoomError::Unreachable { endpoint, cause: scrub(&error_chain(&e), secrets) }
            }
            RequestTokenError::ServerResponse(reply) => match reply.error.as_deref() {
                Some(error) if status < 500 && !matches!(error, "invalid_client" | "unauthorized_client") => {
                    ZoomError::InvalidGrant { error: scrub(error, secrets), reason: scrub(reply.reason(), secrets) }
                }
                _ => refused(&reply.to_string()),
            },
            RequestTokenError::Parse(e, _) if status == 200 => {
                let problem =
                    format!("not the token reply Zoom documents ({:?} error at `{}`)", e.inner().classify(), e.path());
                ZoomError::BadReply { endpoint, problem: scrub(&problem, secrets) }
            }
            RequestTokenError::Parse(..) => refused("the reply is not JSON"),
            RequestTokenError::Other(text) if status == 200 => {
                ZoomError::BadReply { endpoint, problem: scrub(&text, secrets) }
            }
            RequestTokenError::Other(text) => refused(&text),
        }
    }

    /// Ends `access_token` at Zoom (`POST /oauth/revoke?token=…`, the client in HTTP Basic).
    pub async fn revoke(&self, access_token: &SecretString) -> Result<(), ZoomError> {
        let inner = &*self.inner;
        let endpoint = Endpoint::Revoke;
        let secrets = [access_token.expose_secret(), inner.client_secret.expose_secret()];
        let mut url = inner.revoke_url.clone();
        url.query_pairs_mut().append_pair("token", access_token.expose_secret());
        let response = inner
            .http
            .post(url)
            .basic_auth(&inner.client_id, Some(inner.client_secret.expose_secret()))
            .send()
            .await
            .map_err(|e| ZoomError::transport(endpoint, &e, inner.timeout, &secrets))?;
        let status = response.status();
        let body = read_body(endpoint, response, inner.timeout, &secrets).await?;
        if status.is_success() {
            return Ok(());
        }
        Err(ZoomError::Refused { endpoint, status: status.as_u16(), message: zoom_message(&body, &secrets) })
    }
}
