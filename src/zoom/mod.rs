//! STUB (replaced by the zoom-client branch): the Zoom API client's interface, to compile against.

use crate::signature::MeetingNumber;
use secrecy::SecretString;
use std::time::Duration;

pub struct ZoomSettings {
    pub client_id: String,
    pub client_secret: SecretString,
    pub oauth_url: String,
    pub api_url: String,
    pub redirect_uri: String,
    pub timeout: Duration,
}

#[derive(Clone)]
pub struct ZoomClient;

pub struct Authorization {
    pub url: String,
    pub state: String,
    pub pkce_verifier: SecretString,
}

pub struct AccessToken {
    pub secret: SecretString,
    pub expires_in: Duration,
}

pub struct ZoomUser {
    pub id: String,
    pub name: String,
    pub email: String,
}

pub enum UserTokenKind {
    Zak,
    OnBehalf { meeting: MeetingNumber },
}

#[derive(Debug, thiserror::Error)]
pub enum ZoomError {
    #[error("unreachable {0}")]
    Unreachable(String),
    #[error("timeout")]
    Timeout,
    #[error("invalid token")]
    InvalidToken,
    #[error("missing scope {0}")]
    MissingScope(String),
    #[error("refused {status} {message}")]
    Refused { status: u16, message: String },
    #[error("bad reply {0}")]
    BadReply(String),
    #[error("invalid grant {0}")]
    InvalidGrant(String),
}

impl ZoomError {
    pub fn code(&self) -> &'static str {
        "stub"
    }
}

impl ZoomClient {
    pub fn new(_settings: ZoomSettings) -> Result<Self, String> {
        Ok(Self)
    }
    pub fn authorize(&self) -> Authorization {
        Authorization { url: String::new(), state: String::new(), pkce_verifier: SecretString::from("") }
    }
    pub async fn exchange_code(&self, _code: &str, _v: &SecretString) -> Result<AccessToken, ZoomError> {
        Err(ZoomError::Timeout)
    }
    pub async fn me(&self, _t: &SecretString) -> Result<ZoomUser, ZoomError> {
        Err(ZoomError::Timeout)
    }
    pub async fn user_token(&self, _t: &SecretString, _k: &UserTokenKind) -> Result<SecretString, ZoomError> {
        Err(ZoomError::Timeout)
    }
    pub async fn revoke(&self, _t: &SecretString) -> Result<(), ZoomError> {
        Err(ZoomError::Timeout)
    }
}
