//! Fault injection: random faults at set rates (from a seeded generator, so a test is
//! repeatable) and scripted one-shot faults for the next calls.

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::Sandbox;

/// Shares of API calls that fail, each in `0.0..=1.0`.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultRates {
    /// HTTP 500 with an HTML page.
    pub server_error: f64,
    /// HTTP 429 with `Retry-After`.
    pub rate_limited: f64,
    /// The connection is dropped before a response completes.
    pub dropped: f64,
    /// The call is processed, then the connection is dropped: Prom.ua applied it and the
    /// client never hears so (as [`ScriptedFault::DroppedAfterApply`]).
    pub dropped_after_apply: f64,
    /// The `Retry-After` of a 429, in seconds.
    pub retry_after_secs: u64,
    /// Seed of the generator that decides which calls fail.
    pub seed: u64,
}

/// Lasting ways the sandbox's Prom.ua behaves differently, to rehearse what the live API
/// may do (prom-api.md §10). Set with [`Sandbox::set_quirks`] or `PUT /__sandbox/quirks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Quirks {
    /// `products/edit` lists an item with `quantity_in_stock` in `processed_ids` and
    /// applies its other fields, but leaves its quantity unchanged;
    /// `products/edit_by_external_id` applies it.
    pub edit_ignores_quantity: bool,
    /// Both edit calls confirm a `price` and leave the price unchanged, as a shop whose
    /// own feed import owns prices would show it.
    pub edit_ignores_price: bool,
    /// Both edit calls confirm a `status` and leave the status unchanged (a hide Prom
    /// did not take, prom-api.md §10: a field may be confirmed and ignored).
    pub edit_ignores_status: bool,
    /// The forms of `orders/set_status` taken for a seller's own status (default both).
    pub custom_status_form: super::CustomStatusForm,
    /// `order_status_options/list` answers Prom's HTML 404, as on an account without it.
    pub status_options_missing: bool,
    /// `products/list` without `group_id` ends after this many products, as a listing
    /// cut short would (one seller saw group listings stop near 499, prom-api.md §10).
    pub default_listing_cap: Option<usize>,
    /// `products/list` answers at most this many products a page, whatever the `limit`
    /// (Prom's true maximum is not documented, prom-api.md §2).
    pub page_cap: Option<usize>,
    /// `products/list` with this `group_id` answers "Group not found", as for a group
    /// deleted between `groups/list` and its listing.
    pub refuse_group: Option<i64>,
    /// Every API call answers with its own `Authorization` header echoed back, as a
    /// debugging proxy or a chatty error page might: to prove the token stays out of
    /// every error text.
    pub echo_authorization: Option<EchoAuthorization>,
}

/// How [`Quirks::echo_authorization`] answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EchoAuthorization {
    /// HTTP 500 with a text page, the header placed so that a 160-character excerpt
    /// would end inside the token.
    ServerError,
    /// HTTP 200 with `{"error": "..."}` naming the header.
    ErrorKey,
}

/// The answer of [`Quirks::echo_authorization`] to a call that carried `auth`.
fn echo(form: EchoAuthorization, auth: &str) -> Response {
    match form {
        EchoAuthorization::ServerError => {
            // Padded with dots (an excerpt folds spaces) so that the token starts at
            // character 145: a 160-character excerpt ends 15 characters into it.
            let mut text = String::from(
                "Upstream request failed; the gateway received: Host: my.prom.ua, Accept: */*, Authorization:",
            );
            while text.chars().count() < 137 {
                text.push('.');
            }
            let text = format!("{text} {auth} (request id 7f3a)");
            (StatusCode::INTERNAL_SERVER_ERROR, text).into_response()
        }
        EchoAuthorization::ErrorKey => axum::Json(
            serde_json::json!({ "error": format!("Недійсний запит з заголовком Authorization: {auth}") }),
        )
        .into_response(),
    }
}

/// A fault for the next API call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptedFault {
    ServerError,
    RateLimited,
    Dropped,
    /// HTTP 200 with a body that is not JSON.
    Malformed,
    /// HTTP 200 with `{"error": "..."}`.
    ErrorKey,
    /// HTTP 404 with an HTML page.
    NotFound,
    /// HTTP 403 (a token without the needed scope).
    Forbidden,
    /// The call is processed, then the connection drops: the client never hears it worked.
    DroppedAfterApply,
    /// The call is processed; the answer lists its items in `processed_ids` *and* `errors`.
    ProcessedWithErrors,
    /// The call is processed; the answer's `processed_ids` is empty and `errors` too.
    Unconfirmed,
    /// The call is processed; the answer's `errors` and `warnings` are `null`.
    NullErrors,
    /// The call is processed; the answer's `errors` is a list of `{"id", field: message}`
    /// (`[]` when there are none), the shape some clients once had.
    ListErrors,
    /// The call is processed; the answer's `processed_ids` are text (`"123"`).
    TextIds,
    /// The call is processed; the answer's `processed_ids` is `null`.
    NullProcessedIds,
}

impl ScriptedFault {
    /// Faults that let the call through and then spoil what comes back.
    fn after_apply(self) -> bool {
        matches!(
            self,
            Self::DroppedAfterApply
                | Self::ProcessedWithErrors
                | Self::Unconfirmed
                | Self::NullErrors
                | Self::ListErrors
                | Self::TextIds
                | Self::NullProcessedIds
        )
    }
}

const HTML_500: &str = "<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1></body></html>";

pub(super) fn respond(fault: ScriptedFault, retry_after: u64) -> Response {
    match fault {
        ScriptedFault::ServerError => {
            (StatusCode::INTERNAL_SERVER_ERROR, Html(HTML_500)).into_response()
        }
        ScriptedFault::RateLimited => (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, retry_after.to_string())],
            Html("<html><body>Too Many Requests</body></html>"),
        )
            .into_response(),
        // A body that fails at once: the connection is cut before the response completes.
        ScriptedFault::Dropped => {
            let mut resp = Response::new(Body::from_stream(futures::stream::once(async {
                Err::<Bytes, _>(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "dropped by the sandbox",
                ))
            })));
            resp.extensions_mut().insert(super::record::Dropped);
            resp
        }
        ScriptedFault::Malformed => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            "{\"products\": [{\"id\": 1, \"name\": \"Обірва",
        )
            .into_response(),
        ScriptedFault::ErrorKey => {
            axum::Json(serde_json::json!({"error": "Внутрішня помилка сервісу"})).into_response()
        }
        ScriptedFault::NotFound => super::handlers::not_found_page(),
        ScriptedFault::Forbidden => (
            StatusCode::FORBIDDEN,
            Html("<html><body>403 Forbidden</body></html>"),
        )
            .into_response(),
        ScriptedFault::DroppedAfterApply
        | ScriptedFault::ProcessedWithErrors
        | ScriptedFault::Unconfirmed
        | ScriptedFault::NullErrors
        | ScriptedFault::ListErrors
        | ScriptedFault::TextIds
        | ScriptedFault::NullProcessedIds => {
            unreachable!("applied in `inject`")
        }
    }
}

/// Rewrites a processed call's answer as the fault says.
async fn spoil(fault: ScriptedFault, resp: Response) -> Response {
    if fault == ScriptedFault::DroppedAfterApply {
        return respond(ScriptedFault::Dropped, 0);
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    let mut v: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
    let processed = v.get("processed_ids").cloned().unwrap_or_default();
    let ids = processed.as_array().into_iter().flatten();
    match fault {
        ScriptedFault::ProcessedWithErrors => {
            for id in ids {
                let key = id.as_str().map_or_else(|| id.to_string(), str::to_string);
                v["errors"][key] = serde_json::json!({"presence": "Недопустиме значення"});
            }
        }
        ScriptedFault::Unconfirmed => v["processed_ids"] = serde_json::json!([]),
        ScriptedFault::NullErrors => {
            v["errors"] = serde_json::Value::Null;
            v["warnings"] = serde_json::Value::Null;
        }
        ScriptedFault::ListErrors => {
            let by_id = v["errors"].as_object().cloned().unwrap_or_default();
            v["errors"] = by_id
                .into_iter()
                .map(|(key, fields)| {
                    let mut item = fields.as_object().cloned().unwrap_or_default();
                    let id = key.parse::<i64>().map_or_else(|_| key.into(), Into::into);
                    item.insert("id".into(), id);
                    serde_json::Value::Object(item)
                })
                .collect();
        }
        ScriptedFault::TextIds => {
            let text: Vec<String> = ids
                .map(|id| id.as_str().map_or_else(|| id.to_string(), str::to_string))
                .collect();
            v["processed_ids"] = serde_json::json!(text);
        }
        ScriptedFault::NullProcessedIds => v["processed_ids"] = serde_json::Value::Null,
        _ => unreachable!("only faults applied after the call come here"),
    }
    axum::Json(v).into_response()
}

/// The random fault for a draw `r` in `0.0..1.0` at these rates: the shares are laid
/// end to end, so each is its own share of the calls.
fn drawn(rates: &FaultRates, r: f64) -> Option<ScriptedFault> {
    let shares = [
        (rates.server_error, ScriptedFault::ServerError),
        (rates.rate_limited, ScriptedFault::RateLimited),
        (rates.dropped, ScriptedFault::Dropped),
        (rates.dropped_after_apply, ScriptedFault::DroppedAfterApply),
    ];
    let mut end = 0.0;
    for (share, fault) in shares {
        end += share;
        if r < end {
            return Some(fault);
        }
    }
    None
}

/// Decides a fault for this call, if any: scripted ones first, then the random rates.
/// Each fault given is counted (see [`Sandbox::faults_injected`]).
pub(super) async fn inject(State(sb): State<Sandbox>, req: Request, next: Next) -> Response {
    if let Some(form) = sb.lock().quirks.echo_authorization {
        let auth = req
            .headers()
            .get(header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .unwrap_or_default();
        return echo(form, &auth);
    }
    let fault = {
        let mut st = sb.lock();
        let fault = match st.scripted.pop_front() {
            Some(f) => Some(f),
            None => {
                let r: f64 = st.rng.random();
                drawn(&st.faults, r)
            }
        };
        if let Some(f) = fault {
            *st.injected.entry(f).or_default() += 1;
        }
        fault
    };
    let mut resp = match fault {
        Some(f) if f.after_apply() => {
            let resp = next.run(req).await;
            spoil(f, resp).await
        }
        Some(f) => {
            let retry_after = sb.lock().faults.retry_after_secs;
            respond(f, retry_after)
        }
        None => return next.run(req).await,
    };
    if let Some(f) = fault {
        resp.extensions_mut().insert(super::record::Faulted(f));
    }
    resp
}

#[cfg(test)]
#[path = "faults_tests.rs"]
mod tests;
