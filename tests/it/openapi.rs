//! The API contract, `src/api/openapi.json` (served as `GET /openapi.json`), kept true: through
//! `app()` in-process, a request for every (operation, status) pair the document names, each reply
//! checked against the document (status documented for that operation, body against the
//! documented schema, documented headers present and matching), and then both ways: every status
//! the app answered is documented, and every documented status was reached.

use crate::helpers::stand_in_zoom::{FOREIGN_MEETING, Fault, StandInZoom, WEBHOOK_PATH, ZoomWebhooks};
use crate::helpers::{
    API_TOKEN, HOST_TOKEN, NOW, Reply, Returning, Stalled, WEBHOOK_SECRET, bearer, from_origin, get, log_in, post_json,
    preflight, request, send_to, stand_in_zoom, start_login, state_for_format, state_with_login,
    state_with_login_options, state_with_options, state_with_video, state_with_webhooks, test_options, tokens,
    with_header,
};
use axum::body::Body;
use axum::http::{Method, Request, header};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use zoom_signer::access::{AccessPolicy, AllowedOrigins, RateLimit};
use zoom_signer::config::ServerLimits;
use zoom_signer::signature::{Format, Lifetime};
use zoom_signer::{AppState, Options};

const LISTED_ORIGIN: &str = "https://www.example.com";
const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];
/// The meeting signing operations: `POST /` is an alias of `POST /signature`.
const SIGNING_PATHS: [&str; 2] = ["/signature", "/"];
/// How the table names a request to a path the document does not list.
const UNKNOWN_PATH: &str = "(unknown path)";
/// How the table names a method a documented path does not take.
const OTHER_METHOD: &str = "(other)";

/// The document, and checks of replies against it.
struct Contract {
    document: Value,
}

impl Contract {
    fn load() -> Self {
        let document = serde_json::from_str(zoom_signer::http::openapi::DOCUMENT).expect("openapi.json is JSON");
        Self { document }
    }

    /// Follows `$ref`s (all of them local: `#/components/...`).
    fn resolve<'a>(&'a self, mut value: &'a Value) -> &'a Value {
        while let Some(reference) = value.get("$ref").and_then(Value::as_str) {
            let pointer = reference.strip_prefix('#').unwrap_or_else(|| panic!("non-local $ref {reference}"));
            value = self.document.pointer(pointer).unwrap_or_else(|| panic!("unresolved $ref {reference}"));
        }
        value
    }

    fn paths(&self) -> &Map<String, Value> {
        self.document["paths"].as_object().expect("paths")
    }

    fn operation(&self, method: &str, path: &str) -> Option<&Value> {
        self.paths().get(path)?.get(method.to_ascii_lowercase())
    }

    /// Where a request lands in the document: its operation, or what `x-unmatched-requests` says
    /// for an unknown path or another method on a known path.
    fn key(&self, method: &str, path: &str) -> (String, String) {
        if self.operation(method, path).is_some() {
            (method.to_ascii_uppercase(), path.to_owned())
        } else if self.paths().contains_key(path) {
            (OTHER_METHOD.to_owned(), path.to_owned())
        } else {
            ("(any)".to_owned(), UNKNOWN_PATH.to_owned())
        }
    }

    /// The documented responses of what `key` names, by status.
    fn responses(&self, (method, path): &(String, String)) -> &Map<String, Value> {
        let responses = match self.operation(method, path) {
            Some(operation) => &operation["responses"],
            None => &self.document["x-unmatched-requests"]["responses"],
        };
        responses.as_object().expect("responses")
    }

    /// Every (method, path, status) the document promises.
    fn documented(&self) -> BTreeSet<(String, String, u16)> {
        let mut documented = BTreeSet::new();
        let unmatched = self.responses(&("(any)".to_owned(), UNKNOWN_PATH.to_owned()));
        for (path, item) in self.paths() {
            for method in METHODS.iter().filter(|m| item.get(**m).is_some()) {
                let key = (method.to_ascii_uppercase(), path.clone());
                for status in self.responses(&key).keys() {
                    documented.insert((key.0.clone(), path.clone(), status.parse().expect("numeric status")));
                }
            }
            if unmatched.contains_key("405") {
                documented.insert((OTHER_METHOD.to_owned(), path.clone(), 405));
            }
        }
        if unmatched.contains_key("404") {
            documented.insert(("(any)".to_owned(), UNKNOWN_PATH.to_owned(), 404));
        }
        documented
    }

    /// Problems with `value` against `schema`, whose `$ref`s resolve within the document.
    fn validate(&self, schema: &Value, value: &Value) -> Vec<String> {
        let wrapped = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.document["components"],
            "allOf": [schema],
        });
        let validator = jsonschema::draft202012::new(&wrapped).unwrap_or_else(|e| panic!("schema {schema}: {e}"));
        validator
            .iter_errors(value)
            .map(|e| match e.instance_path().to_string() {
                at if at.is_empty() => e.to_string(),
                at => format!("{e} (at {at})"),
            })
            .collect()
    }

    /// Problems with one value of the documented header `name`.
    fn header_problems(&self, name: &str, header: &Value, value: &str) -> Vec<String> {
        let schema = self.resolve(&header["schema"]);
        let value = if schema["type"] == "integer" {
            value.parse::<i64>().map_or_else(|_| Value::from(value), Value::from)
        } else {
            Value::from(value)
        };
        self.validate(schema, &value).into_iter().map(|p| format!("header {name}: {p}")).collect()
    }

    /// Problems with `reply` to `method path` against the document.
    fn check(&self, method: &str, path: &str, reply: &Reply) -> Vec<String> {
        let key = self.key(method, path);
        let status = reply.status.as_u16().to_string();
        let Some(response) = self.responses(&key).get(&status) else {
            return vec![format!("status {status} is not documented for {} {}", key.0, key.1)];
        };
        let response = self.resolve(response);
        let mut problems = Vec::new();

        for (name, header) in response["headers"].as_object().into_iter().flatten() {
            let header = self.resolve(header);
            let values: Vec<&str> =
                reply.headers.get_all(name.as_str()).iter().map(|v| v.to_str().expect("ASCII header")).collect();
            match values.as_slice() {
                [] if header["required"] == true => problems.push(format!("documented header {name} is missing")),
                [] => {}
                // The one header HTTP lets a reply repeat: a cookie each.
                several if name.eq_ignore_ascii_case("set-cookie") => {
                    for value in several {
                        problems.extend(self.header_problems(name, header, value));
                    }
                }
                [value] => problems.extend(self.header_problems(name, header, value)),
                several => problems.push(format!("header {name} is sent {} times", several.len())),
            }
        }

        let content_type = reply.header(header::CONTENT_TYPE);
        if method.eq_ignore_ascii_case("HEAD") {
            // A reply to HEAD has the headers of a GET but never a body.
            return problems;
        }
        match response.get("content").and_then(Value::as_object) {
            None if reply.body.is_empty() && content_type.is_empty() => {}
            None => problems.push(format!("a body ({content_type}) where the document says none")),
            Some(content) => {
                let essence = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
                match content.get(&essence) {
                    None => problems.push(format!("content type {content_type:?} is not documented")),
                    Some(media) => {
                        let body = if essence == "application/json" {
                            match serde_json::from_slice(&reply.body) {
                                Ok(body) => body,
                                Err(e) => return [problems, vec![format!("body is not JSON: {e}")]].concat(),
                            }
                        } else {
                            Value::from(String::from_utf8(reply.body.clone()).expect("text is UTF-8"))
                        };
                        problems
                            .extend(self.validate(&media["schema"], &body).into_iter().map(|p| format!("body: {p}")));
                    }
                }
            }
        }
        problems
    }

    /// Every `(example, its schema)` in the document: request bodies, replies and schemas.
    fn examples(&self) -> Vec<(String, &Value, &Value)> {
        let mut found = Vec::new();
        let components = &self.document["components"];
        for (name, body) in components["requestBodies"].as_object().into_iter().flatten() {
            collect_media_examples(&format!("requestBodies/{name}"), body, &mut found);
        }
        for (name, response) in components["responses"].as_object().into_iter().flatten() {
            collect_media_examples(&format!("responses/{name}"), response, &mut found);
        }
        let mut stack: Vec<(String, &Value)> = vec![("schemas".to_owned(), &components["schemas"])];
        while let Some((at, value)) = stack.pop() {
            match value {
                Value::Object(map) => {
                    if let Some(Value::Array(examples)) = map.get("examples") {
                        found.extend(examples.iter().map(|e| (at.clone(), e, value)));
                    }
                    stack.extend(map.iter().filter(|(k, _)| *k != "examples").map(|(k, v)| (format!("{at}/{k}"), v)));
                }
                Value::Array(items) => stack.extend(items.iter().map(|v| (at.clone(), v))),
                _ => {}
            }
        }
        found
    }
}

fn collect_media_examples<'a>(at: &str, holder: &'a Value, found: &mut Vec<(String, &'a Value, &'a Value)>) {
    for (media_type, media) in holder["content"].as_object().into_iter().flatten() {
        for (name, example) in media["examples"].as_object().into_iter().flatten() {
            found.push((format!("{at} {media_type} example {name}"), &example["value"], &media["schema"]));
        }
    }
}

/// Meeting and video signing, no tokens, no rate limit: what `--demo` runs.
fn open(options: Options) -> AppState {
    state_with_video(AccessPolicy::default(), options)
}

fn gated() -> AppState {
    let policy = AccessPolicy {
        host_tokens: tokens(&[HOST_TOKEN]),
        api_tokens: tokens(&[API_TOKEN]),
        ..AccessPolicy::default()
    };
    state_with_video(policy, test_options())
}

fn no_video() -> AppState {
    state_with_options(test_options())
}

fn legacy() -> AppState {
    state_for_format(Format::Legacy, Lifetime::TWO_HOURS)
}

/// Requests meant to reach every documented (operation, status) pair, each with the state it needs;
/// the stand-in Zooms they use are kept in `zooms` while they are sent.
async fn requests(zooms: &mut Vec<StandInZoom>) -> Vec<(&'static str, AppState, Request<Body>)> {
    let mut all: Vec<(&'static str, AppState, Request<Body>)> = Vec::new();
    sign_in_requests(&mut all, zooms).await;
    webhook_requests(&mut all);
    let quick_timeout = || Options {
        limits: ServerLimits { request_timeout: Duration::from_millis(200), ..ServerLimits::default() },
        ..test_options()
    };
    let limited =
        || Options { rate_limit: Some(RateLimit { count: 1, period: Duration::from_secs(3600) }), ..test_options() };
    let listed = || Options { origins: AllowedOrigins::parse(LISTED_ORIGIN).unwrap(), ..test_options() };
    let any_origin = || Options { origins: AllowedOrigins::parse("*").unwrap(), ..test_options() };
    let stalled = |path: &str| post_json(path, Body::new(Stalled));
    let too_large = format!(r#"{{"meetingNumber": "1", "role": 0, "pad": "{}"}}"#, " ".repeat(5000));

    for path in SIGNING_PATHS {
        let meeting = || json!({"meetingNumber": "123 456-789", "role": 0}).to_string();
        all.push(("a participant signature", open(test_options()), post_json(path, meeting())));
        let every_field =
            json!({"meetingNumber": 123456789, "role": "1", "expirationSeconds": "3600", "videoWebRtcMode": 1});
        let host = bearer(post_json(path, every_field.to_string()), HOST_TOKEN);
        all.push(("a host signature with every field", gated(), host));
        all.push(("a native-SDK token", open(test_options()), post_json(path, "{}")));
        all.push(("a legacy signature", legacy(), post_json(path, meeting())));
        all.push(("a listed origin", open(listed()), from_origin(post_json(path, meeting()), LISTED_ORIGIN)));
        all.push((
            "any origin (`*`)",
            open(any_origin()),
            from_origin(post_json(path, meeting()), "https://any.example"),
        ));
        all.push((
            "bad values",
            open(test_options()),
            post_json(path, r#"{"meetingNumber": "12ab", "role": 2, "rol": 1}"#),
        ));
        all.push(("malformed JSON", open(test_options()), post_json(path, "{\"role\": }")));
        all.push(("no API token", gated(), post_json(path, meeting())));
        let wrong = bearer(post_json(path, meeting()), "not-a-token-at-all-xxxxxx");
        all.push(("a wrong token", gated(), wrong));
        all.push((
            "host role, no host tokens",
            open(test_options()),
            post_json(path, r#"{"meetingNumber": "1", "role": 1}"#),
        ));
        all.push((
            "a foreign origin",
            open(test_options()),
            from_origin(post_json(path, meeting()), "https://evil.example"),
        ));
        all.push(("a body that never arrives", open(quick_timeout()), stalled(path)));
        all.push(("a body over 4 KiB", open(test_options()), post_json(path, too_large.clone())));
        let not_json =
            Request::post(path).header(header::CONTENT_TYPE, "text/plain").body(Body::from(meeting())).unwrap();
        all.push(("not JSON", open(test_options()), not_json));
        let state = open(limited());
        all.push(("the first request of a client", state.clone(), post_json(path, meeting())));
        all.push(("over the rate limit", state, post_json(path, meeting())));
    }

    let path = "/video-signature";
    let session = || json!({"sessionName": "standup", "role": 0}).to_string();
    all.push(("a video token", open(test_options()), post_json(path, session())));
    let every_field = json!({
        "sessionName": "standup", "role": "1", "sessionKey": "k1", "userIdentity": "ada", "geoRegions": "us, DE",
        "cloudRecordingOption": 1, "cloudRecordingElection": "0", "videoWebRtcMode": 1, "audioWebRtcMode": 0,
        "expirationSeconds": 1800,
    });
    let host = bearer(post_json(path, every_field.to_string()), HOST_TOKEN);
    all.push(("a host video token with every field", gated(), host));
    all.push(("a listed origin", open(listed()), from_origin(post_json(path, session()), LISTED_ORIGIN)));
    all.push((
        "bad values",
        open(test_options()),
        post_json(path, r#"{"role": 3, "geoRegions": ["XX"], "topic": "x"}"#),
    ));
    all.push(("no API token", gated(), post_json(path, session())));
    all.push((
        "host role, no host tokens",
        open(test_options()),
        post_json(path, r#"{"sessionName": "s", "role": 1}"#),
    ));
    all.push((
        "a foreign origin",
        open(test_options()),
        from_origin(post_json(path, session()), "https://evil.example"),
    ));
    all.push(("video not enabled", no_video(), post_json(path, session())));
    all.push(("a body that never arrives", open(quick_timeout()), stalled(path)));
    all.push(("a body over 4 KiB", open(test_options()), post_json(path, too_large)));
    all.push(("not JSON", open(test_options()), request(Method::POST, path)));
    let state = open(limited());
    all.push(("the first request of a client", state.clone(), post_json(path, session())));
    all.push(("over the rate limit", state, post_json(path, session())));

    for path in ["/signature", "/", "/video-signature"] {
        all.push(("OPTIONS without Origin", open(test_options()), request(Method::OPTIONS, path)));
        all.push((
            "OPTIONS from the service's own origin",
            open(test_options()),
            from_origin(request(Method::OPTIONS, path), "https://signer.example.com"),
        ));
        all.push(("a preflight from a listed origin", open(listed()), preflight(path, LISTED_ORIGIN)));
        all.push(("a preflight from any origin (`*`)", open(any_origin()), preflight(path, "https://any.example")));
        all.push(("a preflight from a foreign origin", open(listed()), preflight(path, "https://evil.example")));
    }

    for path in ["/", "/healthz", "/assets/join.js", "/assets/join.css", "/openapi.json"] {
        all.push(("GET", open(test_options()), request(Method::GET, path)));
        let with_id =
            with_header(request(Method::GET, path), zoom_signer::http::request_log::REQUEST_ID.clone(), "client-id-1");
        all.push(("GET with the client's x-request-id", open(test_options()), with_id));
    }
    let insane_id =
        with_header(request(Method::GET, "/healthz"), zoom_signer::http::request_log::REQUEST_ID.clone(), "a b c");
    all.push(("an x-request-id that is replaced", open(test_options()), insane_id));

    // Requests no operation takes.
    for (method, path) in [
        (Method::GET, "/signature"),
        (Method::DELETE, "/signature"),
        (Method::PUT, "/"),
        (Method::PATCH, "/"),
        (Method::GET, "/video-signature"),
        (Method::POST, "/healthz"),
        (Method::OPTIONS, "/healthz"),
        (Method::TRACE, "/assets/join.js"),
        (Method::HEAD, "/signature"),
        (Method::DELETE, "/assets/join.css"),
        (Method::POST, "/openapi.json"),
        (Method::GET, WEBHOOK_PATH),
        (Method::OPTIONS, WEBHOOK_PATH),
    ] {
        all.push(("a method the path does not take", open(test_options()), request(method, path)));
    }
    all.push(("an unknown path", open(test_options()), request(Method::GET, "/wp-admin/?q=1")));
    all.push(("an unknown path, POST", open(test_options()), post_json("/signatures", "{}")));
    all
}

/// Zoom's webhooks, each delivery made as Zoom makes it (the stand-in's [`ZoomWebhooks`]).
fn webhook_requests(all: &mut Vec<(&'static str, AppState, Request<Body>)>) {
    let zoom = ZoomWebhooks::new(WEBHOOK_SECRET);
    let on = || state_with_webhooks(test_options());
    all.push(("Zoom's endpoint validation", on(), zoom.url_validation("qgg8vlvZRS6UYooatFL8Aw", NOW).request()));
    all.push(("a deauthorization", on(), zoom.app_deauthorized("account-1", "user-1", NOW).request()));
    all.push(("another event", on(), zoom.deliver("meeting.started", json!({"object": {}}), NOW).request()));
    all.push(("malformed JSON from Zoom", on(), zoom.deliver_body("{\"event\": ", NOW).request()));
    let no_plain_token = zoom.deliver("endpoint.url_validation", json!({}), NOW);
    all.push(("a validation without plainToken", on(), no_plain_token.request()));
    let forged = ZoomWebhooks::new("not-the-apps-secret-token").url_validation("t", NOW);
    all.push(("a delivery Zoom did not make", on(), forged.request()));
    all.push(("a stale delivery", on(), zoom.url_validation("t", NOW - 600).request()));
    all.push(("no Zoom headers", on(), post_json(WEBHOOK_PATH, "{}")));
    all.push(("webhooks off", state_with_options(test_options()), zoom.url_validation("t", NOW).request()));
    let quick_timeout = Options {
        limits: ServerLimits { request_timeout: Duration::from_millis(200), ..ServerLimits::default() },
        ..test_options()
    };
    all.push((
        "a body that never arrives",
        state_with_webhooks(quick_timeout),
        post_json(WEBHOOK_PATH, Body::new(Stalled)),
    ));
    let large = zoom.deliver("meeting.started", json!({"padding": "x".repeat(64 * 1024)}), NOW);
    all.push(("a body over 64 KiB", on(), large.request()));
    let limited = state_with_webhooks(Options {
        webhook_rate_limit: Some(RateLimit { count: 1, period: Duration::from_secs(3600) }),
        ..test_options()
    });
    all.push(("the first delivery from a sender", limited.clone(), zoom.url_validation("t", NOW).request()));
    all.push(("over the webhooks' rate limit", limited, zoom.url_validation("t", NOW).request()));
}

/// The sign-in endpoints, and `POST /signature` with a ZAK when Zoom fails, against stand-ins.
async fn sign_in_requests(all: &mut Vec<(&'static str, AppState, Request<Body>)>, zooms: &mut Vec<StandInZoom>) {
    let off = || open(test_options());
    let zoom = stand_in_zoom();
    let on = state_with_login(&zoom);
    let signed_in = log_in(&on, &zoom).await;
    all.push(("start", on.clone(), get("/auth/zoom/start?return=%2F")));
    all.push(("start, return elsewhere", on.clone(), get("/auth/zoom/start?return=https%3A%2F%2Fevil.example")));
    all.push(("start, sign-in off", off(), get("/auth/zoom/start")));
    // A callback that signs in: a fresh attempt, consented.
    let Returning { cookies: attempt, callback, .. } = start_login(&on, &zoom, "/auth/zoom/start").await;
    all.push(("callback", on.clone(), attempt.on(get(&callback))));
    all.push(("callback without the cookie", on.clone(), get(&callback)));
    all.push(("callback, sign-in off", off(), get("/auth/zoom/callback?code=c&state=s")));
    all.push(("session", on.clone(), signed_in.on(get("/auth/zoom/session"))));
    let not_the_host = format!(r#"{{"meetingNumber": "{FOREIGN_MEETING}", "role": 1, "userToken": "zak"}}"#);
    for path in SIGNING_PATHS {
        let request = signed_in.on(post_json(path, not_the_host.clone()));
        all.push(("a host start by someone who does not host the meeting", on.clone(), request));
    }
    all.push(("session, sign-in off", off(), get("/auth/zoom/session")));
    all.push(("sign out", on.clone(), signed_in.on(request(Method::POST, "/auth/zoom/sign-out"))));
    let foreign = from_origin(request(Method::POST, "/auth/zoom/sign-out"), "https://evil.example");
    all.push(("sign out from a foreign page", on.clone(), foreign));
    all.push(("sign out, sign-in off", off(), request(Method::POST, "/auth/zoom/sign-out")));
    let limited =
        Options { rate_limit: Some(RateLimit { count: 1, period: Duration::from_secs(3600) }), ..test_options() };
    let limited = state_with_login_options(&zoom, limited, Duration::from_secs(5));
    all.push(("sign out, first", limited.clone(), request(Method::POST, "/auth/zoom/sign-out")));
    all.push(("sign out, over the rate limit", limited.clone(), request(Method::POST, "/auth/zoom/sign-out")));
    all.push(("start, over the rate limit", limited.clone(), get("/auth/zoom/start")));
    all.push(("callback, over the rate limit", limited, get("/auth/zoom/callback?code=c&state=s")));
    all.push(("OPTIONS sign-out", on.clone(), request(Method::OPTIONS, "/auth/zoom/sign-out")));
    all.push((
        "a preflight for sign-out from a foreign origin",
        on.clone(),
        preflight("/auth/zoom/sign-out", "https://evil.example"),
    ));
    for (method, path) in [
        (Method::POST, "/auth/zoom/start"),
        (Method::PUT, "/auth/zoom/callback"),
        (Method::DELETE, "/auth/zoom/session"),
        (Method::GET, "/auth/zoom/sign-out"),
    ] {
        all.push(("a method the path does not take", on.clone(), request(method, path)));
    }
    // A ZAK without a session, and after Zoom stopped accepting the session's token: 401s.
    let zak = r#"{"meetingNumber": "123456789", "role": 0, "userToken": "zak"}"#;
    let revoked = stand_in_zoom();
    let ended = state_with_login(&revoked);
    let cookies = log_in(&ended, &revoked).await;
    revoked.set_fault(Fault::TokenRevoked);
    for path in SIGNING_PATHS {
        all.push(("a ZAK without signing in", on.clone(), post_json(path, zak)));
        all.push(("a ZAK after Zoom ended the session", ended.clone(), cookies.on(post_json(path, zak))));
    }
    zooms.push(revoked);
    // Consent refused, Zoom failing and Zoom slow: each on a stand-in of its own.
    let refusing = stand_in_zoom();
    refusing.refuse_consent();
    let state = state_with_login(&refusing);
    let refused = start_login(&state, &refusing, "/auth/zoom/start").await;
    all.push(("callback, consent refused", state, refused.cookies.on(get(&refused.callback))));
    for (fault, label, callback_label) in [
        (Fault::Status(500), "a ZAK while Zoom fails", "callback while Zoom fails"),
        (Fault::Slow(Duration::from_secs(2)), "a ZAK while Zoom is slow", "callback while Zoom is slow"),
    ] {
        let failing = stand_in_zoom();
        let state = state_with_login_options(&failing, test_options(), Duration::from_millis(300));
        let cookies = log_in(&state, &failing).await;
        let returning = start_login(&state, &failing, "/auth/zoom/start").await;
        failing.set_fault(fault);
        for path in SIGNING_PATHS {
            let body = r#"{"meetingNumber": "123456789", "role": 0, "userToken": "zak"}"#;
            all.push((label, state.clone(), cookies.on(post_json(path, body))));
        }
        all.push((callback_label, state, returning.cookies.on(get(&returning.callback))));
        zooms.push(failing);
    }
    zooms.extend([zoom, refusing]);
}

#[tokio::test]
async fn every_documented_status_is_reached_and_every_reply_matches_the_document() {
    let contract = Contract::load();
    let mut problems = Vec::new();
    let mut reached: BTreeMap<(String, String, u16), Vec<String>> = BTreeMap::new();
    let mut zooms = Vec::new();
    for (label, state, request) in requests(&mut zooms).await {
        let (method, path) = (request.method().to_string(), request.uri().path().to_owned());
        let reply = send_to(state, request).await;
        let (key_method, key_path) = contract.key(&method, &path);
        let seen = if key_method == method { label.to_owned() } else { format!("{method} {path}") };
        reached.entry((key_method, key_path, reply.status.as_u16())).or_default().push(seen);
        for problem in contract.check(&method, &path, &reply) {
            problems.push(format!("{method} {path} ({label}) → {}: {problem}", reply.status.as_u16()));
        }
    }

    let documented = contract.documented();
    let mut table = String::from("method     path                 status  documented  reached\n");
    for key in documented.iter().chain(reached.keys().filter(|k| !documented.contains(*k))) {
        let (method, path, status) = key;
        let yes_no = |b: bool| if b { "yes" } else { "NO" };
        let line = format!(
            "{method:<10} {path:<20} {status:<7} {:<11} {}\n",
            yes_no(documented.contains(key)),
            reached.get(key).map_or("NO".to_owned(), |labels| labels.join("; ")),
        );
        table.push_str(&line);
    }
    println!("{table}");
    let missing: Vec<_> = documented.iter().filter(|k| !reached.contains_key(*k)).collect();
    let undocumented: Vec<_> = reached.keys().filter(|k| !documented.contains(*k)).collect();
    assert!(
        problems.is_empty() && missing.is_empty() && undocumented.is_empty(),
        "the app and src/http/openapi.json disagree\n\nreplies that do not match the document:\n  {}\n\n\
         documented but not reached: {missing:?}\nreached but not documented: {undocumented:?}\n(table above)",
        problems.join("\n  "),
    );
}

#[test]
fn reply_schemas_refuse_undocumented_fields() {
    let contract = Contract::load();
    let mut open_objects = Vec::new();
    let mut stack: Vec<(String, &Value)> = Vec::new();
    for (name, response) in contract.document["components"]["responses"].as_object().unwrap() {
        for (media_type, media) in response["content"].as_object().into_iter().flatten() {
            stack.push((format!("responses/{name} {media_type}"), &media["schema"]));
        }
    }
    let mut seen = BTreeSet::new();
    while let Some((at, schema)) = stack.pop() {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            if seen.insert(reference.to_owned()) {
                stack.push((reference.to_owned(), contract.resolve(schema)));
            }
            continue;
        }
        if schema.get("properties").is_some() && schema["additionalProperties"] != false {
            open_objects.push(at.clone());
        }
        for (key, value) in schema.as_object().into_iter().flatten() {
            match (key.as_str(), value) {
                ("properties", Value::Object(properties)) => {
                    stack.extend(properties.iter().map(|(name, v)| (format!("{at}.{name}"), v)))
                }
                ("items" | "additionalProperties", Value::Object(_)) => stack.push((format!("{at}[]"), value)),
                ("anyOf" | "oneOf" | "allOf", Value::Array(branches)) => {
                    stack.extend(branches.iter().map(|v| (format!("{at}|"), v)))
                }
                _ => {}
            }
        }
    }
    assert!(seen.len() > 3, "no reply schemas found: {seen:?}");
    assert!(open_objects.is_empty(), "reply objects that allow undocumented fields: {open_objects:?}");
}

#[test]
fn every_example_matches_its_schema() {
    let contract = Contract::load();
    let examples = contract.examples();
    assert!(examples.len() > 5, "{} examples", examples.len());
    let mismatches: Vec<String> = examples
        .iter()
        .flat_map(|(at, example, schema)| {
            contract.validate(schema, example).into_iter().map(move |p| format!("{at}: {example}: {p}"))
        })
        .collect();
    assert!(mismatches.is_empty(), "{mismatches:#?}");
}

#[tokio::test]
async fn documented_request_examples_are_signed() {
    let contract = Contract::load();
    for (name, body) in contract.document["components"]["requestBodies"].as_object().unwrap() {
        let path = if name == "VideoSignatureRequest" { "/video-signature" } else { "/signature" };
        for (example, value) in body["content"]["application/json"]["examples"].as_object().unwrap() {
            let request = post_json(path, value["value"].to_string());
            let request = bearer(request, HOST_TOKEN);
            let reply = send_to(gated(), request).await;
            assert_eq!(
                reply.status.as_u16(),
                200,
                "{name} example {example}: {}",
                String::from_utf8_lossy(&reply.body)
            );
        }
    }
}
