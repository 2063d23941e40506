//! The write calls' answers: table tests of the shapes Prom.ua (or a future Prom.ua) may
//! send, and property tests over any JSON and any bytes.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::prom::PromError;
use crate::prom::client::read_answer;

fn edit(reply: Value) -> EditResult {
    EditResult::read(&reply)
}

/// The answer as the client reads it, from the bytes of an HTTP 200.
fn through_client<T>(body: &[u8], read: impl Fn(&Value) -> T) -> Result<T, PromError> {
    read_answer("/products/edit", 200, None, body).map(|v| read(&v))
}

#[test]
fn an_answer_is_read_per_item() {
    let r = edit(
        json!({"processed_ids": [1, "2"], "errors": {"3": {"id": "Продукт не найден"},
        "4": {"external_id": ["Unknown field."]}}, "warnings": {}}),
    );
    assert_eq!(r.processed, vec![1, 2]);
    assert_eq!(r.errors[&3], "id: Продукт не найден");
    assert_eq!(r.errors[&4], "external_id: Unknown field.");
    assert_eq!((r.warnings, r.notes.len()), (None, 0));
}

#[test]
fn only_processed_and_unrefused_items_are_confirmed() {
    let r = edit(json!({"processed_ids": [1, 2], "errors": {"2": {"presence": "bad"}}}));
    assert_eq!(r.refusal(&1), None);
    assert_eq!(r.refusal(&2).as_deref(), Some("presence: bad"));
    assert!(
        r.refusal(&3)
            .unwrap()
            .contains("missing from processed_ids")
    );
}

#[test]
fn no_errors_in_any_shape_is_no_errors() {
    for errors in [None, Some(json!(null)), Some(json!([])), Some(json!({}))] {
        let mut reply = json!({"processed_ids": [5, 6], "warnings": null});
        if let Some(e) = &errors {
            reply["errors"] = e.clone();
        }
        let r = edit(reply);
        assert_eq!(r.processed, vec![5, 6], "{errors:?}");
        assert!(
            r.errors.is_empty() && r.notes.is_empty(),
            "{errors:?}: {r:?}"
        );
        assert_eq!((r.refusal(&5), r.refusal(&6)), (None, None), "{errors:?}");
    }
}

#[test]
fn no_processed_ids_in_any_shape_confirms_nothing_and_fails_nothing() {
    for processed in [None, Some(json!(null)), Some(json!([]))] {
        let mut reply = json!({"errors": null});
        if let Some(p) = &processed {
            reply["processed_ids"] = p.clone();
        }
        let r = edit(reply.clone());
        assert!(
            r.processed.is_empty() && r.notes.is_empty(),
            "{processed:?}"
        );
        assert!(
            r.refusal(&5)
                .unwrap()
                .contains("missing from processed_ids")
        );
        // Through the client too: an HTTP 200 in JSON is an answer, not an error.
        let body = serde_json::to_vec(&reply).unwrap();
        assert!(through_client(&body, EditResult::<i64>::read).is_ok());
    }
}

#[test]
fn prom_ids_come_as_numbers_or_text() {
    let r = edit(json!({"processed_ids": [1, "2", " 3 ", 4.0, "x", 5.5, null, {"id": 6}]}));
    assert_eq!(r.processed, vec![1, 2, 3, 4]);
    assert_eq!(r.notes.len(), 4, "{:?}", r.notes);
    assert!(r.notes[0].contains(r#"processed_ids holds "x" (not a number)"#));
    assert!(r.refusal(&6).is_some(), "an object names no id");
}

#[test]
fn external_ids_stay_text_as_sent() {
    let r: EditResult<String> = EditResult::read(&json!({"processed_ids": ["A", "007", 12, " B"],
        "errors": {"C": {"id": "Продукт не найден"}}, "warnings": {}}));
    assert_eq!(r.processed, ["A", "007", "12", " B"]);
    assert_eq!(r.errors["C"], "id: Продукт не найден");
    assert!(r.refusal(&"7".to_string()).is_some(), "007 is not 7");
    assert!(r.refusal(&"B".to_string()).is_some(), "not trimmed");
    assert_eq!(r.refusal(&"007".to_string()), None);
}

#[test]
fn errors_as_a_list_refuse_the_items_they_name_and_note_the_rest() {
    let r = edit(json!({"processed_ids": [3, 4, 5],
        "errors": [{"id": 3, "presence": "bad"}, {"id": "4", "quantity_in_stock": ["must be ≥ 0"]},
                   {"id": 3, "price": "too low"}, "general failure", {"message": "x"}, {"id": "z"}]}));
    assert_eq!(r.errors[&3], "presence: bad; price: too low");
    assert_eq!(r.errors[&4], "quantity_in_stock: must be ≥ 0");
    assert_eq!(
        r.refusal(&5),
        None,
        "only processed_ids confirms, and 5 is there"
    );
    assert_eq!(r.notes.len(), 3, "{:?}", r.notes);
    assert!(r.notes[0].contains("general failure") && r.notes[0].contains("naming no item"));
}

#[test]
fn an_error_naming_no_item_of_the_call_is_noted_not_applied() {
    let r = edit(json!({"processed_ids": [1], "errors": {"abc": {"id": "?"}, "": "x"}}));
    assert!(r.errors.is_empty());
    assert_eq!(r.refusal(&1), None);
    assert_eq!(r.notes.len(), 2, "{:?}", r.notes);
    let r = edit(json!({"processed_ids": [1], "errors": "Помилка"}));
    assert_eq!(r.refusal(&1), None);
    assert!(
        r.notes[0].contains("neither a map nor a list"),
        "{:?}",
        r.notes
    );
}

#[test]
fn an_empty_error_still_refuses_its_item() {
    for e in [json!(null), json!({}), json!(""), json!([])] {
        let r = edit(json!({"processed_ids": [1], "errors": {"1": e}}));
        assert_eq!(
            r.refusal(&1).as_deref(),
            Some("refused by Prom.ua without a reason"),
            "{e}"
        );
    }
}

#[test]
fn odd_answers_are_read_as_far_as_they_go() {
    let r = edit(json!({"processed_ids": 7, "errors": {"7": "no"}}));
    assert!(r.processed.is_empty());
    assert!(
        r.notes[0].contains("processed_ids is not a list"),
        "{:?}",
        r.notes
    );
    for odd in [json!([1, 2]), json!("ok"), json!(null), json!(17)] {
        let r = edit(odd.clone());
        assert!(r.processed.is_empty(), "{odd}");
        assert!(
            r.notes[0].contains("not a JSON object"),
            "{odd}: {:?}",
            r.notes
        );
    }
    for (w, want) in [
        (json!(null), None),
        (json!(""), None),
        (json!([]), None),
        (json!({}), None),
        (json!({"1": "price rounded"}), Some("1: price rounded")),
        (json!(["a", "b"]), Some("a; b")),
    ] {
        assert_eq!(
            edit(json!({"warnings": w})).warnings.as_deref(),
            want,
            "{w}"
        );
    }
}

#[test]
fn an_error_key_beside_processed_ids_is_a_note_not_a_failure() {
    let body = br#"{"processed_ids": [1, 2], "errors": null, "error": "partly failed"}"#;
    let r = through_client(body, EditResult::<i64>::read).unwrap();
    assert_eq!(r.processed, vec![1, 2]);
    assert!(r.notes[0].contains("partly failed"), "{:?}", r.notes);
    // Without processed ids, Prom applied nothing: the whole call failed, as before.
    for body in [
        r#"{"error": "Ожидается список товаров"}"#,
        r#"{"processed_ids": [], "error": "x"}"#,
    ] {
        assert!(matches!(
            through_client(body.as_bytes(), EditResult::<i64>::read),
            Err(PromError::Api { .. })
        ));
    }
    let not_json = through_client(b"<html>oops</html>", EditResult::<i64>::read).unwrap_err();
    assert!(
        matches!(not_json, PromError::Malformed { .. })
            && not_json.to_string().contains("/products/edit"),
        "{not_json}"
    );
}

#[test]
fn set_status_ids_come_as_numbers_or_text_and_null_is_none() {
    let r = SetStatusResult::read(&json!({"processed_ids": [101, "102", "x"]}));
    assert_eq!(r.processed, vec![101, 102]);
    assert_eq!((r.warning, r.notes.len()), (None, 1));
    for none in [
        json!({}),
        json!({"processed_ids": null}),
        json!({"processed_ids": []}),
    ] {
        let r = SetStatusResult::read(&none);
        assert!(r.processed.is_empty() && r.notes.is_empty(), "{none}");
    }
    let r = SetStatusResult::read(
        &json!({"processed_ids": null, "warning_message": "Статус не може бути встановлено"}),
    );
    assert_eq!(
        r.warning.as_deref(),
        Some("Статус не може бути встановлено")
    );
    let r = SetStatusResult::read(&json!({"processed_ids": [1], "warning_message": 42}));
    assert_eq!((r.processed, r.warning.as_deref()), (vec![1], Some("42")));
}

// ---- Properties ----

/// Any JSON value, a few levels deep.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| serde_json::Number::from_f64(f)
            .map(Value::Number)),
        "[ -~їЇєЄ]{0,12}".prop_map(Value::String),
        (-5i64..5).prop_map(|n| Value::String(n.to_string())),
    ];
    leaf.prop_recursive(3, 40, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_0-9]{0,8}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An edit or set_status answer: each key absent or any value, ids often id-like.
fn reply_shaped() -> impl Strategy<Value = Value> {
    let id = prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<i64>().prop_map(|n| Value::String(n.to_string())),
        json_value(),
    ];
    let processed = prop_oneof![
        prop::collection::vec(id, 0..8).prop_map(Value::Array),
        json_value(),
    ];
    let errors = prop_oneof![
        prop::collection::btree_map(prop_oneof!["[0-9]{1,4}", "[ -~]{0,6}"], json_value(), 0..5)
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        json_value(),
    ];
    (
        prop::option::of(processed),
        prop::option::of(errors),
        prop::option::of(json_value()),
        prop::option::of(json_value()),
    )
        .prop_map(|(p, e, w, m)| {
            let mut reply = serde_json::Map::new();
            for (k, v) in [
                ("processed_ids", p),
                ("errors", e),
                ("warnings", w.clone()),
                ("warning_message", m),
                ("error", w),
            ] {
                if let Some(v) = v {
                    reply.insert(k.to_string(), v);
                }
            }
            Value::Object(reply)
        })
}

/// The ids `processed_ids` holds that `Id` reads: what a result may confirm, at most.
fn readable<Id: ReplyId>(reply: &Value) -> Vec<Id> {
    reply
        .get("processed_ids")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| Id::from_reply(v).ok())
        .collect()
}

/// How an id may be written: as a number, as text, as text with spaces, as `n.0`.
fn written(id: i64, how: u8) -> Value {
    match how % 4 {
        0 => json!(id),
        1 => json!(id.to_string()),
        2 => json!(format!(" {id} ")),
        _ => json!(id as f64),
    }
}

/// "No errors" in each of its shapes; `None` leaves the key out.
fn no_errors(shape: u8) -> Option<Value> {
    [None, Some(json!(null)), Some(json!([])), Some(json!({}))][shape as usize % 4].clone()
}

/// "Nothing processed" in each of its shapes; `None` leaves the key out.
fn none_processed(shape: u8) -> Option<Value> {
    [None, Some(json!(null)), Some(json!([]))][shape as usize % 3].clone()
}

proptest! {
    #[test]
    fn any_answer_is_read_and_confirms_only_ids_it_lists(reply in reply_shaped()) {
        let r: EditResult = EditResult::read(&reply);
        prop_assert_eq!(&r.processed, &readable::<i64>(&reply));
        for id in r.processed.iter().chain(r.errors.keys()) {
            let confirmed = r.refusal(id).is_none();
            prop_assert_eq!(confirmed, r.processed.contains(id) && !r.errors.contains_key(id));
        }
        let by_ext: EditResult<String> = EditResult::read(&reply);
        prop_assert_eq!(&by_ext.processed, &readable::<String>(&reply));
        let set = SetStatusResult::read(&reply);
        prop_assert_eq!(&set.processed, &readable::<i64>(&reply));
    }

    #[test]
    fn any_json_value_is_read_without_panic(reply in json_value()) {
        let r: EditResult = EditResult::read(&reply);
        prop_assert_eq!(&r.processed, &readable::<i64>(&reply));
        let _: EditResult<String> = EditResult::read(&reply);
        let _ = SetStatusResult::read(&reply);
    }

    #[test]
    fn any_bytes_give_a_reply_or_a_clear_error(
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..64),
            (reply_shaped(), any::<prop::sample::Index>(), any::<u8>()).prop_map(|(r, at, b)| {
                // A well-shaped answer, cut short or with one byte changed.
                let mut bytes = serde_json::to_vec(&r).unwrap();
                let i = at.index(bytes.len().max(1));
                if b % 2 == 0 { bytes.truncate(i) } else if let Some(x) = bytes.get_mut(i) { *x = b }
                bytes
            }),
        ]
    ) {
        match through_client(&body, |v| (EditResult::<i64>::read(v), SetStatusResult::read(v))) {
            Ok(_) => {}
            Err(e @ (PromError::Malformed { .. } | PromError::Api { .. })) => {
                prop_assert!(e.to_string().contains("/products/edit"), "{}", e);
            }
            Err(e) => prop_assert!(false, "unexpected error kind: {e}"),
        }
    }

    /// Answers written in every shape the brief names read back as what they say.
    #[test]
    fn every_shape_of_an_answer_reads_as_what_it_says(
        processed in prop::collection::btree_set(1i64..1_000_000, 0..8),
        refused in prop::collection::btree_map(1i64..1_000_000, "[a-z ]{1,10}", 0..4),
        how in prop::collection::vec(any::<u8>(), 16),
        as_list in any::<bool>(),
        empty_shape in any::<u8>(),
    ) {
        let ids: Vec<Value> = processed.iter().zip(how.iter().cycle())
            .map(|(id, h)| written(*id, *h)).collect();
        let mut reply = json!({"warnings": {}});
        if processed.is_empty() {
            if let Some(v) = none_processed(empty_shape) { reply["processed_ids"] = v; }
        } else {
            reply["processed_ids"] = Value::Array(ids);
        }
        if refused.is_empty() {
            if let Some(v) = no_errors(empty_shape / 4) { reply["errors"] = v; }
        } else if as_list {
            reply["errors"] = refused.iter().zip(how.iter().rev().cycle())
                .map(|((id, m), h)| json!({"id": written(*id, *h), "presence": m}))
                .collect();
        } else {
            reply["errors"] = refused.iter()
                .map(|(id, m)| (id.to_string(), json!({"presence": [m]})))
                .collect::<serde_json::Map<_, _>>().into();
        }
        let r = through_client(&serde_json::to_vec(&reply).unwrap(), EditResult::<i64>::read)
            .unwrap();
        prop_assert!(r.notes.is_empty(), "{:?}", r.notes);
        prop_assert_eq!(r.processed.iter().copied().collect::<BTreeSet<_>>(), processed.clone());
        let want: BTreeMap<i64, String> = refused.iter()
            .map(|(id, m)| (*id, format!("presence: {m}"))).collect();
        prop_assert_eq!(&r.errors, &want);
        for id in &processed {
            prop_assert_eq!(r.refusal(id).is_none(), !refused.contains_key(id));
        }
    }

    #[test]
    fn external_ids_read_back_exactly(
        processed in prop::collection::vec("[ A-Za-z0-9_/-]{0,10}", 0..8),
        refused in prop::collection::btree_map("[ A-Za-z0-9_/-]{0,10}", "[a-z]{1,8}", 0..4),
    ) {
        let reply = json!({"processed_ids": processed, "errors": refused.iter()
            .map(|(k, m)| (k.clone(), json!({"id": m}))).collect::<serde_json::Map<_, _>>()});
        let r: EditResult<String> = EditResult::read(&reply);
        prop_assert_eq!(&r.processed, &processed);
        prop_assert_eq!(r.errors.keys().collect::<Vec<_>>(), refused.keys().collect::<Vec<_>>());
        prop_assert!(r.notes.is_empty());
    }

    #[test]
    fn set_status_reads_its_ids_in_any_writing(
        processed in prop::collection::vec(1i64..1_000_000, 0..8),
        how in prop::collection::vec(any::<u8>(), 8),
        warning in prop::option::of("[a-zа-я ]{1,20}"),
        empty_shape in any::<u8>(),
    ) {
        let mut reply = json!({});
        if processed.is_empty() {
            if let Some(v) = none_processed(empty_shape) { reply["processed_ids"] = v; }
        } else {
            reply["processed_ids"] = processed.iter().zip(how.iter().cycle())
                .map(|(id, h)| written(*id, *h)).collect();
        }
        if let Some(w) = &warning {
            reply["warning_message"] = json!(w);
        }
        let r = SetStatusResult::read(&reply);
        prop_assert_eq!(&r.processed, &processed);
        prop_assert_eq!(r.warning, warning.filter(|w| !w.trim().is_empty()));
        prop_assert!(r.notes.is_empty());
    }
}
