//! Run records page by page for the console: the runs of every job newest first, and one
//! run by its job and start. Only the keys of the candidates are compared; just the page's
//! records are decoded (a record can hold thousands of failed items).

use super::codec::decode;
use super::runs::{job_prefix, started_micros};
use super::{Result, Store};
use crate::report::RunRecord;

/// Where a page of runs continues: after the run of `job` started at `micros` (in the
/// order newest first, then by job name backwards for runs started at the same moment).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunCursor {
    pub job: String,
    pub micros: i64,
}

impl Store {
    /// The names of the jobs with runs on record: one seek per job, not a walk of the
    /// runs (a job run every minute keeps 130,000).
    pub fn run_jobs(&self) -> Result<Vec<String>> {
        let mut jobs = Vec::new();
        let mut from: Vec<u8> = Vec::new();
        while let Some(kv) = self.trees.runs.range(from.clone()..).next() {
            let (key, _) = kv?;
            // A run key is the job, a 0 byte, and 8 bytes of start time.
            let Some(end) = key.len().checked_sub(9) else {
                break;
            };
            let job = String::from_utf8_lossy(&key[..end]).into_owned();
            // Every key of this job starts `job\0`: `job\x01` is past them all.
            from = key[..end].to_vec();
            from.push(1);
            jobs.push(job);
        }
        Ok(jobs)
    }

    /// Up to `limit` runs, newest first, of `job` (or of every job), after `after`.
    pub fn runs_page(
        &self,
        job: Option<&str>,
        after: Option<&RunCursor>,
        limit: usize,
    ) -> Result<Vec<RunRecord>> {
        let jobs = match job {
            Some(j) => vec![j.to_string()],
            None => self.run_jobs()?,
        };
        // (start, job, record bytes) of each job's newest `limit` after the cursor.
        let mut found: Vec<(i64, String, sled::IVec)> = Vec::new();
        for j in jobs {
            let end = match after {
                None => {
                    let mut k = job_prefix(&j);
                    k.extend_from_slice(&[0xff; 9]);
                    k
                }
                // Same start as the cursor: only jobs that sort before its job follow.
                Some(c) if j < c.job => run_key_micros(&j, c.micros.saturating_add(1)),
                Some(c) => run_key_micros(&j, c.micros),
            };
            for kv in self.trees.runs.range(job_prefix(&j)..end).rev().take(limit) {
                let (k, v) = kv?;
                if let Some(t) = started_micros(&k) {
                    found.push((t, j.clone(), v));
                }
            }
        }
        found.sort_by(|a, b| (b.0, &b.1).cmp(&(a.0, &a.1)));
        found
            .into_iter()
            .take(limit)
            .map(|(_, _, v)| decode("runs", &v))
            .collect()
    }

    /// The run of `job` that started at `micros`, if it is on record.
    pub fn run_at(&self, job: &str, micros: i64) -> Result<Option<RunRecord>> {
        self.trees
            .runs
            .get(run_key_micros(job, micros))?
            .map(|v| decode("runs", &v))
            .transpose()
    }
}

fn run_key_micros(job: &str, micros: i64) -> Vec<u8> {
    let mut k = job_prefix(job);
    k.extend_from_slice(&micros.to_be_bytes());
    k
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Outcome;
    use chrono::{DateTime, Utc};

    fn run(job: &str, secs: i64) -> RunRecord {
        let at = DateTime::<Utc>::from_timestamp(1_800_000_000 + secs, 0).unwrap();
        let mut r =
            crate::jobs::runner::started_record(job, "push_stock", crate::jobs::Mode::Apply, at);
        r.outcome = Outcome::Ok;
        r
    }

    fn ids(runs: &[RunRecord]) -> Vec<String> {
        runs.iter()
            .map(|r| format!("{}{}", r.job, r.started_at.timestamp() - 1_800_000_000))
            .collect()
    }

    #[test]
    fn pages_of_every_job_come_newest_first_and_continue_without_gaps() {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(&d.path().join("db")).unwrap();
        for (job, at) in [
            ("b", 1),
            ("a", 2),
            ("ab", 2),
            ("b", 3),
            ("a", 5),
            ("b", 5),
            ("a", 0),
        ] {
            s.record_run(&run(job, at)).unwrap();
        }
        assert_eq!(s.run_jobs().unwrap(), ["a", "ab", "b"]);
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = s.runs_page(None, after.as_ref(), 2).unwrap();
            let Some(last) = page.last() else { break };
            after = Some(RunCursor {
                job: last.job.clone(),
                micros: last.started_at.timestamp_micros(),
            });
            seen.extend(ids(&page));
        }
        assert_eq!(seen, ["b5", "a5", "b3", "ab2", "a2", "b1", "a0"]);
        let a = s.runs_page(Some("a"), None, 10).unwrap();
        assert_eq!(ids(&a), ["a5", "a2", "a0"], "one job's: `ab` is another");
        let t = run("ab", 2).started_at.timestamp_micros();
        assert_eq!(s.run_at("ab", t).unwrap().unwrap().job, "ab");
        assert!(s.run_at("ab", t + 1).unwrap().is_none());
        assert!(s.run_at("zz", t).unwrap().is_none());
    }
}
