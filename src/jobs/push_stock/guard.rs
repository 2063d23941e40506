//! The guards of a push_stock job (and of a verify's stock repair) against a plan.

use rust_decimal::Decimal;

use super::super::presence_rules::NOT_ON_DISPLAY;
use super::super::stock_route::Route;
use super::StockPlan;
use crate::config::PushStockOptions;

/// The reason the plan must not be applied, if a guard stops it.
pub fn guard(plan: &StockPlan, opts: &PushStockOptions) -> Option<String> {
    // A product the stock route can only send presence for is a failure of every run
    // until it gets an external id: it does not count against max_changes, or one such
    // product would hold back every real change.
    let counted = plan
        .changes
        .iter()
        .filter(|c| c.route != Route::PresenceOnly)
        .count();
    if let Some(max) = opts.max_changes
        && counted > max
    {
        return Some(format!(
            "would change {counted} products, more than max_changes = {max}"
        ));
    }
    if let Some(max) = opts.max_zero_share_percent {
        let zeroing = plan
            .changes
            .iter()
            .filter(|c| c.quantity == 0 && c.before_quantity != Some(0))
            .count();
        if let Some(share) = over(zeroing, plan.considered, max) {
            return Some(format!(
                "would set {zeroing} of {} linked products to zero stock ({share}%), more than max_zero_share_percent = {max}",
                plan.considered,
            ));
        }
    }
    if let Some(max) = opts.max_hide_share_percent {
        let hiding = plan
            .changes
            .iter()
            .filter(|c| c.status == Some(NOT_ON_DISPLAY))
            .count();
        if let Some(share) = over(hiding, plan.considered, max) {
            return Some(format!(
                "would hide {hiding} of {} linked products ({share}%), more than max_hide_share_percent = {max}",
                plan.considered,
            ));
        }
    }
    None
}

/// The share `n` of `of` (percent, one decimal) when it is above `max`.
fn over(n: usize, of: usize, max: Decimal) -> Option<Decimal> {
    if of == 0 {
        return None;
    }
    let share = Decimal::from(n * 100) / Decimal::from(of);
    (share > max).then(|| share.round_dp(1))
}
