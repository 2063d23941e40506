//! Fixtures the store's order tests share: the usual reservation policy and a pull's mark.

use chrono::{DateTime, TimeZone, Utc};

use super::{PullMark, Tracking};
use crate::domain::ReservationPolicy;

/// `pending` reserves, `delivered` moves stock, in warehouse `main`.
pub(crate) fn policy() -> ReservationPolicy {
    ReservationPolicy {
        reserve_statuses: vec!["pending".into()],
        done_status: Some("delivered".into()),
        release_statuses: Vec::new(),
        shipped_statuses: Vec::new(),
        aliases: Vec::new(),
        warehouse: "main".into(),
    }
}

/// A pull's mark, tracking orders created since `since`.
pub(crate) fn pull_since(since: DateTime<Utc>) -> PullMark {
    PullMark {
        cursor: None,
        tracking: Tracking {
            since,
            open_at_start: Vec::new(),
        },
    }
}

/// A pull's mark tracking since the first of the month the tests' orders are made in.
pub(crate) fn pull() -> PullMark {
    pull_since(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap())
}
