//! `POST /webhooks/zoom`: Zoom's event notifications for a Marketplace app, on with
//! `SIGNER_ZOOM_WEBHOOK_SECRET` (the app's Secret Token), else 404 naming it.
//!
//! The body is read whole (at most [`MAX_BODY_BYTES`]) and authenticated before anything in it is
//! looked at ([`crate::zoom::webhook`]): a delivery that is not Zoom's, or not fresh, gets 401
//! with one reason whatever went wrong (the audit line and the metrics say which). Then the event:
//! Zoom's endpoint validation is answered with the `encryptedToken` it expects; a deauthorization
//! is written to the audit line (the service stores no user data, so there is nothing to delete);
//! any other event is acknowledged, with a debug line naming it. The route's guard counts each
//! request against `SIGNER_ZOOM_WEBHOOK_RATE_LIMIT` and writes its audit line.
//!
//! The content type is not checked. Zoom sends `application/json`, but the header is not covered
//! by the HMAC; the raw body is, and it is read as JSON whatever it is labelled, so a label could
//! only make a genuine delivery fail (a failed endpoint validation means Zoom will not save the
//! URL) while keeping nothing out that the HMAC lets in.

use crate::http::body::read_body;
use crate::http::error::{ApiError, BODY, Problem};
use crate::http::guard::with_action;
use crate::http::state::AppState;
use crate::observability::audit::{Action, WebhookFacts};
use crate::zoom::webhook::{Delivery, EventError, MAC_HEADER, TIMESTAMP_HEADER};
use crate::zoom::{WebhookEvent, WebhookSecret};
use axum::Json;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// Zoom's notifications are a few hundred bytes; this leaves room for the larger events an
/// operator may subscribe to, and bounds what an unauthenticated sender makes the service hash.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Zoom's ids are a few dozen characters; an audit line keeps at most this many of each.
const MAX_ID_CHARS: usize = 64;

/// `POST /webhooks/zoom`.
pub async fn receive(State(state): State<AppState>, request: Request) -> Response {
    let mut facts = WebhookFacts::default();
    let answer = answer(&state, request, &mut facts).await.into_response();
    with_action(answer, Action::Webhook(facts))
}

async fn answer(state: &AppState, request: Request, facts: &mut WebhookFacts) -> Result<Response, ApiError> {
    let secrets = state.secrets();
    let secret: &WebhookSecret = secrets.webhook.as_ref().ok_or(ApiError::WebhooksOff)?;
    let (parts, body) = request.into_parts();
    let body = read_body(&parts.headers, body, MAX_BODY_BYTES, "Zoom's event notifications are far smaller").await?;
    let header = |name: &str| parts.headers.get(name).map(HeaderValue::as_bytes);
    let delivery = Delivery { timestamp: header(TIMESTAMP_HEADER), mac: header(MAC_HEADER), body: &body };
    secret.authenticate(&delivery, state.unix_now()).map_err(ApiError::WebhookUnauthenticated)?;

    let event = WebhookEvent::parse(&body).map_err(invalid_event)?;
    facts.event = Some(event.kind());
    let received = || Json(json!({"status": "received"})).into_response();
    Ok(match event {
        WebhookEvent::UrlValidation { plain_token } => {
            let encrypted_token = secret.validation_token(&plain_token);
            Json(json!({"plainToken": plain_token, "encryptedToken": encrypted_token})).into_response()
        }
        WebhookEvent::AppDeauthorized { account_id, user_id } => {
            facts.account_id = Some(account_id.chars().take(MAX_ID_CHARS).collect());
            facts.user_id = Some(user_id.chars().take(MAX_ID_CHARS).collect());
            received()
        }
        WebhookEvent::Other { event } => {
            let event: String = event.chars().take(MAX_ID_CHARS).collect();
            tracing::debug!(event, "a Zoom webhook event this service does not act on");
            received()
        }
    })
}

/// An authenticated body that is not an event this service can read: Zoom sent it, so the reason
/// may say what is wrong.
fn invalid_event(error: EventError) -> ApiError {
    let property = match &error {
        EventError::NotJson(_) => BODY,
        EventError::NotAString(path) => path,
    };
    ApiError::Invalid(vec![Problem::new(property, error.to_string())])
}
