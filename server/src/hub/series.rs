//! Numeric series (the happiness feed, later any published series).
//!
//! Each series keeps its recent points and a broadcast channel of new ones. Points are
//! shared as `Arc<Point>` with each wire format encoded at most once. A subscriber takes
//! the recent points and its receiver under the same lock the publisher holds, so the
//! history and the live stream meet with no gap and no duplicate.

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, OnceLock, RwLock},
};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::{ProtocolError, SeriesName, ServerMsg, seed::Happiness};
use tokio::sync::broadcast;

/// Points kept per series for new subscribers.
pub const RECENT_POINTS: usize = 300;
/// Live points buffered per subscriber before it skips ahead.
const CHANNEL_CAPACITY: usize = 256;

/// One value of a series, with its encodings.
#[derive(Debug)]
pub struct Point {
    /// Which series.
    pub series: SeriesName,
    /// Milliseconds since the Unix epoch.
    pub t: u64,
    /// The value.
    pub value: f64,
    app: OnceLock<Utf8Bytes>,
    seed: OnceLock<Utf8Bytes>,
}

impl Point {
    /// A new point.
    pub fn new(series: SeriesName, t: u64, value: f64) -> Self {
        Self {
            series,
            t,
            value,
            app: OnceLock::new(),
            seed: OnceLock::new(),
        }
    }

    /// The `/ws` frame: `{"type":"point",...}`.
    pub fn app_frame(&self) -> Utf8Bytes {
        self.app
            .get_or_init(|| {
                ServerMsg::Point {
                    series: self.series.clone(),
                    t: self.t,
                    value: self.value,
                }
                .encode()
                .into()
            })
            .clone()
    }

    /// The seed happiness frame: `{"happiness":x}`.
    pub fn happiness_frame(&self) -> Utf8Bytes {
        self.seed
            .get_or_init(|| {
                serde_json::to_string(&Happiness {
                    happiness: self.value,
                })
                .expect("happiness serializes")
                .into()
            })
            .clone()
    }
}

#[derive(Debug)]
struct Series {
    tx: broadcast::Sender<Arc<Point>>,
    recent: Mutex<VecDeque<Arc<Point>>>,
}

/// A live subscription: the recent points, then the receiver for new ones.
#[derive(Debug)]
pub struct SeriesSubscription {
    /// Recent points, oldest first.
    pub recent: Vec<Arc<Point>>,
    /// New points from now on.
    pub live: broadcast::Receiver<Arc<Point>>,
}

/// All series of the server.
#[derive(Debug, Default)]
pub struct SeriesHub {
    series: RwLock<HashMap<SeriesName, Arc<Series>>>,
}

impl SeriesHub {
    /// Creates a series if it does not exist yet.
    pub fn declare(&self, name: &SeriesName) {
        let mut map = self.series.write().unwrap_or_else(|e| e.into_inner());
        map.entry(name.clone()).or_insert_with(|| {
            Arc::new(Series {
                tx: broadcast::channel(CHANNEL_CAPACITY).0,
                recent: Mutex::new(VecDeque::with_capacity(RECENT_POINTS)),
            })
        });
    }

    fn get(&self, name: &SeriesName) -> Result<Arc<Series>, ProtocolError> {
        let map = self.series.read().unwrap_or_else(|e| e.into_inner());
        map.get(name).cloned().ok_or_else(|| {
            let mut known: Vec<&str> = map.keys().map(SeriesName::as_str).collect();
            known.sort_unstable();
            ProtocolError::BadMessage(format!(
                "unknown series {:?}; available: {}",
                name.as_str(),
                known.join(", ")
            ))
        })
    }

    /// Appends a point and sends it to every subscriber.
    pub fn publish(&self, point: Point) -> Result<(), ProtocolError> {
        let series = self.get(&point.series)?;
        let point = Arc::new(point);
        let mut recent = series.recent.lock().unwrap_or_else(|e| e.into_inner());
        if recent.len() == RECENT_POINTS {
            recent.pop_front();
        }
        recent.push_back(point.clone());
        // No receivers is fine: nobody is watching right now.
        let _ = series.tx.send(point);
        Ok(())
    }

    /// Subscribes to a series: its recent points and its live stream, seamlessly.
    pub fn subscribe(&self, name: &SeriesName) -> Result<SeriesSubscription, ProtocolError> {
        let series = self.get(name)?;
        let recent = series.recent.lock().unwrap_or_else(|e| e.into_inner());
        Ok(SeriesSubscription {
            recent: recent.iter().cloned().collect(),
            live: series.tx.subscribe(),
        })
    }

    /// Number of live subscribers across all series.
    pub fn subscriber_count(&self) -> usize {
        let map = self.series.read().unwrap_or_else(|e| e.into_inner());
        map.values().map(|s| s.tx.receiver_count()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_get_history_then_live_points() {
        let hub = SeriesHub::default();
        let name = SeriesName::parse("happiness").unwrap();
        hub.declare(&name);
        hub.publish(Point::new(name.clone(), 1, 1.5)).unwrap();
        let mut sub = hub.subscribe(&name).unwrap();
        hub.publish(Point::new(name.clone(), 2, 2.5)).unwrap();
        assert_eq!(sub.recent.len(), 1);
        assert_eq!(
            sub.recent[0].happiness_frame().as_str(),
            r#"{"happiness":1.5}"#
        );
        assert_eq!(sub.live.recv().await.unwrap().value, 2.5);
        assert_eq!(hub.subscriber_count(), 1);
    }

    #[test]
    fn unknown_series_are_named_in_the_error() {
        let hub = SeriesHub::default();
        hub.declare(&SeriesName::parse("happiness").unwrap());
        let err = hub
            .subscribe(&SeriesName::parse("sadness").unwrap())
            .unwrap_err();
        assert!(err.to_string().contains("available: happiness"), "{err}");
    }
}
