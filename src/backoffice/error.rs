use serde::{Deserialize, Serialize};

use super::csv_io::RowError;
use crate::store::StoreError;

/// What a ledger operation can refuse, with the same meaning over HTTP and in-process.
#[derive(Debug, thiserror::Error)]
pub enum BackofficeError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{} row(s) of the file are wrong; nothing was applied:\n{}", .0.len(), RowError::list(.0))]
    Rows(Vec<RowError>),
    #[error("the admin API: {0}")]
    Remote(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for BackofficeError {
    fn from(e: StoreError) -> Self {
        match e {
            // The store's own refusals (blank SKU, duplicate SKU, ...) are the caller's.
            StoreError::Invalid(m) => BackofficeError::Invalid(m),
            e => BackofficeError::Store(e),
        }
    }
}

/// The JSON body of an admin API error.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    pub kind: String,
    pub error: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
}

impl BackofficeError {
    pub fn status(&self) -> u16 {
        match self {
            BackofficeError::NotFound(_) => 404,
            BackofficeError::Invalid(_) | BackofficeError::Rows(_) => 422,
            BackofficeError::Conflict(_) => 409,
            BackofficeError::Remote(_) => 502,
            BackofficeError::Store(_) => 500,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let kind = match self {
            BackofficeError::NotFound(_) => "not_found",
            BackofficeError::Invalid(_) => "invalid",
            BackofficeError::Conflict(_) => "conflict",
            BackofficeError::Rows(_) => "rows",
            BackofficeError::Remote(_) => "remote",
            BackofficeError::Store(_) => "store",
        };
        ErrorBody {
            kind: kind.into(),
            error: match self {
                BackofficeError::Rows(_) => "the file has errors; nothing was applied".into(),
                e => e.to_string(),
            },
            rows: match self {
                BackofficeError::Rows(r) => r.clone(),
                _ => Vec::new(),
            },
        }
    }

    pub fn from_body(body: ErrorBody) -> Self {
        match body.kind.as_str() {
            "not_found" => BackofficeError::NotFound(body.error),
            "invalid" => BackofficeError::Invalid(body.error),
            "conflict" => BackofficeError::Conflict(body.error),
            "rows" => BackofficeError::Rows(body.rows),
            _ => BackofficeError::Remote(body.error),
        }
    }
}
