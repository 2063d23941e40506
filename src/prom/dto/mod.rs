//! Prom.ua's JSON shapes (prom-api.md sections 2 to 5). Every field the spec does not
//! promise is optional; unknown fields are ignored and unknown enum values kept as text.
//! Ids are read from numbers or numeric text (`lenient.rs`); lists item by item, an item
//! without a readable id skipped and noted (`listed.rs`); the answers of the write calls
//! never refused once Prom.ua has applied them (`reply.rs`).

mod group;
mod lenient;
mod listed;
mod multilang;
mod order;
mod order_parts;
mod price_patch;
mod product;
mod reply;
mod status_options;
mod text_enum;

pub use crate::domain::Money;
pub use group::{Group, GroupsPage};
pub(crate) use listed::read_one;
pub use order::{
    Cancellation, CancellationReason, CpaCommission, DeliveryProvider, DeliveryProviderData,
    DeliveryRecipient, NamedOption, Order, OrderFilter, OrderLine, OrderStatus, PaymentData,
    SetStatus, SortDir, Utm, prom_datetime,
};
pub(crate) use order::{OrderEnvelope, OrdersPage};
pub use product::*;
pub use reply::{EditResult, ReplyId, SetStatusResult};
pub use status_options::{
    OrderStatusOption, SetCustomStatus, StatusOptionsRead, read_status_options,
};
