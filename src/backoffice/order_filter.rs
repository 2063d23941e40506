//! Which stored orders an [`OrderQuery`] takes (pure): checked once, then asked of each
//! order's head as the store scans them.

use chrono::{DateTime, Utc};

use super::{BackofficeError, OrderQuery, Result};
use crate::store::{OrderHead, OrderScope};

/// A checked query.
#[derive(Debug, Clone)]
pub(super) struct Filter {
    unlinked: bool,
    /// Lowercase.
    statuses: Vec<String>,
    since: Option<DateTime<Utc>>,
    search: Option<Search>,
    pub(super) limit: Option<usize>,
    pub(super) before: Option<i64>,
}

#[derive(Debug, Clone)]
struct Search {
    /// Lowercase words, each to be found in the order id, the name or the email.
    words: Vec<String>,
    /// For a search that looks like a phone number: its national digits.
    phone: Option<String>,
}

/// The fewest national digits a search compares with phones.
const MIN_PHONE_DIGITS: usize = 4;

/// Characters a phone number is written with besides digits.
const PHONE_PUNCTUATION: &[char] = &[' ', '+', '-', '(', ')', '.', '/'];

impl Filter {
    pub(super) fn new(q: &OrderQuery) -> Result<Self> {
        let statuses: Vec<String> = match &q.status {
            None => Vec::new(),
            Some(s) => {
                let list: Vec<String> = s
                    .split(',')
                    .map(|s| s.trim().to_lowercase())
                    .filter(|s| !s.is_empty())
                    .collect();
                if list.is_empty() {
                    return Err(invalid(
                        "the status to filter by is blank: name one, or several separated by commas",
                    ));
                }
                list
            }
        };
        let search = match q.search.as_deref().map(str::trim) {
            None => None,
            Some("") => {
                return Err(invalid(
                    "the search text is blank: give part of an order id, a name, a phone or an email",
                ));
            }
            Some(text) => Some(Search::new(text)),
        };
        if q.limit == Some(0) {
            return Err(invalid("a limit of 0 lists nothing: give at least 1"));
        }
        if q.before.is_some_and(|b| b < 1) {
            return Err(invalid(
                "orders before 0 or lower: there are none; give an order id of 1 or more",
            ));
        }
        Ok(Self {
            unlinked: q.unlinked,
            statuses,
            since: q.since,
            search,
            limit: q.limit,
            before: q.before,
        })
    }

    /// Where the store may look for the orders this takes: the unlinked (usually few),
    /// else those at the statuses asked, else all.
    pub(super) fn scope(&self) -> OrderScope {
        if self.unlinked {
            OrderScope::Unlinked
        } else if !self.statuses.is_empty() {
            OrderScope::Statuses(self.statuses.clone())
        } else {
            OrderScope::All
        }
    }

    /// Whether the order is one the query takes.
    pub(super) fn matches(&self, o: &OrderHead<'_>) -> bool {
        if self.unlinked && !o.unlinked {
            return false;
        }
        if !self.statuses.is_empty() {
            let is = |s: &str| self.statuses.iter().any(|want| same_text(want, s));
            if !(is(&o.status) || o.prom_status.as_deref().is_some_and(is)) {
                return false;
            }
        }
        if let Some(since) = self.since
            && o.created.is_none_or(|c| c < since)
        {
            return false;
        }
        self.search.as_ref().is_none_or(|s| s.finds(o))
    }
}

impl Search {
    fn new(text: &str) -> Self {
        let phone_like = text
            .chars()
            .all(|c| c.is_ascii_digit() || PHONE_PUNCTUATION.contains(&c))
            && text.chars().any(|c| c.is_ascii_digit());
        if phone_like {
            // `067 123 45 67` is one thing to find, not four words. A phone is matched
            // from 4 national digits on: `+380` alone (national `0`) would find everyone.
            let digits = digits(text);
            let national = national(&digits);
            Self {
                phone: (national.len() >= MIN_PHONE_DIGITS).then(|| national.to_string()),
                words: vec![digits],
            }
        } else {
            Self {
                words: text.split_whitespace().map(str::to_lowercase).collect(),
                phone: None,
            }
        }
    }

    fn finds(&self, o: &OrderHead<'_>) -> bool {
        if let (Some(want), Some(phone)) = (&self.phone, &o.phone)
            && national(&digits(phone)).contains(want.as_str())
        {
            return true;
        }
        let text = format!(
            "{}\n{}\n{}",
            o.prom_id,
            o.client,
            o.email.as_deref().unwrap_or("")
        )
        .to_lowercase();
        self.words.iter().all(|w| text.contains(w.as_str()))
    }
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// A Ukrainian number as dialled at home: `+380 67…` and `8 067…` are `067…`.
fn national(digits: &str) -> &str {
    if digits.starts_with("380") {
        &digits[2..]
    } else if digits.len() == 11 && digits.starts_with("80") {
        &digits[1..]
    } else {
        digits
    }
}

/// Equal in any case (`want` is lowercase already).
fn same_text(want: &str, s: &str) -> bool {
    want.chars().eq(s.chars().flat_map(char::to_lowercase))
}

fn invalid(msg: &str) -> BackofficeError {
    BackofficeError::Invalid(msg.into())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;

    fn head(id: i64, status: &str, prom: Option<&str>) -> OrderHead<'static> {
        OrderHead {
            prom_id: id,
            status: Cow::Owned(status.into()),
            prom_status: prom.map(|p| Cow::Owned(p.into())),
            created: crate::backoffice::parse_moment("2025-03-01T01:30:00+02:00").ok(),
            client: Cow::Borrowed("Тарас Шевченко"),
            phone: Some(Cow::Borrowed("+38 (067) 123-45-67")),
            email: Some(Cow::Borrowed("Taras.S@Example.com")),
            unlinked: false,
        }
    }

    fn filter(q: OrderQuery) -> Filter {
        Filter::new(&q).unwrap()
    }

    fn search(text: &str) -> Filter {
        filter(OrderQuery {
            search: Some(text.into()),
            ..OrderQuery::default()
        })
    }

    #[test]
    fn a_phone_is_found_however_it_is_written() {
        let o = head(1_234_567, "pending", None);
        for found in [
            "067 123 45 67",
            "0671234567",
            "+380671234567",
            "380671234567",
            "80671234567",
            "(067) 123-45-67",
            "1234567",
            "45-67",
        ] {
            assert!(search(found).matches(&o), "{found}");
        }
        for missed in [
            "0671234568",
            "+380501234567",
            "050 123",
            "+380",
            "380",
            "+38 0",
        ] {
            assert!(!search(missed).matches(&o), "{missed}");
        }
        // A stored phone without the country code, found by the international form.
        let mut local = head(9, "pending", None);
        local.phone = Some(Cow::Borrowed("0671234567"));
        assert!(search("+38 067 123 45 67").matches(&local));
    }

    #[test]
    fn id_name_and_email_are_found_in_any_case_and_word_order() {
        let o = head(1_234_567, "pending", None);
        for found in [
            "34567",
            "шевченко",
            "ШЕВЧЕНКО тарас",
            "taras.s@example",
            "EXAMPLE.COM",
        ] {
            assert!(search(found).matches(&o), "{found}");
        }
        for missed in ["Петро", "шевченко петро", "gmail"] {
            assert!(!search(missed).matches(&o), "{missed}");
        }
    }

    #[test]
    fn a_status_matches_the_local_or_prom_s_in_any_case() {
        let status = |s: &str| {
            filter(OrderQuery {
                status: Some(s.into()),
                ..OrderQuery::default()
            })
        };
        let o = head(1, "received", Some("delivered"));
        assert!(status("received").matches(&o));
        assert!(status("DELIVERED").matches(&o));
        assert!(status("canceled, delivered").matches(&o));
        assert!(!status("pending").matches(&o));
        assert!(!status("pending,canceled").matches(&o));
    }

    #[test]
    fn since_compares_the_moment_of_creation() {
        let since = |t: &str| {
            filter(OrderQuery {
                since: Some(crate::backoffice::parse_moment(t).unwrap()),
                ..OrderQuery::default()
            })
        };
        // Created 2025-02-28T23:30Z (01:30 at +02:00 on 1 March).
        let o = head(1, "pending", None);
        assert!(since("2025-02-28").matches(&o));
        assert!(since("2025-02-28T23:30:00Z").matches(&o));
        assert!(!since("2025-03-01").matches(&o));
        let mut undated = head(2, "pending", None);
        undated.created = None;
        assert!(!since("2000-01-01").matches(&undated));
    }

    #[test]
    fn filters_combine_and_blank_ones_are_refused() {
        let q = OrderQuery {
            unlinked: true,
            status: Some("pending".into()),
            search: Some("шевченко".into()),
            ..OrderQuery::default()
        };
        let mut o = head(1, "pending", None);
        assert!(!filter(q.clone()).matches(&o), "every line is linked");
        o.unlinked = true;
        assert!(filter(q.clone()).matches(&o));
        o.status = Cow::Borrowed("canceled");
        assert!(!filter(q).matches(&o));

        for (q, says) in [
            (
                OrderQuery {
                    search: Some("  ".into()),
                    ..OrderQuery::default()
                },
                "search text is blank",
            ),
            (
                OrderQuery {
                    status: Some(" , ".into()),
                    ..OrderQuery::default()
                },
                "status to filter by is blank",
            ),
            (
                OrderQuery {
                    limit: Some(0),
                    ..OrderQuery::default()
                },
                "limit of 0",
            ),
        ] {
            let e = Filter::new(&q).unwrap_err();
            assert!(
                matches!(&e, BackofficeError::Invalid(m) if m.contains(says)),
                "{e}"
            );
        }
    }
}
