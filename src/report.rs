//! What a job run did: the record kept in the store, printed by `job run` and `demo`,
//! and logged as one line by the daemon.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Everything planned was confirmed by Prom.ua (or nothing needed sending).
    Ok,
    /// The run finished, but some items failed.
    Partial,
    /// The run stopped on an error that affected the whole run.
    Failed,
    /// A stop request interrupted the run; unsent items go with the next run.
    Cancelled,
    /// The matching `[sync]` switch is off.
    Skipped,
    /// `--dry-run`: planned, nothing sent, nothing written.
    DryRun,
    /// A guard of the job stopped the run before it wrote anything.
    Guarded,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Outcome::Ok => "ok",
            Outcome::Partial => "partial",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
            Outcome::Skipped => "skipped",
            Outcome::DryRun => "dry-run",
            Outcome::Guarded => "guarded",
        };
        f.write_str(s)
    }
}

/// One item a run could not get confirmed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFailure {
    pub sku: String,
    pub prom_id: i64,
    pub reason: String,
}

/// Something a run met that is not a failure but must not pass silently: a status
/// conflict, an order at a status nobody named, an order line left unlinked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemWarning {
    /// What it is about, e.g. `order 900001` or a SKU.
    pub subject: String,
    pub prom_id: i64,
    /// A stable word for scripts: `status_conflict`, `unknown_status`, ...
    pub kind: String,
    pub message: String,
}

/// Why a product's value on Prom.ua is not what the back office would push (a `verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DriftCause {
    /// Prom.ua confirmed our value and now shows another (a cabinet edit, a feed import).
    ChangedOnProm,
    /// Prom.ua never confirmed a value for it (no snapshot, or a push not confirmed).
    NeverConfirmed,
    /// The linked Prom product no longer exists (`products/{id}` answered 404).
    Gone,
}

impl fmt::Display for DriftCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DriftCause::ChangedOnProm => "changed_on_prom",
            DriftCause::NeverConfirmed => "never_confirmed",
            DriftCause::Gone => "gone",
        })
    }
}

/// One drifted field of one linked product, as a `verify` found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DriftItem {
    pub sku: String,
    pub prom_id: i64,
    /// `quantity_in_stock`, `presence`, `price`, or `product` (gone).
    pub field: String,
    /// What the back office would push now (null: nothing, e.g. for a gone product).
    pub local: serde_json::Value,
    /// What Prom.ua shows (null: nothing, or no value).
    pub prom: serde_json::Value,
    /// What Prom.ua last confirmed (null: never, or not for this Prom id).
    pub snapshot: serde_json::Value,
    pub cause: DriftCause,
    /// A real run with `repair = true` sent the local value and Prom.ua confirmed it.
    #[serde(default)]
    pub repaired: bool,
}

/// The record of one job run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunRecord {
    pub job: String,
    pub kind: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub outcome: Outcome,
    /// Linked items the run looked at.
    pub considered: usize,
    /// Items whose wanted value differs from what Prom.ua last confirmed.
    pub planned: usize,
    /// Items sent in a write request.
    pub sent: usize,
    /// Items Prom.ua listed in `processed_ids`.
    pub confirmed: usize,
    pub failed: Vec<ItemFailure>,
    /// HTTP requests made, retries included.
    pub requests: u64,
    pub retries: u64,
    /// Why the whole run failed, was cancelled, skipped or guarded.
    pub error: Option<String>,
    /// Things worth knowing that are not failures (unlinked order lines, unmapped statuses).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Items worth a warning that are not failures (status conflicts, unknown statuses).
    #[serde(default)]
    pub warnings: Vec<ItemWarning>,
    /// What a `verify` found drifted on Prom.ua, per product and field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<DriftItem>,
    /// Hard cases or orders with unlinked lines: how many, how many new (`recurring.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring: Option<crate::recurring::Recurring>,
}

impl RunRecord {
    pub fn duration_ms(&self) -> i64 {
        (self.finished_at - self.started_at).num_milliseconds()
    }

    /// The run's id in logs (journald's `RUN_ID`): its job and start, the key of its
    /// record in the store, e.g. `stock@2026-11-29T03:00:00.123456Z`.
    pub fn run_id(&self) -> String {
        run_id(&self.job, &self.started_at)
    }

    /// The one log line the daemon writes per run.
    pub fn summary(&self) -> String {
        let mut s = format!(
            "job {} ({}) {}: considered {}, planned {}, sent {}, confirmed {}, failed {}, requests {}, retries {}, {} ms",
            self.job,
            self.kind,
            self.outcome,
            self.considered,
            self.planned,
            self.sent,
            self.confirmed,
            self.failed.len(),
            self.requests,
            self.retries,
            self.duration_ms()
        );
        if let Some(e) = &self.error {
            s.push_str(&format!("; {e}"));
        }
        s
    }
}

/// See [`RunRecord::run_id`].
pub fn run_id(job: &str, started_at: &DateTime<Utc>) -> String {
    format!(
        "{job}@{}",
        started_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
    )
}

impl fmt::Display for RunRecord {
    /// The human report printed by `job run` and `demo`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "job:        {} ({})", self.job, self.kind)?;
        writeln!(f, "outcome:    {}", self.outcome)?;
        writeln!(
            f,
            "started:    {}",
            self.started_at.format("%Y-%m-%d %H:%M:%S%.3f UTC")
        )?;
        writeln!(f, "duration:   {} ms", self.duration_ms())?;
        writeln!(f, "considered: {}", self.considered)?;
        writeln!(f, "planned:    {}", self.planned)?;
        writeln!(f, "sent:       {}", self.sent)?;
        writeln!(f, "confirmed:  {}", self.confirmed)?;
        writeln!(f, "failed:     {}", self.failed.len())?;
        writeln!(
            f,
            "requests:   {} ({} retries)",
            self.requests, self.retries
        )?;
        if let Some(e) = &self.error {
            writeln!(f, "error:      {e}")?;
        }
        for n in &self.notes {
            writeln!(f, "note:       {n}")?;
        }
        if let Some(r) = self.recurring.as_ref().filter(|r| r.count > 0) {
            writeln!(f, "note:       {}", r.counted())?;
        }
        const SHOWN: usize = 20;
        for w in self.warnings.iter().take(SHOWN) {
            writeln!(f, "warning:    {}", w.message)?;
        }
        if self.warnings.len() > SHOWN {
            writeln!(
                f,
                "warning:    … and {} more (see `--json`)",
                self.warnings.len() - SHOWN
            )?;
        }
        for d in self.drift.iter().take(SHOWN) {
            writeln!(
                f,
                "  drift {} (Prom id {}) {}: local {}, Prom {}, confirmed {} [{}]{}",
                d.sku,
                d.prom_id,
                d.field,
                d.local,
                d.prom,
                d.snapshot,
                d.cause,
                if d.repaired { ", repaired" } else { "" }
            )?;
        }
        if self.drift.len() > SHOWN {
            writeln!(
                f,
                "  … and {} more drifted (see `--json`)",
                self.drift.len() - SHOWN
            )?;
        }
        for fail in self.failed.iter().take(SHOWN) {
            writeln!(
                f,
                "  failed {} (Prom id {}): {}",
                fail.sku, fail.prom_id, fail.reason
            )?;
        }
        if self.failed.len() > SHOWN {
            writeln!(
                f,
                "  … and {} more (see `--json`)",
                self.failed.len() - SHOWN
            )?;
        }
        Ok(())
    }
}
