//! Which local order statuses hold stock, which one ships it, and which hold nothing.

use super::{ORDER_STATUSES, ShopStatuses};

/// Which local statuses hold stock, which one ships it, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationPolicy {
    pub reserve_statuses: Vec<String>,
    /// Reaching it turns the order's reservation into a stock move (once).
    pub done_status: Option<String>,
    /// A seller's own statuses that hold nothing (Prom.ua's are known without it).
    pub release_statuses: Vec<String>,
    /// A seller's own statuses after delivery (e.g. "completed"): shipped, as at
    /// `done_status`.
    pub shipped_statuses: Vec<String>,
    /// Local status → the Prom.ua status it is sent as (the `status_map`): a status not
    /// named above means what its Prom.ua status means.
    pub aliases: Vec<(String, String)>,
    pub warehouse: String,
}

/// What a status means for an order's stock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusClass {
    /// The order holds its lines' stock.
    Holds,
    /// The order is done: its lines left stock.
    Done,
    /// The order holds nothing (cancelled, a draft, a status the seller says releases).
    Releases,
    /// Nobody said: the order keeps what it did before (a new order holds), and it is
    /// reported, so that a shop's own status never releases stock silently.
    Unknown,
}

impl ReservationPolicy {
    /// What `status` means for stock: the lists first; then, for a local status the
    /// `status_map` sends as a Prom.ua status, what that one means; for a Prom.ua
    /// status a listed local status is sent as, what the local one means (Prom's
    /// `delivered`, when `done_status = "shipped"` is sent as it, ships); then Prom.ua's
    /// own statuses hold nothing; anything else is unknown.
    pub fn class(&self, status: &str) -> StatusClass {
        if let Some(class) = self.listed_class(status) {
            return class;
        }
        if let Some(class) = self
            .alias_of(status)
            .and_then(|prom| self.listed_class(prom))
        {
            return class;
        }
        let sent_as = self.aliases.iter().filter(|(_, prom)| prom == status);
        if let Some(class) = sent_as
            .filter_map(|(local, _)| self.listed_class(local))
            .next()
        {
            return class;
        }
        let prom_own = |s: &str| ORDER_STATUSES.contains(&s);
        if prom_own(status) || self.alias_of(status).is_some_and(prom_own) {
            StatusClass::Releases
        } else {
            StatusClass::Unknown
        }
    }

    /// The class the configuration's lists give `status`, if they name it.
    fn listed_class(&self, status: &str) -> Option<StatusClass> {
        if self.done_status.as_deref() == Some(status)
            || self.shipped_statuses.iter().any(|s| s == status)
        {
            Some(StatusClass::Done)
        } else if self.reserve_statuses.iter().any(|s| s == status) {
            Some(StatusClass::Holds)
        } else if self.release_statuses.iter().any(|s| s == status) {
            Some(StatusClass::Releases)
        } else {
            None
        }
    }

    /// The Prom.ua status a local status is sent as, if a `status_map` says.
    pub fn alias_of(&self, local: &str) -> Option<&str> {
        self.aliases
            .iter()
            .find(|(l, _)| l == local)
            .map(|(_, prom)| prom.as_str())
    }

    /// Prom.ua showing `prom` agrees with the local `local`: the same word, or what the
    /// status map sends `local` as (a local `shipped` sent as `delivered`).
    pub fn agrees(&self, local: &str, prom: &str) -> bool {
        local == prom || self.alias_of(local) == Some(prom)
    }

    /// The policy with the shop's own statuses resolved (`None`: as configured). A
    /// `status_map` target named by its title is what Prom.ua shows: the status's name
    /// (`custom-1001`), so that a pull finds Prom showing it agrees with the local status;
    /// a status a `[sync]` list names by its title is named by its name too, and the
    /// title is an alias of the name: an order set here to the title (the seller's word,
    /// kept) agrees with Prom.ua showing the name, and is sent as it.
    pub fn for_shop(&self, shop: Option<&ShopStatuses>) -> ReservationPolicy {
        let mut p = self.clone();
        let Some(shop) = shop else {
            return p;
        };
        let code = |word: &str| shop.find(word).and_then(|o| o.code());
        for (_, target) in &mut p.aliases {
            if let Some(c) = code(target) {
                *target = c;
            }
        }
        let by_name = |list: &[String]| -> Vec<String> {
            let mut out = list.to_vec();
            for c in list.iter().filter_map(|s| code(s)) {
                if !out.contains(&c) {
                    out.push(c);
                }
            }
            out
        };
        p.reserve_statuses = by_name(&p.reserve_statuses);
        p.release_statuses = by_name(&p.release_statuses);
        let mut shipped = by_name(&p.shipped_statuses);
        // The done status named by its title: orders Prom.ua shows at its name ship too.
        if let Some(c) = p.done_status.as_deref().and_then(code)
            && p.done_status.as_deref() != Some(c.as_str())
            && !shipped.contains(&c)
        {
            shipped.push(c);
        }
        p.shipped_statuses = shipped;
        // After the map's own entries, so that a `status_map` key wins over a title.
        let listed = self
            .reserve_statuses
            .iter()
            .chain(&self.done_status)
            .chain(&self.shipped_statuses)
            .chain(&self.release_statuses);
        for word in listed {
            if let Some(c) = code(word)
                && c != *word
                && p.alias_of(word).is_none()
            {
                p.aliases.push((word.clone(), c));
            }
        }
        p
    }

    /// Every local status the configuration names: the `[sync]` lists, the done status
    /// and the `status_map` keys, each once, in that order.
    pub fn named_statuses(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let all = self
            .reserve_statuses
            .iter()
            .chain(&self.done_status)
            .chain(&self.shipped_statuses)
            .chain(&self.release_statuses)
            .chain(self.aliases.iter().map(|(local, _)| local));
        for s in all {
            if !out.contains(s) {
                out.push(s.clone());
            }
        }
        out
    }

    /// A short fingerprint of what decides orders' stock: when it changes, stored orders
    /// are settled again under the new words.
    pub fn fingerprint(&self) -> String {
        format!(
            "reserve={:?};done={:?};shipped={:?};release={:?};aliases={:?}",
            self.reserve_statuses,
            self.done_status,
            self.shipped_statuses,
            self.release_statuses,
            self.aliases
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_fall_in_one_class_each() {
        let p = ReservationPolicy {
            reserve_statuses: vec!["pending".into(), "awaiting_prepayment".into()],
            done_status: Some("delivered".into()),
            release_statuses: vec!["returned".into()],
            shipped_statuses: vec!["completed".into()],
            aliases: vec![
                ("cancelled_by_buyer".into(), "canceled".into()),
                ("shipped".into(), "delivered".into()),
                ("odd".into(), "loan_approved".into()),
            ],
            warehouse: "main".into(),
        };
        assert_eq!(p.class("cancelled_by_buyer"), StatusClass::Releases);
        assert_eq!(p.class("shipped"), StatusClass::Done);
        assert_eq!(p.class("odd"), StatusClass::Unknown);
        assert_eq!(p.class("completed"), StatusClass::Done);
        // Prom's `delivered` is what the local done status `shipped` is sent as.
        let q = ReservationPolicy {
            done_status: Some("shipped".into()),
            ..p.clone()
        };
        assert_eq!(q.class("delivered"), StatusClass::Done);
        assert_eq!(p.class("pending"), StatusClass::Holds);
        assert_eq!(p.class("awaiting_prepayment"), StatusClass::Holds);
        assert_eq!(p.class("delivered"), StatusClass::Done);
        // Prom's own statuses are known even when they hold nothing.
        assert_eq!(p.class("received"), StatusClass::Releases);
        assert_eq!(p.class("canceled"), StatusClass::Releases);
        assert_eq!(p.class("returned"), StatusClass::Releases);
        assert_eq!(p.class("waiting_loan_approval"), StatusClass::Unknown);
    }

    #[test]
    fn a_title_in_the_map_or_the_lists_means_the_name_prom_shows() {
        use crate::domain::{ShopStatus, ShopStatuses};
        let p = ReservationPolicy {
            reserve_statuses: vec!["pending".into(), "Чекає на передоплату".into()],
            done_status: Some("Відправлено".into()),
            release_statuses: Vec::new(),
            shipped_statuses: Vec::new(),
            aliases: vec![
                ("awaiting".into(), "Чекає на передоплату".into()),
                ("shipped".into(), "delivered".into()),
                ("gone".into(), "Немає такого".into()),
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
                    title: Some("Відправлено".into()),
                },
            ],
            chrono::Utc::now(),
        );
        let q = p.for_shop(Some(&shop));
        assert!(q.agrees("awaiting", "custom-1001"));
        // A [sync] word that is a title agrees with Prom.ua showing its name.
        assert!(q.agrees("Відправлено", "custom-1002"));
        assert!(q.agrees("Чекає на передоплату", "custom-1001"));
        assert!(!q.agrees("Відправлено", "custom-1001"));
        assert!(
            !p.agrees("Відправлено", "custom-1002"),
            "unresolved, it would not"
        );
        assert_eq!(q.class("Відправлено"), StatusClass::Done);
        assert!(
            !p.agrees("awaiting", "custom-1001"),
            "unresolved, it would not"
        );
        assert_eq!(q.alias_of("gone"), Some("Немає такого"), "unknown stays");
        assert_eq!(q.class("custom-1001"), StatusClass::Holds);
        assert_eq!(q.class("awaiting"), StatusClass::Holds);
        assert_eq!(q.class("custom-1002"), StatusClass::Done);
        assert_eq!(p.for_shop(None), p);
        assert_ne!(q.fingerprint(), p.fingerprint(), "orders settle again");
        assert_eq!(
            p.named_statuses(),
            [
                "pending",
                "Чекає на передоплату",
                "Відправлено",
                "awaiting",
                "shipped",
                "gone"
            ]
        );
    }
}
