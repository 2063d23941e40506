//! The seller's console at `/` of the admin address (issue 18, first slice): login with
//! the admin token into a session cookie, the overview of the jobs, "run now"; no page
//! or action without a session, no POST from another origin or without the CSRF token.

use std::sync::{Arc, Mutex};

use promua_sync::backoffice::{BackOffice, Ledger};
use promua_sync::jobs::on_demand::RunFuture;
use promua_sync::jobs::{JobRun, JobRunner, RunRequest};
use promua_sync::report::{DriftCause, DriftItem, Outcome, RunRecord};
use promua_sync::store::{Actor, NewProduct, Store};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use tokio_util::sync::CancellationToken;

/// A runner that records what it was asked and answers a run with outcome `ok`.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl JobRunner for Recorder {
    fn run_now(&self, name: String, _: RunRequest) -> RunFuture {
        self.0.lock().unwrap().push(name.clone());
        Box::pin(async move {
            Ok(JobRun {
                record: record(&name, Outcome::Ok, 0),
                plan: None,
            })
        })
    }
}

fn record(job: &str, outcome: Outcome, drift: usize) -> RunRecord {
    let at = chrono::DateTime::parse_from_rfc3339("2026-11-29T08:00:00Z")
        .unwrap()
        .to_utc();
    RunRecord {
        job: job.into(),
        kind: "push_stock".into(),
        started_at: at,
        finished_at: at + chrono::Duration::seconds(3),
        outcome,
        considered: 0,
        planned: 0,
        sent: 0,
        confirmed: 0,
        failed: Vec::new(),
        requests: 0,
        retries: 0,
        error: None,
        notes: Vec::new(),
        warnings: Vec::new(),
        drift: (0..drift)
            .map(|i| DriftItem {
                sku: format!("D-{i}"),
                prom_id: i as i64 + 1,
                field: "quantity_in_stock".into(),
                local: 1.into(),
                prom: 2.into(),
                snapshot: 1.into(),
                cause: DriftCause::ChangedOnProm,
                repaired: false,
            })
            .collect(),
        recurring: None,
    }
}

struct Console {
    _dir: tempfile::TempDir,
    office: BackOffice,
    base: String,
    origin: String,
    token: String,
    runner: Arc<Recorder>,
    http: reqwest::Client,
    _stop: tokio_util::sync::DropGuard,
}

/// The admin server with jobs `stock` (a partial run with 2 drift items on record) and
/// `verify`, one unlinked product, and a runner standing for the daemon's.
async fn console() -> Console {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    store
        .record_run(&record("stock", Outcome::Partial, 2))
        .unwrap();
    let job = |name: &str, kind: &str| {
        (
            name.to_string(),
            kind.to_string(),
            "*/5 * * * *".to_string(),
            "UTC".to_string(),
        )
    };
    let runner = Arc::new(Recorder::default());
    let office = BackOffice::new(
        store.clone(),
        Actor::Api,
        vec![job("stock", "push_stock"), job("verify", "verify")],
    )
    .with_warehouses(["main"])
    .with_runner(runner.clone());
    let office_view = office.clone();
    // `A-1`, unlinked, and 55 `B-…` to page through.
    let names = std::iter::once(("A-1".to_string(), "Чайник".to_string()))
        .chain((0..55).map(|i| (format!("B-{i:02}"), format!("Bolt {i}"))));
    for (sku, name) in names {
        let p = NewProduct {
            sku,
            name,
            price: None,
            currency: None,
        };
        office.add_product(&p).await.unwrap();
    }
    let listener = promua_sync::admin::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    let token = "console-test-token-0123456789".to_string();
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
        _dir: dir,
        office: office_view,
        base: origin.clone(),
        origin,
        token,
        runner,
        http,
        _stop: stop.drop_guard(),
    }
}

impl Console {
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

    async fn get(&self, path: &str, cookie: Option<&str>) -> reqwest::Response {
        let mut req = self.http.get(format!("{}{path}", self.base));
        if let Some(c) = cookie {
            req = req.header(COOKIE, c);
        }
        req.send().await.unwrap()
    }

    /// Logs in; returns the `Set-Cookie` header and the `name=value` to send back.
    async fn login(&self) -> (String, String) {
        let resp = self
            .post(
                "/login",
                None,
                Some(&self.origin),
                &[("token", &self.token)],
            )
            .await;
        assert_eq!(resp.status(), 303);
        assert_eq!(resp.headers()[LOCATION], "/");
        let set = resp.headers()[SET_COOKIE].to_str().unwrap().to_string();
        let pair = set.split(';').next().unwrap().to_string();
        (set, pair)
    }
}

/// A form value, percent-encoded (reqwest's `form` is not among its features here).
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The CSRF token in a page's forms.
fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with the CSRF token")
        + 19;
    html[at..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn login_sets_a_safe_session_cookie_and_logout_ends_it() {
    let c = console().await;
    // Without a session: to the login page, in Ukrainian; in English on the switch.
    let resp = c.get("/", None).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()[LOCATION], "/login");
    let login = c.get("/login", None).await;
    assert_eq!(login.headers()["x-frame-options"], "DENY");
    assert_eq!(login.headers()["cache-control"], "no-store");
    let csp = login.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("form-action 'self'"));
    let page = login.text().await.unwrap();
    assert!(page.contains("Токен адміністратора"), "{page}");
    let en = c.get("/login?lang=en", None).await;
    assert!(
        en.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .starts_with("lang=en;")
    );
    let en = en.text().await.unwrap();
    assert!(en.contains("Admin token"));
    // The language links lead to a page that answers GET, whatever page shows them.
    assert!(en.contains(r#"href="/?lang=uk""#), "{en}");
    let kept = c.get("/login", Some("lang=en")).await.text().await.unwrap();
    assert!(kept.contains("Admin token"));

    // The bearer token opens the API, not the console.
    let bearer = c
        .http
        .get(format!("{}/", c.base))
        .bearer_auth(&c.token)
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 303);

    // A wrong token, a login from another origin or from none: no cookie.
    let wrong = c
        .post("/login", None, Some(&c.origin), &[("token", "nope")])
        .await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get(SET_COOKIE).is_none());
    assert!(wrong.text().await.unwrap().contains("Невірний токен"));
    for origin in [Some("http://evil.example"), None] {
        let resp = c.post("/login", None, origin, &[("token", &c.token)]).await;
        assert_eq!(resp.status(), 403, "{origin:?}");
        assert!(resp.headers().get(SET_COOKIE).is_none());
    }

    let (set, cookie) = c.login().await;
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.split("; ").any(|a| a == attr), "{attr} in {set}");
    }
    let id = cookie.strip_prefix("promua_console=").unwrap();
    assert_eq!(id.len(), 64);
    assert!(!set.contains(&c.token), "the token is never in the cookie");
    let (_, other) = c.login().await;
    assert_ne!(cookie, other, "each login its own random session");

    let page = c.get("/", Some(&cookie)).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    let csrf = csrf_of(&html);

    // Logout needs the session's CSRF token and our origin too.
    let resp = c.post("/logout", Some(&cookie), Some(&c.origin), &[]).await;
    assert_eq!(resp.status(), 403);
    let resp = c
        .post(
            "/logout",
            Some(&cookie),
            Some(&c.origin),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), 303);
    assert!(
        resp.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = c.get("/", Some(&cookie)).await;
    assert_eq!(after.status(), 303, "the session is gone on the server");
    assert_eq!(
        c.get("/", Some(&other)).await.status(),
        200,
        "only that one"
    );
}

#[tokio::test]
async fn the_overview_shows_each_job_and_run_now_goes_through_the_runner() {
    let c = console().await;
    let (_, cookie) = c.login().await;
    let html = c.get("/", Some(&cookie)).await.text().await.unwrap();
    let stock = html.split("<tr class=\"job\">").nth(1).unwrap();
    assert!(stock.contains("<td>stock</td>"), "{stock}");
    assert!(stock.contains("2026-11-29 08:00:03 UTC"), "{stock}");
    assert!(
        stock.contains("<td class=\"outcome\">partial</td>"),
        "{stock}"
    );
    assert!(stock.contains("<td>2</td>"), "two drift items: {stock}");
    let verify = html.split("<tr class=\"job\">").nth(2).unwrap();
    assert!(
        verify.contains("<td>verify</td>") && verify.contains("ще не було"),
        "{verify}"
    );
    assert!(
        html.contains("<strong id=\"unlinked\">56</strong>"),
        "{html}"
    );
    assert!(html.contains("Запустити зараз"));
    let en = c
        .get("/?lang=en", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("Run now") && en.contains("never"), "{en}");

    let csrf = csrf_of(&html);
    // Refused: another origin, no CSRF token, a wrong one, no session: nothing run.
    let refusals = [
        (
            Some(cookie.as_str()),
            Some("http://evil.example"),
            Some(csrf.as_str()),
        ),
        (Some(cookie.as_str()), None, Some(csrf.as_str())),
        (Some(cookie.as_str()), Some(c.origin.as_str()), None),
        (Some(cookie.as_str()), Some(c.origin.as_str()), Some("0000")),
        (None, Some(c.origin.as_str()), Some(csrf.as_str())),
        (
            Some("promua_console=forged"),
            Some(c.origin.as_str()),
            Some(csrf.as_str()),
        ),
    ];
    for (cookie, origin, token) in refusals {
        let form: Vec<(&str, &str)> = token.map(|t| ("csrf", t)).into_iter().collect();
        let resp = c.post("/jobs/stock/run", cookie, origin, &form).await;
        assert_eq!(resp.status(), 403, "{cookie:?} {origin:?} {token:?}");
    }
    assert!(c.runner.0.lock().unwrap().is_empty());

    let resp = c
        .post(
            "/jobs/stock/run",
            Some(&cookie),
            Some(&c.origin),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(resp.status(), 200);
    let page = resp.text().await.unwrap();
    assert!(
        page.contains("<strong class=\"outcome\">ok</strong>"),
        "{page}"
    );
    assert_eq!(*c.runner.0.lock().unwrap(), vec!["stock".to_string()]);
}

/// The SKUs of a products page's rows.
fn skus(html: &str) -> Vec<String> {
    html.split("<td class=\"sku\">")
        .skip(1)
        .map(|r| r.split('<').next().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn products_are_searched_paged_and_their_stock_and_price_set() {
    let c = console().await;
    assert_eq!(c.get("/products", None).await.status(), 303);
    let (_, cookie) = c.login().await;
    // By SKU prefix; by name when no SKU starts so; nothing.
    let page = c
        .get("/products?q=A-", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(skus(&page), ["A-1"]);
    assert!(
        page.contains("Чайник") && page.contains("не пов'язано"),
        "{page}"
    );
    let page = c
        .get("/products?q=%D1%87%D0%B0%D0%B9", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(skus(&page), ["A-1"], "by a part of the name, any case");
    let page = c
        .get("/products?q=zzz", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(skus(&page).is_empty() && page.contains("Нічого не знайдено"));
    // 55 `B-…` in pages of 50.
    let first = c
        .get("/products?q=B-", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(skus(&first).len(), 50);
    let at = first
        .find("href=\"/products?q=B-&amp;by=sku&amp;after=")
        .unwrap()
        + 6;
    let next = first[at..].split('"').next().unwrap().replace("&amp;", "&");
    let second = c.get(&next, Some(&cookie)).await.text().await.unwrap();
    let rest: Vec<String> = (50..55).map(|i| format!("B-{i}")).collect();
    assert_eq!(skus(&second), rest);

    let csrf = csrf_of(&first);
    let stock = |q: &'static str| [("sku", "A-1"), ("warehouse", "main"), ("quantity", q)];
    // Refused, nothing written: no CSRF token, another origin, a bad quantity.
    let resp = c
        .post(
            "/products/stock",
            Some(&cookie),
            Some(&c.origin),
            &stock("7"),
        )
        .await;
    assert_eq!(resp.status(), 403);
    let mut form = stock("7").to_vec();
    form.push(("csrf", &csrf));
    let resp = c
        .post(
            "/products/stock",
            Some(&cookie),
            Some("http://evil.example"),
            &form,
        )
        .await;
    assert_eq!(resp.status(), 403);
    let mut bad = stock("-1").to_vec();
    bad.push(("csrf", &csrf));
    let resp = c
        .post("/products/stock", Some(&cookie), Some(&c.origin), &bad)
        .await;
    assert_eq!(resp.status(), 422);
    assert!(resp.text().await.unwrap().contains("quantity: `-1`"));
    assert!(c.office.journal(Some("A-1"), 10).await.unwrap().is_empty());

    let resp = c
        .post("/products/stock", Some(&cookie), Some(&c.origin), &form)
        .await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()[LOCATION], "/products?by=sku&q=A-1");
    let view = c.office.show_product("A-1").await.unwrap();
    assert_eq!(view.stock.get("main"), Some(&7));
    let journal = c.office.journal(Some("A-1"), 10).await.unwrap();
    assert_eq!(journal.len(), 1);
    let m = &journal[0];
    assert_eq!((m.before, m.after, m.warehouse.as_str()), (0, 7, "main"));
    assert_eq!((m.actor.as_str(), m.reason.as_deref()), ("console", None));

    let price = [("sku", "A-1"), ("price", "12,50"), ("csrf", csrf.as_str())];
    let resp = c
        .post("/products/price", Some(&cookie), Some(&c.origin), &price)
        .await;
    assert_eq!(resp.status(), 303);
    let view = c.office.show_product("A-1").await.unwrap();
    assert_eq!(view.product.price, Some("12.50".parse().unwrap()));
    let page = c
        .get("/products?by=sku&q=A-1", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("main: 7") && page.contains("12.50"), "{page}");
}

/// The running daemon serves the console beside its API, and "run now" runs the job
/// there: Prom receives the push and the run is on record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daemon_serves_the_console_and_runs_a_job_from_it() {
    use crate::helpers::Env;
    let env = Env::new(3, promua_sync::sandbox::SandboxOptions::default(), |i| {
        i as i64 + 1
    })
    .await;
    // Yearly: no scheduled run during the test.
    let config = env.write_config("0 0 1 1 *", "");
    let daemon = env.start_daemon(&config).await;
    let origin = format!("http://127.0.0.1:{}", env.admin_port());
    let token = std::fs::read_to_string(env.dir.path().join("admin-token")).unwrap();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = http
        .post(format!("{origin}/login"))
        .header(ORIGIN, &origin)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("token={}", encode(token.trim())))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let set = login.headers()[SET_COOKIE].to_str().unwrap();
    let cookie = set.split(';').next().unwrap().to_string();
    let page = http
        .get(format!("{origin}/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<td>stock</td>"), "{page}");
    let resp = http
        .post(format!("{origin}/jobs/stock/run"))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &origin)
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("csrf={}", csrf_of(&page)))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let done = resp.text().await.unwrap();
    assert!(
        done.contains("<strong class=\"outcome\">ok</strong>"),
        "{done}"
    );
    for (i, p) in env.catalogue.iter().enumerate() {
        let got = env.sandbox.product(p.id).unwrap().quantity_in_stock;
        assert_eq!(got, Some(i as i64 + 1), "{:?}", p.sku);
    }
    let page = http
        .get(format!("{origin}/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<td class=\"outcome\">ok</td>"), "{page}");
    crate::helpers::stop_daemon(daemon).await;
    let runs = Store::open(&env.store_path())
        .unwrap()
        .runs_of("stock", 10)
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, Outcome::Ok);
}

/// A response is one of the console's pages: HTML under its security headers.
fn assert_console_page(resp: &reqwest::Response, what: &str) {
    let h = resp.headers();
    let kind = h.get(CONTENT_TYPE).map(|v| v.to_str().unwrap().to_string());
    assert!(
        kind.as_deref().is_some_and(|k| k.starts_with("text/html")),
        "{what}: {kind:?}"
    );
    assert!(h.contains_key("content-security-policy"), "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
}

#[tokio::test]
async fn a_malformed_request_goes_to_the_login_or_gets_a_page_in_words() {
    let c = console().await;
    let run = "/runs/stock/2026-11-29T08:00:00.000000Z";
    let bad_queries = [
        "/products?after=abc".to_string(),
        "/orders?before=abc".to_string(),
        format!("{run}?from=abc"),
        format!("{run}?from=-1"),
        "/products?q=a&q=b".to_string(),
        // A path that is no order's, one that is not text at all.
        "/orders/abc".to_string(),
        "/runs/%FF/2026".to_string(),
    ];
    // Without a session: the login page, whatever the query holds.
    for path in &bad_queries {
        let resp = c.get(path, None).await;
        assert_eq!(resp.status(), 303, "{path}");
        assert_eq!(resp.headers()[LOCATION], "/login", "{path}");
        assert_console_page_headers(&resp, path);
    }
    let (_, cookie) = c.login().await;
    let cookie = format!("{cookie}; lang=en");
    // With one: a refusal in words, in the console's frame, naming the field.
    for (path, field) in
        bad_queries
            .iter()
            .zip(["after", "before", "from", "from", "", "no order abc", ""])
    {
        let resp = c.get(path, Some(&cookie)).await;
        assert!(resp.status().is_client_error(), "{path}: {}", resp.status());
        assert_console_page(&resp, path);
        let text = resp.text().await.unwrap();
        assert!(text.contains("<nav>"), "{path}: {text}");
        assert!(text.contains(field), "{path}: {text}");
        if !field.is_empty() && !field.contains(' ') {
            assert!(text.contains("is not"), "{path}: {text}");
        }
    }
    // A wrong method, a body of the wrong kind, one over the form limit: pages too.
    let origin = Some(c.origin.as_str());
    let wrong_method = c
        .http
        .delete(format!("{}/products", c.base))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_method.status(), 405);
    assert_console_page(&wrong_method, "DELETE /products");
    assert!(
        wrong_method
            .text()
            .await
            .unwrap()
            .contains("does not answer that way")
    );
    let not_a_form = c
        .http
        .post(format!("{}/products/price", c.base))
        .header(COOKIE, &cookie)
        .header(ORIGIN, &c.origin)
        .header(CONTENT_TYPE, "text/plain")
        .body("sku=A-1&price=5")
        .send()
        .await
        .unwrap();
    assert_eq!(not_a_form.status(), 415);
    assert_console_page(&not_a_form, "a text/plain POST");
    let big = "x".repeat(17 << 10);
    let too_large = c
        .post("/products/price", Some(&cookie), origin, &[("sku", &big)])
        .await;
    assert_eq!(too_large.status(), 413);
    assert_console_page(&too_large, "a form over the limit");
    assert!(too_large.text().await.unwrap().contains("too large"));
    // Nothing was changed by any of it.
    let a1 = c.office.show_product("A-1").await.unwrap();
    assert_eq!(a1.product.price, None);
    // Without a session, the same POSTs are refused (403, a page), never read.
    for resp in [
        c.post("/products/price", None, origin, &[("sku", &big)])
            .await,
        c.http
            .delete(format!("{}/products", c.base))
            .send()
            .await
            .unwrap(),
    ] {
        assert_eq!(resp.status(), 403);
        assert_console_page(&resp, "no session");
    }
}

/// The security headers, on any answer (a redirect has no page).
fn assert_console_page_headers(resp: &reqwest::Response, what: &str) {
    assert!(
        resp.headers().contains_key("content-security-policy"),
        "{what}"
    );
    assert_eq!(resp.headers()["cache-control"], "no-store", "{what}");
}
