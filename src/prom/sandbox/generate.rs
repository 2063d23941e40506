//! Seed catalogues for the sandbox and `demo`: products with Ukrainian names.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use super::SandboxProduct;

const NOUNS: [&str; 12] = [
    "Чайник",
    "Рюкзак",
    "Ліхтарик",
    "Термос",
    "Светр",
    "Килимок",
    "Навушники",
    "Сковорідка",
    "Парасолька",
    "Годинник",
    "Блокнот",
    "Чохол",
];
const ADJECTIVES: [&str; 10] = [
    "синій",
    "дорожній",
    "компактний",
    "сталевий",
    "вовняний",
    "бездротовий",
    "класичний",
    "дитячий",
    "водостійкий",
    "зимовий",
];

/// `n` products with ids from `first_id` up (in random steps), SKUs `PRM-000001`…,
/// prices in UAH and random stock. The same `seed` gives the same catalogue.
pub fn generate_products(n: usize, first_id: i64, seed: u64) -> Vec<SandboxProduct> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut id = first_id;
    (0..n)
        .map(|i| {
            let name = format!(
                "{} {} №{}",
                NOUNS[rng.random_range(0..NOUNS.len())],
                ADJECTIVES[rng.random_range(0..ADJECTIVES.len())],
                i + 1
            );
            let quantity: i64 = rng.random_range(0..50);
            let p = SandboxProduct {
                id,
                external_id: None,
                name,
                sku: Some(format!("PRM-{:06}", i + 1)),
                presence: if quantity > 0 {
                    "available"
                } else {
                    "not_available"
                }
                .into(),
                quantity_in_stock: Some(quantity),
                price: Decimal::new(rng.random_range(4_900..499_900), 2),
                currency: "UAH".into(),
                status: "on_display".into(),
            };
            id += rng.random_range(1..4);
            p
        })
        .collect()
}
