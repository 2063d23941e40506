//! The sparse presence trees.
use super::*;

#[test]
fn shown_marks_keep_only_what_is_not_plain() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    s.record_prom_shown(&[
        (1, Some("order"), Some("on_display")),
        (2, Some("available"), Some("not_on_display")),
        (3, Some("available"), Some("on_display")),
        (4, None, None),
    ])
    .unwrap();
    let held = s.prom_shown().unwrap();
    assert_eq!(held.len(), 2);
    assert_eq!(held[&1].presence.as_deref(), Some("order"));
    assert_eq!(held[&1].status, None);
    assert_eq!(held[&2].status.as_deref(), Some("not_on_display"));
    // A later read showing the plain case forgets the mark.
    s.record_prom_shown(&[(1, Some("not_available"), Some("on_display"))])
        .unwrap();
    assert!(!s.prom_shown().unwrap().contains_key(&1));
}

#[test]
fn a_setting_needs_a_product_and_a_settable_presence() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let p = s.add_product("A", "A").unwrap();
    assert!(s.set_presence_setting(p.id, Some("service")).is_err());
    assert!(s.set_presence_setting(p.id + 99, Some("order")).is_err());
    s.set_presence_setting(p.id, Some("order")).unwrap();
    assert_eq!(s.presence_setting(p.id).unwrap().as_deref(), Some("order"));
    assert_eq!(s.presence_settings().unwrap().len(), 1);
    s.set_presence_setting(p.id, None).unwrap();
    assert_eq!(s.presence_setting(p.id).unwrap(), None);
}

#[test]
fn a_presence_we_sent_is_our_echo_not_the_sellers() {
    let order = ShownMarks {
        presence: Some("order".into()),
        status: None,
    };
    // The seller set order: kept.
    let m = ShownMarks::after_read(None, Some("order"), Some("on_display"), Some("available"));
    assert_eq!(m, order);
    // Prom shows the order we sent (a product setting): not the seller's.
    assert_eq!(
        ShownMarks::after_read(None, Some("order"), None, Some("order")),
        ShownMarks::default()
    );
    // ... unless the seller's mark was there before (the rule kept it).
    assert_eq!(
        ShownMarks::after_read(Some(&order), Some("order"), None, Some("order")),
        order
    );
    // Another presence forgets it; a status is always the read's.
    let m = ShownMarks::after_read(Some(&order), Some("available"), Some("draft"), None);
    assert_eq!((m.presence, m.status.as_deref()), (None, Some("draft")));
}

#[test]
fn our_confirmed_write_keeps_the_mark_only_when_it_sent_that_presence() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let p = s.add_product("A", "A").unwrap();
    s.link(p.id, 7).unwrap();
    s.record_prom_shown(&[(7, Some("waiting"), None)]).unwrap();
    let snap = |presence: &str| StockSnapshot {
        prom_id: 7,
        quantity: 0,
        presence: presence.into(),
        confirmed_at: chrono::Utc::now(),
        unconfirmed: false,
        hidden: false,
    };
    s.put_stock_confirmed(&[(p.id, snap("waiting"), Some("not_on_display"))])
        .unwrap();
    let m = &s.prom_shown().unwrap()[&7];
    assert_eq!(m.presence.as_deref(), Some("waiting"));
    assert_eq!(m.status.as_deref(), Some("not_on_display"));
    s.put_stock_confirmed(&[(p.id, snap("available"), Some("on_display"))])
        .unwrap();
    assert!(s.prom_shown().unwrap().is_empty());
    // A read of the presence we sent is our echo.
    s.put_stock_confirmed(&[(p.id, snap("order"), None)])
        .unwrap();
    s.record_prom_shown(&[(7, Some("order"), Some("on_display"))])
        .unwrap();
    assert!(s.prom_shown().unwrap().is_empty());
}
