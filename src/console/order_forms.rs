//! The order page's forms: change the local status (`Ledger::set_order_status`, checked
//! as `orders set-status` checks it, never forced) and link an unlinked line to a local
//! SKU (`Ledger::link_order_line`, as `orders link-line`). Done: back to the order's page
//! (303). Refused: the page with the refusal in words, its status 4xx, nothing changed.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::order_page::{answer, order_id};
use super::{Console, check_post};
use crate::backoffice::{BackofficeError, Ledger, OrderLineLink, OrderStatusSet};
use crate::store::Actor;

#[derive(Deserialize)]
pub(super) struct StatusForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    status: String,
}

pub(super) async fn set_status(
    State(console): State<Console>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let req = OrderStatusSet {
        status: f.status,
        force: false,
    };
    let done = async {
        let prom_id = order_id(&id)?;
        let view = console
            .office
            .acting_as(Actor::Console)
            .set_order_status(prom_id, &req)
            .await?;
        for w in &view.warnings {
            tracing::warn!(
                "order {prom_id} set to `{}` in the console: {w}",
                view.status
            );
        }
        Ok::<_, BackofficeError>(prom_id)
    }
    .await;
    match done {
        Ok(prom_id) => to_order(prom_id),
        Err(e) => answer(&console, &visit, &id, Some(&e)).await,
    }
}

#[derive(Deserialize)]
pub(super) struct LinkForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    sku: String,
}

pub(super) async fn link_line(
    State(console): State<Console>,
    headers: HeaderMap,
    Path((id, line)): Path<(String, String)>,
    Form(f): Form<LinkForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    let done = async {
        let prom_id = order_id(&id)?;
        let n: usize = line
            .parse()
            .map_err(|_| BackofficeError::Invalid(format!("order {prom_id} has no line {line}")))?;
        let req = OrderLineLink { sku: f.sku };
        let linked = console
            .office
            .acting_as(Actor::Console)
            .link_order_line(prom_id, n, &req)
            .await?;
        for w in &linked.order.warnings {
            tracing::warn!(
                "order {prom_id} line {n} linked to {} in the console: {w}",
                req.sku.trim()
            );
        }
        Ok::<_, BackofficeError>(prom_id)
    }
    .await;
    match done {
        Ok(prom_id) => to_order(prom_id),
        Err(e) => answer(&console, &visit, &id, Some(&e)).await,
    }
}

fn to_order(prom_id: i64) -> Response {
    Redirect::to(&format!("/orders/{prom_id}")).into_response()
}
