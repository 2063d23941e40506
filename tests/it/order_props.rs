//! Property tests over random sequences of order events in a [`World`], checked after
//! each step against a model of the rules of issue 12 that keeps its own books (it reads
//! Prom's side from the sandbox, never the store's reservations or shipments):
//!
//! - (d) the store holds exactly the orders the model has seen, at the local status the
//!   rules give (R2: of a pending local change and a Prom change, the later wins);
//! - (a) stock(p) = initial(p) − Σ over shipped orders of their units of p (lines summed
//!   per product, rounded up once; only linked products): a tracked order (R1) ships at
//!   the done status, keeps it shipped through a status nobody named, and returns it at
//!   any other; a history order never ships;
//! - (b) reserved(p) = Σ over orders at a reserve status, or at an unknown status that
//!   was holding (R4), of their units of p;
//! - (e) the store's own consistency check (reservations are the sum over orders);
//! - (c) after a push_stock run with no failed item, Prom's quantity of each linked
//!   product is max(0, stock − reserved), and an unlinked product was never pushed;
//! - (f) a product is linked only from the start, by an import (R7), never by a pull.
//!
//! `today` draws only the events whose rules hold on the current code (R0): it must
//! pass. `rules` draws everything (old orders, custom statuses, conflicting changes,
//! negative lines, an unlinked product and imports): the acceptance property of issue 12.
//! A failure is shrunk to a short story, printed step by step with what diverged.
//!
//! No tokio time pause: the jobs do real loopback HTTP with tokio timeouts, which a
//! paused clock would fire whenever the runtime waits on I/O. Steps that date a change
//! leave a 2 ms gap instead (see `order_world::TICK`).

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, TestCaseError};
use rust_decimal::Decimal;

use crate::order_world::*;

/// A script: each inner vector runs as one unit (`today` pairs some events with the
/// run that follows them, so that no rule of issue 12 comes into play).
#[derive(Clone)]
pub struct Script {
    pub products: Vec<ProductSpec>,
    pub ops: Vec<Vec<Step>>,
}

impl fmt::Debug for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let p: Vec<String> = self
            .products
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "p{i}: stock {}{}",
                    p.stock,
                    if p.linked { "" } else { ", unlinked" }
                )
            })
            .collect();
        writeln!(f, "products {}", p.join("; "))?;
        // Orders are named as drawn; the failure's message has them as run.
        writeln!(f, "  steps as drawn (orders modulo those placed):")?;
        for (i, step) in self.ops.iter().flatten().enumerate() {
            writeln!(f, "  {i:>2} {step:?}")?;
        }
        Ok(())
    }
}

const PRODUCTS: usize = 3;
const ORDERS: usize = 3;
const ALL_STATUSES: [&str; 6] = ["pending", "received", "paid", DONE, "canceled", CUSTOM];

fn qty(negative: bool) -> BoxedStrategy<Decimal> {
    let positive = prop::sample::select(vec!["1", "2", "0.5", "3", "1.5"]).prop_map(dec);
    if negative {
        prop_oneof![12 => positive, 1 => Just(dec("-1"))].boxed()
    } else {
        positive.boxed()
    }
}

fn lines_strategy(negative: bool) -> impl Strategy<Value = Vec<Line>> {
    prop::collection::vec((0..PRODUCTS, qty(negative)), 1..=2)
}

fn statuses(s: &[&'static str]) -> impl Strategy<Value = String> + use<> {
    prop::sample::select(s.to_vec()).prop_map(String::from)
}

/// Everything: the acceptance property.
fn rules_op() -> impl Strategy<Value = Vec<Step>> {
    let place = (
        lines_strategy(true),
        statuses(&ALL_STATUSES),
        prop_oneof![3 => Just(0i64), 1 => Just(30)],
        any::<bool>(),
    )
        .prop_map(|(lines, status, created_days_ago, pulled)| {
            let placed = Step::Place(Placed {
                lines,
                status,
                created_days_ago,
                modified_days_ago: None,
            });
            // Half the time pulled at once, so that later steps find it in the store.
            if pulled {
                vec![placed, Step::Pull]
            } else {
                vec![placed]
            }
        });
    prop_oneof![
        3 => place,
        2 => (0..ORDERS, lines_strategy(true)).prop_map(|(o, l)| vec![Step::ChangeLines(o, l)]),
        3 => (0..ORDERS, statuses(&ALL_STATUSES)).prop_map(|(o, s)| vec![Step::PromStatus(o, s)]),
        3 => (0..ORDERS, statuses(&ALL_STATUSES)).prop_map(|(o, s)| vec![Step::LocalStatus(o, s)]),
        // A local and a Prom change of one order, in either order, then a pull (R2).
        3 => (0..ORDERS, statuses(&ALL_STATUSES), statuses(&ALL_STATUSES), any::<bool>())
            .prop_map(|(o, local, prom, local_first)| {
                let (l, p) = (Step::LocalStatus(o, local), Step::PromStatus(o, prom));
                if local_first { vec![l, p, Step::Pull] } else { vec![p, l, Step::Pull] }
            }),
        5 => Just(vec![Step::Pull]),
        2 => Just(vec![Step::PushStock]),
        2 => Just(vec![Step::PushStatuses]),
        1 => Just(vec![Step::Restart]),
        1 => Just(vec![Step::Import]),
    ]
}

/// R0 only: every order is pulled as it is placed (never first seen delivered), a line
/// change is pulled at once and only for an order delivered on neither side, a local
/// status is one the map sends and is pushed at once (no conflict), no custom status,
/// no negative line, every product linked.
fn today_op() -> impl Strategy<Value = Vec<Step>> {
    let place = (
        lines_strategy(false),
        statuses(&["pending", "received", "paid", "canceled"]),
    )
        .prop_map(|(lines, status)| {
            vec![
                Step::Place(Placed {
                    lines,
                    status,
                    created_days_ago: 0,
                    modified_days_ago: None,
                }),
                Step::Pull,
            ]
        });
    prop_oneof![
        3 => place,
        2 => (0..ORDERS, lines_strategy(false))
            .prop_map(|(o, l)| vec![Step::ChangeLines(o, l), Step::Pull]),
        3 => (0..ORDERS, statuses(&["pending", "received", "paid", DONE, "canceled"]))
            .prop_map(|(o, s)| vec![Step::PromStatus(o, s)]),
        3 => (0..ORDERS, statuses(&["received", "paid", DONE, "canceled"]))
            .prop_map(|(o, s)| vec![Step::LocalStatus(o, s), Step::PushStatuses]),
        3 => Just(vec![Step::Pull]),
        2 => Just(vec![Step::PushStock]),
        1 => Just(vec![Step::PushStatuses]),
        1 => Just(vec![Step::Restart]),
    ]
}

fn script(
    op: impl Strategy<Value = Vec<Step>>,
    ops: std::ops::RangeInclusive<usize>,
    unlinked_p2: bool,
) -> impl Strategy<Value = Script> {
    let last_linked = if unlinked_p2 {
        prop_oneof![Just(true), Just(false)].boxed()
    } else {
        Just(true).boxed()
    };
    (
        prop::collection::vec(0..=6i64, PRODUCTS),
        last_linked,
        prop::collection::vec(op, ops),
    )
        .prop_map(|(stocks, last_linked, ops)| Script {
            products: stocks
                .iter()
                .enumerate()
                .map(|(i, s)| ProductSpec {
                    stock: *s,
                    linked: i + 1 < PRODUCTS || last_linked,
                    same_sku: true,
                })
                .collect(),
            ops,
        })
}

// ---- the model -------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct MOrder {
    created: DateTime<Utc>,
    seen: bool,
    /// R1: its done status moves stock.
    tracked: bool,
    /// The lines as last stored.
    lines: Vec<Line>,
    /// Prom's `date_modified` as last stored.
    stored_modified: DateTime<Utc>,
    local: String,
    /// Prom's status as last read or confirmed.
    prom_known: String,
    /// A local change not yet pushed, and when it was made.
    pending_since: Option<DateTime<Utc>>,
    /// R4: whether it holds stock (kept through unknown statuses).
    holding: bool,
    /// Its lines' stock left with the done status (kept through unknown statuses; never
    /// for an order that is not tracked, i.e. history).
    shipped: bool,
}

struct Model {
    products: Vec<ProductSpec>,
    initial: Vec<i64>,
    linked: Vec<bool>,
    reserve: Vec<String>,
    tracking_start: Option<DateTime<Utc>>,
    orders: Vec<MOrder>,
}

/// The statuses `status_map` sends (identity in the world's configuration).
const MAPPED: [&str; 4] = ["received", "paid", DONE, "canceled"];

fn units(q: Decimal) -> i64 {
    use rust_decimal::prelude::ToPrimitive;
    q.max(Decimal::ZERO).ceil().to_i64().unwrap()
}

impl Model {
    fn new(spec: &WorldSpec) -> Self {
        Self {
            products: spec.products.clone(),
            initial: spec.products.iter().map(|p| p.stock).collect(),
            linked: spec.products.iter().map(|p| p.linked).collect(),
            reserve: spec.reserve_statuses.clone(),
            tracking_start: None,
            orders: Vec::new(),
        }
    }

    /// What order `o` holds or ships of product `p`.
    fn units(&self, o: &MOrder, p: usize) -> i64 {
        if !self.linked[p] {
            return 0;
        }
        units(
            o.lines
                .iter()
                .filter(|(lp, _)| *lp == p)
                .map(|(_, q)| *q)
                .sum(),
        )
    }

    fn stock(&self, p: usize) -> i64 {
        self.initial[p]
            - self
                .orders
                .iter()
                .filter(|o| o.seen && o.shipped)
                .map(|o| self.units(o, p))
                .sum::<i64>()
    }

    fn reserved(&self, p: usize) -> i64 {
        self.orders
            .iter()
            .filter(|o| o.seen && o.holding && o.local != DONE)
            .map(|o| self.units(o, p))
            .sum()
    }

    /// R4: a reserve status holds; done and Prom's own statuses do not; any other
    /// status keeps what the order did.
    fn holds(&self, status: &str, before: bool) -> bool {
        if self.reserve.iter().any(|s| s == status) {
            true
        } else if status == DONE || KNOWN.contains(&status) {
            false
        } else {
            before
        }
    }

    /// After any step: what the local statuses now imply.
    fn settle(&mut self) {
        for i in 0..self.orders.len() {
            let o = &self.orders[i];
            if !o.seen {
                continue;
            }
            let holding = self.holds(&o.local, o.holding);
            let unknown = !self.reserve.contains(&o.local)
                && o.local != DONE
                && !KNOWN.contains(&o.local.as_str());
            let o = &mut self.orders[i];
            o.holding = holding;
            // A history order stays history; a shop's own status keeps what was shipped.
            if o.local == DONE {
                o.shipped = o.tracked;
            } else if !unknown {
                o.shipped = false;
            }
        }
    }

    /// A pull read `read` (the sandbox's orders and their lines, in the world's
    /// numbering), started at `started`.
    fn pull(
        &mut self,
        read: &[(promua_sync::sandbox::SandboxOrder, Vec<Line>)],
        started: DateTime<Utc>,
    ) {
        let start = *self
            .tracking_start
            .get_or_insert(started - Duration::days(INITIAL_DAYS));
        for (o, (so, lines)) in self.orders.iter_mut().zip(read) {
            // Before the first window: no pull reads it (R3 only reports it).
            if so.date_modified < start {
                continue;
            }
            let lines = lines.clone();
            // R5: a negative line fails the order: nothing of it is stored or changed.
            if lines
                .iter()
                .any(|(_, q)| q.is_sign_negative() && !q.is_zero())
            {
                continue;
            }
            if !o.seen {
                o.seen = true;
                o.tracked = so.status != DONE || o.created >= start;
                o.lines = lines;
                o.stored_modified = so.date_modified;
                o.local = so.status.clone();
                o.prom_known = so.status.clone();
                o.pending_since = None;
                o.holding = true;
                o.shipped = false;
                continue;
            }
            if so.date_modified == o.stored_modified {
                continue;
            }
            o.lines = lines;
            o.stored_modified = so.date_modified;
            if so.status != o.prom_known {
                match o.pending_since {
                    // R2: the local change was later: it stays, to be pushed.
                    Some(t) if t >= so.date_modified => {}
                    _ => {
                        o.local = so.status.clone();
                        o.pending_since = None;
                    }
                }
                o.prom_known = so.status.clone();
            }
        }
    }

    fn push_statuses(&mut self) {
        for o in &mut self.orders {
            if o.seen && o.pending_since.is_some() && MAPPED.contains(&o.local.as_str()) {
                o.prom_known = o.local.clone();
                o.pending_since = None;
            }
        }
    }
}

// ---- running a script ------------------------------------------------------------------

/// The step as run: an order is named modulo the orders placed so far (`None` before
/// the first). `today` leaves out what would bring a rule of issue 12 into play.
fn resolve(step: &Step, world: &World, model: &Model, today: bool) -> Option<Step> {
    let n = world.order_count();
    let step = match step {
        Step::ChangeLines(o, l) if n > 0 => Step::ChangeLines(o % n, l.clone()),
        Step::PromStatus(o, s) if n > 0 => Step::PromStatus(o % n, s.clone()),
        Step::LocalStatus(o, s) if n > 0 => Step::LocalStatus(o % n, s.clone()),
        Step::ChangeLines(..) | Step::PromStatus(..) | Step::LocalStatus(..) => return None,
        other => other.clone(),
    };
    let runs = match &step {
        Step::ChangeLines(o, _) if today => {
            model.orders[*o].seen && model.orders[*o].local != DONE && world.prom_status(*o) != DONE
        }
        Step::LocalStatus(o, _) if today => model.orders[*o].seen,
        _ => true,
    };
    runs.then_some(step)
}

fn check(world: &World, model: &Model, step: &Step) -> Result<(), String> {
    // (e) the store's own cross-tree invariants: reservations are the sum over orders.
    let problems = world
        .store()
        .check_consistency()
        .map_err(|e| e.to_string())?;
    if !problems.is_empty() {
        return Err(format!("(e) store inconsistent: {problems:?}"));
    }
    for (i, o) in model.orders.iter().enumerate() {
        let local = world.local_status(i);
        let want = o.seen.then(|| o.local.clone());
        if local != want {
            return Err(format!(
                "(d) order o{i}: local status {local:?} in the store, {want:?} by the rules"
            ));
        }
    }
    for p in 0..model.initial.len() {
        if world.linked(p) != model.linked[p] {
            return Err(format!(
                "(f) p{p}: linked {} in the store, {} by the rules",
                world.linked(p),
                model.linked[p]
            ));
        }
        let (stock, want) = (world.stock(p), model.stock(p));
        if stock != want {
            return Err(format!(
                "(a) stock(p{p}) = {stock} in the store, {want} by the rules"
            ));
        }
        let (reserved, want) = (world.reserved(p), model.reserved(p));
        if reserved != want {
            return Err(format!(
                "(b) reserved(p{p}) = {reserved} in the store, {want} by the rules"
            ));
        }
    }
    if *step == Step::PushStock {
        let r = world.last_run(STOCK).unwrap();
        if r.failed.is_empty() {
            for p in 0..model.initial.len() {
                let want = model.linked[p].then(|| (model.stock(p) - model.reserved(p)).max(0));
                if world.pushed(p) != want {
                    return Err(format!(
                        "(c) Prom's quantity of p{p} = {:?} after push_stock ({}), {want:?} by the rules",
                        world.pushed(p),
                        r.outcome
                    ));
                }
            }
        }
    }
    Ok(())
}

impl Model {
    /// The model's side of `step`, which the world ran (started at `started`) with
    /// `result`. An `Err` when the world accepted or refused what the rules do not.
    fn apply(
        &mut self,
        step: &Step,
        result: &Result<(), String>,
        world: &World,
        started: DateTime<Utc>,
    ) -> Result<(), String> {
        match step {
            Step::Place(p) => self.orders.push(MOrder {
                created: world.prom_order(world.order_count() - 1).date_created,
                seen: false,
                tracked: false,
                shipped: false,
                lines: Vec::new(),
                stored_modified: DateTime::<Utc>::MIN_UTC,
                local: String::new(),
                prom_known: p.status.clone(),
                pending_since: None,
                holding: false,
            }),
            Step::LocalStatus(o, s) => {
                let m = &mut self.orders[*o];
                match (result, m.seen) {
                    (Ok(()), true) => {
                        if m.local != *s {
                            m.local = s.clone();
                            m.pending_since = (*s != m.prom_known).then(Utc::now);
                        }
                    }
                    (Err(_), false) => {}
                    (r, seen) => {
                        self.settle();
                        return Err(format!(
                            "the status was {r:?} for an order the rules {} seen",
                            if seen { "have" } else { "have not" }
                        ));
                    }
                }
            }
            Step::Pull => {
                let read: Vec<_> = (0..world.order_count())
                    .map(|o| (world.prom_order(o), world.prom_lines(o)))
                    .collect();
                self.pull(&read, started);
            }
            Step::PushStatuses => self.push_statuses(),
            Step::Import => {
                for p in 0..self.linked.len() {
                    self.linked[p] |= self.products[p].same_sku;
                }
            }
            Step::Link(p) => self.linked[*p] |= result.is_ok(),
            _ => {}
        }
        self.settle();
        match result {
            Err(e) if !matches!(step, Step::LocalStatus(..)) => {
                Err(format!("the step failed: {e}"))
            }
            _ => Ok(()),
        }
    }
}

async fn run_script(script: &Script, today: bool) -> Result<(), String> {
    let spec = WorldSpec::of(script.products.clone());
    let mut world = World::new(&spec).await;
    let mut model = Model::new(&spec);
    let mut story = Vec::new();
    let mut ran = 0;
    for drawn in script.ops.iter().flatten() {
        let Some(step) = resolve(drawn, &world, &model, today) else {
            story.push(format!("     ({drawn:?}: skipped)"));
            continue;
        };
        story.push(format!("  {ran:>2} {step:?}"));
        ran += 1;
        let started = Utc::now();
        let result = world.step(&step).await;
        if let Err(e) = model
            .apply(&step, &result, &world, started)
            .and_then(|()| check(&world, &model, &step))
        {
            return Err(format!(
                "products {:?}\n{}\n  after the last step: {e}",
                script.products.iter().map(|p| p.stock).collect::<Vec<_>>(),
                story.join("\n")
            ));
        }
    }
    Ok(())
}

fn run_case(script: &Script, today: bool) -> Result<(), TestCaseError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run_script(script, today))
        .map_err(TestCaseError::fail)
}

/// Small enough for well under a minute in debug on two cores, shrinking included.
/// `PROPTEST_CASES` overrides the number of cases.
fn config(cases: u32) -> PropConfig {
    PropConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(cases),
        max_shrink_iters: 200,
        max_shrink_time: 25_000,
        // The failures are printed as a story; no regression files in the source tree.
        failure_persistence: None,
        ..PropConfig::default()
    }
}

proptest! {
    #![proptest_config(config(40))]

    /// R0 only: must pass on the current code.
    #[test]
    fn today(script in script(today_op(), 3..=10, false)) {
        run_case(&script, true)?;
    }
}

proptest! {
    #![proptest_config(config(48))]

    /// Every rule of issue 12: the acceptance property for the order logic.
    #[test]
    fn rules(script in script(rules_op(), 4..=14, true)) {
        run_case(&script, false)?;
    }
}

/// The model reads the rows of `order_rules` as they are written: its stock, reserved
/// and local statuses are the rows' after every step (a check of the model, whatever the
/// code does). The model reads Prom's side from the sandbox, which the code under test
/// writes to (status pushes): a row is followed up to the first step at which the code
/// does not do what the row says, that step included.
#[tokio::test]
async fn the_model_agrees_with_the_table() {
    use crate::order_rules::{Check, all_rows, mismatch};
    let mut disagreements = Vec::new();
    for (name, row) in all_rows() {
        let mut world = World::new(&row.world).await;
        let mut model = Model::new(&row.world);
        for (i, (step, checks)) in row.steps.iter().enumerate() {
            let started = Utc::now();
            let result = world.step(step).await;
            let _ = model.apply(step, &result, &world, started);
            let code_differs =
                result.is_err() || checks.iter().any(|c| mismatch(&world, c).is_some());
            for c in checks {
                let (got, want) = match c {
                    Check::Stock(p, n) => (model.stock(*p).to_string(), n.to_string()),
                    Check::Reserved(p, n) => (model.reserved(*p).to_string(), n.to_string()),
                    Check::Local(o, s) => (
                        model
                            .orders
                            .get(*o)
                            .filter(|o| o.seen)
                            .map_or("-".into(), |o| o.local.clone()),
                        s.to_string(),
                    ),
                    _ => continue,
                };
                if got != want {
                    disagreements.push(format!("{name} step {i} {step:?}: {c:?}: model {got}"));
                }
            }
            if code_differs {
                break;
            }
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}
