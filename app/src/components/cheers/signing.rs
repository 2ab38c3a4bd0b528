//! The name cheers are signed with: kept in the browser's storage, "Fan" and a number
//! for a spectator who never chose one; a runner's name for "for Ada Lovelace"; and
//! the small helpers the panel shares.

use leptos::prelude::*;

use crate::{protocol::RunnerId, race_data::RaceSignals};

#[cfg(feature = "hydrate")]
use crate::protocol::v1::check_name;

/// Where the browser keeps the name cheers are signed with.
#[cfg(feature = "hydrate")]
const NAME_KEY: &str = "spectate.cheer-name";

/// "A cheer's name …" from the protocol's "a cheer's name …".
pub(super) fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// Milliseconds since the Unix epoch (0 on the server, which never sends).
pub(super) fn now_ms() -> u64 {
    #[cfg(feature = "hydrate")]
    {
        js_sys::Date::now() as u64
    }
    #[cfg(not(feature = "hydrate"))]
    0
}

/// The name kept in the browser, or a new "Fan 123" (kept from then on).
pub(super) fn load_name(name: RwSignal<String>) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |first: Option<()>| {
        if first.is_some() {
            return;
        }
        let storage = window().local_storage().ok().flatten();
        let saved = storage
            .as_ref()
            .and_then(|s| s.get_item(NAME_KEY).ok().flatten())
            .filter(|n| check_name(n).is_ok());
        let chosen = saved.unwrap_or_else(|| {
            let fresh = format!("Fan {}", 100 + (js_sys::Math::random() * 900.0) as u32);
            save_name(&fresh);
            fresh
        });
        name.set(chosen);
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = name;
}

/// Keeps the name for the next visit.
pub(super) fn save_name(name: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(storage) = window().local_storage().ok().flatten() {
        let _ = storage.set_item(NAME_KEY, name);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = name;
}

/// A runner's name from the event ("Ada Lovelace"), else "runner 11".
pub(super) fn runner_name(race: Option<RaceSignals>, runner: &RunnerId) -> String {
    race.and_then(|race| {
        race.event.with(|e| {
            e.as_ref()
                .and_then(|e| e.entrant(runner))
                .map(|e| e.name.clone())
        })
    })
    .unwrap_or_else(|| format!("runner {runner}"))
}
