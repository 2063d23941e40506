//! Run records: what each job run did, kept per job in start order.

use chrono::{DateTime, Utc};

use super::codec::{decode, encode};
use super::{Result, Store};
use crate::report::RunRecord;

/// Runs of one job sort together (the job, then 0), then by start time.
fn job_prefix(job: &str) -> Vec<u8> {
    let mut k = job.as_bytes().to_vec();
    k.push(0);
    k
}

fn run_key(job: &str, started_at: &DateTime<Utc>) -> Vec<u8> {
    let mut k = job_prefix(job);
    k.extend_from_slice(&started_at.timestamp_micros().to_be_bytes());
    k
}

impl Store {
    pub fn record_run(&self, run: &RunRecord) -> Result<()> {
        self.trees
            .runs
            .insert(run_key(&run.job, &run.started_at), encode("runs", run)?)?;
        Ok(())
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
