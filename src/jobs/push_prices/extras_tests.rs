use super::*;
use crate::domain::Discount;
use crate::store::PriceExtras;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn day(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn terms(rules: &PriceRules) -> ExtrasTerms<'_> {
    ExtrasTerms {
        rules,
        send_tiers: true,
        send_discounts: true,
        today: day("2026-11-29"),
    }
}

fn with_discount(value: &str, kind: DiscountKind, until: Option<&str>) -> ExtrasRow {
    ExtrasRow {
        local: PriceExtras {
            tiers: Vec::new(),
            discount: Some(Discount {
                value: d(value),
                kind,
                from: None,
                until: until.map(day),
            }),
        },
        sent: None,
    }
}

#[test]
fn an_amount_goes_through_the_rules_and_a_percent_as_it_is() {
    let rules = PriceRules {
        markup_percent: d("10"),
        round_step: Some(d("1")),
        ending: Some(d("0.99")),
        ..Default::default()
    };
    // 100 -> 109.99; 90 -> 98.99: 11 off on Prom.ua.
    let p = plan_extras(
        Some(&with_discount("10", DiscountKind::Amount, None)),
        1,
        d("100"),
        d("109.99"),
        &terms(&rules),
    );
    let Some(DiscountState::Set(s)) = p.discount.map(|c| c.after) else {
        panic!("a discount")
    };
    assert_eq!(s.value, d("11"));
    let p = plan_extras(
        Some(&with_discount("10", DiscountKind::Percent, None)),
        1,
        d("100"),
        d("109.99"),
        &terms(&rules),
    );
    assert!(p.changed);
    let Some(DiscountState::Set(s)) = p.discount.map(|c| c.after) else {
        panic!("a discount")
    };
    assert_eq!(s.value, d("10"));
}

#[test]
fn an_ended_discount_never_sent_is_left_alone_and_one_sent_is_removed() {
    let rules = PriceRules::default();
    let mut row = with_discount("10", DiscountKind::Percent, Some("2026-11-28"));
    let p = plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules));
    // Left alone, and said so (a note even when nothing is sent for it).
    assert!(
        !p.changed && p.discount.is_none() && p.tiers.is_none(),
        "{p:?}"
    );
    assert_eq!(p.note.as_deref(), Some("ended on 2026-11-28"));
    row.sent = Some(ExtrasSnapshot {
        prom_id: 1,
        tiers: None,
        discount: Some(DiscountState::Set(SentDiscount {
            value: d("10"),
            kind: DiscountKind::Percent,
            from: None,
            until: Some(day("2026-11-28")),
        })),
        confirmed_at: chrono::DateTime::UNIX_EPOCH,
        unconfirmed: false,
    });
    let p = plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules));
    assert!(p.changed);
    assert_eq!(p.discount.unwrap().after, DiscountState::Removed);
    // Removed and confirmed: nothing more.
    row.sent.as_mut().unwrap().discount = Some(DiscountState::Removed);
    let p = plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules));
    assert!(!p.changed && p.discount.is_none());
    // A snapshot of another Prom product says nothing of this one.
    let p = plan_extras(Some(&row), 2, d("100"), d("100"), &terms(&rules));
    assert!(
        !p.changed && p.discount.is_none() && p.tiers.is_none(),
        "{p:?}"
    );
}

#[test]
fn an_unconfirmed_snapshot_resends_equal_tiers() {
    let rules = PriceRules::default();
    let tiers = vec![SentTier {
        min_quantity: 10,
        price: d("90"),
    }];
    let mut row = ExtrasRow {
        local: PriceExtras {
            tiers: vec![Tier {
                min_quantity: 10,
                price: d("90"),
            }],
            discount: None,
        },
        sent: Some(ExtrasSnapshot {
            prom_id: 1,
            tiers: Some(tiers),
            discount: None,
            confirmed_at: chrono::DateTime::UNIX_EPOCH,
            unconfirmed: false,
        }),
    };
    assert!(!plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules)).changed);
    row.sent.as_mut().unwrap().unconfirmed = true;
    assert!(plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules)).changed);
    let off = ExtrasTerms {
        send_tiers: false,
        ..terms(&rules)
    };
    assert_eq!(
        plan_extras(Some(&row), 1, d("100"), d("100"), &off),
        ExtrasPlan::default()
    );
}

fn sent_discount(p: &ExtrasPlan) -> Option<SentDiscount> {
    match p.discount.as_ref().map(|c| &c.after) {
        Some(DiscountState::Set(s)) => Some(s.clone()),
        _ => None,
    }
}

#[test]
fn an_amount_that_rounds_the_price_to_zero_is_dropped_with_a_note() {
    // 100 - 99.999 = 0.001, which the rules (none) round to 0.
    let none = PriceRules::default();
    let p = plan_extras(
        Some(&with_discount("99.999", DiscountKind::Amount, None)),
        1,
        d("100"),
        d("100"),
        &terms(&none),
    );
    assert_eq!(sent_discount(&p), None, "{p:?}");
    // 110 - price_for(0.4) = 110 - 0: the whole price off.
    let rules = PriceRules {
        markup_percent: d("10"),
        round_step: Some(d("1")),
        ..Default::default()
    };
    let p = plan_extras(
        Some(&with_discount("99.6", DiscountKind::Amount, None)),
        1,
        d("100"),
        d("110"),
        &terms(&rules),
    );
    assert_eq!(sent_discount(&p), None, "{p:?}");
    assert!(
        p.note.iter().any(|n| n.contains("leaves no discount")),
        "{p:?}"
    );
}

use proptest::prelude::*;

proptest! {
    #[test]
    fn a_sent_discount_leaves_a_price_and_every_tier_is_below_the_base(
        local_cents in 1i64..1_000_000,
        off_permille in 1i64..1000,
        percent in proptest::bool::ANY,
        tier_cents in proptest::collection::vec(1i64..1_000_000, 0..4),
        rules in crate::jobs::push_prices::tests::rules(),
    ) {
        let local = Decimal::new(local_cents, 2);
        let sent_base = price_for(local, &rules);
        let value = if percent {
            Decimal::new(off_permille, 1)
        } else {
            (local * Decimal::new(off_permille, 3)).round_dp(2)
        };
        let kind = if percent { DiscountKind::Percent } else { DiscountKind::Amount };
        let tiers = tier_cents
            .iter()
            .enumerate()
            .map(|(i, c)| Tier { min_quantity: 2 + i as u32, price: Decimal::new(*c, 2).min(local) })
            .collect();
        let row = ExtrasRow {
            local: PriceExtras {
                tiers,
                discount: Some(Discount { value, kind, from: None, until: None }),
            },
            sent: None,
        };
        let p = plan_extras(Some(&row), 1, local, sent_base, &terms(&rules));
        if let Some(s) = sent_discount(&p) {
            let left = match s.kind {
                DiscountKind::Percent => sent_base * (Decimal::ONE_HUNDRED - s.value) / Decimal::ONE_HUNDRED,
                DiscountKind::Amount => sent_base - s.value,
            };
            prop_assert!(left > Decimal::ZERO, "{s:?} on {sent_base}");
        }
        for t in p.tiers.iter().flat_map(|t| &t.after) {
            prop_assert!(t.price < sent_base, "{t:?} on {sent_base}");
            prop_assert!(t.price > Decimal::ZERO, "{t:?}");
        }
    }
}

#[test]
fn a_refusal_of_the_extras_alone_is_told_apart() {
    assert_eq!(
        refused_extras_only("discount: discount.value: 100% больше 100"),
        Some(vec!["discount"])
    );
    assert_eq!(
        refused_extras_only("prices: prices[0].price: x; discount: no"),
        Some(vec!["prices", "discount"])
    );
    // A list joined into one field's message: its parts name nothing.
    assert_eq!(
        refused_extras_only("discount: one thing; another thing"),
        Some(vec!["discount"])
    );
    assert_eq!(
        refused_extras_only("price: Недопустиме значення: -1; discount: no"),
        None
    );
    assert_eq!(
        refused_extras_only("refused by Prom.ua without a reason"),
        None
    );
    assert_eq!(
        refused_extras_only("not confirmed by Prom.ua (missing from processed_ids)"),
        None
    );
}

fn set(value: &str, from: Option<&str>, until: Option<&str>) -> DiscountState {
    DiscountState::Set(SentDiscount {
        value: d(value),
        kind: DiscountKind::Percent,
        from: from.map(day),
        until: until.map(day),
    })
}

#[test]
fn a_start_already_past_is_not_sent_nor_a_reason_to_send_again() {
    let rules = PriceRules::default();
    let mut row = with_discount("10", DiscountKind::Percent, Some("2026-12-31"));
    row.local.discount.as_mut().unwrap().from = Some(day("2026-11-20"));
    let p = plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules));
    assert_eq!(
        p.discount.unwrap().after,
        set("10", None, Some("2026-12-31"))
    );
    // Sent while the start was to come: the same discount, not sent again.
    row.sent = Some(ExtrasSnapshot {
        prom_id: 1,
        tiers: None,
        discount: Some(set("10", Some("2026-11-20"), Some("2026-12-31"))),
        confirmed_at: chrono::DateTime::UNIX_EPOCH,
        unconfirmed: false,
    });
    let p = plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules));
    assert!(!p.changed, "{p:?}");
    // A start today is sent.
    row.local.discount.as_mut().unwrap().from = Some(day("2026-11-29"));
    let p = plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules));
    assert_eq!(
        p.discount.unwrap().after,
        set("10", Some("2026-11-29"), Some("2026-12-31"))
    );
}

#[test]
fn shown_discounts_are_judged_on_what_was_sent() {
    let sent = set("10", None, Some("2026-12-31"));
    // Prom.ua filling in a start we did not send is no difference.
    assert!(shows_discount(
        &sent,
        &set("10.00", Some("2026-11-29"), Some("2026-12-31"))
    ));
    assert!(!shows_discount(&sent, &set("10", None, Some("2026-12-30"))));
    assert!(!shows_discount(&sent, &set("11", None, Some("2026-12-31"))));
    assert!(!shows_discount(&sent, &DiscountState::Removed));
    assert!(shows_discount(
        &DiscountState::Removed,
        &DiscountState::Removed
    ));
}

#[test]
fn tiers_the_rules_round_to_one_price_keep_the_smaller_quantity() {
    let rules = PriceRules {
        round_step: Some(d("10")),
        ..Default::default()
    };
    let row = ExtrasRow {
        local: PriceExtras {
            tiers: vec![
                Tier {
                    min_quantity: 10,
                    price: d("81"),
                },
                Tier {
                    min_quantity: 50,
                    price: d("79"),
                },
                Tier {
                    min_quantity: 100,
                    price: d("60"),
                },
            ],
            discount: None,
        },
        sent: None,
    };
    let p = plan_extras(Some(&row), 1, d("100"), d("100"), &terms(&rules));
    let t = p.tiers.unwrap();
    let kept: Vec<(u32, Decimal)> = t.after.iter().map(|t| (t.min_quantity, t.price)).collect();
    assert_eq!(kept, [(10, d("80")), (100, d("60"))]);
    assert_eq!(t.dropped.len(), 1);
    assert_eq!(t.dropped[0].min_quantity, 50);
}
