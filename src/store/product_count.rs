//! How many products the store holds, kept in `meta` beside the link count and moved in
//! the transactions that add or remove a product, so that the console's unlinked count
//! (products less links: a link is one product's) needs no walk of 100,000 products.
//! Seeded at open from the tree when a store has none yet, and taken again at an open
//! of files this version did not close.

use super::codec::{be, id_value};
use super::trees::{Tx, TxResult};
use super::{Result, Store};

/// The `meta` key of the product count (big-endian u64).
pub(super) const PRODUCT_COUNT: &[u8] = b"product_count";

/// Inside a transaction: moves the count by `delta` (never below 0).
pub(super) fn add(tx: &Tx<'_>, delta: i64) -> TxResult<()> {
    let now = match tx.meta.get(PRODUCT_COUNT)? {
        Some(v) => id_value("meta", &v)?,
        None => 0,
    };
    tx.meta
        .insert(PRODUCT_COUNT, &be(now.saturating_add_signed(delta)))?;
    Ok(())
}

impl Store {
    /// At open: a store without a count gets one from its products; so does one whose
    /// files this version did not close (`recount`: a crash, a restore or compaction,
    /// another version's writes), whose count may be wrong, e.g. after a rollback to a
    /// binary that added products without counting them. Such an open reads every
    /// entry back anyway (`verify_readable`), so the count costs little more.
    pub(super) fn seed_product_count(&self, recount: bool) -> Result<()> {
        let noted = self.trees.meta.get(PRODUCT_COUNT)?;
        if noted.is_none() || recount {
            let n = self.trees.products.len() as u64;
            if noted.as_deref() != Some(&be(n)[..]) {
                let _writing = self.writing();
                self.trees.meta.insert(PRODUCT_COUNT, &be(n))?;
            }
        }
        Ok(())
    }

    /// The products held, as counted (`store check` compares it with the tree).
    pub fn counted_products(&self) -> Result<u64> {
        Ok(match self.trees.meta.get(PRODUCT_COUNT)? {
            Some(v) => id_value("meta", &v)?,
            None => self.trees.products.len() as u64,
        })
    }

    /// The products not linked to a Prom product: two reads, whatever the catalogue's
    /// size (every link is one product's, and goes with it).
    pub fn unlinked_count(&self) -> Result<u64> {
        Ok(self
            .counted_products()?
            .saturating_sub(self.counted_links()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Actor, NewProduct};

    fn new(sku: &str) -> NewProduct {
        NewProduct {
            sku: sku.into(),
            name: "p".into(),
            price: None,
            currency: None,
        }
    }

    /// The walk the count replaces: products whose link is none.
    fn walked(s: &Store) -> u64 {
        s.products()
            .unwrap()
            .iter()
            .filter(|p| s.link_of(p.id).unwrap().is_none())
            .count() as u64
    }

    #[test]
    fn the_unlinked_count_is_exact_across_add_link_unlink_import_and_remove() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("db");
        let s = Store::open(&path).unwrap();
        let check = |s: &Store, want: u64, what: &str| {
            assert_eq!(s.unlinked_count().unwrap(), want, "{what}");
            assert_eq!(walked(s), want, "{what}: the walk agrees");
            assert!(s.check_consistency().unwrap().is_empty(), "{what}");
        };
        check(&s, 0, "empty");
        let a = s.add_product("A", "p").unwrap().id;
        assert!(s.add_product("A", "p").is_err());
        check(&s, 1, "added; a refused duplicate counts nothing");
        let many: Vec<u64> = s
            .add_products(&[new("B"), new("C"), new("D")])
            .unwrap()
            .iter()
            .map(|p| p.id)
            .collect();
        check(&s, 4, "added in a batch");
        // An import: one new SKU, two updated ones; a refused import changes nothing.
        s.upsert_products(&[new("B"), new("E"), new("C")], true)
            .unwrap();
        check(&s, 5, "imported");
        assert!(s.upsert_products(&[new("F"), new(" ")], true).is_err());
        check(&s, 5, "a refused import");
        s.link(a, 100).unwrap();
        s.link_many(&[(many[0], 101), (many[1], 102)]).unwrap();
        check(&s, 2, "linked");
        s.unlink(many[0]).unwrap();
        check(&s, 3, "unlinked");
        s.remove_product(many[1], true, Actor::Cli, "gone").unwrap();
        check(&s, 3, "a linked product removed");
        s.remove_product(many[2], true, Actor::Cli, "gone").unwrap();
        check(&s, 2, "an unlinked product removed");
        // A store from before the count: seeded at open.
        s.trees.meta.remove(PRODUCT_COUNT).unwrap();
        s.flush_blocking().unwrap();
        drop(s);
        let s = Store::open(&path).unwrap();
        assert_eq!(s.counted_products().unwrap(), 3);
        check(&s, 2, "seeded");
        s.trees.meta.insert(PRODUCT_COUNT, &be(9)).unwrap();
        assert_eq!(
            s.check_consistency().unwrap(),
            [
                "the product count (9) differs from the products held (3): `store compact` (with the daemon stopped) counts them again"
            ]
        );
    }

    /// Sets the product count to `n` and closes the store cleanly (stamped).
    fn miscount(s: Store, n: u64) {
        s.trees.meta.insert(PRODUCT_COUNT, &be(n)).unwrap();
        s.flush_blocking().unwrap();
        drop(s);
    }

    #[test]
    fn a_wrong_count_is_set_right_by_the_step_store_check_names() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join("db");
        let s = Store::open(&path).unwrap();
        s.add_products(&[new("A"), new("B")]).unwrap();
        miscount(s, 9);
        // A clean close by this version vouches for the files: the count is as left.
        let s = Store::open(&path).unwrap();
        assert_eq!(s.counted_products().unwrap(), 9);
        let found = s.check_consistency().unwrap();
        assert!(found[0].contains("`store compact`"), "{found:?}");
        drop(s);
        Store::compact(&path).unwrap();
        let s = Store::open(&path).unwrap();
        assert_eq!(s.counted_products().unwrap(), 2, "compaction counted again");
        assert!(s.check_consistency().unwrap().is_empty());
        // Files another version closed (a rollback that added products uncounted): the
        // open counts again.
        miscount(s, 1);
        let stamp = path.join(super::super::file_stamp::STAMP_FILE);
        let theirs = std::fs::read_to_string(&stamp).unwrap().replacen(
            env!("CARGO_PKG_VERSION"),
            "0.0.1-older",
            1,
        );
        std::fs::write(&stamp, theirs).unwrap();
        let s = Store::open(&path).unwrap();
        assert_eq!(s.counted_products().unwrap(), 2, "an older version's files");
        // And a crash (no stamp at all).
        miscount(s, 5);
        std::fs::remove_file(&stamp).unwrap();
        let s = Store::open(&path).unwrap();
        assert_eq!(
            s.counted_products().unwrap(),
            2,
            "files no clean close vouched for"
        );
    }

    /// A product written over an id already held (an id counter set back) replaces it:
    /// the count stays the products held.
    #[test]
    fn a_product_written_over_another_is_not_counted_twice() {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(&d.path().join("db")).unwrap();
        s.add_product("A", "p").unwrap();
        s.add_products(&[new("B")]).unwrap();
        let set_back = |s: &Store| {
            s.trees
                .meta
                .insert(super::super::ids::LAST_ID, &be(1))
                .unwrap();
        };
        set_back(&s);
        s.add_product("C", "p").unwrap();
        assert_eq!(s.counted_products().unwrap(), s.trees.products.len() as u64);
        set_back(&s);
        s.upsert_products(&[new("D")], true).unwrap();
        assert_eq!(s.counted_products().unwrap(), s.trees.products.len() as u64);
        assert_eq!(s.counted_products().unwrap(), 2);
    }
}
