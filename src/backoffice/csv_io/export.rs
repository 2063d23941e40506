//! Writing products, stock and prices as CSV.

use super::CsvKind;
use crate::backoffice::{BackofficeError, Result};
use crate::store::Store;

/// The same shapes the import reads, with `,` and a header.
pub(in crate::backoffice) fn export(store: &Store, kind: CsvKind) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // The tier and discount columns only once some product has them: the file of a shop
    // without any keeps the shape scripts already read by position.
    let extras = kind == CsvKind::Products && store.has_price_extras()?;
    let header: Vec<&str> = kind
        .fields()
        .iter()
        .map(|(f, _)| *f)
        .filter(|f| extras || !super::price_columns::COLUMNS.contains(f))
        .collect();
    let csv_err = |e: csv::Error| BackofficeError::Invalid(e.to_string());
    w.write_record(&header).map_err(csv_err)?;
    for p in store.products()? {
        let price = p.price.map(|d| d.to_string()).unwrap_or_default();
        let currency = p.currency.clone().unwrap_or_default();
        match kind {
            CsvKind::Products if extras => {
                let [tiers, discount, from, until] =
                    super::price_columns::cells(&store.price_extras(p.id)?);
                w.write_record([
                    &p.sku, &p.name, &price, &currency, &tiers, &discount, &from, &until,
                ])
                .map_err(csv_err)?
            }
            CsvKind::Products => w
                .write_record([&p.sku, &p.name, &price, &currency])
                .map_err(csv_err)?,
            CsvKind::Prices => {
                if p.price.is_some() {
                    w.write_record([&p.sku, &price, &currency])
                        .map_err(csv_err)?;
                }
            }
            CsvKind::Stock => {
                for (warehouse, q) in store.stock_of(p.id)? {
                    w.write_record([&p.sku, &warehouse, &q.to_string()])
                        .map_err(csv_err)?;
                }
            }
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| BackofficeError::Invalid(e.to_string()))?;
    Ok(String::from_utf8(bytes).expect("UTF-8 in, UTF-8 out"))
}
