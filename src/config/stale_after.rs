//! A job's `stale_after`: how old its last success may grow before `/health` and `status`
//! call it stale. Written as a duration (`"90m"`, `"2h"`, `"1d12h"`); left out, until
//! three of the schedule's ticks have passed since the success started.

use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use figment::value::Value;

use super::Schedule;
use super::compiler::Compiler;
use super::key_path::Seg;
use super::messages;

/// The longest `stale_after` taken: beyond a year nobody is watching.
const MAX_SECS: u64 = 366 * 86_400;

/// Parses `"30s"`, `"90m"`, `"2h"`, `"1d12h"`: whole numbers, each followed by one of
/// `s`, `m`, `h`, `d`. The error says what is wrong in words.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const HINT: &str = "write a duration such as \"90m\", \"2h\" or \"1d12h\" (units s, m, h, d)";
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("the duration is empty: {HINT}"));
    }
    if !text.chars().any(|c| c.is_ascii_digit()) {
        return Err(format!("`{text}` is not a duration: {HINT}"));
    }
    let mut secs: u64 = 0;
    let mut digits = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3_600,
            'd' => 86_400,
            _ => return Err(format!("`{c}` is not a unit: {HINT}")),
        };
        let n: u64 = digits
            .parse()
            .map_err(|_| format!("a number must come before `{c}`: {HINT}"))?;
        digits.clear();
        secs = n
            .checked_mul(unit)
            .and_then(|s| secs.checked_add(s))
            .ok_or_else(|| format!("`{text}` is too long"))?;
    }
    if !digits.is_empty() {
        return Err(format!("`{digits}` has no unit: {HINT}"));
    }
    if secs == 0 {
        return Err("must be longer than zero".into());
    }
    if secs > MAX_SECS {
        return Err("must be at most 366 days".into());
    }
    Ok(Duration::from_secs(secs))
}

/// How many of its ticks may pass after a job's last success before it is stale.
pub const STALE_TICKS: usize = 3;

/// The default `stale_after` of a success that started at `from`: until the schedule's
/// third tick after it. Counted in ticks rather than a fixed length so a schedule with
/// gaps (`*/5 9-17 * * *`, weekdays only) is not stale every night or weekend, nor
/// watched by its longest gap all day (a schedule that never fires again gets a day).
pub fn default_stale_after(schedule: &Schedule, zone: Tz, from: DateTime<Utc>) -> Duration {
    let ticks = super::ticks::next_ticks(schedule, zone, from, STALE_TICKS);
    match ticks.get(STALE_TICKS - 1) {
        Some(t) => (*t - from).to_std().unwrap_or_default(),
        None => Duration::from_secs(86_400),
    }
}

impl Compiler<'_, '_> {
    /// A job's `stale_after`: `Some(None)` when it is left to its default, None on an error.
    pub(super) fn job_stale_after(
        &mut self,
        base: &[Seg],
        value: Option<&Value>,
    ) -> Option<Option<Duration>> {
        let mut at = base.to_vec();
        at.push(Seg::Key("stale_after".into()));
        match value {
            None => Some(None),
            Some(Value::String(_, s)) => match parse_duration(s) {
                Ok(d) => Some(Some(d)),
                Err(e) => {
                    self.error(&at, false, e, None);
                    None
                }
            },
            Some(v) => {
                self.error(
                    &at,
                    false,
                    format!(
                        "expected a duration in quotes such as \"2h\", found {}",
                        messages::shown(v)
                    ),
                    None,
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_in_words() {
        assert_eq!(parse_duration("90m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration(" 2h "), Ok(Duration::from_secs(7_200)));
        assert_eq!(parse_duration("1d12h"), Ok(Duration::from_secs(129_600)));
        assert_eq!(parse_duration("45s"), Ok(Duration::from_secs(45)));
        for bad in ["", "2", "h", "2x", "0m", "2 h", "400d", "-1h"] {
            assert!(parse_duration(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_default_is_three_ticks() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let utc = chrono_tz::UTC;
        let every_five = Schedule::parse("*/5 * * * *").unwrap();
        let now = at("2026-11-25T10:05:00Z");
        assert_eq!(
            default_stale_after(&every_five, utc, now),
            Duration::from_secs(900)
        );
        let nightly = Schedule::parse("30 3 * * *").unwrap();
        assert_eq!(
            default_stale_after(&nightly, utc, at("2026-11-25T03:30:00Z")),
            Duration::from_secs(3 * 86_400)
        );
        // Daytime only: a success at 17:55 stays fresh overnight until 09:10 the next
        // day; one at 10:00 is stale at 10:15, not a whole night later.
        let daytime = Schedule::parse("*/5 9-17 * * *").unwrap();
        assert_eq!(
            default_stale_after(&daytime, utc, at("2026-11-25T17:55:00Z")),
            Duration::from_secs((15 * 60 + 15) * 60)
        );
        assert_eq!(
            default_stale_after(&daytime, utc, now),
            Duration::from_secs(900)
        );
        // Weekdays: a success on Friday morning is fresh until Wednesday's tick.
        let weekdays = Schedule::parse("0 9 * * 1-5").unwrap();
        assert_eq!(
            default_stale_after(&weekdays, utc, at("2026-11-27T09:00:00Z")),
            Duration::from_secs(5 * 86_400)
        );
        // In the job's zone: Kyiv's 03:30 is 01:30 UTC in winter.
        let kyiv = chrono_tz::Europe::Kyiv;
        assert_eq!(
            default_stale_after(&nightly, kyiv, at("2026-11-25T01:30:00Z")),
            Duration::from_secs(3 * 86_400)
        );
    }
}
