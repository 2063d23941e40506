//! The shop's own order statuses as `order_status_options/list` last gave them, kept in
//! `meta` with when they were read (and when a read was last tried, and why it failed):
//! a failed read keeps the list before it. And the form of `set_status` Prom.ua last took
//! for a custom status, so the next push tries it first.

use chrono::{DateTime, Utc};

use super::codec::{decode, encode};
use super::{Result, Store};
use crate::domain::{CustomStatusForm, ReservationPolicy, ShopStatus, ShopStatuses};

/// The `meta` key of the [`ShopStatuses`] (JSON).
pub(super) const SHOP_STATUSES_KEY: &str = "shop_statuses";
/// The `meta` key of the [`CustomStatusForm`] Prom.ua last took (JSON).
pub(super) const CUSTOM_STATUS_FORM_KEY: &str = "custom_status_form";

impl Store {
    /// The shop's statuses as last read (`None`: never tried).
    pub fn shop_statuses(&self) -> Result<Option<ShopStatuses>> {
        self.trees
            .meta
            .get(SHOP_STATUSES_KEY)?
            .map(|v| decode("meta", &v))
            .transpose()
    }

    /// Keeps what a read at `at` gave: the list, or why it failed (the list before it
    /// stays). Returns what is kept now.
    pub fn keep_shop_statuses(
        &self,
        read: std::result::Result<Vec<ShopStatus>, String>,
        at: DateTime<Utc>,
    ) -> Result<ShopStatuses> {
        let kept = match read {
            Ok(options) => ShopStatuses::read(options, at),
            Err(why) => {
                let mut before = self.shop_statuses()?.unwrap_or(ShopStatuses {
                    read_at: None,
                    options: Vec::new(),
                    tried_at: at,
                    last_error: None,
                });
                before.tried_at = at;
                before.last_error = Some(why);
                before
            }
        };
        let _writing = self.writing_aside();
        self.trees
            .meta
            .insert(SHOP_STATUSES_KEY, encode("meta", &kept)?)?;
        Ok(kept)
    }

    /// `base` with the shop's statuses resolved ([`ReservationPolicy::for_shop`]): what
    /// every order's stock is settled under.
    pub fn shop_policy(&self, base: &ReservationPolicy) -> Result<ReservationPolicy> {
        let shop = self.shop_statuses()?;
        Ok(base.for_shop(shop.as_ref().filter(|s| s.read_at.is_some())))
    }

    /// The form of `set_status` Prom.ua last took for a custom status.
    pub fn custom_status_form(&self) -> Result<Option<CustomStatusForm>> {
        self.trees
            .meta
            .get(CUSTOM_STATUS_FORM_KEY)?
            .map(|v| decode("meta", &v))
            .transpose()
    }

    pub fn set_custom_status_form(&self, form: CustomStatusForm) -> Result<()> {
        let _writing = self.writing_aside();
        self.trees
            .meta
            .insert(CUSTOM_STATUS_FORM_KEY, encode("meta", &form)?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_read_keeps_the_list_before_it() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(s.shop_statuses().unwrap(), None);
        let t1 = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let t2 = DateTime::from_timestamp(1_800_000_600, 0).unwrap();
        let failed = s.keep_shop_statuses(Err("HTTP 404".into()), t1).unwrap();
        assert_eq!((failed.read_at, failed.options.len()), (None, 0));
        let option = ShopStatus {
            id: Some(1001),
            name: Some("custom-1001".into()),
            title: Some("Чекає".into()),
        };
        s.keep_shop_statuses(Ok(vec![option.clone()]), t1).unwrap();
        s.keep_shop_statuses(Err("HTTP 500".into()), t2).unwrap();
        let kept = s.shop_statuses().unwrap().unwrap();
        assert_eq!(kept.read_at, Some(t1));
        assert_eq!(kept.tried_at, t2);
        assert_eq!(kept.options, vec![option]);
        assert_eq!(kept.last_error.as_deref(), Some("HTTP 500"));
        assert_eq!(s.custom_status_form().unwrap(), None);
        s.set_custom_status_form(CustomStatusForm::Id).unwrap();
        assert_eq!(s.custom_status_form().unwrap(), Some(CustomStatusForm::Id));
        // Both read back at open, as every `meta` record the codec knows.
        drop(s);
        let s = Store::open(&dir.path().join("s")).unwrap();
        assert_eq!(s.shop_statuses().unwrap().unwrap().read_at, Some(t1));
    }
}
