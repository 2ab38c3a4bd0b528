//! `spectate load`: the load tool that measures Spectate (and its peers, Bun and
//! Node servers speaking the same protocol subset) from the outside, over real
//! sockets.
//!
//! Each scenario lives in its own module and returns a [`report::Summary`], printed as
//! JSON on stdout (progress goes to stderr):
//!
//! - [`seed`]: the seed's own client: 100 users following `[i, i+1]`, 1000 fixes,
//!   exact delivery checked. Small and fast: CI runs it.
//! - [`fanout`]: N subscribers of one topic, R messages per second, P-byte payloads.
//! - [`race`]: K runners publishing at 1 Hz, M spectators each following F runners.
//! - [`ingest`]: K phones each sending a fix and awaiting its acknowledgement (after
//!   the store's commit): the durable ingest rate.
//! - [`idle`]: N idle sockets, to measure the server's memory per connection.
//! - [`ramp`]: websocket-shootout style; add clients in steps, 4 broadcasts in flight,
//!   stop when the 95th percentile passes the limit.
//! - [`spectators`]: N spectators on the map page of a race that `spectate simulate`
//!   runs (field, board and 3 followed runners over `/ws?batch=1`, joins spread over
//!   the run): field staleness, followed-fix latency and loss, time to the full field,
//!   bytes per spectator, cut-offs.
//!
//! Every scenario can load a cluster: `--url` takes the nodes' addresses, and clients
//! are spread over them round-robin.
//!
//! Shared parts: [`client`] (connections spread over 127.0.0.x source addresses),
//! [`proc_stats`] (the server's CPU time and RSS from `/proc`), [`report`] (HDR
//! histograms and the summary).

pub mod client;
pub mod fanout;
pub mod idle;
pub mod ingest;
pub mod proc_stats;
pub mod race;
pub mod ramp;
pub mod report;
pub mod seed;
pub mod spectators;

use clap::{Args, Subcommand};

/// Options of `spectate load`.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The scenario.
    #[command(subcommand)]
    pub scenario: Scenario,
    /// The server to load, as `ws://HOST:PORT` (loopback addresses only). Several
    /// comma-separated URLs load the nodes of a cluster: client `i` connects to node
    /// `i mod n`, like a round-robin load balancer.
    #[arg(long, global = true, default_value = "ws://127.0.0.1:3000")]
    pub url: String,
    /// The path of the v1 socket (`/ws` on Spectate; the peers answer on any path).
    #[arg(long, global = true, default_value = "/ws")]
    pub path: String,
    /// The server's process id: its CPU time and memory are read from /proc. Several,
    /// comma-separated (a cluster's nodes, and its Redis), are added up.
    #[arg(long, global = true, value_delimiter = ',')]
    pub pid: Vec<u32>,
    /// Spread client sockets over this many source addresses (127.0.0.1, .2, ...), for
    /// more than ~28k source ports.
    #[arg(long, global = true, default_value_t = 1)]
    pub sources: u8,
    /// Connections opened concurrently.
    #[arg(long, global = true, default_value_t = 128)]
    pub connect_concurrency: usize,
    /// No progress lines on stderr.
    #[arg(long, global = true)]
    pub quiet: bool,
}

/// The scenarios.
#[derive(Debug, Subcommand)]
pub enum Scenario {
    /// The seed client: users following [i, i+1], random fixes, exact delivery.
    Seed(seed::SeedArgs),
    /// N subscribers of one topic, R messages/s.
    Fanout(fanout::FanoutArgs),
    /// K runners at 1 Hz, M spectators following F runners each.
    Race(race::RaceArgs),
    /// N idle sockets: memory per connection.
    Idle(idle::IdleArgs),
    /// K phones sending fixes and awaiting each acknowledgement: durable ingest rate.
    Ingest(ingest::IngestArgs),
    /// Clients added in steps until the p95 round trip passes a limit.
    Ramp(ramp::RampArgs),
    /// Spectators on the map page (field, board, 3 followed runners) of a running race.
    Spectators(spectators::SpectatorsArgs),
}

/// Why a load run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The URL is not `ws://HOST:PORT` with a reachable host.
    #[error("bad --url {0:?}: {1}")]
    Url(String, String),
    /// A connection failed.
    #[error("connection {index} failed: {reason}")]
    Connect {
        /// Which client.
        index: usize,
        /// What went wrong.
        reason: String,
    },
    /// The server closed or broke a connection during the run.
    #[error("a client lost its connection: {0}")]
    Lost(String),
}

/// Runs the chosen scenario.
pub async fn run(args: LoadArgs) -> Result<report::Summary, LoadError> {
    let target = client::Target::parse(&args)?;
    match &args.scenario {
        Scenario::Seed(s) => seed::run(&target, s).await,
        Scenario::Fanout(s) => fanout::run(&target, s).await,
        Scenario::Race(s) => race::run(&target, s).await,
        Scenario::Idle(s) => idle::run(&target, s).await,
        Scenario::Ingest(s) => ingest::run(&target, s).await,
        Scenario::Ramp(s) => ramp::run(&target, s).await,
        Scenario::Spectators(s) => spectators::run(&target, s).await,
    }
}
