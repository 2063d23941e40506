//! The console's Orders pages (issue 18): the list with its filters and its pages, an
//! order's page, linking a line and changing the status through their forms, acting on
//! the store (and, through push_statuses, on Prom.ua) as the CLI's commands do, and
//! refusing what they refuse with nothing changed.

use std::collections::BTreeSet;

use promua_sync::backoffice::BackOffice;
use promua_sync::config::{self, Config};
use promua_sync::jobs::{JobRun, run_job};
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{Actor, LocalLine, LocalOrder, Store};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use tokio_util::sync::CancellationToken;

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
status_map = { received = "received", delivered = "delivered" }
"#;

/// A Prom product no local product is linked to.
const GONE: i64 = 99_000_123;

fn configure(env: &Env) -> Config {
    let path = env.write_config("0 0 1 1 *", JOBS);
    patch_file(
        &path,
        "[sync]\n",
        "[sync]\nupdate_statuses = true\nreserve_statuses = [\"pending\", \"received\"]\ndone_status = \"delivered\"\n",
    );
    config::load(&path).unwrap()
}

async fn run(config: &Config, store: &Store, name: &str) -> JobRun {
    let job = config.jobs.iter().find(|j| j.name == name).unwrap();
    run_job(job, &context(config, store), promua_sync::jobs::Mode::Apply)
        .await
        .unwrap()
}

struct Console {
    base: String,
    token: String,
    http: reqwest::Client,
    _stop: tokio_util::sync::DropGuard,
}

/// The admin server (and its console) on `store`, under the configuration's policy.
async fn console(config: &Config, store: &Store) -> Console {
    let office = BackOffice::new(store.clone(), Actor::Api, vec![])
        .with_policy(config.sync.reservation_policy())
        .with_warehouses(["main"]);
    let listener = promua_sync::admin::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let token = "console-orders-token-0123456789".to_string();
    let stop = CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve(
        listener,
        office,
        token.clone(),
        Default::default(),
        stop.clone(),
    ));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Console {
        base,
        token,
        http,
        _stop: stop.drop_guard(),
    }
}

/// A form value, percent-encoded.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Console {
    async fn post(
        &self,
        path: &str,
        cookie: &str,
        origin: Option<&str>,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let body: Vec<String> = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let mut req = self
            .http
            .post(format!("{}{path}", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(COOKIE, cookie)
            .body(body.join("&"));
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        req.send().await.unwrap()
    }

    /// A page's status and text.
    async fn get(&self, path: &str, cookie: &str) -> (u16, String) {
        let resp = self
            .http
            .get(format!("{}{path}", self.base))
            .header(COOKIE, cookie)
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.text().await.unwrap())
    }

    /// Logs in (in English); returns the cookies to send back and the CSRF token.
    async fn login(&self) -> (String, String) {
        let resp = self
            .post("/login", "", Some(&self.base), &[("token", &self.token)])
            .await;
        assert_eq!(resp.status(), 303);
        let set = resp.headers()[SET_COOKIE].to_str().unwrap().to_string();
        let cookie = format!("{}; lang=en", set.split(';').next().unwrap());
        let (_, page) = self.get("/orders", &cookie).await;
        let at = page.find("name=\"csrf\" value=\"").expect("a form") + 19;
        let csrf = page[at..].split('"').next().unwrap().to_string();
        (cookie, csrf)
    }
}

/// The order ids of a list page's rows, in order.
fn rows(page: &str) -> Vec<i64> {
    page.split("<tr class=\"order\" id=\"order-")
        .skip(1)
        .map(|r| r.split('"').next().unwrap().parse().unwrap())
        .collect()
}

/// The `href` of the link with `id` on the page, unescaped.
fn link(page: &str, id: &str) -> Option<String> {
    let at = page.find(&format!("id=\"{id}\" href=\""))? + id.len() + 12;
    Some(page[at..].split('"').next()?.replace("&amp;", "&"))
}

/// 120 orders: even ids `received`, odd `pending`; every 7th with an unlinked line; order
/// 77's buyer is Тарас Шевченко.
fn many_orders(linked: i64) -> Vec<LocalOrder> {
    (1..=120)
        .map(|id| {
            let line = |prom: i64| LocalLine {
                prom_product_id: Some(prom),
                sku: Some(format!("P-{prom}")),
                name: "Товар".into(),
                quantity: 1.into(),
                ..LocalLine::default()
            };
            let status = if id % 2 == 0 { "received" } else { "pending" };
            let mut lines = vec![line(linked)];
            if id % 7 == 0 {
                lines.push(line(GONE));
            }
            LocalOrder {
                prom_id: id,
                status: status.into(),
                prom_status: Some(status.into()),
                created_at: chrono::DateTime::parse_from_rfc3339("2026-11-01T10:00:00+02:00")
                    .ok()
                    .map(|t| t + chrono::Duration::minutes(id)),
                client: if id == 77 {
                    "Тарас Шевченко".into()
                } else {
                    format!("Buyer {id}")
                },
                phone: Some(format!("+38067{id:07}")),
                lines,
                imported_at: chrono::Utc::now(),
                updated_at: chrono::Utc::now(),
                ..LocalOrder::default()
            }
        })
        .collect()
}

/// Follows the "older" links from `first`: every row of every page, in order.
async fn every_page(c: &Console, cookie: &str, first: &str) -> (Vec<i64>, usize) {
    let (mut all, mut pages, mut path) = (Vec::new(), 0, Some(first.to_string()));
    while let Some(p) = path {
        let (status, page) = c.get(&p, cookie).await;
        assert_eq!(status, 200, "{p}: {page}");
        let ids = rows(&page);
        assert!(ids.len() <= 50, "{p}: {} rows", ids.len());
        all.extend(ids);
        pages += 1;
        path = link(&page, "older");
    }
    (all, pages)
}

#[tokio::test]
async fn the_list_filters_and_pages_through_every_order_once() {
    let env = Env::new(1, SandboxOptions::default(), |_| 100).await;
    let config = configure(&env);
    let store = Store::open(&config.store.path).unwrap();
    store
        .upsert_orders(
            &many_orders(env.catalogue[0].id),
            &config.sync.reservation_policy(),
            &Default::default(),
        )
        .unwrap();
    let c = console(&config, &store).await;
    for path in ["/orders", "/orders/7", "/orders?unlinked=1"] {
        let resp = c.http.get(format!("{}{path}", c.base)).send().await;
        let resp = resp.unwrap();
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(resp.headers()[LOCATION], "/login");
    }
    let (cookie, _) = c.login().await;

    let (_, first) = c.get("/orders", &cookie).await;
    assert!(first.contains(r#"id="nav-orders""#), "{first}");
    assert_eq!(rows(&first), (71..=120).rev().collect::<Vec<_>>());
    assert!(first.contains("Buyer 120") && first.contains("received"));
    assert!(link(&first, "newest").is_none());
    let (all, pages) = every_page(&c, &cookie, "/orders").await;
    assert_eq!(pages, 3);
    assert_eq!(
        all,
        (1..=120).rev().collect::<Vec<_>>(),
        "each once, newest first"
    );
    let (_, second) = c.get("/orders?before=71", &cookie).await;
    assert_eq!(
        link(&second, "newest").as_deref(),
        Some("/orders?status=&q=")
    );

    // A status: only its orders, on every page; the others' rows nowhere.
    let (received, pages) = every_page(&c, &cookie, "/orders?status=received").await;
    assert_eq!(pages, 2);
    assert_eq!(received, (1..=60).rev().map(|i| i * 2).collect::<Vec<_>>());
    let (_, page) = c.get("/orders?status=received", &cookie).await;
    assert!(!page.contains("<td class=\"status\">pending"), "{page}");
    assert!(
        page.contains(r#"<option value="received" selected>"#),
        "{page}"
    );

    // Only those with unlinked lines, each marked; the filter kept by the next page's link.
    let (unlinked, _) = every_page(&c, &cookie, "/orders?unlinked=1").await;
    assert_eq!(unlinked, (1..=17).rev().map(|i| i * 7).collect::<Vec<_>>());
    let (_, page) = c.get("/orders?unlinked=1&status=pending", &cookie).await;
    let odd_sevens: Vec<i64> = (1..=17)
        .rev()
        .map(|i| i * 7)
        .filter(|i| i % 2 == 1)
        .collect();
    assert_eq!(rows(&page), odd_sevens);
    assert_eq!(
        page.matches("class=\"bad unlinked\"").count(),
        odd_sevens.len()
    );
    assert!(
        page.contains(r#"id="filter-unlinked" type="checkbox" name="unlinked" value="1" checked"#)
    );

    // A search: by name (any case), phone, id.
    for (q, want) in [
        ("шевченко", vec![77]),
        ("067 000 0077", vec![77]),
        (
            "Buyer 11",
            vec![119, 118, 117, 116, 115, 114, 113, 112, 111, 110, 11],
        ),
    ] {
        let (_, page) = c.get(&format!("/orders?q={}", encode(q)), &cookie).await;
        assert_eq!(rows(&page), want, "{q}");
    }
    let (_, none) = c.get("/orders?q=nobody", &cookie).await;
    assert!(rows(&none).is_empty() && none.contains(r#"id="no-orders""#));
    let (status, bad) = c.get("/orders?before=x", &cookie).await;
    assert_eq!(status, 422);
    assert!(bad.contains("not an order id"), "{bad}");
}

#[tokio::test]
async fn an_order_s_page_links_a_line_and_changes_the_status_as_the_cli_does() {
    let env = Env::new(3, SandboxOptions::default(), |_| 10).await;
    let config = configure(&env);
    let store = Store::open(&config.store.path).unwrap();
    let skus: Vec<String> = env
        .catalogue
        .iter()
        .map(|p| p.sku.clone().unwrap())
        .collect();
    // Line 1: a Prom product no local product is linked to; line 2: a linked one.
    let placed = env.sandbox.place_order(buyer_order(
        "pending",
        vec![
            (Some(GONE), "OLD-1", 2),
            (Some(env.catalogue[1].id), &skus[1], 1),
        ],
    ));
    run(&config, &store, "orders").await;
    let id = placed.id;
    let c = console(&config, &store).await;
    let (cookie, csrf) = c.login().await;
    let page_path = format!("/orders/{id}");

    let (status, page) = c.get(&page_path, &cookie).await;
    assert_eq!(status, 200, "{page}");
    for shown in [
        "Олена Коваленко",
        "+380671112233",
        "nova_poshta",
        "Товар OLD-1",
        "OLD-1",
        r#"id="timeline""#,
        r#"id="status-form""#,
        // The shop's statuses, as pull_orders read them, with their titles.
        r#"<option value="received">received — Прийнято</option>"#,
        r#"id="link-line-1""#,
    ] {
        assert!(page.contains(shown), "{shown} in {page}");
    }
    assert!(!page.contains(r#"id="link-line-2""#), "line 2 is linked");
    assert!(page.contains(&format!(r#"<span class="ok linked">{}</span>"#, skus[1])));
    let reserved = |i: usize| {
        let p = store.product_by_sku(&skus[i]).unwrap().unwrap();
        store.reserved_of(p.id).unwrap()
    };
    assert_eq!((reserved(0), reserved(1)), (0, 1));
    let stored = || store.order(id).unwrap().unwrap();
    let before = stored();

    // Refused: a SKU there is not, a line there is not, no CSRF token, another site.
    let link_path = format!("/orders/{id}/lines/1");
    let resp = c
        .post(
            &link_path,
            &cookie,
            Some(&c.base),
            &[("csrf", &csrf), ("sku", "NOPE-1")],
        )
        .await;
    assert_eq!(resp.status(), 404);
    let text = resp.text().await.unwrap();
    assert!(text.contains("no product with SKU NOPE-1") && text.contains(r#"id="refusal""#));
    let resp = c
        .post(
            &format!("/orders/{id}/lines/9"),
            &cookie,
            Some(&c.base),
            &[("csrf", &csrf), ("sku", &skus[0])],
        )
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("has no line 9"));
    for (origin, token) in [
        (Some(c.base.as_str()), "forged"),
        (Some("http://evil.example"), csrf.as_str()),
        (None, csrf.as_str()),
    ] {
        let resp = c
            .post(
                &link_path,
                &cookie,
                origin,
                &[("csrf", token), ("sku", &skus[0])],
            )
            .await;
        assert_eq!(resp.status(), 403, "{origin:?}");
    }
    assert_eq!(stored(), before, "nothing changed");

    // Linked: the line on the product, by hand, its reservation moved at once.
    let resp = c
        .post(
            &link_path,
            &cookie,
            Some(&c.base),
            &[("csrf", &csrf), ("sku", &skus[0])],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()[LOCATION], page_path.as_str());
    let line = &stored().lines[0];
    assert!(line.hand_linked);
    assert_eq!(
        line.product_id,
        Some(store.product_by_sku(&skus[0]).unwrap().unwrap().id)
    );
    assert_eq!((reserved(0), reserved(1)), (2, 1));
    let (_, page) = c.get(&page_path, &cookie).await;
    assert!(!page.contains(r#"id="link-line-1""#));

    // A status the configuration does not know: refused in words, nothing changed.
    let status_path = format!("/orders/{id}/status");
    let before = stored();
    let resp = c
        .post(
            &status_path,
            &cookie,
            Some(&c.base),
            &[("csrf", &csrf), ("status", "recieved")],
        )
        .await;
    assert_eq!(resp.status(), 422);
    let text = resp.text().await.unwrap();
    assert!(text.contains("did you mean `received`?"), "{text}");
    let resp = c
        .post(
            &status_path,
            &cookie,
            Some("http://evil.example"),
            &[("csrf", &csrf), ("status", "received")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(stored(), before, "nothing changed");

    // Changed: in the store, pending for Prom; push_statuses takes it to Prom.ua.
    let resp = c
        .post(
            &status_path,
            &cookie,
            Some(&c.base),
            &[("csrf", &csrf), ("status", "received")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let o = stored();
    assert_eq!((o.status.as_str(), o.status_pending), ("received", true));
    let (_, page) = c.get(&page_path, &cookie).await;
    assert!(
        page.contains(r#"<option value="received" selected>"#),
        "{page}"
    );
    assert!(page.contains("not yet on Prom"));
    run(&config, &store, "statuses").await;
    assert_eq!(env.sandbox.order(id).unwrap().status, "received");
    assert!(!stored().status_pending);
    let listed: BTreeSet<i64> = rows(&c.get("/orders?status=received", &cookie).await.1)
        .into_iter()
        .collect();
    assert_eq!(listed, BTreeSet::from([id]));

    let (status, page) = c.get("/orders/424242", &cookie).await;
    assert_eq!(status, 404);
    assert!(page.contains("no order 424242"));
}

/// Every page of the console's windowed search for `q` (`scan` looked at per page),
/// following the next page or the search on: the orders found, each page's first, and
/// the exact order of the first page.
async fn windowed(office: &BackOffice, q: &str, scan: usize) -> (Vec<i64>, usize, Option<i64>) {
    let mut query = promua_sync::backoffice::OrderQuery {
        search: Some(q.into()),
        limit: Some(51),
        ..Default::default()
    };
    let (mut all, mut pages, mut exact) = (Vec::new(), 0, None);
    loop {
        let w = office.orders_within(&query, scan).await.unwrap();
        pages += 1;
        if pages == 1 {
            exact = w.exact.as_ref().map(|o| o.prom_id);
        } else {
            assert!(w.exact.is_none(), "the exact order on the first page only");
        }
        let mut ids: Vec<i64> = w.orders.iter().map(|o| o.prom_id).collect();
        let next = if ids.len() > 50 {
            ids.truncate(50);
            ids.last().copied()
        } else {
            w.ended
        };
        all.extend(ids);
        match next {
            Some(n) => query.before = Some(n),
            None => return (all, pages, exact),
        }
    }
}

#[tokio::test]
async fn the_search_looks_through_a_window_and_searches_on_finding_each_order_once() {
    let env = Env::new(1, SandboxOptions::default(), |_| 100).await;
    let config = configure(&env);
    let store = Store::open(&config.store.path).unwrap();
    store
        .upsert_orders(
            &many_orders(env.catalogue[0].id),
            &config.sync.reservation_policy(),
            &Default::default(),
        )
        .unwrap();
    let office = BackOffice::new(store.clone(), Actor::Api, vec![])
        .with_policy(config.sync.reservation_policy());
    use promua_sync::backoffice::Ledger;
    for q in ["Buyer 1", "шевченко", "7", "77", "nobody", "Buyer"] {
        // The CLI's and the API's search: everything at once.
        let full: Vec<i64> = office
            .list_orders(&promua_sync::backoffice::OrderQuery {
                search: Some(q.into()),
                ..Default::default()
            })
            .await
            .unwrap()
            .iter()
            .map(|o| o.prom_id)
            .collect();
        for scan in [1, 7, 50, 5_000] {
            let (found, pages, exact) = windowed(&office, q, scan).await;
            let mut all: Vec<i64> = exact.into_iter().chain(found.iter().copied()).collect();
            let listed: BTreeSet<i64> = all.iter().copied().collect();
            assert_eq!(listed.len(), all.len(), "`{q}`, window {scan}: none twice");
            all.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(all, full, "`{q}`, window {scan}: every match");
            assert!(found.windows(2).all(|w| w[0] > w[1]), "`{q}`: newest first");
            if scan >= 120 {
                assert_eq!(
                    pages,
                    found.len().div_ceil(50).max(1),
                    "`{q}`: no window ran out"
                );
            }
        }
        // An order id: at once, whatever the window.
        let exact = windowed(&office, q, 1).await.2;
        let id: Option<i64> = q.parse().ok();
        assert_eq!(exact, id.filter(|i| full.contains(i)), "`{q}`");
    }

    // The console: 5,100 orders more, newer, with no Тарас among them; his order (77)
    // lies past the first window.
    let policy = config.sync.reservation_policy();
    let template = many_orders(env.catalogue[0].id);
    for batch in 0..6 {
        let orders: Vec<LocalOrder> = (0..850)
            .map(|i| {
                let mut o = template[0].clone();
                o.prom_id = 1_000 + batch * 850 + i;
                o
            })
            .collect();
        store
            .upsert_orders(&orders, &policy, &Default::default())
            .unwrap();
    }
    let c = console(&config, &store).await;
    let (cookie, _) = c.login().await;
    let started = std::time::Instant::now();
    let (status, first) = c
        .get("/orders?q=%D0%A2%D0%B0%D1%80%D0%B0%D1%81", &cookie)
        .await;
    println!(
        "a window of 5,000 orders looked through in {:?} (this build)",
        started.elapsed()
    );
    assert_eq!(status, 200);
    assert!(rows(&first).is_empty(), "{first}");
    assert!(first.contains(r#"id="search-more""#) && first.contains("more may match further back"));
    assert!(
        !first.contains(r#"id="no-orders""#),
        "not `none`: the search is not done"
    );
    let on = link(&first, "search-on").expect("a search on");
    let (_, second) = c.get(&on, &cookie).await;
    assert_eq!(rows(&second), [77], "{on}");
    assert!(link(&second, "search-on").is_none() && link(&second, "older").is_none());
    // An id: at once, above the list, not again in it.
    let (_, page) = c.get("/orders?q=77", &cookie).await;
    assert!(page.contains(r#"<table id="exact-order">"#), "{page}");
    assert_eq!(rows(&page).iter().filter(|i| **i == 77).count(), 1);
}

/// What the Orders pages cost at 100,000 orders (`--ignored`; prints the figures, in
/// whatever profile it is built in). Bounds here are generous: a debug build on a shared
/// machine; BENCHMARKS.md has the release figures.
#[tokio::test]
#[ignore = "builds 100,000 orders: run by hand"]
async fn pages_at_100_000_orders() {
    let env = Env::new(1, SandboxOptions::default(), |_| 100).await;
    let config = configure(&env);
    let store = Store::open(&config.store.path).unwrap();
    let policy = config.sync.reservation_policy();
    let template = many_orders(env.catalogue[0].id);
    let started = std::time::Instant::now();
    for batch in 0..100 {
        let orders: Vec<LocalOrder> = (0..1_000)
            .map(|i| {
                let id = batch * 1_000 + i + 1;
                let mut o = template[(id % 120) as usize].clone();
                o.prom_id = id;
                // One order in 1,000 unlinked, one in 1,000 `received`.
                o.lines.truncate(1);
                if id % 1_000 == 500 {
                    o.lines[0].prom_product_id = Some(GONE);
                }
                let status = if id % 1_000 == 250 {
                    "received"
                } else {
                    "pending"
                };
                o.status = status.into();
                o.prom_status = Some(status.into());
                o
            })
            .collect();
        store
            .upsert_orders(&orders, &policy, &Default::default())
            .unwrap();
    }
    println!("100,000 orders stored in {:?}", started.elapsed());
    let c = console(&config, &store).await;
    let (cookie, _) = c.login().await;
    for (path, rows_wanted) in [
        ("/orders", 50),
        ("/orders?before=50001", 50),
        ("/orders?unlinked=1", 50),
        ("/orders?status=received", 50),
        ("/orders?q=nobody", 0),
        ("/orders/77777", 0),
    ] {
        // The first asks once more: the heads' first read.
        c.get(path, &cookie).await;
        let started = std::time::Instant::now();
        let n = 5;
        for _ in 0..n {
            let (status, page) = c.get(path, &cookie).await;
            assert_eq!(status, 200, "{path}");
            assert_eq!(rows(&page).len(), rows_wanted, "{path}");
        }
        let each = started.elapsed() / n;
        println!("{path}: {each:?} a page");
    }
}
