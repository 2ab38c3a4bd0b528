//! The `spectate` command line: `spectate serve` and its options; `spectate token`'s
//! are in `cli/token.rs`, each other command's beside its code.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::{ClusterConfig, Config, DemoConfig, Limits};

mod token;

pub use token::TokenArgs;

/// Spectate: live runner tracking for spectators.
#[derive(Debug, Parser)]
#[command(name = "spectate", version, about)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server: pages, sockets, feeds.
    Serve(Box<ServeArgs>),
    /// Print a signed token (for a runner, or a role) that this server will accept.
    Token(TokenArgs),
    /// Load a running server (Spectate or a peer) and print a JSON summary.
    Load(crate::load::LoadArgs),
    /// Work with event files.
    #[command(subcommand)]
    Event(EventCommand),
    /// Run an event's runners along its course against a running server, through
    /// the real ingestion paths (OsmAnd, OwnTracks, WebSocket).
    Simulate(crate::simulate::SimulateArgs),
    /// Play a finished event (stored fixes) or a recorded GPX again through a running
    /// server, at x1 to x60.
    Replay(crate::replay::ReplayArgs),
    /// Copy the store (fixes, splits, signing secret) into one file, while the server runs.
    Backup(crate::backup::BackupArgs),
    /// Put a backup into a new, empty data directory.
    Restore(crate::backup::RestoreArgs),
    /// Manage the organisers who may sign in to the console (/admin).
    #[command(subcommand)]
    Admin(crate::console::add_user::AdminCommand),
}

/// `spectate event ...`.
#[derive(Debug, Subcommand)]
pub enum EventCommand {
    /// Check an event file and print what it sets up; every problem is listed with its
    /// line (exit status 2 if there is any).
    Check {
        /// The event file (TOML).
        file: PathBuf,
    },
    /// Print the event as the server's store holds it (the event file's settings, and
    /// the field with the console's changes) as an event file.
    Export {
        /// The server's data directory.
        #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
}

/// Log output format.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (for log shippers).
    Json,
}

/// Options of `spectate serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "SPECTATE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Port to listen on, replacing the port of --addr (the seeds honour PORT too).
    #[arg(long, env = "PORT")]
    pub port: Option<u16>,
    /// Directory for persistent data (created if missing).
    #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// A live demo race: the event's runners (the bundled demo event's unless --event
    /// names another) are simulated at real pace and publish through this server's
    /// own ingestion endpoints (implies --open).
    #[arg(long, env = "SPECTATE_DEMO")]
    pub demo: bool,
    /// How many of the event's runners run in demo mode.
    #[arg(long, default_value_t = 12)]
    pub demo_runners: usize,
    /// Seconds between two fixes of a simulated phone in demo mode.
    #[arg(long, default_value_t = 2.0, value_parser = positive_seconds)]
    pub demo_fix_every: f64,
    /// Let anyone publish fixes without a token (demo and trusted networks only).
    #[arg(long, env = "SPECTATE_OPEN")]
    pub open: bool,
    /// The event file (TOML; check it with `spectate event check FILE`). Demo mode
    /// uses the bundled demo event when none is given.
    #[arg(long, env = "SPECTATE_EVENT")]
    pub event: Option<PathBuf>,
    /// Delete stored fixes older than this many days (checked hourly); 0 keeps them all.
    #[arg(long, default_value_t = 0)]
    pub retention_days: u64,
    /// A private event: following needs a token too (`spectate token --role spectator`).
    #[arg(long, env = "SPECTATE_PRIVATE")]
    pub private: bool,
    /// Token signing secret (at least 32 bytes); by default one is created and kept in
    /// <data-dir>/secret.key.
    #[arg(long, env = "SPECTATE_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
    /// Another origin whose pages may present tokens (repeatable), e.g.
    /// https://race.example; the server's own origin is always allowed.
    #[arg(
        long = "allowed-origin",
        env = "SPECTATE_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    pub allowed_origins: Vec<String>,
    /// A site that may show `/embed` (the map and leaderboard) in an iframe, e.g.
    /// https://race.example (repeatable); by default only our own pages may frame it.
    #[arg(
        long = "embed-origin",
        env = "SPECTATE_EMBED_ORIGINS",
        value_delimiter = ',',
        value_parser = crate::http::framing::EmbedOrigin::parse
    )]
    pub embed_origins: Vec<crate::http::framing::EmbedOrigin>,
    /// Milliseconds between happiness values.
    #[arg(long, default_value_t = 5000)]
    pub happiness_interval_ms: u64,
    /// Milliseconds between two frames of the `field` topic (every runner that moved
    /// since the previous frame, in one frame for all spectators).
    #[arg(long, default_value_t = 1000)]
    pub field_every_ms: u64,
    /// Milliseconds between two computations of the leaderboard (pushed on `board`
    /// and to followers, served by /api/leaderboard).
    #[arg(long, default_value_t = 2000)]
    pub board_every_ms: u64,
    /// Map tiles: a URL template with {z}, {x} and {y} (OpenStreetMap's by default),
    /// or `none` for a plain background (offline use, tests).
    #[arg(long, env = "SPECTATE_TILE_URL", default_value = crate::config::OSM_TILES, value_parser = tile_url)]
    pub tile_url: TileUrl,
    /// Directory of the built site (pkg/, assets); defaults to LEPTOS_SITE_ROOT or target/site.
    #[arg(long, env = "SPECTATE_SITE_ROOT")]
    pub site_root: Option<PathBuf>,
    /// Largest accepted WebSocket text frame, in bytes.
    #[arg(long, default_value_t = Limits::default().max_frame_bytes)]
    pub max_frame_bytes: usize,
    /// Bytes queued per connection before it is cut off as too slow (close 4008).
    #[arg(long, default_value_t = Limits::default().outbox_bytes)]
    pub outbox_bytes: usize,
    /// Bytes queued per connection past which runner fixes are conflated (newest only).
    #[arg(long, default_value_t = Limits::default().conflate_after_bytes)]
    pub conflate_after_bytes: usize,
    /// Topics one connection may subscribe to at once.
    #[arg(long, default_value_t = Limits::default().max_topics_per_conn)]
    pub max_topics_per_conn: usize,
    /// Topics the server keeps in memory.
    #[arg(long, default_value_t = Limits::default().max_topics)]
    pub max_topics: usize,
    /// Events kept per topic for clients that resume.
    #[arg(long, default_value_t = Limits::default().history_events)]
    pub history_events: usize,
    /// Seconds an event stays in the resume history.
    #[arg(long, default_value_t = Limits::default().history_age.as_secs())]
    pub history_secs: u64,
    /// Minutes of trail a runner's snapshot carries.
    #[arg(long, default_value_t = Limits::default().trail.as_secs() / 60)]
    pub trail_minutes: u64,
    /// Open WebSocket connections in total (503 beyond).
    #[arg(long, default_value_t = Limits::default().max_connections)]
    pub max_connections: usize,
    /// Open WebSocket connections from one client address (429 beyond).
    #[arg(long, default_value_t = Limits::default().max_connections_per_ip)]
    pub max_connections_per_ip: usize,
    /// Distinct topics the sockets of one address without a token may hold together
    /// (`limit_reached` beyond; the event's runners and presence do not count).
    #[arg(long, default_value_t = Limits::default().max_topics_per_ip)]
    pub max_topics_per_ip: usize,
    /// Open HTTP connections (before any upgrade) from one address (429 beyond).
    #[arg(long, default_value_t = Limits::default().max_http_connections_per_ip)]
    pub max_http_connections_per_ip: usize,
    /// Reverse proxy whose X-Forwarded-For names the client (repeatable), e.g.
    /// 127.0.0.1 or 10.0.0.0/8: per-address limits then apply to each client.
    #[arg(long = "trusted-proxy", env = "SPECTATE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = crate::proxy::parse_cidr)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Publishes per second one connection may sustain.
    #[arg(long, default_value_t = Limits::default().publish_per_second)]
    pub publish_per_second: f64,
    /// Publishes one connection may send in a burst.
    #[arg(long, default_value_t = Limits::default().publish_burst)]
    pub publish_burst: u32,
    /// Seconds between server pings on every socket.
    #[arg(long, default_value_t = Limits::default().heartbeat.as_secs())]
    pub heartbeat_secs: u64,
    /// Seconds a client has to send its request headers (the WebSocket handshake).
    #[arg(long, default_value_t = Limits::default().handshake_timeout.as_secs())]
    pub handshake_timeout_secs: u64,
    /// Seconds a client has to send a request's whole body (408 after).
    #[arg(long, default_value_t = Limits::default().body_timeout.as_secs())]
    pub body_timeout_secs: u64,
    /// Disable Nagle's algorithm on client sockets: lower latency at light load, a few
    /// percent fewer deliveries per CPU-second under heavy fan-out (see BENCHMARKS.md).
    #[arg(long)]
    pub tcp_nodelay: bool,
    /// Fastest believable speed between two tracker fixes, m/s (12 = 43 km/h); faster
    /// jumps are dropped as GPS glitches.
    #[arg(long, default_value_t = Limits::default().max_speed_mps)]
    pub max_speed_mps: f64,
    /// Unknown device ids one address may name on /api/osmand per minute (and at
    /// once); past it, every OsmAnd request from that address is answered 429 until
    /// the allowance refills, so device ids cannot be found by trying.
    #[arg(long, default_value_t = Limits::default().unknown_devices_per_minute)]
    pub unknown_devices_per_minute: u32,
    /// Seconds of silence (no frame, no pong) after which a socket is closed (4000).
    #[arg(long, default_value_t = Limits::default().idle_timeout.as_secs())]
    pub idle_timeout_secs: u64,
    /// Longest room message, in characters.
    #[arg(long, default_value_t = Limits::default().room_max_chars)]
    pub room_max_chars: usize,
    /// Room messages per second per connection (burst of 5).
    #[arg(long, default_value_t = Limits::default().room_per_second)]
    pub room_per_second: f64,
    /// Join a cluster: the Redis that the nodes share, e.g. redis://10.0.0.5:6379.
    /// Every node of one race needs the same --redis-url, --redis-prefix and --secret
    /// (tokens must verify on any node), and the same --event.
    #[arg(long, env = "SPECTATE_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of the cluster's keys and channels in Redis.
    #[arg(long, env = "SPECTATE_REDIS_PREFIX", default_value = "spectate", value_parser = redis_prefix)]
    pub redis_prefix: String,
    /// HTTPS.
    #[command(flatten)]
    pub tls: crate::listener::tls::TlsArgs,
    /// Log filter, e.g. `info` or `spectate_server=debug,info` (RUST_LOG works too).
    #[arg(long, env = "RUST_LOG", default_value = "info")]
    pub log_level: String,
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl ServeArgs {
    /// The server configuration these options describe.
    pub fn config(&self) -> Config {
        let mut addr = self.addr;
        if let Some(port) = self.port {
            addr.set_port(port);
        }
        let limits = Limits {
            max_frame_bytes: self.max_frame_bytes,
            outbox_bytes: self.outbox_bytes,
            conflate_after_bytes: self.conflate_after_bytes,
            max_topics_per_conn: self.max_topics_per_conn,
            max_topics: self.max_topics,
            history_events: self.history_events,
            history_age: Duration::from_secs(self.history_secs),
            trail: Duration::from_secs(self.trail_minutes * 60),
            max_connections: self.max_connections,
            max_connections_per_ip: self.max_connections_per_ip,
            max_topics_per_ip: self.max_topics_per_ip,
            max_http_connections_per_ip: self.max_http_connections_per_ip.max(1),
            publish_per_second: self.publish_per_second,
            publish_burst: self.publish_burst,
            heartbeat: Duration::from_secs(self.heartbeat_secs.max(1)),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            handshake_timeout: Duration::from_secs(self.handshake_timeout_secs.max(1)),
            body_timeout: Duration::from_secs(self.body_timeout_secs.max(1)),
            tcp_nodelay: self.tcp_nodelay,
            max_speed_mps: self.max_speed_mps,
            unknown_devices_per_minute: self.unknown_devices_per_minute,
            room_max_chars: self.room_max_chars,
            room_per_second: self.room_per_second,
            ..Limits::default()
        };
        Config {
            addr,
            data_dir: self.data_dir.clone(),
            demo: self.demo.then(|| DemoConfig {
                runners: self.demo_runners,
                fix_every: Duration::from_secs_f64(self.demo_fix_every),
            }),
            open_publishing: self.open || self.demo,
            private: self.private,
            event: self.event.clone(),
            retention: (self.retention_days > 0)
                .then(|| Duration::from_secs(self.retention_days * 24 * 3600)),
            secret: self.secret.clone(),
            allowed_origins: self.allowed_origins.clone(),
            embed_origins: self.embed_origins.clone(),
            happiness_interval: Duration::from_millis(self.happiness_interval_ms.max(10)),
            field_every: Duration::from_millis(self.field_every_ms.max(50)),
            board_every: Duration::from_millis(self.board_every_ms.max(100)),
            limits,
            site_root: self.site_root.clone(),
            tiles: self.tile_url.0.clone(),
            cluster: self.redis_url.clone().map(|redis_url| ClusterConfig {
                redis_url,
                prefix: self.redis_prefix.clone(),
            }),
            trusted_proxies: crate::proxy::TrustedProxies::new(
                self.trusted_proxies.iter().copied(),
            ),
            tls: self.tls.files(),
            acme: self.tls.acme(&self.data_dir),
            console: Default::default(),
        }
    }
}

/// A Redis key prefix: 1 to 64 letters, digits, `-`, `_` or `.`.
fn redis_prefix(text: &str) -> Result<String, String> {
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "{text:?} is not a prefix: use 1 to 64 letters, digits, '-', '_' or '.'"
        ))
    }
}

/// A checked `--tile-url`: `None` for `none`.
#[derive(Clone, Debug)]
pub struct TileUrl(pub Option<String>);

/// Parses `--tile-url`: `none`, or an http(s) or site-relative template that names
/// `{z}`, `{x}` and `{y}` (a template without them would draw one tile everywhere).
fn tile_url(text: &str) -> Result<TileUrl, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("none") {
        return Ok(TileUrl(None));
    }
    if !(text.starts_with("https://") || text.starts_with("http://") || text.starts_with('/')) {
        return Err(format!("{text:?} must start with https://, http:// or /"));
    }
    if let Some(missing) = ["{z}", "{x}", "{y}"].iter().find(|p| !text.contains(*p)) {
        return Err(format!("{text:?} has no {missing}"));
    }
    if text.contains(['"', '<', '>', ' ']) {
        return Err(format!("{text:?} has characters a URL cannot hold"));
    }
    Ok(TileUrl(Some(text.to_owned())))
}

/// A number of seconds from 0.1 to a day.
fn positive_seconds(text: &str) -> Result<f64, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.1..=86_400.0).contains(&secs) {
        Ok(secs)
    } else {
        Err(format!("{secs} is outside 0.1 to 86400 seconds"))
    }
}
