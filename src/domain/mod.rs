//! The vocabulary every layer shares, and nothing else: money as Prom.ua writes it, Prom's
//! order statuses, cancellation reasons and presence values, the limits both sides agree on,
//! the reservation policy, the shop's own statuses, "did you mean" (`near`), SKU identity (`sku`), and comparing a secret (`secret`). It imports no other module of the crate, so `store`, `prom`
//! and `config` can all use it without importing each other.

mod money;
mod near;
pub mod price_terms;
mod prom_terms;
mod reservation;
pub mod secret;
mod shop_statuses;
pub mod sku;

pub use money::Money;
pub use near::{closest, distance};
pub use price_terms::{Discount, DiscountKind, Tier};
pub use prom_terms::{
    AVAILABLE, CANCELLATION_REASONS, KEPT_PRESENCES, MAX_BATCH, NOT_AVAILABLE, ORDER,
    ORDER_STATUSES, OUT_OF_STOCK_PRESENCES, PRESENCES, REASONS_NEEDING_TEXT, StockRoute, WAITING,
};
pub use reservation::{ReservationPolicy, StatusClass};
pub use shop_statuses::{
    CustomStatusForm, ShopStatus, ShopStatuses, StatusWord, custom_name_id, status_word,
};

/// The largest stock quantity the ledger holds (and that a file, a person or Prom.ua may
/// set): a billion is beyond any real shelf, and far from `i64` overflow when summed.
pub const MAX_QUANTITY: i64 = 1_000_000_000;
