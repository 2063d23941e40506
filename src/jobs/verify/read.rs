//! What a verify reads of Prom.ua: the whole catalogue (the walk `import_products` uses)
//! when its last full walk is older than `full_walk_hours` (or `job run --full`), else
//! only the products modified since its last read (`last_modified_from`, less
//! `overlap_minutes`). After a full walk the linked products it did not show are asked
//! for by id, as the import does (`import_products/gone.rs`): only a 404 is gone.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::compare::Shown;
use crate::config::VerifyOptions;
use crate::jobs::import_products::gone;
use crate::jobs::progress::Progress;
use crate::prom::{PromClient, PromError};
use crate::store::VerifyMarks;

/// Which read a run makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "walk", content = "since", rename_all = "snake_case")]
pub enum Walk {
    Full,
    /// Products modified since then.
    Incremental(DateTime<Utc>),
}

/// Pure: a full walk when asked, when there was none, or when the last is too old; else
/// what changed since the last read began, less the overlap.
pub fn choose(marks: &VerifyMarks, opts: &VerifyOptions, now: DateTime<Utc>, full: bool) -> Walk {
    let (Some(full_walk), Some(last_read)) = (marks.full_walk, marks.last_read) else {
        return Walk::Full;
    };
    if full || now - full_walk >= Duration::hours(opts.full_walk_hours.into()) {
        return Walk::Full;
    }
    Walk::Incremental(last_read - Duration::minutes(opts.overlap_minutes.into()))
}

/// What the read found.
#[derive(Debug, Default)]
pub struct Read {
    /// Prom id → what Prom shows.
    pub shown: HashMap<i64, Shown>,
    /// Prom id → the tiers and discount Prom shows (`extras_drift.rs`).
    pub extras: HashMap<i64, super::extras_drift::ShownExtras>,
    /// Every id the walk listed (a full walk only: it clears gone marks).
    pub listed: Vec<i64>,
    /// Linked ids Prom.ua answered 404 for.
    pub gone: Vec<i64>,
    /// Each product read with its external id (what the stock route addresses it by).
    pub external: Vec<(i64, Option<String>)>,
    pub notes: Vec<String>,
}

/// Reads Prom.ua. `linked` are the linked Prom ids not known gone (asked for by id when
/// a full walk did not show them).
pub async fn read(
    client: &PromClient,
    walk: Walk,
    linked: &HashSet<i64>,
    interactive: bool,
) -> Result<Read, PromError> {
    let mut out = Read::default();
    let products = match walk {
        Walk::Incremental(since) => client.products_modified_since(since).await?,
        Walk::Full => {
            let mut progress = Progress::new(interactive, "Prom.ua products read");
            let all = client
                .all_products_with_progress(&mut |n| progress.at(n, "Prom.ua products read"))
                .await;
            progress.done();
            all?
        }
    };
    out.shown = products.iter().map(|p| (p.id, Shown::from(p))).collect();
    out.extras = products.iter().map(|p| (p.id, p.into())).collect();
    if walk == Walk::Full {
        out.listed = products.iter().map(|p| p.id).collect();
        let unlisted: Vec<i64> = linked
            .iter()
            .filter(|id| !out.shown.contains_key(id))
            .copied()
            .collect();
        let check = gone::check(client, unlisted).await;
        out.shown
            .extend(check.found.iter().map(|p| (p.id, Shown::from(p))));
        out.extras
            .extend(check.found.iter().map(|p| (p.id, p.into())));
        out.notes.extend(check.notes());
        out.gone = check.gone;
        out.external
            .extend(check.found.iter().map(|p| (p.id, p.external_id.clone())));
    }
    out.external
        .extend(products.iter().map(|p| (p.id, p.external_id.clone())));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_walk_when_due_else_what_changed_since_the_last_read() {
        let opts = VerifyOptions::default();
        let now = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let h = |n| now - Duration::hours(n);
        assert_eq!(
            choose(&VerifyMarks::default(), &opts, now, false),
            Walk::Full
        );
        let marks = VerifyMarks {
            full_walk: Some(h(23)),
            last_read: Some(h(1)),
        };
        assert_eq!(
            choose(&marks, &opts, now, false),
            Walk::Incremental(h(1) - Duration::minutes(10))
        );
        assert_eq!(choose(&marks, &opts, now, true), Walk::Full);
        let old = VerifyMarks {
            full_walk: Some(h(24)),
            ..marks
        };
        assert_eq!(choose(&old, &opts, now, false), Walk::Full);
        let always = VerifyOptions {
            full_walk_hours: 0,
            ..VerifyOptions::default()
        };
        assert_eq!(choose(&marks, &always, now, false), Walk::Full);
    }
}
