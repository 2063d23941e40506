//! `check-config --online`: the shop's own statuses a `status_map` names (by a `custom-N`
//! name or by a title) checked against the list the shop gives. Offline they cannot be:
//! `job_checks` lets them pass and catches only near misses of Prom.ua's own statuses.

use super::{Config, JobKind};
use crate::domain::{ShopStatuses, StatusWord, closest, status_word};

/// One error per `status_map` entry naming a status the shop does not list: the job, the
/// key, what it names, the nearest of the shop's statuses if one is near, and the list.
pub fn check_against_shop(config: &Config, shop: &ShopStatuses) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    for o in &shop.options {
        words.extend(o.code());
        words.extend(o.title.clone());
    }
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut errors = Vec::new();
    for job in &config.jobs {
        let JobKind::PushStatuses(o) = &job.kind else {
            continue;
        };
        for (local, target) in &o.status_map {
            let word = target.status();
            if matches!(status_word(word), StatusWord::Standard) || shop.find(word).is_some() {
                continue;
            }
            let near = closest(word, &words)
                .map(|w| format!(" (did you mean `{w}`?)"))
                .unwrap_or_default();
            errors.push(format!(
                "job `{}`: status_map.{local} = `{word}` is not one of the shop's order statuses{near}; the shop's statuses: {}",
                job.name,
                shop.listed()
            ));
        }
    }
    errors
}
