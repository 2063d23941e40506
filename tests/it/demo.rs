//! `demo`: the real binary walks the whole integration; what it leaves with `--keep`
//! (the store, the sandbox's data, a jobs.toml) shows every step's effect on both sides,
//! and works as the demo tells the user to use it. `--step` waits for each line and
//! never hangs on a closed stdin; `--keep` never writes into anything but a new or empty
//! directory; the environment meant for a real shop never reaches the demo; Ctrl-C and
//! a plain run leave nothing behind.

use std::io::{BufRead, Read, Write};
use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use promua_sync::backoffice::{Access, Connection, Ledger, OrderQuery};
use promua_sync::config;
use promua_sync::sandbox::Catalogue;
use rust_decimal::Decimal;

use crate::helpers::*;

/// The steps' titles and the commands each names, as the demo prints them (after
/// `promua-sync --config FILE`).
const STEPS: [(&str, &[&str]); 7] = [
    (
        "Step 1/7: Stage the shop's catalogue",
        &[
            "job run catalogue --dry-run",
            "job run catalogue",
            "staged list --unlinked",
        ],
    ),
    (
        "Step 2/7: Link by identical SKU",
        &["job run link --dry-run", "job run link"],
    ),
    (
        "Step 3/7: Link the rest",
        &[
            "links link LMP-20 1100002",
            "links suggest --min-score 0.6",
            "links accept 1100001 1100004",
        ],
    ),
    (
        "Step 4/7: Take the orders in",
        &[
            "job run orders",
            "orders list --unlinked",
            "orders link-line 900002 2 MUG-350",
        ],
    ),
    (
        "Step 5/7: A reservation lowers the stock",
        &["products show KT-1", "job run stock"],
    ),
    (
        "Step 6/7: A status and a price go out",
        &[
            "orders set-status 900001 received",
            "job run statuses",
            "prices set KT-3 160.00",
            "job run prices",
        ],
    ),
    (
        "Step 7/7: A cabinet edit is found and repaired",
        &["job run verify"],
    ),
];

/// The screen after the steps.
const CLOSING: &str = "== Then: point the same configuration at your shop ==";

/// Kills `child` (failing the test) unless it ends within 60 s.
fn wait_bounded(child: &mut Child, what: &str) {
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("{what} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs `demo` with `args` (stdin closed), killed (and the test failed) after 60 s.
fn demo(args: &[&str]) -> (Output, Duration) {
    demo_with(bin().arg("demo").args(args))
}

fn demo_with(cmd: &mut std::process::Command) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read as it comes, so that a full pipe never stalls the demo.
    let out = collect(child.stdout.take().unwrap());
    let err = collect(child.stderr.take().unwrap());
    wait_bounded(&mut child, "demo");
    let status = child.wait().unwrap();
    let took = started.elapsed();
    let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
    (
        Output {
            status,
            stdout,
            stderr,
        },
        took,
    )
}

fn collect(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// Stdout read into a shared string as it comes, for tests that watch a demo running.
fn watch(r: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let seen = Arc::new(Mutex::new(String::new()));
    let into = seen.clone();
    std::thread::spawn(move || {
        let mut r = std::io::BufReader::new(r);
        let mut buf = [0u8; 4096];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => into
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n])),
            }
        }
    });
    seen
}

/// Waits (at most 30 s) until `seen` satisfies `cond`.
fn wait_until(seen: &Arc<Mutex<String>>, what: &str, cond: impl Fn(&str) -> bool) {
    let started = Instant::now();
    while !cond(&seen.lock().unwrap()) {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no {what} within 30 s in:\n{}",
            seen.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn ok_stdout(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

fn entries(dir: &Path) -> Vec<std::ffi::OsString> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_walks_every_step_and_keeps_a_world_that_works_as_told() {
    let dir = tempfile::tempdir().unwrap();
    // A space in the name: every printed command must still work as printed.
    let kept = dir.path().join("kept world");
    let (out, took) = demo(&["--keep", kept.to_str().unwrap()]);
    println!("demo --keep took {:.2} s (debug build)", took.as_secs_f64());
    let stdout = ok_stdout(&out);
    let config_file = kept.join("jobs.toml");
    let seed = kept.join("sandbox.json");
    let config_arg = format!("--config '{}'", config_file.display());

    // Each step, in order, with the commands a user would type, each with the demo's
    // configuration (never ./jobs.toml or /etc/promua-sync/jobs.toml by default).
    let mut rest = stdout.as_str();
    for (title, commands) in STEPS {
        let at = rest
            .find(title)
            .unwrap_or_else(|| panic!("no `{title}` (in order) in:\n{stdout}"));
        rest = &rest[at..];
        let end = rest[title.len()..]
            .find("\n== ")
            .map_or(rest.len(), |i| i + title.len());
        let paragraph = &rest[..end];
        for c in commands {
            assert!(
                paragraph.contains(&format!("$ promua-sync {config_arg} {c}\n")),
                "`{title}` does not name `{c}` with {config_arg}:\n{paragraph}"
            );
        }
        for line in paragraph.lines().filter(|l| l.contains("$ promua-sync ")) {
            assert!(line.contains("--config "), "no --config in `{line}`");
        }
    }
    assert!(!stdout.contains("Step 8"), "{stdout}");
    let closing = &stdout[stdout.find(CLOSING).expect(CLOSING)..];
    assert!(stdout.contains("The demo walked 7 steps in "), "{stdout}");
    for hard in [
        "hard case: Prom product 1100001: blank SKU",
        "hard case: Prom product 1100002: SKU LMP-20 is on 2 Prom products",
        "hard case: Prom product 1100004: SKU bag-30 looks like local SKU BAG-30",
    ] {
        assert!(stdout.contains(hard), "no `{hard}` in:\n{stdout}");
    }
    // The runs are reported as `job run` reports them (RunRecord's Display).
    assert!(
        stdout.contains("    job:        stock (push_stock)\n    outcome:    ok\n"),
        "{stdout}"
    );
    for told in [
        format!("$ promua-sync {config_arg} links list"),
        format!(
            "$ promua-sync sandbox --seed-file '{}' --listen 127.0.0.1:8099 --token demo-sandbox-token",
            seed.display()
        ),
        format!("$ promua-sync {config_arg} job run verify --full --dry-run"),
        "$ promua-sync --config /etc/promua-sync/jobs.toml check-config --online".into(),
    ] {
        assert!(closing.contains(&told), "no `{told}` in:\n{closing}");
    }

    // The sandbox's side, as kept: what Prom showed at the end.
    let shop = Catalogue::from_seed_file(&seed).unwrap();
    let product = |id: i64| shop.products.iter().find(|p| p.id == id).unwrap();
    // KT-1: 10 counted, 2 held by order 900001.
    assert_eq!(product(1_000_001).quantity_in_stock, Some(8));
    // MUG-350: 10 counted, 1 on each order (one line linked by hand).
    assert_eq!(product(1_100_005).quantity_in_stock, Some(8));
    // KT-3: 160.00 + 10 %, rounded to 1, ending .99.
    assert_eq!(product(1_000_003).price, Decimal::new(17599, 2));
    // The cabinet edits (KT-4 quantity 99, KT-5 price 139) repaired.
    assert_eq!(product(1_000_004).quantity_in_stock, Some(8));
    assert_eq!(product(1_000_005).price, Decimal::new(16499, 2));
    let status = |id: i64| &shop.orders.iter().find(|o| o.id == id).unwrap().status;
    assert_eq!(status(900_001), "received");
    assert_eq!(status(900_002), "pending");
    // Prom-only products are untouched: the copy of the lamp keeps its seed quantity.
    assert_eq!(product(1_100_003).quantity_in_stock, Some(4));

    // The store's side, through the ledger a CLI command gets.
    let no_env: [(&str, &str); 0] = [];
    let config = config::load_with_env(&config_file, no_env).unwrap();
    assert_eq!(config.prom.base_url, "http://127.0.0.1:8099/api/v1");
    let Connection::Store(office) = promua_sync::backoffice::connect(&config, Access::ReadWrite)
        .await
        .unwrap()
    else {
        panic!("the kept store is held");
    };
    let links: std::collections::BTreeMap<String, Option<i64>> = office
        .links(false)
        .await
        .unwrap()
        .into_iter()
        .map(|l| (l.sku, l.prom_id))
        .collect();
    assert_eq!(links.len(), 34);
    for i in 1..=30 {
        assert_eq!(links[&format!("KT-{i}")], Some(1_000_000 + i));
    }
    for (sku, prom) in [
        ("MUG-350", 1_100_005),
        ("LMP-20", 1_100_002),
        ("TEF-150", 1_100_001),
        ("BAG-30", 1_100_004),
    ] {
        assert_eq!(links[sku], Some(prom), "{sku}");
    }
    let mug = office.show_product("MUG-350").await.unwrap();
    assert_eq!(mug.reserved, 2);
    let order = office.show_order(900_002).await.unwrap();
    assert_eq!(order.lines[1].product_id, Some(mug.product.id));
    assert!(order.lines[1].hand_linked);
    let unlinked = office
        .list_orders(&OrderQuery {
            unlinked: true,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert!(unlinked.is_empty());
    let first = office.show_order(900_001).await.unwrap();
    assert_eq!(first.status, "received");
    assert!(!first.status_pending);
    assert_eq!(first.prom_status.as_deref(), Some("received"));
    let kt3 = office.show_product("KT-3").await.unwrap();
    assert_eq!(kt3.product.price, Some(Decimal::new(16000, 2)));
    let kt1 = office.show_product("KT-1").await.unwrap();
    assert_eq!((kt1.total_stock, kt1.reserved), (10, 2));
    drop(office);

    // The kept world, used as the demo tells: the CLI reads the store...
    let listed = ok_stdout(&cli(&config_file, &["links", "list"]));
    assert!(
        listed.contains("TEF-150") && listed.contains("1100001"),
        "{listed}"
    );
    // ...the kept jobs.toml passes check-config as it is, without a warning...
    let checked = cli(&config_file, &["check-config"]);
    let said = format!(
        "{}{}",
        ok_stdout(&checked),
        String::from_utf8_lossy(&checked.stderr)
    );
    assert!(!said.contains("warning:"), "{said}");
    // ...and the real `sandbox` command serves the seed file to the kept configuration
    // (on a free port rather than 8099, given through the environment override a user
    // has too): the world is in step, so verify finds nothing and a second stock push
    // sends nothing.
    let mut sandbox = bin()
        .args([
            "sandbox",
            "--listen",
            "127.0.0.1:0",
            "--token",
            "demo-sandbox-token",
        ])
        .arg("--seed-file")
        .arg(&seed)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut first_line = String::new();
    std::io::BufReader::new(sandbox.stdout.as_mut().unwrap())
        .read_line(&mut first_line)
        .unwrap();
    let base = first_line
        .trim()
        .strip_prefix("Prom.ua sandbox: base_url = \"")
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_else(|| panic!("{first_line}"))
        .to_string();
    let job = |args: &[&str]| {
        bin()
            .env("PROMUA_SYNC__PROM__BASE_URL", &base)
            .arg("--config")
            .arg(&config_file)
            .args(args)
            .output()
            .unwrap()
    };
    let verified = ok_stdout(&job(&["job", "run", "verify", "--full", "--dry-run"]));
    assert!(
        verified.contains("34 of 34 linked compared, 0 drifted field(s)"),
        "{verified}"
    );
    let pushed = ok_stdout(&job(&["job", "run", "stock"]));
    assert!(pushed.contains("sent:       0\n"), "{pushed}");
    let control = base.replace("/api/v1", "/__sandbox/requests");
    let requests: Vec<serde_json::Value> = reqwest::Client::new()
        .get(&control)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let edits = requests
        .iter()
        .filter(|r| {
            r["method"] == "POST" && r["path"].as_str().unwrap().ends_with("/products/edit")
        })
        .count();
    assert!(!requests.is_empty(), "the jobs did not reach the sandbox");
    assert_eq!(edits, 0, "{requests:#?}");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sandbox.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    wait_bounded(&mut sandbox, "sandbox");
}

#[test]
fn demo_ignores_the_real_shops_environment_and_leaves_no_temp_dir() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let real_store = root.path().join("real-store");
    let (out, _) = demo_with(
        bin()
            .args(["demo", "--products", "5"])
            .env("TMPDIR", &tmp)
            .env("PROMUA_SYNC__PROM__TOKEN", "the-real-shops-token")
            .env("PROMUA_SYNC__STORE__PATH", &real_store)
            .env("PROMUA_SYNC__PROM__BASE_URL", "http://127.0.0.1:9/api/v1"),
    );
    let stdout = ok_stdout(&out);
    assert!(stdout.contains("The demo walked 7 steps"), "{stdout}");
    assert!(!real_store.exists(), "the demo wrote into the real store");
    assert!(entries(&tmp).is_empty(), "left behind: {:?}", entries(&tmp));
}

#[test]
fn demo_step_goes_on_at_end_of_input() {
    // Stdin closed: the first pause reads EOF and the demo goes on, pausing no more.
    let (out, took) = demo(&["--step", "--products", "5"]);
    let stdout = ok_stdout(&out);
    assert_eq!(stdout.matches("press Enter").count(), 1, "{stdout}");
    assert!(stdout.contains(CLOSING), "{stdout}");
    assert!(took < Duration::from_secs(30), "{took:?}");
}

#[test]
fn demo_step_waits_for_each_line_on_an_open_pipe() {
    let mut child = bin()
        .args(["demo", "--step", "--products", "5"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let seen = watch(child.stdout.take().unwrap());
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(b"\n\n\n").unwrap();
    stdin.flush().unwrap();
    // Three lines: steps 2 to 4 start, and the pause after step 4 waits.
    wait_until(&seen, "the 4th pause", |s| {
        s.matches("press Enter").count() == 4
    });
    std::thread::sleep(Duration::from_millis(700));
    {
        let s = seen.lock().unwrap();
        assert!(s.contains("Step 4/7"), "{s}");
        assert!(!s.contains("Step 5/7"), "went on without a line:\n{s}");
        assert_eq!(s.matches("press Enter").count(), 4, "{s}");
    }
    assert!(child.try_wait().unwrap().is_none(), "the demo ended");
    stdin.write_all(b"\n").unwrap();
    stdin.flush().unwrap();
    wait_until(&seen, "step 5", |s| s.contains("Step 5/7"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(!seen.lock().unwrap().contains("Step 6/7"));
    // The end of input: no more pauses.
    drop(stdin);
    wait_bounded(&mut child, "demo --step");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let s = seen.lock().unwrap();
    assert!(s.contains(CLOSING), "{s}");
    // The 5th pause read the end of input and was the last.
    assert_eq!(s.matches("press Enter").count(), 5, "{s}");
}

#[test]
fn ctrl_c_stops_the_demo_with_130_and_leaves_nothing() {
    let root = tempfile::tempdir().unwrap();
    let tmp = root.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let new_dir = root.path().join("new");
    for keep in [false, true] {
        let mut cmd = bin();
        cmd.args(["demo", "--step", "--products", "5"])
            .env("TMPDIR", &tmp);
        if keep {
            cmd.arg("--keep").arg(&new_dir);
        }
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let seen = watch(child.stdout.take().unwrap());
        let err = collect(child.stderr.take().unwrap());
        // Held open and silent: the demo waits in its first pause.
        let stdin = child.stdin.take().unwrap();
        wait_until(&seen, "the first pause", |s| s.contains("press Enter"));
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGINT,
        )
        .unwrap();
        wait_bounded(&mut child, "demo after Ctrl-C");
        drop(stdin);
        let code = child.wait().unwrap().code();
        let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
        assert_eq!(code, Some(130), "keep {keep}: {stderr}");
        assert!(stderr.contains("interrupted"), "{stderr}");
        assert!(entries(&tmp).is_empty(), "left behind: {:?}", entries(&tmp));
        assert!(
            !new_dir.exists(),
            "--keep {}: left behind",
            new_dir.display()
        );
        if keep {
            assert!(stderr.contains(&new_dir.display().to_string()), "{stderr}");
        }
    }
}

#[test]
fn demo_keep_refuses_anything_but_a_new_or_empty_dir_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let full = root.path().join("full");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("notes.txt"), "mine").unwrap();
    let file = root.path().join("a-file");
    std::fs::write(&file, "mine").unwrap();
    let dangling = root.path().join("dangling");
    std::os::unix::fs::symlink(root.path().join("nowhere"), &dangling).unwrap();
    for (dir, says) in [
        (&full, "not empty"),
        (&file, "not a directory"),
        (&dangling, "symbolic link to nothing"),
    ] {
        let (out, _) = demo(&["--keep", dir.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains(&dir.display().to_string()) && stderr.contains(says),
            "{stderr}"
        );
        assert!(
            out.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    assert_eq!(entries(&full), ["notes.txt"]);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
    assert!(!root.path().join("nowhere").exists());
    let mut names = entries(root.path());
    names.sort();
    assert_eq!(names, ["a-file", "dangling", "full"]);
}
