//! `zoom-signer sign`: prints a signature made with the configured credentials, and nothing else on
//! standard output, so `SIG=$(zoom-signer sign --meeting 123456789)` works in scripts.
//!
//! Input is validated as the HTTP API validates it; a bad flag or missing credentials exit 2 with
//! one line on standard error. `iat` is backdated by `SIGNER_BACKDATE` and the lifetime defaults
//! to `SIGNER_TTL`, as in the service.

use crate::config::Credentials;
use crate::config::{SignArgs, ToolSettings};
use crate::signature::{
    Claims, Format, Lifetime, MeetingNumber, MeetingTarget, Role, SessionName, Signature, Signer, VideoClaims,
};
use std::io::Write;
use std::process::ExitCode;
use std::time::SystemTime;

pub fn run(args: &SignArgs, keys: &ToolSettings, now: SystemTime) -> ExitCode {
    let signature = match sign(args, keys, now) {
        Ok(signature) => signature,
        Err(problem) => {
            eprintln!("zoom-signer: {problem}");
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{}", signature.expose()).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("zoom-signer: cannot write the signature: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The signature `args` ask for, or the one line saying which flag or setting is wrong.
pub fn sign(args: &SignArgs, keys: &ToolSettings, now: SystemTime) -> Result<Signature, String> {
    let lifetime = args.ttl.as_deref().map(ttl).transpose()?;
    let role = role(&args.role)?;
    if let Some(session) = &args.session {
        let session = SessionName::parse(session).map_err(|e| format!("--session {e}"))?;
        let credentials = configured(keys.video.as_ref(), "ZOOM_VIDEO_SDK", "Video SDK")?;
        let claims = VideoClaims { lifetime, ..VideoClaims::new(session, role) };
        return Ok(signer(credentials, keys).video_jwt(&claims, now));
    }
    let meeting = match &args.meeting {
        Some(number) => {
            Some(MeetingTarget { number: MeetingNumber::parse(number).map_err(|e| format!("--meeting {e}"))?, role })
        }
        None => None,
    };
    let credentials = configured(keys.meeting.as_ref(), "ZOOM_MEETING_SDK", "Meeting SDK")?;
    let claims = Claims { meeting, lifetime, video_webrtc_mode: None };
    signer(credentials, keys).sign(&claims, now).map_err(|e| e.to_string())
}

fn signer(credentials: &Credentials, keys: &ToolSettings) -> Signer {
    Signer::new(credentials.sdk_key.clone(), credentials.sdk_secret.clone(), Format::Jwt)
        .with_backdate(keys.backdate_seconds)
        .with_default_lifetime(keys.default_lifetime)
}

fn configured<'a>(
    credentials: Option<&'a Credentials>,
    prefix: &str,
    product: &str,
) -> Result<&'a Credentials, String> {
    credentials.ok_or_else(|| {
        format!(
            "{prefix}_KEY and {prefix}_SECRET are not set: set them (or their _FILE forms) to \
             your {product} app's key and secret"
        )
    })
}

fn role(text: &str) -> Result<Role, String> {
    let number =
        text.trim().parse::<i128>().map_err(|_| format!("--role must be 0 (participant) or 1 (host), got {text:?}"))?;
    Role::from_number(number).map_err(|e| format!("--role {e}"))
}

fn ttl(text: &str) -> Result<Lifetime, String> {
    let seconds = text
        .trim()
        .parse::<i128>()
        .map_err(|_| format!("--ttl must be a whole number of seconds from 1800 to 172800, got {text:?}"))?;
    Lifetime::new(seconds).map_err(|e| format!("--ttl {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::inspect::{HmacStatus, inspect};
    use clap::Parser;
    use secrecy::SecretString;
    use std::time::{Duration, UNIX_EPOCH};

    #[derive(Debug, Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: SignArgs,
    }

    fn args(flags: &[&str]) -> Result<SignArgs, clap::Error> {
        Wrapper::try_parse_from(std::iter::once("sign").chain(flags.iter().copied())).map(|w| w.args)
    }

    fn keys() -> ToolSettings {
        let pair =
            |key: &str, secret: &str| Credentials { sdk_key: key.into(), sdk_secret: SecretString::from(secret) };
        ToolSettings {
            meeting: Some(pair("abc123", "secret")),
            video: Some(pair("video-key", "video-secret")),
            ..ToolSettings::default()
        }
    }

    fn at(seconds: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn meeting_signature_is_the_published_vector() {
        let signature = sign(&args(&["--meeting", "123 456-789"]).unwrap(), &keys(), at(1_700_000_030)).unwrap();
        assert_eq!(
            signature.expose(),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhcHBLZXkiOiJhYmMxMjMiLCJzZGtLZXkiOiJhYmMxMjMiLCJtbiI6IjEyMzQ1Njc4OSIsInJvbGUiOjAsImlhdCI6MTcwMDAwMDAwMCwiZXhwIjoxNzAwMDA3MjAwLCJ0b2tlbkV4cCI6MTcwMDAwNzIwMH0.sQRCPsE0QXEU_QM1u5MTqb1gh-CqoiW_bXUrX2rJ2bM"
        );
    }

    #[test]
    fn every_kind_of_token_inspects_clean() {
        let now = at(1_700_000_000);
        for flags in [
            &["--meeting", "123456789", "--role", "1", "--ttl", "172800"][..],
            &["--native"],
            &["--session", "standup", "--role", "1", "--ttl", "1800"],
        ] {
            let signature = sign(&args(flags).unwrap(), &keys(), now).unwrap();
            let report = inspect(signature.expose(), &keys(), now);
            assert!(report.ok(), "{flags:?}: {:?}", report.checks);
            assert_eq!(report.hmac, HmacStatus::Valid, "{flags:?}");
        }
    }

    #[test]
    fn bad_flags_name_the_flag() {
        let cases: &[(&[&str], &str)] = &[
            (&["--meeting", "12a"], "--meeting must contain only digits"),
            (&["--meeting", "1234567890123"], "--meeting must be at most 12"),
            (&["--meeting", "1", "--role", "2"], "--role must be 0"),
            (&["--meeting", "1", "--role", "host"], "--role must be 0"),
            (&["--meeting", "1", "--ttl", "1799"], "--ttl must be from 1800"),
            (&["--meeting", "1", "--ttl", "172801"], "--ttl must be from 1800"),
            (&["--meeting", "1", "--ttl", "2h"], "--ttl must be a whole number"),
            (&["--session", ""], "--session must be 1 to 200"),
        ];
        for (flags, expected) in cases {
            let error = sign(&args(flags).unwrap(), &keys(), at(1_700_000_000)).unwrap_err();
            assert!(error.starts_with(expected), "{flags:?}: {error}");
        }
    }

    #[test]
    fn missing_credentials_name_the_variables() {
        let none = ToolSettings::default();
        let error = sign(&args(&["--meeting", "1"]).unwrap(), &none, at(0)).unwrap_err();
        assert!(error.starts_with("ZOOM_MEETING_SDK_KEY and ZOOM_MEETING_SDK_SECRET are not set"));
        let error = sign(&args(&["--session", "s"]).unwrap(), &none, at(0)).unwrap_err();
        assert!(error.starts_with("ZOOM_VIDEO_SDK_KEY and ZOOM_VIDEO_SDK_SECRET are not set"));
    }

    #[test]
    fn exactly_one_target_is_required() {
        assert!(args(&[]).is_err());
        assert!(args(&["--meeting", "1", "--session", "s"]).is_err());
        assert!(args(&["--native", "--meeting", "1"]).is_err());
        assert!(args(&["--native", "--role", "1"]).is_err());
        assert!(args(&["--native"]).is_ok());
    }
}
