//! The console's Runs pages (issue 18): the runs of every job newest first, and a run's
//! per-item report, after real runs against the sandbox; no page without a session; an
//! unknown run is a 404 in words.

use promua_sync::backoffice::BackOffice;
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::{ItemFailure, Outcome, RunRecord};
use promua_sync::sandbox::SandboxOptions;
use promua_sync::store::{Actor, Store};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use tokio_util::sync::CancellationToken;

use crate::helpers::*;

const TOKEN: &str = "console-runs-token-0123456789";

struct Served {
    base: String,
    http: reqwest::Client,
    cookie: String,
    _stop: tokio_util::sync::DropGuard,
}

/// The admin server (and console) on `store`, job `stock` configured, logged in.
async fn serve(store: &Store) -> Served {
    let job = (
        "stock".to_string(),
        "push_stock".to_string(),
        "*/5 * * * *".to_string(),
        "UTC".to_string(),
    );
    let office = BackOffice::new(store.clone(), Actor::Api, vec![job]).with_warehouses(["main"]);
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
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(ORIGIN, &base)
        .body(format!("token={TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let set = login.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_string();
    Served {
        base,
        http,
        cookie,
        _stop: stop.drop_guard(),
    }
}

impl Served {
    async fn get(&self, path: &str, session: bool) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if session {
            req = req.header(COOKIE, format!("{}; lang=en", self.cookie));
        }
        req.send().await.unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let resp = self.get(path, true).await;
        assert_eq!(resp.status(), 200, "{path}");
        resp.text().await.unwrap()
    }
}

/// The `href` of the first link whose address starts with `prefix`.
fn link(html: &str, prefix: &str) -> String {
    let at = html
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("a link to {prefix}… in {html}"))
        + 6;
    html[at..].split('"').next().unwrap().replace("&amp;", "&")
}

/// The rows of a table of class `class`... as the text of each `<tr class="item">`.
fn rows(html: &str, class: &str) -> Vec<String> {
    html.split(&format!("<tr class=\"{class}\">"))
        .skip(1)
        .map(|r| r.split("</tr>").next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_real_run_is_listed_and_its_page_shows_its_failed_item_with_prom_reason() {
    let env = Env::new(3, SandboxOptions::default(), |i| i as i64 + 1).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    // Linked to a Prom id the sandbox does not hold: Prom refuses this one item.
    let orphan = store.add_product("GONE-1", "Видалений товар").unwrap();
    store.link(orphan.id, 999).unwrap();
    store.set_stock(orphan.id, "main", 2).unwrap();
    let ctx = context(&config, &store);
    let run = run_job(&config.jobs[0], &ctx, Mode::Apply).await.unwrap();
    assert_eq!(run.record.outcome, Outcome::Partial);
    // What Prom received: the three sandbox products' quantities.
    let q: Vec<i64> = env
        .catalogue
        .iter()
        .map(|p| {
            env.sandbox
                .product(p.id)
                .unwrap()
                .quantity_in_stock
                .unwrap()
        })
        .collect();
    assert_eq!(q, [1, 2, 3]);

    let c = serve(&store).await;
    let list = c.page("/runs").await;
    let runs = rows(&list, "run");
    assert_eq!(runs.len(), 1, "{list}");
    let row = &runs[0];
    assert!(row.contains("partial"), "{row}");
    // considered, planned, sent, confirmed, failed.
    for n in [
        "<td>4</td><td>4</td><td>4</td><td>3</td>",
        "<td class=\"failed\">1</td>",
    ] {
        assert!(row.contains(n), "{n} in {row}");
    }
    let href = link(&list, "/runs/stock/");
    assert_eq!(
        href,
        format!(
            "/runs/stock/{}",
            run.record
                .started_at
                .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        )
    );
    // The overview's last run leads to the same page.
    let overview = c.page("/").await;
    assert_eq!(link(&overview, "/runs/stock/"), href);

    let page = c.page(&href).await;
    assert!(
        page.contains("<td class=\"outcome\">partial</td>"),
        "{page}"
    );
    let items = rows(&page, "item");
    assert_eq!(items.len(), 1, "{page}");
    let item = &items[0];
    assert!(
        item.contains("<td class=\"sku\">GONE-1</td><td>999</td>"),
        "{item}"
    );
    assert!(
        item.contains("failed") && item.contains("Продукт не найден"),
        "{item}"
    );
    // The confirmed items are counts: sent 4, confirmed 3.
    assert!(page.contains("<th>Sent</th><td>4</td>"), "{page}");
    assert!(page.contains("<th>Confirmed</th><td>3</td>"), "{page}");

    // A second run sends only the orphan again: both listed, newest first.
    run_job(&config.jobs[0], &ctx, Mode::Apply).await.unwrap();
    let list = c.page("/runs?job=stock").await;
    let runs = rows(&list, "run");
    assert_eq!(runs.len(), 2);
    assert!(
        runs[0].contains("<td>4</td><td>1</td><td>1</td><td>0</td>"),
        "{}",
        runs[0]
    );
    assert!(runs[1].contains("<td>4</td><td>4</td><td>4</td><td>3</td>"));
}

fn failed_run(job: &str, secs: i64, failures: usize) -> RunRecord {
    let at = chrono::DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap();
    RunRecord {
        job: job.into(),
        kind: "push_prices".into(),
        started_at: at,
        finished_at: at + chrono::Duration::milliseconds(1500),
        outcome: Outcome::Partial,
        considered: failures,
        planned: failures,
        sent: failures,
        confirmed: 0,
        failed: (0..failures)
            .map(|i| ItemFailure {
                sku: format!("P-{i:03}"),
                prom_id: 7000 + i as i64,
                reason: format!("price <b>{i}</b> refused"),
            })
            .collect(),
        requests: 1,
        retries: 0,
        error: None,
        notes: vec!["a note".into()],
        warnings: vec![],
        drift: vec![],
        recurring: None,
    }
}

#[tokio::test]
async fn runs_and_items_page_by_fifty_and_an_unknown_run_is_a_404_in_words() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    for i in 0..55 {
        store.record_run(&failed_run("prices", i * 60, 1)).unwrap();
    }
    store.record_run(&failed_run("stock", 30, 60)).unwrap();
    let c = serve(&store).await;

    // 56 runs: 50, then 6, newest first across both jobs, none twice.
    let first = c.page("/runs").await;
    let mut seen = rows(&first, "run");
    assert_eq!(seen.len(), 50);
    let next = link(&first, "/runs?after=");
    let second = c.page(&next).await;
    seen.extend(rows(&second, "run"));
    assert_eq!(seen.len(), 56);
    assert!(!second.contains("/runs?after="), "no further page");
    let stock_at = seen.iter().position(|r| r.contains(">stock<")).unwrap();
    assert_eq!(
        stock_at, 54,
        "the stock run (at 30 s) comes just before the first prices run"
    );

    // The stock run's 60 failures: 50, then 10; escaped, never markup.
    let run = failed_run("stock", 30, 60);
    let href = format!(
        "/runs/stock/{}",
        run.started_at
            .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    );
    let page = c.page(&href).await;
    let items = rows(&page, "item");
    assert_eq!(items.len(), 50);
    assert!(items[0].contains("P-000") && items[0].contains("7000"));
    assert!(
        items[0].contains("price &lt;b&gt;0&lt;/b&gt; refused"),
        "{}",
        items[0]
    );
    assert!(page.contains("a note"));
    let rest = c.page(&link(&page, &format!("{href}?from="))).await;
    let items = rows(&rest, "item");
    assert_eq!(items.len(), 10);
    assert!(items[9].contains("P-059") && items[9].contains("7059"));

    // No such run, no such start: 404 in words.
    let missing = c.get("/runs/stock/2026-01-01T00:00:00.000000Z", true).await;
    assert_eq!(missing.status(), 404);
    let text = missing.text().await.unwrap();
    assert!(
        text.contains("no run `stock@2026-01-01T00:00:00.000000Z` on record"),
        "{text}"
    );
    let bad = c.get("/runs/stock/yesterday", true).await;
    assert_eq!(bad.status(), 404);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("`yesterday` is not a run")
    );

    // Without a session: to the login page, both.
    for path in ["/runs", href.as_str()] {
        let resp = c.get(path, false).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(resp.headers()[LOCATION], "/login");
    }
}

#[tokio::test]
async fn a_list_of_exactly_fifty_runs_offers_no_next_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    for i in 0..50 {
        store.record_run(&failed_run("prices", i * 60, 1)).unwrap();
    }
    let c = serve(&store).await;
    let page = c.page("/runs").await;
    assert_eq!(rows(&page, "run").len(), 50);
    assert!(!page.contains("/runs?after="), "no page after the 50th run");
    let jobs = c.page("/runs?job=prices").await;
    assert!(!jobs.contains("after="), "nor after one job's 50");
    // One more: the link, to a page of one.
    store.record_run(&failed_run("prices", 50 * 60, 1)).unwrap();
    let page = c.page("/runs").await;
    let next = c.page(&link(&page, "/runs?after=")).await;
    assert_eq!(rows(&next, "run").len(), 1);
}
