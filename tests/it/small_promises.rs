//! Small promises: CSV row numbers with CRLF endings, a repeated `links apply` that says
//! it made nothing new, and commands whose standard output is closed early.

use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

use promua_sync::config;
use promua_sync::jobs::{Mode, run_job};
use promua_sync::report::Outcome;
use promua_sync::sandbox::{SandboxOptions, SandboxProduct};
use promua_sync::store::Store;

use crate::helpers::*;

const SIGPIPE: i32 = 13;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crlf_csv_errors_name_the_row_of_the_file() {
    let env = Env::new(3, SandboxOptions::default(), |_| 5).await;
    let path = env.write_config_any_admin_port("0 0 1 1 *", "");
    let file = env.dir.path().join("stock.csv");
    std::fs::write(
        &file,
        "sku,warehouse,quantity\r\nPRM-000001,main,3\r\nPRM-000002,main,4\r\nPRM-000003,main,lots\r\n",
    )
    .unwrap();
    let out = cli(
        &path,
        &[
            "products",
            "import",
            file.to_str().unwrap(),
            "--kind",
            "stock",
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("row 4, quantity"), "{stderr}");
    assert!(!stderr.contains("row 3"), "{stderr}");
    let store = Store::open(&env.store_path()).unwrap();
    let id = store.product_by_sku("PRM-000001").unwrap().unwrap().id;
    assert_eq!(
        store.stock_of(id).unwrap(),
        vec![("main".to_string(), 5)],
        "nothing applied"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_the_same_link_file_twice_makes_nothing_new_the_second_time() {
    let env = Env::new(2, SandboxOptions::default(), |_| 5).await;
    let new: Vec<SandboxProduct> = (0..2)
        .map(|i| SandboxProduct {
            id: 5_800_000 + i,
            sku: Some(format!("PROM-ONLY-{i}")),
            ..env.catalogue[0].clone()
        })
        .collect();
    env.sandbox.upsert_products(new.clone());
    let path = env.write_config_any_admin_port(
        "0 0 1 1 *",
        "[[job]]\nname = \"stage\"\nkind = \"import_products\"\nschedule = \"0 0 1 1 *\"\nmode = \"stage\"\n",
    );
    let config = config::load(&path).unwrap();
    {
        let store = Store::open(&env.store_path()).unwrap();
        store.add_product("LOC-0", "Місцевий 0").unwrap();
        store.add_product("LOC-1", "Місцевий 1").unwrap();
        let job = config.jobs.iter().find(|j| j.name == "stage").unwrap();
        let r = run_job(job, &context(&config, &store), Mode::Apply)
            .await
            .unwrap();
        assert_eq!(r.record.outcome, Outcome::Ok);
        store.flush_blocking().unwrap();
    }
    let file = env.dir.path().join("links.csv");
    std::fs::write(
        &file,
        format!(
            "prom_id,local_sku\n{},LOC-0\n{},LOC-1\n",
            new[0].id, new[1].id
        ),
    )
    .unwrap();
    let apply = || {
        let out = cli(&path, &["links", "apply", file.to_str().unwrap()]);
        assert!(out.status.success(), "{out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(
        apply().ends_with(": 2 link(s) made, 0 already linked\n"),
        "first"
    );
    let again = apply();
    assert!(
        again.ends_with(": 0 link(s) made, 2 already linked\n"),
        "{again}"
    );
    let store = Store::open(&env.store_path()).unwrap();
    for (i, p) in new.iter().enumerate() {
        let local = store.product_by_sku(&format!("LOC-{i}")).unwrap().unwrap();
        assert_eq!(store.link_of(local.id).unwrap(), Some(p.id));
    }
}

/// A command of the built binary, its output cut short: no panic, and either a clean
/// exit or the quiet death by SIGPIPE that `git` and `ls` die.
fn assert_ended_quietly(status: std::process::ExitStatus, stderr: &[u8]) {
    let stderr = String::from_utf8_lossy(stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.contains("Broken pipe"), "{stderr}");
    assert!(
        status.success() || status.signal() == Some(SIGPIPE),
        "{status:?}: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_read_one_line_at_a_time_then_dropped_ends_quietly() {
    // More than a pipe buffer of output (64 KiB): the command is still writing when the
    // reader goes away.
    let env = Env::new(1200, SandboxOptions::default(), |_| 5).await;
    let path = env.write_config_any_admin_port("0 0 1 1 *", "");
    let mut child = bin()
        .args(["links", "list", "--config"])
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("SKU"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_ended_quietly(out.status, &out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_run_into_a_closed_pipe_ends_quietly_after_recording_its_run() {
    let env = Env::new(5, SandboxOptions::default(), |_| 7).await;
    let path = env.write_config_any_admin_port("0 0 1 1 *", "");
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = bin()
        .args(["job", "run", "stock", "--config"])
        .arg(&path)
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert_ended_quietly(out.status, &out.stderr);
    // The run happened, and is recorded, before anything was printed.
    let store = Store::open(&env.store_path()).unwrap();
    let run = store.last_run("stock").unwrap().expect("recorded");
    assert_eq!((run.outcome, run.confirmed), (Outcome::Ok, 5));
    for p in &env.catalogue {
        assert_eq!(
            env.sandbox.product(p.id).unwrap().quantity_in_stock,
            Some(7)
        );
    }
}
