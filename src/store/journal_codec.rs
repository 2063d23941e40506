//! How journal entries sit in `journal`: binary (a tag byte, numbers big-endian, then the
//! texts, each but the last with its length), about half the JSON older stores hold, which
//! is still read, and rewritten at the first open (`migrate.rs`).
//!
//! 1, i64 seq, i64 ns at, u64 product id, i64 before, i64 after, i64 delta, actor,
//! flags (1: a reason), u32 SKU length, SKU, u32 warehouse length, warehouse, reason.

use super::codec::{corrupt, decode, nanos};
use super::{Actor, JournalEntry, Result};

const BINARY: u8 = 1;
const HAS_REASON: u8 = 1;
const TREE: &str = "journal";
const ACTORS: [Actor; 7] = [
    Actor::Cli,
    Actor::Api,
    Actor::Csv,
    Actor::Order,
    Actor::Import,
    Actor::System,
    Actor::Console,
];

fn bad(detail: &str) -> super::StoreError {
    corrupt(
        TREE,
        format!("holds an entry that does not decode ({detail})"),
    )
}

pub(super) fn encode(e: &JournalEntry) -> Vec<u8> {
    let reason = e.reason.as_deref();
    let mut v = Vec::with_capacity(64 + e.sku.len() + e.warehouse.len());
    v.push(BINARY);
    for n in [
        e.seq as i64,
        nanos(e.at),
        e.product_id as i64,
        e.before,
        e.after,
        e.delta,
    ] {
        v.extend_from_slice(&n.to_be_bytes());
    }
    // Exhaustive: a new actor must get its own byte here, never another's.
    let actor: u8 = match e.actor {
        Actor::Cli => 0,
        Actor::Api => 1,
        Actor::Csv => 2,
        Actor::Order => 3,
        Actor::Import => 4,
        Actor::System => 5,
        Actor::Console => 6,
    };
    debug_assert_eq!(ACTORS[actor as usize], e.actor);
    v.push(actor);
    v.push(if reason.is_some() { HAS_REASON } else { 0 });
    for text in [&e.sku, &e.warehouse] {
        // Whole, however long: a journal entry is found by its SKU and summed by its
        // warehouse, so a text cut short would lose it.
        let len = u32::try_from(text.len()).unwrap_or(u32::MAX);
        v.extend_from_slice(&len.to_be_bytes());
        v.extend_from_slice(&text.as_bytes()[..len as usize]);
    }
    v.extend_from_slice(reason.unwrap_or("").as_bytes());
    v
}

/// Reads `n` bytes off the front of `v`.
fn take<'v>(v: &mut &'v [u8], n: usize) -> Result<&'v [u8]> {
    if v.len() < n {
        return Err(bad("cut short"));
    }
    let (head, rest) = v.split_at(n);
    *v = rest;
    Ok(head)
}

fn text<'v>(v: &mut &'v [u8]) -> Result<&'v str> {
    let len = u32::from_be_bytes(take(v, 4)?.try_into().expect("4 bytes")) as usize;
    std::str::from_utf8(take(v, len)?).map_err(|_| bad("a text that is not UTF-8"))
}

pub(super) fn decode_entry(value: &[u8]) -> Result<JournalEntry> {
    if value.first() == Some(&b'{') {
        return decode(TREE, value);
    }
    let mut v = value;
    if take(&mut v, 1)? != [BINARY] {
        return Err(bad("an unknown layout"));
    }
    let mut n = [0i64; 6];
    for x in &mut n {
        *x = i64::from_be_bytes(take(&mut v, 8)?.try_into().expect("8 bytes"));
    }
    let [seq, at, product_id, before, after, delta] = n;
    let head = take(&mut v, 2)?;
    let actor = *ACTORS
        .get(head[0] as usize)
        .ok_or_else(|| bad("an unknown actor"))?;
    let sku = text(&mut v)?.to_string();
    let warehouse = text(&mut v)?.to_string();
    let reason = std::str::from_utf8(v).map_err(|_| bad("a reason that is not UTF-8"))?;
    Ok(JournalEntry {
        seq: seq as u64,
        at: chrono::DateTime::from_timestamp_nanos(at),
        product_id: product_id as u64,
        sku,
        warehouse,
        before,
        after,
        delta,
        actor,
        reason: (head[1] & HAS_REASON != 0).then(|| reason.to_string()),
    })
}

/// The product an entry is about, without the rest.
pub(super) fn product_of(value: &[u8]) -> Result<u64> {
    if value.first() == Some(&b'{') {
        return Ok(decode_entry(value)?.product_id);
    }
    match value.get(17..25) {
        Some(id) if value[0] == BINARY => Ok(u64::from_be_bytes(id.try_into().expect("8 bytes"))),
        _ => Err(bad("cut short")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(reason: Option<&str>, actor: Actor) -> JournalEntry {
        JournalEntry {
            seq: 42,
            at: chrono::DateTime::from_timestamp_nanos(1_795_000_000_123_456_789),
            product_id: 9,
            sku: "АРТ-7".into(),
            warehouse: "main".into(),
            before: -2,
            after: 5,
            delta: 7,
            actor,
            reason: reason.map(str::to_string),
        }
    }

    #[test]
    fn entries_round_trip_in_about_half_the_json() {
        for e in [
            entry(None, Actor::Cli),
            entry(Some(""), Actor::System),
            entry(Some("import_products nightly"), Actor::Import),
        ] {
            let v = encode(&e);
            assert_eq!(decode_entry(&v).unwrap(), e);
            assert_eq!(product_of(&v).unwrap(), 9);
            let json = serde_json::to_vec(&e).unwrap().len();
            assert!(v.len() * 10 <= json * 6, "{} vs {json}", v.len());
        }
    }

    #[test]
    fn every_actor_and_a_long_sku_round_trip_whole() {
        for actor in ACTORS {
            let e = entry(Some("why"), actor);
            assert_eq!(decode_entry(&encode(&e)).unwrap(), e);
        }
        let mut e = entry(None, Actor::Api);
        e.sku = "Ж".repeat(40_000);
        e.warehouse = "склад".into();
        assert_eq!(decode_entry(&encode(&e)).unwrap(), e, "not cut at 64 KiB");
    }

    #[test]
    fn the_json_of_older_stores_still_reads_and_damage_is_corrupt() {
        let e = entry(Some("stock.csv"), Actor::Csv);
        let old = serde_json::to_vec(&e).unwrap();
        assert_eq!(decode_entry(&old).unwrap(), e);
        assert_eq!(product_of(&old).unwrap(), 9);
        let v = encode(&e);
        for bad in [&v[..30], &v[..52], &[2u8; 60][..], &[][..]] {
            let err = decode_entry(bad).unwrap_err();
            assert!(
                matches!(
                    err,
                    super::super::StoreError::Corrupt {
                        tree: "journal",
                        ..
                    }
                ),
                "{err:?}"
            );
        }
        let mut odd_actor = v.clone();
        odd_actor[49] = 9;
        assert!(decode_entry(&odd_actor).is_err());
    }
}
