//! Run records: what each job run did, kept per job in start order.

use chrono::{DateTime, Utc};

use super::codec::{decode, encode};
use super::{Result, Store};
use crate::report::RunRecord;

/// Runs of one job sort together (the job, then 0), then by start time.
pub(super) fn job_prefix(job: &str) -> Vec<u8> {
    let mut k = job.as_bytes().to_vec();
    k.push(0);
    k
}

/// A run's record as the store keeps it (`run_detail.rs`).
pub(super) fn encode_kept(run: &RunRecord) -> Result<Vec<u8>> {
    encode("runs", &super::run_detail::kept(run))
}

pub(super) fn run_key(job: &str, started_at: &DateTime<Utc>) -> Vec<u8> {
    let mut k = job_prefix(job);
    k.extend_from_slice(&started_at.timestamp_micros().to_be_bytes());
    k
}

/// When a run key's run started (its last 8 bytes), if it has them.
pub(super) fn started_micros(key: &[u8]) -> Option<i64> {
    let tail = key.len().checked_sub(8).map(|at| &key[at..])?;
    Some(i64::from_be_bytes(tail.try_into().ok()?))
}

impl Store {
    /// Records a run (per-item detail for what went wrong only: `run_detail.rs`), and drops the runs of its job older than the retention
    /// ([`Store::keep_runs_for`]), so the history stays bounded however long the daemon
    /// runs.
    pub fn record_run(&self, run: &RunRecord) -> Result<()> {
        {
            let _writing = self.writing_aside();
            self.trees
                .runs
                .insert(run_key(&run.job, &run.started_at), encode_kept(run)?)?;
        }
        self.prune_kept(&run.job)
    }

    /// Drops the runs of `job` older than the retention, if there is one.
    pub(super) fn prune_kept(&self, job: &str) -> Result<()> {
        let days = self
            .keep_runs_days
            .load(std::sync::atomic::Ordering::Relaxed);
        if days > 0 {
            self.prune_runs(job, Utc::now() - chrono::Duration::days(days))?;
        }
        Ok(())
    }

    /// Keep run records `days` days (0: keep them all); see `[store] keep_runs_days`.
    pub fn keep_runs_for(&self, days: u64) {
        let days = i64::try_from(days).unwrap_or(i64::MAX).min(36_500);
        self.keep_runs_days
            .store(days, std::sync::atomic::Ordering::Relaxed);
    }

    /// Drops the runs of `job` that started before `before`, except its newest: `status`
    /// and catch-up need a job's last run however long ago it was. Returns how many went.
    pub fn prune_runs(&self, job: &str, before: DateTime<Utc>) -> Result<usize> {
        let cutoff = before.timestamp_micros();
        // Only the keys before the cutoff are read (they sort by start time): a job run
        // every minute keeps 130,000 records over 90 days, not to be read at every run.
        let prefix = job_prefix(job);
        let newest = self.trees.runs.scan_prefix(&prefix).keys().next_back();
        let newest = newest.transpose()?;
        let keys: Vec<sled::IVec> = self
            .trees
            .runs
            .range(prefix..run_key(job, &before))
            .keys()
            .collect::<std::result::Result<_, _>>()?;
        let old: Vec<&sled::IVec> = keys
            .iter()
            .filter(|k| Some(*k) != newest.as_ref())
            .filter(|k| started_micros(k).is_some_and(|t| t < cutoff))
            .collect();
        if old.is_empty() {
            return Ok(0);
        }
        let mut batch = sled::Batch::default();
        for k in &old {
            batch.remove(k.as_ref());
        }
        let _writing = self.writing_aside();
        self.trees.runs.apply_batch(batch)?;
        Ok(old.len())
    }

    /// The newest runs of a job, newest first.
    pub fn runs_of(&self, job: &str, limit: usize) -> Result<Vec<RunRecord>> {
        self.trees
            .runs
            .scan_prefix(job_prefix(job))
            .values()
            .rev()
            .take(limit)
            .map(|v| decode("runs", &v?))
            .collect()
    }

    pub fn last_run(&self, job: &str) -> Result<Option<RunRecord>> {
        Ok(self.runs_of(job, 1)?.into_iter().next())
    }

    /// The newest run of a job that `wanted` accepts, among its newest `cap` runs (a cap,
    /// so that a job failing for months costs a scrape no more than `cap` decodes).
    pub fn last_run_where(
        &self,
        job: &str,
        cap: usize,
        wanted: impl Fn(&RunRecord) -> bool,
    ) -> Result<Option<RunRecord>> {
        for v in self
            .trees
            .runs
            .scan_prefix(job_prefix(job))
            .values()
            .rev()
            .take(cap)
        {
            let run: RunRecord = decode("runs", &v?)?;
            if wanted(&run) {
                return Ok(Some(run));
            }
        }
        Ok(None)
    }

    /// Every run record decodes (for the consistency check).
    pub(super) fn check_runs(&self) -> Result<()> {
        for v in self.trees.runs.iter().values() {
            decode::<RunRecord>("runs", &v?)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Outcome, RunRecord};

    fn run(job: &str, days_ago: i64) -> RunRecord {
        let at = Utc::now() - chrono::Duration::days(days_ago);
        RunRecord {
            job: job.into(),
            kind: "push_stock".into(),
            started_at: at,
            finished_at: at,
            outcome: Outcome::Ok,
            considered: days_ago as usize,
            planned: 0,
            sent: 0,
            confirmed: 0,
            failed: vec![],
            requests: 0,
            retries: 0,
            error: None,
            notes: vec![],
            warnings: vec![],
            drift: vec![],
            recurring: None,
        }
    }

    fn ages(s: &Store, job: &str) -> Vec<usize> {
        s.runs_of(job, 100)
            .unwrap()
            .iter()
            .map(|r| r.considered)
            .collect()
    }

    #[test]
    fn runs_older_than_the_retention_go_but_each_jobs_last_stays() {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(&d.path().join("db")).unwrap();
        // Recorded before a retention is set: all kept.
        for days in [200, 120, 100] {
            s.record_run(&run("monthly", days)).unwrap();
        }
        for days in [95, 91] {
            s.record_run(&run("stock", days)).unwrap();
        }
        assert_eq!(ages(&s, "monthly"), [100, 120, 200]);
        s.keep_runs_for(90);
        s.record_run(&run("stock", 3)).unwrap();
        assert_eq!(ages(&s, "stock"), [3], "older than 90 days: gone");
        assert_eq!(
            ages(&s, "monthly"),
            [100, 120, 200],
            "another job's runs wait"
        );
        assert_eq!(
            s.prune_runs("monthly", Utc::now() - chrono::Duration::days(90))
                .unwrap(),
            2
        );
        assert_eq!(
            ages(&s, "monthly"),
            [100],
            "a job's last run stays, however old"
        );
    }
}
