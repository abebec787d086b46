//! A STAND-IN for Zoom, not Zoom: Zoom cannot be reached from the tests, so this small server
//! plays its OAuth host and REST API, written from Zoom's documentation as summarised in
//! `shared/zoom-signatures.md` section 9 (and the issue). It implements exactly what the service
//! uses:
//!
//! - `GET /oauth/authorize`: checks `client_id`, `response_type=code`, `redirect_uri` and
//!   `code_challenge_method=S256`, then consents at once: 302 to `redirect_uri?code=…&state=…`
//!   (or `?error=access_denied&state=…` after [`StandInZoom::refuse_consent`]). Codes are single-use.
//! - `POST /oauth/token`: HTTP Basic client, `grant_type=authorization_code`, a known unused code,
//!   the authorize `redirect_uri`, and base64url(SHA-256(`code_verifier`)) equal to the challenge;
//!   else 400/401 `{"reason", "error": "invalid_grant" | "invalid_client"}`.
//! - `GET /v2/users/me`, `GET /v2/users/me/token?type=zak|onbehalf&meeting_id=…`: bearer access
//!   token, else 401 `{"code": 124, "message": "Invalid access token."}`. Every ZAK and OBF token
//!   issued is recorded ([`StandInZoom::issued`]).
//! - `GET /v2/meetings/{meetingId}` (section 10): a meeting of [`StandInConfig::meetings`] as
//!   `{"id", "host_id", "host_email", "topic", "settings": {"alternative_hosts"}}`; any other:
//!   404 `{"code": 3001, "message": "Meeting does not exist: …"}`.
//! - `POST /oauth/revoke?token=…` (HTTP Basic): the access token stops working.
//! - Webhooks, the other direction (section 10): [`ZoomWebhooks`] makes the requests Zoom sends to
//!   an app's event notification endpoint with the app's Secret Token: `x-zm-request-timestamp`,
//!   `x-zm-signature` = `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`, and the JSON body
//!   `{"event", "payload", "event_ts"}` (milliseconds). It needs no server of its own, so it is
//!   a value made from a Secret Token, not a method of the running [`StandInZoom`].
//!
//! Faults ([`Fault`]) switch at run time: failures, slowness, a reply that echoes the request (as
//! a careless server might), a reply too large to read. [`StandInZoom::calls`] counts calls per
//! route, [`StandInZoom::most_at_once`] how many were ever under way at once. It runs on its own
//! thread and runtime, so sync tests (the binary as a process) can use it as well as async ones.
//! It listens on 127.0.0.1 only; [`StandInZoom::oauth_url_by_name`] names it `localhost` for tests
//! that need name resolution.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use secrecy::SecretString;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::oneshot;
use zoom_signer::zoom::{Url, ZoomClient, ZoomSettings};

/// The app and the user the stand-in knows.
#[derive(Debug, Clone)]
pub struct StandInConfig {
    pub client_id: String,
    pub client_secret: String,
    /// The one redirect URI registered for the app.
    pub redirect_uri: String,
    pub user: StandInUser,
    /// The ZAK to hand out every time (a fresh random one each time when `None`).
    pub fixed_zak: Option<String>,
    /// The meetings `GET /meetings/{id}` knows.
    pub meetings: Vec<StandInMeeting>,
    /// The token reply's `expires_in`, as written (Zoom's: 3599).
    pub expires_in: Value,
    /// The length of the access tokens issued (Zoom's are a few hundred characters).
    pub access_token_chars: usize,
}

/// A meeting of the stand-in's.
#[derive(Debug, Clone)]
pub struct StandInMeeting {
    pub id: String,
    pub host_id: String,
    /// As Zoom writes `settings.alternative_hosts`: emails separated by `;`.
    pub alternative_hosts: String,
}

/// The meeting the default user hosts.
pub const HOSTED_MEETING: &str = "123456789";
/// A meeting someone else hosts, with the default user among its alternative hosts.
pub const CO_HOSTED_MEETING: &str = "222333444";
/// A meeting someone else hosts, without the default user.
pub const FOREIGN_MEETING: &str = "987654321";

#[derive(Debug, Clone)]
pub struct StandInUser {
    pub id: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub email: String,
}

impl Default for StandInConfig {
    fn default() -> Self {
        Self {
            client_id: "stand-in-client-id".into(),
            client_secret: "stand-in-client-secret-0123456789".into(),
            redirect_uri: "http://127.0.0.1:4000/auth/zoom/callback".into(),
            user: StandInUser {
                id: "KdYKjnimT4KPd8FFgQt9FQ".into(),
                first_name: "Ada".into(),
                last_name: "Lovelace".into(),
                display_name: "Ada L.".into(),
                email: "ada@example.com".into(),
            },
            fixed_zak: None,
            meetings: vec![
                StandInMeeting {
                    id: HOSTED_MEETING.into(),
                    host_id: "KdYKjnimT4KPd8FFgQt9FQ".into(),
                    alternative_hosts: String::new(),
                },
                StandInMeeting {
                    id: CO_HOSTED_MEETING.into(),
                    host_id: "someone-else-0000000000".into(),
                    alternative_hosts: "grace@example.com;ADA@example.com".into(),
                },
                StandInMeeting {
                    id: FOREIGN_MEETING.into(),
                    host_id: "someone-else-0000000000".into(),
                    alternative_hosts: "grace@example.com".into(),
                },
            ],
            expires_in: json!(3599),
            access_token_chars: 48,
        }
    }
}

/// How the stand-in misbehaves, from now on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Every API call answers 401 `{"code": 124, "message": "Invalid access token."}`.
    TokenRevoked,
    /// Every API call answers 400 `{"code": 4711, "message": "Invalid access token, does not
    /// contain scopes:[<scope>]."}`.
    MissingScope(String),
    /// Every call but authorize answers this status with `{"code": status, "message": …}`.
    Status(u16),
    /// Every call but authorize answers only after this long.
    Slow(Duration),
    /// Every call but authorize answers 500 with a message that echoes the request: its query,
    /// `Authorization` header and body, credentials and all.
    Echo,
    /// Every call but authorize answers 200 with a body of this many bytes, streamed.
    HugeReply(usize),
}

/// A route of the stand-in, for [`StandInZoom::calls`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    Authorize,
    Token,
    Revoke,
    Me,
    UserToken,
    Meeting,
}

/// A ZAK or OBF token the stand-in issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedToken {
    /// `zak` or `onbehalf`.
    pub kind: String,
    pub meeting_id: Option<String>,
    pub token: String,
}

/// Where the browser was sent back to after authorize: the redirect URI's `code`, `state`, `error`.
#[derive(Debug, Clone)]
pub struct Callback {
    pub url: Url,
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

struct Grant {
    redirect_uri: String,
    challenge: String,
}

struct Shared {
    config: StandInConfig,
    /// The client secret the token and revoke endpoints accept now (the app's may be rotated).
    client_secret: Mutex<String>,
    fault: Mutex<Fault>,
    refuse_consent: Mutex<bool>,
    codes: Mutex<HashMap<String, Grant>>,
    access_tokens: Mutex<HashSet<String>>,
    issued: Mutex<Vec<IssuedToken>>,
    calls: Mutex<HashMap<Route, usize>>,
    /// Calls under way now, and the most ever at once.
    in_flight: Mutex<(usize, usize)>,
}

/// The running stand-in; stops when dropped (or at [`StandInZoom::stop`]).
pub struct StandInZoom {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Mutex<Option<(oneshot::Sender<()>, std::thread::JoinHandle<()>)>>,
}

impl StandInZoom {
    /// The stand-in with the default app and user, on a loopback port.
    pub fn start() -> Self {
        Self::start_with(StandInConfig::default())
    }

    pub fn start_with(config: StandInConfig) -> Self {
        let shared = Arc::new(Shared {
            client_secret: Mutex::new(config.client_secret.clone()),
            config,
            fault: Mutex::new(Fault::None),
            refuse_consent: Mutex::new(false),
            codes: Mutex::default(),
            access_tokens: Mutex::default(),
            issued: Mutex::default(),
            calls: Mutex::default(),
            in_flight: Mutex::default(),
        });
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let app = router(shared.clone());
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let stopped = async {
                    let _ = stopped.await;
                };
                axum::serve(listener, app).with_graceful_shutdown(stopped).await.unwrap();
            });
        });
        Self { addr, shared, stop: Mutex::new(Some((stop, thread))) }
    }

    /// `http://127.0.0.1:PORT`: what `SIGNER_ZOOM_OAUTH_URL` names.
    pub fn oauth_url(&self) -> Url {
        Url::parse(&format!("http://{}", self.addr)).unwrap()
    }

    /// `http://127.0.0.1:PORT/v2`: what `SIGNER_ZOOM_API_URL` names.
    pub fn api_url(&self) -> Url {
        Url::parse(&format!("http://{}/v2", self.addr)).unwrap()
    }

    /// `http://localhost:PORT`: the OAuth URL by host name, to be resolved.
    pub fn oauth_url_by_name(&self) -> Url {
        Url::parse(&format!("http://localhost:{}", self.addr.port())).unwrap()
    }

    /// `http://localhost:PORT/v2`: the API URL by host name, to be resolved.
    pub fn api_url_by_name(&self) -> Url {
        Url::parse(&format!("http://localhost:{}/v2", self.addr.port())).unwrap()
    }

    pub fn config(&self) -> &StandInConfig {
        &self.shared.config
    }

    /// Client settings for this stand-in's app, with `timeout` per call.
    pub fn settings(&self, timeout: Duration) -> ZoomSettings {
        let config = &self.shared.config;
        ZoomSettings {
            client_id: config.client_id.clone(),
            client_secret: SecretString::from(config.client_secret.as_str()),
            oauth_url: self.oauth_url(),
            api_url: self.api_url(),
            redirect_uri: Url::parse(&config.redirect_uri).unwrap(),
            timeout,
        }
    }

    /// A client of this stand-in with `timeout` per call.
    pub fn client(&self, timeout: Duration) -> ZoomClient {
        ZoomClient::new(self.settings(timeout)).unwrap()
    }

    pub fn set_fault(&self, fault: Fault) {
        *self.shared.fault.lock().unwrap() = fault;
    }

    /// From now on the user declines: authorize redirects with `error=access_denied`.
    pub fn refuse_consent(&self) {
        *self.shared.refuse_consent.lock().unwrap() = true;
    }

    /// From now on the token and revoke endpoints accept only `secret` (the app's secret rotated
    /// in the Marketplace).
    pub fn rotate_client_secret(&self, secret: &str) {
        *self.shared.client_secret.lock().unwrap() = secret.to_owned();
    }

    /// The most calls that were ever under way at once (a slow [`Fault`] makes overlaps last).
    pub fn most_at_once(&self) -> usize {
        self.shared.in_flight.lock().unwrap().1
    }

    /// How many calls `route` has had.
    pub fn calls(&self, route: Route) -> usize {
        self.shared.calls.lock().unwrap().get(&route).copied().unwrap_or(0)
    }

    /// Every access token issued so far and not revoked (to prove none reaches a log).
    pub fn access_tokens(&self) -> Vec<String> {
        self.shared.access_tokens.lock().unwrap().iter().cloned().collect()
    }

    /// Every ZAK and OBF token issued so far, oldest first.
    pub fn issued(&self) -> Vec<IssuedToken> {
        self.shared.issued.lock().unwrap().clone()
    }

    /// What a browser does with the authorize URL: follows it once and returns where the stand-in
    /// sends it back to. Panics if the stand-in does not redirect.
    pub async fn consent(&self, authorize_url: &str) -> Callback {
        let browser = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let answer = browser.get(authorize_url).send().await.unwrap();
        assert_eq!(answer.status(), StatusCode::FOUND, "authorize did not redirect: {:?}", answer.text().await);
        let location = answer.headers()[header::LOCATION].to_str().unwrap();
        let url = Url::parse(location).unwrap();
        let param = |name: &str| url.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned());
        Callback { code: param("code"), state: param("state"), error: param("error"), url: url.clone() }
    }

    /// Stops listening: from now on nothing answers at its address.
    pub fn stop(&self) {
        if let Some((stop, thread)) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
            thread.join().unwrap();
        }
    }
}

impl Drop for StandInZoom {
    fn drop(&mut self) {
        if let Some((stop, _)) = self.stop.lock().unwrap().take() {
            let _ = stop.send(());
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/authorize", get(authorize))
        .route("/oauth/token", post(token))
        .route("/oauth/revoke", post(revoke))
        .route("/v2/users/me", get(me))
        .route("/v2/users/me/token", get(user_token))
        .route("/v2/meetings/{id}", get(meeting))
        .with_state(shared)
}

fn pairs(text: &[u8]) -> HashMap<String, String> {
    url::form_urlencoded::parse(text).into_owned().collect()
}

fn random(prefix: &str) -> String {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes).unwrap();
    format!("{prefix}-{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, reason: &str) -> Response {
    reply(status, json!({"reason": reason, "error": error}))
}

fn api_error(status: StatusCode, code: u32, message: &str) -> Response {
    reply(status, json!({"code": code, "message": message}))
}

/// A call under way, until dropped.
struct InFlight(Arc<Shared>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.lock().unwrap().0 -= 1;
    }
}

/// What a call brings, for the faults that look at it.
struct Call<'a> {
    route: Route,
    query: Option<&'a str>,
    headers: &'a HeaderMap,
    body: &'a [u8],
}

impl Shared {
    /// Counts the call (and how many are under way), waits out a slow fault, and answers for a
    /// fault that applies to the call's route. The call is under way until the guard drops.
    async fn begin(self: &Arc<Self>, call: Call<'_>) -> (InFlight, Option<Response>) {
        let route = call.route;
        *self.calls.lock().unwrap().entry(route).or_default() += 1;
        {
            let mut in_flight = self.in_flight.lock().unwrap();
            in_flight.0 += 1;
            in_flight.1 = in_flight.1.max(in_flight.0);
        }
        let guard = InFlight(self.clone());
        let fault = self.fault.lock().unwrap().clone();
        let api = matches!(route, Route::Me | Route::UserToken | Route::Meeting);
        let answer = match fault {
            Fault::None => None,
            Fault::Slow(delay) => {
                tokio::time::sleep(delay).await;
                None
            }
            Fault::Status(status) => {
                let status = StatusCode::from_u16(status).unwrap();
                Some(api_error(status, u32::from(status.as_u16()), "The stand-in was told to fail."))
            }
            Fault::TokenRevoked if api => Some(api_error(StatusCode::UNAUTHORIZED, 124, "Invalid access token.")),
            Fault::MissingScope(scope) if api => Some(api_error(
                StatusCode::BAD_REQUEST,
                4711,
                &format!("Invalid access token, does not contain scopes:[{scope}]."),
            )),
            Fault::TokenRevoked | Fault::MissingScope(_) => None,
            Fault::Echo => {
                let authorization = call.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
                let echo = format!(
                    "Bad request ?{} Authorization: {} body: {}",
                    call.query.unwrap_or_default(),
                    authorization.unwrap_or_default(),
                    String::from_utf8_lossy(call.body)
                );
                Some(reply(StatusCode::INTERNAL_SERVER_ERROR, json!({"code": 500, "message": echo, "reason": echo})))
            }
            Fault::HugeReply(bytes) => Some(huge_reply(bytes)),
        };
        (guard, answer)
    }

    /// Whether the request carries the app's client ID and secret in HTTP Basic.
    fn basic_auth_is_the_apps(&self, headers: &HeaderMap) -> bool {
        let secret = self.client_secret.lock().unwrap().clone();
        let expected = STANDARD.encode(format!("{}:{}", self.config.client_id, secret));
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()) == Some(&format!("Basic {expected}"))
    }

    /// Whether the request's bearer token is a live access token.
    fn bearer_is_live(&self, headers: &HeaderMap) -> bool {
        let bearer =
            headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
        bearer.is_some_and(|token| self.access_tokens.lock().unwrap().contains(token))
    }
}

async fn authorize(State(zoom): State<Arc<Shared>>, RawQuery(query): RawQuery) -> Response {
    *zoom.calls.lock().unwrap().entry(Route::Authorize).or_default() += 1;
    let query = pairs(query.unwrap_or_default().as_bytes());
    let param = |name: &str| query.get(name).map(String::as_str);
    let config = &zoom.config;
    let problem = if param("client_id") != Some(&config.client_id) {
        Some("Invalid client_id")
    } else if param("response_type") != Some("code") {
        Some("Unsupported response_type")
    } else if param("redirect_uri") != Some(&config.redirect_uri) {
        Some("Invalid redirect_uri")
    } else if param("code_challenge_method") != Some("S256") || param("code_challenge").is_none() {
        Some("PKCE with S256 is required here")
    } else {
        None
    };
    if let Some(problem) = problem {
        return (StatusCode::BAD_REQUEST, format!("stand-in Zoom: {problem}")).into_response();
    }
    let mut back = Url::parse(&config.redirect_uri).unwrap();
    if *zoom.refuse_consent.lock().unwrap() {
        back.query_pairs_mut().append_pair("error", "access_denied");
    } else {
        let code = random("standin-code");
        let grant = Grant { redirect_uri: config.redirect_uri.clone(), challenge: query["code_challenge"].clone() };
        zoom.codes.lock().unwrap().insert(code.clone(), grant);
        back.query_pairs_mut().append_pair("code", &code);
    }
    if let Some(state) = param("state") {
        back.query_pairs_mut().append_pair("state", state);
    }
    (StatusCode::FOUND, [(header::LOCATION, back.to_string())]).into_response()
}

async fn token(State(zoom): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let (_call, fault) = zoom.begin(Call { route: Route::Token, query: None, headers: &headers, body: &body }).await;
    if let Some(fault) = fault {
        return fault;
    }
    if !zoom.basic_auth_is_the_apps(&headers) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Invalid client_id or client_secret");
    }
    let form = pairs(&body);
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or_default();
    if field("grant_type") != "authorization_code" {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "Unsupported grant type");
    }
    // Single use: a code presented once is gone, whatever the outcome.
    let Some(grant) = zoom.codes.lock().unwrap().remove(field("code")) else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid authorization code");
    };
    if field("redirect_uri") != grant.redirect_uri {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Redirect URI mismatch.");
    }
    if URL_SAFE_NO_PAD.encode(Sha256::digest(field("code_verifier"))) != grant.challenge {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "Invalid code verifier.");
    }
    let mut access_token = random("standin-access");
    while access_token.len() < zoom.config.access_token_chars {
        access_token.push_str(&random("-"));
    }
    access_token.truncate(zoom.config.access_token_chars);
    zoom.access_tokens.lock().unwrap().insert(access_token.clone());
    reply(
        StatusCode::OK,
        json!({
            "access_token": access_token,
            "token_type": "bearer",
            "refresh_token": random("standin-refresh"),
            "expires_in": zoom.config.expires_in,
            "scope": "user:read:token user:read:user meeting:read:meeting",
        }),
    )
}

async fn revoke(State(zoom): State<Arc<Shared>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let call = Call { route: Route::Revoke, query: query.as_deref(), headers: &headers, body: &[] };
    let (_call, fault) = zoom.begin(call).await;
    if let Some(fault) = fault {
        return fault;
    }
    if !zoom.basic_auth_is_the_apps(&headers) {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "Invalid client_id or client_secret");
    }
    let query = pairs(query.unwrap_or_default().as_bytes());
    let Some(token) = query.get("token") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "Missing token");
    };
    zoom.access_tokens.lock().unwrap().remove(token);
    reply(StatusCode::OK, json!({"status": "success"}))
}

async fn me(State(zoom): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    let (_call, fault) = zoom.begin(Call { route: Route::Me, query: None, headers: &headers, body: &[] }).await;
    if let Some(fault) = fault {
        return fault;
    }
    if !zoom.bearer_is_live(&headers) {
        return api_error(StatusCode::UNAUTHORIZED, 124, "Invalid access token.");
    }
    let user = &zoom.config.user;
    reply(
        StatusCode::OK,
        json!({
            "id": user.id,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": user.display_name,
            "email": user.email,
            "type": 1,
            "status": "active",
        }),
    )
}

async fn user_token(State(zoom): State<Arc<Shared>>, headers: HeaderMap, RawQuery(query): RawQuery) -> Response {
    let call = Call { route: Route::UserToken, query: query.as_deref(), headers: &headers, body: &[] };
    let (_call, fault) = zoom.begin(call).await;
    if let Some(fault) = fault {
        return fault;
    }
    if !zoom.bearer_is_live(&headers) {
        return api_error(StatusCode::UNAUTHORIZED, 124, "Invalid access token.");
    }
    let query = pairs(query.unwrap_or_default().as_bytes());
    let meeting_id = query.get("meeting_id").cloned();
    let (kind, token) = match query.get("type").map(String::as_str) {
        Some("zak") => ("zak", zoom.config.fixed_zak.clone().unwrap_or_else(|| random("standin-zak"))),
        Some("onbehalf") => match &meeting_id {
            Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => ("onbehalf", random("standin-obf")),
            _ => return api_error(StatusCode::BAD_REQUEST, 300, "Meeting ID is required for type onbehalf."),
        },
        _ => return api_error(StatusCode::BAD_REQUEST, 300, "Invalid type."),
    };
    let meeting_id = meeting_id.filter(|_| kind == "onbehalf");
    zoom.issued.lock().unwrap().push(IssuedToken { kind: kind.into(), meeting_id, token: token.clone() });
    reply(StatusCode::OK, json!({"token": token}))
}

async fn meeting(State(zoom): State<Arc<Shared>>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let (_call, fault) = zoom.begin(Call { route: Route::Meeting, query: None, headers: &headers, body: &[] }).await;
    if let Some(fault) = fault {
        return fault;
    }
    if !zoom.bearer_is_live(&headers) {
        return api_error(StatusCode::UNAUTHORIZED, 124, "Invalid access token.");
    }
    let Some(meeting) = zoom.config.meetings.iter().find(|m| m.id == id) else {
        return api_error(StatusCode::NOT_FOUND, 3001, &format!("Meeting does not exist: {id}."));
    };
    reply(
        StatusCode::OK,
        json!({
            "id": meeting.id.parse::<u64>().unwrap(),
            "host_id": meeting.host_id,
            "host_email": "host@example.com",
            "topic": "A stand-in meeting",
            "type": 2,
            "settings": {"alternative_hosts": meeting.alternative_hosts, "waiting_room": false},
        }),
    )
}

/// 200 with `bytes` bytes of JSON-looking text, streamed in 64 KiB chunks (never held at once).
fn huge_reply(bytes: usize) -> Response {
    const CHUNK: usize = 64 * 1024;
    let chunks = (0..bytes.div_ceil(CHUNK)).map(move |i| {
        let size = CHUNK.min(bytes - i * CHUNK);
        Ok::<_, std::convert::Infallible>(Bytes::from(vec![b' '; size]))
    });
    let body = axum::body::Body::from_stream(futures_util::stream::iter(chunks));
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// Zoom's side of an app's webhooks (section 10): the app's Secret Token, and the deliveries Zoom
/// makes with it.
#[derive(Debug, Clone)]
pub struct ZoomWebhooks {
    secret: String,
}

/// One delivery as Zoom sends it: its parts are plain text, so a test can change one.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// `x-zm-request-timestamp`: Unix seconds.
    pub timestamp: String,
    /// `x-zm-signature`: `v0=` and the hex HMAC.
    pub mac: String,
    pub body: String,
}

/// Where the service takes Zoom's webhooks.
pub const WEBHOOK_PATH: &str = "/webhooks/zoom";

impl ZoomWebhooks {
    pub fn new(secret: &str) -> Self {
        Self { secret: secret.to_owned() }
    }

    fn hmac(&self, message: &[u8]) -> String {
        use hmac::Mac;
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(self.secret.as_bytes()).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// `x-zm-signature` for `body` sent at `timestamp`.
    pub fn mac(&self, timestamp: &str, body: &str) -> String {
        format!("v0={}", self.hmac(format!("v0:{timestamp}:{body}").as_bytes()))
    }

    /// The `encryptedToken` Zoom expects back for `plain_token`.
    pub fn encrypted_token(&self, plain_token: &str) -> String {
        self.hmac(plain_token.as_bytes())
    }

    /// `event` with `payload`, sent at `timestamp` (Unix seconds).
    pub fn deliver(&self, event: &str, payload: Value, timestamp: u64) -> Delivery {
        self.deliver_body(
            &json!({"event": event, "payload": payload, "event_ts": timestamp * 1000}).to_string(),
            timestamp,
        )
    }

    /// Any `body`, authenticated as Zoom authenticates a delivery, sent at `timestamp`.
    pub fn deliver_body(&self, body: &str, timestamp: u64) -> Delivery {
        let timestamp = timestamp.to_string();
        Delivery { mac: self.mac(&timestamp, body), timestamp, body: body.to_owned() }
    }

    /// The endpoint validation: before Zoom saves the URL, and every 72 hours.
    pub fn url_validation(&self, plain_token: &str, timestamp: u64) -> Delivery {
        self.deliver("endpoint.url_validation", json!({"plainToken": plain_token}), timestamp)
    }

    /// Someone removed the app.
    pub fn app_deauthorized(&self, account_id: &str, user_id: &str, timestamp: u64) -> Delivery {
        let payload = json!({
            "account_id": account_id,
            "user_id": user_id,
            "signature": "stand-in-deauthorization-signature",
            "deauthorization_time": "2019-06-17T13:52:28.632Z",
            "client_id": "stand-in-client-id",
        });
        self.deliver("app_deauthorized", payload, timestamp)
    }
}

impl Delivery {
    /// The delivery sent again with `body`, its headers unchanged (as an attacker would).
    pub fn with_body(&self, body: &str) -> Self {
        Self { body: body.to_owned(), ..self.clone() }
    }

    /// `POST /webhooks/zoom` as Zoom sends it, for `app()` in-process.
    pub fn request(&self) -> axum::http::Request<axum::body::Body> {
        axum::http::Request::post(WEBHOOK_PATH)
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header(header::USER_AGENT, "Zoom Marketplace/1.1a")
            .header("x-zm-request-timestamp", &self.timestamp)
            .header("x-zm-signature", &self.mac)
            .body(axum::body::Body::from(self.body.clone()))
            .unwrap()
    }

    /// `POST <base>/webhooks/zoom` over a socket, as Zoom sends it.
    pub async fn send(&self, base: &str) -> reqwest::Response {
        reqwest::Client::new()
            .post(format!("{base}{WEBHOOK_PATH}"))
            .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
            .header(header::USER_AGENT, "Zoom Marketplace/1.1a")
            .header("x-zm-request-timestamp", &self.timestamp)
            .header("x-zm-signature", &self.mac)
            .body(self.body.clone())
            .send()
            .await
            .unwrap()
    }
}

/// Now in Unix seconds, as Zoom stamps a delivery to a service on the real clock.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs()
}
