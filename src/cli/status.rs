//! `status [--json]`: the last run of every configured job. It only reads: with no store
//! yet it shows the jobs as never run, and creates nothing.

use super::ledger;
use super::output::{finish, print, status_table};
use crate::backoffice::{Access, Ledger};
use crate::config::Config;

pub(super) async fn status(config: &Config, json: bool) -> u8 {
    let ledger = match ledger(config, Access::ReadOnly).await {
        Ok(l) => l,
        Err(code) => return code,
    };
    let result = ledger
        .last_runs()
        .await
        .map(|rows| print(json, &rows, |r| status_table(r)));
    finish(result)
}
