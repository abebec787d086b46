//! `cargo bench`: the signing hot path through the library's public API.
//!
//! Benchmarks, not timed tests: nothing here asserts a time. Under `cargo test` (which builds
//! benches in test mode) each function runs once. Target: one Meeting SDK JWT in under 1 µs on
//! one core. `bench/load.sh` measures the service over HTTP.

use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zoom_signer::api::{request, video};
use zoom_signer::signature::{
    Claims, Format, Lifetime, MeetingNumber, MeetingTarget, Role, SessionName, Signer, VideoClaims,
};

/// A realistic key and secret: Zoom's are 22 and 32 characters.
const SDK_KEY: &str = "abcdefghijklmnopqrstuv";
const SDK_SECRET: &str = "0123456789abcdefghijklmnopqrstuv";
/// What a page sends (and what `bench/load.sh` posts).
const SIGNATURE_BODY: &[u8] = br#"{"meetingNumber":"123456789","role":0}"#;
const VIDEO_BODY: &[u8] = br#"{"sessionName":"standup","role":0}"#;

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_700_000_000)
}

fn signer(format: Format) -> Signer {
    Signer::new(SDK_KEY.to_owned(), SecretString::from(SDK_SECRET), format)
}

fn meeting_claims() -> Claims {
    Claims {
        meeting: Some(MeetingTarget { number: MeetingNumber::parse("123456789").unwrap(), role: Role::Participant }),
        ..Claims::default()
    }
}

fn signing(c: &mut Criterion) {
    let mut group = c.benchmark_group("sign");

    let jwt = signer(Format::Jwt);
    let claims = meeting_claims();
    group.bench_function("meeting_jwt", |b| b.iter(|| jwt.sign(black_box(&claims), black_box(now())).unwrap()));

    let native = Claims::default();
    group.bench_function("native_sdk_token", |b| b.iter(|| jwt.sign(black_box(&native), black_box(now())).unwrap()));

    let legacy = signer(Format::Legacy);
    group.bench_function("legacy", |b| b.iter(|| legacy.sign(black_box(&claims), black_box(now())).unwrap()));

    let video_claims = VideoClaims::new(SessionName::parse("standup").unwrap(), Role::Participant);
    group.bench_function("video_jwt", |b| b.iter(|| jwt.video_jwt(black_box(&video_claims), black_box(now()))));

    group.finish();
}

fn decoding(c: &mut Criterion) {
    let mut group = c.benchmark_group("decode");
    let max = Lifetime::TWO_HOURS;
    group.bench_function("signature_request", |b| b.iter(|| request::decode(black_box(SIGNATURE_BODY), max).unwrap()));
    group.bench_function("video_request", |b| b.iter(|| video::decode(black_box(VIDEO_BODY), max).unwrap()));
    group.finish();
}

/// What the handler does per request, minus HTTP: decode the body, then sign.
fn decode_and_sign(c: &mut Criterion) {
    let jwt = signer(Format::Jwt);
    c.bench_function("decode_and_sign/meeting_jwt", |b| {
        b.iter(|| {
            let claims = request::decode(black_box(SIGNATURE_BODY), Lifetime::TWO_HOURS).unwrap();
            jwt.sign(&claims, black_box(now())).unwrap()
        })
    });
}

criterion_group!(benches, signing, decoding, decode_and_sign);
criterion_main!(benches);
