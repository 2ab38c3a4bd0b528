//! The console's header on its Leptos pages (`/admin/monitor`): the event, the
//! console's links ([`CONSOLE_LINKS`], the list the server's plain pages draw theirs
//! from), who is signed in, and Sign out. Shown instead of the spectators' header.
//!
//! Who is signed in is the server's to say: its guard of the console's pages puts a
//! [`ConsoleFrame`] in the request, the server render reads it, and the page carries it
//! to the browser inside itself (a shared value), so hydration draws the same header.

use leptos::prelude::*;
use leptos_router::hooks::use_location;

use crate::console_nav::{CONSOLE_LINKS, ConsoleFrame, current_link};

/// The header.
#[component]
pub fn ConsoleHeader() -> impl IntoView {
    let frame = SharedValue::new(|| {
        #[cfg(feature = "ssr")]
        {
            use_context::<http::request::Parts>()
                .and_then(|parts| parts.extensions.get::<ConsoleFrame>().cloned())
                .unwrap_or_default()
        }
        #[cfg(not(feature = "ssr"))]
        {
            ConsoleFrame::default()
        }
    })
    .into_inner();
    let location = use_location();
    let current = Memo::new(move |_| location.pathname.with(|p| current_link(p).map(|l| l.href)));
    // `rel="external"`: the other console pages are the server's, not the router's.
    let links = CONSOLE_LINKS
        .iter()
        .map(|link| {
            let here = move || (current.get() == Some(link.href)).then_some("page");
            view! {
                <li><a href=link.href rel="external" aria-current=here>{link.label}</a></li>
            }
        })
        .collect_view();
    view! {
        <header class="console-bar">
            <a class="console-home" href="/admin" rel="external">
                <span class="console-title">"Console"</span>
                {frame.event.map(|name| view! { <span class="console-event">{name}</span> })}
            </a>
            <nav aria-label="Console"><ul>{links}</ul></nav>
            <div class="console-who">
                <span>
                    <span class="console-who-label">"Signed in as "</span>
                    <strong id="organiser">{frame.organiser}</strong>
                </span>
                <form method="post" action="/admin/sign-out">
                    <button type="submit">"Sign out"</button>
                </form>
            </div>
        </header>
    }
}
