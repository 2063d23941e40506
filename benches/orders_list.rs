//! `orders list` with a filter over a large Orders section (issue 14: 100,000 stored
//! orders, each filter under 300 ms). Run: `cargo bench --bench orders_list`
//! (`BENCH_N` orders, default 100,000; `BENCH_PAD` bytes added to each order, default 0,
//! spread over its line names, for heavier records). Seeds the store through the store
//! API (no HTTP): 2-3 lines each with their details, Ukrainian names and phones, the
//! buyer's comment, delivery, payment and sums as a pull keeps them, three years of
//! dates, 2 % of orders with a line of a product nobody linked. Then times `BackOffice::list_orders`, what the CLI
//! calls, for each kind of filter, best of 5; and, for scale, decoding every order
//! whole (what a list cost before the scan read only the filtered fields).

use std::time::Instant;

use chrono::{Duration, FixedOffset, TimeZone, Utc};
use promua_sync::backoffice::{BackOffice, Ledger, OrderQuery};
use promua_sync::domain::{Money, ReservationPolicy};
use promua_sync::store::{
    Actor, Buyer, Delivery, LocalLine, LocalOrder, NewProduct, OrderDetails, OrderMoney, Payment,
    PullMark, Store, Tracking,
};
use rust_decimal::Decimal;

const FIRST: &[&str] = &[
    "Олена",
    "Тарас",
    "Ірина",
    "Андрій",
    "Оксана",
    "Максим",
    "Наталія",
    "Богдан",
    "Юлія",
    "Сергій",
    "Анна",
    "Дмитро",
    "Марія",
    "Олександр",
    "Тетяна",
    "Віктор",
    "Світлана",
    "Ігор",
    "Катерина",
    "Василь",
    "Галина",
    "Роман",
    "Людмила",
    "Михайло",
    "Вікторія",
];
const LAST: &[&str] = &[
    "Коваленко",
    "Шевченко",
    "Бондаренко",
    "Ткаченко",
    "Кравченко",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Бойко",
    "Ковальчук",
    "Мельник",
    "Лисенко",
    "Марченко",
    "Савченко",
    "Руденко",
    "Мороз",
    "Петренко",
    "Клименко",
    "Павленко",
    "Гончаренко",
    "Кузьменко",
    "Левченко",
    "Карпенко",
    "Ткачук",
    "Іваненко",
    "Федоренко",
    "Романенко",
    "Онищенко",
    "Литвиненко",
    "Захарченко",
];
const TRANSLIT: &[&str] = &[
    "olena",
    "taras",
    "iryna",
    "andrii",
    "oksana",
    "maksym",
    "nataliia",
    "bohdan",
    "yuliia",
    "serhii",
    "anna",
    "dmytro",
    "mariia",
    "oleksandr",
    "tetiana",
    "viktor",
    "svitlana",
    "ihor",
    "kateryna",
    "vasyl",
    "halyna",
    "roman",
    "liudmyla",
    "mykhailo",
    "viktoriia",
];
const OPERATORS: &[&str] = &[
    "50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99",
];
const GOODS: &[&str] = &[
    "Чохол-книжка для Samsung Galaxy A54 5G шкіряний з магнітною застібкою, чорний",
    "Захисне скло 9H Full Glue для iPhone 13 / 13 Pro / 14 з рамкою для наклеювання",
    "Бездротові навушники TWS з шумозаглушенням, Bluetooth 5.3, кейс з Type-C, білі",
    "Павербанк 20000 mAh з швидкою зарядкою PD 22.5W та цифровим індикатором",
    "Кабель USB Type-C - Lightning 1 м у нейлоновому обплетенні, сертифікований",
    "Мережевий зарядний пристрій 33W GaN, 2 порти USB-C + USB-A, компактний",
    "Смарт-годинник з пульсометром і тонометром, вологозахист IP68, сірий",
    "Тримач для телефону в авто на дефлектор, магнітний, з поворотом 360°",
];
/// Local status, Prom.ua status, share in a thousand.
const STATUSES: &[(&str, &str, u64)] = &[
    ("delivered", "delivered", 700),
    ("canceled", "canceled", 120),
    ("received", "received", 80),
    ("pending", "pending", 50),
    ("paid", "paid", 30),
    ("draft", "draft", 20),
];

fn status_of(k: u64) -> (&'static str, &'static str) {
    let mut at = k % 1000;
    for (local, prom, share) in STATUSES {
        if at < *share {
            return (local, prom);
        }
        at -= share;
    }
    ("delivered", "delivered")
}

/// A pseudo-random number from `i` and a salt (reproducible).
fn mix(i: u64, salt: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 29)
}

/// Prom product ids of the catalogue: the first `LINKED` linked to local products.
const CATALOGUE: u64 = 3_000;
const FIRST_PROM_ID: i64 = 2_000_000_000;
const FIRST_ORDER_ID: i64 = 300_000_000;

fn order(i: u64, n: u64, pad: usize) -> LocalOrder {
    let kyiv = FixedOffset::east_opt(2 * 3600).unwrap();
    // Three years, oldest first, ending now.
    let span = Duration::days(3 * 365);
    let created = (Utc::now() - span + span * (i as i32) / (n as i32)).with_timezone(&kyiv);
    let (first, last) = (
        (mix(i, 1) % FIRST.len() as u64) as usize,
        (mix(i, 2) % LAST.len() as u64) as usize,
    );
    let (status, prom_status) = status_of(mix(i, 3));
    let phone = format!(
        "+380{}{:07}",
        OPERATORS[(mix(i, 4) % OPERATORS.len() as u64) as usize],
        mix(i, 5) % 10_000_000
    );
    let email = (mix(i, 6) % 10 < 6).then(|| {
        format!(
            "{}.{}{}@gmail.com",
            TRANSLIT[first],
            i % 97,
            mix(i, 7) % 1000
        )
    });
    let n_lines = 2 + (mix(i, 8) % 2) as usize;
    let unlinked = mix(i, 9).is_multiple_of(50);
    let mut total = Decimal::ZERO;
    let lines: Vec<LocalLine> = (0..n_lines)
        .map(|k| {
            let prom = if unlinked && k == 0 {
                FIRST_PROM_ID + CATALOGUE as i64 + (mix(i, 10) % 500) as i64
            } else {
                FIRST_PROM_ID + (mix(i, 11 + k as u64) % CATALOGUE) as i64
            };
            let price = Decimal::new(((mix(i, 20 + k as u64) % 4_000) + 99) as i64 * 100, 2);
            let quantity = Decimal::from(1 + mix(i, 30 + k as u64) % 3);
            total += price * quantity;
            let mut name = GOODS[(prom as u64 % GOODS.len() as u64) as usize].to_string();
            if pad > 0 {
                name.push(' ');
                name.extend(std::iter::repeat_n('x', pad / n_lines));
            }
            LocalLine {
                prom_product_id: Some(prom),
                sku: Some(format!("SKU-{}", prom - FIRST_PROM_ID)),
                name,
                quantity,
                price: Some(Money::parse(&format!("{} грн", price.normalize()))),
                total_price: Some(Money::parse(&format!(
                    "{} грн",
                    (price * quantity).normalize()
                ))),
                measure_unit: Some("шт.".into()),
                image: Some(format!("https://images.prom.ua/{prom}_w640_h640.jpg")),
                url: Some(format!("https://prom.ua/p{prom}-tovar.html")),
                ..LocalLine::default()
            }
        })
        .collect();
    LocalOrder {
        prom_id: FIRST_ORDER_ID + i as i64,
        status: status.into(),
        prom_status: Some(prom_status.into()),
        created_at: Some(created),
        modified_at: Some(created + Duration::hours(5)),
        client: format!("{} {}", FIRST[first], LAST[last]),
        phone: Some(phone),
        email,
        total: Some(Money::parse(&format!("{} грн", total.normalize()))),
        details: details(i, first, last, total),
        lines,
        imported_at: Utc::now(),
        updated_at: Utc::now(),
        ..LocalOrder::default()
    }
}

/// What a pull keeps of a real order besides its lines (about 700 bytes).
fn details(i: u64, first: usize, last: usize, total: Decimal) -> OrderDetails {
    let delivery = Decimal::from(60 + mix(i, 40) % 60);
    OrderDetails {
        buyer: Buyer {
            first_name: Some(FIRST[first].into()),
            last_name: Some(LAST[last].into()),
            client_id: Some(40_000_000 + (mix(i, 41) % 9_000_000) as i64),
            notes: mix(i, 42)
                .is_multiple_of(3)
                .then(|| "Передзвоніть, будь ласка, після 18:00, уточнити колір".into()),
            ..Buyer::default()
        },
        delivery: Delivery {
            option_id: Some(13013),
            option_name: Some("Нова Пошта".into()),
            shipping_service: Some("nova_poshta".into()),
            address: Some(format!(
                "Київ, Відділення №{}: вул. Хрещатик, {}",
                mix(i, 43) % 300,
                mix(i, 44) % 120
            )),
            provider: Some("nova_poshta".into()),
            kind: Some("W2W".into()),
            recipient_warehouse_id: Some(format!("1ec09d88-e1c2-11e3-8c4a-{:012x}", mix(i, 45))),
            declaration_number: Some(format!("2045{:010}", mix(i, 46) % 10_000_000_000)),
            ..Delivery::default()
        },
        payment: Payment {
            option_id: Some(7547964),
            option_name: Some("Оплата при отриманні".into()),
            ..Payment::default()
        },
        money: OrderMoney {
            full_price: Some(Money::parse(&format!(
                "{} грн",
                (total + delivery).normalize()
            ))),
            delivery_cost: Some(Money::parse(&delivery.to_string())),
            ..OrderMoney::default()
        },
        source: Some("portal".into()),
        status_name: Some("Прийнято".into()),
        ..OrderDetails::default()
    }
}

fn policy() -> ReservationPolicy {
    ReservationPolicy {
        reserve_statuses: vec!["pending".into(), "received".into(), "paid".into()],
        done_status: Some("delivered".into()),
        release_statuses: vec![],
        shipped_statuses: vec![],
        aliases: vec![],
        warehouse: "main".into(),
    }
}

fn seed(store: &Store, n: u64, pad: usize) {
    let products: Vec<NewProduct> = (0..CATALOGUE)
        .map(|k| NewProduct {
            sku: format!("SKU-{k}"),
            name: GOODS[k as usize % GOODS.len()].into(),
            price: None,
            currency: None,
        })
        .collect();
    let made = store.add_products(&products).unwrap();
    let pairs: Vec<(u64, i64)> = made
        .iter()
        .enumerate()
        .map(|(k, p)| (p.id, FIRST_PROM_ID + k as i64))
        .collect();
    store.link_many(&pairs).unwrap();
    // Tracking from before the first order: delivered orders are not history.
    let mark = PullMark {
        cursor: None,
        tracking: Tracking {
            since: Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap(),
            open_at_start: vec![],
        },
    };
    let policy = policy();
    let mut i = 0;
    while i < n {
        let chunk: Vec<LocalOrder> = (i..(i + 5_000).min(n)).map(|k| order(k, n, pad)).collect();
        store.upsert_orders(&chunk, &policy, &mark).unwrap();
        i += chunk.len() as u64;
    }
    store.flush_blocking().unwrap();
}

fn best_of_5<T>(mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::MAX;
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let out = f();
        best = best.min(t.elapsed().as_secs_f64() * 1000.0);
        last = Some(out);
    }
    (best, last.unwrap())
}

fn main() {
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (n, pad) = (env("BENCH_N", 100_000), env("BENCH_PAD", 0) as usize);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("store")).unwrap();
    let t = Instant::now();
    seed(&store, n, pad);
    let sample = store
        .order(FIRST_ORDER_ID + (n / 2) as i64)
        .unwrap()
        .unwrap();
    let bytes = serde_json::to_vec(&sample).unwrap().len();
    eprintln!(
        "seeded {n} orders (a typical record {bytes} bytes) in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let office = BackOffice::new(store.clone(), Actor::Cli, vec![]).with_policy(policy());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let phone = sample.phone.clone().unwrap();
    // As a seller types it: national, with spaces.
    let typed_phone = format!(
        "0{} {} {} {}",
        &phone[4..6],
        &phone[6..9],
        &phone[9..11],
        &phone[11..]
    );
    let q = OrderQuery::default;
    let month_ago = Utc::now() - Duration::days(30);
    let cases: Vec<(&str, OrderQuery)> = vec![
        (
            "--status pending",
            OrderQuery {
                status: Some("pending".into()),
                ..q()
            },
        ),
        (
            "--since (30 days ago)",
            OrderQuery {
                since: Some(month_ago),
                ..q()
            },
        ),
        (
            "--search PHONE (typed `0XX XXX XX XX`)",
            OrderQuery {
                search: Some(typed_phone),
                ..q()
            },
        ),
        (
            "--search NAME (first and last)",
            OrderQuery {
                search: Some(sample.client.clone()),
                ..q()
            },
        ),
        (
            "--unlinked",
            OrderQuery {
                unlinked: true,
                ..q()
            },
        ),
        (
            "--status received --since (30 days) --search NAME",
            OrderQuery {
                status: Some("received".into()),
                since: Some(month_ago),
                search: Some(sample.client.clone()),
                ..q()
            },
        ),
        (
            "no filter --limit 50",
            OrderQuery {
                limit: Some(50),
                ..q()
            },
        ),
    ];
    println!("orders: {n}, a typical record {bytes} bytes");
    for (name, query) in &cases {
        let (ms, found) = best_of_5(|| rt.block_on(office.list_orders(query)).unwrap().len());
        println!("{name:<52} {ms:>7.1} ms  ({found} orders)");
    }
    let (ms, found) = best_of_5(|| store.orders().unwrap().len());
    println!(
        "{:<52} {ms:>7.1} ms  ({found} orders)",
        "every order decoded whole (Store::orders)"
    );
    let (ms, _) = best_of_5(|| {
        rt.block_on(office.export_orders(&cases[0].1))
            .unwrap()
            .len()
    });
    println!("{:<52} {ms:>7.1} ms", "orders export --status pending");
}
