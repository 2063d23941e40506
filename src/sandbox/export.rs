//! The sandbox's state as a seed file: what `demo --keep` leaves for `sandbox
//! --seed-file` to load, so the user can explore the shop as the demo left it.

use super::{Catalogue, Sandbox};

impl Sandbox {
    /// Groups, products and orders as the sandbox holds them now, in the `--seed-file`
    /// format. Raw fields, faults and recorded requests are not part of it.
    pub fn export(&self) -> Catalogue {
        let st = self.lock();
        Catalogue {
            groups: st.groups.values().cloned().collect(),
            products: st.products.values().cloned().collect(),
            orders: st.orders.values().cloned().collect(),
        }
    }
}
