//! Which local order statuses hold stock, and which one ships it.

/// Which local statuses hold stock, which one ships it, and from where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReservationPolicy {
    pub reserve_statuses: Vec<String>,
    /// Reaching it turns the order's reservation into a stock move (once).
    pub done_status: Option<String>,
    pub warehouse: String,
}
