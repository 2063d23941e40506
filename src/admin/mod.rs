//! The admin API: the back office over HTTP for the CLI and the seller's other systems
//! while the daemon holds the store. Loopback only unless the configuration insists;
//! every call but `/health` needs the bearer token kept in a 0600 file.

mod auth;
mod limits;
mod orders;
mod routes;
mod store;
pub use limits::BodyLimits;
pub use routes::ACTOR_HEADER;
pub mod token;

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

/// Binds the admin API's address. It refuses no address itself: the configuration
/// already refused a `[admin] listen` that is not loopback unless `allow_non_loopback =
/// true` insists.
pub async fn bind(listen: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(listen).await
}
