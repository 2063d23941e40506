//! After the catalogue walk: the linked and staged Prom products the walk did not show
//! are asked for one by one (`products/{id}`). Only a 404 means deleted ("gone"): absence
//! from a listing proves nothing (prom-api.md section 10: a listing may stop short or leave
//! groups out), any other answer means the product is there but was not listed, and a
//! request that failed proves nothing either. Ids already known gone are not asked again;
//! a walk that shows one clears its mark.

use std::collections::{BTreeSet, HashSet};

use futures::StreamExt;
use rand::seq::SliceRandom;

use super::plan::{Action, HardCase, HardCaseKind, ImportPlan, LocalView};
use crate::prom::{PromClient, PromError};

/// At most this many ids are asked for in one run; beyond it a random sample is, and the
/// next runs ask for the rest.
pub const MAX_CHECKS: usize = 500;

/// What asking for the unlisted products found.
#[derive(Debug, Default)]
pub struct GoneCheck {
    /// Prom.ua answered 404: deleted.
    pub gone: Vec<i64>,
    /// Answered: there, not listed.
    pub unlisted: usize,
    /// What those answers showed (a `verify` compares them).
    pub found: Vec<crate::prom::dto::Product>,
    /// The request failed (not a 404): unknown, not gone. The first error.
    pub failed: usize,
    pub first_error: Option<String>,
    /// Not asked this run (over [`MAX_CHECKS`]).
    pub unchecked: usize,
}

/// The linked or staged Prom ids the walk did not show and that are not known gone.
pub fn unlisted(walked: &HashSet<i64>, local: &LocalView) -> Vec<i64> {
    let known: BTreeSet<i64> = local
        .by_prom
        .keys()
        .chain(local.staged.keys())
        .copied()
        .collect();
    known
        .into_iter()
        .filter(|id| !walked.contains(id) && !local.gone.contains_key(id))
        .collect()
}

/// Asks Prom.ua for each of `ids` (at most [`MAX_CHECKS`]), as many at once as the client
/// allows.
pub async fn check(client: &PromClient, mut ids: Vec<i64>) -> GoneCheck {
    let mut out = GoneCheck::default();
    if ids.len() > MAX_CHECKS {
        ids.partial_shuffle(&mut rand::rng(), MAX_CHECKS);
        out.unchecked = ids.len() - MAX_CHECKS;
        ids.truncate(MAX_CHECKS);
    }
    let mut answers = futures::stream::iter(ids.into_iter().map(|id| {
        let client = client.clone();
        async move { (id, client.product(id).await) }
    }))
    .buffer_unordered(client.max_concurrency());
    while let Some((id, answer)) = answers.next().await {
        match answer {
            Ok(p) => {
                out.unlisted += 1;
                out.found.push(p);
            }
            Err(PromError::NotFound { .. }) => out.gone.push(id),
            Err(e) => {
                out.failed += 1;
                out.first_error.get_or_insert_with(|| e.to_string());
            }
        }
    }
    out.gone.sort_unstable();
    out
}

impl GoneCheck {
    /// A hard case per gone product: its Prom id, the local SKU linked to it, what
    /// becomes of it (`plan` may link that local product to another Prom product with its
    /// SKU).
    pub fn hard_cases(&self, local: &LocalView, plan: &ImportPlan) -> Vec<HardCase> {
        self.gone
            .iter()
            .map(|&prom_id| {
                let mut detail = format!("deleted on Prom.ua (products/{prom_id} answered 404)");
                let linked = local
                    .by_prom
                    .get(&prom_id)
                    .and_then(|id| local.sku_of.get(id));
                let relinked = linked.and_then(|sku| {
                    plan.items.iter().find(|i| {
                        i.action == Action::Link && i.local_sku.as_deref() == Some(sku.trim())
                    })
                });
                match (linked, relinked) {
                    (Some(sku), Some(item)) => {
                        detail += &format!(
                            ": local {sku} is linked to Prom product {} instead, which has its SKU",
                            item.prom_id
                        );
                    }
                    (Some(sku), None) => {
                        detail += &format!(
                            ": local {sku} stays linked to it, flagged gone, and the pushes skip it; `links link {sku} PROM_ID` links {sku} to another Prom product"
                        );
                    }
                    _ => {}
                }
                if local.staged.contains_key(&prom_id) {
                    detail += "; its staged row is dropped";
                }
                HardCase {
                    prom_id,
                    kind: HardCaseKind::Gone,
                    detail,
                }
            })
            .collect()
    }

    /// What the run says beyond the gone products: the unlisted, the unknown, the
    /// unchecked.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.unlisted > 0 {
            notes.push(format!(
                "{} linked or staged Prom product(s) missing from the catalogue walk are still on Prom.ua (asked by id): nothing changed for them",
                self.unlisted
            ));
        }
        if self.failed > 0 {
            notes.push(format!(
                "{} linked or staged Prom product(s) missing from the catalogue walk could not be checked ({}): not taken for deleted; the next run asks again",
                self.failed,
                self.first_error.as_deref().unwrap_or("no answer")
            ));
        }
        if self.unchecked > 0 {
            notes.push(format!(
                "{} more linked or staged Prom product(s) missing from the catalogue walk were not asked for this run (at most {MAX_CHECKS} a run): the next runs ask for them",
                self.unchecked
            ));
        }
        notes
    }
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, SocketAddr};
    use std::time::Duration;

    use secrecy::SecretString;

    use super::*;
    use crate::prom::PromConfig;
    use crate::sandbox::{Sandbox, SandboxOptions, ScriptedFault, generate_products};

    #[tokio::test]
    async fn only_a_404_is_gone_and_a_failed_request_is_unknown() {
        let sandbox = Sandbox::new(SandboxOptions::default());
        let products = generate_products(2, 100, 1);
        sandbox.upsert_products(products.clone());
        let running = sandbox
            .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
            .await
            .unwrap();
        let client = PromClient::new(&PromConfig {
            base_url: running.base_url(),
            token: Some(SecretString::from(sandbox.options().token.clone())),
            token_origin: "test".into(),
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(5),
            requests_per_second: 1000,
            max_concurrency: 1,
            max_retries: 0,
            retry_base_delay: Duration::from_millis(1),
            stock_route: Default::default(),
        })
        .unwrap();
        // One at a time, in order: the first is refused (403), the second answers, the
        // third is Prom's HTML 404.
        running.script_faults([ScriptedFault::Forbidden]);
        let out = check(&client, vec![products[0].id, products[1].id, 999]).await;
        assert_eq!(out.gone, vec![999]);
        assert_eq!((out.unlisted, out.failed, out.unchecked), (1, 1, 0));
        let notes = out.notes().join("\n");
        assert!(notes.contains("1 linked or staged Prom product(s) missing from the catalogue walk could not be checked (Prom.ua refused"), "{notes}");
        assert!(notes.contains("are still on Prom.ua"), "{notes}");
    }
}
