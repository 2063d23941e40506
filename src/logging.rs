//! Logs: to journald (with priorities, so `journalctl -p err` works) when systemd
//! gives us a journal stream, else plain lines on stderr. Never both. Colours only on a
//! terminal, and not when `NO_COLOR` is set (no-color.org): a pipe or a file gets plain text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// `default` is the filter when `RUST_LOG` is unset, e.g. `info`.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new(format!("{default},sled=warn,hyper=warn,reqwest=warn")));
    let registry = tracing_subscriber::registry().with(filter);
    if std::env::var_os("JOURNAL_STREAM").is_some()
        && let Ok(journald) = tracing_journald::layer()
    {
        registry.with(journald_layer(journald)).init();
        return;
    }
    registry
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(colour_on_stderr())
                .with_target(false),
        )
        .init();
}

/// The journald layer as promua-sync sets it up: fields under their own names, with no
/// prefix (the crate's default is `F_`), so a run's span gives `JOB=stock`, `KIND=`,
/// `RUN_ID=` and its summary `OUTCOME=`, and `journalctl -u promua-sync JOB=stock` works.
/// Our field names avoid journald's own (`MESSAGE`, `PRIORITY`, `CODE_*`, `SYSLOG_*`).
fn journald_layer(layer: tracing_journald::Layer) -> tracing_journald::Layer {
    layer
        .with_field_prefix(JOURNALD_FIELD_PREFIX.map(str::to_string))
        .with_syslog_identifier("promua-sync".into())
}

/// No prefix on our fields in the journal (see [`journald_layer`]).
const JOURNALD_FIELD_PREFIX: Option<&str> = None;

/// The journal's name of one of our fields, as tracing-journald writes it: the prefix
/// and `_`, then the name upper-cased.
#[cfg(test)]
pub(crate) fn journal_field_name(field: &str) -> String {
    let name = field.to_ascii_uppercase();
    match JOURNALD_FIELD_PREFIX {
        Some(prefix) => format!("{prefix}_{name}"),
        None => name,
    }
}

/// Whether stderr is a terminal and `NO_COLOR` is unset or empty.
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
