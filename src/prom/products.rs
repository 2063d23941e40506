//! Product endpoints.

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
    pub(super) async fn list_page(
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
