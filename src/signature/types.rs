//! Validated values that go into a signature. Each constructor says exactly what is wrong.

use std::fmt;

/// A Zoom meeting number: 1 to 12 ASCII digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeetingNumber(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeetingNumberError {
    #[error("must not be empty")]
    Empty,
    #[error("must be at most 12 digits, got {0}")]
    TooLong(usize),
    #[error("must contain only digits")]
    NotDigits,
}

impl MeetingNumber {
    /// Accepts the forms people paste: spaces and hyphens are dropped ("123 456-789").
    pub fn parse(input: &str) -> Result<Self, MeetingNumberError> {
        if (1..=12).contains(&input.len()) && input.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(Self(input.to_owned()));
        }
        let digits: String = input.chars().filter(|c| *c != ' ' && *c != '-').collect();
        if digits.is_empty() {
            return Err(MeetingNumberError::Empty);
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MeetingNumberError::NotDigits);
        }
        if digits.len() > 12 {
            return Err(MeetingNumberError::TooLong(digits.len()));
        }
        Ok(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MeetingNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Who the signature lets the SDK join as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Participant = 0,
    Host = 1,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be 0 (participant) or 1 (host), got {0}")]
pub struct RoleError(pub i128);

impl Role {
    pub fn from_number(value: i128) -> Result<Self, RoleError> {
        match value {
            0 => Ok(Role::Participant),
            1 => Ok(Role::Host),
            other => Err(RoleError(other)),
        }
    }

    pub fn as_number(self) -> u8 {
        self as u8
    }
}

/// How long a signature is valid, within the window Zoom accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Lifetime(u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("must be from {min} to {max} seconds, got {got}")]
pub struct LifetimeError {
    pub min: u64,
    pub max: u64,
    pub got: i128,
}

impl Lifetime {
    /// Zoom refuses `exp - iat` below 30 minutes.
    pub const MIN: Lifetime = Lifetime(1800);
    /// Zoom refuses `exp - iat` above 48 hours.
    pub const MAX: Lifetime = Lifetime(172_800);
    pub const TWO_HOURS: Lifetime = Lifetime(7200);

    /// A lifetime from `Lifetime::MIN` up to `max` (itself within Zoom's window).
    pub fn within(seconds: i128, max: Lifetime) -> Result<Self, LifetimeError> {
        let (min, max) = (Self::MIN.0, max.0);
        match u64::try_from(seconds) {
            Ok(s) if (min..=max).contains(&s) => Ok(Self(s)),
            _ => Err(LifetimeError { min, max, got: seconds }),
        }
    }

    /// A lifetime anywhere in Zoom's window.
    pub fn new(seconds: i128) -> Result<Self, LifetimeError> {
        Self::within(seconds, Self::MAX)
    }

    pub fn seconds(self) -> u64 {
        self.0
    }
}

/// The meeting and role a web token is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingTarget {
    pub number: MeetingNumber,
    pub role: Role,
}

/// What a caller asks to be signed. `meeting: None` asks for a native-SDK token.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims {
    pub meeting: Option<MeetingTarget>,
    /// `None` takes the signer's default lifetime.
    pub lifetime: Option<Lifetime>,
    pub video_webrtc_mode: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meeting_numbers_drop_spaces_and_hyphens() {
        assert_eq!(MeetingNumber::parse("123 456-789").unwrap().as_str(), "123456789");
        assert_eq!(MeetingNumber::parse("1").unwrap().as_str(), "1");
        assert_eq!(MeetingNumber::parse("123456789012").unwrap().as_str(), "123456789012");
    }

    #[test]
    fn meeting_numbers_refuse_what_zoom_would() {
        assert_eq!(MeetingNumber::parse(" - "), Err(MeetingNumberError::Empty));
        assert_eq!(MeetingNumber::parse("1234567890123"), Err(MeetingNumberError::TooLong(13)));
        assert_eq!(MeetingNumber::parse("12a"), Err(MeetingNumberError::NotDigits));
        assert_eq!(MeetingNumber::parse("١٢٣"), Err(MeetingNumberError::NotDigits));
    }

    #[test]
    fn roles_are_zero_or_one() {
        assert_eq!(Role::from_number(0), Ok(Role::Participant));
        assert_eq!(Role::from_number(1), Ok(Role::Host));
        assert_eq!(Role::from_number(2).unwrap_err().to_string(), "must be 0 (participant) or 1 (host), got 2");
    }

    #[test]
    fn lifetimes_stay_inside_zooms_window() {
        assert_eq!(Lifetime::new(1800).unwrap().seconds(), 1800);
        assert_eq!(Lifetime::new(172_800).unwrap().seconds(), 172_800);
        assert!(Lifetime::new(1799).is_err());
        assert!(Lifetime::new(172_801).is_err());
        assert!(Lifetime::new(-1).is_err());
        let max = Lifetime::new(7200).unwrap();
        assert_eq!(Lifetime::within(7201, max).unwrap_err().to_string(), "must be from 1800 to 7200 seconds, got 7201");
    }
}
