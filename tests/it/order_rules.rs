//! The rules of issue 12 ("never oversell") as a table: each row a named sequence of
//! [`Step`]s in a [`World`], with what must hold after each step. Every row is its own
//! test (`cargo test --test it order_rules::`); a failing row lists every mismatch of
//! every step, the first one first.
//!
//! Unless a row says otherwise, `at(stock, reserved, pushed, local, prom)` is about
//! product 0 and order 0: stock and reserved in the store, the quantity Prom.ua shows
//! (`None`: never pushed), the order's local status (`"-"`: not in the store) and its
//! status on Prom.ua (`"-"`: not placed yet).

use promua_sync::report::RunRecord;

use crate::order_world::*;

/// What must hold after a step.
#[derive(Debug, Clone)]
pub enum Check {
    Stock(usize, i64),
    Reserved(usize, i64),
    Pushed(usize, Option<i64>),
    Local(usize, &'static str),
    Prom(usize, &'static str),
    Linked(usize, bool),
    /// The last record of the job names the order's id (in a note, a failed item, or
    /// any other field: the record's JSON is searched).
    Reports(&'static str, usize),
    /// The last record of the job does not name the order.
    Quiet(&'static str, usize),
    /// The last record of the job has a failed item for the order.
    FailedItem(&'static str, usize),
    /// The last record of the job names this text (any field).
    Says(&'static str, &'static str),
    /// The last record of the job has a warning of this kind (`history`,
    /// `status_conflict`, ...) for the order.
    Warned(&'static str, &'static str, usize),
    /// The last record of the job has no warning of this kind.
    Unwarned(&'static str, &'static str),
    /// One note of the last record of the job names all these orders, their count (a
    /// number of its own) and `job run <job> --since YYYY-MM-DD`.
    SinceNote(&'static str, Vec<usize>),
}

use Check::*;

/// Product 0's stock, reserved and pushed quantity; order 0's local and Prom status.
pub fn at(
    stock: i64,
    reserved: i64,
    pushed: Option<i64>,
    local: &'static str,
    prom: &'static str,
) -> Vec<Check> {
    vec![
        Stock(0, stock),
        Reserved(0, reserved),
        Pushed(0, pushed),
        Local(0, local),
        Prom(0, prom),
    ]
}

pub trait Plus {
    fn plus(self, more: impl IntoIterator<Item = Check>) -> Vec<Check>;
}

impl Plus for Vec<Check> {
    fn plus(mut self, more: impl IntoIterator<Item = Check>) -> Vec<Check> {
        self.extend(more);
        self
    }
}

pub struct Row {
    pub rule: &'static str,
    pub world: WorldSpec,
    pub steps: Vec<(Step, Vec<Check>)>,
}

fn record_text(r: &RunRecord) -> String {
    serde_json::to_string(r).unwrap()
}

/// `None` when the check holds, else what was found.
pub fn mismatch(w: &World, c: &Check) -> Option<String> {
    let record = |job: &str| w.last_run(job);
    let found = match c {
        Stock(p, want) => (w.stock(*p) != *want).then(|| w.stock(*p).to_string()),
        Reserved(p, want) => (w.reserved(*p) != *want).then(|| w.reserved(*p).to_string()),
        Pushed(p, want) => (w.pushed(*p) != *want).then(|| format!("{:?}", w.pushed(*p))),
        Local(o, want) => {
            let got = if *o < w.order_count() {
                w.local_status(*o)
            } else {
                None
            };
            let got = got.unwrap_or_else(|| "-".into());
            (got != *want).then_some(got)
        }
        Prom(o, want) => {
            let got = if *o < w.order_count() {
                w.prom_status(*o)
            } else {
                "-".into()
            };
            (got != *want).then_some(got)
        }
        Linked(p, want) => (w.linked(*p) != *want).then(|| w.linked(*p).to_string()),
        Reports(job, o) => match record(job) {
            Some(r) if record_text(r).contains(&w.order_id(*o).to_string()) => None,
            r => Some(format!("{r:?}")),
        },
        Quiet(job, o) => match record(job) {
            Some(r) if record_text(r).contains(&w.order_id(*o).to_string()) => {
                Some(format!("{r:?}"))
            }
            _ => None,
        },
        FailedItem(job, o) => match record(job) {
            Some(r) if r.failed.iter().any(|f| f.prom_id == w.order_id(*o)) => None,
            r => Some(format!("{r:?}")),
        },
        Says(job, text) => match record(job) {
            Some(r) if record_text(r).contains(text) => None,
            r => Some(format!("{r:?}")),
        },
        Warned(job, kind, o) => match record(job) {
            Some(r)
                if r.warnings
                    .iter()
                    .any(|x| x.kind == *kind && x.prom_id == w.order_id(*o)) =>
            {
                None
            }
            r => Some(format!("{:?}", r.map(|r| &r.warnings))),
        },
        Unwarned(job, kind) => match record(job) {
            Some(r) if r.warnings.iter().any(|x| x.kind == *kind) => {
                Some(format!("{:?}", r.warnings))
            }
            _ => None,
        },
        SinceNote(job, orders) => {
            let command = format!("job run {job} --since ");
            let count = orders.len().to_string();
            let wanted = |n: &String| {
                orders
                    .iter()
                    .all(|o| n.contains(&w.order_id(*o).to_string()))
                    && n.split(|c: char| !c.is_ascii_digit()).any(|t| t == count)
                    && n.split(&command).skip(1).any(|rest| {
                        rest.get(..10).is_some_and(|d| {
                            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok()
                        })
                    })
            };
            match record(job) {
                Some(r) if r.notes.iter().any(wanted) => None,
                r => Some(format!("{:?}", r.map(|r| &r.notes))),
            }
        }
    };
    found.map(|got| format!("{c:?}: got {got}"))
}

pub async fn run_row(name: &str, row: Row) {
    let mut world = World::new(&row.world).await;
    let mut failures = Vec::new();
    for (i, (step, checks)) in row.steps.iter().enumerate() {
        if let Err(e) = world.step(step).await {
            failures.push(format!("step {i} {step:?}: refused: {e}"));
        }
        for c in checks {
            if let Some(m) = mismatch(&world, c) {
                failures.push(format!("step {i} {step:?}: {m}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "row {name} ({}): {} mismatch(es), the first first:\n  {}",
        row.rule,
        failures.len(),
        failures.join("\n  ")
    );
}

macro_rules! rows {
    ($($name:ident),* $(,)?) => {
        /// Every row, by name (`order_props` reads them with its model).
        pub fn all_rows() -> Vec<(&'static str, Row)> {
            vec![$((stringify!($name), $name())),*]
        }

        mod each {
            $(
                #[tokio::test]
                async fn $name() {
                    super::run_row(stringify!($name), super::$name()).await
                }
            )*
        }
    };
}

rows! {
    r0_quantity_change,
    r0_half_lines_hold_one,
    r0_line_swap,
    r0_cancel_and_reopen,
    r0_deliver_once_across_pulls_and_restarts,
    r0_deliver_on_prom,
    r0_undeliver,
    r0_late_link_reserves_then,
    r0_late_link_ships_then,
    r1_delivered_between_pulls,
    r1_delivered_during_downtime,
    r1_first_pull_history_and_recent,
    r1_tracking_start_survives_restart,
    r1_old_open_order_is_tracked,
    r2_prom_later_wins,
    r2_local_later_wins,
    r2_unsendable_status_reported_until_prom_resolves,
    r3_first_pull_reports_old_open_orders,
    r4_custom_status_on_a_new_order_holds,
    r4_custom_status_keeps_previous_state,
    r4_reserve_statuses_may_name_custom_ones,
    r5_delivered_line_shrinks,
    r5_delivered_line_grows,
    r5_negative_line_fails_the_order_only,
    r7_sku_links_only_to_a_catalogue_product,
}

// ---- R0: works today -------------------------------------------------------------------

fn r0_quantity_change() -> Row {
    Row {
        rule: "R0 a changed quantity changes the reservation",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (Step::PushStock, at(10, 2, Some(8), "pending", "pending")),
            (
                Step::ChangeLines(0, lines(&[(0, "5")])),
                at(10, 2, Some(8), "pending", "pending"),
            ),
            (Step::Pull, at(10, 5, Some(8), "pending", "pending")),
            (Step::PushStock, at(10, 5, Some(5), "pending", "pending")),
            (
                Step::ChangeLines(0, lines(&[(0, "1")])),
                at(10, 5, Some(5), "pending", "pending"),
            ),
            (Step::Pull, at(10, 1, Some(5), "pending", "pending")),
            (Step::PushStock, at(10, 1, Some(9), "pending", "pending")),
        ],
    }
}

fn r0_half_lines_hold_one() -> Row {
    Row {
        rule: "R0 a product's lines are summed, then rounded up once",
        world: WorldSpec::linked(&[10, 10]),
        steps: vec![
            (
                place(&[(0, "0.5"), (0, "0.5"), (1, "0.5")]).step(),
                at(10, 0, None, "-", "pending"),
            ),
            (
                Step::Pull,
                at(10, 1, None, "pending", "pending").plus([Reserved(1, 1)]),
            ),
            (
                Step::PushStock,
                at(10, 1, Some(9), "pending", "pending").plus([Pushed(1, Some(9))]),
            ),
            (
                Step::ChangeLines(0, lines(&[(0, "1.5"), (0, "1")])),
                at(10, 1, Some(9), "pending", "pending"),
            ),
            (
                Step::Pull,
                at(10, 3, Some(9), "pending", "pending").plus([Reserved(1, 0)]),
            ),
        ],
    }
}

fn r0_line_swap() -> Row {
    Row {
        rule: "R0 a line swapped for another product moves the reservation",
        world: WorldSpec::linked(&[10, 10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (
                Step::Pull,
                at(10, 2, None, "pending", "pending").plus([Reserved(1, 0)]),
            ),
            (
                Step::ChangeLines(0, lines(&[(1, "3")])),
                at(10, 2, None, "pending", "pending"),
            ),
            (
                Step::Pull,
                at(10, 0, None, "pending", "pending").plus([Reserved(1, 3), Stock(1, 10)]),
            ),
            (
                Step::PushStock,
                at(10, 0, Some(10), "pending", "pending").plus([Pushed(1, Some(7))]),
            ),
        ],
    }
}

fn r0_cancel_and_reopen() -> Row {
    Row {
        rule: "R0 cancelling releases the reservation, re-opening takes it again",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "3")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 3, None, "pending", "pending")),
            (
                local_status(0, "canceled"),
                at(10, 0, None, "canceled", "pending"),
            ),
            (Step::PushStock, at(10, 0, Some(10), "canceled", "pending")),
            (
                Step::PushStatuses,
                at(10, 0, Some(10), "canceled", "canceled"),
            ),
            (Step::Pull, at(10, 0, Some(10), "canceled", "canceled")),
            (
                local_status(0, "received"),
                at(10, 3, Some(10), "received", "canceled"),
            ),
            (
                Step::PushStatuses,
                at(10, 3, Some(10), "received", "received"),
            ),
            (Step::PushStock, at(10, 3, Some(7), "received", "received")),
            (Step::Pull, at(10, 3, Some(7), "received", "received")),
        ],
    }
}

fn r0_deliver_once_across_pulls_and_restarts() -> Row {
    Row {
        rule: "R0 delivering moves the stock once and releases the reservation",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (
                local_status(0, "delivered"),
                at(8, 0, None, "delivered", "pending"),
            ),
            (Step::PushStatuses, at(8, 0, None, "delivered", "delivered")),
            (Step::Pull, at(8, 0, None, "delivered", "delivered")),
            (Step::Restart, at(8, 0, None, "delivered", "delivered")),
            (Step::Pull, at(8, 0, None, "delivered", "delivered")),
            (Step::PushStock, at(8, 0, Some(8), "delivered", "delivered")),
        ],
    }
}

fn r0_deliver_on_prom() -> Row {
    Row {
        rule: "R0 an order delivered on Prom.ua moves the stock at the next pull",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (
                prom_status(0, "delivered"),
                at(10, 2, None, "pending", "delivered"),
            ),
            (Step::Pull, at(8, 0, None, "delivered", "delivered")),
            (Step::Restart, at(8, 0, None, "delivered", "delivered")),
            (Step::Pull, at(8, 0, None, "delivered", "delivered")),
        ],
    }
}

fn r0_undeliver() -> Row {
    Row {
        rule: "R0 leaving the done status puts the stock back",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "3")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 3, None, "pending", "pending")),
            (
                local_status(0, "delivered"),
                at(7, 0, None, "delivered", "pending"),
            ),
            (
                local_status(0, "received"),
                at(10, 3, None, "received", "pending"),
            ),
            (Step::PushStatuses, at(10, 3, None, "received", "received")),
            (Step::Pull, at(10, 3, None, "received", "received")),
            (Step::PushStock, at(10, 3, Some(7), "received", "received")),
        ],
    }
}

/// Product 0 is not linked, and its Prom SKU differs: only a hand link joins them.
fn unlinked_other_sku(stock: i64) -> WorldSpec {
    WorldSpec::of(vec![ProductSpec {
        stock,
        linked: false,
        same_sku: false,
    }])
}

fn r0_late_link_reserves_then() -> Row {
    Row {
        rule: "R0 a line linked later reserves then",
        world: unlinked_other_sku(10),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (
                Step::Pull,
                at(10, 0, None, "pending", "pending").plus([Linked(0, false), Reports(PULL, 0)]),
            ),
            (
                Step::Link(0),
                at(10, 2, None, "pending", "pending").plus([Linked(0, true)]),
            ),
            (Step::PushStock, at(10, 2, Some(8), "pending", "pending")),
            (
                local_status(0, "delivered"),
                at(8, 0, Some(8), "delivered", "pending"),
            ),
        ],
    }
}

fn r0_late_link_ships_then() -> Row {
    Row {
        rule: "R0 a delivered order's line linked later ships then",
        world: unlinked_other_sku(10),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 0, None, "pending", "pending")),
            (
                local_status(0, "delivered"),
                at(10, 0, None, "delivered", "pending"),
            ),
            (Step::Link(0), at(8, 0, None, "delivered", "pending")),
            (Step::Pull, at(8, 0, None, "delivered", "pending")),
        ],
    }
}

// ---- R1: tracking start ----------------------------------------------------------------

fn r1_delivered_between_pulls() -> Row {
    Row {
        rule: "R1 an order placed and delivered between two pulls moves the stock",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (Step::Pull, at(10, 0, None, "-", "-")),
            (
                place(&[(0, "2")]).status("delivered").step(),
                at(10, 0, None, "-", "delivered"),
            ),
            (Step::Pull, at(8, 0, None, "delivered", "delivered")),
            (Step::Pull, at(8, 0, None, "delivered", "delivered")),
            (Step::PushStock, at(8, 0, Some(8), "delivered", "delivered")),
        ],
    }
}

fn r1_delivered_during_downtime() -> Row {
    Row {
        rule: "R1 an order placed and delivered while the daemon was down moves the stock",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (Step::Pull, at(10, 0, None, "-", "-")),
            (Step::Restart, at(10, 0, None, "-", "-")),
            (
                place(&[(0, "3")]).status("pending").step(),
                at(10, 0, None, "-", "pending"),
            ),
            (
                prom_status(0, "delivered"),
                at(10, 0, None, "-", "delivered"),
            ),
            (Step::Pull, at(7, 0, None, "delivered", "delivered")),
            (Step::Restart, at(7, 0, None, "delivered", "delivered")),
            (Step::Pull, at(7, 0, None, "delivered", "delivered")),
        ],
    }
}

fn r1_first_pull_history_and_recent() -> Row {
    Row {
        rule: "R1 at the first pull, a delivered order created before its window is history, one created inside it moves stock",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (
                place(&[(0, "2")])
                    .status("delivered")
                    .created_days_ago(30)
                    .step(),
                at(10, 0, None, "-", "delivered"),
            ),
            (
                place(&[(0, "3")])
                    .status("delivered")
                    .created_days_ago(3)
                    .step(),
                at(10, 0, None, "-", "delivered"),
            ),
            (
                Step::Pull,
                at(7, 0, None, "delivered", "delivered").plus([Local(1, "delivered")]),
            ),
            (Step::Pull, at(7, 0, None, "delivered", "delivered")),
        ],
    }
}

fn r1_tracking_start_survives_restart() -> Row {
    Row {
        rule: "R1 the tracking start is the first pull's, after a restart too",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (Step::Pull, at(10, 0, None, "-", "-")),
            (Step::Restart, at(10, 0, None, "-", "-")),
            (
                place(&[(0, "2")])
                    .status("delivered")
                    .created_days_ago(10)
                    .step(),
                at(10, 0, None, "-", "delivered"),
            ),
            (
                place(&[(0, "3")])
                    .status("delivered")
                    .created_days_ago(3)
                    .step(),
                at(10, 0, None, "-", "delivered"),
            ),
            (
                Step::Pull,
                at(7, 0, None, "delivered", "delivered").plus([Local(1, "delivered")]),
            ),
        ],
    }
}

fn r1_old_open_order_is_tracked() -> Row {
    Row {
        rule: "R1 an order first seen open is tracked whatever its age",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (
                place(&[(0, "2")])
                    .status("received")
                    .created_days_ago(30)
                    .step(),
                at(10, 0, None, "-", "received"),
            ),
            (Step::Pull, at(10, 2, None, "received", "received")),
            (
                prom_status(0, "delivered"),
                at(10, 2, None, "received", "delivered"),
            ),
            (Step::Pull, at(8, 0, None, "delivered", "delivered")),
        ],
    }
}

// ---- R2: status conflicts --------------------------------------------------------------

fn r2_prom_later_wins() -> Row {
    Row {
        rule: "R2 the buyer cancels on Prom.ua after the seller set `paid`: Prom's later change wins",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (local_status(0, "paid"), at(10, 2, None, "paid", "pending")),
            (
                prom_status(0, "canceled"),
                at(10, 2, None, "paid", "canceled"),
            ),
            (
                Step::Pull,
                at(10, 0, None, "canceled", "canceled").plus([Reports(PULL, 0)]),
            ),
            (
                Step::PushStatuses,
                at(10, 0, None, "canceled", "canceled").plus([Quiet(STATUSES, 0)]),
            ),
            (Step::PushStock, at(10, 0, Some(10), "canceled", "canceled")),
            (Step::Pull, at(10, 0, Some(10), "canceled", "canceled")),
        ],
    }
}

fn r2_local_later_wins() -> Row {
    Row {
        rule: "R2 the seller sets `paid` after Prom.ua showed `canceled`: the local change wins and is sent",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (
                prom_status(0, "canceled"),
                at(10, 2, None, "pending", "canceled"),
            ),
            (local_status(0, "paid"), at(10, 2, None, "paid", "canceled")),
            (
                Step::Pull,
                at(10, 2, None, "paid", "canceled").plus([Reports(PULL, 0)]),
            ),
            (Step::PushStatuses, at(10, 2, None, "paid", "paid")),
            (Step::Pull, at(10, 2, None, "paid", "paid")),
            (Step::PushStock, at(10, 2, Some(8), "paid", "paid")),
        ],
    }
}

fn r2_unsendable_status_reported_until_prom_resolves() -> Row {
    Row {
        rule: "R2 a local status not in status_map is reported by every push until a later Prom change wins over it",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (
                local_status(0, "received"),
                at(10, 2, None, "received", "pending"),
            ),
            (Step::PushStatuses, at(10, 2, None, "received", "received")),
            (
                local_status(0, "pending"),
                at(10, 2, None, "pending", "received"),
            ),
            (
                Step::PushStatuses,
                at(10, 2, None, "pending", "received")
                    .plus([Reports(STATUSES, 0), Says(STATUSES, "`pending`")]),
            ),
            (
                Step::PushStatuses,
                at(10, 2, None, "pending", "received")
                    .plus([Reports(STATUSES, 0), Says(STATUSES, "`pending`")]),
            ),
            (
                prom_status(0, "canceled"),
                at(10, 2, None, "pending", "canceled"),
            ),
            (
                Step::Pull,
                at(10, 0, None, "canceled", "canceled").plus([Reports(PULL, 0)]),
            ),
            (
                Step::PushStatuses,
                at(10, 0, None, "canceled", "canceled").plus([Quiet(STATUSES, 0)]),
            ),
        ],
    }
}

// ---- R3: the first pull reports older open orders --------------------------------------

fn r3_first_pull_reports_old_open_orders() -> Row {
    Row {
        rule: "R3 the first pull names the open orders modified before its window and how to import them",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (
                place(&[(0, "2")])
                    .status("received")
                    .created_days_ago(30)
                    .modified_days_ago(20)
                    .step(),
                at(10, 0, None, "-", "received"),
            ),
            (
                place(&[(0, "1")])
                    .status("pending")
                    .created_days_ago(40)
                    .modified_days_ago(40)
                    .step(),
                at(10, 0, None, "-", "received"),
            ),
            // Not open: not reported.
            (
                place(&[(0, "4")])
                    .status("delivered")
                    .created_days_ago(30)
                    .modified_days_ago(30)
                    .step(),
                at(10, 0, None, "-", "received"),
            ),
            (
                Step::Pull,
                at(10, 0, None, "-", "received").plus([
                    Local(1, "-"),
                    Local(2, "-"),
                    SinceNote(PULL, vec![0, 1]),
                    Quiet(PULL, 2),
                ]),
            ),
        ],
    }
}

// ---- R4: custom statuses ---------------------------------------------------------------

fn r4_custom_status_on_a_new_order_holds() -> Row {
    Row {
        rule: "R4 a new order first seen at a custom status holds, and the status is reported",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (
                place(&[(0, "2")]).status(CUSTOM).step(),
                at(10, 0, None, "-", CUSTOM),
            ),
            (
                Step::Pull,
                at(10, 2, None, CUSTOM, CUSTOM).plus([Says(PULL, CUSTOM)]),
            ),
            (Step::PushStock, at(10, 2, Some(8), CUSTOM, CUSTOM)),
        ],
    }
}

fn r4_custom_status_keeps_previous_state() -> Row {
    Row {
        rule: "R4 a custom status keeps the order's previous reservation state",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (prom_status(0, CUSTOM), at(10, 2, None, "pending", CUSTOM)),
            (
                Step::Pull,
                at(10, 2, None, CUSTOM, CUSTOM).plus([Says(PULL, CUSTOM)]),
            ),
            (
                prom_status(0, "canceled"),
                at(10, 2, None, CUSTOM, "canceled"),
            ),
            (Step::Pull, at(10, 0, None, "canceled", "canceled")),
            (prom_status(0, CUSTOM), at(10, 0, None, "canceled", CUSTOM)),
            (Step::Pull, at(10, 0, None, CUSTOM, CUSTOM)),
            (Step::PushStock, at(10, 0, Some(10), CUSTOM, CUSTOM)),
        ],
    }
}

fn r4_reserve_statuses_may_name_custom_ones() -> Row {
    Row {
        rule: "R4 a custom status named in reserve_statuses holds",
        world: WorldSpec::linked(&[10]).reserving(&["pending", "received", "paid", CUSTOM]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 2, None, "pending", "pending")),
            (
                prom_status(0, "canceled"),
                at(10, 2, None, "pending", "canceled"),
            ),
            (Step::Pull, at(10, 0, None, "canceled", "canceled")),
            (prom_status(0, CUSTOM), at(10, 0, None, "canceled", CUSTOM)),
            (Step::Pull, at(10, 2, None, CUSTOM, CUSTOM)),
        ],
    }
}

// ---- R5: a delivered order's lines edited ----------------------------------------------

fn r5_delivered_line_shrinks() -> Row {
    Row {
        rule: "R5 shrinking a delivered order's line puts the difference back",
        world: WorldSpec::linked(&[10, 10]),
        steps: vec![
            (
                place(&[(0, "3"), (1, "2")]).step(),
                at(10, 0, None, "-", "pending"),
            ),
            (Step::Pull, at(10, 3, None, "pending", "pending")),
            (
                prom_status(0, "delivered"),
                at(10, 3, None, "pending", "delivered"),
            ),
            (
                Step::Pull,
                at(7, 0, None, "delivered", "delivered").plus([Stock(1, 8)]),
            ),
            (
                Step::ChangeLines(0, lines(&[(0, "1")])),
                at(7, 0, None, "delivered", "delivered"),
            ),
            (
                Step::Pull,
                at(9, 0, None, "delivered", "delivered").plus([Stock(1, 10), Reserved(1, 0)]),
            ),
            (Step::Restart, at(9, 0, None, "delivered", "delivered")),
            (Step::Pull, at(9, 0, None, "delivered", "delivered")),
        ],
    }
}

fn r5_delivered_line_grows() -> Row {
    Row {
        rule: "R5 growing a delivered order's line takes the difference",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "3")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 3, None, "pending", "pending")),
            (
                local_status(0, "delivered"),
                at(7, 0, None, "delivered", "pending"),
            ),
            (Step::PushStatuses, at(7, 0, None, "delivered", "delivered")),
            (
                Step::ChangeLines(0, lines(&[(0, "4.5")])),
                at(7, 0, None, "delivered", "delivered"),
            ),
            (Step::Pull, at(5, 0, None, "delivered", "delivered")),
            (Step::Pull, at(5, 0, None, "delivered", "delivered")),
        ],
    }
}

fn r5_negative_line_fails_the_order_only() -> Row {
    Row {
        rule: "R5 a negative line quantity fails that order (not stored), the run's other orders are stored",
        world: WorldSpec::linked(&[10]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (place(&[(0, "1")]).step(), at(10, 0, None, "-", "pending")),
            (Step::Pull, at(10, 3, None, "pending", "pending")),
            (
                prom_status(0, "delivered"),
                at(10, 3, None, "pending", "delivered"),
            ),
            (Step::Pull, at(8, 1, None, "delivered", "delivered")),
            (
                Step::ChangeLines(0, lines(&[(0, "-1")])),
                at(8, 1, None, "delivered", "delivered"),
            ),
            (
                Step::ChangeLines(1, lines(&[(0, "4")])),
                at(8, 1, None, "delivered", "delivered"),
            ),
            (
                place(&[(0, "-2")]).step(),
                at(8, 1, None, "delivered", "delivered"),
            ),
            (
                Step::Pull,
                at(8, 4, None, "delivered", "delivered").plus([
                    FailedItem(PULL, 0),
                    FailedItem(PULL, 2),
                    Local(2, "-"),
                ]),
            ),
            (Step::PushStock, at(8, 4, Some(4), "delivered", "delivered")),
        ],
    }
}

// ---- R7: links made by an order line ---------------------------------------------------

fn r7_sku_links_only_to_a_catalogue_product() -> Row {
    Row {
        rule: "R7 a line's SKU links a local product only to a Prom product a catalogue read showed",
        world: WorldSpec::of(vec![ProductSpec {
            stock: 10,
            linked: false,
            same_sku: true,
        }]),
        steps: vec![
            (place(&[(0, "2")]).step(), at(10, 0, None, "-", "pending")),
            (
                Step::Pull,
                at(10, 0, None, "pending", "pending").plus([Linked(0, false), Reports(PULL, 0)]),
            ),
            (
                Step::Import,
                at(10, 2, None, "pending", "pending").plus([Linked(0, true)]),
            ),
            (Step::PushStock, at(10, 2, Some(8), "pending", "pending")),
        ],
    }
}
