//! The OAuth half: the authorize URL (fresh state and PKCE S256 challenge), the code exchange on
//! Zoom's token endpoint (oauth2's typed client, HTTP Basic), and revocation.

use super::api::{read_body, zoom_message};
use super::error::{Endpoint, ZoomError, scrub};
use super::{Inner, ZoomClient};
use oauth2::basic::BasicTokenType;
use oauth2::{
    AsyncHttpClient, AuthorizationCode, CsrfToken, HttpRequest, HttpResponse, PkceCodeChallenge, PkceCodeVerifier,
    RequestTokenError, TokenResponse,
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
    /// From Zoom's `expires_in` (3599 s), at most [`MAX_ACCESS_TOKEN_LIFETIME`]; an hour less a
    /// second where Zoom leaves it out.
    pub expires_in: Duration,
}

/// The longest an access token is believed to last, whatever `expires_in` says: Zoom's last an
/// hour, so a session (which lasts as long as its access token) never outlives two.
pub const MAX_ACCESS_TOKEN_LIFETIME: Duration = Duration::from_secs(2 * 3600);

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

type TokenError = RequestTokenError<Failed, ZoomTokenError>;

/// A call to the token endpoint that got no answer to read: already a [`ZoomError`].
#[derive(Debug)]
struct Failed(ZoomError);

impl fmt::Display for Failed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Failed {}

/// The shared reqwest client as oauth2's HTTP client: it notes the answer's status and reads its
/// body as every reply from Zoom is read, at most [`super::MAX_REPLY_BYTES`].
struct TokenTransport<'a> {
    inner: &'a Inner,
    secrets: &'a [&'a str],
    status: &'a AtomicU16,
}

impl<'c> AsyncHttpClient<'c> for TokenTransport<'_> {
    type Error = Failed;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, Self::Error>> + Send + Sync + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let (endpoint, timeout) = (Endpoint::Token, self.inner.timeout);
            let request = reqwest::Request::try_from(request)
                .map_err(|e| Failed(ZoomError::transport(endpoint, &e, timeout, self.secrets)))?;
            let response = self
                .inner
                .http
                .execute(request)
                .await
                .map_err(|e| Failed(ZoomError::transport(endpoint, &e, timeout, self.secrets)))?;
            let status = response.status();
            self.status.store(status.as_u16(), Ordering::Relaxed);
            let mut reply = HttpResponse::new(Vec::new());
            *reply.status_mut() = status;
            *reply.headers_mut() = response.headers().clone();
            *reply.body_mut() = read_body(endpoint, response, timeout, self.secrets).await.map_err(Failed)?;
            Ok(reply)
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
        let secrets = inner.secrets(&[code, pkce_verifier.expose_secret()]);
        // oauth2 does not say which status a refused exchange had; the transport records it.
        let status = AtomicU16::new(0);
        let http = TokenTransport { inner, secrets: &secrets, status: &status };
        let reply = inner
            .oauth
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.expose_secret().to_owned()))
            .request_async(&http)
            .await;
        let token = reply.map_err(|e| token_error(e, status.load(Ordering::Relaxed), &secrets))?;
        let bad =
            |problem: String| ZoomError::BadReply { endpoint: Endpoint::Token, problem: scrub(&problem, &secrets) };
        if *token.token_type() != BasicTokenType::Bearer {
            return Err(bad(format!("the token type is {:?}, not bearer", token.token_type())));
        }
        let expires_in = match token.expires_in() {
            None => AN_HOUR_LESS_A_SECOND,
            Some(Duration::ZERO) => return Err(bad("the token expires at once (`expires_in` is 0)".to_owned())),
            Some(lifetime) => lifetime.min(MAX_ACCESS_TOKEN_LIFETIME),
        };
        Ok(AccessToken { secret: SecretString::from(token.access_token().secret().as_str()), expires_in })
    }

    /// Ends `access_token` at Zoom (`POST /oauth/revoke?token=…`, the client in HTTP Basic).
    pub async fn revoke(&self, access_token: &SecretString) -> Result<(), ZoomError> {
        let inner = &*self.inner;
        let endpoint = Endpoint::Revoke;
        let secrets = inner.secrets(&[access_token.expose_secret()]);
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

/// What a failed code exchange means: no answer, a refused code, or a reply not as documented.
fn token_error(error: TokenError, status: u16, secrets: &[&str]) -> ZoomError {
    let endpoint = Endpoint::Token;
    let refused = |message: &str| ZoomError::Refused { endpoint, status, message: scrub(message, secrets) };
    match error {
        RequestTokenError::Request(Failed(error)) => error,
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
