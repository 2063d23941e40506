//! A product read field by field: whatever Prom.ua sends in a field, the product is read.
//! A field in a shape this program cannot use (a price of `1e30`, a quantity of `2.7`, a
//! name that is an object) reads as absent and is named in [`Product::unreadable`] with
//! what was sent, so one odd product never fails a page of the catalogue. Only the id
//! must be readable: without it the product cannot be paged, linked or reported.

use std::collections::BTreeMap;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::product::{Product, ProductGroup};

/// A field Prom.ua sent that could not be read: what was sent, and why it is not usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unreadable {
    /// The JSON sent, cut to 60 characters.
    pub sent: String,
    pub why: String,
}

/// A product as sent, before each field is read.
#[derive(Deserialize)]
pub(super) struct RawProduct {
    #[serde(deserialize_with = "product_id")]
    id: i64,
    #[serde(default)]
    external_id: Option<Value>,
    #[serde(default)]
    name: Option<Value>,
    #[serde(default, deserialize_with = "super::multilang::lenient_names")]
    name_multilang: BTreeMap<String, String>,
    #[serde(default)]
    sku: Option<Value>,
    #[serde(default)]
    presence: Option<Value>,
    #[serde(default)]
    presence_sure: Option<Value>,
    #[serde(default)]
    in_stock: Option<Value>,
    #[serde(default)]
    quantity_in_stock: Option<Value>,
    #[serde(default)]
    price: Option<Value>,
    #[serde(default)]
    currency: Option<Value>,
    #[serde(default)]
    status: Option<Value>,
    #[serde(default)]
    selling_type: Option<Value>,
    #[serde(default)]
    group: Option<Value>,
    #[serde(default)]
    date_modified: Option<Value>,
    #[serde(default)]
    prices: Option<Value>,
    /// `null` means something here (no discount), so it is kept as a JSON null.
    #[serde(default, deserialize_with = "present")]
    discount: Option<Value>,
}

/// A field sent, `null` included (`Some(Value::Null)`); absent stays `None`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// The id an entity cannot do without, sent as `123` or `"123"`. A missing, blank or
/// non-numeric id fails the entity (and only it: lists skip it, see `listed.rs`).
fn required_id<'de, D: Deserializer<'de>>(d: D, what: &str) -> Result<i64, D::Error> {
    let v = Value::deserialize(d)?;
    match whole(&v) {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(serde::de::Error::custom(format!("{what} without an id"))),
        Err(why) => Err(serde::de::Error::custom(format!(
            "{what} id of {}: {why}",
            shown(&v)
        ))),
    }
}

fn product_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    required_id(d, "a product")
}

pub(super) fn order_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    required_id(d, "an order")
}

pub(super) fn group_id<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    required_id(d, "a group")
}

/// An id the entity can do without (a client's, a delivery option's, a parent group's):
/// `123` or `"123"`; anything unreadable is absent rather than failing the entity.
pub(super) fn optional_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| whole(&v).ok().flatten()))
}

/// Text an entity can do without (an external id, a SKU): a number is read as its text
/// (`12345` → `"12345"`), anything else that is not text as absent.
pub(super) fn optional_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.and_then(|v| text(&v).ok().flatten()))
}

/// The JSON of a value, cut to 60 characters.
pub(crate) fn shown(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(60) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s,
    }
}

/// A whole number sent as `7`, `7.0` or `"7"`; `None` for null or blank text. A
/// fraction, a number beyond `i64` or anything else is refused with the reason.
pub(crate) fn whole(v: &Value) -> Result<Option<i64>, &'static str> {
    match v {
        Value::Null => Ok(None),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(Some(i));
            }
            match n.as_f64() {
                Some(f) if f.fract() != 0.0 => Err("not a whole number"),
                // Within ±2^63 (exclusive), an integral f64 converts exactly.
                Some(f) if f.abs() < 9.223_372_036_854_775e18 => Ok(Some(f as i64)),
                _ => Err("a number beyond any count"),
            }
        }
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => match s.trim().parse::<i64>() {
            Ok(i) => Ok(Some(i)),
            Err(_) => match number(s.trim()) {
                Some(d) if !d.fract().is_zero() => Err("not a whole number"),
                Some(d) => i64::try_from(d)
                    .map(Some)
                    .map_err(|_| "a number beyond any count"),
                None => Err("not a number"),
            },
        },
        _ => Err("not a number"),
    }
}

/// A decimal written plainly or in scientific notation, if it fits a `Decimal`.
fn number(s: &str) -> Option<Decimal> {
    Decimal::from_str(s)
        .or_else(|_| Decimal::from_scientific(s))
        .ok()
}

/// A price: a number (or numeric text) that a `Decimal` holds, not negative.
fn price(v: &Value) -> Result<Option<Decimal>, &'static str> {
    let text = match v {
        Value::Null => return Ok(None),
        Value::Number(n) => n.to_string(),
        Value::String(s) if s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().to_string(),
        _ => return Err("not a number"),
    };
    match number(&text) {
        Some(d) if d.is_sign_negative() && !d.is_zero() => Err("a negative price"),
        Some(d) => Ok(Some(d.normalize())),
        None => Err("not a price this program can hold"),
    }
}

/// Text; a number or a boolean is read as its text (a SKU sent as `12345`).
fn text(v: &Value) -> Result<Option<String>, &'static str> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        _ => Err("not text"),
    }
}

/// A yes/no sent as `true`, `1` or `"true"`.
pub(super) fn flag(v: &Value) -> Result<Option<bool>, &'static str> {
    match v {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(*b)),
        Value::Number(n) if n.as_i64() == Some(0) => Ok(Some(false)),
        Value::Number(n) if n.as_i64() == Some(1) => Ok(Some(true)),
        Value::String(s) if s.trim() == "true" => Ok(Some(true)),
        Value::String(s) if s.trim() == "false" => Ok(Some(false)),
        _ => Err("not true or false"),
    }
}

fn group(v: &Value) -> Result<Option<ProductGroup>, &'static str> {
    match v {
        Value::Null => Ok(None),
        Value::Object(m) => Ok(Some(ProductGroup {
            id: m.get("id").and_then(|id| whole(id).ok().flatten()),
            name: m.get("name").and_then(|n| text(n).ok().flatten()),
        })),
        _ => Err("not a group"),
    }
}

/// Reads fields, keeping what could not be read.
#[derive(Default)]
struct Reader {
    unreadable: BTreeMap<String, Unreadable>,
}

impl Reader {
    fn read<T>(
        &mut self,
        field: &str,
        v: Option<Value>,
        f: fn(&Value) -> Result<Option<T>, &'static str>,
    ) -> Option<T> {
        let v = v?;
        match f(&v) {
            Ok(t) => t,
            Err(why) => {
                self.unreadable.insert(
                    field.to_string(),
                    Unreadable {
                        sent: shown(&v),
                        why: why.to_string(),
                    },
                );
                None
            }
        }
    }
}

impl From<RawProduct> for Product {
    fn from(raw: RawProduct) -> Product {
        let mut r = Reader::default();
        // The group is kept for its name even when its id cannot be read; the id is named.
        let group_id = raw.group.as_ref().and_then(|g| g.get("id"));
        if let Some((id, Err(why))) = group_id.map(|id| (id, whole(id))) {
            r.unreadable.insert(
                "group.id".into(),
                Unreadable {
                    sent: shown(id),
                    why: why.to_string(),
                },
            );
        }
        Product {
            id: raw.id,
            external_id: r.read("external_id", raw.external_id, text),
            name: r.read("name", raw.name, text),
            name_multilang: raw.name_multilang,
            sku: r.read("sku", raw.sku, text),
            presence: r.read("presence", raw.presence, text),
            presence_sure: r.read("presence_sure", raw.presence_sure, flag),
            in_stock: r.read("in_stock", raw.in_stock, flag),
            quantity_in_stock: r.read("quantity_in_stock", raw.quantity_in_stock, whole),
            price: r.read("price", raw.price, price),
            currency: r.read("currency", raw.currency, text),
            status: r.read("status", raw.status, text),
            selling_type: r.read("selling_type", raw.selling_type, text),
            group: r.read("group", raw.group, group),
            date_modified: r.read("date_modified", raw.date_modified, text),
            prices: r.read("prices", raw.prices, super::price_patch::read_tiers),
            discount: r.read("discount", raw.discount, super::price_patch::read_discount),
            unreadable: r.unreadable,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(fields: &str) -> Product {
        serde_json::from_str(&format!(r#"{{"id": 5, {fields}}}"#)).unwrap()
    }

    #[test]
    fn quantities_are_whole_numbers_or_unreadable() {
        assert_eq!(
            product(r#""quantity_in_stock": 7.0"#).quantity_in_stock,
            Some(7)
        );
        assert_eq!(
            product(r#""quantity_in_stock": " 7 ""#).quantity_in_stock,
            Some(7)
        );
        assert_eq!(
            product(r#""quantity_in_stock": -3"#).quantity_in_stock,
            Some(-3),
            "negative is read; the import refuses it"
        );
        for (sent, why) in [
            ("2.7", "not a whole number"),
            ("\"2.7\"", "not a whole number"),
            ("1e20", "a number beyond any count"),
            ("100000000000000000000", "a number beyond any count"),
            ("\"lots\"", "not a number"),
            ("[1]", "not a number"),
        ] {
            let p = product(&format!(r#""quantity_in_stock": {sent}, "price": 10"#));
            assert_eq!(p.quantity_in_stock, None, "{sent}");
            assert_eq!(p.unreadable["quantity_in_stock"].why, why, "{sent}");
            assert_eq!(p.price, Some(Decimal::from(10)), "the rest is read");
        }
        let p = product(r#""quantity_in_stock": null"#);
        assert_eq!((p.quantity_in_stock, p.unreadable.len()), (None, 0));
    }

    #[test]
    fn an_unreadable_price_is_absent_and_named() {
        let p = product(r#""price": 1e30, "sku": "A-1", "name": "Чайник""#);
        assert_eq!(p.price, None);
        assert_eq!(p.unreadable["price"].sent, "1e+30");
        assert_eq!(
            (p.sku.as_deref(), p.name.as_deref()),
            (Some("A-1"), Some("Чайник"))
        );
        assert_eq!(
            product(r#""price": -5"#).unreadable["price"].why,
            "a negative price"
        );
        assert_eq!(
            product(r#""price": "199.50""#).price,
            Some(Decimal::new(1995, 1))
        );
        assert_eq!(
            product(r#""price": 1.5e3"#).price,
            Some(Decimal::from(1500))
        );
    }

    #[test]
    fn odd_shapes_of_other_fields_do_not_fail_the_product() {
        let p = product(
            r#""sku": 12345, "name": {"uk": "x"}, "presence_sure": "yes", "group": 7, "in_stock": 1"#,
        );
        assert_eq!(p.sku.as_deref(), Some("12345"));
        assert_eq!(p.in_stock, Some(true));
        let fields: Vec<&str> = p.unreadable.keys().map(String::as_str).collect();
        assert_eq!(fields, ["group", "name", "presence_sure"]);
        let long = product(&format!(r#""name": ["{}"]"#, "я".repeat(100)));
        assert!(long.unreadable["name"].sent.ends_with('…'));
    }

    #[test]
    fn a_page_with_one_odd_product_is_read_whole() {
        let page: super::super::ProductsPage = serde_json::from_str(
            r#"{"products": [{"id": 2, "price": 1e30}, {"id": 1, "price": 5, "quantity_in_stock": 2.7}]}"#,
        )
        .unwrap();
        assert_eq!(page.products.len(), 2);
        assert!(page.products[0].unreadable.contains_key("price"));
        assert_eq!(page.products[1].price, Some(Decimal::from(5)));
        let no_id = serde_json::from_str::<Product>(r#"{"id": "x"}"#).unwrap_err();
        assert!(no_id.to_string().contains("product id"), "{no_id}");
    }
}
