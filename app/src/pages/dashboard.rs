//! `/dashboard`: live charts. The happiness series; any published series, added by
//! name (or `?series=a,b`); and the hub's own figures (spectators online, messages
//! per second, from `/api/stats` every two seconds). Series arrive with their recent
//! points on subscribe, then grow as values come; on reconnect the repeated history
//! is skipped (a chart drops points at or before its last).

use leptos::{ev::SubmitEvent, prelude::*};
use leptos_router::hooks::use_query_map;

use crate::{
    components::{
        chart_model::XAxis,
        live_chart::{Chart, LiveChart},
    },
    live::LiveSocket,
    protocol::{ClientMsg, EventData, SeriesName, ServerMsg, Topic},
};

/// Colours of added series, in turn.
const COLOURS: [&str; 6] = [
    "#1971c2", "#c4400e", "#2b8a3e", "#7048e8", "#c2255c", "#e67700",
];
/// Series one dashboard may add.
const MAX_SERIES: usize = 6;
/// Polls (two seconds apart) the hub's message rate is taken over.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const RATE_POLLS: usize = 5;

/// The dashboard page.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let happiness = SeriesName::parse("happiness").expect("valid series name");
    let happy = Chart::new(
        XAxis::local_time(),
        Some(60e3),
        &[("Happiness", "#2b8a3e", "/ 10")],
    )
    .with_y_range(0.0, 10.0)
    .with_axis_titles("Happiness (0 to 10)", "Time of day");
    let hub = Chart::new(
        XAxis::local_time(),
        Some(600e3),
        &[("Online", "#1971c2", ""), ("Messages/s", "#c4400e", "")],
    )
    .with_axis_titles("Connections, messages per second", "Time of day");
    let others =
        Chart::new(XAxis::local_time(), Some(60e3), &[]).with_axis_titles("Value", "Time of day");
    let added = RwSignal::new(Vec::<SeriesName>::new());
    let notice = RwSignal::new(None::<String>);
    let query = use_query_map();
    // `?series=a,b` opens with those series.
    let initial: Vec<SeriesName> = query.with_untracked(|q| {
        q.get_str("series")
            .unwrap_or("")
            .split(',')
            .filter_map(|s| SeriesName::parse(s).ok())
            .filter(|s| s.as_str() != "happiness")
            .take(MAX_SERIES)
            .collect()
    });
    for (i, s) in initial.iter().enumerate() {
        others.add_series(s.as_str(), COLOURS[i % COLOURS.len()], "");
    }
    added.set(initial);

    let live = LiveSocket::expect();
    let wanted = happiness.clone();
    live.listen(
        move || {
            let mut topics = vec![Topic::Series(happiness.clone())];
            topics.extend(added.get_untracked().into_iter().map(Topic::Series));
            vec![ClientMsg::Subscribe {
                id: None,
                topics,
                resume: None,
            }]
        },
        move |msg| match msg {
            ServerMsg::Snapshot {
                topic: Topic::Series(series),
                resumed: false,
                ..
            } => {
                if *series == wanted {
                    happy.clear(0);
                } else if let Some(i) = added.with_untracked(|a| a.iter().position(|s| s == series))
                {
                    others.clear(i);
                }
            }
            ServerMsg::Event {
                topic: Topic::Series(series),
                data: EventData::Point { t, value },
                ..
            } => {
                if *series == wanted {
                    happy.push(0, *t as f64, *value);
                } else if let Some(i) = added.with_untracked(|a| a.iter().position(|s| s == series))
                {
                    others.push(i, *t as f64, *value);
                }
            }
            _ => {}
        },
    );
    hub_figures(hub);

    let draft = RwSignal::new(String::new());
    let on_add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let name = match SeriesName::parse(draft.get_untracked().trim()) {
            Ok(name) => name,
            Err(err) => {
                notice.set(Some(err.to_string()));
                return;
            }
        };
        if name.as_str() == "happiness" || added.with_untracked(|a| a.contains(&name)) {
            draft.set(String::new());
            return;
        }
        if added.with_untracked(Vec::len) >= MAX_SERIES {
            notice.set(Some(format!("At most {MAX_SERIES} series here.")));
            return;
        }
        notice.set(None);
        let i = added.with_untracked(Vec::len);
        others.add_series(name.as_str(), COLOURS[i % COLOURS.len()], "");
        added.update(|a| a.push(name.clone()));
        live.send(ClientMsg::Subscribe {
            id: None,
            topics: vec![Topic::Series(name)],
            resume: None,
        });
        draft.set(String::new());
    };

    let latest = move || {
        happy.with(|m| {
            m.series[0]
                .points
                .back()
                .map_or("–".to_owned(), |&(_, v)| format!("{v:.2}"))
        })
    };
    view! {
        <section class="page dashboard-page">
            <h1>"Dashboard"</h1>
            <article class="card">
                <header class="card-head">
                    <h2>"Happiness"</h2>
                    <p class="figure"><span class="value" data-testid="happiness-latest">{latest}</span>
                        <span class="unit">" / 10"</span></p>
                </header>
                <div class="happiness-chart">
                    <LiveChart chart=happy label="Happiness over time".to_owned()
                        caption="The crowd's happiness, from 0 (gloomy) to 10 (elated): the server's happiness feed, a new value every few seconds."/>
                </div>
            </article>
            <article class="card">
                <header class="card-head"><h2>"Hub"</h2></header>
                <div class="hub-chart">
                    <LiveChart chart=hub label="Spectators online and messages per second".to_owned()
                        caption="Open connections, and messages the hub delivers per second (averaged over the last 10 s)."/>
                </div>
            </article>
            <article class="card">
                <header class="card-head"><h2>"Series"</h2></header>
                <form class="row series-form" on:submit=on_add>
                    <label for="series-input" class="visually-hidden">"Series name"</label>
                    <input id="series-input" type="text" autocomplete="off" placeholder="Series name, e.g. heart-rate"
                        prop:value=move || draft.get() on:input=move |ev| draft.set(event_target_value(&ev))/>
                    <button type="submit">"Add"</button>
                </form>
                {move || notice.get().map(|n| view! { <p class="notice" role="alert">{n}</p> })}
                {move || added.with(Vec::is_empty).then(|| view! {
                    <p class="muted">"Add any series that publishers send to series:<name>."</p>
                })}
                <div class="series-chart">
                    <LiveChart chart=others label="Published series".to_owned()/>
                </div>
            </article>
        </section>
    }
}

/// Polls `/api/stats` every two seconds into `chart`: connections, and frames
/// delivered per second over the last [`RATE_POLLS`] polls (10 s).
///
/// The rate starts from the first full interval of 10 s after the page opened: the
/// poll in which it opened holds its own catch-up (the recent history of every series
/// it subscribed to, up to hundreds of frames at once), which would show as a spike of
/// a rate no one has; and it is taken over 10 s because a feed that ticks every 5 s
/// delivers nothing in most 2 s intervals, which read 0.0.
fn hub_figures(chart: Chart) {
    #[cfg(feature = "hydrate")]
    Effect::new(move |started: Option<()>| {
        if started.is_some() {
            return;
        }
        #[derive(serde::Deserialize)]
        struct Figures {
            connections: usize,
            delivered: u64,
        }
        // `(ms, frames delivered)` of the polls the rate is taken over; none until the
        // first poll, which only ends the page's opening interval.
        let polls = StoredValue::new(None::<std::collections::VecDeque<(f64, u64)>>);
        let poll = move || {
            leptos::task::spawn_local(async move {
                let Ok(response) = gloo_net::http::Request::get("/api/stats").send().await else {
                    return;
                };
                let Ok(f) = response.json::<Figures>().await else {
                    return;
                };
                let now = js_sys::Date::now();
                chart.push(0, now, f.connections as f64);
                let rate = polls.try_update_value(|polls| {
                    let Some(polls) = polls else {
                        *polls = Some(std::collections::VecDeque::new());
                        return None;
                    };
                    polls.push_back((now, f.delivered));
                    if polls.len() > RATE_POLLS + 1 {
                        polls.pop_front();
                    }
                    if polls.len() <= RATE_POLLS {
                        return None;
                    }
                    let (&(t0, d0), &(t1, d1)) = (polls.front()?, polls.back()?);
                    (t1 > t0).then(|| d1.saturating_sub(d0) as f64 / ((t1 - t0) / 1000.0))
                });
                if let Some(Some(rate)) = rate {
                    chart.push(1, now, rate);
                }
            });
        };
        poll();
        if let Ok(handle) = set_interval_with_handle(poll, std::time::Duration::from_secs(2)) {
            on_cleanup(move || handle.clear());
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = chart;
}
