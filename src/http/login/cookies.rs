//! Who is signed in, kept by the browser: the session and the login attempt each live in an
//! encrypted, authenticated cookie (the `cookie` crate's private jar, AES-256-GCM with a key
//! derived from `SIGNER_SESSION_KEY`). The service keeps no session state, so any replica serves
//! any request. A cookie that was tampered with, made with an unknown key, or sent twice (a second
//! one planted from a sibling subdomain) reads as no cookie at all.

use crate::config::{LoginSettings, PublicUrl};
use crate::zoom::{ZoomClient, ZoomSettings, ZoomSetupError};
use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use cookie::{Cookie, CookieJar, Key, SameSite};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a login may take from `/auth/zoom/start` to the callback.
pub const ATTEMPT_LIFETIME: Duration = Duration::from_secs(600);
/// The most a browser is sure to keep of one cookie (RFC 6265, 6.1): name, value and attributes.
pub const MAX_COOKIE_BYTES: usize = 4096;
/// The longest name kept in a session (Zoom's display names are far shorter).
pub const MAX_NAME_CHARS: usize = 128;
/// The longest email address kept in a session (RFC 5321's limit on a path).
pub const MAX_EMAIL_CHARS: usize = 254;

/// "Sign in with Zoom", when `SIGNER_ZOOM_SIGN_IN=on`: the Zoom client, the session keys and the
/// cookies' rules. Rebuilt on a reload, with the same [`SpentAttempts`].
pub struct Login {
    pub zoom: ZoomClient,
    /// The first encrypts; every one decrypts.
    keys: Vec<Key>,
    cookies: CookieRules,
    spent: Arc<SpentAttempts>,
}

/// Where and how the cookies are set.
struct CookieRules {
    /// The public URL's path, so only this service sees them.
    path: String,
    /// `Secure` cookies, but for plain-http localhost.
    secure: bool,
    session: String,
    attempt: String,
}

impl CookieRules {
    /// Cookie names with the strongest prefix the public URL allows: `__Host-` (https, path `/`:
    /// no other host or path can set it), `__Secure-` (https), none for plain-http localhost.
    fn new(public_url: &PublicUrl) -> Self {
        let prefix = match (public_url.is_https(), public_url.path()) {
            (true, "/") => "__Host-",
            (true, _) => "__Secure-",
            (false, _) => "",
        };
        Self {
            path: public_url.path().to_owned(),
            secure: public_url.is_https(),
            session: format!("{prefix}zoom_signer_session"),
            attempt: format!("{prefix}zoom_signer_login"),
        }
    }
}

/// The cookie's value would make a `Set-Cookie` longer than browsers keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CookieTooLarge {
    pub bytes: usize,
}

impl Login {
    /// The login `settings` describe, its Zoom client built from them.
    pub fn new(settings: &LoginSettings, spent: Arc<SpentAttempts>) -> Result<Self, ZoomSetupError> {
        let zoom = ZoomClient::new(ZoomSettings {
            client_id: settings.client.sdk_key.clone(),
            client_secret: settings.client.sdk_secret.clone(),
            oauth_url: settings.oauth_url.clone(),
            api_url: settings.api_url.clone(),
            redirect_uri: settings.public_url.redirect_uri(),
            timeout: ZoomSettings::DEFAULT_TIMEOUT,
        })?;
        Ok(Self::with_client(zoom, settings, spent))
    }

    /// With a client made elsewhere (tests give one with a short timeout).
    pub fn with_client(zoom: ZoomClient, settings: &LoginSettings, spent: Arc<SpentAttempts>) -> Self {
        Self {
            zoom,
            keys: settings.session_keys.expose().map(Key::derive_from).collect(),
            cookies: CookieRules::new(&settings.public_url),
            spent,
        }
    }

    /// The public URL's path (the cookies' path too), where a login returns to when asked for
    /// nowhere in particular.
    pub fn home(&self) -> &str {
        &self.cookies.path
    }

    /// The signed-in session, if the request carries exactly one that is intact and not expired.
    pub fn session(&self, headers: &HeaderMap, now: u64) -> Option<Session> {
        let session: Session = self.read(headers, &self.cookies.session)?;
        (session.expires_at > now).then_some(session)
    }

    /// The login under way, if the request carries exactly one that is intact and not expired.
    pub fn attempt(&self, headers: &HeaderMap, now: u64) -> Option<LoginAttempt> {
        let attempt: LoginAttempt = self.read(headers, &self.cookies.attempt)?;
        (attempt.expires_at > now).then_some(attempt)
    }

    /// The `Set-Cookie` of a session lasting until its `expires_at`.
    pub fn set_session(&self, session: &Session, now: u64) -> Result<HeaderValue, CookieTooLarge> {
        self.write(&self.cookies.session, session, session.expires_at.saturating_sub(now))
    }

    /// The `Set-Cookie` of a login attempt.
    pub fn set_attempt(&self, attempt: &LoginAttempt) -> Result<HeaderValue, CookieTooLarge> {
        self.write(&self.cookies.attempt, attempt, ATTEMPT_LIFETIME.as_secs())
    }

    /// The `Set-Cookie` that clears the session.
    pub fn clear_session(&self) -> HeaderValue {
        self.removal(&self.cookies.session)
    }

    /// The `Set-Cookie` that clears the login attempt.
    pub fn clear_attempt(&self) -> HeaderValue {
        self.removal(&self.cookies.attempt)
    }

    /// Marks `attempt` answered; `false` if it was already (a callback replayed with the same
    /// cookie, whether or not the browser dropped it).
    pub fn spend(&self, attempt: &LoginAttempt, now: u64) -> bool {
        self.spent.spend(&attempt.state, attempt.expires_at, now)
    }

    /// The value of the one cookie `name`, decrypted with the first key that opens it and read
    /// as JSON. Two cookies of that name (one planted from a sibling subdomain): none.
    fn read<T: DeserializeOwned>(&self, headers: &HeaderMap, name: &str) -> Option<T> {
        let mut values = headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|header| header.to_str().ok())
            .flat_map(|header| header.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(key, _)| *key == name)
            .map(|(_, value)| value);
        let (value, None) = (values.next()?, values.next()) else { return None };
        let jar = CookieJar::new();
        let opened = self
            .keys
            .iter()
            .find_map(|key| jar.private(key).decrypt(Cookie::new(name.to_owned(), value.to_owned())))?;
        serde_json::from_str(opened.value()).ok()
    }

    /// A `Set-Cookie` holding `value` (JSON, encrypted with the first key) for `lifetime` seconds.
    fn write(&self, name: &str, value: &impl Serialize, lifetime: u64) -> Result<HeaderValue, CookieTooLarge> {
        let json = serde_json::to_string(value).expect("a session serialises");
        let max_age = time::Duration::seconds(i64::try_from(lifetime).unwrap_or(i64::MAX));
        let mut jar = CookieJar::new();
        jar.private_mut(&self.keys[0]).add(self.cookie(name, json).max_age(max_age));
        let text = jar.get(name).expect("the cookie was just added").to_string();
        if text.len() > MAX_COOKIE_BYTES {
            return Err(CookieTooLarge { bytes: text.len() });
        }
        Ok(HeaderValue::try_from(text).expect("base64 and cookie attributes make a header value"))
    }

    /// What clears the cookie `name`: same name, path and attributes (a prefixed cookie's removal
    /// must meet its prefix's rules too).
    fn removal(&self, name: &str) -> HeaderValue {
        let mut cookie = self.cookie(name, String::new()).build();
        cookie.make_removal();
        HeaderValue::try_from(cookie.to_string()).expect("a removal cookie is a header value")
    }

    fn cookie(&self, name: &str, value: String) -> cookie::CookieBuilder<'static> {
        Cookie::build((name.to_owned(), value))
            .path(self.cookies.path.clone())
            .http_only(true)
            .secure(self.cookies.secure)
            .same_site(SameSite::Lax)
    }
}

/// Login attempts already answered, until they expire: a callback is good once per attempt,
/// even when a browser (or an attacker) keeps its cookie. In memory, per process, bounded.
#[derive(Debug, Default)]
pub struct SpentAttempts {
    /// `state` → when its attempt expires (Unix seconds).
    states: Mutex<HashMap<String, u64>>,
}

impl SpentAttempts {
    /// More answered attempts than this, within their ten minutes, are forgotten oldest first
    /// (logins are rate-limited per client, so reaching it takes many clients).
    const MAX: usize = 65_536;

    fn spend(&self, state: &str, expires_at: u64, now: u64) -> bool {
        let mut states = self.states.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if states.contains_key(state) {
            return false;
        }
        if states.len() >= Self::MAX {
            states.retain(|_, expires| *expires > now);
            while states.len() >= Self::MAX {
                let oldest = states.iter().min_by_key(|(_, expires)| **expires).map(|(state, _)| state.clone());
                states.remove(&oldest.expect("a full map has an oldest entry"));
            }
        }
        states.insert(state.to_owned(), expires_at);
        true
    }
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

impl Session {
    /// A session for Zoom's user; name and email cut to [`MAX_NAME_CHARS`] and
    /// [`MAX_EMAIL_CHARS`] characters, so whatever Zoom says of them fits a cookie.
    pub fn new(access_token: SecretString, expires_at: u64, user: crate::zoom::ZoomUser) -> Self {
        let cut = |text: String, max: usize| match text.char_indices().nth(max) {
            Some((end, _)) => text[..end].to_owned(),
            None => text,
        };
        Self {
            access_token,
            expires_at,
            user_id: user.id,
            name: cut(user.name, MAX_NAME_CHARS),
            email: cut(user.email, MAX_EMAIL_CHARS),
        }
    }

    /// Who the person is signed in as, for messages: their email address, else their name.
    pub fn who(&self) -> &str {
        if self.email.is_empty() { &self.name } else { &self.email }
    }
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

/// A login under way.
#[derive(Clone, Serialize, Deserialize)]
pub struct LoginAttempt {
    pub state: String,
    #[serde(with = "secret_string")]
    pub pkce_verifier: SecretString,
    /// A path on this service (checked before it was stored).
    pub return_to: String,
    /// Unix seconds.
    pub expires_at: u64,
}

impl fmt::Debug for LoginAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginAttempt").field("return_to", &self.return_to).finish_non_exhaustive()
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

/// Whether `path` may be returned to after logging in: a path on this service, never another
/// site (`//host`, `/\host`, `https://…` are refused: no open redirect). Printable ASCII without
/// `\`, as browsers write a path and query (percent-encoded), and at most 1024 bytes: it goes into
/// the login cookie and the `Location` header as it is. The OpenAPI document's `pattern` and
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

    fn user(name: &str, email: &str) -> crate::zoom::ZoomUser {
        crate::zoom::ZoomUser { id: "u".into(), name: name.into(), email: email.into() }
    }

    #[test]
    fn a_session_never_shows_its_token() {
        let session = Session::new(SecretString::from("access-token-123"), 1, user("n", "e"));
        assert!(!format!("{session:?}").contains("access-token-123"));
    }

    #[test]
    fn a_sessions_name_and_email_are_cut_at_a_character_boundary() {
        let session = Session::new(SecretString::from("t"), 1, user(&"é".repeat(1000), &"ü".repeat(1000)));
        assert_eq!(session.name, "é".repeat(MAX_NAME_CHARS));
        assert_eq!(session.email, "ü".repeat(MAX_EMAIL_CHARS));
        assert_eq!(Session::new(SecretString::from("t"), 1, user("Ada", "a@b.c")).name, "Ada");
    }

    #[test]
    fn an_attempt_is_spent_once_and_memory_stays_bounded() {
        let spent = SpentAttempts::default();
        assert!(spent.spend("s1", 100, 0));
        assert!(!spent.spend("s1", 100, 50), "a second callback for the same attempt");
        for i in 0..SpentAttempts::MAX + 10 {
            spent.spend(&format!("many-{i}"), 200 + i as u64, 150);
        }
        assert!(spent.states.lock().unwrap().len() <= SpentAttempts::MAX);
    }
}
