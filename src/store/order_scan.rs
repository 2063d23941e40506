//! Finding orders without decoding every one whole: a scan reads each stored order as
//! an [`OrderHead`] (the fields a search filters on, borrowed from the stored bytes;
//! serde skips the rest: lines' names, money, what it reserves, and any details a
//! record holds) and decodes in full only the orders the caller keeps.

use std::borrow::Cow;

use serde::Deserialize;

use super::codec::{decode, decode_borrowed};
use super::orders::LocalOrder;
use super::{Result, Store};

/// What an order search looks at, read from a stored [`LocalOrder`] (the same field
/// names; a test keeps the two in step).
#[derive(Debug, Deserialize)]
pub struct OrderHead<'a> {
    pub prom_id: i64,
    #[serde(borrow)]
    pub status: Cow<'a, str>,
    #[serde(borrow, default)]
    pub prom_status: Option<Cow<'a, str>>,
    /// RFC 3339, as stored; parsed only by a search that needs it.
    #[serde(borrow, default)]
    pub created_at: Option<Cow<'a, str>>,
    #[serde(borrow)]
    pub client: Cow<'a, str>,
    #[serde(borrow, default)]
    pub phone: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub email: Option<Cow<'a, str>>,
    pub lines: Vec<LineHead>,
}

/// Of a line, only whether it is linked.
#[derive(Debug, Deserialize)]
pub struct LineHead {
    #[serde(default)]
    pub product_id: Option<u64>,
}

impl OrderHead<'_> {
    /// A line matches no local product.
    pub fn has_unlinked_lines(&self) -> bool {
        self.lines.iter().any(|l| l.product_id.is_none())
    }
}

impl Store {
    /// The orders `keep` accepts, newest (highest id) first, at most `limit` of them.
    pub fn find_orders(
        &self,
        mut keep: impl FnMut(&OrderHead<'_>) -> bool,
        limit: Option<usize>,
    ) -> Result<Vec<LocalOrder>> {
        let mut found = Vec::new();
        if limit == Some(0) {
            return Ok(found);
        }
        for v in self.trees.orders.iter().values().rev() {
            let v = v?;
            let head: OrderHead<'_> = decode_borrowed("orders", &v)?;
            if keep(&head) {
                found.push(decode("orders", &v)?);
                if limit.is_some_and(|n| found.len() >= n) {
                    break;
                }
            }
        }
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::store::LocalLine;
    use crate::store::codec::encode;

    /// A stored order read as a head gives the order's own values: a renamed or
    /// restructured `LocalOrder` field fails here rather than silently matching nothing.
    #[test]
    fn a_head_reads_what_the_order_holds() {
        let created = DateTime::parse_from_rfc3339("2025-03-01T10:20:30+02:00").unwrap();
        let o = LocalOrder {
            prom_id: 42,
            status: "pending".into(),
            prom_status: Some("received".into()),
            created_at: Some(created),
            client: "Олена \"Лі\" Коваленко".into(),
            phone: Some("+380671112233".into()),
            email: Some("olena@example.com".into()),
            lines: vec![
                LocalLine {
                    product_id: Some(7),
                    ..LocalLine::default()
                },
                LocalLine::default(),
            ],
            imported_at: Utc::now(),
            updated_at: Utc::now(),
            ..LocalOrder::default()
        };
        let bytes = encode("orders", &o).unwrap();
        let h: OrderHead<'_> = decode_borrowed("orders", &bytes).unwrap();
        assert_eq!(h.prom_id, 42);
        assert_eq!(h.status, "pending");
        assert_eq!(h.prom_status.as_deref(), Some("received"));
        let at = DateTime::parse_from_rfc3339(h.created_at.as_deref().unwrap()).unwrap();
        assert_eq!(at, created);
        assert_eq!(h.client, o.client);
        assert_eq!(h.phone.as_deref(), o.phone.as_deref());
        assert_eq!(h.email.as_deref(), o.email.as_deref());
        let ids: Vec<Option<u64>> = h.lines.iter().map(|l| l.product_id).collect();
        assert_eq!(ids, vec![Some(7), None]);
        assert!(h.has_unlinked_lines());
    }

    #[test]
    fn find_keeps_what_is_asked_newest_first_up_to_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s")).unwrap();
        let orders: Vec<LocalOrder> = (1..=5)
            .map(|id| LocalOrder {
                prom_id: id,
                status: if id % 2 == 0 { "paid" } else { "pending" }.into(),
                imported_at: Utc::now(),
                updated_at: Utc::now(),
                ..LocalOrder::default()
            })
            .collect();
        let policy = crate::domain::ReservationPolicy {
            reserve_statuses: vec!["pending".into()],
            done_status: Some("delivered".into()),
            release_statuses: vec![],
            shipped_statuses: vec![],
            aliases: vec![],
            warehouse: "main".into(),
        };
        s.upsert_orders(&orders, &policy, &Default::default())
            .unwrap();
        let ids = |v: Vec<LocalOrder>| v.iter().map(|o| o.prom_id).collect::<Vec<_>>();
        let pending = |h: &OrderHead<'_>| h.status == "pending";
        assert_eq!(ids(s.find_orders(pending, None).unwrap()), vec![5, 3, 1]);
        assert_eq!(ids(s.find_orders(pending, Some(2)).unwrap()), vec![5, 3]);
        assert!(s.find_orders(|_| true, Some(0)).unwrap().is_empty());
        // Kept orders come back whole.
        assert_eq!(s.find_orders(|_| true, None).unwrap().len(), 5);
        assert_eq!(
            s.find_orders(|_| true, Some(1)).unwrap()[0],
            s.order(5).unwrap().unwrap()
        );
    }
}
