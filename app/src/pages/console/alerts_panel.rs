//! The monitor's alerts: every open alert, newest first, with who acknowledged it and
//! when, and the Acknowledge and Resolve buttons. An SOS nobody has acknowledged yet
//! is highlighted (a red, outlined card and a banner at the top, no sound), and one
//! that arrived while the page was open also pulses, unless the organiser's system
//! asks for reduced motion.

use leptos::prelude::*;

use super::monitor::Monitor;
use crate::{
    format,
    protocol::console::{Alert, Kind, Stage, Step},
};

/// The panel.
#[component]
pub fn AlertsPanel(monitor: Monitor) -> impl IntoView {
    let open = Memo::new(move |_| monitor.alerts.with(|a| a.open()));
    let sos_waiting = move || {
        open.with(|open| {
            open.iter()
                .filter(|a| a.kind == Kind::Sos && a.stage == Stage::Raised)
                .map(|a| who(monitor, a))
                .collect::<Vec<_>>()
        })
    };
    let title = move || {
        let n = open.with(Vec::len);
        match n {
            0 => "No open alerts".to_owned(),
            1 => "1 open alert".to_owned(),
            n => format!("{n} open alerts"),
        }
    };
    view! {
        <section class="monitor-alerts" aria-labelledby="alerts-title">
            <h2 id="alerts-title" tabindex="-1">"Alerts"</h2>
            {move || {
                let waiting = sos_waiting();
                (!waiting.is_empty()).then(|| view! {
                    <p class="sos-banner" role="alert" data-testid="sos-banner">
                        <strong>"SOS"</strong>" from " {waiting.join(", ")} ": not acknowledged yet"
                    </p>
                })
            }}
            <p class="muted" data-testid="alerts-count">
                {title} " · " {move || monitor.alerts.with(|a| a.resolved())} " resolved"
            </p>
            <ol class="alert-list">
                <For each=move || open.get() key=|a| (a.id, a.stage as u8)
                    children=move |alert| alert_view(monitor, &alert)/>
            </ol>
        </section>
    }
}

/// "7 (Ana Lopez)", or "7" before the rows are read (read again once they are: an
/// alert can arrive first).
fn who(monitor: Monitor, alert: &Alert) -> String {
    monitor.loaded.track();
    match monitor.name_of(&alert.runner) {
        Some(name) => format!("{} ({name})", alert.runner),
        None => alert.runner.to_string(),
    }
}

/// "Acknowledged by ana at 09:42".
fn step_text(verb: &str, step: &Step) -> String {
    format!("{verb} by {} at {}", step.by, clock(step.at_ms))
}

/// The time of day in the organiser's browser: the monitor is read on the spot.
fn clock(at_ms: u64) -> String {
    #[cfg(feature = "hydrate")]
    let offset_min = -(js_sys::Date::new_0().get_timezone_offset() as i32);
    #[cfg(not(feature = "hydrate"))]
    let offset_min = 0;
    let day = ((at_ms / 1000) as i64 + i64::from(offset_min) * 60).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}", day / 3600, day / 60 % 60, day % 60)
}

fn alert_view(monitor: Monitor, alert: &Alert) -> AnyView {
    let id = alert.id;
    let sos = alert.kind == Kind::Sos && alert.stage == Stage::Raised;
    let fresh = move || monitor.fresh.with(|f| f.contains(&id));
    let selected = move || monitor.selected.get() == Some(id);
    let raised_ms = alert.raised_ms;
    let ago = move || {
        let now = monitor.now_ms.get();
        (now > 0.0).then(|| format!(" ({})", format::ago(now as u64, raised_ms)))
    };
    let label = format!("{} {}", alert.kind.label(), alert.runner);
    let what = {
        let alert = alert.clone();
        move || who(monitor, &alert)
    };
    let acknowledged = alert
        .acknowledged
        .as_ref()
        .map(|s| step_text("Acknowledged", s));
    let can_acknowledge = alert.stage == Stage::Raised;
    view! {
        <li class="alert-card" class:alert-sos=sos class:alert-new=fresh class:selected=selected
            data-testid="alert" data-alert-id=id data-kind=alert.kind.as_str() data-runner=alert.runner.to_string()
            data-stage=if can_acknowledge { "raised" } else { "acknowledged" }>
            <p class="alert-what"><strong>{alert.kind.label()}</strong>" · runner " {what}</p>
            <p class="alert-when muted">"Raised at " {clock(raised_ms)} {ago}</p>
            {acknowledged.map(|text| view! { <p class="alert-ack" data-testid="alert-ack">{text}</p> })}
            <div class="alert-actions">
                {can_acknowledge.then(|| view! {
                    <button type="button" data-testid="acknowledge" aria-label=format!("Acknowledge: {label}")
                        on:click=move |_| monitor.advance(id, "acknowledge")>"Acknowledge"</button>
                })}
                <button type="button" data-testid="resolve" aria-label=format!("Resolve: {label}")
                    on:click=move |_| monitor.advance(id, "resolve")>"Resolve"</button>
                <button type="button" class="link-button" aria-pressed=move || selected().to_string()
                    on:click=move |_| monitor.selected.set(Some(id))>"Show on map"</button>
            </div>
        </li>
    }
    .into_any()
}
