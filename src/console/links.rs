//! Linking: the staged Prom products no local product is linked to, 50 a page, each with
//! the local product the suggestions (`links suggest`) offer for it, its score and why;
//! per row the gear (link to that suggestion) and a SKU typed by hand; "link all at or
//! above a score" (`links accept`), the CSV of the unlinked (`links export-unlinked`) and
//! a filled-in one to apply (`links apply`). The forms' handlers are in `link_forms`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::link_forms::failure;
use super::{Console, LangQuery, Visit, layout, to_login};
use crate::backoffice::{BackofficeError, Ledger, StagedView, Suggestion};

pub(super) const PAGE: usize = 50;

/// The page's query: the cursor, and what the last form did (shown once, above).
#[derive(Deserialize, Default)]
pub(super) struct LinksQuery {
    after: Option<i64>,
    lang: Option<String>,
    /// After the gear or a typed SKU: the Prom product linked, and to which SKU.
    linked: Option<i64>,
    sku: Option<String>,
    /// After "link all": how many links were made, at which score.
    made: Option<usize>,
    min_score: Option<String>,
    /// After a CSV applied: its filled-in rows (`made`: the new links among them).
    applied: Option<usize>,
}

/// A page of the unlinked staged Prom products, each with its suggestion if any.
struct Rows {
    rows: Vec<(StagedView, Option<Suggestion>)>,
    next_after: Option<i64>,
    /// Drawn from a pass of the store as it is now (else one is being made).
    current: bool,
    /// Why the last pass failed, when it did.
    failed: Option<String>,
}

/// What a pass over the whole catalogue finds: the unlinked staged Prom ids in order, and
/// their suggestions by Prom id.
struct Unlinked {
    ids: Vec<i64>,
    suggested: HashMap<i64, Suggestion>,
}

/// The last pass, and the store's link generation read before it: kept while nothing the
/// suggestions read is written (stock, orders, snapshots and runs leave it), so paging and
/// coming back cost a page's reads, not a pass. A pass takes seconds on a big catalogue
/// and a page must not: when the kept pass is older than the store (after a link, a gear
/// click) or there is none yet (the first visit), the page is drawn from what there is
/// while a new pass is made in the background.
#[derive(Default)]
pub(super) struct SuggestionCache {
    kept: Mutex<Option<(u64, Arc<Unlinked>)>>,
    /// The last pass that failed, at its generation, in words: shown, not retried until
    /// the store moves on.
    failed: Mutex<Option<(u64, String)>>,
    /// One pass at a time: two tabs or a double click share the pass under way.
    computing: Arc<tokio::sync::Mutex<()>>,
}

impl SuggestionCache {
    fn kept(&self) -> Option<(u64, Arc<Unlinked>)> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn current(&self, generation: u64) -> Option<Arc<Unlinked>> {
        self.kept()
            .filter(|(g, _)| *g == generation)
            .map(|(_, kept)| kept)
    }

    /// Keeps `fresh` unless a pass of a later generation is kept already.
    fn keep(&self, generation: u64, fresh: Arc<Unlinked>) {
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if kept.as_ref().is_none_or(|(g, _)| *g <= generation) {
            *kept = Some((generation, fresh));
        }
    }

    fn failure(&self, generation: u64) -> Option<String> {
        self.failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .filter(|(g, _)| *g == generation)
            .map(|(_, why)| why)
    }
}

/// The pass a page is drawn from, whether it is of the store as it is now, and why a
/// new one could not be made.
struct Pass {
    all: Arc<Unlinked>,
    current: bool,
    failed: Option<String>,
}

/// The unlinked staged products (as `staged list --unlinked`) and `links suggest
/// --min-score 0`: those pair the whole catalogue one to one, so they are computed whole
/// (not for a page alone), in the background; meanwhile the pass before, or (the first
/// time) the unlinked staged products without suggestions.
async fn unlinked(console: &Console) -> Result<Pass, BackofficeError> {
    let cache = &console.suggestions;
    let generation = console.office.store().link_generation();
    let kept = cache.kept();
    if let Some((g, all)) = &kept
        && *g == generation
    {
        return Ok(Pass {
            all: all.clone(),
            current: true,
            failed: None,
        });
    }
    let failed = cache.failure(generation);
    if failed.is_none() {
        start_pass(console);
    }
    let all = match kept {
        Some((_, all)) => all,
        None => Arc::new(Unlinked {
            ids: console.office.unlinked_staged_ids().await?,
            suggested: HashMap::new(),
        }),
    };
    Ok(Pass {
        all,
        current: false,
        failed,
    })
}

/// A pass in the background, unless one is under way.
fn start_pass(console: &Console) {
    let Ok(one) = console.suggestions.computing.clone().try_lock_owned() else {
        return;
    };
    let console = console.clone();
    tokio::spawn(async move {
        let _one = one;
        let cache = &console.suggestions;
        let generation = console.office.store().link_generation();
        // The pass that just ended may be of the store as it is.
        if cache.current(generation).is_some() {
            return;
        }
        match compute(&console).await {
            Ok(fresh) => {
                cache.keep(generation, fresh);
                *cache.failed.lock().unwrap_or_else(|e| e.into_inner()) = None;
            }
            Err(e) => {
                tracing::warn!("the console's link suggestions: {e}");
                *cache.failed.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some((generation, e.to_string()));
            }
        }
    });
}

/// One pass (the caller read the link generation before it).
async fn compute(console: &Console) -> Result<Arc<Unlinked>, BackofficeError> {
    let ids = console.office.unlinked_staged_ids().await?;
    let suggested = match ids.is_empty() {
        true => HashMap::new(),
        false => console
            .office
            .suggest_links(0.0)
            .await?
            .into_iter()
            .map(|s| (s.prom_id, s))
            .collect(),
    };
    Ok(Arc::new(Unlinked { ids, suggested }))
}

/// The page after `after`: its rows read from the store, each with its suggestion. From a
/// pass older than the store, rows linked since are left out and a suggestion is offered
/// only while its local product is still free.
async fn page_of(console: &Console, after: Option<i64>) -> Result<Rows, BackofficeError> {
    let Pass {
        all,
        current,
        failed,
    } = unlinked(console).await?;
    let from = after.map_or(0, |a| all.ids.partition_point(|id| *id <= a));
    let page: Vec<i64> = all.ids.iter().skip(from).take(PAGE).copied().collect();
    let next_after = (all.ids.len() > from + PAGE)
        .then(|| page.last().copied())
        .flatten();
    let free = match current {
        true => None,
        false => {
            let skus = page
                .iter()
                .filter_map(|id| all.suggested.get(id))
                .map(|s| s.local_sku.clone())
                .collect();
            Some(console.office.free_skus(skus).await?)
        }
    };
    let rows = console
        .office
        .staged_rows(page)
        .await?
        .into_iter()
        // Linked since the pass (by another client): not shown.
        .filter(|s| s.linked_sku.is_none())
        .map(|s| {
            let sug = all
                .suggested
                .get(&s.staged.prom_id)
                .filter(|g| free.as_ref().is_none_or(|f| f.contains(&g.local_sku)))
                .cloned();
            (s, sug)
        })
        .collect();
    Ok(Rows {
        rows,
        next_after,
        current,
        failed,
    })
}

pub(super) async fn show(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(q): Query<LinksQuery>,
) -> Response {
    let visit = Visit::of(
        &console,
        &headers,
        &LangQuery {
            lang: q.lang.clone(),
        },
    );
    if visit.session.is_none() {
        return visit.finish(to_login());
    }
    let page = match page_of(&console, q.after).await {
        Ok(p) => p,
        Err(e) => return visit.finish(failure(&visit, &e)),
    };
    let t = visit.lang.text();
    let body = html! {
        (done(&visit, &q))
        @if let Some(why) = &page.failed {
            p.error #suggestions-failed { (t.suggestions_failed) " " (why) }
        } @else if !page.current { p.muted #refreshing { (t.suggestions_refreshing) } }
        (bulk_forms(&visit))
        @if page.rows.is_empty() {
            // From an older pass, an empty page says nothing of the others.
            @if page.current { p #all-linked { (t.all_linked) } }
        } @else {
            table #staged {
                tr {
                    th { (t.prom_id) } th { "SKU" } th { (t.name) } th { (t.price) }
                    th { (t.suggestion) } th { (t.score) } th { (t.link) }
                }
                @for (s, sug) in &page.rows { (row(&visit, s, sug.as_ref())) }
            }
        }
        @if let Some(next) = page.next_after {
            p { a #next-page href={ "/links?after=" (next) } { (t.next_page) } }
        }
    };
    visit.finish(layout::page(&visit, t.links, body).into_response())
}

/// What the form just sent did, from the redirect's query.
fn done(visit: &Visit, q: &LinksQuery) -> Markup {
    let t = visit.lang.text();
    html! {
        @if let (Some(id), Some(sku)) = (q.linked, &q.sku) {
            p.ok #linked { (t.linked_now) " " (id) " → " (sku) }
        }
        @if let Some(applied) = q.applied {
            p.ok #applied {
                (t.rows_applied) " " strong #applied-rows { (applied) } "; "
                (t.links_made) " " strong #links-made { (q.made.unwrap_or(0)) }
            }
        } @else if let Some(made) = q.made {
            p.ok #made {
                (t.links_made) " " strong #links-made { (made) }
                @if let Some(min) = &q.min_score { " (≥ " (min) ")" }
            }
        }
    }
}

/// "Link all at or above", the CSV download and the CSV to apply.
fn bulk_forms(visit: &Visit) -> Markup {
    let t = visit.lang.text();
    html! {
        form #accept-form method="post" action="/links/accept" {
            input type="hidden" name="csrf" value=(visit.csrf());
            label for="min-score" { (t.accept_title) " " }
            input #min-score type="text" name="min_score" inputmode="decimal" value="0.8" required size="5";
            " " button #accept-submit type="submit" { (t.accept_button) }
            br; small { (t.accept_note) }
        }
        p { a #export-csv href="/links/unlinked.csv" download="unlinked.csv" { (t.export_csv) } }
        form #apply-form method="post" action="/links/apply" {
            input type="hidden" name="csrf" value=(visit.csrf());
            label for="apply-csv" { (t.apply_title) } br;
            textarea #apply-csv name="csv" rows="4" cols="80" required placeholder=(t.apply_hint) {}
            br; button #apply-submit type="submit" { (t.apply_button) }
        }
    }
}

/// Suggestions below this are noise, as `links suggest` (its default `--min-score`) and
/// the CSV export treat them: no gear for them, the typed SKU is the way.
const GEAR_MIN_SCORE: f64 = 0.5;

fn row(visit: &Visit, s: &StagedView, sug: Option<&Suggestion>) -> Markup {
    let t = visit.lang.text();
    let sug = sug.filter(|g| g.score >= GEAR_MIN_SCORE);
    let id = s.staged.prom_id;
    html! {
        tr.staged id={ "row-" (id) } {
            td.prom-id { (id) }
            td.sku { (s.staged.sku.as_deref().unwrap_or("")) }
            td { (s.staged.name) }
            td { @if let Some(p) = s.staged.price { (p) " " (s.staged.currency.as_deref().unwrap_or("")) } }
            @match sug {
                Some(g) => {
                    td.suggestion {
                        span.local-sku { (g.local_sku) } " — " (g.local_name)
                        br; small.reason { (g.reason) }
                        @if g.ambiguous { " " strong.bad { (t.ambiguous) } }
                    }
                    td.score { (format!("{:.3}", g.score)) }
                }
                None => { td.suggestion { (t.no_suggestion) } td.score {} }
            }
            td {
                @if let Some(g) = sug {
                    form id={ "link-" (id) } method="post" action="/links/link" {
                        input type="hidden" name="csrf" value=(visit.csrf());
                        input type="hidden" name="prom_id" value=(id);
                        input type="hidden" name="sku" value=(g.local_sku);
                        button id={ "gear-" (id) } type="submit" name="gear"
                            title={ (t.gear_label) ": " (g.local_sku) }
                            aria-label={ (t.gear_label) ": " (g.local_sku) } { "⚙" }
                    }
                }
                form id={ "typed-" (id) } method="post" action="/links/link" {
                    input type="hidden" name="csrf" value=(visit.csrf());
                    input type="hidden" name="prom_id" value=(id);
                    input id={ "typed-sku-" (id) } type="text" name="sku" required size="10"
                        placeholder=(t.typed_sku) aria-label=(t.typed_sku);
                    " " button id={ "typed-submit-" (id) } type="submit" { (t.link_button) }
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "links_tests.rs"]
mod tests;
