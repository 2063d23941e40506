//! `products list|show|add|remove|import|export|set-presence` and `prices set`.

use super::args::{CsvArgs, PricesCommand, ProductsCommand};
use super::files::{read_csv_file, write_file};
use super::output::{
    code, finish, print, product_text, products_table, removed_text, warn_shortfalls,
};
use super::{EXIT_USAGE, fail, ledger};
use crate::backoffice::{
    Access, CsvOptions, Ledger, PresenceSet, PriceSet, ProductQuery, parse_price,
};
use crate::config::Config;
use crate::store::NewProduct;

fn csv_options(args: &CsvArgs, source: &str) -> Result<CsvOptions, u8> {
    let mut columns = std::collections::BTreeMap::new();
    for c in &args.columns {
        let Some((field, header)) = c.split_once('=') else {
            return Err(fail(
                EXIT_USAGE,
                &format!("--column takes FIELD=HEADER, not `{c}`"),
            ));
        };
        columns.insert(field.trim().to_string(), header.trim().to_string());
    }
    Ok(CsvOptions {
        delimiter: args.delimiter,
        columns,
        warehouse: args.warehouse.clone(),
        source: Some(source.to_string()),
    })
}

pub(super) async fn products(config: &Config, cmd: ProductsCommand) -> u8 {
    let ledger = match ledger(config, Access::ReadWrite).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        ProductsCommand::List {
            sku,
            name,
            linked,
            unlinked,
            limit,
            after,
            json,
        } => {
            let q = ProductQuery {
                sku,
                name,
                linked: if linked {
                    Some(true)
                } else if unlinked {
                    Some(false)
                } else {
                    None
                },
                after,
                limit: Some(limit),
                scan: None,
            };
            ledger
                .list_products(&q)
                .await
                .map(|page| print(json, &page, products_table))
        }
        ProductsCommand::Show { sku, json } => ledger
            .show_product(&sku)
            .await
            .map(|v| print(json, &v, product_text)),
        ProductsCommand::Add {
            sku,
            name,
            price,
            currency,
            json,
        } => {
            let price = match price.as_deref().map(parse_price).transpose() {
                Ok(p) => p,
                Err(e) => return fail(code(&e), &e.to_string()),
            };
            let new = NewProduct {
                sku,
                name,
                price,
                currency,
            };
            ledger
                .add_product(&new)
                .await
                .map(|v| print(json, &v, product_text))
        }
        ProductsCommand::Remove { sku, force, json } => ledger
            .remove_product(&sku, force)
            .await
            .map(|r| print(json, &r, removed_text)),
        ProductsCommand::Import { file, csv } => {
            let data = match read_csv_file(config, &file) {
                Ok(d) => d,
                Err(e) => return fail(code(&e), &e.to_string()),
            };
            let opts = match csv_options(&csv, &file.display().to_string()) {
                Ok(o) => o,
                Err(code) => return code,
            };
            ledger.import_csv(csv.kind, &data, &opts).await.map(|r| {
                print(csv.json, &r, |r| {
                    format!(
                        "{}: {} row(s) applied: {} created, {} updated, {} stock move(s)\n",
                        file.display(),
                        r.rows,
                        r.created,
                        r.updated,
                        r.moves
                    )
                });
                warn_shortfalls(&r.warnings);
            })
        }
        ProductsCommand::Export { file, kind } => match ledger.export_csv(kind).await {
            Ok(text) if file.as_os_str() == "-" => {
                print!("{text}");
                Ok(())
            }
            Ok(text) => write_file(&file, text),
            Err(e) => Err(e),
        },
        ProductsCommand::SetPresence {
            sku,
            presence,
            json,
        } => ledger
            .set_presence(&sku, &PresenceSet { presence })
            .await
            .map(|v| print(json, &v, product_text)),
    };
    finish(result)
}

pub(super) async fn prices(config: &Config, cmd: PricesCommand) -> u8 {
    let ledger = match ledger(config, Access::ReadWrite).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let (sku, price, currency, json) = match cmd {
        PricesCommand::Set {
            sku,
            price,
            currency,
            json,
        } => (sku, price, currency, json),
        other => return super::tiers::prices_extras(&ledger, other).await,
    };
    let result = match parse_price(&price) {
        Ok(price) => ledger
            .set_price(&sku, &PriceSet { price, currency })
            .await
            .map(|v| print(json, &v, product_text)),
        Err(e) => Err(e),
    };
    finish(result)
}
