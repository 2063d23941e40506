//! Runs: the recent runs of every job (or of one, `?job=`), newest first, 50 a page; and
//! one run's page, `/runs/{job}/{start}` (the run's id in the logs, `job@start`, split
//! in two), with its counts and its per-item report, 50 items a page.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use maud::{Markup, html};
use serde::Deserialize;

use super::products::encode;
use super::{Console, LangQuery, Visit, layout, run_items, to_login};
use crate::backoffice::BackofficeError;
use crate::report::RunRecord;
use crate::store::RunCursor;

const PAGE: usize = 50;

#[derive(Deserialize, Default)]
pub(super) struct ListQuery {
    job: Option<String>,
    /// The id of the last run of the page before (`job@start`).
    after: Option<String>,
    lang: Option<String>,
}

/// The address of a run's page.
pub(super) fn href(r: &RunRecord) -> String {
    format!("/runs/{}/{}", encode(&r.job), stamp(&r.started_at))
}

/// A start as the run ids in the logs write it, to the microsecond (the store's key).
fn stamp(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_stamp(text: &str) -> Option<i64> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_micros())
}

pub(super) async fn list(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    let visit = Visit::of(
        &console,
        &headers,
        &LangQuery {
            lang: q.lang.clone(),
        },
    );
    if visit.session.is_none() {
        return visit.finish(to_login());
    }
    let t = visit.lang.text();
    let job = q.job.as_deref().map(str::trim).filter(|j| !j.is_empty());
    // An unreadable cursor starts from the newest: a stale link shows the first page.
    let after = q.after.as_deref().and_then(|a| {
        let (job, at) = a.rsplit_once('@')?;
        Some(RunCursor {
            job: job.to_string(),
            micros: parse_stamp(at)?,
        })
    });
    // One more than a page: its presence says there is a next page.
    let mut runs = match console
        .office
        .runs_page(job.map(String::from), after, PAGE + 1)
        .await
    {
        Ok(r) => r,
        Err(e) => return visit.finish(failure(&visit, t.runs, &e)),
    };
    let more = runs.len() > PAGE;
    runs.truncate(PAGE);
    let job_q = job
        .map(|j| format!("job={}&", encode(j)))
        .unwrap_or_default();
    let title = match job {
        Some(j) => format!("{}: {j}", t.runs),
        None => t.runs.to_string(),
    };
    let body = html! {
        @if job.is_some() { p { a href="/runs" { (t.all_jobs) } } }
        @if runs.is_empty() { p { (t.no_runs) } } @else {
            table {
                tr {
                    th { (t.job) } th { (t.started) } th { (t.duration) } th { (t.outcome) }
                    th { (t.considered) } th { (t.planned) } th { (t.sent) } th { (t.confirmed) }
                    th { (t.failed) }
                }
                @for r in &runs { (row(r)) }
            }
        }
        @if let Some(last) = runs.last().filter(|_| more) {
            p { a href={ "/runs?" (job_q) "after=" (encode(&last.run_id())) } { (t.next_page) } }
        }
    };
    visit.finish(layout::page(&visit, &title, body).into_response())
}

fn row(r: &RunRecord) -> Markup {
    html! {
        tr.run {
            td.job { a href={ "/runs?job=" (encode(&r.job)) } { (r.job) } }
            td { a href=(href(r)) { (r.started_at.format("%Y-%m-%d %H:%M:%S UTC")) } }
            td { (r.duration_ms()) " ms" }
            td.outcome { (r.outcome) }
            td { (r.considered) } td { (r.planned) } td { (r.sent) } td { (r.confirmed) }
            td.failed { (r.failed.len()) }
        }
    }
}

#[derive(Deserialize, Default)]
pub(super) struct ItemsQuery {
    /// The first item shown (items are in the record, read whole: an offset is exact),
    /// read by hand ([`super::rejected::number`]).
    from: Option<String>,
    lang: Option<String>,
}

pub(super) async fn show(
    State(console): State<Console>,
    headers: HeaderMap,
    Path((job, started)): Path<(String, String)>,
    Query(q): Query<ItemsQuery>,
) -> Response {
    let visit = Visit::of(
        &console,
        &headers,
        &LangQuery {
            lang: q.lang.clone(),
        },
    );
    if visit.session.is_none() {
        return visit.finish(to_login());
    }
    let t = visit.lang.text();
    let from = match super::rejected::number::<usize>(&visit, "from", q.from.as_deref()) {
        Ok(f) => f.unwrap_or(0),
        Err(e) => return visit.finish(failure(&visit, t.run_title, &e)),
    };
    let found = match parse_stamp(&started) {
        Some(micros) => console.office.run_record(&job, micros).await,
        None => Err(BackofficeError::NotFound(format!(
            "`{started}` is not a run's start (one is written like 2026-11-29T03:00:00.123456Z)"
        ))),
    };
    let r = match found {
        Ok(r) => r,
        Err(e) => return visit.finish(failure(&visit, t.run_title, &e)),
    };
    let total = run_items::count(&r);
    let items = run_items::page(&r, t, from, PAGE);
    let body = html! {
        table.summary {
            tr { th { (t.job) } td { a href={ "/runs?job=" (encode(&r.job)) } { (r.job) } " (" (r.kind) ")" } }
            tr { th { (t.started) } td { (r.started_at.format("%Y-%m-%d %H:%M:%S%.3f UTC")) } }
            tr { th { (t.duration) } td { (r.duration_ms()) " ms" } }
            tr { th { (t.outcome) } td.outcome { (r.outcome) } }
            tr { th { (t.considered) } td { (r.considered) } }
            tr { th { (t.planned) } td { (r.planned) } }
            tr { th { (t.sent) } td { (r.sent) } }
            tr { th { (t.confirmed) } td { (r.confirmed) } }
            tr { th { (t.failed) } td { (r.failed.len()) } }
            tr { th { (t.requests) } td { (r.requests) " (" (r.retries) ")" } }
            @if let Some(e) = &r.error { tr { th { (t.run_error) } td.error { (e) } } }
        }
        @if !r.notes.is_empty() || r.recurring.as_ref().is_some_and(|c| c.count > 0) {
            h2 { (t.notes) }
            ul {
                @for n in &r.notes { li { (n) } }
                @if let Some(c) = r.recurring.as_ref().filter(|c| c.count > 0) { li { (c.counted()) } }
            }
        }
        h2 { (t.items) " (" (total) ")" }
        p { small { (t.items_kept) } }
        @if total == 0 { p { (t.no_items) } } @else {
            table.items {
                tr {
                    th { (t.subject) } th { (t.prom_id) } th { (t.outcome) }
                    th { (t.what) " (" (t.local_prom) ")" } th { (t.detail) }
                }
                @for i in &items {
                    tr.item {
                        td.sku { (i.subject) }
                        td { (i.prom_id) }
                        td class=(if i.bad { "bad" } else { "ok" }) { (i.outcome) }
                        td { (i.what) }
                        td.detail { (i.detail) }
                    }
                }
            }
        }
        @if from.saturating_add(PAGE) < total {
            p { a href={ (href(&r)) "?from=" (from + PAGE) } { (t.next_page) } }
        }
        p { a href="/runs" { (t.back) } }
    };
    let title = format!("{}: {}", t.run_title, r.run_id());
    visit.finish(layout::page(&visit, &title, body).into_response())
}

/// A refusal or failure in its own words with its status (an unknown run: 404).
fn failure(visit: &Visit, title: &str, e: &BackofficeError) -> Response {
    let t = visit.lang.text();
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = html! { p.error { (e) } p { a href="/runs" { (t.back) } } };
    (status, layout::page(visit, title, body)).into_response()
}
