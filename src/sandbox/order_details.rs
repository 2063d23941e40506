//! What a sandbox order carries besides its status and lines: the buyer's comment, the
//! delivery, the payment, the promotion (prom-api.md §4.5), and fields a test wants shown
//! exactly as given. `order_json` renders them in Prom's shapes.

use rand::Rng;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A sandbox order's details, flattened into its control-API JSON with Prom's names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SandboxOrderDetails {
    /// The buyer's comment.
    pub client_notes: Option<String>,
    /// `None`: one made up from the order id.
    pub client_id: Option<i64>,
    /// `None`: a Kyiv branch.
    pub delivery_address: Option<String>,
    /// `W2W` unless given.
    pub delivery_type: Option<String>,
    pub sender_warehouse_id: Option<String>,
    /// `None`: a Nova Poshta branch's Ref.
    pub recipient_warehouse_id: Option<String>,
    /// The waybill (TTN).
    pub declaration_number: Option<String>,
    pub delivery_recipient: Option<Value>,
    /// `None`: cash on delivery.
    pub payment_option: Option<String>,
    /// Prom's own payment (`evopay`): `paid`, `unpaid`, `refunded`, `paid_out`.
    pub payment_status: Option<String>,
    /// `portal` unless given.
    pub source: Option<String>,
    pub special_offer_discount: Option<Decimal>,
    pub special_offer_promocode: Option<String>,
    pub cancellation_text: Option<String>,
    pub utm: Option<Value>,
    pub dont_call_customer_back: bool,
    /// Fields shown exactly as given, over what the order renders (odd types, a fixture):
    /// `/__sandbox/orders/{id}/raw`.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub raw: Map<String, Value>,
}

const NOTES: [&str; 4] = [
    "Передзвоніть після 18:00, будь ласка",
    "Подарункова упаковка, якщо можна",
    "Доставка на вихідних",
    "Не дзвоніть, напишіть у Viber",
];

impl SandboxOrderDetails {
    /// What a seller's real orders carry, varied by `rng` for order `i`.
    pub(crate) fn generated(rng: &mut impl Rng, i: usize, status: &str) -> Self {
        let shipped = matches!(status, "received" | "delivered" | "paid");
        Self {
            client_notes: rng
                .random_bool(0.3)
                .then(|| NOTES[rng.random_range(0..NOTES.len())].into()),
            delivery_address: Some(format!(
                "Київ, Відділення №{}: вул. Хрещатик, {}",
                rng.random_range(1..300),
                rng.random_range(1..60)
            )),
            declaration_number: shipped
                .then(|| format!("2045{:010}", rng.random_range(0..10_000_000_000_u64))),
            payment_status: rng
                .random_bool(0.3)
                .then(|| if status == "paid" { "paid" } else { "unpaid" }.into()),
            payment_option: None,
            source: Some(["portal", "company_site", "mobile_app", "bigl"][i % 4].into()),
            special_offer_discount: rng
                .random_bool(0.1)
                .then(|| Decimal::from(rng.random_range(1..20) * 10)),
            special_offer_promocode: None,
            dont_call_customer_back: rng.random_bool(0.05),
            ..Self::default()
        }
    }
}
