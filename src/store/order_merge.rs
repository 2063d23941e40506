//! How an order read from Prom.ua merges into the stored one: pure, so that a pull's
//! `--dry-run` says exactly what a real pull would store.
//!
//! Two rules live here (issue 12, "never oversell"):
//! - **Tracking.** An order first seen already at the done status moves stock once if
//!   it was created after order tracking started (the first pull's window) or was open
//!   then (the first pull reported it); any other is history, whose stock left before
//!   the back office knew it.
//! - **Status conflicts.** A local status change that Prom.ua has not confirmed, and a
//!   different status Prom.ua shows now: the later change wins, and the conflict is
//!   reported either way. Prom's time is the order's `date_modified` (Prom's clock); ours,
//!   when the local status was set (this machine's clock); a change whose time is not
//!   known loses to Prom's. Prom showing what the status map sends the local status as
//!   agrees with it: the local word is kept. Prom showing a status our push sent and
//!   never heard confirmed is our own change read back, no conflict: a local change
//!   made since still waits to be sent.

use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;

use super::LocalOrder;
use super::order_lines::keep_links;
use crate::domain::{ReservationPolicy, StatusClass};

/// Which side of a status conflict won.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Winner {
    /// Prom's status is later: the local change is superseded and never sent.
    Prom,
    /// The local change is later: it stays pending and `push_statuses` sends it.
    Local,
}

/// A local status change waiting for Prom.ua while Prom.ua's status changed too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusConflict {
    pub prom_id: i64,
    /// The local status that was waiting to be sent.
    pub local: String,
    pub local_at: Option<DateTime<Utc>>,
    /// What Prom.ua shows now.
    pub prom: String,
    pub prom_at: Option<DateTime<FixedOffset>>,
    pub winner: Winner,
}

impl StatusConflict {
    /// One line for a run's report and the log.
    pub fn message(&self) -> String {
        let at = |t: Option<String>| t.unwrap_or_else(|| "at an unknown time".into());
        let local_at = at(self
            .local_at
            .map(|t| t.format("at %Y-%m-%d %H:%M:%S UTC").to_string()));
        let prom_at = at(self.prom_at.map(|t| {
            t.with_timezone(&Utc)
                .format("at %Y-%m-%d %H:%M:%S UTC")
                .to_string()
        }));
        let outcome = match self.winner {
            Winner::Prom => format!(
                "Prom's change is later and wins: the order is now `{}`, the local `{}` is superseded and will not be sent",
                self.prom, self.local
            ),
            Winner::Local => format!(
                "the local change is later and wins: push_statuses sends `{}`",
                self.local
            ),
        };
        format!(
            "order {}: status conflict: local `{}` (set {local_at}, not yet on Prom.ua) vs Prom's `{}` (changed {prom_at}); {outcome}",
            self.prom_id, self.local, self.prom
        )
    }
}

/// When order tracking started, and the orders open then that the first pull reported
/// without importing them: their delivery still moves stock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tracking {
    pub since: DateTime<Utc>,
    /// Sorted.
    pub open_at_start: Vec<i64>,
}

impl Tracking {
    /// An order first seen at `created` is history: its stock left before tracking.
    fn is_history(&self, prom_id: i64, created: Option<DateTime<FixedOffset>>) -> bool {
        created.is_some_and(|c| c.with_timezone(&Utc) < self.since)
            && self.open_at_start.binary_search(&prom_id).is_err()
    }
}

/// What merging a read order into the stored one decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Merged {
    /// The order to store (its lines not linked yet, its stock not settled yet).
    pub order: LocalOrder,
    pub conflict: Option<StatusConflict>,
    /// First seen at the done status, created before tracking started: moves nothing.
    pub history: bool,
}

/// Merges `read` (an order as Prom.ua shows it now) into `old` (the stored copy).
pub fn merge_order(
    old: Option<&LocalOrder>,
    read: &LocalOrder,
    tracking: &Tracking,
    policy: &ReservationPolicy,
) -> Merged {
    let mut order = read.clone();
    let Some(old) = old else {
        let mut history = false;
        // Lenient: without a creation date, the last change tells when it existed.
        let created = order.created_at.or(order.modified_at);
        if policy.class(&order.status) == StatusClass::Done
            && tracking.is_history(order.prom_id, created)
        {
            order.stock_moved = true;
            order.adopted_done = true;
            history = true;
        }
        // A new order at a status nobody named holds: better unsold than oversold.
        order.holds = Some(true);
        return Merged {
            order,
            conflict: None,
            history,
        };
    };
    order.imported_at = old.imported_at;
    order.stock_moved = old.stock_moved;
    order.shipped = old.shipped.clone();
    order.adopted_done = old.adopted_done;
    order.holds = Some(old.holding(policy));
    order.reserved = old.reserved.clone();
    order.status_changed_at = old.status_changed_at;
    // Lines linked earlier (by hand too) stay linked: matched by Prom product, then by
    // their order among that product's lines (`order_lines.rs`).
    keep_links(&mut order.lines, &old.lines);
    let mut conflict = None;
    let prom = read.status.clone();
    if policy.agrees(&old.status, &prom) {
        // Prom shows the local status (or what the map sends it as): agreement, and a
        // pending change is confirmed.
        order.status = old.status.clone();
        order.status_pending = false;
    } else if old.status_pending {
        // Prom shows the status a push sent whose answer was lost (retries run out, a
        // kill before the confirmation): our own change read back, not Prom's.
        // Any push since the last confirmation may be the one that landed. Kept simple
        // on purpose (review finding 3a): a buyer or the cabinet setting, on their own,
        // a status we sent that never landed is taken for our echo too, and the seller's
        // later change is sent over it. A time window (Prom's `date_modified` within the
        // push's retry budget of the send) would tell them apart only as well as Prom's
        // clock agrees with ours, and a late-applied request or a skewed clock would then
        // throw the seller's change away silently: the worse error. Someone changing an
        // order on Prom.ua to a status the seller already moved it past is rare.
        let echo = old.prom_status_unconfirmed && old.statuses_sent.contains(&prom);
        if old.prom_status.as_deref() == Some(prom.as_str()) || echo {
            // Prom's status has not moved since we last knew it, but for our own push:
            // the later local change still waits.
            order.status = old.status.clone();
            order.status_pending = true;
        } else {
            let prom_at = read.modified_at;
            let local_at = old.status_changed_at;
            let prom_later = match (prom_at, local_at) {
                (Some(p), Some(l)) => p.with_timezone(&Utc) > l,
                // Not knowing when one of them happened, take the fresher read: Prom's.
                _ => true,
            };
            let winner = if prom_later {
                Winner::Prom
            } else {
                order.status = old.status.clone();
                order.status_pending = true;
                Winner::Local
            };
            conflict = Some(StatusConflict {
                prom_id: read.prom_id,
                local: old.status.clone(),
                local_at,
                prom: prom.clone(),
                prom_at,
                winner,
            });
        }
    }
    // While the local change still waits, what was sent stays unconfirmed whatever this
    // read showed: it may have been taken before the push (a pull's read is not ordered
    // with a status push's send on Prom.ua), or a request may land after it.
    if order.status_pending && old.status_pending {
        order.prom_status_unconfirmed = old.prom_status_unconfirmed;
        order.statuses_sent = old.statuses_sent.clone();
    }
    Merged {
        order,
        conflict,
        history: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn policy() -> ReservationPolicy {
        ReservationPolicy {
            reserve_statuses: vec!["pending".into(), "received".into(), "paid".into()],
            done_status: Some("delivered".into()),
            release_statuses: Vec::new(),
            shipped_statuses: Vec::new(),
            aliases: vec![("shipped".into(), "delivered".into())],
            warehouse: "main".into(),
        }
    }

    fn since(t: DateTime<Utc>) -> Tracking {
        Tracking {
            since: t,
            open_at_start: Vec::new(),
        }
    }

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 20, h, m, 0).unwrap()
    }

    fn order(status: &str, modified: DateTime<Utc>) -> LocalOrder {
        LocalOrder {
            prom_id: 7,
            status: status.into(),
            prom_status: Some(status.into()),
            created_at: Some(at(9, 0).fixed_offset()),
            modified_at: Some(modified.fixed_offset()),
            ..LocalOrder::default()
        }
    }

    /// The stored order: Prom showed `prom`, the seller set `local` at `local_at`.
    fn pending_local(prom: &str, local: &str, local_at: DateTime<Utc>) -> LocalOrder {
        let mut o = order(prom, at(9, 0));
        o.status = local.into();
        o.status_pending = true;
        o.status_changed_at = Some(local_at);
        o
    }

    #[test]
    fn a_later_cancel_on_prom_supersedes_a_pending_local_status() {
        let old = pending_local("received", "paid", at(10, 0));
        let m = merge_order(
            Some(&old),
            &order("canceled", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "canceled");
        assert!(!m.order.status_pending);
        let c = m.conflict.unwrap();
        assert_eq!(c.winner, Winner::Prom);
        assert!(c.message().contains("superseded"), "{}", c.message());
    }

    #[test]
    fn a_later_local_change_wins_and_stays_pending() {
        let old = pending_local("received", "canceled", at(10, 10));
        let m = merge_order(
            Some(&old),
            &order("delivered", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "canceled");
        assert!(m.order.status_pending);
        assert_eq!(m.order.prom_status.as_deref(), Some("delivered"));
        assert_eq!(m.conflict.unwrap().winner, Winner::Local);
    }

    #[test]
    fn prom_unchanged_keeps_the_pending_change_without_a_conflict() {
        let old = pending_local("received", "paid", at(10, 0));
        let m = merge_order(
            Some(&old),
            &order("received", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "paid");
        assert!(m.order.status_pending);
        assert_eq!(m.conflict, None);
    }

    /// Found by the soak: `received` sent at 10:05 and applied, its answer lost; the
    /// seller delivered at 10:04 while it was in flight. Prom's 10:05 is our own echo.
    #[test]
    fn prom_showing_what_an_unconfirmed_push_sent_is_no_conflict_and_the_later_change_waits() {
        let mut old = pending_local("pending", "delivered", at(10, 4));
        old.prom_status_unconfirmed = true;
        old.statuses_sent = vec!["received".into()];
        let m = merge_order(
            Some(&old),
            &order("received", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "delivered");
        assert!(m.order.status_pending);
        assert_eq!(m.order.prom_status.as_deref(), Some("received"));
        assert_eq!(m.conflict, None);
        // Prom moved elsewhere (the buyer cancelled): a conflict as before, Prom later.
        let m = merge_order(
            Some(&old),
            &order("canceled", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "canceled");
        assert_eq!(m.conflict.unwrap().winner, Winner::Prom);
    }

    /// What was sent is kept as Prom.ua names it: a reload that changes the status map
    /// (no alias left for it) between the send and the read-back changes nothing.
    #[test]
    fn an_echo_is_told_by_the_prom_status_sent_whatever_the_map_says_now() {
        let mut old = pending_local("pending", "delivered", at(10, 4));
        old.prom_status_unconfirmed = true;
        old.statuses_sent = vec!["custom-1001".into()];
        let m = merge_order(
            Some(&old),
            &order("custom-1001", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!((m.order.status.as_str(), &m.conflict), ("delivered", &None));
        assert_eq!(m.order.statuses_sent, vec!["custom-1001".to_string()]);
    }

    #[test]
    fn prom_showing_the_local_status_confirms_it() {
        let old = pending_local("received", "paid", at(10, 0));
        let m = merge_order(
            Some(&old),
            &order("paid", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "paid");
        assert!(!m.order.status_pending);
        assert_eq!(m.conflict, None);
    }

    #[test]
    fn a_delivered_order_is_history_only_if_created_before_tracking() {
        let read = order("delivered", at(11, 0));
        let inside = merge_order(None, &read, &since(at(8, 0)), &policy());
        assert!(!inside.history && !inside.order.adopted_done);
        let before = merge_order(None, &read, &since(at(9, 30)), &policy());
        assert!(before.history && before.order.adopted_done && before.order.stock_moved);
        // Open when tracking started (reported by the first pull): it ships.
        let open = Tracking {
            since: at(9, 30),
            open_at_start: vec![7],
        };
        assert!(!merge_order(None, &read, &open, &policy()).history);
    }

    #[test]
    fn prom_showing_the_alias_of_the_local_status_agrees() {
        // Local `shipped` (the done status) is sent as `delivered`.
        let mut old = pending_local("received", "shipped", at(10, 0));
        let m = merge_order(
            Some(&old),
            &order("delivered", at(10, 5)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(
            (m.order.status.as_str(), m.order.status_pending),
            ("shipped", false)
        );
        assert_eq!(m.conflict, None);
        // Confirmed earlier: a re-read keeps the local word.
        old.status_pending = false;
        let m = merge_order(
            Some(&old),
            &order("delivered", at(10, 6)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "shipped");
    }

    #[test]
    fn a_pending_change_of_unknown_time_loses_to_prom() {
        let mut old = pending_local("received", "paid", at(10, 0));
        old.status_changed_at = None;
        let m = merge_order(
            Some(&old),
            &order("canceled", at(9, 0)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.status, "canceled");
        assert_eq!(m.conflict.unwrap().winner, Winner::Prom);
    }

    #[test]
    fn a_record_from_before_holds_existed_holds_by_its_status_or_reservation() {
        let mut old = order("pending", at(9, 0));
        old.holds = None;
        old.reserved = vec![(1, 3)];
        let m = merge_order(
            Some(&old),
            &order("awaiting", at(10, 0)),
            &since(at(0, 0)),
            &policy(),
        );
        assert_eq!(m.order.holds, Some(true));
    }
}
