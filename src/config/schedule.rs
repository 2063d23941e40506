//! Cron schedules: the 5-field form sysadmins know and the 6-field form with seconds.
//!
//! tokio-cron-scheduler only takes 6 or 7 fields and fails with a bare `ParseSchedule`,
//! so every expression is checked here, at load time, with the same parser settings the
//! scheduler uses (croner, seconds required, day-of-month AND day-of-week).

use croner::Cron;
use croner::parser::{CronParser, Seconds};

const FIELDS: [(&str, &str); 6] = [
    ("second", "0-59"),
    ("minute", "0-59"),
    ("hour", "0-23"),
    ("day of month", "1-31"),
    ("month", "1-12 or JAN-DEC"),
    ("day of week", "0-7 or SUN-SAT"),
];

/// A validated schedule, kept both as the user wrote it and in the 6-field form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    written: String,
    six_field: String,
}

impl Schedule {
    /// Parses a 5-field (minute-based) or 6-field (with seconds) cron expression.
    /// The error names the field that is wrong.
    pub fn parse(expr: &str) -> Result<Self, String> {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        let six: Vec<&str> = match fields.len() {
            5 => std::iter::once("0").chain(fields.iter().copied()).collect(),
            6 => fields.clone(),
            0 => return Err("the schedule is empty".into()),
            n => {
                return Err(format!(
                    "expected 5 fields (minute hour day-of-month month day-of-week) or 6 \
                     (with seconds first), found {n}"
                ));
            }
        };
        let six_field = six.join(" ");
        if let Err(whole) = parser().parse(&six_field) {
            // Find the first field that fails on its own, all others being `*`.
            let offset = if fields.len() == 5 { 1 } else { 0 };
            for (i, field) in six.iter().enumerate().skip(offset) {
                let mut probe = ["*"; 6];
                probe[0] = "0";
                probe[i] = field;
                if let Err(e) = parser().parse(&probe.join(" ")) {
                    let (name, range) = FIELDS[i];
                    return Err(format!(
                        "field {} ({name}) `{field}` is not valid, it takes {range} ({})",
                        i + 1 - offset,
                        clean(&e.to_string())
                    ));
                }
            }
            return Err(clean(&whole.to_string()));
        }
        Ok(Self {
            written: expr.trim().to_string(),
            six_field,
        })
    }

    /// The expression as written in jobs.toml.
    pub fn written(&self) -> &str {
        &self.written
    }

    /// The 6-field expression given to the scheduler.
    pub fn six_field(&self) -> &str {
        &self.six_field
    }

    /// Whether the schedule fires at least once within `years` after `from`. A schedule
    /// such as `0 0 30 2 *` (30 February) parses but never fires.
    pub fn fires_within_years(&self, from: &chrono::DateTime<chrono::Utc>, years: u32) -> bool {
        let Some(limit) = from.checked_add_months(chrono::Months::new(12 * years)) else {
            return true;
        };
        self.next_after(from).is_some_and(|next| next <= limit)
    }

    /// The next fire time after `after`, reading the schedule in UTC.
    pub fn next_after(
        &self,
        after: &chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        self.cron()?.find_next_occurrence(after, false).ok()
    }

    /// The parsed expression (it parsed when the schedule was built).
    pub fn cron(&self) -> Option<Cron> {
        parser().parse(&self.six_field).ok()
    }
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
}

/// croner's message without its category prefix, in lower case.
fn clean(msg: &str) -> String {
    let msg = msg.trim_end_matches('.');
    let msg = [
        "Component error: ",
        "Invalid pattern: ",
        "Pattern contains illegal characters: ",
    ]
    .iter()
    .find_map(|p| msg.strip_prefix(p))
    .unwrap_or(msg);
    msg.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_fields_get_a_zero_second() {
        let s = Schedule::parse("*/5 * * * *").unwrap();
        assert_eq!(s.six_field(), "0 */5 * * * *");
        assert_eq!(s.written(), "*/5 * * * *");
    }

    #[test]
    fn six_fields_are_kept() {
        let s = Schedule::parse("* * * * * *").unwrap();
        assert_eq!(s.six_field(), "* * * * * *");
    }

    #[test]
    fn bad_field_is_named() {
        let e = Schedule::parse("0 25 * * *").unwrap_err();
        assert!(e.contains("field 2 (hour) `25`"), "{e}");
        let e = Schedule::parse("61 * * * * *").unwrap_err();
        assert!(e.contains("field 1 (second) `61`"), "{e}");
        let e = Schedule::parse("0 0 * * mon-fry").unwrap_err();
        assert!(e.contains("(day of week)"), "{e}");
    }

    #[test]
    fn wrong_field_count() {
        assert!(Schedule::parse("* * *").unwrap_err().contains("found 3"));
        assert!(Schedule::parse("   ").unwrap_err().contains("empty"));
    }

    #[test]
    fn a_schedule_that_never_fires_is_found() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-03-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert!(
            !Schedule::parse("0 0 30 2 *")
                .unwrap()
                .fires_within_years(&t, 5)
        );
        assert!(
            !Schedule::parse("0 0 31 4 *")
                .unwrap()
                .fires_within_years(&t, 5)
        );
        // 29 February comes every 4 years; Friday the 13th now and then.
        assert!(
            Schedule::parse("0 0 29 2 *")
                .unwrap()
                .fires_within_years(&t, 5)
        );
        assert!(
            Schedule::parse("0 0 13 * 5")
                .unwrap()
                .fires_within_years(&t, 5)
        );
        assert!(
            Schedule::parse("*/5 * * * *")
                .unwrap()
                .fires_within_years(&t, 5)
        );
    }

    #[test]
    fn next_fire_time() {
        let s = Schedule::parse("30 2 * * *").unwrap();
        let t = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        let n = s.next_after(&t).unwrap();
        assert_eq!(n.to_rfc3339(), "2026-01-01T02:30:00+00:00");
    }
}
