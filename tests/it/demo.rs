//! `demo`: the real binary walks the whole integration; what it leaves with `--keep`
//! (the store, the sandbox's data, a jobs.toml) shows every step's effect on both sides.
//! `--step` never hangs on a closed stdin; `--keep` never writes into a non-empty dir.

use std::io::Write;
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use promua_sync::backoffice::{Access, Connection, Ledger, OrderQuery};
use promua_sync::config;
use promua_sync::sandbox::Catalogue;
use rust_decimal::Decimal;

use crate::helpers::*;

/// The steps' titles and the commands each names, as the demo prints them.
const STEPS: [(&str, &[&str]); 8] = [
    (
        "Step 1/8: Stage the shop's catalogue",
        &[
            "job run catalogue --dry-run",
            "job run catalogue",
            "staged list --unlinked",
        ],
    ),
    (
        "Step 2/8: Link by identical SKU",
        &["job run link --dry-run", "job run link"],
    ),
    (
        "Step 3/8: Link the rest",
        &[
            "links link LMP-20 1100002",
            "links suggest --min-score 0.6",
            "links accept 1100001 1100004",
        ],
    ),
    (
        "Step 4/8: Take the orders in",
        &[
            "job run orders",
            "orders list --unlinked",
            "orders link-line 900002 2 MUG-350",
        ],
    ),
    (
        "Step 5/8: A reservation lowers the stock",
        &["products show KT-1", "job run stock"],
    ),
    (
        "Step 6/8: A status and a price go out",
        &[
            "orders set-status 900001 received",
            "job run statuses",
            "prices set KT-3 160.00",
            "job run prices",
        ],
    ),
    (
        "Step 7/8: A cabinet edit is found and repaired",
        &["job run verify"],
    ),
    (
        "Step 8/8: Point the same configuration at your shop",
        &["check-config --online"],
    ),
];

/// Runs `demo` with `args` and `stdin`, killed (and the test failed) after 60 s.
fn demo(args: &[&str], stdin: Option<&str>) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = bin()
        .arg("demo")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).unwrap();
        // Dropped: the demo reads EOF after these lines.
    }
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("demo {args:?} did not end within 60 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    (out, started.elapsed())
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_walks_every_step_and_keeps_its_world() {
    let dir = tempfile::tempdir().unwrap();
    let kept = dir.path().join("kept");
    let (out, took) = demo(&["--keep", kept.to_str().unwrap()], None);
    println!("demo --keep took {:.2} s (debug build)", took.as_secs_f64());
    let stdout = ok_stdout(&out);
    assert!(took < Duration::from_secs(60), "demo took {took:?}");

    // Each step, in order, with the commands a user would type.
    let mut rest = stdout.as_str();
    for (title, commands) in STEPS {
        let at = rest
            .find(title)
            .unwrap_or_else(|| panic!("no `{title}` (in order) in:\n{stdout}"));
        rest = &rest[at..];
        let end = rest[title.len()..]
            .find("== Step ")
            .map_or(rest.len(), |i| i + title.len());
        let paragraph = &rest[..end];
        for c in commands {
            assert!(
                paragraph.contains(&format!("$ promua-sync {c}\n")),
                "`{title}` does not name `{c}`:\n{paragraph}"
            );
        }
    }
    for hard in [
        "hard case: Prom product 1100001: blank SKU",
        "hard case: Prom product 1100002: SKU LMP-20 is on 2 Prom products",
        "hard case: Prom product 1100004: SKU bag-30 looks like local SKU BAG-30",
    ] {
        assert!(stdout.contains(hard), "no `{hard}` in:\n{stdout}");
    }
    let config_file = kept.join("jobs.toml");
    let seed = kept.join("sandbox.json");
    assert!(stdout.contains(&format!(
        "promua-sync --config {} links list",
        config_file.display()
    )));
    assert!(stdout.contains(&format!(
        "promua-sync sandbox --seed-file {} --listen 127.0.0.1:8099",
        seed.display()
    )));

    // The sandbox's side, as kept: what Prom showed at the end.
    let shop: Catalogue = serde_json::from_slice(&std::fs::read(&seed).unwrap()).unwrap();
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
    let config = config::load(&config_file).unwrap();
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

    // And the CLI reads it with the kept jobs.toml.
    let out = cli(&config_file, &["links", "list"]);
    let listed = ok_stdout(&out);
    assert!(
        listed.contains("TEF-150") && listed.contains("1100001"),
        "{listed}"
    );
}

#[test]
fn demo_step_goes_on_at_end_of_input_and_pauses_on_each_line() {
    // Stdin closed: the first pause reads EOF and the demo goes on, pausing no more.
    let (out, took) = demo(&["--step", "--products", "5"], None);
    let stdout = ok_stdout(&out);
    assert_eq!(stdout.matches("press Enter").count(), 1, "{stdout}");
    assert!(stdout.contains("Step 8/8"), "{stdout}");
    assert!(took < Duration::from_secs(30), "{took:?}");

    // One line per pause: the 7 pauses between 8 steps each take one.
    let (out, _) = demo(&["--step", "--products", "5"], Some(&"\n".repeat(7)));
    let stdout = ok_stdout(&out);
    assert_eq!(stdout.matches("press Enter").count(), 7, "{stdout}");
    assert!(stdout.contains("Step 8/8"), "{stdout}");
}

#[test]
fn demo_keep_refuses_a_non_empty_dir_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "mine").unwrap();
    let (out, _) = demo(&["--keep", dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&dir.path().display().to_string()) && stderr.contains("not empty"),
        "{stderr}"
    );
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"]);
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
