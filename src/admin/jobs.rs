//! Admin API route of `job run` while the daemon runs: `POST /v1/jobs/{name}/run`
//! (`?dry_run=true`, `since=`, `full=true`, `wait=true`). The daemon runs the job under
//! its guard; the answer is the run as `job run` prints it. Refusals: 404 no such job
//! (the message lists the jobs), 422 an option the job's kind does not take, 409 `busy`
//! (a run of the job is going and `wait` was not asked) or no daemon to run it, 500
//! `job_failed` (the job stopped before its record).

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};

use super::routes::{ApiResult, App, office};
use crate::backoffice::{JobRunDone, Ledger};
use crate::jobs::RunRequest;

pub(super) fn routes() -> Router<App> {
    Router::new().route("/jobs/{name}/run", post(run_job))
}

async fn run_job(
    State(app): State<App>,
    headers: HeaderMap,
    Path(name): Path<String>,
    Query(req): Query<RunRequest>,
) -> ApiResult<JobRunDone> {
    Ok(Json(office(&app, &headers).run_job(&name, &req).await?))
}
