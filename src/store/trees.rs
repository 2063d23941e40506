//! The fixed set of trees, each by name, and the transactions over them: inside one,
//! code reads `tx.stock` and `tx.journal`, never a position in a tuple.

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};

use super::{Result, Store, StoreError};

/// Declares [`Trees`] from one list of (field, tree name): the only place where the
/// order of the trees matters, so that a field always gets its own tree.
macro_rules! trees {
    ($($(#[$doc:meta])* $field:ident: $name:literal,)+) => {
        /// One of each tree of the store: `Trees<sled::Tree>` in the store,
        /// [`Tx`] inside a transaction.
        #[derive(Clone)]
        pub(super) struct Trees<T> {
            $($(#[$doc])* pub(super) $field: T,)+
        }

        /// How many trees there are.
        pub(super) const COUNT: usize = [$($name),+].len();

        impl<T> Trees<T> {
            /// Every tree made from its name (sled's name on disk), in list order.
            pub(super) fn try_from_names<E>(
                mut make: impl FnMut(&'static str) -> std::result::Result<T, E>,
            ) -> std::result::Result<Self, E> {
                Ok(Self { $($field: make($name)?,)+ })
            }

            /// Every tree with its name, in list order.
            pub(super) fn named(&self) -> [(&'static str, &T); COUNT] {
                [$(($name, &self.$field)),+]
            }
        }
    };
}

trees! {
    /// `generation` (see `durability.rs`), the orders cursor, and the stock route learnt
    /// from a read-back (`stock_route.rs`).
    meta: "meta",
    /// Product id → [`super::Product`].
    products: "products",
    /// SKU → product id.
    sku_index: "sku_index",
    /// (product id, warehouse) → quantity.
    stock: "stock",
    /// Product id → Prom id.
    links: "links",
    /// Prom id → product id.
    links_by_prom: "links_by_prom",
    /// Product id → [`super::StockSnapshot`]: the stock Prom.ua last confirmed.
    snapshots: "stock_snapshots",
    /// (job, start) → [`crate::report::RunRecord`].
    runs: "runs",
    /// Every stock move: sequence number → [`super::JournalEntry`].
    journal: "journal",
    /// Linked products changed since their last on-change push.
    dirty: "dirty",
    /// Warehouse names ever used.
    warehouses: "warehouses",
    /// Prom order id → [`super::LocalOrder`].
    orders: "orders",
    /// Product id → quantity reserved by open orders (the sum of their `reserved`).
    reserved: "reserved",
    /// Product id → [`super::PriceSnapshot`]: the price Prom.ua last confirmed.
    price_snapshots: "price_snapshots",
    /// Prom id → [`super::StagedProduct`]: Prom products downloaded without creating anything.
    staged: "staged",
    /// Prom id → when Prom.ua answered 404 for it (i64 µs since the epoch): a product
    /// deleted on Prom.ua. Links to it stay, and the push planners skip them.
    gone: "gone_prom",
    /// Prom ids a catalogue walk showed (empty values): the ids `links link` takes
    /// without `--force`.
    seen_prom: "seen_prom",
    /// Product id → the Prom id it was unlinked from by hand, and when (i64, i64 µs):
    /// automatic linking leaves both alone until they are linked by hand.
    hand_unlinks: "hand_unlinks",
    /// Prom id → the product's external id on Prom.ua (UTF-8 text, never empty), as the
    /// last catalogue walk or read of it showed: the id `products/edit_by_external_id`
    /// takes when stock goes that way.
    external_ids: "prom_external_ids",
    /// Prom order id → [`super::OrderHead`]: what an order search filters on, written
    /// with the order (`order_scan.rs`).
    order_heads: "order_heads",
    /// The orders' secondary keys (unlinked lines, status) → nothing (`order_index.rs`).
    order_index: "order_index",
    /// (job, 0, item key) → nothing: the recurring items (hard cases, orders with unlinked
    /// lines) the daemon's log has warned of, so it does not again (`warned.rs`).
    warned: "warned",
    /// Block (product id >> 6) → the planners' rows of its linked products
    /// (`plan_view.rs`, `plan_block.rs`).
    plan_view: "plan_view",
    /// Product id → the sequence of the write that changed its plan-view row since the
    /// view last took it in.
    view_stale: "view_stale",
    /// What no link holds: local products, staged Prom products, and the staged products
    /// by cleaned SKU, each key → nothing (`link_free.rs`).
    link_free: "link_free",
    /// Product id → its own out-of-stock presence (`order`, `waiting`, `not_available`;
    /// UTF-8), set by `products set-presence` (`presence_marks.rs`).
    presence_settings: "presence_settings",
    /// Prom id → what Prom.ua last showed (a read, or our confirmed write) of its presence
    /// and status, kept only when it is not the plain case: presence `order` or `waiting`,
    /// status other than `on_display` (`presence_marks.rs`).
    prom_shown: "prom_shown",
    /// Product id → [`super::PriceExtras`]: its wholesale tiers and discount (JSON).
    price_extras: "price_extras",
    /// Product id → [`super::ExtrasSnapshot`]: the tiers and discount Prom.ua last confirmed.
    extras_snapshots: "extras_snapshots",
}

/// The trees as one transaction sees them.
pub(super) type Tx<'a> = Trees<&'a TransactionalTree>;

/// What a transaction's body returns: `?` takes sled's errors and [`StoreError`]s
/// (a record that does not decode aborts the transaction with its own error).
pub(super) type TxResult<T> = std::result::Result<T, ConflictableTransactionError<StoreError>>;

impl From<StoreError> for ConflictableTransactionError<StoreError> {
    fn from(e: StoreError) -> Self {
        ConflictableTransactionError::Abort(e)
    }
}

/// Aborts a transaction with the caller's mistake ([`StoreError::Invalid`]).
pub(super) fn abort<T>(msg: impl Into<String>) -> TxResult<T> {
    Err(ConflictableTransactionError::Abort(StoreError::Invalid(
        msg.into(),
    )))
}

impl Store {
    /// Runs `body` as one sled transaction over the trees (all of them: sled 0.34
    /// serialises every transaction under one lock anyway, and what a transaction touches
    /// is what it reads and writes). The body may run again on a conflict: no I/O, no
    /// range scans, no use of the store's own trees inside.
    pub(super) fn transact<T>(&self, body: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T> {
        let _writing = self.writing();
        self.transact_held(body)
    }

    /// As [`Store::transact`], for a write of what the link suggestions never read (stock,
    /// journal, snapshots, orders, marks): see [`Store::writing_aside`].
    pub(super) fn transact_aside<T>(&self, body: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T> {
        let _writing = self.writing_aside();
        self.transact_held(body)
    }

    /// The transaction, its caller holding the write's guard.
    fn transact_held<T>(&self, body: impl Fn(&Tx<'_>) -> TxResult<T>) -> Result<T> {
        let trees = self.trees.named().map(|(_, tree)| tree);
        let result = trees[..].transaction(|views: &Vec<TransactionalTree>| {
            let mut views = views.iter();
            let tx = Tx::try_from_names(|name| {
                views.next().ok_or_else(|| {
                    StoreError::Sled(sled::Error::ReportableBug(format!(
                        "no transactional view of tree {name}"
                    )))
                })
            })?;
            body(&tx)
        });
        result.map_err(|e| match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => e.into(),
        })
    }
}
