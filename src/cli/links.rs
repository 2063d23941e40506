//! `links list|link|unlink|suggest|accept|export-unlinked|apply` and `staged list`.

use super::args::{LinksCommand, StagedCommand};
use super::files::{read_csv_file, write_file};
use super::ledger;
use super::output::{finish, links_table, print, staged_table, suggestions_table};
use crate::backoffice::{AcceptLinks, Access, Ledger, LinkRequest};
use crate::config::Config;

pub(super) async fn links(config: &Config, cmd: LinksCommand) -> u8 {
    let ledger = match ledger(config, Access::ReadWrite).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = match cmd {
        LinksCommand::List { unlinked, json } => ledger
            .links(unlinked)
            .await
            .map(|l| print(json, &l, |l| links_table(l))),
        LinksCommand::Link {
            sku,
            prom_id,
            force,
        } => ledger
            .link(&sku, &LinkRequest { prom_id, force })
            .await
            .map(|v| println!("{} is linked to Prom product {}", v.sku, prom_id)),
        LinksCommand::Unlink { sku } => ledger
            .unlink(&sku)
            .await
            .map(|v| println!("{} is no longer linked", v.sku)),
        LinksCommand::Suggest { min_score, json } => ledger
            .suggest_links(min_score)
            .await
            .map(|rows| print(json, &rows, |r| suggestions_table(r))),
        LinksCommand::Accept {
            prom_ids,
            min_score,
        } => ledger
            .accept_links(&AcceptLinks {
                min_score,
                prom_ids,
            })
            .await
            .map(|links| println!("{} link(s) made", links.len())),
        LinksCommand::ExportUnlinked { file } => match ledger.export_unlinked().await {
            Ok(text) => write_file(&file, text),
            Err(e) => Err(e),
        },
        LinksCommand::Apply { file } => match read_csv_file(config, &file) {
            Ok(data) => ledger.apply_links(&data).await.map(|r| {
                println!(
                    "{}: {} link(s) made, {} already linked",
                    file.display(),
                    r.updated,
                    r.rows - r.updated
                )
            }),
            Err(e) => Err(e),
        },
    };
    finish(result)
}

pub(super) async fn staged(config: &Config, cmd: StagedCommand) -> u8 {
    let ledger = match ledger(config, Access::ReadWrite).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let StagedCommand::List { unlinked, json } = cmd;
    let result = ledger
        .staged(unlinked)
        .await
        .map(|rows| print(json, &rows, |r| staged_table(r)));
    finish(result)
}
