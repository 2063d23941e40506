//! Which edit call carries stock. Prom's public typed clients list `quantity_in_stock`
//! only on `products/edit_by_external_id` (prom-api.md §10), and Prom.ua may confirm a
//! field it ignores. With `[prom] stock_route = "auto"` (the default) stock goes through
//! `products/edit` until a read-back (`readback.rs`) shows a confirmed quantity that did
//! not take while the presence sent with it did; from then on (kept in the store, logged
//! once) it goes through `edit_by_external_id` for products with an external id. Products
//! without one cannot get their quantity there: their presence still goes through
//! `products/edit`, and they fail with what the seller can do about it.
//!
//! `by_external_id` and `assign` are pure; `route` reads the store for them; `learn`
//! keeps what a read-back showed.

use std::collections::HashMap;

use chrono::Utc;
use serde::Serialize;

use super::push_stock::{StockChange, StockPlan};
use super::readback::Evidence;
use super::{JobContext, JobError};
use crate::domain::StockRoute;
use crate::report::{ItemWarning, RunRecord};
use crate::store::StockRouteMark;

/// How one stock change goes to Prom.ua.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum Route {
    /// `products/edit`, by Prom id.
    #[default]
    Edit,
    /// `products/edit_by_external_id`, by this external id.
    ExternalId { external_id: String },
    /// Stock must go by external id and the product has none: only its presence is sent
    /// (through `products/edit`), and the change fails with [`NO_EXTERNAL_ID`].
    PresenceOnly,
}

impl Route {
    pub fn is_edit(&self) -> bool {
        *self == Route::Edit
    }
}

/// Why a product's quantity was not sent, and what the seller can do.
pub const NO_EXTERNAL_ID: &str = "quantity not sent (only presence): stock goes through \
products/edit_by_external_id on this shop ([prom] stock_route, or a read-back that showed \
products/edit ignoring quantity_in_stock), and no external id is known for this product. \
Give it an external id on Prom.ua (in the cabinet, or through a file or feed import, whose \
product ids become external ids), then run an import_products job so that promua-sync reads it";

/// Pure: whether stock goes by external id, from the configuration and whether a
/// read-back taught it.
pub fn by_external_id(config: StockRoute, learnt: bool) -> bool {
    match config {
        StockRoute::Auto => learnt,
        StockRoute::Edit => false,
        StockRoute::EditByExternalId => true,
    }
}

/// Pure: addresses every change by its product's external id, or presence only.
pub fn assign(plan: &mut StockPlan, external: &HashMap<i64, String>) {
    assign_changes(&mut plan.changes, external);
    plan.by_external_id = true;
}

fn assign_changes(changes: &mut [StockChange], external: &HashMap<i64, String>) {
    // An external id two products share would confirm both from one answer: neither is
    // sent by it (each then fails as having none, until the shop tells them apart).
    let mut holders: HashMap<&str, usize> = HashMap::new();
    for x in external.values() {
        *holders.entry(x.as_str()).or_default() += 1;
    }
    let external: HashMap<i64, String> = external
        .iter()
        .filter(|(_, x)| holders[x.as_str()] == 1)
        .map(|(id, x)| (*id, x.clone()))
        .collect();
    for c in changes {
        c.route = match external.get(&c.prom_id) {
            Some(x) => Route::ExternalId {
                external_id: x.clone(),
            },
            None => Route::PresenceOnly,
        };
    }
}

/// Routes a plan's changes: reads the learnt route and the external ids it needs.
pub async fn route(ctx: &JobContext, plan: &mut StockPlan) -> Result<(), JobError> {
    if route_changes(ctx, &mut plan.changes).await? {
        plan.by_external_id = true;
    }
    Ok(())
}

/// Routes stock changes planned outside a push (a `verify` repair) the same way.
/// Returns whether they go by external id.
pub async fn route_changes(
    ctx: &JobContext,
    changes: &mut [StockChange],
) -> Result<bool, JobError> {
    let config = ctx.stock_route;
    let learnt =
        config == StockRoute::Auto && ctx.blocking(|s| s.stock_route_mark()).await?.is_some();
    if !by_external_id(config, learnt) {
        return Ok(false);
    }
    let ids: Vec<i64> = changes.iter().map(|c| c.prom_id).collect();
    let external = ctx.blocking(move |s| s.external_ids_of(ids)).await?;
    assign_changes(changes, &external);
    Ok(true)
}

/// A read-back showed `products/edit` confirming `quantity_in_stock` and ignoring it.
/// With `auto`, stock goes by external id from now on: kept in the store (every stock
/// snapshot marked unconfirmed, so the next push resends all by the new route), logged
/// once as a warning and put in the run's warnings. With `edit` forced, a note says so.
pub(crate) async fn learn(
    ctx: &JobContext,
    evidence: Evidence,
    r: &mut RunRecord,
) -> Result<(), JobError> {
    let seen = format!(
        "SKU {} (Prom id {}): {}, presence as sent",
        evidence.sku, evidence.prom_id, evidence.text
    );
    match ctx.stock_route {
        StockRoute::Auto => {
            let mark = StockRouteMark {
                since: Utc::now(),
                evidence: seen.clone(),
            };
            let learnt = ctx.blocking(move |s| s.learn_stock_route(&mark)).await?;
            ctx.store.flush().await?;
            if learnt {
                let message = format!(
                    "Prom.ua's products/edit confirmed quantity_in_stock and ignored it ({seen}): \
                     stock goes through products/edit_by_external_id from now on; every stock \
                     snapshot is marked unconfirmed, so the next push sends all stock again that way \
                     (a push_stock max_changes below the number of linked products stops it: \
                     raise it for that run); to go back, set [prom] stock_route = \"edit\""
                );
                tracing::warn!("{message}");
                r.warnings.push(ItemWarning {
                    subject: evidence.sku,
                    prom_id: evidence.prom_id,
                    kind: "stock_route".into(),
                    message,
                });
            }
        }
        StockRoute::Edit => r.notes.push(format!(
            "products/edit seems to ignore quantity_in_stock on this shop ({seen}), and \
             [prom] stock_route = \"edit\" keeps it: set stock_route = \"auto\" or \
             \"edit_by_external_id\""
        )),
        StockRoute::EditByExternalId => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::edit_push::Edit;
    use crate::jobs::push_stock::StockChange;

    fn change(prom_id: i64) -> StockChange {
        StockChange {
            product_id: prom_id as u64,
            sku: format!("S{prom_id}"),
            prom_id,
            before_quantity: None,
            before_presence: None,
            quantity: 3,
            presence: crate::domain::AVAILABLE,
            presence_reason: String::new(),
            status: None,
            status_reason: None,
            hidden: false,
            unconfirmed: false,
            route: Route::Edit,
        }
    }

    #[test]
    fn an_external_id_two_products_share_addresses_neither() {
        let mut changes = vec![change(1), change(2), change(3)];
        let external = HashMap::from([
            (1, "DUP".to_string()),
            (2, "DUP".to_string()),
            (3, "OWN".to_string()),
        ]);
        assign_changes(&mut changes, &external);
        assert_eq!(changes[0].route, Route::PresenceOnly);
        assert_eq!(changes[1].route, Route::PresenceOnly);
        assert_eq!(
            changes[2].route,
            Route::ExternalId {
                external_id: "OWN".into()
            }
        );
    }

    #[test]
    fn presence_only_products_do_not_count_against_max_changes() {
        let mut plan = StockPlan {
            considered: 3,
            changes: vec![change(1), change(2), change(3)],
            unrecorded: 0,
            guarded: None,
            by_external_id: false,
            forget_hidden: Vec::new(),
        };
        let opts = crate::config::PushStockOptions {
            max_changes: Some(1),
            ..Default::default()
        };
        assert!(crate::jobs::push_stock::guard(&plan, &opts).is_some());
        assign(&mut plan, &HashMap::from([(1, "A-1".to_string())]));
        assert_eq!(crate::jobs::push_stock::guard(&plan, &opts), None);
    }

    #[test]
    fn the_configuration_wins_over_what_was_learnt() {
        assert!(!by_external_id(StockRoute::Auto, false));
        assert!(by_external_id(StockRoute::Auto, true));
        assert!(!by_external_id(StockRoute::Edit, true));
        assert!(by_external_id(StockRoute::EditByExternalId, false));
    }

    #[test]
    fn products_without_an_external_id_send_presence_only() {
        let mut plan = StockPlan {
            considered: 2,
            changes: vec![change(1), change(2)],
            unrecorded: 0,
            guarded: None,
            by_external_id: false,
            forget_hidden: Vec::new(),
        };
        assert_eq!(plan.changes[0].patch().quantity_in_stock, Some(3));
        assign(&mut plan, &HashMap::from([(1, "A-1".to_string())]));
        assert_eq!(
            plan.changes[0].route,
            Route::ExternalId {
                external_id: "A-1".into()
            }
        );
        assert_eq!(plan.changes[1].route, Route::PresenceOnly);
        let presence_only = plan.changes[1].patch();
        assert_eq!(presence_only.quantity_in_stock, None);
        assert_eq!(
            presence_only.presence.as_deref(),
            Some(crate::domain::AVAILABLE)
        );
        assert_eq!(plan.changes[1].external_id(), None);
        assert!(
            plan.changes[1]
                .unconfirmable()
                .unwrap()
                .contains("external id")
        );
        assert_eq!(plan.changes[0].external_id(), Some("A-1"));
        assert!(plan.by_external_id);
    }
}
