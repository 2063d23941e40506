use std::time::Instant;

use super::super::{Suggestion, auto_accepts, suggest_with};
use super::*;
use crate::sandbox::generate_products;
use crate::store::{Product, StagedProduct};

fn locals(n: usize, seed: u64) -> Vec<Product> {
    generate_products(n, 1, seed)
        .into_iter()
        .enumerate()
        .map(|(i, p)| Product {
            id: i as u64 + 1,
            sku: p.sku.unwrap_or_default(),
            name: p.name,
            price: None,
            currency: None,
        })
        .collect()
}

/// Prom products drawn from the local names, changed as sellers change them: case, word
/// order, another language, a number changed, a letter lost, a SKU kept or written
/// otherwise; and some of other catalogues.
fn staged(n: usize, locals: &[Product], seed: u64) -> Vec<StagedProduct> {
    let others = generate_products(n, 1, seed + 1);
    (0..n)
        .map(|i| {
            let l = &locals[(i * 7919 + seed as usize) % locals.len()];
            let words: Vec<&str> = l.name.split(' ').collect();
            let mut sku = None;
            let mut other_names = vec![];
            let name = match i % 9 {
                0 => l.name.to_uppercase(),
                1 => {
                    let mut w = words.clone();
                    w.swap(0, 1);
                    w.join(" ")
                }
                2 => {
                    other_names.push(l.name.to_lowercase());
                    format!("Товар {}", words.last().unwrap_or(&""))
                }
                3 => l.name.replace('№', "№1"),
                4 => l.name.chars().skip(1).collect(),
                5 => {
                    sku = Some(l.sku.clone());
                    format!("{} (Prom)", l.name)
                }
                6 => {
                    sku = Some(l.sku.to_lowercase().replace('-', " "));
                    l.name.clone()
                }
                7 => format!("{} новинка", words[..2].join(" ")),
                _ => others[i].name.clone(),
            };
            StagedProduct {
                prom_id: 1_000_000 + i as i64,
                sku,
                name,
                other_names,
                price: None,
                currency: None,
                quantity: None,
                staged_at: chrono::Utc::now(),
            }
        })
        .collect()
}

fn at_least(out: &[Suggestion], min: f64) -> Vec<Suggestion> {
    out.iter().filter(|s| s.score >= min).cloned().collect()
}

#[test]
fn the_overlap_bound_is_the_dice_bound() {
    // Dice 0.5 of sets of 9 and 3 needs 3 shared: 2·3/12.
    assert_eq!(overlap(9, 0.5), 3);
    assert_eq!(overlap(10, 0.5), 4);
    assert_eq!(overlap(1, 0.5), 1);
    assert_eq!(overlap(5, 1.0), 5);
}

#[test]
fn the_index_answers_as_every_pair_does_from_the_floor_up() {
    let locals = locals(10_000, 7);
    let staged = staged(300, &locals, 11);
    assert!(staged.len() * locals.len() > EXHAUSTIVE_UP_TO);
    let t = Instant::now();
    let every = suggest_with(&staged, &locals, 0.0, false);
    let every_took = t.elapsed();
    let t = Instant::now();
    let indexed = suggest_with(&staged, &locals, 0.0, true);
    let indexed_took = t.elapsed();
    assert_eq!(at_least(&indexed, FLOOR), at_least(&every, FLOOR));
    assert!(at_least(&every, FLOOR).len() > 200, "{}", every.len());
    assert!(every.iter().any(|s| s.ambiguous && s.score >= FLOOR));
    for min in [0.5, 0.6, 0.8, 0.95] {
        assert_eq!(
            suggest_with(&staged, &locals, min, true),
            at_least(&every, min),
            "min_score {min}"
        );
    }
    // Under the floor the index may miss a rival: its pairs there are never auto-accepted.
    for s in indexed.iter().filter(|s| s.score < FLOOR) {
        assert!(s.ambiguous && !auto_accepts(s, 0.0), "{s:?}");
    }
    let below = |o: &[Suggestion]| o.iter().filter(|s| s.score < FLOOR).count();
    eprintln!(
        "300 × 10,000 (debug): every pair {every_took:?}, indexed {indexed_took:?}; \
         suggestions ≥ {FLOOR}: {} both; below: {} every pair, {} indexed",
        at_least(&every, FLOOR).len(),
        below(&every),
        below(&indexed)
    );
}

/// `cargo test --lib suggest_cost -- --ignored --nocapture` (env S, L): the pass of the
/// Linking page, through the index, and every pair for a sample of the Prom products.
#[test]
#[ignore = "a measurement"]
fn suggest_cost() {
    let var = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (s, l) = (var("S", 2_000), var("L", 50_000));
    let locals = locals(l, 3);
    let staged = staged(s, &locals, 5);
    let t = Instant::now();
    let indexed = suggest_with(&staged, &locals, 0.0, true);
    eprintln!("{s} × {l} indexed: {:?}", t.elapsed());
    let t = Instant::now();
    let indexed_half = suggest_with(&staged, &locals, 0.5, true);
    eprintln!("{s} × {l} indexed, min 0.5: {:?}", t.elapsed());
    assert_eq!(indexed_half, at_least(&indexed, FLOOR));
    let sample = var("SAMPLE", 40).min(s);
    let t = Instant::now();
    suggest_with(&staged[..sample], &locals, 0.0, false);
    let took = t.elapsed();
    eprintln!(
        "{sample} × {l} every pair: {took:?}; × {} for {s}: {:?}",
        s / sample,
        took * (s / sample) as u32
    );
}

/// `cargo test --lib finder_cost -- --ignored --nocapture` (env S, L): the index's parts.
#[test]
#[ignore = "a measurement"]
fn finder_cost() {
    let var = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (s, l) = (var("S", 2_000), var("L", 50_000));
    let products = locals(l, 3);
    let staged = staged(s, &products, 5);
    let t = Instant::now();
    let locals: Vec<super::super::Local> = products
        .iter()
        .map(|p| super::super::Local {
            product: p,
            sku: crate::domain::sku::clean(&p.sku),
            key: crate::domain::sku::lookalike_key(&p.sku),
            name: Name::new(&p.name),
        })
        .collect();
    eprintln!("{l} local names: {:?}", t.elapsed());
    let t = Instant::now();
    let mut f = Finder::new(&locals, 0.0);
    eprintln!("the index: {:?}", t.elapsed());
    let t = Instant::now();
    let queries: Vec<super::super::Query> = staged.iter().map(super::super::Query::new).collect();
    eprintln!("{s} Prom names: {:?}", t.elapsed());
    let t = Instant::now();
    let mut found = 0;
    for q in &queries {
        let (a, b) = f.find(q.sku, q.key.as_deref(), &q.names);
        found += a.len() + b.len();
    }
    eprintln!("{s} look-ups: {:?}, {} found each", t.elapsed(), found / s);
}

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').map_or(rest.len(), |e| e + at);
        let code = u32::from_str_radix(&rest[at + 3..end], 16).unwrap();
        out.push(char::from_u32(code).unwrap());
        rest = &rest[(end + 1).min(rest.len())..];
    }
    out + rest
}

/// The labelled set of tests/it/suggestions.rs, its local products among 20,000 generated
/// ones (above the exhaustive size): the index gives every pair's answers from 0.5 up.
#[test]
fn the_labelled_set_among_many_gets_the_answers_of_every_pair() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/suggestions.csv"
    );
    let mut rows = csv::Reader::from_path(path).unwrap();
    let (mut staged, mut locals) = (vec![], locals(20_000, 9));
    for row in rows.deserialize::<std::collections::BTreeMap<String, String>>() {
        let row = row.unwrap();
        let sku = unescape(&row["sku"]);
        if row["side"] == "prom" {
            staged.push(StagedProduct {
                prom_id: row["prom_id"].parse().unwrap(),
                sku: (!sku.is_empty()).then_some(sku),
                name: row["name"].clone(),
                other_names: Some(row["other_name"].clone())
                    .filter(|n| !n.is_empty())
                    .into_iter()
                    .collect(),
                price: None,
                currency: None,
                quantity: None,
                staged_at: chrono::Utc::now(),
            });
        } else {
            locals.push(Product {
                id: locals.len() as u64 + 1,
                sku,
                name: row["name"].clone(),
                price: None,
                currency: None,
            });
        }
    }
    assert!(staged.len() * locals.len() > EXHAUSTIVE_UP_TO);
    let every = suggest_with(&staged, &locals, 0.0, false);
    let indexed = suggest_with(&staged, &locals, 0.0, true);
    assert_eq!(at_least(&indexed, FLOOR), at_least(&every, FLOOR));
    assert!(at_least(&every, FLOOR).len() > 50);
    eprintln!(
        "labelled set + 20,000: {} staged, {} suggestions ≥ {FLOOR} both; below: {} every pair, {} indexed",
        staged.len(),
        at_least(&every, FLOOR).len(),
        every.len() - at_least(&every, FLOOR).len(),
        indexed.len() - at_least(&indexed, FLOOR).len()
    );
}
