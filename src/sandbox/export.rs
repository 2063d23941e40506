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

impl Catalogue {
    /// Reads a `--seed-file`: a catalogue (what [`Sandbox::export`] and `demo --keep`
    /// write), or a bare array of products. The error names neither the file nor the
    /// option: the caller does.
    pub fn from_seed_file(path: &std::path::Path) -> Result<Self, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        serde_json::from_slice::<Catalogue>(&bytes)
            .or_else(|_| {
                serde_json::from_slice::<Vec<super::SandboxProduct>>(&bytes).map(|products| {
                    Catalogue {
                        products,
                        ..Catalogue::default()
                    }
                })
            })
            .map_err(|e| format!("neither a catalogue nor an array of products: {e}"))
    }
}
