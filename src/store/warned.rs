//! What the daemon's log has warned of (see `recurring.rs`): a key per recurring item
//! per job, read by a prefix scan of the job (as many keys as it has such items, never a
//! walk of the products), and changed in the same transaction as the run's record.

use std::collections::BTreeSet;

use super::{Result, Store, StoreError};
use crate::report::RunRecord;

fn job_prefix(job: &str) -> Vec<u8> {
    let mut k = job.as_bytes().to_vec();
    k.push(0);
    k
}

fn key(job: &str, item: &str) -> Vec<u8> {
    let mut k = job_prefix(job);
    k.extend_from_slice(item.as_bytes());
    k
}

/// A key's job and item, both UTF-8 (checked at open).
pub(super) fn split_key(key: &[u8]) -> Result<(&str, &str)> {
    let bad = |detail: String| StoreError::Corrupt {
        tree: "warned",
        detail,
    };
    let at = key
        .iter()
        .position(|b| *b == 0)
        .ok_or_else(|| bad(format!("key {key:?} has no job part")))?;
    let (job, item) = (&key[..at], &key[at + 1..]);
    match (std::str::from_utf8(job), std::str::from_utf8(item)) {
        (Ok(job), Ok(item)) => Ok((job, item)),
        _ => Err(bad(format!("key {key:?} is not UTF-8"))),
    }
}

impl Store {
    /// The keys of `job`'s recurring items warned of so far.
    pub fn warned_of(&self, job: &str) -> Result<BTreeSet<String>> {
        self.trees
            .warned
            .scan_prefix(job_prefix(job))
            .keys()
            .map(|k| Ok(split_key(&k?)?.1.to_string()))
            .collect()
    }

    /// Records a run (as [`Store::record_run`]) and, in the same transaction, remembers
    /// the items it warned of (`add`) and forgets those resolved (`forget`).
    pub fn record_run_warned(
        &self,
        run: &RunRecord,
        add: &BTreeSet<String>,
        forget: &BTreeSet<String>,
    ) -> Result<()> {
        if add.is_empty() && forget.is_empty() {
            return self.record_run(run);
        }
        let (run_key, value) = (
            super::runs::run_key(&run.job, &run.started_at),
            super::runs::encode_kept(run)?,
        );
        self.transact_aside(|tx| {
            tx.runs.insert(run_key.as_slice(), value.as_slice())?;
            for item in add {
                tx.warned.insert(key(&run.job, item), &[])?;
            }
            for item in forget {
                tx.warned.remove(key(&run.job, item))?;
            }
            Ok(())
        })?;
        self.prune_kept(&run.job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(k: &[&str]) -> BTreeSet<String> {
        k.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn warned_keys_are_kept_per_job_with_the_run_and_survive_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store");
        let s = Store::open(&path).unwrap();
        let mut run = crate::jobs::runner::started_record(
            "import",
            "import_products",
            crate::jobs::Mode::Apply,
            chrono::Utc::now(),
        );
        s.record_run_warned(
            &run,
            &keys(&["prom 1 sku_taken", "prom 2 blank_sku"]),
            &keys(&[]),
        )
        .unwrap();
        run.job = "import-b".into();
        s.record_run_warned(&run, &keys(&["prom 1 sku_taken"]), &keys(&[]))
            .unwrap();
        run.job = "import".into();
        run.started_at += chrono::Duration::seconds(1);
        s.record_run_warned(&run, &keys(&[]), &keys(&["prom 2 blank_sku"]))
            .unwrap();
        assert_eq!(s.runs_of("import", 10).unwrap().len(), 2);
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.warned_of("import").unwrap(), keys(&["prom 1 sku_taken"]));
        assert_eq!(
            s.warned_of("import-b").unwrap(),
            keys(&["prom 1 sku_taken"])
        );
        assert!(s.warned_of("impor").unwrap().is_empty());
    }
}
