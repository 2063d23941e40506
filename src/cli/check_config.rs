//! `check-config [--online]`: the configuration, checked and summed up.

use super::{EXIT_USAGE, fail, warn_all};
use crate::config::Config;
use crate::prom::PromClient;
use crate::store::Store;

pub(super) async fn check_config(config: &Config, online: bool) -> u8 {
    warn_all(config);
    println!("{}: configuration is valid", config.path.display());
    println!("  Prom.ua:    {}", config.prom.base_url);
    if config.prom.token.is_some() {
        println!("  token:      from {}", config.prom.token_origin);
    } else {
        println!("  token:      none configured");
    }
    println!("  store:      {}", config.store.path.display());
    println!(
        "  warehouses: {} (update balances {}, prices {}, statuses {})",
        config.sync.warehouses.join(", "),
        on_off(config.sync.update_balances),
        on_off(config.sync.update_prices),
        on_off(config.sync.update_statuses)
    );
    let now = chrono::Utc::now();
    for job in &config.jobs {
        let next = crate::config::ticks::next_tick(&job.schedule, job.timezone, now).map_or_else(
            || "never".to_string(),
            |t| crate::config::ticks::in_zone_and_utc(t, job.timezone),
        );
        println!(
            "  job {:<16} {:<12} `{}` {}{} next at {next}",
            job.name,
            job.kind.name(),
            job.schedule.written(),
            job.timezone.name(),
            if job.catch_up { ", catch-up" } else { "" }
        );
    }
    if online {
        let client = match PromClient::new(&config.prom) {
            Ok(c) => c,
            Err(e) => return fail(EXIT_USAGE, &e.to_string()),
        };
        match client.products_page(None, None, 1).await {
            Ok(_) => println!("  Prom.ua accepted the token ({})", client.base_url()),
            Err(e) => return fail(EXIT_USAGE, &format!("the online check failed: {e}")),
        }
        return shop_statuses(config, &client).await;
    }
    0
}

/// Reads the shop's order statuses, keeps them in the store (when it exists and the
/// daemon does not hold it), and checks every `status_map` against them. A failed read
/// is said and passes: the endpoint is not certain (prom-api.md §4.6).
async fn shop_statuses(config: &Config, client: &PromClient) -> u8 {
    let options = match client.order_status_options().await {
        Ok(o) => o,
        Err(e) => {
            println!(
                "  the shop's order statuses could not be read ({e}): status maps naming its own statuses are not checked"
            );
            return 0;
        }
    };
    let shop = crate::domain::ShopStatuses::read(options, chrono::Utc::now());
    println!("  shop's order statuses: {}", shop.listed());
    println!("  {}", keep(config, &shop).await);
    let errors = crate::config::check_against_shop(config, &shop);
    if errors.is_empty() {
        return 0;
    }
    for e in &errors {
        eprintln!("error: {}: {e}", config.path.display());
    }
    EXIT_USAGE
}

/// Keeps the list for `orders statuses` and `push_statuses`: in the store when there is
/// one and nobody holds it (a check never creates a store).
async fn keep(config: &Config, shop: &crate::domain::ShopStatuses) -> String {
    let path = config.store.path.clone();
    if !path.exists() {
        return "(no store yet: the first pull_orders keeps the list)".into();
    }
    let options = shop.options.clone();
    let kept = tokio::task::spawn_blocking(move || -> Result<(), crate::store::StoreError> {
        let store = Store::open_now(&path)?;
        store.keep_shop_statuses(Ok(options), chrono::Utc::now())?;
        store.flush_blocking()?;
        Ok(())
    })
    .await;
    match kept {
        Ok(Ok(())) => "kept in the store (see `orders statuses`)".into(),
        Ok(Err(crate::store::StoreError::Locked { .. })) => {
            "(the daemon holds the store: its pull_orders keeps the list)".into()
        }
        Ok(Err(e)) => format!("(not kept in the store: {e})"),
        Err(e) => format!("(not kept in the store: {e})"),
    }
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}
