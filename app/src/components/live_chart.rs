//! A live chart drawn on a canvas by our own Rust code, over a [`ChartModel`].
//!
//! Why not uPlot: uPlot is the speed anchor, and we match what it does for this
//! workload (one canvas, a min/max reduction per pixel column, redraws coalesced to
//! one per animation frame) without a second copy of every point in JavaScript and
//! without ~20 KB more to download: the points arrive in wasm, are kept in wasm, and
//! a 10,000-point series costs the same to draw as a 600-point one. What we need of
//! a chart library (time axis, tooltip, legend, several series, a rolling window,
//! pause) is a few hundred lines here, tested in `chart_model` without a browser.
//! The frame times are in BENCHMARKS.md.
//!
//! The server renders the frame (legend, controls, an empty canvas with its label);
//! the browser draws.

use leptos::prelude::*;

use super::chart_model::{ChartModel, XAxis};

/// A chart's handle: `Copy`; pages push points through it.
#[derive(Clone, Copy, Debug)]
pub struct Chart {
    model: StoredValue<ChartModel>,
    version: RwSignal<u64>,
}

impl Chart {
    /// A chart with these series `(name, colour, unit)`.
    pub fn new(
        axis: XAxis,
        window: Option<f64>,
        series: &[(&str, &'static str, &'static str)],
    ) -> Self {
        let mut model = ChartModel::new(axis, window);
        for (name, colour, unit) in series {
            model.add_series(name, colour, unit);
        }
        Self {
            model: StoredValue::new(model),
            version: RwSignal::new(0),
        }
    }

    /// Appends a point to series `series`.
    pub fn push(&self, series: usize, x: f64, value: f64) {
        self.model.update_value(|m| m.push(series, x, value));
        self.version.update(|v| *v += 1);
    }

    /// Empties series `series`.
    pub fn clear(&self, series: usize) {
        self.model.update_value(|m| m.clear(series));
        self.version.update(|v| *v += 1);
    }

    /// Adds a series; returns its index.
    pub fn add_series(&self, name: &str, colour: &'static str, unit: &'static str) -> usize {
        let i = self
            .model
            .try_update_value(|m| m.add_series(name, colour, unit))
            .unwrap_or(0);
        self.version.update(|v| *v += 1);
        i
    }

    /// Fixes the value range (a scale with known bounds, like happiness 0 to 10).
    pub fn with_y_range(self, lo: f64, hi: f64) -> Self {
        self.model.update_value(|m| m.y_fixed = Some((lo, hi)));
        self
    }

    /// Names the axes: what the values are (with their unit) and what runs along.
    pub fn with_axis_titles(self, y: &'static str, x: &'static str) -> Self {
        self.model.update_value(|m| m.axis_titles = Some((y, x)));
        self
    }

    /// Leaves series `series`'s latest value out of the legend (and its last point
    /// unmarked).
    pub fn without_latest(self, series: usize) -> Self {
        self.show_latest(series, false);
        self
    }

    /// Whether the legend gives series `series`'s latest value: not while it is no
    /// longer current (a runner without signal has no speed now).
    pub fn show_latest(&self, series: usize, on: bool) {
        let changed = self.model.try_update_value(|m| {
            m.series
                .get_mut(series)
                .is_some_and(|s| std::mem::replace(&mut s.show_latest, on) != on)
        });
        if changed == Some(true) {
            self.version.update(|v| *v += 1);
        }
    }

    /// Reads the model.
    pub fn with<T>(&self, f: impl FnOnce(&ChartModel) -> T) -> T {
        self.version.track();
        self.model.with_value(f)
    }

    fn set_window(&self, window: Option<f64>) {
        self.model.update_value(|m| m.window = window);
        self.version.update(|v| *v += 1);
    }

    fn toggle_pause(&self) {
        self.model.update_value(|m| {
            m.paused_at = match m.paused_at {
                Some(_) => None,
                None => m.x_range().map(|r| r.1),
            }
        });
        self.version.update(|v| *v += 1);
    }
}

const LEFT: f64 = 44.0;
const RIGHT: f64 = 10.0;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const TOP: f64 = 10.0;
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
const BOTTOM: f64 = 24.0;

/// The rolling windows offered on time charts.
pub const WINDOWS: [(&str, f64); 3] = [("1 min", 60e3), ("10 min", 600e3), ("1 h", 3_600e3)];

/// The chart, with its legend and (for time charts) window and pause controls.
#[component]
pub fn LiveChart(
    /// The data.
    chart: Chart,
    /// What the chart shows, for screen readers.
    label: String,
    /// Show the window selector and pause button.
    #[prop(default = true)]
    controls: bool,
    /// What the chart shows, in words under it.
    #[prop(optional, into)]
    caption: Option<String>,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    let hover = RwSignal::new(None::<f64>);
    let paused = move || chart.with(|m| m.paused_at.is_some());
    let window = move || chart.with(|m| m.window);
    #[cfg(feature = "hydrate")]
    draw::install(chart, canvas, hover);
    let tools = controls.then(|| {
        view! {
            <div class="chart-tools" role="group" aria-label="Time window">
                {WINDOWS.iter().map(|&(name, ms)| view! {
                    <button type="button" class="window" aria-pressed=move || (window() == Some(ms)).to_string()
                        on:click=move |_| chart.set_window(Some(ms))>{name}</button>
                }).collect_view()}
                <button type="button" class="pause" aria-pressed=move || paused().to_string()
                    on:click=move |_| chart.toggle_pause()>{move || if paused() { "Resume" } else { "Pause" }}</button>
            </div>
        }
    });
    let legend = move || {
        chart.with(|m| {
            m.series
                .iter()
                .map(|s| {
                    let latest = s.show_latest.then(|| {
                        s.points.back().map_or("–".to_owned(), |&(_, v)| {
                            format!("{v:.1} {}", s.unit).trim_end().to_owned()
                        })
                    });
                    view! {
                        <li><span class="swatch" style:background=s.colour></span>
                            <span class="name">{s.name.clone()}</span>" "
                            {latest.map(|l| view! { <span class="latest">{l}</span> })}</li>
                    }
                })
                .collect_view()
        })
    };
    let tip = move || {
        let x = hover.get()?;
        chart.with(|m| {
            let mut lines = Vec::new();
            let mut at = None;
            for (i, s) in m.series.iter().enumerate() {
                if let Some((px, v)) = m.nearest(i, x) {
                    at.get_or_insert(px);
                    lines.push(format!("{}: {v:.2} {}", s.name, s.unit));
                }
            }
            let at = at?;
            Some(view! {
                <div class="chart-tip" role="status">
                    <b>{m.x_label(at, 1000.0)}</b>
                    {lines.into_iter().map(|l| view! { <span>{l}</span> }).collect_view()}
                </div>
            })
        })
    };
    let (y_title, x_title) = chart.model.with_value(|m| m.axis_titles).unzip();
    view! {
        <figure class="chart">
            {tools}
            {y_title.map(|t| view! { <span class="axis-title y" aria-hidden="true">{t}</span> })}
            <div class="chart-box">
                <canvas node_ref=canvas role="img" aria-label=label
                    data-points=move || chart.with(ChartModel::len).to_string()
                    data-window=move || window().map_or("all".to_owned(), |w| format!("{}", w / 1000.0))
                    data-paused=move || paused().to_string()
                    on:pointermove=move |ev| {
                        let width = canvas.get_untracked().map_or(0.0, |el| f64::from(el.client_width()));
                        let x = f64::from(ev.offset_x());
                        let t = chart.model.with_value(|m| {
                            let (x0, x1) = m.x_range()?;
                            let k = ((x - LEFT) / (width - LEFT - RIGHT).max(1.0)).clamp(0.0, 1.0);
                            Some(x0 + k * (x1 - x0))
                        });
                        hover.set(t);
                    }
                    on:pointerleave=move |_| hover.set(None)></canvas>
                {tip}
            </div>
            {x_title.map(|t| view! { <span class="axis-title x" aria-hidden="true">{t}</span> })}
            <ul class="legend" aria-label="Series">{legend}</ul>
            {caption.map(|c| view! { <figcaption>{c}</figcaption> })}
        </figure>
    }
}

#[cfg(feature = "hydrate")]
mod draw {
    //! Painting the model onto the canvas, at most once per animation frame.

    use std::{cell::Cell, rc::Rc};

    use leptos::prelude::*;
    use wasm_bindgen::{JsCast, prelude::*};
    use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

    use super::Chart;
    use crate::components::chart_model::ChartModel;

    use super::{BOTTOM, LEFT, RIGHT, TOP};

    pub(super) fn install(
        chart: Chart,
        canvas: NodeRef<leptos::html::Canvas>,
        hover: RwSignal<Option<f64>>,
    ) {
        let pending = Rc::new(Cell::new(false));
        let frame: Rc<Closure<dyn FnMut()>> = {
            let pending = pending.clone();
            Rc::new(Closure::new(move || {
                pending.set(false);
                if let Some(el) = canvas.get_untracked() {
                    chart.model.with_value(|m| paint(&el, m));
                }
            }))
        };
        let request = {
            let frame = frame.clone();
            move || {
                if !pending.replace(true) {
                    let _ = window().request_animation_frame((*frame).as_ref().unchecked_ref());
                }
            }
        };
        let schedule = request.clone();
        Effect::new(move |_| {
            chart.version.track();
            canvas.track();
            schedule();
        });
        // Redraw on resize (rotation, side panel opening).
        let on_resize = Closure::<dyn FnMut()>::new(request);
        let _ =
            window().add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
        let stored = StoredValue::new_local(Some(on_resize));
        on_cleanup(move || {
            if let Some(Some(c)) = stored.try_update_value(Option::take) {
                let _ = window()
                    .remove_event_listener_with_callback("resize", c.as_ref().unchecked_ref());
            }
        });
        let _ = hover;
    }

    fn paint(el: &HtmlCanvasElement, m: &ChartModel) {
        let ratio = window().device_pixel_ratio().max(1.0);
        let (w, h) = (f64::from(el.client_width()), f64::from(el.client_height()));
        if w <= 0.0 || h <= 0.0 {
            return;
        }
        let (pw, ph) = ((w * ratio) as u32, (h * ratio) as u32);
        if el.width() != pw || el.height() != ph {
            el.set_width(pw);
            el.set_height(ph);
        }
        let Ok(Some(ctx)) = el.get_context("2d") else {
            return;
        };
        let Ok(ctx) = ctx.dyn_into::<CanvasRenderingContext2d>() else {
            return;
        };
        let _ = ctx.set_transform(ratio, 0.0, 0.0, ratio, 0.0, 0.0);
        ctx.clear_rect(0.0, 0.0, w, h);
        ctx.set_font("12px system-ui, sans-serif");
        let Some(range) = m.x_range() else {
            ctx.set_fill_style_str("#5b6770");
            ctx.set_text_align("center");
            let _ = ctx.fill_text("Waiting for data…", w / 2.0, h / 2.0);
            return;
        };
        let (y0, y1) = m.y_range(range);
        let plot_w = w - LEFT - RIGHT;
        let plot_h = h - TOP - BOTTOM;
        let y_of = |v: f64| TOP + (1.0 - (v - y0) / (y1 - y0)) * plot_h;
        // Grid and y labels.
        ctx.set_stroke_style_str("#e3e8ec");
        ctx.set_line_width(1.0);
        ctx.set_fill_style_str("#5b6770");
        ctx.set_text_align("right");
        for (v, label) in m.y_ticks((y0, y1)) {
            let y = y_of(v).round() + 0.5;
            ctx.begin_path();
            ctx.move_to(LEFT, y);
            ctx.line_to(w - RIGHT, y);
            ctx.stroke();
            let _ = ctx.fill_text(&label, LEFT - 6.0, y + 4.0);
        }
        // x labels.
        ctx.set_text_align("center");
        let max_ticks = (plot_w / 90.0).floor().max(2.0) as usize;
        for (x, label) in m.x_ticks(range, max_ticks) {
            let px = LEFT + (x - range.0) / (range.1 - range.0) * plot_w;
            // A label near an edge stays whole ("08:10", not "08:1"): about 7 px a
            // character at 12 px.
            let half = label.len() as f64 * 3.5;
            let _ = ctx.fill_text(&label, px.clamp(half, (w - half).max(half)), h - 6.0);
        }
        // Series, reduced to four values per pixel column.
        let cols_n = plot_w.max(1.0) as usize;
        ctx.set_line_width(1.6);
        ctx.set_line_join("round");
        for (i, s) in m.series.iter().enumerate() {
            let cols = m.columns(i, range, cols_n);
            if cols.is_empty() {
                continue;
            }
            ctx.set_stroke_style_str(s.colour);
            ctx.begin_path();
            for (k, c) in cols.iter().enumerate() {
                let x = LEFT + c.x as f64;
                if k == 0 {
                    ctx.move_to(x, y_of(c.first));
                } else {
                    ctx.line_to(x, y_of(c.first));
                }
                if c.min != c.max {
                    ctx.line_to(x, y_of(c.min));
                    ctx.line_to(x, y_of(c.max));
                }
                ctx.line_to(x, y_of(c.last));
            }
            ctx.stroke();
            if let Some(c) = cols.last().filter(|_| s.show_latest) {
                ctx.set_fill_style_str(s.colour);
                ctx.begin_path();
                let _ = ctx.arc(
                    LEFT + c.x as f64,
                    y_of(c.last),
                    3.5,
                    0.0,
                    std::f64::consts::TAU,
                );
                ctx.fill();
            }
        }
    }
}
