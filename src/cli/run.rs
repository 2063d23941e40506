//! `run`: the daemon, until SIGTERM or SIGINT; SIGHUP reloads the configuration.

use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{EXIT_ERROR, EXIT_USAGE, fail, open_store};
use crate::config::Config;

pub(super) async fn daemon(config: Config) -> u8 {
    for w in &config.warnings {
        tracing::warn!("{w}");
    }
    if config.prom.token.is_none() {
        return fail(
            EXIT_USAGE,
            "no Prom.ua token configured: set [prom] token_file or PROMUA_SYNC__PROM__TOKEN",
        );
    }
    // Signals first: a SIGTERM during start-up must still end in a clean stop.
    let shutdown = CancellationToken::new();
    let (reload_tx, reload) = mpsc::channel(1);
    if let Err(e) = spawn_signal_handlers(shutdown.clone(), reload_tx) {
        return fail(EXIT_ERROR, &format!("cannot install signal handlers: {e}"));
    }
    let store = match open_store(&config).await {
        Ok(s) => s,
        Err(code) => return code,
    };
    let control = crate::daemon::Control { shutdown, reload };
    match crate::daemon::run(config, store, control).await {
        Ok(()) => 0,
        Err(e) => {
            tracing::error!("{e:#}");
            EXIT_ERROR
        }
    }
}

fn spawn_signal_handlers(
    shutdown: CancellationToken,
    reload: mpsc::Sender<()>,
) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => { tracing::info!("SIGTERM received"); shutdown.cancel(); }
                _ = int.recv() => { tracing::info!("SIGINT received"); shutdown.cancel(); }
                _ = hup.recv() => {
                    tracing::info!("SIGHUP received: reloading the configuration");
                    let _ = reload.try_send(());
                }
            }
        }
    });
    Ok(())
}
