//! The answers of the write calls (`products/edit`, `products/edit_by_external_id`,
//! `orders/set_status`), read leniently. Prom.ua answers them with HTTP 200 once it has
//! applied what it could, so failing the whole answer would throw away confirmations of
//! writes that happened. An answer is therefore never refused: whatever can be read is
//! taken (`processed_ids` of numbers or text, `errors` as a map keyed by id or as a list,
//! `null`, `[]` and `{}` as none), and the rest is named in `notes`. Nothing unreadable
//! ever confirms an item: only an id read from `processed_ids` does.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::lenient::{shown, whole};

/// An id of the items of a write call, as its answer names them.
pub trait ReplyId: Ord + Sized {
    /// An id in `processed_ids` (or in the `id` of an `errors` list item).
    fn from_reply(v: &Value) -> Result<Self, &'static str>;
    /// An id as a key of the `errors` map.
    fn from_key(k: &str) -> Result<Self, &'static str>;
}

/// Prom ids (`products/edit`, `orders/set_status`): `7` or `"7"`.
impl ReplyId for i64 {
    fn from_reply(v: &Value) -> Result<Self, &'static str> {
        whole(v)?.ok_or("not an id")
    }

    fn from_key(k: &str) -> Result<Self, &'static str> {
        Self::from_reply(&Value::String(k.to_string()))
    }
}

/// External ids (`products/edit_by_external_id`): text naming the seller's own ids, kept
/// exactly as sent, never trimmed or read as a number (`"007"` is not `"7"`). A number
/// is read as its text, in case Prom.ua echoes a numeric external id unquoted.
impl ReplyId for String {
    fn from_reply(v: &Value) -> Result<Self, &'static str> {
        match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err("not an external id"),
        }
    }

    fn from_key(k: &str) -> Result<Self, &'static str> {
        Ok(k.to_string())
    }
}

/// An edit read per item: success only via `processed_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditResult<Id = i64> {
    pub processed: Vec<Id>,
    /// id → reason, e.g. `quantity_in_stock: must be ≥ 0`.
    pub errors: BTreeMap<Id, String>,
    /// Whatever Prom.ua put in `warnings`, if anything.
    pub warnings: Option<String>,
    /// Parts of the answer that could not be read or tied to an item (an id that is not
    /// one, an error naming no item): they confirm nothing and fail nothing.
    pub notes: Vec<String>,
}

impl<Id> Default for EditResult<Id> {
    fn default() -> Self {
        Self {
            processed: Vec::new(),
            errors: BTreeMap::new(),
            warnings: None,
            notes: Vec::new(),
        }
    }
}

impl<Id: ReplyId> EditResult<Id> {
    /// Reads an edit answer (any JSON): never fails, see the module's doc.
    pub fn read(reply: &Value) -> Self {
        let mut out = Self::default();
        let Value::Object(m) = reply else {
            out.notes.push(format!(
                "the answer is not a JSON object ({}): it confirms nothing",
                shown(reply)
            ));
            return out;
        };
        out.processed = processed_ids(m.get("processed_ids"), &mut out.notes);
        out.errors = errors(m.get("errors"), &mut out.notes);
        out.warnings = m.get("warnings").and_then(text_if_any);
        out.notes.extend(also_an_error(m));
        out
    }
}

impl<Id: Ord> EditResult<Id> {
    /// Why Prom.ua did not confirm `id`, or `None` when it did. An item is confirmed only
    /// when it is in `processed_ids` and not in `errors` (HTTP 200 alone proves nothing).
    pub fn refusal(&self, id: &Id) -> Option<String> {
        if let Some(reason) = self.errors.get(id) {
            return Some(reason.clone());
        }
        if self.processed.contains(id) {
            None
        } else {
            Some("not confirmed by Prom.ua (missing from processed_ids)".into())
        }
    }
}

/// What `orders/set_status` confirmed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SetStatusResult {
    /// Only these orders changed: HTTP 200 proves nothing.
    pub processed: Vec<i64>,
    /// `warning_message`, as Prom.ua wrote it (a refusal comes with one).
    pub warning: Option<String>,
    /// Parts of the answer that could not be read; they confirm nothing.
    pub notes: Vec<String>,
}

impl SetStatusResult {
    /// Reads a `set_status` answer (any JSON): `processed_ids` of numbers or text, `null`
    /// or missing for none. Never fails.
    pub fn read(reply: &Value) -> Self {
        let mut out = Self::default();
        let Value::Object(m) = reply else {
            out.notes.push(format!(
                "the answer is not a JSON object ({}): it confirms nothing",
                shown(reply)
            ));
            return out;
        };
        out.processed = processed_ids(m.get("processed_ids"), &mut out.notes);
        out.warning = m.get("warning_message").and_then(text_if_any);
        out.notes.extend(also_an_error(m));
        out
    }
}

/// `processed_ids`: a list of ids; `null` or missing is none. What is not an id is noted
/// and confirms nothing.
fn processed_ids<Id: ReplyId>(v: Option<&Value>, notes: &mut Vec<String>) -> Vec<Id> {
    match v {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(ids)) => ids
            .iter()
            .filter_map(|v| {
                Id::from_reply(v)
                    .map_err(|why| {
                        notes.push(format!(
                            "processed_ids holds {} ({why}): it confirms nothing",
                            shown(v)
                        ));
                    })
                    .ok()
            })
            .collect(),
        Some(other) => {
            notes.push(format!(
                "processed_ids is not a list ({}): read as nothing processed",
                shown(other)
            ));
            Vec::new()
        }
    }
}

/// `errors`: a map keyed by id (as Prom's typed clients have it) or a list of objects
/// with an `id`; `null`, `[]`, `{}` or missing is none. An error naming no item we can
/// read is noted: it cannot refuse an item, and `processed_ids` alone confirms one.
fn errors<Id: ReplyId>(v: Option<&Value>, notes: &mut Vec<String>) -> BTreeMap<Id, String> {
    let mut out: BTreeMap<Id, String> = BTreeMap::new();
    let mut add = |id: Id, why: String| {
        out.entry(id)
            .and_modify(|r| {
                r.push_str("; ");
                r.push_str(&why);
            })
            .or_insert(why);
    };
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(by_id)) => {
            for (k, v) in by_id {
                match Id::from_key(k) {
                    Ok(id) => add(id, reason(v)),
                    Err(why) => notes.push(format!(
                        "errors names {k:?} ({why}), no item of this call: {}",
                        reason(v)
                    )),
                }
            }
        }
        Some(Value::Array(list)) => {
            for item in list {
                let Some((fields, id)) =
                    item.as_object().and_then(|o| o.get("id").map(|id| (o, id)))
                else {
                    notes.push(format!("errors holds {}, naming no item", reason(item)));
                    continue;
                };
                let rest: Map<String, Value> = fields
                    .iter()
                    .filter(|(k, _)| *k != "id")
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect();
                match Id::from_reply(id) {
                    Ok(id) => add(id, reason(&Value::Object(rest))),
                    Err(why) => notes.push(format!(
                        "errors holds an item with id {} ({why}): {}",
                        shown(id),
                        reason(&Value::Object(rest))
                    )),
                }
            }
        }
        Some(other) => notes.push(format!(
            "errors is neither a map nor a list: {}",
            shown(other)
        )),
    }
    out
}

/// A top-level `error` beside processed ids (the client lets such an answer through:
/// Prom.ua applied something), kept as a note.
fn also_an_error(m: &Map<String, Value>) -> Option<String> {
    m.get("error")
        .filter(|e| !e.is_null())
        .map(|e| format!("Prom.ua also answered with an error: {}", reason(e)))
}

/// Text of a value that says something; `None` for `null`, `""`, `[]` and `{}`.
fn text_if_any(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) if s.trim().is_empty() => None,
        Value::Object(m) if m.is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        other => Some(reason(other)),
    }
}

/// Flattens `{"field": "msg"}` or `{"field": ["msg", ...]}` into `field: msg`. An error
/// with nothing in it still refuses its item, and says so.
pub(crate) fn reason(v: &Value) -> String {
    fn text(v: &Value) -> String {
        match v {
            Value::String(s) => s.clone(),
            Value::Array(a) => a.iter().map(text).collect::<Vec<_>>().join("; "),
            other => other.to_string(),
        }
    }
    let out = match v {
        Value::Object(m) if !m.is_empty() => m
            .iter()
            .map(|(k, v)| format!("{k}: {}", text(v)))
            .collect::<Vec<_>>()
            .join("; "),
        Value::Object(_) | Value::Null => String::new(),
        other => text(other),
    };
    if out.trim().is_empty() {
        "refused by Prom.ua without a reason".into()
    } else {
        out
    }
}

#[cfg(test)]
#[path = "reply_tests.rs"]
mod tests;
