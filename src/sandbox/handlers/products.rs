//! `products/...` and `groups/list`: listing by cursor and group, one product by id or
//! external id, and the two edit calls with Prom's per-item validation.

use std::collections::BTreeMap;
use std::ops::Bound;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Value, json};

use super::{Params, below, error, not_found_page, price_fields};
use crate::domain::PRESENCES;
use crate::sandbox::model::{self, ROOT_GROUP_ID, SandboxGroup, SandboxProduct};
use crate::sandbox::{DefaultListing, LastId, Sandbox, State as Held};

/// Fields the edit calls accept.
const WRITABLE: [&str; 11] = [
    "id",
    "presence",
    "presence_sure",
    "price",
    "prices",
    "discount",
    "name",
    "keywords",
    "description",
    "status",
    "quantity_in_stock",
];
/// The `presence` values an edit may set.
/// The product `status` values an edit may set.
const WRITABLE_STATUSES: [&str; 4] = ["on_display", "draft", "deleted", "not_on_display"];

pub(super) async fn list(State(sb): State<Sandbox>, Query(q): Query<Params>) -> Response {
    let (limit, last_id, group_id) = match (q.limit(&sb), q.int("last_id"), q.int("group_id")) {
        (Ok(l), Ok(i), Ok(g)) => (l, i, g),
        (Err(e), ..) | (_, Err(e), _) | (.., Err(e)) => return e.into_response(),
    };
    // A date Prom would not read matches nothing, as on the orders list.
    let modified_from = q.date("last_modified_from");
    let mut st = sb.lock();
    let quirks = st.quirks;
    let limit = quirks.page_cap.map_or(limit, |cap| limit.min(cap.max(1)));
    if let Some(g) = group_id
        && g != ROOT_GROUP_ID
        && g != 0
        && (!st.groups.contains_key(&g) || quirks.refuse_group == Some(g))
    {
        return error("Group not found");
    }
    // From the cursor down, not from the top: a page costs what it shows, so a bench of a
    // large catalogue times the client rather than the sandbox.
    let top = last_id.map_or(Bound::Unbounded, |l| match sb.options.last_id {
        LastId::Exclusive => Bound::Excluded(l),
        LastId::Inclusive => Bound::Included(l),
    });
    let in_listing = |p: &SandboxProduct| match (group_id, sb.options.default_listing) {
        // `group_id=0` is read as the root, as one client used it.
        (Some(0), _) => p.group_id == ROOT_GROUP_ID,
        (Some(g), _) => p.group_id == g,
        (None, DefaultListing::RootOnly) => p.group_id == ROOT_GROUP_ID,
        (None, DefaultListing::All) => true,
    };
    // A cap cuts the listing itself: ids below its `cap` highest are on no page of it.
    let floor = match (group_id, quirks.default_listing_cap) {
        (None, Some(0)) => i64::MAX,
        (None, Some(cap)) => st
            .products
            .values()
            .rev()
            .filter(|p| in_listing(p))
            .nth(cap - 1)
            .map_or(i64::MIN, |p| p.id),
        _ => i64::MIN,
    };
    let shown: Vec<&SandboxProduct> = st
        .products
        .range((Bound::Unbounded, top))
        .map(|(_, p)| p)
        .rev()
        .filter(|p| in_listing(p) && p.id >= floor)
        .filter(|p| below(p.id, last_id, sb.options.last_id))
        .filter(|p| match &modified_from {
            Ok(None) => true,
            Ok(Some(t)) => st.modified.get(&p.id).is_some_and(|m| m >= t),
            Err(()) => false,
        })
        .take(limit)
        .collect();
    let products: Vec<Value> = shown.iter().map(|p| render(&st, p)).collect();
    let ids: Vec<i64> = shown.iter().map(|p| p.id).collect();
    for id in ids {
        *st.listed.entry(id).or_default() += 1;
    }
    Json(json!({"group_id": group_id.unwrap_or(ROOT_GROUP_ID), "products": products}))
        .into_response()
}

/// A product in Prom.ua's JSON, with the fields set raw over it.
fn render(st: &Held, p: &SandboxProduct) -> Value {
    let mut v = model::product_json(p, &group_name(&st.groups, p.group_id));
    if let (Some(raw), Value::Object(m)) = (st.raw_fields.get(&p.id), &mut v) {
        m.extend(raw.clone());
    }
    v
}

fn group_name(groups: &BTreeMap<i64, SandboxGroup>, id: i64) -> String {
    groups
        .get(&id)
        .map_or_else(|| "Коренева група".to_string(), |g| g.name.clone())
}

pub(super) async fn get(State(sb): State<Sandbox>, Path(id): Path<String>) -> Response {
    let st = sb.lock();
    let found = id.parse::<i64>().ok().and_then(|id| st.products.get(&id));
    product_or_404(&st, found)
}

pub(super) async fn get_by_external_id(
    State(sb): State<Sandbox>,
    Path(ext): Path<String>,
) -> Response {
    let st = sb.lock();
    let found = st
        .products
        .values()
        .find(|p| p.external_id.as_deref() == Some(ext.as_str()));
    product_or_404(&st, found)
}

/// `{"product": ...}`, or Prom's HTML 404 when there is none.
fn product_or_404(st: &Held, found: Option<&SandboxProduct>) -> Response {
    match found {
        Some(p) => Json(json!({"product": render(st, p)})).into_response(),
        None => not_found_page(),
    }
}

pub(super) async fn edit_by_id(State(sb): State<Sandbox>, body: Bytes) -> Response {
    edit(&sb, &body, false)
}

pub(super) async fn edit_by_external_id(State(sb): State<Sandbox>, body: Bytes) -> Response {
    edit(&sb, &body, true)
}

/// Both edit calls: a bare array only; items processed one by one; success only in
/// `processed_ids` (ints, or external-id strings), failures in `errors` keyed by id text.
fn edit(sb: &Sandbox, body: &[u8], by_external_id: bool) -> Response {
    let Ok(Value::Array(items)) = serde_json::from_slice::<Value>(body) else {
        return error("Ожидается список товаров");
    };
    if items.len() > sb.options.max_batch {
        return error(&format!(
            "Не більше {} товарів за запит",
            sb.options.max_batch
        ));
    }
    let mut st = sb.lock();
    let mut processed = Vec::new();
    let mut errors: BTreeMap<String, Value> = BTreeMap::new();
    for item in items {
        let Some(obj) = item.as_object() else {
            errors.insert(item.to_string(), json!({"id": "Ожидается объект товара"}));
            continue;
        };
        let key = match obj.get("id") {
            Some(Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
            None => "null".into(),
        };
        let target = if by_external_id {
            obj.get("id")
                .and_then(Value::as_str)
                .and_then(|ext| {
                    st.products
                        .values()
                        .find(|p| p.external_id.as_deref() == Some(ext))
                })
                .map(|p| p.id)
        } else {
            obj.get("id")
                .and_then(Value::as_i64)
                .filter(|id| st.products.contains_key(id))
        };
        let Some(id) = target else {
            errors.insert(key, json!({"id": "Продукт не найден"}));
            continue;
        };
        let mut field_errors = serde_json::Map::new();
        for (k, v) in obj {
            if !WRITABLE.contains(&k.as_str()) {
                field_errors.insert(k.clone(), json!(["Unknown field."]));
                continue;
            }
            let price = st
                .products
                .get(&id)
                .map(|p| price_fields::price_of(obj, p.price));
            if let Some(why) = price_fields::refusal(k, v, price) {
                field_errors.insert(k.clone(), json!(why));
                continue;
            }
            let bad = match k.as_str() {
                "presence" => !v.as_str().is_some_and(|s| PRESENCES.contains(&s)),
                "status" => !v.as_str().is_some_and(|s| WRITABLE_STATUSES.contains(&s)),
                // Lenient as Prom may be about null; a string or number is refused.
                "presence_sure" => !(v.is_boolean() || v.is_null()),
                "quantity_in_stock" => !(v.is_null() || v.as_i64().is_some_and(|q| q >= 0)),
                "price" => !v.as_f64().is_some_and(|p| p >= 0.0),
                "name" => !v
                    .as_str()
                    .is_some_and(|s| !s.is_empty() && s.chars().count() <= 110),
                _ => false,
            };
            if bad {
                field_errors.insert(k.clone(), json!(format!("Недопустиме значення: {v}")));
            }
        }
        for (k, msg) in st.field_rejections.range((id, String::new())..) {
            if k.0 == id && obj.contains_key(&k.1) {
                field_errors.insert(k.1.clone(), json!(msg));
            }
        }
        if let Some(msg) = st.rejections.get(&id) {
            field_errors.insert("quantity_in_stock".into(), json!(msg));
        }
        if !field_errors.is_empty() {
            errors.insert(key, Value::Object(field_errors));
            continue;
        }
        // With the quirk, `products/edit` confirms a quantity it does not apply.
        let takes_quantity = by_external_id || !st.quirks.edit_ignores_quantity;
        let takes_price = !st.quirks.edit_ignores_price;
        let takes_status = !st.quirks.edit_ignores_status;
        let p = st.products.get_mut(&id).expect("found above");
        if let Some(v) = obj.get("presence").and_then(Value::as_str) {
            p.presence = v.to_string();
        }
        if let Some(v) = obj.get("status").and_then(Value::as_str)
            && takes_status
        {
            p.status = v.to_string();
        }
        if let Some(v) = obj.get("quantity_in_stock")
            && takes_quantity
        {
            p.quantity_in_stock = v.as_i64();
        }
        if let Some(v) = obj
            .get("price")
            .filter(|_| takes_price)
            .and_then(|v| v.to_string().parse::<Decimal>().ok())
        {
            p.price = v;
        }
        if let Some(v) = obj.get("name").and_then(Value::as_str) {
            p.name = v.to_string();
        }
        if let Some(raw) = st.raw_fields.get_mut(&id) {
            raw.retain(|k, _| !obj.contains_key(k));
        }
        if price_fields::FIELDS.iter().any(|k| obj.contains_key(*k)) {
            price_fields::keep(st.raw_fields.entry(id).or_default(), obj);
        }
        st.modified.insert(id, chrono::Utc::now());
        processed.push(if by_external_id {
            json!(key)
        } else {
            json!(id)
        });
    }
    Json(json!({"processed_ids": processed, "errors": errors, "warnings": {}})).into_response()
}

pub(super) async fn list_groups(State(sb): State<Sandbox>, Query(q): Query<Params>) -> Response {
    let (limit, last_id) = match (q.limit(&sb), q.int("last_id")) {
        (Ok(l), Ok(i)) => (l, i),
        (Err(e), _) | (_, Err(e)) => return e.into_response(),
    };
    let st = sb.lock();
    let groups: Vec<Value> = st
        .groups
        .values()
        .rev()
        .filter(|g| below(g.id, last_id, sb.options.last_id))
        .take(limit)
        .map(model::group_json)
        .collect();
    Json(json!({ "groups": groups })).into_response()
}
