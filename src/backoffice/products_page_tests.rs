//! Pages of products: a SKU search from the index, a name search in a bounded window.

use super::*;

fn store_of(names: &[(&str, &str)]) -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("db")).unwrap();
    for (sku, name) in names {
        s.add_product(sku, name).unwrap();
    }
    (d, s)
}

fn skus(p: &ProductsPage) -> Vec<&str> {
    p.products.iter().map(|v| v.product.sku.as_str()).collect()
}

#[test]
fn a_name_search_looks_at_a_window_and_says_where_to_go_on() {
    let names: Vec<(String, String)> = (0..30)
        .map(|i| {
            let name = if i == 4 || i == 24 {
                "Чайник"
            } else {
                "Bolt"
            };
            (format!("S-{i:02}"), format!("{name} {i}"))
        })
        .collect();
    let refs: Vec<(&str, &str)> = names
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let (_d, s) = store_of(&refs);
    let id = |sku: &str| s.product_by_sku(sku).unwrap().unwrap().id;
    let mut q = ProductQuery {
        name: Some(" ЧАЙНИК".into()),
        limit: Some(50),
        scan: Some(10),
        ..Default::default()
    };
    let first = page(&s, &[], &q).unwrap();
    assert_eq!(skus(&first), ["S-04"]);
    assert_eq!(first.next_after, Some(id("S-09")), "10 looked at");
    q.after = first.next_after;
    let second = page(&s, &[], &q).unwrap();
    assert!(second.products.is_empty());
    assert_eq!(second.next_after, Some(id("S-19")));
    q.after = second.next_after;
    let third = page(&s, &[], &q).unwrap();
    assert_eq!(skus(&third), ["S-24"]);
    assert_eq!(third.next_after, None, "the catalogue ends");
    // Unbounded (the CLI and the API): the whole catalogue in one page.
    q.scan = None;
    q.after = None;
    assert_eq!(skus(&page(&s, &[], &q).unwrap()), ["S-04", "S-24"]);
}

#[test]
fn a_sku_search_reads_the_index_in_id_order_and_pages() {
    let (_d, s) = store_of(&[
        ("B-10", "x"),
        ("A-1", "x"),
        ("B-1", "x"),
        ("B-2", "x"),
        ("B-11", "y"),
        ("BB", "x"),
    ]);
    let mut q = ProductQuery {
        sku: Some("B-1 ".into()),
        limit: Some(2),
        ..Default::default()
    };
    let first = page(&s, &[], &q).unwrap();
    assert_eq!(skus(&first), ["B-10", "B-1"], "id order");
    q.after = first.next_after;
    let second = page(&s, &[], &q).unwrap();
    assert_eq!(skus(&second), ["B-11"]);
    assert_eq!(second.next_after, None);
    // With the name too, and a miss.
    q.after = None;
    q.name = Some("y".into());
    assert_eq!(skus(&page(&s, &[], &q).unwrap()), ["B-11"]);
    q.sku = Some("Z".into());
    let none = page(&s, &[], &q).unwrap();
    assert!(none.products.is_empty() && none.next_after.is_none());
}
