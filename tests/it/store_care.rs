//! `store backup|restore|check|compact` from the command line, with the daemon running
//! (backup and check through its admin API) and stopped.

use std::path::Path;
use std::process::Child;

use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::Store;

use crate::helpers::*;

async fn stop_daemon(child: Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || {
        let mut child = child;
        child.wait().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(status.code(), Some(0));
}

fn text(out: &std::process::Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What a store holds, read through its API: products, stock, links, journal, orders and
/// the runs of the `stock` job.
fn contents(path: &Path) -> String {
    let s = Store::open(path).unwrap();
    let products = s.products().unwrap();
    let stock: Vec<_> = products.iter().map(|p| s.stock_of(p.id).unwrap()).collect();
    format!(
        "{products:?}\n{stock:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        s.links().unwrap(),
        s.journal(None, usize::MAX).unwrap(),
        s.orders().unwrap(),
        s.runs_of("stock", 1000).unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_through_the_running_daemon_restores_the_same_store() {
    let env = Env::new(20, SandboxOptions::default(), |i| i as i64).await;
    let config = env.write_config("0 0 1 1 *", "");
    let out = cli_async(&config, &["job", "run", "stock"]).await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let child = env.start_daemon(&config).await;
    let sku = env.catalogue[0].sku.clone().unwrap();
    let out = cli_async(&config, &["stock", "set", &sku, "77"]).await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));

    let file = env.dir.path().join("backup.bin");
    let file_arg = file.to_str().unwrap();
    let out = cli_async(&config, &["store", "backup", file_arg]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("backed up"), "{stdout}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "a backup holds buyers' data");
    }
    let out = cli_async(&config, &["store", "check"]).await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("is consistent"));
    // Never over the live store, and no compaction under the daemon.
    let out = cli_async(&config, &["store", "restore", file_arg]).await;
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out).1.contains("holds the store"), "{:?}", text(&out));
    let out = cli_async(&config, &["store", "compact"]).await;
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    stop_daemon(child).await;

    let store = env.store_path();
    let old = env.dir.path().join("store.old");
    std::fs::rename(&store, &old).unwrap();
    let out = cli_async(&config, &["store", "restore", file_arg]).await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    let want = contents(&old);
    assert!(
        want.contains("77") && want.contains("Ok"),
        "a move and a run: {want}"
    );
    assert_eq!(contents(&store), want);

    // Over a store with data: refused, the store untouched.
    let out = cli_async(&config, &["store", "restore", file_arg]).await;
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out).1.contains("holds data"), "{:?}", text(&out));
    assert_eq!(contents(&store), want);

    // A damaged backup: refused before anything is written.
    let mut bytes = std::fs::read(&file).unwrap();
    let middle = bytes.len() - 10;
    bytes[middle] ^= 1;
    std::fs::write(&file, bytes).unwrap();
    std::fs::remove_dir_all(&store).unwrap();
    let out = cli_async(&config, &["store", "restore", file_arg]).await;
    assert_eq!(out.status.code(), Some(2), "{:?}", text(&out));
    assert!(text(&out).1.contains("checksum"), "{:?}", text(&out));
    assert!(!store.exists(), "nothing restored");

    // Compaction with the daemon stopped keeps what the store holds.
    std::fs::rename(&old, &store).unwrap();
    let out = cli_async(&config, &["store", "compact"]).await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    assert!(text(&out).0.contains("bytes before"), "{:?}", text(&out));
    assert_eq!(contents(&store), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_names_an_inconsistency_with_exit_1() {
    let env = Env::new(5, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = env.write_config_any_admin_port("0 0 1 1 *", "");
    let loaded = promua_sync::config::load(&config).unwrap();
    assert_eq!(loaded.store.keep_runs_days, 90, "the default run history");
    let out = cli_async(&config, &["store", "check"]).await;
    assert_eq!(out.status.code(), Some(0), "{:?}", text(&out));
    {
        // Behind the store's back: an index entry for a product that does not exist.
        let db = sled::open(env.store_path()).unwrap();
        let index = db.open_tree("sku_index").unwrap();
        index.insert("GHOST", &999_u64.to_be_bytes()).unwrap();
        db.flush().unwrap();
    }
    let out = cli_async(&config, &["store", "check"]).await;
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("sends GHOST to product 999, which does not exist"),
        "{stdout}"
    );
    let out = cli_async(&config, &["store", "check", "--json"]).await;
    let findings: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_check_s_repair_builds_the_order_search_again_offline_and_through_the_daemon() {
    let env = Env::new(2, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = env.write_config("0 0 1 1 *", "");
    {
        let store = Store::open(&env.store_path()).unwrap();
        let order = promua_sync::store::LocalOrder {
            prom_id: 4_321,
            status: "pending".into(),
            lines: vec![promua_sync::store::LocalLine {
                prom_product_id: Some(999_999),
                name: "Невідомий".into(),
                quantity: 1.into(),
                ..Default::default()
            }],
            ..Default::default()
        };
        let policy = promua_sync::domain::ReservationPolicy {
            reserve_statuses: vec!["pending".into()],
            done_status: None,
            release_statuses: Vec::new(),
            shipped_statuses: Vec::new(),
            aliases: Vec::new(),
            warehouse: "main".into(),
        };
        store
            .upsert_orders(&[order], &policy, &Default::default())
            .unwrap();
    }
    let unlinked = |out: std::process::Output| {
        let v: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
        v.iter()
            .map(|o| o["prom_id"].as_i64().unwrap())
            .collect::<Vec<_>>()
    };
    let list = ["orders", "list", "--unlinked", "--json"];
    for through_daemon in [false, true] {
        let child = if through_daemon {
            Some(env.start_daemon(&config).await)
        } else {
            None
        };
        let out = cli_async(&config, &["store", "check", "--repair"]).await;
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
        assert!(stdout.contains("is consistent"), "{stdout}");
        assert_eq!(unlinked(cli_async(&config, &list).await), vec![4_321]);
        if let Some(child) = child {
            stop_daemon(child).await;
        }
    }
}
