//! Seed data for the sandbox, `demo` and tests: a catalogue in nested groups with
//! Ukrainian names, and orders. The same seed gives the same data.

use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::model::{ROOT_GROUP_ID, SandboxGroup, SandboxOrder, SandboxOrderLine, SandboxProduct};
use super::order_details::SandboxOrderDetails;
use crate::domain::{AVAILABLE, NOT_AVAILABLE};

/// Everything a sandbox can be seeded with; also the format of `sandbox --seed-file`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    #[serde(default)]
    pub groups: Vec<SandboxGroup>,
    #[serde(default)]
    pub products: Vec<SandboxProduct>,
    #[serde(default)]
    pub orders: Vec<SandboxOrder>,
}

const NOUNS: [&str; 16] = [
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
    "Ковдра",
    "Рушник",
    "Кавоварка",
    "Намет",
];
const ADJECTIVES: [&str; 12] = [
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
    "ґранітний",
    "їжакового кольору",
];
const CATEGORIES: [&str; 10] = [
    "Кухня",
    "Туризм",
    "Одяг",
    "Електроніка",
    "Дім і сад",
    "Спорт",
    "Дитячі товари",
    "Інструменти",
    "Подарунки",
    "Текстиль",
];
const FIRST_NAMES: [&str; 8] = [
    "Олена",
    "Андрій",
    "Ірина",
    "Тарас",
    "Юлія",
    "Богдан",
    "Ярослава",
    "Євген",
];
const LAST_NAMES: [&str; 8] = [
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Ткаченко",
    "Кравчук",
    "Олійник",
    "Мельник",
    "Гнатюк",
];

fn name(rng: &mut StdRng, n: usize) -> String {
    format!(
        "{} {} №{}",
        NOUNS[rng.random_range(0..NOUNS.len())],
        ADJECTIVES[rng.random_range(0..ADJECTIVES.len())],
        n
    )
}

fn product(
    rng: &mut StdRng,
    id: i64,
    i: usize,
    sku: Option<String>,
    group_id: i64,
) -> SandboxProduct {
    let quantity: i64 = rng.random_range(0..50);
    SandboxProduct {
        id,
        external_id: None,
        name: name(rng, i + 1),
        name_multilang: None,
        sku,
        presence: if quantity > 0 {
            AVAILABLE
        } else {
            NOT_AVAILABLE
        }
        .into(),
        quantity_in_stock: Some(quantity),
        price: Decimal::new(rng.random_range(4_900..499_900), 2),
        currency: "UAH".into(),
        status: "on_display".into(),
        group_id,
    }
}

/// `n` products in the root group, ids from `first_id` up (in random steps), unique SKUs
/// `PRM-000001`…: the simple catalogue of `demo` and of most tests.
pub fn generate_products(n: usize, first_id: i64, seed: u64) -> Vec<SandboxProduct> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut id = first_id;
    (0..n)
        .map(|i| {
            let p = product(
                &mut rng,
                id,
                i,
                Some(format!("PRM-{:06}", i + 1)),
                ROOT_GROUP_ID,
            );
            id += rng.random_range(1..4);
            p
        })
        .collect()
}

/// A realistic catalogue: `products` products spread over nested groups (a fifth in the
/// root), about 2 % with a blank SKU and 1 % sharing another product's SKU; and `orders`
/// orders of 1 to 4 lines, some for products the shop does not have, some with
/// fractional quantities or an unknown delivery provider.
pub fn generate_catalogue(products: usize, orders: usize, seed: u64) -> Catalogue {
    let mut rng = StdRng::seed_from_u64(seed);
    let n_groups = (products / 150).clamp(3, 200);
    let groups: Vec<SandboxGroup> = (0..n_groups)
        .map(|i| {
            let parent =
                (i > 0 && rng.random_bool(0.5)).then(|| 10_000 + rng.random_range(0..i) as i64);
            SandboxGroup {
                id: 10_000 + i as i64,
                name: format!(
                    "{} {}",
                    CATEGORIES[i % CATEGORIES.len()],
                    i / CATEGORIES.len() + 1
                ),
                parent_group_id: parent,
            }
        })
        .collect();
    let mut id = 2_000_001_i64;
    let mut list: Vec<SandboxProduct> = Vec::with_capacity(products);
    for i in 0..products {
        let group_id = if rng.random_bool(0.2) {
            ROOT_GROUP_ID
        } else {
            groups[rng.random_range(0..groups.len())].id
        };
        let roll: f64 = rng.random();
        let sku = if roll < 0.01 {
            None
        } else if roll < 0.02 {
            Some("  ".to_string())
        } else if roll < 0.03 && i > 0 {
            list[rng.random_range(0..i)].sku.clone()
        } else {
            Some(format!("PRM-{:06}", i + 1))
        };
        list.push(product(&mut rng, id, i, sku, group_id));
        id += rng.random_range(1..4);
    }
    let now = Utc::now();
    let statuses = [
        "pending",
        "pending",
        "received",
        "delivered",
        "canceled",
        "paid",
    ];
    let providers = [Some("nova_poshta"), Some("ukrposhta"), Some("meest"), None];
    // The details draw from their own generator: the orders' figures stay as they were.
    let mut details_rng = StdRng::seed_from_u64(seed ^ 0x00de_7a11);
    let orders = (0..orders)
        .map(|i| {
            let created = now - Duration::minutes(rng.random_range(60..60 * 24 * 30));
            let lines = (0..rng.random_range(1..=4))
                .map(|_| {
                    let quantity = if rng.random_bool(0.1) {
                        Decimal::new(rng.random_range(5..40), 1)
                    } else {
                        Decimal::from(rng.random_range(1..4))
                    };
                    if list.is_empty() || rng.random_bool(0.15) {
                        let n = rng.random_range(1..1000);
                        SandboxOrderLine {
                            product_id: Some(99_000_000 + n),
                            external_id: None,
                            name: format!("Товар поза каталогом №{n}"),
                            sku: Some(format!("EXT-{n:04}")),
                            price: Decimal::new(rng.random_range(10_000..200_000), 2),
                            quantity,
                        }
                    } else {
                        let p = &list[rng.random_range(0..list.len())];
                        SandboxOrderLine {
                            product_id: Some(p.id),
                            external_id: p.external_id.clone(),
                            name: p.name.clone(),
                            sku: p.sku.clone(),
                            price: p.price,
                            quantity,
                        }
                    }
                })
                .collect();
            let mut order = SandboxOrder {
                id: 900_001 + i as i64,
                date_created: created,
                date_modified: created + Duration::minutes(rng.random_range(0..60)),
                client_first_name: FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())].into(),
                client_last_name: LAST_NAMES[rng.random_range(0..LAST_NAMES.len())].into(),
                client_second_name: None,
                phone: format!("+38067{:07}", rng.random_range(0..10_000_000)),
                email: rng
                    .random_bool(0.6)
                    .then(|| format!("buyer{i}@example.com")),
                status: statuses[rng.random_range(0..statuses.len())].into(),
                delivery_provider: providers[rng.random_range(0..providers.len())]
                    .map(str::to_string),
                delivery_cost: Decimal::ZERO,
                cancellation_reason: None,
                details: SandboxOrderDetails::default(),
                lines,
            };
            order.details = SandboxOrderDetails::generated(&mut details_rng, i, &order.status);
            order
        })
        .collect();
    Catalogue {
        groups,
        products: list,
        orders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_the_hard_cases() {
        let c = generate_catalogue(3000, 50, 1);
        assert_eq!(c.products.len(), 3000);
        assert!(
            c.groups.iter().any(|g| g.parent_group_id.is_some()),
            "nested groups"
        );
        assert!(c.products.iter().any(|p| p.group_id == ROOT_GROUP_ID));
        let blank = c
            .products
            .iter()
            .filter(|p| p.sku.as_deref().is_none_or(|s| s.trim().is_empty()))
            .count();
        assert!(blank > 10, "{blank} blank SKUs");
        let mut skus: Vec<_> = c
            .products
            .iter()
            .filter_map(|p| p.sku.clone())
            .filter(|s| !s.trim().is_empty())
            .collect();
        let before = skus.len();
        skus.sort();
        skus.dedup();
        assert!(skus.len() < before, "duplicate SKUs");
        assert!(
            c.orders
                .iter()
                .flat_map(|o| &o.lines)
                .any(|l| l.product_id.unwrap() >= 99_000_000)
        );
        let again = generate_catalogue(3000, 50, 1);
        assert_eq!(
            (&again.groups, &again.products),
            (&c.groups, &c.products),
            "deterministic"
        );
        assert_eq!(
            again.orders.iter().map(|o| &o.lines).collect::<Vec<_>>(),
            c.orders.iter().map(|o| &o.lines).collect::<Vec<_>>()
        );
    }
}
