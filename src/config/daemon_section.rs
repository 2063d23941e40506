//! `[daemon]`: the shutdown grace and the time zone schedules are read in.

use std::time::Duration;

use figment::value::Value;

use super::DaemonConfig;
use super::compiler::Compiler;
use super::key_path::Seg;
use super::raw::RawDaemon;

impl Compiler<'_, '_> {
    pub(super) fn daemon(&mut self, value: Option<&Value>) -> Option<DaemonConfig> {
        let base = [Seg::Key("daemon".into())];
        let raw: RawDaemon = self.table(&base, value, &[])?;
        let grace = raw.shutdown_grace_secs.unwrap_or(20);
        let grace_ok = self.check_whole(
            &[
                Seg::Key("daemon".into()),
                Seg::Key("shutdown_grace_secs".into()),
            ],
            grace,
        );
        let timezone = match &raw.timezone {
            None => Some(chrono_tz::UTC),
            Some(name) => self.zone(
                &[Seg::Key("daemon".into()), Seg::Key("timezone".into())],
                name,
            ),
        };
        (grace_ok && timezone.is_some()).then(|| DaemonConfig {
            shutdown_grace: Duration::from_secs(grace),
            timezone: timezone.unwrap_or(chrono_tz::UTC),
        })
    }
}
