//! How the plan view (`plan_view.rs`) sits in its tree: one value per block of 64
//! product ids (key: id >> 6, big-endian), holding the rows of the linked products in it.
//!
//! A block: 1 (the layout), the warehouse names it uses (count, then each as length and
//! bytes), the row count, then the rows in id order. A row: the id's low 6 bits (u8), Prom
//! id, SKU (length, UTF-8), price (0, or 1 and `Decimal::serialize`'s 16 bytes), reserved,
//! stock rows (count, then each: name index, quantity, recorded 0/1), then the stored
//! stock and price snapshots as they sit in their trees (0, or length + 1 and the bytes),
//! decoded by `snapshot_codec.rs` as the walk decodes them. Counts and lengths are
//! LEB128, numbers zigzag LEB128.

use rust_decimal::Decimal;

use super::Result;
use super::codec::{StockValue, corrupt};

const LAYOUT: u8 = 1;
pub(super) const TREE: &str = "plan_view";
/// Product ids per block, as a shift.
pub(super) const BLOCK_BITS: u32 = 6;

/// Everything the planners read about one linked product, every warehouse kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Row {
    pub id: u64,
    pub prom_id: i64,
    pub sku: String,
    pub price: Option<Decimal>,
    pub reserved: i64,
    /// (warehouse name's bytes, as in the stock key; value), in the stock tree's order.
    pub stock: Vec<(Vec<u8>, StockValue)>,
    pub stock_snapshot: Option<Vec<u8>>,
    pub price_snapshot: Option<Vec<u8>>,
}

pub(super) fn block_of(id: u64) -> u64 {
    id >> BLOCK_BITS
}

/// A row as it sits in a decoded block, borrowing the block's bytes.
pub(super) struct RowRef<'a> {
    pub id: u64,
    pub prom_id: i64,
    pub sku: &'a str,
    pub price: Option<Decimal>,
    pub reserved: i64,
    /// Its stock rows: a range of [`Block::stock`] (one allocation per block, not per row).
    pub stock: std::ops::Range<usize>,
    pub stock_snapshot: Option<&'a [u8]>,
    pub price_snapshot: Option<&'a [u8]>,
}

/// A decoded block: its warehouse names, the stock rows of all its rows, and its rows.
pub(super) struct Block<'a> {
    pub names: Vec<&'a [u8]>,
    /// (name index, value).
    pub stock: Vec<(usize, StockValue)>,
    pub rows: Vec<RowRef<'a>>,
}

impl Block<'_> {
    /// The stock rows of `row`: (index in [`Block::names`], value).
    pub(super) fn stock_of(&self, row: &RowRef<'_>) -> &[(usize, StockValue)] {
        &self.stock[row.stock.clone()]
    }

    pub(super) fn to_row(&self, row: &RowRef<'_>) -> Row {
        let r = row;
        let names = &self.names;
        Row {
            id: r.id,
            prom_id: r.prom_id,
            sku: r.sku.to_string(),
            price: r.price,
            reserved: r.reserved,
            stock: self
                .stock_of(r)
                .iter()
                .map(|(i, v)| (names[*i].to_vec(), *v))
                .collect(),
            stock_snapshot: r.stock_snapshot.map(<[u8]>::to_vec),
            price_snapshot: r.price_snapshot.map(<[u8]>::to_vec),
        }
    }
}

fn put_len(v: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        v.push((n as u8) | 0x80);
        n >>= 7;
    }
    v.push(n as u8);
}

fn put_i64(v: &mut Vec<u8>, n: i64) {
    put_len(v, ((n << 1) ^ (n >> 63)) as u64);
}

fn put_bytes(v: &mut Vec<u8>, b: &[u8]) {
    put_len(v, b.len() as u64);
    v.extend_from_slice(b);
}

fn put_opt(v: &mut Vec<u8>, b: Option<&[u8]>) {
    match b {
        None => v.push(0),
        Some(b) => {
            put_len(v, b.len() as u64 + 1);
            v.extend_from_slice(b);
        }
    }
}

/// The value of a block holding `rows` (ids in one block, in id order).
pub(super) fn encode(rows: &[Row]) -> Vec<u8> {
    let mut names: Vec<&[u8]> = Vec::new();
    for r in rows {
        for (name, _) in &r.stock {
            if !names.contains(&name.as_slice()) {
                names.push(name);
            }
        }
    }
    let mut v = Vec::with_capacity(16 + rows.len() * 96);
    v.push(LAYOUT);
    put_len(&mut v, names.len() as u64);
    for name in &names {
        put_bytes(&mut v, name);
    }
    put_len(&mut v, rows.len() as u64);
    for r in rows {
        v.push((r.id & ((1 << BLOCK_BITS) - 1)) as u8);
        put_i64(&mut v, r.prom_id);
        put_bytes(&mut v, r.sku.as_bytes());
        match r.price {
            None => v.push(0),
            Some(p) => {
                v.push(1);
                v.extend_from_slice(&p.serialize());
            }
        }
        put_i64(&mut v, r.reserved);
        put_len(&mut v, r.stock.len() as u64);
        for (name, value) in &r.stock {
            let at = names
                .iter()
                .position(|n| *n == name.as_slice())
                .unwrap_or_default();
            put_len(&mut v, at as u64);
            put_i64(&mut v, value.quantity);
            v.push(u8::from(value.recorded));
        }
        put_opt(&mut v, r.stock_snapshot.as_deref());
        put_opt(&mut v, r.price_snapshot.as_deref());
    }
    v
}

/// Reads a block value; anything out of shape is [`super::StoreError::Corrupt`] naming
/// the tree and the block.
struct Reader<'a> {
    v: &'a [u8],
    at: usize,
    block: u64,
}

impl<'a> Reader<'a> {
    fn bad(&self, what: &str) -> super::StoreError {
        corrupt(
            TREE,
            format!(
                "holds block {} that does not decode ({what} at byte {})",
                self.block, self.at
            ),
        )
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self.v.get(self.at).ok_or_else(|| self.bad("cut short"))?;
        self.at += 1;
        Ok(b)
    }

    fn len(&mut self) -> Result<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(n);
            }
        }
        Err(self.bad("a number too long"))
    }

    fn count(&mut self) -> Result<usize> {
        let n = self.len()?;
        // Every item takes at least a byte: a larger count is damage, not an allocation.
        usize::try_from(n)
            .ok()
            .filter(|n| *n <= self.v.len() - self.at)
            .ok_or_else(|| self.bad("a count past the end"))
    }

    fn i64(&mut self) -> Result<i64> {
        let z = self.len()?;
        Ok(((z >> 1) as i64) ^ -((z & 1) as i64))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.v.len())
            .ok_or_else(|| self.bad("cut short"))?;
        let b = &self.v[self.at..end];
        self.at = end;
        Ok(b)
    }

    fn text(&mut self) -> Result<&'a str> {
        let n = self.count()?;
        let b = self.take(n)?;
        std::str::from_utf8(b).map_err(|_| self.bad("text that is not UTF-8"))
    }

    fn opt(&mut self) -> Result<Option<&'a [u8]>> {
        match self.len()? {
            0 => Ok(None),
            n => {
                let n = usize::try_from(n - 1).map_err(|_| self.bad("a length past the end"))?;
                self.take(n).map(Some)
            }
        }
    }
}

/// Decodes the value of block `block`.
pub(super) fn decode(block: u64, v: &[u8]) -> Result<Block<'_>> {
    let mut r = Reader { v, at: 0, block };
    if block > u64::MAX >> BLOCK_BITS {
        return Err(r.bad("a block number past the last id"));
    }
    if r.byte()? != LAYOUT {
        return Err(r.bad("an unknown layout"));
    }
    let names = (0..r.count()?)
        .map(|_| {
            let n = r.count()?;
            r.take(n)
        })
        .collect::<Result<Vec<_>>>()?;
    let n = r.count()?;
    let mut rows = Vec::with_capacity(n);
    // Each stock row takes at least 3 bytes: a damaged count allocates no more.
    let mut stock = Vec::with_capacity(n.saturating_mul(names.len()).min(v.len() / 3));
    let mut last = None;
    for _ in 0..n {
        let low = r.byte()?;
        if u32::from(low) >> BLOCK_BITS != 0 || last.is_some_and(|l| l >= low) {
            return Err(r.bad("a row out of order"));
        }
        last = Some(low);
        let prom_id = r.i64()?;
        let sku = r.text()?;
        let price = match r.byte()? {
            0 => None,
            1 => {
                let b: [u8; 16] = r.take(16)?.try_into().map_err(|_| r.bad("a price"))?;
                Some(Decimal::deserialize(b))
            }
            _ => return Err(r.bad("a price")),
        };
        let reserved = r.i64()?;
        let first = stock.len();
        for _ in 0..r.count()? {
            // An index into the names, not a count of what follows: checked against them.
            let at = usize::try_from(r.len()?).unwrap_or(usize::MAX);
            if at >= names.len() {
                return Err(r.bad("a warehouse it does not name"));
            }
            let quantity = r.i64()?;
            let recorded = match r.byte()? {
                0 => false,
                1 => true,
                _ => return Err(r.bad("a stock row")),
            };
            stock.push((at, StockValue { quantity, recorded }));
        }
        rows.push(RowRef {
            id: (block << BLOCK_BITS) | u64::from(low),
            prom_id,
            sku,
            price,
            reserved,
            stock: first..stock.len(),
            stock_snapshot: r.opt()?,
            price_snapshot: r.opt()?,
        });
    }
    if r.at != v.len() {
        return Err(r.bad("bytes after the last row"));
    }
    Ok(Block { names, stock, rows })
}
