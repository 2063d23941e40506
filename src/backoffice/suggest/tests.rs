use super::*;
use crate::backoffice::similarity::CONFLICT_CAP;

fn staged(id: i64, sku: Option<&str>, name: &str) -> StagedProduct {
    StagedProduct {
        prom_id: id,
        sku: sku.map(Into::into),
        name: name.into(),
        other_names: vec![],
        price: None,
        currency: None,
        quantity: None,
        staged_at: chrono::Utc::now(),
    }
}
fn local(id: u64, sku: &str, name: &str) -> Product {
    Product {
        id,
        sku: sku.into(),
        name: name.into(),
        price: None,
        currency: None,
    }
}
fn pairs(out: &[Suggestion]) -> Vec<(i64, &str)> {
    out.iter()
        .map(|x| (x.prom_id, x.local_sku.as_str()))
        .collect()
}

#[test]
fn the_closest_names_pair_up_one_to_one() {
    let s = vec![
        staged(1, None, "Чайник сталевий 1,7 л"),
        staged(2, None, "Рюкзак туристичний 40л"),
        staged(3, None, "Щось зовсім інше"),
    ];
    let l = vec![
        local(10, "BAG-40", "Туристичний рюкзак, 40 л"),
        local(11, "KET-17", "Чайник сталевий 1.7л"),
    ];
    let out = suggest(&s, &l, 0.4);
    assert_eq!(pairs(&out), vec![(1, "KET-17"), (2, "BAG-40")]);
    assert!(out[0].score > 0.7, "{out:?}");
    assert_eq!(out[0].reason, "names alike");
    assert!(!out[0].ambiguous);
}

#[test]
fn the_same_sku_outranks_any_name_and_is_offered_to_no_other() {
    let s = vec![
        staged(1, Some("CASE-13"), "Чохол для iPhone 13 Pro"),
        staged(2, None, "Чохол iPhone 13 Pro силіконовий"),
    ];
    let l = vec![
        local(10, "CASE-14", "Чохол для iPhone 14 Pro"),
        local(11, "CASE-13", "Чохол iPhone 13 Pro силіконовий"),
    ];
    let out = suggest(&s, &l, 0.0);
    assert_eq!(out[0].local_sku, "CASE-13");
    assert_eq!((out[0].score, out[0].reason.as_str()), (1.0, "same SKU"));
    // Prom 2 is named exactly like local CASE-13, which belongs to Prom 1's SKU.
    assert!(
        out.iter()
            .all(|x| x.prom_id != 2 || x.local_sku != "CASE-13")
    );
    let two = out.iter().find(|x| x.prom_id == 2).unwrap();
    assert_eq!(two.reason, "numbers differ: 13 ≠ 14");
    assert!(two.score <= CONFLICT_CAP);
}

#[test]
fn a_lookalike_sku_ranks_below_the_same_and_above_names() {
    let s = vec![staged(1, Some("ab-007"), "Кабель")];
    let l = vec![
        local(10, "X-1", "Кабель"),
        local(11, "AB-7", "Зовсім інша назва"),
    ];
    let out = suggest(&s, &l, 0.0);
    assert_eq!(pairs(&out), vec![(1, "AB-7")]);
    assert_eq!(out[0].score, LOOKALIKE_SCORE);
    assert_eq!(out[0].reason, "SKU looks alike: ab-007 ~ AB-7");
    assert!(auto_accepts(&out[0], 0.9));
    // With names that contradict each other, it is only a name.
    let s = vec![staged(1, Some("ab-7"), "Светр жіночий")];
    let l = vec![local(11, "AB-7", "Светр чоловічий")];
    let out = suggest(&s, &l, 0.0);
    assert_eq!(
        out[0].reason,
        "SKU looks alike: ab-7 ~ AB-7, but жіночий ≠ чоловічий"
    );
    assert!(out[0].score <= CONFLICT_CAP);
}

#[test]
fn ties_are_ambiguous_and_never_taken_by_score() {
    // Identical names on both sides: any pairing is a guess.
    let s = vec![
        staged(1, None, "Кабель USB-C 1 м"),
        staged(2, None, "Кабель USB-C 1 м"),
    ];
    let l = vec![
        local(10, "C-1", "Кабель USB-C 1 м"),
        local(11, "C-2", "Кабель USB-C 1 м"),
    ];
    let out = suggest(&s, &l, 0.0);
    assert_eq!(out.len(), 2);
    assert!(out.iter().all(|x| x.ambiguous && x.score == 1.0), "{out:?}");
    assert!(out.iter().all(|x| !auto_accepts(x, 0.0)));
    assert!(
        out[0].reason.contains("ambiguous: C-2 scores 1.000 too"),
        "{out:?}"
    );
    // One local product best for two Prom products.
    let s = vec![
        staged(1, None, "Кабель USB-C 1 м"),
        staged(2, None, "Кабель USB-C 1м"),
    ];
    let l = vec![local(10, "C-1", "Кабель USB-C 1 м")];
    let out = suggest(&s, &l, 0.0);
    assert_eq!(out.len(), 1);
    assert!(out[0].ambiguous, "{out:?}");
    assert!(out[0].reason.contains("for Prom product 2 too"), "{out:?}");
    // A Prom product whose best match went to another falls back, flagged.
    let s = vec![staged(1, None, "abcdefgh"), staged(2, None, "abcdefgx")];
    let l = vec![local(10, "A", "abcdefgh"), local(11, "B", "abcdefxy")];
    let out = suggest(&s, &l, 0.0);
    assert_eq!(pairs(&out), vec![(1, "A"), (2, "B")]);
    assert!(!out[0].ambiguous, "{out:?}");
    assert!(out[1].ambiguous, "{out:?}");
    assert!(
        out[1]
            .reason
            .ends_with("ambiguous: A scores 0.857 but went to Prom product 1"),
        "{out:?}"
    );
    // A clear winner is not.
    let l = vec![
        local(10, "C-1", "Кабель USB-C 1 м"),
        local(11, "C-2", "Кабель USB-C 1 м чорний плетений"),
    ];
    let out = suggest(&[staged(1, None, "Кабель USB-C 1 м")], &l, 0.0);
    assert!(!out[0].ambiguous, "{out:?}");
}

#[test]
fn every_language_counts_and_the_pairing_does_not_depend_on_the_threshold() {
    let mut p = staged(1, None, "Ковдра зимова 200х220");
    p.other_names = vec!["Одеяло зимнее 200х220".into()];
    let l = vec![local(10, "BL-1", "Одеяло зимнее 200x220")];
    let out = suggest(&[p.clone()], &l, 0.9);
    assert_eq!(pairs(&out), vec![(1, "BL-1")]);
    assert_eq!(out[0].reason, "names alike (in another language)");
    let all = suggest(&[p], &l, 0.0);
    assert_eq!(all, out);
}
