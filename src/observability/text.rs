//! The plain text log line, as tracing's own `Full` format writes it without colour:
//!
//! ```text
//! 2026-11-23T14:44:58.712069Z  INFO request{request_id="5fc5-0"}: zoom_signer::audit: signature issued method=POST status=200
//! ```
//!
//! Written piece by piece into the line buffer: tracing's formatter goes through `format!`
//! machinery and no-op colour styles for every piece, which is most of what a line costs.
//! Values are escaped as tracing escapes them: strings quoted as Rust debug strings, and no
//! control character (a newline, a terminal escape) ever reaches the log from a value.

use std::cell::Cell;
use std::fmt::{self, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::{FormatTime, SystemTime as UtcMicros};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format: time, level, spans with their fields, target, message, fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainText;

/// The field format, for events and spans: `message key=value key="text"`.
#[derive(Debug, Clone, Copy, Default)]
pub struct PlainFields;

impl<S, N> FormatEvent<S, N> for PlainText
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        // The line is put together in a buffer of this thread's and handed over in one piece:
        // the writer is a `dyn Write`, and a line is some fifty pieces.
        let mut line = LINE.take();
        line.clear();
        let metadata = event.metadata();
        // tracing's own clock and format: `2026-11-23T14:44:58.712069Z` (RFC 3339, UTC, µs).
        UtcMicros.format_time(&mut Writer::new(&mut line))?;
        line.push(' ');
        line.push_str(level(metadata.level()));
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                line.push_str(span.name());
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>().filter(|f| !f.is_empty()) {
                    line.push('{');
                    line.push_str(fields);
                    line.push('}');
                }
                line.push(':');
            }
            line.push(' ');
        }
        line.push_str(metadata.target());
        line.push_str(": ");
        let mut fields = FieldWriter::new(&mut line);
        event.record(&mut fields);
        let result = fields.result;
        line.push('\n');
        let written = result.and_then(|()| writer.write_str(&line));
        LINE.set(line);
        written
    }
}

thread_local! {
    static LINE: Cell<String> = const { Cell::new(String::new()) };
}

impl<'writer> FormatFields<'writer> for PlainFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut text = String::new();
        let mut visitor = FieldWriter::new(&mut text);
        fields.record(&mut visitor);
        visitor.result.and_then(|()| writer.write_str(&text))
    }
}

/// The level, right-aligned in five columns as tracing writes it, then a space.
fn level(level: &Level) -> &'static str {
    match *level {
        Level::TRACE => "TRACE ",
        Level::DEBUG => "DEBUG ",
        Level::INFO => " INFO ",
        Level::WARN => " WARN ",
        Level::ERROR => "ERROR ",
    }
}

/// Writes fields as `message key=value …`, space-separated.
struct FieldWriter<'a> {
    out: &'a mut String,
    first: bool,
    result: fmt::Result,
}

impl<'a> FieldWriter<'a> {
    fn new(out: &'a mut String) -> Self {
        Self { out, first: true, result: Ok(()) }
    }

    /// The separator and `key=`; the message has no key. Returns whether this is the message.
    fn key(&mut self, field: &Field) -> bool {
        if !std::mem::take(&mut self.first) {
            self.out.push(' ');
        }
        let name = field.name();
        if name == "message" {
            return true;
        }
        self.out.push_str(name.strip_prefix("r#").unwrap_or(name));
        self.out.push('=');
        false
    }
}

impl Visit for FieldWriter<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let is_message = self.key(field);
        if is_message {
            let _ = Escaped(self.out).write_str(value);
        } else if is_plain(value) {
            // What `{:?}` would write, without its per-character escaping.
            self.out.push('"');
            self.out.push_str(value);
            self.out.push('"');
        } else {
            self.result = self.result.and_then(|()| write!(Escaped(self.out), "{value:?}"));
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.key(field);
        self.out.push_str(itoa::Buffer::new().format(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.key(field);
        self.out.push_str(itoa::Buffer::new().format(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.key(field);
        self.out.push_str(if value { "true" } else { "false" });
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.key(field);
        // A message is `format_args!`, whose debug form is its display form.
        self.result = self.result.and_then(|()| write!(Escaped(self.out), "{value:?}"));
    }
}

/// Printable ASCII other than `"` and `\`: what a debug string shows as it is. Without early
/// exit, so that it is vectorised.
fn is_plain(text: &str) -> bool {
    let escapes =
        text.bytes().fold(0u8, |found, b| found | u8::from(!(0x20..0x7f).contains(&b) || b == b'"' || b == b'\\'));
    escapes == 0
}

/// Passes text through with every control character (C0, DEL, C1) escaped, so a value can
/// neither break a line nor send a terminal escape.
struct Escaped<'a, W: fmt::Write>(&'a mut W);

impl<W: fmt::Write> fmt::Write for Escaped<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        if !text.chars().any(char::is_control) {
            return self.0.write_str(text);
        }
        for c in text.chars() {
            if c.is_control() {
                write!(self.0, "\\u{{{:x}}}", u32::from(c))?;
            } else {
                self.0.write_char(c)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};
    use tracing_subscriber::fmt::MakeWriter;

    /// Collects what the subscriber writes.
    #[derive(Clone, Default)]
    struct Lines(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Lines {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Lines {
        type Writer = Lines;
        fn make_writer(&'a self) -> Lines {
            self.clone()
        }
    }

    /// What `log` writes through `PlainText` and through tracing's own format, without the time.
    fn both(log: impl Fn()) -> (String, String) {
        let written = |subscriber: Box<dyn Subscriber + Send + Sync>, lines: Lines| {
            tracing::subscriber::with_default(subscriber, &log);
            let text = String::from_utf8(lines.0.lock().unwrap().clone()).unwrap();
            // The time differs between the two runs: drop it (checked on its own below).
            text.lines().map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_owned() + "\n").collect()
        };
        let ours = Lines::default();
        let theirs = Lines::default();
        let plain = tracing_subscriber::fmt()
            .with_writer(ours.clone())
            .with_max_level(Level::TRACE)
            .with_ansi(false)
            .event_format(PlainText)
            .fmt_fields(PlainFields)
            .finish();
        let full = tracing_subscriber::fmt()
            .with_writer(theirs.clone())
            .with_max_level(Level::TRACE)
            .with_ansi(false)
            .finish();
        (written(Box::new(plain), ours), written(Box::new(full), theirs))
    }

    #[test]
    fn writes_what_tracings_own_format_writes() {
        let (ours, theirs) = both(|| {
            let span = tracing::info_span!("request", request_id = "abc-1", n = 7_u64);
            let _entered = span.enter();
            tracing::info!(target: "zoom_signer::audit", method = %"POST", route = "/signature", status = 200_u16,
                latency_us = 41_u64, ok = true, delta = -3_i64, reason = ?"a \"quoted\" reason", "signature issued");
            tracing::warn!(r#type = "x", "no fields but this");
            tracing::error!("message only {}", 42);
        });
        assert_eq!(ours, theirs);
        assert_eq!(ours.lines().count(), 3, "{ours}");
        assert!(ours.starts_with(
            r#" INFO request{request_id="abc-1" n=7}: zoom_signer::audit: signature issued method=POST route="/signature" status=200 latency_us=41 ok=true delta=-3 reason="a \"quoted\" reason""#
        ), "{ours}");
    }

    #[test]
    fn without_a_span_there_is_no_scope() {
        let (ours, theirs) = both(|| tracing::debug!(target: "t", value = "v", "m"));
        assert_eq!(ours, theirs);
        assert_eq!(ours, "DEBUG t: m value=\"v\"\n");
    }

    #[test]
    fn no_control_character_reaches_the_line_from_a_value() {
        let (ours, _) = both(|| {
            tracing::info!(field = "line\nbreak \u{1b}[31mred", shown = ?"tab\there", "message\nwith\u{9b}escape {}", "\u{7}");
        });
        assert_eq!(ours.lines().count(), 1, "{ours:?}");
        assert!(!ours.trim_end_matches('\n').chars().any(char::is_control), "{ours:?}");
        assert!(ours.contains(r#"field="line\nbreak \u{1b}[31mred""#), "{ours}");
        assert!(ours.contains(r"message\u{a}with\u{9b}escape \u{7}"), "{ours}");
    }
}
