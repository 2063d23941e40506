//! The CSV imports (products, stock, prices, and the filled-in link mapping of `links
//! apply`) through the back office: arbitrary bytes, and the store's own exports mutated
//! (cells replaced, dropped or added, rows doubled or swapped, quotes, a BOM, another
//! delimiter, bytes that are not UTF-8, the file cut short). Promises: no panic; a file
//! is applied whole or refused; a refusal names the row and field of each mistake (or
//! says what is wrong with the whole file), and leaves the store exactly as it was; an
//! accepted file leaves a store whose exports import back unchanged.

use std::cell::Cell;

use promua_sync::backoffice::{BackOffice, BackofficeError, CsvKind, CsvOptions, Ledger};
use promua_sync::store::{Actor, NewProduct, StagedProduct, Store};
use proptest::prelude::*;
use rust_decimal::Decimal;

use super::{bytes, fuzz, odd_text, store_cases};

/// A back office with linked and unlinked products, stock in two warehouses, prices,
/// and staged Prom products that look like the unlinked ones.
fn seeded(dir: &std::path::Path) -> (Store, BackOffice) {
    let store = Store::open(&dir.join("store")).unwrap();
    let new: Vec<NewProduct> = (1..=4)
        .map(|i| NewProduct {
            sku: format!("A-{i}"),
            name: format!("Кавомолка ручна {i}"),
            price: Some(Decimal::new(19_900 + i, 2)),
            currency: Some("UAH".into()),
        })
        .collect();
    let made = store.add_products(&new).unwrap();
    for (i, p) in made.iter().enumerate() {
        store.set_stock(p.id, "main", i as i64 + 3).unwrap();
        store.set_stock(p.id, "shop", 1).unwrap();
    }
    store.link(made[0].id, 1001).unwrap();
    let staged: Vec<StagedProduct> = (2..=4)
        .map(|i| StagedProduct {
            prom_id: 2000 + i,
            sku: Some(format!("A-{i}")),
            name: format!("Кавомолка ручна {i}"),
            other_names: Vec::new(),
            price: None,
            currency: None,
            quantity: None,
            staged_at: chrono::Utc::now(),
        })
        .collect();
    store.put_staged(&staged).unwrap();
    store.flush_blocking().unwrap();
    let office =
        BackOffice::new(store.clone(), Actor::Cli, Vec::new()).with_warehouses(["main", "shop"]);
    (store, office)
}

/// What an import could change: products, stock, prices, links, the journal, staging.
async fn fingerprint(office: &BackOffice, store: &Store) -> String {
    let mut s = String::new();
    for kind in [CsvKind::Products, CsvKind::Stock, CsvKind::Prices] {
        s += &office.export_csv(kind).await.unwrap();
    }
    s += &format!("{:?}", office.links(false).await.unwrap());
    s += &format!("{:?}", store.journal(None, 100_000).unwrap().len());
    s += &format!("{:?}", store.staged().unwrap().len());
    s
}

/// After a file or body was accepted: what the store holds exports and imports back as
/// it is (products, stock, prices: no change at all), and the unlinked export applies
/// back (it may link the pairs it fills in). `office` must declare the store's
/// warehouses.
pub(super) async fn exports_import_back(office: &BackOffice, store: &Store) -> Result<(), String> {
    let before = fingerprint(office, store).await;
    for kind in [CsvKind::Products, CsvKind::Stock, CsvKind::Prices] {
        let export = office.export_csv(kind).await.unwrap();
        office
            .import_csv(kind, export.as_bytes(), &CsvOptions::default())
            .await
            .map_err(|e| format!("the {} export does not import back: {e}", kind.name()))?;
    }
    let after = fingerprint(office, store).await;
    if before != after {
        return Err(format!(
            "importing the exports back changed the store:\n{before}\n---\n{after}"
        ));
    }
    let unlinked = office.export_unlinked().await.unwrap();
    office
        .apply_links(unlinked.as_bytes())
        .await
        .map_err(|e| format!("the unlinked export does not apply back: {e}"))?;
    Ok(())
}

/// One change to a CSV file.
#[derive(Debug, Clone)]
pub(super) enum Edit {
    Cell(usize, usize, String),
    DropCell(usize, usize),
    AddCell(usize, String),
    DoubleRow(usize),
    DropRow(usize),
    SwapRows(usize, usize),
    Bytes(usize, Vec<u8>),
    Delimiter(u8),
    Bom,
    Cut(usize),
}

pub(super) fn edit() -> impl Strategy<Value = Edit> {
    let cell = prop_oneof![
        odd_text(),
        proptest::sample::select(
            &[
                "A-1",
                "A-2",
                "a-1",
                "A-1 ",
                "main",
                "shop",
                "nowhere",
                "-5",
                "0",
                "1.5",
                "1,5",
                "9223372036854775808",
                "199.00",
                "1e3",
                "UAH",
                "USD",
                "\"",
                "\"\"",
                "'",
                ";",
                ",",
                "\n",
                "\r\n",
                "=1+1",
                "2001",
                "2002",
                "-2001",
                "x",
            ][..]
        )
        .prop_map(str::to_string),
    ];
    prop_oneof![
        4 => (any::<usize>(), any::<usize>(), cell.clone()).prop_map(|(r, c, v)| Edit::Cell(r, c, v)),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(r, c)| Edit::DropCell(r, c)),
        1 => (any::<usize>(), cell).prop_map(|(r, v)| Edit::AddCell(r, v)),
        1 => any::<usize>().prop_map(Edit::DoubleRow),
        1 => any::<usize>().prop_map(Edit::DropRow),
        1 => (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapRows(a, b)),
        1 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..4)).prop_map(|(a, b)| Edit::Bytes(a, b)),
        1 => proptest::sample::select(&b";\t|,"[..]).prop_map(Edit::Delimiter),
        1 => Just(Edit::Bom),
        1 => any::<usize>().prop_map(Edit::Cut),
    ]
}

/// `csv` (comma-separated, one record a line) with `edits` applied.
pub(super) fn apply(csv: &str, edits: &[Edit]) -> Vec<u8> {
    let mut rows: Vec<Vec<String>> = csv
        .lines()
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    let mut delimiter = b',';
    let (mut raw, mut bom, mut cut) = (Vec::new(), false, None);
    for e in edits {
        let n = rows.len().max(1);
        match e {
            Edit::Cell(r, c, v) if !rows.is_empty() => {
                let row = &mut rows[r % n];
                if !row.is_empty() {
                    let m = row.len();
                    row[c % m] = v.clone();
                }
            }
            Edit::DropCell(r, c) if !rows.is_empty() => {
                let row = &mut rows[r % n];
                if !row.is_empty() {
                    let m = row.len();
                    row.remove(c % m);
                }
            }
            Edit::AddCell(r, v) if !rows.is_empty() => rows[r % n].push(v.clone()),
            Edit::DoubleRow(r) if !rows.is_empty() => {
                let row = rows[r % n].clone();
                rows.insert(r % n, row);
            }
            Edit::DropRow(r) if !rows.is_empty() => {
                rows.remove(r % n);
            }
            Edit::SwapRows(a, b) if !rows.is_empty() => rows.swap(a % n, b % n),
            Edit::Bytes(at, b) => raw.push((*at, b.clone())),
            Edit::Delimiter(d) => delimiter = *d,
            Edit::Bom => bom = true,
            Edit::Cut(at) => cut = Some(*at),
            _ => {}
        }
    }
    let sep = (delimiter as char).to_string();
    let mut out: Vec<u8> = rows
        .iter()
        .map(|r| r.join(&sep) + "\n")
        .collect::<String>()
        .into_bytes();
    for (at, b) in raw {
        let at = at % (out.len() + 1);
        out.splice(at..at, b);
    }
    if let Some(at) = cut {
        out.truncate(at % (out.len() + 1));
    }
    if bom {
        out.splice(0..0, *b"\xEF\xBB\xBF");
    }
    out
}

#[derive(Debug, Clone)]
enum Case {
    Bytes(Vec<u8>),
    Mutated(Vec<Edit>),
}

/// Imports `data` as `kind` (`None`: `links apply`); on a refusal, checks the message and
/// that the store is unchanged; once accepted, that the exports import back.
async fn check(
    office: &BackOffice,
    store: &Store,
    kind: Option<CsvKind>,
    data: &[u8],
    refused: &Cell<u64>,
) -> Result<(), String> {
    let before = fingerprint(office, store).await;
    let got = match kind {
        Some(k) => office.import_csv(k, data, &CsvOptions::default()).await,
        None => office.apply_links(data).await,
    };
    let err = match got {
        Ok(_) => return exports_import_back(office, store).await,
        Err(e) => e,
    };
    refused.set(refused.get() + 1);
    let lines = data.iter().filter(|b| **b == b'\n').count() as u64 + 1;
    match &err {
        BackofficeError::Rows(rows) => {
            for r in rows.iter() {
                if r.row == 0
                    || r.row > lines
                    || r.field.trim().is_empty()
                    || r.message.trim().is_empty()
                {
                    return Err(format!(
                        "a row error without its place ({lines} lines): {r:?}"
                    ));
                }
            }
        }
        BackofficeError::Invalid(m) | BackofficeError::TooLarge(m) if !m.trim().is_empty() => {}
        other => return Err(format!("not a refusal of the file: {other:?}")),
    }
    let after = fingerprint(office, store).await;
    if before != after {
        return Err(format!("refused ({err}) but the store changed"));
    }
    Ok(())
}

#[test]
fn any_csv_is_applied_whole_or_refused_with_its_place_and_nothing_applied() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (store, office) = seeded(dir.path());
    let mut total_accepted = 0;
    for kind in [
        Some(CsvKind::Products),
        Some(CsvKind::Stock),
        Some(CsvKind::Prices),
        None,
    ] {
        let template = rt.block_on(async {
            match kind {
                Some(k) => office.export_csv(k).await.unwrap(),
                None => office.export_unlinked().await.unwrap(),
            }
        });
        assert!(template.lines().count() > 2, "{template}");
        let name = match kind {
            Some(k) => format!("csv import {}", k.name()),
            None => "csv links apply".into(),
        };
        let case = prop_oneof![
            1 => bytes().prop_map(Case::Bytes),
            3 => prop::collection::vec(edit(), 1..4).prop_map(Case::Mutated),
        ];
        let refused = Cell::new(0);
        fuzz(&name, store_cases(50), case, |case| {
            let data = match case {
                Case::Bytes(b) => b,
                Case::Mutated(edits) => apply(&template, &edits),
            };
            rt.block_on(check(&office, &store, kind, &data, &refused))
                .map_err(|e| format!("{e}\nfile:\n{}", String::from_utf8_lossy(&data)))
        });
        // Most cases are refused: the checks of a refusal ran; the others were accepted
        // and their exports imported back.
        let n = refused.get();
        super::figure("fuzz", &format!("{name} refused"), n);
        let accepted = u64::from(store_cases(50)) - n;
        super::figure("fuzz", &format!("{name} accepted"), accepted);
        total_accepted += accepted;
        assert!(
            n >= u64::from(store_cases(50)) / 3,
            "{name}: only {n} refused"
        );
    }
    assert!(
        total_accepted > 0,
        "no file was accepted: the round trip never ran"
    );
}
