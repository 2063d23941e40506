//! What the order operations answer: an order with its lines, its details
//! (`order_detail_views.rs`), what it reserves and ships, its products named by SKU.

use chrono::{DateTime, FixedOffset, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::Shortfall;
use super::order_detail_views::{MoneyView, OrderDetailsView, currency_of};
use crate::domain::Money;
use crate::store::{LocalLine, LocalOrder};

/// A line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineView {
    pub prom_product_id: Option<i64>,
    pub sku: Option<String>,
    pub name: String,
    pub quantity: Decimal,
    #[serde(default)]
    pub measure_unit: Option<String>,
    #[serde(default)]
    pub price: Option<MoneyView>,
    #[serde(default)]
    pub total_price: Option<MoneyView>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub image: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// The local product, once linked.
    pub product_id: Option<u64>,
    /// Linked by hand (`orders link-line`): a pull keeps it on that product.
    #[serde(default)]
    pub hand_linked: bool,
    /// The local product's SKU; `None` while the line is unlinked.
    #[serde(default)]
    pub local_sku: Option<String>,
}

/// A quantity of a local product, named by its SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkuQuantity {
    pub product_id: u64,
    /// `None` when the product no longer exists.
    pub sku: Option<String>,
    pub quantity: i64,
}

impl SkuQuantity {
    /// (product id, quantity) pairs, their SKUs not looked up yet.
    fn unnamed(pairs: &[(u64, i64)]) -> Vec<Self> {
        pairs
            .iter()
            .map(|&(product_id, quantity)| Self {
                product_id,
                sku: None,
                quantity,
            })
            .collect()
    }
}

impl OrderLineView {
    /// The line, its sums in the order's currency when they name none.
    fn of(l: LocalLine, currency: Option<&str>) -> Self {
        let money = |m: &Option<Money>| m.as_ref().map(|m| MoneyView::of(m, currency));
        Self {
            price: money(&l.price),
            total_price: money(&l.total_price),
            prom_product_id: l.prom_product_id,
            sku: l.sku,
            name: l.name,
            quantity: l.quantity,
            measure_unit: l.measure_unit,
            external_id: l.external_id,
            image: l.image,
            url: l.url,
            product_id: l.product_id,
            hand_linked: l.hand_linked,
            local_sku: None,
        }
    }
}

/// Who placed an order (flattened into the order's JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuyerView {
    /// The buyer's name parts, joined.
    pub client: String,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// An order imported from Prom.ua, with what it reserves and ships.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderView {
    pub prom_id: i64,
    /// The back office's status.
    pub status: String,
    /// Prom.ua's status as last read or confirmed.
    pub prom_status: Option<String>,
    /// A status was sent and not confirmed: Prom.ua may show it rather than `prom_status`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub prom_status_unconfirmed: bool,
    /// The Prom.ua statuses pushes sent since its last confirmation (after the status map).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statuses_sent: Vec<String>,
    /// The local status was changed here and Prom.ua has not confirmed it yet.
    pub status_pending: bool,
    /// When the local status was last set here (a conflict with Prom's goes to the later).
    #[serde(default)]
    pub status_changed_at: Option<DateTime<Utc>>,
    pub created_at: Option<DateTime<FixedOffset>>,
    pub modified_at: Option<DateTime<FixedOffset>>,
    #[serde(flatten)]
    pub buyer: BuyerView,
    /// Prom's `price`: the order without delivery.
    pub total: Option<MoneyView>,
    /// `status_name`, `source`, `buyer`, `delivery`, `payment`, `money`, `cancellation`,
    /// `utm`.
    #[serde(flatten)]
    pub details: OrderDetailsView,
    pub lines: Vec<OrderLineView>,
    // The API always sends these four: unlike the stored record, no defaults for
    // answers written before they existed.
    /// What the order reserves now: (product id, quantity).
    pub reserved: Vec<(u64, i64)>,
    /// `reserved`, named by SKU.
    #[serde(default)]
    pub reserved_by_sku: Vec<SkuQuantity>,
    /// The order is at the done status: it reserves nothing.
    pub stock_moved: bool,
    /// What its done status moved out of stock: (product id, quantity).
    pub shipped: Vec<(u64, i64)>,
    /// `shipped`, named by SKU.
    #[serde(default)]
    pub shipped_by_sku: Vec<SkuQuantity>,
    /// First seen already done and created before order tracking started: its stock
    /// left before the back office knew it.
    pub adopted_done: bool,
    /// The order holds its lines' stock (its status reserves, or a status nobody named
    /// kept it holding).
    #[serde(default)]
    pub holds: bool,
    pub imported_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// After a status change: products it left with less stock than is reserved, or below 0.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<Shortfall>,
}

impl OrderView {
    /// A line matches no local product.
    pub fn has_unlinked_lines(&self) -> bool {
        self.lines.iter().any(|l| l.product_id.is_none())
    }

    /// Names the local products by SKU (`sku_of` a product id; `None` for one that no
    /// longer exists): each linked line, what the order reserves and what it shipped.
    pub fn name_products<E>(
        &mut self,
        mut sku_of: impl FnMut(u64) -> Result<Option<String>, E>,
    ) -> Result<(), E> {
        for l in &mut self.lines {
            l.local_sku = match l.product_id {
                Some(id) => sku_of(id)?,
                None => None,
            };
        }
        for q in self
            .reserved_by_sku
            .iter_mut()
            .chain(&mut self.shipped_by_sku)
        {
            q.sku = sku_of(q.product_id)?;
        }
        Ok(())
    }
}

/// The order with its products' SKUs not looked up yet (see [`OrderView::name_products`]).
impl From<LocalOrder> for OrderView {
    fn from(o: LocalOrder) -> Self {
        let holds = o.holds.unwrap_or(!o.reserved.is_empty());
        let currency = currency_of(&o);
        let currency = currency.as_deref();
        let details = OrderDetailsView::of(&o, currency);
        Self {
            prom_id: o.prom_id,
            status: o.status,
            prom_status: o.prom_status,
            prom_status_unconfirmed: o.prom_status_unconfirmed,
            statuses_sent: o.statuses_sent,
            status_pending: o.status_pending,
            status_changed_at: o.status_changed_at,
            created_at: o.created_at,
            modified_at: o.modified_at,
            buyer: BuyerView {
                client: o.client,
                phone: o.phone,
                email: o.email,
            },
            total: o.total.as_ref().map(|m| MoneyView::of(m, currency)),
            details,
            lines: o
                .lines
                .into_iter()
                .map(|l| OrderLineView::of(l, currency))
                .collect(),
            reserved_by_sku: SkuQuantity::unnamed(&o.reserved),
            reserved: o.reserved,
            stock_moved: o.stock_moved,
            shipped_by_sku: SkuQuantity::unnamed(&o.shipped),
            shipped: o.shipped,
            adopted_done: o.adopted_done,
            holds,
            imported_at: o.imported_at,
            updated_at: o.updated_at,
            warnings: Vec::new(),
        }
    }
}

/// What `orders link-line` did: the order as it is now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLineLinked {
    /// `false`: the line was on that product already, and nothing was written.
    pub changed: bool,
    pub order: OrderView,
}
