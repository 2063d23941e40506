//! SKU identity on the sandbox: look-alike SKUs are hard cases (never a silent product or
//! link), `stage` reports every kind of hard case, and `products remove` undoes a product
//! made by mistake, refusing while it is linked, has moves or is reserved.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use promua_sync::backoffice::{BackOffice, BackofficeError, Ledger};
use promua_sync::config::{self, Config};
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::{Outcome, RunRecord};
use promua_sync::sandbox::{
    DefaultListing, RunningSandbox, Sandbox, SandboxOptions, SandboxOrder, SandboxOrderLine,
    SandboxProduct,
};
use promua_sync::store::{Actor, Store};

use crate::helpers::*;

struct Shop {
    dir: tempfile::TempDir,
    sandbox: RunningSandbox,
    path: PathBuf,
    config: Config,
}

fn product(id: i64, sku: &str, name: &str) -> SandboxProduct {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "sku": sku,
        "name": name,
        "quantity_in_stock": 3,
        "price": 250,
    }))
    .unwrap()
}

/// A sandbox holding `catalogue`, and a store holding `local` (SKU, name), unlinked; the
/// config has an import job `import` in `mode` and a `pull_orders` job `orders`.
async fn shop(mode: &str, catalogue: Vec<SandboxProduct>, local: &[(&str, &str)]) -> Shop {
    let sb = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        default_listing: DefaultListing::All,
        ..Default::default()
    });
    sb.upsert_products(catalogue);
    let sandbox = sb
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        format!(
            "[prom]\nbase_url = \"{}\"\ntoken_file = \"token\"\nrequests_per_second = 1000\nmax_retries = 3\nretry_base_delay_ms = 10\n\
             [store]\npath = \"store\"\n[sync]\nwarehouses = [\"main\"]\n[admin]\nenabled = false\n\
             [[job]]\nname = \"import\"\nkind = \"import_products\"\nschedule = \"0 0 1 1 *\"\nmode = \"{mode}\"\n\
             [[job]]\nname = \"orders\"\nkind = \"pull_orders\"\nschedule = \"0 0 1 1 *\"\n",
            sandbox.base_url()
        ),
    )
    .unwrap();
    let config = config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    for (sku, name) in local {
        store.add_product(sku, name).unwrap();
    }
    store.flush_blocking().unwrap();
    Shop {
        dir,
        sandbox,
        path,
        config,
    }
}

impl Shop {
    async fn run(&self, job: &str, store: &Store) -> RunRecord {
        let job = self.config.jobs.iter().find(|j| j.name == job).unwrap();
        let r = run_job(job, &context(&self.config, store), Mode::Apply)
            .await
            .unwrap()
            .record;
        assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
        r
    }

    /// A CLI command on this shop's config (the store must be closed), off the runtime
    /// that serves the sandbox.
    async fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let path = self.path.clone();
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let out = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            cli(&path, &args)
        })
        .await
        .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

/// The hard cases of a run (its notes on Prom products).
fn hard_cases(r: &RunRecord) -> Vec<&String> {
    r.notes
        .iter()
        .filter(|n| n.starts_with("Prom product "))
        .collect()
}

/// The note of Prom product `id` in a run's record.
fn note(r: &RunRecord, id: i64) -> &str {
    let prefix = format!("Prom product {id}: ");
    r.notes
        .iter()
        .find_map(|n| n.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no note for {id} in {:#?}", r.notes))
}

fn sku_of(store: &Store, prom_id: i64) -> Option<String> {
    let id = store.linked_to_prom(prom_id).unwrap()?;
    Some(store.product(id).unwrap().unwrap().sku)
}

#[tokio::test]
async fn create_missing_makes_no_look_alike_duplicates_and_says_which_local_sku() {
    let catalogue = vec![
        product(101, "ab-1", "Кабель"),
        product(102, "NB\u{a0}X", "Ноутбук"),
        product(103, "А-100", "Адаптер"), // Cyrillic А
        product(104, "7", "Сім"),
        product(105, "\u{200B}", "Без артикула"),
        product(106, "AB-2\u{a0}", "Кабель 2"), // identical once cleaned
        product(107, "NEW-1", "Новинка"),
    ];
    let local = [
        ("AB-1", "Кабель USB"),
        ("NB X", "Ноутбук"),
        ("A-100", "Адаптер"),
        ("007", "Сім"),
        ("AB-2", "Кабель 2"),
    ];
    let shop = shop("create_missing", catalogue, &local).await;

    // What the seller sees first: the dry run names each look-alike and what to do.
    let (code, out, err) = shop.cli(&["job", "run", "import", "--dry-run"]).await;
    assert_eq!(code, 0, "{out}{err}");
    for line in [
        "link 1, create 1, stock 0, stage 0; 5 hard case(s)",
        "hard case: Prom product 101: SKU ab-1 looks like local SKU AB-1 (they differ in letter case): not matched, not created; link it by hand (`links link AB-1 101`) or fix the SKU",
        "hard case: Prom product 102: SKU NB\u{a0}X looks like local SKU NB X (they differ in spaces (a no-break or zero-width space, say)): not matched, not created; link it by hand (`links link 'NB X' 102`)",
        "hard case: Prom product 103: SKU А-100 looks like local SKU A-100 (they differ in Cyrillic or Greek letters that look Latin):",
        "hard case: Prom product 104: SKU 7 looks like local SKU 007 (they differ in leading zeros):",
        "hard case: Prom product 105: blank SKU: not matched; link it by hand",
    ] {
        assert!(out.contains(line), "missing `{line}` in:\n{out}");
    }

    let store = Store::open(&shop.config.store.path).unwrap();
    let r = shop.run("import", &store).await;
    assert_eq!(r.planned, 2, "{r:?}");
    assert_eq!(store.product_count(), local.len() + 1, "only NEW-1 is new");
    assert_eq!(store.link_count(), 2);
    assert_eq!(sku_of(&store, 106).as_deref(), Some("AB-2"));
    assert_eq!(sku_of(&store, 107).as_deref(), Some("NEW-1"));
    for id in 101..=105 {
        assert_eq!(store.linked_to_prom(id).unwrap(), None, "{id} linked");
    }
    for sku in ["ab-1", "NB\u{a0}X", "А-100", "7", "\u{200B}"] {
        assert_eq!(store.product_by_sku(sku).unwrap().map(|p| p.sku), None);
    }
    assert!(note(&r, 101).contains("looks like local SKU AB-1"));
    assert!(note(&r, 104).contains("looks like local SKU 007"));
    assert!(note(&r, 105).starts_with("blank SKU"));
    // Created without a balance; the import only read Prom.ua.
    let new = store.product_by_sku("NEW-1").unwrap().unwrap();
    assert_eq!(store.stock_of(new.id).unwrap(), vec![]);
    assert!(shop.sandbox.edit_requests().is_empty());
    assert!(store.check_consistency().unwrap().is_empty());

    // Run again: nothing to do, the same hard cases.
    let again = shop.run("import", &store).await;
    assert_eq!(again.planned, 0);
    assert_eq!(hard_cases(&again), hard_cases(&r));

    // The seller links one by hand: it is settled, the others stay reported.
    let office = BackOffice::new(store.clone(), Actor::Cli, vec![]);
    office
        .link(
            "AB-1",
            &promua_sync::backoffice::LinkRequest {
                prom_id: 101,
                force: false,
            },
        )
        .await
        .unwrap();
    let third = shop.run("import", &store).await;
    assert_eq!(third.planned, 0);
    let left = hard_cases(&third);
    assert!(!left.iter().any(|n| n.starts_with("Prom product 101:")));
    assert_eq!(left.len(), 4, "{left:#?}");
}

#[tokio::test]
async fn prom_products_that_look_alike_each_other_are_not_created() {
    let catalogue = vec![
        product(201, "x-7", "Ікс"),
        product(202, "X-007", "Ікс"),
        product(203, "ＢＢ-1", "Бе"), // full width
        product(204, "BB-1", "Бе"),
    ];
    let shop = shop("create_missing", catalogue, &[]).await;
    let store = Store::open(&shop.config.store.path).unwrap();
    let r = shop.run("import", &store).await;
    assert_eq!((r.planned, store.product_count()), (0, 0), "{r:?}");
    assert!(note(&r, 201).contains("looks like SKU X-007 (Prom product 202) on Prom.ua"));
    assert!(note(&r, 204).contains("looks like SKU ＢＢ-1 (Prom product 203)"));
}

#[tokio::test]
async fn stage_reports_duplicate_taken_changed_look_alike_and_blank() {
    let catalogue = vec![
        product(301, "DUP", "Перший"),
        product(302, "DUP", "Другий"),
        product(303, "TAKEN", "Зайнятий"),
        product(304, "NEW-SKU", "Змінений"),
        product(305, "free-1", "Схожий"),
        product(306, " ", "Порожній"),
        product(307, "MATCH", "Такий самий"),
        // The Prom product local TAKEN is linked to (a link to a deleted one could be
        // replaced, so it must be on Prom.ua); its own SKU differs, a change since linking.
        product(308, "TAKEN-2", "Зайнятий 2"),
    ];
    let local = [
        ("TAKEN", "Зайнятий"),
        ("OLD", "Змінений"),
        ("FREE-1", "Вільний"),
        ("MATCH", "Такий самий"),
    ];
    let shop = shop("stage", catalogue, &local).await;
    let store = Store::open(&shop.config.store.path).unwrap();
    let id = |sku: &str| store.product_by_sku(sku).unwrap().unwrap().id;
    store.link(id("TAKEN"), 308).unwrap();
    store.link(id("OLD"), 304).unwrap();
    let r = shop.run("import", &store).await;
    assert!(note(&r, 301).contains("SKU DUP is on 2 Prom products"));
    assert!(note(&r, 302).contains("SKU DUP is on 2 Prom products"));
    assert!(note(&r, 303).contains("local TAKEN is already linked to Prom product 308"));
    assert!(note(&r, 308).contains("linked to local TAKEN, but its SKU on Prom.ua is now TAKEN-2"));
    assert!(note(&r, 304).contains("linked to local OLD, but its SKU on Prom.ua is now NEW-SKU"));
    assert!(note(&r, 305).contains("looks like local SKU FREE-1"));
    assert!(note(&r, 306).starts_with("blank SKU"));
    assert_eq!(
        hard_cases(&r).len(),
        7,
        "MATCH is no hard case: {:#?}",
        r.notes
    );
    // Staged, nothing created or linked.
    assert_eq!(store.staged_count(), 8);
    assert_eq!((store.product_count(), store.link_count()), (4, 2));
    assert_eq!(store.link_of(id("MATCH")).unwrap(), None);
}

/// A Prom.ua order for `prom_id`, placed on the sandbox.
fn place_order(sandbox: &Sandbox, prom_id: i64) -> i64 {
    sandbox
        .place_order(SandboxOrder {
            id: 0,
            date_created: chrono::Utc::now(),
            date_modified: chrono::Utc::now(),
            client_first_name: "Ірина".into(),
            client_last_name: "Мельник".into(),
            client_second_name: None,
            phone: "+380671234567".into(),
            email: None,
            status: "pending".into(),
            delivery_provider: None,
            delivery_cost: Default::default(),
            cancellation_reason: None,
            details: Default::default(),
            lines: vec![SandboxOrderLine {
                product_id: Some(prom_id),
                external_id: None,
                name: "Кабель".into(),
                sku: Some("ab-1".into()),
                price: Default::default(),
                quantity: 1.into(),
            }],
        })
        .id
}

#[tokio::test]
async fn products_remove_undoes_a_look_alike_made_by_mistake() {
    // The state an older import left: `ab-1` created beside `AB-1` and linked to Prom's.
    let shop = shop(
        "create_missing",
        vec![product(401, "ab-1", "Кабель")],
        &[("AB-1", "Кабель USB"), ("ab-1", "Кабель")],
    )
    .await;
    let order = place_order(&shop.sandbox, 401);
    let mistake = {
        let store = Store::open(&shop.config.store.path).unwrap();
        let p = store.product_by_sku("ab-1").unwrap().unwrap();
        store.link(p.id, 401).unwrap();
        store.set_stock(p.id, "main", 2).unwrap();
        shop.run("orders", &store).await;
        assert_eq!(store.reserved_of(p.id).unwrap(), 1);
        store.flush_blocking().unwrap();
        p
    };

    // Reserved by an open order: refused, even forced, and nothing changes.
    let (code, _, err) = shop.cli(&["products", "remove", "ab-1", "--force"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "product ab-1 is not removed: open orders reserve 1 of it (order {order}); complete or cancel them first (--force does not remove a reserved product)"
        )),
        "{err}"
    );
    {
        let store = Store::open(&shop.config.store.path).unwrap();
        assert_eq!(store.link_of(mistake.id).unwrap(), Some(401));
        assert_eq!(
            store.stock_of(mistake.id).unwrap(),
            vec![("main".into(), 2)]
        );
        let policy = shop.config.sync.reservation_policy();
        store.set_order_status(order, "canceled", &policy).unwrap();
        store.flush_blocking().unwrap();
    }

    // Linked, with a move, on an order's line: refused without --force, naming each.
    let (code, _, err) = shop.cli(&["products", "remove", "ab-1"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!(
            "product ab-1 is not removed: it is linked to Prom product 401, it has 1 stock move(s) in the journal, it is on the lines of order {order}; `products remove ab-1 --force` removes it anyway (unlinks it, keeps its journal, leaves those lines unlinked)"
        )),
        "{err}"
    );

    let (code, out, err) = shop
        .cli(&["products", "remove", "ab-1", "--force", "--json"])
        .await;
    assert_eq!(code, 0, "{err}");
    let removed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(removed["sku"], "ab-1");
    assert_eq!(removed["unlinked_prom_id"], 401);
    assert_eq!(removed["stock"], serde_json::json!({"main": 2}));
    assert_eq!(removed["moves_kept"], 1);
    assert_eq!(removed["orders_unlinked"], serde_json::json!([order]));
    assert_eq!(removed["journalled"][0]["after"], 0);

    // No trace through the CLI…
    let (code, _, err) = shop.cli(&["products", "show", "ab-1"]).await;
    assert_eq!((code, err.trim()), (2, "error: no product with SKU `ab-1`"));
    let (_, links, _) = shop.cli(&["links", "list", "--json"]).await;
    let links: Vec<serde_json::Value> = serde_json::from_str(&links).unwrap();
    assert_eq!(
        links
            .iter()
            .map(|l| (l["sku"].as_str().unwrap(), l["prom_id"].as_i64()))
            .collect::<Vec<_>>(),
        vec![("AB-1", None)]
    );
    // …but its history: the journal keeps its moves, the last one saying why.
    let (code, journal, err) = shop.cli(&["stock", "journal", "ab-1", "--json"]).await;
    assert_eq!(code, 0, "{err}");
    let journal: Vec<serde_json::Value> = serde_json::from_str(&journal).unwrap();
    assert_eq!(journal.len(), 2);
    assert_eq!(journal[0]["reason"], "product ab-1 removed");
    assert_eq!(
        (&journal[0]["before"], &journal[0]["after"]),
        (&2.into(), &0.into())
    );

    // …and none in the store.
    let store = Store::open(&shop.config.store.path).unwrap();
    assert_eq!(store.product(mistake.id).unwrap(), None);
    assert_eq!(store.product_by_sku("ab-1").unwrap(), None);
    assert_eq!(store.stock_of(mistake.id).unwrap(), vec![]);
    assert_eq!(store.link_of(mistake.id).unwrap(), None);
    assert_eq!(store.linked_to_prom(401).unwrap(), None);
    assert_eq!(store.stock_snapshot(mistake.id).unwrap(), None);
    assert_eq!(
        store.order(order).unwrap().unwrap().lines[0].product_id,
        None
    );
    assert!(store.check_consistency().unwrap().is_empty());
    assert!(!store.has_dirty());

    // The next import does not make it again: it says what the Prom product looks like.
    let r = shop.run("import", &store).await;
    assert_eq!((r.planned, store.product_count()), (0, 1), "{r:?}");
    assert!(note(&r, 401).contains("looks like local SKU AB-1"));
    // Linked by hand as the note says, it is settled, and the order's line follows.
    let office = BackOffice::new(store.clone(), Actor::Cli, vec![]);
    office
        .link(
            "AB-1",
            &promua_sync::backoffice::LinkRequest {
                prom_id: 401,
                force: false,
            },
        )
        .await
        .unwrap();
    let r = shop.run("import", &store).await;
    assert_eq!((r.planned, hard_cases(&r).len()), (0, 0), "{r:?}");
    let ab1 = store.product_by_sku("AB-1").unwrap().unwrap();
    assert_eq!(
        store.order(order).unwrap().unwrap().lines[0].product_id,
        Some(ab1.id)
    );
    assert!(shop.sandbox.edit_requests().is_empty(), "Prom.ua untouched");
    drop(shop.dir);
}

#[tokio::test]
async fn the_admin_api_removes_a_product_and_answers_409_with_the_reason() {
    let api = crate::admin::api().await;
    let (store, base, token, client) = (&api.store, &api.base, &api.token, &api.client);
    let a = store.add_product("ab-1", "Кабель").unwrap();
    store.link(a.id, 501).unwrap();
    store.set_stock(a.id, "main", 4).unwrap();

    let http = reqwest::Client::new();
    let refused = http
        .delete(format!("{base}v1/products/ab-1"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["kind"], "conflict");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("it is linked to Prom product 501, it has 1 stock move(s)"),
        "{body}"
    );
    assert!(store.product(a.id).unwrap().is_some());

    // The CLI's client says the same, and forces it.
    match client.remove_product("ab-1", false).await.unwrap_err() {
        BackofficeError::Conflict(m) => assert!(m.contains("--force"), "{m}"),
        other => panic!("{other:?}"),
    }
    let removed = client.remove_product("ab-1", true).await.unwrap();
    assert_eq!(removed.unlinked_prom_id, Some(501));
    assert_eq!(removed.journalled[0].actor, "cli");
    assert_eq!(store.product(a.id).unwrap(), None);
    assert_eq!(store.linked_to_prom(501).unwrap(), None);
    assert_eq!(store.stock_of(a.id).unwrap(), vec![]);
    match client.remove_product("ab-1", true).await.unwrap_err() {
        BackofficeError::NotFound(m) => assert_eq!(m, "no product with SKU `ab-1`"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_products_csv_cleans_skus_and_refuses_a_blank_one_by_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let office = BackOffice::new(store.clone(), Actor::Csv, vec![]);
    let opts = promua_sync::backoffice::CsvOptions::default();
    let kind = promua_sync::backoffice::CsvKind::Products;
    let bad = "sku,name\nZ-1\u{a0},Кабель\n\u{200B},Нічого\nZ-1,Двійник\n";
    match office.import_csv(kind, bad.as_bytes(), &opts).await {
        Err(BackofficeError::Rows(rows)) => {
            let found: Vec<(u64, &str, &str)> = rows
                .iter()
                .map(|r| (r.row, r.field.as_str(), r.message.as_str()))
                .collect();
            assert_eq!(
                found,
                vec![
                    (3, "sku", "the SKU is blank"),
                    (4, "sku", "SKU `Z-1` is also on row 2")
                ]
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.product_count(), 0, "nothing applied");
    let good = "sku,name\n\u{FEFF}Z-1\u{a0},Кабель\n";
    office
        .import_csv(kind, good.as_bytes(), &opts)
        .await
        .unwrap();
    assert_eq!(store.products().unwrap()[0].sku, "Z-1");
}
