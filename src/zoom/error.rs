//! What can go wrong talking to Zoom, said so a person can act on it, and never with a secret in
//! it: Zoom's own messages and the transport's are scrubbed of every secret the call carried.

use std::fmt;
use std::time::Duration;

/// The Zoom endpoint a call went to: named in every [`ZoomError`], and a stable label
/// ([`Endpoint::as_str`]) for metrics and the audit line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST <oauth>/oauth/token`: an authorization code for an access token.
    Token,
    /// `POST <oauth>/oauth/revoke`: ends an access token.
    Revoke,
    /// `GET <api>/users/me`: who signed in.
    Me,
    /// `GET <api>/users/me/token?type=zak`: the user's ZAK.
    Zak,
    /// `GET <api>/users/me/token?type=onbehalf&meeting_id=…`: an OBF token for one meeting.
    OnBehalf,
    /// `GET <api>/meetings/{meetingId}`: who hosts a meeting.
    Meeting,
}

impl Endpoint {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Token => "token",
            Self::Revoke => "revoke",
            Self::Me => "users_me",
            Self::Zak => "zak",
            Self::OnBehalf => "obf",
            Self::Meeting => "meeting",
        }
    }

    /// The scope the endpoint needs, for a refusal that mentions a scope without naming it.
    pub fn scope(self) -> Option<&'static str> {
        match self {
            Self::Me => Some("user:read:user"),
            Self::Zak | Self::OnBehalf => Some("user:read:token"),
            Self::Meeting => Some("meeting:read:meeting"),
            Self::Token | Self::Revoke => None,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Token => "Zoom's token endpoint (POST /oauth/token)",
            Self::Revoke => "Zoom's revoke endpoint (POST /oauth/revoke)",
            Self::Me => "Zoom's user endpoint (GET /users/me)",
            Self::Zak => "Zoom's ZAK endpoint (GET /users/me/token?type=zak)",
            Self::OnBehalf => "Zoom's OBF token endpoint (GET /users/me/token?type=onbehalf)",
            Self::Meeting => "Zoom's meeting endpoint (GET /meetings/{meetingId})",
        })
    }
}

/// A call to Zoom that did not give what was asked. No variant holds a token, code, verifier or
/// secret: the texts in it come from Zoom or the transport and pass through [`scrub`] first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoomError {
    /// No connection: name resolution, TCP or TLS failed (`cause` says which, and where).
    #[error("{endpoint} could not be reached: {cause}")]
    Unreachable { endpoint: Endpoint, cause: String },
    /// Connected (or trying to) but no whole answer within the client's timeout.
    #[error("{endpoint} did not answer within {}", seconds(*after))]
    Timeout { endpoint: Endpoint, after: Duration },
    /// HTTP 401 from the API: the access token has expired or was revoked.
    #[error("{endpoint} refused the access token (HTTP 401): it has expired or was revoked; sign in with Zoom again")]
    InvalidToken { endpoint: Endpoint },
    /// A 4xx whose message names a scope the access token lacks (e.g. `user:read:token`).
    #[error(
        "{endpoint} refused: the access token lacks the scope {scope}; add it to the app in Zoom's App Marketplace, then sign in with Zoom again"
    )]
    MissingScope { endpoint: Endpoint, scope: String },
    /// Zoom knows no such meeting, or not one the user may see (404, or Zoom's codes 3001 and 300).
    #[error("{endpoint} does not know the meeting, or it is not visible to this user")]
    MeetingNotFound { endpoint: Endpoint },
    /// Any other answer that is not a success, with Zoom's message.
    #[error("{endpoint} answered HTTP {status}: {message}")]
    Refused { endpoint: Endpoint, status: u16, message: String },
    /// A success whose body is not what Zoom documents.
    #[error("{endpoint} answered with a reply this client does not understand: {problem}")]
    BadReply { endpoint: Endpoint, problem: String },
    /// The token endpoint refused the authorization code or its PKCE verifier (`invalid_grant`,
    /// `invalid_request`, …): expired, used twice, or from another sign-in.
    #[error("Zoom's token endpoint refused the authorization code ({error}: {reason}); sign in with Zoom again")]
    InvalidGrant { error: String, reason: String },
}

impl ZoomError {
    /// A short stable name for metrics and the audit line.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unreachable { .. } => "unreachable",
            Self::Timeout { .. } => "timeout",
            Self::InvalidToken { .. } => "invalid_token",
            Self::MissingScope { .. } => "missing_scope",
            Self::MeetingNotFound { .. } => "meeting_not_found",
            Self::Refused { .. } => "refused",
            Self::BadReply { .. } => "bad_reply",
            Self::InvalidGrant { .. } => "invalid_grant",
        }
    }

    /// The endpoint the failed call went to.
    pub fn endpoint(&self) -> Endpoint {
        match self {
            Self::Unreachable { endpoint, .. }
            | Self::Timeout { endpoint, .. }
            | Self::InvalidToken { endpoint }
            | Self::MeetingNotFound { endpoint }
            | Self::MissingScope { endpoint, .. }
            | Self::Refused { endpoint, .. }
            | Self::BadReply { endpoint, .. } => *endpoint,
            Self::InvalidGrant { .. } => Endpoint::Token,
        }
    }

    /// From a failed send or body read: a timeout, or no usable connection. reqwest's own
    /// `Display` names the URL (the revoke URL carries the token), so only its causes are kept.
    pub(super) fn transport(endpoint: Endpoint, error: &reqwest::Error, after: Duration, secrets: &[&str]) -> Self {
        if error.is_timeout() {
            return Self::Timeout { endpoint, after };
        }
        let mut causes = Vec::new();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !causes.contains(&text) {
                causes.push(text);
            }
            source = cause.source();
        }
        let what = if error.is_connect() {
            "no connection"
        } else if error.is_body() || error.is_decode() {
            "the reply broke off"
        } else {
            "the request failed"
        };
        // The address without its query (where the revoke URL carries the token).
        let at =
            error.url().map(|u| format!(" to {}{}", u.origin().ascii_serialization(), u.path())).unwrap_or_default();
        let cause =
            if causes.is_empty() { format!("{what}{at}") } else { format!("{what}{at}: {}", causes.join(": ")) };
        Self::Unreachable { endpoint, cause: scrub(&cause, secrets) }
    }
}

/// "5 s", "300 ms".
fn seconds(duration: Duration) -> String {
    if duration.subsec_millis() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

/// The longest text from Zoom or the transport an error keeps.
const MAX_MESSAGE: usize = 300;

/// `text` with every non-empty secret in `secrets` replaced by `[redacted]`, as it is and
/// percent-encoded (as it travels in a query or form), cut to [`MAX_MESSAGE`] bytes, control
/// characters as spaces: safe to log and to show.
pub(super) fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut clean = text.to_owned();
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        clean = clean.replace(secret, "[redacted]");
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        if encoded != *secret {
            clean = clean.replace(&encoded, "[redacted]");
        }
    }
    if clean.len() > MAX_MESSAGE {
        let mut end = MAX_MESSAGE;
        while !clean.is_char_boundary(end) {
            end -= 1;
        }
        clean.truncate(end);
        clean.push('…');
    }
    clean.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The scope a Zoom error message names, e.g. `user:read:token` from "Invalid access token, does
/// not contain scopes:[user:read:token]." (several are kept as Zoom lists them, comma-separated).
pub(super) fn scope_named_in(message: &str) -> Option<String> {
    let at = message.to_ascii_lowercase().find("scope")?;
    let listed = message[at..].split_once(':')?.1.trim_start();
    let listed = match listed.strip_prefix('[') {
        Some(inside) => inside.split(']').next()?,
        None => listed.split([' ', '"']).next()?,
    };
    let scopes: Vec<&str> = listed.trim_end_matches(['.', ',']).split(',').map(str::trim).collect();
    let scope_like = |s: &&str| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || ":_-".contains(c));
    scopes.iter().all(scope_like).then(|| scopes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_is_read_from_zooms_message() {
        let zoom = "Invalid access token, does not contain scopes:[user:read:token].";
        assert_eq!(scope_named_in(zoom).as_deref(), Some("user:read:token"));
        assert_eq!(scope_named_in("does not contain scopes: [a:b,c:d]").as_deref(), Some("a:b, c:d"));
        assert_eq!(scope_named_in("missing scope: user:read:user.").as_deref(), Some("user:read:user"));
        assert_eq!(scope_named_in("Invalid access token."), None);
        assert_eq!(scope_named_in("Scope is missing."), None);
    }

    #[test]
    fn scrubbing_removes_every_secret_and_bounds_the_length() {
        let text = format!("bad code abc123 for token tok-9 {}", "x".repeat(400));
        let clean = scrub(&text, &["abc123", "tok-9", ""]);
        assert!(clean.starts_with("bad code [redacted] for token [redacted] x"), "{clean}");
        assert!(!clean.contains("abc123") && !clean.contains("tok-9"));
        assert!(clean.len() <= MAX_MESSAGE + '…'.len_utf8());
        assert_eq!(scrub("line\nbreak", &[]), "line break");
        assert_eq!(scrub("token=a%2Fb+c", &["a/b c"]), "token=[redacted]", "percent-encoded too");
    }

    #[test]
    fn the_timeout_names_its_duration_as_people_write_it() {
        let five = ZoomError::Timeout { endpoint: Endpoint::Token, after: Duration::from_secs(5) };
        assert_eq!(five.to_string(), "Zoom's token endpoint (POST /oauth/token) did not answer within 5 s");
        let short = ZoomError::Timeout { endpoint: Endpoint::Zak, after: Duration::from_millis(300) };
        assert!(short.to_string().ends_with("within 300 ms"), "{short}");
    }
}
