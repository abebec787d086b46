//! Observability: logging set-up (here), the access and audit lines, and the metrics registry.
//! Nothing here knows of HTTP routing: the request log middleware in [`crate::http`] hands each
//! answered request to [`access`] or [`audit`].
//!
//! Logging: `RUST_LOG` for verbosity (default `info`), `SIGNER_LOG_FORMAT` for the shape.
//! Lines go to stderr through a background writer, so a slow terminal or log collector never
//! stalls a request; the returned guard flushes what is left when the process ends.

pub mod access;
pub mod audit;
pub mod metrics;
mod text;

pub use text::{PlainFields, PlainText};

use crate::config::LogFormat;
use std::io::IsTerminal;
use tracing::Subscriber;
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

pub fn init(format: LogFormat) -> WorkerGuard {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only for a person at a terminal; log files and collectors get plain text.
    let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    // Not lossy: audit lines must not be dropped; a full buffer slows requests instead.
    // The writer thread writes what is queued in one system call and flushes whenever the queue
    // is empty, so lines are as prompt as before but cost no write each under load.
    let stderr = std::io::BufWriter::with_capacity(64 * 1024, std::io::stderr());
    let (writer, guard) = NonBlockingBuilder::default().lossy(false).finish(stderr);
    // Nothing has set a subscriber before start-up; if something had, its lines would still go out.
    let _ = tracing::subscriber::set_global_default(subscriber(format, filter, ansi, writer));
    guard
}

/// The subscriber [`init`] installs, writing to `writer` (benchmarks and tests bring their own).
///
/// Text for a terminal is tracing's own, in colour; text for anything else is [`PlainText`],
/// the same line without colour, written without `format!` machinery (README, "Performance").
pub fn subscriber<W>(format: LogFormat, filter: EnvFilter, ansi: bool, writer: W) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(writer).with_ansi(ansi);
    match format {
        LogFormat::Text if ansi => Box::new(builder.finish()),
        LogFormat::Text => Box::new(builder.event_format(PlainText).fmt_fields(PlainFields).finish()),
        LogFormat::Json => {
            Box::new(builder.json().flatten_event(true).with_current_span(true).with_span_list(false).finish())
        }
    }
}
