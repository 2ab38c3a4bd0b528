//! The application shell and its routes: `/` (runner map), `/dashboard` (live charts)
//! and `/room` (broadcast room), under one header with the connection status;
//! `/admin/monitor` under the console's header instead; and `/embed` (the map for
//! another site's iframe), without either.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::{
    components::{A, Route, Router, Routes},
    hooks::use_location,
    path,
};

use crate::{
    assets::AssetUrls,
    components::connection_status::{ConnectionStatus, OfflineBanner},
    live::LiveSocket,
    pages::{
        console::{header::ConsoleHeader, monitor::MonitorPage},
        dashboard::DashboardPage,
        embed::EmbedPage,
        room::RoomPage,
        runner_map::RunnerMapPage,
        track::TrackPage,
    },
};

/// The HTML document around [`App`], rendered by the server.
///
/// The static files are linked by the names `assets` gives them (hashed in release,
/// so browsers keep them). Leaflet is not linked here: only the map page uses it, and
/// its map loads it when it mounts, from the URLs on the root element.
pub fn shell(options: LeptosOptions, assets: AssetUrls) -> impl IntoView {
    let script = assets.hydration_script();
    view! {
        <!DOCTYPE html>
        <html lang="en" data-leaflet-js=assets.leaflet_js data-leaflet-css=assets.leaflet_css>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="description" content="Follow runners live on a map."/>
                <link rel="icon" type="image/svg+xml" href="/favicon.svg"/>
                <link rel="stylesheet" id="leptos" href=assets.css/>
                <link rel="modulepreload" href=assets.js/>
                <AutoReload options/>
                <script type="module">{script}</script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The whole app: one live socket for the tab, the header, and the routed page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    LiveSocket::provide();
    view! {
        <Title text="Spectate"/>
        <Router>
            <TopBar/>
            <OfflineBanner/>
            <main id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=RunnerMapPage/>
                    <Route path=path!("/dashboard") view=DashboardPage/>
                    <Route path=path!("/room") view=RoomPage/>
                    <Route path=path!("/track") view=TrackPage/>
                    <Route path=path!("/embed") view=EmbedPage/>
                    <Route path=path!("/admin/monitor") view=MonitorPage/>
                </Routes>
            </main>
        </Router>
    }
}

/// Which header a page has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    /// The spectators' (Map, Dashboard, Room).
    Spectators,
    /// The organiser's console's, on `/admin/...`.
    Console,
    /// None: `/embed`, a frame on the race's own site, is the map and the board alone.
    Bare,
}

/// The site's header: the spectators' on their pages, the console's on the console's,
/// none on `/embed`.
#[component]
fn TopBar() -> impl IntoView {
    let location = use_location();
    let frame = Memo::new(move |_| {
        location.pathname.with(|p| {
            if p.starts_with("/embed") {
                Frame::Bare
            } else if p.starts_with("/admin/") {
                Frame::Console
            } else {
                Frame::Spectators
            }
        })
    });
    move || {
        match frame.get() {
        Frame::Bare => None,
        Frame::Console => Some(
            view! {
                <a class="skip-link" href="#main" on:click=|ev| skip_to_main(&ev)>"Skip to content"</a>
                <ConsoleHeader/>
            }
            .into_any(),
        ),
        Frame::Spectators => Some(
            view! {
                <a class="skip-link" href="#main" on:click=|ev| skip_to_main(&ev)>"Skip to content"</a>
                <header class="topbar">
                    <a class="brand" href="/">"Spectate"</a>
                    <nav aria-label="Pages">
                        <A href="/" exact=true>"Map"</A>
                        <A href="/dashboard">"Dashboard"</A>
                        <A href="/room">"Room"</A>
                    </nav>
                    <ConnectionStatus/>
                </header>
            }
            .into_any(),
        ),
    }
    }
}

/// The skip link: focus moves to the page's content, past the header, so the next Tab
/// is inside it (the router would otherwise take the click for a navigation; without
/// JavaScript the link's own `#main` does the same).
fn skip_to_main(ev: &leptos::ev::MouseEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(main) = document()
            .get_element_by_id("main")
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            ev.prevent_default();
            let _ = main.focus();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Shown for unknown paths.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <section class="page">
            <h1>"Not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Back to the map"</a></p>
        </section>
    }
}
