//! The products CSV's tier and discount columns: imported (lenient on spaces), refused
//! row by row and column by column with nothing applied, exported so that the file
//! imports back to the same state.
//! Fixed dates are in 2099: an end date already past is refused at input, so a date
//! near today would make the test fail once it passes.

use promua_sync::sandbox::SandboxOptions;
use serde_json::{Value, json};

use crate::helpers::{Env, cli, cli_ok};
use crate::price_tiers::prices_config;

#[tokio::test]
async fn tiers_and_discounts_round_trip_through_the_products_csv() {
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let path = prices_config(&env, "");
    let dir = env.dir.path();
    let ok = |args: &[&str]| cli_ok(&path, args);
    let show = |sku: &str| -> Value {
        serde_json::from_str(&ok(&["products", "show", sku, "--json"])).unwrap()
    };
    let good = dir.join("good.csv");
    std::fs::write(
        &good,
        "sku,name,price,tiers,discount,discount_from,discount_until\n\
         T-1,Чайник,100, 10 = 95.50 ; 50=90 ,10%,2099-12-01,2099-12-31\n\
         T-2,Кавник,200,,50,,\n\
         T-3,Глечик,30,,,,\n",
    )
    .unwrap();
    ok(&["products", "import", good.to_str().unwrap()]);
    let t1 = show("T-1");
    assert_eq!(
        t1["tiers"],
        json!([{"min_quantity": 10, "price": "95.5"}, {"min_quantity": 50, "price": "90"}])
    );
    assert_eq!(
        t1["discount"],
        json!({"value": "10", "kind": "percent", "from": "2099-12-01", "until": "2099-12-31"})
    );
    assert_eq!(
        show("T-2")["discount"],
        json!({"value": "50", "kind": "amount"})
    );
    assert!(show("T-3").get("tiers").is_none());

    // Export, then import the export: the same state.
    let exported = dir.join("out.csv");
    ok(&["products", "export", exported.to_str().unwrap()]);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(
        text.contains("T-1,Чайник,100,,10=95.5;50=90,10%,2099-12-01,2099-12-31"),
        "{text}"
    );
    ok(&["products", "import", exported.to_str().unwrap()]);
    assert_eq!(show("T-1"), t1);

    // Bad cells: every one named by row and column, and nothing applied (T-1 keeps its
    // tiers though row 2 would clear them).
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        "sku,name,price,tiers,discount,discount_from,discount_until\n\
         T-1,Чайник,100,,,,\n\
         T-2,Кавник,200,1=150,,,\n\
         T-3,Глечик,30,10=30,,,\n\
         T-4,Миска,40,10=abc,120%,,\n\
         T-5,Ложка,40,,5,2099-12-10,2099-12-01\n\
         T-6,Виделка,40,,,01.12.2099,\n",
    )
    .unwrap();
    let out = cli(&path, &["products", "import", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    for line in [
        "nothing was applied",
        "row 3, tiers: tier 1=150: the quantity must be at least 2",
        "row 4, tiers: tier 10=30: a tier's price must be below the base price 30",
        "row 5, tiers: tier `10=abc`: the price `abc` is not a number",
        "row 5, discount: a percent discount must be above 0 and below 100",
        "row 6, discount_until: the discount ends (2099-12-01) before it starts (2099-12-10)",
        "row 7, discount_from: `01.12.2099` is not a date YYYY-MM-DD",
    ] {
        assert!(err.contains(line), "{line:?} not in:\n{err}");
    }
    assert_eq!(show("T-1"), t1);
    let listed = ok(&["products", "list", "--json"]);
    assert!(!listed.contains("T-4"), "{listed}");
}

/// A discount already over is refused at input (row and column named, nothing applied),
/// but one the product holds (ended since) imports back from its own export.
#[tokio::test]
async fn an_ended_discount_is_refused_unless_the_product_holds_it() {
    use promua_sync::domain::{Discount, DiscountKind};
    use promua_sync::store::{ExtrasChange, Store};
    let env = Env::new(1, SandboxOptions::default(), |_| 5).await;
    let path = prices_config(&env, "");
    let dir = env.dir.path();
    let csv = dir.join("past.csv");
    std::fs::write(
        &csv,
        "sku,name,price,discount,discount_until\nP-1,Чайник,100,10%,2099-12-31\nP-2,Кавник,100,5,2020-01-31\n",
    )
    .unwrap();
    let out = cli(&path, &["products", "import", csv.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("discount_until") && err.contains("already past"),
        "{err}"
    );
    assert!(err.contains('3'), "names the row: {err}");
    assert!(!cli(&path, &["products", "show", "P-1"]).status.success());

    // A product whose discount ended since: its export imports back unchanged.
    let fine = dir.join("fine.csv");
    std::fs::write(&fine, "sku,name,price,discount\nP-3,Глечик,100,10%\n").unwrap();
    let out = cli(&path, &["products", "import", fine.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    {
        let store = Store::open(&env.store_path()).unwrap();
        let p = store.product_by_sku("P-3").unwrap().unwrap();
        store
            .set_price_extras(&[(
                p.id,
                ExtrasChange {
                    tiers: None,
                    discount: Some(Some(Discount {
                        value: "10".parse().unwrap(),
                        kind: DiscountKind::Percent,
                        from: None,
                        until: Some("2020-01-31".parse().unwrap()),
                    })),
                },
            )])
            .unwrap();
        store.flush_blocking().unwrap();
    }
    let exported = dir.join("exported.csv");
    let out = cli(&path, &["products", "export", exported.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read_to_string(&exported)
            .unwrap()
            .contains("2020-01-31")
    );
    let out = cli(&path, &["products", "import", exported.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
