//! `name_multilang`: a product's name per language (`{"ru": "…", "uk": "…"}`), read
//! leniently: missing, `null` or any other shape is no names, and a value that is not
//! text is skipped.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use super::Product;

pub(super) fn lenient_names<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Object(m)) => m
            .into_iter()
            .filter_map(|(lang, v)| match v {
                Value::String(s) => Some((lang, s)),
                _ => None,
            })
            .collect(),
        _ => BTreeMap::new(),
    })
}

impl Product {
    /// The product's names in `name_multilang` other than `name`: trimmed, not blank,
    /// each once, in the order of their language codes.
    pub fn other_names(&self) -> Vec<String> {
        let main = self.name.as_deref().unwrap_or_default().trim();
        let mut out: Vec<String> = Vec::new();
        for name in self.name_multilang.values().map(|s| s.trim()) {
            if !name.is_empty() && name != main && !out.iter().any(|o| o == name) {
                out.push(name.to_string());
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(json: &str) -> Product {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn other_language_names_are_read_leniently() {
        let p = product(
            r#"{"id": 1, "name": "Светр жіночий", "name_multilang": {"uk": "Светр жіночий", "ru": " Свитер женский ", "en": 5, "pl": null, "de": ""}}"#,
        );
        assert_eq!(p.other_names(), vec!["Свитер женский".to_string()]);
        for shape in [
            r#""name_multilang": null"#,
            r#""name_multilang": "Свитер""#,
            r#""name_multilang": ["Свитер"]"#,
            r#""name_multilang": {}"#,
            r#""x": 1"#,
        ] {
            let p = product(&format!(r#"{{"id": 1, "name": "Светр", {shape}}}"#));
            assert_eq!(p.other_names(), Vec::<String>::new(), "{shape}");
        }
        let p = product(r#"{"id": 1, "name_multilang": {"ru": "Свитер", "uk": "Свитер"}}"#);
        assert_eq!(
            p.other_names(),
            vec!["Свитер".to_string()],
            "no name: each once"
        );
    }
}
