//! `demo --keep DIR`: the store, the sandbox's data as a seed file, and a `jobs.toml`
//! that works with both once the sandbox is started again from that file.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::setup::Demo;
use super::world::{self, KEPT_LISTEN};

/// What was left in the kept directory.
pub struct Kept {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub seed: PathBuf,
}

/// The kept directory must be new or empty: the demo never writes over someone's files.
pub fn check_keep_dir(dir: &Path) -> Result<(), String> {
    match std::fs::read_dir(dir) {
        Ok(mut entries) => match entries.next() {
            None => Ok(()),
            Some(_) => Err(format!(
                "--keep {}: the directory is not empty; name a new or empty one",
                dir.display()
            )),
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) if dir.exists() && !dir.is_dir() => {
            Err(format!("--keep {}: not a directory ({e})", dir.display()))
        }
        Err(e) => Err(format!("--keep {}: {e}", dir.display())),
    }
}

/// Writes the sandbox's data and points the configuration at the address the user
/// will start the sandbox on.
pub async fn keep(demo: &Demo, dir: &Path) -> anyhow::Result<Kept> {
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    let seed = dir.join("sandbox.json");
    let data = serde_json::to_vec_pretty(&demo.sandbox.export())?;
    std::fs::write(&seed, data).with_context(|| format!("writing {}", seed.display()))?;
    let config = world::write_config(&dir, &format!("http://{KEPT_LISTEN}/api/v1"))
        .with_context(|| format!("writing the configuration in {}", dir.display()))?;
    Ok(Kept { dir, config, seed })
}
