//! The soak's invariants, read from the store (the daemon stopped) and from the sandbox
//! (Prom.ua), each finding naming its product or order.
//!
//! "Every local status change reached Prom.ua exactly once", precisely: the sandbox logs
//! each status change `orders/set_status` made to an order (a call setting the status an
//! order already has, as a retry after a lost answer does, changes nothing and is not
//! logged). For an order whose local status the seller changed, the changes Prom.ua made
//! must be a subsequence of the local changes tried (each applied at most once, in the
//! order they were made; a change superseded locally before it was sent may be skipped),
//! and Prom.ua must end at the final local status. An order the seller never touched gets
//! no status change from us at all. (The soak's status map sends each local status as the
//! Prom.ua status of the same name, so the two logs compare word for word.)

use std::collections::BTreeMap;

use promua_sync::sandbox::{Sandbox, SandboxOrder};
use promua_sync::store::{Actor, JournalEntry, LocalOrder, Store};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::soak_world::{DONE, Outcome, RESERVE, World};

/// What the checks found, by kind.
#[derive(Debug, Default)]
pub struct Findings {
    /// Prom.ua and the back office disagree, or an order's state is behind: what a
    /// convergence pass mends.
    pub behind: Vec<String>,
    /// An acknowledged change missing at the end.
    pub lost: Vec<String>,
    pub duplicate_orders: Vec<String>,
    pub double_applied: Vec<String>,
    pub double_shipped: Vec<String>,
    /// Reservations, journal and the store's own consistency check.
    pub ledger: Vec<String>,
}

impl Findings {
    pub fn all(&self) -> Vec<&String> {
        [
            &self.behind,
            &self.lost,
            &self.duplicate_orders,
            &self.double_applied,
            &self.double_shipped,
            &self.ledger,
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

/// Whole units of an order's lines per Prom product (lines of one product summed, then
/// rounded up, as the back office counts them).
fn units_by_prom(order: &SandboxOrder) -> BTreeMap<i64, i64> {
    let mut sums = BTreeMap::<i64, Decimal>::new();
    for l in &order.lines {
        if let Some(id) = l.product_id {
            *sums.entry(id).or_default() += l.quantity;
        }
    }
    sums.into_iter()
        .map(|(id, q)| (id, q.ceil().to_i64().unwrap()))
        .collect()
}

pub fn check(world: &World, store: &Store) -> Findings {
    let mut f = Findings::default();
    let sb: &Sandbox = &world.env.sandbox;
    prom_equals_office(world, store, &mut f);
    let stored: Vec<LocalOrder> = store.orders().unwrap();
    note_imports(world, &stored);
    f.duplicate_orders
        .extend(world.imports.lock().unwrap().again.iter().cloned());
    let on_prom: BTreeMap<i64, SandboxOrder> = sb.orders().into_iter().map(|o| (o.id, o)).collect();
    orders_once(&stored, &on_prom, &mut f);
    let local: BTreeMap<i64, &LocalOrder> = stored.iter().map(|o| (o.prom_id, o)).collect();
    reservations_and_shipments(world, store, &local, &on_prom, &mut f);
    statuses(world, &local, &on_prom, &mut f);
    lost_writes(world, store, &mut f);
    f.ledger.extend(
        store
            .check_consistency()
            .unwrap()
            .into_iter()
            .map(|p| format!("store check: {p}")),
    );
    f
}

/// Notes when each stored order was imported; one whose import time changed since an
/// earlier look was created a second time (lost, then imported again).
pub fn note_imports(world: &World, stored: &[LocalOrder]) {
    let mut imports = world.imports.lock().unwrap();
    imports.looks += 1;
    for o in stored {
        let first = *imports.first.entry(o.prom_id).or_insert(o.imported_at);
        if first != o.imported_at {
            let again = format!(
                "order {} was imported at {first}, then again at {}",
                o.prom_id, o.imported_at
            );
            if !imports.again.contains(&again) {
                imports.again.push(again);
            }
        }
    }
}

/// Every product stays linked; Prom.ua shows each one's stock less reservations (never
/// below 0), its presence, and its local price.
fn prom_equals_office(world: &World, store: &Store, f: &mut Findings) {
    let sb = &world.env.sandbox;
    let stock_rows = store.linked_stock(&["main".to_string()]).unwrap();
    let price_rows = store.linked_prices().unwrap();
    for (what, n) in [("stock", stock_rows.len()), ("prices", price_rows.len())] {
        if n != world.items.len() {
            f.ledger.push(format!(
                "{n} linked products in the {what} view, the shop has {}",
                world.items.len()
            ));
        }
    }
    for row in stock_rows {
        let want = (row.stock - row.reserved).max(0);
        let presence = if want > 0 {
            "available"
        } else {
            "not_available"
        };
        let p = sb.product(row.prom_id).unwrap();
        if p.quantity_in_stock != Some(want) || p.presence != presence {
            f.behind.push(format!(
                "product {} (Prom {}): Prom.ua shows {:?} {}, the back office wants {want} {presence} (stock {}, reserved {})",
                row.sku, row.prom_id, p.quantity_in_stock, p.presence, row.stock, row.reserved
            ));
        }
    }
    for row in price_rows {
        let p = sb.product(row.prom_id).unwrap();
        if row.price != Some(p.price) {
            f.behind.push(format!(
                "product {} (Prom {}): Prom.ua shows price {}, the back office has {:?}",
                row.sku, row.prom_id, p.price, row.price
            ));
        }
    }
}

/// Every Prom.ua order is stored once, with the lines Prom.ua shows now.
fn orders_once(stored: &[LocalOrder], on_prom: &BTreeMap<i64, SandboxOrder>, f: &mut Findings) {
    let mut seen = BTreeMap::<i64, usize>::new();
    for o in stored {
        *seen.entry(o.prom_id).or_default() += 1;
    }
    for (id, n) in &seen {
        if *n > 1 {
            f.duplicate_orders
                .push(format!("order {id} is stored {n} times"));
        }
        if !on_prom.contains_key(id) {
            f.duplicate_orders
                .push(format!("stored order {id} is not an order on Prom.ua"));
        }
    }
    for (id, o) in on_prom {
        let Some(local) = stored.iter().find(|l| l.prom_id == *id) else {
            f.behind.push(format!("Prom order {id} is not stored"));
            continue;
        };
        let lines = |q: Vec<(Option<i64>, Decimal)>| {
            let mut q = q;
            q.sort();
            q
        };
        let local_lines = lines(
            local
                .lines
                .iter()
                .map(|l| (l.prom_product_id, l.quantity))
                .collect(),
        );
        let prom_lines = lines(o.lines.iter().map(|l| (l.product_id, l.quantity)).collect());
        if local_lines != prom_lines {
            f.behind.push(format!(
                "order {id}: stored lines {local_lines:?}, Prom.ua shows {prom_lines:?}"
            ));
        }
    }
}

/// Each product's reservation is the sum over its open orders (at a reserving local
/// status) of their lines on Prom.ua; each product's journal adds up to its stock; each
/// order moved stock by its lines exactly when it is at the done status.
fn reservations_and_shipments(
    world: &World,
    store: &Store,
    local: &BTreeMap<i64, &LocalOrder>,
    on_prom: &BTreeMap<i64, SandboxOrder>,
    f: &mut Findings,
) {
    let by_prom: BTreeMap<i64, usize> = world
        .items
        .iter()
        .enumerate()
        .map(|(i, it)| (it.prom_id, i))
        .collect();
    let mut reserved = vec![0i64; world.items.len()];
    let mut shipped = BTreeMap::<(i64, usize), i64>::new();
    for (id, o) in on_prom {
        let Some(l) = local.get(id) else { continue };
        for (prom, q) in units_by_prom(o) {
            let i = by_prom[&prom];
            if RESERVE.contains(&l.status.as_str()) {
                reserved[i] += q;
            }
            if l.status == DONE {
                shipped.insert((*id, i), q);
            }
        }
    }
    let journal = store.journal(None, usize::MAX).unwrap();
    for (i, it) in world.items.iter().enumerate() {
        let held = store.reserved_of(it.id).unwrap();
        if held != reserved[i] {
            f.behind.push(format!(
                "product {}: {held} reserved, its open orders hold {}",
                it.sku, reserved[i]
            ));
        }
        let stock: i64 = store
            .stock_of(it.id)
            .unwrap()
            .iter()
            .filter(|(w, _)| w == "main")
            .map(|(_, q)| q)
            .sum();
        let summed: i64 = journal
            .iter()
            .filter(|e| e.product_id == it.id && e.warehouse == "main")
            .map(|e| e.delta)
            .sum();
        if summed != stock {
            f.ledger.push(format!(
                "product {}: stock {stock}, its journal adds up to {summed}",
                it.sku
            ));
        }
    }
    // What each order's moves add up to, per product.
    let mut moved = BTreeMap::<(i64, usize), i64>::new();
    for e in journal.iter().filter(|e| e.actor == Actor::Order) {
        let reason = e.reason.as_deref().unwrap_or_default();
        let Some(order) = reason
            .strip_prefix("order ")
            .and_then(|r| r.split(' ').next())
            .and_then(|id| id.parse::<i64>().ok())
        else {
            f.ledger
                .push(format!("an order's stock move without its order: {e:?}"));
            continue;
        };
        let i = world
            .items
            .iter()
            .position(|it| it.id == e.product_id)
            .unwrap();
        *moved.entry((order, i)).or_default() += e.delta;
    }
    let mut keys: Vec<(i64, usize)> = moved.keys().chain(shipped.keys()).copied().collect();
    keys.sort_unstable();
    keys.dedup();
    for (order, i) in keys {
        let (net, want) = (
            moved.get(&(order, i)).copied().unwrap_or(0),
            -shipped.get(&(order, i)).copied().unwrap_or(0),
        );
        if net != want {
            let status = local
                .get(&order)
                .map_or("(not stored)", |o| o.status.as_str());
            f.double_shipped.push(format!(
                "order {order} ({status}) moved {net} of {} in all, {want} wanted",
                world.items[i].sku
            ));
        }
    }
}

/// See the module's doc for what "reached Prom.ua exactly once" means.
fn statuses(
    world: &World,
    local: &BTreeMap<i64, &LocalOrder>,
    on_prom: &BTreeMap<i64, SandboxOrder>,
    f: &mut Findings,
) {
    let mut changes = BTreeMap::<i64, Vec<String>>::new();
    for c in world.env.sandbox.status_changes() {
        changes.entry(c.order_id).or_default().push(c.to);
    }
    let record = world.record();
    for (id, placed) in &record.orders {
        let applied = changes.remove(id).unwrap_or_default();
        let Some(l) = local.get(id) else { continue };
        let prom = &on_prom[id].status;
        if l.status != *prom || l.status_pending {
            f.behind.push(format!(
                "order {id}: local status {} (pending: {}), Prom.ua shows {prom}",
                l.status, l.status_pending
            ));
        }
        let tried: Vec<&str> = placed
            .steps
            .iter()
            .filter(|(_, o)| *o != Outcome::Refused)
            .map(|(s, _)| *s)
            .collect();
        // Prom.ua's changes, matched in order against the changes tried.
        let mut rest = tried.iter();
        let stray: Vec<&String> = applied
            .iter()
            .filter(|s| rest.by_ref().position(|t| t == s).is_none())
            .collect();
        // Not asserted (review finding 9): that an acknowledged change which stood
        // long enough reached Prom.ua before the seller moved on. The push sends the
        // current local status only, so a change superseded locally before a push
        // succeeded is skipped by design, and "long enough" (push period, retries with
        // 429 waits, a restart) is a threshold on a shared 2-core machine: flaky. What
        // must hold is here: nothing applied out of order or twice, and Prom.ua ends at
        // the final local status (`behind` above, after one convergence round).
        if !stray.is_empty() {
            f.double_applied.push(format!(
                "order {id}: Prom.ua made the status changes {applied:?}; the seller tried {tried:?}"
            ));
        }
        // The final local status is the last acknowledged change or one tried after it.
        let last_acked = placed.steps.iter().rposition(|(_, o)| *o == Outcome::Acked);
        let allowed: Vec<&str> = match last_acked {
            Some(k) => placed.steps[k..]
                .iter()
                .filter(|(_, o)| *o != Outcome::Refused)
                .map(|(s, _)| *s)
                .collect(),
            None if placed.buyer_canceled => vec!["canceled"],
            None => std::iter::once("pending")
                .chain(tried.iter().copied())
                .collect(),
        };
        if !allowed.contains(&l.status.as_str()) {
            f.lost.push(format!(
                "order {id}: local status {}, the seller's changes were {:?}",
                l.status, placed.steps
            ));
        }
    }
    for (id, applied) in changes {
        f.double_applied.push(format!(
            "order {id}: Prom.ua made the status changes {applied:?}, the seller never changed it"
        ));
    }
}

/// Each product's last stock write that landed is its last acknowledged one or one
/// written after it, and its stock now is that value plus the orders' moves journaled
/// after it (nothing else moved it since).
fn final_stock(world: &World, store: &Store, journal: &[JournalEntry], f: &mut Findings) {
    let record = world.record();
    for (i, it) in world.items.iter().enumerate() {
        let writes: Vec<_> = record.stock.iter().filter(|w| w.item == i).collect();
        let from = writes.iter().rposition(|w| w.outcome == Outcome::Acked);
        let allowed: Vec<i64> = writes[from.unwrap_or(0)..]
            .iter()
            .filter(|w| w.outcome != Outcome::Refused)
            .map(|w| w.value)
            .collect();
        let mine: Vec<&JournalEntry> = journal
            .iter()
            .filter(|e| e.product_id == it.id && e.warehouse == "main")
            .collect();
        let manual = mine
            .iter()
            .rposition(|e| matches!(e.actor, Actor::Cli | Actor::Api));
        let (base, after) = match manual {
            Some(m) if allowed.contains(&mine[m].after) => (mine[m].after, &mine[m + 1..]),
            Some(m) => {
                f.lost.push(format!(
                    "product {}: the last stock write that landed set {}, the writes since the last acknowledged were {allowed:?}",
                    it.sku, mine[m].after
                ));
                continue;
            }
            // Never written: its stock as the test set it up, then the moves since.
            None if from.is_none() => {
                let setup = mine.iter().take_while(|e| e.actor == Actor::System).count();
                let base = setup.checked_sub(1).map_or(0, |s| mine[s].after);
                (base, &mine[setup..])
            }
            None => continue, // named by `lost_writes`: an acknowledged write not journaled
        };
        // After the last write, only orders move the stock.
        if let Some(e) = after.iter().find(|e| e.actor != Actor::Order) {
            f.lost.push(format!(
                "product {}: stock moved by {:?} after its last write: {e:?}",
                it.sku, e.actor
            ));
        }
        let want = base + after.iter().map(|e| e.delta).sum::<i64>();
        let stock: i64 = store
            .stock_of(it.id)
            .unwrap()
            .iter()
            .filter(|(w, _)| w == "main")
            .map(|(_, q)| q)
            .sum();
        if stock != want {
            f.lost.push(format!(
                "product {}: stock {stock}, its last write that landed ({base}) and the moves after it make {want}",
                it.sku
            ));
        }
    }
}

/// Each acknowledged stock write is in the journal (each wrote a new value) and the
/// final stock follows from the last (`final_stock`); each product's price is its last
/// acknowledged one or one written after it.
fn lost_writes(world: &World, store: &Store, f: &mut Findings) {
    let mut journal = store.journal(None, usize::MAX).unwrap();
    journal.sort_by_key(|e| e.seq);
    final_stock(world, store, &journal, f);
    let record = world.record();
    for w in record.stock.iter().filter(|w| w.outcome == Outcome::Acked) {
        let it = &world.items[w.item];
        let found = journal.iter().any(|e| {
            e.product_id == it.id
                && e.after == w.value
                && matches!(e.actor, Actor::Cli | Actor::Api)
        });
        if !found {
            f.lost.push(format!(
                "product {}: the acknowledged stock write {} is not in the journal",
                it.sku, w.value
            ));
        }
    }
    for (i, it) in world.items.iter().enumerate() {
        let writes: Vec<_> = record.prices.iter().filter(|w| w.item == i).collect();
        let from = writes.iter().rposition(|w| w.outcome == Outcome::Acked);
        let mut allowed: Vec<Decimal> = writes[from.unwrap_or(0)..]
            .iter()
            .filter(|w| w.outcome != Outcome::Refused)
            .map(|w| w.value)
            .collect();
        if from.is_none() {
            allowed.push(Decimal::from(super::soak_world::FIRST_PRICE));
        }
        let price = store.product(it.id).unwrap().unwrap().price;
        if !price.is_some_and(|p| allowed.contains(&p)) {
            f.lost.push(format!(
                "product {}: price {price:?}, the writes since the last acknowledged were {allowed:?}",
                it.sku
            ));
        }
    }
}
