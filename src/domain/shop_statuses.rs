//! The shop's own order statuses, as `order_status_options/list` lists them (prom-api.md
//! §4.6 and §10): Prom.ua's standard ones and a seller's custom ones, which orders show
//! as `custom-172548`. A configuration may name a custom status by that name or by its
//! title ("Чекає на передоплату"); which one it means is known only once the list is read.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ORDER_STATUSES, closest};

/// One entry of the shop's list. Every field may be missing: Prom.ua promises none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopStatus {
    #[serde(default)]
    pub id: Option<i64>,
    /// What orders show in `status`, e.g. `received` or `custom-172548`.
    #[serde(default)]
    pub name: Option<String>,
    /// The label the cabinet shows, e.g. `Чекає на передоплату`.
    #[serde(default)]
    pub title: Option<String>,
}

impl ShopStatus {
    /// What orders show in `status` for it: its name, else `custom-{id}`.
    pub fn code(&self) -> Option<String> {
        match (self.name.as_deref().map(str::trim), self.id) {
            (Some(n), _) if !n.is_empty() => Some(n.to_string()),
            (_, Some(id)) => Some(format!("custom-{id}")),
            _ => None,
        }
    }

    /// One of Prom.ua's own statuses (`received`), not a seller's.
    pub fn is_standard(&self) -> bool {
        self.code()
            .is_some_and(|c| ORDER_STATUSES.contains(&c.as_str()))
    }

    /// The id a `set_status` by `custom_status_id` takes: a custom status's id, else the
    /// digits of its `custom-N` name. `None` for Prom.ua's own statuses.
    pub fn custom_id(&self) -> Option<i64> {
        if self.is_standard() {
            return None;
        }
        self.id
            .or_else(|| self.name.as_deref().and_then(custom_name_id))
    }

    /// `custom-1001 (Чекає на передоплату)`, for messages.
    pub fn shown(&self) -> String {
        let code = self.code().unwrap_or_else(|| "(no name)".into());
        match self.title.as_deref().map(str::trim) {
            Some(t) if !t.is_empty() => format!("{code} ({t})"),
            _ => code,
        }
    }
}

/// The shop's list as last read, and the last attempt to read it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopStatuses {
    /// When the list was last read; `None` if no read ever succeeded.
    pub read_at: Option<DateTime<Utc>>,
    pub options: Vec<ShopStatus>,
    /// When a read was last tried (successful or not).
    pub tried_at: DateTime<Utc>,
    /// Why the last try failed, if it did (the list above is then the one before).
    #[serde(default)]
    pub last_error: Option<String>,
}

impl ShopStatuses {
    /// A list read at `at`.
    pub fn read(options: Vec<ShopStatus>, at: DateTime<Utc>) -> Self {
        Self {
            read_at: Some(at),
            options,
            tried_at: at,
            last_error: None,
        }
    }

    /// The entry `word` names: by name, then by title (case and surrounding spaces
    /// aside), then a `custom-N` by its id.
    pub fn find(&self, word: &str) -> Option<&ShopStatus> {
        let word = word.trim();
        let by_name = || {
            self.options
                .iter()
                .find(|o| o.code().as_deref() == Some(word))
        };
        let folded = word.to_lowercase();
        let by_title = || {
            self.options.iter().find(|o| {
                o.title
                    .as_deref()
                    .is_some_and(|t| t.trim().to_lowercase() == folded)
            })
        };
        let by_id = || {
            custom_name_id(word)
                .and_then(|id| self.options.iter().find(|o| o.custom_id() == Some(id)))
        };
        by_name().or_else(by_title).or_else(by_id)
    }

    /// Whether orders showing `code` show a status of this list (or one of Prom.ua's own).
    pub fn knows(&self, code: &str) -> bool {
        ORDER_STATUSES.contains(&code)
            || self
                .options
                .iter()
                .any(|o| o.code().as_deref() == Some(code))
    }

    /// Every entry, for messages: `pending (Новий), …, custom-1001 (Чекає на передоплату)`.
    pub fn listed(&self) -> String {
        if self.options.is_empty() {
            return "none listed".into();
        }
        self.options
            .iter()
            .map(ShopStatus::shown)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// How `orders/set_status` names a seller's own status: `status = "custom-1001"`, or
/// `custom_status_id = 1001` (prom-api.md §4.3: which one Prom.ua takes is not certain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomStatusForm {
    Name,
    Id,
}

impl CustomStatusForm {
    pub fn other(self) -> Self {
        match self {
            Self::Name => Self::Id,
            Self::Id => Self::Name,
        }
    }

    /// How a run's note says it.
    pub fn said(self) -> &'static str {
        match self {
            Self::Name => "by name (`status`)",
            Self::Id => "by id (`custom_status_id`)",
        }
    }
}

/// The id in a custom status's name as Prom.ua writes it: `custom-172548` → 172548.
pub fn custom_name_id(word: &str) -> Option<i64> {
    word.trim()
        .strip_prefix("custom-")
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse().ok())
}

/// What a word a configuration sends to Prom.ua is, before the shop's list is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatusWord {
    /// One of Prom.ua's own statuses.
    Standard,
    /// A custom status by the name Prom.ua lists it under (`custom-172548`).
    CustomName(i64),
    /// Taken for a custom status's title; only the shop's list can say.
    Title,
    /// Not a status: a near miss of one, with the word it was probably meant to be.
    Typo(String),
    Blank,
}

/// Classifies `word` offline: a standard status, a `custom-N` name, a near miss of either
/// (`recieved`, `custom_1001`), or else a title.
pub fn status_word(word: &str) -> StatusWord {
    let w = word.trim();
    if w.is_empty() {
        return StatusWord::Blank;
    }
    if ORDER_STATUSES.contains(&w) {
        return StatusWord::Standard;
    }
    if let Some(id) = custom_name_id(w) {
        return StatusWord::CustomName(id);
    }
    // `custom_1001`, `Custom 1001`, `custom1001`: Prom.ua writes `custom-1001`.
    let lower = w.to_lowercase();
    if let Some(rest) = lower.strip_prefix("custom") {
        let digits = rest.trim_start_matches(['-', '_', ' ', ':']);
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            return StatusWord::Typo(format!("custom-{digits}"));
        }
    }
    match closest(w, &ORDER_STATUSES).or_else(|| closest(&lower, &ORDER_STATUSES)) {
        Some(meant) => StatusWord::Typo(meant.to_string()),
        None => StatusWord::Title,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shop() -> ShopStatuses {
        let o = |id: Option<i64>, name: Option<&str>, title: Option<&str>| ShopStatus {
            id,
            name: name.map(str::to_string),
            title: title.map(str::to_string),
        };
        ShopStatuses::read(
            vec![
                o(Some(1), Some("received"), Some("Прийнято")),
                o(
                    Some(1001),
                    Some("custom-1001"),
                    Some("Чекає на передоплату"),
                ),
                o(Some(77), None, Some("Без назви")),
                o(None, Some("custom-5"), None),
            ],
            DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        )
    }

    #[test]
    fn a_status_is_found_by_name_title_or_custom_id() {
        let s = shop();
        assert_eq!(s.find("received").unwrap().id, Some(1));
        assert_eq!(s.find(" чекає на ПЕРЕДОПЛАТУ ").unwrap().id, Some(1001));
        assert_eq!(s.find("custom-77").unwrap().code().unwrap(), "custom-77");
        assert_eq!(s.find("Без назви").unwrap().custom_id(), Some(77));
        assert_eq!(s.find("custom-5").unwrap().custom_id(), Some(5));
        assert_eq!(s.find("Прийнято").unwrap().custom_id(), None, "standard");
        assert!(s.find("Оплачено").is_none());
        assert!(s.knows("paid") && s.knows("custom-77") && !s.knows("custom-9"));
    }

    #[test]
    fn words_are_told_apart_offline() {
        assert_eq!(status_word("received"), StatusWord::Standard);
        assert_eq!(status_word("custom-172548"), StatusWord::CustomName(172548));
        assert_eq!(status_word("Чекає на передоплату"), StatusWord::Title);
        assert_eq!(status_word("awaiting_prepayment"), StatusWord::Title);
        assert_eq!(status_word("recieved"), StatusWord::Typo("received".into()));
        assert_eq!(
            status_word("deliverd"),
            StatusWord::Typo("delivered".into())
        );
        assert_eq!(status_word("Paid"), StatusWord::Typo("paid".into()));
        assert_eq!(
            status_word("custom_1001"),
            StatusWord::Typo("custom-1001".into())
        );
        assert_eq!(status_word("  "), StatusWord::Blank);
    }
}
