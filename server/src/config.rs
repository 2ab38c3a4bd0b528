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
    /// A private event: following needs a token too.
    pub private: bool,
    /// The event file (`--event`); demo mode uses the bundled one when unset.
    pub event: Option<PathBuf>,
    /// Stored fixes older than this are deleted (checked hourly); `None` keeps all.
    pub retention: Option<Duration>,
    /// The token signing secret; `None` keeps one in `<data_dir>/secret.key`.
    pub secret: Option<String>,
    /// Origins besides the server's own whose pages may present tokens.
    pub allowed_origins: Vec<String>,
    /// Sites that may show `/embed` in a frame, besides our own (`--embed-origin`).
    pub embed_origins: Vec<crate::http::framing::EmbedOrigin>,
    /// How often the happiness feed produces a value.
    pub happiness_interval: Duration,
    /// How often the `field` topic sends a frame (`--field-every-ms`).
    pub field_every: Duration,
    /// How often the leaderboard is computed and pushed (`--board-every-ms`).
    pub board_every: Duration,
    /// Limits every connection is held to.
    pub limits: Limits,
    /// Where the built site (`pkg/`, assets) is; `None` uses Leptos' default
    /// (`LEPTOS_SITE_ROOT`, else `target/site`).
    pub site_root: Option<PathBuf>,
    /// Cluster membership (`--redis-url`); `None` is a standalone node.
    pub cluster: Option<ClusterConfig>,
    /// Map tiles for the pages (`--tile-url`): a URL template with `{z}`, `{x}` and
    /// `{y}`, or `None` for a plain background (offline, tests).
    pub tiles: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: crate::proxy::TrustedProxies,
    /// HTTPS with this certificate and key (`--tls-cert`, `--tls-key`); `None`
    /// serves plain HTTP.
    pub tls: Option<crate::listener::tls::TlsFiles>,
    /// HTTPS with a certificate from ACME (`--acme-domain`), and the plain-HTTP
    /// listener for its challenges and the redirect.
    pub acme: Option<crate::listener::acme::AcmeConfig>,
    /// The organiser's console: session length and sign-in limits.
    pub console: crate::console::ConsoleConfig,
}

/// OpenStreetMap's standard tiles, the default; their use policy asks for the
/// attribution the map shows and for moderate use.
pub const OSM_TILES: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

/// Where the cluster's Redis is, and the names under which this cluster keeps its
/// state there.
#[derive(Clone, Debug)]
pub struct ClusterConfig {
    /// `redis://host:port[/db]`.
    pub redis_url: String,
    /// Prefix of every key and channel, so clusters can share one Redis.
    pub prefix: String,
}

/// The demo's simulated runners.
#[derive(Clone, Copy, Debug)]
pub struct DemoConfig {
    /// How many of the event's runners run (at most all of them).
    pub runners: usize,
    /// Seconds between two fixes of a simulated phone.
    pub fix_every: Duration,
}

impl Default for DemoConfig {
    fn default() -> Self {
        Self {
            runners: 12,
            fix_every: Duration::from_secs(2),
        }
    }
}

/// Per-connection and server-wide limits. Every one is a `spectate serve` option;
/// the defaults are documented there and in PROTOCOL.md.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest text frame accepted, in bytes; larger ones close the socket with 1009.
    pub max_frame_bytes: usize,
    /// Bytes queued per connection before it is cut off as a slow consumer (4008).
    pub outbox_bytes: usize,
    /// Bytes queued per connection past which runner fixes are conflated.
    pub conflate_after_bytes: usize,
    /// Topics one connection may subscribe to at once.
    pub max_topics_per_conn: usize,
    /// Topics the server keeps in memory.
    pub max_topics: usize,
    /// Events kept per topic for resume.
    pub history_events: usize,
    /// Events older than this leave the resume history.
    pub history_age: Duration,
    /// A runner's snapshot carries the fixes of this much recent time (its trail).
    pub trail: Duration,
    /// Open WebSocket connections in total.
    pub max_connections: usize,
    /// Open WebSocket connections from one client address.
    pub max_connections_per_ip: usize,
    /// Distinct topics the connections of one address without a token may hold.
    pub max_topics_per_ip: usize,
    /// Open HTTP connections (not yet upgraded) from one address.
    pub max_http_connections_per_ip: usize,
    /// Publishes a connection may send in a burst.
    pub publish_burst: u32,
    /// Publishes per second a connection may sustain.
    pub publish_per_second: f64,
    /// How often the server pings each socket.
    pub heartbeat: Duration,
    /// A socket silent (no frame, no pong) this long is closed with 4000.
    pub idle_timeout: Duration,
    /// A connection must send its complete request headers (the WebSocket handshake
    /// included) within this time, or it is closed.
    pub handshake_timeout: Duration,
    /// A request's whole body must arrive within this time, or it is answered 408.
    pub body_timeout: Duration,
    /// Set TCP_NODELAY on accepted sockets (lower latency, more CPU under fan-out).
    pub tcp_nodelay: bool,
    /// Fastest believable speed between two tracker fixes, m/s; faster jumps are
    /// dropped as GPS glitches.
    pub max_speed_mps: f64,
    /// Longest room message, in characters.
    pub room_max_chars: usize,
    /// Room messages a connection may send in a burst.
    pub room_burst: u32,
    /// Room messages per second a connection may sustain.
    pub room_per_second: f64,
    /// Unknown device ids one address may name on `/api/osmand` per minute (and at
    /// once); past it, every OsmAnd request from the address gets 429 for a while.
    pub unknown_devices_per_minute: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 64 * 1024,
            outbox_bytes: 1024 * 1024,
            conflate_after_bytes: 32 * 1024,
            max_topics_per_conn: 256,
            max_topics: 100_000,
            history_events: 256,
            history_age: Duration::from_secs(15 * 60),
            trail: Duration::from_secs(10 * 60),
            max_connections: 50_000,
            max_connections_per_ip: 1_000,
            max_topics_per_ip: 1_024,
            max_http_connections_per_ip: 256,
            publish_burst: 50,
            publish_per_second: 20.0,
            heartbeat: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            handshake_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(10),
            tcp_nodelay: false,
            max_speed_mps: 12.0,
            room_max_chars: 500,
            room_burst: 5,
            room_per_second: 1.0,
            unknown_devices_per_minute: 10,
        }
    }
}

impl Config {
    /// A server on a free loopback port, open publishing, no demo, fast happiness, and
    /// a data dir of its own (so no test sees another's stored fixes): what
    /// integration tests start from.
    pub fn for_tests() -> Self {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: std::env::temp_dir()
                .join("spectate-tests")
                .join(format!("{}-{n}", std::process::id())),
            demo: None,
            open_publishing: true,
            private: false,
            event: None,
            retention: None,
            secret: Some("test-secret-test-secret-test-secret!".to_owned()),
            allowed_origins: Vec::new(),
            embed_origins: Vec::new(),
            happiness_interval: Duration::from_millis(100),
            field_every: Duration::from_millis(100),
            // A read of the board right after a fix sees it (see `hub::board`).
            board_every: Duration::from_millis(1),
            limits: Limits::default(),
            site_root: None,
            cluster: None,
            tiles: None,
            trusted_proxies: crate::proxy::TrustedProxies::default(),
            tls: None,
            acme: None,
            console: Default::default(),
        }
    }
}

impl Config {
    /// Leptos' options: from cargo-leptos' environment when present, else its
    /// defaults, with our bound address and site root on top.
    pub fn leptos_options(
        &self,
        addr: SocketAddr,
    ) -> Result<leptos::config::LeptosOptions, String> {
        let mut options = leptos::config::get_configuration(None)
            .map_err(|e| e.to_string())?
            .leptos_options;
        options.site_addr = addr;
        if let Some(root) = &self.site_root {
            options.site_root = root.to_string_lossy().into_owned().into();
        }
        Ok(options)
    }
}
