//! The server's configuration, in one place: what `spectate serve` is told, with the
//! defaults that the README documents.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Everything [`crate::startup::Application::build`] needs.
#[derive(Clone, Debug)]
pub struct Config {
    /// Where to listen; port 0 picks a free port (tests).
    pub addr: SocketAddr,
    /// Where persistent data lives (created at start).
    pub data_dir: PathBuf,
    /// Simulated runners, when the demo is on.
    pub demo: Option<DemoConfig>,
    /// Whether anyone may publish fixes without a token (always true in demo mode).
    pub open_publishing: bool,
    /// The token signing secret; `None` keeps one in `<data_dir>/secret.key`.
    pub secret: Option<String>,
    /// Origins besides the server's own whose pages may present tokens.
    pub allowed_origins: Vec<String>,
    /// How often the happiness feed produces a value.
    pub happiness_interval: Duration,
    /// Limits every connection is held to.
    pub limits: Limits,
    /// Where the built site (`pkg/`, assets) is; `None` uses Leptos' default
    /// (`LEPTOS_SITE_ROOT`, else `target/site`).
    pub site_root: Option<PathBuf>,
}

/// The demo's simulated runners.
#[derive(Clone, Copy, Debug)]
pub struct DemoConfig {
    /// How many runners move along the bundled course (ids 1..=runners).
    pub runners: usize,
    /// Time-lapse factor: 10 means a runner covers ten seconds of ground per second.
    pub speed: f64,
    /// How often each runner publishes a fix.
    pub fix_interval: Duration,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            runners: 12,
            speed: 10.0,
            fix_interval: Duration::from_secs(1),
        }
    }
}

/// Per-connection and server-wide limits.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest text frame accepted, in bytes; larger ones close the socket with 1009.
    pub max_frame_bytes: usize,
    /// Frames queued per connection before it counts as a slow consumer (close 4008).
    pub outbox_frames: usize,
    /// Runners one connection may follow.
    pub max_follows_per_conn: usize,
    /// Runners the server tracks in memory.
    pub max_runners: usize,
    /// Longest room message, in characters.
    pub room_max_chars: usize,
    /// Room messages a connection may send in a burst.
    pub room_burst: u32,
    /// Room messages per second a connection may sustain.
    pub room_per_second: f64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            outbox_frames: 1024,
            max_follows_per_conn: 256,
            max_runners: 100_000,
            room_max_chars: 500,
            room_burst: 5,
            room_per_second: 1.0,
        }
    }
}

impl Config {
    /// A server on a free loopback port, open publishing, no demo, fast happiness:
    /// what integration tests start from.
    pub fn for_tests() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: std::env::temp_dir().join("spectate-test-data"),
            demo: None,
            open_publishing: true,
            secret: Some("test-secret-test-secret-test-secret!".to_owned()),
            allowed_origins: Vec::new(),
            happiness_interval: Duration::from_millis(100),
            limits: Limits::default(),
            site_root: None,
        }
    }
}
