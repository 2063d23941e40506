//! A damaged store (issue 17, item 4): the cases beyond the damaged files that
//! `damaged_store.rs` covers (truncated and bit-flipped sled files: exit 3, "is damaged and
//! cannot be read", `store restore FILE` named; its figures are printed there, and
//! `.ci/reliability` runs it with this suite). Here: a store held by another process, a
//! store path that is a file, a store directory the user may not write, and a full disk
//! (injected: the child runs with a small RLIMIT_FSIZE and SIGXFSZ ignored, so a write
//! past it fails with EFBIG as on a full disk; no mount needed).
//!
//! For each: the message names the store and what to do, the exit code is 3 (an error
//! that stopped the command, DESIGN §6), nothing panics, and the store still opens
//! holding exactly what it held before.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use promua_sync::store::Store;

use super::corpus_csv::store_state;
use super::figure;
use crate::helpers::*;

const SEED: &str = "sku,name,price\nA-1,Mug,100\nA-2,Cup,50.5\nA-3,Plate,20\n";
const SEED_STOCK: &str = "sku,warehouse,quantity\nA-1,main,5\nA-2,main,0\n";

/// A directory with jobs.toml (store at `store`) and a store of three products.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let w = World { dir };
        // The daemon wants a token before it opens the store; it never calls Prom here.
        std::fs::write(w.dir.path().join("token"), "a-token-never-sent\n").unwrap();
        w.write_config("store");
        for (name, text, kind) in [
            ("seed.csv", SEED, "products"),
            ("stock.csv", SEED_STOCK, "stock"),
        ] {
            let path = w.dir.path().join(name);
            std::fs::write(&path, text).unwrap();
            let out = cli(
                &w.config(),
                &["products", "import", path.to_str().unwrap(), "--kind", kind],
            );
            assert_eq!(out.status.code(), Some(0), "{out:?}");
        }
        w
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("jobs.toml")
    }

    fn store(&self) -> PathBuf {
        self.dir.path().join("store")
    }

    /// jobs.toml with `[store] path = store_path` and a stock job that never fires.
    fn write_config(&self, store_path: &str) {
        self.write_config_on(store_path, 0, 2);
    }

    /// As [`World::write_config`], the admin API on `port`, `grace` s to stop.
    fn write_config_on(&self, store_path: &str, port: u16, grace: u64) {
        std::fs::write(
            self.config(),
            format!(
                "[prom]\nbase_url = \"http://127.0.0.1:9\"\ntoken_file = \"token\"\n\
                 [store]\npath = \"{store_path}\"\n[sync]\nwarehouses = [\"main\"]\n\
                 [admin]\nlisten = \"127.0.0.1:{port}\"\n[daemon]\nshutdown_grace_secs = {grace}\n\
                 [[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"0 0 1 1 *\"\n"
            ),
        )
        .unwrap();
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = bin();
        cmd.args(args).arg("--config").arg(self.config());
        cmd
    }

    /// As [`World::command`], running the binary at `exe` (with `bin()`'s environment).
    fn command_of(&self, exe: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(exe);
        let built = bin();
        for (k, v) in built.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd.args(args).arg("--config").arg(self.config());
        cmd
    }
}

/// The commands each case runs: reads, a write, the store's care, and the daemon.
const COMMANDS: [&[&str]; 5] = [
    &["products", "list"],
    &["stock", "set", "A-1", "9"],
    &["status"],
    &["store", "check"],
    &["run"],
];

/// Runs `cmd` to its end (the daemon too: it must refuse to start), at most 30 s.
fn output(mut cmd: Command) -> Output {
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            child.kill().unwrap();
            panic!("{cmd:?} kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// Exit 3, no panic, and every one of `words` in the message (the store, what to do).
fn assert_answer(case: &str, args: &[&str], out: &Output, words: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr);
    let what = format!("{case}: {}", args.join(" "));
    assert!(!stderr.contains("panicked"), "{what} panicked: {stderr}");
    assert_eq!(out.status.code(), Some(3), "{what}: {stderr}");
    for w in words {
        assert!(
            stderr.contains(w),
            "{what}: the message lacks `{w}`: {stderr}"
        );
    }
    stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default()
        .to_string()
}

/// The answer for the figures' table: the store's temporary path as `STORE` (its
/// directory as `DIR`), shortened.
fn gist(answer: &str, store: &Path) -> String {
    let mut answer = answer.replace(&store.display().to_string(), "STORE");
    if let Some(dir) = store.parent() {
        answer = answer.replace(&dir.display().to_string(), "DIR");
    }
    let s: String = answer.chars().take(160).collect();
    if s.len() < answer.len() {
        format!("exit 3: {s}…")
    } else {
        format!("exit 3: {s}")
    }
}

#[test]
fn a_store_held_by_another_process_is_named_and_left_as_it_was() {
    let w = World::new();
    let before = store_state(&w.store());
    // Held as another process would hold it: sled's lock on its files.
    let holder = Store::open(&w.store()).unwrap();
    let store = w.store().display().to_string();
    let mut answer = String::new();
    for args in COMMANDS {
        let out = output(w.command(args));
        answer = assert_answer(
            "held by another process",
            args,
            &out,
            &[&store, "in use by another process", "stop it"],
        );
    }
    drop(holder);
    assert_eq!(store_state(&w.store()), before, "the store changed");
    figure(
        "damaged-store",
        "held by another process",
        gist(&answer, &w.store()),
    );
}

#[test]
fn a_store_path_that_is_a_file_is_named_and_the_file_left_alone() {
    let w = World::new();
    let file = w.dir.path().join("not-a-store");
    std::fs::write(&file, "a file where the store's directory should be\n").unwrap();
    w.write_config("not-a-store");
    let store = file.display().to_string();
    let mut answer = String::new();
    for args in COMMANDS {
        let out = output(w.command(args));
        answer = assert_answer(
            "store path is a file",
            args,
            &out,
            &[
                &store,
                "must name a directory",
                "point [store] path elsewhere",
            ],
        );
    }
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "a file where the store's directory should be\n"
    );
    figure(
        "damaged-store",
        "store path is a file",
        gist(&answer, &file),
    );
}

/// The user nobody: root is not refused a write by a file's mode, so the child drops
/// to a user the store's directory does not belong to, as a service user would.
const NOBODY: u32 = 65534;

#[test]
fn a_store_directory_the_user_may_not_write_is_named_with_what_to_do() {
    let w = World::new();
    let before = store_state(&w.store());
    let root = unsafe { libc::geteuid() } == 0;
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, PermissionsExt::from_mode(m));
    if root {
        // nobody must reach jobs.toml, and find the store not its own.
        mode(w.dir.path(), 0o755).unwrap();
        mode(&w.config(), 0o644).unwrap();
        mode(&w.dir.path().join("token"), 0o644).unwrap();
    } else {
        // Not root: the mode is enough.
        for e in std::fs::read_dir(w.store()).unwrap() {
            let p = e.unwrap().path();
            if p.is_file() {
                mode(&p, 0o444).unwrap();
            }
        }
        mode(&w.store(), 0o555).unwrap();
    }
    // nobody must reach the binary: a checkout under a private home (0700) may not let
    // it, so it runs a link to (or copy of) the binary in the test's own directory.
    let exe = w.dir.path().join("promua-sync");
    if root {
        let built = Path::new(env!("CARGO_BIN_EXE_promua-sync"));
        if std::fs::hard_link(built, &exe).is_err() {
            std::fs::copy(built, &exe).unwrap();
            mode(&exe, 0o755).unwrap();
        }
        for dir in w.dir.path().ancestors().skip(1) {
            let m = std::fs::metadata(dir).unwrap().permissions().mode();
            assert!(
                m & 0o001 != 0,
                "user nobody cannot pass {} (mode {m:o}): set TMPDIR to a directory it can reach",
                dir.display()
            );
        }
        let mut probe = w.command_of(&exe, &["check-config"]);
        probe.uid(NOBODY).gid(NOBODY);
        let out = probe.output().unwrap();
        assert!(
            out.status.success(),
            "user nobody cannot run the test binary's copy {}: {out:?}",
            exe.display()
        );
    }
    let store = w.store().display().to_string();
    let mut answer = String::new();
    for args in COMMANDS {
        let mut cmd = if root {
            w.command_of(&exe, args)
        } else {
            w.command(args)
        };
        if root {
            cmd.uid(NOBODY).gid(NOBODY);
        }
        let out = output(cmd);
        answer = assert_answer(
            "store not writable",
            args,
            &out,
            &[&store, "must be able to read and write it", "chown -R"],
        );
    }
    if !root {
        mode(&w.store(), 0o755).unwrap();
    }
    assert_eq!(store_state(&w.store()), before, "the store changed");
    figure(
        "damaged-store",
        "store directory not writable by the user",
        gist(&answer, &w.store()),
    );
}

/// `cmd` with writes past `bytes` failing as on a full disk (EFBIG, not SIGXFSZ).
fn with_file_size_limit(cmd: &mut Command, bytes: u64) {
    // SAFETY: between fork and exec only async-signal-safe calls (signal, setrlimit).
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

#[test]
fn a_full_disk_applies_nothing_and_says_so() {
    let w = World::new();
    let before = store_state(&w.store());
    let store = w.store().display().to_string();
    let words = [
        store.as_str(),
        "the disk is full",
        "Nothing of this command was applied",
    ];
    // Too little room to open: every command, the daemon too, stops before anything.
    let mut at_open = String::new();
    for args in COMMANDS {
        let mut cmd = w.command(args);
        with_file_size_limit(&mut cmd, 64 << 10);
        at_open = assert_answer("full disk at open", args, &output(cmd), &words);
    }
    assert_eq!(store_state(&w.store()), before, "the store changed");
    // Room to open, not to write a large import: all of it or nothing. A small write
    // under the same limit goes through first, or this would be another at-open case
    // (sled's files growing past the limit would make it one silently).
    let mut cmd = w.command(&["stock", "set", "A-1", "9"]);
    with_file_size_limit(&mut cmd, 1 << 20);
    let out = output(cmd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "a small write under 1 MiB: {out:?}"
    );
    let before = store_state(&w.store());
    let rows: String = (0..20_000)
        .map(|i| format!("N-{i},Product number {i} of a large import,{i}.50\n"))
        .collect();
    let big = w.dir.path().join("big.csv");
    std::fs::write(&big, format!("sku,name,price\n{rows}")).unwrap();
    let mut cmd = w.command(&["products", "import", big.to_str().unwrap()]);
    with_file_size_limit(&mut cmd, 1 << 20);
    let out = output(cmd);
    let in_write = assert_answer(
        "full disk in a write",
        &["products", "import"],
        &out,
        &words,
    );
    assert_eq!(
        store_state(&w.store()),
        before,
        "a refused import left part of itself"
    );
    // With room again the same import applies whole: the store was left sound.
    let out = output(w.command(&["products", "import", big.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("20000 row(s) applied"));
    // A restore onto a full disk leaves no half store, nor its staging directory.
    let full_state = store_state(&w.store());
    let backup = w.dir.path().join("backup.bin");
    let out = output(w.command(&["store", "backup", backup.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    std::fs::rename(w.store(), w.dir.path().join("store.old")).unwrap();
    let mut cmd = w.command(&["store", "restore", backup.to_str().unwrap()]);
    with_file_size_limit(&mut cmd, 1 << 20);
    let in_restore = assert_answer(
        "full disk in a restore",
        &["store", "restore"],
        &output(cmd),
        &words,
    );
    assert!(!w.store().exists(), "a refused restore left a store behind");
    let leftovers: Vec<String> = std::fs::read_dir(w.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");
    let out = output(w.command(&["store", "restore", backup.to_str().unwrap()]));
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(
        store_state(&w.store()),
        full_state,
        "the restore is not the backup"
    );
    figure(
        "damaged-store",
        "full disk, at open",
        gist(&at_open, &w.store()),
    );
    figure(
        "damaged-store",
        "full disk, in a restore (no half store left)",
        gist(&in_restore, &w.store()),
    );
    figure(
        "damaged-store",
        "full disk, in a write (20,000-row import)",
        gist(&in_write, &w.store()),
    );
}

/// The daemon on a full disk: a write through its admin API is refused whole and said
/// so; the daemon stops (exit 3) without a panic; its store holds what it held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_under_the_daemon_applies_nothing_and_says_so() {
    let w = World::new();
    let before = store_state(&w.store());
    // The default grace: stopping on a refused write must not wait it out (nothing runs).
    w.write_config_on("store", free_port(), 20);
    let rows: String = (0..20_000)
        .map(|i| format!("N-{i},Product number {i} of a large import,{i}.50\n"))
        .collect();
    let big = w.dir.path().join("big.csv");
    std::fs::write(&big, format!("sku,name,price\n{rows}")).unwrap();
    let (mut daemon, _port) = start_daemon_with(w.dir.path(), &w.config(), |cmd| {
        with_file_size_limit(cmd, 1 << 20)
    })
    .await;
    let store = w.store().display().to_string();
    let out = cli_async(&w.config(), &["products", "import", big.to_str().unwrap()]).await;
    let answer = assert_answer(
        "full disk under the daemon",
        &["products", "import"],
        &out,
        &[
            &store,
            "the disk is full",
            "Nothing of this command was applied",
        ],
    );
    // sled takes no more writes in this process: the daemon stops on its own, exit 3,
    // for its service manager to start it again (it opens once there is room).
    let refused_at = Instant::now();
    let status = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        while daemon.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(30) {
                daemon.kill().unwrap();
                panic!("the daemon kept running on a store that takes no writes");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        daemon.wait().unwrap()
    })
    .await
    .unwrap();
    let stopped_in = refused_at.elapsed();
    let log = std::fs::read_to_string(w.dir.path().join("daemon.log")).unwrap();
    assert!(!log.contains("panicked"), "{log}");
    assert_eq!(status.code(), Some(3), "{log}");
    assert!(
        stopped_in < Duration::from_secs(5),
        "the daemon took {stopped_in:?} to stop after the refused write: {log}"
    );
    assert!(!log.contains("abandoning"), "no job was running: {log}");
    assert!(
        log.contains("the disk refused a write of the store"),
        "{log}"
    );
    assert_eq!(
        store_state(&w.store()),
        before,
        "a refused import left part of itself"
    );
    figure(
        "damaged-store",
        "full disk, under the daemon (import through the admin API)",
        gist(&answer, &w.store()),
    );
}
