//! Mass linking: suggestions ([`mod@super::suggest`]) between unlinked staged Prom products
//! and unlinked local products, and the CSV round trip (export the unlinked, fill in,
//! apply).

use std::collections::{HashMap, HashSet};

use super::order_export::inert;
use super::similarity::CONFLICT_CAP;
use super::suggest::{Suggestion, suggest};
use super::{BackofficeError, Result, RowErrors};
use crate::domain::sku;
use crate::store::{Product, StagedProduct, Store};

/// The unlinked on both sides, from the store's index of the unlinked (a few rows read,
/// not every product, link and staged row): a link to a Prom product Prom.ua deleted
/// (gone) does not hold, as `links link`, `apply` and the import let it be replaced.
pub(super) struct Unlinked {
    pub(super) staged: Vec<StagedProduct>,
    pub(super) locals: Vec<Product>,
    /// The cleaned SKUs of unlinked local products that a linked staged product has too:
    /// such a local product belongs to that Prom product (linked elsewhere: a conflict
    /// for the seller to settle), so it is suggested for no other.
    pub(super) claimed: HashSet<String>,
}

pub(super) fn unlinked(store: &Store) -> Result<Unlinked> {
    let gone: HashSet<i64> = store.gone()?.into_keys().collect();
    let mut staged_ids = store.unlinked_staged_ids()?;
    let mut local_ids = store.unlinked_product_ids()?;
    for g in &gone {
        if let Some(local) = store.linked_to_prom(*g)? {
            local_ids.push(local);
            staged_ids.push(*g);
        }
    }
    // In the stores' key order, as a walk of the trees gives them.
    staged_ids.sort_by_key(|id| id.to_be_bytes());
    staged_ids.dedup();
    local_ids.sort_unstable();
    local_ids.dedup();
    let mut staged = Vec::with_capacity(staged_ids.len());
    for id in staged_ids {
        staged.extend(store.staged_product(id)?);
    }
    let mut locals = Vec::with_capacity(local_ids.len());
    for id in local_ids {
        locals.extend(store.product(id)?);
    }
    let mut claimed = HashSet::new();
    for l in &locals {
        let Some(s) = sku::clean(&l.sku) else {
            continue;
        };
        for prom_id in store.staged_ids_with_sku(s)? {
            if !gone.contains(&prom_id) && store.linked_to_prom(prom_id)?.is_some() {
                claimed.insert(s.to_string());
                break;
            }
        }
    }
    Ok(Unlinked {
        staged,
        locals,
        claimed,
    })
}

/// The suggestions for the unlinked: each unlinked staged product and the likeliest
/// unlinked local product.
fn suggest_unlinked(store: &Store, u: &Unlinked, min_score: f64) -> Result<Vec<Suggestion>> {
    // What a person unlinked by hand is not offered again: linking it is theirs to say.
    let by_hand = store.hand_unlinks()?;
    let local_by_hand: HashSet<u64> = by_hand.iter().map(|u| u.product_id).collect();
    let prom_by_hand: HashSet<i64> = by_hand.iter().map(|u| u.prom_id).collect();
    let free: Vec<Product> = u
        .locals
        .iter()
        .filter(|p| sku::clean(&p.sku).is_none_or(|s| !u.claimed.contains(s)))
        .filter(|p| !local_by_hand.contains(&p.id))
        .cloned()
        .collect();
    let staged: Vec<StagedProduct> = u
        .staged
        .iter()
        .filter(|s| !prom_by_hand.contains(&s.prom_id))
        .cloned()
        .collect();
    Ok(suggest(&staged, &free, min_score))
}

/// For each unlinked staged product the likeliest unlinked local product.
pub(super) fn suggestions(store: &Store, min_score: f64) -> Result<Vec<Suggestion>> {
    suggest_unlinked(store, &unlinked(store)?, min_score)
}

/// Below this a suggestion is noise: the export does not mention it.
const EXPORT_MIN_SCORE: f64 = 0.5;

const HEADER: [&str; 7] = [
    "prom_id",
    "prom_sku",
    "prom_name",
    "local_sku",
    "local_name",
    "score",
    "note",
];

/// Whether the export fills a suggestion in: not ambiguous, and scored above what names
/// that contradict each other can reach. The others are only named in the note.
fn prefilled(s: &Suggestion) -> bool {
    !s.ambiguous && s.score > CONFLICT_CAP
}

/// The unlinked on both sides: a row per unlinked staged product (with a suggestion
/// filled in, to keep, change or clear, or only named in the note when it is doubtful),
/// then a row per unlinked local product left over.
pub(super) fn export(store: &Store) -> Result<String> {
    let u = unlinked(store)?;
    let (staged, locals) = (&u.staged, &u.locals);
    let suggestions: HashMap<i64, Suggestion> = suggest_unlinked(store, &u, EXPORT_MIN_SCORE)?
        .into_iter()
        .map(|s| (s.prom_id, s))
        .collect();
    let suggested: HashSet<&str> = suggestions
        .values()
        .filter(|s| prefilled(s))
        .map(|s| s.local_sku.as_str())
        .collect();
    let mut w = csv::Writer::from_writer(Vec::new());
    let err = |e: csv::Error| BackofficeError::Invalid(e.to_string());
    w.write_record(HEADER).map_err(err)?;
    for s in staged {
        let sug = suggestions.get(&s.prom_id);
        let fill = sug.filter(|x| prefilled(x));
        let note = match (sug, fill) {
            (Some(x), Some(_)) => x.reason.clone(),
            (Some(x), None) => format!(
                "not filled in: {} ({}) scores {:.3}: {}",
                x.local_sku, x.local_name, x.score, x.reason
            ),
            (None, _) => String::new(),
        };
        // Names come from Prom and suppliers: a cell a spreadsheet would run as a formula
        // is made inert. The two columns `apply` reads (prom_id, local_sku) go as they are.
        w.write_record([
            s.prom_id.to_string(),
            inert(s.sku.clone().unwrap_or_default()),
            inert(s.name.clone()),
            fill.map(|x| x.local_sku.clone()).unwrap_or_default(),
            inert(fill.map(|x| x.local_name.clone()).unwrap_or_default()),
            fill.map(|x| x.score.to_string()).unwrap_or_default(),
            inert(note),
        ])
        .map_err(err)?;
    }
    for l in locals
        .iter()
        .filter(|l| !suggested.contains(l.sku.as_str()))
    {
        w.write_record(["", "", "", &l.sku, &inert(l.name.clone()), "", ""])
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
/// whole file is checked first (the CSV import's limits on rows, and on fields of the
/// columns read); any bad row and nothing is linked. Returns the filled-in rows and, of them, the links that
/// were not there before.
pub(super) fn apply(store: &Store, data: &[u8]) -> Result<(usize, usize)> {
    let rows =
        super::csv_io::parse_read_fields(APPLY_FIELDS, data).map_err(BackofficeError::Rows)?;
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
#[path = "matching_tests.rs"]
mod tests;
