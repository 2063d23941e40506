//! Fuzzing every decoder of outside input (issue 17, item 2) on stable Rust with
//! proptest: Prom.ua's replies through the real client (`prom`), `jobs.toml` through the
//! config compiler (`config`), the CSV imports (`csv`) and the admin API's bodies
//! (`admin`). Each decoder gets arbitrary bytes and structured mutations of a valid
//! input; the promise is no panic and a clear error (naming its place) every time.
//! Each prints `fuzz | <decoder> cases` and `fuzz | <decoder> panics` (always 0: a panic
//! fails the test after the figure is printed).
//!
//! The short mode (CI) runs a few dozen cases per decoder on a fixed seed; the full one
//! (`RELIABILITY_FULL=1`) 10,000 per decoder (2,000 for those that open a store per case)
//! on a fresh seed.

mod admin;
mod config;
mod csv;
mod prom;
mod texts;

use std::cell::{Cell, RefCell};
use std::panic::{AssertUnwindSafe, catch_unwind};

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};
use serde_json::{Map, Value, json};

use super::{figure, full, sized};

/// Cases per decoder: `short` in CI, 10,000 in the full run.
pub fn cases(short: u32) -> u32 {
    sized(short, 10_000)
}

/// Cases per decoder whose every case opens a store (the CSV imports, the admin API's
/// bodies): `short` in CI, 2,000 in the full run, which keeps `.ci/reliability` near ten
/// minutes on 2 cores (10,000 each took 13 and 9 minutes, with no finding after 2,000).
pub fn store_cases(short: u32) -> u32 {
    sized(short, 2_000)
}

/// Runs `body` on `cases` inputs drawn from `strategy`, counts the cases and the panics,
/// prints both figures for `decoder`, and fails on the first panic or refusal (after
/// shrinking it). A fixed seed in the short mode keeps CI repeatable.
pub fn fuzz<S: Strategy>(
    decoder: &str,
    cases: u32,
    strategy: S,
    body: impl FnMut(S::Value) -> Result<(), String>,
) where
    S::Value: std::fmt::Debug,
{
    let config = Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    };
    let mut runner = if full() {
        TestRunner::new(config)
    } else {
        TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha))
    };
    let (n, panics) = (Cell::new(0u64), Cell::new(0u64));
    let body = RefCell::new(body);
    let result = runner.run(&strategy, |input| {
        n.set(n.get() + 1);
        match catch_unwind(AssertUnwindSafe(|| (body.borrow_mut())(input))) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(TestCaseError::fail(e)),
            Err(p) => {
                panics.set(panics.get() + 1);
                let what = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                Err(TestCaseError::fail(format!("panicked: {what}")))
            }
        }
    });
    figure("fuzz", &format!("{decoder} cases"), n.get());
    figure("fuzz", &format!("{decoder} panics"), panics.get());
    if let Err(e) = result {
        panic!("{decoder}: {e}");
    }
}

/// Text a decoder may meet: numbers written oddly, blanks, control characters,
/// Cyrillic, quotes and separators, very long runs.
pub fn odd_text() -> impl Strategy<Value = String> {
    prop_oneof![
        ".{0,12}",
        "[0-9 .,+eE-]{0,12}",
        Just(String::new()),
        Just(" ".into()),
        Just("\u{0}".into()),
        Just("\u{feff}".into()),
        Just("-1".into()),
        Just("1e400".into()),
        Just("99999999999999999999999".into()),
        Just("NaN".into()),
        Just("Привіт, \"світ\"; ok".into()),
        (1usize..5000).prop_map(|n| "x".repeat(n)),
    ]
}

/// Any JSON value, with field names taken from the shapes being fuzzed (`keys`) often
/// enough to reach past the first check.
pub fn json_value(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just(0i64),
            Just(1),
            Just(-1),
            Just(i64::MAX),
            Just(i64::MIN)
        ]
        .prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        odd_text().prop_map(Value::String),
    ];
    let key = prop_oneof![
        3 => proptest::sample::select(keys).prop_map(str::to_string),
        1 => ".{0,6}",
    ];
    leaf.prop_recursive(3, 24, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One change to a JSON document: which node (an index into its nodes, modulo their
/// number), what to do there, and the value it may put.
#[derive(Debug, Clone)]
pub struct Mutation {
    pub at: usize,
    pub how: u8,
    pub value: Value,
}

pub fn mutations(keys: &'static [&'static str]) -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(
        (any::<usize>(), 0u8..4, json_value(keys)).prop_map(|(at, how, value)| Mutation {
            at,
            how,
            value,
        }),
        1..5,
    )
}

/// The paths of every node of `doc` (the root is `[]`).
pub fn paths(doc: &Value) -> Vec<Vec<Step>> {
    let mut out = vec![Vec::new()];
    fn walk(v: &Value, at: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
        match v {
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    at.push(Step::Index(i));
                    out.push(at.clone());
                    walk(item, at, out);
                    at.pop();
                }
            }
            Value::Object(map) => {
                for (k, item) in map {
                    at.push(Step::Key(k.clone()));
                    out.push(at.clone());
                    walk(item, at, out);
                    at.pop();
                }
            }
            _ => {}
        }
    }
    walk(doc, &mut Vec::new(), &mut out);
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// `doc` with `m` applied: the node replaced (0, 1), removed (2: null at the root), or
/// wrapped in an array (3). Returns the path it changed.
pub fn mutate(
    doc: &mut Value,
    m: &Mutation,
    allowed: impl Fn(&[Step]) -> bool,
) -> Option<Vec<Step>> {
    let candidates: Vec<Vec<Step>> = paths(doc).into_iter().filter(|p| allowed(p)).collect();
    if candidates.is_empty() {
        return None;
    }
    let path = candidates[m.at % candidates.len()].clone();
    let Some((last, parent_path)) = path.split_last() else {
        *doc = m.value.clone();
        return Some(path);
    };
    let mut parent = &mut *doc;
    for s in parent_path {
        parent = match s {
            Step::Key(k) => &mut parent[k.as_str()],
            Step::Index(i) => &mut parent[*i],
        };
    }
    match (m.how, last, parent) {
        (2, Step::Key(k), Value::Object(map)) => {
            map.remove(k);
        }
        (2, Step::Index(i), Value::Array(items)) => {
            items.remove(*i);
        }
        (3, s, parent) => {
            let node = node_mut(parent, s);
            *node = json!([node.take()]);
        }
        (_, s, parent) => *node_mut(parent, s) = m.value.clone(),
    }
    Some(path)
}

fn node_mut<'a>(parent: &'a mut Value, s: &Step) -> &'a mut Value {
    match s {
        Step::Key(k) => &mut parent[k.as_str()],
        Step::Index(i) => &mut parent[*i],
    }
}

/// Arbitrary bytes, mostly short, some long.
pub fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => prop::collection::vec(any::<u8>(), 0..64),
        1 => prop::collection::vec(any::<u8>(), 0..4096),
    ]
}
