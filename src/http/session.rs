//! Who is signed in, kept by the browser: the session and the sign-in attempt each live in an
//! encrypted, authenticated cookie (axum-extra's `PrivateCookieJar`, keyed by
//! `SIGNER_SESSION_KEY`). The service keeps no state, so any replica serves any request; a cookie
//! that was tampered with, or made with another key, reads as no cookie at all.

use crate::config::SignInSettings;
use crate::zoom::{ZoomClient, ZoomSettings, ZoomSetupError};
use axum::http::HeaderMap;
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SameSite};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::time::Duration;

/// The session: who signed in, and the access token their ZAK is fetched with.
pub const SESSION_COOKIE: &str = "zoom_signer_session";
/// A sign-in under way: `state`, the PKCE verifier and where to go back to, for ten minutes.
pub const ATTEMPT_COOKIE: &str = "zoom_signer_sign_in";
/// How long a sign-in may take from `/auth/zoom/start` to the callback.
pub const ATTEMPT_LIFETIME: Duration = Duration::from_secs(600);
/// Calls to Zoom that take longer fail (no blind retries).
pub const ZOOM_TIMEOUT: Duration = Duration::from_secs(5);

/// "Sign in with Zoom", when `SIGNER_ZOOM_SIGN_IN=on`: the Zoom client and the cookies' settings.
#[derive(Clone)]
pub struct SignIn {
    pub zoom: ZoomClient,
    key: Key,
    /// The cookies' path: the public URL's path, so only this service sees them.
    path: String,
    /// `Secure` cookies, but for plain-http localhost.
    secure: bool,
}

impl SignIn {
    pub fn new(settings: &SignInSettings) -> Result<Self, ZoomSetupError> {
        let zoom = ZoomClient::new(ZoomSettings {
            client_id: settings.client.sdk_key.clone(),
            client_secret: settings.client.sdk_secret.clone(),
            oauth_url: settings.oauth_url.clone(),
            api_url: settings.api_url.clone(),
            redirect_uri: settings.public_url.redirect_uri(),
            timeout: ZOOM_TIMEOUT,
        })?;
        Ok(Self::with_client(zoom, settings))
    }

    /// With a client made elsewhere (tests give one with a short timeout).
    pub fn with_client(zoom: ZoomClient, settings: &SignInSettings) -> Self {
        Self {
            zoom,
            key: Key::derive_from(settings.session_key.expose()),
            path: settings.public_url.path().to_owned(),
            secure: settings.public_url.is_https(),
        }
    }

    /// The public URL's path (the cookies' path too), where a sign-in returns to when asked for
    /// nowhere in particular.
    pub fn home(&self) -> &str {
        &self.path
    }

    /// The request's cookies, decrypted with the session key.
    pub fn jar(&self, headers: &HeaderMap) -> PrivateCookieJar {
        PrivateCookieJar::from_headers(headers, self.key.clone())
    }

    /// The signed-in session, if the request carries one that is intact and not expired.
    pub fn session(&self, jar: &PrivateCookieJar, now: u64) -> Option<Session> {
        let session: Session = serde_json::from_str(jar.get(SESSION_COOKIE)?.value()).ok()?;
        (session.expires_at > now).then_some(session)
    }

    pub fn attempt(&self, jar: &PrivateCookieJar, now: u64) -> Option<SignInAttempt> {
        let attempt: SignInAttempt = serde_json::from_str(jar.get(ATTEMPT_COOKIE)?.value()).ok()?;
        (attempt.expires_at > now).then_some(attempt)
    }

    /// A cookie holding `value` (JSON) for `lifetime`.
    pub fn cookie(&self, name: &'static str, value: &impl Serialize, lifetime: Duration) -> Cookie<'static> {
        let value = serde_json::to_string(value).expect("a session serialises");
        let lifetime = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX);
        Cookie::build((name, value))
            .path(self.path.clone())
            .http_only(true)
            .secure(self.secure)
            .same_site(SameSite::Lax)
            .max_age(cookie_duration(lifetime))
            .build()
    }

    /// What clears the cookie `name` (same name and path).
    pub fn removal(&self, name: &'static str) -> Cookie<'static> {
        Cookie::build((name, "")).path(self.path.clone()).build()
    }
}

fn cookie_duration(seconds: i64) -> time::Duration {
    time::Duration::seconds(seconds)
}

/// The signed-in person: their Zoom access token (never their refresh token: a session ends with
/// its access token) and who they are.
#[derive(Clone, Serialize, Deserialize)]
pub struct Session {
    #[serde(with = "secret_string")]
    pub access_token: SecretString,
    /// Unix seconds.
    pub expires_at: u64,
    pub user_id: String,
    pub name: String,
    pub email: String,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// A sign-in under way.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignInAttempt {
    pub state: String,
    #[serde(with = "secret_string")]
    pub pkce_verifier: SecretString,
    /// A path on this service (checked before it was stored).
    pub return_to: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl fmt::Debug for SignInAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInAttempt").field("return_to", &self.return_to).finish_non_exhaustive()
    }
}

/// A `SecretString` in a cookie's JSON (which is encrypted as a whole).
mod secret_string {
    use super::{ExposeSecret, SecretString};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(secret: &SecretString, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(secret.expose_secret())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<SecretString, D::Error> {
        String::deserialize(deserializer).map(SecretString::from)
    }
}

/// Whether `path` may be returned to after signing in: a path on this service, never another
/// site (`//host`, `/\host`, `https://…` are refused: no open redirect). Printable ASCII without
/// `\`, as browsers write a path and query (percent-encoded), and at most 1024 bytes: it goes into
/// the sign-in cookie and the `Location` header as it is. The OpenAPI document's `pattern` and
/// `maxLength` for `return` say the same.
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && path.len() <= 1024
        && path.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'\\')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_on_this_service_are_returned_to() {
        for good in
            ["/", "/zoom/", "/zoom/?mn=123#tk=abc", "/a/b?c=d", "/caf%C3%A9", "/ ~", &format!("/{}", "a".repeat(1023))]
        {
            assert!(is_local_path(good), "{good}");
        }
        for bad in [
            "",
            "zoom/",
            "//evil.example/",
            "/\\evil.example",
            "https://evil.example/",
            "/\r\nSet-Cookie: x",
            "/a\\b",
            "/a\u{7f}",
            "/caf\u{e9}",
            "/a\u{85}b",
            &format!("/{}", "a".repeat(1024)),
        ] {
            assert!(!is_local_path(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_session_never_shows_its_token() {
        let session = Session {
            access_token: SecretString::from("access-token-123"),
            expires_at: 1,
            user_id: "u".into(),
            name: "n".into(),
            email: "e".into(),
        };
        assert!(!format!("{session:?}").contains("access-token-123"));
    }
}
