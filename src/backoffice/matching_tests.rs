//! The suggestions from the index of the unlinked are those of the walk they replace.

use chrono::Utc;

use super::*;
use crate::store::NewProduct;

/// The walk of every link, staged row and product that `unlinked` replaced.
fn walk(store: &Store) -> (Vec<StagedProduct>, Vec<Product>, HashSet<String>) {
    let gone = store.gone().unwrap();
    let mut pairs = store.link_pairs().unwrap();
    pairs.retain(|(_, prom)| !gone.contains_key(prom));
    let linked_prom: HashSet<i64> = pairs.iter().map(|(_, p)| *p).collect();
    let linked_local: HashSet<u64> = pairs.iter().map(|(l, _)| *l).collect();
    let staged = store.staged_where(|id| !linked_prom.contains(&id)).unwrap();
    let locals = store
        .products_where(|id| !linked_local.contains(&id))
        .unwrap();
    let claimed = store
        .staged_skus_where(|id| linked_prom.contains(&id))
        .unwrap()
        .iter()
        .filter_map(|s| sku::clean(s))
        .map(str::to_string)
        .collect();
    (staged, locals, claimed)
}

fn staged(prom_id: i64, sku: Option<&str>, name: &str) -> StagedProduct {
    StagedProduct {
        prom_id,
        sku: sku.map(str::to_string),
        name: name.into(),
        other_names: vec![],
        price: None,
        currency: None,
        quantity: None,
        staged_at: Utc::now(),
    }
}

#[test]
fn the_index_gives_the_suggestions_of_the_walk() {
    let d = tempfile::tempdir().unwrap();
    let store = Store::open(&d.path().join("db")).unwrap();
    let new = |sku: &str, name: &str| NewProduct {
        sku: sku.into(),
        name: name.into(),
        price: None,
        currency: None,
    };
    let p = store
        .add_products(&[
            new("TEA-1", "Чайник електричний Bosch"), // 0: same SKU as 101
            new("bolt-m8", "Болт М8 оцинкований"),    // 1: looks like 103's SKU
            new("CUP-9", "Чашка керамічна біла"),     // 2: named as 102 and 106: ambiguous
            new("CUP-10", "Чашка керамічна біла"),    // 3: as good as CUP-9
            new("LINKED-1", "Гайка М8"),              // 4: linked to 900
            new("CLAIM-5", "Ложка столова"),          // 5: 901 has its SKU, linked to 6
            new("OTHER-6", "Ложка столова інша"),     // 6: linked to 901
            new("GONE-7", "Ножиці кравецькі"),        // 7: linked to 902, found gone
            new("HAND-8", "Мило рідке лаванда"),      // 8: unlinked by hand from 903
        ])
        .unwrap();
    store
        .put_staged(&[
            staged(101, Some("TEA-1"), "Чайник Bosch"),
            staged(102, None, "Чашка керамічна біла"),
            staged(103, Some("BOLT-M8"), "Болт М8 оцинкований"),
            staged(104, None, "Ножиці кравецькі великі"),
            staged(105, None, "Нічого схожого"),
            staged(106, None, "Чашка керамічна біла"),
            staged(900, Some("LINKED-1"), "Гайка М8"),
            staged(901, Some("CLAIM-5"), "Ложка столова"),
            staged(902, Some("GONE-7"), "Ножиці кравецькі"),
            staged(903, None, "Мило рідке лаванда"),
        ])
        .unwrap();
    store
        .link_many(&[
            (p[4].id, 900),
            (p[6].id, 901),
            (p[7].id, 902),
            (p[8].id, 903),
        ])
        .unwrap();
    store.mark_gone(&[902], Utc::now()).unwrap();
    store
        .put_staged(&[staged(902, Some("GONE-7"), "Ножиці кравецькі")])
        .unwrap();
    store.unlink_by_hand(p[8].id, Utc::now()).unwrap();

    let u = unlinked(&store).unwrap();
    let (staged, locals, claimed) = walk(&store);
    assert_eq!(u.staged, staged);
    assert_eq!(u.locals, locals);
    // The walk claims every linked staged SKU; the index, those of the unlinked locals.
    let skus: HashSet<&str> = locals.iter().filter_map(|l| sku::clean(&l.sku)).collect();
    let mine: HashSet<String> = claimed
        .iter()
        .filter(|s| skus.contains(s.as_str()))
        .cloned()
        .collect();
    assert_eq!(u.claimed, mine);
    assert!(
        u.claimed.contains("CLAIM-5"),
        "the fixture has a claimed SKU"
    );
    assert!(
        u.locals.iter().any(|l| l.sku == "GONE-7"),
        "and a link to a gone product"
    );

    let by_walk = Unlinked {
        staged,
        locals,
        claimed,
    };
    let old = suggest_unlinked(&store, &by_walk, 0.0).unwrap();
    let new = suggestions(&store, 0.0).unwrap();
    assert_eq!(new, old);
    let by = |id: i64| new.iter().find(|s| s.prom_id == id);
    assert_eq!(by(101).unwrap().local_sku, "TEA-1");
    assert!(by(102).unwrap().ambiguous || by(106).unwrap().ambiguous);
    assert!(
        new.iter()
            .all(|s| s.local_sku != "CLAIM-5" && s.local_sku != "HAND-8")
    );
    assert!(by(903).is_none(), "unlinked by hand: not offered");
}

#[test]
fn the_unlinked_export_makes_formula_names_inert_and_keeps_what_apply_reads() {
    let d = tempfile::tempdir().unwrap();
    let store = Store::open(&d.path().join("db")).unwrap();
    store
        .add_products(&[NewProduct {
            sku: "-5".into(),
            name: "=HYPERLINK(\"http://x\")".into(),
            price: None,
            currency: None,
        }])
        .unwrap();
    store
        .put_staged(&[staged(101, Some("@SUM(A1)"), "+cmd|' /C calc'!A0")])
        .unwrap();
    let csv = export(&store).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap())
        .collect();
    let prom = rows.iter().find(|r| &r[0] == "101").unwrap();
    assert_eq!(&prom[1], "'@SUM(A1)");
    assert_eq!(&prom[2], "'+cmd|' /C calc'!A0");
    let local = rows.iter().find(|r| &r[3] == "-5").unwrap();
    assert_eq!(&local[4], "'=HYPERLINK(\"http://x\")", "{csv}");
    // The local SKU stays as it is, so the file applies back as it came.
    let filled = "prom_id,local_sku\n101,-5\n";
    assert_eq!(apply(&store, filled.as_bytes()).unwrap(), (1, 1));
}
