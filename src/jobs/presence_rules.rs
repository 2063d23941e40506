//! Pure: what presence and status a linked product should show on Prom.ua for its stock.
//! One function decides for every caller (push_stock, the on-change push, verify's
//! comparison and repair), so what a push sends is what a verify expects.
//!
//! Presence: above 0 `available`; at 0, first the product's own setting
//! (`products set-presence`), then the presence Prom.ua shows if `keep_presence` names
//! it, then the job's `out_of_stock_presence`.
//!
//! Status (with `hide_when_out`): at 0 a product Prom.ua shows on display is hidden
//! (`not_on_display`) and marked as hidden by us; when stock returns, only a product we
//! hid is shown again. A product hidden, drafted or deleted by the seller is never touched.

use serde::Serialize;

use crate::config::PresenceRules;
use crate::domain::{AVAILABLE, NOT_AVAILABLE};

pub use crate::domain::{ORDER, WAITING};
pub const ON_DISPLAY: &str = "on_display";
pub const NOT_ON_DISPLAY: &str = "not_on_display";
pub const DRAFT: &str = "draft";
pub const DELETED: &str = "deleted";

/// A presence word as a `&'static str` (the four an edit may set), `None` for others.
pub fn presence_word(p: &str) -> Option<&'static str> {
    crate::domain::PRESENCES.into_iter().find(|w| *w == p)
}

/// What is known of one product besides its stock.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Known<'a> {
    /// The product's own out-of-stock presence (`products set-presence`), if set.
    pub setting: Option<&'a str>,
    /// The presence Prom.ua showed last (a read, or our confirmed write), if known.
    pub prom_presence: Option<&'a str>,
    /// The status Prom.ua showed last; `None`: on display as far as we know.
    pub prom_status: Option<&'a str>,
    /// This program hid the product (its confirmed write of `not_on_display`).
    pub hidden_by_us: bool,
    /// This program sent a hide that is not confirmed (a lost answer, a crash, a refusal):
    /// ours to show, and sent again at 0 (the read before a hide tells ours from theirs).
    pub hide_pending: bool,
}

/// Why a presence was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceWhy {
    InStock,
    ProductSetting,
    KeptFromProm,
    JobOption,
}

/// A status to send and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusWhy {
    /// Out of stock: hidden.
    Hide,
    /// Stock is back (or hiding was turned off): shown again, as we hid it.
    Show,
}

/// What Prom.ua should show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub quantity: i64,
    pub presence: &'static str,
    pub presence_why: PresenceWhy,
    /// A status to send, if one must change.
    pub status: Option<(&'static str, StatusWhy)>,
    /// Hidden by us once this is confirmed.
    pub hidden_by_us: bool,
}

/// Decides for a stock level (already less reservations and the buffer).
pub fn decide(stock: i64, known: Known<'_>, rules: &PresenceRules) -> Wanted {
    let quantity = stock.max(0);
    let (presence, presence_why) = if quantity > 0 {
        (AVAILABLE, PresenceWhy::InStock)
    } else if let Some(p) = known.setting.and_then(presence_word) {
        (p, PresenceWhy::ProductSetting)
    } else if let Some(p) = known
        .prom_presence
        .filter(|p| rules.keep_presence.iter().any(|k| k == p))
        .and_then(presence_word)
    {
        (p, PresenceWhy::KeptFromProm)
    } else {
        (
            presence_word(rules.out_of_stock_presence).unwrap_or(NOT_AVAILABLE),
            PresenceWhy::JobOption,
        )
    };
    let on_display = known.prom_status.is_none_or(|s| s == ON_DISPLAY);
    // A product we hid that the seller has since made a draft or deleted is theirs
    // again: the mark goes (in the store only, nothing is sent). Under moderation
    // (`approval_pending`, `editing_required`) it is still ours, left alone until Prom
    // shows it hidden or on display again.
    let taken_back = known
        .prom_status
        .is_some_and(|s| s == DRAFT || s == DELETED);
    let settled = known
        .prom_status
        .is_none_or(|s| s == NOT_ON_DISPLAY || s == ON_DISPLAY);
    let ours = known.hidden_by_us || known.hide_pending;
    let (status, hidden_by_us) = if ours && taken_back {
        (None, false)
    } else if ours && !settled {
        (None, true)
    } else if ours {
        if quantity > 0 || !rules.hide_when_out {
            (Some((ON_DISPLAY, StatusWhy::Show)), false)
        } else if known.hidden_by_us {
            (None, true)
        } else {
            (Some((NOT_ON_DISPLAY, StatusWhy::Hide)), true)
        }
    } else if quantity == 0 && rules.hide_when_out && on_display {
        (Some((NOT_ON_DISPLAY, StatusWhy::Hide)), true)
    } else {
        (None, false)
    };
    Wanted {
        quantity,
        presence,
        presence_why,
        status,
        hidden_by_us,
    }
}

impl Wanted {
    /// The plan's words for the presence chosen, e.g. "stock 0 -> order (product setting)".
    pub fn presence_reason(&self) -> String {
        match self.presence_why {
            PresenceWhy::InStock => format!("stock {} -> {}", self.quantity, self.presence),
            PresenceWhy::ProductSetting => {
                format!("stock 0 -> {} (product setting)", self.presence)
            }
            PresenceWhy::KeptFromProm => {
                format!("kept {} (Prom shows {})", self.presence, self.presence)
            }
            PresenceWhy::JobOption => {
                format!("stock 0 -> {} (out_of_stock_presence)", self.presence)
            }
        }
    }

    /// The plan's words for a status sent, if one is.
    pub fn status_reason(&self) -> Option<&'static str> {
        self.status.map(|(_, why)| match why {
            StatusWhy::Hide => "out of stock: hidden (hide_when_out)",
            StatusWhy::Show => "shown again (hidden by promua-sync)",
        })
    }
}

#[cfg(test)]
#[path = "presence_rules_tests.rs"]
mod tests;
