use std::path::{Path, PathBuf};

/// What can go wrong with the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store {path} is in use by another process (is the daemon running? stop it, or use a command that goes through it)"
    )]
    Locked { path: PathBuf },
    #[error("cannot open the store {path}: {detail}")]
    Open { path: PathBuf, detail: String },
    /// The files of the store are damaged: sled reported corruption or panicked reading them.
    #[error(
        "the store {path} is damaged and cannot be read ({detail}). Nothing was changed. \
         Stop the daemon, move {path} aside, and restore it from a backup \
         (`promua-sync store restore FILE` restores into the empty path); without a backup, start with an \
         empty store and link again by SKU (an import_products job with mode = \"link_only\")"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error("store error: {0}")]
    Sled(sled::Error),
    /// A record does not have the shape of its tree (see `codec.rs`): its files read
    /// back, but what they hold was written wrong or damaged.
    #[error(
        "the store holds unreadable data: a record in its `{tree}` tree {detail}. \
         Stop the daemon, move the store aside, and restore it from a backup \
         (`promua-sync store restore FILE` restores into the empty path); without a backup, start with an \
         empty store and link again by SKU (an import_products job with mode = \"link_only\")"
    )]
    Corrupt { tree: &'static str, detail: String },
    /// A value could not be encoded for its tree: a bug, as every stored type encodes.
    #[error("cannot encode a record for the store's `{tree}` tree: {detail}")]
    Encode { tree: &'static str, detail: String },
    #[error("{0}")]
    Invalid(String),
}

impl From<sled::Error> for StoreError {
    /// sled's corruption is damage to the store this process opened.
    fn from(e: sled::Error) -> Self {
        if matches!(e, sled::Error::Corruption { .. }) {
            StoreError::Damaged {
                path: super::damage::opened_path(),
                detail: damage_detail(&e.to_string()),
            }
        } else {
            StoreError::Sled(e)
        }
    }
}

impl StoreError {
    pub(crate) fn from_open(path: &Path, e: sled::Error) -> Self {
        let text = e.to_string();
        if super::lock::is_lock_failure(path, &e) {
            StoreError::Locked {
                path: path.to_path_buf(),
            }
        } else if matches!(e, sled::Error::Corruption { .. })
            || text.contains("corrupt")
            || text.contains("failed to fill whole buffer")
        {
            StoreError::Damaged {
                path: path.to_path_buf(),
                detail: damage_detail(&text),
            }
        } else {
            StoreError::Open {
                path: path.to_path_buf(),
                detail: text,
            }
        }
    }

    /// Whether this error means the store's files are damaged (exit 3, do not run on them).
    /// sled's corruption errors become `Damaged` as they are converted (`From` above).
    pub fn is_damage(&self) -> bool {
        matches!(
            self,
            StoreError::Damaged { .. } | StoreError::Corrupt { .. }
        )
    }

    /// The same error, said as damage to the store at `path` when it is damage.
    pub fn at(self, path: &Path) -> Self {
        match self {
            StoreError::Damaged { detail, .. } => StoreError::Damaged {
                path: path.to_path_buf(),
                detail,
            },
            StoreError::Corrupt { tree, detail } => StoreError::Damaged {
                path: path.to_path_buf(),
                detail: format!("a record in its `{tree}` tree {detail}"),
            },
            other => other,
        }
    }
}

/// sled's corruption text ("Read corrupted data at file offset Some(Inline(19897672))
/// backtrace ()") without its debugging noise.
fn damage_detail(text: &str) -> String {
    let text = text.split(" backtrace").next().unwrap_or(text).trim();
    if text.starts_with("Read corrupted data") {
        let offset: String = text
            .split("Inline(")
            .nth(1)
            .map(|s| s.chars().take_while(char::is_ascii_digit).collect())
            .unwrap_or_default();
        if offset.is_empty() {
            "sled found corrupted data".to_string()
        } else {
            format!("sled found corrupted data at offset {offset}")
        }
    } else {
        text.to_string()
    }
}
