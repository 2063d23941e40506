//! The soak's daemon process: killed only by the soak (never dead on its own unnoticed),
//! its log kept per start and searched for panics, killed when dropped (a failed or timed
//! out soak leaves no daemon behind), and the test's directory kept when it fails.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Child;

use super::soak_world::World;

/// A running daemon; [`Daemon::sigkill`] ends it, dropping it kills it quietly (a
/// failed assertion or the soak's time limit). No `PR_SET_PDEATHSIG`: it fires when the
/// *thread* that spawned the daemon ends, and a runtime's worker may end first, which
/// would kill a daemon mid-soak for no reason; a harness killed outright can leave one.
pub struct Daemon {
    child: Option<Child>,
    dir: PathBuf,
    /// Which start this is (from 1): its log is kept as `daemon-N.log`.
    start: usize,
}

impl Daemon {
    pub async fn start(world: &World, start: usize) -> Self {
        let child = world.env.start_daemon(&world.config).await;
        Self {
            child: Some(child),
            dir: world.env.dir.path().to_path_buf(),
            start,
        }
    }

    /// SIGKILL. Asserts the daemon was still running before and died of the signal
    /// after, and that its log shows no panic; the log is kept as `daemon-N.log` (the next
    /// start truncates `daemon.log`).
    pub fn sigkill(mut self) {
        let mut child = self.child.take().expect("a running daemon");
        let log = self.dir.join("daemon.log");
        let kept = self.dir.join(format!("daemon-{}.log", self.start));
        let exited = child.try_wait().unwrap();
        if let Some(status) = exited {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "daemon start {} exited on its own ({status}) before the soak killed it:\n{}",
                self.start,
                tail(&text)
            );
        }
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGKILL,
        )
        .unwrap();
        let status = child.wait().unwrap();
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "daemon start {} ended with {status}, not by the soak's SIGKILL:\n{}",
            self.start,
            tail(&text)
        );
        std::fs::rename(&log, &kept).unwrap();
        assert!(
            !text.contains("panicked"),
            "daemon start {} panicked (log {}):\n{}",
            self.start,
            kept.display(),
            tail(&text)
        );
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The log's last lines.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

/// When the test fails, moves its directory (store, config, every daemon log) out of the
/// temporary directory's way, so it is kept, and says where.
pub struct KeepOnFailure {
    dir: PathBuf,
    seed: u64,
}

impl KeepOnFailure {
    pub fn new(dir: &Path, seed: u64) -> Self {
        Self {
            dir: dir.to_path_buf(),
            seed,
        }
    }
}

impl Drop for KeepOnFailure {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let kept = std::env::temp_dir().join(format!(
            "soak-failed-seed{}-{}",
            self.seed,
            std::process::id()
        ));
        match std::fs::rename(&self.dir, &kept) {
            Ok(()) => eprintln!(
                "soak failed (SOAK_SEED={}): its store, config and daemon logs are kept in {}",
                self.seed,
                kept.display()
            ),
            Err(e) => eprintln!("soak failed; could not keep {}: {e}", self.dir.display()),
        }
    }
}
