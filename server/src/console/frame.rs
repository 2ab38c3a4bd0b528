//! The console's frame on its plain server-rendered pages: the stylesheet, and the
//! console's header (the event, the links of [`CONSOLE_LINKS`], who is signed in,
//! Sign out) above every page an organiser is signed in to. The Leptos pages draw the
//! same header from the same list (`spectate_app::pages::console::header`).
//!
//! How a page learns what to put in it without every handler passing it along:
//! [`scope`], a middleware in front of the console's routes, opens a request-scoped
//! frame (the path, the stylesheet's address, the event's name); the [`Organiser`]
//! extractor, which every signed-in page already runs, writes the organiser's name
//! into it ([`signed_in`]); and [`super::sign_in::page`], the one function every plain
//! console page is made by, reads it ([`header_now`]). A page made for nobody signed
//! in (the sign-in form) gets no header; a new console page gets it by being made by
//! `page` behind `Organiser`, nothing more.
//!
//! [`Organiser`]: super::guard::Organiser

use std::cell::RefCell;

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::Response,
};
use spectate_app::console_nav::{CONSOLE_LINKS, ConsoleFrame, current_link};

use super::sign_in::escape;
use crate::state::AppState;

/// What one request's page is framed with.
#[derive(Debug)]
struct Frame {
    /// The request's path: which link is the current page.
    path: String,
    /// The stylesheet's address (hashed in release builds).
    css: String,
    /// The header's words, once an organiser is known.
    frame: ConsoleFrame,
    /// Whether an organiser is signed in for this request.
    signed_in: bool,
}

tokio::task_local! {
    // A RefCell: one request's task reads and writes it, never across an await.
    static FRAME: RefCell<Frame>;
}

/// In front of the console's routes: opens the request's frame (see the module's
/// doc). Reads no store: who is signed in comes from the page's own `Organiser`.
pub(crate) async fn scope(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let frame = Frame {
        path: request.uri().path().to_owned(),
        css: state.assets.urls().css.clone(),
        frame: ConsoleFrame {
            organiser: String::new(),
            event: state.event().map(|e| e.name.clone()),
        },
        signed_in: false,
    };
    FRAME.scope(RefCell::new(frame), next.run(request)).await
}

/// The request being answered is organiser `name`'s (called by the `Organiser`
/// extractor; outside a console request it does nothing).
pub(crate) fn signed_in(name: &str) {
    let _ = FRAME.try_with(|f| {
        let mut f = f.borrow_mut();
        f.frame.organiser = name.to_owned();
        f.signed_in = true;
    });
}

/// The stylesheet's address for the page being made, if known.
pub(crate) fn stylesheet_now() -> Option<String> {
    FRAME.try_with(|f| f.borrow().css.clone()).ok()
}

/// The header for the page being made: empty unless an organiser is signed in.
pub(crate) fn header_now() -> String {
    FRAME
        .try_with(|f| {
            let f = f.borrow();
            if f.signed_in {
                header(&f.frame, &f.path)
            } else {
                String::new()
            }
        })
        .unwrap_or_default()
}

/// The console's header for the page at `path`, as HTML: the one function that builds
/// it for the plain pages (the Leptos header is its twin, over the same links).
pub(crate) fn header(frame: &ConsoleFrame, path: &str) -> String {
    let current = current_link(path).map(|l| l.href);
    let links: String = CONSOLE_LINKS
        .iter()
        .map(|link| {
            let here = if current == Some(link.href) {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!(
                "<li><a href=\"{}\"{here}>{}</a></li>",
                link.href, link.label
            )
        })
        .collect();
    let event = frame
        .event
        .as_deref()
        .map(|name| format!("<span class=\"console-event\">{}</span>", escape(name)))
        .unwrap_or_default();
    format!(
        "<header class=\"console-bar\">\
         <a class=\"console-home\" href=\"/admin\"><span class=\"console-title\">Console</span>{event}</a>\
         <nav aria-label=\"Console\"><ul>{links}</ul></nav>\
         <div class=\"console-who\"><span><span class=\"console-who-label\">Signed in as </span><strong id=\"organiser\">{who}</strong></span>\
         <form method=\"post\" action=\"/admin/sign-out\"><button type=\"submit\">Sign out</button></form>\
         </div></header>",
        who = escape(&frame.organiser),
    )
}

#[cfg(test)]
mod tests {
    use spectate_app::console_nav::{CONSOLE_LINKS, ConsoleFrame};

    use super::header;

    #[test]
    fn the_header_has_every_link_the_current_one_marked_and_names_escaped() {
        let frame = ConsoleFrame {
            organiser: "a<b".into(),
            event: Some("Run & fun".into()),
        };
        let html = header(&frame, "/admin/runners/7");
        for link in CONSOLE_LINKS {
            assert!(html.contains(&format!("href=\"{}\"", link.href)), "{html}");
        }
        assert!(html.contains("<a href=\"/admin/runners\" aria-current=\"page\">Runners</a>"));
        assert_eq!(html.matches("aria-current").count(), 1, "{html}");
        assert!(html.contains("<strong id=\"organiser\">a&lt;b</strong>"));
        assert!(html.contains("Run &amp; fun"));
        assert!(html.contains("action=\"/admin/sign-out\""));
    }
}
