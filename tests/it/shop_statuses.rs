//! The shop's own order statuses (issue 14, points 3 and 4): read from
//! `order_status_options/list` by pull_orders and kept; named in a status_map by name or
//! by title; sent by push_statuses in the form the sandbox takes; agreeing with what the
//! next pull reads; and `orders set-status` refusing a status the configuration does not
//! know.

use std::path::PathBuf;

use promua_sync::backoffice::{BackOffice, Ledger, OrderStatusSet};
use promua_sync::config::{self, Config};
use promua_sync::domain::CustomStatusForm;
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::RunRecord;
use promua_sync::sandbox::{
    CustomStatusForm as SandboxForm, OrderChange, Quirks, SandboxOptions, SandboxStatusOption,
};
use promua_sync::store::{Actor, Store};
use serde_json::{Value, json};

use crate::helpers::*;

const JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"

[[job]]
name = "statuses"
kind = "push_statuses"
schedule = "0 0 1 1 *"
status_map = { received = "received", awaiting = "Чекає на передоплату", prepaid = "custom-1002", odd = "Немає такого статусу" }
"#;

const SYNC: &str = "[sync]\nupdate_statuses = true\nreserve_statuses = [\"pending\", \"received\", \"awaiting\", \"prepaid\"]\n";

/// A sandbox listing a second custom status, `custom-1002`, and a config pulling orders
/// and pushing statuses through [`JOBS`].
async fn shop() -> (Env, PathBuf, Config) {
    let env = Env::new(3, SandboxOptions::default(), |_| 10).await;
    let mut options = env.sandbox.status_options();
    options.push(SandboxStatusOption {
        id: 1002,
        name: "custom-1002".into(),
        title: "Передоплату отримано".into(),
    });
    env.sandbox.set_status_options(options);
    let path = env.write_config("0 0 1 1 *", JOBS);
    patch_file(&path, "[sync]\n", SYNC);
    let config = config::load(&path).unwrap();
    (env, path, config)
}

async fn run(config: &Config, store: &Store, name: &str) -> RunRecord {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(job, &context(config, store), Mode::Apply)
        .await
        .unwrap()
        .record
}

fn office(config: &Config, store: &Store) -> BackOffice {
    BackOffice::new(store.clone(), Actor::Cli, vec![]).with_policy(config.sync.reservation_policy())
}

async fn set(office: &BackOffice, id: i64, status: &str) {
    let req = OrderStatusSet {
        status: status.into(),
        force: false,
    };
    office.set_order_status(id, &req).await.unwrap();
}

/// A pending order for `qty` of catalogue product `i`.
fn place(env: &Env, i: usize, qty: i64) -> i64 {
    let p = &env.catalogue[i];
    env.sandbox
        .place_order(buyer_order(
            "pending",
            vec![(Some(p.id), p.sku.as_deref().unwrap(), qty)],
        ))
        .id
}

/// The bodies of the `orders/set_status` calls the sandbox received, in order.
fn set_status_bodies(env: &Env) -> Vec<Value> {
    env.sandbox
        .set_status_requests()
        .into_iter()
        .map(|r| r.body.unwrap())
        .collect()
}

/// The order as the sandbox's API shows it.
async fn prom_order(env: &Env, id: i64) -> Value {
    let v: Value = reqwest::Client::new()
        .get(format!("{}/orders/{id}", env.sandbox.base_url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["order"].clone()
}

fn kinds(r: &RunRecord) -> Vec<&str> {
    r.warnings.iter().map(|w| w.kind.as_str()).collect()
}

#[tokio::test]
async fn a_custom_status_by_title_or_name_is_sent_taken_and_agrees_at_the_next_pull() {
    let (env, _, config) = shop().await;
    let store = Store::open(&config.store.path).unwrap();
    let (a, b, c) = (place(&env, 0, 2), place(&env, 1, 1), place(&env, 2, 1));
    // An order at a status nobody knows is kept, its status as Prom.ua wrote it.
    let odd = env
        .sandbox
        .place_order(buyer_order("loan_approved", vec![]))
        .id;

    let r = run(&config, &store, "orders").await;
    assert_eq!(r.outcome, promua_sync::report::Outcome::Ok, "{r:?}");
    let kept = store.shop_statuses().unwrap().unwrap();
    assert!(kept.read_at.is_some());
    let names: Vec<String> = kept.options.iter().filter_map(|o| o.code()).collect();
    assert!(names.contains(&"custom-1001".into()) && names.contains(&"custom-1002".into()));
    assert_eq!(store.order(odd).unwrap().unwrap().status, "loan_approved");

    let office = office(&config, &store);
    set(&office, a, "awaiting").await;
    set(&office, b, "prepaid").await;
    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses").await;
    assert_eq!((r.confirmed, r.failed.len()), (2, 0), "{r:?}");
    // What Prom.ua received: each in the first form, by name.
    assert_eq!(
        set_status_bodies(&env),
        vec![
            json!({"status": "custom-1001", "ids": [a]}),
            json!({"status": "custom-1002", "ids": [b]}),
        ]
    );
    let shown = prom_order(&env, a).await;
    assert_eq!(shown["status"], "custom-1001");
    assert_eq!(shown["status_name"], "Чекає на передоплату");
    assert_eq!(
        prom_order(&env, b).await["status_name"],
        "Передоплату отримано"
    );
    let stored = store.order(a).unwrap().unwrap();
    assert_eq!(
        (
            stored.status.as_str(),
            stored.prom_status.as_deref(),
            stored.status_pending
        ),
        ("awaiting", Some("custom-1001"), false)
    );

    // The seller sets the same status in the cabinet while the local change waits.
    set(&office, c, "awaiting").await;
    env.sandbox.change_order(
        c,
        OrderChange {
            status: Some("custom-1001".into()),
            ..Default::default()
        },
    );
    let sku0 = env.catalogue[0].sku.clone().unwrap();
    let reserved = office.show_product(&sku0).await.unwrap().reserved;
    assert_eq!(reserved, 2);

    // The next pull reads Prom's `custom-1001`: it agrees with the local `awaiting`
    // (sent by title), so no conflict, no status change, and the stock stays held.
    let r = run(&config, &store, "orders").await;
    assert!(!kinds(&r).contains(&"status_conflict"), "{:?}", r.warnings);
    for id in [a, c] {
        let o = store.order(id).unwrap().unwrap();
        assert_eq!(
            (o.status.as_str(), o.status_pending),
            ("awaiting", false),
            "{id}"
        );
    }
    assert_eq!(store.order(b).unwrap().unwrap().status, "prepaid");
    assert_eq!(office.show_product(&sku0).await.unwrap().reserved, reserved);
    // C needs no push: Prom.ua already shows it.
    env.sandbox.clear_requests();
    assert_eq!(run(&config, &store, "statuses").await.sent, 0);
    assert!(set_status_bodies(&env).is_empty());
}

#[tokio::test]
async fn a_custom_status_refused_in_one_form_is_sent_in_the_other_which_is_remembered() {
    let (env, _, config) = shop().await;
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    env.sandbox.set_quirks(Quirks {
        custom_status_form: SandboxForm::IdOnly,
        ..Default::default()
    });
    let a = place(&env, 0, 1);
    run(&config, &store, "orders").await;
    set(&office, a, "awaiting").await;
    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses").await;
    assert_eq!((r.confirmed, r.failed.len()), (1, 0), "{r:?}");
    assert_eq!(
        set_status_bodies(&env),
        vec![
            json!({"status": "custom-1001", "ids": [a]}),
            json!({"custom_status_id": 1001, "ids": [a]}),
        ]
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("took it by id (`custom_status_id`)")),
        "{:?}",
        r.notes
    );
    assert_eq!(env.sandbox.order(a).unwrap().status, "custom-1001");
    assert_eq!(
        store.order(a).unwrap().unwrap().prom_status.as_deref(),
        Some("custom-1001")
    );
    assert_eq!(
        store.custom_status_form().unwrap(),
        Some(CustomStatusForm::Id)
    );

    // The next push starts with the form that worked: one call.
    let b = place(&env, 1, 1);
    run(&config, &store, "orders").await;
    set(&office, b, "awaiting").await;
    env.sandbox.clear_requests();
    assert_eq!(run(&config, &store, "statuses").await.confirmed, 1);
    assert_eq!(
        set_status_bodies(&env),
        vec![json!({"custom_status_id": 1001, "ids": [b]})]
    );

    // A shop that takes names only: the id is ignored, refused, and the name then taken.
    env.sandbox.set_quirks(Quirks {
        custom_status_form: SandboxForm::NameOnly,
        ..Default::default()
    });
    let c = place(&env, 2, 1);
    run(&config, &store, "orders").await;
    set(&office, c, "prepaid").await;
    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses").await;
    assert_eq!((r.confirmed, r.failed.len()), (1, 0), "{r:?}");
    assert_eq!(
        set_status_bodies(&env),
        vec![
            json!({"custom_status_id": 1002, "ids": [c]}),
            json!({"status": "custom-1002", "ids": [c]}),
        ]
    );
    assert_eq!(env.sandbox.order(c).unwrap().status, "custom-1002");
    assert_eq!(
        store.custom_status_form().unwrap(),
        Some(CustomStatusForm::Name)
    );
}

#[tokio::test]
async fn a_title_the_shop_does_not_list_is_not_sent_and_a_missing_list_fails_no_pull() {
    let (env, _, config) = shop().await;
    let store = Store::open(&config.store.path).unwrap();
    let office = office(&config, &store);
    // An account whose order_status_options/list answers 404.
    env.sandbox.set_quirks(Quirks {
        status_options_missing: true,
        ..Default::default()
    });
    let (a, b) = (place(&env, 0, 1), place(&env, 1, 1));
    let r = run(&config, &store, "orders").await;
    assert_eq!(r.outcome, promua_sync::report::Outcome::Ok, "{r:?}");
    assert_eq!(store.order_count(), 2);
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("order statuses (order_status_options/list) could not be read")),
        "{:?}",
        r.notes
    );
    let kept = store.shop_statuses().unwrap().unwrap();
    assert_eq!((kept.read_at, kept.last_error.is_some()), (None, true));

    // Without the list a title cannot be named; a `custom-N` name still can.
    set(&office, a, "awaiting").await;
    set(&office, b, "prepaid").await;
    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses").await;
    assert_eq!(r.confirmed, 1, "{r:?}");
    assert_eq!(
        set_status_bodies(&env),
        vec![json!({"status": "custom-1002", "ids": [b]})]
    );
    let w = r.warnings.iter().find(|w| w.prom_id == a).unwrap();
    assert_eq!(w.kind, "unsendable_status");
    assert!(
        w.message.contains("the shop's list was never read"),
        "{}",
        w.message
    );
    assert!(w.message.contains("run pull_orders"), "{}", w.message);

    // A later pull reads the list (the last try made an hour old here); a title it lacks
    // is still not sent, and the warning says which statuses the shop has.
    env.sandbox.set_quirks(Quirks::default());
    store
        .keep_shop_statuses(
            Err("stale".into()),
            chrono::Utc::now() - chrono::Duration::hours(1),
        )
        .unwrap();
    run(&config, &store, "orders").await;
    assert!(store.shop_statuses().unwrap().unwrap().read_at.is_some());
    let c = place(&env, 2, 1);
    run(&config, &store, "orders").await;
    set(&office, c, "odd").await;
    env.sandbox.clear_requests();
    let r = run(&config, &store, "statuses").await;
    let sent: Vec<Value> = set_status_bodies(&env);
    assert_eq!(sent, vec![json!({"status": "custom-1001", "ids": [a]})]);
    let w = r.warnings.iter().find(|w| w.prom_id == c).unwrap();
    assert!(
        w.message
            .contains("`Немає такого статусу` is not among the shop's order statuses")
            && w.message.contains("custom-1001 (Чекає на передоплату)"),
        "{}",
        w.message
    );
    assert!(store.order(c).unwrap().unwrap().status_pending);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typo_status_changes_nothing_force_sets_it_and_the_daemon_checks_the_same() {
    let (env, path, config) = shop().await;
    let (a, b) = (place(&env, 0, 2), place(&env, 1, 1));
    let out = cli_async(&path, &["orders", "statuses"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("never read: run pull_orders"), "{text}");
    {
        let store = Store::open(&config.store.path).unwrap();
        run(&config, &store, "orders").await;
        store.flush_blocking().unwrap();
    }
    let sku0 = env.catalogue[0].sku.clone().unwrap();
    let json = |args: Vec<String>| {
        let path = path.clone();
        async move {
            let mut args = args;
            args.push("--json".into());
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            let out = cli_async(&path, &refs).await;
            assert_eq!(
                out.status.code(),
                Some(0),
                "{args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice::<Value>(&out.stdout).unwrap()
        }
    };
    let order = |id: i64| json(vec!["orders".into(), "show".into(), id.to_string()]);
    let reserved = || json(vec!["products".into(), "show".into(), sku0.clone()]);
    let before = (order(a).await, reserved().await["reserved"].clone());
    assert_eq!(before.1, 2);

    let out = cli_async(&path, &["orders", "set-status", &a.to_string(), "recieved"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("did you mean `received`?"), "{stderr}");
    assert!(
        stderr.contains("custom-1001") && stderr.contains("awaiting"),
        "{stderr}"
    );
    let after = order(a).await;
    assert_eq!(
        (&after["status"], &after["status_pending"]),
        (&before.0["status"], &before.0["status_pending"])
    );
    assert_eq!(after, before.0);
    assert_eq!(reserved().await["reserved"], before.1);

    // The shop's own status by name is known; `--force` sets anything, and says so.
    let out = cli_async(
        &path,
        &["orders", "set-status", &b.to_string(), "custom-1001"],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli_async(
        &path,
        &[
            "orders",
            "set-status",
            &a.to_string(),
            "recieved",
            "--force",
        ],
    )
    .await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("not an order status the configuration knows"),
        "{stderr}"
    );
    let forced = order(a).await;
    assert_eq!(
        (&forced["status"], &forced["status_pending"]),
        (&json!("recieved"), &json!(true))
    );

    // The same through the daemon's admin API.
    let mut daemon = env.start_daemon(&path).await;
    let out = cli_async(&path, &["orders", "set-status", &b.to_string(), "deliverd"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("did you mean `delivered`?"), "{stderr}");
    assert_eq!(order(b).await["status"], "custom-1001");
    let listed = json(vec!["orders".into(), "statuses".into()]).await;
    let custom = listed["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "custom-1001")
        .unwrap()
        .clone();
    assert_eq!(custom["title"], "Чекає на передоплату");
    assert_eq!(custom["means"], "reserves");
    assert_eq!(custom["mapped_from"], json!(["awaiting"]));
    assert!(listed["read_at"].is_string());
    let out = cli_async(
        &path,
        &["orders", "set-status", &b.to_string(), "delivered"],
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(reserved().await["reserved"], 2, "b's product is another");
    daemon.kill().unwrap();
    daemon.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_checks_status_maps_offline_for_typos_and_online_against_the_shop() {
    let (_env, path, _) = shop().await;
    // Online: the title the shop lacks is an error naming the job, key and the list.
    let out = cli_async(&path, &["check-config", "--online"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("job `statuses`: status_map.odd = `Немає такого статусу` is not one of the shop's order statuses"),
        "{stderr}"
    );
    assert!(
        stderr.contains("custom-1002 (Передоплату отримано)"),
        "{stderr}"
    );
    assert!(!stderr.contains("status_map.awaiting"), "{stderr}");
    // It kept the list it read.
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("kept in the store"), "{stdout}");
    {
        let store = Store::open(&path.parent().unwrap().join("store")).unwrap();
        assert!(store.shop_statuses().unwrap().unwrap().read_at.is_some());
    }
    patch_file(&path, ", odd = \"Немає такого статусу\"", "");
    let out = cli_async(&path, &["check-config", "--online"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Offline: a near miss of Prom's statuses is an error; a `custom-N` or a title is not.
    patch_file(
        &path,
        "awaiting = \"Чекає на передоплату\"",
        "awaiting = \"recieved\"",
    );
    let out = cli_async(&path, &["check-config"]).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("job[0].status_map.awaiting") || stderr.contains("status_map.awaiting"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `received`?"), "{stderr}");
    patch_file(
        &path,
        "awaiting = \"recieved\"",
        "awaiting = \"Будь-який заголовок\"",
    );
    let out = cli_async(&path, &["check-config"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn the_sandbox_lists_the_statuses_it_is_given_and_takes_only_the_forms_its_quirk_allows() {
    let (env, _, _) = shop().await;
    let a = place(&env, 0, 1);
    let http = reqwest::Client::new();
    let control = env.sandbox.base_url().replace("/api/v1", "/__sandbox");
    let put = |path: &str, body: Value| http.put(format!("{control}/{path}")).json(&body).send();
    let options = json!([
        {"id": 0, "name": "pending", "title": "Новий"},
        {"id": 7, "name": "custom-7", "title": "Сьомий"}
    ]);
    assert!(
        put("order_status_options", options.clone())
            .await
            .unwrap()
            .status()
            .is_success()
    );
    let listed: Value = http
        .get(format!(
            "{}/order_status_options/list",
            env.sandbox.base_url()
        ))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["order_status_options"], options);
    let quirk = json!({"custom_status_form": "id_only"});
    assert!(put("quirks", quirk).await.unwrap().status().is_success());

    let set = |body: Value| {
        let http = http.clone();
        let url = format!("{}/orders/set_status", env.sandbox.base_url());
        async move {
            let v: Value = http
                .post(url)
                .bearer_auth(TOKEN)
                .json(&body)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            v
        }
    };
    // Refused, as live Prom.ua refuses: HTTP 200, the id left out, a warning_message.
    for refused in [
        json!({"status": "custom-7", "ids": [a]}),
        json!({"status": "pending", "ids": [a]}),
        json!({"status": "draft", "ids": [a]}),
        json!({"custom_status_id": 1001, "ids": [a]}),
        json!({"status": "custom-1001", "ids": [a]}),
    ] {
        let v = set(refused.clone()).await;
        assert_eq!(v["processed_ids"], json!([]), "{refused}");
        assert!(v["warning_message"].is_string(), "{refused}: {v}");
    }
    assert_eq!(env.sandbox.order(a).unwrap().status, "pending");
    let v = set(json!({"custom_status_id": 7, "ids": [a]})).await;
    assert_eq!(v["processed_ids"], json!([a]));
    let shown = prom_order(&env, a).await;
    assert_eq!(
        (&shown["status"], &shown["status_name"]),
        (&json!("custom-7"), &json!("Сьомий"))
    );
}
