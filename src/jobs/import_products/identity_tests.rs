//! The plan's SKU identity: identical after cleaning links, look-alikes are hard cases in
//! every mode, and `stage` reports what the other modes would meet.

use std::collections::HashMap;

use super::super::plan::{Action, HardCaseKind, ImportPlan, LocalView, plan};
use crate::config::ImportMode;
use crate::prom::dto::Product as PromProduct;

fn prom(id: i64, sku: Option<&str>) -> PromProduct {
    serde_json::from_value(serde_json::json!({
        "id": id,
        "sku": sku,
        "name": format!("Товар {id}"),
        "quantity_in_stock": 5,
        "price": 100.0,
        "currency": "UAH",
    }))
    .unwrap()
}

/// A back office of `skus` (product ids from 1), `links` as (SKU, Prom id).
fn local(skus: &[&str], links: &[(&str, i64)]) -> LocalView {
    let mut v = LocalView::default();
    for (i, s) in skus.iter().enumerate() {
        let id = i as u64 + 1;
        if let Some(clean) = crate::domain::sku::clean(s) {
            v.by_sku.insert(clean.to_string(), id);
        }
        v.sku_of.insert(id, s.to_string());
    }
    for (sku, prom) in links {
        let id = v.by_sku[*sku];
        v.links.insert(id, *prom);
        v.by_prom.insert(*prom, id);
    }
    v
}

fn kinds(plan: &ImportPlan) -> HashMap<i64, HardCaseKind> {
    plan.hard_cases
        .iter()
        .map(|h| (h.prom_id, h.kind))
        .collect()
}

fn detail(plan: &ImportPlan, prom_id: i64) -> &str {
    &plan
        .hard_cases
        .iter()
        .find(|h| h.prom_id == prom_id)
        .unwrap_or_else(|| panic!("no hard case for {prom_id}: {plan}"))
        .detail
}

fn actions(plan: &ImportPlan) -> Vec<(i64, Action)> {
    plan.items.iter().map(|i| (i.prom_id, i.action)).collect()
}

#[test]
fn look_alikes_of_local_skus_are_neither_created_nor_linked() {
    let local = local(&["AB-1", "NB X", "A-100", "007", "AB-2", "Q-5"], &[]);
    let catalogue = [
        prom(1, Some("ab-1")),
        prom(2, Some("NB\u{a0}X")),
        prom(3, Some("А-100")), // Cyrillic А
        prom(4, Some("7")),
        prom(5, Some("\u{200B}")),
        prom(6, Some("ＡＢ－１")),   // full width
        prom(7, Some("AB-2\u{a0}")), // a trailing no-break space: identical once cleaned
        prom(8, Some("\u{FEFF}Q-5\u{200B}")),
        prom(9, Some("NEW-1")),
    ];
    let plan = plan(ImportMode::CreateMissing, &catalogue, &local);
    assert_eq!(
        actions(&plan),
        vec![(7, Action::Link), (8, Action::Link), (9, Action::Create)],
        "{plan}"
    );
    let k = kinds(&plan);
    for id in [1, 2, 3, 4, 6] {
        assert_eq!(k[&id], HardCaseKind::LookalikeSku, "{plan}");
    }
    assert_eq!(k[&5], HardCaseKind::BlankSku);
    assert_eq!(k.len(), 6, "{plan}");
    assert_eq!(
        detail(&plan, 1),
        "SKU ab-1 looks like local SKU AB-1 (they differ in letter case): not matched, not created; link it by hand (`links link AB-1 1`) or fix the SKU"
    );
    assert!(detail(&plan, 3).contains("looks like local SKU A-100"));
    assert!(detail(&plan, 4).contains("looks like local SKU 007"));
    assert_eq!(plan.items[0].local_sku.as_deref(), Some("AB-2"));
    assert_eq!(plan.items[1].prom_sku.as_deref(), Some("Q-5"));
}

#[test]
fn look_alikes_are_hard_cases_in_link_only_and_update_balances_too() {
    let local = local(&["AB-1"], &[]);
    let catalogue = [prom(1, Some("ab-1"))];
    for mode in [ImportMode::LinkOnly, ImportMode::UpdateBalances] {
        let plan = plan(mode, &catalogue, &local);
        assert!(plan.items.is_empty(), "{plan}");
        assert_eq!(
            detail(&plan, 1),
            "SKU ab-1 looks like local SKU AB-1 (they differ in letter case): not matched; link it by hand (`links link AB-1 1`) or fix the SKU"
        );
    }
}

#[test]
fn a_linked_look_alike_is_named_with_its_link() {
    let local = local(&["AB-1", "ab-1"], &[("AB-1", 50)]);
    let catalogue = [prom(50, Some("AB-1")), prom(1, Some("Ab-1"))];
    let plan = plan(ImportMode::CreateMissing, &catalogue, &local);
    assert!(plan.items.is_empty(), "{plan}");
    assert_eq!(
        detail(&plan, 1),
        "SKU Ab-1 looks like local SKU AB-1 (linked to Prom product 50), ab-1: not matched, not created; link it by hand (`links link SKU 1`) or fix the SKU"
    );
}

#[test]
fn prom_products_that_look_alike_each_other_are_flagged_not_created() {
    let local = local(&["OTHER"], &[]);
    let catalogue = [
        prom(1, Some("x-7")),
        prom(2, Some("X-007")),
        prom(3, Some("NEW-1")),
    ];
    let plan = plan(ImportMode::CreateMissing, &catalogue, &local);
    assert_eq!(actions(&plan), vec![(3, Action::Create)], "{plan}");
    assert_eq!(
        detail(&plan, 1),
        "SKU x-7 looks like SKU X-007 (Prom product 2) on Prom.ua (they differ in letter case, leading zeros): not matched, not created; fix the SKUs on Prom.ua or link them by hand"
    );
    assert!(detail(&plan, 2).contains("looks like SKU x-7 (Prom product 1)"));
}

#[test]
fn the_identical_sku_wins_and_its_look_alike_twin_is_flagged() {
    let local = local(&["AB-1"], &[]);
    let catalogue = [prom(1, Some("ab-1")), prom(2, Some("AB-1"))];
    let plan = plan(ImportMode::CreateMissing, &catalogue, &local);
    assert_eq!(actions(&plan), vec![(2, Action::Link)], "{plan}");
    assert_eq!(kinds(&plan)[&1], HardCaseKind::LookalikeSku);
}

#[test]
fn skus_equal_once_cleaned_are_one_sku_on_prom() {
    let local = local(&[], &[]);
    let catalogue = [prom(1, Some("D-1")), prom(2, Some("D-1\u{a0}"))];
    let plan = plan(ImportMode::CreateMissing, &catalogue, &local);
    assert!(plan.items.is_empty(), "{plan}");
    assert_eq!(kinds(&plan)[&1], HardCaseKind::DuplicateSku);
    assert_eq!(kinds(&plan)[&2], HardCaseKind::DuplicateSku);
}

#[test]
fn a_linked_product_whose_sku_only_looks_different_has_not_changed() {
    let local = local(
        &["L-1", "L-2", "L-3"],
        &[("L-1", 1), ("L-2", 2), ("L-3", 3)],
    );
    let catalogue = [
        prom(1, Some("L-1\u{200B} ")),
        prom(2, Some("l-2")),
        prom(3, Some("L-4")),
    ];
    let plan = plan(ImportMode::LinkOnly, &catalogue, &local);
    let k = kinds(&plan);
    assert_eq!(k.get(&1), None, "{plan}");
    assert_eq!(
        k.get(&2),
        None,
        "a look-alike linked by hand is no change: {plan}"
    );
    assert_eq!(k[&3], HardCaseKind::SkuChanged);
}

#[test]
fn stage_reports_every_kind_of_hard_case_and_acts_on_none() {
    let local = local(
        &["OLD", "TAKEN", "FREE-1", "MATCH"],
        &[("OLD", 10), ("TAKEN", 999)],
    );
    let catalogue = [
        prom(10, Some("NEW-SKU")),
        prom(11, Some("TAKEN")),
        prom(12, Some("DUP")),
        prom(13, Some("DUP")),
        prom(14, Some(" \u{200B}")),
        prom(15, Some("free-1")),
        prom(16, Some("MATCH")),
        prom(17, None),
    ];
    let stage = plan(ImportMode::Stage, &catalogue, &local);
    assert!(
        stage.items.iter().all(|i| i.action == Action::Stage),
        "{stage}"
    );
    assert_eq!(stage.items.len(), catalogue.len());
    let k = kinds(&stage);
    assert_eq!(k[&10], HardCaseKind::SkuChanged);
    assert_eq!(k[&11], HardCaseKind::SkuTaken);
    assert_eq!(k[&12], HardCaseKind::DuplicateSku);
    assert_eq!(k[&13], HardCaseKind::DuplicateSku);
    assert_eq!(k[&14], HardCaseKind::BlankSku);
    assert_eq!(k[&15], HardCaseKind::LookalikeSku);
    assert_eq!(k[&17], HardCaseKind::BlankSku);
    assert_eq!(k.get(&16), None, "an identical free SKU is no hard case");
    assert!(detail(&stage, 11).contains("already linked to Prom product 999"));
    // The same hard cases, word for word, as link_only meets.
    let link_only = plan(ImportMode::LinkOnly, &catalogue, &local);
    assert_eq!(stage.hard_cases, link_only.hard_cases);
    assert_eq!(actions(&link_only), vec![(16, Action::Link)]);
}

#[test]
fn a_catalogue_all_linked_costs_no_normalisation() {
    let skus: Vec<String> = (0..1000).map(|i| format!("S-{i}")).collect();
    let refs: Vec<&str> = skus.iter().map(String::as_str).collect();
    let links: Vec<(&str, i64)> = refs.iter().zip(1..).map(|(s, i)| (*s, i)).collect();
    let local = local(&refs, &links);
    let catalogue: Vec<PromProduct> = refs
        .iter()
        .zip(1..)
        .map(|(s, i)| prom(i, Some(s)))
        .collect();
    let identity = super::Identity::new(ImportMode::LinkOnly, &catalogue, &local);
    assert!(identity.prom_keys.is_empty() && identity.local_keys.is_empty());
    assert!(
        plan(ImportMode::LinkOnly, &catalogue, &local)
            .hard_cases
            .is_empty()
    );
}
