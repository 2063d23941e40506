//! When a job runs, beyond its schedule: `timezone` (its own, or `[daemon] timezone`)
//! and `catch_up` (a missed tick runs once at start or after a suspend).

use chrono_tz::Tz;
use figment::value::{Dict, Value};

use super::compiler::Compiler;
use super::key_path::Seg;
use super::messages;
use super::zone::parse_zone;

/// A job's own `timezone` and `catch_up`, as written (absent: the defaults apply later).
#[derive(Debug, Default)]
pub(super) struct JobTiming {
    pub timezone: Option<Tz>,
    pub catch_up: Option<bool>,
}

impl Compiler<'_, '_> {
    /// Reads `timezone` and `catch_up` of the job table at `base`; None after an error.
    pub(super) fn job_timing(&mut self, base: &[Seg], dict: &Dict) -> Option<JobTiming> {
        let mut ok = true;
        let mut timing = JobTiming::default();
        let at = |k: &str| {
            let mut p = base.to_vec();
            p.push(Seg::Key(k.into()));
            p
        };
        match dict.get("timezone") {
            None => {}
            Some(Value::String(_, name)) => match self.zone(&at("timezone"), name) {
                Some(tz) => timing.timezone = Some(tz),
                None => ok = false,
            },
            Some(v) => {
                let m = format!(
                    "expected an IANA time zone name in quotes (e.g. \"Europe/Kyiv\"), found {}",
                    messages::shown(v)
                );
                self.error(&at("timezone"), false, m, None);
                ok = false;
            }
        }
        match dict.get("catch_up") {
            None => {}
            Some(Value::Bool(_, b)) => timing.catch_up = Some(*b),
            Some(v) => {
                let m = format!("expected true or false, found {}", messages::shown(v));
                self.error(&at("catch_up"), false, m, None);
                ok = false;
            }
        }
        ok.then_some(timing)
    }

    /// The zone named at `at`, or an error there.
    pub(super) fn zone(&mut self, at: &[Seg], name: &str) -> Option<Tz> {
        match parse_zone(name) {
            Ok(tz) => Some(tz),
            Err(e) => {
                self.error(
                    at,
                    false,
                    e,
                    Some("an IANA name such as \"UTC\", \"Europe/Kyiv\" or \"Europe/Warsaw\" (see `timedatectl list-timezones`)"),
                );
                None
            }
        }
    }
}
