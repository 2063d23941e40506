//! The seller's console at size (issue 18: each page under 50 ms with 100,000 products and
//! 100,000 orders). Builds a store through the bulk paths (products and links in batches,
//! orders 5,000 to a transaction, staged Prom products in one batch, run records), serves
//! the console in-process on port 0, logs in, and times a GET of every page `CONSOLE_BENCH_REQUESTS`
//! times: median and p95 per page. A page that answers 404 (not built in this tree yet)
//! is reported absent.
//!
//! Run: `cargo bench --bench console` (release). Sizes: `CONSOLE_BENCH_PRODUCTS` (default
//! 100,000), `CONSOLE_BENCH_ORDERS` (default 100,000), `CONSOLE_BENCH_REQUESTS` (default
//! 20). In debug, smaller: `CONSOLE_BENCH_PRODUCTS=10000 cargo test --bench console`.

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use promua_sync::backoffice::BackOffice;
use promua_sync::domain::{Money, ReservationPolicy};
use promua_sync::report::{ItemFailure, Outcome, RunRecord};
use promua_sync::store::{
    Actor, LocalLine, LocalOrder, NewProduct, PullMark, StagedProduct, StockChange, Store, Tracking,
};
use rust_decimal::Decimal;
use tokio_util::sync::CancellationToken;

/// The pages timed: (what, path). `{run}` is a run's page (the stock run, 1,000 failed
/// items). Adding a page is one line.
const PAGES: &[(&str, &str)] = &[
    ("overview", "/"),
    ("products, first page", "/products"),
    ("products, SKU search (hit)", "/products?by=sku&q=SKU-0004"),
    ("products, SKU search (miss)", "/products?by=sku&q=NOPE"),
    (
        "products, name search (hit)",
        "/products?by=name&q=%D0%A7%D0%B0%D0%B9%D0%BD%D0%B8%D0%BA",
    ),
    ("products, name search (miss)", "/products?by=name&q=zzzz"),
    ("products, search, SKU then name (miss)", "/products?q=zzzz"),
    ("runs, every job", "/runs"),
    ("runs, one job", "/runs?job=stock"),
    ("run page (1,000 failed items)", "{run}"),
    ("run page, items 951-1000", "{run}?from=950"),
    (
        "products, SKU prefix every product has",
        "/products?by=sku&q=SKU-",
    ),
    ("linking", "/links"),
    ("orders", "/orders"),
    ("orders, unlinked", "/orders?unlinked=1"),
    ("orders, one status", "/orders?status=pending"),
    ("orders, older page", "/orders?before=300050000"),
    (
        "orders, search by name (a 5,000 window)",
        "/orders?q=%D0%9A%D0%BE%D0%B2%D0%B0%D0%BB%D0%B5%D0%BD%D0%BA%D0%BE%20999",
    ),
    ("orders, search by phone", "/orders?q=0670077777"),
    ("orders, search by id", "/orders?q=300077777"),
    ("order page", "/orders/300077777"),
];

const TOKEN: &str = "console-bench-token-0123456789";
const FIRST_PROM_ID: i64 = 2_000_000_000;
const FIRST_ORDER_ID: i64 = 300_000_000;

fn env_size(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace(['_', ','], "").parse().ok())
        .unwrap_or(default)
}

const GOODS: &[&str] = &[
    "Чохол-книжка для Samsung Galaxy A54 5G шкіряний, чорний",
    "Захисне скло 9H Full Glue для iPhone 13 / 13 Pro / 14",
    "Бездротові навушники TWS з шумозаглушенням, білі",
    "Павербанк 20000 mAh з швидкою зарядкою PD 22.5W",
    "Кабель USB Type-C - Lightning 1 м у нейлоновому обплетенні",
    "Мережевий зарядний пристрій 33W GaN, 2 порти",
    "Смарт-годинник з пульсометром, вологозахист IP68, сірий",
    "Тримач для телефону в авто на дефлектор, магнітний",
];

/// `n` products `SKU-0000…`, every other one linked (to `FIRST_PROM_ID + k`), stock in
/// `main`; one product in 997 is a «Чайник» (the name search's hit).
fn seed_products(store: &Store, n: usize) {
    for start in (0..n).step_by(10_000) {
        let new: Vec<NewProduct> = (start..(start + 10_000).min(n))
            .map(|k| NewProduct {
                sku: format!("SKU-{k:04}"),
                name: if k % 997 == 500 {
                    format!("Чайник електричний {k}")
                } else {
                    format!("{} #{k}", GOODS[k % GOODS.len()])
                },
                price: Some(Decimal::new(9_900 + (k % 500) as i64 * 100, 2)),
                currency: Some("UAH".into()),
            })
            .collect();
        let made = store.add_products(&new).unwrap();
        let pairs: Vec<(u64, i64)> = made
            .iter()
            .enumerate()
            .filter(|(i, _)| (start + i) % 2 == 0)
            .map(|(i, p)| (p.id, FIRST_PROM_ID + (start + i) as i64))
            .collect();
        store.link_many(&pairs).unwrap();
        let stock: Vec<StockChange> = made
            .iter()
            .enumerate()
            .map(|(i, p)| StockChange::Set {
                product_id: p.id,
                warehouse: "main".into(),
                quantity: ((start + i) % 9) as i64,
            })
            .collect();
        store
            .apply_stock_changes(&stock, Actor::Cli, Some("bench seed"))
            .unwrap();
    }
}

/// 2,000 staged Prom products nobody linked.
fn seed_staged(store: &Store, products: usize) {
    let at = Utc::now();
    let staged: Vec<StagedProduct> = (0..2_000)
        .map(|k| StagedProduct {
            prom_id: FIRST_PROM_ID + products as i64 + 1 + k,
            sku: Some(format!("PROM-{k}")),
            name: format!("{} (Prom)", GOODS[k as usize % GOODS.len()]),
            other_names: vec![],
            price: None,
            currency: None,
            quantity: Some(1),
            staged_at: at,
        })
        .collect();
    store.put_staged(&staged).unwrap();
}

/// `n` orders of 2-3 lines over the linked products; one in 50 has a line of a Prom
/// product nobody linked. 5,000 to a transaction.
fn seed_orders(store: &Store, n: usize, products: usize) {
    let policy = ReservationPolicy {
        reserve_statuses: vec!["pending".into(), "received".into(), "paid".into()],
        done_status: Some("delivered".into()),
        release_statuses: vec![],
        shipped_statuses: vec![],
        aliases: vec![],
        warehouse: "main".into(),
    };
    let mark = PullMark {
        cursor: None,
        tracking: Tracking {
            since: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
            open_at_start: vec![],
        },
    };
    let linked = (products / 2).max(1);
    let start = Utc::now() - chrono::Duration::days(3 * 365);
    for from in (0..n).step_by(5_000) {
        let chunk: Vec<LocalOrder> = (from..(from + 5_000).min(n))
            .map(|i| {
                let lines = (0..2 + i % 2)
                    .map(|k| {
                        let prom = if i % 50 == 0 && k == 0 {
                            FIRST_PROM_ID - 1 - (i % 500) as i64
                        } else {
                            FIRST_PROM_ID + 2 * ((i * 7 + k * 13) % linked) as i64
                        };
                        LocalLine {
                            prom_product_id: Some(prom),
                            sku: Some(format!("SKU-{:04}", prom - FIRST_PROM_ID)),
                            name: GOODS[i % GOODS.len()].into(),
                            quantity: Decimal::from(1 + k as i64),
                            price: Some(Money::parse("199 грн")),
                            ..LocalLine::default()
                        }
                    })
                    .collect();
                let created = start + chrono::Duration::minutes(15 * i as i64);
                let status = ["delivered", "canceled", "pending", "paid"][i % 4];
                LocalOrder {
                    prom_id: FIRST_ORDER_ID + i as i64,
                    status: status.into(),
                    prom_status: Some(status.into()),
                    created_at: Some(created.fixed_offset()),
                    modified_at: Some(created.fixed_offset()),
                    client: format!("Олена Коваленко {}", i % 1000),
                    phone: Some(format!("+38067{:07}", i % 10_000_000)),
                    total: Some(Money::parse("398 грн")),
                    lines,
                    imported_at: Utc::now(),
                    updated_at: Utc::now(),
                    ..LocalOrder::default()
                }
            })
            .collect();
        store.upsert_orders(&chunk, &policy, &mark).unwrap();
    }
}

/// A run of `job` `minutes_ago`, with `failed` failed items.
fn run(job: &str, minutes_ago: i64, failed: usize) -> RunRecord {
    let at = Utc::now() - chrono::Duration::minutes(minutes_ago);
    RunRecord {
        job: job.into(),
        kind: "push_stock".into(),
        started_at: at,
        finished_at: at + chrono::Duration::milliseconds(900),
        outcome: if failed > 0 {
            Outcome::Partial
        } else {
            Outcome::Ok
        },
        considered: 50_000,
        planned: 2_000,
        sent: 2_000,
        confirmed: 2_000 - failed,
        failed: (0..failed)
            .map(|i| ItemFailure {
                sku: format!("SKU-{:04}", 2 * i),
                prom_id: FIRST_PROM_ID + 2 * i as i64,
                reason: "Кількість не може бути змінена для цього товару".into(),
            })
            .collect(),
        requests: 20,
        retries: 1,
        error: None,
        notes: vec![],
        warnings: vec![],
        drift: vec![],
        recurring: None,
    }
}

/// A week of runs every 5 minutes of two jobs (about 4,000), the newest stock run with
/// 1,000 failed items. Returns that run's page and how many runs there are.
fn seed_runs(store: &Store) -> (String, usize) {
    let mut n = 1;
    for m in (10..7 * 24 * 60).step_by(5) {
        store.record_run(&run("stock", m, 0)).unwrap();
        store.record_run(&run("prices", m + 2, 0)).unwrap();
        n += 2;
    }
    let newest = run("stock", 1, 1_000);
    store.record_run(&newest).unwrap();
    let page = format!(
        "/runs/stock/{}",
        newest
            .started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    );
    (page, n)
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let products = env_size("CONSOLE_BENCH_PRODUCTS", 100_000);
    let orders = env_size("CONSOLE_BENCH_ORDERS", 100_000);
    let repeat = env_size("CONSOLE_BENCH_REQUESTS", 20).max(1);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let t = Instant::now();
    seed_products(&store, products);
    let t_products = t.elapsed();
    seed_staged(&store, products);
    let t = Instant::now();
    seed_orders(&store, orders, products);
    let t_orders = t.elapsed();
    let (run_page, runs) = seed_runs(&store);
    store.flush_blocking().unwrap();
    println!(
        "store: {products} products (half linked), 2,000 staged, {orders} orders, {runs} run records; seeded in {:.1} s (products) + {:.1} s (orders)",
        t_products.as_secs_f64(),
        t_orders.as_secs_f64()
    );

    let job = |name: &str, kind: &str| {
        (
            name.to_string(),
            kind.to_string(),
            "*/5 * * * *".to_string(),
            "Europe/Kyiv".to_string(),
        )
    };
    let office = BackOffice::new(
        store.clone(),
        Actor::Api,
        vec![job("stock", "push_stock"), job("prices", "push_prices")],
    )
    .with_warehouses(["main"]);
    let listener = promua_sync::admin::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve(
        listener,
        office,
        TOKEN.to_string(),
        Default::default(),
        stop.clone(),
    ));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http
        .post(format!("{base}/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", &base)
        .body(format!("token={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303, "login");
    let cookie = login.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();

    println!(
        "{:<42} {:>8} {:>8} {:>8} {:>8}  (ms; first GET, then {repeat} more)",
        "page", "first", "median", "p95", "max"
    );
    for (what, path) in PAGES {
        let path = path.replace("{run}", &run_page);
        let url = format!("{base}{path}");
        let mut times = Vec::with_capacity(repeat + 1);
        let mut absent = false;
        for _ in 0..=repeat {
            let t = Instant::now();
            let resp = http
                .get(&url)
                .header("cookie", &cookie)
                .send()
                .await
                .unwrap();
            let status = resp.status();
            let body = resp.bytes().await.unwrap();
            times.push(t.elapsed());
            if status == 404 && !path.starts_with("/runs/") {
                absent = true;
                break;
            }
            assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
        }
        if absent {
            println!("{what:<42} {:>8}", "absent");
            continue;
        }
        let first = times.remove(0);
        times.sort();
        println!(
            "{what:<42} {:>8.1} {:>8.1} {:>8.1} {:>8.1}",
            first.as_secs_f64() * 1e3,
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 1.0)
        );
    }
    after_links(&http, &base, &cookie, products).await;
    stop.cancel();
}

/// The Linking page right after a link made with the gear (a link drops the kept
/// suggestions: the page computes them again), five times.
async fn after_links(http: &reqwest::Client, base: &str, cookie: &str, products: usize) {
    let page = http
        .get(format!("{base}/links"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token on the page")
        .to_string();
    let mut times = Vec::new();
    for k in 0..5 {
        let prom = FIRST_PROM_ID + products as i64 + 1 + k;
        // Odd products are the unlinked ones.
        let body = format!("csrf={csrf}&prom_id={prom}&sku=SKU-{:04}", 2 * k + 1);
        let t = Instant::now();
        let resp = http
            .post(format!("{base}/links/link"))
            .header("cookie", cookie)
            .header("origin", base)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 303, "the gear's link");
        let linked = t.elapsed();
        let t = Instant::now();
        let resp = http
            .get(format!("{base}/links"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        resp.bytes().await.unwrap();
        times.push((linked, t.elapsed()));
    }
    // How long the background pass takes after the last link: the page says
    // "refreshing" until it is kept.
    let t = Instant::now();
    loop {
        let page = http
            .get(format!("{base}/links"))
            .header("cookie", cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if !page.contains("id=\"refreshing\"") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let pass = t.elapsed();
    for (i, (linked, page)) in times.iter().enumerate() {
        println!(
            "{:<42} {:>8.1}  (the link's POST: {:.1} ms)",
            format!("linking, after gear click {}", i + 1),
            page.as_secs_f64() * 1e3,
            linked.as_secs_f64() * 1e3
        );
    }
    println!(
        "{:<42} {:>8.1}  (suggestions computed in the background after the last link)",
        "linking, the new pass kept after",
        pass.as_secs_f64() * 1e3
    );
}
