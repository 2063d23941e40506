//! A scheduled run's log lines: one summary at a level journald can filter on, then
//! its notes, warnings and failures. Every line of the run, the job's own (retries,
//! reads) included, is inside a `run` span whose fields journald keeps as `JOB=`, `KIND=`
//! and `RUN_ID=`; the summary adds `OUTCOME=`. Recurring items (hard cases, orders with
//! unlinked lines) are logged the first time only, then counted in one line
//! (`recurring.rs`).

use std::collections::HashSet;

use tracing::Instrument;

use crate::config::JobConfig;
use crate::jobs::{JobContext, run_job};
use crate::recurring::SHOWN;
use crate::report::{Outcome, RunRecord};

/// The fields of a run's span, as journald and `journalctl` name them upper-cased
/// (`logging.rs` sets no prefix): `job`, `kind`, `run_id` (filled in when the run
/// starts, by `jobs::runner`). The summary line adds `outcome`.
pub fn run_span(job: &JobConfig) -> tracing::Span {
    span_named(&job.name, job.kind.name())
}

/// The `run` span of a job by name and kind (the on-change pushes have no `[[job]]`).
pub fn span_named(job: &str, kind: &str) -> tracing::Span {
    tracing::info_span!(
        "run",
        job = %job,
        kind = %kind,
        run_id = tracing::field::Empty
    )
}

/// One run, one summary line at a level journald can filter on, then what it met.
pub async fn run_and_log(job: &JobConfig, ctx: &JobContext) {
    let span = run_span(job);
    async {
        match run_job(job, ctx, crate::jobs::Mode::Apply).await {
            Ok(run) => log_record(&run.record),
            Err(e) => tracing::error!(
                outcome = %Outcome::Failed,
                "job {} ({}) failed before it could run: {e}",
                job.name,
                job.kind.name()
            ),
        }
        super::heap::give_back_freed();
    }
    .instrument(span)
    .await
}

/// A run record's log lines (inside the run's span).
pub fn log_record(r: &RunRecord) {
    // Displayed (not debugged) values: `outcome=ok` on stderr, not `outcome="ok"`.
    let outcome = tracing::field::display(r.outcome);
    match r.outcome {
        Outcome::Ok | Outcome::Skipped | Outcome::DryRun => {
            tracing::info!(outcome, "{}", r.summary())
        }
        Outcome::Partial | Outcome::Cancelled => tracing::warn!(outcome, "{}", r.summary()),
        // A guard stops a run until the config changes: an operator must see it.
        Outcome::Failed | Outcome::Guarded => tracing::error!(outcome, "{}", r.summary()),
    }
    let mut shown = Shown::of(r);
    for n in &r.notes {
        if shown.take(n) {
            tracing::warn!("job {}: {n}", r.job);
        }
    }
    for w in r
        .warnings
        .iter()
        .filter(|w| shown.take(&w.message))
        .take(SHOWN)
    {
        tracing::warn!("job {}: {}", r.job, w.message);
    }
    for f in r.failed.iter().take(10) {
        tracing::warn!(
            "job {}: {} (Prom id {}) failed: {}",
            r.job,
            f.sku,
            f.prom_id,
            f.reason
        );
    }
    if let Some(rec) = r.recurring.as_ref().filter(|rec| rec.count > 0) {
        // Warned of before: an info line, so `journalctl -p warning` shows what is new.
        if rec.new > 0 {
            tracing::warn!("{}", rec.summary(&r.job));
        } else {
            tracing::info!("{}", rec.summary(&r.job));
        }
    }
}

/// Which of a record's notes and warnings to log: not those about recurring items
/// already warned of, and at most [`SHOWN`] about new ones (the summary counts the rest).
struct Shown<'a> {
    known: HashSet<&'a str>,
    new: HashSet<&'a str>,
    new_left: usize,
}

impl<'a> Shown<'a> {
    fn of(r: &'a RunRecord) -> Self {
        let items = r.recurring.iter().flat_map(|rec| &rec.items);
        let (new, known): (Vec<_>, Vec<_>) = items.partition(|i| i.new);
        Self {
            known: known.iter().map(|i| i.message.as_str()).collect(),
            new: new.iter().map(|i| i.message.as_str()).collect(),
            new_left: SHOWN,
        }
    }

    fn take(&mut self, message: &str) -> bool {
        if self.known.contains(message) {
            return false;
        }
        if self.new.contains(message) {
            if self.new_left == 0 {
                return false;
            }
            self.new_left -= 1;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    /// journald keeps a field under its name upper-cased, after the layer's prefix
    /// (`logging.rs` sets none): the names `journalctl JOB=stock` and the README use.
    #[test]
    fn a_run_s_fields_reach_the_journal_as_job_kind_and_run_id() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.toml");
        std::fs::write(dir.path().join("token"), "t").unwrap();
        std::fs::write(
            &path,
            "[prom]\ntoken_file = \"token\"\n[store]\npath = \"store\"\n[sync]\nwarehouses = [\"main\"]\n\
             [[job]]\nname = \"stock\"\nkind = \"push_stock\"\nschedule = \"*/5 * * * *\"\n",
        )
        .unwrap();
        let config = crate::config::load(&path).unwrap();
        let span = super::run_span(&config.jobs[0]);
        let names: Vec<String> = span
            .metadata()
            .unwrap()
            .fields()
            .iter()
            .map(|f| crate::logging::journal_field_name(f.name()))
            .collect();
        assert_eq!(names, ["JOB", "KIND", "RUN_ID"]);
        assert_eq!(crate::logging::journal_field_name("outcome"), "OUTCOME");
    }
}
