//! `/room`: the broadcast room on its own page ([`Cheers`] to everyone). What you
//! send goes to everyone else (including seed clients on the `/room` socket); you see
//! your own line immediately.

use leptos::prelude::*;

use crate::{components::cheers::Cheers, protocol::RunnerId};

/// The room page.
#[component]
pub fn RoomPage() -> impl IntoView {
    view! {
        <section class="page room-page">
            <h1>"Room"</h1>
            <Cheers runners=Signal::derive(Vec::<RunnerId>::new)/>
        </section>
    }
}
