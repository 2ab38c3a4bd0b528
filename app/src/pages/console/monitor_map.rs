//! The monitor's map: each open alert where it was raised (red for an SOS, amber for
//! the others), with its runner's last positions as a short trail
//! (`/admin/runners/{bib}/trail.json`), over the course line. "Show on map" on an
//! alert zooms to it.
//!
//! Leaflet is loaded as the spectators' map loads it ([`leaflet_loader`]), when this
//! map mounts. The server renders an empty frame; the map is the browser's. The
//! element says what it drew (`data-alerts-drawn`, `data-trail-points`).
//!
//! [`leaflet_loader`]: crate::components::leaflet_loader

use leptos::prelude::*;

use super::monitor::Monitor;
use crate::race_data::RaceSignals;

/// Alerts drawn with their trails at most: each trail is one request.
pub const MAX_TRAILS: usize = 20;

/// The map.
#[component]
pub fn MonitorMap(monitor: Monitor, race: RaceSignals) -> impl IntoView {
    let container = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    draw::start(monitor, race, container);
    #[cfg(not(feature = "hydrate"))]
    let _ = (monitor, race);
    view! {
        <div class="monitor-map" node_ref=container data-testid="monitor-map"
            role="region" aria-label="Map of the open alerts"></div>
    }
}

#[cfg(feature = "hydrate")]
mod draw {
    use std::{cell::RefCell, collections::HashMap};

    use leptos::prelude::*;

    use super::{MAX_TRAILS, Monitor};
    use crate::{
        components::{leaflet as l, leaflet_loader},
        protocol::{
            RunnerId,
            console::{Alert, Kind, Trail},
        },
        race_data::RaceSignals,
    };

    /// The map and what is drawn on it.
    struct Drawn {
        map: l::Map,
        layers: Vec<l::Layer>,
        trails: HashMap<RunnerId, Vec<(f64, f64)>>,
    }

    thread_local! {
        static DRAWN: RefCell<Option<Drawn>> = const { RefCell::new(None) };
    }

    pub(super) fn start(
        monitor: Monitor,
        race: RaceSignals,
        container: NodeRef<leptos::html::Div>,
    ) {
        let ready = RwSignal::new(false);
        // Bumped when trails arrive: the map is drawn again.
        let trails_in = RwSignal::new(0u32);
        Effect::new(move |started: Option<bool>| {
            if started == Some(true) {
                return true;
            }
            let Some(div) = container.get() else {
                return false;
            };
            leptos::task::spawn_local(async move {
                if leaflet_loader::ensure().await && mount(&div, race) {
                    ready.set(true);
                }
            });
            true
        });
        on_cleanup(|| {
            DRAWN.with(|d| {
                if let Some(drawn) = d.borrow_mut().take() {
                    drawn.map.remove();
                }
            })
        });
        // The trails of the open alerts' runners, read again whenever the alerts change.
        Effect::new(move |_| {
            let runners: Vec<RunnerId> = monitor.alerts.with(|a| {
                let mut runners: Vec<RunnerId> = a.open().into_iter().map(|a| a.runner).collect();
                runners.sort();
                runners.dedup();
                runners.truncate(MAX_TRAILS);
                runners
            });
            if !ready.get() {
                return;
            }
            for runner in runners {
                leptos::task::spawn_local(async move {
                    let url = format!("/admin/runners/{runner}/trail.json");
                    let Ok(response) = gloo_net::http::Request::get(&url).send().await else {
                        return;
                    };
                    let Ok(trail) = response.json::<Trail>().await else {
                        return;
                    };
                    let points = trail.points.iter().map(|p| (p.lat, p.lng)).collect();
                    DRAWN.with(|d| {
                        if let Some(drawn) = d.borrow_mut().as_mut() {
                            drawn.trails.insert(trail.runner, points);
                        }
                    });
                    trails_in.update(|n| *n += 1);
                });
            }
        });
        Effect::new(move |_| {
            trails_in.track();
            let open = monitor.alerts.with(|a| a.open());
            let selected = monitor.selected.get();
            if ready.get() {
                redraw(&container, &open, selected);
            }
        });
    }

    /// Makes the map in `div`, with the tiles and the course line; false without
    /// Leaflet.
    fn mount(div: &web_sys::HtmlDivElement, race: RaceSignals) -> bool {
        let Ok(map) = l::new_map(div, &l::options(r#"{"zoomControl":true,"minZoom":2}"#)) else {
            return false;
        };
        if let Some(url) = race.tiles.get_untracked() {
            let opts = l::options(
                r#"{"maxZoom":19,"attribution":"&copy; <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a> contributors"}"#,
            );
            l::tile_layer(&url, &opts).add_to(&map);
        } else {
            let _ = div.class_list().add_1("no-tiles");
        }
        let line: Vec<(f64, f64)> = race.event.with_untracked(|e| {
            e.as_ref()
                .map(|e| e.line.iter().map(|p| (p[0], p[1])).collect())
                .unwrap_or_default()
        });
        if line.len() >= 2 {
            let course = l::latlngs(line);
            l::polyline(
                &course,
                &l::options(r##"{"color":"#5b6b7b","weight":3,"opacity":0.7}"##),
            )
            .add_to(&map);
            map.fit_bounds(&course, &l::options(r#"{"padding":[12,12]}"#));
        } else {
            map.set_view(&l::latlng(20.0, 0.0), 2.0);
        }
        DRAWN.with(|d| {
            *d.borrow_mut() = Some(Drawn {
                map,
                layers: Vec::new(),
                trails: HashMap::new(),
            })
        });
        true
    }

    /// Draws `open` again (few alerts: clearing and drawing is simplest), zooming to
    /// the selected one.
    fn redraw(container: &NodeRef<leptos::html::Div>, open: &[Alert], selected: Option<i64>) {
        let (mut markers, mut points) = (0usize, 0usize);
        DRAWN.with(|d| {
            let mut d = d.borrow_mut();
            let Some(drawn) = d.as_mut() else {
                return;
            };
            drawn.layers.drain(..).for_each(|layer| layer.remove());
            // Oldest first, so the newest is drawn on top.
            for alert in open.iter().rev() {
                let colour = if alert.kind == Kind::Sos {
                    "#c62828"
                } else {
                    "#e08a00"
                };
                let (lat, lng) = (alert.position.lat(), alert.position.lng());
                let trail = drawn.trails.get(&alert.runner).cloned().unwrap_or_default();
                points += trail.len();
                if trail.len() >= 2 {
                    let opts = l::options(r#"{"weight":3,"opacity":0.8,"dashArray":"4 4"}"#);
                    l::set(&opts, "color", colour);
                    drawn
                        .layers
                        .push(l::polyline(&l::latlngs(trail.clone()), &opts).add_to(&drawn.map));
                }
                let opts =
                    l::options(r##"{"radius":9,"weight":3,"color":"#fff","fillOpacity":0.95}"##);
                l::set(&opts, "fillColor", colour);
                drawn
                    .layers
                    .push(l::circle_marker(&l::latlng(lat, lng), &opts).add_to(&drawn.map));
                markers += 1;
                if selected == Some(alert.id) {
                    let mut around = trail;
                    around.push((lat, lng));
                    drawn.map.fit_bounds(
                        &l::latlngs(around),
                        &l::options(r#"{"padding":[24,24],"maxZoom":16}"#),
                    );
                }
            }
        });
        if let Some(div) = container.get_untracked() {
            let _ = div.set_attribute("data-alerts-drawn", &markers.to_string());
            let _ = div.set_attribute("data-trail-points", &points.to_string());
        }
    }
}
