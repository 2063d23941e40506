//! Prom.ua's words for things (`../shared/prom-api.md` sections 3 and 4.3).

/// At most this many items in one `products/edit` call.
pub const MAX_BATCH: usize = 100;

/// `presence` of a product that can be bought now.
pub const AVAILABLE: &str = "available";
/// `presence` of a product that is out of stock.
pub const NOT_AVAILABLE: &str = "not_available";
/// `presence` of a product sold to order ("під замовлення").
pub const ORDER: &str = "order";
/// `presence` of a product awaited ("очікується").
pub const WAITING: &str = "waiting";
/// Every presence this program sends.
pub const PRESENCES: [&str; 4] = [AVAILABLE, NOT_AVAILABLE, ORDER, WAITING];
/// The presences a product may be given at stock 0 (`out_of_stock_presence`, a product's
/// own setting).
pub const OUT_OF_STOCK_PRESENCES: [&str; 3] = [NOT_AVAILABLE, ORDER, WAITING];
/// The presences a seller sets that `keep_presence` may keep.
pub const KEPT_PRESENCES: [&str; 2] = [ORDER, WAITING];

/// Prom.ua's order statuses (a seller's custom status is kept as text beside these).
pub const ORDER_STATUSES: [&str; 6] = [
    "pending",
    "received",
    "delivered",
    "canceled",
    "draft",
    "paid",
];

/// Why an order is cancelled (`orders/set_status` with `canceled`).
pub const CANCELLATION_REASONS: [&str; 8] = [
    "not_available",
    "price_changed",
    "buyers_request",
    "not_enough_fields",
    "duplicate",
    "invalid_phone_number",
    "less_than_minimal_price",
    "another",
];

/// The cancellation reasons Prom.ua accepts only with a `cancellation_text`.
pub const REASONS_NEEDING_TEXT: [&str; 3] = ["price_changed", "not_enough_fields", "another"];

/// Which edit call carries stock (`[prom] stock_route`). Prom's public typed clients list
/// `quantity_in_stock` only on `products/edit_by_external_id` (prom-api.md §10), so a shop
/// whose `products/edit` confirms a quantity and ignores it must be reached by external id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StockRoute {
    /// `products/edit` until a read-back shows it ignores `quantity_in_stock`, then
    /// `edit_by_external_id` (the switch is kept in the store).
    #[default]
    Auto,
    /// Always `products/edit`, whatever a read-back shows.
    Edit,
    /// Always `products/edit_by_external_id` (products without an external id fail).
    EditByExternalId,
}

impl StockRoute {
    pub fn name(self) -> &'static str {
        match self {
            StockRoute::Auto => "auto",
            StockRoute::Edit => "edit",
            StockRoute::EditByExternalId => "edit_by_external_id",
        }
    }
}
