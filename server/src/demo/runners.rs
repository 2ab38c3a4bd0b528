//! Simulated runners: ids `1..=N`, each at its own pace and start offset, lapping the
//! demo course and publishing a fix every interval through the hub's normal publish
//! path, so the demo exercises exactly what real phones do.

use std::{sync::Arc, time::Duration};

use spectate_app::protocol::{Publication, RunnerId};
use tokio::task::JoinHandle;

use crate::{
    config::DemoConfig,
    course::Course,
    hub::{Hub, every::every},
};

/// One simulated runner's plan.
#[derive(Clone, Debug)]
pub struct SimulatedRunner {
    /// The id it publishes as.
    pub id: RunnerId,
    /// Real-world speed in metres per second.
    pub speed_mps: f64,
    /// Where on the course it starts, in metres.
    pub start_m: f64,
}

/// Paces from about 7:00/km down to 4:10/km, spread around the course.
pub fn field(count: usize, course: &Course) -> Vec<SimulatedRunner> {
    (0..count)
        .map(|i| SimulatedRunner {
            id: RunnerId::parse(&(i + 1).to_string()).expect("integers are valid ids"),
            speed_mps: 2.4 + 1.6 * (i as f64 / count.max(2) as f64),
            start_m: course.length_m() * (i as f64 / count.max(1) as f64),
        })
        .collect()
}

/// Where `runner` is after `elapsed_s` seconds of simulated time (lapping the course).
pub fn distance_at(runner: &SimulatedRunner, course: &Course, elapsed_s: f64) -> f64 {
    (runner.start_m + runner.speed_mps * elapsed_s).rem_euclid(course.length_m())
}

/// Starts the simulation; it stops when the hub shuts down.
pub fn start(hub: Arc<Hub>, config: DemoConfig) -> JoinHandle<()> {
    let course = Course::demo();
    let runners = field(config.runners, &course);
    let started = tokio::time::Instant::now();
    let period = config.fix_interval.max(Duration::from_millis(50));
    every(hub, period, move |hub| {
        let elapsed = started.elapsed().as_secs_f64() * config.speed;
        for runner in &runners {
            let position = course.position_at(distance_at(runner, &course, elapsed));
            let fix = Publication::Fix {
                runner: runner.id.clone(),
                position,
            };
            if let Err(err) = hub.publish(fix, None) {
                tracing::warn!(%err, runner = %runner.id, "demo runner could not publish");
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runners_have_distinct_paces_and_lap_the_course() {
        let course = Course::demo();
        let runners = field(12, &course);
        assert_eq!(runners.len(), 12);
        assert_eq!(runners[0].id.as_str(), "1");
        assert!(runners.windows(2).all(|w| w[0].speed_mps < w[1].speed_mps));
        let lap = course.length_m() / runners[0].speed_mps;
        let d = distance_at(&runners[0], &course, lap + 10.0);
        assert!((d - runners[0].speed_mps * 10.0).abs() < 1e-6);
    }

    #[tokio::test(start_paused = true)]
    async fn publishes_every_runner_each_interval() {
        let hub = Arc::new(Hub::new(
            crate::config::Limits::default(),
            crate::auth::Access::open_for_tests(),
        ));
        let config = DemoConfig {
            runners: 3,
            speed: 10.0,
            fix_interval: Duration::from_secs(1),
        };
        let task = start(hub.clone(), config);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(hub.topics.latest_fixes().len(), 3);
        assert_eq!(hub.topics.counts().runners, 3);
        hub.begin_shutdown();
        task.await.unwrap();
    }
}
