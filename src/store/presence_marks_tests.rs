//! The sparse presence trees.
use super::*;
use crate::store::DIRTY_STOCK;

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
fn a_setting_wakes_the_on_change_push_and_a_refused_one_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let p = s.add_product("A", "A").unwrap();
    s.link(p.id, 1000).unwrap(); // only linked products are pushed
    s.take_dirty(DIRTY_STOCK).unwrap();
    assert!(s.set_presence_setting(p.id, Some("service")).is_err());
    assert!(s.take_dirty(DIRTY_STOCK).unwrap().is_empty());
    s.set_presence_setting(p.id, Some("order")).unwrap();
    assert_eq!(s.take_dirty(DIRTY_STOCK).unwrap(), [p.id]);
}

#[test]
fn a_presence_we_sent_is_our_echo_not_the_sellers() {
    let order = ShownMarks {
        presence: Some("order".into()),
        ..ShownMarks::default()
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
    // Our own `available` (stock came back) is an echo too: the seller's order stands.
    assert_eq!(
        ShownMarks::after_read(Some(&order), Some("available"), None, Some("available")),
        order
    );
    // Another presence, not ours, is the seller's: it forgets the mark; a status is
    // always the read's.
    let m = ShownMarks::after_read(Some(&order), Some("available"), Some("draft"), None);
    assert_eq!((m.presence, m.status.as_deref()), (None, Some("draft")));
    let m = ShownMarks::after_read(Some(&order), Some("not_available"), None, Some("available"));
    assert_eq!(m.presence, None);
}

#[test]
fn a_presence_sent_and_not_yet_confirmed_is_our_echo_too() {
    let sent = ShownMarks {
        sent: Some("order".into()),
        ..ShownMarks::default()
    };
    // Our `order` (a product setting), sent and unconfirmed, read back: not the seller's.
    let m = ShownMarks::after_read(Some(&sent), Some("order"), None, Some("available"));
    assert_eq!(m.presence, None);
    assert_eq!(m.sent.as_deref(), Some("order"), "kept until confirmed");
}

#[test]
fn a_pending_hide_is_ours_when_prom_shows_it_and_dropped_when_not() {
    let pending = ShownMarks {
        hide_pending: true,
        ..ShownMarks::default()
    };
    let m = ShownMarks::after_read(Some(&pending), None, Some("not_on_display"), None);
    assert!(m.hidden_by_us && !m.hide_pending, "{m:?}");
    for status in ["on_display", "draft", "deleted"] {
        let m = ShownMarks::after_read(Some(&pending), None, Some(status), None);
        assert!(!m.hidden_by_us && !m.hide_pending, "{status}: {m:?}");
    }
    let m = ShownMarks::after_read(Some(&pending), None, Some("approval_pending"), None);
    assert!(m.hide_pending, "moderation: not known yet");
    // Every form survives the store's codec, the first version's two fields too.
    for m in [
        pending.clone(),
        ShownMarks {
            presence: Some("waiting".into()),
            status: Some("not_on_display".into()),
            hidden_by_us: true,
            hide_pending: true,
            sent: Some("order".into()),
        },
    ] {
        assert_eq!(ShownMarks::decode(&m.encode().unwrap()).unwrap(), m);
    }
    assert_eq!(
        ShownMarks::decode(b"order\n").unwrap().presence.as_deref(),
        Some("order")
    );
    assert!(ShownMarks::decode(b"order\n\nx\n").is_err());
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
    // Stock came back: the seller's mark outlives our `available`.
    s.put_stock_confirmed(&[(p.id, snap("available"), Some("on_display"))])
        .unwrap();
    assert_eq!(
        s.prom_shown().unwrap()[&7],
        ShownMarks {
            presence: Some("waiting".into()),
            ..ShownMarks::default()
        }
    );
    // A product setting chose another presence at 0: the mark ends.
    s.put_stock_confirmed(&[(p.id, snap("not_available"), None)])
        .unwrap();
    assert!(s.prom_shown().unwrap().is_empty());
    // A read of the presence we sent is our echo.
    s.put_stock_confirmed(&[(p.id, snap("order"), None)])
        .unwrap();
    s.record_prom_shown(&[(7, Some("order"), Some("on_display"))])
        .unwrap();
    assert!(s.prom_shown().unwrap().is_empty());
}

#[test]
fn a_walk_older_than_our_confirmed_or_pending_write_is_not_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let s = Store::open(&dir.path().join("s")).unwrap();
    let (a, b) = (
        s.add_product("A", "A").unwrap(),
        s.add_product("B", "B").unwrap(),
    );
    s.link(a.id, 7).unwrap();
    s.link(b.id, 8).unwrap();
    let walk_started = chrono::Utc::now();
    // While the walk ran: a push confirmed `order` for 7, and sent a hide for 8.
    let snap = StockSnapshot {
        prom_id: 7,
        quantity: 0,
        presence: "order".into(),
        confirmed_at: chrono::Utc::now(),
        unconfirmed: false,
        hidden: false,
    };
    s.put_stock_confirmed(&[(a.id, snap, None)]).unwrap();
    s.mark_stock_sending(&[StockSending {
        product_id: b.id,
        prom_id: 8,
        presence: "not_available".into(),
        hides: true,
    }])
    .unwrap();
    let before = s.prom_shown().unwrap();
    // The walk read both before our writes: 8 on display, 7 already `order` (the seller's
    // if it were recorded... but it is older than our write).
    s.record_prom_shown_walked(
        &[
            (7, Some("order"), Some("not_on_display")),
            (8, Some("available"), Some("on_display")),
        ],
        walk_started,
    )
    .unwrap();
    assert_eq!(s.prom_shown().unwrap(), before);
    // A walk that started after them is recorded.
    s.record_prom_shown_walked(&[(7, Some("waiting"), None)], chrono::Utc::now())
        .unwrap();
    assert_eq!(
        s.prom_shown().unwrap()[&7].presence.as_deref(),
        Some("waiting")
    );
}
