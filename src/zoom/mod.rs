//! The Zoom API client for "Sign in with Zoom": OAuth 2.0 authorization code with PKCE (S256) on
//! Zoom's OAuth host, then the REST calls made with the user's access token (who they are, their
//! ZAK, an OBF token for a meeting), and revocation. It knows nothing of the HTTP server: the
//! caller keeps the state, the PKCE verifier and the tokens between requests.
//!
//! One `reqwest` client serves every call (oauth2's token exchange included): rustls with the
//! webpki roots compiled in and the hickory resolver, so the statically linked binary needs
//! neither OpenSSL nor glibc's NSS; a timeout on each call (5 s by default, connecting included);
//! no redirect followed; nothing retried. Errors ([`ZoomError`]) name the endpoint and what failed,
//! and never carry a token, code, verifier or secret.
//!
//! [`webhook`] is the other direction: Zoom calling the app (event notifications), authenticated
//! with the app's Secret Token; pure, no client involved.
//!
//! Imports `signature` only; `http` builds a [`ZoomSettings`] from the login settings.

mod api;
mod cloud;
mod dns;
mod error;
mod oauth;
pub mod webhook;

pub use api::{MAX_REPLY_BYTES, UserTokenKind, ZoomMeeting, ZoomUser};
pub use cloud::ZoomCloud;
pub use error::{Endpoint, ZoomError};
pub use oauth::{AccessToken, Authorization, MAX_ACCESS_TOKEN_LIFETIME};
pub use url::Url;
pub use webhook::{WebhookEvent, WebhookEventKind, WebhookSecret};

/// The Zoom Web SDK version the join page loads unless told otherwise (`SIGNER_WEB_SDK_VERSION`).
pub const DEFAULT_WEB_SDK_VERSION: &str = "6.2.0";

use oauth2::basic::{BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, RedirectUrl, StandardRevocableToken,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Where Zoom is and who this app is there. The caller parses and names the settings.
#[derive(Debug, Clone)]
pub struct ZoomSettings {
    /// The General app's Client ID (the one that also signs SDK JWTs).
    pub client_id: String,
    pub client_secret: SecretString,
    /// Zoom's OAuth host ([`ZoomCloud::oauth_url`]), or a stand-in's address in tests.
    pub oauth_url: Url,
    /// Zoom's REST API base ([`ZoomCloud::api_url`]).
    pub api_url: Url,
    /// This service's OAuth callback, as registered with the app in Zoom's App Marketplace.
    pub redirect_uri: Url,
    /// How long one call to Zoom may take, connecting included ([`ZoomSettings::DEFAULT_TIMEOUT`]).
    pub timeout: Duration,
}

impl ZoomSettings {
    /// Calls to Zoom that take longer fail (no blind retries).
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(5);
}

/// Why a [`ZoomClient`] could not be built from its settings.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoomSetupError {
    #[error("the Zoom client ID is empty")]
    NoClientId,
    #[error("the Zoom client secret is empty")]
    NoClientSecret,
    #[error("{what} ({url}) must be an https:// URL (plain http:// only to a loopback address, as for a stand-in)")]
    NotHttps { what: &'static str, url: String },
    #[error("{what} ({url}) must be a base URL, without query or fragment")]
    NotABase { what: &'static str, url: String },
    #[error("the redirect URI ({0}) must be an http:// or https:// URL")]
    BadRedirect(String),
    #[error("the timeout for calls to Zoom must be more than zero")]
    NoTimeout,
    #[error("the HTTP client for Zoom could not be built: {0}")]
    Http(String),
}

/// oauth2's basic client but for Zoom's token errors (`{"reason", "error"}`, read by
/// [`oauth::ZoomTokenError`]); built with the authorize and token URLs set.
type OAuthClient<HasAuthUrl = EndpointSet, HasTokenUrl = EndpointSet> = oauth2::Client<
    oauth::ZoomTokenError,
    BasicTokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    HasAuthUrl,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    HasTokenUrl,
>;

/// The Zoom API client; cheap to clone (one connection pool behind an `Arc`).
#[derive(Clone)]
pub struct ZoomClient {
    inner: Arc<Inner>,
}

struct Inner {
    oauth: OAuthClient,
    http: reqwest::Client,
    client_id: String,
    client_secret: SecretString,
    revoke_url: Url,
    me_url: Url,
    user_token_url: Url,
    /// `<api>/meetings/`: a meeting's ID is appended.
    meetings_url: Url,
    timeout: Duration,
    /// Every form in which the client's credentials travel (the secret as it is and
    /// percent-encoded, and both HTTP Basic encodings of ID and secret): scrubbed from whatever
    /// Zoom answers, since a server may echo a request back.
    credential_forms: Vec<String>,
}

impl fmt::Debug for ZoomClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ZoomClient")
            .field("client_id", &self.inner.client_id)
            .field("revoke_url", &self.inner.revoke_url.as_str())
            .field("me_url", &self.inner.me_url.as_str())
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

impl ZoomClient {
    /// Checks the settings and builds the one HTTP client. Fails on an empty client ID or secret,
    /// a zero timeout, or a Zoom URL that is not `https://` (plain `http://` is allowed to a
    /// loopback address only: a stand-in in tests).
    pub fn new(settings: ZoomSettings) -> Result<Self, ZoomSetupError> {
        if settings.client_id.trim().is_empty() {
            return Err(ZoomSetupError::NoClientId);
        }
        if settings.client_secret.expose_secret().is_empty() {
            return Err(ZoomSetupError::NoClientSecret);
        }
        if settings.timeout.is_zero() {
            return Err(ZoomSetupError::NoTimeout);
        }
        if !matches!(settings.redirect_uri.scheme(), "http" | "https") {
            return Err(ZoomSetupError::BadRedirect(settings.redirect_uri.to_string()));
        }
        let oauth_url = base_url("Zoom's OAuth URL", &settings.oauth_url)?;
        let api_url = base_url("Zoom's API URL", &settings.api_url)?;
        let at = |base: &str, path: &str| Url::parse(&format!("{base}{path}")).expect("a base URL and a path");

        let http = reqwest::Client::builder()
            .user_agent(concat!("zoom-signer/", env!("CARGO_PKG_VERSION")))
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // Idle connections go before a server's own idle timeout (often 60 s) is likely to
            // close them under a request, which is then lost, not retried.
            .pool_idle_timeout(Duration::from_secs(30))
            .dns_resolver(Arc::new(dns::HickoryResolver::default()))
            .build()
            .map_err(|e| ZoomSetupError::Http(error_chain(&e)))?;
        let oauth = OAuthClient::<EndpointNotSet, EndpointNotSet>::new(ClientId::new(settings.client_id.clone()))
            .set_client_secret(ClientSecret::new(settings.client_secret.expose_secret().to_owned()))
            .set_auth_type(AuthType::BasicAuth)
            .set_auth_uri(AuthUrl::from_url(at(&oauth_url, "/oauth/authorize")))
            .set_token_uri(TokenUrl::from_url(at(&oauth_url, "/oauth/token")))
            .set_redirect_uri(RedirectUrl::from_url(settings.redirect_uri.clone()));
        let credential_forms = credential_forms(&settings.client_id, settings.client_secret.expose_secret());
        Ok(Self {
            inner: Arc::new(Inner {
                oauth,
                http,
                client_id: settings.client_id,
                client_secret: settings.client_secret,
                revoke_url: at(&oauth_url, "/oauth/revoke"),
                me_url: at(&api_url, "/users/me"),
                user_token_url: at(&api_url, "/users/me/token"),
                meetings_url: at(&api_url, "/meetings/"),
                timeout: settings.timeout,
                credential_forms,
            }),
        })
    }
}

/// `url` as a prefix for paths (no trailing slash), if it is https or http to a loopback host.
fn base_url(what: &'static str, url: &Url) -> Result<String, ZoomSetupError> {
    let loopback = match url.host() {
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(ZoomSetupError::NotHttps { what, url: url.to_string() }),
    }
    if url.cannot_be_a_base() || url.query().is_some() || url.fragment().is_some() {
        return Err(ZoomSetupError::NotABase { what, url: url.to_string() });
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

impl Inner {
    /// A call's own secrets (tokens, code, verifier) and the client's credentials in every form:
    /// what Zoom's answers are scrubbed of.
    fn secrets<'a>(&'a self, call: &[&'a str]) -> Vec<&'a str> {
        call.iter().copied().chain(self.credential_forms.iter().map(String::as_str)).collect()
    }
}

/// The forms `id` and `secret` travel in: the secret itself and percent-encoded (as in a form
/// body), and `Authorization: Basic` as reqwest writes it (`base64(id:secret)`, revocation) and
/// as oauth2 writes it (each part form-encoded first, RFC 6749 2.3.1: the token endpoint).
fn credential_forms(id: &str, secret: &str) -> Vec<String> {
    use base64::Engine;
    let encode = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    let basic = |id: &str, secret: &str| base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
    let mut forms = vec![secret.to_owned(), encode(secret), basic(id, secret), basic(&encode(id), &encode(secret))];
    forms.sort();
    forms.dedup();
    forms
}

/// An error and its causes, joined: for errors that carry no URL or secret.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(oauth: &str, api: &str) -> ZoomSettings {
        ZoomSettings {
            client_id: "id".into(),
            client_secret: SecretString::from("secret"),
            oauth_url: Url::parse(oauth).unwrap(),
            api_url: Url::parse(api).unwrap(),
            redirect_uri: Url::parse("https://signer.example/auth/zoom/callback").unwrap(),
            timeout: ZoomSettings::DEFAULT_TIMEOUT,
        }
    }

    #[test]
    fn zoom_is_reached_over_https_or_plain_http_to_loopback_only() {
        let commercial = ZoomCloud::Commercial;
        let defaults = settings(commercial.oauth_url(), commercial.api_url());
        assert!(ZoomClient::new(defaults).is_ok());
        for loopback in ["http://127.0.0.1:9/", "http://localhost:9", "http://[::1]:9"] {
            assert!(ZoomClient::new(settings(loopback, loopback)).is_ok(), "{loopback}");
        }
        let plain = ZoomClient::new(settings("http://zoom.us", commercial.api_url())).unwrap_err();
        assert!(matches!(plain, ZoomSetupError::NotHttps { what: "Zoom's OAuth URL", .. }), "{plain}");
        let query = ZoomClient::new(settings(commercial.oauth_url(), "https://api.zoom.us/v2?x=1"));
        assert!(matches!(query, Err(ZoomSetupError::NotABase { what: "Zoom's API URL", .. })));
    }

    #[test]
    fn the_endpoints_hang_under_the_configured_bases() {
        let client = ZoomClient::new(settings("https://zoomgov.com/", "https://api.zoomgov.com/v2/")).unwrap();
        assert_eq!(client.inner.revoke_url.as_str(), "https://zoomgov.com/oauth/revoke");
        assert_eq!(client.inner.me_url.as_str(), "https://api.zoomgov.com/v2/users/me");
        assert_eq!(client.inner.user_token_url.as_str(), "https://api.zoomgov.com/v2/users/me/token");
        assert_eq!(client.inner.meetings_url.as_str(), "https://api.zoomgov.com/v2/meetings/");
        assert!(client.authorize().url.starts_with("https://zoomgov.com/oauth/authorize?"));
    }

    #[test]
    fn every_call_can_be_awaited_on_any_worker_thread() {
        fn send<T: Send>(_: &T) {}
        let commercial = ZoomCloud::Commercial;
        let client = ZoomClient::new(settings(commercial.oauth_url(), commercial.api_url())).unwrap();
        let secret = SecretString::from("not used");
        let meeting = crate::signature::MeetingNumber::parse("123456789").unwrap();
        send(&client.exchange_code("code", &secret));
        send(&client.me(&secret));
        send(&client.zak(&secret));
        send(&client.obf_token(&secret, &meeting));
        send(&client.meeting(&secret, &meeting));
        send(&client.revoke(&secret));
    }

    #[test]
    fn the_credentials_are_known_in_every_form_they_travel_in() {
        let forms = credential_forms("id/1", "s3cr+t=");
        for form in ["s3cr+t=", "s3cr%2Bt%3D", "aWQvMTpzM2NyK3Q9", "aWQlMkYxOnMzY3IlMkJ0JTNE"] {
            assert!(forms.iter().any(|f| f == form), "{form} missing from {forms:?}");
        }
    }
}
