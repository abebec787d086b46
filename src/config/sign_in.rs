//! "Sign in with Zoom" settings: off by default; on, everything it needs, validated at start-up.

use super::parse::value_or_file;
use super::{ConfigError, Credentials, exposed};
use crate::config::Cli;
use base64::Engine;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use std::fmt;
use url::Url;

/// What sign-in needs, present only with `SIGNER_ZOOM_SIGN_IN=on`.
#[derive(Clone)]
pub struct SignInSettings {
    /// `ZOOM_OAUTH_CLIENT_ID` / `_SECRET`, by default the Meeting SDK key and secret.
    pub client: Credentials,
    /// `SIGNER_PUBLIC_URL`, with a trailing `/`.
    pub public_url: PublicUrl,
    /// `SIGNER_SESSION_KEY`, or a random one for this process.
    pub session_key: SessionKey,
    /// `SIGNER_ZOOM_OAUTH_URL`.
    pub oauth_url: Url,
    /// `SIGNER_ZOOM_API_URL`.
    pub api_url: Url,
}

impl fmt::Debug for SignInSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInSettings")
            .field("client", &self.client)
            .field("public_url", &self.public_url)
            .field("session_key", &self.session_key)
            .field("oauth_url", &self.oauth_url)
            .field("api_url", &self.api_url)
            .finish()
    }
}

/// The service's base URL as browsers see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(Url);

impl PublicUrl {
    /// As `SIGNER_PUBLIC_URL` is read: `https` (plain http only for this machine), a `/` at the end.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        parse_public_url(text)
    }

    /// What the operator registers with Zoom: `<public URL>auth/zoom/callback`.
    pub fn redirect_uri(&self) -> Url {
        self.0.join("auth/zoom/callback").expect("a base URL ending in / takes a relative path")
    }

    /// The path cookies are set on: the public URL's path.
    pub fn path(&self) -> &str {
        self.0.path()
    }

    /// Whether cookies must be `Secure`: always, but for plain-http localhost.
    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The key session cookies are encrypted with: at least 32 bytes.
#[derive(Clone)]
pub struct SessionKey {
    bytes: SecretSlice<u8>,
    /// Made up for this process, since `SIGNER_SESSION_KEY` is unset.
    pub generated: bool,
}

impl SessionKey {
    pub const MIN_BYTES: usize = 32;

    /// A key of at least [`Self::MIN_BYTES`] bytes (checked where it is read).
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self { bytes: bytes.into(), generated: false }
    }

    pub fn expose(&self) -> &[u8] {
        self.bytes.expose_secret()
    }

    fn random() -> Self {
        let mut bytes = vec![0u8; 64];
        getrandom::fill(&mut bytes).expect("the operating system's random source works");
        Self { bytes: bytes.into(), generated: true }
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKey").field("bytes", &"[REDACTED]").field("generated", &self.generated).finish()
    }
}

/// Sign-in settings, if `SIGNER_ZOOM_SIGN_IN` is `on`; `meeting` is the Meeting SDK pair (the
/// default OAuth client).
pub(super) fn sign_in_settings(cli: &Cli, meeting: &Credentials) -> Result<Option<SignInSettings>, ConfigError> {
    match cli.zoom_sign_in.trim() {
        "off" => return Ok(None),
        "on" => {}
        other => return Err(ConfigError::new("SIGNER_ZOOM_SIGN_IN", format!("must be `on` or `off`, got {other:?}"))),
    }
    let public_url = match cli.public_url.as_deref() {
        Some(url) => parse_public_url(url)?,
        None => {
            return Err(ConfigError::new(
                "SIGNER_PUBLIC_URL",
                "is required with SIGNER_ZOOM_SIGN_IN=on: the service's base URL as browsers see it, \
                 e.g. https://meet.example.com/zoom/",
            ));
        }
    };
    let client_id = value_or_file(
        ("ZOOM_OAUTH_CLIENT_ID", cli.oauth_client_id.clone()),
        ("ZOOM_OAUTH_CLIENT_ID_FILE", cli.oauth_client_id_file.clone()),
    )?;
    let client_secret = value_or_file(
        ("ZOOM_OAUTH_CLIENT_SECRET", exposed(&cli.oauth_client_secret)),
        ("ZOOM_OAUTH_CLIENT_SECRET_FILE", cli.oauth_client_secret_file.clone()),
    )?;
    let client = match (client_id, client_secret) {
        (Some(sdk_key), Some(secret)) => Credentials { sdk_key, sdk_secret: SecretString::from(secret) },
        (None, None) => meeting.clone(),
        (Some(_), None) => {
            return Err(ConfigError::new(
                "ZOOM_OAUTH_CLIENT_SECRET",
                "is not set while ZOOM_OAUTH_CLIENT_ID is: set both (or their _FILE forms), or neither to use the Meeting SDK's",
            ));
        }
        (None, Some(_)) => {
            return Err(ConfigError::new(
                "ZOOM_OAUTH_CLIENT_ID",
                "is not set while ZOOM_OAUTH_CLIENT_SECRET is: set both (or their _FILE forms), or neither to use the Meeting SDK's",
            ));
        }
    };
    let session_key = match value_or_file(
        ("SIGNER_SESSION_KEY", exposed(&cli.session_key)),
        ("SIGNER_SESSION_KEY_FILE", cli.session_key_file.clone()),
    )? {
        Some(text) => parse_session_key(&text)?,
        None => SessionKey::random(),
    };
    Ok(Some(SignInSettings {
        client,
        public_url,
        session_key,
        oauth_url: parse_zoom_url("SIGNER_ZOOM_OAUTH_URL", &cli.zoom_oauth_url)?,
        api_url: parse_zoom_url("SIGNER_ZOOM_API_URL", &cli.zoom_api_url)?,
    }))
}

/// Plain http is allowed only where nothing crosses a network: this machine.
fn is_loopback_host(url: &Url) -> bool {
    matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"))
}

fn parse_http_url(variable: &'static str, text: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(text.trim()).map_err(|e| {
        ConfigError::new(variable, format!("must be an absolute URL such as https://example.com/, got {text:?} ({e})"))
    })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        "http" => {
            return Err(ConfigError::new(
                variable,
                format!("must use https (plain http only for localhost or 127.0.0.1), got {text:?}"),
            ));
        }
        other => return Err(ConfigError::new(variable, format!("must be an https URL, got the scheme {other:?}"))),
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::new(
            variable,
            format!("must be a plain base URL without user, query or fragment, got {text:?}"),
        ));
    }
    Ok(url)
}

fn parse_public_url(text: &str) -> Result<PublicUrl, ConfigError> {
    let mut url = parse_http_url("SIGNER_PUBLIC_URL", text)?;
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(PublicUrl(url))
}

fn parse_zoom_url(variable: &'static str, text: &str) -> Result<Url, ConfigError> {
    parse_http_url(variable, text)
}

fn parse_session_key(text: &str) -> Result<SessionKey, ConfigError> {
    let text = text.trim();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
        .map_err(|_| {
            ConfigError::new("SIGNER_SESSION_KEY", "must be base64, e.g. the output of `openssl rand -base64 32`")
        })?;
    if bytes.len() < SessionKey::MIN_BYTES {
        return Err(ConfigError::new(
            "SIGNER_SESSION_KEY",
            format!(
                "must hold at least {} random bytes, got {}; make one with `openssl rand -base64 32`",
                SessionKey::MIN_BYTES,
                bytes.len()
            ),
        ));
    }
    Ok(SessionKey { bytes: bytes.into(), generated: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn public_urls_need_https_but_on_this_machine() {
        assert_eq!(
            parse_public_url("https://meet.example.com/zoom").unwrap().redirect_uri().as_str(),
            "https://meet.example.com/zoom/auth/zoom/callback"
        );
        assert_eq!(parse_public_url("http://localhost:4000/").unwrap().path(), "/");
        assert!(parse_public_url("http://127.0.0.1:4000").is_ok());
        let error = parse_public_url("http://meet.example.com/").unwrap_err();
        assert_eq!(error.variable, "SIGNER_PUBLIC_URL");
        assert!(error.problem.contains("https"), "{error}");
        assert!(parse_public_url("meet.example.com").is_err());
        assert!(parse_public_url("https://meet.example.com/?x=1").is_err());
    }

    #[test]
    fn session_keys_are_base64_of_at_least_32_bytes() {
        let key = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(parse_session_key(&key).unwrap().expose(), [7u8; 32]);
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 31]);
        assert!(parse_session_key(&short).unwrap_err().problem.contains("at least 32"));
        assert!(parse_session_key("not base64!").unwrap_err().problem.contains("base64"));
        assert!(!format!("{:?}", parse_session_key(&key).unwrap()).contains("Bw"), "the key never shows");
    }

    #[test]
    fn zoom_urls_are_https_but_on_this_machine() {
        assert!(parse_zoom_url("SIGNER_ZOOM_API_URL", "https://api.zoomgov.com/v2/").is_ok());
        assert!(parse_zoom_url("SIGNER_ZOOM_OAUTH_URL", "http://127.0.0.1:9000").is_ok());
        let error = parse_zoom_url("SIGNER_ZOOM_OAUTH_URL", "http://zoom.example").unwrap_err();
        assert_eq!(error.variable, "SIGNER_ZOOM_OAUTH_URL");
    }
}
