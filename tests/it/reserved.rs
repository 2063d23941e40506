//! Reservations made visible (issue 12): reserved and available figures per product, the
//! orders holding a product, warnings when a stock write leaves the pushed stock below
//! what open orders reserve (or below 0), and orders naming their products by SKU; with
//! the daemon stopped (the CLI on the store) and running (the admin API).

use std::path::PathBuf;
use std::process::Output;

use promua_sync::config;
use promua_sync::jobs::{Mode, run_job};
use promua_sync::sandbox::{SandboxOptions, SandboxOrder};
use promua_sync::store::Store;
use serde_json::{Value, json};

use crate::helpers::*;

const JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"
"#;

/// Stock of the three products in `main`.
const STOCK: [i64; 3] = [5, 2, 0];

/// A shop whose orders are pulled: `a` (pending) holds 3 of product 0, 4 of product 1 and
/// has a line matching no local product; `b` (received) holds 1 of product 0; `c` was
/// delivered, shipping 1 of product 2 (whose `main` stock goes to -1). Pushed warehouses:
/// `main`, `shop`; `returns` is local.
struct Shop {
    env: Env,
    config: PathBuf,
    skus: Vec<String>,
    a: i64,
    b: i64,
    c: i64,
}

fn order(status: &str, lines: Vec<(i64, &str, i64)>) -> SandboxOrder {
    buyer_order(
        status,
        lines
            .into_iter()
            .map(|(id, sku, q)| (Some(id), sku, q))
            .collect(),
    )
}

async fn shop() -> Shop {
    let env = Env::new(3, SandboxOptions::default(), |i| STOCK[i]).await;
    let config = env.write_config("0 0 1 1 *", JOBS);
    patch_file(
        &config,
        "warehouses = [\"main\"]\n",
        "warehouses = [\"main\", \"shop\"]\nlocal_warehouses = [\"returns\"]\n",
    );
    let cat = env.catalogue.clone();
    let skus: Vec<String> = cat.iter().map(|p| p.sku.clone().unwrap()).collect();
    let a = env.sandbox.place_order(order(
        "pending",
        vec![
            (cat[0].id, &skus[0], 3),
            (cat[1].id, &skus[1], 4),
            (99_000_123, "EXT-1", 2),
        ],
    ));
    let b = env
        .sandbox
        .place_order(order("received", vec![(cat[0].id, &skus[0], 1)]));
    let c = env
        .sandbox
        .place_order(order("pending", vec![(cat[2].id, &skus[2], 1)]));
    {
        let loaded = config::load(&config).unwrap();
        let store = Store::open(&loaded.store.path).unwrap();
        let job = loaded.jobs.iter().find(|j| j.name == "orders").unwrap();
        run_job(job, &context(&loaded, &store), Mode::Apply)
            .await
            .unwrap();
        store.flush_blocking().unwrap();
    }
    let shop = Shop {
        env,
        config,
        skus,
        a: a.id,
        b: b.id,
        c: c.id,
    };
    // C's stock is 0: shipping it takes the stock below zero, which the command says.
    let (_, stderr) = shop.ok_warned(&["orders", "set-status", &shop.c.to_string(), "delivered"]);
    assert!(
        stderr.contains(&format!("warning: {}: stock -1", shop.skus[2])),
        "{stderr}"
    );
    shop
}

impl Shop {
    fn run(&self, args: &[&str]) -> Output {
        cli(&self.config, args)
    }

    /// Runs a command that must succeed with nothing on stderr; its stdout.
    fn ok(&self, args: &[&str]) -> String {
        let (stdout, stderr) = self.ok_warned(args);
        assert_eq!(stderr, "", "{args:?}");
        stdout
    }

    /// Runs a command that must exit 0; its stdout and stderr.
    fn ok_warned(&self, args: &[&str]) -> (String, String) {
        let out = self.run(args);
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&self.ok(&args)).unwrap()
    }

    /// (reserved, available) of a product's view.
    fn figures(v: &Value) -> (i64, i64) {
        (
            v["reserved"].as_i64().unwrap(),
            v["available"].as_i64().unwrap(),
        )
    }
}

/// The `warning:` lines of a command's stderr.
fn warnings(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect()
}

/// (sku, quantity) of a list of `SkuQuantity`.
fn by_sku(v: &Value) -> Vec<(String, i64)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|q| {
            (
                q["sku"].as_str().unwrap().to_string(),
                q["quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// (order, status, quantity) of a product view's `held_by`.
fn holders(v: &Value) -> Vec<(i64, String, i64)> {
    v["held_by"]
        .as_array()
        .unwrap_or_else(|| panic!("no held_by in {v}"))
        .iter()
        .map(|h| {
            (
                h["prom_id"].as_i64().unwrap(),
                h["status"].as_str().unwrap().to_string(),
                h["quantity"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn products_show_and_list_reserved_available_and_the_orders_holding_them() {
    let s = shop().await;
    let (sku0, sku1, sku2) = (&s.skus[0], &s.skus[1], &s.skus[2]);
    // Stock in a local warehouse is stock, not availability on Prom.ua.
    s.ok(&["stock", "set", sku0, "100", "--warehouse", "returns"]);

    let v = s.json(&["products", "show", sku0]);
    assert_eq!(Shop::figures(&v), (3 + 1, 5 - 4), "{v}");
    assert_eq!(v["total_stock"], 105, "{v}");
    assert_eq!(
        holders(&v),
        vec![(s.b, "received".into(), 1), (s.a, "pending".into(), 3)],
        "newest first"
    );
    let v = s.json(&["products", "show", sku1]);
    assert_eq!(Shop::figures(&v), (4, 2 - 4), "oversold shows negative");
    assert_eq!(holders(&v), vec![(s.a, "pending".into(), 4)]);
    // Delivered: nothing held, and the shipment took `main` below 0.
    let v = s.json(&["products", "show", sku2]);
    assert_eq!(Shop::figures(&v), (0, -1), "{v}");
    assert_eq!(holders(&v), vec![]);

    let page = s.json(&["products", "list"]);
    let rows: Vec<(String, i64, i64, bool)> = page["products"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let (r, a) = Shop::figures(p);
            let sku = p["sku"].as_str().unwrap().to_string();
            (sku, r, a, p.get("held_by").is_some())
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (sku0.clone(), 4, 1, false),
            (sku1.clone(), 4, -2, false),
            (sku2.clone(), 0, -1, false),
        ],
        "a list reads no orders"
    );

    let table = s.ok(&["products", "list"]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        &header[header.len() - 5..],
        ["STOCK", "RESERVED", "AVAILABLE", "PROM", "ID"]
    );
    let row = table
        .lines()
        .find(|l| l.starts_with(sku1.as_str()))
        .unwrap();
    let cols: Vec<&str> = row.split_whitespace().collect();
    // STOCK RESERVED AVAILABLE PROM-ID at the end (names have spaces).
    assert_eq!(
        &cols[cols.len() - 4..cols.len() - 1],
        ["2", "4", "-2"],
        "{row}"
    );

    let text = s.ok(&["products", "show", sku1]);
    assert!(text.contains("reserved:   4\n"), "{text}");
    assert!(
        text.contains("available:  -2 ") && text.contains("OVERSOLD"),
        "{text}"
    );
    assert!(
        text.contains(&format!("held by:    order {} (pending): 4\n", s.a)),
        "{text}"
    );
}

#[tokio::test]
async fn orders_show_names_lines_reservations_and_shipments_by_sku() {
    let s = shop().await;
    let (sku0, sku1, sku2) = (&s.skus[0], &s.skus[1], &s.skus[2]);

    let o = s.json(&["orders", "show", &s.a.to_string()]);
    let local: Vec<Value> = o["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["local_sku"].clone())
        .collect();
    assert_eq!(local, vec![json!(sku0), json!(sku1), Value::Null], "{o}");
    assert_eq!(
        by_sku(&o["reserved_by_sku"]),
        vec![(sku0.clone(), 3), (sku1.clone(), 4)]
    );
    // The field it always had, by internal id, is still there.
    assert_eq!(o["reserved"].as_array().unwrap().len(), 2, "{o}");
    assert_eq!(by_sku(&o["shipped_by_sku"]), vec![]);

    let text = s.ok(&["orders", "show", &s.a.to_string()]);
    assert!(
        text.contains(&format!("reserves:   3 x {sku0}\n"))
            && text.contains(&format!("            4 x {sku1}\n")),
        "{text}"
    );
    assert!(text.contains(&format!("-> {sku1}\n")), "{text}");
    assert!(
        text.contains("(Prom product 99000123)  -> unlinked\n"),
        "{text}"
    );
    assert!(!text.contains("of product"), "no internal ids: {text}");

    let o = s.json(&["orders", "show", &s.c.to_string()]);
    assert_eq!(by_sku(&o["shipped_by_sku"]), vec![(sku2.clone(), 1)], "{o}");
    assert_eq!(by_sku(&o["reserved_by_sku"]), vec![]);
    let text = s.ok(&["orders", "show", &s.c.to_string()]);
    assert!(
        text.contains(&format!("shipped:    1 x {sku2}\n")),
        "{text}"
    );
    // Lists name them too.
    let list = s.json(&["orders", "list"]);
    let b = list
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["prom_id"] == s.b)
        .unwrap();
    assert_eq!(by_sku(&b["reserved_by_sku"]), vec![(sku0.clone(), 1)]);
}

#[tokio::test]
async fn a_stock_write_leaving_less_than_is_reserved_warns_and_exits_0() {
    let s = shop().await;
    let (sku0, sku1, sku2) = (&s.skus[0], &s.skus[1], &s.skus[2]);

    let (out, err) = s.ok_warned(&["stock", "adjust", sku0, "-2"]);
    assert!(out.contains("5 -> 3"), "{out}");
    assert_eq!(
        warnings(&err),
        vec![format!(
            "warning: {sku0}: stock 3 in the pushed warehouses is below what open orders reserve (reserved 4, available -1)"
        )]
    );
    // Exactly what is reserved: no warning, and `warnings` is there, empty.
    let moved = s.json(&["stock", "set", sku0, "4"]);
    assert_eq!(
        (moved["after"].as_i64(), &moved["warnings"]),
        (Some(4), &json!([]))
    );
    let (out, err) = s.ok_warned(&["stock", "set", sku0, "0", "--json"]);
    let moved: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        moved["warnings"],
        json!([{"sku": sku0, "stock": 0, "reserved": 4}]),
        "{moved}"
    );
    assert_eq!(warnings(&err).len(), 1, "on stderr too: {err}");

    // A local warehouse leaves the pushed stock as it was: no warning.
    s.ok(&["stock", "set", sku1, "1", "--warehouse", "returns"]);
    // Another pushed warehouse covers it.
    s.ok(&["stock", "set", sku1, "9", "--warehouse", "shop"]);
    // Below 0 with nothing reserved: the shipment's -1 in `main`, 0 in `shop`.
    let (_, err) = s.ok_warned(&["stock", "set", sku2, "0", "--warehouse", "shop"]);
    assert_eq!(
        warnings(&err),
        vec![format!(
            "warning: {sku2}: stock -1 in the pushed warehouses is below 0 (reserved 0, available -1)"
        )]
    );

    // A stock file: the products it leaves short, once each.
    let file = s.env.dir.path().join("stock.csv");
    std::fs::write(
        &file,
        format!("sku,warehouse,quantity\n{sku1},main,1\n{sku1},shop,0\n{sku0},main,10\n"),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let (out, err) = s.ok_warned(&["products", "import", f, "--kind", "stock", "--json"]);
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        report["warnings"],
        json!([{"sku": sku1, "stock": 1, "reserved": 4}]),
        "{report}"
    );
    assert_eq!(warnings(&err).len(), 1, "{err}");
    assert!(err.contains(&format!("{sku1}: stock 1 ")), "{err}");
}

/// `PUT`/`POST`/`GET` on the daemon's admin API: the status and the JSON answer.
async fn call(s: &Shop, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let token = std::fs::read_to_string(s.env.dir.path().join("admin-token")).unwrap();
    let url = format!("http://127.0.0.1:{}/v1/{path}", s.env.admin_port());
    let mut req = reqwest::Client::new()
        .request(method.parse().unwrap(), url)
        .bearer_auth(token.trim());
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_shows_the_figures_and_answers_and_logs_shortfalls() {
    let s = shop().await;
    let (sku0, sku1) = (&s.skus[0], &s.skus[1]);
    let mut daemon = s.env.start_daemon(&s.config).await;

    let (status, v) = call(&s, "GET", &format!("products/{sku0}"), None).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(Shop::figures(&v), (4, 1));
    assert_eq!(
        holders(&v),
        vec![(s.b, "received".into(), 1), (s.a, "pending".into(), 3)]
    );
    let (_, page) = call(&s, "GET", "products", None).await;
    let p1 = &page["products"][1];
    assert_eq!((Shop::figures(p1), p1.get("held_by")), ((4, -2), None));

    let (status, moved) = call(
        &s,
        "PUT",
        &format!("stock/{sku0}"),
        Some(json!({"warehouse": "main", "quantity": 2})),
    )
    .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(
        (moved["before"].as_i64(), moved["after"].as_i64()),
        (Some(5), Some(2))
    );
    assert_eq!(
        moved["warnings"],
        json!([{"sku": sku0, "stock": 2, "reserved": 4}])
    );
    let (_, moved) = call(
        &s,
        "POST",
        &format!("stock/{sku0}/adjust"),
        Some(json!({"warehouse": "main", "delta": 2})),
    )
    .await;
    assert_eq!(
        (moved["after"].as_i64(), &moved["warnings"]),
        (Some(4), &json!([]))
    );
    let (_, o) = call(&s, "GET", &format!("orders/{}", s.a), None).await;
    assert_eq!(
        by_sku(&o["reserved_by_sku"]),
        vec![(sku0.clone(), 3), (sku1.clone(), 4)]
    );

    // The CLI through the API: the same warning line, exit 0, and the same views.
    let (_, err) = s.ok_warned(&["stock", "adjust", sku1, "-1"]);
    assert_eq!(
        warnings(&err),
        vec![format!(
            "warning: {sku1}: stock 1 in the pushed warehouses is below what open orders reserve (reserved 4, available -3)"
        )]
    );
    let v = s.json(&["products", "show", sku1]);
    assert_eq!(Shop::figures(&v), (4, -3));
    assert_eq!(holders(&v), vec![(s.a, "pending".into(), 4)]);
    let o = s.json(&["orders", "show", &s.a.to_string()]);
    assert_eq!(o["lines"][0]["local_sku"], json!(sku0));

    daemon.kill().unwrap();
    daemon.wait().unwrap();
    let log = std::fs::read_to_string(s.env.dir.path().join("daemon.log")).unwrap();
    for logged in [
        format!("stock below reservations: {sku0}: stock 2 "),
        format!("stock below reservations: {sku1}: stock 1 "),
    ] {
        assert!(
            log.lines()
                .any(|l| l.contains("WARN") && l.contains(&logged)),
            "{logged:?} not in:\n{log}"
        );
    }
}
