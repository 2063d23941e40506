//! Mass linking: name-similarity suggestions between unlinked staged Prom products and
//! unlinked local products, and the CSV round trip (export the unlinked, fill in, apply).

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{BackofficeError, Result, RowErrors};
use crate::store::{Product, StagedProduct, Store};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub prom_id: i64,
    pub prom_sku: Option<String>,
    pub prom_name: String,
    pub local_sku: String,
    pub local_name: String,
    /// Name similarity, 0 to 1 (Dice coefficient of character pairs).
    pub score: f64,
}

/// Character pairs of a normalised name, sorted and unique.
fn bigrams(name: &str) -> Vec<(char, char)> {
    let norm: Vec<char> = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .collect();
    let mut out: Vec<(char, char)> = norm.windows(2).map(|w| (w[0], w[1])).collect();
    out.sort_unstable();
    out.dedup();
    out
}

fn dice(a: &[(char, char)], b: &[(char, char)]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// Pure: for each staged product the most similar local product, one to one (the best
/// pairs first), at or above `min_score`.
pub fn suggest(staged: &[StagedProduct], locals: &[Product], min_score: f64) -> Vec<Suggestion> {
    let local_grams: Vec<Vec<(char, char)>> = locals.iter().map(|p| bigrams(&p.name)).collect();
    let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
    for (si, s) in staged.iter().enumerate() {
        let g = bigrams(&s.name);
        // The three best per staged product are enough for the one-to-one pass.
        let mut best: Vec<(f64, usize)> = local_grams
            .iter()
            .enumerate()
            .map(|(li, lg)| (dice(&g, lg), li))
            .collect();
        best.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.extend(
            best.into_iter()
                .take(3)
                .filter(|(sc, _)| *sc >= min_score)
                .map(|(sc, li)| (sc, si, li)),
        );
    }
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let (mut used_s, mut used_l) = (HashSet::new(), HashSet::new());
    let mut out = Vec::new();
    for (score, si, li) in candidates {
        if used_s.contains(&si) || used_l.contains(&li) {
            continue;
        }
        used_s.insert(si);
        used_l.insert(li);
        let (s, l) = (&staged[si], &locals[li]);
        out.push(Suggestion {
            prom_id: s.prom_id,
            prom_sku: s.sku.clone(),
            prom_name: s.name.clone(),
            local_sku: l.sku.clone(),
            local_name: l.name.clone(),
            score: (score * 1000.0).round() / 1000.0,
        });
    }
    out.sort_by_key(|s| s.prom_id);
    out
}

/// Staged products that are not linked, and local products that are not linked.
fn unlinked(store: &Store) -> Result<(Vec<StagedProduct>, Vec<Product>)> {
    let linked_prom: HashSet<i64> = store.link_pairs()?.into_iter().map(|(_, p)| p).collect();
    let linked_local: HashSet<u64> = store.link_pairs()?.into_iter().map(|(l, _)| l).collect();
    let staged = store
        .staged()?
        .into_iter()
        .filter(|s| !linked_prom.contains(&s.prom_id))
        .collect();
    let locals = store
        .products()?
        .into_iter()
        .filter(|p| !linked_local.contains(&p.id))
        .collect();
    Ok((staged, locals))
}

/// For each unlinked staged product the most similar unlinked local product.
pub(super) fn suggestions(store: &Store, min_score: f64) -> Result<Vec<Suggestion>> {
    let (staged, locals) = unlinked(store)?;
    Ok(suggest(&staged, &locals, min_score))
}

/// Below this a suggestion is noise: the export leaves the row for the user to fill.
const EXPORT_MIN_SCORE: f64 = 0.5;

const HEADER: [&str; 6] = [
    "prom_id",
    "prom_sku",
    "prom_name",
    "local_sku",
    "local_name",
    "score",
];

/// The unlinked on both sides: a row per unlinked staged product (with a suggestion
/// filled in, to keep, change or clear), then a row per unlinked local product left over.
pub(super) fn export(store: &Store) -> Result<String> {
    let (staged, locals) = unlinked(store)?;
    let suggestions: HashMap<i64, Suggestion> = suggest(&staged, &locals, EXPORT_MIN_SCORE)
        .into_iter()
        .map(|s| (s.prom_id, s))
        .collect();
    let suggested: HashSet<&str> = suggestions.values().map(|s| s.local_sku.as_str()).collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| BackofficeError::Invalid(e.to_string());
    w.write_record(HEADER).map_err(err)?;
    for s in &staged {
        let sug = suggestions.get(&s.prom_id);
        w.write_record([
            s.prom_id.to_string(),
            s.sku.clone().unwrap_or_default(),
            s.name.clone(),
            sug.map(|x| x.local_sku.clone()).unwrap_or_default(),
            sug.map(|x| x.local_name.clone()).unwrap_or_default(),
            sug.map(|x| x.score.to_string()).unwrap_or_default(),
        ])
        .map_err(err)?;
    }
    for l in locals
        .iter()
        .filter(|l| !suggested.contains(l.sku.as_str()))
    {
        w.write_record(["", "", "", &l.sku, &l.name, ""])
            .map_err(err)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| BackofficeError::Invalid(e.to_string()))?;
    Ok(String::from_utf8(bytes).expect("UTF-8"))
}

/// The columns `apply` reads (the export's other columns are ignored).
const APPLY_FIELDS: &[(&str, bool)] = &[("prom_id", true), ("local_sku", true)];

/// Reads a filled-in mapping: rows with both `prom_id` and `local_sku` become links. The
/// whole file is checked first (with the CSV import's limits on rows and fields); any bad
/// row and nothing is linked. Returns the filled-in rows and, of them, the links that
/// were not there before.
pub(super) fn apply(store: &Store, data: &[u8]) -> Result<(usize, usize)> {
    let rows = super::csv_io::parse(APPLY_FIELDS, false, data, &Default::default())
        .map_err(BackofficeError::Rows)?;
    let mut errors = RowErrors::default();
    let mut pairs = Vec::new();
    let mut already = 0;
    let mut seen_prom: HashMap<i64, u64> = HashMap::new();
    let mut seen_local: HashMap<u64, u64> = HashMap::new();
    for rec in &rows {
        let row = rec.row;
        let (prom, sku) = (rec["prom_id"].trim(), rec["local_sku"].trim());
        if prom.is_empty() || sku.is_empty() {
            continue;
        }
        let mut err = |field: &str, message: String| errors.add(row, field, message);
        let prom_id = match super::parse_prom_id(prom) {
            Ok(id)
                if store.staged_product(id)?.is_some() || store.linked_to_prom(id)?.is_some() =>
            {
                Some(id)
            }
            Ok(id) => {
                err(
                    "prom_id",
                    format!(
                        "Prom product {id} is unknown (not downloaded: run an import in `stage` mode)"
                    ),
                );
                None
            }
            Err(m) => {
                err("prom_id", m);
                None
            }
        };
        let local = store.product_by_sku(sku)?;
        if local.is_none() {
            err("local_sku", format!("no local product with SKU `{sku}`"));
        }
        let (Some(prom_id), Some(local)) = (prom_id, local) else {
            continue;
        };
        if let Some(first) = seen_prom.insert(prom_id, row) {
            err(
                "prom_id",
                format!("Prom product {prom_id} is also mapped on row {first}"),
            );
        }
        if let Some(first) = seen_local.insert(local.id, row) {
            err(
                "local_sku",
                format!("{} is also mapped on row {first}", local.sku),
            );
        }
        match store.link_of(local.id)? {
            Some(p) if p == prom_id => already += 1,
            Some(p) if p != prom_id && store.gone_since(p)?.is_none() => err(
                "local_sku",
                format!("{} is already linked to Prom product {p}", local.sku),
            ),
            _ => {}
        }
        match store.linked_to_prom(prom_id)? {
            Some(l) if l != local.id => err(
                "prom_id",
                format!("Prom product {prom_id} is already linked to another local product"),
            ),
            _ => {}
        }
        pairs.push((local.id, prom_id));
    }
    if !errors.is_empty() {
        return Err(BackofficeError::Rows(errors));
    }
    store.link_many(&pairs)?;
    Ok((pairs.len(), pairs.len() - already))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged(id: i64, name: &str) -> StagedProduct {
        StagedProduct {
            prom_id: id,
            sku: None,
            name: name.into(),
            price: None,
            currency: None,
            quantity: None,
            staged_at: chrono::Utc::now(),
        }
    }
    fn local(id: u64, sku: &str, name: &str) -> Product {
        Product {
            id,
            sku: sku.into(),
            name: name.into(),
            price: None,
            currency: None,
        }
    }

    #[test]
    fn the_closest_names_pair_up_one_to_one() {
        let s = vec![
            staged(1, "Чайник сталевий 1,7 л"),
            staged(2, "Рюкзак туристичний 40л"),
            staged(3, "Щось зовсім інше"),
        ];
        let l = vec![
            local(10, "BAG-40", "Туристичний рюкзак, 40 л"),
            local(11, "KET-17", "Чайник сталевий 1.7л"),
        ];
        let out = suggest(&s, &l, 0.4);
        assert_eq!(
            out.iter()
                .map(|x| (x.prom_id, x.local_sku.as_str()))
                .collect::<Vec<_>>(),
            vec![(1, "KET-17"), (2, "BAG-40")]
        );
        assert!(out[0].score > 0.7, "{out:?}");
        assert!(dice(&bigrams("abc"), &bigrams("ABC")) == 1.0);
    }
}
