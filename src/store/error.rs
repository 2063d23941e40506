use std::path::PathBuf;

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store {path} is in use by another process (is the daemon running? stop it, or use a command that goes through it)"
    )]
    Locked { path: PathBuf },
    #[error("cannot open the store {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    #[error("the store holds unreadable data: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
}

impl StoreError {
    pub(crate) fn from_open(path: &std::path::Path, e: sled::Error) -> Self {
        let text = e.to_string();
        if text.contains("could not acquire lock") {
            StoreError::Locked {
                path: path.to_path_buf(),
            }
        } else {
            StoreError::Open {
                path: path.to_path_buf(),
                detail: text,
            }
        }
    }
}
