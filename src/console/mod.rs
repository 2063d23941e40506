//! The seller's console: server-rendered pages at `/` of `[admin] listen`, beside the
//! JSON API. A session comes from logging in with the admin token; the pages act through
//! the same `BackOffice` the API does. One page per file; `guard` and `session` hold the
//! checks every request passes.

mod guard;
mod layout;
mod link_forms;
mod links;
mod login;
mod order_forms;
mod order_page;
mod order_text;
mod orders;
mod overview;
mod products;
mod rejected;
mod run_items;
mod runs;
mod session;
mod text;

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::backoffice::BackOffice;
use session::Sessions;
use text::Lang;

/// A form is a few fields: anything larger is no form of ours.
const FORM_LIMIT: usize = 16 << 10;

#[derive(Clone)]
pub(crate) struct Console {
    office: BackOffice,
    token: Arc<String>,
    sessions: Arc<Sessions>,
    suggestions: Arc<links::SuggestionCache>,
    /// The admin API's CSV limit: what a pasted CSV may hold, decoded.
    csv_limit: usize,
}

/// The console's routes, to merge into the admin router. `csv_limit`: the body limit of
/// the admin API's CSV routes, which the links CSV form shares.
pub(crate) fn routes<S>(office: BackOffice, token: Arc<String>, csv_limit: usize) -> Router<S> {
    let console = Console {
        office,
        token,
        sessions: Arc::new(Sessions::default()),
        suggestions: Arc::default(),
        csv_limit,
    };
    Router::new()
        .route("/", get(overview::show))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/jobs/{name}/run", post(overview::run))
        .route("/products", get(products::show))
        .route("/products/stock", post(products::set_stock))
        .route("/products/price", post(products::set_price))
        .route("/orders", get(orders::show))
        .route("/orders/{id}", get(order_page::show))
        .route("/orders/{id}/status", post(order_forms::set_status))
        .route("/orders/{id}/lines/{line}", post(order_forms::link_line))
        .route("/runs", get(runs::list))
        .route("/runs/{job}/{started}", get(runs::show))
        .route("/links", get(links::show))
        .route("/links/link", post(link_forms::link))
        .route("/links/accept", post(link_forms::accept))
        .route("/links/unlinked.csv", get(link_forms::export))
        .layer(axum::extract::DefaultBodyLimit::max(FORM_LIMIT))
        // A filled-in mapping is a file, not a few fields: the API's CSV limit, checked on
        // the decoded text; a form encodes a byte in up to 3.
        .merge(
            Router::new()
                .route("/links/apply", post(link_forms::apply))
                .layer(axum::extract::DefaultBodyLimit::max(
                    csv_limit.saturating_mul(3).saturating_add(FORM_LIMIT),
                )),
        )
        .layer(axum::middleware::from_fn_with_state(
            console.clone(),
            rejected::in_words,
        ))
        .layer(axum::middleware::map_response(hardened))
        .with_state(console)
}

/// Every console answer: never framed by another site (clickjacking), no script nor
/// outside resource (there are none), not cached (pages show the shop's data).
async fn hardened(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    for (name, value) in [
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.insert(name, header::HeaderValue::from_static(value));
    }
    resp
}

/// `?lang=` on any page.
#[derive(Deserialize, Default)]
pub(crate) struct LangQuery {
    lang: Option<String>,
}

/// Who is asking, in which language.
pub(crate) struct Visit {
    lang: Lang,
    /// The language was switched by this request: remember it.
    switched: bool,
    /// The live session's id and CSRF token.
    session: Option<(String, String)>,
}

impl Visit {
    fn of(console: &Console, headers: &HeaderMap, q: &LangQuery) -> Visit {
        let asked = q.lang.as_deref().and_then(Lang::parse);
        let kept = guard::cookie(headers, guard::LANG_COOKIE)
            .as_deref()
            .and_then(Lang::parse);
        let session = guard::cookie(headers, guard::SESSION_COOKIE)
            .and_then(|id| console.sessions.csrf(&id).map(|csrf| (id, csrf)));
        Visit {
            lang: asked.or(kept).unwrap_or(Lang::Uk),
            switched: asked.is_some(),
            session,
        }
    }

    fn csrf(&self) -> &str {
        self.session.as_ref().map_or("", |(_, c)| c.as_str())
    }

    /// `resp` with the language cookie when this request switched it.
    fn finish(&self, mut resp: Response) -> Response {
        if self.switched {
            let cookie = format!(
                "{}={}; SameSite=Strict; Path=/; Max-Age=31536000",
                guard::LANG_COOKIE,
                self.lang.code()
            );
            if let Ok(v) = cookie.parse() {
                resp.headers_mut().append(header::SET_COOKIE, v);
            }
        }
        resp
    }
}

/// A form's CSRF field (absent is empty, and refused).
#[derive(Deserialize, Default)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The checks of every POST but the login: from this console's pages, in a live
/// session, with that session's CSRF token. Refused: 403 and the reason in words.
fn check_post(console: &Console, headers: &HeaderMap, csrf: &str) -> Result<Visit, Box<Response>> {
    let visit = Visit::of(console, headers, &LangQuery::default());
    let ok = guard::same_origin(headers)
        && visit.session.as_ref().is_some_and(|(_, want)| {
            crate::domain::secret::is_token(csrf.as_bytes(), want.as_bytes())
        });
    if ok {
        Ok(visit)
    } else {
        Err(Box::new(forbidden(&visit)))
    }
}

fn forbidden(visit: &Visit) -> Response {
    let t = visit.lang.text();
    let body = layout::page(visit, t.console, maud::html! { p.error { (t.forbidden) } });
    (StatusCode::FORBIDDEN, body).into_response()
}

/// Pages are for sessions: anyone else goes to the login page.
fn to_login() -> Response {
    Redirect::to("/login").into_response()
}
