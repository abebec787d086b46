//! The REST half: `GET /users/me`, `GET /users/me/token` and `GET /meetings/{meetingId}` with the
//! user's access token (bearer), and the reading of Zoom's replies and errors (`{"code",
//! "message"}`) shared with the OAuth half.

use super::ZoomClient;
use super::error::{Endpoint, ZoomError, scope_named_in, scrub};
use crate::signature::MeetingNumber;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Map, Value};
use std::time::Duration;

/// Who signed in, from `GET /users/me`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoomUser {
    /// Zoom's user ID.
    pub id: String,
    /// `display_name`, else "first_name last_name", else the email address.
    pub name: String,
    pub email: String,
}

/// The kinds of a person's own Zoom token the service hands to the page: what a signature
/// request's `userToken` asks for, what is fetched from Zoom, and the metrics' `kind` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UserTokenKind {
    /// The user's ZAK (`type=zak`): join or start meetings as this user.
    Zak,
    /// An OBF token (`type=onbehalf&meeting_id=…`): join one meeting on the user's behalf.
    Obf,
}

impl UserTokenKind {
    /// As `userToken` and the metrics write it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Zak => "zak",
            Self::Obf => "obf",
        }
    }
}

/// Who may start a meeting, from `GET /meetings/{meetingId}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZoomMeeting {
    /// The host's Zoom user ID.
    pub host_id: String,
    /// `settings.alternative_hosts`: email addresses, lower-cased.
    pub alternative_hosts: Vec<String>,
}

impl ZoomMeeting {
    /// Whether the user with this ID and email may start the meeting: its host, or one of its
    /// alternative hosts (Zoom lists them by email; compared without regard to case).
    pub fn is_hosted_by(&self, user_id: &str, email: &str) -> bool {
        let email = email.trim().to_ascii_lowercase();
        self.host_id == user_id || (!email.is_empty() && self.alternative_hosts.contains(&email))
    }
}

/// The largest reply read from Zoom, from any endpoint; its replies here are a few hundred bytes.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

impl ZoomClient {
    /// Who the access token belongs to (`GET /users/me`, scope `user:read:user`).
    pub async fn me(&self, access_token: &SecretString) -> Result<ZoomUser, ZoomError> {
        let endpoint = Endpoint::Me;
        let reply = self.get(endpoint, self.inner.me_url.clone(), access_token).await?;
        let text = |field: &str| reply.get(field).and_then(Value::as_str).map(str::trim).filter(|s| !s.is_empty());
        let bad = |problem: &str| ZoomError::BadReply { endpoint, problem: problem.to_owned() };
        let id = text("id").ok_or_else(|| bad("no `id` string"))?.to_owned();
        let email = text("email").ok_or_else(|| bad("no `email` string"))?.to_owned();
        let full_name = [text("first_name"), text("last_name")].into_iter().flatten().collect::<Vec<_>>().join(" ");
        let name = match text("display_name") {
            Some(display) => display.to_owned(),
            None if !full_name.is_empty() => full_name,
            None => email.clone(),
        };
        Ok(ZoomUser { id, name, email })
    }

    /// The user's ZAK (`GET /users/me/token?type=zak`, scope `user:read:token`).
    pub async fn zak(&self, access_token: &SecretString) -> Result<SecretString, ZoomError> {
        let mut url = self.inner.user_token_url.clone();
        url.query_pairs_mut().append_pair("type", "zak");
        self.token_reply(Endpoint::Zak, url, access_token).await
    }

    /// An OBF token for one meeting (`GET /users/me/token?type=onbehalf&meeting_id=…`, scope
    /// `user:read:token`).
    pub async fn obf_token(
        &self,
        access_token: &SecretString,
        meeting: &MeetingNumber,
    ) -> Result<SecretString, ZoomError> {
        let mut url = self.inner.user_token_url.clone();
        url.query_pairs_mut().append_pair("type", "onbehalf").append_pair("meeting_id", meeting.as_str());
        self.token_reply(Endpoint::OnBehalf, url, access_token).await
    }

    async fn token_reply(
        &self,
        endpoint: Endpoint,
        url: url::Url,
        access_token: &SecretString,
    ) -> Result<SecretString, ZoomError> {
        let reply = self.get(endpoint, url, access_token).await?;
        match reply.get("token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => Ok(SecretString::from(token)),
            _ => Err(ZoomError::BadReply { endpoint, problem: "no `token` string".to_owned() }),
        }
    }

    /// Who hosts `meeting`, as the user sees it (`GET /meetings/{meetingId}`, scope
    /// `meeting:read:meeting`). A meeting Zoom does not show this user is
    /// [`ZoomError::MeetingNotFound`].
    pub async fn meeting(
        &self,
        access_token: &SecretString,
        meeting: &MeetingNumber,
    ) -> Result<ZoomMeeting, ZoomError> {
        let endpoint = Endpoint::Meeting;
        let url = self.inner.meetings_url.join(meeting.as_str()).expect("digits join a base URL");
        let reply = self.get(endpoint, url, access_token).await?;
        let host_id = reply.get("host_id").and_then(Value::as_str).filter(|s| !s.is_empty());
        let host_id = host_id.ok_or_else(|| ZoomError::BadReply { endpoint, problem: "no `host_id` string".into() })?;
        let alternative_hosts = reply
            .get("settings")
            .and_then(|settings| settings.get("alternative_hosts"))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .split([';', ','])
            .map(|email| email.trim().to_ascii_lowercase())
            .filter(|email| !email.is_empty())
            .collect();
        Ok(ZoomMeeting { host_id: host_id.to_owned(), alternative_hosts })
    }

    /// A bearer `GET` whose success is a JSON object.
    async fn get(
        &self,
        endpoint: Endpoint,
        url: url::Url,
        access_token: &SecretString,
    ) -> Result<Map<String, Value>, ZoomError> {
        let inner = &*self.inner;
        let secrets = inner.secrets(&[access_token.expose_secret()]);
        let response = inner
            .http
            .get(url)
            .bearer_auth(access_token.expose_secret())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| ZoomError::transport(endpoint, &e, inner.timeout, &secrets))?;
        let status = response.status();
        let body = read_body(endpoint, response, inner.timeout, &secrets).await?;
        if !status.is_success() {
            return Err(api_error(endpoint, status.as_u16(), &body, &secrets));
        }
        match serde_json::from_slice(&body) {
            Ok(Value::Object(reply)) => Ok(reply),
            _ => Err(ZoomError::BadReply { endpoint, problem: "the reply is not a JSON object".to_owned() }),
        }
    }
}

/// A refused API call: a missing scope (any 4xx whose message speaks of a scope), an invalid
/// token (401), or Zoom's message as it is.
fn api_error(endpoint: Endpoint, status: u16, body: &[u8], secrets: &[&str]) -> ZoomError {
    let message = zoom_message(body, secrets);
    if (400..500).contains(&status) && message.to_ascii_lowercase().contains("scope") {
        let scope = scope_named_in(&message).or_else(|| endpoint.scope().map(str::to_owned));
        return ZoomError::MissingScope { endpoint, scope: scope.unwrap_or_else(|| "(unnamed)".to_owned()) };
    }
    // Zoom's "Meeting does not exist" (3001) and "Invalid meeting ID" (300) come as 404 or 400.
    let code = serde_json::from_slice::<Value>(body).ok().and_then(|reply| reply.get("code")?.as_u64());
    if endpoint == Endpoint::Meeting && (status == 404 || (status == 400 && matches!(code, Some(3001 | 300)))) {
        return ZoomError::MeetingNotFound { endpoint };
    }
    if status == 401 {
        return ZoomError::InvalidToken { endpoint };
    }
    ZoomError::Refused { endpoint, status, message }
}

/// Zoom's error message from a reply body: `{"code": 124, "message": "…"}` from the API,
/// `{"reason": "…", "error": "invalid_client"}` from the OAuth host; scrubbed of `secrets`.
pub(super) fn zoom_message(body: &[u8], secrets: &[&str]) -> String {
    let Ok(Value::Object(reply)) = serde_json::from_slice::<Value>(body) else {
        return if body.is_empty() { "an empty reply" } else { "a reply that is not JSON" }.to_owned();
    };
    let text = |field: &str| reply.get(field).and_then(Value::as_str);
    let message = text("message").or(text("reason")).or(text("error_description")).unwrap_or("no message");
    let prefix = match (reply.get("code").filter(|c| c.is_number()), text("error")) {
        (Some(code), _) => format!("code {code}: "),
        (None, Some(error)) => format!("{error}: "),
        (None, None) => String::new(),
    };
    scrub(&format!("{prefix}{message}"), secrets)
}

/// The whole reply body, at most [`MAX_REPLY_BYTES`]: a longer one (announced or sent) is
/// refused without reading more of it, so a huge reply costs no memory.
pub(super) async fn read_body(
    endpoint: Endpoint,
    mut response: reqwest::Response,
    timeout: Duration,
    secrets: &[&str],
) -> Result<Vec<u8>, ZoomError> {
    let too_long = || ZoomError::BadReply {
        endpoint,
        problem: format!("the reply is longer than {} KiB", MAX_REPLY_BYTES / 1024),
    };
    if response.content_length().is_some_and(|length| length > MAX_REPLY_BYTES as u64) {
        return Err(too_long());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| ZoomError::transport(endpoint, &e, timeout, secrets))? {
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Err(too_long());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_that_speaks_of_a_scope_is_a_missing_scope_whatever_its_4xx() {
        let zoom = br#"{"code": 4711, "message": "Invalid access token, does not contain scopes:[user:read:token]."}"#;
        for status in [400, 401, 403] {
            let error = api_error(Endpoint::Zak, status, zoom, &[]);
            assert_eq!(error, ZoomError::MissingScope { endpoint: Endpoint::Zak, scope: "user:read:token".into() });
        }
        let unnamed = api_error(Endpoint::Me, 403, br#"{"code": 4711, "message": "Missing scope."}"#, &[]);
        assert_eq!(unnamed, ZoomError::MissingScope { endpoint: Endpoint::Me, scope: "user:read:user".into() });
        let meeting = api_error(Endpoint::Meeting, 400, br#"{"code": 4711, "message": "Missing scope."}"#, &[]);
        let scope = "meeting:read:meeting".to_owned();
        assert_eq!(meeting, ZoomError::MissingScope { endpoint: Endpoint::Meeting, scope });
        let server = api_error(Endpoint::Zak, 500, zoom, &[]);
        assert!(matches!(server, ZoomError::Refused { status: 500, .. }), "{server:?}");
    }

    #[test]
    fn a_meeting_zoom_does_not_show_is_not_found() {
        let missing = br#"{"code": 3001, "message": "Meeting does not exist: 987654321."}"#;
        let not_found = ZoomError::MeetingNotFound { endpoint: Endpoint::Meeting };
        assert_eq!(api_error(Endpoint::Meeting, 404, missing, &[]), not_found);
        assert_eq!(
            api_error(Endpoint::Meeting, 400, br#"{"code": 300, "message": "Invalid meeting id."}"#, &[]),
            not_found
        );
        assert!(matches!(api_error(Endpoint::Zak, 404, missing, &[]), ZoomError::Refused { status: 404, .. }));
    }

    #[test]
    fn the_host_and_alternative_hosts_may_start_a_meeting() {
        let meeting = ZoomMeeting { host_id: "host-1".into(), alternative_hosts: vec!["alt@example.com".into()] };
        assert!(meeting.is_hosted_by("host-1", "someone@example.com"));
        assert!(meeting.is_hosted_by("other", " ALT@example.com"));
        assert!(!meeting.is_hosted_by("other", "someone@example.com"));
        assert!(!meeting.is_hosted_by("other", ""));
    }

    #[test]
    fn zooms_message_is_read_from_either_error_shape() {
        assert_eq!(
            zoom_message(br#"{"code": 124, "message": "Invalid access token."}"#, &[]),
            "code 124: Invalid access token."
        );
        let oauth = br#"{"reason": "Invalid client_id or client_secret", "error": "invalid_client"}"#;
        assert_eq!(zoom_message(oauth, &[]), "invalid_client: Invalid client_id or client_secret");
        assert_eq!(zoom_message(b"<html>", &[]), "a reply that is not JSON");
        assert_eq!(zoom_message(br#"{"message": "bad token tok-1"}"#, &["tok-1"]), "bad token [redacted]");
    }
}
