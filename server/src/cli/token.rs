//! The options of `spectate token`, and the subject they name.

use std::{path::PathBuf, time::Duration};

use clap::Args;
use spectate_app::protocol::{ProtocolError, RunnerId};

use crate::{auth::Subject, event::Event};

/// Options of `spectate token`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["runner", "role", "bib"])))]
pub struct TokenArgs {
    /// The runner the token may publish for.
    #[arg(long)]
    pub runner: Option<String>,
    /// A runner of the event file given with --event, by bib.
    #[arg(long, requires = "event")]
    pub bib: Option<String>,
    /// The event file whose runners --bib names.
    #[arg(long)]
    pub event: Option<PathBuf>,
    /// The site's public address: the runner's personal tracking link
    /// (`<base>/track?token=...`) is printed with the token.
    #[arg(long, env = "SPECTATE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// With --public-url: the link as a QR code on stderr, drawn for a `dark` or a
    /// `light` terminal, or `off`.
    #[arg(long, default_value = "dark", value_parser = ["dark", "light", "off"])]
    pub qr: String,
    /// A role instead of a runner: `publisher` (series points), `admin` (any runner) or
    /// `spectator` (follows a private event).
    #[arg(long, value_parser = ["publisher", "admin", "spectator"])]
    pub role: Option<String>,
    /// How long the token stays valid, e.g. `12h`, `3d`, `90m`.
    #[arg(long, default_value = "24h", value_parser = humantime::parse_duration)]
    pub ttl: Duration,
    /// The data directory whose secret signs the token (same as the server's).
    #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
    /// The signing secret, if the server is given one with --secret.
    #[arg(long, env = "SPECTATE_SECRET", hide_env_values = true)]
    pub secret: Option<String>,
}

impl TokenArgs {
    /// The subject named by --runner, --bib (with --event) or --role.
    pub fn subject(&self) -> Result<Subject, String> {
        if let (Some(bib), Some(path)) = (&self.bib, &self.event) {
            let event = Event::load(path).map_err(|e| e.to_string())?;
            let bib = RunnerId::parse(bib).map_err(|e| e.to_string())?;
            return match event.runner(&bib) {
                Some(runner) => Ok(Subject::Runner(runner.bib.clone())),
                None => Err(format!("{} has no runner with bib {bib}", path.display())),
            };
        }
        match (&self.runner, self.role.as_deref()) {
            (Some(runner), _) => RunnerId::parse(runner)
                .map(Subject::Runner)
                .map_err(|e: ProtocolError| e.to_string()),
            (None, Some("admin")) => Ok(Subject::Admin),
            (None, Some("spectator")) => Ok(Subject::Spectator),
            _ => Ok(Subject::Publisher),
        }
    }
}
