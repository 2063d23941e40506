use super::*;
use crate::recurring::Recurring;
use crate::report::{DriftCause, DriftItem, ItemFailure, ItemWarning, Outcome};
use crate::store::Store;

fn record(job: &str) -> RunRecord {
    let at = chrono::Utc::now();
    let mut r =
        crate::jobs::runner::started_record(job, "import_products", crate::jobs::Mode::Apply, at);
    r.considered = 5_000;
    r
}

fn drift(sku: &str, repaired: bool) -> DriftItem {
    DriftItem {
        sku: sku.into(),
        prom_id: 7,
        field: "quantity_in_stock".into(),
        local: 3.into(),
        prom: 1.into(),
        snapshot: 3.into(),
        cause: DriftCause::ChangedOnProm,
        repaired,
    }
}

/// An import that met 3 hard cases (each a note), a run-wide note, a failure, and a
/// verify-like mix of repaired and unrepaired drift.
fn partial_run() -> RunRecord {
    let mut r = record("import");
    r.outcome = Outcome::Partial;
    let mut rec = Recurring::new(
        "hard case(s)",
        "promua-sync job run import --dry-run".into(),
        true,
    );
    for id in 1..=3 {
        let note = format!("Prom product {id}: the SKU is blank");
        rec.push(format!("prom {id} BlankSku"), note.clone());
        r.notes.push(note);
    }
    rec.count = 3;
    rec.new = 1;
    r.recurring = Some(rec);
    r.notes
        .push("12 linked product(s) have no stock recorded yet".into());
    r.failed.push(ItemFailure {
        sku: "A-1".into(),
        prom_id: 11,
        reason: "Prom.ua refused it: price too low".into(),
    });
    r.warnings.push(ItemWarning {
        subject: "order 900".into(),
        prom_id: 900,
        kind: "status_conflict".into(),
        message: "order 900: both sides changed its status".into(),
    });
    r.drift = vec![drift("A-2", true), drift("A-3", false)];
    r
}

#[test]
fn a_stored_run_keeps_failures_and_counts_not_every_item() {
    let run = partial_run();
    let kept = kept(&run).into_owned();
    assert_eq!(kept.failed, run.failed, "every failure keeps its detail");
    assert_eq!(
        kept.warnings, run.warnings,
        "a warning that is not a recurring item stays"
    );
    assert_eq!(
        kept.notes,
        ["12 linked product(s) have no stock recorded yet"]
    );
    assert_eq!(
        kept.drift,
        [drift("A-2", true), drift("A-3", false)],
        "drift stays, repaired or not: the drift gauge counts it"
    );
    let rec = kept.recurring.as_ref().unwrap();
    assert_eq!((rec.count, rec.new), (3, 1), "the hard cases counted");
    assert!(
        kept.to_string()
            .contains("3 hard case(s) (1 new), list them with")
    );
    assert_eq!(
        (kept.considered, kept.outcome, kept.error.clone()),
        (run.considered, run.outcome, run.error.clone())
    );
}

#[test]
fn an_all_ok_run_is_stored_as_it_ran() {
    let mut run = record("stock");
    run.notes.push("nothing to send".into());
    assert!(matches!(kept(&run), Cow::Borrowed(_)));
}

#[test]
fn the_store_keeps_the_trimmed_record_and_the_run_its_whole_one() {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("db")).unwrap();
    let run = partial_run();
    s.record_run_warned(
        &run,
        &["prom 1 BlankSku".to_string()].into(),
        &Default::default(),
    )
    .unwrap();
    let stored = s.last_run("import").unwrap().unwrap();
    assert_eq!(stored.notes.len(), 1);
    assert_eq!(stored.failed.len(), 1);
    assert_eq!(stored.drift.len(), 2, "repaired drift is kept");
    assert_eq!(stored.recurring.as_ref().map(|r| r.count), Some(3));
    assert_eq!(
        run.notes.len(),
        4,
        "what the run returns (`job run --json`) is whole"
    );
    // Without recurring items to remember, the other way of recording trims alike.
    let mut again = partial_run();
    again.started_at += chrono::Duration::seconds(1);
    s.record_run(&again).unwrap();
    assert_eq!(s.last_run("import").unwrap().unwrap().notes.len(), 1);
}
