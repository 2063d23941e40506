//! The `[[job]]` tables: the keys every job has (`name`, `kind`, `schedule`), names used
//! twice, then the options of each kind, read and checked by a function of its own.

use std::collections::BTreeMap;

use figment::value::Value;
use rust_decimal::Decimal;

use super::compiler::Compiler;
use super::diagnostic::{self, Origin};
use super::key_path::Seg;
use super::kinds::{
    ImportProductsOptions, KEPT_PRESENCES, OUT_OF_STOCK_PRESENCES, PullOrdersOptions,
    PushPricesOptions, PushStockOptions, VerifyOptions,
};
use super::messages;
use super::{ImportMode, JobConfig, JobKind, Schedule, SyncConfig};

/// A schedule with no fire time within this many years is refused: it would never run.
pub const NEVER_FIRES_YEARS: u32 = 5;

/// Job kinds named by the design but not built in this version.
const FUTURE_KINDS: [&str; 0] = [];
const KINDS: [&str; 6] = [
    "push_stock",
    "push_prices",
    "push_statuses",
    "pull_orders",
    "import_products",
    "verify",
];

/// The keys every job has; the rest of its table are the options of its kind.
pub(super) const JOB_KEYS: [&str; 6] = [
    "name",
    "kind",
    "schedule",
    "timezone",
    "catch_up",
    "stale_after",
];

/// The path of the key `k` of the job at `base`.
pub(super) fn field(base: &[Seg], k: &str) -> Vec<Seg> {
    let mut p = base.to_vec();
    p.push(Seg::Key(k.into()));
    p
}

/// The names the on-change pushes record their runs under: no `[[job]]` may take them.
pub const ON_CHANGE_STOCK_JOB: &str = "on_change_stock";
pub const ON_CHANGE_PRICES_JOB: &str = "on_change_prices";

impl Compiler<'_, '_> {
    pub fn jobs(
        &mut self,
        value: Option<&Value>,
        sync: Option<&SyncConfig>,
        zone: chrono_tz::Tz,
    ) -> Option<Vec<JobConfig>> {
        let Some(value) = value else {
            return Some(Vec::new());
        };
        let Some(items) = value.as_array() else {
            self.error(
                &[Seg::Key("job".into())],
                false,
                format!("expected [[job]] tables, found {}", messages::shown(value)),
                None,
            );
            return None;
        };
        let mut ok = self.check_unique_names(items);
        let mut jobs = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let base = [Seg::Key("job".into()), Seg::Index(i)];
            match self.job(&base, item, zone) {
                Some(job) => {
                    if let Some(s) = sync {
                        self.warn_switched_off(&job, s);
                    }
                    jobs.push(job);
                }
                None => ok = false,
            }
        }
        if let Some(s) = sync {
            self.warn_shared_stock(&jobs, s);
        }
        super::model::owners_for_verify(&mut jobs);
        ok.then_some(jobs)
    }

    /// An `update_balances` import into a pushed warehouse and a push_stock job share
    /// one figure: valid (the import takes only what changed on Prom.ua), but say so.
    fn warn_shared_stock(&mut self, jobs: &[JobConfig], sync: &SyncConfig) {
        let Some(push) = jobs
            .iter()
            .find(|j| matches!(j.kind, JobKind::PushStock(_)))
        else {
            return;
        };
        for job in jobs {
            let JobKind::ImportProducts(o) = &job.kind else {
                continue;
            };
            let warehouse = o
                .warehouse
                .as_deref()
                .or(sync.warehouses.first().map(String::as_str))
                .unwrap_or_default();
            if o.mode != ImportMode::UpdateBalances
                || !sync.warehouses.iter().any(|w| w == warehouse)
            {
                continue;
            }
            self.warnings.push(format!(
                "jobs `{}` (import_products, mode = \"update_balances\") and `{}` (push_stock) share the stock of warehouse `{warehouse}`: push_stock sends it to Prom.ua and the import writes Prom.ua's quantity into it. They do not fight: the import takes only quantities changed on Prom.ua since our last confirmed push (a quantity equal to what we last pushed is our own figure coming back) and sets `{warehouse}` so that the next push sends Prom's figure back unchanged; a change made on both sides is reported and the local stock kept",
                job.name, push.name
            ));
        }
    }

    /// Names first, on what is written: a duplicate is a mistake of its own, whatever
    /// else is wrong with either job.
    fn check_unique_names(&mut self, items: &[Value]) -> bool {
        let mut first: BTreeMap<String, usize> = BTreeMap::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            let Some(Value::String(_, name)) = item.as_dict().and_then(|d| d.get("name")) else {
                continue;
            };
            let Some(&j) = first.get(name) else {
                first.insert(name.clone(), i);
                continue;
            };
            let at = [
                Seg::Key("job".into()),
                Seg::Index(i),
                Seg::Key("name".into()),
            ];
            let earlier = [
                Seg::Key("job".into()),
                Seg::Index(j),
                Seg::Key("name".into()),
            ];
            let where_ = match self.origin(&earlier, false) {
                Origin::File(r) => {
                    let (l, _) = diagnostic::line_col(self.text, r.start);
                    format!("job[{j}], line {l}")
                }
                _ => format!("job[{j}]"),
            };
            self.error(
                &at,
                false,
                format!("job name `{name}` is used twice (also {where_})"),
                Some("each job needs its own name: `job run NAME` and the run history use it"),
            );
            ok = false;
        }
        ok
    }

    /// A job whose `[sync]` switch is off is valid but does nothing: say so.
    fn warn_switched_off(&mut self, job: &JobConfig, sync: &SyncConfig) {
        let off = match &job.kind {
            JobKind::PushStock(_) if !sync.update_balances => Some("update_balances"),
            JobKind::PushPrices(_) if !sync.update_prices => Some("update_prices"),
            JobKind::PushStatuses(_) if !sync.update_statuses => Some("update_statuses"),
            _ => None,
        };
        if let Some(switch) = off {
            self.warnings.push(format!(
                "job `{}` ({}) will skip its runs: [sync] {switch} = false",
                job.name,
                job.kind.name()
            ));
        }
    }

    fn job(&mut self, base: &[Seg], item: &Value, zone: chrono_tz::Tz) -> Option<JobConfig> {
        let Some(dict) = item.as_dict() else {
            self.error(
                base,
                false,
                format!("expected a [[job]] table, found {}", messages::shown(item)),
                None,
            );
            return None;
        };
        let name = self.job_text(base, dict.get("name"), "name");
        let kind = self.job_text(base, dict.get("kind"), "kind");
        let schedule = self.job_text(base, dict.get("schedule"), "schedule");
        let name = name.and_then(|n| self.job_name(base, n));
        let schedule = schedule.and_then(|s| self.job_schedule(base, &s));
        let timing = self.job_timing(base, dict);
        let mut options = dict.clone();
        for k in JOB_KEYS {
            options.remove(k);
        }
        let options = Value::from(options);
        let kind = kind.and_then(|k| self.job_kind(base, &k, &options));
        let stale_after = self.job_stale_after(base, dict.get("stale_after"));
        let kind = kind?;
        let timing = timing?;
        Some(JobConfig {
            name: name?,
            schedule: schedule?,
            timezone: timing.timezone.unwrap_or(zone),
            catch_up: timing.catch_up.unwrap_or_else(|| kind.catch_up_default()),
            kind,
            stale_after: stale_after?,
        })
    }

    /// A required text key of every job (`name`, `kind`, `schedule`).
    fn job_text(&mut self, base: &[Seg], value: Option<&Value>, key: &str) -> Option<String> {
        match value {
            Some(Value::String(_, s)) => Some(s.clone()),
            Some(v) => {
                self.error(
                    &field(base, key),
                    false,
                    format!("expected text in quotes, found {}", messages::shown(v)),
                    None,
                );
                None
            }
            None => {
                self.error(base, false, format!("missing required key `{key}`"), None);
                None
            }
        }
    }

    fn job_name(&mut self, base: &[Seg], n: String) -> Option<String> {
        if [ON_CHANGE_STOCK_JOB, ON_CHANGE_PRICES_JOB].contains(&n.as_str()) {
            self.error(
                &field(base, "name"),
                false,
                format!("`{n}` is the name the on-change push records its runs under"),
                Some("choose another name: a job sharing it would share its run history, health and catch-up"),
            );
            return None;
        }
        let valid = !n.is_empty()
            && n.len() <= 64
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if valid {
            Some(n)
        } else {
            self.error(
                &field(base, "name"),
                false,
                "a job name is 1 to 64 letters, digits, `_` or `-`",
                None,
            );
            None
        }
    }

    fn job_schedule(&mut self, base: &[Seg], s: &str) -> Option<Schedule> {
        match Schedule::parse(s) {
            Ok(parsed) => {
                if parsed.fires_within_years(&chrono::Utc::now(), NEVER_FIRES_YEARS) {
                    Some(parsed)
                } else {
                    self.error(
                        &field(base, "schedule"),
                        false,
                        format!(
                            "`{s}` never fires: no time in the next {NEVER_FIRES_YEARS} years matches it"
                        ),
                        Some("check the day of month against the month (there is no 30 February) and, when both are set, against the day of week"),
                    );
                    None
                }
            }
            Err(e) => {
                self.error(
                    &field(base, "schedule"),
                    false,
                    format!("bad cron expression `{s}`: {e}"),
                    Some("5 fields (minute hour day-of-month month day-of-week) or 6 with seconds first; times are in the job's timezone"),
                );
                None
            }
        }
    }

    /// The kind's options: `options` is the job's table without `name`, `kind`, `schedule`.
    fn job_kind(&mut self, base: &[Seg], kind: &str, options: &Value) -> Option<JobKind> {
        match kind {
            "push_stock" => self.push_stock(base, options),
            "push_prices" => self.push_prices(base, options),
            "push_statuses" => self.push_statuses(base, options),
            "import_products" => self.import_products(base, options),
            "pull_orders" => self.pull_orders(base, options),
            "verify" => self.verify(base, options),
            other if FUTURE_KINDS.contains(&other) => {
                self.error(
                    &field(base, "kind"),
                    false,
                    format!("job kind `{other}` is not available in this version"),
                    Some(&format!("available kinds: {}", KINDS.join(", "))),
                );
                None
            }
            other => {
                self.error(
                    &field(base, "kind"),
                    false,
                    format!("unknown job kind `{other}`"),
                    Some(&format!("known kinds: {}", KINDS.join(", "))),
                );
                None
            }
        }
    }

    fn push_stock(&mut self, base: &[Seg], options: &Value) -> Option<JobKind> {
        let o: PushStockOptions = self.table(base, Some(options), &JOB_KEYS)?;
        let ok = self.check_whole(&field(base, "batch_size"), o.batch_size as u64)
            & self.check_whole(&field(base, "verify_sample"), o.verify_sample as u64)
            & self.check_max_changes(&field(base, "max_changes"), o.max_changes)
            & self.check_percent(
                &field(base, "max_zero_share_percent"),
                o.max_zero_share_percent,
            )
            & self.check_percent(
                &field(base, "max_hide_share_percent"),
                o.max_hide_share_percent,
            )
            & self.check_presences(base, &o);
        ok.then_some(JobKind::PushStock(o))
    }

    fn push_prices(&mut self, base: &[Seg], options: &Value) -> Option<JobKind> {
        let o: PushPricesOptions = self.table(base, Some(options), &JOB_KEYS)?;
        let mut ok = self.check_whole(&field(base, "batch_size"), o.batch_size as u64)
            & self.check_whole(&field(base, "verify_sample"), o.verify_sample as u64)
            & self.check_max_changes(&field(base, "max_changes"), o.max_changes);
        if o.markup_percent < Decimal::from(-99) || o.markup_percent > Decimal::from(1000) {
            self.error(
                &field(base, "markup_percent"),
                false,
                "must be between -99 and 1000",
                None,
            );
            ok = false;
        }
        if o.round_step.is_some_and(|s| s <= Decimal::ZERO) {
            self.error(&field(base, "round_step"), false, "must be above 0", None);
            ok = false;
        }
        if o.ending
            .is_some_and(|e| e < Decimal::ZERO || e >= Decimal::ONE)
        {
            self.error(
                &field(base, "ending"),
                false,
                "is the fraction a price ends with, from 0 to below 1 (e.g. 0.99)",
                None,
            );
            ok = false;
        }
        if o.min_price.is_some_and(|m| m < Decimal::ZERO) {
            self.error(
                &field(base, "min_price"),
                false,
                "must not be negative",
                None,
            );
            ok = false;
        }
        ok &= self.check_percent(
            &field(base, "max_price_change_percent"),
            o.max_price_change_percent,
        );
        ok.then_some(JobKind::PushPrices(o))
    }

    fn import_products(&mut self, base: &[Seg], options: &Value) -> Option<JobKind> {
        let mut ok = true;
        // `table` would fill a missing `mode` with its default: the absence is said here.
        if !options.as_dict().is_some_and(|d| d.contains_key("mode")) {
            self.error(
                base,
                false,
                "missing required key `mode`",
                Some("mode = \"update_balances\" | \"create_missing\" | \"link_only\" | \"stage\""),
            );
            ok = false;
        }
        let o: ImportProductsOptions = self.table(base, Some(options), &JOB_KEYS)?;
        ok &= self.check_max_changes(&field(base, "max_changes"), o.max_changes);
        if let Some(w) = &o.warehouse {
            // Pushed or local: `update_balances` may fill a local warehouse.
            ok &= self.check_warehouse(&field(base, "warehouse"), w, true);
        }
        ok.then_some(JobKind::ImportProducts(o))
    }

    fn pull_orders(&mut self, base: &[Seg], options: &Value) -> Option<JobKind> {
        let o: PullOrdersOptions = self.table(base, Some(options), &JOB_KEYS)?;
        let ok = self.check_whole(&field(base, "overlap_minutes"), o.overlap_minutes)
            & self.check_whole(&field(base, "initial_days"), o.initial_days)
            & self.check_max_changes(&field(base, "max_changes"), o.max_changes);
        ok.then_some(JobKind::PullOrders(o))
    }

    fn verify(&mut self, base: &[Seg], options: &Value) -> Option<JobKind> {
        let o: VerifyOptions = self.table(base, Some(options), &JOB_KEYS)?;
        let ok = self.check_whole(&field(base, "batch_size"), o.batch_size as u64)
            & self.check_max_changes(&field(base, "max_changes"), o.max_changes)
            & self.check_whole(&field(base, "full_walk_hours"), o.full_walk_hours)
            & self.check_whole(&field(base, "overlap_minutes"), o.overlap_minutes)
            & self.check_percent(
                &field(base, "max_zero_share_percent"),
                o.max_zero_share_percent,
            )
            & self.check_percent(
                &field(base, "max_price_change_percent"),
                o.max_price_change_percent,
            );
        ok.then_some(JobKind::Verify(o))
    }

    /// `out_of_stock_presence` and `keep_presence` name presences a product may be given.
    fn check_presences(&mut self, base: &[Seg], o: &PushStockOptions) -> bool {
        let mut ok = true;
        if !OUT_OF_STOCK_PRESENCES.contains(&o.out_of_stock_presence.as_str()) {
            self.error(
                &field(base, "out_of_stock_presence"),
                false,
                format!(
                    "`{}` is not a presence an out-of-stock product can get",
                    o.out_of_stock_presence
                ),
                Some(&format!("one of: {}", OUT_OF_STOCK_PRESENCES.join(", "))),
            );
            ok = false;
        }
        for p in &o.keep_presence {
            if !KEPT_PRESENCES.contains(&p.as_str()) {
                self.error(
                    &field(base, "keep_presence"),
                    false,
                    format!("`{p}` is not a presence that can be kept at stock 0"),
                    Some(&format!(
                        "a list drawn from: {} (or [] to keep none)",
                        KEPT_PRESENCES.join(", ")
                    )),
                );
                ok = false;
            }
        }
        ok
    }

    fn check_percent(&mut self, at: &[Seg], p: Option<Decimal>) -> bool {
        if p.is_some_and(|p| p < Decimal::ZERO || p > Decimal::from(100)) {
            self.error(at, false, "must be a percent between 0 and 100", None);
            return false;
        }
        true
    }

    /// A guard of 0 changes stops every run: that is a mistake, not a setting.
    pub(super) fn check_max_changes(&mut self, at: &[Seg], max: Option<usize>) -> bool {
        match max {
            Some(0) => {
                self.error(
                    at,
                    false,
                    "max_changes = 0 would stop every run that changes anything",
                    Some("remove the key for no limit, or set a positive number"),
                );
                false
            }
            Some(n) => self.check_whole(at, n as u64),
            None => true,
        }
    }
}
