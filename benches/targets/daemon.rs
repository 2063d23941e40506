//! The daemon as a user runs it (`promua-sync run`), and its memory as the kernel counts
//! it (/proc/PID/status).

use std::path::{Path, PathBuf};
use std::process::Child;
use std::time::{Duration, Instant};

pub struct Daemon {
    child: Child,
    log: PathBuf,
}

impl Daemon {
    /// Starts the daemon on `config` (its output in `daemon.log` in `dir`) and waits until
    /// its admin API on `port` answers `/health`.
    pub async fn start(dir: &Path, config: &Path, port: u16) -> Daemon {
        let log = dir.join("daemon.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = super::world::bin()
            .args(["run", "--config"])
            .arg(config)
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .expect("the daemon starts");
        let mut daemon = Daemon { child, log };
        let http = reqwest::Client::new();
        let bound = format!("admin API on http://127.0.0.1:{port}/");
        let health = format!("http://127.0.0.1:{port}/health");
        let start = Instant::now();
        loop {
            if let Some(status) = daemon.child.try_wait().unwrap() {
                panic!("the daemon exited ({status}):\n{}", daemon.log_text());
            }
            let up = daemon.log_text().contains(&bound)
                && http
                    .get(&health)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success() || r.status() == 503);
            if up {
                return daemon;
            }
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "the daemon's admin API did not come up:\n{}",
                daemon.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// A field of /proc/PID/status in kB (`VmRSS`: resident now; `VmHWM`: the most resident
    /// since the start), as MiB.
    pub fn mib(&self, field: &str) -> f64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the daemon runs");
        let kb: f64 = status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc/PID/status"));
        kb / 1024.0
    }

    /// VmRSS once it has settled after the start: within 1 % over 3 s (at most 60 s).
    pub async fn settled_rss(&self) -> f64 {
        let start = Instant::now();
        let mut window: Vec<f64> = Vec::new();
        loop {
            window.push(self.mib("VmRSS"));
            if window.len() > 12 {
                window.remove(0);
            }
            let (lo, hi) = window
                .iter()
                .fold((f64::MAX, 0f64), |(lo, hi), &v| (lo.min(v), hi.max(v)));
            if (window.len() == 12 && hi - lo <= hi * 0.01) || start.elapsed().as_secs() >= 60 {
                return *window.last().unwrap();
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// SIGTERM, then waits for the exit (a kill after 60 s).
    pub async fn stop(mut self) {
        let pid = self.child.id() as libc::pid_t;
        // SAFETY: a signal to our own child, whose pid is not reaped yet.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let start = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                eprintln!("the daemon did not stop in 60 s: killed");
                let _ = self.child.kill();
                let _ = self.child.wait();
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A run that panics does not leave the daemon behind.
impl Drop for Daemon {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
