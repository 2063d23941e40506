//! A store whose files are damaged fails clearly: exit 3, a message naming the store and
//! what to do, never a panic, and the daemon refuses to start on it.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::Duration;

use promua_sync::sandbox::SandboxOptions;

use crate::helpers::*;

/// Copies the store directory `from` to `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The largest file of the store (sled's `db`).
fn largest_file(store: &Path) -> PathBuf {
    std::fs::read_dir(store)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap()
}

/// How much of a file holds data: sled preallocates, so the tail can be zeros.
fn used_len(f: &Path) -> u64 {
    let bytes = std::fs::read(f).unwrap();
    bytes
        .iter()
        .rposition(|b| *b != 0)
        .map_or(0, |i| i as u64 + 1)
}

/// Cuts the largest file to half of what it holds.
fn truncate_to_half(store: &Path) {
    let f = largest_file(store);
    let len = used_len(&f);
    std::fs::OpenOptions::new()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
}

/// Inverts 100 bytes at pseudo-random places of the second half of what the largest file
/// holds, where the newest (live) data of the log is.
fn flip_bytes(store: &Path, seed: u64) {
    let f = largest_file(store);
    let len = used_len(&f);
    let mut bytes = std::fs::read(&f).unwrap();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    for _ in 0..100 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let at = len / 2 + x % (len / 2);
        bytes[at as usize] ^= 0xFF;
    }
    std::fs::write(&f, bytes).unwrap();
}

fn assert_damaged(out: &Output, what: &str, store: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{what}: {stderr}");
    assert!(!stderr.contains("panicked"), "{what} panicked: {stderr}");
    assert!(
        stderr.contains("is damaged and cannot be read")
            && stderr.contains(&store.display().to_string())
            && stderr.contains("restore it from a backup")
            && stderr.contains("promua-sync store restore FILE"),
        "{what}: the message must name the store and what to do: {stderr}"
    );
}

/// Every command on a damaged store, `run` included, exits 3 with the clear message;
/// returns the daemon's, for the reliability figures.
fn every_command_fails_clearly(config: &Path, store: &Path, case: &str) -> String {
    for args in [
        &["status"][..],
        &["products", "list"],
        &["stock", "set", "PRM-000001", "5"],
        &["links", "list"],
        &["orders", "list"],
        &["job", "run", "stock"],
        &["job", "run", "stock", "--dry-run"],
        &["store", "check"],
        &["store", "backup", "/dev/null"],
        &["store", "compact"],
    ] {
        let out = cli(config, args);
        assert_damaged(&out, &format!("{case}: {}", args.join(" ")), store);
    }
    // The daemon refuses to start: it exits on its own, never runs on the store.
    let mut child = bin()
        .args(["run", "--config"])
        .arg(config)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("{case}: the daemon kept running on a damaged store");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_damaged(&out, &format!("{case}: run"), store);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .rev()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_default();
    line.replace(&store.display().to_string(), "STORE")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncated_and_bit_flipped_stores_fail_clearly_with_exit_3() {
    let env = Env::new(2_000, SandboxOptions::default(), |i| (i % 9) as i64 + 1).await;
    let config = env.write_config_any_admin_port("0 0 1 1 *", "");
    let good = env.dir.path().join("store.good");
    copy_dir(&env.store_path(), &good);
    let store = env.store_path();

    type Damage = Box<dyn Fn(&Path) + Send>;
    let cases: Vec<(&str, Damage)> = vec![
        ("truncated to half", Box::new(truncate_to_half)),
        (
            "100 bytes flipped (seed 1)",
            Box::new(|s: &Path| flip_bytes(s, 1)),
        ),
        (
            "100 bytes flipped (seed 2)",
            Box::new(|s: &Path| flip_bytes(s, 2)),
        ),
    ];
    let (config2, store2) = (config.clone(), store.clone());
    tokio::task::spawn_blocking(move || {
        for (case, damage) in cases {
            std::fs::remove_dir_all(&store2).unwrap();
            copy_dir(&good, &store2);
            damage(&store2);
            let answer = every_command_fails_clearly(&config2, &store2, case);
            let mut short: String = answer.chars().take(160).collect();
            if short.len() < answer.len() {
                short.push('…');
            }
            crate::reliability::figure(
                "damaged-store",
                &format!("{case} (damaged_store.rs)"),
                format!("exit 3: {short}"),
            );
        }
        // The good copy still works: the failures above were the damage, not the test.
        std::fs::remove_dir_all(&store2).unwrap();
        copy_dir(&good, &store2);
        let out = cli(&config2, &["status"]);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
    })
    .await
    .unwrap();
}
