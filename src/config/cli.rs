//! The command line and environment, as clap reads them.

use super::ServerLimits;
use crate::access::RateLimit;
use crate::signature::Signer;
use crate::zoom::{DEFAULT_WEB_SDK_VERSION, ZoomCloud};
use clap::Parser;
use secrecy::SecretString;
use std::path::PathBuf;

/// Who may frame the join page unless told otherwise (`SIGNER_FRAME_ANCESTORS`): the page itself.
pub const DEFAULT_FRAME_ANCESTORS: &str = "'self'";

// Every setting as the command line and environment give it, before validation. Numbers are
// taken as text and checked in `Settings::from_cli`, so that an error names the environment
// variable (what operators set) rather than clap's flag.
#[derive(Debug, Clone, Parser)]
#[command(
    name = "zoom-signer",
    version,
    about = "Issues Zoom Meeting SDK signatures server-side, so the SDK secret never reaches a browser.",
    long_about = None,
    after_help = "Each setting is read from its flag, else its environment variable, else `.env` in the \
                  working directory (the real environment wins over `.env`), else its default.\n\
                  Example configuration: .env.example. Secrets are never printed."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Meeting SDK key (Client ID) of your Zoom Meeting SDK app.
    #[arg(long = "sdk-key", env = "ZOOM_MEETING_SDK_KEY", hide_env_values = true, value_name = "KEY")]
    pub sdk_key: Option<String>,

    /// File holding the Meeting SDK key (Docker/Kubernetes secrets); one trailing newline is trimmed.
    #[arg(long = "sdk-key-file", env = "ZOOM_MEETING_SDK_KEY_FILE", hide_env_values = true, value_name = "PATH")]
    pub sdk_key_file: Option<PathBuf>,

    /// Meeting SDK secret (Client Secret). Prefer the environment or the _FILE form over this flag:
    /// other users of the machine can read a process's arguments.
    #[arg(long = "sdk-secret", env = "ZOOM_MEETING_SDK_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub sdk_secret: Option<SecretString>,

    /// File holding the Meeting SDK secret; one trailing newline is trimmed.
    #[arg(long = "sdk-secret-file", env = "ZOOM_MEETING_SDK_SECRET_FILE", hide_env_values = true, value_name = "PATH")]
    pub sdk_secret_file: Option<PathBuf>,

    /// Video SDK key: enables POST /video-signature (with the Video SDK secret).
    #[arg(long = "video-sdk-key", env = "ZOOM_VIDEO_SDK_KEY", hide_env_values = true, value_name = "KEY")]
    pub video_sdk_key: Option<String>,

    /// File holding the Video SDK key; one trailing newline is trimmed.
    #[arg(long = "video-sdk-key-file", env = "ZOOM_VIDEO_SDK_KEY_FILE", hide_env_values = true, value_name = "PATH")]
    pub video_sdk_key_file: Option<PathBuf>,

    /// Video SDK secret. Prefer the environment or the _FILE form over this flag.
    #[arg(long = "video-sdk-secret", env = "ZOOM_VIDEO_SDK_SECRET", hide_env_values = true, value_name = "SECRET")]
    pub video_sdk_secret: Option<SecretString>,

    /// File holding the Video SDK secret; one trailing newline is trimmed.
    #[arg(
        long = "video-sdk-secret-file",
        env = "ZOOM_VIDEO_SDK_SECRET_FILE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub video_sdk_secret_file: Option<PathBuf>,

    /// Address to listen on (an IP address; 0.0.0.0 for all interfaces, as in a container).
    #[arg(long, env = "HOST", hide_env_values = true, default_value = "127.0.0.1")]
    pub host: String,

    /// Port to listen on (4000, as Zoom's sample, so Zoom's web sample finds it).
    #[arg(long, env = "PORT", hide_env_values = true, default_value = "4000")]
    pub port: String,

    /// Signature format: `jwt` (Meeting SDK JWT) or `legacy` (API key/secret; Web SDK < 2.7 only).
    #[arg(long, env = "SIGNER_FORMAT", hide_env_values = true, default_value = "jwt", value_name = "jwt|legacy")]
    pub format: String,

    /// Signature lifetime in seconds when a request names none (1800 up to SIGNER_MAX_TTL).
    #[arg(long, env = "SIGNER_TTL", hide_env_values = true, default_value_t = Signer::DEFAULT_LIFETIME.seconds().to_string(), value_name = "SECONDS")]
    pub ttl: String,

    /// Longest lifetime a request may ask for, in seconds (1800..172800).
    #[arg(long, env = "SIGNER_MAX_TTL", hide_env_values = true, default_value_t = Signer::DEFAULT_MAX_LIFETIME.seconds().to_string(), value_name = "SECONDS")]
    pub max_ttl: String,

    /// Seconds `iat` is set in the past, so Zoom accepts it when its clock is behind ours (0..600).
    #[arg(long, env = "SIGNER_BACKDATE", hide_env_values = true, default_value_t = Signer::DEFAULT_BACKDATE_SECONDS.to_string(), value_name = "SECONDS")]
    pub backdate: String,

    /// Zoom Web SDK version the join page loads (from the Zoom cloud's CDN, SIGNER_ZOOM_CLOUD).
    #[arg(
        long,
        env = "SIGNER_WEB_SDK_VERSION",
        hide_env_values = true,
        default_value = DEFAULT_WEB_SDK_VERSION,
        value_name = "VERSION"
    )]
    pub web_sdk_version: String,

    /// Log format: `text` or `json`. Verbosity comes from RUST_LOG (default `info`).
    #[arg(long, env = "SIGNER_LOG_FORMAT", hide_env_values = true, default_value = "text", value_name = "text|json")]
    pub log_format: String,

    /// Bearer tokens (comma list) that allow role 1 (host) signatures. Unset: nobody gets one.
    #[arg(
        long = "host-tokens",
        env = "SIGNER_HOST_TOKENS",
        hide_env_values = true,
        value_name = "TOKENS",
        hide_env_values = true
    )]
    pub host_tokens: Option<SecretString>,

    /// File holding the host tokens, comma- or newline-separated.
    #[arg(long = "host-tokens-file", env = "SIGNER_HOST_TOKENS_FILE", hide_env_values = true, value_name = "PATH")]
    pub host_tokens_file: Option<PathBuf>,

    /// Bearer tokens (comma list) one of which every signature request must carry (host tokens
    /// count too). Unset: no token needed for participant signatures.
    #[arg(
        long = "api-tokens",
        env = "SIGNER_API_TOKENS",
        hide_env_values = true,
        value_name = "TOKENS",
        hide_env_values = true
    )]
    pub api_tokens: Option<SecretString>,

    /// File holding the API tokens, comma- or newline-separated.
    #[arg(long = "api-tokens-file", env = "SIGNER_API_TOKENS_FILE", hide_env_values = true, value_name = "PATH")]
    pub api_tokens_file: Option<PathBuf>,

    /// The only meeting numbers signed for (comma list, spaces ignored). Unset: any meeting.
    #[arg(long = "allowed-meetings", env = "SIGNER_ALLOWED_MEETINGS", hide_env_values = true, value_name = "NUMBERS")]
    pub allowed_meetings: Option<String>,

    /// The only Video SDK session names signed for (comma list). Unset: any session.
    #[arg(long = "allowed-sessions", env = "SIGNER_ALLOWED_SESSIONS", hide_env_values = true, value_name = "NAMES")]
    pub allowed_sessions: Option<String>,

    /// Other web origins whose pages may call the API (exact, comma list, e.g.
    /// https://www.example.com; `*` for any). The service's own origin is always allowed.
    #[arg(
        long = "allowed-origins",
        env = "SIGNER_ALLOWED_ORIGINS",
        hide_env_values = true,
        value_name = "ORIGINS",
        default_value = ""
    )]
    pub allowed_origins: String,

    /// Requests per client: COUNT/PERIOD (second, minute, hour), or `off`.
    #[arg(
        long = "rate-limit",
        env = "SIGNER_RATE_LIMIT",
        hide_env_values = true,
        value_name = "COUNT/PERIOD",
        default_value_t = RateLimit::DEFAULT.to_string()
    )]
    pub rate_limit: String,

    /// Proxies (CIDR comma list) whose X-Forwarded-For names the client. Unset: the peer is the client.
    #[arg(
        long = "trusted-proxies",
        env = "SIGNER_TRUSTED_PROXIES",
        hide_env_values = true,
        value_name = "CIDRS",
        default_value = ""
    )]
    pub trusted_proxies: String,

    /// Seconds a client may take to send a request's headers.
    #[arg(
        long = "header-timeout",
        env = "SIGNER_HEADER_TIMEOUT",
        hide_env_values = true,
        value_name = "SECONDS",
        default_value_t = ServerLimits::DEFAULT.header_timeout.as_secs().to_string()
    )]
    pub header_timeout: String,

    /// Seconds a whole request may take, body included.
    #[arg(
        long = "request-timeout",
        env = "SIGNER_REQUEST_TIMEOUT",
        hide_env_values = true,
        value_name = "SECONDS",
        default_value_t = ServerLimits::DEFAULT.request_timeout.as_secs().to_string()
    )]
    pub request_timeout: String,

    /// Most connections served at once; more wait in the listen queue.
    #[arg(
        long = "max-connections",
        env = "SIGNER_MAX_CONNECTIONS",
        hide_env_values = true,
        value_name = "COUNT",
        default_value_t = ServerLimits::DEFAULT.max_connections.to_string()
    )]
    pub max_connections: String,

    /// Seconds to let requests in flight finish after SIGTERM/SIGINT before exiting anyway.
    #[arg(
        long = "shutdown-timeout",
        env = "SIGNER_SHUTDOWN_TIMEOUT",
        hide_env_values = true,
        value_name = "SECONDS",
        default_value_t = ServerLimits::DEFAULT.shutdown_timeout.as_secs().to_string()
    )]
    pub shutdown_timeout: String,

    /// Who may frame the join page: a CSP frame-ancestors source list.
    #[arg(
        long = "frame-ancestors",
        env = "SIGNER_FRAME_ANCESTORS",
        hide_env_values = true,
        value_name = "SOURCES",
        default_value = DEFAULT_FRAME_ANCESTORS
    )]
    pub frame_ancestors: String,

    /// Address of a separate listener serving Prometheus metrics at /metrics (e.g. 127.0.0.1:9090).
    /// Unset: no metrics listener.
    #[arg(long = "metrics-addr", env = "SIGNER_METRICS_ADDR", hide_env_values = true, value_name = "ADDR")]
    pub metrics_addr: Option<String>,

    /// Sign in with Zoom: `on` lets people sign in with their Zoom account, so the page can join
    /// meetings of other accounts with their ZAK (Zoom's 2026 rule); `off` (default) changes nothing.
    #[arg(
        long = "zoom-sign-in",
        env = "SIGNER_ZOOM_SIGN_IN",
        hide_env_values = true,
        value_name = "on|off",
        default_value = "off"
    )]
    pub zoom_sign_in: String,

    /// The service's base URL as browsers see it (e.g. https://meet.example.com/zoom/); required
    /// with sign-in on (the redirect URI to register with Zoom is <this>auth/zoom/callback).
    /// Set, pages must come from exactly its scheme, host and port to call the API.
    #[arg(long = "public-url", env = "SIGNER_PUBLIC_URL", hide_env_values = true, value_name = "URL")]
    pub public_url: Option<String>,

    /// OAuth Client ID for sign-in; default: the Meeting SDK key (one General app does both).
    #[arg(long = "oauth-client-id", env = "ZOOM_OAUTH_CLIENT_ID", hide_env_values = true, value_name = "ID")]
    pub oauth_client_id: Option<String>,

    /// File holding the OAuth Client ID.
    #[arg(
        long = "oauth-client-id-file",
        env = "ZOOM_OAUTH_CLIENT_ID_FILE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub oauth_client_id_file: Option<PathBuf>,

    /// OAuth Client Secret for sign-in; default: the Meeting SDK secret.
    #[arg(
        long = "oauth-client-secret",
        env = "ZOOM_OAUTH_CLIENT_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub oauth_client_secret: Option<SecretString>,

    /// File holding the OAuth Client Secret.
    #[arg(
        long = "oauth-client-secret-file",
        env = "ZOOM_OAUTH_CLIENT_SECRET_FILE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub oauth_client_secret_file: Option<PathBuf>,

    /// The keys of the session cookies: each at least 32 random bytes, base64, comma- or
    /// newline-separated; the first encrypts, every one decrypts (for rotation); the same on every
    /// replica. Unset: a random key per start (sessions end at restart, and do not span replicas).
    #[arg(long = "session-key", env = "SIGNER_SESSION_KEY", hide_env_values = true, value_name = "BASE64")]
    pub session_key: Option<SecretString>,

    /// File holding the session key.
    #[arg(long = "session-key-file", env = "SIGNER_SESSION_KEY_FILE", hide_env_values = true, value_name = "PATH")]
    pub session_key_file: Option<PathBuf>,

    /// Which Zoom: `zoom.us`, or `zoomgov.com` for Zoom for Government. Zoom's OAuth and API URLs
    /// and the join page's Web SDK hosts follow it.
    #[arg(
        long = "zoom-cloud",
        env = "SIGNER_ZOOM_CLOUD",
        hide_env_values = true,
        value_name = "zoom.us|zoomgov.com",
        default_value = ZoomCloud::Commercial.domain()
    )]
    pub zoom_cloud: String,

    /// Zoom's OAuth base URL; default: SIGNER_ZOOM_CLOUD's.
    #[arg(long = "zoom-oauth-url", env = "SIGNER_ZOOM_OAUTH_URL", hide_env_values = true, value_name = "URL")]
    pub zoom_oauth_url: Option<String>,

    /// Zoom's REST API base URL; default: SIGNER_ZOOM_CLOUD's.
    #[arg(long = "zoom-api-url", env = "SIGNER_ZOOM_API_URL", hide_env_values = true, value_name = "URL")]
    pub zoom_api_url: Option<String>,

    /// Zoom's webhooks: the app's Secret Token (Marketplace: Features > Access > Secret Token).
    /// Set, POST /webhooks/zoom answers Zoom's event notifications; unset, it answers 404.
    /// Prefer the environment or the _FILE form over this flag.
    #[arg(
        long = "zoom-webhook-secret",
        env = "SIGNER_ZOOM_WEBHOOK_SECRET",
        hide_env_values = true,
        value_name = "SECRET"
    )]
    pub zoom_webhook_secret: Option<SecretString>,

    /// File holding the webhook Secret Token; one trailing newline is trimmed.
    #[arg(
        long = "zoom-webhook-secret-file",
        env = "SIGNER_ZOOM_WEBHOOK_SECRET_FILE",
        hide_env_values = true,
        value_name = "PATH"
    )]
    pub zoom_webhook_secret_file: Option<PathBuf>,

    /// Webhook deliveries per client (Zoom's senders), apart from SIGNER_RATE_LIMIT:
    /// COUNT/PERIOD (second, minute, hour), or `off`.
    #[arg(
        long = "zoom-webhook-rate-limit",
        env = "SIGNER_ZOOM_WEBHOOK_RATE_LIMIT",
        hide_env_values = true,
        value_name = "COUNT/PERIOD",
        default_value_t = RateLimit::WEBHOOK_DEFAULT.to_string()
    )]
    pub zoom_webhook_rate_limit: String,

    /// Run with a random throwaway key and secret: no Zoom account needed, and Zoom rejects every
    /// signature. For trying the service and the page out.
    #[arg(long)]
    pub demo: bool,
}

/// Tools run instead of the service.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum Command {
    /// Asks the running service's /healthz (on HOST and PORT) and exits 0 when healthy, 1 otherwise.
    /// For container health checks: no curl needed.
    Healthcheck,
    /// Decodes a Meeting SDK, Video SDK or legacy signature and checks it against every rule Zoom
    /// applies (and its HMAC, when the matching secret is configured). Exits 0 when nothing is wrong.
    Inspect(InspectArgs),
    /// Prints a signature made with the configured credentials, for scripts and quick tests.
    Sign(SignArgs),
}

/// `zoom-signer inspect`'s arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// The signature to inspect, or `-` to read it from standard input (which keeps it out of
    /// the process list and shell history).
    pub signature: String,
    /// Print the report as one JSON object, for scripts.
    #[arg(long)]
    pub json: bool,
}

/// `zoom-signer sign`'s arguments.
#[derive(Debug, Clone, clap::Args)]
#[command(group(
    clap::ArgGroup::new("target")
        .required(true)
        .args(["meeting", "session", "native"])
))]
pub struct SignArgs {
    /// Meeting number (Meeting SDK JWT); spaces and hyphens are ignored.
    #[arg(long, conflicts_with = "session")]
    pub meeting: Option<String>,
    /// Video SDK session name (Video SDK JWT, made with ZOOM_VIDEO_SDK_KEY and _SECRET).
    #[arg(long)]
    pub session: Option<String>,
    /// A native-SDK token: a Meeting SDK JWT without meeting number or role.
    #[arg(long, conflicts_with = "role")]
    pub native: bool,
    /// 0 participant, 1 host.
    #[arg(long, default_value = "0")]
    pub role: String,
    /// Lifetime in seconds (1800..172800); default SIGNER_TTL.
    #[arg(long)]
    pub ttl: Option<String>,
}
