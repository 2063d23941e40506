//! Every order detail a seller fulfils an order from (issue 14, point 1): Prom's realistic
//! order and one with every optional field null, served by the sandbox as `orders/list`
//! shows them, pulled through the CLI, and read back from `orders show --json` and its
//! text; a buyer changing their comment on Prom, pulled again.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use promua_sync::sandbox::SandboxOptions;
use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::helpers::*;

const JOBS: &str = r#"
[[job]]
name = "orders"
kind = "pull_orders"
schedule = "0 0 1 1 *"
"#;

/// The orders of a fixture file, as Prom's `orders/list` answers.
fn fixture(name: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(repo_file(&format!("tests/fixtures/{name}"))).unwrap();
    let page: Value = serde_json::from_str(&text).unwrap();
    page["orders"].as_array().unwrap().clone()
}

/// The sandbox's control API.
fn control(env: &Env, path: &str) -> String {
    let base = env.sandbox.base_url();
    format!("{}/__sandbox{path}", base.trim_end_matches("/api/v1"))
}

/// Places an order that shows exactly `raw` (less its id: the sandbox's) through the
/// control API, and returns its id.
async fn serve(env: &Env, raw: &Value) -> i64 {
    let id = env.sandbox.place_order(buyer_order("pending", vec![])).id;
    let mut fields = raw.as_object().unwrap().clone();
    fields.remove("id");
    let r = reqwest::Client::new()
        .post(control(env, &format!("/orders/{id}/raw")))
        .json(&fields)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    id
}

async fn pull(config: &Path) {
    let out = cli_async(config, &["job", "run", "orders"]).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn show(config: &Path, id: i64) -> Value {
    let out = cli_async(config, &["orders", "show", &id.to_string(), "--json"]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn show_text(config: &Path, id: i64) -> String {
    let out = cli_async(config, &["orders", "show", &id.to_string()]).await;
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// A sum of the answer: (its decimal, currency, raw text). The amount is a JSON string,
/// as the API's other decimals are.
fn money(v: &Value) -> (Decimal, &str, &str) {
    let amount = v["amount"].as_str().unwrap_or_else(|| panic!("{v}"));
    (
        Decimal::from_str(amount).unwrap(),
        v["currency"].as_str().unwrap(),
        v["raw"].as_str().unwrap(),
    )
}

fn dec(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

async fn setup() -> (Env, PathBuf) {
    let env = Env::new(2, SandboxOptions::default(), |_| 10).await;
    let config = env.write_config("0 0 1 1 *", JOBS);
    (env, config)
}

#[tokio::test]
async fn the_realistic_order_keeps_every_detail_in_orders_show() {
    let (env, config) = setup().await;
    let orders = fixture("order.json");
    let a = serve(&env, &orders[0]).await;
    let c = serve(&env, &orders[1]).await;
    pull(&config).await;

    let o = show(&config, a).await;
    assert_eq!(o["prom_id"], a);
    assert_eq!(
        (&o["status"], &o["prom_status"]),
        (&json!("custom_7001"), &json!("custom_7001"))
    );
    assert_eq!(o["status_name"], "Чекає на передоплату");
    assert_eq!(o["source"], "mobile_app");
    assert_eq!(o["created_at"], "2026-03-14T09:21:40.176639+02:00");
    assert_eq!(o["modified_at"], "2026-03-14T10:02:11.000001Z");
    // The fields it always had.
    assert_eq!(o["client"], "Ярослава Олегівна Гнатюк-Їжакевич");
    assert_eq!(o["phone"], "+380671234567");
    assert_eq!(o["email"], "yaroslava.h@example.com");
    assert_eq!(
        o["buyer"],
        json!({"first_name": "Ярослава", "second_name": "Олегівна", "last_name": "Гнатюк-Їжакевич",
               "client_id": 48812001, "notes": "Передзвоніть після 18:00, будь ласка", "dont_call_back": false})
    );
    assert_eq!(
        o["delivery"],
        json!({"option_id": 13013, "option_name": "Нова Пошта", "shipping_service": "nova_poshta",
               "address": "Львів, Відділення №12: вул. Городоцька, 120", "provider": "rozetka_delivery",
               "type": "W2W", "sender_warehouse_id": "7b422fc3-e1b8-11e3-8c4a-0050568002cf",
               "recipient_warehouse_id": "1ec09d88-e1c2-11e3-8c4a-0050568002cf",
               "declaration_number": "20450912345678", "unified_status": "in_transit",
               "recipient": {"first_name": "Остап", "second_name": null, "last_name": "Гнатюк", "phone": "+380931112233"}})
    );
    assert_eq!(
        o["payment"],
        json!({"option_id": 7547964, "option_name": "Оплата при отриманні", "type": "evopay",
               "status": "unpaid", "status_modified": "2026-03-14T09:25:00.000000+02:00"})
    );
    // Money: decimals a script can add up, the currency, Prom's text beside them.
    assert_eq!(
        money(&o["total"]),
        (dec("3990"), "грн", "3\u{a0}990\u{a0}грн")
    );
    let m = &o["money"];
    assert_eq!(m["currency"], "грн");
    assert_eq!(money(&m["price"]), money(&o["total"]));
    assert_eq!(money(&m["full_price"]).0, dec("4060.50"));
    assert_eq!(
        money(&m["price_with_special_offer"]),
        (dec("3790"), "грн", "3 790 грн")
    );
    assert_eq!(
        money(&m["special_offer_discount"]),
        (dec("200"), "грн", "200 грн")
    );
    assert_eq!(m["special_offer_promocode"], "SPRING200");
    assert_eq!(
        money(&m["delivery_cost"]),
        (dec("70.5"), "грн", "70.5"),
        "a number takes the order's currency"
    );
    assert_eq!(m["has_order_promo_free_delivery"], false);
    assert_eq!(
        money(&m["cpa_commission"]["amount"]),
        (dec("59.85"), "грн", "59.85")
    );
    assert_eq!(m["cpa_commission"]["is_refunded"], false);
    assert_eq!(o["cancellation"], Value::Null);
    assert_eq!(
        o["utm"],
        json!({"medium": "cpc", "source": "google", "campaign": "spring_sale"})
    );
    let lines = o["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    let cheese = &lines[0];
    assert_eq!(
        (cheese["quantity"].as_str(), cheese["measure_unit"].as_str()),
        (Some("1.25"), Some("кг"))
    );
    assert_eq!(money(&cheese["price"]).0, dec("420"));
    assert_eq!(money(&cheese["total_price"]).0, dec("525"));
    assert_eq!(cheese["image"], "https://images.prom.ua/1.jpg");
    assert_eq!(cheese["url"], "https://prom.ua/p1830042117.html");
    assert_eq!(cheese["external_id"], Value::Null);
    let knife = &lines[1];
    assert_eq!(knife["external_id"], "ERP-77");
    assert_eq!(money(&knife["price"]).0, dec("1732.50"));
    assert_eq!(
        money(&knife["total_price"]),
        (dec("3465"), "грн", "3\u{a0}465\u{a0}грн")
    );

    // The cancelled order: the cancellation, the yes/no flags, an empty comment left out.
    let o = show(&config, c).await;
    assert_eq!(
        o["cancellation"],
        json!({"title": "Покупець передумав", "initiator": "buyer", "reason": "another", "text": "Знайшов дешевше"})
    );
    assert_eq!(
        (&o["buyer"]["notes"], &o["buyer"]["dont_call_back"]),
        (&Value::Null, &json!(true))
    );
    assert_eq!(o["money"]["has_order_promo_free_delivery"], true);
    assert_eq!(o["money"]["cpa_commission"]["is_refunded"], true);
    assert_eq!(money(&o["money"]["delivery_cost"]), (dec("0"), "грн", "0"));
    assert_eq!(o["delivery"]["provider"], Value::Null);

    let text = show_text(&config, a).await;
    for want in [
        "Prom.ua:    custom_7001 (Чекає на передоплату)\n",
        "phone:      +380671234567\n",
        "email:      yaroslava.h@example.com\n",
        "comment:    Передзвоніть після 18:00, будь ласка\n",
        "delivery:   Нова Пошта (rozetka_delivery), W2W\n",
        "address:    Львів, Відділення №12: вул. Городоцька, 120\n",
        "branch:     1ec09d88-e1c2-11e3-8c4a-0050568002cf\n",
        "waybill:    20450912345678\n",
        "recipient:  Остап Гнатюк, +380931112233\n",
        "payment:    Оплата при отриманні, evopay, unpaid\n",
        "source:     mobile_app\n",
        "total:      3 990 грн\n",
        "offer:      3 790 грн, discount 200 грн, promo code SPRING200\n",
        "shipping:   70.5 грн\n",
        "commission: 59.85 грн\n",
        "  #2  2 шт. x -  Ніж кухонний  at 1 732,50 грн = 3 465 грн  (Prom product 1830042200)  -> unlinked\n",
    ] {
        assert!(text.contains(want), "{want:?} not in:\n{text}");
    }
    assert!(!text.contains("cancelled:"), "{text}");
    let text = show_text(&config, c).await;
    assert!(
        text.contains("cancelled:  Покупець передумав; by buyer; another; Знайшов дешевше\n"),
        "{text}"
    );
    assert!(
        !text.contains("comment:"),
        "an empty comment is left out:\n{text}"
    );
}

#[tokio::test]
async fn an_order_with_every_optional_field_null_is_kept_with_empty_details() {
    let (env, config) = setup().await;
    let id = serve(&env, &fixture("order_nulls.json")[0]).await;
    pull(&config).await;
    let o = show(&config, id).await;
    assert_eq!(
        (&o["status"], &o["client"]),
        (&json!("pending"), &json!(""))
    );
    for k in [
        "total",
        "phone",
        "email",
        "status_name",
        "source",
        "cancellation",
        "utm",
        "created_at",
        "modified_at",
    ] {
        assert_eq!(o[k], Value::Null, "{k}: {o}");
    }
    for (group, keys) in [
        (
            "buyer",
            &[
                "first_name",
                "second_name",
                "last_name",
                "client_id",
                "notes",
                "dont_call_back",
            ][..],
        ),
        (
            "delivery",
            &[
                "option_id",
                "option_name",
                "shipping_service",
                "address",
                "provider",
                "type",
                "sender_warehouse_id",
                "recipient_warehouse_id",
                "declaration_number",
                "unified_status",
                "recipient",
            ][..],
        ),
        (
            "payment",
            &[
                "option_id",
                "option_name",
                "type",
                "status",
                "status_modified",
            ][..],
        ),
        (
            "money",
            &[
                "currency",
                "price",
                "full_price",
                "price_with_special_offer",
                "special_offer_discount",
                "special_offer_promocode",
                "delivery_cost",
                "has_order_promo_free_delivery",
                "cpa_commission",
            ][..],
        ),
    ] {
        for k in keys {
            assert_eq!(o[group][k], Value::Null, "{group}.{k}: {o}");
        }
    }
    let line = &o["lines"][0];
    assert_eq!(
        (&line["quantity"], &line["product_id"]),
        (&json!("1"), &Value::Null)
    );
    for k in [
        "sku",
        "price",
        "total_price",
        "measure_unit",
        "external_id",
        "image",
        "url",
        "prom_product_id",
    ] {
        assert_eq!(line[k], Value::Null, "line {k}");
    }
    let text = show_text(&config, id).await;
    for absent in [
        "comment:",
        "delivery:",
        "payment:",
        "waybill:",
        "total:",
        "phone:",
    ] {
        assert!(!text.contains(absent), "{absent} in:\n{text}");
    }
    // A second pull finds nothing new in it.
    pull(&config).await;
    assert_eq!(show(&config, id).await["updated_at"], o["updated_at"]);
}

#[tokio::test]
async fn a_buyer_changing_their_comment_shows_after_the_next_pull() {
    let (env, config) = setup().await;
    let p = &env.catalogue[0];
    let mut order = buyer_order("pending", vec![(Some(p.id), p.sku.as_deref().unwrap(), 1)]);
    order.details.client_notes = Some("Доставка до 12:00".into());
    let id = env.sandbox.place_order(order).id;
    pull(&config).await;
    assert_eq!(
        show(&config, id).await["buyer"]["notes"],
        "Доставка до 12:00"
    );

    // The buyer edits the order on Prom.ua: its date_modified moves.
    let r = reqwest::Client::new()
        .patch(control(&env, &format!("/orders/{id}")))
        .json(&json!({"client_notes": "Доставка після 18:00", "declaration_number": "20450000000777"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    pull(&config).await;
    let o = show(&config, id).await;
    assert_eq!(o["buyer"]["notes"], "Доставка після 18:00");
    assert_eq!(o["delivery"]["declaration_number"], "20450000000777");
    // The sandbox served it as Prom would.
    let served = env
        .sandbox
        .orders()
        .into_iter()
        .find(|o| o.id == id)
        .unwrap();
    assert_eq!(
        served.details.client_notes.as_deref(),
        Some("Доставка після 18:00")
    );
}
