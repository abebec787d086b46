//! "Sign in with Zoom" settings (the login): off by default; on, everything it needs, validated
//! at start-up. Its secrets (the OAuth client, the session keys) are read again on SIGHUP.

use super::parse::{split_list, value_or_file};
use super::{ConfigError, Credentials, exposed};
use crate::config::Cli;
use crate::zoom::{Url, ZoomCloud};
use base64::Engine;
use secrecy::{ExposeSecret, SecretSlice, SecretString};
use std::fmt;

/// What the login needs, present only with `SIGNER_ZOOM_SIGN_IN=on`.
#[derive(Debug, Clone)]
pub struct LoginSettings {
    /// `ZOOM_OAUTH_CLIENT_ID` / `_SECRET`, by default the Meeting SDK key and secret.
    pub client: Credentials,
    /// `SIGNER_PUBLIC_URL`, with a trailing `/`.
    pub public_url: PublicUrl,
    /// `SIGNER_SESSION_KEY`, or a random key for this process.
    pub session_keys: SessionKeys,
    /// `SIGNER_ZOOM_OAUTH_URL`, by default `SIGNER_ZOOM_CLOUD`'s.
    pub oauth_url: Url,
    /// `SIGNER_ZOOM_API_URL`, by default `SIGNER_ZOOM_CLOUD`'s.
    pub api_url: Url,
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

    /// `scheme://host[:port]`, as a browser's `Origin` header names the service's pages.
    pub fn origin(&self) -> String {
        self.0.origin().ascii_serialization()
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

/// The keys session cookies are encrypted with (`SIGNER_SESSION_KEY`): the first encrypts, every
/// one decrypts, so a key can be rotated without signing anyone out.
#[derive(Clone)]
pub struct SessionKeys {
    keys: Vec<SecretSlice<u8>>,
    /// Made up for this process, since `SIGNER_SESSION_KEY` is unset.
    pub generated: bool,
}

impl SessionKeys {
    pub const MIN_BYTES: usize = 32;

    /// Keys of at least [`Self::MIN_BYTES`] bytes each, the first for encrypting; at least one.
    pub fn from_bytes(keys: Vec<Vec<u8>>) -> Self {
        assert!(!keys.is_empty(), "at least one session key");
        Self { keys: keys.into_iter().map(SecretSlice::from).collect(), generated: false }
    }

    /// The keys, the one that encrypts first.
    pub fn expose(&self) -> impl Iterator<Item = &[u8]> {
        self.keys.iter().map(|key| key.expose_secret())
    }

    fn random() -> Self {
        let mut bytes = vec![0u8; 64];
        getrandom::fill(&mut bytes).expect("the operating system's random source works");
        Self { keys: vec![bytes.into()], generated: true }
    }
}

impl fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionKeys").field("count", &self.keys.len()).field("generated", &self.generated).finish()
    }
}

/// `SIGNER_PUBLIC_URL`, if set: required with the login on; otherwise it makes the `Origin` check
/// compare the scheme too.
pub(super) fn public_url(cli: &Cli) -> Result<Option<PublicUrl>, ConfigError> {
    cli.public_url.as_deref().map(parse_public_url).transpose()
}

/// `SIGNER_ZOOM_CLOUD`.
pub(super) fn zoom_cloud(cli: &Cli) -> Result<ZoomCloud, ConfigError> {
    ZoomCloud::parse(&cli.zoom_cloud).ok_or_else(|| {
        ConfigError::new(
            "SIGNER_ZOOM_CLOUD",
            format!("must be {} (Zoom for Government), got {:?}", ZoomCloud::NAMES.join(" or "), cli.zoom_cloud),
        )
    })
}

/// The login settings, if `SIGNER_ZOOM_SIGN_IN` is `on`; `meeting` is the Meeting SDK pair (the
/// default OAuth client). `current` is what is in force, on a reload: a session key made up at
/// start stays (a new one would sign everybody out).
pub(super) fn login_settings(
    cli: &Cli,
    meeting: &Credentials,
    current: Option<&LoginSettings>,
) -> Result<Option<LoginSettings>, ConfigError> {
    match cli.zoom_sign_in.trim() {
        "off" => return Ok(None),
        "on" => {}
        other => return Err(ConfigError::new("SIGNER_ZOOM_SIGN_IN", format!("must be `on` or `off`, got {other:?}"))),
    }
    let Some(public_url) = public_url(cli)? else {
        return Err(ConfigError::new(
            "SIGNER_PUBLIC_URL",
            "is required with SIGNER_ZOOM_SIGN_IN=on: the service's base URL as browsers see it, \
             e.g. https://meet.example.com/zoom/",
        ));
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
    let session_keys = match value_or_file(
        ("SIGNER_SESSION_KEY", exposed(&cli.session_key)),
        ("SIGNER_SESSION_KEY_FILE", cli.session_key_file.clone()),
    )? {
        Some(text) => parse_session_keys(&text)?,
        None => match current {
            Some(current) if current.session_keys.generated => current.session_keys.clone(),
            _ => SessionKeys::random(),
        },
    };
    let cloud = zoom_cloud(cli)?;
    let zoom_url = |variable, given: &Option<String>, default: &str| match given {
        Some(url) => parse_zoom_url(variable, url),
        None => parse_zoom_url(variable, default),
    };
    Ok(Some(LoginSettings {
        client,
        public_url,
        session_keys,
        oauth_url: zoom_url("SIGNER_ZOOM_OAUTH_URL", &cli.zoom_oauth_url, cloud.oauth_url())?,
        api_url: zoom_url("SIGNER_ZOOM_API_URL", &cli.zoom_api_url, cloud.api_url())?,
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

/// One or more keys, comma- or newline-separated, each base64 of at least 32 bytes. Errors name a
/// key by its position, never its value.
fn parse_session_keys(list: &str) -> Result<SessionKeys, ConfigError> {
    let mut keys = Vec::new();
    let texts = split_list(list);
    for (index, text) in texts.iter().enumerate() {
        let which = if texts.len() == 1 { "the key".to_owned() } else { format!("key #{}", index + 1) };
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')))
            .map_err(|_| {
                ConfigError::new(
                    "SIGNER_SESSION_KEY",
                    format!("{which} is not base64; make one with `openssl rand -base64 32`"),
                )
            })?;
        if bytes.len() < SessionKeys::MIN_BYTES {
            return Err(ConfigError::new(
                "SIGNER_SESSION_KEY",
                format!(
                    "{which} must hold at least {} random bytes, got {}; make one with `openssl rand -base64 32`",
                    SessionKeys::MIN_BYTES,
                    bytes.len()
                ),
            ));
        }
        keys.push(bytes);
    }
    if keys.is_empty() {
        return Err(ConfigError::new("SIGNER_SESSION_KEY", "lists no key; give one, or unset it"));
    }
    Ok(SessionKeys::from_bytes(keys))
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
        assert_eq!(parse_session_keys(&key).unwrap().expose().collect::<Vec<_>>(), [[7u8; 32]]);
        let short = base64::engine::general_purpose::STANDARD.encode([7u8; 31]);
        assert!(parse_session_keys(&short).unwrap_err().problem.contains("at least 32"));
        assert!(parse_session_keys("not base64!").unwrap_err().problem.contains("base64"));
        assert!(!format!("{:?}", parse_session_keys(&key).unwrap()).contains("Bw"), "the key never shows");
    }

    #[test]
    fn several_session_keys_are_read_in_order_and_a_bad_one_is_named_by_position() {
        let encode = |key: &[u8]| base64::engine::general_purpose::STANDARD.encode(key);
        let (a, b) = (encode(&[1u8; 32]), encode(&[2u8; 40]));
        for list in [format!("{a},{b}"), format!("{a}\n{b}\n"), format!(" {a} ,\n {b}")] {
            let keys = parse_session_keys(&list).unwrap();
            assert_eq!(keys.expose().map(<[u8]>::to_vec).collect::<Vec<_>>(), [vec![1u8; 32], vec![2u8; 40]]);
        }
        let error = parse_session_keys(&format!("{a},c2hvcnQ=")).unwrap_err();
        assert!(error.problem.starts_with("key #2 must hold at least 32"), "{error}");
        assert!(!error.to_string().contains(&a));
    }

    #[test]
    fn zoom_urls_are_https_but_on_this_machine() {
        assert!(parse_zoom_url("SIGNER_ZOOM_API_URL", "https://api.zoomgov.com/v2/").is_ok());
        assert!(parse_zoom_url("SIGNER_ZOOM_OAUTH_URL", "http://127.0.0.1:9000").is_ok());
        let error = parse_zoom_url("SIGNER_ZOOM_OAUTH_URL", "http://zoom.example").unwrap_err();
        assert_eq!(error.variable, "SIGNER_ZOOM_OAUTH_URL");
    }
}
