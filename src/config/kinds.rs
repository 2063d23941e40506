//! The options of each job kind, as `[[job]]` keys next to `name`, `kind`, `schedule`.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::MAX_BATCH;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PushStockOptions {
    /// Items per `products/edit` call (1..=100).
    pub batch_size: usize,
    /// Guard: the most products one run may change.
    pub max_changes: Option<usize>,
    /// Guard: the largest share of the linked catalogue (percent) one run may set to 0.
    /// On by default; 100 turns it off.
    pub max_zero_share_percent: Option<Decimal>,
    /// Push a linked product whose stock was never recorded in a pushed warehouse as 0
    /// (not available). Off by default: unknown stock is not pushed at all.
    pub push_unrecorded_as_zero: bool,
    /// After a run that sent items, read back up to this many products Prom.ua confirmed
    /// (`GET /products/{id}`) and fail those it shows otherwise; 0 turns it off.
    pub verify_sample: usize,
    /// The presence a product gets at stock 0 when neither its own setting nor
    /// `keep_presence` decides: `not_available`, `order` or `waiting`.
    pub out_of_stock_presence: String,
    /// At stock 0, a product Prom.ua shows with one of these presences (`order`,
    /// `waiting`) keeps it.
    pub keep_presence: Vec<String>,
    /// Hide (`status = not_on_display`) a product when it runs out and show it again
    /// when stock returns: only products this program hid itself.
    pub hide_when_out: bool,
    /// Guard: the largest share of the linked catalogue (percent) one run may hide.
    /// On by default; 100 turns it off.
    pub max_hide_share_percent: Option<Decimal>,
}

/// What presence and status a product gets when its stock runs out: the part of
/// push_stock's options `jobs/presence_rules.rs` decides by (borrowed from the job's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PresenceRules<'a> {
    pub out_of_stock_presence: &'a str,
    pub keep_presence: &'a [String],
    pub hide_when_out: bool,
}

impl PushStockOptions {
    pub fn presence_rules(&self) -> PresenceRules<'_> {
        PresenceRules {
            out_of_stock_presence: &self.out_of_stock_presence,
            keep_presence: &self.keep_presence,
            hide_when_out: self.hide_when_out,
        }
    }
}

/// The presences `out_of_stock_presence` and `keep_presence` may name.
pub use crate::domain::{KEPT_PRESENCES, OUT_OF_STOCK_PRESENCES};
/// The default hide-share guard (percent of the linked catalogue).
pub const DEFAULT_MAX_HIDE_SHARE_PERCENT: u32 = 20;

/// The default zero-share guard of a push_stock job (percent of the linked catalogue).
pub const DEFAULT_MAX_ZERO_SHARE_PERCENT: u32 = 20;
/// The default largest move of one price in one push_prices run (percent).
pub const DEFAULT_MAX_PRICE_CHANGE_PERCENT: u32 = 50;
/// The default read-back of a push run: a few requests that catch a field Prom.ua
/// confirms and ignores (prom-api.md §10).
pub const DEFAULT_VERIFY_SAMPLE: usize = 5;

impl Default for PushStockOptions {
    fn default() -> Self {
        Self {
            batch_size: MAX_BATCH,
            max_changes: None,
            max_zero_share_percent: Some(Decimal::from(DEFAULT_MAX_ZERO_SHARE_PERCENT)),
            push_unrecorded_as_zero: false,
            verify_sample: DEFAULT_VERIFY_SAMPLE,
            out_of_stock_presence: "not_available".into(),
            keep_presence: KEPT_PRESENCES.iter().map(|p| p.to_string()).collect(),
            hide_when_out: false,
            max_hide_share_percent: Some(Decimal::from(DEFAULT_MAX_HIDE_SHARE_PERCENT)),
        }
    }
}

/// How a local price becomes the Prom.ua price.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct PriceRules {
    /// Added percent (10 = +10 %).
    pub markup_percent: Decimal,
    /// Added amount, after the percent.
    pub markup_fixed: Decimal,
    /// Round to a multiple of this (e.g. 1, 0.5, 10), half up.
    pub round_step: Option<Decimal>,
    /// Then end the price with this fraction (e.g. 0.99: 120.40 becomes 119.99).
    pub ending: Option<Decimal>,
    /// Never below this.
    pub min_price: Option<Decimal>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PushPricesOptions {
    pub batch_size: usize,
    pub markup_percent: Decimal,
    pub markup_fixed: Decimal,
    pub round_step: Option<Decimal>,
    pub ending: Option<Decimal>,
    pub min_price: Option<Decimal>,
    /// Guard: the most products one run may change.
    pub max_changes: Option<usize>,
    /// Guard: the largest change of one price against what Prom.ua shows (percent).
    /// On by default; a large number loosens it.
    pub max_price_change_percent: Option<Decimal>,
    /// As `PushStockOptions::verify_sample`, for prices.
    pub verify_sample: usize,
    /// Send the back office's wholesale tiers as Prom's `prices` (only for products that
    /// have tiers, or had some sent).
    pub send_tiers: bool,
    /// Send the back office's discounts as Prom's `discount`, and remove them when they
    /// end (only for products with a discount in the back office, or one sent before).
    pub send_discounts: bool,
}

impl PushPricesOptions {
    pub fn rules(&self) -> PriceRules {
        PriceRules {
            markup_percent: self.markup_percent,
            markup_fixed: self.markup_fixed,
            round_step: self.round_step,
            ending: self.ending,
            min_price: self.min_price,
        }
    }
}

impl Default for PushPricesOptions {
    fn default() -> Self {
        Self {
            batch_size: MAX_BATCH,
            markup_percent: Decimal::ZERO,
            markup_fixed: Decimal::ZERO,
            round_step: None,
            ending: None,
            min_price: None,
            max_changes: None,
            max_price_change_percent: Some(Decimal::from(DEFAULT_MAX_PRICE_CHANGE_PERCENT)),
            verify_sample: DEFAULT_VERIFY_SAMPLE,
            send_tiers: true,
            send_discounts: true,
        }
    }
}

/// Where a local status goes on Prom.ua: a status, or a cancellation with its reason.
///
/// Read by hand rather than as an untagged enum: an untagged enum swallows the keys of
/// the table form, so a typo (`reasn`) would pass unseen and read as a missing reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum StatusTarget {
    Status(String),
    Detailed {
        status: String,
        #[serde(default)]
        reason: Option<String>,
        #[serde(default)]
        text: Option<String>,
    },
}

impl<'de> Deserialize<'de> for StatusTarget {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        /// The table form; its unknown keys reach `serde_ignored` like any other.
        #[derive(Deserialize)]
        struct Detailed {
            status: String,
            #[serde(default)]
            reason: Option<String>,
            #[serde(default)]
            text: Option<String>,
        }
        struct TargetVisitor;
        impl<'de> serde::de::Visitor<'de> for TargetVisitor {
            type Value = StatusTarget;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a Prom.ua status such as \"received\", or a table such as \
                     { status = \"canceled\", reason = \"buyers_request\" }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Self::Value, E> {
                Ok(StatusTarget::Status(s.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                let d = Detailed::deserialize(serde::de::value::MapAccessDeserializer::new(map))?;
                Ok(StatusTarget::Detailed {
                    status: d.status,
                    reason: d.reason,
                    text: d.text,
                })
            }
        }
        d.deserialize_any(TargetVisitor)
    }
}

impl StatusTarget {
    pub fn status(&self) -> &str {
        match self {
            StatusTarget::Status(s) | StatusTarget::Detailed { status: s, .. } => s,
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            StatusTarget::Detailed { reason, .. } => reason.as_deref(),
            StatusTarget::Status(_) => None,
        }
    }
    pub fn text(&self) -> Option<&str> {
        match self {
            StatusTarget::Detailed { text, .. } => text.as_deref(),
            StatusTarget::Status(_) => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PushStatusesOptions {
    /// Local status → Prom.ua status (or `{status, reason, text}` for cancellations).
    pub status_map: BTreeMap<String, StatusTarget>,
    pub max_changes: Option<usize>,
}

impl Default for PushStatusesOptions {
    fn default() -> Self {
        let map = [
            ("received", "received"),
            ("delivered", "delivered"),
            ("paid", "paid"),
        ]
        .into_iter()
        .map(|(a, b)| (a.to_string(), StatusTarget::Status(b.to_string())))
        .collect();
        Self {
            status_map: map,
            max_changes: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PullOrdersOptions {
    /// Each run re-reads this many minutes before the cursor (late or out-of-order changes).
    pub overlap_minutes: u32,
    /// The first run reads orders changed in the last this-many days.
    pub initial_days: u32,
    /// Guard: the most orders one run may import or change.
    pub max_changes: Option<usize>,
}

impl Default for PullOrdersOptions {
    fn default() -> Self {
        Self {
            overlap_minutes: 10,
            initial_days: 7,
            max_changes: None,
        }
    }
}

/// A `verify` job: reads what Prom.ua shows of the linked products and compares it with
/// what the back office would push now and with what Prom last confirmed
/// (`jobs/verify/`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct VerifyOptions {
    /// Send the back office's values for what drifted (through the push engine and the
    /// guards below). Off by default: a verify only reports.
    pub repair: bool,
    /// Items per `products/edit` call of a repair (1..=100).
    pub batch_size: usize,
    /// Guard: the most products one repair may change.
    pub max_changes: Option<usize>,
    /// Guard, as push_stock's: the largest share of the linked catalogue (percent) one
    /// repair may set to 0.
    pub max_zero_share_percent: Option<Decimal>,
    /// Guard, as push_prices': the largest move of one price against what Prom.ua shows.
    pub max_price_change_percent: Option<Decimal>,
    /// A run walks Prom's whole catalogue when the last full walk is older than this
    /// (0: every run); else it reads only the products changed since the last verify.
    pub full_walk_hours: u32,
    /// An incremental read starts this long before the last verify started (clocks and
    /// Prom's own bookkeeping are not exact).
    pub overlap_minutes: u32,
    /// Filled by the config compiler from the first `push_stock` job: what a push would
    /// send (whether stock never recorded counts as 0, the presence and hiding rules: a
    /// product kept at `order` is not drift) and its hide guard.
    #[serde(skip)]
    pub push_stock: PushStockOptions,
    /// Filled by the config compiler from the `push_prices` job (its rules); `None`
    /// without one: prices have no owner to compare with.
    #[serde(skip)]
    pub price_rules: Option<PriceRules>,
    /// Filled from the `push_prices` job: its `send_tiers` and `send_discounts` (what of
    /// the tiers and discounts it owns on Prom.ua, so what a verify compares).
    #[serde(skip)]
    pub price_extras: (bool, bool),
}

/// The default age of a verify's last full walk before the next run walks again (hours).
pub const DEFAULT_FULL_WALK_HOURS: u32 = 24;

impl Default for VerifyOptions {
    fn default() -> Self {
        Self {
            repair: false,
            batch_size: MAX_BATCH,
            max_changes: None,
            max_zero_share_percent: Some(Decimal::from(DEFAULT_MAX_ZERO_SHARE_PERCENT)),
            max_price_change_percent: Some(Decimal::from(DEFAULT_MAX_PRICE_CHANGE_PERCENT)),
            full_walk_hours: DEFAULT_FULL_WALK_HOURS,
            overlap_minutes: 10,
            push_stock: PushStockOptions::default(),
            price_rules: None,
            price_extras: (true, true),
        }
    }
}

impl VerifyOptions {
    /// The push_stock guards a repair of stock honours.
    pub fn stock_guards(&self) -> PushStockOptions {
        PushStockOptions {
            batch_size: self.batch_size,
            max_changes: self.max_changes,
            max_zero_share_percent: self.max_zero_share_percent,
            // A repair reads back as a push does: that is how a route Prom ignores is found.
            verify_sample: DEFAULT_VERIFY_SAMPLE,
            ..self.push_stock.clone()
        }
    }

    /// The push_prices rules and guards a repair of prices honours.
    pub fn price_options(&self) -> PushPricesOptions {
        let rules = self.price_rules.clone().unwrap_or_default();
        PushPricesOptions {
            batch_size: self.batch_size,
            markup_percent: rules.markup_percent,
            markup_fixed: rules.markup_fixed,
            round_step: rules.round_step,
            ending: rules.ending,
            min_price: rules.min_price,
            max_changes: self.max_changes,
            max_price_change_percent: self.max_price_change_percent,
            verify_sample: DEFAULT_VERIFY_SAMPLE,
            send_tiers: self.price_extras.0,
            send_discounts: self.price_extras.1,
        }
    }
}

/// What `import_products` does with the Prom.ua catalogue (products match by identical SKU).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Link SKU matches, then take the quantities changed on Prom.ua since our last
    /// confirmed push (all of them on a first import) into the job's warehouse, set so
    /// that push_stock sends Prom's figure back unchanged (`jobs/import_products/balances.rs`).
    UpdateBalances,
    /// Link SKU matches; create a local product (no stock recorded) for each Prom product
    /// whose SKU matches nothing.
    CreateMissing,
    /// Link SKU matches; nothing else.
    LinkOnly,
    /// Keep the Prom products in the staging area; create and link nothing.
    Stage,
}

impl ImportMode {
    pub fn name(self) -> &'static str {
        match self {
            ImportMode::UpdateBalances => "update_balances",
            ImportMode::CreateMissing => "create_missing",
            ImportMode::LinkOnly => "link_only",
            ImportMode::Stage => "stage",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ImportProductsOptions {
    pub mode: ImportMode,
    /// The warehouse `update_balances` sets (default: the first of [sync] warehouses).
    pub warehouse: Option<String>,
    pub max_changes: Option<usize>,
}

impl Default for ImportProductsOptions {
    fn default() -> Self {
        Self {
            mode: ImportMode::LinkOnly,
            warehouse: None,
            max_changes: None,
        }
    }
}
