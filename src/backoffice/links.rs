//! Links between local products and Prom.ua products: one at a time, or many at once
//! (accepted suggestions, a filled-in CSV); and the staged Prom products they link to.
//! A new link also links (and reserves for) the stored order lines of its Prom product.

use std::collections::HashSet;

use super::products::product;
use super::{
    AcceptLinks, BackOffice, BackofficeError, ImportReport, LinkRequest, LinkView, Result,
    StagedView, Suggestion, auto_accepts, check_prom_id, matching,
};
use crate::store::{Product, Store, StoreError};

fn link_view(store: &Store, p: &Product) -> Result<LinkView> {
    let prom_id = store.link_of(p.id)?;
    Ok(LinkView {
        sku: p.sku.clone(),
        name: p.name.clone(),
        prom_id,
        prom_gone_since: prom_id
            .map(|id| store.gone_since(id))
            .transpose()?
            .flatten(),
    })
}

/// Every product and its link: a scan, on the blocking pool (the unlinked only: read
/// from the store's index of them).
pub(super) async fn list(office: &BackOffice, unlinked_only: bool) -> Result<Vec<LinkView>> {
    office
        .blocking(move |store| {
            let products = match unlinked_only {
                true => {
                    let mut rows = Vec::new();
                    for id in store.unlinked_product_ids()? {
                        rows.extend(store.product(id)?);
                    }
                    rows
                }
                false => store.products()?,
            };
            let mut out = Vec::new();
            for p in products {
                let v = link_view(store, &p)?;
                if !unlinked_only || v.prom_id.is_none() {
                    out.push(v);
                }
            }
            Ok(out)
        })
        .await
}

/// Why `links link` refuses `prom_id` without `--force`: Prom.ua deleted it, or the
/// store never met it (no catalogue walk, staged row, link or order line named it).
fn unknown_prom_id(store: &Store, prom_id: i64) -> Result<Option<String>> {
    if let Some(since) = store.gone_since(prom_id)? {
        return Ok(Some(format!(
            "Prom product {prom_id} was deleted on Prom.ua (it answered 404 on {}): not linked; --force links it anyway",
            since.format("%Y-%m-%d")
        )));
    }
    if !store.knows_prom_id(prom_id)? {
        return Ok(Some(format!(
            "Prom product {prom_id} was never seen: no import_products run listed it, and no staged product, link or order line names it; check the id, run an import_products job, or link with --force"
        )));
    }
    Ok(None)
}

/// Links one product by hand: refuses a Prom id the store never met or that Prom.ua
/// deleted (unless forced), and a product linked to a live Prom product (unless forced);
/// a link to a deleted one gives way. Forgets the remembered unlinks of both. Relinking
/// the stored orders scans them, so on the blocking pool.
pub(super) async fn link(office: &BackOffice, sku: &str, req: &LinkRequest) -> Result<LinkView> {
    check_prom_id(req.prom_id).map_err(|m| BackofficeError::Invalid(format!("prom_id: {m}")))?;
    let (sku, req, policy) = (sku.to_string(), req.clone(), office.order_policy()?);
    let (view, relinked) = office
        .blocking(move |store| {
            let p = product(store, &sku)?;
            let existing = store.link_of(p.id)?;
            let gone = store.gone_since(req.prom_id)?.is_some();
            if existing == Some(req.prom_id) && !(gone && req.force) {
                return Ok((link_view(store, &p)?, None));
            }
            if !req.force {
                if let Some(existing) = existing
                    && store.gone_since(existing)?.is_none()
                {
                    return Err(BackofficeError::Conflict(format!(
                        "{} is already linked to Prom product {existing}; unlink it first or force",
                        p.sku
                    )));
                }
                if let Some(why) = unknown_prom_id(store, req.prom_id)? {
                    return Err(BackofficeError::Conflict(why));
                }
            }
            if let Some(other) = store.linked_to_prom(req.prom_id)?
                && other != p.id
            {
                return Err(BackofficeError::Conflict(format!(
                    "Prom product {} is already linked to another local product",
                    req.prom_id
                )));
            }
            store.relink(p.id, req.prom_id).map_err(|e| match e {
                StoreError::Invalid(m) => BackofficeError::Conflict(m),
                e => e.into(),
            })?;
            // Stored orders with lines for this Prom product now link (and reserve) too.
            let relinked = store.relink_orders(req.prom_id, &policy)?;
            Ok((link_view(store, &p)?, Some(relinked)))
        })
        .await?;
    // `None`: already linked so, nothing written. A new link is a product to send (and
    // maybe orders relinked): the on-change push is woken, as for a stock change.
    if relinked.is_some() {
        office.durable().await?;
        office.touched();
    }
    Ok(view)
}

/// Unlinks a product by hand, and remembers it: automatic linking (an import) leaves the
/// product and the Prom product alone until one of them is linked by hand.
pub(super) async fn unlink(office: &BackOffice, sku: &str) -> Result<LinkView> {
    let store = office.store();
    let p = product(store, sku)?;
    if store.unlink_by_hand(p.id, chrono::Utc::now())?.is_none() {
        return Err(BackofficeError::NotFound(format!(
            "{} is not linked",
            p.sku
        )));
    }
    office.durable().await?;
    link_view(store, &p)
}

/// The staged Prom products and the SKU each is linked to: a scan, on the blocking pool
/// (the unlinked only: read from the store's index of them).
pub(super) async fn staged(office: &BackOffice, unlinked_only: bool) -> Result<Vec<StagedView>> {
    office
        .blocking(move |store| {
            let rows = match unlinked_only {
                true => {
                    let mut rows = Vec::new();
                    for id in store.unlinked_staged_ids()? {
                        rows.extend(store.staged_product(id)?);
                    }
                    rows
                }
                false => store.staged()?,
            };
            let mut out = Vec::new();
            for s in rows {
                let linked_sku = match store.linked_to_prom(s.prom_id)? {
                    Some(id) => store.product(id)?.map(|p| p.sku),
                    None => None,
                };
                if !unlinked_only || linked_sku.is_none() {
                    out.push(StagedView {
                        staged: s.into(),
                        linked_sku,
                    });
                }
            }
            Ok(out)
        })
        .await
}

impl BackOffice {
    /// The Prom ids of [`staged`]`(unlinked_only)`, for the console to page through.
    pub(crate) async fn unlinked_staged_ids(&self) -> Result<Vec<i64>> {
        self.blocking(|store| Ok(store.unlinked_staged_ids()?))
            .await
    }

    /// Of the local SKUs `skus`, those of products no link holds now (the console offers a
    /// suggestion of a kept pass only while its product is free).
    pub(crate) async fn free_skus(&self, skus: Vec<String>) -> Result<HashSet<String>> {
        self.blocking(move |store| {
            let mut free = HashSet::new();
            for sku in skus {
                if let Some(p) = store.product_by_sku(&sku)?
                    && store.link_of(p.id)?.is_none()
                {
                    free.insert(sku);
                }
            }
            Ok(free)
        })
        .await
    }

    /// The staged products `ids` (those still staged), unlinked as they were listed.
    pub(crate) async fn staged_rows(&self, ids: Vec<i64>) -> Result<Vec<StagedView>> {
        self.blocking(move |store| {
            let mut out = Vec::new();
            for id in ids {
                if let Some(s) = store.staged_product(id)? {
                    let linked_sku = match store.linked_to_prom(id)? {
                        Some(local) => store.product(local)?.map(|p| p.sku),
                        None => None,
                    };
                    out.push(StagedView {
                        staged: s.into(),
                        linked_sku,
                    });
                }
            }
            Ok(out)
        })
        .await
    }
}

/// Links the suggestions chosen, in one step, with their orders: on the blocking pool.
pub(super) async fn accept(office: &BackOffice, req: &AcceptLinks) -> Result<Vec<LinkView>> {
    for id in &req.prom_ids {
        check_prom_id(*id).map_err(|m| BackofficeError::Invalid(format!("prom_ids: {m}")))?;
    }
    let min = if req.prom_ids.is_empty() {
        req.min_score.unwrap_or(0.8)
    } else {
        req.min_score.unwrap_or(0.0)
    };
    let (prom_ids, policy) = (req.prom_ids.clone(), office.order_policy()?);
    let chosen = office
        .blocking(move |store| {
            // By score only the unambiguous; named Prom ids whatever their flag.
            let chosen: Vec<Suggestion> = matching::suggestions(store, min)?
                .into_iter()
                .filter(|s| match prom_ids.is_empty() {
                    true => auto_accepts(s, min),
                    false => prom_ids.contains(&s.prom_id),
                })
                .collect();
            let mut pairs = Vec::new();
            for s in &chosen {
                pairs.push((product(store, &s.local_sku)?.id, s.prom_id));
            }
            store.link_many(&pairs)?;
            for (_, prom_id) in &pairs {
                store.relink_orders(*prom_id, &policy)?;
            }
            Ok(chosen)
        })
        .await?;
    office.durable().await?;
    office.refresh_view().await;
    office.touched();
    Ok(chosen
        .into_iter()
        .map(|s| LinkView {
            sku: s.local_sku,
            name: s.local_name,
            prom_id: Some(s.prom_id),
            prom_gone_since: None,
        })
        .collect())
}

/// Applies a filled-in mapping, all of it or nothing, and relinks the stored orders: on
/// the blocking pool.
pub(super) async fn apply(office: &BackOffice, data: &[u8]) -> Result<ImportReport> {
    let (data, policy) = (data.to_vec(), office.order_policy()?);
    let (rows, made) = office
        .blocking(move |store| {
            let (rows, made) = matching::apply(store, &data)?;
            for (_, prom_id) in store.link_pairs()? {
                store.relink_orders(prom_id, &policy)?;
            }
            Ok((rows, made))
        })
        .await?;
    office.durable().await?;
    office.touched();
    // `rows`: the filled-in rows; `updated`: the links among them that are new.
    Ok(ImportReport {
        rows,
        updated: made,
        ..Default::default()
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;
    use crate::backoffice::Ledger;
    use crate::store::{Actor, DIRTY_PRICE, DIRTY_STOCK, StagedProduct};

    /// `links link` (the console's gear) wakes the on-change push with the product
    /// marked, as a stock change does; linking it so again writes nothing and wakes none.
    #[tokio::test]
    async fn a_link_by_hand_wakes_the_on_change_push_with_the_product_marked() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let p = store.add_product("TEA-1", "Чайник").unwrap();
        store
            .put_staged(&[StagedProduct {
                prom_id: 7,
                sku: None,
                name: "Чайник".into(),
                other_names: vec![],
                price: None,
                currency: None,
                quantity: None,
                staged_at: chrono::Utc::now(),
            }])
            .unwrap();
        let changed = Arc::new(tokio::sync::Notify::new());
        let office =
            BackOffice::new(store.clone(), Actor::Api, vec![]).with_notify(changed.clone());
        let req = LinkRequest {
            prom_id: 7,
            force: false,
        };
        office.link("TEA-1", &req).await.unwrap();
        tokio::time::timeout(Duration::from_secs(5), changed.notified())
            .await
            .expect("the on-change push was not woken");
        assert_eq!(store.take_dirty(DIRTY_STOCK).unwrap(), vec![p.id]);
        assert_eq!(store.take_dirty(DIRTY_PRICE).unwrap(), vec![p.id]);

        office.link("TEA-1", &req).await.unwrap();
        let woken = tokio::time::timeout(Duration::from_millis(50), changed.notified()).await;
        assert!(woken.is_err(), "woken for nothing written");
        assert!(store.take_dirty(DIRTY_STOCK).unwrap().is_empty());
    }

    /// `links list --unlinked` and `staged list --unlinked` read the index of the
    /// unlinked: the same rows as the whole lists filtered.
    #[tokio::test]
    async fn the_unlinked_lists_are_the_whole_lists_filtered() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("store")).unwrap();
        let mut ids = Vec::new();
        for i in 0..6 {
            ids.push(store.add_product(&format!("S-{i}"), "P").unwrap().id);
        }
        let rows: Vec<StagedProduct> = (1..=6)
            .map(|prom_id| StagedProduct {
                prom_id,
                sku: None,
                name: "P".into(),
                other_names: vec![],
                price: None,
                currency: None,
                quantity: None,
                staged_at: chrono::Utc::now(),
            })
            .collect();
        store.put_staged(&rows).unwrap();
        store.link_many(&[(ids[1], 2), (ids[4], 5)]).unwrap();
        let office = BackOffice::new(store, Actor::Api, vec![]);
        let all = office.links(false).await.unwrap();
        let unlinked = office.links(true).await.unwrap();
        let want: Vec<_> = all.into_iter().filter(|l| l.prom_id.is_none()).collect();
        assert_eq!(unlinked.len(), 4);
        assert_eq!(unlinked, want);
        let all = office.staged(false).await.unwrap();
        let unlinked = office.staged(true).await.unwrap();
        let want: Vec<_> = all.into_iter().filter(|s| s.linked_sku.is_none()).collect();
        assert_eq!(
            unlinked
                .iter()
                .map(|s| s.staged.prom_id)
                .collect::<Vec<_>>(),
            vec![1, 3, 4, 6]
        );
        assert_eq!(unlinked, want);
    }
}
