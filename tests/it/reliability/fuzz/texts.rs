//! Found by the fuzzing and its review: texts typed in (CLI, admin API, CSV) are held to
//! what an export can carry back, and what Prom.ua's catalogue brought in is not refused
//! where it is only carried along.

use chrono::Utc;
use promua_sync::backoffice::{BackOffice, BackofficeError, CsvKind, CsvOptions, Ledger, PriceSet};
use promua_sync::store::{Actor, NewProduct, ProductUpdate, StagedProduct, Store};
use rust_decimal::Decimal;

fn office() -> (tempfile::TempDir, Store, BackOffice) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let office = BackOffice::new(store.clone(), Actor::Cli, Vec::new());
    (dir, store, office)
}

fn refused(r: Result<impl std::fmt::Debug, BackofficeError>) -> String {
    match r {
        Err(e) => e.to_string(),
        Ok(v) => panic!(
            "accepted: {}",
            format!("{v:?}").chars().take(300).collect::<String>()
        ),
    }
}

/// Found by the admin API's fuzz: a SKU of control characters only (`\u{0}`) was taken.
#[tokio::test]
async fn a_typed_sku_holding_a_control_character_is_refused() {
    let (_dir, store, office) = office();
    for sku in ["\u{0}", "A\u{7}1", "A\u{1b}[31m"] {
        let p = NewProduct {
            sku: sku.into(),
            name: "Чайник".into(),
            price: None,
            currency: None,
        };
        let why = refused(office.add_product(&p).await);
        assert!(
            why.contains("sku") && why.contains("control character"),
            "{why}"
        );
    }
    assert!(store.products().unwrap().is_empty(), "nothing made");
}

/// A currency is a code of three Latin letters (Prom's products carry `UAH`, `USD`): a
/// 4 KiB currency of `ΐ` (2 bytes, 6 once upper-cased) no longer passes a limit checked
/// before the store upper-cases it, nor does one from a CSV file, which had no limit.
#[tokio::test]
async fn a_currency_is_a_three_letter_code_typed_in_or_imported() {
    let (_dir, store, office) = office();
    let greek = "ΐ".repeat(2_048);
    for currency in [greek.as_str(), "грн", "US", "USDT", "U$D"] {
        let p = NewProduct {
            sku: "C-1".into(),
            name: "Чайник".into(),
            price: None,
            currency: Some(currency.into()),
        };
        let why = refused(office.add_product(&p).await);
        assert!(why.contains("currency") && why.contains("UAH"), "{why}");
    }
    assert!(store.products().unwrap().is_empty(), "nothing made");
    let p = NewProduct {
        sku: "C-1".into(),
        name: "Чайник".into(),
        price: Some(Decimal::new(799, 0)),
        currency: Some(" usd ".into()),
    };
    assert_eq!(
        office
            .add_product(&p)
            .await
            .unwrap()
            .product
            .currency
            .as_deref(),
        Some("USD")
    );
    let price = PriceSet {
        price: Decimal::new(800, 0),
        currency: Some(greek.clone()),
    };
    refused(office.set_price("C-1", &price).await);
    let csv = format!("sku,name,price,currency\nC-2,Кавник,10,{greek}\n");
    let why = refused(
        office
            .import_csv(CsvKind::Products, csv.as_bytes(), &CsvOptions::default())
            .await,
    );
    assert!(why.contains("currency"), "{why}");
    let csv = "sku,price,currency\nC-1,10,гривня\n";
    refused(
        office
            .import_csv(CsvKind::Prices, csv.as_bytes(), &CsvOptions::default())
            .await,
    );
    let kept = store.product_by_sku("C-1").unwrap().unwrap();
    assert_eq!(
        (kept.price, kept.currency.as_deref()),
        (Some(Decimal::new(799, 0)), Some("USD")),
        "nothing applied"
    );
    assert!(store.product_by_sku("C-2").unwrap().is_none());
    // What is stored exports and imports back.
    for kind in [CsvKind::Products, CsvKind::Prices] {
        let export = office.export_csv(kind).await.unwrap();
        office
            .import_csv(kind, export.as_bytes(), &CsvOptions::default())
            .await
            .unwrap();
    }
}

/// Names from Prom.ua are read leniently, so a staged product and a local one made from
/// the catalogue may have names over 4 KiB: `links apply` reads only `prom_id` and
/// `local_sku`, so the unlinked export applies back as it is.
#[tokio::test]
async fn the_unlinked_export_applies_back_with_names_from_prom_over_4_kib() {
    let (_dir, store, office) = office();
    let long = "Светр ".repeat(1_000);
    store
        .add_products(&[NewProduct {
            sku: "L-1".into(),
            name: long.clone(),
            price: None,
            currency: None,
        }])
        .unwrap();
    store
        .put_staged(&[StagedProduct {
            prom_id: 7,
            sku: Some("P-7".into()),
            name: long.clone(),
            other_names: Vec::new(),
            price: None,
            currency: None,
            quantity: None,
            staged_at: Utc::now(),
        }])
        .unwrap();
    let export = office.export_unlinked().await.unwrap();
    assert!(export.contains(&long), "the names are exported whole");
    office.apply_links(export.as_bytes()).await.unwrap();
}

/// A PATCH that sends a product's long name (from Prom) back unchanged, as a client that
/// edits the price in a form does, is not refused for it; a new long name is, and the
/// message counts characters as well as bytes (a Cyrillic letter is 2 bytes).
#[tokio::test]
async fn an_unchanged_long_name_is_accepted_and_a_new_one_counted_in_characters() {
    let (_dir, store, office) = office();
    let long = "ї".repeat(2_100);
    store
        .add_products(&[NewProduct {
            sku: "L-1".into(),
            name: long.clone(),
            price: None,
            currency: None,
        }])
        .unwrap();
    let same = ProductUpdate {
        name: Some(long.clone()),
        price: Some(Decimal::new(5, 0)),
        currency: None,
    };
    let view = office.update_product("L-1", &same).await.unwrap();
    assert_eq!(view.product.price, Some(Decimal::new(5, 0)));
    let new = ProductUpdate {
        name: Some("є".repeat(2_100)),
        price: None,
        currency: None,
    };
    let why = refused(office.update_product("L-1", &new).await);
    assert!(
        why.contains("4,200 bytes") && why.contains("2,100 characters"),
        "{why}"
    );
    assert_eq!(store.product_by_sku("L-1").unwrap().unwrap().name, long);
}
