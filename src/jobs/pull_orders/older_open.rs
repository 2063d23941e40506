//! The first pull's search for orders already open when tracking starts (last changed
//! before its window): one `orders/list` per reserve status, filtered by the status as
//! Prom.ua names it. A `[sync]` word may be a title (`Чекає на передоплату`) or a local
//! status a `status_map` sends as a Prom.ua one; sent as the filter, it would find
//! nothing, and those orders, delivered later, would be taken as history (their stock
//! never moved). So each word is resolved first, through the shop's list the plan read.

use chrono::{DateTime, Utc};

use super::OlderOpen;
use crate::domain::{ReservationPolicy, ShopStatus, ShopStatuses, StatusWord, status_word};
use crate::jobs::JobError;
use crate::jobs::runner::RunEnv;
use crate::prom::dto::OrderFilter;

/// Where the search looks: the statuses Prom.ua is asked for, each once, and the reserve
/// statuses that name none it shows (not searched).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Search {
    pub statuses: Vec<String>,
    pub skipped: Vec<String>,
}

impl Search {
    /// The run's note about the skipped words, if any.
    pub fn skipped_note(&self, shop: Option<&ShopStatuses>) -> Option<String> {
        if self.skipped.is_empty() {
            return None;
        }
        let words: Vec<String> = self.skipped.iter().map(|w| format!("`{w}`")).collect();
        let list = match shop {
            Some(s) => format!("the shop's statuses: {}", s.listed()),
            None => "the shop's status list could not be read".into(),
        };
        Some(format!(
            "{} in reserve_statuses: not a status Prom.ua shows (not one of its own, nor the shop's by name or title, nor what a status_map sends it as; {list}); open orders there, older than this first pull's window, were not searched for",
            words.join(", ")
        ))
    }
}

/// The name Prom.ua shows for `word`: one of its own, the shop's status it names (by
/// name or title), or a `custom-N` name.
fn prom_name(word: &str, shop: Option<&ShopStatuses>) -> Option<String> {
    let kind = status_word(word);
    if kind == StatusWord::Standard {
        return Some(word.trim().to_string());
    }
    if let Some(code) = shop.and_then(|s| s.find(word)).and_then(ShopStatus::code) {
        return Some(code);
    }
    matches!(kind, StatusWord::CustomName(_)).then(|| word.trim().to_string())
}

/// Pure: what the search asks Prom.ua for, under the configured (unresolved) `base`.
pub fn search(base: &ReservationPolicy, shop: Option<&ShopStatuses>) -> Search {
    let mut out = Search::default();
    for word in &base.reserve_statuses {
        // A local status the map sends as a Prom.ua one: orders there show that one.
        let name =
            prom_name(word, shop).or_else(|| base.alias_of(word).and_then(|t| prom_name(t, shop)));
        match name {
            Some(n) if !out.statuses.contains(&n) => out.statuses.push(n),
            Some(_) => {}
            None => out.skipped.push(word.clone()),
        }
    }
    out
}

/// The first run: open orders (at a reserving status) last changed before its window.
pub(super) async fn older_open(
    env: &RunEnv<'_>,
    statuses: &[String],
    from: DateTime<Utc>,
) -> Result<OlderOpen, JobError> {
    let client = env.client()?;
    let mut found: Vec<(i64, Option<DateTime<Utc>>)> = Vec::new();
    let mut errors = Vec::new();
    for status in statuses {
        let filter = OrderFilter {
            status: Some(status.as_str().into()),
            last_modified_to: Some(from),
            ..Default::default()
        };
        match client.all_orders(&filter).await {
            // Lenient: the filters may be ignored; check them here too.
            Ok(orders) => found.extend(
                orders
                    .iter()
                    .filter(|o| o.status.as_ref().is_some_and(|s| s.as_str() == status))
                    .map(|o| (o.id, o.date_modified.map(|t| t.with_timezone(&Utc))))
                    .filter(|(_, m)| m.is_none_or(|m| m < from)),
            ),
            // One status Prom.ua will not filter on loses only its orders.
            Err(e) => errors.push(format!("status `{status}`: {e}")),
        }
    }
    found.sort_unstable_by_key(|(id, _)| *id);
    found.dedup_by_key(|(id, _)| *id);
    Ok(OlderOpen {
        oldest: found.iter().filter_map(|(_, m)| *m).min(),
        ids: found.into_iter().map(|(id, _)| id).collect(),
        error: (!errors.is_empty()).then(|| errors.join("; ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserve_statuses_are_searched_by_the_name_prom_shows() {
        let base = ReservationPolicy {
            reserve_statuses: [
                "pending",
                "Чекає на передоплату",
                "custom-1001",
                "awaiting",
                "custom-77",
                "Немає такого",
                "local_only",
            ]
            .map(String::from)
            .to_vec(),
            done_status: Some("delivered".into()),
            release_statuses: Vec::new(),
            shipped_statuses: Vec::new(),
            aliases: vec![
                ("awaiting".into(), "Передоплату отримано".into()),
                ("local_only".into(), "Теж немає".into()),
            ],
            warehouse: "main".into(),
        };
        let shop = ShopStatuses::read(
            vec![
                ShopStatus {
                    id: Some(1001),
                    name: Some("custom-1001".into()),
                    title: Some("Чекає на передоплату".into()),
                },
                ShopStatus {
                    id: Some(1002),
                    name: None,
                    title: Some("Передоплату отримано".into()),
                },
            ],
            Utc::now(),
        );
        let s = search(&base, Some(&shop));
        assert_eq!(
            s.statuses,
            ["pending", "custom-1001", "custom-1002", "custom-77"]
        );
        assert_eq!(s.skipped, ["Немає такого", "local_only"]);
        let note = s.skipped_note(Some(&shop)).unwrap();
        assert!(
            note.contains("`Немає такого`, `local_only`") && note.contains("not searched"),
            "{note}"
        );
        // Without the list, only what Prom.ua's own words and `custom-N` names say.
        let s = search(&base, None);
        assert_eq!(s.statuses, ["pending", "custom-1001", "custom-77"]);
        assert_eq!(
            s.skipped,
            [
                "Чекає на передоплату",
                "awaiting",
                "Немає такого",
                "local_only"
            ]
        );
        assert!(s.skipped_note(None).unwrap().contains("could not be read"));
        assert_eq!(
            search(
                &ReservationPolicy {
                    reserve_statuses: vec![],
                    ..base
                },
                None
            ),
            Search::default()
        );
    }
}
