//! Steps 1 to 3: stage the shop's catalogue, link by SKU (the hard cases reported), link
//! the rest by hand and by suggestion.

use std::collections::BTreeMap;

use anyhow::{Context, ensure};

use super::print::{Screen, prom_shows, say};
use super::setup::Demo;
use super::world::{
    self, BAG_SKU, BLANK_SKU, DUPLICATE_A, DUPLICATE_B, LAMP_SKU, LOOKALIKE, MUG_SKU, PADDED,
    PROM_ONLY, TEAPOT_SKU,
};
use crate::backoffice::{AcceptLinks, Ledger, LinkRequest};
use crate::jobs::import_products::HardCaseKind;
use crate::jobs::{Mode, Plan};

/// Local SKU → Prom id, for the linked products.
async fn links(demo: &Demo) -> anyhow::Result<BTreeMap<String, i64>> {
    Ok(demo
        .office
        .links(false)
        .await?
        .into_iter()
        .filter_map(|l| Some((l.sku, l.prom_id?)))
        .collect())
}

/// The first line of a plan: its counts.
fn headline(plan: &Option<Plan>) -> String {
    plan.as_ref()
        .map(|p| p.to_string().lines().next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

pub async fn stage(demo: &mut Demo, screen: &mut Screen) -> anyhow::Result<()> {
    screen
        .step("Stage the shop's catalogue (import_products, mode = \"stage\")")
        .await;
    say(
        "Download Prom's catalogue into the store, creating and linking nothing; see first what it would do:",
    );
    screen.command("job run catalogue --dry-run");
    let plan = demo.job("catalogue", Mode::DryRun).await?;
    say(&format!("  {}", headline(&plan.plan)));
    screen.command("job run catalogue");
    let run = demo.job("catalogue", Mode::Apply).await?;
    screen.command("staged list --unlinked");
    let staged = demo.office.staged(true).await?;
    let shown = demo.sandbox.products().len();
    ensure!(
        staged.len() == shown && run.record.considered > 0,
        "step 1: {} product(s) staged, Prom shows {shown}",
        staged.len()
    );
    ensure!(
        links(demo).await?.is_empty(),
        "step 1: staging linked products"
    );
    ensure!(
        demo.sandbox.edit_requests().is_empty(),
        "step 1: staging wrote to Prom"
    );
    say(&format!(
        "{} Prom products staged, 0 linked: the store knows the shop's catalogue, Prom was only read.",
        staged.len()
    ));
    prom_shows(&format!(
        "{shown} products, unchanged ({} shows {} in stock at {}).",
        world::plain_sku(1),
        demo.qty(world::plain_prom_id(1))?,
        demo.price(world::plain_prom_id(1))?
    ));
    Ok(())
}

pub async fn link_by_sku(demo: &mut Demo, screen: &mut Screen) -> anyhow::Result<()> {
    screen
        .step("Link by identical SKU (import_products, mode = \"link_only\")")
        .await;
    say(
        "Products whose SKU is the same on both sides are linked; the hard cases are reported, never guessed:",
    );
    screen.command("job run link --dry-run");
    let plan = demo.job("link", Mode::DryRun).await?;
    say(&format!("  {}", headline(&plan.plan)));
    let Some(Plan::ImportProducts(import)) = &plan.plan else {
        anyhow::bail!("step 2: the dry run gave no import plan");
    };
    for h in &import.hard_cases {
        say(&format!(
            "  hard case: Prom product {}: {}",
            h.prom_id, h.detail
        ));
    }
    let kind_of = |id: i64| {
        import
            .hard_cases
            .iter()
            .find(|h| h.prom_id == id)
            .map(|h| h.kind)
    };
    for (id, kind, what) in [
        (BLANK_SKU, HardCaseKind::BlankSku, "a blank SKU"),
        (DUPLICATE_A, HardCaseKind::DuplicateSku, "a duplicate SKU"),
        (DUPLICATE_B, HardCaseKind::DuplicateSku, "a duplicate SKU"),
        (LOOKALIKE, HardCaseKind::LookalikeSku, "a look-alike SKU"),
    ] {
        ensure!(
            kind_of(id) == Some(kind),
            "step 2: Prom product {id} ({what}) was reported as {:?}",
            kind_of(id)
        );
    }
    screen.command("job run link");
    let run = demo.job("link", Mode::Apply).await?;
    let linked = links(demo).await?;
    for i in 1..=demo.plain {
        ensure!(
            linked.get(&world::plain_sku(i)) == Some(&world::plain_prom_id(i)),
            "step 2: {} is not linked to Prom product {}",
            world::plain_sku(i),
            world::plain_prom_id(i)
        );
    }
    ensure!(
        linked.get(MUG_SKU) == Some(&PADDED),
        "step 2: {MUG_SKU} (\" {MUG_SKU} \" on Prom: spaces at the ends do not count) is not linked"
    );
    for sku in [TEAPOT_SKU, LAMP_SKU, BAG_SKU] {
        ensure!(!linked.contains_key(sku), "step 2: {sku} was linked by SKU");
    }
    say(&format!(
        "{} linked by SKU ({} planned, {} hard cases left for you); `{MUG_SKU}` linked although Prom writes \" {MUG_SKU} \".",
        linked.len(),
        run.record.planned,
        import.hard_cases.len()
    ));
    ensure!(
        demo.sandbox.edit_requests().is_empty(),
        "step 2: linking wrote to Prom"
    );
    prom_shows("the same catalogue: linking writes only the store.");
    Ok(())
}

pub async fn link_by_hand(demo: &mut Demo, screen: &mut Screen) -> anyhow::Result<()> {
    screen
        .step("Link the rest: one by hand, then by suggestion")
        .await;
    say(&format!(
        "Two Prom products share {LAMP_SKU}; you know {DUPLICATE_A} is yours:"
    ));
    screen.command(&format!("links link {LAMP_SKU} {DUPLICATE_A}"));
    demo.office
        .link(
            LAMP_SKU,
            &LinkRequest {
                prom_id: DUPLICATE_A,
                force: false,
            },
        )
        .await
        .context("step 3: links link")?;
    say("The others, matched by a look-alike SKU or by name:");
    screen.command("links suggest --min-score 0.6");
    let suggestions = demo.office.suggest_links(0.6).await?;
    for s in &suggestions {
        say(&format!(
            "  {:>8}  {:<44} -> {:<8} {:.2}  {}",
            s.prom_id, s.prom_name, s.local_sku, s.score, s.reason
        ));
    }
    let proposes = |prom: i64, sku: &str| {
        suggestions
            .iter()
            .any(|s| s.prom_id == prom && s.local_sku == sku)
    };
    ensure!(
        proposes(BLANK_SKU, TEAPOT_SKU),
        "step 3: no suggestion of {TEAPOT_SKU} for Prom product {BLANK_SKU} (blank SKU, the same teapot by name)"
    );
    ensure!(
        proposes(LOOKALIKE, BAG_SKU),
        "step 3: no suggestion of {BAG_SKU} for Prom product {LOOKALIKE} (SKU bag-30)"
    );
    say("Both are right: accept exactly these two.");
    screen.command(&format!("links accept {BLANK_SKU} {LOOKALIKE}"));
    let made = demo
        .office
        .accept_links(&AcceptLinks {
            min_score: None,
            prom_ids: vec![BLANK_SKU, LOOKALIKE],
        })
        .await
        .context("step 3: links accept")?;
    let linked = links(demo).await?;
    for (sku, prom) in [
        (LAMP_SKU, DUPLICATE_A),
        (TEAPOT_SKU, BLANK_SKU),
        (BAG_SKU, LOOKALIKE),
    ] {
        ensure!(
            linked.get(sku) == Some(&prom),
            "step 3: {sku} is not linked to Prom product {prom}"
        );
    }
    ensure!(
        made.len() == 2,
        "step 3: accept made {} link(s)",
        made.len()
    );
    screen.command("staged list --unlinked");
    let unlinked = demo.office.staged(true).await?;
    let left: Vec<String> = unlinked
        .iter()
        .map(|s| s.staged.prom_id.to_string())
        .collect();
    ensure!(
        left == [DUPLICATE_B.to_string(), PROM_ONLY.to_string()],
        "step 3: staged and unlinked: {left:?}"
    );
    say(&format!(
        "Every local product is linked ({}). Left on Prom only: {} (the copy of the lamp) and {} (a product the back office does not sell).",
        linked.len(),
        DUPLICATE_B,
        PROM_ONLY
    ));
    prom_shows("the same catalogue; the next pushes send what the back office holds.");
    Ok(())
}
