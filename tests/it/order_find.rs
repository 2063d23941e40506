//! Finding and exporting orders (issue 14, point 2): `orders list` filters, each and
//! together, in the store and through the admin API; `orders export` read back as CSV;
//! bad filters refused with exit 2 and nothing written.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;

use chrono::{Duration, Utc};
use promua_sync::admin::BodyLimits;
use promua_sync::backoffice::{
    AdminClient, BackOffice, BackofficeError, Ledger, OrderQuery, OrderStatusSet, OrderView,
};
use promua_sync::config;
use promua_sync::jobs::{Mode, run_job};
use promua_sync::sandbox::{SandboxOptions, SandboxOrder};
use promua_sync::store::{Actor, Store};
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

const PULL: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"
"#;

/// The orders the tests look for, by the letter the comments use.
struct Placed {
    a: i64,
    b: i64,
    c: i64,
    d: i64,
    e: i64,
}

/// A buyer's order placed `days` ago (and changed now, so that the first pull reads it).
fn placed(
    first: &str,
    last: &str,
    phone: &str,
    email: Option<&str>,
    status: &str,
    days: i64,
    lines: Vec<(Option<i64>, &str, i64)>,
) -> SandboxOrder {
    let mut o = buyer_order(status, lines);
    o.client_first_name = first.into();
    o.client_last_name = last.into();
    o.phone = phone.into();
    o.email = email.map(String::from);
    o.date_created = Utc::now() - Duration::days(days);
    o
}

/// Five orders placed in the sandbox and pulled; A's local status then set to
/// `received` (Prom.ua still says `pending`). C and E have a line of a product the shop
/// does not link; D has no lines.
async fn world() -> (Env, std::path::PathBuf, Store, Placed) {
    let env = Env::new(3, SandboxOptions::default(), |_| 50).await;
    let path = env.write_config("0 0 1 1 *", PULL);
    let config = config::load(&path).unwrap();
    let [p0, p1, p2] = [0, 1, 2].map(|i| env.catalogue[i].clone());
    let (s0, s1, s2) = (
        p0.sku.as_deref().unwrap(),
        p1.sku.as_deref().unwrap(),
        p2.sku.as_deref().unwrap(),
    );
    let sb = &env.sandbox;
    let placed = Placed {
        a: sb
            .place_order(placed(
                "Олена",
                "Коваленко",
                "+380671112233",
                None,
                "pending",
                1,
                vec![(Some(p0.id), s0, 2), (Some(p1.id), s1, 1)],
            ))
            .id,
        b: sb
            .place_order(placed(
                "Тарас",
                "Шевченко",
                "+38 (050) 123-45-67",
                Some("taras@example.com"),
                "received",
                10,
                vec![(Some(p2.id), s2, 1)],
            ))
            .id,
        c: sb
            .place_order(placed(
                "Ірина",
                "Шевченко",
                "0931234567",
                Some("Iryna.S@ukr.net"),
                "delivered",
                40,
                vec![(Some(99_000_001), "GONE-1", 1), (Some(p0.id), s0, 1)],
            ))
            .id,
        d: sb
            .place_order(placed(
                "Андрій",
                "Бондаренко",
                "+380971234567",
                Some("andrii@example.com"),
                "canceled",
                3,
                vec![],
            ))
            .id,
        e: sb
            .place_order(placed(
                "Олена",
                "Шевчук",
                "+380671112299",
                None,
                "pending",
                2,
                vec![(Some(99_000_002), "GONE-2", 3)],
            ))
            .id,
    };
    let store = Store::open(&config.store.path).unwrap();
    let job = config.jobs.iter().find(|j| j.name == "orders").unwrap();
    run_job(job, &context(&config, &store), Mode::Apply)
        .await
        .unwrap();
    assert_eq!(store.order_count(), 5);
    office(&store)
        .set_order_status(
            placed.a,
            &OrderStatusSet {
                status: "received".into(),
                force: false,
            },
        )
        .await
        .unwrap();
    (env, path, store, placed)
}

fn office(store: &Store) -> BackOffice {
    BackOffice::new(store.clone(), Actor::Cli, vec![])
}

/// An admin API on `store`: its client, address and token; it stops when the last
/// item is dropped.
async fn admin(
    store: &Store,
) -> (
    AdminClient,
    String,
    String,
    (tempfile::TempDir, tokio_util::sync::DropGuard),
) {
    let dir = tempfile::tempdir().unwrap();
    let token = promua_sync::admin::token::load_or_create(&dir.path().join("admin-token")).unwrap();
    let listener = promua_sync::admin::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve(
        listener,
        office(store).acting_as(Actor::Api),
        token.clone(),
        BodyLimits::default(),
        stop.clone(),
    ));
    let client = AdminClient::new(&base, token.clone(), "cli").unwrap();
    (client, base, token, (dir, stop.drop_guard()))
}

fn ids(orders: &[OrderView]) -> Vec<i64> {
    orders.iter().map(|o| o.prom_id).collect()
}

/// Newest (highest id) first, as a list answers.
fn newest_first(mut v: Vec<i64>) -> Vec<i64> {
    v.sort_unstable_by(|a, b| b.cmp(a));
    v
}

fn day(days_ago: i64) -> String {
    (Utc::now() - Duration::days(days_ago))
        .format("%Y-%m-%d")
        .to_string()
}

fn query(f: impl FnOnce(&mut OrderQuery)) -> OrderQuery {
    let mut q = OrderQuery::default();
    f(&mut q);
    q
}

#[tokio::test]
async fn each_filter_and_their_combinations_find_the_right_orders_in_the_store_and_over_the_api() {
    let (_env, _path, store, o) = world().await;
    let since = |d: i64| Some(promua_sync::backoffice::parse_moment(&day(d)).unwrap());
    let s = |t: &str| Some(t.to_string());
    let cases: Vec<(&str, OrderQuery, Vec<i64>)> = vec![
        ("none", query(|_| {}), vec![o.a, o.b, o.c, o.d, o.e]),
        // The local status or Prom.ua's: A is `received` here and `pending` on Prom.ua.
        (
            "status pending",
            query(|q| q.status = s("pending")),
            vec![o.a, o.e],
        ),
        (
            "status received",
            query(|q| q.status = s("received")),
            vec![o.a, o.b],
        ),
        (
            "status any case",
            query(|q| q.status = s("DELIVERED")),
            vec![o.c],
        ),
        (
            "statuses",
            query(|q| q.status = s("pending, canceled")),
            vec![o.a, o.d, o.e],
        ),
        ("status none", query(|q| q.status = s("paid")), vec![]),
        (
            "since 5 days",
            query(|q| q.since = since(5)),
            vec![o.a, o.d, o.e],
        ),
        (
            "since 20 days",
            query(|q| q.since = since(20)),
            vec![o.a, o.b, o.d, o.e],
        ),
        (
            "phone spaced",
            query(|q| q.search = s("067 111 22 33")),
            vec![o.a],
        ),
        (
            "phone plain",
            query(|q| q.search = s("0671112233")),
            vec![o.a],
        ),
        (
            "phone +380",
            query(|q| q.search = s("+380671112233")),
            vec![o.a],
        ),
        (
            "phone part",
            query(|q| q.search = s("067 111")),
            vec![o.a, o.e],
        ),
        // Stored as `+38 (050) 123-45-67` and as `0931234567`.
        (
            "phone punct",
            query(|q| q.search = s("0501234567")),
            vec![o.b],
        ),
        (
            "phone intl",
            query(|q| q.search = s("+38 093 123 45 67")),
            vec![o.c],
        ),
        (
            "surname",
            query(|q| q.search = s("шевченко")),
            vec![o.b, o.c],
        ),
        (
            "full name",
            query(|q| q.search = s("ШЕВЧЕНКО Тарас")),
            vec![o.b],
        ),
        ("email", query(|q| q.search = s("iryna.s@UKR")), vec![o.c]),
        (
            "order id",
            query(|q| q.search = Some(o.c.to_string())),
            vec![o.c],
        ),
        ("unlinked", query(|q| q.unlinked = true), vec![o.c, o.e]),
        (
            "unlinked pending",
            query(|q| {
                q.unlinked = true;
                q.status = s("pending");
            }),
            vec![o.e],
        ),
        (
            "surname since 20 days",
            query(|q| {
                q.search = s("шевченко");
                q.since = since(20);
            }),
            vec![o.b],
        ),
        (
            "name unlinked",
            query(|q| {
                q.search = s("олена");
                q.unlinked = true;
            }),
            vec![o.e],
        ),
        (
            "all four",
            query(|q| {
                q.search = s("олена");
                q.unlinked = true;
                q.status = s("pending");
                q.since = since(5);
            }),
            vec![o.e],
        ),
        ("limit", query(|q| q.limit = Some(2)), vec![o.e, o.d]),
        (
            "limit after filter",
            query(|q| {
                q.search = s("шевч");
                q.limit = Some(2);
            }),
            vec![o.e, o.c],
        ),
        // A page after an order: the older ones, through the index as well.
        (
            "before",
            query(|q| q.before = Some(o.d)),
            vec![o.c, o.b, o.a],
        ),
        (
            "unlinked before",
            query(|q| {
                q.unlinked = true;
                q.before = Some(o.e);
            }),
            vec![o.c],
        ),
        (
            "statuses before, a page of 1",
            query(|q| {
                q.status = s("pending, canceled");
                q.before = Some(o.e);
                q.limit = Some(1);
            }),
            vec![o.d],
        ),
    ];
    let local = office(&store);
    let (api, _base, _token, _serving) = admin(&store).await;
    for (name, q, want) in &cases {
        let want = newest_first(want.clone());
        let here = local.list_orders(q).await.unwrap();
        assert_eq!(ids(&here), want, "{name}: {q:?}");
        let there = api.list_orders(q).await.unwrap();
        assert_eq!(there, here, "{name}: the API answers as the store does");
    }
    // Whole orders come back, their lines named by local SKU.
    let a = local
        .list_orders(&query(|q| q.search = s("0671112233")))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(a, local.show_order(o.a).await.unwrap());
    assert_eq!(
        (a.status.as_str(), a.prom_status.as_deref()),
        ("received", Some("pending"))
    );
    assert!(a.lines.iter().all(|l| l.local_sku.is_some()));
}

#[tokio::test]
async fn bad_filters_are_refused_over_the_api_with_what_is_wrong() {
    let (_env, _path, store, _) = world().await;
    let (api, base, token, _stop) = admin(&store).await;
    for q in [
        query(|q| q.search = Some("  ".into())),
        query(|q| q.status = Some(" , ".into())),
        query(|q| q.limit = Some(0)),
        query(|q| q.before = Some(0)),
        query(|q| q.before = Some(-3)),
    ] {
        let e = api.list_orders(&q).await.unwrap_err();
        assert!(matches!(e, BackofficeError::Invalid(_)), "{q:?}: {e}");
        let e = api.export_orders(&q).await.unwrap_err();
        assert!(matches!(e, BackofficeError::Invalid(_)), "{q:?}: {e}");
    }
    let http = reqwest::Client::new();
    for (path, says) in [
        ("v1/orders?since=yesterday", "neither a day"),
        ("v1/export/orders?since=2025-13-01", "neither a day"),
        ("v1/orders?limit=many", "limit"),
        ("v1/orders?search=%20", "search text is blank"),
        ("v1/orders?before=0", "before 0 or lower"),
        ("v1/export/orders?before=-1", "before 0 or lower"),
    ] {
        let r = http
            .get(format!("{base}{path}"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["kind"], "invalid", "{path}: {body}");
        let error = body["error"].as_str().unwrap();
        assert!(error.contains(says), "{path}: {error}");
    }
    // The orders export sits beside the product exports, which still answer.
    let r = http
        .get(format!("{base}v1/export/products"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().starts_with("sku,name"));
}

const HEADER: &[&str] = &[
    "order_id",
    "created_utc",
    "modified_utc",
    "status",
    "prom_status",
    "status_pending",
    "client",
    "phone",
    "email",
    "total",
    "currency",
    "status_name",
    "source",
    "client_id",
    "client_notes",
    "delivery_option",
    "delivery_provider",
    "delivery_type",
    "delivery_address",
    "recipient_branch",
    "declaration_number",
    "delivery_cost",
    "payment_option",
    "payment_status",
    "full_price",
    "price_with_special_offer",
    "special_offer_discount",
    "special_offer_promocode",
    "cpa_commission",
    "cancellation_reason",
    "cancellation_text",
    "line",
    "prom_product_id",
    "sku",
    "name",
    "quantity",
    "price",
    "line_total",
    "hand_linked",
    "local_sku",
];

/// The file as a spreadsheet program would read it: (raw bytes, header, rows by header).
fn read_csv(
    path: &Path,
) -> (
    Vec<u8>,
    Vec<String>,
    Vec<std::collections::HashMap<String, String>>,
) {
    let bytes = std::fs::read(path).unwrap();
    let mut r = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            header
                .iter()
                .cloned()
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect();
    (bytes, header, rows)
}

#[tokio::test]
async fn an_export_is_a_row_per_line_with_a_bom_and_the_orders_values() {
    let (env, path, store, o) = world().await;
    let orders = office(&store)
        .list_orders(&OrderQuery::default())
        .await
        .unwrap();
    drop(store);
    let file = env.dir.path().join("orders.csv");
    let out = cli_async(&path, &["orders", "export", file.to_str().unwrap()]).await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let (bytes, header, rows) = read_csv(&file);
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 BOM first");
    let header: Vec<&str> = header
        .iter()
        .map(|h| h.trim_start_matches('\u{FEFF}'))
        .collect();
    assert_eq!(header, HEADER);
    // A row per line; D, without lines, one row.
    let lines: usize = orders.iter().map(|o| o.lines.len().max(1)).sum();
    assert_eq!(rows.len(), lines);
    assert_eq!(rows.len(), 2 + 1 + 2 + 1 + 1);
    let mut at = rows.iter();
    for order in &orders {
        let total = order.total.as_ref().unwrap().amount.unwrap().to_string();
        let created = order.created_at.unwrap().with_timezone(&Utc);
        let check_order = |row: &std::collections::HashMap<String, String>| {
            assert_eq!(row["order_id"], order.prom_id.to_string());
            assert_eq!(
                row["created_utc"],
                created.format("%Y-%m-%d %H:%M:%S").to_string()
            );
            assert_eq!(row["status"], order.status);
            assert_eq!(row["prom_status"], order.prom_status.clone().unwrap());
            assert_eq!(row["client"], order.buyer.client);
            // A phone a spreadsheet would compute (`+38 (050) …`) is made inert.
            let phone = order.buyer.phone.clone().unwrap();
            let plain = phone
                .trim_start_matches('+')
                .chars()
                .all(|c| c.is_ascii_digit());
            let cell = if plain { phone } else { format!("'{phone}") };
            assert_eq!(row["phone"], cell);
            assert_eq!(row["email"], order.buyer.email.clone().unwrap_or_default());
            assert_eq!(row["total"], total);
            assert_eq!(row["currency"], "грн");
            let d = &order.details;
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            assert_eq!(row["status_name"], text(&d.status_name));
            assert_eq!(row["client_notes"], text(&d.buyer.notes));
            assert_eq!(row["delivery_address"], text(&d.delivery.address));
            assert_eq!(row["payment_option"], text(&d.payment.option_name));
            let full = d.money.full_price.as_ref().and_then(|m| m.amount);
            assert_eq!(
                row["full_price"],
                full.map(|a| a.to_string()).unwrap_or_default()
            );
        };
        if order.lines.is_empty() {
            let row = at.next().unwrap();
            check_order(row);
            assert_eq!((row["line"].as_str(), row["sku"].as_str()), ("", ""));
        }
        for (i, line) in order.lines.iter().enumerate() {
            let row = at.next().unwrap();
            check_order(row);
            assert_eq!(row["line"], (i + 1).to_string());
            assert_eq!(
                row["prom_product_id"],
                line.prom_product_id.unwrap().to_string()
            );
            assert_eq!(row["sku"], line.sku.clone().unwrap());
            assert_eq!(row["name"], line.name);
            assert_eq!(row["quantity"], line.quantity.normalize().to_string());
            let price = line.price.as_ref().unwrap().amount.unwrap();
            assert_eq!(row["price"], price.to_string());
            assert_eq!(row["local_sku"], line.local_sku.clone().unwrap_or_default());
        }
    }
    // What the tests placed, spelt out once.
    let a = rows
        .iter()
        .find(|r| r["order_id"] == o.a.to_string())
        .unwrap();
    assert_eq!(
        (
            a["client"].as_str(),
            a["status"].as_str(),
            a["prom_status"].as_str()
        ),
        ("Олена Коваленко", "received", "pending")
    );
    assert_eq!(a["status_pending"], "yes");
    // The details a pull keeps reach the file too.
    assert!(
        !a["full_price"].is_empty() && !a["status_name"].is_empty(),
        "{a:?}"
    );
    let gone: Vec<&str> = rows
        .iter()
        .filter(|r| r["local_sku"].is_empty() && !r["line"].is_empty())
        .map(|r| r["sku"].as_str())
        .collect();
    assert_eq!(gone, vec!["GONE-2", "GONE-1"]);

    // Filters as `list` takes them; the file replaced whole, nothing left beside it.
    let out = cli_async(
        &path,
        &[
            "orders",
            "export",
            file.to_str().unwrap(),
            "--unlinked",
            "--status",
            "pending",
        ],
    )
    .await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, _, rows) = read_csv(&file);
    let only: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["order_id"].as_str(), r["sku"].as_str()))
        .collect();
    assert_eq!(only, vec![(o.e.to_string().as_str(), "GONE-2")]);
    let left: Vec<String> = std::fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("export"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn the_cli_filters_and_refuses_bad_input_with_exit_2() {
    let (env, path, store, o) = world().await;
    drop(store);
    let list = |args: &'static [&'static str]| {
        let path = path.clone();
        async move {
            let mut all = vec!["orders", "list", "--json"];
            all.extend_from_slice(args);
            let out = cli_async(&path, &all).await;
            assert!(
                out.status.success(),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: Vec<OrderView> = serde_json::from_slice(&out.stdout).unwrap();
            ids(&v)
        }
    };
    assert_eq!(list(&["--search", "067 111 22 33"]).await, vec![o.a]);
    assert_eq!(
        list(&["--status", "pending", "--unlinked"]).await,
        vec![o.e]
    );
    assert_eq!(
        list(&["--search", "шевченко", "--limit", "1"]).await,
        vec![o.c]
    );
    let before: &'static str = Box::leak(o.e.to_string().into_boxed_str());
    let args: &'static [&'static str] = Box::leak(Box::new(["--unlinked", "--before", before]));
    assert_eq!(list(args).await, vec![o.c]);
    let since = day(5);
    let out = cli_async(&path, &["orders", "list", "--json", "--since", &since]).await;
    let v: Vec<OrderView> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(ids(&v), newest_first(vec![o.a, o.d, o.e]));
    // The table, as today, with only what was asked.
    let out = cli_async(&path, &["orders", "list", "--search", "Тарас"]).await;
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&o.b.to_string()) && !text.contains(&o.c.to_string()),
        "{text}"
    );

    let file = env.dir.path().join("bad.csv");
    let f = file.to_str().unwrap();
    for (args, says) in [
        (
            vec!["orders", "list", "--since", "2025-13-01"],
            "neither a day",
        ),
        (
            vec!["orders", "list", "--since", "yesterday"],
            "neither a day",
        ),
        (vec!["orders", "list", "--search", ""], "--search"),
        (vec!["orders", "list", "--search", "   "], "blank"),
        (vec!["orders", "list", "--status", ""], "--status"),
        (vec!["orders", "list", "--limit", "0"], "--limit"),
        (vec!["orders", "list", "--before", "0"], "--before"),
        (vec!["orders", "list", "--before=-2"], "--before"),
        (vec!["orders", "export", f, "--before", "0"], "--before"),
        (
            vec!["orders", "export", f, "--since", "01.03.2025"],
            "neither a day",
        ),
        (vec!["orders", "export", f, "--search", " "], "blank"),
    ] {
        let out = cli_async(&path, &args).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    assert!(!file.exists(), "a refused export writes nothing");
    let nowhere = env.dir.path().join("no-such-dir").join("orders.csv");
    let out = cli_async(&path, &["orders", "export", nowhere.to_str().unwrap()]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no-such-dir"), "{err}");
}
