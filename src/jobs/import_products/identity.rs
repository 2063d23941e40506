//! Which local product a Prom.ua product is, by SKU: linked already (by Prom id), the one
//! with the identical SKU (after [`clean`]), or none; and the hard cases on the way
//! (blank, on two Prom products, taken, changed since linking, only looking alike).
//! The same in every mode: `stage` reports what the others would meet, and acts on
//! nothing.
//!
//! Look-alikes ([`lookalike_key`]) are only looked for among the Prom products that match
//! nothing identically, and only then are the local SKUs keyed: a catalogue that is all
//! linked costs no normalisation at all.

use std::collections::{HashMap, HashSet};

use super::plan::{HardCase, HardCaseKind, LocalView};
use super::sku_words::{difference, shell_word};
use crate::config::ImportMode;
use crate::domain::sku::{clean, lookalike_key};
use crate::prom::dto::Product as PromProduct;

/// What a Prom product is to the back office.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Found {
    /// Linked already: the link follows the Prom id whatever its SKU says now.
    Linked(u64),
    /// The local product with the identical SKU, free to link.
    Matches(u64),
    /// Nothing local has its SKU or one like it: a new product, for `create_missing`.
    New,
    /// A hard case (reported): nothing to act on.
    Nothing,
}

/// Most SKUs named in one hard case.
const NAMED: usize = 3;

/// The SKU indexes of one plan, built once.
pub(super) struct Identity<'a> {
    mode: ImportMode,
    local: &'a LocalView,
    /// Cleaned SKU → how many Prom products carry it.
    sku_count: HashMap<&'a str, usize>,
    /// Look-alike key of each unlinked Prom product that matches no local SKU.
    orphan_key: HashMap<i64, String>,
    /// Look-alike key → those Prom products (SKU, id).
    prom_keys: HashMap<String, Vec<(&'a str, i64)>>,
    /// Look-alike key → local SKUs; only when some Prom product is an orphan.
    local_keys: HashMap<String, Vec<&'a str>>,
}

/// The SKU a Prom product is matched by: [`clean`], or `None` when blank.
pub(super) fn prom_sku(p: &PromProduct) -> Option<&str> {
    p.sku.as_deref().and_then(clean)
}

impl<'a> Identity<'a> {
    pub(super) fn new(mode: ImportMode, prom: &'a [PromProduct], local: &'a LocalView) -> Self {
        let mut sku_count: HashMap<&str, usize> = HashMap::new();
        let mut orphan_key = HashMap::new();
        let mut prom_keys: HashMap<String, Vec<(&str, i64)>> = HashMap::new();
        for p in prom {
            let Some(s) = prom_sku(p) else { continue };
            *sku_count.entry(s).or_default() += 1;
            if local.by_prom.contains_key(&p.id) || local.by_sku.contains_key(s) {
                continue;
            }
            let key = lookalike_key(s);
            prom_keys.entry(key.clone()).or_default().push((s, p.id));
            orphan_key.insert(p.id, key);
        }
        let mut local_keys: HashMap<String, Vec<&str>> = HashMap::new();
        if !prom_keys.is_empty() {
            for s in local.by_sku.keys() {
                let key = lookalike_key(s);
                if prom_keys.contains_key(&key) {
                    local_keys.entry(key).or_default().push(s);
                }
            }
            for skus in local_keys.values_mut() {
                skus.sort_unstable();
            }
        }
        Self {
            mode,
            local,
            sku_count,
            orphan_key,
            prom_keys,
            local_keys,
        }
    }

    /// What `p` is, its hard case (if any) pushed to `hard`. `taken`: local products this
    /// plan links already.
    pub(super) fn identify(
        &self,
        p: &PromProduct,
        taken: &HashSet<u64>,
        hard: &mut Vec<HardCase>,
    ) -> Found {
        let sku = prom_sku(p);
        let mut case = |kind, detail: String| {
            hard.push(HardCase {
                prom_id: p.id,
                kind,
                detail,
            });
            Found::Nothing
        };
        if let Some(&id) = self.local.by_prom.get(&p.id) {
            let local_sku = self.local.sku_of.get(&id).map_or("", String::as_str);
            // A look-alike linked by hand (as its hard case says to) is no change.
            let same = match (sku, clean(local_sku)) {
                (Some(a), Some(b)) => a == b || lookalike_key(a) == lookalike_key(b),
                (a, b) => a == b,
            };
            if !same {
                case(
                    HardCaseKind::SkuChanged,
                    format!(
                        "linked to local {local_sku}, but its SKU on Prom.ua is now {}; the link is kept",
                        sku.unwrap_or("blank")
                    ),
                );
            }
            return Found::Linked(id);
        }
        // Unlinked by hand (this Prom product, or the local product its SKU names): left
        // alone until a person links either.
        let named = sku.and_then(|s| self.local.by_sku.get(s).copied());
        if let Some(why) = self.local.unlinked_by_hand(p.id, named) {
            return case(HardCaseKind::UnlinkedByHand, why);
        }
        let Some(s) = sku else {
            return case(
                HardCaseKind::BlankSku,
                "blank SKU: not matched; link it by hand".into(),
            );
        };
        let count = self.sku_count.get(s).copied().unwrap_or(1);
        if count > 1 {
            return case(
                HardCaseKind::DuplicateSku,
                format!("SKU {s} is on {count} Prom products: not matched; link it by hand"),
            );
        }
        if let Some(&id) = self.local.by_sku.get(s) {
            // A link to a product Prom.ua deleted may be replaced.
            if self.local.is_linked(id) || taken.contains(&id) {
                let to = self
                    .local
                    .links
                    .get(&id)
                    .map_or("in this run".into(), |x| x.to_string());
                return case(
                    HardCaseKind::SkuTaken,
                    format!("local {s} is already linked to Prom product {to}"),
                );
            }
            return Found::Matches(id);
        }
        let Some(key) = self.orphan_key.get(&p.id) else {
            return Found::New;
        };
        let not = if self.mode == ImportMode::CreateMissing {
            "not matched, not created"
        } else {
            "not matched"
        };
        if let Some(locals) = self.local_keys.get(key) {
            let named = self.local_skus(locals);
            let how = match locals.as_slice() {
                [one] if !self.is_linked(one) => {
                    format!("`links link {} {}`", shell_word(one), p.id)
                }
                _ => format!("`links link SKU {}`", p.id),
            };
            let why = match locals.as_slice() {
                [one] => difference(s, one),
                _ => String::new(),
            };
            return case(
                HardCaseKind::LookalikeSku,
                format!(
                    "SKU {s} looks like local SKU {named}{why}: {not}; link it by hand ({how}) or fix the SKU"
                ),
            );
        }
        let others: Vec<&(&str, i64)> = self.prom_keys[key]
            .iter()
            .filter(|(other, _)| *other != s)
            .collect();
        if !others.is_empty() {
            let named = list(
                others
                    .iter()
                    .map(|(sku, id)| format!("{sku} (Prom product {id})")),
                others.len(),
            );
            let why = difference(s, others[0].0);
            return case(
                HardCaseKind::LookalikeSku,
                format!(
                    "SKU {s} looks like SKU {named} on Prom.ua{why}: {not}; fix the SKUs on Prom.ua or link them by hand"
                ),
            );
        }
        Found::New
    }

    fn is_linked(&self, sku: &str) -> bool {
        self.local
            .by_sku
            .get(sku)
            .is_some_and(|id| self.local.is_linked(*id))
    }

    /// `AB-1`, `ab-1 (linked to Prom product 7)`, … as a list.
    fn local_skus(&self, skus: &[&str]) -> String {
        let named = skus.iter().map(|s| {
            // A link to a product Prom.ua deleted does not hold: not named.
            match self
                .local
                .by_sku
                .get(*s)
                .filter(|id| self.local.is_linked(**id))
                .and_then(|id| self.local.links.get(id))
            {
                Some(prom) => format!("{s} (linked to Prom product {prom})"),
                None => s.to_string(),
            }
        });
        list(named, skus.len())
    }
}

/// The first [`NAMED`] of `items`, comma-separated, and how many more.
fn list(items: impl Iterator<Item = String>, total: usize) -> String {
    let mut out: Vec<String> = items.take(NAMED).collect();
    if total > NAMED {
        out.push(format!("and {} more", total - NAMED));
    }
    out.join(", ")
}

#[cfg(test)]
#[path = "identity_tests.rs"]
mod tests;
