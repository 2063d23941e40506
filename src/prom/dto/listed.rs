//! Lists read item by item. Prom.ua promises little about its JSON, and one item this
//! program cannot read (an order whose id is `"abc"`) must not cost the rest of the page:
//! it is skipped and named in a note, and the page counts it, so a walk can tell a page
//! of unreadable items from the end of the listing.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::lenient::shown;

/// An entity Prom.ua sends in lists (and alone, in an envelope).
pub(crate) trait ListItem: DeserializeOwned {
    /// What one item is called in notes, with its article ("an order").
    const WHAT: &'static str;
    /// The same in the plural ("orders").
    const WHAT_PLURAL: &'static str;

    /// What is worth noting about an item that was read: a field it needs read as absent.
    fn notes(_raw: &Value) -> Vec<String> {
        Vec::new()
    }
}

/// One entity read, with its notes, or why it cannot be read.
pub(crate) fn read_one<T: ListItem>(raw: Value) -> Result<(T, Vec<String>), String> {
    let id = match raw.as_object().map(|o| o.get("id")) {
        None => {
            return Err(format!(
                "{} skipped: not a JSON object ({})",
                T::WHAT,
                shown(&raw)
            ));
        }
        Some(None) => return Err(format!("{} skipped: it has no id", T::WHAT)),
        Some(Some(id)) => shown(id),
    };
    let notes = T::notes(&raw);
    serde_json::from_value::<T>(raw)
        .map(|item| (item, notes))
        .map_err(|e| format!("{} with id {id} skipped: {e}", T::WHAT))
}

/// A list as read: the items that could be read, how many could not, and notes naming
/// each skipped item and each odd field of the items read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Listed<T> {
    pub items: Vec<T>,
    pub skipped: usize,
    pub notes: Vec<String>,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            skipped: 0,
            notes: Vec::new(),
        }
    }
}

/// `null` is an empty list; anything but a list or `null` fails the page: reading it as
/// empty would end a walk as if the listing were done.
impl<'de, T: ListItem> Deserialize<'de> for Listed<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Self::default()),
            Value::Array(raw) => {
                let mut out = Self::default();
                for item in raw {
                    match read_one::<T>(item) {
                        Ok((item, notes)) => {
                            out.items.push(item);
                            out.notes.extend(notes);
                        }
                        Err(note) => {
                            out.skipped += 1;
                            out.notes.push(note);
                        }
                    }
                }
                Ok(out)
            }
            other => Err(serde::de::Error::custom(format!(
                "a list of {} was expected, not {}",
                T::WHAT_PLURAL,
                shown(&other)
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{GroupsPage, Order, ProductsPage};
    use super::*;
    use crate::prom::dto::OrdersPage;

    #[test]
    fn ids_as_text_are_read_and_an_item_without_a_readable_id_is_skipped_and_named() {
        let page: ProductsPage = serde_json::from_str(
            r#"{"group_id": "9", "products": [{"id": "30"}, {"id": "abc", "name": "x"},
                {"id": 20.0}, "not an object", {"name": "no id"}, {"id": 10}]}"#,
        )
        .unwrap();
        let ids: Vec<i64> = page.products.iter().map(|p| p.id).collect();
        assert_eq!(
            (ids, page.group_id, page.skipped),
            (vec![30, 20, 10], Some(9), 3)
        );
        assert!(
            page.notes[0].contains(r#"a product with id "abc" skipped"#)
                && page.notes[0].contains("not a number"),
            "{:?}",
            page.notes
        );
        assert!(
            page.notes[1].contains("a product skipped: not a JSON object"),
            "{:?}",
            page.notes
        );
        assert!(
            page.notes[2].contains("a product skipped: it has no id"),
            "{:?}",
            page.notes
        );

        let groups: GroupsPage = serde_json::from_str(
            r#"{"groups": [{"id": "7", "parent_group_id": "1"}, {"id": "x"}, {"id": 5, "parent_group_id": "root"}]}"#,
        )
        .unwrap();
        let read: Vec<(i64, Option<i64>)> = groups
            .groups
            .iter()
            .map(|g| (g.id, g.parent_group_id))
            .collect();
        assert_eq!(read, vec![(7, Some(1)), (5, None)]);
        assert_eq!(groups.skipped, 1);
    }

    #[test]
    fn orders_read_their_ids_leniently_and_a_line_without_a_product_id_is_noted() {
        let page: OrdersPage = serde_json::from_str(
            r##"{"orders": [
                {"id": "102", "client_id": "55", "delivery_option": {"id": "3"},
                 "products": [{"id": "7001", "sku": 12345, "external_id": 99, "quantity": "2"},
                              {"id": "N/A", "sku": "B-2", "quantity": 1}]},
                {"id": "#101", "products": []},
                {"id": 100, "products": null}
            ]}"##,
        )
        .unwrap();
        let orders = &page.orders.items;
        assert_eq!(orders.iter().map(|o| o.id).collect::<Vec<_>>(), [102, 100]);
        let o = &orders[0];
        assert_eq!(o.client_id, Some(55));
        assert_eq!(o.delivery_option.as_ref().unwrap().id, Some(3));
        assert_eq!(o.products[0].id, Some(7001));
        assert_eq!(o.products[0].sku.as_deref(), Some("12345"));
        assert_eq!(o.products[0].external_id.as_deref(), Some("99"));
        assert_eq!(
            (o.products[1].id, o.products[1].sku.as_deref()),
            (None, Some("B-2"))
        );
        assert_eq!(page.orders.skipped, 1);
        let notes = page.orders.notes.join("\n");
        assert!(
            notes.contains(r#"order 102 line 2: product id "N/A""#)
                && notes.contains(r##"an order with id "#101" skipped"##),
            "{notes}"
        );
    }

    #[test]
    fn a_list_that_is_null_is_empty_and_one_that_is_not_a_list_fails_the_page() {
        let page: ProductsPage = serde_json::from_str(r#"{"products": null}"#).unwrap();
        assert_eq!((page.products.len(), page.skipped), (0, 0));
        let err = serde_json::from_str::<ProductsPage>(r#"{"products": {"id": 1}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("a list of products was expected"), "{err}");
        assert!(
            serde_json::from_str::<ProductsPage>("{}").is_err(),
            "no list at all"
        );
    }

    #[test]
    fn one_order_is_read_with_its_notes_or_refused_with_a_reason() {
        let (o, notes) = read_one::<Order>(
            serde_json::json!({"id": " 12 ", "products": [{"id": {"x": 1}, "name": "Чайник"}]}),
        )
        .unwrap();
        assert_eq!((o.id, o.products[0].id), (12, None));
        assert_eq!(notes.len(), 1, "{notes:?}");
        let why = read_one::<Order>(serde_json::json!({"id": null})).unwrap_err();
        assert!(why.contains("an order without an id"), "{why}");
        let why = read_one::<Order>(serde_json::json!({"products": []})).unwrap_err();
        assert_eq!(why, "an order skipped: it has no id");
    }
}
