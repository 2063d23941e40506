//! The console's Linking page (issue 18): the unlinked staged Prom products with their
//! suggestions, the gear and a typed SKU (as `links link`), link all at or above a score
//! (as `links accept`), the unlinked CSV (as `links export-unlinked`) and a filled-in one
//! applied (as `links apply`, all or nothing); and a product linked here is pushed next.

use std::collections::BTreeMap;

use promua_sync::admin::BodyLimits;
use promua_sync::backoffice::{BackOffice, Ledger, auto_accepts};
use promua_sync::jobs::run_job;
use promua_sync::sandbox::{SandboxOptions, generate_products};
use promua_sync::store::{Actor, StagedProduct, Store};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use rust_decimal::Decimal;
use tokio_util::sync::CancellationToken;

use crate::helpers::{Env, context, edited_ids};

const TOKEN: &str = "console-links-token-0123456789";

struct Site {
    office: BackOffice,
    base: String,
    http: reqwest::Client,
    _stop: tokio_util::sync::DropGuard,
}

/// The admin server (and so the console) on `store`, with `limits`.
async fn serve(store: Store, limits: BodyLimits) -> Site {
    let office = BackOffice::new(store, Actor::Api, vec![]).with_warehouses(["main"]);
    let listener = promua_sync::admin::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(promua_sync::admin::serve(
        listener,
        office.clone(),
        TOKEN.into(),
        limits,
        stop.clone(),
    ));
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    Site {
        office,
        base,
        http,
        _stop: stop.drop_guard(),
    }
}

fn staged(prom_id: i64, sku: Option<&str>, name: &str) -> StagedProduct {
    StagedProduct {
        prom_id,
        sku: sku.map(str::to_string),
        name: name.into(),
        other_names: vec![],
        price: Some(Decimal::new(12050, 2)),
        currency: Some("UAH".into()),
        quantity: Some(3),
        staged_at: chrono::Utc::now(),
    }
}

/// Local products and staged Prom products: 101 has the same SKU (TEA-1), 102 the same
/// name (CUP-9), 103 a look-alike SKU (bolt-m8), 104 a name alike (SOAP-2), 105 nothing
/// like it; 900 is linked to LINKED-1; 55 more (1000…1054, no local product) to page.
fn fixture(dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("store")).unwrap();
    for (sku, name) in [
        ("TEA-1", "Чайник електричний Bosch"),
        ("CUP-9", "Чашка керамічна біла"),
        ("bolt-m8", "Болт М8 оцинкований"),
        ("SOAP-2", "Мило рідке лаванда 500 мл"),
        ("LINKED-1", "Гайка М8"),
        ("SPARE-7", "Ножиці кравецькі"),
    ] {
        store.add_product(sku, name).unwrap();
    }
    let mut rows = vec![
        staged(101, Some("TEA-1"), "Чайник електричний Bosch 1,7 л"),
        staged(102, None, "Чашка керамічна біла"),
        staged(103, Some("BOLT-M8"), "Болт М8 оцинкований"),
        staged(104, None, "Мило рідке з лавандою 500 мл"),
        staged(105, None, "Килимок для йоги"),
        staged(900, Some("LINKED-1"), "Гайка М8"),
    ];
    rows.extend(
        (0..55).map(|i| staged(1000 + i, Some(&format!("PEN-{i}")), &format!("Ручка {i}"))),
    );
    store.put_staged(&rows).unwrap();
    let linked = store.product_by_sku("LINKED-1").unwrap().unwrap();
    store.link(linked.id, 900).unwrap();
    store.flush_blocking().unwrap();
    store
}

impl Site {
    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.unwrap()
    }

    async fn post(
        &self,
        path: &str,
        cookie: Option<&str>,
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
            .body(body.join("&"));
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        if let Some(o) = origin {
            req = req.header(ORIGIN, o);
        }
        req.send().await.unwrap()
    }

    /// Logs in: the session cookie to send back and the page's CSRF token.
    async fn login(&self) -> (String, String) {
        let resp = self
            .post("/login", None, Some(&self.base), &[("token", TOKEN)])
            .await;
        assert_eq!(resp.status(), 303);
        let set = resp.headers()[SET_COOKIE].to_str().unwrap();
        let cookie = set.split(';').next().unwrap().to_string();
        let page = self.settled("/links", &cookie).await;
        (cookie, csrf_of(&page))
    }

    /// `path` once the Linking page's suggestions are computed (the first visit, or a
    /// visit after a link, shows the rows while they are computed in the background).
    async fn settled(&self, path: &str, cookie: &str) -> String {
        for _ in 0..1000 {
            let page = self.page(path, cookie).await;
            if !page.contains("id=\"refreshing\"") {
                return page;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        panic!("the suggestions were not computed in 10 s");
    }

    async fn page(&self, path: &str, cookie: &str) -> String {
        let resp = self.get(path, Some(cookie)).await;
        assert_eq!(resp.status(), 200, "{path}");
        resp.text().await.unwrap()
    }

    /// A console form from the console's own origin in the session.
    async fn send(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.post(path, Some(cookie), Some(&self.base), form).await
    }

    /// SKU → Prom id of every linked product.
    async fn links(&self) -> BTreeMap<String, i64> {
        self.office
            .links(false)
            .await
            .unwrap()
            .into_iter()
            .filter_map(|l| Some((l.sku, l.prom_id?)))
            .collect()
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a form") + 19;
    html[at..].split('"').next().unwrap().to_string()
}

/// The Prom ids of a Linking page's rows, in order.
fn row_ids(html: &str) -> Vec<i64> {
    html.split("<tr class=\"staged\" id=\"row-")
        .skip(1)
        .map(|r| r.split('"').next().unwrap().parse().unwrap())
        .collect()
}

/// The markup of row `id`.
fn row(html: &str, id: i64) -> &str {
    let start = html
        .find(&format!("id=\"row-{id}\""))
        .unwrap_or_else(|| panic!("row {id} in {html}"));
    let end = html[start..].find("</tr>").unwrap() + start;
    &html[start..end]
}

#[tokio::test]
async fn the_page_shows_each_unlinked_staged_product_with_its_suggestion_50_a_page() {
    let dir = tempfile::tempdir().unwrap();
    let site = serve(fixture(dir.path()), BodyLimits::default()).await;
    // No session: to the login page, the CSV too.
    for path in ["/links", "/links/unlinked.csv", "/links?after=1000"] {
        let resp = site.get(path, None).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(resp.headers()[LOCATION], "/login");
    }
    // A mat only a little like 105's (a weak suggestion).
    site.office
        .add_product(&promua_sync::store::NewProduct {
            sku: "MAT-3".into(),
            name: "Килимок автомобільний гумовий".into(),
            price: None,
            currency: None,
        })
        .await
        .unwrap();
    let (cookie, _) = site.login().await;
    let html = site.page("/links", &cookie).await;
    assert!(
        html.contains(r#"<a id="nav-links" href="/links">Зв'язки</a>"#),
        "{html}"
    );
    let ids = row_ids(&html);
    let mut want: Vec<i64> = (101..=105).chain(1000..1045).collect();
    assert_eq!(ids, want, "the unlinked, by Prom id, 50 of them; not 900");
    // The suggestions are the CLI's (`links suggest --min-score 0`), score and reason.
    let suggestions = site.office.suggest_links(0.0).await.unwrap();
    let of = |id: i64| suggestions.iter().find(|s| s.prom_id == id).unwrap();
    assert_eq!((of(101).local_sku.as_str(), of(101).score), ("TEA-1", 1.0));
    assert_eq!(of(103).local_sku, "bolt-m8");
    let shown = |s: &&promua_sync::backoffice::Suggestion| ids.contains(&s.prom_id);
    // Below 0.5 (the CLI's default and the export's bar) a suggestion is noise: no gear.
    let weak: Vec<_> = suggestions
        .iter()
        .filter(shown)
        .filter(|s| s.score < 0.5)
        .collect();
    assert!(
        !weak.is_empty(),
        "the fixture has a weak suggestion: {suggestions:?}"
    );
    for s in weak {
        let r = row(&html, s.prom_id);
        assert!(!r.contains("id=\"gear-"), "{r}");
        assert!(!r.contains("local-sku"), "{r}");
    }
    for s in suggestions.iter().filter(shown).filter(|s| s.score >= 0.5) {
        let r = row(&html, s.prom_id);
        assert!(
            r.contains(&format!("<span class=\"local-sku\">{}</span>", s.local_sku)),
            "{r}"
        );
        assert!(
            r.contains(&format!("<td class=\"score\">{:.3}</td>", s.score)),
            "{r}"
        );
        assert!(r.contains(&s.reason), "{r}");
        // The gear: a button with words for screen readers, linking to that SKU.
        assert!(
            r.contains(&format!("<form id=\"link-{}\"", s.prom_id)),
            "{r}"
        );
        assert!(
            r.contains(&format!("name=\"sku\" value=\"{}\"", s.local_sku)),
            "{r}"
        );
        assert!(r.contains(&format!("id=\"gear-{}\"", s.prom_id)), "{r}");
        assert!(
            r.contains("aria-label=\"Пов") && r.contains(">⚙</button>"),
            "{r}"
        );
    }
    let first = row(&html, 101);
    assert!(first.contains("same SKU") && first.contains("1.000") && first.contains("120.50 UAH"));
    assert!(row(&html, 103).contains("SKU looks alike"));
    // Every row can be linked to a SKU typed by hand.
    for id in &ids {
        assert!(html.contains(&format!("id=\"typed-sku-{id}\"")), "{id}");
    }
    assert!(html.contains(r#"href="/links?after=1044""#), "{html}");
    let second = site.page("/links?after=1044", &cookie).await;
    want = (1045..1055).collect();
    assert_eq!(row_ids(&second), want);
    assert!(!second.contains("after="), "the last page");
    // A write since (a product like the yoga mat added): the page answers at once from
    // the pass it has, saying so, while the suggestions are computed again; then the new.
    assert!(!row(&html, 105).contains("MAT-1"));
    assert!(!html.contains("id=\"refreshing\""));
    let mat = promua_sync::store::NewProduct {
        sku: "MAT-1".into(),
        name: "Килимок для йоги".into(),
        price: None,
        currency: None,
    };
    site.office.add_product(&mat).await.unwrap();
    let stale = site.page("/links", &cookie).await;
    assert!(stale.contains("id=\"refreshing\""), "{stale}");
    let again = site.settled("/links", &cookie).await;
    assert!(
        row(&again, 105).contains("<span class=\"local-sku\">MAT-1</span>"),
        "{again}"
    );
    let en = site.page("/links?lang=en", &cookie).await;
    assert!(
        en.contains(">Linking<")
            && en.contains("Link all")
            && en.contains("aria-label=\"Link to the suggestion: TEA-1\"")
    );
}

#[tokio::test]
async fn the_gear_and_a_typed_sku_link_as_links_link_does_and_refuse_as_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let site = serve(fixture(dir.path()), BodyLimits::default()).await;
    let (cookie, csrf) = site.login().await;
    let before = site.links().await;
    let journal = site.office.journal(None, 100).await.unwrap().len();

    // Cross-site, without the CSRF token, without a session: refused, nothing linked.
    let form = [
        ("csrf", csrf.as_str()),
        ("prom_id", "101"),
        ("sku", "TEA-1"),
    ];
    let no_csrf = [("prom_id", "101"), ("sku", "TEA-1")];
    for (cookie, origin, form) in [
        (
            Some(cookie.as_str()),
            Some("http://evil.example"),
            &form[..],
        ),
        (Some(cookie.as_str()), None, &form[..]),
        (
            Some(cookie.as_str()),
            Some(site.base.as_str()),
            &no_csrf[..],
        ),
        (None, Some(site.base.as_str()), &form[..]),
    ] {
        let resp = site.post("/links/link", cookie, origin, form).await;
        assert_eq!(resp.status(), 403, "{cookie:?} {origin:?}");
    }
    assert_eq!(site.links().await, before);

    // The gear of row 101: linked to its suggestion, TEA-1, and the row is gone.
    let resp = site.send("/links/link", &cookie, &form).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()[LOCATION], "/links?linked=101&sku=TEA-1");
    let mut want = before.clone();
    want.insert("TEA-1".into(), 101);
    assert_eq!(site.links().await, want);
    let html = site.page("/links?linked=101&sku=TEA-1", &cookie).await;
    assert!(
        html.contains("101 → TEA-1") && !html.contains("id=\"row-101\""),
        "{html}"
    );
    // As `links link`: a link writes no stock move.
    assert_eq!(site.office.journal(None, 100).await.unwrap().len(), journal);

    // Typed by hand: refused with the reason for an unknown SKU, a product linked to
    // another (live) Prom product, a SKU left empty, a Prom id that is none.
    for (prom_id, sku, status, words) in [
        ("102", "NOPE-1", 404, "no product with SKU `NOPE-1`"),
        (
            "102",
            "LINKED-1",
            409,
            "LINKED-1 is already linked to Prom product 900",
        ),
        (
            "102",
            "TEA-1",
            409,
            "TEA-1 is already linked to Prom product 101",
        ),
        ("102", "  ", 422, "sku:"),
        ("abc", "CUP-9", 422, "prom_id:"),
    ] {
        let resp = site
            .send(
                "/links/link",
                &cookie,
                &[("csrf", &csrf), ("prom_id", prom_id), ("sku", sku)],
            )
            .await;
        assert_eq!(resp.status().as_u16(), status, "{prom_id} {sku}");
        let page = resp.text().await.unwrap();
        assert!(page.contains(words), "{words} in {page}");
        assert!(page.contains("id=\"refused\""), "{page}");
    }
    assert_eq!(site.links().await, want, "nothing changed by a refusal");

    // A SKU typed by hand that is not the suggestion: SPARE-7 for the yoga mat.
    let resp = site
        .send(
            "/links/link",
            &cookie,
            &[("csrf", &csrf), ("prom_id", "105"), ("sku", " SPARE-7 ")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    want.insert("SPARE-7".into(), 105);
    assert_eq!(site.links().await, want);
}

#[tokio::test]
async fn link_all_at_or_above_a_score_links_exactly_what_links_accept_takes() {
    let dir = tempfile::tempdir().unwrap();
    let site = serve(fixture(dir.path()), BodyLimits::default()).await;
    let (cookie, csrf) = site.login().await;
    let before = site.links().await;
    for bad in ["1.5", "-0.1", "abc", "", "NaN"] {
        let resp = site
            .send(
                "/links/accept",
                &cookie,
                &[("csrf", &csrf), ("min_score", bad)],
            )
            .await;
        assert_eq!(resp.status(), 422, "{bad}");
        assert!(
            resp.text()
                .await
                .unwrap()
                .contains("is not a score from 0 to 1")
        );
    }
    let resp = site
        .post(
            "/links/accept",
            Some(&cookie),
            Some("http://evil.example"),
            &[("csrf", &csrf), ("min_score", "0")],
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(site.links().await, before, "nothing linked by a refusal");

    // What `links accept --min-score 0.95` would take: scores at or above, not ambiguous.
    let all = site.office.suggest_links(0.0).await.unwrap();
    let mut want = before.clone();
    for s in all.iter().filter(|s| auto_accepts(s, 0.95)) {
        want.insert(s.local_sku.clone(), s.prom_id);
    }
    let taken = want.len() - before.len();
    assert!(taken >= 2, "the fixture has suggestions above: {all:?}");
    assert!(all.iter().any(|s| s.score < 0.95), "and below: {all:?}");
    let resp = site
        .send(
            "/links/accept",
            &cookie,
            &[("csrf", &csrf), ("min_score", "0,95")],
        )
        .await;
    assert_eq!(resp.status(), 303);
    let to = resp.headers()[LOCATION].to_str().unwrap().to_string();
    assert_eq!(to, format!("/links?made={taken}&min_score=0.95"));
    assert_eq!(site.links().await, want);
    let html = site.page(&to, &cookie).await;
    assert!(
        html.contains(&format!("<strong id=\"links-made\">{taken}</strong>")),
        "{html}"
    );
}

#[tokio::test]
async fn the_csv_downloads_as_the_cli_writes_it_and_applies_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let limits = BodyLimits {
        csv_body_mb: 1,
        json_body_kb: 1,
    };
    let site = serve(fixture(dir.path()), limits).await;
    let (cookie, csrf) = site.login().await;
    let resp = site.get("/links/unlinked.csv", Some(&cookie)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()[CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"unlinked.csv\""
    );
    let csv = resp.text().await.unwrap();
    assert_eq!(
        csv,
        site.office.export_unlinked().await.unwrap(),
        "`links export-unlinked`'s file"
    );
    assert!(csv.starts_with("prom_id,prom_sku,prom_name,local_sku") && csv.contains("101,TEA-1,"));

    // One bad row: the file refused, the row and reason shown, nothing linked.
    let before = site.links().await;
    let bad = "prom_id,local_sku\n101,TEA-1\n102,NOPE-1\n103,bolt-m8\n";
    let resp = site
        .send("/links/apply", &cookie, &[("csrf", &csrf), ("csv", bad)])
        .await;
    assert_eq!(resp.status(), 422);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("<td class=\"row\">3</td><td class=\"field\">local_sku</td>"),
        "{page}"
    );
    assert!(
        page.contains("no local product with SKU `NOPE-1`"),
        "{page}"
    );
    assert_eq!(site.links().await, before);

    // A good file larger than a form's 16 KiB (blank rows are left alone): applied.
    let good = format!(
        "prom_id,local_sku\n101,TEA-1\n{}103,bolt-m8\n",
        ",\n".repeat(12_000)
    );
    assert!(good.len() > 20 << 10);
    let resp = site
        .send("/links/apply", &cookie, &[("csrf", &csrf), ("csv", &good)])
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()[LOCATION], "/links?applied=2&made=2");
    let mut want = before.clone();
    want.insert("TEA-1".into(), 101);
    want.insert("bolt-m8".into(), 103);
    assert_eq!(site.links().await, want);
    let html = site.page("/links?applied=2&made=2", &cookie).await;
    assert!(
        html.contains("<strong id=\"applied-rows\">2</strong>"),
        "{html}"
    );

    // The API's CSV limit (1 MB here) holds the pasted text, decoded: a file of Cyrillic
    // notes under it is applied though its form encoding is three times as long.
    let notes = format!(
        "prom_id,local_sku,note\n{}102,CUP-9,\n",
        ",,Чашка керамічна біла\n".repeat(14_000)
    );
    assert!(notes.len() < 1_000_000 && notes.len() * 3 > 1_000_000);
    let resp = site
        .send("/links/apply", &cookie, &[("csrf", &csrf), ("csv", &notes)])
        .await;
    assert_eq!(resp.status(), 303);
    want.insert("CUP-9".into(), 102);
    assert_eq!(site.links().await, want);
    // Over it: refused in words, nothing changed; other forms keep 16 KiB.
    let huge = "x".repeat((1 << 20) + 1);
    let resp = site
        .send("/links/apply", &cookie, &[("csrf", &csrf), ("csv", &huge)])
        .await;
    assert_eq!(resp.status(), 413);
    let page = resp.text().await.unwrap();
    assert!(page.contains("max_csv_body_mb"), "{page}");
    assert_eq!(site.links().await, want);
    let resp = site
        .send(
            "/links/link",
            &cookie,
            &[("csrf", &csrf), ("prom_id", "102"), ("sku", &good)],
        )
        .await;
    assert_eq!(resp.status(), 413);
    // Cross-site: refused.
    let resp = site
        .post(
            "/links/apply",
            Some(&cookie),
            Some("http://evil.example"),
            &[("csrf", &csrf), ("csv", bad)],
        )
        .await;
    assert_eq!(resp.status(), 403);
    assert_eq!(site.links().await, want);
}

/// Linked with the gear, the product's stock goes to Prom.ua on the next push: before,
/// the push leaves it alone.
#[tokio::test]
async fn a_product_linked_with_the_gear_is_sent_by_the_next_push() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let config = env.config("*/5 * * * *");
    let store = Store::open(&config.store.path).unwrap();
    let mut fresh = generate_products(1, 6_000_001, 7).remove(0);
    fresh.sku = Some("FRESH-1".into());
    env.sandbox.upsert_products([fresh.clone()]);
    let sku = fresh.sku.clone().unwrap();
    let local = store.add_product(&sku, &fresh.name).unwrap();
    store.set_stock(local.id, "main", 7).unwrap();
    store
        .put_staged(&[staged(fresh.id, Some(&sku), &fresh.name)])
        .unwrap();
    store.flush_blocking().unwrap();
    let ctx = context(&config, &store);
    let mode = promua_sync::jobs::Mode::Apply;
    run_job(&config.jobs[0], &ctx, mode).await.unwrap();
    assert!(
        !edited_ids(&env.sandbox).concat().contains(&fresh.id),
        "unlinked: not sent"
    );
    env.sandbox.clear_requests();

    let site = serve(store.clone(), BodyLimits::default()).await;
    let (cookie, csrf) = site.login().await;
    let html = site.page("/links", &cookie).await;
    assert!(row(&html, fresh.id).contains("same SKU"), "{html}");
    let id = fresh.id.to_string();
    let resp = site
        .send(
            "/links/link",
            &cookie,
            &[("csrf", &csrf), ("prom_id", &id), ("sku", &sku)],
        )
        .await;
    assert_eq!(resp.status(), 303);

    let run = run_job(&config.jobs[0], &ctx, mode).await.unwrap();
    assert_eq!(
        edited_ids(&env.sandbox).concat(),
        vec![fresh.id],
        "{:?}",
        run.record
    );
    assert_eq!(
        env.sandbox.product(fresh.id).unwrap().quantity_in_stock,
        Some(7)
    );
}

/// What the Linking page costs at 100,000 products: `N` (default 100,000) local products
/// linked to as many staged Prom products, and `U` (default 200) unlinked on each side.
/// Prints the time of the first page (best of 3). Run:
/// `cargo test --test it linking_page_cost -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement"]
async fn linking_page_cost() {
    let var = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (n, u) = (var("N", 100_000), var("U", 200));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let seeded = std::time::Instant::now();
    let new: Vec<promua_sync::store::NewProduct> = (0..n + u)
        .map(|i| promua_sync::store::NewProduct {
            sku: format!("S-{i:06}"),
            name: format!("Товар номер {i} синій"),
            price: None,
            currency: None,
        })
        .collect();
    let locals = store.add_products(&new).unwrap();
    let rows: Vec<StagedProduct> = (0..n + u)
        .map(|i| {
            staged(
                1_000_000 + i as i64,
                None,
                &format!("Товар номер {i} синій"),
            )
        })
        .collect();
    let t = std::time::Instant::now();
    store.put_staged(&rows).unwrap();
    eprintln!("  put_staged of {}: {:?}", rows.len(), t.elapsed());
    let pairs: Vec<(u64, i64)> = locals[..n]
        .iter()
        .zip(&rows)
        .map(|(l, s)| (l.id, s.prom_id))
        .collect();
    let t = std::time::Instant::now();
    store.link_many(&pairs).unwrap();
    eprintln!("  link_many of {n}: {:?}", t.elapsed());
    store.flush_blocking().unwrap();
    eprintln!("seeded {n} linked + {u} unlinked in {:?}", seeded.elapsed());
    let first_local = locals[0].id;
    let site = serve(store, BodyLimits::default()).await;
    let (cookie, csrf) = site.login().await;
    let timed = |what: &'static str| {
        let (site, cookie) = (&site, cookie.clone());
        async move {
            let t = std::time::Instant::now();
            let html = site.page("/links", &cookie).await;
            eprintln!("GET /links {what}: {:?}", t.elapsed());
            html
        }
    };
    // A new link (as another client's) since the login's page: the next page makes the pass.
    site.office.store().unlink(first_local).unwrap();
    timed("after an unlink (the pass)").await;
    let mut best = std::time::Duration::MAX;
    for _ in 0..3 {
        let t = std::time::Instant::now();
        let html = site.page("/links", &cookie).await;
        best = best.min(t.elapsed());
        assert_eq!(row_ids(&html).len(), (u + 1).min(50));
    }
    eprintln!("GET /links, {n} linked, {u} unlinked each side, again (kept): best {best:?}");
    site.office
        .store()
        .set_stock(first_local, "main", 5)
        .unwrap();
    timed("after a stock write (kept)").await;
    // The gear of the first row: a link made, so a new pass.
    let html = site.page("/links", &cookie).await;
    let id = row_ids(&html)[0];
    let sku = local_sku_of(row(&html, id));
    let t = std::time::Instant::now();
    let resp = site
        .send(
            "/links/link",
            &cookie,
            &[("csrf", &csrf), ("prom_id", &id.to_string()), ("sku", &sku)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    eprintln!("POST /links/link (the gear): {:?}", t.elapsed());
    let html = timed("after the gear (the pass)").await;
    assert!(!row_ids(&html).contains(&id));
    let t = std::time::Instant::now();
    site.office.suggest_links(0.0).await.unwrap();
    eprintln!("  suggest_links(0) (links suggest): {:?}", t.elapsed());
    let t = std::time::Instant::now();
    site.office.export_unlinked().await.unwrap();
    eprintln!("  export_unlinked: {:?}", t.elapsed());
    // The pass's parts: the index's reads, the pairing.
    let store = site.office.store();
    let t = std::time::Instant::now();
    let staged_rows: Vec<StagedProduct> = store
        .unlinked_staged_ids()
        .unwrap()
        .into_iter()
        .filter_map(|id| store.staged_product(id).unwrap())
        .collect();
    let local_rows: Vec<_> = store
        .unlinked_product_ids()
        .unwrap()
        .into_iter()
        .filter_map(|id| store.product(id).unwrap())
        .collect();
    eprintln!("  the unlinked read from the index: {:?}", t.elapsed());
    let t = std::time::Instant::now();
    promua_sync::backoffice::suggest(&staged_rows, &local_rows, 0.0);
    eprintln!(
        "  suggest {}x{}: {:?}",
        staged_rows.len(),
        local_rows.len(),
        t.elapsed()
    );
}

/// The SKU the gear of a row links to.
fn local_sku_of(row: &str) -> String {
    let at = row.find("<span class=\"local-sku\">").unwrap() + "<span class=\"local-sku\">".len();
    row[at..][..row[at..].find('<').unwrap()].to_string()
}
