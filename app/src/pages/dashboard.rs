//! `/dashboard`: live charts. The happiness series arrives with its recent points on
//! subscribe, then grows as values come; on reconnect the repeated history is skipped.

use leptos::prelude::*;

use crate::{
    components::line_chart::LineChart,
    live::LiveSocket,
    protocol::{ClientMsg, EventData, SeriesName, ServerMsg, Topic},
};

/// Points kept on screen per series.
const WINDOW: usize = 300;

/// The dashboard page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let series = SeriesName::parse("happiness").expect("valid series name");
    let points = RwSignal::new(Vec::<(u64, f64)>::new());
    let live = LiveSocket::expect();
    let wanted = series.clone();
    live.listen(
        move || {
            vec![ClientMsg::Subscribe {
                id: None,
                topics: vec![Topic::Series(series.clone())],
                resume: None,
            }]
        },
        move |msg| match msg {
            ServerMsg::Snapshot {
                topic: Topic::Series(series),
                resumed: false,
                ..
            } if *series == wanted => points.set(Vec::new()),
            ServerMsg::Event {
                topic: Topic::Series(series),
                data: EventData::Point { t, value },
                ..
            } if *series == wanted => {
                points.update(|pts| {
                    if pts.last().is_some_and(|&(last, _)| *t <= last) {
                        return;
                    }
                    if pts.len() == WINDOW {
                        pts.remove(0);
                    }
                    pts.push((*t, *value));
                });
            }
            _ => {}
        },
    );
    let latest =
        move || points.with(|p| p.last().map_or("–".to_owned(), |&(_, v)| format!("{v:.2}")));
    let count = move || points.with(Vec::len);
    view! {
        <section class="page dashboard-page">
            <h1>"Dashboard"</h1>
            <article class="card">
                <header class="card-head">
                    <h2>"Happiness"</h2>
                    <p class="figure"><span class="value" data-testid="happiness-latest">{latest}</span>
                        <span class="unit">" / 10"</span></p>
                </header>
                <LineChart points=points.into() y_min=0.0 y_max=10.0 label="Happiness over time"/>
                <p class="muted">{move || format!("{} values", count())}</p>
            </article>
        </section>
    }
}
