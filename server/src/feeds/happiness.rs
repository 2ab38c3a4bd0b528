//! The happiness feed: a value `0 <= x < 10` every interval (5 s by default), published
//! to the `happiness` series that `/happiness` and the dashboard read.

use std::{sync::Arc, time::Duration};

use spectate_app::protocol::{Publication, SeriesName};
use tokio::task::JoinHandle;

use crate::hub::{Hub, every::every};

/// The series the feed publishes to.
pub fn happiness_series() -> SeriesName {
    SeriesName::parse("happiness").expect("a valid series name")
}

/// A happiness value: uniform in `[0, 10)`, rounded down to two decimals so it stays
/// below 10 and reads well.
pub fn next_value(rng: &mut fastrand::Rng) -> f64 {
    (rng.f64() * 1000.0).floor() / 100.0
}

/// Declares the series and starts producing values until the hub shuts down.
pub fn start(hub: Arc<Hub>, interval: Duration) -> JoinHandle<()> {
    let series = happiness_series();
    let mut rng = fastrand::Rng::new();
    every(hub, interval, move |hub| {
        let point = Publication::Point {
            series: series.clone(),
            value: next_value(&mut rng),
        };
        // In a cluster, one node (the lease holder) produces the series for all.
        if hub.is_feed_leader() {
            let _ = hub.publish(point, None);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_stay_in_range() {
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..100_000 {
            let v = next_value(&mut rng);
            assert!((0.0..10.0).contains(&v), "{v}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn publishes_one_value_per_interval() {
        let hub = Arc::new(Hub::new(
            crate::config::Limits::default(),
            crate::auth::Access::open_for_tests(),
        ));
        let (outbox, mut rx) = crate::hub::outbox::outbox(hub.outbox_bounds());
        let subscriber = crate::hub::topics::Subscriber {
            outbox,
            format: crate::hub::WireFormat::Seed,
        };
        let topic = spectate_app::protocol::Topic::Series(happiness_series());
        hub.topics
            .subscribe(
                1,
                &topic,
                &subscriber,
                crate::hub::topics::StartFrom::Fresh,
                None,
            )
            .unwrap();
        let task = start(hub.clone(), Duration::from_secs(5));
        let mut batch = Vec::new();
        assert_eq!(rx.next(&mut batch).await, crate::hub::outbox::Next::Write);
        assert!(batch[0].frame.starts_with(r#"{"happiness":"#), "{batch:?}");
        // Paused clock: the next value comes exactly one interval later.
        let before = tokio::time::Instant::now();
        assert_eq!(rx.next(&mut batch).await, crate::hub::outbox::Next::Write);
        assert_eq!(batch.len(), 1);
        assert_eq!(before.elapsed(), Duration::from_secs(5));
        hub.begin_shutdown();
        task.await.unwrap();
    }
}
