//! Logs: to journald (with priorities, so `journalctl -p err` works) when systemd
//! gives us a journal stream, else plain lines on stderr. Never both.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// `default` is the filter when `RUST_LOG` is unset, e.g. `info`.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new(format!(
            "{default},sled=warn,hyper=warn,reqwest=warn,tokio_cron_scheduler=warn"
        ))
    });
    let registry = tracing_subscriber::registry().with(filter);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        if let Ok(journald) = tracing_journald::layer() {
            registry
                .with(journald.with_syslog_identifier("promua-sync".into()))
                .init();
            return;
        }
    }
    registry
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false),
        )
        .init();
}
