//! The REST half: `GET /users/me` and `GET /users/me/token` with the user's access token (bearer),
//! and the reading of Zoom's replies and errors (`{"code", "message"}`) shared with revocation.

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

/// Which token `GET /users/me/token` issues.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UserTokenKind {
    /// The user's ZAK (`type=zak`): join or start meetings as this user.
    Zak,
    /// An OBF token (`type=onbehalf&meeting_id=…`): join one meeting on the user's behalf.
    OnBehalf { meeting: MeetingNumber },
}

/// The largest reply read from Zoom; its replies here are a few hundred bytes.
const MAX_REPLY: usize = 64 * 1024;

impl Endpoint {
    /// The scope the API endpoint needs, for a refusal that mentions a scope without naming it.
    fn scope(self) -> &'static str {
        match self {
            Self::Me => "user:read:user",
            _ => "user:read:token",
        }
    }
}

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

    /// The user's ZAK, or an OBF token for one meeting (`GET /users/me/token`, scope
    /// `user:read:token`).
    pub async fn user_token(
        &self,
        access_token: &SecretString,
        kind: &UserTokenKind,
    ) -> Result<SecretString, ZoomError> {
        let mut url = self.inner.user_token_url.clone();
        let endpoint = match kind {
            UserTokenKind::Zak => {
                url.query_pairs_mut().append_pair("type", "zak");
                Endpoint::Zak
            }
            UserTokenKind::OnBehalf { meeting } => {
                url.query_pairs_mut().append_pair("type", "onbehalf").append_pair("meeting_id", meeting.as_str());
                Endpoint::OnBehalf
            }
        };
        let reply = self.get(endpoint, url, access_token).await?;
        match reply.get("token").and_then(Value::as_str) {
            Some(token) if !token.is_empty() => Ok(SecretString::from(token)),
            _ => Err(ZoomError::BadReply { endpoint, problem: "no `token` string".to_owned() }),
        }
    }

    /// A bearer `GET` whose success is a JSON object.
    async fn get(
        &self,
        endpoint: Endpoint,
        url: url::Url,
        access_token: &SecretString,
    ) -> Result<Map<String, Value>, ZoomError> {
        let inner = &*self.inner;
        let secrets = [access_token.expose_secret(), inner.client_secret.expose_secret()];
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
        let scope = scope_named_in(&message).unwrap_or_else(|| endpoint.scope().to_owned());
        return ZoomError::MissingScope { endpoint, scope };
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

/// The whole reply body, at most [`MAX_REPLY`] bytes.
pub(super) async fn read_body(
    endpoint: Endpoint,
    mut response: reqwest::Response,
    timeout: Duration,
    secrets: &[&str],
) -> Result<Vec<u8>, ZoomError> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| ZoomError::transport(endpoint, &e, timeout, secrets))? {
        if body.len() + chunk.len() > MAX_REPLY {
            let problem = format!("the reply is longer than {} KiB", MAX_REPLY / 1024);
            return Err(ZoomError::BadReply { endpoint, problem });
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
        let server = api_error(Endpoint::Zak, 500, zoom, &[]);
        assert!(matches!(server, ZoomError::Refused { status: 500, .. }), "{server:?}");
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
