//! The signing policy: which bearer tokens are needed, who may sign as host, which meetings.

use super::TokenSet;
use super::tokens::bearer;
use crate::signature::{Claims, MeetingNumber, Role, SessionName, VideoClaims};
use std::collections::HashSet;

#[derive(Debug, Default)]
pub struct AccessPolicy {
    /// `SIGNER_HOST_TOKENS`: needed for role 1. Empty: nobody gets a host signature.
    pub host_tokens: TokenSet,
    /// `SIGNER_API_TOKENS`: when set, every request needs one (or a host token).
    pub api_tokens: TokenSet,
    /// `SIGNER_ALLOWED_MEETINGS`: when set, the only meetings signed for.
    pub allowed_meetings: Option<HashSet<MeetingNumber>>,
    /// `SIGNER_ALLOWED_SESSIONS`: when set, the only Video SDK sessions signed for.
    pub allowed_sessions: Option<HashSet<SessionName>>,
}

/// Who the bearer token (if any) says the caller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// No bearer token.
    Anonymous,
    /// A bearer token that is none of this server's: let through where no token is needed, but
    /// never taken for a host's.
    Unrecognised,
    /// One of `SIGNER_API_TOKENS`.
    Api,
    /// One of `SIGNER_HOST_TOKENS`.
    Host,
}

/// How a request for the host role (1) would prove it may have it, besides a host token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostClaim {
    /// Nothing else: a host token it is.
    TokenOnly,
    /// The signed-in person starts the meeting with their own ZAK: allowed here, then only if Zoom
    /// says they host the meeting (the HTTP layer asks Zoom).
    OwnZak,
}

/// Why the policy refuses a request. Never holds a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this server needs `Authorization: Bearer <API token>`; ask its operator for a token")]
    ApiTokenMissing,
    #[error("the bearer token is not one of this server's API or host tokens")]
    TokenNotRecognised,
    #[error(
        "host signatures (role 1) are turned off on this server; its operator can allow them by setting SIGNER_HOST_TOKENS"
    )]
    HostDisabled,
    #[error("role 1 (host) needs `Authorization: Bearer <host token>`")]
    HostTokenMissing,
    #[error("role 1 (host) needs a host token; the bearer token given is not one")]
    NotAHostToken,
    #[error("meeting {0} is not one this server signs for (SIGNER_ALLOWED_MEETINGS)")]
    MeetingNotAllowed(MeetingNumber),
    #[error("this server signs only for its listed meetings (SIGNER_ALLOWED_MEETINGS): give meetingNumber and role")]
    NativeTokenNotAllowed,
    #[error("session {0:?} is not one this server signs for (SIGNER_ALLOWED_SESSIONS)")]
    SessionNotAllowed(String),
}

impl Refusal {
    /// 401 (credentials missing or wrong) rather than 403 (not allowed at all).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Self::ApiTokenMissing | Self::TokenNotRecognised | Self::HostTokenMissing | Self::NotAHostToken)
    }

    /// The request field the refusal is about, or `$request`.
    pub fn property(&self) -> &'static str {
        match self {
            Self::HostDisabled | Self::HostTokenMissing | Self::NotAHostToken => "role",
            Self::MeetingNotAllowed(_) | Self::NativeTokenNotAllowed => "meetingNumber",
            Self::SessionNotAllowed(_) => "sessionName",
            Self::ApiTokenMissing | Self::TokenNotRecognised => "$request",
        }
    }

    /// A short label for metrics and audit lines.
    pub fn code(&self) -> &'static str {
        match self {
            Self::ApiTokenMissing => "api_token_missing",
            Self::TokenNotRecognised => "token_not_recognised",
            Self::HostDisabled => "host_disabled",
            Self::HostTokenMissing => "host_token_missing",
            Self::NotAHostToken => "not_a_host_token",
            Self::MeetingNotAllowed(_) => "meeting_not_allowed",
            Self::NativeTokenNotAllowed => "native_token_not_allowed",
            Self::SessionNotAllowed(_) => "session_not_allowed",
        }
    }
}

impl AccessPolicy {
    /// Checks the `Authorization` header before the body is even read. A header that is not a
    /// bearer token counts as an unrecognised token.
    pub fn authenticate(&self, authorization: Option<&str>) -> Result<Caller, Refusal> {
        let caller = match authorization.map(|header| bearer(header).unwrap_or_default()) {
            None => Caller::Anonymous,
            Some(token) if self.host_tokens.contains(token) => Caller::Host,
            Some(token) if self.api_tokens.contains(token) => Caller::Api,
            Some(_) => Caller::Unrecognised,
        };
        match caller {
            _ if self.api_tokens.is_empty() => Ok(caller),
            Caller::Anonymous => Err(Refusal::ApiTokenMissing),
            Caller::Unrecognised => Err(Refusal::TokenNotRecognised),
            Caller::Api | Caller::Host => Ok(caller),
        }
    }

    /// Checks a Meeting SDK request against the policy.
    pub fn authorize(&self, caller: Caller, claims: &Claims, claim: HostClaim) -> Result<(), Refusal> {
        if let Some(allowed) = &self.allowed_meetings {
            match &claims.meeting {
                None => return Err(Refusal::NativeTokenNotAllowed),
                Some(target) if !allowed.contains(&target.number) => {
                    return Err(Refusal::MeetingNotAllowed(target.number.clone()));
                }
                Some(_) => {}
            }
        }
        let role = claims.meeting.as_ref().map_or(Role::Participant, |t| t.role);
        self.authorize_role(caller, role, claim)
    }

    /// Checks a Video SDK request against the policy.
    pub fn authorize_video(&self, caller: Caller, claims: &VideoClaims) -> Result<(), Refusal> {
        if let Some(allowed) = &self.allowed_sessions
            && !allowed.contains(&claims.session)
        {
            return Err(Refusal::SessionNotAllowed(claims.session.as_str().chars().take(40).collect()));
        }
        self.authorize_role(caller, claims.role, HostClaim::TokenOnly)
    }

    /// The host role is privileged: it needs a host token (and with none configured nobody has
    /// one), or a signed-in person's own ZAK, which Zoom then must confirm. A bearer token that is
    /// not a host token is never ignored: it gets 401, whatever else the request carries.
    fn authorize_role(&self, caller: Caller, role: Role, claim: HostClaim) -> Result<(), Refusal> {
        if role != Role::Host || caller == Caller::Host {
            return Ok(());
        }
        match (caller, claim) {
            (Caller::Anonymous | Caller::Api, HostClaim::OwnZak) => Ok(()),
            (_, HostClaim::OwnZak) => Err(Refusal::NotAHostToken),
            _ if self.host_tokens.is_empty() => Err(Refusal::HostDisabled),
            (Caller::Anonymous, _) => Err(Refusal::HostTokenMissing),
            _ => Err(Refusal::NotAHostToken),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signature::MeetingTarget;
    use secrecy::SecretString;

    const HOST: &str = "host-token-0123456789abcdef";
    const API: &str = "api-token-0123456789abcdef";

    fn claims(mn: &str, role: Role) -> Claims {
        Claims { meeting: Some(MeetingTarget { number: MeetingNumber::parse(mn).unwrap(), role }), ..Claims::default() }
    }

    fn policy(host: &[&str], api: &[&str], meetings: Option<&[&str]>) -> AccessPolicy {
        let secrets = |list: &[&str]| list.iter().map(|t| SecretString::from(*t)).collect::<Vec<_>>();
        AccessPolicy {
            host_tokens: TokenSet::new(&secrets(host)),
            api_tokens: TokenSet::new(&secrets(api)),
            allowed_meetings: meetings.map(|m| m.iter().map(|n| MeetingNumber::parse(n).unwrap()).collect()),
            allowed_sessions: None,
        }
    }

    #[test]
    fn by_default_anyone_may_join_but_nobody_may_host() {
        let open = policy(&[], &[], None);
        let caller = open.authenticate(None).unwrap();
        assert_eq!(open.authorize(caller, &claims("1", Role::Participant), HostClaim::TokenOnly), Ok(()));
        assert_eq!(open.authorize(caller, &claims("1", Role::Host), HostClaim::TokenOnly), Err(Refusal::HostDisabled));
    }

    #[test]
    fn a_logged_in_person_may_ask_to_start_with_their_zak_but_never_with_a_wrong_token() {
        for host_tokens in [&[][..], &[HOST]] {
            let p = policy(host_tokens, &[], None);
            let host = claims("1", Role::Host);
            let anonymous = p.authenticate(None).unwrap();
            assert_eq!(p.authorize(anonymous, &host, HostClaim::OwnZak), Ok(()));
            let wrong = p.authenticate(Some("Bearer not-a-token-of-this-server")).unwrap();
            assert_eq!(wrong, Caller::Unrecognised);
            assert_eq!(p.authorize(wrong, &host, HostClaim::OwnZak), Err(Refusal::NotAHostToken));
        }
    }

    #[test]
    fn host_role_needs_a_host_token() {
        let p = policy(&[HOST], &[], None);
        let host = p.authenticate(Some(&format!("Bearer {HOST}"))).unwrap();
        assert_eq!(p.authorize(host, &claims("1", Role::Host), HostClaim::TokenOnly), Ok(()));
        let nobody = p.authenticate(None).unwrap();
        assert_eq!(p.authorize(nobody, &claims("1", Role::Host), HostClaim::TokenOnly), Err(Refusal::HostTokenMissing));
        let wrong = p.authenticate(Some("Bearer nope")).unwrap();
        assert_eq!(p.authorize(wrong, &claims("1", Role::Host), HostClaim::TokenOnly), Err(Refusal::NotAHostToken));
        assert!(Refusal::NotAHostToken.is_unauthenticated());
    }

    #[test]
    fn api_tokens_gate_every_request_and_host_tokens_count_as_api_tokens() {
        let p = policy(&[HOST], &[API], None);
        assert_eq!(p.authenticate(None), Err(Refusal::ApiTokenMissing));
        assert_eq!(p.authenticate(Some("Bearer wrong")), Err(Refusal::TokenNotRecognised));
        assert_eq!(p.authenticate(Some(&format!("Bearer {API}"))), Ok(Caller::Api));
        assert_eq!(p.authenticate(Some(&format!("Bearer {HOST}"))), Ok(Caller::Host));
    }

    #[test]
    fn video_sessions_follow_the_host_rule_and_their_allow_list() {
        let mut p = policy(&[HOST], &[], None);
        p.allowed_sessions = Some([SessionName::parse("standup").unwrap()].into_iter().collect());
        let video = |name: &str, role| VideoClaims::new(SessionName::parse(name).unwrap(), role);
        let nobody = p.authenticate(None).unwrap();
        assert_eq!(p.authorize_video(nobody, &video("standup", Role::Participant)), Ok(()));
        assert_eq!(p.authorize_video(nobody, &video("standup", Role::Host)), Err(Refusal::HostTokenMissing));
        assert_eq!(
            p.authorize_video(nobody, &video("other", Role::Participant)),
            Err(Refusal::SessionNotAllowed("other".into()))
        );
        let host = p.authenticate(Some(&format!("Bearer {HOST}"))).unwrap();
        assert_eq!(p.authorize_video(host, &video("standup", Role::Host)), Ok(()));
    }

    #[test]
    fn the_allow_list_limits_meetings_and_native_tokens() {
        let p = policy(&[], &[], Some(&["123456789"]));
        let caller = p.authenticate(None).unwrap();
        let only = HostClaim::TokenOnly;
        assert_eq!(p.authorize(caller, &claims("123 456 789", Role::Participant), only), Ok(()));
        assert_eq!(
            p.authorize(caller, &claims("987654321", Role::Participant), only),
            Err(Refusal::MeetingNotAllowed(MeetingNumber::parse("987654321").unwrap()))
        );
        assert_eq!(p.authorize(caller, &Claims::default(), only), Err(Refusal::NativeTokenNotAllowed));
    }
}
