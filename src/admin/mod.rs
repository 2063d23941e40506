//! The admin API: the back office over HTTP for the CLI and the seller's other systems
//! while the daemon holds the store. Loopback only unless the configuration insists;
//! every call but `/health` (and `/metrics` when `[admin] metrics_public = true`) needs
//! the bearer token kept in a 0600 file.

mod auth;
mod jobs;
mod limits;
mod metrics;
mod orders;
mod price_extras;
mod rejections;
mod routes;
mod store;
pub use limits::BodyLimits;
pub use routes::ACTOR_HEADER;
pub mod token;

use std::net::SocketAddr;

use tokio_util::sync::CancellationToken;

use crate::backoffice::BackOffice;

/// How the admin API serves, from `[admin]`: its body limits and whether `/metrics`
/// takes the token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Serving {
    pub limits: BodyLimits,
    pub metrics_public: bool,
}

impl Serving {
    pub fn of(admin: &crate::config::AdminConfig) -> Self {
        Self {
            limits: BodyLimits::of(admin),
            metrics_public: admin.metrics_public,
        }
    }
}

/// Serves the admin API on `listener` until `stop`, `/metrics` behind the token.
pub async fn serve(
    listener: tokio::net::TcpListener,
    office: BackOffice,
    token: String,
    limits: BodyLimits,
    stop: CancellationToken,
) {
    let serving = Serving {
        limits,
        metrics_public: false,
    };
    serve_with(listener, office, token, serving, stop).await
}

/// [`serve`], as `serving` says.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    office: BackOffice,
    token: String,
    serving: Serving,
    stop: CancellationToken,
) {
    let router = routes::router(office, token, serving);
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
