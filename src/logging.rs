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
        registry
            .with(journald.with_syslog_identifier("promua-sync".into()))
            .init();
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

/// Whether stderr is a terminal and `NO_COLOR` is unset or empty.
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}
