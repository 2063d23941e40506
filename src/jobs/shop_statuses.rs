//! The shop's own order statuses, refreshed by `pull_orders`: read in its plan (which
//! resolves the titles a configuration names, e.g. for the first pull's search for open
//! orders), kept by its apply outside the orders' transaction (a dry run keeps nothing).
//! A failed read is a note of the run and keeps the list before it.
//!
//! `pull_orders` may run every minute, and the list changes only when the seller edits
//! their statuses in the cabinet, so it is read at most every [`REFRESH_EVERY`]; sooner
//! (at most every [`SOONER_EVERY`]) when an order shows, or a `status_map` names, a
//! status of the shop's own that the list lacks.

use chrono::{DateTime, Duration, Utc};

use super::JobError;
use super::runner::RunEnv;
use crate::domain::{ShopStatus, ShopStatuses, StatusWord, status_word};
use crate::report::RunRecord;

/// How old the list may grow before a pull reads it again.
pub const REFRESH_EVERY: Duration = Duration::minutes(15);
/// How soon a pull reads it again when it lacks a status in use.
pub const SOONER_EVERY: Duration = Duration::minutes(1);

/// Pure: whether a pull at `now` reads the list. `shown`: the statuses the orders read
/// show; `named`: what the `status_map`s send.
pub fn due<'a>(
    kept: Option<&ShopStatuses>,
    now: DateTime<Utc>,
    mut shown: impl Iterator<Item = &'a str>,
    mut named: impl Iterator<Item = &'a str>,
) -> bool {
    let Some(kept) = kept else {
        return true;
    };
    let since = now - kept.tried_at;
    if since >= REFRESH_EVERY {
        return true;
    }
    if since < SOONER_EVERY {
        return false;
    }
    shown.any(|s| !kept.knows(s))
        || named.any(|n| status_word(n) != StatusWord::Standard && kept.find(n).is_none())
}

/// What a pull's plan read of the list: kept by its apply, never by a dry run.
#[derive(Debug, Clone)]
pub struct ListRead {
    read: Result<Vec<ShopStatus>, String>,
    at: DateTime<Utc>,
}

/// The plan's look at the list (reading, never writing): the list kept, read again from
/// Prom.ua when [`due`]. Returns the list to plan with (a fresh read, else the one kept,
/// if any was ever read) and the read for the apply to keep. A failed read is a note.
pub(super) async fn read(
    env: &RunEnv<'_>,
    r: &mut RunRecord,
    shown: &[String],
) -> Result<(Option<ShopStatuses>, Option<ListRead>), JobError> {
    let ctx = env.ctx;
    let kept = ctx.blocking(|s| s.shop_statuses()).await?;
    let now = Utc::now();
    let named = ctx.sync.status_aliases.iter().map(|(_, t)| t.as_str());
    if !due(kept.as_ref(), now, shown.iter().map(String::as_str), named) {
        return Ok((kept.filter(|k| k.read_at.is_some()), None));
    }
    let read = env
        .client()?
        .order_status_options()
        .await
        .map_err(|e| e.to_string());
    if let Err(e) = &read {
        let before =
            kept.as_ref()
                .and_then(|k| k.read_at)
                .map_or("none was read before".to_string(), |t| {
                    format!(
                        "the list read at {} is kept",
                        t.format("%Y-%m-%d %H:%M:%S UTC")
                    )
                });
        r.notes.push(format!(
            "the shop's order statuses (order_status_options/list) could not be read: {e}; {before}"
        ));
    }
    let list = match &read {
        Ok(options) => Some(ShopStatuses::read(options.clone(), now)),
        Err(_) => kept.filter(|k| k.read_at.is_some()),
    };
    Ok((list, Some(ListRead { read, at: now })))
}

/// The apply's part: keeps what the plan read (a failed read keeps the list before it)
/// and returns the list kept now, if any was ever read; without a read, the list kept.
pub(super) async fn keep(
    env: &RunEnv<'_>,
    read: Option<ListRead>,
) -> Result<Option<ShopStatuses>, JobError> {
    let kept = match read {
        Some(ListRead { read, at }) => {
            env.ctx
                .blocking(move |s| s.keep_shop_statuses(read, at).map(Some))
                .await?
        }
        None => env.ctx.blocking(|s| s.shop_statuses()).await?,
    };
    Ok(kept.filter(|k| k.read_at.is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_read_at_most_every_fifteen_minutes_sooner_when_it_lacks_a_status() {
        let t0 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let kept = ShopStatuses::read(
            vec![ShopStatus {
                id: Some(1001),
                name: Some("custom-1001".into()),
                title: Some("Чекає".into()),
            }],
            t0,
        );
        let at = |m: i64| t0 + Duration::minutes(m);
        let none = || std::iter::empty::<&str>();
        assert!(due(None, t0, none(), none()), "never read");
        assert!(!due(
            Some(&kept),
            at(14),
            ["received", "custom-1001"].into_iter(),
            ["Чекає"].into_iter()
        ));
        assert!(due(Some(&kept), at(15), none(), none()));
        // A status the list lacks: read again, but not within a minute of the last try.
        assert!(due(Some(&kept), at(2), ["custom-2002"].into_iter(), none()));
        assert!(!due(
            Some(&kept),
            at(0),
            ["custom-2002"].into_iter(),
            none()
        ));
        assert!(due(
            Some(&kept),
            at(2),
            none(),
            ["Новий власний"].into_iter()
        ));
        assert!(!due(Some(&kept), at(2), none(), ["delivered"].into_iter()));
    }
}
