//! A status push whose answer was lost, read back by a later pull: our own echo, never a
//! later change on Prom.ua that throws away the seller's newer local status (review of
//! the soak, findings 1 and 2).

use chrono::Utc;

use super::test_fixtures::{policy, pull};
use super::*;

fn store() -> (tempfile::TempDir, Store) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("db")).unwrap();
    (d, s)
}

/// Order 1 as Prom.ua shows it at `status`, modified `secs` from now (Prom's clock).
fn read(status: &str, secs: i64) -> LocalOrder {
    LocalOrder {
        prom_id: 1,
        status: status.into(),
        prom_status: Some(status.into()),
        modified_at: Some((Utc::now() + chrono::Duration::seconds(secs)).fixed_offset()),
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    }
}

/// Pulls `read`; asserts it settled no conflict and left the seller's `local` waiting.
fn assert_echo(s: &Store, read: LocalOrder, local: &str) {
    let up = s.upsert_orders(&[read], &policy(), &pull()).unwrap();
    let o = s.order(1).unwrap().unwrap();
    assert_eq!(
        (o.status.as_str(), o.status_pending, &up[0].conflict),
        (local, true, &None),
        "the seller's later change was taken for superseded"
    );
}

/// `received` sent and applied, its answer lost; the seller sets `delivered`, whose push
/// is marked but never applied (a kill after the mark). Prom.ua shows `received`: the
/// first push's echo, though the second push overwrote what was sent.
#[test]
fn an_echo_of_an_earlier_unconfirmed_push_survives_a_second_push() {
    let (_d, s) = store();
    let pol = policy();
    s.upsert_orders(&[read("pending", -60)], &pol, &pull())
        .unwrap();
    s.set_order_status(1, "received", &pol).unwrap();
    s.mark_statuses_unconfirmed(&[(1, "received".into(), "received".into())])
        .unwrap();
    s.set_order_status(1, "delivered", &pol).unwrap();
    s.mark_statuses_unconfirmed(&[(1, "delivered".into(), "delivered".into())])
        .unwrap();
    assert_echo(&s, read("received", 5), "delivered");
}

/// A pull whose read was taken before the mark (it showed Prom's old status) commits
/// after it; then the push is applied, its answer lost, and the seller moves on. The
/// stale read must not forget what was sent.
#[test]
fn a_stale_read_committed_after_the_mark_keeps_what_was_sent() {
    let (_d, s) = store();
    let pol = policy();
    s.upsert_orders(&[read("pending", -60)], &pol, &pull())
        .unwrap();
    s.set_order_status(1, "received", &pol).unwrap();
    s.mark_statuses_unconfirmed(&[(1, "received".into(), "received".into())])
        .unwrap();
    s.upsert_orders(&[read("pending", -60)], &pol, &pull())
        .unwrap();
    s.set_order_status(1, "delivered", &pol).unwrap();
    assert_echo(&s, read("received", 5), "delivered");
}

/// The push confirmed: what was sent is forgotten, and a later `received` on Prom.ua (a
/// change made there after the seller's) wins as before.
#[test]
fn after_a_confirmation_prom_showing_an_old_sent_status_is_a_real_change() {
    let (_d, s) = store();
    let pol = policy();
    s.upsert_orders(&[read("pending", -60)], &pol, &pull())
        .unwrap();
    s.set_order_status(1, "received", &pol).unwrap();
    s.mark_statuses_unconfirmed(&[(1, "received".into(), "received".into())])
        .unwrap();
    s.confirm_order_statuses(&[(1, "received".into(), "received".into())])
        .unwrap();
    s.set_order_status(1, "delivered", &pol).unwrap();
    let o = s.order(1).unwrap().unwrap();
    assert!(o.statuses_sent.is_empty() && !o.prom_status_unconfirmed);
    let up = s
        .upsert_orders(&[read("canceled", 5)], &pol, &pull())
        .unwrap();
    assert_eq!(
        up[0].conflict.as_ref().unwrap().winner,
        super::order_merge::Winner::Prom
    );
}
