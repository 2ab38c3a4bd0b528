//! `spectate admin add-user NAME`: makes an organiser, or gives one a new password
//! (which ends their sessions). The password is read from stdin: typed at a prompt
//! without echo when stdin is a terminal, else the first line (for scripts:
//! `printf '%s\n' "$PASSWORD" | spectate admin add-user ana`). It is hashed at once
//! and neither stored nor printed.

use std::{
    io::{BufRead, IsTerminal, Write},
    path::PathBuf,
};

use clap::{Args, Subcommand};

use super::password::{self, PasswordError, UserName};
use crate::store::{Store, StoreError};

/// `spectate admin ...`.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Make an organiser who can sign in to /admin, or set an organiser's password
    /// (their sessions end). The password comes from stdin.
    AddUser(AddUserArgs),
}

/// Options of `spectate admin add-user`.
#[derive(Debug, Args)]
pub struct AddUserArgs {
    /// The organiser's user name (letters, digits, '.', '-', '_', '@').
    pub name: String,
    /// The server's data directory (the users are kept in its store).
    #[arg(long, env = "SPECTATE_DATA_DIR", default_value = "data")]
    pub data_dir: PathBuf,
}

/// Why no user was added.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    /// The name or the password is not acceptable.
    #[error("{0}")]
    Password(#[from] PasswordError),
    /// The two passwords typed differ.
    #[error("the two passwords differ")]
    Mismatch,
    /// Stdin could not be read.
    #[error("cannot read the password: {0}")]
    Read(#[from] std::io::Error),
    /// The data directory or its store failed.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// Adds the user (or sets their password); says which on success.
pub async fn run(args: &AddUserArgs) -> Result<String, AddUserError> {
    let name = UserName::parse(&args.name)?;
    let password = read_password()?;
    let phc = tokio::task::spawn_blocking(move || password::hash(&password))
        .await
        .map_err(|e| AddUserError::Read(std::io::Error::other(e)))??;
    crate::data_dir::create(&args.data_dir)?;
    let store = Store::open(&args.data_dir)?;
    let created = store
        .put_user(name.as_str(), &phc, crate::hub::now_ms())
        .await?;
    Ok(if created {
        format!("organiser {name} added; they can sign in at /admin")
    } else {
        format!("organiser {name} has a new password; their sessions have ended")
    })
}

/// The password: typed twice without echo at a terminal, else stdin's first line.
fn read_password() -> Result<String, AddUserError> {
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        let mut line = String::new();
        stdin.lock().read_line(&mut line)?;
        return Ok(line.trim_end_matches(['\n', '\r']).to_owned());
    }
    let first = prompt("Password: ")?;
    let second = prompt("Again: ")?;
    if first != second {
        return Err(AddUserError::Mismatch);
    }
    Ok(first)
}

/// Reads one line from the terminal with its echo off (restored afterwards, even on
/// error).
fn prompt(text: &str) -> Result<String, AddUserError> {
    use rustix::termios::{LocalModes, OptionalActions, tcgetattr, tcsetattr};
    let stdin = std::io::stdin();
    eprint!("{text}");
    std::io::stderr().flush()?;
    let saved = tcgetattr(&stdin).map_err(std::io::Error::from)?;
    let mut silent = saved.clone();
    silent.local_modes -= LocalModes::ECHO;
    tcsetattr(&stdin, OptionalActions::Now, &silent).map_err(std::io::Error::from)?;
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    let restored = tcsetattr(&stdin, OptionalActions::Now, &saved);
    eprintln!();
    read?;
    restored.map_err(std::io::Error::from)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}
