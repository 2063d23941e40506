use serde::{Deserialize, Serialize};

use super::csv_io::{RowError, RowErrors, thousands};
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
    #[error("{} row(s) of the file are wrong; nothing was applied:\n{}", thousands(.0.rows_with_errors() as u64), .0)]
    Rows(RowErrors),
    /// A body or file over a configured limit (HTTP 413).
    #[error("{0}")]
    TooLarge(String),
    #[error("the admin API: {0}")]
    Remote(String),
    /// A run of the job is going (`job run` through the daemon, without waiting).
    #[error("{0}")]
    Busy(String),
    /// A job run asked of the daemon failed before it produced a record.
    #[error("{0}")]
    JobFailed(String),
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
    /// The first [`RowErrors::LISTED`] errors of a file.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<RowError>,
    /// How many rows of the file have errors, listed or not.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub rows_with_errors: usize,
    /// Rows with errors beyond those listed in `rows`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub more_rows: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl BackofficeError {
    pub fn status(&self) -> u16 {
        match self {
            BackofficeError::NotFound(_) => 404,
            BackofficeError::Invalid(_) | BackofficeError::Rows(_) => 422,
            BackofficeError::TooLarge(_) => 413,
            BackofficeError::Conflict(_) | BackofficeError::Busy(_) => 409,
            BackofficeError::Remote(_) => 502,
            BackofficeError::Store(_) | BackofficeError::JobFailed(_) => 500,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let kind = match self {
            BackofficeError::NotFound(_) => "not_found",
            BackofficeError::Invalid(_) => "invalid",
            BackofficeError::Conflict(_) => "conflict",
            BackofficeError::Rows(_) => "rows",
            BackofficeError::TooLarge(_) => "too_large",
            BackofficeError::Remote(_) => "remote",
            BackofficeError::Store(_) => "store",
            BackofficeError::Busy(_) => "busy",
            BackofficeError::JobFailed(_) => "job_failed",
        };
        match self {
            BackofficeError::Rows(r) => ErrorBody {
                kind: kind.into(),
                error: r.summary(),
                rows: r.to_vec(),
                rows_with_errors: r.rows_with_errors(),
                more_rows: r.more_rows(),
            },
            e => ErrorBody {
                kind: kind.into(),
                error: e.to_string(),
                rows: Vec::new(),
                rows_with_errors: 0,
                more_rows: 0,
            },
        }
    }

    pub fn from_body(body: ErrorBody) -> Self {
        match body.kind.as_str() {
            "not_found" => BackofficeError::NotFound(body.error),
            "invalid" => BackofficeError::Invalid(body.error),
            "conflict" => BackofficeError::Conflict(body.error),
            "rows" => BackofficeError::Rows(RowErrors::from_parts(
                body.rows,
                body.rows_with_errors,
                body.more_rows,
            )),
            "too_large" => BackofficeError::TooLarge(body.error),
            "busy" => BackofficeError::Busy(body.error),
            "job_failed" => BackofficeError::JobFailed(body.error),
            _ => BackofficeError::Remote(body.error),
        }
    }
}
