//! A job's `stale_after`: how old its last success may grow before `/health` and `status`
//! call it stale. Written as a duration (`"90m"`, `"2h"`, `"1d12h"`); left out, three of
//! the schedule's intervals.

use std::time::Duration;

use chrono::{DateTime, Utc};
use figment::value::Value;

use super::Schedule;
use super::compiler::Compiler;
use super::key_path::Seg;
use super::messages;

/// The longest `stale_after` taken: beyond a year nobody is watching.
const MAX_SECS: u64 = 366 * 86_400;

/// How many upcoming ticks the default looks at: enough that a weekday-only schedule's
/// weekend is one of the gaps, so a job that ran on Friday is not stale on Monday morning.
const TICKS: usize = 8;

/// Parses `"30s"`, `"90m"`, `"2h"`, `"1d12h"`: whole numbers, each followed by one of
/// `s`, `m`, `h`, `d`. The error says what is wrong in words.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    const HINT: &str = "write a duration such as \"90m\", \"2h\" or \"1d12h\" (units s, m, h, d)";
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("the duration is empty: {HINT}"));
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

/// Three times the longest gap between the schedule's next few ticks after `now` (a
/// schedule that never fires gets a day: the config already refused it).
pub fn default_stale_after(schedule: &Schedule, now: DateTime<Utc>) -> Duration {
    let mut ticks = Vec::with_capacity(TICKS);
    let mut at = now;
    while ticks.len() < TICKS {
        match schedule.next_after(&at) {
            Some(t) => {
                ticks.push(t);
                at = t;
            }
            None => break,
        }
    }
    let gap = ticks
        .windows(2)
        .filter_map(|w| (w[1] - w[0]).to_std().ok())
        .max()
        .unwrap_or(Duration::from_secs(86_400));
    gap * 3
}

impl Compiler<'_, '_> {
    /// A job's `stale_after`, or its default once the schedule is known.
    pub(super) fn job_stale_after(
        &mut self,
        base: &[Seg],
        value: Option<&Value>,
        schedule: Option<&Schedule>,
    ) -> Option<Duration> {
        let mut at = base.to_vec();
        at.push(Seg::Key("stale_after".into()));
        match value {
            None => schedule.map(|s| default_stale_after(s, Utc::now())),
            Some(Value::String(_, s)) => match parse_duration(s) {
                Ok(d) => Some(d),
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
    fn the_default_is_three_intervals() {
        let now = DateTime::parse_from_rfc3339("2026-11-25T10:07:00Z")
            .unwrap()
            .to_utc();
        let every_five = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(
            default_stale_after(&every_five, now),
            Duration::from_secs(900)
        );
        let nightly = Schedule::parse("30 3 * * *").unwrap();
        assert_eq!(
            default_stale_after(&nightly, now),
            Duration::from_secs(3 * 86_400)
        );
        // Wednesday: the weekend gap (Friday to Monday) is among the next ticks.
        let weekdays = Schedule::parse("0 9 * * 1-5").unwrap();
        assert_eq!(
            default_stale_after(&weekdays, now),
            Duration::from_secs(9 * 86_400)
        );
    }
}
