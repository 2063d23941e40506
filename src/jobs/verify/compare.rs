//! Pure: what Prom.ua shows of the linked products against what the back office would
//! push now (the push planners' own rules: `presence_rules::decide` through
//! `push_stock::wanted_for`, `push_prices::price_for`)
//! and against the snapshot (what Prom last confirmed). A value Prom shows equal to what
//! we would push is never drift, whatever the snapshot; a value equal to the snapshot
//! while the back office changed is a push not made yet (the push jobs send it), not
//! drift. The repairs are planned by the push planners themselves, with Prom's shown
//! values standing in for the snapshot, so their guards read "against what Prom shows".

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::config::{PushPricesOptions, PushStockOptions};
use crate::jobs::push_prices::{self, PriceChange};
use crate::jobs::push_stock::{self, Facts, StockChange};
use crate::prom::dto::Product;
use crate::report::{DriftCause, DriftItem};
use crate::store::{ConfirmedStock, LinkedPrice, LinkedStock, PriceSnapshot, ShownMarks};

/// What Prom.ua shows of one product: the fields a verify compares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub quantity: Option<i64>,
    pub presence: Option<String>,
    pub price: Option<Decimal>,
    /// Read for the presence rules (a product hidden by hand is left alone); not compared.
    pub status: Option<String>,
}

impl From<&Product> for Shown {
    fn from(p: &Product) -> Self {
        Shown {
            quantity: p.quantity_in_stock,
            presence: p.presence.clone(),
            price: p.price,
            status: p.status.clone(),
        }
    }
}

impl Shown {
    /// The marks once this read is taken in, as the store takes it (`after_read`: a
    /// presence equal to the one we confirmed is our echo, not the seller's).
    fn marks(&self, held: Option<&ShownMarks>, ours: Option<&str>) -> ShownMarks {
        ShownMarks::after_read(held, self.presence.as_deref(), self.status.as_deref(), ours)
    }
}

/// The rules the back office's values go through, as the push jobs apply them.
pub struct Rules<'a> {
    pub safety_buffer: i64,
    /// Compare stock (`[sync] update_balances`), with the push_stock guards for repairs.
    pub stock: Option<&'a PushStockOptions>,
    /// The products' own out-of-stock presences (`products set-presence`), by product id.
    pub presence_settings: &'a HashMap<u64, String>,
    /// What the store holds of Prom's presences and statuses (`prom_shown`), by Prom id.
    pub prom_shown: &'a HashMap<i64, ShownMarks>,
    /// Compare prices (`[sync] update_prices` and a push_prices job), with its rules and
    /// the verify's guards.
    pub prices: Option<&'a PushPricesOptions>,
}

/// What a comparison found.
#[derive(Debug, Default)]
pub struct Drift {
    pub items: Vec<DriftItem>,
    /// The stock repairs (every linked product with stock drift), as push_stock plans them.
    pub stock: Vec<StockChange>,
    pub prices: Vec<PriceChange>,
    /// Why a guard stops the repair, if one does.
    pub guarded: Option<String>,
    /// Linked products compared (shown by Prom this run).
    pub compared: usize,
    /// Fields where Prom shows what it confirmed and the back office changed since: the
    /// push jobs send them.
    pub pending: usize,
}

/// How one field compares: `None` when it has not drifted (or is only pending).
fn classify<T: PartialEq>(
    local: &T,
    prom: &Option<T>,
    snapshot: Option<&T>,
    unconfirmed: bool,
    pending: &mut usize,
) -> Option<DriftCause> {
    if prom.as_ref() == Some(local) {
        return None;
    }
    match snapshot {
        None => Some(DriftCause::NeverConfirmed),
        Some(_) if unconfirmed => Some(DriftCause::NeverConfirmed),
        Some(s) if prom.as_ref() == Some(s) => {
            *pending += 1;
            None
        }
        Some(_) => Some(DriftCause::ChangedOnProm),
    }
}

fn item(sku: &str, prom_id: i64, field: &str, values: [Value; 3], cause: DriftCause) -> DriftItem {
    let [local, prom, snapshot] = values;
    DriftItem {
        sku: sku.to_string(),
        prom_id,
        field: field.to_string(),
        local,
        prom,
        snapshot,
        cause,
        repaired: false,
    }
}

/// Compares the linked products Prom.ua showed (`shown`, by Prom id); products it did
/// not show this run are not compared.
pub fn compare(
    stock: &[LinkedStock],
    prices: &[LinkedPrice],
    shown: &HashMap<i64, Shown>,
    rules: &Rules<'_>,
) -> Drift {
    let mut d = Drift::default();
    let mut compared = std::collections::HashSet::new();
    if let Some(opts) = rules.stock {
        let presence_rules = opts.presence_rules();
        // What Prom showed, taken in as the store will: the same decision as a push.
        let facts = Facts {
            settings: rules.presence_settings.clone(),
            shown: stock
                .iter()
                .filter_map(|row| {
                    let s = shown.get(&row.prom_id)?;
                    let ours = row.snapshot.as_ref().filter(|c| c.prom_id == row.prom_id);
                    let held = rules.prom_shown.get(&row.prom_id);
                    Some((
                        row.prom_id,
                        s.marks(held, ours.map(|c| c.presence.as_str())),
                    ))
                })
                .collect(),
        };
        let mut repair = Vec::new();
        for row in stock {
            let Some(s) = shown.get(&row.prom_id) else {
                continue;
            };
            compared.insert(row.product_id);
            // Unknown stock is not zero: nothing to compare it with.
            if !row.recorded && !opts.push_unrecorded_as_zero {
                continue;
            }
            let wanted = push_stock::wanted_for(row, rules.safety_buffer, &facts, &presence_rules);
            let (quantity, presence) = (wanted.quantity, wanted.presence);
            let snap = row.snapshot.as_ref().filter(|c| c.prom_id == row.prom_id);
            let unconfirmed = snap.is_some_and(|c| c.unconfirmed);
            let before = d.items.len();
            if let Some(cause) = classify(
                &quantity,
                &s.quantity,
                snap.map(|c| &c.quantity),
                unconfirmed,
                &mut d.pending,
            ) {
                let values = [
                    json!(quantity),
                    json!(s.quantity),
                    json!(snap.map(|c| c.quantity)),
                ];
                d.items.push(item(
                    &row.sku,
                    row.prom_id,
                    "quantity_in_stock",
                    values,
                    cause,
                ));
            }
            let presence = presence.to_string();
            if let Some(cause) = classify(
                &presence,
                &s.presence,
                snap.map(|c| &c.presence),
                unconfirmed,
                &mut d.pending,
            ) {
                let values = [
                    json!(presence),
                    json!(s.presence),
                    json!(snap.map(|c| &c.presence)),
                ];
                d.items
                    .push(item(&row.sku, row.prom_id, "presence", values, cause));
            }
            if d.items.len() > before {
                // Prom's values stand in for the snapshot: the planner sends what differs.
                let shown_as_confirmed = match (s.quantity, &s.presence) {
                    (Some(q), Some(p)) => Some(ConfirmedStock {
                        prom_id: row.prom_id,
                        quantity: q,
                        presence: p.clone(),
                        unconfirmed: false,
                        // Our hidden mark is ours to keep, whatever Prom shows.
                        hidden: snap.is_some_and(|c| c.hidden),
                    }),
                    _ => None,
                };
                repair.push(LinkedStock {
                    snapshot: shown_as_confirmed,
                    ..row.clone()
                });
            }
        }
        let mut plan = push_stock::plan(&repair, rules.safety_buffer, opts, &facts);
        // The zero-share guard is a share of the whole linked catalogue, as in push_stock.
        plan.considered = stock.len();
        d.guarded = push_stock::guard(&plan, opts);
        d.stock = plan.changes;
    }
    if let Some(opts) = rules.prices {
        let price_rules = opts.rules();
        let mut repair = Vec::new();
        for row in prices {
            let (Some(s), Some(local)) = (shown.get(&row.prom_id), row.price) else {
                continue;
            };
            compared.insert(row.product_id);
            let wanted = push_prices::price_for(local, &price_rules);
            let snap = row.snapshot.as_ref().filter(|c| c.prom_id == row.prom_id);
            let Some(cause) = classify(
                &wanted,
                &s.price,
                snap.map(|c| &c.price),
                snap.is_some_and(|c| c.unconfirmed),
                &mut d.pending,
            ) else {
                continue;
            };
            let values = [
                json!(wanted.to_string()),
                json!(s.price.map(|p| p.to_string())),
                json!(snap.map(|c| c.price.to_string())),
            ];
            d.items
                .push(item(&row.sku, row.prom_id, "price", values, cause));
            repair.push(LinkedPrice {
                snapshot: s.price.map(|price| PriceSnapshot {
                    prom_id: row.prom_id,
                    price,
                    confirmed_at: chrono::DateTime::UNIX_EPOCH,
                    unconfirmed: false,
                }),
                ..row.clone()
            });
        }
        let plan = push_prices::plan(&repair, opts);
        d.guarded = d.guarded.take().or(plan.guarded);
        d.prices = plan.changes;
    }
    d.compared = compared.len();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AVAILABLE, NOT_AVAILABLE};

    fn row(id: u64, stock: i64, snap: Option<(i64, &str)>) -> LinkedStock {
        LinkedStock {
            product_id: id,
            sku: format!("S{id}"),
            prom_id: 1000 + id as i64,
            stock,
            recorded: true,
            reserved: 0,
            snapshot: snap.map(|(q, p)| ConfirmedStock {
                prom_id: 1000 + id as i64,
                quantity: q,
                presence: p.into(),
                unconfirmed: false,
                hidden: false,
            }),
        }
    }

    fn shown(q: i64, p: &str) -> Shown {
        Shown {
            quantity: Some(q),
            presence: Some(p.into()),
            price: None,
            status: None,
        }
    }

    fn run(rows: &[LinkedStock], seen: &[(i64, Shown)]) -> Drift {
        let shown: HashMap<i64, Shown> = seen.iter().cloned().collect();
        let opts = PushStockOptions {
            max_zero_share_percent: Some(Decimal::from(100)),
            ..Default::default()
        };
        let rules = Rules {
            safety_buffer: 0,
            presence_settings: &HashMap::new(),
            prom_shown: &HashMap::new(),
            stock: Some(&opts),
            prices: None,
        };
        compare(rows, &[], &shown, &rules)
    }

    #[test]
    fn causes_follow_the_snapshot() {
        let rows = [
            row(1, 5, Some((5, AVAILABLE))), // Prom changed our confirmed 5 to 9
            row(2, 5, None),                 // never confirmed, Prom shows 3
            row(3, 5, None),                 // never confirmed, Prom shows 5: no drift
            row(4, 7, Some((5, AVAILABLE))), // Prom shows the confirmed 5: a pending push
            row(5, 5, Some((5, AVAILABLE))), // not shown this run: not compared
        ];
        let d = run(
            &rows,
            &[
                (1001, shown(9, AVAILABLE)),
                (1002, shown(3, AVAILABLE)),
                (1003, shown(5, AVAILABLE)),
                (1004, shown(5, AVAILABLE)),
            ],
        );
        let got: Vec<(&str, &str, DriftCause)> = d
            .items
            .iter()
            .map(|i| (i.sku.as_str(), i.field.as_str(), i.cause))
            .collect();
        assert_eq!(
            got,
            vec![
                ("S1", "quantity_in_stock", DriftCause::ChangedOnProm),
                ("S2", "quantity_in_stock", DriftCause::NeverConfirmed),
            ]
        );
        assert_eq!((d.compared, d.pending), (4, 1));
        let repaired: Vec<(u64, i64, Option<i64>)> = d
            .stock
            .iter()
            .map(|c| (c.product_id, c.quantity, c.before_quantity))
            .collect();
        assert_eq!(repaired, vec![(1, 5, Some(9)), (2, 5, Some(3))]);
        assert_eq!(d.items[0].snapshot, json!(5));
        assert_eq!(d.items[0].prom, json!(9));
    }

    #[test]
    fn presence_and_unconfirmed_and_unreadable_quantities() {
        let mut unconfirmed = row(1, 0, Some((0, NOT_AVAILABLE)));
        unconfirmed.snapshot.as_mut().unwrap().unconfirmed = true;
        let rows = [unconfirmed, row(2, 4, Some((4, AVAILABLE)))];
        let d = run(
            &rows,
            &[
                (1001, shown(0, AVAILABLE)),
                (
                    1002,
                    Shown {
                        quantity: None,
                        presence: Some(AVAILABLE.into()),
                        price: None,
                        status: None,
                    },
                ),
            ],
        );
        let got: Vec<(&str, &str, DriftCause)> = d
            .items
            .iter()
            .map(|i| (i.sku.as_str(), i.field.as_str(), i.cause))
            .collect();
        assert_eq!(
            got,
            vec![
                ("S1", "presence", DriftCause::NeverConfirmed),
                ("S2", "quantity_in_stock", DriftCause::ChangedOnProm),
            ]
        );
        assert_eq!(d.stock.len(), 2);
        assert_eq!(d.items[1].prom, Value::Null);
    }

    #[test]
    fn unrecorded_stock_is_not_compared_and_prices_follow_the_rules() {
        let mut unknown = row(1, 0, None);
        unknown.recorded = false;
        assert!(
            run(&[unknown], &[(1001, shown(3, AVAILABLE))])
                .items
                .is_empty()
        );

        let price_row = |price: &str, snap: Option<&str>| LinkedPrice {
            product_id: 2,
            sku: "S2".into(),
            prom_id: 1002,
            price: Some(price.parse().unwrap()),
            snapshot: snap.map(|s| PriceSnapshot {
                prom_id: 1002,
                price: s.parse().unwrap(),
                confirmed_at: chrono::DateTime::UNIX_EPOCH,
                unconfirmed: false,
            }),
        };
        let opts = PushPricesOptions {
            markup_percent: Decimal::from(10),
            ..Default::default()
        };
        let rules = Rules {
            safety_buffer: 0,
            presence_settings: &HashMap::new(),
            prom_shown: &HashMap::new(),
            stock: None,
            prices: Some(&opts),
        };
        let shown: HashMap<i64, Shown> = [(
            1002,
            Shown {
                quantity: None,
                presence: None,
                price: Some(Decimal::from(100)),
                status: None,
            },
        )]
        .into();
        // 100 + 10 % = 110 confirmed; Prom shows 100: changed on Prom, repaired to 110.
        let d = compare(&[], &[price_row("100", Some("110"))], &shown, &rules);
        assert_eq!(d.items.len(), 1);
        assert_eq!(d.items[0].cause, DriftCause::ChangedOnProm);
        assert_eq!(d.prices[0].after, Decimal::from(110));
        assert!(d.guarded.is_none());
        // Prom showing what we would push is no drift, whatever the snapshot.
        let d = compare(&[], &[price_row("90.91", Some("5"))], &shown, &rules);
        assert!(d.items.is_empty(), "{:?}", d.items);
    }
}
