//! Line-level linking (issue 14, point 5): `orders link-line` moves a line's reservation
//! at once, refuses bad input without changing anything, and a line linked by hand stays
//! linked when the order changes on Prom.ua and is pulled again. And a link a pull makes
//! by SKU links the older stored orders' lines for that Prom product too.

use std::path::Path;

use promua_sync::backoffice::{BackofficeError, Ledger, OrderLineLink};
use promua_sync::sandbox::{OrderChange, SandboxOptions, SandboxOrderLine, SandboxProduct};
use promua_sync::store::{LocalOrder, PullMark, Store, Tracking};
use rust_decimal::Decimal;
use serde_json::Value;

use crate::helpers::*;

const JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"

[[job]]
name = "stage"
kind = "import_products"
schedule = "0 0 1 1 *"
mode = "stage"
"#;

/// A Prom product the shop no longer has, on no local product.
const GONE: i64 = 99_000_123;

fn ok(out: &std::process::Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

async fn json(config: &Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    serde_json::from_str(&ok(&cli_async(config, &args).await)).unwrap()
}

async fn reserved(config: &Path, sku: &str) -> i64 {
    json(config, &["products", "show", sku]).await["reserved"]
        .as_i64()
        .unwrap()
}

async fn unlinked_ids(config: &Path) -> Vec<i64> {
    json(config, &["orders", "list", "--unlinked"])
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["prom_id"].as_i64().unwrap())
        .collect()
}

/// A line as the order's answer shows it: (local SKU, linked by hand).
fn line(order: &Value, n: usize) -> (Option<&str>, bool) {
    let l = &order["lines"][n - 1];
    (l["local_sku"].as_str(), l["hand_linked"].as_bool().unwrap())
}

#[tokio::test]
async fn a_line_linked_by_hand_reserves_at_once_and_stays_linked_after_prom_changes_the_order() {
    let env = Env::new(3, SandboxOptions::default(), |_| 10).await;
    let config = env.write_config("0 0 1 1 *", JOBS);
    let skus: Vec<String> = env
        .catalogue
        .iter()
        .map(|p| p.sku.clone().unwrap())
        .collect();
    // Line 1: a product Prom no longer has; line 2: Prom product 1, which is linked to
    // skus[1], but the seller ships skus[2] for it.
    let placed = env.sandbox.place_order(buyer_order(
        "pending",
        vec![
            (Some(GONE), "OLD-1", 2),
            (Some(env.catalogue[1].id), &skus[1], 1),
        ],
    ));
    let id = placed.id.to_string();
    ok(&cli_async(&config, &["job", "run", "orders"]).await);
    assert_eq!(unlinked_ids(&config).await, vec![placed.id]);
    assert_eq!(reserved(&config, &skus[0]).await, 0);
    assert_eq!(reserved(&config, &skus[1]).await, 1);

    let done = json(&config, &["orders", "link-line", &id, "1", &skus[0]]).await;
    assert_eq!(done["changed"], true);
    assert_eq!(line(&done["order"], 1), (Some(skus[0].as_str()), true));
    assert!(
        unlinked_ids(&config).await.is_empty(),
        "the order left --unlinked"
    );
    assert_eq!(
        reserved(&config, &skus[0]).await,
        2,
        "the reservation moved at once"
    );
    let text = ok(&cli_async(&config, &["orders", "link-line", &id, "2", &skus[2]]).await);
    assert!(
        text.starts_with(&format!("order {id} line 2 linked to {}\n", skus[2])),
        "{text}"
    );
    assert!(
        text.contains(&format!("-> {} (by hand)\n", skus[2])),
        "{text}"
    );
    assert_eq!(
        (
            reserved(&config, &skus[1]).await,
            reserved(&config, &skus[2]).await
        ),
        (0, 1)
    );

    // Bad input: exit 2, a clear message, nothing changed.
    let before = json(&config, &["orders", "show", &id]).await;
    for (args, says) in [
        (
            vec!["orders", "link-line", "424242", "1", &skus[0]],
            "no order 424242",
        ),
        (
            vec!["orders", "link-line", &id, "0", &skus[0]],
            "numbered 1 to 2",
        ),
        (
            vec!["orders", "link-line", &id, "3", &skus[0]],
            "has no line 3",
        ),
        (
            vec!["orders", "link-line", &id, "1", "NO-SUCH"],
            "no product with SKU NO-SUCH",
        ),
        (
            vec!["orders", "link-line", &id, "x", &skus[0]],
            "invalid value 'x'",
        ),
    ] {
        let out = cli_async(&config, &args).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(json(&config, &["orders", "show", &id]).await, before);
    // The same link again: nothing to do, exit 0.
    let again = ok(&cli_async(&config, &["orders", "link-line", &id, "1", &skus[0]]).await);
    assert!(again.contains("already: nothing changed"), "{again}");
    assert_eq!(json(&config, &["orders", "show", &id]).await, before);

    // The buyer changes the order on Prom.ua (another quantity, a new line in front):
    // the hand links follow their lines, and the reservations their quantities.
    let p0 = &env.catalogue[0];
    env.sandbox.change_order(
        placed.id,
        OrderChange {
            client_notes: Some("Ще одну, будь ласка".into()),
            lines: Some(vec![
                sandbox_line(Some(p0.id), &skus[0], 1),
                sandbox_line(Some(GONE), "OLD-1", 3),
                sandbox_line(Some(env.catalogue[1].id), &skus[1], 1),
            ]),
            ..Default::default()
        },
    );
    ok(&cli_async(&config, &["job", "run", "orders"]).await);
    let o = json(&config, &["orders", "show", &id]).await;
    assert_eq!(
        o["buyer"]["notes"], "Ще одну, будь ласка",
        "the change was pulled"
    );
    assert_eq!(
        line(&o, 1),
        (Some(skus[0].as_str()), false),
        "linked by its product"
    );
    assert_eq!(line(&o, 2), (Some(skus[0].as_str()), true));
    assert_eq!(
        line(&o, 3),
        (Some(skus[2].as_str()), true),
        "not the Prom product's link"
    );
    assert_eq!(reserved(&config, &skus[0]).await, 4);
    assert_eq!(
        (
            reserved(&config, &skus[1]).await,
            reserved(&config, &skus[2]).await
        ),
        (0, 1)
    );
    assert!(unlinked_ids(&config).await.is_empty());
}

fn sandbox_line(prom: Option<i64>, sku: &str, q: i64) -> SandboxOrderLine {
    SandboxOrderLine {
        product_id: prom,
        external_id: None,
        name: format!("Товар {sku}"),
        sku: Some(sku.into()),
        price: Decimal::new(39900, 2),
        quantity: Decimal::from(q),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn link_line_goes_through_the_admin_api_while_the_daemon_runs() {
    let env = Env::new(2, SandboxOptions::default(), |_| 10).await;
    let config = env.write_config("0 0 1 1 *", JOBS);
    let sku = env.catalogue[0].sku.clone().unwrap();
    let placed = env
        .sandbox
        .place_order(buyer_order("pending", vec![(Some(GONE), "OLD-1", 2)]));
    ok(&cli_async(&config, &["job", "run", "orders"]).await);
    let mut daemon = env.start_daemon(&config).await;
    let id = placed.id.to_string();
    let done = json(&config, &["orders", "link-line", &id, "1", &sku]).await;
    assert_eq!(line(&done["order"], 1), (Some(sku.as_str()), true));
    let bad = cli_async(&config, &["orders", "link-line", &id, "2", &sku]).await;
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("has no line 2"));
    assert_eq!(reserved(&config, &sku).await, 2);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(daemon.id() as i32),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let status = tokio::task::spawn_blocking(move || daemon.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));
    // On disk, as acknowledged.
    let store = Store::open(&env.store_path()).unwrap();
    let local = store.product_by_sku(&sku).unwrap().unwrap();
    assert_eq!(store.reserved_of(local.id).unwrap(), 2);
    assert!(store.order(placed.id).unwrap().unwrap().lines[0].hand_linked);
}

#[tokio::test]
async fn the_admin_route_answers_each_refusal_with_its_status() {
    let api = crate::admin::api().await;
    let p = api.store.add_product("KET-1", "Чайник").unwrap();
    let order = LocalOrder {
        prom_id: 81_234,
        status: "pending".into(),
        prom_status: Some("pending".into()),
        lines: vec![promua_sync::store::LocalLine {
            prom_product_id: Some(GONE),
            name: "Чайник".into(),
            quantity: Decimal::from(2),
            ..Default::default()
        }],
        imported_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        ..LocalOrder::default()
    };
    let pull = PullMark {
        cursor: None,
        tracking: Tracking {
            since: chrono::Utc::now() - chrono::Duration::days(1),
            open_at_start: Vec::new(),
        },
    };
    api.store
        .upsert_orders(
            &[order],
            &promua_sync::domain::ReservationPolicy {
                reserve_statuses: vec!["pending".into()],
                done_status: Some("delivered".into()),
                release_statuses: Vec::new(),
                shipped_statuses: Vec::new(),
                aliases: Vec::new(),
                warehouse: "main".into(),
            },
            &pull,
        )
        .unwrap();
    let link = |sku: &str| OrderLineLink { sku: sku.into() };
    let e = api
        .client
        .link_order_line(1, 1, &link("KET-1"))
        .await
        .unwrap_err();
    assert!(matches!(e, BackofficeError::NotFound(_)), "{e}");
    let e = api
        .client
        .link_order_line(81_234, 2, &link("KET-1"))
        .await
        .unwrap_err();
    assert!(matches!(e, BackofficeError::Invalid(_)), "{e}");
    let e = api
        .client
        .link_order_line(81_234, 1, &link("NOPE"))
        .await
        .unwrap_err();
    assert!(matches!(e, BackofficeError::NotFound(_)), "{e}");
    let done = api
        .client
        .link_order_line(81_234, 1, &link("KET-1"))
        .await
        .unwrap();
    assert!(done.changed);
    assert_eq!(done.order.lines[0].local_sku.as_deref(), Some("KET-1"));
    assert_eq!(api.store.reserved_of(p.id).unwrap(), 2);
    let http = reqwest::Client::new();
    let r = http
        .put(format!("{}v1/orders/81234/lines/0", api.base))
        .bearer_auth(&api.token)
        .json(&serde_json::json!({"sku": "KET-1"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["kind"], "invalid");
}

#[tokio::test]
async fn a_link_a_pull_makes_by_sku_links_the_older_orders_for_that_prom_product() {
    let env = Env::new(1, SandboxOptions::default(), |_| 10).await;
    let config = env.write_config("0 0 1 1 *", JOBS);
    // A Prom product with no local product of its SKU yet; a catalogue read shows it.
    let prom = SandboxProduct {
        sku: Some("NEW-7".into()),
        id: 6_000_007,
        ..env.catalogue[0].clone()
    };
    env.sandbox.upsert_products(vec![prom.clone()]);
    ok(&cli_async(&config, &["job", "run", "stage"]).await);
    let a = env
        .sandbox
        .place_order(buyer_order("pending", vec![(Some(prom.id), "NEW-7", 2)]));
    let b = env
        .sandbox
        .place_order(buyer_order("received", vec![(Some(prom.id), "NEW-7", 3)]));
    ok(&cli_async(&config, &["job", "run", "orders"]).await);
    assert_eq!(unlinked_ids(&config).await, vec![b.id, a.id]);
    // The seller adds the product; a new order's line links it by SKU.
    ok(&cli_async(&config, &["products", "add", "NEW-7", "Новий товар"]).await);
    ok(&cli_async(&config, &["stock", "set", "NEW-7", "10"]).await);
    env.sandbox
        .place_order(buyer_order("pending", vec![(Some(prom.id), "NEW-7", 1)]));
    let run = json(&config, &["job", "run", "orders"]).await;
    assert_eq!(
        run["record"]["planned"], 1,
        "only the new order is stored: {run}"
    );
    let links = json(&config, &["links", "list"]).await;
    let new = links
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["sku"] == "NEW-7")
        .unwrap();
    assert_eq!(new["prom_id"], prom.id);
    assert!(unlinked_ids(&config).await.is_empty(), "a and b linked too");
    assert_eq!(reserved(&config, "NEW-7").await, 6, "2 + 3 + 1");
}
