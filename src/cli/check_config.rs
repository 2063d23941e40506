//! `check-config [--online]`: the configuration, checked and summed up.

use super::{EXIT_USAGE, fail, warn_all};
use crate::config::Config;
use crate::prom::PromClient;

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
        let next = job.schedule.next_after(&now).map_or_else(
            || "never".to_string(),
            |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
        );
        println!(
            "  job {:<16} {:<12} `{}` next at {next}",
            job.name,
            job.kind.name(),
            job.schedule.written()
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
    }
    0
}

fn on_off(b: bool) -> &'static str {
    if b { "on" } else { "off" }
}
