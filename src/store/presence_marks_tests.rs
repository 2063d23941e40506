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
