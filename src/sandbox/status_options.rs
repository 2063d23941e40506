//! The shop's order statuses in the sandbox (`order_status_options/list`): Prom.ua's five
//! with their Ukrainian titles and one of the seller's own, `custom-1001`; replaced with
//! `PUT /__sandbox/order_status_options`. `orders/set_status` sets a seller's status the
//! list has, by name or by `custom_status_id` ([`CustomStatusForm`] narrows it to one).

use serde::{Deserialize, Serialize};

use super::model::status_title;

/// One of the shop's statuses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxStatusOption {
    pub id: i64,
    /// What orders show in `status`.
    pub name: String,
    /// What they show in `status_name`.
    pub title: String,
}

/// The forms of `orders/set_status` the sandbox takes for a seller's own status (a
/// quirk: which one live Prom.ua takes is not certain, prom-api.md §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomStatusForm {
    /// `status = "custom-1001"` and `custom_status_id = 1001` both.
    #[default]
    Both,
    /// Only `status = "custom-1001"`; a `custom_status_id` is ignored.
    NameOnly,
    /// Only `custom_status_id = 1001`; a custom name in `status` is refused.
    IdOnly,
}

/// The list a new sandbox starts with.
pub fn default_options() -> Vec<SandboxStatusOption> {
    [
        (0, "pending"),
        (1, "received"),
        (3, "delivered"),
        (4, "canceled"),
        (6, "paid"),
    ]
    .into_iter()
    .map(|(id, name)| SandboxStatusOption {
        id,
        name: name.into(),
        title: status_title(name).into(),
    })
    .chain(std::iter::once(SandboxStatusOption {
        id: 1001,
        name: "custom-1001".into(),
        title: "Чекає на передоплату".into(),
    }))
    .collect()
}

/// A seller's own status of `options` (none of Prom.ua's) with this name or id.
pub(crate) fn custom<'a>(
    options: &'a [SandboxStatusOption],
    name: Option<&str>,
    id: Option<i64>,
) -> Option<&'a SandboxStatusOption> {
    options
        .iter()
        .filter(|o| !crate::domain::ORDER_STATUSES.contains(&o.name.as_str()))
        .find(|o| Some(o.name.as_str()) == name || Some(o.id) == id)
}

/// An order's `status_name`: the list's title for its status, else Prom's own label.
pub(crate) fn title_of(options: &[SandboxStatusOption], status: &str) -> String {
    options
        .iter()
        .find(|o| o.name == status)
        .map_or_else(|| status_title(status).to_string(), |o| o.title.clone())
}
