//! The overview: each configured job's last run, next run and health (the verdicts
//! `status` and `/health` give), its drift, the unlinked count, and "run now".

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::{Console, CsrfForm, LangQuery, Visit, check_post, layout, to_login};
use crate::backoffice::{JobStatus, Ledger};
use crate::jobs::RunRequest;

pub(super) async fn show(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = Visit::of(&console, &headers, &q);
    if visit.session.is_none() {
        return visit.finish(to_login());
    }
    let t = visit.lang.text();
    let gathered = async {
        let jobs = console.office.last_runs().await?;
        // Products less links, both counted as they change: no walk of the catalogue.
        let unlinked = console.office.store().unlinked_count()?;
        Ok::<_, crate::backoffice::BackofficeError>((jobs, unlinked))
    }
    .await;
    let (jobs, unlinked) = match gathered {
        Ok(g) => g,
        Err(e) => return visit.finish(failure(&visit, t.overview, &e)),
    };
    let body = html! {
        @if jobs.is_empty() { p { (t.no_jobs) } } @else {
            table {
                tr {
                    th { (t.job) } th { (t.kind) } th { (t.last_run) } th { (t.outcome) }
                    th { (t.next_run) } th { (t.health) } th { (t.drift) } th {}
                }
                @for job in &jobs { (row(&visit, job)) }
            }
        }
        p { (t.unlinked) ": " strong #unlinked { (unlinked) } }
    };
    visit.finish(layout::page(&visit, t.overview, body).into_response())
}

fn row(visit: &Visit, job: &JobStatus) -> Markup {
    let t = visit.lang.text();
    let last = job.last_run.as_ref();
    html! {
        tr.job {
            td { (job.name) }
            td { (job.kind) }
            td { @match last {
                Some(r) => a href=(super::runs::href(r)) { (r.finished_at.format("%Y-%m-%d %H:%M:%S UTC")) },
                None => (t.never),
            } }
            td.outcome { @if let Some(r) = last { (r.outcome) } }
            td { @if let Some(n) = job.next_run { (n.format("%Y-%m-%d %H:%M %:z")) } }
            td {
                @if let Some(h) = &job.health {
                    span class=(if h.healthy { "ok" } else { "bad" }) { (h.state) }
                    @for reason in &h.reasons { br; small { (reason) } }
                }
            }
            td { (last.map_or(0, |r| r.drift.len())) }
            td {
                form method="post" action={ "/jobs/" (super::products::encode(&job.name)) "/run" } {
                    input type="hidden" name="csrf" value=(visit.csrf());
                    button type="submit" { (t.run_now) }
                }
            }
        }
    }
}

/// "Run now": the same path as `job run` over the admin API (`Ledger::run_job`), not
/// waiting behind a run already going.
pub(super) async fn run(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let t = visit.lang.text();
    let done = match console.office.run_job(&name, &RunRequest::default()).await {
        Ok(done) => done,
        Err(e) => return failure(&visit, t.run_refused, &e),
    };
    let run: serde_json::Value = serde_json::from_str(done.run.get()).unwrap_or_default();
    let record = &run["record"];
    let body = html! {
        p { (t.job) ": " strong { (name) } }
        p { (t.outcome) ": " strong.outcome { (record["outcome"].as_str().unwrap_or("?")) } }
        @if let Some(e) = record["error"].as_str() { p.error { (e) } }
        @if let Some(plan) = &done.plan_text { pre { (plan) } }
        p { a href="/" { (t.back) } }
    };
    layout::page(&visit, t.run_started, body).into_response()
}

/// A refusal or failure of the back office, in its own words with its status.
fn failure(visit: &Visit, title: &str, e: &crate::backoffice::BackofficeError) -> Response {
    let t = visit.lang.text();
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = html! { p.error { (e) } p { a href="/" { (t.back) } } };
    (status, layout::page(visit, title, body)).into_response()
}
