//! Pure: the tiers (`prices`) and discount Prom.ua shows against what push_prices would
//! send now (its own `plan_extras`), for the products whose extras the back office holds.
//! As for prices: equal to what we would send is no drift; equal to the snapshot while the
//! back office changed is a push not made yet. Repairs are planned by push_prices itself
//! (`plan_with`), Prom's shown values standing in for the snapshots.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde_json::json;

use super::compare::{Drift, Shown};
use crate::config::PushPricesOptions;
use crate::jobs::push_prices::{
    self, ExtrasTerms, discount_shown, plan_extras, shown_discount, shown_tiers, shows_discount,
    tiers_shown,
};
use crate::prom::dto::Product;
use crate::report::{DriftCause, DriftItem};
use crate::store::{
    DiscountState, ExtrasRow, ExtrasRows, ExtrasSnapshot, LinkedPrice, PriceSnapshot, SentTier,
};

/// What Prom.ua shows of a product's tiers and discount (`None`: not sent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShownExtras {
    pub tiers: Option<Vec<SentTier>>,
    pub discount: Option<DiscountState>,
}

impl From<&Product> for ShownExtras {
    fn from(p: &Product) -> Self {
        ShownExtras {
            tiers: p.prices.as_deref().map(shown_tiers),
            discount: p.discount.as_ref().and_then(shown_discount),
        }
    }
}

fn normal(t: &[SentTier]) -> Vec<SentTier> {
    t.iter()
        .map(|t| SentTier {
            min_quantity: t.min_quantity,
            price: t.price.normalize(),
        })
        .collect()
}

/// Adds the extras' drift to `d` (items, and the repairs, which replace any price-only
/// repair of the same products: a repair with extras carries the price too).
#[allow(clippy::too_many_arguments)]
pub fn compare(
    prices: &[LinkedPrice],
    extras: &ExtrasRows,
    shown: &HashMap<i64, Shown>,
    shown_extras: &HashMap<i64, ShownExtras>,
    opts: &PushPricesOptions,
    today: NaiveDate,
    d: &mut Drift,
) {
    let rules = opts.rules();
    let terms = ExtrasTerms {
        rules: &rules,
        send_tiers: opts.send_tiers,
        send_discounts: opts.send_discounts,
        today,
    };
    let (mut repair_rows, mut repair_extras) = (Vec::new(), ExtrasRows::new());
    for row in prices {
        let (Some(local), Some(row_extras)) = (row.price, extras.get(&row.product_id)) else {
            continue;
        };
        let (Some(s), Some(se)) = (shown.get(&row.prom_id), shown_extras.get(&row.prom_id)) else {
            continue;
        };
        let wanted = push_prices::price_for(local, &rules);
        let plan = plan_extras(Some(row_extras), row.prom_id, local, wanted, &terms);
        let snap = row_extras
            .sent
            .as_ref()
            .filter(|x| x.prom_id == row.prom_id);
        let unconfirmed = snap.is_some_and(|x| x.unconfirmed);
        let cause = |confirmed: bool| {
            if confirmed && !unconfirmed {
                DriftCause::ChangedOnProm
            } else {
                DriftCause::NeverConfirmed
            }
        };
        let before = d.items.len();
        if let (Some(t), Some(on_prom)) = (&plan.tiers, &se.tiers) {
            let confirmed = snap.and_then(|x| x.tiers.as_ref()).map(|v| normal(v));
            let want = normal(&t.after);
            // Prom shows what it confirmed while the back office changed: a push to come.
            let pending = confirmed.as_ref() == Some(on_prom) && !unconfirmed;
            if *on_prom == want {
            } else if pending {
                d.pending += 1;
            } else {
                d.items.push(item(
                    row,
                    "prices",
                    [
                        tiers_shown(Some(&want)),
                        tiers_shown(Some(on_prom)),
                        tiers_shown(confirmed.as_ref()),
                    ],
                    cause(confirmed.is_some()),
                ));
            }
        }
        if let (Some(dc), Some(on_prom)) = (&plan.discount, &se.discount) {
            let confirmed = snap.and_then(|x| x.discount.as_ref());
            let pending = confirmed.is_some_and(|c| shows_discount(c, on_prom)) && !unconfirmed;
            if shows_discount(&dc.after, on_prom) {
            } else if pending {
                d.pending += 1;
            } else {
                d.items.push(item(
                    row,
                    "discount",
                    [
                        discount_shown(Some(&dc.after)),
                        discount_shown(Some(on_prom)),
                        discount_shown(confirmed),
                    ],
                    cause(confirmed.is_some()),
                ));
            }
        }
        if d.items.len() > before {
            repair_rows.push(LinkedPrice {
                snapshot: s.price.map(|price| PriceSnapshot {
                    prom_id: row.prom_id,
                    price,
                    confirmed_at: chrono::DateTime::UNIX_EPOCH,
                    unconfirmed: false,
                }),
                ..row.clone()
            });
            // Prom's shown values stand in only for the parts the back office sends: a
            // part it does not (a discount set in the cabinet) stays as our snapshot has
            // it, so the repair does not remove it.
            repair_extras.insert(
                row.product_id,
                ExtrasRow {
                    local: row_extras.local.clone(),
                    sent: Some(ExtrasSnapshot {
                        prom_id: row.prom_id,
                        tiers: ours(
                            plan.tiers.is_some(),
                            se.tiers.clone(),
                            snap.and_then(|x| x.tiers.clone()),
                        ),
                        discount: ours(
                            plan.discount.is_some(),
                            se.discount.clone(),
                            snap.and_then(|x| x.discount.clone()),
                        ),
                        confirmed_at: chrono::DateTime::UNIX_EPOCH,
                        unconfirmed: false,
                    }),
                },
            );
        }
    }
    if repair_rows.is_empty() {
        return;
    }
    let plan = push_prices::plan_with(&repair_rows, &repair_extras, opts, today);
    d.prices
        .retain(|c| !repair_extras.contains_key(&c.product_id));
    d.prices.extend(plan.changes);
    d.guarded = d.guarded.take().or(plan.guarded);
}

/// Prom's shown value of a part the plan sends, else the snapshot's.
fn ours<T>(planned: bool, shown: Option<T>, snapped: Option<T>) -> Option<T> {
    if planned { shown } else { snapped }
}

fn item(row: &LinkedPrice, field: &str, values: [String; 3], cause: DriftCause) -> DriftItem {
    let [local, prom, snapshot] = values;
    DriftItem {
        sku: row.sku.clone(),
        prom_id: row.prom_id,
        field: field.to_string(),
        local: json!(local),
        prom: json!(prom),
        snapshot: json!(snapshot),
        cause,
        repaired: false,
    }
}
