//! The Linking page's actions, each the ledger call of a `links` command, journalled as
//! the console's: link one (the gear or a SKU typed by hand: `links link`), link all at or
//! above a score (`links accept --min-score`), download the unlinked (`links
//! export-unlinked`), apply a filled-in mapping (`links apply`, all or nothing).

use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::products::encode;
use super::{Console, LangQuery, Visit, check_post, layout, to_login};
use crate::backoffice::{AcceptLinks, BackofficeError, Ledger, LinkRequest, parse_prom_id};
use crate::store::Actor;

#[derive(Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    prom_id: String,
    #[serde(default)]
    sku: String,
}

/// Links a Prom product to a local product by SKU, with `links link`'s checks (no force):
/// an unknown SKU, or a product linked to another live Prom product, is refused.
pub(super) async fn link(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(f): Form<LinkForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let prom_id = match parse_prom_id(&f.prom_id) {
        Ok(id) => id,
        Err(m) => return failure(&visit, &BackofficeError::Invalid(format!("prom_id: {m}"))),
    };
    let sku = f.sku.trim();
    if sku.is_empty() {
        let e = BackofficeError::Invalid("sku: type the SKU of a local product".into());
        return failure(&visit, &e);
    }
    let req = LinkRequest {
        prom_id,
        force: false,
    };
    match console
        .office
        .acting_as(Actor::Console)
        .link(sku, &req)
        .await
    {
        Ok(v) => {
            Redirect::to(&format!("/links?linked={prom_id}&sku={}", encode(&v.sku))).into_response()
        }
        Err(e) => failure(&visit, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct AcceptForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    min_score: String,
}

/// Links every suggestion at or above the score that is not ambiguous, as `links accept
/// --min-score X` does.
pub(super) async fn accept(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(f): Form<AcceptForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let min = match parse_score(&f.min_score) {
        Ok(m) => m,
        Err(e) => return failure(&visit, &e),
    };
    let req = AcceptLinks {
        min_score: Some(min),
        prom_ids: Vec::new(),
    };
    match console
        .office
        .acting_as(Actor::Console)
        .accept_links(&req)
        .await
    {
        Ok(made) => Redirect::to(&format!(
            "/links?made={}&min_score={}",
            made.len(),
            encode(&min.to_string())
        ))
        .into_response(),
        Err(e) => failure(&visit, &e),
    }
}

/// A score from 0 to 1, with a point or (as Ukrainian sellers type it) a comma.
fn parse_score(text: &str) -> Result<f64, BackofficeError> {
    let text = text.trim();
    match text.replace(',', ".").parse::<f64>() {
        Ok(x) if (0.0..=1.0).contains(&x) => Ok(x),
        _ => Err(BackofficeError::Invalid(format!(
            "min_score: `{text}` is not a score from 0 to 1 (e.g. 0.8)"
        ))),
    }
}

/// The CSV of the unlinked on both sides, as `links export-unlinked` writes it, to save.
pub(super) async fn export(State(console): State<Console>, headers: HeaderMap) -> Response {
    let visit = Visit::of(&console, &headers, &LangQuery::default());
    if visit.session.is_none() {
        return to_login();
    }
    match console.office.export_unlinked().await {
        Ok(text) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"unlinked.csv\"",
                ),
            ],
            text,
        )
            .into_response(),
        Err(e) => failure(&visit, &e),
    }
}

#[derive(Deserialize)]
pub(super) struct ApplyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

/// Applies a filled-in mapping as `links apply` does: every row checked first, and one
/// bad row refuses the file (the rows and reasons shown, nothing linked).
pub(super) async fn apply(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(f): Form<ApplyForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    // A browser sends a textarea's line breaks as CRLF: the file had one byte there.
    let size = f.csv.len() - f.csv.matches("\r\n").count();
    if size > console.csv_limit {
        let e = BackofficeError::TooLarge(format!(
            "the CSV holds {size} bytes, over the {} of `[admin] max_csv_body_mb`; nothing changed",
            console.csv_limit
        ));
        return failure(&visit, &e);
    }
    match console
        .office
        .acting_as(Actor::Console)
        .apply_links(f.csv.as_bytes())
        .await
    {
        Ok(r) => {
            Redirect::to(&format!("/links?applied={}&made={}", r.rows, r.updated)).into_response()
        }
        Err(e) => failure(&visit, &e),
    }
}

/// A refusal in words on the Linking page's frame: the status of the error (a file's
/// rows as a table of row, field and reason), nothing changed.
pub(super) fn failure(visit: &Visit, e: &BackofficeError) -> Response {
    let t = visit.lang.text();
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = match e {
        BackofficeError::Rows(rows) => html! {
            p.error #refused { (t.file_refused) " " (rows.summary()) }
            table #refused-rows {
                tr { th { (t.row) } th { (t.field) } th { (t.reason) } }
                @for r in rows.iter() {
                    tr.refused-row { td.row { (r.row) } td.field { (r.field) } td.reason { (r.message) } }
                }
            }
            p { a href="/links" { (t.back) } }
        },
        e => html! { p.error #refused { (e) } p { a href="/links" { (t.back) } } },
    };
    (status, layout::page(visit, t.links, body)).into_response()
}
