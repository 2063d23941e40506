//! The back-office CLI with the daemon stopped and running, the on-change push, and CSV.

use std::path::Path;
use std::process::{Child, Output};
use std::time::Duration;

use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{Actor, Store};

use crate::helpers::*;

fn ok(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

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

/// The same commands, with the daemon stopped (on the store) and running (through the API).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_commands_work_with_the_daemon_stopped_and_running() {
    let env = Env::new(3, SandboxOptions::default(), |_| 1).await;
    let config = env.write_config("0 0 1 1 *", "");
    let sku = env.catalogue[0].sku.clone().unwrap();

    let script = |phase: &str| -> Vec<(Vec<String>, String)> {
        let new_sku = format!("NEW-{phase}");
        [
            vec!["products", "add", &new_sku, "Нова річ", "--price", "99.50"],
            vec!["stock", "set", &new_sku, "5", "--warehouse", "main"],
            vec!["stock", "adjust", &new_sku, "-2"],
            vec!["prices", "set", &new_sku, "120"],
            // Prom ids no import has seen: linked only with --force.
            vec![
                "links",
                "link",
                &new_sku,
                if phase == "stopped" { "7001" } else { "7002" },
                "--force",
            ],
            vec!["stock", "adjust", &sku, "3", "--reason", phase],
        ]
        .into_iter()
        .map(|a| (a.iter().map(|s| s.to_string()).collect(), new_sku.clone()))
        .collect()
    };
    let check = |phase: &str| {
        let new_sku = format!("NEW-{phase}");
        let shown: serde_json::Value = serde_json::from_str(&ok(&cli(
            &config,
            &["products", "show", &new_sku, "--json"],
        )))
        .unwrap();
        assert_eq!(shown["stock"]["main"], 3, "{phase}: {shown}");
        assert_eq!(shown["price"], "120", "{phase}: {shown}");
        assert!(shown["prom_id"].is_i64(), "{phase}: {shown}");
        let journal: serde_json::Value =
            serde_json::from_str(&ok(&cli(&config, &["stock", "journal", &sku, "--json"])))
                .unwrap();
        assert_eq!(journal[0]["reason"], phase);
        assert_eq!(journal[0]["actor"], "cli");
        let list = ok(&cli(&config, &["links", "list", "--unlinked"]));
        assert!(!list.contains(&new_sku), "{phase}: {list}");
    };

    for (args, _) in script("stopped") {
        ok(&cli(
            &config,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
    }
    check("stopped");

    let daemon = env.start_daemon(&config).await;
    // A second process opening the store directly is told why it cannot.
    let err = Store::open(&env.store_path()).unwrap_err();
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
    for (args, _) in script("running") {
        ok(&cli(
            &config,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        ));
    }
    check("running");
    // Errors read the same through the API.
    let out = cli(&config, &["stock", "set", "NO-SUCH", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no product with SKU `NO-SUCH`"));
    let status = ok(&cli(&config, &["status"]));
    assert!(status.contains("stock"), "{status}");
    stop_daemon(daemon).await;

    // Everything done through the daemon is in the store.
    let store = Store::open(&env.store_path()).unwrap();
    let running = store.product_by_sku("NEW-running").unwrap().unwrap();
    assert_eq!(
        store.stock_of(running.id).unwrap(),
        vec![("main".to_string(), 3)]
    );
    assert_eq!(store.link_of(running.id).unwrap(), Some(7002));
}

/// Many stock changes made through the CLI while the daemon runs reach Prom.ua within
/// the debounce, together, in one request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_stock_changes_reach_the_sandbox_in_one_batch_after_the_debounce() {
    let env = Env::new(40, SandboxOptions::default(), |_| 1).await;
    // The scheduled job runs once a year: only the on-change push can send.
    let config = env.write_config("0 0 1 1 *", "");
    // Long enough for 25 CLI processes on a loaded 2-core machine: one batch only holds if
    // every change lands before the debounce ends.
    patch_file(&config, "[sync]\n", "[sync]\npush_debounce_ms = 8000\n");
    // What Prom has is already confirmed: only the changes below are to send.
    {
        let store = Store::open(&env.store_path()).unwrap();
        let cfg = promua_sync::config::load(&config).unwrap();
        let run = promua_sync::jobs::run_job(
            &cfg.jobs[0],
            &context(&cfg, &store),
            promua_sync::jobs::Mode::Apply,
        )
        .await
        .unwrap();
        assert_eq!(run.record.confirmed, 40);
        store.take_dirty(promua_sync::store::DIRTY_STOCK).unwrap();
        store.flush().await.unwrap();
    }
    env.sandbox.clear_requests();
    let daemon = env.start_daemon(&config).await;

    let changed: Vec<_> = env.catalogue.iter().take(25).collect();
    let started = std::time::Instant::now();
    tokio::task::block_in_place(|| {
        for (i, p) in changed.iter().enumerate() {
            ok(&cli(
                &config,
                &[
                    "stock",
                    "set",
                    p.sku.as_deref().unwrap(),
                    &(100 + i).to_string(),
                ],
            ));
        }
    });
    let typed = started.elapsed();
    assert!(
        typed < Duration::from_millis(8000),
        "the machine is too slow for this test: 25 commands took {typed:?}"
    );
    wait_for(
        "the changes on the sandbox",
        Duration::from_millis(8000) + typed + Duration::from_secs(3),
        || {
            changed.iter().enumerate().all(|(i, p)| {
                env.sandbox.product(p.id).unwrap().quantity_in_stock == Some(100 + i as i64)
            })
        },
    )
    .await;
    let sizes = assert_edit_requests_well_formed(&env.sandbox);
    assert_eq!(sizes, vec![25], "one batched request for all the changes");
    stop_daemon(daemon).await;
    let store = Store::open(&env.store_path()).unwrap();
    let run = store
        .last_run(promua_sync::jobs::push_stock::ON_CHANGE_JOB)
        .unwrap()
        .unwrap();
    assert_eq!((run.sent, run.confirmed), (25, 25));
}

fn products_csv(n: usize, bad: &[(usize, &str)]) -> String {
    let mut s = String::from("\u{feff}SKU;Назва;Ціна;Валюта\n");
    for i in 0..n {
        let mut row = format!("SKU-{i:05};Товар номер {i};{}.50;UAH", 10 + i % 90);
        for (at, kind) in bad {
            if *at == i {
                row = match *kind {
                    "price" => format!("SKU-{i:05};Товар номер {i};дорого;UAH"),
                    "name" => format!("SKU-{i:05};;10;UAH"),
                    _ => format!("SKU-00000;Дубль {i};10;UAH"),
                };
            }
        }
        s.push_str(&row);
        s.push('\n');
    }
    s
}

#[test]
fn a_10000_row_csv_with_three_bad_rows_applies_nothing_then_the_fixed_one_applies_whole() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("jobs.toml");
    std::fs::write(&config, "[store]\npath = \"store\"\n").unwrap();
    let file = dir.path().join("products.csv");
    let columns = [
        "--column",
        "sku=SKU",
        "--column",
        "name=Назва",
        "--column",
        "price=Ціна",
        "--column",
        "currency=Валюта",
    ];

    std::fs::write(
        &file,
        products_csv(10_000, &[(1234, "price"), (5000, "name"), (9998, "dup")]),
    )
    .unwrap();
    let mut args = vec!["products", "import", file.to_str().unwrap()];
    args.extend(columns);
    let out = cli(&config, &args);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Row numbers count the header as row 1.
    assert!(
        stderr.contains("row 1236, price: `дорого` is not a price"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 5002, name: the name is blank"),
        "{stderr}"
    );
    assert!(
        stderr.contains("row 10000, sku: SKU `SKU-00000` is also on row 2"),
        "{stderr}"
    );
    assert!(
        stderr.contains("3 row(s)") && stderr.contains("nothing was applied"),
        "{stderr}"
    );
    assert_eq!(
        Store::open(&dir.path().join("store"))
            .unwrap()
            .product_count(),
        0
    );

    std::fs::write(&file, products_csv(10_000, &[])).unwrap();
    let out = ok(&cli(&config, &args));
    assert!(out.contains("10000 row(s) applied: 10000 created"), "{out}");

    // Stock for all of them, `,`-separated, in one step, each move journalled.
    let stock = dir.path().join("stock.csv");
    let mut text = String::from("sku,warehouse,quantity\n");
    for i in 0..10_000 {
        text.push_str(&format!("SKU-{i:05},main,{}\n", i % 17));
    }
    std::fs::write(&stock, text).unwrap();
    let out = ok(&cli(
        &config,
        &[
            "products",
            "import",
            stock.to_str().unwrap(),
            "--kind",
            "stock",
        ],
    ));
    assert!(out.contains("10000 row(s) applied"), "{out}");
    let store = Store::open(&dir.path().join("store")).unwrap();
    assert_eq!(store.product_count(), 10_000);
    let p = store.product_by_sku("SKU-01234").unwrap().unwrap();
    assert_eq!(p.price, Some("74.50".parse().unwrap()), "10 + 1234 % 90");
    assert_eq!(
        store.stock_of(p.id).unwrap(),
        vec![("main".to_string(), 1234 % 17)]
    );
    let journal = store.journal(None, 20_000).unwrap();
    assert_eq!(journal.len(), 10_000);
    assert!(
        journal.iter().all(|e| e.actor == Actor::Csv
            && e.reason.as_deref().is_some_and(|r| r.contains("stock.csv")))
    );
    drop(store);

    // The export reads back the same.
    let out_file = dir.path().join("export.csv");
    ok(&cli(
        &config,
        &[
            "products",
            "export",
            out_file.to_str().unwrap(),
            "--kind",
            "stock",
        ],
    ));
    let exported = std::fs::read_to_string(&out_file).unwrap();
    assert_eq!(exported.lines().count(), 10_001);
    assert!(exported.contains("SKU-01234,main,10\n"));
}

/// What a refused command must say, and its exit code.
struct Refused {
    args: Vec<String>,
    code: i32,
    says: Vec<String>,
}

fn refused(args: &[&str], says: &[&str]) -> Refused {
    Refused {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: 2,
        says: says.iter().map(|s| s.to_string()).collect(),
    }
}

fn check_refused(config: &Path, phase: &str, cases: &[Refused]) {
    for case in cases {
        let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        let out = cli(config, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            out.status.code(),
            Some(case.code),
            "{phase}: {args:?}: {stderr}"
        );
        for s in &case.says {
            assert!(
                stderr.contains(s),
                "{phase}: {args:?}: `{s}` not in:\n{stderr}"
            );
        }
        assert!(
            !(args
                .iter()
                .any(|a| a.len() > 20 && a.bytes().all(|b| b.is_ascii_digit() || b == b'-'))
                && stderr.contains("not a whole number")),
            "{phase}: a long number is too large, not `not a whole number`: {stderr}"
        );
    }
}

/// Bad quantities, deltas, warehouses and Prom ids, on the command line and in CSV files,
/// are refused with the place named, exit 2, and change nothing; the same with the daemon
/// stopped (on the store) and running (through the admin API).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_quantities_warehouses_and_prom_ids_are_refused_and_change_nothing() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let config = env.write_config("0 0 1 1 *", "");
    patch_file(
        &config,
        "[sync]\n",
        "[sync]\nlocal_warehouses = [\"returns\"]\n",
    );
    patch_file(&config, "[admin]\n", "[admin]\nmax_csv_body_mb = 1\n");
    let sku = env.catalogue[0].sku.clone().unwrap();
    let sku = sku.as_str();
    let dir = env.dir.path();
    let write = |name: &str, text: &str| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let bad_stock = write(
        "bad-stock.csv",
        &format!(
            "sku,warehouse,quantity\n{sku},main,4\n{sku},nowhere,1\n{sku},returns,-1\n{sku},returns,123456789012345678901\n{sku},returns,2.5\n"
        ),
    );
    let no_column = write("no-column.csv", &format!("sku,quantity\n{sku},4\n"));
    let bad_links = write(
        "bad-links.csv",
        &format!("prom_id,local_sku\n-5,{sku}\n0,{sku}\n"),
    );
    let mut many = format!("sku,warehouse,quantity\n{sku},main,4\n");
    for i in 0..3000 {
        many.push_str(&format!("{sku},main-{i},1\n"));
    }
    let many = write("many.csv", &many);
    let big = write(
        "big.csv",
        &format!(
            "sku,warehouse,quantity\n{}",
            format!("{sku},main,1\n").repeat(100_000)
        ),
    );
    let warehouses = [
        "`main`, `returns`",
        "declare it in [sync] warehouses or [sync] local_warehouses",
    ];
    let cases = {
        vec![
            refused(
                &["stock", "set", sku, "-5"],
                &["'-5'", "`-5` is negative: a quantity must not be negative"],
            ),
            refused(
                &["stock", "set", sku, "123456789012345678901"],
                &["`123456789012345678901` is too large: a quantity is at most 1,000,000,000"],
            ),
            refused(&["stock", "set", sku, "1000000001"], &["is too large"]),
            refused(
                &["stock", "set", sku, "1.5"],
                &["`1.5` is not a whole number"],
            ),
            refused(
                &["stock", "set", sku, "3", "--warehouse", "nowhere"],
                &["unknown warehouse `nowhere`", warehouses[0], warehouses[1]],
            ),
            refused(
                &["stock", "adjust", sku, "-6"],
                &["would take the stock of", "below 0", "5 - 6 = -1"],
            ),
            refused(
                &["stock", "adjust", sku, "999999996"],
                &["above the largest quantity, 1,000,000,000"],
            ),
            refused(
                &["stock", "adjust", sku, "-123456789012345678901"],
                &["is too large: a delta is at most 1,000,000,000 either way"],
            ),
            refused(
                &["stock", "adjust", sku, "1", "--warehouse", "attic"],
                &["unknown warehouse `attic`", warehouses[1]],
            ),
            refused(
                &["links", "link", sku, "-5"],
                &["`-5` is not a Prom product id: Prom ids are positive"],
            ),
            refused(
                &["links", "link", sku, "0"],
                &["`0` is not a Prom product id"],
            ),
            refused(
                &["links", "accept", "7", "-5"],
                &["`-5` is not a Prom product id"],
            ),
            refused(
                &["products", "import", &bad_stock, "--kind", "stock"],
                &[
                    "4 row(s) of the file are wrong; nothing was applied",
                    "row 3, warehouse: unknown warehouse `nowhere`",
                    "row 4, quantity: `-1` is negative: a quantity must not be negative",
                    "row 5, quantity: `123456789012345678901` is too large",
                    "row 6, quantity: `2.5` is not a whole number",
                ],
            ),
            refused(
                &[
                    "products",
                    "import",
                    &no_column,
                    "--kind",
                    "stock",
                    "--warehouse",
                    "nowhere",
                ],
                &[
                    "the warehouse of the file's rows: unknown warehouse `nowhere`",
                    warehouses[1],
                ],
            ),
            refused(
                &["links", "apply", &bad_links],
                &[
                    "row 2, prom_id: `-5` is not a Prom product id",
                    "row 3, prom_id: `0` is not a Prom product id",
                ],
            ),
            refused(
                &["products", "import", &many, "--kind", "stock"],
                &[
                    "3,000 row(s) of the file are wrong; nothing was applied:",
                    "row 3, warehouse: unknown warehouse `main-0`",
                    "row 22, warehouse: unknown warehouse `main-19`",
                    "… and 2,980 more rows with errors",
                ],
            ),
            refused(
                &["products", "import", &big, "--kind", "stock"],
                &[
                    "big.csv is 1.",
                    "MB; a CSV file may be at most 1 MB ([admin] max_csv_body_mb)",
                ],
            ),
            refused(
                &["links", "apply", &big],
                &["a CSV file may be at most 1 MB ([admin] max_csv_body_mb)"],
            ),
        ]
    };
    let state = || {
        let store = Store::open(&env.store_path()).unwrap();
        let p = store.product_by_sku(sku).unwrap().unwrap();
        let state = (
            store.stock_of(p.id).unwrap(),
            store.journal(None, 100).unwrap().len(),
            store.link_of(p.id).unwrap(),
        );
        drop(store);
        state
    };
    let before = state();
    assert_eq!(before.0, vec![("main".to_string(), 5)]);
    check_refused(&config, "stopped", &cases);
    // The 3,000-error file is not 3,000 lines of output.
    let out = cli(&config, &["products", "import", &many, "--kind", "stock"]);
    assert!(String::from_utf8_lossy(&out.stderr).lines().count() < 25);
    assert_eq!(state(), before, "nothing changed with the daemon stopped");

    let daemon = env.start_daemon(&config).await;
    tokio::task::block_in_place(|| check_refused(&config, "running", &cases));
    // A declared local warehouse is fine.
    ok(&cli(
        &config,
        &["stock", "set", sku, "2", "--warehouse", "returns"],
    ));
    stop_daemon(daemon).await;
    let after = state();
    assert_eq!(
        after.0,
        vec![("main".to_string(), 5), ("returns".to_string(), 2)],
        "only the one good command changed anything"
    );
    assert_eq!(after.1, before.1 + 1);
    assert_eq!(after.2, before.2);
}

/// More than a million rows, or a field over 4 KiB: refused, row and field named.
#[tokio::test]
async fn csv_files_are_bounded_in_rows_and_field_length() {
    use promua_sync::backoffice::{BackOffice, BackofficeError, CsvKind, CsvOptions, Ledger};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let office = BackOffice::new(store.clone(), Actor::Cli, vec![]).with_warehouses(["main"]);
    store.add_product("R-1", "Рядок").unwrap();

    let mut text = String::from("sku,warehouse,quantity\n");
    text.push_str(&"R-1,main,1\n".repeat(promua_sync::backoffice::MAX_ROWS + 1));
    let err = office
        .import_csv(CsvKind::Stock, text.as_bytes(), &CsvOptions::default())
        .await
        .unwrap_err();
    drop(text);
    let BackofficeError::Rows(rows) = &err else {
        panic!("{err:?}")
    };
    let last = rows.last().unwrap();
    assert_eq!((last.row, last.field.as_str()), (1_000_002, "(file)"));
    assert!(
        last.message.contains("more than 1,000,000 data rows"),
        "{last:?}"
    );

    let long_name = "я".repeat(2100);
    let text = format!(
        "sku,name,price,notes\nR-2,Фен,10,ok\nR-3,{long_name},10,ok\nR-4,Праска,10,{}\n",
        "n".repeat(5000)
    );
    let err = office
        .import_csv(CsvKind::Products, text.as_bytes(), &CsvOptions::default())
        .await
        .unwrap_err();
    let BackofficeError::Rows(rows) = &err else {
        panic!("{err:?}")
    };
    let found: Vec<(u64, &str)> = rows.iter().map(|r| (r.row, r.field.as_str())).collect();
    assert_eq!(found, [(3, "name"), (4, "notes")], "{rows:?}");
    assert!(
        rows[0]
            .message
            .contains("is 4,200 bytes long; a field holds at most 4,096 bytes (4 KiB)"),
        "{rows:?}"
    );
    assert_eq!(store.product_count(), 1, "nothing applied");
    assert!(store.journal(None, 10).unwrap().is_empty());
}
