//! Product endpoints.

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use super::PromClient;
use super::client::PAGE_LIMIT;
use super::dto::{EditResult, Product, ProductEnvelope, ProductPatch, ProductsPage, ReplyId};
use super::error::PromError;
use crate::domain::MAX_BATCH;

impl PromClient {
    /// One page of `products/list`, ids descending, bounded by `last_id`. Products
    /// without a readable id are left out, counted in `skipped` and noted (see
    /// [`PromClient::notes`]).
    pub async fn products_page(
        &self,
        group_id: Option<i64>,
        last_id: Option<i64>,
        limit: u32,
    ) -> Result<ProductsPage, PromError> {
        self.list_page(group_id, last_id, limit, None).await
    }

    /// A page of `products/list`, optionally only products modified since a moment.
    async fn list_page(
        &self,
        group_id: Option<i64>,
        last_id: Option<i64>,
        limit: u32,
        modified_from: Option<DateTime<Utc>>,
    ) -> Result<ProductsPage, PromError> {
        let mut query = vec![("limit", limit.clamp(1, PAGE_LIMIT).to_string())];
        if let Some(t) = modified_from {
            // Exactly 19 characters, UTC: Prom's sister platform matched nothing with `Z`
            // or milliseconds (prom-api.md section 2).
            query.push((
                "last_modified_from",
                t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ));
        }
        if let Some(id) = last_id {
            query.push(("last_id", id.to_string()));
        }
        if let Some(g) = group_id {
            query.push(("group_id", g.to_string()));
        }
        let page: ProductsPage = self.get("/products/list", &query).await?;
        self.note("/products/list", page.notes.iter().cloned());
        Ok(page)
    }

    /// Every product of one listing (the default one, or one group's), each once.
    /// Correct whether `last_id` is inclusive or exclusive: the cursor is the smallest id
    /// of the page, ids are de-duplicated, and only a page with nothing new ends the walk
    /// (never a short page). Returns the `group_id` Prom.ua answered with.
    async fn walk_listing(
        &self,
        group_id: Option<i64>,
        modified_from: Option<DateTime<Utc>>,
        seen: &mut HashSet<i64>,
        out: &mut Vec<Product>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Option<i64>, PromError> {
        let mut cursor = None;
        let mut answered_group = None;
        // Ids met in this walk: the walk ends on a page with nothing new *to it*, whatever
        // other walks have already collected.
        let mut walked = HashSet::new();
        loop {
            let page = self
                .list_page(group_id, cursor, PAGE_LIMIT, modified_from)
                .await?;
            super::orders::check_descending(
                "/products/list",
                page.products.iter().map(|p| p.id),
                cursor,
            )?;
            answered_group = answered_group.or(page.group_id);
            let Some(min) = page.products.iter().map(|p| p.id).min() else {
                let end =
                    super::orders::unreadable_page("/products/list", page.skipped, PAGE_LIMIT)?;
                self.note("/products/list", end);
                break;
            };
            let mut new_in_walk = false;
            for p in page.products {
                new_in_walk |= walked.insert(p.id);
                if seen.insert(p.id) {
                    out.push(p);
                }
            }
            progress(out.len());
            if !new_in_walk {
                break;
            }
            cursor = Some(min);
        }
        Ok(answered_group)
    }

    /// The whole catalogue, each product once. Without `group_id` Prom.ua may list only
    /// the root group's products, so every group is walked as well (the root once: the
    /// default listing is its listing).
    pub async fn all_products(&self) -> Result<Vec<Product>, PromError> {
        self.all_products_with_progress(&mut |_| {}).await
    }

    /// As [`PromClient::all_products`], telling `progress` the count so far after each page.
    pub async fn all_products_with_progress(
        &self,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Product>, PromError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let root = self
            .walk_listing(None, None, &mut seen, &mut out, progress)
            .await?;
        let mut groups: BTreeSet<i64> = self.all_groups().await?.iter().map(|g| g.id).collect();
        // The default listing is the listing of the group it answered with (the root):
        // walking that group again by id would read the same pages twice. Only when every
        // product it showed sits in that group, though: a default listing of more than
        // the root (perhaps capped) says nothing of the root's own listing.
        let only_root = root.is_some_and(|root| {
            out.iter()
                .all(|p| p.group.as_ref().and_then(|g| g.id) == Some(root))
        });
        if let (true, Some(root)) = (only_root, root) {
            groups.remove(&root);
        }
        for g in groups {
            self.walk_listing(Some(g), None, &mut seen, &mut out, progress)
                .await?;
        }
        Ok(out)
    }

    /// The products of the default listing modified since `since` (`last_modified_from`,
    /// second precision, rounded down), each once. One request when nothing changed. Where
    /// Prom.ua ignores the filter this is the whole default listing: more to read, nothing
    /// missed. The default listing may hold only the root group's products (prom-api.md
    /// section 3.1): a change elsewhere waits for a full walk ([`PromClient::all_products`]).
    pub async fn products_modified_since(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<Product>, PromError> {
        let (mut seen, mut out) = (HashSet::new(), Vec::new());
        self.walk_listing(None, Some(since), &mut seen, &mut out, &mut |_| {})
            .await?;
        Ok(out)
    }

    /// `GET /products/{id}`; a missing product is [`PromError::NotFound`].
    pub async fn product(&self, id: i64) -> Result<Product, PromError> {
        let env: ProductEnvelope = self.get(&format!("/products/{id}"), &[]).await?;
        Ok(env.product)
    }

    /// `GET /products/by_external_id/{external_id}` (the id URL-encoded).
    pub async fn product_by_external_id(&self, external_id: &str) -> Result<Product, PromError> {
        let mut url = reqwest::Url::parse("http://x/").expect("static URL");
        url.path_segments_mut().expect("base").push(external_id);
        let encoded = url.path().trim_start_matches('/').to_string();
        let env: ProductEnvelope = self
            .get(&format!("/products/by_external_id/{encoded}"), &[])
            .await?;
        Ok(env.product)
    }

    /// `POST /products/edit` with a bare JSON array of at most 100 patches. Once Prom.ua
    /// answers HTTP 200 with JSON, the answer is read, never refused (`dto/reply.rs`):
    /// `processed_ids` as Prom ids, numbers or text.
    pub async fn edit_products(&self, patches: &[ProductPatch]) -> Result<EditResult, PromError> {
        self.edit("/products/edit", patches).await
    }

    /// `POST /products/edit_by_external_id`: `id` is the external id, and so are the ids
    /// of the answer: kept as text, never read as Prom ids.
    pub async fn edit_products_by_external_id(
        &self,
        patches: &[ProductPatch<String>],
    ) -> Result<EditResult<String>, PromError> {
        self.edit("/products/edit_by_external_id", patches).await
    }

    async fn edit<Id: ReplyId + serde::Serialize>(
        &self,
        path: &str,
        patches: &[ProductPatch<Id>],
    ) -> Result<EditResult<Id>, PromError> {
        check_batch(patches.len())?;
        let body = serde_json::to_vec(patches).expect("patches serialize");
        let reply: serde_json::Value = self.post(path, body).await?;
        let result = EditResult::read(&reply);
        self.note(path, result.notes.iter().cloned());
        Ok(result)
    }
}

fn check_batch(n: usize) -> Result<(), PromError> {
    if n > MAX_BATCH {
        return Err(PromError::InvalidRequest(format!(
            "an edit batch holds at most {MAX_BATCH} items, not {n}"
        )));
    }
    Ok(())
}
