//! A scheduled run's log lines, captured as the daemon writes them (`run_and_log`): each
//! carries the run's fields (job, kind, run id; the summary its outcome), and a hard case
//! or an order with unlinked lines is warned of the first run that meets it only, later
//! runs (a restart between them too) counting them in one line with the command that
//! lists them. A hard case resolved then back warns again.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use promua_sync::config::{self, Config};
use promua_sync::daemon::run_and_log;
use promua_sync::sandbox::{DefaultListing, OrderChange, Sandbox, SandboxOptions, SandboxProduct};
use promua_sync::store::Store;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

use crate::helpers::*;

/// One log line: its level, message, and fields (its spans' and its own).
#[derive(Debug, Clone)]
struct Line {
    level: Level,
    message: String,
    fields: BTreeMap<String, String>,
}

#[derive(Default)]
struct Fields(BTreeMap<String, String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }
}

/// Keeps every line logged on this thread (the test's current-thread runtime).
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Line>>>);

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut f = Fields::default();
        attrs.record(&mut f);
        ctx.span(id).unwrap().extensions_mut().insert(f);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let span = ctx.span(id).unwrap();
        let mut ext = span.extensions_mut();
        values.record(ext.get_mut::<Fields>().unwrap());
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        for span in ctx.event_scope(event).into_iter().flatten() {
            if let Some(f) = span.extensions().get::<Fields>() {
                for (k, v) in &f.0 {
                    fields.entry(k.clone()).or_insert_with(|| v.clone());
                }
            }
        }
        let mut own = Fields::default();
        event.record(&mut own);
        let message = own.0.remove("message").unwrap_or_default();
        fields.extend(own.0);
        self.0.lock().unwrap().push(Line {
            level: *event.metadata().level(),
            message,
            fields,
        });
    }
}

/// The lines `job` logs as the daemon runs it once on `store`.
async fn logged_run(config: &Config, store: &Store, job: &str) -> Vec<Line> {
    let job = config.jobs.iter().find(|j| j.name == job).unwrap();
    let capture = Capture::default();
    // As the daemon's default filter keeps them: ours, from `info` up.
    let ours = tracing_subscriber::filter::Targets::new().with_target("promua_sync", Level::INFO);
    let subscriber = tracing_subscriber::registry()
        .with(capture.clone())
        .with(ours);
    let _on = tracing::subscriber::set_default(subscriber);
    run_and_log(job, &context(config, store)).await;
    capture.0.lock().unwrap().clone()
}

fn with<'a>(lines: &'a [Line], part: &str) -> Vec<&'a Line> {
    lines.iter().filter(|l| l.message.contains(part)).collect()
}

fn product(id: i64, sku: &str) -> SandboxProduct {
    serde_json::from_value(serde_json::json!({
        "id": id, "sku": sku, "name": format!("Товар {id}"), "quantity_in_stock": 3, "price": 250,
    }))
    .unwrap()
}

#[tokio::test]
async fn a_hard_case_is_warned_once_then_counted_and_warned_again_when_it_comes_back() {
    let sb = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        default_listing: DefaultListing::All,
        ..Default::default()
    });
    sb.upsert_products([product(1, "A-1"), product(5, "")]);
    let sandbox = sb
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let path = dir.path().join("jobs.toml");
    std::fs::write(
        &path,
        format!(
            "[prom]\nbase_url = \"{}\"\ntoken_file = \"token\"\nrequests_per_second = 1000\n\
             [store]\npath = \"store\"\n[sync]\nwarehouses = [\"main\"]\n[admin]\nenabled = false\n\
             [[job]]\nname = \"import\"\nkind = \"import_products\"\nschedule = \"0 0 1 1 *\"\nmode = \"link_only\"\n",
            sandbox.base_url()
        ),
    )
    .unwrap();
    let config = config::load(&path).unwrap();
    let store = Store::open(&config.store.path).unwrap();
    store.add_product("A-1", "Товар 1").unwrap();

    let first = logged_run(&config, &store, "import").await;
    let warned = with(&first, "Prom product 5: blank SKU");
    assert_eq!(warned.len(), 1, "{first:#?}");
    assert_eq!(warned[0].level, Level::WARN);
    let summary =
        "job import: 1 hard case(s) (1 new), list them with `promua-sync job run import --dry-run`";
    assert_eq!(with(&first, summary).len(), 1, "{first:#?}");
    assert_eq!(with(&first, summary)[0].level, Level::WARN);
    // Every line carries the run's fields; the run's summary its outcome too.
    let run_id = first[0].fields["run_id"].clone();
    assert!(run_id.starts_with("import@20"), "{run_id}");
    for line in &first {
        assert_eq!(line.fields["job"], "import", "{line:?}");
        assert_eq!(line.fields["kind"], "import_products", "{line:?}");
        assert_eq!(line.fields["run_id"], run_id, "{line:?}");
    }
    let head = with(&first, "job import (import_products) ok:");
    assert_eq!(head[0].fields["outcome"], "ok", "{first:#?}");
    let last = store.last_run("import").unwrap().unwrap();
    assert_eq!(last.run_id(), run_id);
    // The stored record (`status`, `GET /v1/runs/import`) keeps the count and the command
    // that lists them, not each hard case: per-item detail is kept for failures only.
    let report = last.to_string();
    assert!(
        !report.contains("Prom product 5: blank SKU")
            && report.contains("note:       1 hard case(s) (1 new), list them with `promua-sync job run import --dry-run`"),
        "{report}"
    );
    let kept = last.recurring.unwrap();
    assert_eq!((kept.count, kept.new), (1, 1));

    // A restart (the store closed and opened again) between the runs: no warning again.
    drop(store);
    let store = Store::open(&config.store.path).unwrap();
    let second = logged_run(&config, &store, "import").await;
    assert!(with(&second, "Prom product 5").is_empty(), "{second:#?}");
    let counted = with(
        &second,
        "job import: 1 hard case(s) (0 new), list them with `promua-sync job run import --dry-run`",
    );
    assert_eq!(counted.len(), 1, "{second:#?}");
    assert_eq!(counted[0].level, Level::INFO, "nothing new: not a warning");
    assert_ne!(second[0].fields["run_id"], run_id);

    // Resolved on Prom.ua (a SKU given, matching nothing: no hard case): nothing to count.
    sandbox.upsert_products([product(5, "B-5")]);
    let third = logged_run(&config, &store, "import").await;
    assert!(with(&third, "hard case").is_empty(), "{third:#?}");
    // Blank again: a new hard case, warned of.
    sandbox.upsert_products([product(5, "")]);
    let fourth = logged_run(&config, &store, "import").await;
    assert_eq!(
        with(&fourth, "Prom product 5: blank SKU").len(),
        1,
        "{fourth:#?}"
    );
    assert_eq!(
        with(&fourth, "job import: 1 hard case(s) (1 new)").len(),
        1,
        "{fourth:#?}"
    );
}

#[tokio::test]
async fn an_order_with_an_unlinked_line_is_warned_once_then_counted() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let config = env.write_config_any_admin_port(
        "0 0 1 1 *",
        "[[job]]\nname = \"orders\"\nkind = \"pull_orders\"\nschedule = \"0 0 1 1 *\"\n",
    );
    let config = config::load(&config).unwrap();
    let order = env
        .sandbox
        .place_order(buyer_order("pending", vec![(None, "NOPE-1", 1)]));
    let store = Store::open(&config.store.path).unwrap();

    let first = logged_run(&config, &store, "orders").await;
    let about = format!("order {}: 1 line(s) match no local product", order.id);
    assert_eq!(with(&first, &about).len(), 1, "{first:#?}");
    let listed = "list them with `promua-sync orders list --unlinked`";
    assert_eq!(
        with(
            &first,
            &format!("job orders: 1 order(s) with unlinked lines (1 new), {listed}")
        )
        .len(),
        1,
        "{first:#?}"
    );

    // The order changes on Prom.ua (its line still unlinked): the next pull stores it
    // again, after a restart.
    env.sandbox.change_order(
        order.id,
        OrderChange {
            status: Some("received".into()),
            ..Default::default()
        },
    );
    drop(store);
    let store = Store::open(&config.store.path).unwrap();
    let second = logged_run(&config, &store, "orders").await;
    assert!(with(&second, &about).is_empty(), "{second:#?}");
    assert_eq!(
        with(
            &second,
            &format!("job orders: 1 order(s) with unlinked lines (0 new), {listed}")
        )
        .len(),
        1,
        "{second:#?}"
    );
    // The stored record (`status --json`) counts the orders with unlinked lines and says
    // how to list them, without a note per order.
    let last = store.last_run("orders").unwrap().unwrap();
    assert_eq!(last.planned, 1, "the order was stored again: {last:#?}");
    assert!(!last.notes.iter().any(|n| n.contains(&about)), "{last:#?}");
    let kept = last.recurring.as_ref().unwrap();
    assert_eq!((kept.count, kept.new), (1, 0), "{last:#?}");

    // The seller links the line by hand; the next pull reads nothing new, yet forgets the
    // order (the memory does not grow with the shop's history)...
    drop(store);
    let sku = env.catalogue[0].sku.clone().unwrap();
    let id = order.id.to_string();
    let linked = cli_async(&config.path, &["orders", "link-line", &id, "1", &sku]).await;
    assert_eq!(linked.status.code(), Some(0), "{linked:?}");
    let store = Store::open(&config.store.path).unwrap();
    let third = logged_run(&config, &store, "orders").await;
    assert!(with(&third, &about).is_empty(), "{third:#?}");
    assert!(
        store.warned_of("orders").unwrap().is_empty(),
        "a linked order is forgotten"
    );
    // ...so a new unlinked line on it is warned of again.
    env.sandbox.change_order(
        order.id,
        OrderChange {
            lines: Some(vec![
                promua_sync::sandbox::SandboxOrderLine {
                    product_id: None,
                    external_id: None,
                    name: "Товар".into(),
                    sku: Some("NOPE-1".into()),
                    price: rust_decimal::Decimal::from(100),
                    quantity: rust_decimal::Decimal::ONE,
                },
                promua_sync::sandbox::SandboxOrderLine {
                    product_id: None,
                    external_id: None,
                    name: "Інший товар".into(),
                    sku: Some("NOPE-2".into()),
                    price: rust_decimal::Decimal::from(50),
                    quantity: rust_decimal::Decimal::ONE,
                },
            ]),
            ..Default::default()
        },
    );
    let fourth = logged_run(&config, &store, "orders").await;
    let warned_again = format!("order {}: ", order.id);
    assert_eq!(with(&fourth, &warned_again).len(), 1, "{fourth:#?}");
    assert_eq!(
        with(
            &fourth,
            &format!("job orders: 1 order(s) with unlinked lines (1 new), {listed}")
        )
        .len(),
        1,
        "{fourth:#?}"
    );
}
