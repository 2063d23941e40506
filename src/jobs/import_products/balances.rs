//! What `update_balances` takes from Prom.ua, so that it never feeds push_stock's own
//! output back in (one owner per figure).
//!
//! push_stock sends `max(0, stock in [sync] warehouses − reserved − safety_buffer)` and
//! keeps what Prom.ua confirmed (the stock snapshot). A Prom quantity equal to that
//! snapshot is our own figure coming back, not news: it is not imported, so the import
//! never undoes a count set locally since the last push. A Prom quantity that differs
//! was changed on Prom.ua: the import sets its warehouse so that the next push sends
//! Prom's quantity back unchanged (`prom + reserved + buffer − the other pushed
//! warehouses`). A product never confirmed is imported the same way (a first import).

use std::collections::{HashMap, HashSet};

use super::plan::{HardCaseKind, LocalView};
use crate::config::SyncConfig;
use crate::domain::MAX_QUANTITY;
use crate::jobs::push_stock::wanted;
use crate::store::{ConfirmedStock, Store, StoreError};

/// What push_stock reads of one product, besides the stock in the import's warehouse.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Balance {
    /// Stock in the pushed warehouses other than the import's.
    pub elsewhere: i64,
    /// A count was recorded in a pushed warehouse (else push_stock sends nothing).
    pub recorded: bool,
    /// Held by open orders.
    pub reserved: i64,
    /// What Prom.ua last confirmed from us.
    pub snapshot: Option<ConfirmedStock>,
}

/// What `update_balances` needs to know of push_stock.
#[derive(Debug, Clone, Default)]
pub struct Feedback {
    /// The warehouse the import sets.
    pub warehouse: String,
    /// It is one of `[sync] warehouses` (else Prom's quantity is taken as it is: the
    /// push never reads it back).
    pub pushed: bool,
    pub safety_buffer: i64,
    pub products: HashMap<u64, Balance>,
}

/// What to do with one product's Prom quantity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nothing to change. `ours`: Prom shows what we last pushed (not news).
    Keep {
        ours: bool,
    },
    /// Set the import's warehouse to `after`, for the reason given.
    Set {
        after: i64,
        why: String,
    },
    Hard(HardCaseKind, String),
}

impl Feedback {
    /// Reads what push_stock would read: every linked product in one pass
    /// (`linked_stock`), and the others this run may touch one by one.
    pub fn load(
        store: &Store,
        local: &LocalView,
        warehouse: &str,
        sync: &SyncConfig,
        skus: &HashSet<String>,
    ) -> Result<Self, StoreError> {
        let pushed = sync.warehouses.iter().any(|w| w == warehouse);
        let mut products = HashMap::new();
        if pushed {
            for row in store.linked_stock(&sync.warehouses)? {
                let here = local.stock.get(&row.product_id).copied().unwrap_or(0);
                let balance = Balance {
                    elsewhere: row.stock.saturating_sub(here),
                    recorded: row.recorded,
                    reserved: row.reserved,
                    snapshot: row.snapshot,
                };
                products.insert(row.product_id, balance);
            }
            // The rest this run may touch, one by one: products whose SKU is on Prom.ua, and
            // linked ones `linked_stock` leaves out (a link to a product found deleted, which
            // this plan may replace or which is listed again).
            let rest: HashSet<u64> = skus
                .iter()
                .filter_map(|s| local.by_sku.get(s).copied())
                .chain(local.links.keys().copied())
                .filter(|id| !products.contains_key(id))
                .collect();
            for id in rest {
                let mut b = Balance {
                    reserved: store.reserved_of(id)?,
                    ..Balance::default()
                };
                for (w, q, recorded) in store.stock_records_of(id)? {
                    if sync.warehouses.contains(&w) {
                        b.recorded |= recorded;
                        if w != warehouse {
                            b.elsewhere = b.elsewhere.saturating_add(q);
                        }
                    }
                }
                products.insert(id, b);
            }
        }
        Ok(Feedback {
            warehouse: warehouse.to_string(),
            pushed,
            safety_buffer: sync.safety_buffer,
            products,
        })
    }

    /// What to do with Prom's quantity `prom` (0 to `MAX_QUANTITY`) of Prom product
    /// `prom_id`, linked to local product `id` whose stock in the import's warehouse is
    /// `here`.
    pub fn decide(&self, id: u64, prom_id: i64, prom: i64, here: Option<i64>) -> Decision {
        let w = &self.warehouse;
        if !self.pushed {
            return if here == Some(prom) {
                Decision::Keep { ours: false }
            } else {
                Decision::Set {
                    after: prom,
                    why: format!(
                        "Prom shows {prom}; {w} is not one of [sync] warehouses: taken as it is"
                    ),
                }
            };
        }
        let b = self.products.get(&id).cloned().unwrap_or_default();
        let total = here.unwrap_or(0).saturating_add(b.elsewhere);
        // What push_stock would send now (nothing when no count was ever recorded).
        let sends = b.recorded.then(|| {
            wanted(
                total
                    .saturating_sub(b.reserved)
                    .saturating_sub(self.safety_buffer),
            )
            .0
        });
        let snapshot = b.snapshot.as_ref().filter(|s| s.prom_id == prom_id);
        if snapshot.is_some_and(|s| !s.unconfirmed && s.quantity == prom) {
            return Decision::Keep { ours: true };
        }
        if sends == Some(prom) {
            return Decision::Keep { ours: false };
        }
        let why = match snapshot {
            Some(s) if s.unconfirmed => {
                return Decision::Hard(
                    HardCaseKind::PushUnconfirmed,
                    format!(
                        "Prom shows {prom}, but our last push of it was not confirmed: that may be our own figure; not imported until push_stock confirms one"
                    ),
                );
            }
            Some(s) => match sends {
                Some(n) if n != s.quantity => {
                    return Decision::Hard(
                        HardCaseKind::ChangedBothSides,
                        format!(
                            "Prom shows {prom}, we last pushed {}, and the local stock now gives {n}: changed on both sides; the local stock is kept and push_stock will send {n}",
                            s.quantity
                        ),
                    );
                }
                _ => format!(
                    "Prom shows {prom}, we last pushed {}: changed on Prom",
                    s.quantity
                ),
            },
            None => format!("Prom shows {prom}, never pushed: first import"),
        };
        let target = i128::from(prom) + i128::from(b.reserved) + i128::from(self.safety_buffer)
            - i128::from(b.elsewhere);
        let mut terms = Vec::new();
        if b.reserved != 0 {
            terms.push(format!(" + {} reserved", b.reserved));
        }
        if self.safety_buffer != 0 {
            terms.push(format!(" + {} buffer", self.safety_buffer));
        }
        if b.elsewhere != 0 {
            terms.push(format!(" − {} in the other pushed warehouses", b.elsewhere));
        }
        let formula = if terms.is_empty() {
            String::new()
        } else {
            format!("{w} = {prom}{} = {target}", terms.concat())
        };
        if target < 0 {
            return Decision::Hard(
                HardCaseKind::NegativeTarget,
                format!(
                    "{why}, but {formula}: no stock in {w} makes push_stock send {prom}; local stock left as it is"
                ),
            );
        }
        if target > i128::from(MAX_QUANTITY) {
            return Decision::Hard(
                HardCaseKind::BadQuantity,
                format!(
                    "{why}, but {formula}, more than the ledger holds ({MAX_QUANTITY}); local stock left as it is"
                ),
            );
        }
        let target = target as i64;
        if here == Some(target) && b.recorded {
            return Decision::Keep { ours: false };
        }
        Decision::Set {
            after: target,
            why: if formula.is_empty() {
                why
            } else {
                format!("{why}; {formula}")
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROM_ID: i64 = 77;

    /// main (the import's) and shop2 pushed, buffer 2; product 1 holds shop2 = 3 and
    /// 1 reserved, and Prom confirmed `snap` (if any).
    fn feedback(snap: Option<(i64, bool)>) -> Feedback {
        let balance = Balance {
            elsewhere: 3,
            recorded: true,
            reserved: 1,
            snapshot: snap.map(|(quantity, unconfirmed)| ConfirmedStock {
                prom_id: PROM_ID,
                quantity,
                presence: "available".into(),
                unconfirmed,
                hidden: false,
            }),
        };
        Feedback {
            warehouse: "main".into(),
            pushed: true,
            safety_buffer: 2,
            products: HashMap::from([(1, balance)]),
        }
    }

    #[test]
    fn our_own_figure_coming_back_is_not_news() {
        // main 5 + shop2 3 − 1 reserved − 2 buffer = 5 pushed and confirmed.
        let f = feedback(Some((5, false)));
        assert_eq!(
            f.decide(1, PROM_ID, 5, Some(5)),
            Decision::Keep { ours: true }
        );
        // The seller set main to 9 since the push: Prom still shows 5, ours.
        assert_eq!(
            f.decide(1, PROM_ID, 5, Some(9)),
            Decision::Keep { ours: true }
        );
    }

    #[test]
    fn a_change_on_prom_is_taken_so_that_the_push_sends_it_back() {
        let f = feedback(Some((5, false)));
        let Decision::Set { after, why } = f.decide(1, PROM_ID, 8, Some(5)) else {
            panic!()
        };
        // 8 + 1 reserved + 2 buffer − 3 in shop2.
        assert_eq!(after, 8);
        assert_eq!(
            why,
            "Prom shows 8, we last pushed 5: changed on Prom; main = 8 + 1 reserved + 2 buffer − 3 in the other pushed warehouses = 8"
        );
        let Decision::Set { after, .. } = f.decide(1, PROM_ID, 0, Some(5)) else {
            panic!()
        };
        assert_eq!(after, 0, "1 + 2 − 3: push sends max(0, 0 + 3 − 1 − 2) = 0");
        assert_eq!(
            wanted(after + 3 - 1 - 2).0,
            0,
            "the push sends Prom's figure back"
        );
    }

    #[test]
    fn changes_on_both_sides_keep_the_local_stock() {
        let f = feedback(Some((5, false)));
        let Decision::Hard(kind, why) = f.decide(1, PROM_ID, 8, Some(9)) else {
            panic!()
        };
        assert_eq!(kind, HardCaseKind::ChangedBothSides);
        assert!(why.contains("we last pushed 5"), "{why}");
        assert!(why.contains("push_stock will send 9"), "{why}");
    }

    #[test]
    fn never_confirmed_is_a_first_import_and_another_prom_id_does_not_count() {
        let f = feedback(None);
        let Decision::Set { after, why } = f.decide(1, PROM_ID, 10, Some(0)) else {
            panic!()
        };
        assert_eq!(after, 10);
        assert!(why.starts_with("Prom shows 10, never pushed: first import"));
        let Decision::Set { why, .. } = feedback(Some((10, false))).decide(1, 5, 10, Some(0))
        else {
            panic!()
        };
        assert!(why.contains("never pushed"), "{why}");
    }

    #[test]
    fn unreachable_and_unconfirmed_figures_are_hard_cases() {
        let mut f = feedback(None);
        f.products.get_mut(&1).unwrap().elsewhere = 10;
        let Decision::Hard(kind, why) = f.decide(1, PROM_ID, 4, Some(0)) else {
            panic!()
        };
        assert_eq!(kind, HardCaseKind::NegativeTarget);
        assert!(why.contains("= -3"), "{why}");
        let f = feedback(Some((5, true)));
        assert!(matches!(
            f.decide(1, PROM_ID, 7, Some(5)),
            Decision::Hard(HardCaseKind::PushUnconfirmed, _)
        ));
    }

    #[test]
    fn a_warehouse_not_pushed_takes_proms_figure_as_it_is() {
        let f = Feedback {
            warehouse: "returns".into(),
            ..feedback(Some((5, false)))
        };
        let f = Feedback { pushed: false, ..f };
        assert!(matches!(
            f.decide(1, PROM_ID, 5, Some(2)),
            Decision::Set { after: 5, .. }
        ));
        assert_eq!(
            f.decide(1, PROM_ID, 5, Some(5)),
            Decision::Keep { ours: false }
        );
    }
}
