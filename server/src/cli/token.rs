//! The options of `spectate token`, and the subject they name.
//!
//! `--bib` names a runner of the event's field: the field stored in `--data-dir`
//! when there is one (the console edits it, so a runner added there is in no event
//! file), else the event file given with `--event`.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use clap::Args;
use spectate_app::protocol::{ProtocolError, RunnerId};

use crate::{
    auth::Subject,
    event::Event,
    store::{self, Store},
};

/// Options of `spectate token`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("who").required(true).args(["runner", "role", "bib"])))]
pub struct TokenArgs {
    /// The runner the token may publish for.
    #[arg(long)]
    pub runner: Option<String>,
    /// A runner of the event, by bib: of the field stored in --data-dir (as the
    /// console left it), or of the --event file when none is stored.
    #[arg(long)]
    pub bib: Option<String>,
    /// The event file whose runners --bib names when --data-dir stores no field.
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
    /// The subject named by --runner, --bib (the stored field, or --event) or --role.
    pub async fn subject(&self) -> Result<Subject, String> {
        if let Some(bib) = &self.bib {
            let bib = RunnerId::parse(bib).map_err(|e| e.to_string())?;
            return self.runner_by_bib(&bib).await.map(Subject::Runner);
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

impl TokenArgs {
    /// `bib`, if the event has that runner: the stored field first, where the
    /// console's changes are; the event file only when no field is stored.
    async fn runner_by_bib(&self, bib: &RunnerId) -> Result<RunnerId, String> {
        let dir = self.data_dir.display();
        if let Some(runners) = stored_bibs(&self.data_dir).await? {
            return match runners.into_iter().find(|b| b == bib) {
                Some(bib) => Ok(bib),
                None => Err(format!(
                    "the stored field in {dir} has no runner with bib {bib} (add them in the console, /admin/runners)"
                )),
            };
        }
        let Some(path) = &self.event else {
            return Err(format!(
                "--bib needs --event FILE, or a stored field in --data-dir ({dir} has none)"
            ));
        };
        let event = Event::load(path).map_err(|e| e.to_string())?;
        match event.runner(bib) {
            Some(runner) => Ok(runner.bib.clone()),
            None => Err(format!("{} has no runner with bib {bib}", path.display())),
        }
    }
}

/// The bibs of the field stored in `data_dir`; `None` without a store there (none
/// is created) or without a field in it.
async fn stored_bibs(data_dir: &Path) -> Result<Option<Vec<RunnerId>>, String> {
    if !store::file_in(data_dir).exists() {
        return Ok(None);
    }
    let field = Store::open(data_dir)
        .map_err(|e| e.to_string())?
        .field()
        .await
        .map_err(|e| format!("cannot read the stored field: {e}"))?;
    Ok(field.map(|f| f.runners.into_iter().map(|r| r.bib).collect()))
}
