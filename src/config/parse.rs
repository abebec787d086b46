//! Turning one raw setting into a typed value, or an error naming its variable.

use super::ConfigError;
use crate::access::{AllowedOrigins, RateLimit, TrustedProxies};
use crate::signature::{Lifetime, MeetingNumber, SessionName};
use secrecy::SecretString;
use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Reads `.env` if there is one. Its parse errors are reported by position only: the line may
/// hold a secret.
pub(super) fn load_dotenv(path: &Path) -> Result<(), ConfigError> {
    match dotenvy::from_path(path) {
        Ok(()) => Ok(()),
        Err(dotenvy::Error::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(dotenvy::Error::LineParse(_, index)) => Err(ConfigError::new(
            ".env",
            format!("cannot be parsed near character {index} of a line; write each setting as NAME=value"),
        )),
        Err(dotenvy::Error::Io(e)) => Err(ConfigError::new(".env", format!("cannot be read: {e}"))),
        Err(_) => Err(ConfigError::new(".env", "cannot be read")),
    }
}

/// A value given directly or through its `_FILE` variable (at most one of the two), if any.
/// An empty value is reported as empty, not taken as unset.
pub(super) fn value_or_file(
    (variable, value): (&'static str, Option<String>),
    (file_variable, path): (&'static str, Option<PathBuf>),
) -> Result<Option<String>, ConfigError> {
    match (value, path) {
        (Some(_), Some(_)) => {
            Err(ConfigError::new(variable, format!("and {file_variable} are both set: set only one of them")))
        }
        (Some(value), None) if value.is_empty() => {
            Err(ConfigError::new(variable, format!("is empty: give it a value, or unset it (or use {file_variable})")))
        }
        (Some(value), None) => Ok(Some(value)),
        (None, Some(path)) => read_value_file(file_variable, &path).map(Some),
        (None, None) => Ok(None),
    }
}

/// The contents of a `_FILE` setting, less one trailing newline.
pub(super) fn read_value_file(variable: &'static str, path: &Path) -> Result<String, ConfigError> {
    let shown = path.display();
    let mut value = std::fs::read_to_string(path)
        .map_err(|e| ConfigError::new(variable, format!("names {shown}, which cannot be read: {e}")))?;
    // Files written by `echo` or editors end in one newline that is not part of the value.
    if value.ends_with('\n') {
        value.pop();
        if value.ends_with('\r') {
            value.pop();
        }
    }
    if value.is_empty() {
        return Err(ConfigError::new(variable, format!("names {shown}, which is empty")));
    }
    Ok(value)
}

/// The items of a comma- (or, from a file, newline-) separated list, trimmed, empty ones skipped.
pub(super) fn split_list(list: &str) -> Vec<&str> {
    list.split([',', '\n']).map(str::trim).filter(|item| !item.is_empty()).collect()
}

/// Bearer tokens shorter than this are guessable; refusing them keeps the defaults safe.
const MIN_TOKEN_CHARS: usize = 16;

/// A comma- (or, from a file, newline-) separated token list. Errors never show a token.
pub(super) fn parse_tokens(variable: &'static str, list: &str) -> Result<Vec<SecretString>, ConfigError> {
    let mut tokens = Vec::new();
    for (index, token) in split_list(list).into_iter().enumerate() {
        let position = index + 1;
        if token.chars().count() < MIN_TOKEN_CHARS {
            return Err(ConfigError::new(
                variable,
                format!(
                    "token #{position} is shorter than {MIN_TOKEN_CHARS} characters; use a long random one (e.g. `openssl rand -hex 32`)"
                ),
            ));
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::new(
                variable,
                format!(
                    "token #{position} has a character that cannot travel in an Authorization header; use letters, digits and punctuation"
                ),
            ));
        }
        tokens.push(SecretString::from(token));
    }
    if tokens.is_empty() {
        return Err(ConfigError::new(variable, "lists no token; give at least one, or unset it"));
    }
    Ok(tokens)
}

/// A comma list of `what`s, each parsed by `parse`; empty items are skipped, none at all is an error.
fn parse_set<T: Eq + std::hash::Hash, E: std::fmt::Display>(
    variable: &'static str,
    list: &str,
    what: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<HashSet<T>, ConfigError> {
    let mut set = HashSet::new();
    for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        set.insert(parse(item).map_err(|e| ConfigError::new(variable, format!("has {item:?}, which {e}")))?);
    }
    if set.is_empty() {
        return Err(ConfigError::new(variable, format!("lists no {what}; give at least one, or unset it")));
    }
    Ok(set)
}

pub(super) fn parse_meetings(list: &str) -> Result<HashSet<MeetingNumber>, ConfigError> {
    parse_set("SIGNER_ALLOWED_MEETINGS", list, "meeting", MeetingNumber::parse)
}

pub(super) fn parse_sessions(list: &str) -> Result<HashSet<SessionName>, ConfigError> {
    parse_set("SIGNER_ALLOWED_SESSIONS", list, "session", SessionName::parse)
}

/// `SIGNER_ALLOWED_ORIGINS`, and the service's own origin from `SIGNER_PUBLIC_URL` when set.
pub(super) fn parse_origins(list: &str, public_url: Option<&super::PublicUrl>) -> Result<AllowedOrigins, ConfigError> {
    let origins = AllowedOrigins::parse(list).map_err(|e| ConfigError::new("SIGNER_ALLOWED_ORIGINS", e))?;
    Ok(match public_url {
        Some(url) => origins.with_own_origin(&url.origin()),
        None => origins,
    })
}

pub(super) fn parse_rate_limit(variable: &'static str, raw: &str) -> Result<Option<RateLimit>, ConfigError> {
    RateLimit::parse(raw).map_err(|e| ConfigError::new(variable, e))
}

pub(super) fn parse_proxies(list: &str) -> Result<TrustedProxies, ConfigError> {
    TrustedProxies::parse(list).map_err(|e| ConfigError::new("SIGNER_TRUSTED_PROXIES", e))
}

pub(super) fn parse_host(host: &str) -> Result<IpAddr, ConfigError> {
    match host.trim() {
        "localhost" => Ok(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        other => other.parse().map_err(|_| {
            ConfigError::new("HOST", format!("must be an IP address such as 127.0.0.1, 0.0.0.0 or ::, got {other:?}"))
        }),
    }
}

pub(super) fn parse_socket_address(raw: &str) -> Result<std::net::SocketAddr, ConfigError> {
    raw.trim().parse().map_err(|_| {
        ConfigError::new(
            "SIGNER_METRICS_ADDR",
            format!("must be an address and port such as 127.0.0.1:9090 or 0.0.0.0:9090, got {raw:?}"),
        )
    })
}

/// A whole number in `range`, described to the operator as `what`.
pub(super) fn parse_in_range<T>(
    variable: &'static str,
    raw: &str,
    range: std::ops::RangeInclusive<T>,
    unit: &str,
) -> Result<T, ConfigError>
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display,
{
    let must = || format!("must be a whole number of {unit} from {} to {}, got {raw:?}", range.start(), range.end());
    let value: T = raw.trim().parse().map_err(|_| ConfigError::new(variable, must()))?;
    if range.contains(&value) { Ok(value) } else { Err(ConfigError::new(variable, must())) }
}

pub(super) fn parse_seconds(variable: &'static str, raw: &str, max: u64) -> Result<Duration, ConfigError> {
    parse_in_range(variable, raw, 1..=max, "seconds").map(Duration::from_secs)
}

pub(super) fn parse_lifetime(variable: &'static str, raw: &str, max: Lifetime) -> Result<Lifetime, ConfigError> {
    let seconds = parse_in_range(variable, raw, Lifetime::MIN.seconds()..=Lifetime::MAX.seconds(), "seconds")?;
    Lifetime::within(seconds.into(), max).map_err(|e| ConfigError::new(variable, format!("{e} (SIGNER_MAX_TTL)")))
}

/// Only `MAJOR.MINOR.PATCH`: the version is put into script URLs on the page.
pub(super) fn parse_sdk_version(raw: &str) -> Result<String, ConfigError> {
    let raw = raw.trim();
    let parts: Vec<&str> = raw.split('.').collect();
    let valid = parts.len() == 3
        && parts.iter().all(|p| !p.is_empty() && p.len() <= 4 && p.bytes().all(|b| b.is_ascii_digit()));
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(ConfigError::new("SIGNER_WEB_SDK_VERSION", format!("must be a version such as 6.2.0, got {raw:?}")))
    }
}

/// A CSP `frame-ancestors` source list: it goes into a header, so only one directive's worth.
pub(super) fn parse_frame_ancestors(raw: &str) -> Result<String, ConfigError> {
    let raw = raw.trim();
    // `self` without its quotes is a host named "self": a shell or .env ate the quotes.
    if let Some(bare) = raw.split_whitespace().find(|s| matches!(*s, "self" | "none")) {
        return Err(ConfigError::new(
            "SIGNER_FRAME_ANCESTORS",
            format!(
                "has {bare} without its single quotes; write '{bare}' (in .env: SIGNER_FRAME_ANCESTORS=\"'{bare}'\")"
            ),
        ));
    }
    let valid = !raw.is_empty() && raw.bytes().all(|b| (b.is_ascii_graphic() || b == b' ') && b != b';' && b != b',');
    if valid {
        Ok(raw.to_owned())
    } else {
        Err(ConfigError::new(
            "SIGNER_FRAME_ANCESTORS",
            format!(
                "must be a CSP source list such as 'self' or 'self' https://intranet.example.com (no ; or ,), got {raw:?}"
            ),
        ))
    }
}

/// A random value, as hex, from the operating system's random source.
pub(super) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).expect("the operating system's random source is available");
    buf.iter().map(|b| format!("{b:02x}")).collect()
}
