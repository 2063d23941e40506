//! The ledger over the admin API, for CLI commands while the daemon holds the store.

use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::error::ErrorBody;
use super::*;

/// The header that tells the admin API who makes a change (the journal's actor).
pub const ACTOR_HEADER: &str = "x-promua-actor";

/// Reads the token for a client; says where it should be when it is not.
pub fn read_admin_token(path: &std::path::Path) -> std::result::Result<String, String> {
    match std::fs::read_to_string(path) {
        Ok(t) if !t.trim().is_empty() => Ok(t.trim().to_string()),
        Ok(_) => Err(format!("the admin token file {} is empty", path.display())),
        Err(e) => Err(format!(
            "cannot read the admin token {}: {e} (the daemon creates it at its first start; run as a user who can read it)",
            path.display()
        )),
    }
}

/// How long `job run` waits for the daemon's answer (the other calls: 300 s).
const RUN_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

pub struct AdminClient {
    http: reqwest::Client,
    base: reqwest::Url,
    token: String,
    actor: &'static str,
}

impl AdminClient {
    /// `base`: e.g. `http://127.0.0.1:8731/`. `actor`: how the journal names the caller.
    pub fn new(
        base: &str,
        token: String,
        actor: &'static str,
    ) -> std::result::Result<Self, String> {
        let base =
            reqwest::Url::parse(base).map_err(|e| format!("admin API address {base}: {e}"))?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(300))
            .build()
            .map_err(|e| e.to_string())?;
        Ok(Self {
            http,
            base,
            token,
            actor,
        })
    }

    fn url(&self, segments: &[&str]) -> reqwest::Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .expect("http base")
            .pop_if_empty()
            .extend(segments);
        url
    }

    fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        self.http
            .request(method, self.url(segments))
            .bearer_auth(&self.token)
            .header(ACTOR_HEADER, self.actor)
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T> {
        let resp = req.send().await.map_err(|e| {
            BackofficeError::Remote(format!(
                "cannot reach the daemon's admin API at {}: {e}",
                self.base
            ))
        })?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| BackofficeError::Remote(e.to_string()))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes)
                .map_err(|e| BackofficeError::Remote(format!("unreadable answer: {e}")));
        }
        if status.as_u16() == 401 {
            return Err(BackofficeError::Remote(
                "the admin API refused the token (is [admin] token_file the daemon's?)".into(),
            ));
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Err(BackofficeError::from_body(body)),
            Err(_) if status.as_u16() == 413 => Err(BackofficeError::TooLarge(
                "the daemon's admin API refused the request as too large (HTTP 413): see [admin] max_csv_body_mb and max_json_body_kb".into(),
            )),
            Err(_) => Err(BackofficeError::Remote(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&bytes)
            ))),
        }
    }

    async fn json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        segments: &[&str],
        body: &B,
    ) -> Result<T> {
        self.send(self.request(method, segments).json(body)).await
    }

    /// A CSV export: the body as text.
    async fn text(&self, segments: &[&str]) -> Result<String> {
        self.text_of(self.request(Method::GET, segments)).await
    }

    /// A CSV export's answer as text; a refusal as the API's error (a bad filter is
    /// `Invalid`, as in-process).
    async fn text_of(&self, req: RequestBuilder) -> Result<String> {
        let resp = req
            .send()
            .await
            .map_err(|e| BackofficeError::Remote(e.to_string()))?;
        let status = resp.status();
        if status.is_success() {
            return resp
                .text()
                .await
                .map_err(|e| BackofficeError::Remote(e.to_string()));
        }
        let bytes = resp.bytes().await.unwrap_or_default();
        Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => BackofficeError::from_body(body),
            Err(_) => BackofficeError::Remote(format!("export: HTTP {status}")),
        })
    }
}

impl Ledger for AdminClient {
    async fn list_products(&self, q: &ProductQuery) -> Result<ProductsPage> {
        self.send(self.request(Method::GET, &["v1", "products"]).query(q))
            .await
    }

    async fn show_product(&self, sku: &str) -> Result<ProductView> {
        self.send(self.request(Method::GET, &["v1", "products", sku]))
            .await
    }

    async fn add_product(&self, p: &NewProduct) -> Result<ProductView> {
        self.json(Method::POST, &["v1", "products"], p).await
    }

    async fn update_product(&self, sku: &str, u: &ProductUpdate) -> Result<ProductView> {
        self.json(Method::PATCH, &["v1", "products", sku], u).await
    }

    async fn remove_product(&self, sku: &str, force: bool) -> Result<ProductRemoved> {
        self.send(
            self.request(Method::DELETE, &["v1", "products", sku])
                .query(&[("force", force)]),
        )
        .await
    }

    async fn set_stock(&self, sku: &str, req: &StockSet) -> Result<Option<StockMoved>> {
        self.json(Method::PUT, &["v1", "stock", sku], req).await
    }

    async fn adjust_stock(&self, sku: &str, req: &StockAdjust) -> Result<Option<StockMoved>> {
        self.json(Method::POST, &["v1", "stock", sku, "adjust"], req)
            .await
    }

    async fn set_price(&self, sku: &str, req: &PriceSet) -> Result<ProductView> {
        self.json(Method::PUT, &["v1", "prices", sku], req).await
    }

    async fn set_presence(&self, sku: &str, req: &PresenceSet) -> Result<ProductView> {
        self.json(Method::PUT, &["v1", "products", sku, "presence"], req)
            .await
    }

    async fn set_tiers(&self, sku: &str, req: &super::TiersSet) -> Result<ProductView> {
        self.json(Method::PUT, &["v1", "prices", sku, "tiers"], req)
            .await
    }

    async fn set_discount(&self, sku: &str, req: &super::DiscountSet) -> Result<ProductView> {
        self.json(Method::PUT, &["v1", "prices", sku, "discount"], req)
            .await
    }

    async fn links(&self, unlinked_only: bool) -> Result<Vec<LinkView>> {
        self.send(
            self.request(Method::GET, &["v1", "links"])
                .query(&[("unlinked", unlinked_only)]),
        )
        .await
    }

    async fn link(&self, sku: &str, req: &LinkRequest) -> Result<LinkView> {
        self.json(Method::PUT, &["v1", "links", sku], req).await
    }

    async fn unlink(&self, sku: &str) -> Result<LinkView> {
        self.send(self.request(Method::DELETE, &["v1", "links", sku]))
            .await
    }

    async fn journal(&self, sku: Option<&str>, limit: usize) -> Result<Vec<StockMove>> {
        let mut q = vec![("limit", limit.to_string())];
        if let Some(s) = sku {
            q.push(("sku", s.to_string()));
        }
        self.send(self.request(Method::GET, &["v1", "journal"]).query(&q))
            .await
    }

    async fn last_runs(&self) -> Result<Vec<JobStatus>> {
        self.send(self.request(Method::GET, &["v1", "runs"])).await
    }

    async fn job_runs(&self, job: &str, limit: usize) -> Result<Vec<RunRecord>> {
        self.send(
            self.request(Method::GET, &["v1", "runs", job])
                .query(&[("limit", limit)]),
        )
        .await
    }

    async fn import_csv(
        &self,
        kind: CsvKind,
        data: &[u8],
        opts: &CsvOptions,
    ) -> Result<ImportReport> {
        let mut q: Vec<(String, String)> = Vec::new();
        if let Some(d) = opts.delimiter {
            q.push(("delimiter".into(), d.to_string()));
        }
        if let Some(w) = &opts.warehouse {
            q.push(("warehouse".into(), w.clone()));
        }
        if let Some(s) = &opts.source {
            q.push(("source".into(), s.clone()));
        }
        for (field, header) in &opts.columns {
            q.push((format!("column.{field}"), header.clone()));
        }
        let req = self
            .request(Method::POST, &["v1", "import", kind.name()])
            .query(&q)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(data.to_vec());
        self.send(req).await
    }

    async fn list_orders(&self, q: &OrderQuery) -> Result<Vec<OrderView>> {
        let page: Vec<OrderView> = self
            .send(self.request(Method::GET, &["v1", "orders"]).query(q))
            .await?;
        check_before(q.before, &page)?;
        Ok(page)
    }

    async fn export_orders(&self, q: &OrderQuery) -> Result<String> {
        self.text_of(
            self.request(Method::GET, &["v1", "export", "orders"])
                .query(q),
        )
        .await
    }

    async fn show_order(&self, prom_id: i64) -> Result<OrderView> {
        self.send(self.request(Method::GET, &["v1", "orders", &prom_id.to_string()]))
            .await
    }

    async fn set_order_status(&self, prom_id: i64, req: &OrderStatusSet) -> Result<OrderView> {
        self.json(
            Method::PUT,
            &["v1", "orders", &prom_id.to_string(), "status"],
            req,
        )
        .await
    }

    async fn order_statuses(&self) -> Result<super::OrderStatusesView> {
        self.send(self.request(Method::GET, &["v1", "order-statuses"]))
            .await
    }

    async fn link_order_line(
        &self,
        prom_id: i64,
        line: usize,
        req: &OrderLineLink,
    ) -> Result<OrderLineLinked> {
        self.json(
            Method::PUT,
            &[
                "v1",
                "orders",
                &prom_id.to_string(),
                "lines",
                &line.to_string(),
            ],
            req,
        )
        .await
    }

    async fn staged(&self, unlinked_only: bool) -> Result<Vec<StagedView>> {
        self.send(
            self.request(Method::GET, &["v1", "staged"])
                .query(&[("unlinked", unlinked_only)]),
        )
        .await
    }

    async fn suggest_links(&self, min_score: f64) -> Result<Vec<Suggestion>> {
        self.send(
            self.request(Method::GET, &["v1", "links", "suggestions"])
                .query(&[("min_score", min_score)]),
        )
        .await
    }

    async fn accept_links(&self, req: &AcceptLinks) -> Result<Vec<LinkView>> {
        self.json(Method::POST, &["v1", "links", "accept"], req)
            .await
    }

    async fn export_unlinked(&self) -> Result<String> {
        self.text(&["v1", "links", "unlinked.csv"]).await
    }

    async fn apply_links(&self, data: &[u8]) -> Result<ImportReport> {
        let req = self
            .request(Method::POST, &["v1", "links", "apply"])
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(data.to_vec());
        self.send(req).await
    }

    async fn export_csv(&self, kind: CsvKind) -> Result<String> {
        self.text(&["v1", "export", kind.name()]).await
    }

    async fn backup_store(&self) -> Result<Vec<u8>> {
        let req = self.request(Method::POST, &["v1", "store", "backup"]);
        let resp = req
            .send()
            .await
            .map_err(|e| BackofficeError::Remote(e.to_string()))?;
        let status = resp.status();
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| BackofficeError::Remote(format!("the backup was cut short: {e}")))?;
        if status.is_success() {
            return Ok(bytes.to_vec());
        }
        Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => BackofficeError::from_body(body),
            Err(_) => BackofficeError::Remote(format!("backup: HTTP {status}")),
        })
    }

    async fn run_job(&self, name: &str, req: &crate::jobs::RunRequest) -> Result<JobRunDone> {
        let req = self
            .request(Method::POST, &["v1", "jobs", name, "run"])
            .query(req)
            // A run may take minutes, and may first wait for a scheduled one to end.
            .timeout(RUN_TIMEOUT);
        self.send(req).await
    }

    async fn check_store(&self) -> Result<Vec<String>> {
        self.send(self.request(Method::GET, &["v1", "store", "check"]))
            .await
    }

    async fn repair_store(&self) -> Result<Vec<String>> {
        // A rebuild reads every order: minutes at the most, as a run.
        let req = self
            .request(Method::POST, &["v1", "store", "repair"])
            .timeout(RUN_TIMEOUT);
        self.send(req).await
    }
}

/// A daemon older than `before` drops it and answers the newest page: a script paging
/// with it would loop on that page for ever. An order at or after `before` says so.
fn check_before(before: Option<i64>, page: &[OrderView]) -> Result<()> {
    let Some(b) = before else { return Ok(()) };
    match page.iter().find(|o| o.prom_id >= b) {
        Some(o) => Err(BackofficeError::Remote(format!(
            "asked for orders before {b}, the daemon answered order {}: it is older than this command and ignores --before (restart the daemon with this version)",
            o.prom_id
        ))),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(ids: &[i64]) -> Vec<OrderView> {
        ids.iter()
            .map(|&prom_id| {
                OrderView::from(crate::store::LocalOrder {
                    prom_id,
                    ..Default::default()
                })
            })
            .collect()
    }

    #[test]
    fn an_answer_at_or_after_before_is_an_older_daemon_s() {
        assert!(check_before(Some(10), &page(&[9, 3])).is_ok());
        assert!(check_before(None, &page(&[30, 20])).is_ok());
        let e = check_before(Some(10), &page(&[30, 20])).unwrap_err();
        assert!(e.to_string().contains("older than this command"), "{e}");
        assert!(check_before(Some(10), &page(&[10])).is_err());
    }
}
