//! A signed-in person's own Zoom token for a signature request (`userToken`): their ZAK, or an OBF
//! token for the meeting, fresh from Zoom. Starting a meeting (role 1 with the ZAK) is for the
//! meeting's host only: Zoom is asked who hosts it at the same time as for the ZAK, so a host's
//! start waits for one round trip to Zoom, not two.

use super::{Login, Session, timed};
use crate::http::error::ApiError;
use crate::observability::metrics::Metrics;
use crate::signature::{Claims, Role};
use crate::zoom::{Endpoint, UserTokenKind, ZoomError};
use secrecy::SecretString;

/// The token `kind` for `session`'s person, for the signature `claims` describe.
pub async fn user_token(
    metrics: &Metrics,
    login: &Login,
    session: &Session,
    kind: UserTokenKind,
    claims: &Claims,
) -> Result<SecretString, ApiError> {
    let (zoom, access_token) = (&login.zoom, &session.access_token);
    let Some(target) = &claims.meeting else {
        return match kind {
            UserTokenKind::Zak => fetched(timed(metrics, Endpoint::Zak, zoom.zak(access_token)).await, Endpoint::Zak),
            // The decoder refuses "obf" without a meeting; said again here rather than assumed.
            UserTokenKind::Obf => Err(ApiError::invalid("userToken", "userToken \"obf\" needs meetingNumber and role")),
        };
    };
    match (kind, target.role) {
        (UserTokenKind::Obf, _) => {
            let obf = timed(metrics, Endpoint::OnBehalf, zoom.obf_token(access_token, &target.number)).await;
            fetched(obf, Endpoint::OnBehalf)
        }
        (UserTokenKind::Zak, Role::Participant) => {
            fetched(timed(metrics, Endpoint::Zak, zoom.zak(access_token)).await, Endpoint::Zak)
        }
        (UserTokenKind::Zak, Role::Host) => {
            let (zak, meeting) = tokio::join!(
                timed(metrics, Endpoint::Zak, zoom.zak(access_token)),
                timed(metrics, Endpoint::Meeting, zoom.meeting(access_token, &target.number)),
            );
            match meeting {
                Ok(meeting) if meeting.is_hosted_by(&session.user_id, &session.email) => {}
                Ok(_) | Err(ZoomError::MeetingNotFound { .. }) => {
                    return Err(ApiError::NotMeetingHost { logged_in_as: session.who().to_owned() });
                }
                Err(error) => return Err(zoom_failure(error, Endpoint::Meeting)),
            }
            fetched(zak, Endpoint::Zak)
        }
    }
}

fn fetched(token: Result<SecretString, ZoomError>, endpoint: Endpoint) -> Result<SecretString, ApiError> {
    token.map_err(|error| zoom_failure(error, endpoint))
}

/// Zoom no longer accepting the session's token ends the session; anything else is Zoom failing.
fn zoom_failure(error: ZoomError, endpoint: Endpoint) -> ApiError {
    match error {
        ZoomError::InvalidToken { .. } => ApiError::LoginEnded,
        error => ApiError::Zoom { during: during(endpoint), error },
    }
}

/// What the service was doing when a call to `endpoint` failed, for the reason a person reads.
fn during(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::OnBehalf => "fetching the OBF token",
        Endpoint::Meeting => "asking Zoom who hosts the meeting",
        _ => "fetching the ZAK",
    }
}
