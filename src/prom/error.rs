use std::time::Duration;

/// Scopes the product needs on its token, for messages.
pub const NEEDED_SCOPES: &str =
    "Orders and notifications R/W, Clients R, Products and groups R/W, Settings R";

/// Errors from Prom.ua, as kinds the caller can act on. None of them carries the token.
#[derive(Debug, Clone, thiserror::Error)]
pub enum PromError {
    #[error("no Prom.ua token is configured: set [prom] token_file or PROMUA_SYNC__PROM__TOKEN")]
    NoToken,
    #[error(
        "Prom.ua rejected the token (HTTP 401): it is invalid or expired. Create a new one in the \
         Prom.ua cabinet (Налаштування → Управління API-токенами) with the scopes: {NEEDED_SCOPES}; \
         then update the token file or PROMUA_SYNC__PROM__TOKEN"
    )]
    Unauthorized,
    #[error(
        "Prom.ua refused {path} (HTTP 403): the token lacks a scope it needs ({NEEDED_SCOPES})"
    )]
    Forbidden { path: String },
    #[error("Prom.ua has no such resource (HTTP 404): {path}")]
    NotFound { path: String },
    #[error("Prom.ua answered {path} with an error: {message}")]
    Api { path: String, message: String },
    #[error("Prom.ua answered {path} with HTTP {status}: {excerpt}")]
    Status {
        path: String,
        status: u16,
        excerpt: String,
    },
    #[error("Prom.ua rate-limited {path} (HTTP 429)")]
    RateLimited {
        path: String,
        retry_after: Option<Duration>,
    },
    #[error(
        "Prom.ua sent a body that cannot be read for {path}: {detail}; it starts with: {excerpt}"
    )]
    Malformed {
        path: String,
        detail: String,
        excerpt: String,
    },
    #[error("refused before sending: {0}")]
    InvalidRequest(String),
    #[error("the request to Prom.ua timed out: {path}")]
    Timeout { path: String },
    #[error("cannot reach Prom.ua for {path}: {detail}")]
    Transport { path: String, detail: String },
}

impl PromError {
    /// Safe to try again: the request may not have been processed, and every write
    /// carries absolute values, so repeating it cannot double-apply anything.
    pub fn is_retryable(&self) -> bool {
        match self {
            PromError::Timeout { .. }
            | PromError::Transport { .. }
            | PromError::RateLimited { .. } => true,
            PromError::Status { status, .. } => *status >= 500 || *status == 408,
            _ => false,
        }
    }

    /// An error that will hit every further request of a run the same way.
    pub fn is_fatal_for_run(&self) -> bool {
        matches!(
            self,
            PromError::NoToken | PromError::Unauthorized | PromError::Forbidden { .. }
        )
    }
}

/// The first characters of a body, on one line, for error messages.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = flat.chars().take(160).collect();
    if flat.chars().count() > 160 {
        out.push('…');
    }
    out
}
