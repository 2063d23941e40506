//! The frame of every console page: title, language switch, logout.

use maud::{DOCTYPE, Markup, html};

use super::Visit;

const STYLE: &str = include_str!("style.css");

pub fn page(visit: &Visit, title: &str, body: Markup) -> Markup {
    let t = visit.lang.text();
    html! {
        (DOCTYPE)
        html lang=(visit.lang.code()) {
            head {
                meta charset="utf-8";
                title { (title) " — " (t.console) }
                style { (STYLE) }
            }
            body {
                nav {
                    strong { (t.console) }
                    @if visit.session.is_some() {
                        a #nav-overview href="/" { (t.overview) }
                        a #nav-products href="/products" { (t.products) }
                        a #nav-links href="/links" { (t.links) }
                        a #nav-orders href="/orders" { (super::order_text::of(visit.lang).orders) }
                        a #nav-runs href="/runs" { (t.runs) }
                    }
                    // To the overview (or, logged out, on to the login), which answers
                    // GET: after a form's POST the current URL does not.
                    span.lang {
                        a href="/?lang=uk" { "Українська" } " · "
                        a href="/?lang=en" { "English" }
                    }
                    @if visit.session.is_some() {
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(visit.csrf());
                            button type="submit" { (t.logout) }
                        }
                    }
                }
                main {
                    h1 { (title) }
                    (body)
                }
            }
        }
    }
}
