use super::*;

#[test]
fn an_unconfirmed_price_is_sent_again_even_when_equal() {
    let row = |unconfirmed| LinkedPrice {
        product_id: 1,
        sku: "S1".into(),
        prom_id: 1001,
        price: Some(Decimal::from(100)),
        snapshot: Some(PriceSnapshot {
            prom_id: 1001,
            price: Decimal::from(100),
            confirmed_at: chrono::DateTime::UNIX_EPOCH,
            unconfirmed,
        }),
    };
    let opts = PushPricesOptions::default();
    assert!(plan(&[row(false)], &opts).changes.is_empty());
    assert_eq!(plan(&[row(true)], &opts).changes.len(), 1);
}

#[test]
fn the_price_move_guard_is_on_by_default() {
    let row = LinkedPrice {
        product_id: 1,
        sku: "S1".into(),
        prom_id: 1001,
        price: Some(Decimal::from(10)),
        snapshot: Some(PriceSnapshot {
            prom_id: 1001,
            price: Decimal::from(100),
            confirmed_at: chrono::DateTime::UNIX_EPOCH,
            unconfirmed: false,
        }),
    };
    let p = plan(&[row], &PushPricesOptions::default());
    assert!(p.guarded.unwrap().contains("max_price_change_percent = 50"));
}
use proptest::prelude::*;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn examples() {
    let r = PriceRules {
        markup_percent: d("10"),
        round_step: Some(d("1")),
        ending: Some(d("0.99")),
        ..Default::default()
    };
    assert_eq!(price_for(d("100"), &r), d("109.99"));
    let r = PriceRules {
        markup_fixed: d("5"),
        round_step: Some(d("0.5")),
        ..Default::default()
    };
    assert_eq!(price_for(d("10.26"), &r), d("15.5"));
    let r = PriceRules {
        markup_percent: d("-50"),
        min_price: Some(d("30")),
        ..Default::default()
    };
    assert_eq!(price_for(d("40"), &r), d("30"));
    assert_eq!(price_for(d("19.999"), &PriceRules::default()), d("20"));
}

fn decimal(max: i64) -> impl Strategy<Value = Decimal> {
    (0..max).prop_map(|c| Decimal::new(c, 2))
}

/// Any price rules (also the extras' property tests).
pub(super) fn rules() -> impl Strategy<Value = PriceRules> {
    (
        -99i64..300,
        decimal(10_000),
        proptest::option::of(prop_oneof![
            Just(d("0.01")),
            Just(d("0.5")),
            Just(d("1")),
            Just(d("10"))
        ]),
        proptest::option::of(prop_oneof![Just(d("0")), Just(d("0.49")), Just(d("0.99"))]),
        proptest::option::of(decimal(50_000)),
    )
        .prop_map(|(pct, fixed, step, ending, min)| PriceRules {
            markup_percent: Decimal::from(pct),
            markup_fixed: fixed,
            round_step: step,
            ending,
            min_price: min,
        })
}

proptest! {
    #[test]
    fn never_below_the_minimum_nor_zero(price in decimal(100_000_000), rules in rules()) {
        let p = price_for(price, &rules);
        prop_assert!(p >= Decimal::ZERO);
        if let Some(min) = rules.min_price {
            prop_assert!(p >= min, "{p} < {min}");
        }
        prop_assert!(p.scale() <= 2);
    }

    #[test]
    fn an_ending_is_kept_unless_the_minimum_wins(price in decimal(100_000_000), rules in rules()) {
        let p = price_for(price, &rules);
        if let (Some(e), None) = (rules.ending, rules.min_price)
            && p > Decimal::ZERO {
                prop_assert_eq!(p.fract(), e.normalize());
            }
    }

    #[test]
    fn a_plan_computed_twice_is_identical(
        prices in proptest::collection::vec(proptest::option::of(decimal(10_000_000)), 0..50),
        snaps in proptest::collection::vec(proptest::option::of(decimal(10_000_000)), 50),
        rules in rules(),
    ) {
        let rows: Vec<LinkedPrice> = prices.iter().enumerate().map(|(i, p)| LinkedPrice {
            product_id: i as u64,
            sku: format!("S{i}"),
            prom_id: 1000 + i as i64,
            price: *p,
            snapshot: snaps[i].map(|s| PriceSnapshot { prom_id: 1000 + i as i64, price: s, confirmed_at: chrono::DateTime::UNIX_EPOCH, unconfirmed: false }),
        }).collect();
        let opts = PushPricesOptions {
            markup_percent: rules.markup_percent,
            markup_fixed: rules.markup_fixed,
            round_step: rules.round_step,
            ending: rules.ending,
            min_price: rules.min_price,
            ..Default::default()
        };
        let a = plan(&rows, &opts);
        let b = plan(&rows, &opts);
        prop_assert_eq!(&a, &b);
        // Nothing already confirmed at its target is planned.
        for c in &a.changes {
            prop_assert_ne!(c.before, Some(c.after));
        }
    }
}

#[test]
fn the_guards_judge_the_discounted_price() {
    use crate::domain::{Discount, DiscountKind};
    use crate::store::{ExtrasRow, PriceExtras};
    let row = LinkedPrice {
        product_id: 1,
        sku: "S1".into(),
        prom_id: 1001,
        price: Some(Decimal::from(100)),
        snapshot: None,
    };
    let extras = |value: &str, kind| {
        let mut rows = ExtrasRows::new();
        rows.insert(
            1,
            ExtrasRow {
                local: PriceExtras {
                    tiers: Vec::new(),
                    discount: Some(Discount {
                        value: d(value),
                        kind,
                        from: None,
                        until: None,
                    }),
                },
                sent: None,
            },
        );
        rows
    };
    let today = "2026-11-29".parse().unwrap();
    let opts = PushPricesOptions::default();
    // 99.99 % off: the run stops, as for a price moving so.
    let p = plan_with(
        std::slice::from_ref(&row),
        &extras("99.99", DiscountKind::Percent),
        &opts,
        today,
    );
    let g = p.guarded.expect("guarded");
    assert!(g.contains("S1 100 -> 0.01 with its discount"), "{g}");
    let p = plan_with(
        std::slice::from_ref(&row),
        &extras("60", DiscountKind::Amount),
        &opts,
        today,
    );
    assert!(p.guarded.is_some());
    assert!(
        plan_with(
            std::slice::from_ref(&row),
            &extras("50", DiscountKind::Amount),
            &opts,
            today
        )
        .guarded
        .is_none()
    );
    // Below min_price: the percent is not sent, and the plan says why.
    let opts = PushPricesOptions {
        min_price: Some(d("80")),
        max_price_change_percent: None,
        ..Default::default()
    };
    let p = plan_with(&[row], &extras("30", DiscountKind::Percent), &opts, today);
    assert!(p.changes[0].discount.is_none(), "{:?}", p.changes[0]);
    assert!(
        p.notes[0]
            .contains("S1: discount 30% off 100 would bring the price to 70, below min_price = 80"),
        "{:?}",
        p.notes
    );
}

#[test]
fn a_discount_ending_today_is_not_ended_in_the_daemons_zone() {
    use crate::domain::{Discount, DiscountKind};
    use crate::jobs::context::day_in;
    let d = Discount {
        value: d("10"),
        kind: DiscountKind::Percent,
        from: None,
        until: Some("2026-11-29".parse().unwrap()),
    };
    assert!(!d.ended("2026-11-29".parse().unwrap()));
    assert!(d.ended("2026-11-30".parse().unwrap()));
    // 22:30 UTC on the 29th is 00:30 on the 30th in Kyiv (UTC+2): over there, not in UTC.
    let now: DateTime<Utc> = "2026-11-29T22:30:00Z".parse().unwrap();
    assert!(d.ended(day_in(now, chrono_tz::Europe::Kyiv)));
    assert!(!d.ended(day_in(now, chrono_tz::UTC)));
    let before: DateTime<Utc> = "2026-11-29T21:59:00Z".parse().unwrap();
    assert!(!d.ended(day_in(before, chrono_tz::Europe::Kyiv)));
}
