//! The console's reads of the run records: a page of runs, one run by its job and start.

use super::{BackOffice, BackofficeError, Result};
use crate::report::RunRecord;
use crate::store::RunCursor;

impl BackOffice {
    /// Up to `limit` (at most 200) runs newest first, of `job` or of every job, after
    /// `after`, on the blocking pool.
    pub async fn runs_page(
        &self,
        job: Option<String>,
        after: Option<RunCursor>,
        limit: usize,
    ) -> Result<Vec<RunRecord>> {
        self.blocking(move |store| {
            Ok(store.runs_page(job.as_deref(), after.as_ref(), limit.clamp(1, 200))?)
        })
        .await
    }

    /// The run of `job` started at `micros` (microseconds since 1970, UTC); `NotFound`
    /// in words when there is none.
    pub async fn run_record(&self, job: &str, micros: i64) -> Result<RunRecord> {
        let name = job.to_string();
        let found = self
            .blocking(move |store| Ok(store.run_at(&name, micros)?))
            .await?;
        found.ok_or_else(|| {
            let at = chrono::DateTime::from_timestamp_micros(micros)
                .map(|t| crate::report::run_id(job, &t))
                .unwrap_or_else(|| job.to_string());
            BackofficeError::NotFound(format!(
                "no run `{at}` on record (runs older than `[store] keep_runs_days` are dropped)"
            ))
        })
    }
}
