//! Settings: read once at start-up from flags, the environment and `.env`, validated into typed
//! values. A bad value stops the process with one line naming the variable and what is wrong.

mod cli;
mod limits;
mod login;
mod parse;
mod tools;

pub use cli::{Cli, Command, DEFAULT_FRAME_ANCESTORS, InspectArgs, SignArgs};
pub use limits::ServerLimits;
pub use login::{LoginSettings, PublicUrl, SessionKeys};
pub use tools::ToolSettings;

use crate::access::{AllowedOrigins, RateLimit, TrustedProxies};
use crate::signature::{Format, Lifetime, MeetingNumber, SessionName, Signer};
use crate::zoom::{WebhookSecret, ZoomCloud};
use clap::Parser;
use parse::*;
use secrecy::SecretString;
use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// The SDK credentials: configured, or made up for `--demo`.
#[derive(Clone)]
pub struct Credentials {
    pub sdk_key: String,
    pub sdk_secret: SecretString,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("sdk_key", &self.sdk_key).field("sdk_secret", &"[REDACTED]").finish()
    }
}

/// Who may get a signature (issue "Safe by default").
#[derive(Debug, Clone, Default)]
pub struct AccessSettings {
    pub host_tokens: Vec<SecretString>,
    pub api_tokens: Vec<SecretString>,
    pub allowed_meetings: Option<HashSet<MeetingNumber>>,
    pub allowed_sessions: Option<HashSet<SessionName>>,
    pub allowed_origins: AllowedOrigins,
    pub rate_limit: Option<RateLimit>,
    /// `SIGNER_ZOOM_WEBHOOK_RATE_LIMIT`: Zoom's deliveries per client, apart from `rate_limit`.
    pub webhook_rate_limit: Option<RateLimit>,
    pub trusted_proxies: TrustedProxies,
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub credentials: Credentials,
    /// `ZOOM_VIDEO_SDK_KEY` and `_SECRET`: when set, `POST /video-signature` is enabled.
    pub video_credentials: Option<Credentials>,
    pub demo: bool,
    pub listen: SocketAddr,
    pub format: Format,
    pub ttl: Lifetime,
    pub max_ttl: Lifetime,
    pub backdate_seconds: u64,
    pub web_sdk_version: String,
    pub log_format: LogFormat,
    pub access: AccessSettings,
    pub limits: ServerLimits,
    pub frame_ancestors: String,
    /// `SIGNER_METRICS_ADDR`: where `/metrics` is served, if anywhere.
    pub metrics_listen: Option<SocketAddr>,
    /// `SIGNER_ZOOM_CLOUD`: which Zoom the page and the login talk to.
    pub zoom_cloud: ZoomCloud,
    /// `SIGNER_ZOOM_SIGN_IN=on`: what "Sign in with Zoom" needs.
    pub login: Option<LoginSettings>,
    /// `SIGNER_ZOOM_WEBHOOK_SECRET`: when set, `POST /webhooks/zoom` answers Zoom's webhooks.
    pub webhook_secret: Option<WebhookSecret>,
    /// What the settings were read from, to read the `_FILE` ones again on reload.
    source: Cli,
}

/// One bad setting: which variable, and what to do about it. Never holds a secret's value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable} {problem}; see .env.example")]
pub struct ConfigError {
    pub variable: &'static str,
    pub problem: String,
}

impl ConfigError {
    fn new(variable: &'static str, problem: impl Into<String>) -> Self {
        Self { variable, problem: problem.into() }
    }
}

const MAX_BACKDATE_SECONDS: u64 = 600;

/// Loads `.env` from the working directory (without overriding the real environment), then
/// parses the command line and environment. Exits on `--help`/`--version` as clap does.
pub fn load_cli() -> Result<Cli, ConfigError> {
    load_dotenv(Path::new(".env"))?;
    Ok(Cli::parse())
}

/// Where the service listens, from `HOST` and `PORT` alone (all `healthcheck` needs).
pub fn listen_address(cli: &Cli) -> Result<SocketAddr, ConfigError> {
    let host = parse_host(&cli.host)?;
    let port = parse_in_range("PORT", &cli.port, 0..=u16::MAX, "port")?;
    Ok(SocketAddr::new(host, port))
}

impl Settings {
    pub fn from_cli(cli: Cli) -> Result<Self, ConfigError> {
        let (credentials, video_credentials) = if cli.demo {
            (demo_credentials(), Some(demo_credentials()))
        } else {
            (configured_credentials(&cli)?, video_pair(&cli)?)
        };
        let listen = listen_address(&cli)?;
        let format = match cli.format.trim() {
            "jwt" => Format::Jwt,
            "legacy" => Format::Legacy,
            other => {
                return Err(ConfigError::new("SIGNER_FORMAT", format!("must be `jwt` or `legacy`, got {other:?}")));
            }
        };
        let max_ttl = parse_lifetime("SIGNER_MAX_TTL", &cli.max_ttl, Lifetime::MAX)?;
        let ttl = parse_lifetime("SIGNER_TTL", &cli.ttl, max_ttl)?;
        let backdate_seconds = parse_in_range("SIGNER_BACKDATE", &cli.backdate, 0..=MAX_BACKDATE_SECONDS, "seconds")?;
        let web_sdk_version = parse_sdk_version(&cli.web_sdk_version)?;
        let log_format = match cli.log_format.trim() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new("SIGNER_LOG_FORMAT", format!("must be `text` or `json`, got {other:?}")));
            }
        };
        let access = access_settings(&cli)?;
        let limits = ServerLimits {
            header_timeout: parse_seconds("SIGNER_HEADER_TIMEOUT", &cli.header_timeout, 300)?,
            request_timeout: parse_seconds("SIGNER_REQUEST_TIMEOUT", &cli.request_timeout, 300)?,
            max_connections: parse_in_range(
                "SIGNER_MAX_CONNECTIONS",
                &cli.max_connections,
                1..=100_000,
                "connections",
            )?,
            shutdown_timeout: parse_seconds("SIGNER_SHUTDOWN_TIMEOUT", &cli.shutdown_timeout, 300)?,
        };
        let frame_ancestors = parse_frame_ancestors(&cli.frame_ancestors)?;
        let metrics_listen = cli.metrics_addr.as_deref().map(parse_socket_address).transpose()?;
        let zoom_cloud = login::zoom_cloud(&cli)?;
        let login = login::login_settings(&cli, &credentials, None)?;
        let webhook_secret = webhook_secret(&cli)?;

        Ok(Self {
            credentials,
            video_credentials,
            demo: cli.demo,
            listen,
            format,
            ttl,
            max_ttl,
            backdate_seconds,
            web_sdk_version,
            log_format,
            access,
            limits,
            frame_ancestors,
            metrics_listen,
            zoom_cloud,
            login,
            webhook_secret,
            source: cli,
        })
    }

    /// Every secret read again from where it came from (the `_FILE` settings are read anew), for a
    /// reload on SIGHUP: the Meeting and Video SDK pairs, the token lists, the OAuth client, the
    /// session keys and the webhook Secret Token. The made-up credentials of `--demo`, and a session key made up at start, stay.
    pub fn reload_secrets(&self) -> Result<Settings, ConfigError> {
        let source = &self.source;
        let (credentials, video_credentials) = if self.demo {
            (self.credentials.clone(), self.video_credentials.clone())
        } else {
            (configured_credentials(source)?, video_pair(source)?)
        };
        let access = access_settings(source)?;
        let login = login::login_settings(source, &credentials, self.login.as_ref())?;
        let webhook_secret = webhook_secret(source)?;
        Ok(Settings { credentials, video_credentials, access, login, webhook_secret, ..self.clone() })
    }

    /// The Video SDK signer, when Video SDK credentials are configured.
    pub fn video_signer(&self) -> Option<Signer> {
        self.video_credentials.as_ref().map(|c| {
            Signer::new(c.sdk_key.clone(), c.sdk_secret.clone(), Format::Jwt)
                .with_backdate(self.backdate_seconds)
                .with_default_lifetime(self.ttl)
        })
    }

    /// The signer these settings describe.
    pub fn signer(&self) -> Signer {
        Signer::new(self.credentials.sdk_key.clone(), self.credentials.sdk_secret.clone(), self.format)
            .with_backdate(self.backdate_seconds)
            .with_default_lifetime(self.ttl)
    }
}

/// The names one credential pair is configured under.
struct PairNames {
    key: &'static str,
    key_file: &'static str,
    secret: &'static str,
    secret_file: &'static str,
}

const MEETING_SDK: PairNames = PairNames {
    key: "ZOOM_MEETING_SDK_KEY",
    key_file: "ZOOM_MEETING_SDK_KEY_FILE",
    secret: "ZOOM_MEETING_SDK_SECRET",
    secret_file: "ZOOM_MEETING_SDK_SECRET_FILE",
};

const VIDEO_SDK: PairNames = PairNames {
    key: "ZOOM_VIDEO_SDK_KEY",
    key_file: "ZOOM_VIDEO_SDK_KEY_FILE",
    secret: "ZOOM_VIDEO_SDK_SECRET",
    secret_file: "ZOOM_VIDEO_SDK_SECRET_FILE",
};

/// A key and secret, each given directly or as a file: both, or neither (`None`).
fn credential_pair(
    names: &PairNames,
    (key, key_file): (Option<String>, Option<PathBuf>),
    (secret, secret_file): (Option<String>, Option<PathBuf>),
) -> Result<Option<Credentials>, ConfigError> {
    let key = value_or_file((names.key, key), (names.key_file, key_file))?;
    let secret = value_or_file((names.secret, secret), (names.secret_file, secret_file))?;
    match (key, secret) {
        (Some(sdk_key), Some(secret)) => Ok(Some(Credentials { sdk_key, sdk_secret: SecretString::from(secret) })),
        (None, None) => Ok(None),
        (Some(_), None) => Err(ConfigError::new(
            names.secret,
            format!("is not set while {} is: set both (or their _FILE forms)", names.key),
        )),
        (None, Some(_)) => Err(ConfigError::new(
            names.key,
            format!("is not set while {} is: set both (or their _FILE forms)", names.secret),
        )),
    }
}

fn meeting_pair(cli: &Cli) -> Result<Option<Credentials>, ConfigError> {
    credential_pair(
        &MEETING_SDK,
        (cli.sdk_key.clone(), cli.sdk_key_file.clone()),
        (exposed(&cli.sdk_secret), cli.sdk_secret_file.clone()),
    )
}

fn video_pair(cli: &Cli) -> Result<Option<Credentials>, ConfigError> {
    credential_pair(
        &VIDEO_SDK,
        (cli.video_sdk_key.clone(), cli.video_sdk_key_file.clone()),
        (exposed(&cli.video_sdk_secret), cli.video_sdk_secret_file.clone()),
    )
}

/// The Meeting SDK credentials the service cannot run without.
fn configured_credentials(cli: &Cli) -> Result<Credentials, ConfigError> {
    meeting_pair(cli)?.ok_or_else(|| {
        ConfigError::new(
            MEETING_SDK.key,
            "is not set: set it and ZOOM_MEETING_SDK_SECRET to your Zoom Meeting SDK app's Client ID and \
             Client Secret (or use the _FILE forms, or run with --demo to try without them)",
        )
    })
}

/// The credentials `inspect` and `sign` may use: whatever is configured, nothing required.
pub fn command_keys(cli: &Cli) -> Result<ToolSettings, ConfigError> {
    let max_ttl = parse_lifetime("SIGNER_MAX_TTL", &cli.max_ttl, Lifetime::MAX)?;
    Ok(ToolSettings {
        meeting: meeting_pair(cli)?,
        video: video_pair(cli)?,
        backdate_seconds: parse_in_range("SIGNER_BACKDATE", &cli.backdate, 0..=MAX_BACKDATE_SECONDS, "seconds")?,
        default_lifetime: parse_lifetime("SIGNER_TTL", &cli.ttl, max_ttl)?,
    })
}

/// A secret as plain text, only for as long as it takes to validate it.
pub(super) fn exposed(secret: &Option<SecretString>) -> Option<String> {
    secret.as_ref().map(|s| secrecy::ExposeSecret::expose_secret(s).to_owned())
}

fn access_settings(cli: &Cli) -> Result<AccessSettings, ConfigError> {
    let tokens = |variable, value: &Option<SecretString>, file_variable, path: &Option<std::path::PathBuf>| {
        value_or_file((variable, exposed(value)), (file_variable, path.clone()))?
            .map_or(Ok(Vec::new()), |list| parse_tokens(variable, &list))
    };
    Ok(AccessSettings {
        host_tokens: tokens("SIGNER_HOST_TOKENS", &cli.host_tokens, "SIGNER_HOST_TOKENS_FILE", &cli.host_tokens_file)?,
        api_tokens: tokens("SIGNER_API_TOKENS", &cli.api_tokens, "SIGNER_API_TOKENS_FILE", &cli.api_tokens_file)?,
        allowed_meetings: cli.allowed_meetings.as_deref().map(parse_meetings).transpose()?,
        allowed_sessions: cli.allowed_sessions.as_deref().map(parse_sessions).transpose()?,
        allowed_origins: parse_origins(&cli.allowed_origins, login::public_url(cli)?.as_ref())?,
        rate_limit: parse_rate_limit("SIGNER_RATE_LIMIT", &cli.rate_limit)?,
        webhook_rate_limit: parse_rate_limit("SIGNER_ZOOM_WEBHOOK_RATE_LIMIT", &cli.zoom_webhook_rate_limit)?,
        trusted_proxies: parse_proxies(&cli.trusted_proxies)?,
    })
}

/// The app's Secret Token for Zoom's webhooks, if set (directly or as a file).
fn webhook_secret(cli: &Cli) -> Result<Option<WebhookSecret>, ConfigError> {
    let secret = value_or_file(
        ("SIGNER_ZOOM_WEBHOOK_SECRET", exposed(&cli.zoom_webhook_secret)),
        ("SIGNER_ZOOM_WEBHOOK_SECRET_FILE", cli.zoom_webhook_secret_file.clone()),
    )?;
    Ok(secret.map(|secret| WebhookSecret::new(SecretString::from(secret))))
}

/// A random key and secret that Zoom has never heard of.
fn demo_credentials() -> Credentials {
    Credentials { sdk_key: format!("demo-{}", random_hex(8)), sdk_secret: SecretString::from(random_hex(32)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cli(args: &[&str]) -> Cli {
        Cli::try_parse_from(std::iter::once("zoom-signer").chain(args.iter().copied())).unwrap()
    }

    fn with_credentials(extra: &[&str]) -> Result<Settings, ConfigError> {
        let mut args = vec!["--sdk-key", "key", "--sdk-secret", "secret"];
        args.extend_from_slice(extra);
        Settings::from_cli(cli(&args))
    }

    #[test]
    fn defaults_match_zooms_sample() {
        let settings = with_credentials(&[]).unwrap();
        assert_eq!(settings.listen, "127.0.0.1:4000".parse().unwrap());
        assert_eq!(settings.ttl.seconds(), 7200);
        assert_eq!(settings.max_ttl.seconds(), 7200);
        assert_eq!(settings.backdate_seconds, 30);
        assert_eq!(settings.format, Format::Jwt);
        assert_eq!(settings.web_sdk_version, "6.2.0");
        assert_eq!(settings.log_format, LogFormat::Text);
        assert!(!settings.demo);
    }

    #[test]
    fn bad_values_name_their_variable() {
        let cases: &[(&[&str], &str)] = &[
            (&["--port", "http"], "PORT"),
            (&["--port", "70000"], "PORT"),
            (&["--host", "example.com"], "HOST"),
            (&["--format", "jws"], "SIGNER_FORMAT"),
            (&["--ttl", "100"], "SIGNER_TTL"),
            (&["--ttl", "9000"], "SIGNER_TTL"),
            (&["--max-ttl", "200000"], "SIGNER_MAX_TTL"),
            (&["--backdate=-5"], "SIGNER_BACKDATE"),
            (&["--backdate", "601"], "SIGNER_BACKDATE"),
            (&["--web-sdk-version", "6.2.0\"><script>"], "SIGNER_WEB_SDK_VERSION"),
            (&["--log-format", "xml"], "SIGNER_LOG_FORMAT"),
            (&["--frame-ancestors", "self"], "SIGNER_FRAME_ANCESTORS"),
            (&["--zoom-webhook-rate-limit", "lots"], "SIGNER_ZOOM_WEBHOOK_RATE_LIMIT"),
            (&["--zoom-webhook-secret", ""], "SIGNER_ZOOM_WEBHOOK_SECRET"),
        ];
        for (args, variable) in cases {
            let error = with_credentials(args).unwrap_err();
            assert_eq!(error.variable, *variable, "{args:?}");
            assert!(error.to_string().ends_with("see .env.example"), "{error}");
        }
    }

    #[test]
    fn ttl_may_go_up_to_a_raised_max_ttl() {
        let settings = with_credentials(&["--max-ttl", "172800", "--ttl", "86400"]).unwrap();
        assert_eq!(settings.ttl.seconds(), 86400);
        let error = with_credentials(&["--ttl", "86400"]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "SIGNER_TTL must be from 1800 to 7200 seconds, got 86400 (SIGNER_MAX_TTL); see .env.example"
        );
    }

    #[test]
    fn missing_and_doubled_credentials_are_refused() {
        let error = Settings::from_cli(cli(&["--sdk-secret", "s"])).unwrap_err();
        assert_eq!(error.variable, "ZOOM_MEETING_SDK_KEY");
        let error = Settings::from_cli(cli(&["--sdk-key", "k", "--sdk-secret", ""])).unwrap_err();
        assert_eq!(error.variable, "ZOOM_MEETING_SDK_SECRET");
        assert!(error.problem.starts_with("is empty"));
        let error =
            Settings::from_cli(cli(&["--sdk-key", "k", "--sdk-secret", "s", "--sdk-secret-file", "/x"])).unwrap_err();
        assert_eq!(error.variable, "ZOOM_MEETING_SDK_SECRET");
        assert!(error.problem.contains("both set"));
    }

    #[test]
    fn file_values_lose_one_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("secret");
        std::fs::write(&secret, "s3cret \n\n").unwrap();
        let key = dir.path().join("key");
        std::fs::write(&key, "key\r\n").unwrap();
        let settings = Settings::from_cli(cli(&[
            "--sdk-key-file",
            key.to_str().unwrap(),
            "--sdk-secret-file",
            secret.to_str().unwrap(),
        ]))
        .unwrap();
        assert_eq!(settings.credentials.sdk_key, "key");
        use secrecy::ExposeSecret;
        assert_eq!(settings.credentials.sdk_secret.expose_secret(), "s3cret \n");
    }

    #[test]
    fn demo_needs_no_credentials_and_makes_new_ones_each_time() {
        let first = Settings::from_cli(cli(&["--demo"])).unwrap();
        let second = Settings::from_cli(cli(&["--demo"])).unwrap();
        assert!(first.demo);
        assert!(first.credentials.sdk_key.starts_with("demo-"));
        assert_ne!(first.credentials.sdk_key, second.credentials.sdk_key);
    }

    #[test]
    fn the_webhook_secret_is_given_once_and_its_rate_limit_has_its_own_default() {
        let settings = with_credentials(&[]).unwrap();
        assert!(settings.webhook_secret.is_none());
        assert_eq!(settings.access.webhook_rate_limit, Some(RateLimit::WEBHOOK_DEFAULT));
        assert_eq!(settings.access.rate_limit, RateLimit::parse("30/minute").unwrap());
        let off = with_credentials(&["--zoom-webhook-rate-limit", "off", "--zoom-webhook-secret", "s"]).unwrap();
        assert!(off.webhook_secret.is_some() && off.access.webhook_rate_limit.is_none());
        let both = with_credentials(&["--zoom-webhook-secret", "s", "--zoom-webhook-secret-file", "/x"]).unwrap_err();
        assert_eq!(both.variable, "SIGNER_ZOOM_WEBHOOK_SECRET");
        assert!(both.problem.contains("SIGNER_ZOOM_WEBHOOK_SECRET_FILE are both set"), "{both}");
    }

    #[test]
    fn the_webhook_secret_is_read_again_on_reload() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("webhook-secret");
        std::fs::write(&file, "first-token\n").unwrap();
        let settings = with_credentials(&["--zoom-webhook-secret-file", file.to_str().unwrap()]).unwrap();
        let first = settings.webhook_secret.clone().unwrap();
        std::fs::write(&file, "second-token\n").unwrap();
        let second = settings.reload_secrets().unwrap().webhook_secret.unwrap();
        assert_ne!(first.validation_token("t"), second.validation_token("t"));
        let expected = crate::zoom::WebhookSecret::new(SecretString::from("second-token")).validation_token("t");
        assert_eq!(second.validation_token("t"), expected);
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let settings = Settings::from_cli(cli(&[
            "--sdk-key",
            "k",
            "--sdk-secret",
            "canary-9f2",
            "--zoom-webhook-secret",
            "canary-webhook-3b1",
        ]))
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("canary-9f2") && !debug.contains("canary-webhook-3b1"), "{debug}");
    }
}
