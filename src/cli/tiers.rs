//! `prices tiers SKU 10=95.50 50=90 | --clear` and `prices discount SKU 10% | 50
//! [--from YYYY-MM-DD] [--until YYYY-MM-DD] | --clear`. Bad input is refused (exit 2)
//! before anything is sent; the back office checks the rest against the price.

use super::args::PricesCommand;
use super::output::{finish, print, product_text};
use crate::backoffice::{BackofficeError, DiscountSet, Ledger, TiersSet};
use crate::domain::Discount;
use crate::domain::price_terms::{parse_day, parse_discount_value, parse_tiers};

pub(super) async fn prices_extras(ledger: &impl Ledger, cmd: PricesCommand) -> u8 {
    let result = match cmd {
        PricesCommand::Set { .. } => unreachable!("`prices set` is handled by products.rs"),
        PricesCommand::Tiers {
            sku,
            tiers,
            clear,
            json,
        } => match tiers_request(&tiers, clear) {
            Ok(req) => ledger
                .set_tiers(&sku, &req)
                .await
                .map(|v| print(json, &v, product_text)),
            Err(e) => Err(e),
        },
        PricesCommand::Discount {
            sku,
            value,
            from,
            until,
            clear,
            json,
        } => match discount_request(value.as_deref(), from.as_deref(), until.as_deref(), clear) {
            Ok(req) => ledger
                .set_discount(&sku, &req)
                .await
                .map(|v| print(json, &v, product_text)),
            Err(e) => Err(e),
        },
    };
    finish(result)
}

fn tiers_request(items: &[String], clear: bool) -> Result<TiersSet, BackofficeError> {
    if items.is_empty() && !clear {
        return Err(BackofficeError::Invalid(
            "give the tiers as QUANTITY=PRICE (e.g. 10=95.50 50=90), or --clear".into(),
        ));
    }
    let tiers = parse_tiers(items.iter().map(String::as_str)).map_err(BackofficeError::Invalid)?;
    Ok(TiersSet { tiers })
}

fn discount_request(
    value: Option<&str>,
    from: Option<&str>,
    until: Option<&str>,
    clear: bool,
) -> Result<DiscountSet, BackofficeError> {
    if clear {
        return Ok(DiscountSet { discount: None });
    }
    let Some(value) = value else {
        return Err(BackofficeError::Invalid(
            "give the discount as a percent (10%) or an amount (50), or --clear".into(),
        ));
    };
    let (value, kind) = parse_discount_value(value).map_err(BackofficeError::Invalid)?;
    let day = |d: Option<&str>, flag: &str| {
        d.map(parse_day)
            .transpose()
            .map_err(|e| BackofficeError::Invalid(format!("{flag}: {e}")))
    };
    Ok(DiscountSet {
        discount: Some(Discount {
            value,
            kind,
            from: day(from, "--from")?,
            until: day(until, "--until")?,
        }),
    })
}
