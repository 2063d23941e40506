//! Downloading products from Prom.ua: the four modes, hard cases, staging and mass linking.

use std::collections::{HashMap, HashSet};
use std::net::{Ipv4Addr, SocketAddr};

use promua_sync::backoffice::{AcceptLinks, BackOffice, BackofficeError, Ledger};
use promua_sync::config::{self, Config};
use promua_sync::jobs::run_job;
use promua_sync::report::{Outcome, RunRecord};
use promua_sync::sandbox::{
    Catalogue, RunningSandbox, Sandbox, SandboxOptions, SandboxProduct, generate_catalogue,
};
use promua_sync::store::{Actor, NewProduct, Store};

use crate::helpers::*;

struct World {
    _dir: tempfile::TempDir,
    sandbox: RunningSandbox,
    prom: Vec<SandboxProduct>,
    config: Config,
}

const SIMILAR: &str = "SIMILAR-1";

/// A 3000-product sandbox catalogue (nested groups, blank and duplicate SKUs) and a back
/// office holding: 800 products with SKUs that are on Prom, 200 that are not, a product
/// named like a Prom product under another SKU, one linked to a Prom product whose SKU
/// changed since, and one whose SKU is on Prom but which is linked elsewhere.
async fn world(mode: &str) -> World {
    let cat: Catalogue = generate_catalogue(3000, 0, 21);
    let sb = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        ..Default::default()
    });
    sb.load(cat.clone());
    // Prom product 1, linked below, is on Prom.ua but in no listing (a group that
    // `groups/list` leaves out): asked for by id, it answers, so it is not taken for deleted.
    sb.upsert_products([SandboxProduct {
        id: 1,
        name: "Не в переліку".into(),
        sku: Some("UNLISTED-1".into()),
        group_id: 999_999,
        ..cat.products[0].clone()
    }]);
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
             [[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"0 0 1 1 *\"\n\
             [[job]]\nname = \"orders\"\nkind = \"pull_orders\"\nschedule = \"0 0 1 1 *\"\n",
            sandbox.base_url()
        ),
    )
    .unwrap();
    let config = config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    let unique = unique_skus(&cat.products);
    let mut on_prom: Vec<&SandboxProduct> = cat
        .products
        .iter()
        .filter(|p| clean(p).is_some_and(|s| unique.contains(&s)))
        .collect();
    on_prom.sort_by_key(|p| p.id);
    let new: Vec<NewProduct> = on_prom
        .iter()
        .take(800)
        .map(|p| NewProduct {
            sku: clean(p).unwrap(),
            name: format!("Локальна назва {}", p.id),
            price: None,
            currency: None,
        })
        .chain((0..200).map(|i| NewProduct {
            sku: format!("LOC-{i:04}"),
            name: format!("Лише у нас {i}"),
            price: None,
            currency: None,
        }))
        .collect();
    store.add_products(&new).unwrap();
    // Named like an unmatched Prom product, under another SKU: create_missing still creates.
    let unmatched = on_prom[900];
    store
        .add_products(&[NewProduct {
            sku: SIMILAR.into(),
            name: unmatched.name.clone(),
            price: None,
            currency: None,
        }])
        .unwrap();
    // Linked to a Prom product whose SKU is now different.
    let changed = on_prom[950];
    let old = store
        .add_products(&[NewProduct {
            sku: "OLD-SKU".into(),
            name: "Стара назва".into(),
            price: None,
            currency: None,
        }])
        .unwrap();
    store.link(old[0].id, changed.id).unwrap();
    // On Prom under its SKU, but linked to another Prom product (1, unlisted).
    let taken = store
        .product_by_sku(&clean(on_prom[10]).unwrap())
        .unwrap()
        .unwrap();
    store.link(taken.id, 1).unwrap();
    store.flush_blocking().unwrap();
    World {
        _dir: dir,
        sandbox,
        prom: cat.products,
        config,
    }
}

fn clean(p: &SandboxProduct) -> Option<String> {
    p.sku
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn unique_skus(products: &[SandboxProduct]) -> HashSet<String> {
    let mut count: HashMap<String, usize> = HashMap::new();
    for p in products {
        if let Some(s) = clean(p) {
            *count.entry(s).or_default() += 1;
        }
    }
    count
        .into_iter()
        .filter(|(_, n)| *n == 1)
        .map(|(s, _)| s)
        .collect()
}

async fn import(w: &World, store: &Store) -> RunRecord {
    let job = w.config.jobs.iter().find(|j| j.name == "import").unwrap();
    let r = run_job(
        job,
        &context(&w.config, store),
        promua_sync::jobs::Mode::Apply,
    )
    .await
    .unwrap()
    .record;
    assert_eq!(r.outcome, Outcome::Ok, "{r:?}");
    r
}

fn assert_hard_cases_reported(r: &RunRecord) {
    let notes = r.notes.join("\n");
    for needle in [
        "blank SKU",
        "is on 2 Prom products",
        "is already linked to Prom product 1",
        "its SKU on Prom.ua is now",
    ] {
        assert!(
            notes.contains(needle),
            "missing hard case `{needle}` in:\n{notes}"
        );
    }
}

#[tokio::test]
async fn link_only_links_sku_matches_and_nothing_else() {
    let w = world("link_only").await;
    let store = Store::open(&w.config.store.path).unwrap();
    let before = store.product_count();
    let r = import(&w, &store).await;
    assert_hard_cases_reported(&r);
    // Absence from the listing proves nothing: Prom product 1, asked for by id, is there.
    assert!(
        r.notes.iter().any(|n| n.starts_with(
            "1 linked or staged Prom product(s) missing from the catalogue walk are still on Prom.ua"
        )),
        "{:#?}",
        r.notes
    );
    assert_eq!(store.gone_since(1).unwrap(), None);
    assert!(
        w.sandbox
            .requests()
            .iter()
            .any(|q| q.path.ends_with("/products/1")),
        "asked for by id"
    );
    assert_eq!(store.product_count(), before, "nothing created");
    // 800 SKU matches, less the one linked elsewhere; plus the two links made beforehand.
    assert_eq!(store.link_count(), 799 + 2);
    let by_sku: HashMap<String, i64> = w
        .prom
        .iter()
        .filter_map(|p| Some((clean(p)?, p.id)))
        .collect();
    for (local, prom) in store.link_pairs().unwrap() {
        let p = store.product(local).unwrap().unwrap();
        if p.sku != "OLD-SKU" && prom != 1 {
            assert_eq!(by_sku[&p.sku], prom, "{} linked by identical SKU", p.sku);
        }
    }
    assert_eq!(
        store
            .link_of(store.product_by_sku(SIMILAR).unwrap().unwrap().id)
            .unwrap(),
        None
    );
    assert_eq!(store.journal_len(), 0, "no stock moves");
    assert_eq!(
        import(&w, &store).await.planned,
        0,
        "a second run changes nothing"
    );
    assert_eq!(store.link_count(), 801);
}

#[tokio::test]
async fn update_balances_links_and_takes_proms_quantities() {
    let w = world("update_balances").await;
    let store = Store::open(&w.config.store.path).unwrap();
    let r = import(&w, &store).await;
    assert_hard_cases_reported(&r);
    let qty: HashMap<i64, Option<i64>> =
        w.prom.iter().map(|p| (p.id, p.quantity_in_stock)).collect();
    let mut checked = 0;
    for (local, prom) in store.link_pairs().unwrap() {
        if prom == 1 {
            continue;
        }
        let stock = store.stock_of(local).unwrap();
        assert_eq!(
            stock,
            vec![("main".to_string(), qty[&prom].unwrap())],
            "product {local}"
        );
        checked += 1;
    }
    assert_eq!(checked, 800, "799 matches and the product linked before");
    assert!(
        store
            .journal(None, 10)
            .unwrap()
            .iter()
            .all(|e| e.actor == Actor::Import)
    );
    assert_eq!(
        import(&w, &store).await.planned,
        0,
        "a second run changes nothing"
    );
}

#[tokio::test]
async fn create_missing_creates_what_matches_nothing_and_links_it() {
    let w = world("create_missing").await;
    let store = Store::open(&w.config.store.path).unwrap();
    let before = store.product_count();
    let r = import(&w, &store).await;
    assert_hard_cases_reported(&r);
    let unique = unique_skus(&w.prom);
    // Every Prom product with a unique SKU is linked now (but the one whose SKU is taken).
    for p in w
        .prom
        .iter()
        .filter(|p| clean(p).is_some_and(|s| unique.contains(&s)))
    {
        let linked = store.linked_to_prom(p.id).unwrap();
        let sku = clean(p).unwrap();
        if linked.is_none() {
            let local = store.product_by_sku(&sku).unwrap().unwrap();
            assert!(
                store.link_of(local.id).unwrap().is_some(),
                "{sku}: only a SKU taken elsewhere stays unlinked"
            );
            continue;
        }
        let local = store.product(linked.unwrap()).unwrap().unwrap();
        if local.sku == "OLD-SKU" {
            continue;
        }
        assert_eq!(local.sku, sku);
    }
    let created = store.product_count() - before;
    assert!(created > 1000, "{created} created");
    // A created product carries Prom's name, SKU and price, and stock 0.
    let sample = w
        .prom
        .iter()
        .filter(|p| clean(p).is_some_and(|s| unique.contains(&s)))
        .max_by_key(|p| p.id)
        .unwrap();
    let local = store
        .product_by_sku(&clean(sample).unwrap())
        .unwrap()
        .unwrap();
    if !local.name.starts_with("Локальна назва") {
        assert_eq!(
            (local.name.as_str(), local.price),
            (sample.name.as_str(), Some(sample.price))
        );
        // Created without a balance: no stock recorded (not a recorded 0).
        assert_eq!(store.stock_of(local.id).unwrap(), vec![]);
    }
    // The similarly named local product is left alone; its Prom twin got its own product.
    let similar = store.product_by_sku(SIMILAR).unwrap().unwrap();
    assert_eq!(store.link_of(similar.id).unwrap(), None);
    assert_eq!(
        import(&w, &store).await.planned,
        0,
        "a second run changes nothing"
    );
}

#[tokio::test]
async fn stage_downloads_without_creating_and_mass_linking_links_as_chosen() {
    let w = world("stage").await;
    let store = Store::open(&w.config.store.path).unwrap();
    let (products, links) = (store.product_count(), store.link_count());
    let r = import(&w, &store).await;
    assert_eq!(r.planned, 3000);
    // Every hard case the other modes meet, reported without acting on it.
    assert_hard_cases_reported(&r);
    assert_eq!(store.staged_count(), 3000);
    assert_eq!(
        (store.product_count(), store.link_count()),
        (products, links),
        "nothing created or linked"
    );
    assert_eq!(
        import(&w, &store).await.planned,
        0,
        "a second run changes nothing"
    );

    let office = BackOffice::new(store.clone(), Actor::Cli, vec![]);
    let staged = office.staged(true).await.unwrap();
    assert_eq!(
        staged.len(),
        2999,
        "one staged product is linked already (OLD-SKU)"
    );

    // Suggestions by name: the similarly named local product is proposed for its twin.
    let suggestions = office.suggest_links(0.5).await.unwrap();
    let twin = suggestions
        .iter()
        .find(|s| s.local_sku == SIMILAR)
        .expect("the twin is suggested");
    assert_eq!(twin.score, 1.0);
    // Accept a chosen subset: exactly those are linked.
    let chosen: Vec<i64> = vec![twin.prom_id];
    let made = office
        .accept_links(&AcceptLinks {
            min_score: None,
            prom_ids: chosen.clone(),
        })
        .await
        .unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(
        store.linked_to_prom(twin.prom_id).unwrap(),
        Some(store.product_by_sku(SIMILAR).unwrap().unwrap().id)
    );
    assert_eq!(store.link_count(), links + 1);

    // The CSV round trip: export, fill in two pairs, apply.
    let csv = office.export_unlinked().await.unwrap();
    assert!(csv.starts_with("prom_id,prom_sku,prom_name,local_sku,local_name,score,note\n"));
    assert!(
        csv.contains(",,,LOC-0001,"),
        "unlinked local products are listed too"
    );
    let free: Vec<i64> = office
        .staged(true)
        .await
        .unwrap()
        .iter()
        .map(|s| s.staged.prom_id)
        .take(2)
        .collect();
    let good = format!(
        "prom_id,local_sku\n{},LOC-0001\n{},LOC-0002\n",
        free[0], free[1]
    );
    // A file with an unknown id and a conflicting pair applies nothing and names the rows.
    let bad = format!(
        "prom_id,local_sku\n{},LOC-0001\n424242,LOC-0003\n{},LOC-0001\n",
        free[0], free[1]
    );
    match office.apply_links(bad.as_bytes()).await.unwrap_err() {
        BackofficeError::Rows(rows) => {
            let found: Vec<(u64, &str)> = rows.iter().map(|r| (r.row, r.field.as_str())).collect();
            assert!(found.contains(&(3, "prom_id")), "{rows:?}");
            assert!(found.contains(&(4, "local_sku")), "{rows:?}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(store.link_count(), links + 1, "nothing applied");
    let report = office.apply_links(good.as_bytes()).await.unwrap();
    assert_eq!(report.updated, 2);
    assert_eq!(
        store.linked_to_prom(free[0]).unwrap(),
        Some(store.product_by_sku("LOC-0001").unwrap().unwrap().id)
    );
    assert_eq!(
        store.linked_to_prom(free[1]).unwrap(),
        Some(store.product_by_sku("LOC-0002").unwrap().unwrap().id)
    );

    // The new links are used: push_stock sends them, pull_orders links their order lines.
    let loc1 = store.product_by_sku("LOC-0001").unwrap().unwrap();
    store.set_stock(loc1.id, "main", 13).unwrap();
    let job = w.config.jobs.iter().find(|j| j.name == "stock").unwrap();
    run_job(
        job,
        &context(&w.config, &store),
        promua_sync::jobs::Mode::Apply,
    )
    .await
    .unwrap();
    assert_eq!(
        w.sandbox.product(free[0]).unwrap().quantity_in_stock,
        Some(13)
    );
    let placed = w.sandbox.place_order(promua_sync::sandbox::SandboxOrder {
        id: 0,
        date_created: chrono::Utc::now(),
        date_modified: chrono::Utc::now(),
        client_first_name: "Євген".into(),
        client_last_name: "Олійник".into(),
        client_second_name: None,
        phone: "+380501234567".into(),
        email: None,
        status: "pending".into(),
        delivery_provider: None,
        delivery_cost: Default::default(),
        cancellation_reason: None,
        details: Default::default(),
        lines: vec![promua_sync::sandbox::SandboxOrderLine {
            product_id: Some(free[1]),
            external_id: None,
            name: "x".into(),
            sku: None,
            price: Default::default(),
            quantity: 1.into(),
        }],
    });
    let job = w.config.jobs.iter().find(|j| j.name == "orders").unwrap();
    run_job(
        job,
        &context(&w.config, &store),
        promua_sync::jobs::Mode::Apply,
    )
    .await
    .unwrap();
    let loc2 = store.product_by_sku("LOC-0002").unwrap().unwrap();
    assert_eq!(
        store.order(placed.id).unwrap().unwrap().lines[0].product_id,
        Some(loc2.id)
    );
}

#[tokio::test]
async fn the_import_dry_run_prints_its_plan_and_changes_nothing() {
    let cat = Catalogue {
        products: vec![
            SandboxProduct {
                sku: Some("A-1".into()),
                ..generate_catalogue(1, 0, 1).products[0].clone()
            },
            SandboxProduct {
                id: 2_000_010,
                sku: Some("  ".into()),
                name: "Без артикула".into(),
                ..generate_catalogue(1, 0, 2).products[0].clone()
            },
            SandboxProduct {
                id: 2_000_020,
                sku: Some("NEW-9".into()),
                name: "Новий товар".into(),
                ..generate_catalogue(1, 0, 3).products[0].clone()
            },
        ],
        ..Default::default()
    };
    let sb = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        default_listing: promua_sync::sandbox::DefaultListing::All,
        ..Default::default()
    });
    sb.load(cat);
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
            "[prom]\nbase_url = \"{}\"\ntoken_file = \"token\"\n[store]\npath = \"store\"\n[admin]\nenabled = false\n\
             [[job]]\nname = \"import\"\nkind = \"import_products\"\nschedule = \"0 0 1 1 *\"\nmode = \"create_missing\"\n",
            sandbox.base_url()
        ),
    )
    .unwrap();
    let config = config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    store
        .add_products(&[NewProduct {
            sku: "A-1".into(),
            name: "Місцевий".into(),
            price: None,
            currency: None,
        }])
        .unwrap();
    let run = run_job(
        &config.jobs[0],
        &context(&config, &store),
        promua_sync::jobs::Mode::DryRun,
    )
    .await
    .unwrap();
    insta::assert_snapshot!("dry_run_import_products", run.plan.unwrap().to_string());
    assert_eq!(
        (store.product_count(), store.link_count()),
        (1, 0),
        "a dry run creates and links nothing"
    );
}
