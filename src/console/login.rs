//! Logging in with the admin token, and out.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;

use super::{Console, CsrfForm, LangQuery, Visit, check_post, forbidden, guard, layout};

pub(super) async fn show(
    State(console): State<Console>,
    headers: HeaderMap,
    Query(q): Query<LangQuery>,
) -> Response {
    let visit = Visit::of(&console, &headers, &q);
    if visit.session.is_some() {
        return visit.finish(Redirect::to("/").into_response());
    }
    visit.finish(form(&visit, false).into_response())
}

fn form(visit: &Visit, wrong: bool) -> maud::Markup {
    let t = visit.lang.text();
    layout::page(
        visit,
        t.login_title,
        html! {
            @if wrong { p.error { (t.wrong_token) } }
            form method="post" action="/login" {
                label { (t.token_label) " " input type="password" name="token" autocomplete="current-password" autofocus; }
                " "
                button type="submit" { (t.login_button) }
            }
        },
    )
}

#[derive(Deserialize)]
pub(super) struct LoginForm {
    #[serde(default)]
    token: String,
}

/// The token is compared in constant time, as the API's bearer check does. The login
/// has no session to hold a CSRF token yet: its origin check stands for it.
pub(super) async fn submit(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Response {
    let visit = Visit::of(&console, &headers, &LangQuery::default());
    if !guard::same_origin(&headers) {
        return forbidden(&visit);
    }
    if !crate::domain::secret::is_token(f.token.trim().as_bytes(), console.token.as_bytes()) {
        return (StatusCode::UNAUTHORIZED, form(&visit, true)).into_response();
    }
    // A login from a browser that had a session ends that one.
    if let Some(old) = guard::cookie(&headers, guard::SESSION_COOKIE) {
        console.sessions.remove(&old);
    }
    let (id, _) = console.sessions.create();
    (
        [(header::SET_COOKIE, guard::session_cookie(&id))],
        Redirect::to("/"),
    )
        .into_response()
}

pub(super) async fn logout(
    State(console): State<Console>,
    headers: HeaderMap,
    Form(f): Form<CsrfForm>,
) -> Response {
    let visit = match check_post(&console, &headers, &f.csrf) {
        Ok(v) => v,
        Err(refused) => return *refused,
    };
    if let Some((id, _)) = &visit.session {
        console.sessions.remove(id);
    }
    (
        [(header::SET_COOKIE, guard::cleared_cookie())],
        Redirect::to("/login"),
    )
        .into_response()
}
