//! "Share": a link to follow runners, handed to the phone's share sheet (the Web Share
//! API) where the browser has one, else copied to the clipboard with a visible "Link
//! copied". Where neither works (a page served over plain HTTP has no clipboard), the
//! link is shown, selected, to copy by hand.

use leptos::prelude::*;

/// What the last press of the button did, said on screen.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Note {
    /// The link is on the clipboard.
    Copied,
    /// Nothing could take it: here it is.
    CopyThis(String),
}

/// How long "Link copied" stays on screen.
#[cfg(feature = "hydrate")]
const NOTE_MS: u64 = 4000;

/// The button, and what it says once pressed.
#[component]
pub fn ShareButton(
    /// What to share: a path on this site, such as `/?follow=3,7`.
    #[prop(into)]
    path: Signal<String>,
    /// The title the share sheet shows.
    #[prop(into)]
    title: Signal<String>,
    /// The button's accessible name ("Share a link to follow Ada Lovelace").
    #[prop(into)]
    label: Signal<String>,
) -> impl IntoView {
    let note = RwSignal::new(None::<Note>);
    let press = move |_| {
        #[cfg(feature = "hydrate")]
        browser::share(&path.get_untracked(), &title.get_untracked(), note);
        #[cfg(not(feature = "hydrate"))]
        let _ = (path, title);
    };
    let said = move || match note.get() {
        Some(Note::Copied) => {
            Some(view! { <span class="share-note">"Link copied"</span> }.into_any())
        }
        Some(Note::CopyThis(url)) => Some(
            view! {
                <label class="share-note share-manual">"Copy this link: "
                    <input class="share-link" type="text" readonly=true value=url
                        on:focus=move |ev| {
                            #[cfg(feature = "hydrate")]
                            browser::select(&ev);
                            #[cfg(not(feature = "hydrate"))]
                            let _ = ev;
                        }/>
                </label>
            }
            .into_any(),
        ),
        None => None,
    };
    view! {
        <span class="share-box">
            <button type="button" class="share" aria-label=label title="Share" on:click=press>
                <span aria-hidden="true">"⤴"</span><span class="share-word">" Share"</span>
            </button>
            <span class="share-said" role="status" aria-live="polite">{said}</span>
        </span>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    //! The Web Share API and the clipboard, looked up at run time: both are missing
    //! in some browsers (and the clipboard on pages without HTTPS).

    use js_sys::{Function, Object, Promise, Reflect};
    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, JsValue, closure::Closure};

    use super::{NOTE_MS, Note};

    /// The method `name` of `target`, if it has one.
    fn method(target: &JsValue, name: &str) -> Option<Function> {
        Reflect::get(target, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
    }

    /// Runs `then` or `or` once `promise` settles.
    fn settle(
        promise: &Promise,
        then: impl FnOnce() + 'static,
        or: impl FnOnce(JsValue) + 'static,
    ) {
        let ok = Closure::once_into_js(move |_: JsValue| then());
        let err = Closure::once_into_js(or);
        let promise: &JsValue = promise;
        if let Some(then) = method(promise, "then") {
            let _ = then.call2(promise, &ok, &err);
        }
    }

    /// Selects the text of the event's target (the link shown to copy by hand).
    pub(super) fn select(ev: &leptos::ev::FocusEvent) {
        if let Some(target) = ev.target() {
            let target: JsValue = target.into();
            if let Some(select) = method(&target, "select") {
                let _ = select.call0(&target);
            }
        }
    }

    pub(super) fn share(path: &str, title: &str, note: RwSignal<Option<Note>>) {
        let origin = window().location().origin().unwrap_or_default();
        let url = format!("{origin}{path}");
        let navigator: JsValue = window().navigator().into();
        if let Some(share) = method(&navigator, "share") {
            let data = Object::new();
            let _ = Reflect::set(&data, &"title".into(), &title.into());
            let _ = Reflect::set(&data, &"url".into(), &url.as_str().into());
            if let Ok(promise) = share.call1(&navigator, &data)
                && let Ok(promise) = promise.dyn_into::<Promise>()
            {
                let fallback = url.clone();
                settle(
                    &promise,
                    || {},
                    move |err| {
                        // Closing the share sheet is the user's choice, not a failure.
                        let name = Reflect::get(&err, &"name".into())
                            .ok()
                            .and_then(|n| n.as_string());
                        if name.as_deref() != Some("AbortError") {
                            copy(&fallback, note);
                        }
                    },
                );
                return;
            }
        }
        copy(&url, note);
    }

    fn copy(url: &str, note: RwSignal<Option<Note>>) {
        let navigator: JsValue = window().navigator().into();
        let clipboard = Reflect::get(&navigator, &"clipboard".into()).unwrap_or(JsValue::UNDEFINED);
        let manual = url.to_owned();
        let written = method(&clipboard, "writeText")
            .and_then(|write| write.call1(&clipboard, &url.into()).ok())
            .and_then(|p| p.dyn_into::<Promise>().ok());
        let Some(promise) = written else {
            note.set(Some(Note::CopyThis(manual)));
            return;
        };
        settle(
            &promise,
            move || {
                note.set(Some(Note::Copied));
                set_timeout(
                    move || {
                        if note.try_get_untracked() == Some(Some(Note::Copied)) {
                            note.set(None);
                        }
                    },
                    std::time::Duration::from_millis(NOTE_MS),
                );
            },
            move |_| note.set(Some(Note::CopyThis(manual))),
        );
    }
}
