//! `orders/...` and `order_status_options/list`: listing with Prom's filters and both sort
//! directions, one order, and `set_status` accepting only what live Prom accepted, and a
//! seller's own status the shop lists (by name, or by `custom_status_id`).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use super::{Params, below, error, not_found_page};
use crate::domain::{CANCELLATION_REASONS, REASONS_NEEDING_TEXT};
use crate::sandbox::model::{self, SandboxOrder, StatusChange};
use crate::sandbox::status_options::{self as options, SandboxStatusOption};
use crate::sandbox::{CustomStatusForm, LastId, Sandbox};

/// An order as Prom.ua shows it: its `status_name` the shop's title for its status,
/// unless a test gave the order raw fields of its own.
fn shown(o: &SandboxOrder, statuses: &[SandboxStatusOption]) -> Value {
    let mut v = model::order_json(o);
    if !o.details.raw.contains_key("status_name") {
        v["status_name"] = json!(options::title_of(statuses, &o.status));
    }
    v
}

/// What `orders/set_status` accepts (live, only these were).
const SETTABLE_ORDER_STATUSES: [&str; 4] = ["received", "delivered", "paid", "canceled"];

pub(super) async fn list(State(sb): State<Sandbox>, Query(q): Query<Params>) -> Response {
    let (limit, last_id) = match (q.limit(&sb), q.int("last_id")) {
        (Ok(l), Ok(i)) => (l, i),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let dates = [
        "date_from",
        "date_to",
        "last_modified_from",
        "last_modified_to",
    ]
    .map(|k| q.date(k));
    if dates.iter().any(Result::is_err) {
        return Json(json!({"orders": []})).into_response();
    }
    let [date_from, date_to, modified_from, modified_to] = dates.map(|d| d.unwrap_or(None));
    let ascending = q.0.get("sort_dir").is_some_and(|d| d == "asc");
    let status = q.0.get("status").cloned();
    let st = sb.lock();
    let matches = |o: &&SandboxOrder| {
        status.as_ref().is_none_or(|s| &o.status == s)
            && date_from.is_none_or(|t| o.date_created >= t)
            && date_to.is_none_or(|t| o.date_created <= t)
            && modified_from.is_none_or(|t| o.date_modified >= t)
            && modified_to.is_none_or(|t| o.date_modified <= t)
    };
    let orders: Vec<Value> = if ascending {
        st.orders
            .values()
            .filter(matches)
            .filter(|o| {
                last_id.is_none_or(|l| {
                    if sb.options.last_id == LastId::Inclusive {
                        o.id >= l
                    } else {
                        o.id > l
                    }
                })
            })
            .take(limit)
            .map(|o| shown(o, &st.status_options))
            .collect()
    } else {
        st.orders
            .values()
            .rev()
            .filter(matches)
            .filter(|o| below(o.id, last_id, sb.options.last_id))
            .take(limit)
            .map(|o| shown(o, &st.status_options))
            .collect()
    };
    Json(json!({ "orders": orders })).into_response()
}

pub(super) async fn get(State(sb): State<Sandbox>, Path(id): Path<String>) -> Response {
    let st = sb.lock();
    match id.parse::<i64>().ok().and_then(|id| st.orders.get(&id)) {
        Some(o) => Json(json!({"order": shown(o, &st.status_options)})).into_response(),
        None => not_found_page(),
    }
}

/// Accepts only what live Prom accepted, and a seller's own status the shop lists (by
/// name or by `custom_status_id`, as the `custom_status_form` quirk allows); refused ids
/// are left out of `processed_ids`, still with HTTP 200.
pub(super) async fn set_status(State(sb): State<Sandbox>, body: Bytes) -> Response {
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(&body) else {
        return error("Invalid request body");
    };
    let sent = req
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let custom_id = req.get("custom_status_id").and_then(|v| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
    });
    let reason = req.get("cancellation_reason").and_then(Value::as_str);
    let text = req
        .get("cancellation_text")
        .and_then(Value::as_str)
        .filter(|t| !t.trim().is_empty());
    let ids: Vec<i64> = req
        .get("ids")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_i64).collect())
        .unwrap_or_default();
    let mut st = sb.lock();
    let form = st.quirks.custom_status_form;
    // A seller's own status: by id unless only names are taken (then the id is an
    // unknown field, ignored), by name unless only ids are.
    let by_id = custom_id.filter(|_| form != CustomStatusForm::NameOnly);
    let by_name = Some(sent.as_str()).filter(|_| form != CustomStatusForm::IdOnly);
    let own = options::custom(&st.status_options, by_name, by_id).cloned();
    let status = match (&own, by_id) {
        (Some(o), _) => o.name.clone(),
        (None, Some(id)) => id.to_string(),
        (None, None) => sent,
    };
    let refusal = if own.is_some() {
        None
    } else if !SETTABLE_ORDER_STATUSES.contains(&status.as_str()) {
        Some(format!("Статус {status} не може бути встановлено"))
    } else if status == "canceled" {
        match reason {
            None => Some("Не вказано причину скасування".to_string()),
            Some(r) if !CANCELLATION_REASONS.contains(&r) => Some(format!("Невідома причина {r}")),
            Some(r) if REASONS_NEEDING_TEXT.contains(&r) && text.is_none() => {
                Some("Потрібен текст причини скасування".to_string())
            }
            _ => None,
        }
    } else {
        None
    };
    if let Some(message) = refusal {
        return Json(json!({"processed_ids": [], "warning_message": message})).into_response();
    }
    let now = Utc::now();
    let mut processed = Vec::new();
    let mut changes = Vec::new();
    for id in ids {
        if let Some(o) = st.orders.get_mut(&id) {
            if o.status != status {
                changes.push(StatusChange {
                    order_id: id,
                    from: o.status.clone(),
                    to: status.clone(),
                    at: now,
                });
            }
            o.status = status.clone();
            o.cancellation_reason = if status == "canceled" {
                reason.map(str::to_string)
            } else {
                None
            };
            o.date_modified = now;
            processed.push(id);
        }
    }
    st.status_changes.extend(changes);
    Json(json!({ "processed_ids": processed })).into_response()
}

pub(super) async fn status_options(State(sb): State<Sandbox>) -> Response {
    if sb.quirks().status_options_missing {
        return not_found_page();
    }
    let options = sb.status_options();
    Json(json!({ "order_status_options": options })).into_response()
}
