//! The Prom.ua HTTP client: bearer token, timeouts, a request-rate limit, a
//! concurrency limit, and retries with backoff for what is safe to retry.

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use governor::clock::MonotonicClock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::Semaphore;

use super::error::{PromError, excerpt};

/// How to reach Prom.ua: the `[prom]` section of `jobs.toml` once compiled.
#[derive(Debug, Clone)]
pub struct PromConfig {
    pub base_url: String,
    /// `None` when no token is configured: commands that talk to Prom.ua refuse to run.
    pub token: Option<SecretString>,
    /// Where the token came from, for messages (never the token itself).
    pub token_origin: String,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    pub requests_per_second: u32,
    pub max_concurrency: usize,
    /// Retries of a request that failed in a retryable way (timeouts, 5xx, 429, ...).
    pub max_retries: usize,
    /// The first backoff delay; later ones grow exponentially, with jitter.
    pub retry_base_delay: Duration,
    /// Which edit call carries stock (`[prom] stock_route`); the jobs read it, the client
    /// does not.
    pub stock_route: crate::domain::StockRoute,
}

/// The largest page a list endpoint serves.
pub const PAGE_LIMIT: u32 = 100;

/// The rate limiter on std's monotonic clock: governor's default (quanta's TSC clock)
/// calibrates itself when first made, ~100 ms of every command that builds a client
/// (measured with `perf` on a no-op `job run`); a few requests per second need no better.
type Limiter =
    RateLimiter<NotKeyed, InMemoryState, MonotonicClock, NoOpMiddleware<std::time::Instant>>;

struct Shared {
    http: reqwest::Client,
    /// To take the token out of answers that echo it (see [`redact_token`]).
    token: SecretString,
    base: String,
    limiter: Limiter,
    permits: Semaphore,
    max_concurrency: usize,
    max_retries: usize,
    retry_base_delay: Duration,
}

#[derive(Default)]
struct Counters {
    requests: AtomicU64,
    retries: AtomicU64,
    notes: Mutex<Notes>,
}

/// At most this many notes are kept per handle (each is logged regardless).
const MAX_NOTES: usize = 50;

/// What the reading of Prom's answers noted, each once, in order.
#[derive(Default)]
struct Notes {
    kept: Vec<String>,
    more: usize,
}

/// A Prom.ua client. Clones share the connection pool and the limits; see
/// [`PromClient::counted`] for per-run request counts.
#[derive(Clone)]
pub struct PromClient {
    shared: Arc<Shared>,
    counters: Arc<Counters>,
    /// Once cancelled (the process is stopping), failed requests are not retried.
    cancel: Option<tokio_util::sync::CancellationToken>,
}

impl std::fmt::Debug for PromClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PromClient")
            .field("base", &self.shared.base)
            .finish()
    }
}

impl PromClient {
    pub fn new(cfg: &PromConfig) -> Result<Self, PromError> {
        let token = cfg.token.as_ref().ok_or(PromError::NoToken)?;
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret()))
            .map_err(|_| PromError::Transport {
                path: String::new(),
                detail: "the token contains characters not allowed in an HTTP header".into(),
            })?;
        // Keeps the token out of reqwest's Debug output.
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, auth);
        headers.insert("X-LANGUAGE", HeaderValue::from_static("uk"));
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .user_agent(concat!("promua-sync/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(cfg.connect_timeout)
            .read_timeout(cfg.request_timeout)
            .timeout(cfg.request_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| PromError::Transport {
                path: String::new(),
                detail: e.to_string(),
            })?;
        let rps = NonZeroU32::new(cfg.requests_per_second.max(1)).expect("max(1)");
        Ok(Self {
            shared: Arc::new(Shared {
                http,
                token: token.clone(),
                base: cfg.base_url.trim_end_matches('/').to_string(),
                limiter: RateLimiter::direct_with_clock(Quota::per_second(rps), MonotonicClock),
                permits: Semaphore::new(cfg.max_concurrency.max(1)),
                max_concurrency: cfg.max_concurrency.max(1),
                max_retries: cfg.max_retries,
                retry_base_delay: cfg.retry_base_delay,
            }),
            counters: Arc::default(),
            cancel: None,
        })
    }

    /// The same client (pool, rate and concurrency limits) with fresh request counters,
    /// so one job run can report what it cost.
    pub fn counted(&self) -> Self {
        Self {
            shared: self.shared.clone(),
            counters: Arc::default(),
            cancel: self.cancel.clone(),
        }
    }

    /// The same client, giving up retries once `cancel` is cancelled.
    pub fn cancellable(mut self, cancel: tokio_util::sync::CancellationToken) -> Self {
        self.cancel = Some(cancel);
        self
    }

    /// Requests made through this handle, retries included.
    pub fn requests(&self) -> u64 {
        self.counters.requests.load(Ordering::Relaxed)
    }

    pub fn retries(&self) -> u64 {
        self.counters.retries.load(Ordering::Relaxed)
    }

    /// What reading Prom's answers through this handle noted: items skipped from a page
    /// (an id that is not a number), parts of a write's answer that could not be read.
    /// For the run's record; each note was logged as it came.
    pub fn notes(&self) -> Vec<String> {
        let notes = self.counters.notes.lock().expect("notes lock");
        let mut out = notes.kept.clone();
        if notes.more > 0 {
            out.push(format!(
                "… and {} more note(s) on Prom.ua's answers (see the log)",
                notes.more
            ));
        }
        out
    }

    /// Logs and keeps `notes` about the answer to `path`.
    pub(super) fn note(&self, path: &str, notes: impl IntoIterator<Item = String>) {
        let mut kept = self.counters.notes.lock().expect("notes lock");
        for n in notes {
            let n = format!("{path}: {n}");
            tracing::warn!("{n}");
            if kept.kept.contains(&n) {
                continue;
            }
            if kept.kept.len() < MAX_NOTES {
                kept.kept.push(n);
            } else {
                kept.more += 1;
            }
        }
    }

    /// How many requests may be in flight at once.
    pub fn max_concurrency(&self) -> usize {
        self.shared.max_concurrency
    }

    pub fn base_url(&self) -> &str {
        &self.shared.base
    }

    pub(super) async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, PromError> {
        let url = format!("{}{path}", self.shared.base);
        self.with_retries(path, || self.shared.http.get(&url).query(query))
            .await
    }

    pub(super) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: Vec<u8>,
    ) -> Result<T, PromError> {
        let url = format!("{}{path}", self.shared.base);
        self.with_retries(path, || {
            self.shared
                .http
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone())
        })
        .await
    }

    async fn with_retries<T: DeserializeOwned>(
        &self,
        path: &str,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, PromError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.shared.retry_base_delay)
            .with_max_delay(Duration::from_secs(10))
            .with_max_times(self.shared.max_retries)
            .with_jitter();
        (|| async { self.once(path, build()).await })
            .retry(backoff)
            .when(|e| e.is_retryable() && !self.cancel.as_ref().is_some_and(|c| c.is_cancelled()))
            .adjust(|e, delay| match (e, delay) {
                // Prom's Retry-After wins over a shorter backoff.
                (
                    PromError::RateLimited {
                        retry_after: Some(ra),
                        ..
                    },
                    Some(d),
                ) => Some(d.max(*ra)),
                (_, d) => d,
            })
            .notify(|e, delay| {
                self.counters.retries.fetch_add(1, Ordering::Relaxed);
                tracing::warn!("retrying {path} in {} ms after: {e}", delay.as_millis());
            })
            .await
    }

    async fn once<T: DeserializeOwned>(
        &self,
        path: &str,
        req: reqwest::RequestBuilder,
    ) -> Result<T, PromError> {
        // The rate first, then a slot: a call waiting for the rate holds no slot, so the
        // slots stay busy with calls on the wire (a push then meets both limits at once).
        self.shared.limiter.until_ready().await;
        let _permit = self
            .shared
            .permits
            .acquire()
            .await
            .expect("semaphore never closed");
        self.counters.requests.fetch_add(1, Ordering::Relaxed);
        let path = path.to_string();
        let resp = req.send().await.map_err(|e| transport(&path, e))?;
        let status = resp.status();
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = resp.bytes().await.map_err(|e| transport(&path, e))?;
        let body = redact_token(&body, self.shared.token.expose_secret());
        let value = read_answer(&path, status.as_u16(), retry_after, &body)?;
        serde_json::from_value(value).map_err(|e| PromError::Malformed {
            path,
            detail: e.to_string(),
            excerpt: excerpt(&body),
        })
    }
}

/// One answer read as far as every call reads it: the HTTP status as an error kind, the
/// body as JSON, a logical error (HTTP 200 with `error`). Pure, so the readers of the
/// write calls can be tested on any bytes.
///
/// An `error` beside a non-empty `processed_ids` is no failure: Prom.ua applied those
/// items, and the write's reader keeps the error as a note.
pub(crate) fn read_answer(
    path: &str,
    status: u16,
    retry_after: Option<Duration>,
    body: &[u8],
) -> Result<Value, PromError> {
    let path = path.to_string();
    match status {
        200..=299 => {}
        401 => return Err(PromError::Unauthorized),
        403 => return Err(PromError::Forbidden { path }),
        404 => return Err(PromError::NotFound { path }),
        429 => return Err(PromError::RateLimited { path, retry_after }),
        s => {
            return Err(PromError::Status {
                path,
                status: s,
                excerpt: excerpt(body),
            });
        }
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| PromError::Malformed {
        path: path.clone(),
        detail: e.to_string(),
        excerpt: excerpt(body),
    })?;
    let processed = value
        .get("processed_ids")
        .and_then(Value::as_array)
        .is_some_and(|ids| !ids.is_empty());
    if let Some(err) = value.get("error").filter(|e| !e.is_null())
        && !processed
    {
        let message = err.as_str().map_or_else(|| err.to_string(), str::to_string);
        return Err(PromError::Api { path, message });
    }
    Ok(value)
}

/// `body` with every copy of `token` replaced by `[token]`, before any of it is read:
/// Prom or a proxy before it may echo the Authorization header (in an error page, an
/// `error` text), and what is read from an answer reaches errors, notes, run records,
/// logs. Done on the whole body, so an excerpt cut inside the token keeps none of it.
pub(crate) fn redact_token<'a>(body: &'a [u8], token: &str) -> std::borrow::Cow<'a, [u8]> {
    // A token this short would match inside ids and numbers and spoil the answer; Prom's
    // tokens are far longer (tests and the sandbox use short ones).
    if token.len() < MIN_REDACTED_TOKEN {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut found = memchr::memmem::find_iter(body, token.as_bytes()).peekable();
    if found.peek().is_none() {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = Vec::with_capacity(body.len());
    let mut from = 0;
    for at in found {
        out.extend_from_slice(&body[from..at]);
        out.extend_from_slice(b"[token]");
        from = at + token.len();
    }
    out.extend_from_slice(&body[from..]);
    std::borrow::Cow::Owned(out)
}

/// The shortest token [`redact_token`] looks for.
const MIN_REDACTED_TOKEN: usize = 8;

fn transport(path: &str, e: reqwest::Error) -> PromError {
    if e.is_timeout() {
        PromError::Timeout {
            path: path.to_string(),
        }
    } else {
        // Without the URL: the path says enough, and the message stays short.
        let e = e.without_url();
        let mut detail = e.to_string();
        let mut src = std::error::Error::source(&e);
        while let Some(s) = src {
            detail = format!("{detail}: {s}");
            src = s.source();
        }
        PromError::Transport {
            path: path.to_string(),
            detail,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_echoed_token_is_replaced_before_the_excerpt_cuts_it() {
        let token = "zz-SECRET-3b8e61f0c4d2";
        // The token starts at character 150: a 160-character excerpt would end inside it.
        let body = format!("{} Bearer {token} and again {token}", "x".repeat(142));
        let clean = redact_token(body.as_bytes(), token);
        let err = read_answer("/products/edit", 500, None, &clean).unwrap_err();
        let text = err.to_string();
        assert!(!text.contains("zz-SECRET"), "{text}");
        assert!(text.contains("Bearer [token]"), "{text}");
        let body = format!(r#"{{"error": "bad header Authorization: Bearer {token}"}}"#);
        let clean = redact_token(body.as_bytes(), token);
        let text = read_answer("/orders/list", 200, None, &clean)
            .unwrap_err()
            .to_string();
        assert!(text.ends_with("Bearer [token]"), "{text}");
    }

    #[test]
    fn an_answer_without_the_token_is_left_as_it_came() {
        let body = br#"{"products": [{"name": "zz-SECRE"}]}"#;
        assert!(matches!(
            redact_token(body, "zz-SECRET"),
            std::borrow::Cow::Borrowed(b) if b == body
        ));
        assert_eq!(&*redact_token(b"abab", ""), b"abab");
    }
}
