//! `demo --keep DIR`: the store, the sandbox's data as a seed file, and a `jobs.toml`
//! that works with both once the sandbox is started again from that file. A demo that
//! does not finish takes back what it wrote there, so the next try finds DIR usable.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::setup::Demo;
use super::world::{self, KEPT_LISTEN};

/// The names the demo writes in its directory (`world::write_config` and the store
/// beside it, `keep` below): what it removes again from a directory it did not create.
const WRITTEN: [&str; 4] = ["jobs.toml", "token", "store", "sandbox.json"];

/// What was left in the kept directory.
pub struct Kept {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub seed: PathBuf,
}

/// The `--keep` directory, claimed: new (created here) or empty.
pub struct KeepDir {
    /// Absolute, so that the configuration and the printed commands name it from anywhere.
    pub path: PathBuf,
    created: bool,
}

/// The kept directory must be new or empty: the demo never writes over someone's files.
/// Checked without following a symlink first, so that a dangling one is named as such
/// rather than "created" through.
fn check_keep_dir(dir: &Path) -> Result<bool, String> {
    let shown = dir.display();
    let meta = match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(format!("--keep {shown}: {e}")),
        Ok(m) => m,
    };
    if meta.file_type().is_symlink() && !dir.exists() {
        return Err(format!(
            "--keep {shown}: a symbolic link to nothing; name a new or empty directory"
        ));
    }
    if !dir.is_dir() {
        return Err(format!(
            "--keep {shown}: not a directory; name a new or empty one"
        ));
    }
    match std::fs::read_dir(dir).map(|mut entries| entries.next().is_none()) {
        Ok(true) => Ok(true),
        Ok(false) => Err(format!(
            "--keep {shown}: the directory is not empty; name a new or empty one"
        )),
        Err(e) => Err(format!("--keep {shown}: {e}")),
    }
}

impl KeepDir {
    /// Checks `dir` and creates it when it is new. `Err` is a usage error: nothing written.
    pub fn claim(dir: &Path) -> Result<Self, String> {
        let existed = check_keep_dir(dir)?;
        let path =
            std::path::absolute(dir).map_err(|e| format!("--keep {}: {e}", dir.display()))?;
        if !existed {
            std::fs::create_dir_all(&path)
                .map_err(|e| format!("--keep {}: creating it: {e}", dir.display()))?;
        }
        Ok(Self {
            path,
            created: !existed,
        })
    }

    /// After a failed or interrupted demo: removes what it wrote (the whole directory if
    /// the demo created it), and says what it did on stderr.
    pub fn take_back(&self) {
        let shown = self.path.display();
        if self.created {
            match std::fs::remove_dir_all(&self.path) {
                Ok(()) => eprintln!("demo: removed {shown}, which it had created"),
                Err(e) => eprintln!("demo: could not remove {shown}: {e}"),
            }
            return;
        }
        let mut removed = Vec::new();
        for name in WRITTEN {
            let p = self.path.join(name);
            let gone = match std::fs::symlink_metadata(&p) {
                Err(_) => continue,
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&p),
                Ok(_) => std::fs::remove_file(&p),
            };
            match gone {
                Ok(()) => removed.push(name),
                Err(e) => eprintln!("demo: could not remove {}: {e}", p.display()),
            }
        }
        if !removed.is_empty() {
            eprintln!(
                "demo: removed what it wrote in {shown}: {}",
                removed.join(", ")
            );
        }
    }
}

/// Writes the sandbox's data and points the configuration at the address the user
/// will start the sandbox on.
pub async fn keep(demo: &Demo, dir: &Path) -> anyhow::Result<Kept> {
    let seed = dir.join("sandbox.json");
    let data = serde_json::to_vec_pretty(&demo.sandbox.export())?;
    std::fs::write(&seed, data).with_context(|| format!("writing {}", seed.display()))?;
    let config = world::write_config(dir, &format!("http://{KEPT_LISTEN}/api/v1"))
        .with_context(|| format!("writing the configuration in {}", dir.display()))?;
    Ok(Kept {
        dir: dir.to_path_buf(),
        config,
        seed,
    })
}

/// `path` as one shell word: single-quoted when it holds anything a shell would split
/// or expand, so a printed command works as printed.
pub fn shell_quoted(path: &Path) -> String {
    let s = path.to_string_lossy();
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-+,:=@%".contains(c));
    if plain {
        s.into_owned()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_demo_takes_back_its_files_or_the_dir_it_created() {
        let root = tempfile::tempdir().unwrap();
        let new = root.path().join("new");
        let claimed = KeepDir::claim(&new).unwrap();
        std::fs::create_dir(new.join("store")).unwrap();
        std::fs::write(new.join("jobs.toml"), "x").unwrap();
        claimed.take_back();
        assert!(!new.exists());

        let empty = root.path().join("empty");
        std::fs::create_dir(&empty).unwrap();
        let claimed = KeepDir::claim(&empty).unwrap();
        std::fs::create_dir(empty.join("store")).unwrap();
        std::fs::write(empty.join("token"), "x").unwrap();
        claimed.take_back();
        assert!(empty.is_dir());
        assert_eq!(std::fs::read_dir(&empty).unwrap().count(), 0);
    }

    #[test]
    fn paths_are_quoted_only_when_a_shell_would_split_them() {
        assert_eq!(
            shell_quoted(Path::new("/tmp/demo/jobs.toml")),
            "/tmp/demo/jobs.toml"
        );
        assert_eq!(
            shell_quoted(Path::new("/tmp/my demo/jobs.toml")),
            "'/tmp/my demo/jobs.toml'"
        );
        assert_eq!(shell_quoted(Path::new("/tmp/it's")), r"'/tmp/it'\''s'");
    }
}
