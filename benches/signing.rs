//! `cargo bench`: the signing hot path through the library's public API.
//!
//! Benchmarks, not timed tests: nothing here asserts a time. Under `cargo test` (which builds
//! benches in test mode) each function runs once. Target: one Meeting SDK JWT in under 1 µs on
//! one core. `bench/load.sh` measures the service over HTTP; the README's "Performance" has the numbers.
//!
//! Groups: `sign` (each kind of signature), `decode` (request bodies), `decode_and_sign` (the
//! handler's own work), and `router` / `router_logged`: one request through the whole
//! application in process (every default layer; no socket, no HTTP parsing), without and with
//! the text log lines (formatted as in production, written to a sink by the same non-blocking
//! writer). The difference between the last two is what the log lines cost a request.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::http::header::{CONTENT_LENGTH, CONTENT_TYPE, HOST};
use criterion::{Criterion, criterion_group, criterion_main};
use secrecy::SecretString;
use std::hint::black_box;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tower::ServiceExt;
use zoom_signer::access::RateLimit;
use zoom_signer::config::LogFormat;
use zoom_signer::http::decode;
use zoom_signer::signature::{
    Claims, Format, Lifetime, MeetingNumber, MeetingTarget, Role, SessionName, Signer, VideoClaims,
};
use zoom_signer::{AppState, Options};

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
    group.bench_function("signature_request", |b| b.iter(|| decode::meeting(black_box(SIGNATURE_BODY), max).unwrap()));
    group.bench_function("video_request", |b| b.iter(|| decode::video(black_box(VIDEO_BODY), max).unwrap()));
    group.finish();
}

/// What the handler does per request, minus HTTP: decode the body, then sign.
fn decode_and_sign(c: &mut Criterion) {
    let jwt = signer(Format::Jwt);
    c.bench_function("decode_and_sign/meeting_jwt", |b| {
        b.iter(|| {
            let claims = decode::meeting(black_box(SIGNATURE_BODY), Lifetime::TWO_HOURS).unwrap().claims;
            jwt.sign(&claims, black_box(now())).unwrap()
        })
    });
}

fn signature_request() -> Request<Body> {
    Request::post("/signature")
        .header(HOST, "127.0.0.1:4000")
        .header(CONTENT_TYPE, "application/json")
        .header(CONTENT_LENGTH, SIGNATURE_BODY.len())
        .extension(peer())
        .body(Body::from(SIGNATURE_BODY))
        .unwrap()
}

fn health_request() -> Request<Body> {
    Request::get("/healthz").header(HOST, "127.0.0.1:4000").extension(peer()).body(Body::empty()).unwrap()
}

/// The client's address, as `zoom_signer::serve` gives every request it reads.
fn peer() -> ConnectInfo<SocketAddr> {
    ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 50_000)))
}

/// The application with its default settings, but a rate limit that never trips.
fn application() -> axum::Router {
    let options = Options {
        rate_limit: Some(RateLimit { count: 1_000_000, period: Duration::from_secs(1) }),
        ..Options::default()
    };
    zoom_signer::app(AppState::new(signer(Format::Jwt), options))
}

fn requests_through(c: &mut Criterion, group_name: &str) {
    let app = application();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let mut group = c.benchmark_group(group_name);
    for (name, request) in [("post_signature", signature_request as fn() -> _), ("get_healthz", health_request)] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let response = runtime.block_on(app.clone().oneshot(request())).unwrap();
                assert!(response.status().is_success());
                response
            })
        });
    }
    group.finish();
}

fn router(c: &mut Criterion) {
    requests_through(c, "router");
}

/// As `router`, with the production log lines at `info` (one per request: the access line, or
/// the audit line on the signing route) in the plain text format, going through the same
/// non-blocking writer into a sink.
fn router_logged(c: &mut Criterion) {
    let (writer, _guard) =
        tracing_appender::non_blocking::NonBlockingBuilder::default().lossy(false).finish(std::io::sink());
    let filter = tracing_subscriber::EnvFilter::new("info");
    let subscriber = zoom_signer::observability::subscriber(LogFormat::Text, filter, false, writer);
    tracing::subscriber::with_default(subscriber, || requests_through(c, "router_logged"));
}

criterion_group!(benches, signing, decoding, decode_and_sign, router, router_logged);
criterion_main!(benches);
