//! `order_status_options/list` (prom-api.md §4.6, §10), read item by item: an entry may
//! lack its id or title, send its id as text or its name as a number; an entry with
//! nothing readable is skipped and noted. And the other form of `orders/set_status`, by
//! `custom_status_id` (§4.3, one weak source), for a seller's own status.

use serde::Serialize;
use serde_json::Value;

use super::lenient::{shown, whole};
use crate::domain::ShopStatus;

/// An entry of `order_status_options/list`.
pub type OrderStatusOption = ShopStatus;

/// The list and what could not be read of it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StatusOptionsRead {
    pub options: Vec<OrderStatusOption>,
    pub notes: Vec<String>,
}

/// Reads an answer of `order_status_options/list`; `Err` when it holds no list at all.
pub fn read_status_options(reply: &Value) -> Result<StatusOptionsRead, String> {
    let list = match reply.get("order_status_options") {
        Some(Value::Array(items)) => items.as_slice(),
        Some(Value::Null) => &[],
        Some(other) => {
            return Err(format!(
                "`order_status_options` is not a list ({})",
                shown(other)
            ));
        }
        None => {
            return Err(format!(
                "no `order_status_options` in the answer ({})",
                shown(reply)
            ));
        }
    };
    let mut out = StatusOptionsRead::default();
    for item in list {
        let Value::Object(m) = item else {
            out.notes.push(format!(
                "a status option skipped: not a JSON object ({})",
                shown(item)
            ));
            continue;
        };
        let text = |k: &str| match m.get(k) {
            Some(Value::String(s)) if !s.trim().is_empty() => Some(s.trim().to_string()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        let id = match m.get("id").map(whole) {
            None | Some(Ok(None)) => None,
            Some(Ok(Some(id))) => Some(id),
            Some(Err(why)) => {
                out.notes.push(format!(
                    "status option {}: id {} read as absent: {why}",
                    text("name").unwrap_or_default(),
                    shown(&m["id"])
                ));
                None
            }
        };
        let option = ShopStatus {
            id,
            name: text("name"),
            title: text("title"),
        };
        if option.code().is_none() && option.title.is_none() {
            out.notes.push(format!(
                "a status option skipped: no id, name or title ({})",
                shown(item)
            ));
            continue;
        }
        out.options.push(option);
    }
    Ok(out)
}

/// `orders/set_status` by a custom status's id instead of its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SetCustomStatus {
    pub custom_status_id: i64,
    pub ids: Vec<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_are_read_leniently() {
        let r = read_status_options(&json!({"order_status_options": [
            {"id": 1, "name": "received", "title": "Прийнято"},
            {"id": "1001", "name": "custom-1001", "title": "Чекає на передоплату"},
            {"name": "custom-5"},
            {"id": 77, "title": null},
            {"id": "x", "name": "paid", "title": 7},
            {"title": "  "},
            "odd"
        ]}))
        .unwrap();
        let codes: Vec<_> = r.options.iter().map(|o| o.code().unwrap()).collect();
        assert_eq!(
            codes,
            ["received", "custom-1001", "custom-5", "custom-77", "paid"]
        );
        assert_eq!(r.options[1].id, Some(1001));
        assert_eq!(r.options[4].title.as_deref(), Some("7"));
        assert_eq!(r.notes.len(), 3, "{:?}", r.notes);
        assert!(
            read_status_options(&json!({"order_status_options": null}))
                .unwrap()
                .options
                .is_empty()
        );
        assert!(read_status_options(&json!({"error": "nope"})).is_err());
        assert!(read_status_options(&json!({"order_status_options": {}})).is_err());
    }
}
