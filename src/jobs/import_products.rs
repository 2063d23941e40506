//! `import_products`: bring a Prom.ua catalogue and the back office together, matching
//! products by identical SKU (trimmed). Four modes: `update_balances`, `create_missing`,
//! `link_only`, `stage`. Hard cases (blank SKU, a SKU on two Prom products, a SKU taken by
//! a product linked elsewhere, a SKU that changed on Prom since linking) are reported,
//! never guessed. A second run with nothing changed on either side changes nothing.

use std::collections::{HashMap, HashSet};
use std::fmt;

use chrono::Utc;
use serde::Serialize;

use super::progress::Progress;
use super::runner::{Job, RunEnv};
use super::{JobError, Plan};
use crate::config::{ImportMode, ImportProductsOptions};
use crate::domain::MAX_QUANTITY;
use crate::prom::dto::Product as PromProduct;
use crate::report::{Outcome, RunRecord};
use crate::store::{Actor, NewProduct, StagedProduct, StockChange, Store, StoreError};

pub const KIND: &str = "import_products";

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
        Ok(v)
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
                    Some(id) if local.links.contains_key(&id) || taken.contains(&id) => {
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

/// A job's plan with what applying it needs: the Prom.ua products read and the back
/// office's view they were planned against.
pub struct ImportWork {
    pub plan: ImportPlan,
    prom: Vec<PromProduct>,
    local: LocalView,
    warehouse: String,
}

impl From<ImportWork> for Plan {
    fn from(w: ImportWork) -> Plan {
        Plan::ImportProducts(w.plan)
    }
}

/// An `import_products` job with its options.
pub struct ImportProducts<'a>(pub &'a ImportProductsOptions);

impl Job for ImportProducts<'_> {
    const KIND: &'static str = KIND;
    type Plan = ImportWork;

    async fn plan(
        &self,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<Option<ImportWork>, JobError> {
        let (ctx, client) = (env.ctx, env.client()?);
        let warehouse = self
            .0
            .warehouse
            .clone()
            .unwrap_or_else(|| ctx.sync.warehouses[0].clone());
        let mut progress = Progress::new(ctx.interactive, "Prom.ua products read");
        let fetched = client
            .all_products_with_progress(&mut |n| progress.at(n, "Prom.ua products read"))
            .await;
        progress.done();
        let prom = match fetched {
            Ok(p) => p,
            Err(e) => {
                r.outcome = Outcome::Failed;
                r.error = Some(e.to_string());
                return Ok(None);
            }
        };
        let from = warehouse.clone();
        let local = ctx.blocking(move |s| LocalView::load(s, &from)).await?;
        let mut plan = plan(self.0.mode, &prom, &local);
        if let Some(max) = self.0.max_changes.filter(|m| plan.items.len() > *m) {
            plan.guarded = Some(format!(
                "would make {} changes, more than max_changes = {max}",
                plan.items.len()
            ));
        }
        r.considered = plan.read;
        r.planned = plan.items.len();
        r.notes = plan
            .hard_cases
            .iter()
            .map(|h| format!("Prom product {}: {}", h.prom_id, h.detail))
            .collect();
        Ok(Some(ImportWork {
            plan,
            prom,
            local,
            warehouse,
        }))
    }

    fn guarded(work: &ImportWork) -> Option<String> {
        work.plan.guarded.clone()
    }

    async fn apply(
        &self,
        work: ImportWork,
        env: &RunEnv<'_>,
        r: &mut RunRecord,
    ) -> Result<(), JobError> {
        let ctx = env.ctx;
        let planned = work.plan.items.len();
        let reason = format!("import_products {}", r.job);
        let (started, policy) = (r.started_at, ctx.sync.reservation_policy());
        ctx.blocking(move |s| write(s, &work, &reason, started, &policy))
            .await?;
        ctx.store.flush().await?;
        ctx.notify_changed();
        // Linked products with no stock recorded are not pushed: say so, and what to do.
        let warehouses = ctx.sync.warehouses.clone();
        let unrecorded = ctx
            .blocking(move |s| {
                let rows = s.linked_stock(&warehouses)?;
                Ok(rows.iter().filter(|row| !row.recorded).count())
            })
            .await?;
        if unrecorded > 0 {
            r.notes.push(format!(
                "{unrecorded} linked product(s) have no stock recorded yet in {}: push_stock does not send them until their stock is recorded (`stock set`, a stock CSV, or an import_products job with mode = \"update_balances\")",
                ctx.sync.warehouses.join(", ")
            ));
        }
        r.confirmed = planned;
        Ok(())
    }
}

/// Writes a plan to the store (on the blocking pool): new products, links, balances,
/// staging, then the orders waiting on the newly linked products.
fn write(
    store: &Store,
    work: &ImportWork,
    reason: &str,
    started: chrono::DateTime<Utc>,
    policy: &crate::domain::ReservationPolicy,
) -> Result<(), StoreError> {
    let ImportWork {
        plan,
        prom,
        local,
        warehouse,
    } = work;
    let by_id: HashMap<i64, &PromProduct> = prom.iter().map(|p| (p.id, p)).collect();
    let items = |a: Action| plan.items.iter().filter(move |i| i.action == a);
    // 1. New local products, in one transaction.
    let creates: Vec<&ImportItem> = items(Action::Create).collect();
    let new: Vec<NewProduct> = creates
        .iter()
        .map(|i| {
            let p = by_id[&i.prom_id];
            NewProduct {
                sku: i.prom_sku.clone().unwrap_or_default(),
                name: if i.name.trim().is_empty() {
                    i.prom_sku.clone().unwrap_or_default()
                } else {
                    i.name.clone()
                },
                price: p.price,
                currency: p.currency.clone(),
            }
        })
        .collect();
    let created = store.add_products(&new)?;
    // 2. Links, in one transaction.
    let mut pairs: Vec<(u64, i64)> = created
        .iter()
        .zip(&creates)
        .map(|(p, i)| (p.id, i.prom_id))
        .collect();
    for i in items(Action::Link) {
        let id = local.by_sku[i.local_sku.as_deref().unwrap_or_default()];
        pairs.push((id, i.prom_id));
    }
    store.link_many(&pairs)?;
    // 3. Balances. Products created get no stock row: their stock is not known yet (a
    // recorded 0 would be pushed to Prom.ua as "out of stock").
    let changes: Vec<StockChange> = items(Action::Stock)
        .filter_map(|i| {
            let id = local.by_prom.get(&i.prom_id).copied().or_else(|| {
                i.local_sku
                    .as_deref()
                    .and_then(|s| local.by_sku.get(s).copied())
            })?;
            Some(StockChange::Set {
                product_id: id,
                warehouse: warehouse.clone(),
                quantity: i.after?,
            })
        })
        .collect();
    store.apply_stock_changes(&changes, Actor::Import, Some(reason))?;
    // 4. Staging.
    let staged: Vec<StagedProduct> = items(Action::Stage)
        .map(|i| {
            let p = by_id[&i.prom_id];
            StagedProduct {
                prom_id: p.id,
                sku: i.prom_sku.clone(),
                name: i.name.clone(),
                price: p.price,
                currency: p.currency.clone(),
                quantity: p.quantity_in_stock,
                staged_at: started,
            }
        })
        .collect();
    store.put_staged(&staged)?;
    // Orders waiting on these Prom products link now.
    for (_, prom_id) in &pairs {
        store.relink_orders(*prom_id, policy)?;
    }
    Ok(())
}
