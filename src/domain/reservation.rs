//! Which local order statuses hold stock, which one ships it, and which hold nothing.

use super::ORDER_STATUSES;

/// Which local statuses hold stock, which one ships it, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationPolicy {
    pub reserve_statuses: Vec<String>,
    /// Reaching it turns the order's reservation into a stock move (once).
    pub done_status: Option<String>,
    /// A seller's own statuses that hold nothing (Prom.ua's are known without it).
    pub release_statuses: Vec<String>,
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
    pub fn class(&self, status: &str) -> StatusClass {
        match self.named_class(status) {
            StatusClass::Unknown => self
                .alias_of(status)
                .map_or(StatusClass::Unknown, |prom| self.named_class(prom)),
            class => class,
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

    /// A short fingerprint of what decides orders' stock: when it changes, stored orders
    /// are settled again under the new words.
    pub fn fingerprint(&self) -> String {
        format!(
            "reserve={:?};done={:?};release={:?};aliases={:?}",
            self.reserve_statuses, self.done_status, self.release_statuses, self.aliases
        )
    }

    /// The class the lists (and Prom.ua's own statuses) give `status`, without aliases.
    fn named_class(&self, status: &str) -> StatusClass {
        if self.done_status.as_deref() == Some(status) {
            StatusClass::Done
        } else if self.reserve_statuses.iter().any(|s| s == status) {
            StatusClass::Holds
        } else if ORDER_STATUSES.contains(&status)
            || self.release_statuses.iter().any(|s| s == status)
        {
            StatusClass::Releases
        } else {
            StatusClass::Unknown
        }
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
        assert_eq!(p.class("pending"), StatusClass::Holds);
        assert_eq!(p.class("awaiting_prepayment"), StatusClass::Holds);
        assert_eq!(p.class("delivered"), StatusClass::Done);
        // Prom's own statuses are known even when they hold nothing.
        assert_eq!(p.class("received"), StatusClass::Releases);
        assert_eq!(p.class("canceled"), StatusClass::Releases);
        assert_eq!(p.class("returned"), StatusClass::Releases);
        assert_eq!(p.class("waiting_loan_approval"), StatusClass::Unknown);
    }
}
