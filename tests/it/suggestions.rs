//! Link suggestions measured on a labelled set (`tests/fixtures/suggestions.csv`): Prom
//! products (SKU, name, the name in the other language) each with the local product it
//! is (or `none`), among local products that include decoys: the same name with another
//! number, the other gender, identical names, look-alike SKUs. Run with `--nocapture` for
//! the figures.

use std::collections::{BTreeMap, HashMap};

use promua_sync::backoffice::{CONFLICT_CAP, Suggestion, auto_accepts, suggest};
use promua_sync::sandbox::{SandboxOptions, SandboxProduct, generate_products};
use promua_sync::store::{NewProduct, Product, StagedProduct, Store};
use serde_json::json;

use crate::helpers::{Env, cli, repo_file};

struct Labelled {
    staged: Vec<StagedProduct>,
    locals: Vec<Product>,
    /// Prom id → the local SKU it is, `None` when it is none of them.
    answer: HashMap<i64, Option<String>>,
    /// Prom id → the kind of case it is.
    case: HashMap<i64, String>,
}

/// `\u{a0}` written out in the file, for the characters nobody can see.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(at) = rest.find("\\u{") {
        out.push_str(&rest[..at]);
        let end = rest[at..].find('}').expect("a closed \\u{…}") + at;
        let code = u32::from_str_radix(&rest[at + 3..end], 16).unwrap();
        out.push(char::from_u32(code).unwrap());
        rest = &rest[end + 1..];
    }
    out + rest
}

fn load() -> Labelled {
    let path = repo_file("tests/fixtures/suggestions.csv");
    let mut rows = csv::Reader::from_path(&path).unwrap();
    let mut l = Labelled {
        staged: vec![],
        locals: vec![],
        answer: HashMap::new(),
        case: HashMap::new(),
    };
    for row in rows.deserialize::<BTreeMap<String, String>>() {
        let row = row.unwrap();
        let sku = unescape(&row["sku"]);
        match row["side"].as_str() {
            "prom" => {
                let id: i64 = row["prom_id"].parse().unwrap();
                l.staged.push(StagedProduct {
                    prom_id: id,
                    sku: (!sku.is_empty()).then_some(sku),
                    name: row["name"].clone(),
                    other_names: Some(row["other_name"].clone())
                        .filter(|n| !n.is_empty())
                        .into_iter()
                        .collect(),
                    price: None,
                    currency: None,
                    quantity: None,
                    staged_at: chrono::Utc::now(),
                });
                let answer = Some(row["answer"].clone()).filter(|a| a != "none");
                assert!(l.answer.insert(id, answer).is_none(), "Prom id {id} twice");
                l.case.insert(id, row["case"].clone());
            }
            "local" => l.locals.push(Product {
                id: l.locals.len() as u64 + 1,
                sku,
                name: row["name"].clone(),
                price: None,
                currency: None,
            }),
            other => panic!("side {other:?}"),
        }
    }
    l
}

/// What a rule takes, against the answers.
struct Tally {
    taken: usize,
    right: usize,
    wrong: Vec<String>,
}

impl Tally {
    fn of<'a>(l: &Labelled, taken: impl Iterator<Item = &'a Suggestion>) -> Tally {
        let mut t = Tally {
            taken: 0,
            right: 0,
            wrong: vec![],
        };
        for s in taken {
            t.taken += 1;
            if l.answer[&s.prom_id].as_deref() == Some(s.local_sku.as_str()) {
                t.right += 1;
            } else {
                t.wrong.push(format!(
                    "{} {:?} → {} {:?} ({:.3}, {}; answer {:?})",
                    s.prom_id,
                    s.prom_name,
                    s.local_sku,
                    s.local_name,
                    s.score,
                    s.reason,
                    l.answer[&s.prom_id]
                ));
            }
        }
        t
    }

    fn precision(&self) -> f64 {
        if self.taken == 0 {
            1.0
        } else {
            self.right as f64 / self.taken as f64
        }
    }
}

#[test]
fn accepting_at_0_9_links_nothing_wrong_on_the_labelled_set() {
    let l = load();
    let matches = l.answer.values().filter(|a| a.is_some()).count();
    assert!(l.staged.len() >= 100, "at least 100 labelled Prom products");
    let all = suggest(&l.staged, &l.locals, 0.0);
    println!(
        "labelled set: {} Prom products ({} with a local product, {} with none), {} local products",
        l.staged.len(),
        matches,
        l.staged.len() - matches,
        l.locals.len()
    );
    let mut figures = BTreeMap::new();
    for min in [0.8, 0.9, 0.95] {
        let t = Tally::of(&l, all.iter().filter(|s| auto_accepts(s, min)));
        println!(
            "links accept --min-score {min}: {} linked, {} right, {} wrong: precision {:.1} %, recall {:.1} % ({}/{matches})",
            t.taken,
            t.right,
            t.wrong.len(),
            100.0 * t.precision(),
            100.0 * t.right as f64 / matches as f64,
            t.right
        );
        for w in &t.wrong {
            println!("  wrong: {w}");
        }
        figures.insert((min * 100.0) as u32, t);
    }
    // What the CSV export fills in (the seller reviews it before applying).
    let t = Tally::of(
        &l,
        all.iter()
            .filter(|s| !s.ambiguous && s.score > CONFLICT_CAP && s.score >= 0.5),
    );
    println!(
        "export-unlinked pre-fills {}: {} right, {} wrong",
        t.taken,
        t.right,
        t.wrong.len()
    );
    for w in &t.wrong {
        println!("  pre-filled wrong: {w}");
    }
    // The links missed at 0.9, and what was suggested instead.
    let by_prom: HashMap<i64, &Suggestion> = all.iter().map(|s| (s.prom_id, s)).collect();
    for s in &l.staged {
        let Some(answer) = &l.answer[&s.prom_id] else {
            continue;
        };
        match by_prom.get(&s.prom_id) {
            Some(x) if auto_accepts(x, 0.9) && &x.local_sku == answer => {}
            Some(x) => println!(
                "  missed at 0.9: {} {:?} (answer {answer}): {} {:?} {:.3} {}",
                s.prom_id, s.name, x.local_sku, x.local_name, x.score, x.reason
            ),
            None => println!(
                "  missed at 0.9: {} {:?} (answer {answer}): no suggestion",
                s.prom_id, s.name
            ),
        }
    }
    // Per kind of case, at 0.9.
    let mut by_case: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for s in &l.staged {
        let e = by_case.entry(l.case[&s.prom_id].as_str()).or_default();
        if l.answer[&s.prom_id].is_some() {
            e.0 += 1;
        }
    }
    for s in all.iter().filter(|s| auto_accepts(s, 0.9)) {
        if l.answer[&s.prom_id].as_deref() == Some(s.local_sku.as_str()) {
            by_case.get_mut(l.case[&s.prom_id].as_str()).unwrap().1 += 1;
        }
    }
    for (case, (n, found)) in &by_case {
        println!("  {case:<10} {found}/{n} found at 0.9");
    }
    let at_90 = &figures[&90];
    assert_eq!(
        at_90.wrong,
        Vec::<String>::new(),
        "precision at 0.9 is 100 %"
    );
    let at_80 = &figures[&80];
    assert_eq!(
        at_80.wrong,
        Vec::<String>::new(),
        "precision at 0.8 (accept's default) is 100 %"
    );
    let recall = at_90.right as f64 / matches as f64;
    assert!(recall >= RECALL_FLOOR, "recall at 0.9 {recall:.3}");
}

/// The recall of `links accept --min-score 0.9` on the labelled set must not fall below
/// this (it was 60.0 % when the set was made: 63 of 105).
const RECALL_FLOOR: f64 = 0.55;

/// A Prom product for the sandbox.
fn prom(id: i64, sku: &str, name: &str, multilang: Option<serde_json::Value>) -> SandboxProduct {
    SandboxProduct {
        id,
        sku: (!sku.is_empty()).then(|| sku.to_string()),
        name: name.into(),
        name_multilang: multilang,
        ..generate_products(1, id, 1).remove(0)
    }
}

/// The failures through the real commands: staged by an import in `stage` mode
/// from the sandbox, then `links suggest`, `links accept --min-score 0.9` and
/// `links export-unlinked`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_at_0_9_links_by_sku_and_language_and_never_a_13_to_a_14() {
    let env = Env::new(0, SandboxOptions::default(), |_| 0).await;
    env.sandbox.upsert_products([
        prom(7001, "CASE-13", "Чохол для iPhone 13 Pro", None),
        prom(7002, "", "Смартфон Apple iPhone 13", None),
        prom(7003, "", "Светр вовняний чоловічий", None),
        prom(7004, "", "Кабель USB microUSB 1 м", None),
        prom(7005, "", "Кабель USB microUSB 1 м", None),
        prom(
            7006,
            "",
            "Ковдра зимова 200х220",
            Some(json!({"uk": "Ковдра зимова 200х220", "ru": "Одеяло зимнее 200х220"})),
        ),
        prom(7007, "ab-100", "Ножиці кравецькі 25 см", None),
        prom(7008, "IRN-9", "Праска Philips 2400 Вт", Some(json!(null))),
        prom(
            7009,
            "IRN-8",
            "Праска Philips 2000 Вт",
            Some(json!(["Утюг"])),
        ),
    ]);
    let store = Store::open(&env.store_path()).unwrap();
    let local = |sku: &str, name: &str| NewProduct {
        sku: sku.into(),
        name: name.into(),
        price: None,
        currency: None,
    };
    store
        .add_products(&[
            local("CASE-14", "Чохол для iPhone 14 Pro"),
            local("CASE-13", "Чохол iPhone 13 Pro силіконовий"),
            local("IP14", "Смартфон Apple iPhone 14"),
            local("SW-W", "Светр вовняний жіночий"),
            local("USB-A1", "Кабель USB microUSB 1 м"),
            local("USB-A2", "Кабель USB microUSB 1 м"),
            local("BLK-1", "Одеяло зимнее 200х220"),
            local("AB-100", "Ножиці для тканини 25см"),
        ])
        .unwrap();
    store.flush_blocking().unwrap();
    drop(store);
    let config = env.write_config_any_admin_port(
        "0 0 1 1 *",
        "[[job]]\nname = \"download\"\nkind = \"import_products\"\nmode = \"stage\"\nschedule = \"0 0 1 1 *\"\n",
    );
    let run = |args: &[&str]| {
        let out = cli(&config, args);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}{stderr}");
        stdout
    };
    run(&["job", "run", "download"]);
    let staged: serde_json::Value =
        serde_json::from_str(&run(&["staged", "list", "--json"])).unwrap();
    let blanket = staged
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["prom_id"] == 7006)
        .unwrap();
    assert_eq!(blanket["other_names"], json!(["Одеяло зимнее 200х220"]));
    assert_eq!(
        staged.as_array().unwrap().len(),
        9,
        "odd name_multilang shapes staged too"
    );

    // What is suggested, and why.
    let table = run(&["links", "suggest", "--min-score", "0"]);
    let line = |id: &str| {
        table
            .lines()
            .find(|l| l.trim_start().starts_with(id))
            .unwrap_or_else(|| panic!("no line for {id}:\n{table}"))
            .to_string()
    };
    assert!(
        table
            .lines()
            .next()
            .unwrap()
            .ends_with("SCORE  AMBIGUOUS  WHY"),
        "{table}"
    );
    assert!(line("7001").contains("CASE-13") && line("7001").ends_with("same SKU"));
    assert!(line("7002").ends_with("numbers differ: 13 ≠ 14"), "{table}");
    assert!(line("7003").ends_with("чоловічий ≠ жіночий"), "{table}");
    assert!(line("7004").contains(" yes "), "{table}");
    let json: Vec<Suggestion> =
        serde_json::from_str(&run(&["links", "suggest", "--min-score", "0", "--json"])).unwrap();
    let by_id: HashMap<i64, &Suggestion> = json.iter().map(|s| (s.prom_id, s)).collect();
    assert!(by_id[&7004].ambiguous && by_id[&7005].ambiguous);
    assert_eq!(by_id[&7004].score, 1.0);
    assert!(by_id[&7002].score <= CONFLICT_CAP && by_id[&7003].score <= CONFLICT_CAP);
    assert_eq!(
        (by_id[&7007].local_sku.as_str(), by_id[&7007].score),
        ("AB-100", 0.99)
    );

    // The sure ones only.
    assert_eq!(
        run(&["links", "accept", "--min-score", "0.9"]).trim(),
        "3 link(s) made"
    );
    let store = Store::open(&env.store_path()).unwrap();
    let linked = |sku: &str| {
        let p = store.product_by_sku(sku).unwrap().unwrap();
        store.link_of(p.id).unwrap()
    };
    assert_eq!(linked("CASE-13"), Some(7001));
    assert_eq!(linked("BLK-1"), Some(7006), "by its Russian name");
    assert_eq!(linked("AB-100"), Some(7007), "by its look-alike SKU");
    for sku in ["CASE-14", "IP14", "SW-W", "USB-A1", "USB-A2"] {
        assert_eq!(linked(sku), None, "{sku} is left for the seller");
    }
    assert_eq!(store.link_count(), 3);
    drop(store);

    // The rest to fill in: the doubtful ones are named in the note, not filled in.
    let file = env.dir.path().join("unlinked.csv");
    run(&["links", "export-unlinked", file.to_str().unwrap()]);
    let text = std::fs::read_to_string(&file).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        rows.headers().unwrap().iter().collect::<Vec<_>>(),
        [
            "prom_id",
            "prom_sku",
            "prom_name",
            "local_sku",
            "local_name",
            "score",
            "note"
        ]
    );
    let rows: HashMap<String, BTreeMap<String, String>> = rows
        .deserialize::<BTreeMap<String, String>>()
        .map(|r| r.unwrap())
        .map(|r| (format!("{}{}", r["prom_id"], r["local_sku"]), r))
        .collect();
    let sweater = &rows["7003"];
    assert_eq!(sweater["local_sku"], "", "{text}");
    assert!(
        sweater["note"].starts_with("not filled in: SW-W (Светр вовняний жіночий)")
            && sweater["note"].contains("чоловічий ≠ жіночий"),
        "{text}"
    );
    assert!(rows["7004"]["note"].contains("ambiguous"), "{text}");
    assert!(
        rows.contains_key("SW-W"),
        "the local product is listed free: {text}"
    );
    // The file as exported applies: the note column is not read, and a row not filled
    // in links nothing.
    run(&["links", "apply", file.to_str().unwrap()]);
    assert_eq!(Store::open(&env.store_path()).unwrap().link_count(), 3);
    // An ambiguous one is linked when the seller names it.
    assert_eq!(run(&["links", "accept", "7004"]).trim(), "1 link(s) made");
    let store = Store::open(&env.store_path()).unwrap();
    let usb = store.product_by_sku("USB-A1").unwrap().unwrap();
    assert_eq!(store.link_of(usb.id).unwrap(), Some(7004));
    assert_eq!(store.link_count(), 4);
    drop(store);
    // Linking is local: nothing was sent to Prom.ua.
    assert!(env.sandbox.edit_requests().is_empty());
}
