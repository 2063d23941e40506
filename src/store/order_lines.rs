//! Which stored line a line read again from Prom.ua is (so that its link survives), and
//! linking one line of an order by hand (`orders link-line`).
//!
//! **Matching a read line to a stored line.** A line is the stored line for the same
//! Prom product: the k-th read line for a product is its k-th stored line, so lines
//! added, removed or reordered around it change nothing. A line without a readable Prom
//! product id is matched the same way by its SKU and name. A stored line no read line
//! matches is gone, and its link with it; a read line matching none is new and is
//! linked as any new line is (`orders.rs` `link_lines`). A matched line keeps its local
//! product and whether it was linked by hand, so a hand link holds whatever the Prom
//! product's own link says.

use chrono::Utc;

use super::codec::be;
use super::order_stock::settle;
use super::orders::{order_in, put_order};
use super::trees::abort;
use super::{LocalLine, LocalOrder, Result, Store};
use crate::domain::ReservationPolicy;

/// What identifies a line across reads of its order.
#[derive(PartialEq, Eq)]
enum LineKey<'a> {
    Prom(i64),
    Named(Option<&'a str>, &'a str),
}

fn key(l: &LocalLine) -> LineKey<'_> {
    match l.prom_product_id {
        Some(id) => LineKey::Prom(id),
        None => LineKey::Named(l.sku.as_deref().map(str::trim), l.name.trim()),
    }
}

/// Pure: each read line that is a stored line (see the module's doc) takes its local
/// product and its hand mark, unless it is linked already.
pub(super) fn keep_links(lines: &mut [LocalLine], stored: &[LocalLine]) {
    let mut used = vec![false; stored.len()];
    for line in lines.iter_mut() {
        let Some(j) = (0..stored.len()).find(|&j| !used[j] && key(&stored[j]) == key(line)) else {
            continue;
        };
        used[j] = true;
        let was = &stored[j];
        if line.product_id.is_none() && was.product_id.is_some() {
            line.product_id = was.product_id;
            line.hand_linked = was.hand_linked;
        }
    }
}

/// What linking a line by hand did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineLinked {
    pub order: LocalOrder,
    /// The line was already on that product: nothing was written.
    pub unchanged: bool,
    /// Products whose reservation or shipped stock moved.
    pub touched: Vec<u64>,
}

impl Store {
    /// Links line `line` (from 1) of order `prom_id` to local product `product_id`, by
    /// hand: the order's reservations (and what it shipped, at the done status) move to
    /// that product in the same transaction. The line keeps the link through later
    /// pulls. Refused (nothing written) for an unknown order, line or product.
    pub fn link_order_line(
        &self,
        prom_id: i64,
        line: usize,
        product_id: u64,
        policy: &ReservationPolicy,
    ) -> Result<LineLinked> {
        let now = Utc::now();
        self.transact(|tx| {
            let Some(mut order) = order_in(tx, prom_id)? else {
                return abort(format!("no order {prom_id}"));
            };
            let count = order.lines.len();
            let Some(l) = line.checked_sub(1).and_then(|i| order.lines.get_mut(i)) else {
                return abort(format!(
                    "order {prom_id} has no line {line}: its lines are numbered 1 to {count}"
                ));
            };
            if tx.products.get(be(product_id))?.is_none() {
                return abort(format!("no product {product_id}"));
            }
            if l.product_id == Some(product_id) {
                // Nothing moves; the seller's choice is still recorded.
                if !l.hand_linked {
                    l.hand_linked = true;
                    put_order(tx, prom_id, &order)?;
                }
                return Ok(LineLinked {
                    order,
                    unchanged: true,
                    touched: Vec::new(),
                });
            }
            l.product_id = Some(product_id);
            l.hand_linked = true;
            order.holds = Some(order.holding(policy));
            order.updated_at = now;
            let before = order.reserved.clone();
            let touched = settle(tx, &mut order, &before, policy, now)?;
            put_order(tx, prom_id, &order)?;
            Ok(LineLinked {
                order,
                unchanged: false,
                touched,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn line(prom: Option<i64>, sku: &str, product: Option<u64>, hand: bool) -> LocalLine {
        LocalLine {
            prom_product_id: prom,
            sku: Some(sku.into()),
            name: format!("Товар {sku}"),
            quantity: Decimal::ONE,
            product_id: product,
            hand_linked: hand,
            ..LocalLine::default()
        }
    }

    fn read(lines: &[(Option<i64>, &str)]) -> Vec<LocalLine> {
        lines
            .iter()
            .map(|(p, s)| line(*p, s, None, false))
            .collect()
    }

    fn links(lines: &[LocalLine]) -> Vec<(Option<u64>, bool)> {
        lines
            .iter()
            .map(|l| (l.product_id, l.hand_linked))
            .collect()
    }

    #[test]
    fn a_hand_link_follows_its_line_when_lines_are_reordered_or_removed() {
        let stored = vec![
            line(Some(10), "A", Some(1), false),
            line(Some(20), "B", Some(7), true),
            line(Some(30), "C", None, false),
        ];
        // Reordered, A removed, a new line D added in front.
        let mut now = read(&[(Some(40), "D"), (Some(30), "C"), (Some(20), "B")]);
        keep_links(&mut now, &stored);
        assert_eq!(
            links(&now),
            vec![(None, false), (None, false), (Some(7), true)]
        );
    }

    #[test]
    fn lines_of_one_product_match_in_their_order_and_unnamed_lines_by_sku_and_name() {
        let stored = vec![
            line(Some(10), "A", Some(1), true),
            line(Some(10), "A", Some(2), true),
            line(None, "GIFT", Some(3), true),
        ];
        let mut now = read(&[
            (None, "GIFT"),
            (Some(50), "N"),
            (Some(10), "A"),
            (Some(10), "A"),
        ]);
        keep_links(&mut now, &stored);
        assert_eq!(
            links(&now),
            vec![
                (Some(3), true),
                (None, false),
                (Some(1), true),
                (Some(2), true)
            ]
        );
        // Another product on the line: a new line, not the stored one.
        let mut other = read(&[(Some(11), "A"), (None, "GIFT-2")]);
        keep_links(&mut other, &stored);
        assert_eq!(links(&other), vec![(None, false), (None, false)]);
    }
}
