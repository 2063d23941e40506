//! Words for what went wrong: a value of the wrong type or size said in the user's terms
//! ("expected true or false", "too large: must be between 0 and 1000000000"), and the
//! key an unknown key was probably meant to be.

use figment::error::{Actual, Kind};
use figment::value::Value;
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// The keys a struct deserialized from a table knows (its serde field names).
pub(super) fn fields_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);
    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;
        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("probe"))
        }
        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("probe"))
        }
        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }
    let mut fields: &'static [&'static str] = &[];
    let _ = T::deserialize(Probe(&mut fields));
    fields
}

/// The known key closest to `unknown`, if it is close enough to be a typo.
pub(super) fn closest<'k>(unknown: &str, known: &[&'k str]) -> Option<&'k str> {
    crate::domain::closest(unknown, known)
}

/// The allowed range of a whole-number key, and the unit to say after it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Range {
    pub lo: i128,
    pub hi: i128,
    pub unit: &'static str,
}

impl Range {
    pub fn says(&self) -> String {
        format!("must be between {} and {}{}", self.lo, self.hi, self.unit)
    }

    /// The message for `v`, or `None` when it is in range.
    pub fn check(&self, v: i128) -> Option<String> {
        if v > self.hi {
            Some(format!("`{v}` is too large: {}", self.says()))
        } else if v < self.lo {
            Some(format!("`{v}` is too small: {}", self.says()))
        } else {
            None
        }
    }
}

/// What a value is, for a message: `maybe`, `12`, a list, a table.
pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::String(_, s) => format!("`{s}`"),
        Value::Char(_, c) => format!("`{c}`"),
        Value::Bool(_, b) => format!("`{b}`"),
        Value::Num(_, n) => match (n.to_u128(), n.to_i128(), n.to_f64()) {
            (Some(u), _, _) => format!("`{u}`"),
            (_, Some(i), _) => format!("`{i}`"),
            (_, _, Some(f)) => format!("`{f}`"),
            _ => "a number".into(),
        },
        Value::Empty(..) => "nothing".into(),
        Value::Dict(..) => "a table".into(),
        Value::Array(..) => "a list".into(),
    }
}

fn shown_actual(a: &Actual) -> String {
    match a {
        Actual::Bool(b) => format!("`{b}`"),
        Actual::Unsigned(u) => format!("`{u}`"),
        Actual::Signed(i) => format!("`{i}`"),
        Actual::Float(f) => format!("`{f}`"),
        Actual::Char(c) => format!("`{c}`"),
        Actual::Str(s) => format!("`{s}`"),
        Actual::Seq => "a list".into(),
        Actual::Map => "a table".into(),
        other => other.to_string(),
    }
}

const INTEGER_TYPES: [&str; 12] = [
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize",
];

fn type_range(expected: &str) -> Option<Range> {
    let (lo, hi) = match expected {
        "u8" => (0, u8::MAX as i128),
        "u16" => (0, u16::MAX as i128),
        "u32" => (0, u32::MAX as i128),
        "u64" => (0, u64::MAX as i128),
        "usize" => (0, usize::MAX as i128),
        "i8" => (i8::MIN as i128, i8::MAX as i128),
        "i16" => (i16::MIN as i128, i16::MAX as i128),
        "i32" => (i32::MIN as i128, i32::MAX as i128),
        "i64" => (i64::MIN as i128, i64::MAX as i128),
        "isize" => (isize::MIN as i128, isize::MAX as i128),
        "u128" | "i128" => (i128::MIN, i128::MAX),
        _ => return None,
    };
    Some(Range { lo, hi, unit: "" })
}

/// A whole number written as `v` (a number, or digits as text), as far as 128 bits go;
/// `Err(true)` for digits beyond that (too large), `Err(false)` for anything else.
fn as_whole(v: &Value) -> Result<i128, bool> {
    match v {
        Value::Num(_, n) => n
            .to_i128()
            .or_else(|| n.to_u128().map(|u| i128::try_from(u).unwrap_or(i128::MAX)))
            .ok_or(false),
        Value::String(_, s) => {
            let t = s.trim();
            let digits = t.strip_prefix(['-', '+']).unwrap_or(t).replace('_', "");
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) {
                return Err(false);
            }
            match t.replace('_', "").parse::<i128>() {
                Ok(n) => Ok(n),
                Err(_) if t.starts_with('-') => Ok(i128::MIN),
                Err(_) => Err(true),
            }
        }
        _ => Err(false),
    }
}

/// A figment error about one value, in the user's terms: the message and a help line.
/// `found` is the value as written (when it could be looked up), `range` the key's
/// allowed range when it is a whole number.
pub(super) fn describe(
    kind: &Kind,
    found: Option<&Value>,
    range: Option<Range>,
) -> (String, Option<String>) {
    let (actual, expected) = match kind {
        Kind::InvalidType(a, e) | Kind::InvalidValue(a, e) => (a, e.as_str()),
        Kind::UnknownVariant(v, known) => {
            return (
                format!("`{v}` is not one of the choices"),
                Some(format!("one of: {}", known.join(", "))),
            );
        }
        Kind::MissingField(f) => return (format!("missing required key `{f}`"), None),
        Kind::InvalidLength(n, e) => return (format!("expected {e}, found {n} items"), None),
        other => return (other.to_string(), None),
    };
    let found_text = found.map_or_else(|| shown_actual(actual), shown);
    if expected.contains("bool") {
        return (format!("expected true or false, found {found_text}"), None);
    }
    if INTEGER_TYPES.contains(&expected) {
        let range = range
            .or_else(|| type_range(expected))
            .expect("integer types have a range");
        let whole = found.map_or_else(
            || match actual {
                Actual::Unsigned(u) => Ok(i128::try_from(*u).unwrap_or(i128::MAX)),
                Actual::Signed(i) => Ok(*i),
                _ => Err(false),
            },
            as_whole,
        );
        return match whole {
            // A whole number in range refused only as text: written in quotes.
            Ok(v) => match range.check(v) {
                Some(out_of_range) => (out_of_range, None),
                None if !matches!(found, Some(Value::String(..))) => {
                    (format!("`{v}` is out of range: {}", range.says()), None)
                }
                None => (
                    format!(
                        "expected a whole number between {} and {}{}, found the text \"{v}\"",
                        range.lo, range.hi, range.unit
                    ),
                    Some("write the number without quotes".into()),
                ),
            },
            Err(true) => (format!("{found_text} is too large: {}", range.says()), None),
            Err(false) => {
                let is_float = matches!(actual, Actual::Float(_))
                    || found.is_some_and(|v| matches!(v, Value::Num(_, n) if n.to_f64().is_some() && n.to_i128().is_none() && n.to_u128().is_none()));
                if is_float {
                    (
                        format!("{found_text} is not a whole number: {}", range.says()),
                        None,
                    )
                } else {
                    (
                        format!(
                            "expected a whole number between {} and {}{}, found {found_text}",
                            range.lo, range.hi, range.unit
                        ),
                        None,
                    )
                }
            }
        };
    }
    if expected.contains("Decimal") || expected == "f64" || expected == "f32" {
        return (
            format!("expected a number such as 10 or 0.99, found {found_text}"),
            None,
        );
    }
    if expected.contains("string") {
        return (format!("expected text in quotes, found {found_text}"), None);
    }
    if expected.contains("sequence") {
        return (
            format!("expected a list such as [\"a\", \"b\"], found {found_text}"),
            None,
        );
    }
    if expected.contains("map") || expected.starts_with("struct") {
        return (format!("expected a table, found {found_text}"), None);
    }
    (format!("expected {expected}, found {found_text}"), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_of_a_struct() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct S {
            a: u8,
            b: String,
        }
        assert_eq!(fields_of::<S>(), ["a", "b"]);
    }

    #[test]
    fn whole_numbers_that_do_not_fit() {
        let r = Range {
            lo: 0,
            hi: 1_000_000_000,
            unit: "",
        };
        let big = Value::from("123456789012345678901234567890123456789012".to_string());
        let kind = Kind::InvalidType(Actual::Str(String::new()), "i64".into());
        let (m, _) = describe(&kind, Some(&big), Some(r));
        assert!(
            m.contains("is too large: must be between 0 and 1000000000"),
            "{m}"
        );
        let f = Value::from(1.5);
        let (m, _) = describe(&kind, Some(&f), Some(r));
        assert!(m.contains("`1.5` is not a whole number"), "{m}");
    }
}
