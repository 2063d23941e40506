//! The plan of an import: what a mode would do with a Prom.ua catalogue against the back
//! office (pure), its hard cases, and how `--dry-run` prints it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use serde::Serialize;

use super::balances::{Decision, Feedback};
use super::identity::{Found, Identity, prom_sku};
use super::readable;
use crate::config::ImportMode;
use crate::domain::sku::clean;
use crate::prom::dto::Product as PromProduct;
use crate::store::{HandUnlink, StagedProduct, Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Link the Prom product to the local product with the same SKU.
    Link,
    /// Create a local product from the Prom product (no stock recorded) and link it.
    Create,
    /// Set the stock of the import's warehouse so that push_stock sends Prom's quantity.
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
    /// Why a balance is set (`update_balances`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HardCaseKind {
    BlankSku,
    DuplicateSku,
    SkuTaken,
    SkuChanged,
    /// The SKU matches no local SKU identically but looks like one (or like another Prom
    /// product's): not matched, not created.
    LookalikeSku,
    /// Prom's quantity is negative, fractional or beyond what the ledger holds: not
    /// imported.
    BadQuantity,
    /// A field the import uses (SKU, name, price, currency) could not be read: nothing is
    /// done with the product.
    UnreadableField,
    /// No stock in the import's warehouse makes push_stock send Prom's quantity (the
    /// other pushed warehouses hold more).
    NegativeTarget,
    /// Prom's quantity and the local stock both changed since the last push: the local
    /// stock is kept.
    ChangedBothSides,
    /// The last push of the product was not confirmed: Prom's quantity may be ours.
    PushUnconfirmed,
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
    /// `update_balances`: linked products whose Prom quantity is what we last pushed (our
    /// own figure, not imported).
    pub same_as_pushed: usize,
    /// `update_balances`: linked products with no count on Prom.ua (no quantity, or made
    /// to order with 0): their stock is left as it is.
    pub no_count: usize,
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
        if self.no_count > 0 {
            writeln!(
                f,
                "{} linked product(s) have no count on Prom.ua (no quantity, or made to order): stock left as it is",
                self.no_count
            )?;
        }
        if self.same_as_pushed > 0 {
            writeln!(
                f,
                "{} linked product(s) show on Prom.ua what we last pushed: our own figure, not imported",
                self.same_as_pushed
            )?;
        }
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
                if let Some(why) = &i.why {
                    writeln!(f, "{:>12}  why: {why}", "")?;
                }
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
    /// Cleaned SKU (`domain::sku::clean`) → product id.
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
    /// What push_stock reads (`update_balances` only).
    pub feedback: Feedback,
}

impl LocalView {
    pub fn load(store: &Store, warehouse: &str) -> Result<Self, StoreError> {
        let mut v = LocalView::default();
        for p in store.products()? {
            // A local SKU that is blank once cleaned matches nothing.
            if let Some(sku) = clean(&p.sku) {
                v.by_sku.insert(sku.to_string(), p.id);
            }
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
    pub(super) fn unlinked_by_hand(&self, prom_id: i64, local: Option<u64>) -> Option<String> {
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

/// Pure: what a mode would do with this catalogue against this back office.
pub fn plan(mode: ImportMode, prom: &[PromProduct], local: &LocalView) -> ImportPlan {
    let mut items = Vec::new();
    let mut hard = Vec::new();
    let identity = Identity::new(mode, prom, local);
    // Local products this plan links, so that one is never linked twice.
    let mut taken: HashSet<u64> = HashSet::new();
    let mut sorted: Vec<&PromProduct> = prom.iter().collect();
    sorted.sort_by_key(|p| p.id);
    let (mut same_as_pushed, mut no_count) = (0, 0);
    for p in sorted {
        if let Some(h) = readable::unreadable(p) {
            hard.push(h);
            continue;
        }
        let sku = prom_sku(p).map(str::to_string);
        let name = p.name.clone().unwrap_or_default();
        let item = |action, local_sku: Option<String>, before, after| ImportItem {
            prom_id: p.id,
            prom_sku: sku.clone(),
            name: name.clone(),
            action,
            local_sku,
            before,
            after,
            why: None,
        };
        // Every mode meets the same hard cases; `stage` reports them and acts on none.
        let found = identity.identify(p, &taken, &mut hard);
        if mode == ImportMode::Stage {
            let fresh = StagedProduct {
                prom_id: p.id,
                sku: sku.clone(),
                name: name.clone(),
                other_names: p.other_names(),
                price: p.price,
                currency: p.currency.clone(),
                quantity: readable::stock(p),
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
            // A quantity matters only for a product matched to a local one, as in the
            // other modes.
            if matches!(found, Found::Linked(_) | Found::Matches(_)) {
                hard.extend(readable::bad_quantity(p));
            }
            continue;
        }
        let target = match found {
            Found::Linked(id) => Some(id),
            Found::Matches(id) => {
                taken.insert(id);
                items.push(item(Action::Link, sku.clone(), None, None));
                Some(id)
            }
            Found::New if mode == ImportMode::CreateMissing => {
                // Created without a balance: no stock is recorded until the seller
                // records one, and nothing is pushed for it until then.
                items.push(item(Action::Create, sku.clone(), None, None));
                None
            }
            Found::New | Found::Nothing => None,
        };
        if let (ImportMode::UpdateBalances, Some(id)) = (mode, target) {
            if let Some(h) = readable::bad_quantity(p) {
                hard.push(h);
                continue;
            }
            // No count on Prom.ua: no quantity, or made to order with 0 (unknown is not 0).
            let Some(q) = p
                .quantity_in_stock
                .filter(|&q| q > 0 || !readable::to_order(p))
            else {
                no_count += 1;
                continue;
            };
            let before = local.stock.get(&id).copied();
            match local.feedback.decide(id, p.id, q, before) {
                Decision::Keep { ours } => same_as_pushed += usize::from(ours),
                Decision::Set { after, why } => items.push(ImportItem {
                    why: Some(why),
                    ..item(
                        Action::Stock,
                        local.sku_of.get(&id).cloned(),
                        before,
                        Some(after),
                    )
                }),
                Decision::Hard(kind, detail) => hard.push(HardCase {
                    prom_id: p.id,
                    kind,
                    detail,
                }),
            }
        }
    }
    ImportPlan {
        mode: mode.name(),
        read: prom.len(),
        items,
        hard_cases: hard,
        same_as_pushed,
        no_count,
        guarded: None,
    }
}
