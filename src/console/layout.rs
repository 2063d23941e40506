//! The frame of every console page: title, language switch, logout.

use maud::{DOCTYPE, Markup, html};

use super::Visit;

const STYLE: &str = "body{font-family:sans-serif;margin:2em;max-width:70em}\
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}\
.error{color:#a00}.bad{color:#a00}.ok{color:#070}nav{margin-bottom:1em}nav form{display:inline}";

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
                    strong { (t.console) } " · "
                    // To the overview (or, logged out, on to the login), which answers
                    // GET: after a form's POST the current URL does not.
                    a href="/?lang=uk" { "Українська" } " · "
                    a href="/?lang=en" { "English" }
                    @if visit.session.is_some() {
                        " · " a href="/" { (t.overview) }
                        " · " a href="/products" { (t.products) }
                        " · " a href="/links" { (t.links) } " · "
                        form method="post" action="/logout" {
                            input type="hidden" name="csrf" value=(visit.csrf());
                            button type="submit" { (t.logout) }
                        }
                    }
                }
                h1 { (title) }
                (body)
            }
        }
    }
}
