//! A `push_statuses` job's options: its status map, each target a Prom.ua status, a shop's
//! own status (by name or title), or a cancellation with a reason Prom.ua knows.

use figment::value::Value;

use super::JobKind;
use super::compiler::Compiler;
use super::job_checks::{JOB_KEYS, field};
use super::key_path::Seg;
use super::kinds::{PushStatusesOptions, StatusTarget};

impl Compiler<'_, '_> {
    pub(super) fn push_statuses(&mut self, base: &[Seg], options: &Value) -> Option<JobKind> {
        let o: PushStatusesOptions = self.table(base, Some(options), &JOB_KEYS)?;
        let mut ok = self.check_max_changes(&field(base, "max_changes"), o.max_changes);
        for (local, target) in &o.status_map {
            let mut at = field(base, "status_map");
            at.push(Seg::Key(local.clone()));
            ok &= self.check_status_target(&at, target);
        }
        ok.then_some(JobKind::PushStatuses(o))
    }

    /// One entry of a status map: a Prom.ua status, and for a cancellation a reason
    /// Prom.ua knows, with the text some reasons need.
    fn check_status_target(&mut self, at: &[Seg], target: &StatusTarget) -> bool {
        use crate::domain::StatusWord;
        let mut ok = true;
        // An entry written as a table is located by its own key (`reason`, `status`).
        let part = |key: &str| -> Vec<Seg> {
            let mut p = at.to_vec();
            if matches!(target, StatusTarget::Detailed { .. }) {
                p.push(Seg::Key(key.into()));
            }
            p
        };
        // Offline the shop's own statuses are not known: a `custom-N` name or any other
        // text (a title) passes here, and `check-config --online` checks them.
        let status = target.status();
        let refusal = match crate::domain::status_word(status) {
            StatusWord::Blank => Some("a Prom.ua status must not be blank".to_string()),
            StatusWord::Typo(meant) => Some(format!(
                "`{status}` is not a Prom.ua order status: did you mean `{meant}`?"
            )),
            _ => None,
        };
        if let Some(message) = refusal {
            self.error(
                &part("status"),
                false,
                message,
                Some(&format!(
                    "Prom.ua's statuses: {}; a shop's own status by its name as Prom.ua lists it (e.g. \"custom-172548\") or by its title",
                    crate::domain::ORDER_STATUSES.join(", ")
                )),
            );
            ok = false;
        }
        match (target.status(), target.reason()) {
            ("canceled", None) => {
                self.error(
                    at,
                    false,
                    "cancelling on Prom.ua needs a reason",
                    Some("e.g. { status = \"canceled\", reason = \"buyers_request\" }"),
                );
                ok = false;
            }
            ("canceled", Some(r)) if !crate::domain::CANCELLATION_REASONS.contains(&r) => {
                self.error(
                    &part("reason"),
                    false,
                    format!("`{r}` is not a Prom.ua cancellation reason"),
                    Some(&format!(
                        "one of: {}",
                        crate::domain::CANCELLATION_REASONS.join(", ")
                    )),
                );
                ok = false;
            }
            ("canceled", Some(r))
                if crate::domain::REASONS_NEEDING_TEXT.contains(&r)
                    && target.text().is_none_or(|t| t.trim().is_empty()) =>
            {
                self.error(
                    &part("reason"),
                    false,
                    format!("reason `{r}` needs a `text`"),
                    None,
                );
                ok = false;
            }
            _ => {}
        }
        ok
    }
}
