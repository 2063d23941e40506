//! When a verify job last read Prom.ua's catalogue, kept in `meta` per job: the start of
//! its last full walk (the next full walk is due from it) and the start of its last read,
//! full or incremental (the next incremental read asks for what changed since then).
//! Starts, not ends: whatever changed on Prom.ua while a walk ran is read again.

use chrono::{DateTime, Utc};

use super::codec::{micros, micros_value};
use super::{Result, Store};

/// A verify job's marks (none before its first completed run).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VerifyMarks {
    pub full_walk: Option<DateTime<Utc>>,
    pub last_read: Option<DateTime<Utc>>,
}

fn key(what: &str, job: &str) -> Vec<u8> {
    format!("verify_{what}:{job}").into_bytes()
}

impl Store {
    pub fn verify_marks(&self, job: &str) -> Result<VerifyMarks> {
        let read = |what| -> Result<Option<DateTime<Utc>>> {
            self.trees
                .meta
                .get(key(what, job))?
                .map(|v| micros_value("meta", &v))
                .transpose()
        };
        Ok(VerifyMarks {
            full_walk: read("full_walk")?,
            last_read: read("last_read")?,
        })
    }

    /// Records a completed read that started at `started` (a full walk when `full`).
    pub fn set_verify_marks(&self, job: &str, started: DateTime<Utc>, full: bool) -> Result<()> {
        let mut batch = sled::Batch::default();
        batch.insert(key("last_read", job), &micros(started));
        if full {
            batch.insert(key("full_walk", job), &micros(started));
        }
        let _writing = self.writing_aside();
        self.trees.meta.apply_batch(batch)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_are_kept_per_job_and_an_incremental_read_keeps_the_full_walk() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(s.verify_marks("v").unwrap(), VerifyMarks::default());
        let t1 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let t2 = DateTime::from_timestamp(1_800_003_600, 0).unwrap();
        s.set_verify_marks("v", t1, true).unwrap();
        s.set_verify_marks("v", t2, false).unwrap();
        let m = s.verify_marks("v").unwrap();
        assert_eq!((m.full_walk, m.last_read), (Some(t1), Some(t2)));
        assert_eq!(s.verify_marks("other").unwrap(), VerifyMarks::default());
    }
}
