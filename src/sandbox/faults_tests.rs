use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};

use rand::{Rng, SeedableRng};

use super::*;
use crate::sandbox::{Sandbox, SandboxOptions, StatusChange};

#[test]
fn the_random_shares_are_laid_end_to_end_each_its_own_share_of_the_calls() {
    let rates = FaultRates {
        server_error: 0.20,
        rate_limited: 0.10,
        dropped: 0.05,
        dropped_after_apply: 0.05,
        ..FaultRates::default()
    };
    assert_eq!(drawn(&rates, 0.0), Some(ScriptedFault::ServerError));
    assert_eq!(drawn(&rates, 0.25), Some(ScriptedFault::RateLimited));
    assert_eq!(drawn(&rates, 0.34), Some(ScriptedFault::Dropped));
    assert_eq!(drawn(&rates, 0.37), Some(ScriptedFault::DroppedAfterApply));
    assert_eq!(drawn(&rates, 0.40), None);
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut counts = BTreeMap::<Option<ScriptedFault>, u32>::new();
    let n = 20_000;
    for _ in 0..n {
        *counts.entry(drawn(&rates, rng.random())).or_default() += 1;
    }
    for (fault, share) in [
        (Some(ScriptedFault::ServerError), 0.20),
        (Some(ScriptedFault::RateLimited), 0.10),
        (Some(ScriptedFault::Dropped), 0.05),
        (Some(ScriptedFault::DroppedAfterApply), 0.05),
        (None, 0.60),
    ] {
        let got = f64::from(counts[&fault]) / f64::from(n);
        assert!(
            (got - share).abs() < share * 0.1,
            "{fault:?}: {got} of the calls, {share} wanted"
        );
    }
}

#[tokio::test]
async fn a_call_dropped_after_apply_took_effect_and_a_retry_is_not_a_second_status_change() {
    let sb = Sandbox::new(SandboxOptions {
        token: "t".into(),
        ..SandboxOptions::default()
    });
    let order = sb.place_order(
        serde_json::from_value(serde_json::json!({
            "client_first_name": "Олена", "client_last_name": "Коваленко",
            "phone": "+380671112233",
            "lines": [{"product_id": 7, "name": "Товар", "price": "399", "quantity": "2"}]
        }))
        .unwrap(),
    );
    let running = sb
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    sb.set_faults(FaultRates {
        dropped_after_apply: 1.0,
        ..FaultRates::default()
    });
    let http = reqwest::Client::new();
    let url = format!("{}/orders/set_status", running.base_url());
    let body = serde_json::json!({"ids": [order.id], "status": "received"});
    let call = || http.post(&url).bearer_auth("t").json(&body).send();
    // The client never hears: the connection drops before the answer completes.
    let lost = match call().await {
        Err(_) => true,
        Ok(r) => r.bytes().await.is_err(),
    };
    assert!(lost, "the answer should have been dropped");
    assert_eq!(sb.order(order.id).unwrap().status, "received", "applied");
    assert_eq!(
        sb.faults_injected(),
        BTreeMap::from([(ScriptedFault::DroppedAfterApply, 1)])
    );
    // The client retries the same call (faults off now): processed, nothing changes.
    sb.set_faults(FaultRates::default());
    let answer: serde_json::Value = call().await.unwrap().json().await.unwrap();
    assert_eq!(answer["processed_ids"], serde_json::json!([order.id]));
    let changes: Vec<(i64, String, String)> = sb
        .status_changes()
        .into_iter()
        .map(
            |StatusChange {
                 order_id, from, to, ..
             }| (order_id, from, to),
        )
        .collect();
    assert_eq!(
        changes,
        [(order.id, "pending".to_string(), "received".to_string())]
    );
    // The request log tells the applied-then-dropped call from the clean retry.
    let faults: Vec<Option<ScriptedFault>> =
        sb.set_status_requests().iter().map(|r| r.fault).collect();
    assert_eq!(faults, [Some(ScriptedFault::DroppedAfterApply), None]);
}
