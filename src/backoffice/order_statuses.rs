//! The shop's order statuses as the back office knows them (`orders statuses`): the list
//! `pull_orders` last read, each with what the configuration does with it; and the
//! statuses `orders set-status` takes without `--force`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{BackOffice, BackofficeError, Result};
use crate::domain::{ReservationPolicy, ShopStatus, ShopStatuses, StatusClass, closest};

/// `orders statuses` and `GET /v1/order-statuses`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderStatusesView {
    /// When the shop's list was read; `None`: never (run pull_orders or `check-config
    /// --online`).
    pub read_at: Option<DateTime<Utc>>,
    /// When a read was last tried, and why it failed if it did (the list is the one before).
    #[serde(default)]
    pub tried_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub last_error: Option<String>,
    pub statuses: Vec<ShopStatusView>,
    /// Every status `orders set-status` takes without `--force`.
    pub known: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShopStatusView {
    /// What orders show in `status` (`received`, `custom-1001`).
    pub name: Option<String>,
    pub id: Option<i64>,
    pub title: Option<String>,
    /// One of Prom.ua's own statuses, not the seller's.
    pub standard: bool,
    /// What an order at it does with its stock under the configuration: `reserves`,
    /// `done`, `shipped`, `releases`, or `unnamed` (named nowhere: it keeps what it held,
    /// and pulls warn).
    pub means: String,
    /// The local statuses the `status_map`s send as it.
    pub mapped_from: Vec<String>,
}

/// What `option` means under `base` resolved with `shop`.
fn view(option: &ShopStatus, base: &ReservationPolicy, shop: &ShopStatuses) -> ShopStatusView {
    let policy = base.for_shop(Some(shop));
    let code = option.code();
    let is = |word: &str| shop.find(word).and_then(ShopStatus::code) == code;
    let means = match code.as_deref() {
        None => "unnamed",
        Some(_) if base.done_status.as_deref().is_some_and(is) => "done",
        Some(c) => match policy.class(c) {
            StatusClass::Holds => "reserves",
            StatusClass::Done if policy.shipped_statuses.iter().any(|s| s == c) => "shipped",
            StatusClass::Done => "done",
            StatusClass::Releases => "releases",
            StatusClass::Unknown => "unnamed",
        },
    };
    ShopStatusView {
        name: code.clone(),
        id: option.id,
        title: option.title.clone(),
        standard: option.is_standard(),
        means: means.into(),
        // The map's entries only: a [sync] title's alias of its name is no mapping.
        mapped_from: policy
            .aliases
            .iter()
            .filter(|(local, _)| base.alias_of(local).is_some())
            .filter(|(_, target)| code.as_deref() == Some(target.as_str()))
            .map(|(local, _)| local.clone())
            .collect(),
    }
}

/// Every status the configuration knows: its lists, the done status, the `status_map`
/// keys, the shop's statuses (by name), and `canceled`.
pub(super) fn known(policy: &ReservationPolicy, shop: Option<&ShopStatuses>) -> Vec<String> {
    let mut out = policy.named_statuses();
    let shop_names = shop
        .into_iter()
        .flat_map(|s| s.options.iter().filter_map(ShopStatus::code));
    for s in shop_names.chain(["canceled".to_string()]) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// `status` is one the configuration knows, or `Invalid` saying which are, with the
/// nearest if it looks like a typo of one.
pub(super) fn check_known(status: &str, known: &[String]) -> Result<()> {
    if known.iter().any(|k| k == status) {
        return Ok(());
    }
    let words: Vec<&str> = known.iter().map(String::as_str).collect();
    let near = closest(status, &words)
        .map(|k| format!(" did you mean `{k}`?"))
        .unwrap_or_default();
    Err(BackofficeError::Invalid(format!(
        "`{status}` is not an order status the configuration knows;{near} known: {}; nothing was changed (--force, or \"force\": true through the admin API, sets it anyway)",
        words.join(", ")
    )))
}

pub(super) async fn statuses(office: &BackOffice) -> Result<OrderStatusesView> {
    let base = office.policy();
    office
        .blocking(move |store| {
            let kept = store.shop_statuses()?;
            let read = kept.as_ref().filter(|k| k.read_at.is_some());
            let policy = base.for_shop(read);
            Ok(OrderStatusesView {
                read_at: kept.as_ref().and_then(|k| k.read_at),
                tried_at: kept.as_ref().map(|k| k.tried_at),
                last_error: kept.as_ref().and_then(|k| k.last_error.clone()),
                statuses: read.map_or_else(Vec::new, |shop| {
                    shop.options.iter().map(|o| view(o, &base, shop)).collect()
                }),
                known: known(&policy, read),
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typo_is_refused_with_the_nearest_known_status() {
        let known: Vec<String> = ["pending", "received", "delivered", "canceled"]
            .map(String::from)
            .to_vec();
        assert!(check_known("received", &known).is_ok());
        let e = check_known("recieved", &known).unwrap_err().to_string();
        assert!(e.contains("did you mean `received`?"), "{e}");
        assert!(
            e.contains("known: pending, received, delivered, canceled"),
            "{e}"
        );
        let e = check_known("lost_in_space", &known)
            .unwrap_err()
            .to_string();
        assert!(!e.contains("did you mean"), "{e}");
    }

    #[test]
    fn each_shop_status_says_what_the_configuration_does_with_it() {
        let base = ReservationPolicy {
            reserve_statuses: vec!["pending".into(), "received".into()],
            done_status: Some("delivered".into()),
            release_statuses: vec!["custom-9".into()],
            shipped_statuses: Vec::new(),
            aliases: vec![("awaiting".into(), "Чекає на передоплату".into())],
            warehouse: "main".into(),
        };
        let o = |id, name: &str, title: &str| ShopStatus {
            id: Some(id),
            name: Some(name.into()),
            title: Some(title.into()),
        };
        let shop = ShopStatuses::read(
            vec![
                o(1, "received", "Прийнято"),
                o(3, "delivered", "Виконано"),
                o(4, "canceled", "Скасовано"),
                o(1001, "custom-1001", "Чекає на передоплату"),
                o(9, "custom-9", "Повернення"),
                o(7, "custom-7", "Інше"),
            ],
            Utc::now(),
        );
        let views: Vec<(String, Vec<String>)> = shop
            .options
            .iter()
            .map(|x| view(x, &base, &shop))
            .map(|v| (v.means, v.mapped_from))
            .collect();
        let means: Vec<&str> = views.iter().map(|(m, _)| m.as_str()).collect();
        assert_eq!(
            means,
            [
                "reserves", "done", "releases", "unnamed", "releases", "unnamed"
            ]
        );
        assert_eq!(views[3].1, ["awaiting"]);
        // A [sync] list naming it by its title: the same meaning, and no mapping.
        let by_title = ReservationPolicy {
            release_statuses: vec!["Повернення".into()],
            ..base.clone()
        };
        let v = view(&shop.options[4], &by_title, &shop);
        assert_eq!((v.means.as_str(), v.mapped_from.len()), ("releases", 0));
        let k = known(&base.for_shop(Some(&shop)), Some(&shop));
        assert_eq!(
            k,
            [
                "pending",
                "received",
                "delivered",
                "custom-9",
                "awaiting",
                "canceled",
                "custom-1001",
                "custom-7"
            ]
        );
    }
}
