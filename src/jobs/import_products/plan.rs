//! The plan of an import: what a mode would do with a Prom.ua catalogue against the back
//! office (pure), its hard cases, and how `--dry-run` prints it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use crate::config::ImportMode;
use crate::domain::MAX_QUANTITY;
use crate::prom::dto::Product as PromProduct;
use crate::store::{HandUnlink, StagedProduct, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Link the Prom product to the local product with the same SKU.
    Link,
    /// Create a local product from the Prom product (stock 0) and link it.
    Create,
    /// Set the local stock to Prom's quantity.
    Stock,
    /// Keep (or refresh) the Prom product in the staging area.
    Stage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportItem {
    pub prom_id: i64,
    pub prom_sku: Option<String>,
    pub name: String,
    pub action: Action,
    pub local_sku: Option<String>,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HardCaseKind {
    BlankSku,
    DuplicateSku,
    SkuTaken,
    SkuChanged,
    /// Prom's quantity is negative or beyond what the ledger holds: not imported.
    BadQuantity,
    /// Prom.ua answered 404 for a linked or staged product the walk did not show.
    Gone,
    /// The local or the Prom product was unlinked by hand: not linked again automatically.
    UnlinkedByHand,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HardCase {
    pub prom_id: i64,
    pub kind: HardCaseKind,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportPlan {
    pub mode: &'static str,
    /// Prom products read.
    pub read: usize,
    pub items: Vec<ImportItem>,
    pub hard_cases: Vec<HardCase>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guarded: Option<String>,
}

impl fmt::Display for ImportPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |a: Action| self.items.iter().filter(|i| i.action == a).count();
        writeln!(
            f,
            "import_products plan ({}): {} Prom products read; link {}, create {}, stock {}, stage {}; {} hard case(s)",
            self.mode,
            self.read,
            count(Action::Link),
            count(Action::Create),
            count(Action::Stock),
            count(Action::Stage),
            self.hard_cases.len()
        )?;
        if let Some(g) = &self.guarded {
            writeln!(f, "GUARDED: {g}; a real run would change nothing")?;
        }
        if !self.items.is_empty() {
            writeln!(
                f,
                "{:>12}  {:<8}  {:<16}  {:<16}  {:>6}  {:>6}  NAME",
                "PROM ID", "ACTION", "PROM SKU", "LOCAL SKU", "BEFORE", "AFTER"
            )?;
            for i in &self.items {
                let action = match i.action {
                    Action::Link => "link",
                    Action::Create => "create",
                    Action::Stock => "stock",
                    Action::Stage => "stage",
                };
                writeln!(
                    f,
                    "{:>12}  {:<8}  {:<16}  {:<16}  {:>6}  {:>6}  {}",
                    i.prom_id,
                    action,
                    i.prom_sku.as_deref().unwrap_or("-"),
                    i.local_sku.as_deref().unwrap_or("-"),
                    i.before.map_or("-".into(), |v| v.to_string()),
                    i.after.map_or("-".into(), |v| v.to_string()),
                    i.name
                )?;
            }
        }
        for h in &self.hard_cases {
            writeln!(f, "hard case: Prom product {}: {}", h.prom_id, h.detail)?;
        }
        Ok(())
    }
}

/// What the planner needs of the back office.
#[derive(Debug, Default)]
pub struct LocalView {
    /// Trimmed SKU → (product id, SKU).
    pub by_sku: HashMap<String, u64>,
    pub sku_of: HashMap<u64, String>,
    /// Local product → Prom id, and back.
    pub links: HashMap<u64, i64>,
    pub by_prom: HashMap<i64, u64>,
    /// Stock in the import's warehouse.
    pub stock: HashMap<u64, i64>,
    pub staged: HashMap<i64, StagedProduct>,
    /// Prom ids found deleted (HTTP 404), with when.
    pub gone: HashMap<i64, chrono::DateTime<chrono::Utc>>,
    /// Unlinks made by hand, by local product and by Prom id.
    pub hand_unlinked: HashMap<u64, HandUnlink>,
    pub hand_unlinked_prom: HashMap<i64, HandUnlink>,
}

impl LocalView {
    pub fn load(store: &Store, warehouse: &str) -> Result<Self, StoreError> {
        let mut v = LocalView::default();
        for p in store.products()? {
            v.by_sku.insert(p.sku.trim().to_string(), p.id);
            if let Some((_, q)) = store
                .stock_of(p.id)?
                .into_iter()
                .find(|(w, _)| w == warehouse)
            {
                v.stock.insert(p.id, q);
            }
            v.sku_of.insert(p.id, p.sku);
        }
        for (local, prom) in store.link_pairs()? {
            v.links.insert(local, prom);
            v.by_prom.insert(prom, local);
        }
        v.staged = store
            .staged()?
            .into_iter()
            .map(|s| (s.prom_id, s))
            .collect();
        v.gone = store.gone()?;
        for u in store.hand_unlinks()? {
            v.hand_unlinked.insert(u.product_id, u);
            v.hand_unlinked_prom.insert(u.prom_id, u);
        }
        Ok(v)
    }

    /// The local product is linked to a Prom product that is not gone (a link to a gone
    /// one may be replaced).
    pub fn is_linked(&self, id: u64) -> bool {
        self.links
            .get(&id)
            .is_some_and(|prom| !self.gone.contains_key(prom))
    }

    /// Why automatic linking leaves `prom_id`, or the local product `local`, alone: one of
    /// them was unlinked by hand.
    fn unlinked_by_hand(&self, prom_id: i64, local: Option<u64>) -> Option<String> {
        let u = self
            .hand_unlinked_prom
            .get(&prom_id)
            .or_else(|| local.and_then(|id| self.hand_unlinked.get(&id)))?;
        let sku = self.sku_of.get(&u.product_id).map_or("?", String::as_str);
        Some(format!(
            "local {sku} was unlinked by hand from Prom product {} on {}: not linked again; `links link SKU PROM_ID` to link it",
            u.prom_id,
            u.at.format("%Y-%m-%d")
        ))
    }
}

fn clean_sku(p: &PromProduct) -> Option<String> {
    p.sku
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Pure: what a mode would do with this catalogue against this back office.
pub fn plan(mode: ImportMode, prom: &[PromProduct], local: &LocalView) -> ImportPlan {
    let mut items = Vec::new();
    let mut hard = Vec::new();
    let mut sku_count: HashMap<String, usize> = HashMap::new();
    for p in prom {
        if let Some(s) = clean_sku(p) {
            *sku_count.entry(s).or_default() += 1;
        }
    }
    // Local products this plan links, so that one is never linked twice.
    let mut taken: HashSet<u64> = HashSet::new();
    let mut sorted: Vec<&PromProduct> = prom.iter().collect();
    sorted.sort_by_key(|p| p.id);
    for p in sorted {
        let sku = clean_sku(p);
        let name = p.name.clone().unwrap_or_default();
        let item = |action, local_sku: Option<String>, before, after| ImportItem {
            prom_id: p.id,
            prom_sku: sku.clone(),
            name: name.clone(),
            action,
            local_sku,
            before,
            after,
        };
        if mode == ImportMode::Stage {
            let fresh = StagedProduct {
                prom_id: p.id,
                sku: sku.clone(),
                name: name.clone(),
                other_names: p.other_names(),
                price: p.price,
                currency: p.currency.clone(),
                quantity: p.quantity_in_stock,
                staged_at: chrono::DateTime::UNIX_EPOCH,
            };
            let same = local.staged.get(&p.id).is_some_and(|s| {
                StagedProduct {
                    staged_at: fresh.staged_at,
                    ..s.clone()
                } == fresh
            });
            if !same {
                items.push(item(Action::Stage, None, None, None));
            }
            if sku.is_none() {
                hard.push(HardCase {
                    prom_id: p.id,
                    kind: HardCaseKind::BlankSku,
                    detail: "blank SKU: link it by hand".into(),
                });
            }
            continue;
        }
        // Linked already: the link follows the Prom id whatever its SKU says now.
        let linked = local.by_prom.get(&p.id).copied();
        // Unlinked by hand (this Prom product, or the local product its SKU names).
        let local_id = sku.as_deref().and_then(|s| local.by_sku.get(s).copied());
        let by_hand = match linked {
            Some(_) => None,
            None => local.unlinked_by_hand(p.id, local_id),
        };
        let target = match linked {
            Some(id) => {
                let local_sku = local.sku_of.get(&id).cloned().unwrap_or_default();
                if sku.as_deref() != Some(local_sku.trim()) {
                    hard.push(HardCase {
                        prom_id: p.id,
                        kind: HardCaseKind::SkuChanged,
                        detail: format!(
                            "linked to local {local_sku}, but its SKU on Prom.ua is now {}; the link is kept",
                            sku.as_deref().unwrap_or("blank")
                        ),
                    });
                }
                Some(id)
            }
            None if by_hand.is_some() => {
                hard.push(HardCase {
                    prom_id: p.id,
                    kind: HardCaseKind::UnlinkedByHand,
                    detail: by_hand.clone().unwrap_or_default(),
                });
                None
            }
            None => match &sku {
                None => {
                    hard.push(HardCase {
                        prom_id: p.id,
                        kind: HardCaseKind::BlankSku,
                        detail: "blank SKU: not matched; link it by hand".into(),
                    });
                    None
                }
                Some(s) if sku_count[s] > 1 => {
                    hard.push(HardCase {
                        prom_id: p.id,
                        kind: HardCaseKind::DuplicateSku,
                        detail: format!(
                            "SKU {s} is on {} Prom products: not matched; link it by hand",
                            sku_count[s]
                        ),
                    });
                    None
                }
                Some(s) => match local.by_sku.get(s).copied() {
                    Some(id) if local.is_linked(id) || taken.contains(&id) => {
                        hard.push(HardCase {
                            prom_id: p.id,
                            kind: HardCaseKind::SkuTaken,
                            detail: format!(
                                "local {s} is already linked to Prom product {}",
                                local
                                    .links
                                    .get(&id)
                                    .map_or("in this run".into(), |x| x.to_string())
                            ),
                        });
                        None
                    }
                    Some(id) => {
                        taken.insert(id);
                        items.push(item(Action::Link, Some(s.clone()), None, None));
                        Some(id)
                    }
                    None if mode == ImportMode::CreateMissing => {
                        // Created without a balance: no stock is recorded until the seller
                        // records one, and nothing is pushed for it until then.
                        items.push(item(Action::Create, Some(s.clone()), None, None));
                        None
                    }
                    None => None,
                },
            },
        };
        if let (ImportMode::UpdateBalances, Some(id), Some(q)) = (mode, target, p.quantity_in_stock)
        {
            if !(0..=MAX_QUANTITY).contains(&q) {
                hard.push(HardCase {
                    prom_id: p.id,
                    kind: HardCaseKind::BadQuantity,
                    detail: format!(
                        "Prom.ua's quantity {q} is not a stock the ledger can hold (0 to {}): local stock left as it is",
                        MAX_QUANTITY
                    ),
                });
                continue;
            }
            let before = local.stock.get(&id).copied();
            if before != Some(q) {
                items.push(item(
                    Action::Stock,
                    local.sku_of.get(&id).cloned(),
                    before,
                    Some(q),
                ));
            }
        }
    }
    ImportPlan {
        mode: mode.name(),
        read: prom.len(),
        items,
        hard_cases: hard,
        guarded: None,
    }
}
