//! The binary's log: `tracing` events of the library and the commands, written to stderr.
//!
//! In: `--log-format human|json` (config `log_format`), `-v` / `-vv` / `-q`, and a filter in
//! `VERBATIM_LOG` or `RUST_LOG` (tracing's `EnvFilter` syntax, e.g.
//! `verbatim=debug,verbatim::access=off`; config key `log`), which wins over `-v` / `-q`.
//! Out: one line per event. Human lines read like the CLI's own messages
//! (`verbatim serve: listening on http://…`, `verbatim ingest: warning: …`), without colour
//! or timestamps; JSON lines are objects with `timestamp`, `level`, `target`, `message` and
//! the event's fields, for log shippers.

use std::fmt;

use anyhow::anyhow;
use clap::ValueEnum;
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum LogFormat {
    /// `verbatim <command>: [warning: ]message key=value` lines for people.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// How much is logged, from the command line.
#[derive(Debug, Clone, Copy)]
pub struct Verbosity {
    pub verbose: u8,
    pub quiet: bool,
}

impl Verbosity {
    /// The filter used when neither `VERBATIM_LOG` nor `RUST_LOG` is set: our own events at
    /// info (debug with -v, trace with -vv; with -q warnings and the audit lines of erasures
    /// only), dependencies' warnings.
    fn directive(self) -> &'static str {
        match (self.quiet, self.verbose) {
            (true, _) => "warn,verbatim::audit=info",
            (false, 0) => "warn,verbatim=info",
            (false, 1) => "warn,verbatim=debug",
            (false, _) => "info,verbatim=trace",
        }
    }
}

/// Install the subscriber for this process; `command` names the subcommand in human lines.
pub fn init(
    format: LogFormat,
    verbosity: Verbosity,
    command: &'static str,
    config: Option<&str>,
) -> anyhow::Result<()> {
    let filter = filter(verbosity, config)?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let installed = match format {
        LogFormat::Human => builder.event_format(Human { command }).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .with_span_list(false)
            .try_init(),
    };
    installed.map_err(|e| anyhow!("cannot start the log: {e}"))
}

/// `VERBATIM_LOG`, else the config file's `log`, else `RUST_LOG`, else the verbosity's
/// default; a bad filter names where it came from.
fn filter(verbosity: Verbosity, config: Option<&str>) -> anyhow::Result<EnvFilter> {
    let sources = [
        ("VERBATIM_LOG", std::env::var("VERBATIM_LOG").ok()),
        ("the config file's `log`", config.map(str::to_string)),
        ("RUST_LOG", std::env::var("RUST_LOG").ok()),
    ];
    for (source, spec) in sources {
        if let Some(spec) = spec.filter(|s| !s.trim().is_empty()) {
            return EnvFilter::try_new(&spec)
                .map_err(|e| anyhow!("{source} (log filter) `{spec}` is not valid: {e}"));
        }
    }
    Ok(EnvFilter::new(verbosity.directive()))
}

/// The human line: `verbatim <command>: <level prefix><message> <fields>`.
struct Human {
    command: &'static str,
}

impl<S, N> FormatEvent<S, N> for Human
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        write!(writer, "verbatim {}: ", self.command)?;
        let prefix = match *event.metadata().level() {
            Level::ERROR => "error: ",
            Level::WARN => "warning: ",
            Level::INFO => "",
            Level::DEBUG => "debug: ",
            Level::TRACE => "trace: ",
        };
        writer.write_str(prefix)?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verbosity_picks_the_default_filter() {
        let v = |verbose, quiet| Verbosity { verbose, quiet }.directive();
        assert_eq!(v(0, false), "warn,verbatim=info");
        assert_eq!(v(1, false), "warn,verbatim=debug");
        assert_eq!(v(2, false), "info,verbatim=trace");
        assert_eq!(v(3, true), "warn,verbatim::audit=info");
    }
}
