//! The tiers and discount a price push sends with a product (pure): through the same
//! rules as the base price ([`price_for`]), against what Prom.ua last confirmed of them.
//!
//! Only products whose extras the back office holds (or once sent) are concerned: a shop
//! that keeps tiers or discounts in Prom's cabinet, and none here, has them left alone.
//! - A tier that the rules bring to the sent base price or above is dropped (not clamped):
//!   a tier equal to the base price is no volume discount, and the local one was below it.
//!   So is one the rules bring to the price of a smaller quantity's tier (or above).
//! - A percent discount is sent as it is. An amount is local money: it is sent as the
//!   difference the rules make, `price_for(base) - price_for(base - amount)`, so the buyer
//!   pays exactly the rules' price of the discounted local price.
//! - A discount whose last day is before today (the daemon's zone) is removed once
//!   (`discount: null`) and then left alone.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use super::price_for;
use crate::config::PriceRules;
use crate::domain::{DiscountKind, Tier};
use crate::jobs::readback::Mismatch;
use crate::prom::dto::{PromDiscount, PromTier, ShownDiscount, ShownTier};
use crate::store::{DiscountState, ExtrasRow, ExtrasSnapshot, SentDiscount, SentTier};

/// The tiers a change sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TiersChange {
    /// As Prom.ua last confirmed them (`None`: never sent).
    pub before: Option<Vec<SentTier>>,
    pub after: Vec<SentTier>,
    /// Local tiers left out: the rules bring them to the base price or above.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped: Vec<Tier>,
}

/// The discount a change sends (`Removed`: `discount: null`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiscountChange {
    pub before: Option<DiscountState>,
    pub after: DiscountState,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a product's extras add to its change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtrasPlan {
    pub tiers: Option<TiersChange>,
    pub discount: Option<DiscountChange>,
    /// Something differs from what Prom.ua confirmed (or that is unconfirmed).
    pub changed: bool,
    /// Why the local discount is not sent (ended, nothing left after the rules), even
    /// when nothing is sent for it.
    pub note: Option<String>,
}

/// The switches and the day the extras are planned with.
#[derive(Debug, Clone, Copy)]
pub struct ExtrasTerms<'a> {
    pub rules: &'a PriceRules,
    pub send_tiers: bool,
    pub send_discounts: bool,
    pub today: NaiveDate,
}

/// Plans a product's extras, its local base price `local` being sent as `sent_base`.
pub fn plan_extras(
    row: Option<&ExtrasRow>,
    prom_id: i64,
    local: Decimal,
    sent_base: Decimal,
    t: &ExtrasTerms<'_>,
) -> ExtrasPlan {
    let Some(row) = row else {
        return ExtrasPlan::default();
    };
    // A snapshot of another Prom product (relinked since) says nothing of this one.
    let sent = row.sent.as_ref().filter(|s| s.prom_id == prom_id);
    let unconfirmed = sent.is_some_and(|s| s.unconfirmed);
    let mut out = ExtrasPlan::default();
    let sent_tiers = sent.and_then(|s| s.tiers.clone());
    if t.send_tiers
        && (!row.local.tiers.is_empty() || sent_tiers.as_ref().is_some_and(|v| !v.is_empty()))
    {
        let (mut after, mut dropped) = (Vec::new(), Vec::new());
        for tier in &row.local.tiers {
            let p = price_for(tier.price, t.rules);
            // Below the base and below the smaller quantity's tier: the rules may round
            // two tiers to one price, and the larger quantity's then gives nothing more.
            let cap = after.last().map_or(sent_base, |l: &SentTier| l.price);
            if p < cap {
                after.push(SentTier {
                    min_quantity: tier.min_quantity,
                    price: p,
                });
            } else {
                dropped.push(tier.clone());
            }
        }
        out.changed |= sent_tiers.as_ref() != Some(&after);
        out.tiers = Some(TiersChange {
            before: sent_tiers,
            after,
            dropped,
        });
    }
    let sent_discount = sent.and_then(|s| s.discount.clone());
    if t.send_discounts {
        let mut note = None;
        let target = match &row.local.discount {
            Some(d) if d.ended(t.today) => {
                note = Some(format!("ended on {}", d.until.expect("ended has an end")));
                None
            }
            Some(d) => {
                let value = match d.kind {
                    DiscountKind::Percent => percent_on_prom(d.value, sent_base, t.rules),
                    DiscountKind::Amount => amount_on_prom(local, d.value, sent_base, t.rules)
                        .ok_or_else(|| {
                            format!(
                                "{} off {local} leaves no discount after the price rules",
                                d.value
                            )
                        }),
                };
                match value {
                    Ok(value) => Some(SentDiscount {
                        value: value.normalize(),
                        kind: d.kind,
                        from: started(d.from, t.today),
                        until: d.until,
                    }),
                    Err(why) => {
                        note = Some(why);
                        None
                    }
                }
            }
            None => None,
        };
        let after = match target {
            Some(d) => Some(DiscountState::Set(d)),
            // Ours on Prom.ua, and none wanted now: removed.
            None if matches!(sent_discount, Some(DiscountState::Set(_))) => {
                Some(DiscountState::Removed)
            }
            None => None,
        };
        if let Some(after) = after {
            out.changed |= !sent_discount
                .as_ref()
                .is_some_and(|s| same_as_planned(s, &after, t.today));
            out.discount = Some(DiscountChange {
                before: sent_discount,
                after,
                note: note.clone(),
            });
        }
        out.note = note;
    }
    out.changed |= unconfirmed && (out.tiers.is_some() || out.discount.is_some());
    out
}

/// A discount's start as sent: only when it is today or later. A start already past
/// makes no difference to the buyer, and Prom.ua may refuse a start in the past (the spec
/// is unsure) when a discount is sent again after a price change.
fn started(from: Option<NaiveDate>, today: NaiveDate) -> Option<NaiveDate> {
    from.filter(|f| *f >= today)
}

/// The snapshot `sent` holds the discount `planned` sends: equal, a start since past
/// counting as none (it was sent while still to come).
fn same_as_planned(sent: &DiscountState, planned: &DiscountState, today: NaiveDate) -> bool {
    match (sent, planned) {
        (DiscountState::Set(s), DiscountState::Set(p)) => {
            let s = SentDiscount {
                from: started(s.from, today),
                ..s.clone()
            };
            s == *p
        }
        (s, p) => s == p,
    }
}

/// Prom.ua shows the discount `wanted` (as sent or to send): the same value and type,
/// and each date `wanted` sends (a date not sent is not judged: Prom may fill in its
/// own). The one comparison of read-back and verify.
pub fn shows_discount(wanted: &DiscountState, shown: &DiscountState) -> bool {
    match (wanted, shown) {
        (DiscountState::Set(w), DiscountState::Set(s)) => {
            w.value.normalize() == s.value.normalize()
                && w.kind == s.kind
                && (w.from.is_none() || w.from == s.from)
                && (w.until.is_none() || w.until == s.until)
        }
        (DiscountState::Removed, DiscountState::Removed) => true,
        _ => false,
    }
}

/// Tiers as Prom.ua shows them, in the sent form (sorted by quantity, normalised).
pub fn shown_tiers(shown: &[ShownTier]) -> Vec<SentTier> {
    let mut out: Vec<SentTier> = shown
        .iter()
        .map(|s| SentTier {
            min_quantity: s.minimum_order_quantity,
            price: s.price.normalize(),
        })
        .collect();
    out.sort_by_key(|t| t.min_quantity);
    out
}

/// A discount as Prom.ua shows it, in the sent form (`None`: a type we do not know).
pub fn shown_discount(shown: &ShownDiscount) -> Option<DiscountState> {
    match shown {
        ShownDiscount::Removed => Some(DiscountState::Removed),
        ShownDiscount::Set {
            value,
            kind,
            date_start,
            date_end,
        } => Some(DiscountState::Set(SentDiscount {
            value: value.normalize(),
            kind: DiscountKind::from_prom_word(kind)?,
            from: *date_start,
            until: *date_end,
        })),
    }
}

/// A percent as sent: as it is, unless the discounted price falls below `min_price`
/// (the floor the rules keep the base price above holds for what the buyer pays too).
fn percent_on_prom(
    pct: Decimal,
    sent_base: Decimal,
    rules: &PriceRules,
) -> Result<Decimal, String> {
    let paid = discounted(sent_base, pct, DiscountKind::Percent);
    match rules.min_price {
        Some(min) if paid < min => Err(format!(
            "{pct}% off {sent_base} would bring the price to {}, below min_price = {min}",
            paid.round_dp(2)
        )),
        _ => Ok(pct),
    }
}

/// What the buyer pays of `base` with a discount of `value` (`kind`).
pub fn discounted(base: Decimal, value: Decimal, kind: DiscountKind) -> Decimal {
    match kind {
        DiscountKind::Percent => base * (Decimal::ONE_HUNDRED - value) / Decimal::ONE_HUNDRED,
        DiscountKind::Amount => base - value,
    }
}

/// An amount off the local price as Prom.ua gets it: what the rules take off the sent
/// base. `None` when it leaves no discount, or a price of 0 (the rules round the
/// discounted local price to nothing): a price of 0 is never sent.
fn amount_on_prom(
    local: Decimal,
    amount: Decimal,
    sent_base: Decimal,
    rules: &PriceRules,
) -> Option<Decimal> {
    let rest = local - amount;
    if rest <= Decimal::ZERO {
        return None;
    }
    let discounted = price_for(rest, rules);
    let off = sent_base - discounted;
    (discounted > Decimal::ZERO && off > Decimal::ZERO && off < sent_base).then_some(off)
}

/// The snapshot to keep once Prom.ua confirms a change carrying `tiers` and `discount`
/// (what it did not carry stays as confirmed before).
pub fn snapshot_after(
    prom_id: i64,
    before: Option<&ExtrasSnapshot>,
    tiers: Option<&TiersChange>,
    discount: Option<&DiscountChange>,
    at: chrono::DateTime<chrono::Utc>,
) -> Option<ExtrasSnapshot> {
    if tiers.is_none() && discount.is_none() {
        return None;
    }
    let before = before.filter(|s| s.prom_id == prom_id);
    Some(ExtrasSnapshot {
        prom_id,
        tiers: tiers
            .map(|t| t.after.clone())
            .or_else(|| before.and_then(|b| b.tiers.clone())),
        discount: discount
            .map(|d| d.after.clone())
            .or_else(|| before.and_then(|b| b.discount.clone())),
        confirmed_at: at,
        unconfirmed: false,
    })
}

/// What a change sends of the extras, as an unconfirmed snapshot (`None` in a part it
/// does not send); see [`crate::store::Store::mark_extras_sending`].
pub fn sending(c: &super::PriceChange) -> ExtrasSnapshot {
    ExtrasSnapshot {
        prom_id: c.prom_id,
        tiers: c.tiers.as_ref().map(|t| t.after.clone()),
        discount: c.discount.as_ref().map(|d| d.after.clone()),
        confirmed_at: chrono::DateTime::UNIX_EPOCH,
        unconfirmed: true,
    }
}

/// The fields a refusal names (`discount: ...; prices[0].price: ...`: each `; `-part's
/// leading word before `:`, `.` or `[`), when it names only `prices` and `discount`.
/// `None` when it names another field, or none that can be told.
pub fn refused_extras_only(reason: &str) -> Option<Vec<&'static str>> {
    let mut named = Vec::new();
    for part in reason.split("; ") {
        let end = part
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(part.len());
        if !part[end..].starts_with([':', '.', '[']) || end == 0 {
            // A continuation of the previous part's message (Prom joins a list so).
            continue;
        }
        let field = match &part[..end] {
            "prices" => "prices",
            "discount" => "discount",
            _ => return None,
        };
        if !named.contains(&field) {
            named.push(field);
        }
    }
    (!named.is_empty()).then_some(named)
}

/// Prom's `prices` for the tiers sent.
pub fn prom_tiers(t: &TiersChange) -> Vec<PromTier> {
    t.after
        .iter()
        .map(|t| PromTier {
            price: t.price,
            minimum_order_quantity: t.min_quantity,
        })
        .collect()
}

/// Prom's `discount` (`None`: null, removing it).
pub fn prom_discount(d: &DiscountChange) -> Option<PromDiscount> {
    match &d.after {
        DiscountState::Removed => None,
        DiscountState::Set(s) => Some(PromDiscount {
            value: s.value,
            kind: s.kind.prom_word(),
            date_start: s.from,
            date_end: s.until,
        }),
    }
}

/// Tiers as the plan shows them: `10=95;50=90`, `-` for none.
pub fn tiers_shown(t: Option<&Vec<SentTier>>) -> String {
    match t {
        None => "-".into(),
        Some(v) if v.is_empty() => "none".into(),
        Some(v) => crate::domain::price_terms::tiers_text(
            &v.iter()
                .map(|t| Tier {
                    min_quantity: t.min_quantity,
                    price: t.price,
                })
                .collect::<Vec<_>>(),
        ),
    }
}

/// A discount state as the plan shows it (as [`crate::domain::Discount`] is shown).
pub fn discount_shown(d: Option<&DiscountState>) -> String {
    match d {
        None => "-".into(),
        Some(DiscountState::Removed) => "removed".into(),
        Some(DiscountState::Set(s)) => crate::domain::Discount {
            value: s.value,
            kind: s.kind,
            from: s.from,
            until: s.until,
        }
        .to_string(),
    }
}

/// What a read-back shows of the tiers and discount a change sent, where it differs (a
/// field Prom.ua did not show is not judged).
pub fn differences(c: &super::PriceChange, shown: &crate::prom::dto::Product) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let (Some(t), Some(on_prom)) = (&c.tiers, &shown.prices) {
        let on_prom = shown_tiers(on_prom);
        let sent: Vec<SentTier> = t
            .after
            .iter()
            .map(|t| SentTier {
                price: t.price.normalize(),
                ..t.clone()
            })
            .collect();
        if on_prom != sent {
            out.push(Mismatch {
                field: "prices",
                sent: tiers_shown(Some(&sent)),
                shown: tiers_shown(Some(&on_prom)),
            });
        }
    }
    if let (Some(d), Some(on_prom)) = (&c.discount, &shown.discount) {
        let on_prom = shown_discount(on_prom);
        if !on_prom
            .as_ref()
            .is_some_and(|s| shows_discount(&d.after, s))
        {
            out.push(Mismatch {
                field: "discount",
                sent: discount_shown(Some(&d.after)),
                shown: on_prom
                    .map_or_else(|| "another discount".into(), |s| discount_shown(Some(&s))),
            });
        }
    }
    out
}

#[cfg(test)]
#[path = "extras_tests.rs"]
mod tests;
