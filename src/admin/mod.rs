//! The admin API: the back office over HTTP for the CLI and the seller's other systems
//! while the daemon holds the store. Loopback only unless the configuration insists;
//! every call but `/health` needs the bearer token kept in a 0600 file.

mod routes;
pub use routes::ACTOR_HEADER;
pub mod token;

/// The largest request bodies the admin API reads (`[admin] max_csv_body_mb`,
/// `max_json_body_kb`). A body announced larger is refused before it is read; one that
/// turns out larger is refused once the limit is reached. Either way: 413, `too_large`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyLimits {
    /// CSV bodies: `POST /v1/import/{kind}`, `POST /v1/links/apply`.
    pub csv_body_mb: u64,
    /// Every other call.
    pub json_body_kb: u64,
}

impl Default for BodyLimits {
    fn default() -> Self {
        Self {
            csv_body_mb: 32,
            json_body_kb: 1024,
        }
    }
}

impl BodyLimits {
    pub fn of(admin: &crate::config::AdminConfig) -> Self {
        Self {
            csv_body_mb: admin.max_csv_body_mb,
            json_body_kb: admin.max_json_body_kb,
        }
    }
}

use std::net::SocketAddr;

use tokio_util::sync::CancellationToken;

use crate::backoffice::BackOffice;

/// Serves the admin API on `listener` until `stop`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    office: BackOffice,
    token: String,
    limits: BodyLimits,
    stop: CancellationToken,
) {
    let router = routes::router(office, token, limits);
    if let Err(e) = axum::serve(listener, router)
        .with_graceful_shutdown(stop.cancelled_owned())
        .await
    {
        tracing::error!("admin API: {e}");
    }
}

/// Binds the admin API's address, refusing what the configuration does not allow.
pub async fn bind(listen: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen).await
}
