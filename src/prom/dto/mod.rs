//! Prom.ua's JSON shapes (prom-api.md sections 2 to 5). Every field the spec does not
//! promise is optional; unknown fields are ignored and unknown enum values kept as text.

mod group;
mod lenient;
mod multilang;
mod order;
mod product;
mod text_enum;

pub use crate::domain::Money;
pub use group::{Group, GroupsPage};
pub use order::{
    CancellationReason, DeliveryProvider, DeliveryProviderData, Order, OrderFilter, OrderLine,
    OrderStatus, OrderStatusOption, SetStatus, SortDir, prom_datetime,
};
pub(crate) use order::{OrderEnvelope, OrderStatusOptions, OrdersPage, SetStatusResponse};
pub use product::*;
