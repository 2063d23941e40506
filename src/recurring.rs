//! Items that stay until someone acts on them (an import's hard cases, orders with
//! unlinked lines): the daemon's log warns of each the first time a run meets it, then
//! counts them in one line per run with the command that lists them, so that a nightly
//! import does not bury a new hard case under last night's.
//!
//! What has been warned is kept in the store (`store/warned.rs`), written with the run's
//! record, so a restart does not warn again. This module is the pure part: a run's items,
//! and the decision of which are new and what to keep.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Shown individually per run (log lines, and the first of them in a report).
pub const SHOWN: usize = 20;

/// A run's recurring items: how many, how many new, and the command that lists them
/// (kept in the run's record); the items themselves only while the run is logged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recurring {
    /// What they are, plural: `hard cases`, `orders with unlinked lines`.
    pub what: String,
    /// The command that lists them all, e.g. `promua-sync orders list --unlinked`.
    pub list_with: String,
    /// Distinct items this run met.
    pub count: usize,
    /// Of them, met for the first time (or again after they had gone).
    pub new: usize,
    /// Each item: its key and the note or warning that tells of it.
    #[serde(skip)]
    pub items: Vec<Item>,
    /// Whether `items` is every such item (an import walks the whole catalogue) rather
    /// than those the run looked at (a pull reads the orders changed lately).
    #[serde(skip)]
    pub complete: bool,
    /// Keys the run looked at and found resolved (a pulled order whose lines are all
    /// linked): forgotten, so that a recurrence warns again. `complete` needs none.
    #[serde(skip)]
    pub cleared: Vec<String>,
}

/// One recurring item met by a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Stable across runs while the item stays the same, e.g. `prom 123 sku_taken`.
    pub key: String,
    /// The run's note or warning text about it (several items may share a key).
    pub message: String,
    /// Not warned of before: the daemon logs it.
    pub new: bool,
}

impl Recurring {
    pub fn new(what: &str, list_with: String, complete: bool) -> Self {
        Self {
            what: what.into(),
            list_with,
            complete,
            ..Self::default()
        }
    }

    pub fn push(&mut self, key: String, message: String) {
        self.items.push(Item {
            key,
            message,
            new: true,
        });
    }

    /// The distinct keys met.
    pub fn keys(&self) -> BTreeSet<String> {
        self.items.iter().map(|i| i.key.clone()).collect()
    }

    /// Marks each item new or not by `decision`, and counts.
    pub fn settle(&mut self, decision: &Decision) {
        for i in &mut self.items {
            i.new = decision.new.contains(&i.key);
        }
        self.count = self.keys().len();
        self.new = decision.new.len();
    }

    /// The one line a run logs about them, e.g. `job import: 37 hard cases (2 new), list
    /// them with `promua-sync job run import --dry-run``.
    pub fn summary(&self, job: &str) -> String {
        format!("job {job}: {}", self.counted())
    }

    /// The summary without its job, as `job run` prints it.
    pub fn counted(&self) -> String {
        format!(
            "{} {} ({} new), list them with `{}`",
            self.count, self.what, self.new, self.list_with
        )
    }
}

/// Which of a run's items to warn of, and how the memory of warned keys changes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decision {
    /// Keys met and not warned of before: warn now, and remember.
    pub new: BTreeSet<String>,
    /// Warned keys to forget: resolved, so that a recurrence warns again.
    pub forget: BTreeSet<String>,
}

impl Decision {
    /// The warned set after the run (what the store keeps).
    pub fn kept(&self, warned: &BTreeSet<String>) -> BTreeSet<String> {
        warned
            .difference(&self.forget)
            .chain(&self.new)
            .cloned()
            .collect()
    }
}

/// Decides from the keys warned before and a run's items: the new ones are those not
/// warned; a complete run forgets every warned key it did not meet, a partial one only
/// those it found cleared.
pub fn decide(warned: &BTreeSet<String>, run: &Recurring) -> Decision {
    let met = run.keys();
    let new = met.difference(warned).cloned().collect();
    let forget = if run.complete {
        warned.difference(&met).cloned().collect()
    } else {
        run.cleared
            .iter()
            .filter(|k| warned.contains(*k) && !met.contains(*k))
            .cloned()
            .collect()
    };
    Decision { new, forget }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(keys: &[&str]) -> BTreeSet<String> {
        keys.iter().map(|k| k.to_string()).collect()
    }

    fn run(keys: &[&str], complete: bool, cleared: &[&str]) -> Recurring {
        let mut r = Recurring::new("hard cases", "cmd".into(), complete);
        for k in keys {
            r.push(k.to_string(), format!("about {k}"));
        }
        r.cleared = cleared.iter().map(|k| k.to_string()).collect();
        r
    }

    #[test]
    fn a_first_run_warns_of_everything_and_remembers_it() {
        let r = run(&["a", "b"], true, &[]);
        let d = decide(&set(&[]), &r);
        assert_eq!(d.new, set(&["a", "b"]));
        assert_eq!(d.kept(&set(&[])), set(&["a", "b"]));
    }

    #[test]
    fn the_same_items_again_are_counted_not_warned() {
        let warned = set(&["a", "b"]);
        let mut r = run(&["a", "b", "c"], true, &[]);
        let d = decide(&warned, &r);
        assert_eq!(d.new, set(&["c"]));
        assert!(d.forget.is_empty());
        r.settle(&d);
        assert_eq!((r.count, r.new), (3, 1));
        assert_eq!(
            r.items
                .iter()
                .filter(|i| i.new)
                .map(|i| &i.key[..])
                .collect::<Vec<_>>(),
            ["c"]
        );
        assert_eq!(
            r.summary("import"),
            "job import: 3 hard cases (1 new), list them with `cmd`"
        );
    }

    #[test]
    fn a_resolved_item_is_forgotten_so_its_return_warns_again() {
        let d = decide(&set(&["a", "b"]), &run(&["a"], true, &[]));
        assert_eq!(d.forget, set(&["b"]));
        let kept = d.kept(&set(&["a", "b"]));
        assert_eq!(kept, set(&["a"]));
        let back = decide(&kept, &run(&["a", "b"], true, &[]));
        assert_eq!(back.new, set(&["b"]));
    }

    #[test]
    fn a_partial_run_forgets_only_what_it_found_cleared() {
        // Order 1 not read this run: still warned; order 2 read with its lines linked.
        let warned = set(&["order 1", "order 2", "order 3"]);
        let d = decide(
            &warned,
            &run(&["order 3", "order 4"], false, &["order 2", "order 9"]),
        );
        assert_eq!(d.new, set(&["order 4"]));
        assert_eq!(d.forget, set(&["order 2"]));
        assert_eq!(d.kept(&warned), set(&["order 1", "order 3", "order 4"]));
    }

    #[test]
    fn items_sharing_a_key_count_once() {
        let mut r = run(&["order 1", "order 1"], false, &[]);
        r.settle(&decide(&set(&[]), &r));
        assert_eq!((r.count, r.new), (1, 1));
        assert!(r.items.iter().all(|i| i.new));
    }

    #[test]
    fn only_the_summary_is_kept_in_a_record() {
        let mut r = run(&["a"], true, &["b"]);
        r.settle(&decide(&set(&[]), &r));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"what": "hard cases", "list_with": "cmd", "count": 1, "new": 1})
        );
    }
}
