//! The reliability suite (issue 17): the whole daemon keeping its promises while
//! everything goes wrong at once. `cargo test --test it reliability::` runs its short
//! mode (CI); `RELIABILITY_FULL=1` runs the full one whose figures RELIABILITY.md holds.
//! Each test prints its figures as `RELIABILITY | part | figure | value` lines (seen with
//! `--nocapture`), which the full run's command gathers into a table.

mod soak;
mod soak_chaos;
mod soak_checks;
mod soak_daemon;
mod soak_found;
mod soak_workload;
mod soak_world;

/// Whether the full run was asked for (`RELIABILITY_FULL=1`); otherwise the short mode.
pub fn full() -> bool {
    std::env::var("RELIABILITY_FULL").is_ok_and(|v| v == "1")
}

/// `short` in the short mode, `long` in the full one.
pub fn sized<T>(short: T, long: T) -> T {
    if full() { long } else { short }
}

/// Prints one figure for the run's table.
pub fn figure(part: &str, name: &str, value: impl std::fmt::Display) {
    println!("RELIABILITY | {part} | {name} | {value}");
}

mod corpus;
mod corpus_csv;
mod damaged;
mod fuzz;
mod security;
