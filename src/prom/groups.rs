//! Group endpoints.

use std::collections::HashSet;

use super::PromClient;
use super::client::PAGE_LIMIT;
use super::dto::{Group, GroupsPage};
use super::error::PromError;

impl PromClient {
    pub async fn groups_page(
        &self,
        last_id: Option<i64>,
        limit: u32,
    ) -> Result<GroupsPage, PromError> {
        let mut query = vec![("limit", limit.clamp(1, PAGE_LIMIT).to_string())];
        if let Some(id) = last_id {
            query.push(("last_id", id.to_string()));
        }
        let page: GroupsPage = self.get("/groups/list", &query).await?;
        self.note("/groups/list", page.notes.iter().cloned());
        Ok(page)
    }

    /// Every listed group, each once (same paging rule as products).
    pub async fn all_groups(&self) -> Result<Vec<Group>, PromError> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        let mut cursor = None;
        loop {
            let page = self.groups_page(cursor, PAGE_LIMIT).await?;
            super::orders::check_descending(
                "/groups/list",
                page.groups.iter().map(|g| g.id),
                cursor,
            )?;
            let Some(min) = page.groups.iter().map(|g| g.id).min() else {
                let end = super::orders::unreadable_page("/groups/list", page.skipped, PAGE_LIMIT)?;
                self.note("/groups/list", end);
                break;
            };
            let before = out.len();
            out.extend(page.groups.into_iter().filter(|g| seen.insert(g.id)));
            if out.len() == before || cursor == Some(min) {
                break;
            }
            cursor = Some(min);
        }
        Ok(out)
    }
}
