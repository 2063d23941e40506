//! Lenient replies, faithful writes: an edit or set_status answer in any shape Prom.ua may
//! send is read for what it confirms (never refused once Prom has applied the batch); ids
//! sent as text are read; `presence_sure` goes with every `presence` we send.

use promua_sync::backoffice::{BackOffice, Ledger, OrderStatusSet};
use promua_sync::config::{self, Config};
use promua_sync::jobs::{JobRun, Mode, run_job};
use promua_sync::prom::{PromClient, PromError};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{SandboxOptions, ScriptedFault};
use promua_sync::store::{Actor, Store};
use serde_json::json;

use crate::helpers::*;

const REFUSAL: &str = "Кількість не може бути змінена";

async fn run(config: &Config, store: &Store, name: &str) -> JobRun {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(job, &context(config, store), Mode::Apply)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_edit_answer_in_any_shape_confirms_what_prom_applied() {
    for fault in [
        ScriptedFault::NullErrors,
        ScriptedFault::ListErrors,
        ScriptedFault::TextIds,
    ] {
        let env = Env::new(5, SandboxOptions::default(), |_| 7).await;
        let refused = env.catalogue[2].id;
        env.sandbox.reject(refused, REFUSAL);
        env.sandbox.script_faults([fault]);
        let config = env.config("*/5 * * * *");
        let store = Store::open(&config.store.path).unwrap();
        let r = run(&config, &store, "stock").await.record;

        assert_eq!(
            (r.outcome, r.sent, r.confirmed, r.failed.len()),
            (Outcome::Partial, 5, 4, 1),
            "{fault:?}: {r:?}"
        );
        assert_eq!((r.error.as_deref(), r.failed[0].prom_id), (None, refused));
        // `errors: null` drops Prom's reason; the item is still not confirmed.
        let reason = match fault {
            ScriptedFault::NullErrors => "missing from processed_ids",
            _ => REFUSAL,
        };
        assert!(r.failed[0].reason.contains(reason), "{fault:?}: {r:?}");
        assert!(
            !r.notes.iter().any(|n| n.contains("products/edit")),
            "{fault:?}: a well-formed answer leaves nothing to note: {:?}",
            r.notes
        );
        // The snapshots hold exactly what Prom.ua confirmed, and Prom holds it.
        let snaps = store.stock_snapshots().unwrap();
        assert_eq!(snaps.len(), 4, "{fault:?}");
        assert!(
            snaps
                .iter()
                .all(|(_, s)| s.quantity == 7 && s.prom_id != refused)
        );
        for p in &env.catalogue {
            let want = if p.id == refused {
                p.quantity_in_stock
            } else {
                Some(7)
            };
            assert_eq!(env.sandbox.product(p.id).unwrap().quantity_in_stock, want);
        }
    }
}

#[tokio::test]
async fn an_edit_answer_without_processed_ids_confirms_nothing_and_the_next_run_resends() {
    let env = Env::new(5, SandboxOptions::default(), |_| 7).await;
    env.sandbox.script_faults([ScriptedFault::NullProcessedIds]);
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let r = run(&config, &store, "stock").await.record;
    // Read as an answer (not a failed call): each item failed for want of a confirmation.
    assert_eq!(
        (r.outcome, r.error.as_deref(), r.confirmed, r.failed.len()),
        (Outcome::Partial, None, 0, 5),
        "{r:?}"
    );
    assert!(
        r.failed
            .iter()
            .all(|f| f.reason.contains("missing from processed_ids")),
        "{:?}",
        r.failed
    );
    assert!(store.stock_snapshots().unwrap().is_empty());

    // Prom.ua did apply it, but nothing said so: the next run sends everything again.
    env.sandbox.clear_requests();
    let r = run(&config, &store, "stock").await.record;
    assert_eq!((r.outcome, r.sent, r.confirmed), (Outcome::Ok, 5, 5));
    assert_eq!(store.stock_snapshots().unwrap().len(), 5);
}

#[tokio::test]
async fn every_stock_edit_sends_presence_sure_with_presence() {
    // One product at 0 (under the zero-share guard): both presences are sent.
    let env = Env::new(12, SandboxOptions::default(), |i| i as i64).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let r = run(&config, &store, "stock").await.record;
    assert_eq!(r.confirmed, 12);
    let items: Vec<serde_json::Value> = env
        .sandbox
        .edit_requests()
        .iter()
        .flat_map(|r| r.body.clone().unwrap().as_array().unwrap().clone())
        .collect();
    assert_eq!(items.len(), 12);
    for item in &items {
        assert!(item["presence"].is_string(), "{item}");
        assert_eq!(item["presence_sure"], json!(true), "{item}");
    }
    assert!(items.iter().any(|i| i["presence"] == "not_available"));
}

const STATUS_JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"

[[job]]
name = "statuses"
kind = "push_statuses"
schedule = "0 0 1 1 *"
status_map = { received = "received", paid = "paid" }
"#;

#[tokio::test]
async fn a_status_answer_with_text_ids_confirms_and_one_with_null_ids_confirms_nothing() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let path = env.write_config("0 0 1 1 *", STATUS_JOBS);
    patch_file(
        &path,
        "[sync]\n",
        "[sync]\nupdate_statuses = true\nreserve_statuses = [\"pending\", \"received\"]\ndone_status = \"delivered\"\n",
    );
    let config = config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let office = BackOffice::new(store.clone(), Actor::Cli, vec![])
        .with_policy(config.sync.reservation_policy());
    let sku = env.catalogue[0].sku.clone().unwrap();
    let ids: Vec<i64> = (0..2)
        .map(|_| {
            env.sandbox
                .place_order(buyer_order(
                    "pending",
                    vec![(Some(env.catalogue[0].id), &sku, 1)],
                ))
                .id
        })
        .collect();
    run(&config, &store, "orders").await;
    let set_all = |status: &'static str| {
        let office = &office;
        let ids = &ids;
        async move {
            for id in ids {
                let set = OrderStatusSet {
                    status: status.into(),
                    force: false,
                };
                office.set_order_status(*id, &set).await.unwrap();
            }
        }
    };

    // `processed_ids: ["101", "102"]`: both confirmed.
    set_all("received").await;
    env.sandbox.script_faults([ScriptedFault::TextIds]);
    let r = run(&config, &store, "statuses").await.record;
    assert_eq!(
        (r.outcome, r.sent, r.confirmed, r.failed.len()),
        (Outcome::Ok, 2, 2, 0),
        "{r:?}"
    );
    for id in &ids {
        let o = store.order(*id).unwrap().unwrap();
        assert!(!o.status_pending && !o.prom_status_unconfirmed, "{o:?}");
        assert_eq!(o.prom_status.as_deref(), Some("received"));
    }

    // `processed_ids: null`: an answer confirming nothing, not a failed call.
    set_all("paid").await;
    env.sandbox.script_faults([ScriptedFault::NullProcessedIds]);
    let r = run(&config, &store, "statuses").await.record;
    assert_eq!(
        (r.outcome, r.error.as_deref(), r.confirmed, r.failed.len()),
        (Outcome::Partial, None, 0, 2),
        "{r:?}"
    );
    assert!(
        r.failed[0].reason.contains("did not accept `paid`"),
        "{r:?}"
    );
    for id in &ids {
        let o = store.order(*id).unwrap().unwrap();
        assert!(o.status_pending && o.prom_status_unconfirmed, "{o:?}");
    }
    // The next run sends them again, and they are confirmed.
    let r = run(&config, &store, "statuses").await.record;
    assert_eq!((r.outcome, r.confirmed), (Outcome::Ok, 2), "{r:?}");
    for id in &ids {
        assert_eq!(env.sandbox.order(*id).unwrap().status, "paid");
        assert!(!store.order(*id).unwrap().unwrap().status_pending);
    }
}

/// A `[[job]]` reading the catalogue, for the runs that must note skipped products.
const IMPORT_JOB: &str = r#"
[[job]]
name = "import"
kind = "import_products"
schedule = "0 0 1 1 *"
mode = "link_only"
"#;

#[tokio::test]
async fn ids_sent_as_text_are_read_and_an_unreadable_id_skips_only_its_product() {
    let env = Env::new(6, SandboxOptions::default(), |_| 1).await;
    let as_text = env.catalogue[0].id;
    let unreadable = env.catalogue[1].id;
    env.sandbox.set_raw_fields(
        as_text,
        json!({"id": as_text.to_string(), "group": {"id": "x", "name": "Чайники"}})
            .as_object()
            .unwrap()
            .clone(),
    );
    env.sandbox.set_raw_fields(
        unreadable,
        json!({"id": "SKU-abc"}).as_object().unwrap().clone(),
    );
    let config = config::load(&env.write_config("0 0 1 1 *", IMPORT_JOB)).unwrap();
    let client = PromClient::new(&config.prom).unwrap().counted();
    let all = client.all_products().await.unwrap();
    let mut got: Vec<i64> = all.iter().map(|p| p.id).collect();
    got.sort_unstable();
    let mut want: Vec<i64> = env
        .catalogue
        .iter()
        .map(|p| p.id)
        .filter(|id| *id != unreadable)
        .collect();
    want.sort_unstable();
    assert_eq!(got, want);
    let text = all.iter().find(|p| p.id == as_text).unwrap();
    assert_eq!(
        (
            text.group.as_ref().unwrap().name.as_deref(),
            text.unreadable["group.id"].sent.as_str()
        ),
        (Some("Чайники"), "\"x\"")
    );
    let notes = client.notes();
    assert_eq!(
        notes
            .iter()
            .filter(|n| n.contains(r#"a product with id "SKU-abc" skipped"#))
            .count(),
        1,
        "named once, however often the walk met it: {notes:?}"
    );

    // A job run carries the note in its record.
    let store = Store::open(&config.store.path).unwrap();
    let r = run(&config, &store, "import").await.record;
    assert_ne!(r.outcome, Outcome::Failed, "{r:?}");
    assert!(
        r.notes
            .iter()
            .any(|n| n.starts_with("/products/list: ") && n.contains("\"SKU-abc\"")),
        "{:?}",
        r.notes
    );
}

#[tokio::test]
async fn a_page_with_no_readable_id_ends_a_walk_when_short_and_fails_it_when_full() {
    // 101 products, the oldest unreadable: the second page holds only it.
    let env = Env::new(101, SandboxOptions::default(), |_| 1).await;
    let oldest = env.catalogue.iter().map(|p| p.id).min().unwrap();
    let unreadable = |id| {
        env.sandbox
            .set_raw_fields(id, json!({"id": "?"}).as_object().unwrap().clone())
    };
    unreadable(oldest);
    let config = env.config("0 0 1 1 *");
    let client = PromClient::new(&config.prom).unwrap().counted();
    assert_eq!(client.all_products().await.unwrap().len(), 100);
    let notes = client.notes().join("\n");
    assert!(
        notes.contains("the walk ended at a page of 1 item(s)"),
        "{notes}"
    );

    // A full page of them: more may follow, and nothing gives a cursor past them.
    for p in &env.catalogue {
        unreadable(p.id);
    }
    let err = client.all_products().await.unwrap_err();
    assert!(
        matches!(err, PromError::Malformed { .. })
            && err.to_string().contains("paging cannot go on"),
        "{err}"
    );
}
