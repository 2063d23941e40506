//! Prom.ua's replies, through the real client against a loopback server that answers
//! whatever the case holds (HTTP 200, any other status, or the valid reply cut off
//! mid-body): every list and detail DTO, the shop's statuses,
//! and the edit and set_status replies. The readers of the two write replies also have
//! property tests of their own on any JSON and any bytes (`src/prom/dto/reply_tests.rs`);
//! here they are reached through HTTP and the client, as the jobs reach them.
//!
//! Promises: no panic, no hang; a status other than 2xx or a cut reply fails the call;
//! an error names the call's path (a 401 says the token was rejected), its excerpt of
//! the body is short; and, Prom's JSON being
//! read leniently, a mutation inside one item's fields other than its id (a field
//! missing, null, of another type, wrapped in a list) never costs that item nor fails
//! the call.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use promua_sync::domain::StockRoute;
use promua_sync::prom::dto::{OrderFilter, OrderStatus, ProductPatch, SetStatus};
use promua_sync::prom::{PromClient, PromConfig};
use promua_sync::sandbox::{Sandbox, SandboxOptions, generate_catalogue};
use proptest::prelude::*;
use serde_json::Value;

use super::{Mutation, Step, bytes, cases, fuzz, json_value, mutate, mutations};
use crate::helpers::TOKEN;

const KEYS: &[&str] = &[
    "id",
    "products",
    "product",
    "orders",
    "order",
    "groups",
    "name",
    "sku",
    "external_id",
    "price",
    "currency",
    "presence",
    "quantity_in_stock",
    "status",
    "status_name",
    "date_created",
    "date_modified",
    "processed_ids",
    "errors",
    "error",
    "warnings",
    "quantity",
    "group",
    "parent_group_id",
    "delivery_provider_data",
    "payment_data",
    "cancellation",
    "client_first_name",
    "phone",
    "name_multilang",
    "order_status_options",
    "title",
    "custom_status_id",
    "price_with_discount",
];

/// What the fuzz server answers next: a status, a body, and where the connection is
/// cut (`None`: the body whole).
#[derive(Default)]
struct Answer {
    status: u16,
    body: Vec<u8>,
    cut: Option<usize>,
}

type Reply = Arc<Mutex<Answer>>;

/// A server on loopback answering every request with the current reply.
async fn reply_server(reply: Reply) -> String {
    let app = axum::Router::new().fallback(move || {
        let reply = reply.clone();
        async move {
            let (status, body, cut) = {
                let a = reply.lock().unwrap();
                (a.status, a.body.clone(), a.cut)
            };
            let status = axum::http::StatusCode::from_u16(status).unwrap();
            let body = match cut {
                None => axum::body::Body::from(body),
                // The first part, then the connection fails mid-body.
                Some(at) => {
                    let head = axum::body::Bytes::copy_from_slice(&body[..at]);
                    axum::body::Body::from_stream(futures::stream::iter([
                        Ok(head),
                        Err(std::io::Error::new(
                            std::io::ErrorKind::ConnectionReset,
                            "cut by the fuzz server",
                        )),
                    ]))
                }
            };
            (
                status,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
        }
    });
    let listener = tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let base = format!("http://{}/api/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

fn client(base: &str) -> PromClient {
    PromClient::new(&PromConfig {
        base_url: base.into(),
        token: Some(TOKEN.to_string().into()),
        token_origin: "test".into(),
        connect_timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(5),
        requests_per_second: 1_000_000,
        max_concurrency: 1,
        // An answer read is never retried; nothing here is retryable anyway.
        max_retries: 0,
        retry_base_delay: Duration::from_millis(1),
        stock_route: StockRoute::default(),
    })
    .unwrap()
}

/// The decoders, each with the call that reaches it.
#[derive(Debug, Clone, Copy)]
enum Call {
    ProductsList,
    Product,
    GroupsList,
    OrdersList,
    Order,
    StatusOptions,
    Edit,
    EditByExternalId,
    SetStatus,
}

impl Call {
    const ALL: [Call; 9] = [
        Call::ProductsList,
        Call::Product,
        Call::GroupsList,
        Call::OrdersList,
        Call::Order,
        Call::StatusOptions,
        Call::Edit,
        Call::EditByExternalId,
        Call::SetStatus,
    ];

    fn name(self) -> &'static str {
        match self {
            Call::ProductsList => "prom products/list",
            Call::Product => "prom products/{id}",
            Call::GroupsList => "prom groups/list",
            Call::OrdersList => "prom orders/list",
            Call::Order => "prom orders/{id}",
            Call::StatusOptions => "prom order_status_options/list",
            Call::Edit => "prom products/edit reply",
            Call::EditByExternalId => "prom products/edit_by_external_id reply",
            Call::SetStatus => "prom orders/set_status reply",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Call::ProductsList => "/products/list",
            Call::Product => "/products/",
            Call::GroupsList => "/groups/list",
            Call::OrdersList => "/orders/list",
            Call::Order => "/orders/",
            Call::StatusOptions => "/order_status_options/list",
            Call::Edit => "/products/edit",
            Call::EditByExternalId => "/products/edit_by_external_id",
            Call::SetStatus => "/orders/set_status",
        }
    }

    /// The list of items in the reply whose items are read one by one, and the key
    /// that holds the one item of a detail reply.
    fn items(self) -> Option<&'static str> {
        match self {
            Call::ProductsList => Some("products"),
            Call::GroupsList => Some("groups"),
            Call::OrdersList => Some("orders"),
            Call::Product => Some("product"),
            Call::Order => Some("order"),
            _ => None,
        }
    }

    /// Makes the call; the ids of the items read (for the lists and details), or
    /// nothing.
    async fn call(self, c: &PromClient) -> Result<Vec<i64>, promua_sync::prom::PromError> {
        Ok(match self {
            Call::ProductsList => c
                .products_page(None, None, 100)
                .await?
                .products
                .iter()
                .map(|p| p.id)
                .collect(),
            Call::Product => vec![c.product(1).await?.id],
            Call::GroupsList => c
                .groups_page(None, 100)
                .await?
                .groups
                .iter()
                .map(|g| g.id)
                .collect(),
            Call::OrdersList => c
                .orders_page(&OrderFilter::default())
                .await?
                .iter()
                .map(|o| o.id)
                .collect(),
            Call::Order => vec![c.order(1).await?.id],
            Call::StatusOptions => {
                c.order_status_options().await?;
                Vec::new()
            }
            Call::Edit => {
                // What a reply confirms is asserted by `dto/reply_tests.rs` on any JSON.
                c.edit_products(&[ProductPatch::new(1)]).await?;
                Vec::new()
            }
            Call::EditByExternalId => {
                c.edit_products_by_external_id(&[ProductPatch::new("A-1".to_string())])
                    .await?;
                Vec::new()
            }
            Call::SetStatus => {
                c.set_order_status(&SetStatus {
                    status: OrderStatus::Received,
                    ids: vec![1],
                    cancellation_reason: None,
                    cancellation_text: None,
                })
                .await?;
                Vec::new()
            }
        })
    }
}

/// The ids of a template's items, as the client should read them.
fn template_ids(call: Call, doc: &Value) -> Vec<i64> {
    match call.items() {
        Some(k) => match &doc[k] {
            Value::Array(items) => items.iter().map(|i| i["id"].as_i64().unwrap()).collect(),
            one => vec![one["id"].as_i64().unwrap()],
        },
        None => Vec::new(),
    }
}

/// The fields an item cannot be read without: its id, and an order's status, list of
/// lines and each line whole (an order read without them would reserve the wrong stock,
/// so it is skipped and named in a note instead, as an order without an id is). A
/// line's own fields are not essential.
const ESSENTIAL: &[&str] = &["id", "status", "products"];

/// Whether a mutation at `path` stays inside one item's fields other than the
/// essential ones (inside a line of an order is fine).
fn inside_an_item(call: Call, path: &[Step]) -> bool {
    let Some(k) = call.items() else { return false };
    let list = matches!(
        call,
        Call::ProductsList | Call::GroupsList | Call::OrdersList
    );
    let order = matches!(call, Call::OrdersList | Call::Order);
    let field = if list { 2 } else { 1 };
    let essential = |s: &Step| match s {
        Step::Key(f) => f == "id" || (order && ESSENTIAL.contains(&f.as_str())),
        Step::Index(_) => false,
    };
    let a_line = order && path.len() == field + 2 && path[field] == Step::Key("products".into());
    path.first() == Some(&Step::Key(k.into()))
        && path.len() > field
        && !(path.len() == field + 1 && essential(&path[field]))
        && !a_line
        && path[field] != Step::Key("id".into())
}

/// The valid replies the sandbox gives for each call, as raw JSON.
async fn templates() -> Vec<(Call, Value)> {
    let sb = Sandbox::new(SandboxOptions {
        token: TOKEN.into(),
        ..Default::default()
    });
    let cat = generate_catalogue(3, 3, 17);
    let (product, order) = (cat.products[0].id, cat.orders[0].id);
    sb.load(cat);
    let sb = sb
        .spawn(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let base = sb.base_url();
    let get = |path: String| {
        let req = http.get(format!("{base}{path}")).bearer_auth(TOKEN);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let post = |path: &str, body: Value| {
        let req = http
            .post(format!("{base}{path}"))
            .bearer_auth(TOKEN)
            .json(&body);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let mut out = Vec::new();
    for call in Call::ALL {
        let reply = match call {
            Call::ProductsList => get("/products/list?limit=3".into()).await,
            Call::Product => get(format!("/products/{product}")).await,
            Call::GroupsList => get("/groups/list".into()).await,
            Call::OrdersList => get("/orders/list".into()).await,
            Call::Order => get(format!("/orders/{order}")).await,
            Call::StatusOptions => get("/order_status_options/list".into()).await,
            Call::Edit => {
                post(
                    "/products/edit",
                    serde_json::json!([{"id": product, "presence": "available"}, {"id": 1}]),
                )
                .await
            }
            Call::EditByExternalId => {
                post(
                    "/products/edit_by_external_id",
                    serde_json::json!([{"id": "A-1", "presence": "available"}]),
                )
                .await
            }
            Call::SetStatus => {
                post(
                    "/orders/set_status",
                    serde_json::json!({"status": "received", "ids": [order]}),
                )
                .await
            }
        };
        if let Some(k) = call.items() {
            assert!(!template_ids(call, &reply).is_empty(), "{k}: {reply}");
        }
        out.push((call, reply));
    }
    out
}

#[derive(Debug, Clone)]
enum Case {
    Bytes(Vec<u8>),
    Json(Value),
    Mutated(Vec<Mutation>),
    /// Another status than 200, with any body of the cases above.
    Status(u16, Box<Case>),
    /// The valid reply cut off after this share of it (‰), the connection then failing.
    Cut(u16),
}

fn body_case() -> impl Strategy<Value = Case> {
    prop_oneof![
        1 => bytes().prop_map(Case::Bytes),
        1 => json_value(KEYS).prop_map(Case::Json),
        3 => mutations(KEYS).prop_map(Case::Mutated),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    let status = prop_oneof![
        proptest::sample::select(
            &[
                201u16, 204, 301, 400, 401, 403, 404, 408, 409, 422, 429, 500, 502, 503, 504
            ][..]
        ),
        200u16..600,
    ];
    prop_oneof![
        5 => body_case(),
        2 => (status, body_case()).prop_map(|(s, c)| Case::Status(s, Box::new(c))),
        1 => (0u16..1000).prop_map(Case::Cut),
    ]
}

#[test]
fn every_prom_reply_is_read_or_refused_with_its_path() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let reply: Reply = Arc::default();
    let (templates, base) =
        rt.block_on(async { (templates().await, reply_server(reply.clone()).await) });
    let client = client(&base);
    for (call, template) in templates {
        let ids = template_ids(call, &template);
        fuzz(call.name(), cases(40), case(), |case| {
            // Whether the reply still holds every item whole but for other fields than
            // their ids: then every item must be read.
            let mut lenient = false;
            let mut changed = Vec::new();
            let (status, cut, case) = match case {
                Case::Status(s, c) => (s, None, *c),
                Case::Cut(share) => {
                    let whole = serde_json::to_vec(&template).unwrap();
                    let at = whole.len() * usize::from(share) / 1000;
                    (200, Some(at), Case::Bytes(whole))
                }
                c => (200, None, c),
            };
            let body = match case {
                Case::Bytes(b) => b,
                Case::Json(v) => serde_json::to_vec(&v).unwrap(),
                Case::Status(..) | Case::Cut(_) => unreachable!("one level"),
                Case::Mutated(ms) => {
                    let mut doc = template.clone();
                    lenient = call.items().is_some();
                    for m in &ms {
                        // Half the mutations stay inside items, half go anywhere.
                        let inside = m.at % 2 == 0;
                        let at = mutate(&mut doc, m, |p| !inside || inside_an_item(call, p));
                        lenient &= at.as_ref().is_some_and(|p| inside_an_item(call, p));
                        changed.push(at);
                    }
                    serde_json::to_vec(&doc).unwrap()
                }
            };
            // Only a 200 read whole may be read leniently; any other status or a cut
            // reply must fail the call.
            let must_fail = !(200..300).contains(&status) || cut.is_some();
            lenient &= status == 200 && cut.is_none();
            *reply.lock().unwrap() = Answer {
                status,
                body: body.clone(),
                cut,
            };
            let got = rt
                .block_on(async {
                    tokio::time::timeout(Duration::from_secs(10), call.call(&client)).await
                })
                .map_err(|_| "the call hung".to_string())?;
            let shown = || {
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(600)
                    .collect::<String>()
            };
            match got {
                Ok(_) if must_fail => Err(format!(
                    "HTTP {status}, cut at {cut:?}, but the call succeeded: {}",
                    shown()
                )),
                Ok(read) if lenient && read != ids => Err(format!(
                    "items lost: read {read:?} of {ids:?} after changes at {changed:?} in {}",
                    shown()
                )),
                Ok(_) => Ok(()),
                Err(e) if lenient => Err(format!(
                    "refused a reply changed at {changed:?}: {e}\n{}",
                    shown()
                )),
                Err(e) => {
                    let message = e.to_string();
                    // An excerpt of the body is at most 160 characters and the ellipsis.
                    if let promua_sync::prom::PromError::Status { excerpt, .. }
                    | promua_sync::prom::PromError::Malformed { excerpt, .. } = &e
                        && excerpt.chars().count() > 161
                    {
                        return Err(format!(
                            "an excerpt of {} characters",
                            excerpt.chars().count()
                        ));
                    }
                    if message.contains(call.path())
                        || (status == 401
                            && matches!(e, promua_sync::prom::PromError::Unauthorized))
                    {
                        Ok(())
                    } else {
                        Err(format!(
                            "the error does not name {}: {message}",
                            call.path()
                        ))
                    }
                }
            }
        });
    }
}
