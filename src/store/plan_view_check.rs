//! `store check` of the plan view: every block decodes, and holds for each product not
//! marked stale exactly the row its stores give (the walk's), no more, no fewer.

use std::collections::BTreeMap;

use super::codec::id_key;
use super::plan_block::{self, Row};
use super::{Result, Store};

impl Store {
    /// What is wrong with the plan view, one finding per block that does not decode and
    /// per product whose row differs from its stores. Nothing when there is no view yet.
    pub(super) fn check_plan_view(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        if !self.view_built()? {
            return Ok(problems);
        }
        let stale = self.stale_ids()?;
        let mut held = BTreeMap::<u64, Row>::new();
        let mut damaged = std::collections::HashSet::new();
        for kv in self.trees.plan_view.iter() {
            let (k, v) = kv?;
            let block = id_key(plan_block::TREE, &k)?;
            match plan_block::decode(block, &v) {
                Ok(b) => held.extend(
                    b.rows
                        .iter()
                        .filter(|r| !stale.contains(&r.id))
                        .map(|r| (r.id, b.to_row(r))),
                ),
                Err(e) => {
                    damaged.insert(block);
                    let detail = match e {
                        super::StoreError::Corrupt { detail, .. } => detail,
                        other => other.to_string(),
                    };
                    // Derived data: no backup is needed, the next refresh rebuilds it.
                    problems.push(format!(
                        "the `plan_view` tree {detail} (reads take the stores instead until the next job run or write rebuilds the view)"
                    ));
                }
            }
        }
        let mut differ = |id: u64, what: &str| {
            problems.push(format!(
                "the plan view's row of product {id} (block {}) {what}",
                plan_block::block_of(id)
            ));
        };
        self.plan_rows_walk(|row| {
            if stale.contains(&row.id) || damaged.contains(&plan_block::block_of(row.id)) {
                return Ok(());
            }
            match held.remove(&row.id) {
                None => differ(row.id, "is missing"),
                Some(r) if r != row => differ(row.id, "differs from its stores"),
                Some(_) => {}
            }
            Ok(())
        })?;
        for id in held.into_keys() {
            differ(id, "names a product that is not linked");
        }
        Ok(problems)
    }
}
