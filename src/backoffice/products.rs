//! Products and prices: find, list, add and change local products, each answered with its
//! stock, link, what Prom.ua confirmed, and what open orders hold of it.

use std::collections::BTreeMap;

use super::csv_io::{MAX_FIELD_BYTES, thousands};
use super::{
    BackOffice, BackofficeError, OrderHold, PresenceSet, PriceSet, ProductQuery, ProductRemoved,
    ProductView, ProductsPage, Result,
};
use crate::store::{
    DIRTY_STOCK, NewProduct, Product, ProductUpdate, Removal, RemoveBlockers, SETTABLE_PRESENCES,
    Store,
};

/// The product of a SKU, or `NotFound`.
pub(super) fn product(store: &Store, sku: &str) -> Result<Product> {
    store
        .product_by_sku(sku)?
        .ok_or_else(|| BackofficeError::NotFound(format!("no product with SKU `{}`", sku.trim())))
}

/// Saturating: a sum of many warehouses never wraps, whatever the store holds.
fn summed<'a>(quantities: impl Iterator<Item = &'a i64>) -> i64 {
    quantities.fold(0i64, |t, q| t.saturating_add(*q))
}

/// A product with its stock per warehouse, link, last confirmation, what open orders
/// reserve (one read of the `reserved` tree) and what is left of the stock in `pushed`,
/// the pushed warehouses. Not the orders holding it: see [`holders`].
pub(super) fn view(store: &Store, pushed: &[String], p: Product) -> Result<ProductView> {
    let stock: BTreeMap<String, i64> = store.stock_of(p.id)?.into_iter().collect();
    let prom_id = store.link_of(p.id)?;
    let confirmed = store.stock_snapshot(p.id)?;
    let reserved = store.reserved_of(p.id)?;
    let extras = store.price_extras(p.id)?;
    let in_pushed = summed(
        stock
            .iter()
            .filter(|(w, _)| pushed.contains(w))
            .map(|(_, q)| q),
    );
    Ok(ProductView {
        total_stock: summed(stock.values()),
        stock,
        prom_id,
        prom_confirmed: confirmed.map(Into::into),
        reserved,
        available: in_pushed.saturating_sub(reserved),
        held_by: None,
        presence_when_out: store.presence_setting(p.id)?,
        tiers: extras.tiers,
        discount: extras.discount,
        product: p.into(),
    })
}

/// The open orders holding product `id`, newest first: a scan of the orders, unless the
/// `reserved` tree (their sum) says nothing is held.
fn holders(store: &Store, id: u64, reserved: i64) -> Result<Vec<OrderHold>> {
    if reserved == 0 {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for o in store.orders()? {
        let quantity: i64 = o
            .reserved
            .iter()
            .filter(|(p, _)| *p == id)
            .map(|(_, q)| q)
            .sum();
        if quantity != 0 {
            out.push(OrderHold {
                prom_id: o.prom_id,
                status: o.status,
                quantity,
            });
        }
    }
    Ok(out)
}

/// A SKU search with at most this many matches reads and sorts them (a few ms); one
/// with more has at least 1 in 25 of a 100,000-product catalogue match, so a walk in
/// id order finds a page of 50 in about 1,200 products.
pub(super) const SKU_SORTED: usize = 4096;

/// A page of products in id order, filtered; a scan of the products, so on the blocking
/// pool.
pub(super) async fn list(office: &BackOffice, q: &ProductQuery) -> Result<ProductsPage> {
    let (q, pushed) = (q.clone(), office.pushed_warehouses());
    office.blocking(move |store| page(store, &pushed, &q)).await
}

fn page(store: &Store, pushed: &[String], q: &ProductQuery) -> Result<ProductsPage> {
    page_sorting(store, pushed, q, SKU_SORTED)
}

/// [`page`], with the matches a SKU search reads and sorts at most.
fn page_sorting(
    store: &Store,
    pushed: &[String],
    q: &ProductQuery,
    sorted: usize,
) -> Result<ProductsPage> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let scan = q.scan.unwrap_or(usize::MAX).max(1);
    let sku = q.sku.as_deref().map(str::trim);
    let name = q.name.as_deref().map(|n| n.trim().to_lowercase());
    // A SKU search with few matches reads them from the SKU index (a miss costs one
    // seek); one with many (a common prefix, or none) walks the catalogue in id order
    // keeping the matches: they are dense enough that a page comes soon, and each page
    // starts where the last one ended (not a read and sort of every match per page).
    let candidates: Box<dyn Iterator<Item = Result<Product>>> = match sku {
        Some(prefix) => match store.ids_with_sku_prefix(prefix, sorted)? {
            Some(ids) => {
                let after = q.after;
                Box::new(
                    ids.into_iter()
                        .filter(move |id| after.is_none_or(|a| *id > a))
                        .filter_map(|id| store.product(id).map_err(Into::into).transpose()),
                )
            }
            None => {
                let prefix = prefix.to_string();
                Box::new(
                    catalogue_from(store, q.after)
                        .filter(move |p| p.as_ref().map_or(true, |p| p.sku.starts_with(&prefix))),
                )
            }
        },
        None => Box::new(catalogue_from(store, q.after)),
    };
    let mut out = Vec::new();
    let (mut scanned, mut last) = (0usize, None);
    let mut more = false;
    for p in candidates {
        if scanned == scan || out.len() == limit {
            more = true;
            break;
        }
        let p = p?;
        scanned += 1;
        last = Some(p.id);
        let name_ok = name
            .as_deref()
            .is_none_or(|n| p.name.to_lowercase().contains(n));
        if !name_ok {
            continue;
        }
        if let Some(linked) = q.linked
            && store.link_of(p.id)?.is_some() != linked
        {
            continue;
        }
        out.push(view(store, pushed, p)?);
    }
    Ok(ProductsPage {
        products: out,
        next_after: if more { last } else { None },
    })
}

/// The products after `after` in id order, read 500 at a time.
fn catalogue_from(store: &Store, after: Option<u64>) -> impl Iterator<Item = Result<Product>> + '_ {
    let mut after = after;
    let mut chunk = Vec::<Product>::new().into_iter();
    let mut done = false;
    std::iter::from_fn(move || {
        loop {
            if let Some(p) = chunk.next() {
                after = Some(p.id);
                return Some(Ok(p));
            }
            if done {
                return None;
            }
            match store.products_after(after, 500) {
                Ok(next) if next.is_empty() => done = true,
                Ok(next) => chunk = next.into_iter(),
                Err(e) => {
                    done = true;
                    return Some(Err(e.into()));
                }
            }
        }
    })
}

/// A product with the orders holding it; the orders are a scan, so on the blocking pool.
pub(super) async fn show(office: &BackOffice, sku: &str) -> Result<ProductView> {
    let (sku, pushed) = (sku.to_string(), office.pushed_warehouses());
    office
        .blocking(move |store| {
            let mut v = view(store, &pushed, product(store, &sku)?)?;
            v.held_by = Some(holders(store, v.product.id, v.reserved)?);
            Ok(v)
        })
        .await
}

/// A SKU or name typed in (CLI, admin API) holds no more than a CSV field does, so that
/// whatever is stored exports and imports back: the reliability suite's fuzzing (issue
/// 17) made a product with a 4.8 KB name through the admin API, and `links apply` then
/// refused the unlinked products' own export. Products made from Prom.ua's catalogue are
/// not refused for it (Prom's names are read leniently).
fn check_lengths(fields: [(&str, Option<&str>); 2]) -> Result<()> {
    for (what, text) in fields {
        let Some(text) = text.map(str::trim) else {
            continue;
        };
        if text.len() > MAX_FIELD_BYTES {
            let start: String = text.chars().take(24).collect();
            return Err(BackofficeError::Invalid(format!(
                "{what}: `{start}…` is {} bytes ({} characters) long; it may be at most {} bytes (4 KiB, 2,048 Cyrillic letters), as a CSV field",
                thousands(text.len() as u64),
                thousands(text.chars().count() as u64),
                thousands(MAX_FIELD_BYTES as u64)
            )));
        }
    }
    Ok(())
}

/// A currency typed in (CLI, admin API, CSV) as the store keeps it: a code of three
/// Latin letters, upper-cased (Prom.ua's products carry `UAH`, `USD`, `EUR`). Checked
/// as a code, not by length: upper-casing may grow a text (`ΐ`, 2 bytes, becomes 6).
pub(super) fn currency_code(text: &str) -> std::result::Result<String, String> {
    let code = text.trim();
    if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
        Ok(code.to_ascii_uppercase())
    } else {
        let start: String = code.chars().take(24).collect();
        let more = if code.chars().count() > 24 { "…" } else { "" };
        Err(format!(
            "`{start}{more}` is not a currency code: use three Latin letters, e.g. UAH, USD, EUR"
        ))
    }
}

/// [`currency_code`] of an optional currency (blank is none, as in a CSV file), refusals
/// as `Invalid` naming the field.
fn currency(text: Option<&str>) -> Result<Option<String>> {
    text.filter(|c| !c.trim().is_empty())
        .map(|c| currency_code(c).map_err(|m| BackofficeError::Invalid(format!("currency: {m}"))))
        .transpose()
}

pub(super) async fn add(office: &BackOffice, p: &NewProduct) -> Result<ProductView> {
    check_lengths([("sku", Some(&p.sku)), ("name", Some(&p.name))])?;
    if let Some(why) = crate::domain::sku::typed_refusal(p.sku.trim()) {
        return Err(BackofficeError::Invalid(format!("sku: {why}")));
    }
    let p = NewProduct {
        currency: currency(p.currency.as_deref())?,
        ..p.clone()
    };
    let store = office.store();
    let created = store.add_products(std::slice::from_ref(&p))?;
    office.durable().await?;
    let created = created.into_iter().next().expect("one product");
    view(store, &office.pushed_warehouses(), created)
}

pub(super) async fn update(
    office: &BackOffice,
    sku: &str,
    u: &ProductUpdate,
) -> Result<ProductView> {
    let store = office.store();
    let p = product(store, sku)?;
    // A name sent back as it is stored (one from Prom.ua may be longer) is no change.
    let new_name = u.name.as_deref().filter(|n| n.trim() != p.name);
    check_lengths([("sku", None), ("name", new_name)])?;
    let u = ProductUpdate {
        currency: currency(u.currency.as_deref())?,
        ..u.clone()
    };
    let updated = store.update_products(&[(p.id, u)])?;
    office.durable().await?;
    office.touched();
    let updated = updated.into_iter().next().expect("one product");
    view(store, &office.pushed_warehouses(), updated)
}

pub(super) async fn set_price(
    office: &BackOffice,
    sku: &str,
    req: &PriceSet,
) -> Result<ProductView> {
    if req.price.is_sign_negative() {
        return Err(BackofficeError::Invalid(
            "a price must not be negative".into(),
        ));
    }
    let u = ProductUpdate {
        price: Some(req.price),
        currency: req.currency.clone(),
        name: None,
    };
    update(office, sku, &u).await
}

/// Sets a product's own presence at stock 0 (`auto`: push_stock's rules decide). The
/// next push sends it if the product is out of stock.
pub(super) async fn set_presence(
    office: &BackOffice,
    sku: &str,
    req: &PresenceSet,
) -> Result<ProductView> {
    let p = product(office.store(), sku)?;
    let presence = match req.presence.trim() {
        "auto" => None,
        word if SETTABLE_PRESENCES.contains(&word) => Some(word.to_string()),
        other => {
            return Err(BackofficeError::Invalid(format!(
                "`{other}` is not a presence for product {sku} at stock 0: one of {}, or auto",
                SETTABLE_PRESENCES.join(", ")
            )));
        }
    };
    let id = p.id;
    office
        .blocking(move |store| {
            store.set_presence_setting(id, presence.as_deref())?;
            // The on-change push looks at it again (a linked product out of stock may
            // now get another presence).
            Ok(store.mark_dirty_ids(&[id], DIRTY_STOCK)?)
        })
        .await?;
    office.durable().await?;
    office.touched();
    view(office.store(), &office.pushed_warehouses(), p)
}

/// Removes a product made by mistake, or says why not (`Conflict`, nothing changed).
pub(super) async fn remove(office: &BackOffice, sku: &str, force: bool) -> Result<ProductRemoved> {
    let p = product(office.store(), sku)?;
    let (actor, reason) = (office.actor(), format!("product {} removed", p.sku));
    let removal = office
        .blocking(move |store| Ok(store.remove_product(p.id, force, actor, &reason)?))
        .await?;
    match removal {
        Removal::Removed(r) => {
            office.durable().await?;
            Ok(r.into())
        }
        Removal::Refused { product, blockers } => {
            Err(BackofficeError::Conflict(refusal(&product.sku, &blockers)))
        }
    }
}

/// Orders by id: the first five, and how many more.
fn orders(ids: &[i64]) -> String {
    let mut named: Vec<String> = ids.iter().take(5).map(i64::to_string).collect();
    if ids.len() > 5 {
        named.push(format!("and {} more", ids.len() - 5));
    }
    named.join(", ")
}

/// Why a product is not removed, and what would remove it.
fn refusal(sku: &str, b: &RemoveBlockers) -> String {
    if b.absolute() {
        return format!(
            "product {sku} is not removed: open orders reserve {} of it (order {}); complete or cancel them first (--force does not remove a reserved product)",
            b.reserved,
            orders(&b.reserving)
        );
    }
    let mut why = Vec::new();
    let mut then = Vec::new();
    if let Some(prom) = b.linked {
        why.push(format!("it is linked to Prom product {prom}"));
        then.push("unlinks it".to_string());
    }
    if b.moves > 0 {
        why.push(format!("it has {} stock move(s) in the journal", b.moves));
        then.push("keeps its journal".to_string());
    }
    if !b.orders.is_empty() {
        why.push(format!("it is on the lines of order {}", orders(&b.orders)));
        then.push("leaves those lines unlinked".to_string());
    }
    format!(
        "product {sku} is not removed: {}; `products remove {sku} --force` removes it anyway ({})",
        why.join(", "),
        then.join(", ")
    )
}

#[cfg(test)]
#[path = "products_page_tests.rs"]
mod tests;
