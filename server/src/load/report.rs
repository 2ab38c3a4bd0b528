//! What a load run prints: counts, latency percentiles from an HDR histogram, and the
//! server's CPU and memory over the measured window.

use hdrhistogram::Histogram;
use serde::Serialize;

use super::proc_stats::ProcSample;

/// Latency percentiles, in milliseconds.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Latency {
    /// Samples recorded.
    pub samples: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// 99.9th percentile.
    pub p999_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl Latency {
    /// Percentiles of `micros` (latencies in microseconds).
    pub fn from_micros(micros: impl IntoIterator<Item = u32>) -> Option<Self> {
        // 1 µs to 100 s at 3 significant digits.
        let mut histogram = Histogram::<u64>::new_with_bounds(1, 100_000_000, 3).ok()?;
        for us in micros {
            histogram.saturating_record(u64::from(us.max(1)));
        }
        if histogram.is_empty() {
            return None;
        }
        let ms = |q: f64| histogram.value_at_quantile(q) as f64 / 1000.0;
        Some(Self {
            samples: histogram.len(),
            p50_ms: ms(0.5),
            p90_ms: ms(0.9),
            p95_ms: ms(0.95),
            p99_ms: ms(0.99),
            p999_ms: ms(0.999),
            max_ms: histogram.max() as f64 / 1000.0,
        })
    }
}

/// The server's usage over the measured window.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ServerUsage {
    /// CPU seconds (user + system) spent in the window.
    pub cpu_s: f64,
    /// RSS at the start of the window, KiB.
    pub rss_start_kib: u64,
    /// RSS at the end of the window, KiB.
    pub rss_end_kib: u64,
    /// Deliveries per CPU second of the server.
    pub deliveries_per_cpu_s: Option<f64>,
}

impl ServerUsage {
    /// Usage between two samples, given the deliveries in between.
    pub fn between(start: ProcSample, end: ProcSample, deliveries: u64) -> Self {
        let cpu_s = end.cpu_s - start.cpu_s;
        Self {
            cpu_s,
            rss_start_kib: start.rss_kib,
            rss_end_kib: end.rss_kib,
            deliveries_per_cpu_s: (cpu_s > 0.0).then(|| deliveries as f64 / cpu_s),
        }
    }
}

/// The JSON summary of one run.
#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// Which scenario.
    pub scenario: &'static str,
    /// Client sockets used.
    pub clients: usize,
    /// Seconds of the measured window.
    pub duration_s: f64,
    /// Messages published.
    pub sent: u64,
    /// Deliveries that should have happened.
    pub expected: u64,
    /// Distinct deliveries received.
    pub delivered: u64,
    /// Expected deliveries never received.
    pub lost: u64,
    /// Deliveries received more than once.
    pub duplicates: u64,
    /// Delivered per second of the window.
    pub deliveries_per_s: f64,
    /// Publish-to-receive latency.
    pub latency: Option<Latency>,
    /// The server's CPU and memory (with `--pid`).
    pub server: Option<ServerUsage>,
    /// Scenario-specific figures.
    pub details: serde_json::Value,
}

impl Summary {
    /// True if every expected delivery arrived exactly once.
    pub fn exact(&self) -> bool {
        self.lost == 0 && self.duplicates == 0 && self.delivered == self.expected
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_come_from_the_samples() {
        let latency = Latency::from_micros((1..=1000).map(|i| i * 1000)).unwrap();
        assert_eq!(latency.samples, 1000);
        assert!((latency.p50_ms - 500.0).abs() < 1.0, "{latency:?}");
        assert!((latency.p99_ms - 990.0).abs() < 1.0, "{latency:?}");
        assert!((latency.max_ms - 1000.0).abs() < 1.0, "{latency:?}");
        assert!(Latency::from_micros([]).is_none());
    }
}
