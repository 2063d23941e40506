//! Reading the catalogue through `products/list`: the default listing, then the groups it
//! may have left out (`listing.rs` decides which, and when a listing has ended).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{DateTime, Utc};

use super::PromClient;
use super::client::PAGE_LIMIT;
use super::dto::Product;
use super::error::PromError;
use super::listing::{GroupShown, Paging, group_reads};

/// One catalogue read: what it has learnt and collected.
struct Read<'a> {
    paging: Paging,
    seen: HashSet<i64>,
    out: Vec<Product>,
    progress: &'a mut (dyn FnMut(usize) + Send),
}

/// One listing to walk: the default one (`group: None`) or one group's.
#[derive(Clone, Copy, Default)]
struct Listing {
    group: Option<i64>,
    modified_from: Option<DateTime<Utc>>,
    /// Start below this id (already read): the rest of a listing read in part.
    below: Option<i64>,
}

/// What one walk found.
struct Walked {
    /// The `group_id` Prom.ua answered with.
    answered: Option<i64>,
    pages: usize,
    /// Products no earlier walk of the read had collected.
    new: usize,
}

impl PromClient {
    /// Every product of one listing, each once. Correct whether `last_id` is inclusive or
    /// exclusive: the cursor is the smallest id of the page (less one once the bound is
    /// known inclusive), ids are de-duplicated, and a page ends the walk only when it
    /// brings nothing new, never for being short (`Paging::ends`).
    async fn walk_listing(
        &self,
        listing: Listing,
        read: &mut Read<'_>,
    ) -> Result<Walked, PromError> {
        let mut cursor = listing.below.map(|b| read.paging.cursor_below(b));
        // Ids met in this walk: whatever other walks have already collected, only a page
        // with nothing new *to this walk* says it has ended.
        let mut walked: HashSet<i64> = listing.below.into_iter().collect();
        let mut walk = Walked {
            answered: None,
            pages: 0,
            new: 0,
        };
        loop {
            let page = self
                .list_page(listing.group, cursor, PAGE_LIMIT, listing.modified_from)
                .await?;
            walk.pages += 1;
            let ids: Vec<i64> = page.products.iter().map(|p| p.id).collect();
            super::orders::check_descending("/products/list", ids.iter().copied(), cursor)?;
            walk.answered = walk.answered.or(page.group_id);
            read.paging.learn(cursor, &ids);
            let Some(&min) = ids.iter().min() else {
                let end =
                    super::orders::unreadable_page("/products/list", page.skipped, PAGE_LIMIT)?;
                self.note("/products/list", end);
                break;
            };
            let mut new_in_walk = false;
            for p in page.products {
                new_in_walk |= walked.insert(p.id);
                if read.seen.insert(p.id) {
                    read.out.push(p);
                    walk.new += 1;
                }
            }
            (read.progress)(read.out.len());
            if read.paging.ends(new_in_walk) {
                break;
            }
            cursor = Some(read.paging.cursor_below(min));
        }
        Ok(walk)
    }

    /// The whole catalogue, each product once. Without `group_id` Prom.ua may list only
    /// the root group's products: then every other group is walked; when the default
    /// listing shows the whole catalogue, only the groups it showed nothing of are, and
    /// its own completeness is probed with a request per 20 pages (`listing::group_reads`).
    pub async fn all_products(&self) -> Result<Vec<Product>, PromError> {
        self.all_products_with_progress(&mut |_| {}).await
    }

    /// As [`PromClient::all_products`], telling `progress` the count so far after each page.
    pub async fn all_products_with_progress(
        &self,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<Vec<Product>, PromError> {
        let mut read = Read {
            paging: Paging::default(),
            seen: HashSet::new(),
            out: Vec::new(),
            progress,
        };
        let default = self.walk_listing(Listing::default(), &mut read).await?;
        let mut shown: BTreeMap<Option<i64>, GroupShown> = BTreeMap::new();
        for p in &read.out {
            let group = p.group.as_ref().and_then(|g| g.id);
            let s = shown.entry(group).or_insert(GroupShown {
                count: 0,
                min: p.id,
            });
            s.count += 1;
            s.min = s.min.min(p.id);
        }
        let listed: BTreeSet<i64> = self.all_groups().await?.iter().map(|g| g.id).collect();
        let plan = group_reads(default.answered, &shown, &listed, default.pages);
        for group in plan.walk {
            let whole = Listing {
                group: Some(group),
                ..Listing::default()
            };
            self.walk_group(whole, &mut read).await?;
        }
        let mut uncovered = false;
        for (i, (group, min)) in plan.probe.into_iter().enumerate() {
            if i >= plan.probe_first && !uncovered {
                break;
            }
            let rest = Listing {
                group: Some(group),
                below: Some(min),
                ..Listing::default()
            };
            uncovered |= self.walk_group(rest, &mut read).await?.new > 0;
        }
        if uncovered {
            self.note(
                "/products/list",
                Some(
                    "the listing without group_id did not show every product of its groups; each group it showed was read to its end"
                        .to_string(),
                ),
            );
        }
        Ok(read.out)
    }

    /// A group's listing; a group Prom refuses (deleted since `groups/list`, or one seen
    /// only on products: 404, "Group not found") is noted and passed over, keeping what
    /// the read has so far. Other errors end the read.
    async fn walk_group(&self, listing: Listing, read: &mut Read<'_>) -> Result<Walked, PromError> {
        match self.walk_listing(listing, read).await {
            Err(PromError::NotFound { .. }) | Err(PromError::Api { .. }) => {
                let group = listing.group.unwrap_or_default();
                self.note(
                    "/products/list",
                    Some(format!(
                        "group {group} could not be listed (Prom.ua refused it); its products were not read this time"
                    )),
                );
                Ok(Walked {
                    answered: None,
                    pages: 0,
                    new: 0,
                })
            }
            other => other,
        }
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
        let mut read = Read {
            paging: Paging::default(),
            seen: HashSet::new(),
            out: Vec::new(),
            progress: &mut |_| {},
        };
        let changed = Listing {
            modified_from: Some(since),
            ..Listing::default()
        };
        self.walk_listing(changed, &mut read).await?;
        Ok(read.out)
    }
}
