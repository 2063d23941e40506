//! The demo's world: a small Prom.ua shop (the sandbox) and a back office that do not
//! know each other yet, with the hard cases a real first import meets, and the
//! configuration both are run with. Pure data: nothing here starts or writes anything.

use std::path::Path;

use rust_decimal::Decimal;

use crate::sandbox::{SandboxOrder, SandboxOrderLine, SandboxProduct};

/// The token the demo's sandbox accepts (also in the kept `token` file): a loopback
/// emulator's, not a secret.
pub const TOKEN: &str = "demo-sandbox-token";
/// Where `demo --keep` tells the user to start the sandbox again (the `sandbox`
/// command's default address), and so the `base_url` of the kept `jobs.toml`.
pub const KEPT_LISTEN: &str = "127.0.0.1:8099";
/// The warehouse the back office keeps its stock in.
pub const WAREHOUSE: &str = "main";

/// The Prom ids of the hard cases (the plain products are `1_000_001..`).
pub const BLANK_SKU: i64 = 1_100_001;
pub const DUPLICATE_A: i64 = 1_100_002;
pub const DUPLICATE_B: i64 = 1_100_003;
pub const LOOKALIKE: i64 = 1_100_004;
pub const PADDED: i64 = 1_100_005;
pub const PROM_ONLY: i64 = 1_100_006;
/// An old listing the catalogue no longer shows, still named by an order's line.
pub const OLD_LISTING: i64 = 1_100_099;

/// Local SKUs of the hard cases.
pub const TEAPOT_SKU: &str = "TEF-150";
pub const LAMP_SKU: &str = "LMP-20";
pub const BAG_SKU: &str = "BAG-30";
pub const MUG_SKU: &str = "MUG-350";

/// The plain products' Prom id and SKU.
pub fn plain_prom_id(i: usize) -> i64 {
    1_000_000 + i as i64
}
pub fn plain_sku(i: usize) -> String {
    format!("KT-{i}")
}

/// A product of the back office: SKU, name, price, stock in [`WAREHOUSE`].
pub struct LocalProduct {
    pub sku: String,
    pub name: String,
    pub price: Decimal,
    pub stock: i64,
}

const NOUNS: [&str; 8] = [
    "Кавоварка",
    "Ліхтарик",
    "Парасолька",
    "Чашка керамічна",
    "Ковдра вовняна",
    "Сковорода",
    "Навушники",
    "Годинник настінний",
];
const BRANDS: [&str; 5] = ["Ardesto", "Gorenje", "Rozetka", "Kvitka", "Polissia"];

fn plain_name(i: usize) -> String {
    format!(
        "{} {} модель {}",
        NOUNS[i % NOUNS.len()],
        BRANDS[(i / NOUNS.len()) % BRANDS.len()],
        100 + i
    )
}

fn plain_price(i: usize) -> Decimal {
    Decimal::from(100 + 10 * i as i64)
}

/// The back office: `plain` products `KT-1..`, and the local side of the hard cases.
pub fn local_products(plain: usize) -> Vec<LocalProduct> {
    let mut out: Vec<LocalProduct> = (1..=plain)
        .map(|i| LocalProduct {
            sku: plain_sku(i),
            name: plain_name(i),
            price: plain_price(i),
            stock: (i as i64 * 7) % 23 + 3,
        })
        .collect();
    let more = [
        (TEAPOT_SKU, "Чайник електричний Tefal KO150 білий", 899),
        (LAMP_SKU, "Лампа настільна Eurolamp LMP-20", 450),
        (BAG_SKU, "Рюкзак міський 30 л чорний", 1200),
        (MUG_SKU, "Термокружка 350 мл сталева", 320),
    ];
    out.extend(more.into_iter().map(|(sku, name, price)| LocalProduct {
        sku: sku.into(),
        name: name.into(),
        price: Decimal::from(price),
        stock: 10,
    }));
    out
}

fn prom_product(id: i64, sku: &str, name: &str, price: Decimal, quantity: i64) -> SandboxProduct {
    SandboxProduct {
        id,
        external_id: None,
        name: name.into(),
        name_multilang: None,
        sku: Some(sku.into()),
        presence: crate::domain::AVAILABLE.into(),
        quantity_in_stock: Some(quantity),
        price,
        currency: "UAH".into(),
        status: "on_display".into(),
        group_id: crate::sandbox::ROOT_GROUP_ID,
    }
}

/// The shop on Prom.ua: the plain products under the same SKUs (quantities and prices
/// out of date), and the hard cases.
pub fn prom_catalogue(plain: usize) -> Vec<SandboxProduct> {
    let marked_up = |p: Decimal| (p * Decimal::new(11, 1)).round_dp(2);
    let mut out: Vec<SandboxProduct> = (1..=plain)
        .map(|i| {
            prom_product(
                plain_prom_id(i),
                &plain_sku(i),
                &plain_name(i),
                marked_up(plain_price(i)),
                5,
            )
        })
        .collect();
    let hard = [
        // No SKU at all on Prom: only its name can find the teapot.
        (
            BLANK_SKU,
            "  ",
            "Чайник електричний Tefal KO-150 білий",
            989,
        ),
        // One SKU on two Prom products: which one is the lamp is the seller's call.
        (
            DUPLICATE_A,
            LAMP_SKU,
            "Лампа настільна Eurolamp LMP-20",
            495,
        ),
        (
            DUPLICATE_B,
            LAMP_SKU,
            "Лампа настільна Eurolamp LMP-20 (копія)",
            495,
        ),
        // Differs from the local BAG-30 in letter case only: a look-alike, never linked
        // by itself.
        (LOOKALIKE, "bag-30", "Рюкзак міський 30 л чорний", 1320),
        // Spaces at either end are ignored: this one links by SKU.
        (PADDED, " MUG-350 ", "Термокружка 350 мл сталева", 352),
        // On Prom only: stays staged, unlinked.
        (PROM_ONLY, "NEW-1", "Новинка: термос 1 л", 640),
    ];
    out.extend(
        hard.into_iter()
            .map(|(id, sku, name, price)| prom_product(id, sku, name, Decimal::from(price), 4)),
    );
    out
}

fn line(product_id: i64, sku: &str, name: &str, price: i64, quantity: i64) -> SandboxOrderLine {
    SandboxOrderLine {
        product_id: Some(product_id),
        external_id: None,
        name: name.into(),
        sku: Some(sku.into()),
        price: Decimal::from(price),
        quantity: Decimal::from(quantity),
    }
}

fn order(first: &str, last: &str, phone: &str, lines: Vec<SandboxOrderLine>) -> SandboxOrder {
    let now = chrono::Utc::now();
    SandboxOrder {
        id: 0,
        date_created: now,
        date_modified: now,
        client_first_name: first.into(),
        client_last_name: last.into(),
        client_second_name: None,
        phone: phone.into(),
        email: None,
        status: "pending".into(),
        delivery_provider: Some("nova_poshta".into()),
        delivery_cost: Decimal::ZERO,
        cancellation_reason: None,
        details: Default::default(),
        lines,
    }
}

/// What a buyer places on the shop in step 4: two KT-1 and one KT-2; then a mug and the
/// mug's old listing, which the back office does not know.
pub fn buyer_orders() -> [SandboxOrder; 2] {
    [
        order(
            "Олена",
            "Коваль",
            "+380501112233",
            vec![
                line(plain_prom_id(1), &plain_sku(1), &plain_name(1), 121, 2),
                line(plain_prom_id(2), &plain_sku(2), &plain_name(2), 132, 1),
            ],
        ),
        order(
            "Петро",
            "Мельник",
            "+380672223344",
            vec![
                line(PADDED, MUG_SKU, "Термокружка 350 мл сталева", 352, 1),
                line(
                    OLD_LISTING,
                    "MUG-350-OLD",
                    "Термокружка 350 мл (стара картка товару)",
                    352,
                    1,
                ),
            ],
        ),
    ]
}

/// The demo's `jobs.toml`: a shop at `base_url`, the token in `token`, the store in
/// `store`, beside the file. The jobs, pacing and rules are the example's, fit for a
/// real shop; their schedules matter only to the daemon.
pub fn jobs_toml(base_url: &str) -> String {
    format!(
        r#"# Written by `promua-sync demo`: the configuration the demo ran with, against its
# sandbox. For a real shop: base_url = "https://my.prom.ua/api/v1" (or leave it out),
# token_file = a file holding your Prom.ua API token, and [store] path where the store
# lives (e.g. /var/lib/promua-sync/store). `check-config --online` proves the token.
[prom]
base_url = "{base_url}"
token_file = "token"
connect_timeout_secs = 10
request_timeout_secs = 60
requests_per_second = 5
max_concurrency = 2
max_retries = 6
retry_base_delay_ms = 500

[store]
path = "store"

[sync]
warehouses = ["{WAREHOUSE}"]
update_balances = true
update_prices = true
update_statuses = true
reserve_statuses = ["pending", "received", "paid"]
done_status = "delivered"

[admin]
listen = "127.0.0.1:8731"

[[job]]
name = "catalogue"
kind = "import_products"
mode = "stage"
schedule = "0 3 * * *"

[[job]]
name = "link"
kind = "import_products"
mode = "link_only"
schedule = "10 3 * * *"

[[job]]
name = "orders"
kind = "pull_orders"
schedule = "*/2 * * * *"
initial_days = 7

[[job]]
name = "stock"
kind = "push_stock"
schedule = "*/10 * * * *"

[[job]]
name = "statuses"
kind = "push_statuses"
schedule = "*/5 * * * *"
status_map = {{ received = "received", delivered = "delivered", paid = "paid", canceled = {{ status = "canceled", reason = "buyers_request" }} }}

[[job]]
name = "prices"
kind = "push_prices"
schedule = "15 * * * *"
markup_percent = 10
round_step = 1
ending = 0.99
min_price = 1

[[job]]
name = "verify"
kind = "verify"
schedule = "30 2 * * *"
repair = true
"#
    )
}

/// Writes the configuration and its token file into `dir`.
pub fn write_config(dir: &Path, base_url: &str) -> std::io::Result<std::path::PathBuf> {
    let path = dir.join("jobs.toml");
    std::fs::write(&path, jobs_toml(base_url))?;
    let mut token = std::fs::OpenOptions::new();
    token.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut token, 0o600);
    std::io::Write::write_all(
        &mut token.open(dir.join("token"))?,
        format!("{TOKEN}\n").as_bytes(),
    )?;
    Ok(path)
}
