//! Settings: read once at start-up from flags, the environment and `.env`, validated into typed
//! values. A bad value stops the process with one line naming the variable and what is wrong.

use crate::signature::{Format, Lifetime, Signer};
use clap::Parser;
use secrecy::SecretString;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

/// Every setting as the command line and environment give it, before validation.
///
/// Numbers are taken as text and checked in [`Settings::from_cli`], so that an error names the
/// environment variable (what operators set) rather than clap's flag.
#[derive(Debug, Parser)]
#[command(
    name = "zoom-signer",
    version,
    about = "Issues Zoom Meeting SDK signatures server-side, so the SDK secret never reaches a browser.",
    after_help = "Each setting is read from its flag, else its environment variable, else `.env` in the \
                  working directory (the real environment wins over `.env`), else its default.\n\
                  Example configuration: .env.example. Secrets are never printed."
)]
pub struct Cli {
    /// Meeting SDK key (Client ID) of your Zoom Meeting SDK app.
    #[arg(
        long = "sdk-key",
        env = "ZOOM_MEETING_SDK_KEY",
        value_name = "KEY",
        hide_env_values = true
    )]
    pub sdk_key: Option<String>,

    /// File holding the Meeting SDK key (Docker/Kubernetes secrets); one trailing newline is trimmed.
    #[arg(
        long = "sdk-key-file",
        env = "ZOOM_MEETING_SDK_KEY_FILE",
        value_name = "PATH"
    )]
    pub sdk_key_file: Option<PathBuf>,

    /// Meeting SDK secret (Client Secret). Prefer the environment or the _FILE form over this flag:
    /// other users of the machine can read a process's arguments.
    #[arg(
        long = "sdk-secret",
        env = "ZOOM_MEETING_SDK_SECRET",
        value_name = "SECRET",
        hide_env_values = true
    )]
    pub sdk_secret: Option<String>,

    /// File holding the Meeting SDK secret; one trailing newline is trimmed.
    #[arg(
        long = "sdk-secret-file",
        env = "ZOOM_MEETING_SDK_SECRET_FILE",
        value_name = "PATH"
    )]
    pub sdk_secret_file: Option<PathBuf>,

    /// Address to listen on (an IP address; 0.0.0.0 for all interfaces, as in a container).
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (4000, as Zoom's sample, so Zoom's web sample finds it).
    #[arg(long, env = "PORT", default_value = "4000")]
    pub port: String,

    /// Signature format: `jwt` (Meeting SDK JWT) or `legacy` (API key/secret; Web SDK < 2.7 only).
    #[arg(
        long,
        env = "SIGNER_FORMAT",
        default_value = "jwt",
        value_name = "jwt|legacy"
    )]
    pub format: String,

    /// Signature lifetime in seconds when a request names none (1800 up to SIGNER_MAX_TTL).
    #[arg(
        long,
        env = "SIGNER_TTL",
        default_value = "7200",
        value_name = "SECONDS"
    )]
    pub ttl: String,

    /// Longest lifetime a request may ask for, in seconds (1800..172800).
    #[arg(
        long,
        env = "SIGNER_MAX_TTL",
        default_value = "7200",
        value_name = "SECONDS"
    )]
    pub max_ttl: String,

    /// Seconds `iat` is set in the past, so Zoom accepts it when its clock is behind ours (0..600).
    #[arg(
        long,
        env = "SIGNER_BACKDATE",
        default_value = "30",
        value_name = "SECONDS"
    )]
    pub backdate: String,

    /// Zoom Web SDK version the join page loads from source.zoom.us.
    #[arg(
        long,
        env = "SIGNER_WEB_SDK_VERSION",
        default_value = "6.2.0",
        value_name = "VERSION"
    )]
    pub web_sdk_version: String,

    /// Log format: `text` or `json`. Verbosity comes from RUST_LOG (default `info`).
    #[arg(
        long,
        env = "SIGNER_LOG_FORMAT",
        default_value = "text",
        value_name = "text|json"
    )]
    pub log_format: String,

    /// Run with a random throwaway key and secret: no Zoom account needed, and Zoom rejects every
    /// signature. For trying the service and the page out.
    #[arg(long)]
    pub demo: bool,
}

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
        f.debug_struct("Credentials")
            .field("sdk_key", &self.sdk_key)
            .field("sdk_secret", &"[REDACTED]")
            .finish()
    }
}

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    pub credentials: Credentials,
    pub demo: bool,
    pub listen: SocketAddr,
    pub format: Format,
    pub ttl: Lifetime,
    pub max_ttl: Lifetime,
    pub backdate_seconds: u64,
    pub web_sdk_version: String,
    pub log_format: LogFormat,
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
        Self {
            variable,
            problem: problem.into(),
        }
    }
}

const MAX_BACKDATE_SECONDS: u64 = 600;

impl Settings {
    /// Loads `.env` from the working directory (without overriding the real environment), then
    /// parses the command line and environment. Exits on `--help`/`--version` as clap does.
    pub fn load() -> Result<Self, ConfigError> {
        load_dotenv(Path::new(".env"))?;
        Self::from_cli(Cli::parse())
    }

    pub fn from_cli(cli: Cli) -> Result<Self, ConfigError> {
        let credentials = if cli.demo {
            demo_credentials()
        } else {
            let sdk_key = value_or_file(
                ("ZOOM_MEETING_SDK_KEY", cli.sdk_key),
                ("ZOOM_MEETING_SDK_KEY_FILE", cli.sdk_key_file),
                "the Client ID of your Zoom Meeting SDK app",
            )?;
            let sdk_secret = value_or_file(
                ("ZOOM_MEETING_SDK_SECRET", cli.sdk_secret),
                ("ZOOM_MEETING_SDK_SECRET_FILE", cli.sdk_secret_file),
                "the Client Secret of your Zoom Meeting SDK app",
            )?;
            Credentials {
                sdk_key,
                sdk_secret: SecretString::from(sdk_secret),
            }
        };

        let host = parse_host(&cli.host)?;
        let port = parse_number::<u16>("PORT", &cli.port, "a port number from 0 to 65535")?;
        let format = match cli.format.trim() {
            "jwt" => Format::Jwt,
            "legacy" => Format::Legacy,
            other => {
                return Err(ConfigError::new(
                    "SIGNER_FORMAT",
                    format!("must be `jwt` or `legacy`, got {other:?}"),
                ));
            }
        };
        let max_ttl = parse_lifetime("SIGNER_MAX_TTL", &cli.max_ttl, Lifetime::MAX)?;
        let ttl = parse_lifetime("SIGNER_TTL", &cli.ttl, max_ttl)?;
        let backdate_seconds = parse_number::<u64>(
            "SIGNER_BACKDATE",
            &cli.backdate,
            "a whole number of seconds from 0 to 600",
        )?;
        if backdate_seconds > MAX_BACKDATE_SECONDS {
            return Err(ConfigError::new(
                "SIGNER_BACKDATE",
                format!("must be from 0 to {MAX_BACKDATE_SECONDS} seconds, got {backdate_seconds}"),
            ));
        }
        let web_sdk_version = parse_sdk_version(&cli.web_sdk_version)?;
        let log_format = match cli.log_format.trim() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            other => {
                return Err(ConfigError::new(
                    "SIGNER_LOG_FORMAT",
                    format!("must be `text` or `json`, got {other:?}"),
                ));
            }
        };

        Ok(Self {
            credentials,
            demo: cli.demo,
            listen: SocketAddr::new(host, port),
            format,
            ttl,
            max_ttl,
            backdate_seconds,
            web_sdk_version,
            log_format,
        })
    }

    /// The signer these settings describe.
    pub fn signer(&self) -> Signer {
        Signer::new(
            self.credentials.sdk_key.clone(),
            self.credentials.sdk_secret.clone(),
            self.format,
        )
        .with_backdate(self.backdate_seconds)
        .with_default_lifetime(self.ttl)
    }
}

/// Reads `.env` if there is one. Its parse errors are reported by line number only: the line may
/// hold a secret.
fn load_dotenv(path: &Path) -> Result<(), ConfigError> {
    match dotenvy::from_path(path) {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(dotenvy::Error::LineParse(_, index)) => Err(ConfigError::new(
            ".env",
            format!(
                "cannot be parsed near character {index} of a line; write each setting as NAME=value"
            ),
        )),
        Err(dotenvy::Error::Io(e)) => Err(ConfigError::new(".env", format!("cannot be read: {e}"))),
        Err(_) => Err(ConfigError::new(".env", "cannot be read")),
    }
}

/// A value given directly or through a `_FILE` variable; exactly one of the two.
fn value_or_file(
    (variable, value): (&'static str, Option<String>),
    (file_variable, path): (&'static str, Option<PathBuf>),
    what: &str,
) -> Result<String, ConfigError> {
    match (value, path) {
        (Some(_), Some(_)) => Err(ConfigError::new(
            variable,
            format!("and {file_variable} are both set: set only one of them"),
        )),
        (Some(value), None) if value.is_empty() => Err(ConfigError::new(
            variable,
            format!(
                "is empty: set it to {what} (or use {file_variable}, or run with --demo to try without one)"
            ),
        )),
        (Some(value), None) => Ok(value),
        (None, Some(path)) => read_value_file(file_variable, &path),
        (None, None) => Err(ConfigError::new(
            variable,
            format!(
                "is not set: set it to {what} (or use {file_variable}, or run with --demo to try without one)"
            ),
        )),
    }
}

fn read_value_file(variable: &'static str, path: &Path) -> Result<String, ConfigError> {
    let shown = path.display();
    let mut value = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(
            variable,
            format!("names {shown}, which cannot be read: {e}"),
        )
    })?;
    // Files written by `echo` or editors end in one newline that is not part of the value.
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    if value.is_empty() {
        return Err(ConfigError::new(
            variable,
            format!("names {shown}, which is empty"),
        ));
    }
    Ok(value)
}

fn parse_host(host: &str) -> Result<IpAddr, ConfigError> {
    match host.trim() {
        "localhost" => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        other => other.parse().map_err(|_| {
            ConfigError::new(
                "HOST",
                format!("must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, got {other:?}"),
            )
        }),
    }
}

fn parse_number<T: std::str::FromStr>(
    variable: &'static str,
    raw: &str,
    what: &str,
) -> Result<T, ConfigError> {
    raw.trim()
        .parse()
        .map_err(|_| ConfigError::new(variable, format!("must be {what}, got {raw:?}")))
}

fn parse_lifetime(
    variable: &'static str,
    raw: &str,
    max: Lifetime,
) -> Result<Lifetime, ConfigError> {
    let range = format!("from {} to {}", Lifetime::MIN.seconds(), max.seconds());
    let seconds: i128 = parse_number(variable, raw, &format!("a whole number of seconds {range}"))?;
    Lifetime::within(seconds, max).map_err(|e| {
        let bound = if max == Lifetime::MAX {
            "Zoom's limit"
        } else {
            "SIGNER_MAX_TTL"
        };
        ConfigError::new(variable, format!("{e} ({bound})"))
    })
}

/// Only `MAJOR.MINOR.PATCH`: the version is put into script URLs on the page.
fn parse_sdk_version(raw: &str) -> Result<String, ConfigError> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw.split('.').collect();
    let valid = parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(ConfigError::new(
            "SIGNER_WEB_SDK_VERSION",
            format!("must be a version such as 6.2.0, got {raw:?}"),
        ))
    }
}

/// A random key and secret that Zoom has never heard of.
fn demo_credentials() -> Credentials {
    Credentials {
        sdk_key: format!("demo-{}", random_hex(8)),
        sdk_secret: SecretString::from(random_hex(32)),
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source is available");
    buf.iter().map(|b| format!("{b:02x}")).collect()
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
            (
                &["--web-sdk-version", "6.2.0\"><script>"],
                "SIGNER_WEB_SDK_VERSION",
            ),
            (&["--log-format", "xml"], "SIGNER_LOG_FORMAT"),
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
        let error = Settings::from_cli(cli(&[
            "--sdk-key",
            "k",
            "--sdk-secret",
            "s",
            "--sdk-secret-file",
            "/x",
        ]))
        .unwrap_err();
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
    fn debug_output_hides_the_secret() {
        let settings =
            Settings::from_cli(cli(&["--sdk-key", "k", "--sdk-secret", "canary-9f2"])).unwrap();
        assert!(!format!("{settings:?}").contains("canary-9f2"));
    }
}
