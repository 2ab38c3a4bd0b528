//! `spectate`: parses the command line, sets up logging, runs the server until
//! SIGINT or SIGTERM.

use clap::Parser;
use spectate_server::startup::Application;
use spectate_server::{
    auth::{TokenKeys, secret},
    cli::{Cli, Command, EventCommand, LogFormat, ServeArgs, TokenArgs},
    console::add_user::AdminCommand,
    event::Event,
};
use time::format_description::well_known::Rfc3339;
use tracing_subscriber::EnvFilter;

/// mimalloc instead of the system allocator: with tens of thousands of sockets, each
/// holding a few small buffers, it keeps the resident memory per connection lower
/// (measured in BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(&args).await,
        Command::Token(args) => token(&args).await,
        Command::Load(args) => load(args).await,
        Command::Event(EventCommand::Check { file }) => check_event(&file),
        Command::Event(EventCommand::Export { data_dir }) => {
            match spectate_server::roster::export::run(&data_dir).await {
                Ok(toml) => {
                    print!("{toml}");
                    std::process::ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("spectate event export: {err}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Command::Simulate(args) => simulate(&args).await,
        Command::Backup(args) => copied(
            "backup",
            &format!("to {}", args.to.display()),
            spectate_server::backup::backup(&args.data_dir, &args.to),
        ),
        Command::Restore(args) => copied(
            "restore",
            &format!("into {}", args.data_dir.display()),
            spectate_server::backup::restore(&args.from, &args.data_dir),
        ),
        Command::Admin(AdminCommand::AddUser(args)) => {
            match spectate_server::console::add_user::run(&args).await {
                Ok(done) => {
                    eprintln!("{done}");
                    std::process::ExitCode::SUCCESS
                }
                Err(err) => {
                    eprintln!("spectate admin add-user: {err}");
                    std::process::ExitCode::from(2)
                }
            }
        }
        Command::Replay(args) => match spectate_server::replay::run(&args).await {
            Ok(n) => {
                println!("{n} fixes replayed");
                std::process::ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("spectate replay: {err}");
                std::process::ExitCode::FAILURE
            }
        },
    }
}

/// `spectate backup` and `restore`: what was copied on stdout, or why nothing was.
fn copied(
    command: &str,
    place: &str,
    outcome: Result<spectate_server::backup::Copied, spectate_server::backup::BackupError>,
) -> std::process::ExitCode {
    match outcome {
        Ok(copied) => {
            let done = if command == "backup" {
                "backed up"
            } else {
                "restored"
            };
            println!(
                "{done} {} fixes{} {place}",
                copied.fixes,
                if copied.secret {
                    " and the signing secret"
                } else {
                    ""
                },
            );
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("spectate {command}: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `spectate simulate`: totals as JSON on stdout.
async fn simulate(args: &spectate_server::simulate::SimulateArgs) -> std::process::ExitCode {
    eprintln!(
        "simulating {} at x{} against {} ...",
        args.event.display(),
        args.speed,
        args.url
    );
    match spectate_server::simulate::run(args).await {
        Ok(totals) => {
            println!(
                "{}",
                serde_json::to_string(&totals).expect("totals serialize")
            );
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("spectate simulate: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `spectate event check FILE`: what the event sets up, or every problem with its line.
fn check_event(file: &std::path::Path) -> std::process::ExitCode {
    match Event::load(file) {
        Ok(event) => {
            println!(
                "{}: \"{}\", starts {} ({}), {} runners, course {} ({:.2} km){}",
                file.display(),
                event.name,
                event.start.format(&Rfc3339).unwrap_or_default(),
                event.timezone,
                event.runners.len(),
                event.course_path.display(),
                event.course.length_m() / 1000.0,
                if event.private { ", private" } else { "" },
            );
            for checkpoint in &event.checkpoints {
                println!(
                    "  checkpoint {:?} at {:.2} km",
                    checkpoint.name,
                    checkpoint.distance_m / 1000.0
                );
            }
            std::process::ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} problem(s) to fix", errors.problems.len());
            std::process::ExitCode::from(2)
        }
    }
}

/// `spectate load`: the JSON summary on stdout; exit 1 if the run failed, or if the
/// seed scenario's delivery was not exact.
async fn load(args: spectate_server::load::LoadArgs) -> std::process::ExitCode {
    let strict = matches!(args.scenario, spectate_server::load::Scenario::Seed(_));
    match spectate_server::load::run(args).await {
        Ok(summary) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).expect("summaries serialize")
            );
            if strict && !summary.exact() {
                eprintln!("delivery was not exact");
                return std::process::ExitCode::FAILURE;
            }
            std::process::ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("load failed: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// `spectate token`: the token on stdout (for scripts), what it is on stderr.
async fn token(args: &TokenArgs) -> std::process::ExitCode {
    let subject = match args.subject().await {
        Ok(subject) => subject,
        Err(err) => {
            eprintln!("spectate token: {err}");
            return std::process::ExitCode::from(2);
        }
    };
    let secret = match secret::load_or_create(args.secret.as_deref(), &args.data_dir) {
        Ok(secret) => secret,
        Err(err) => {
            eprintln!("spectate token: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let token = TokenKeys::new(&secret).issue(&subject, args.ttl);
    println!("{token}");
    if let (Some(base), spectate_server::auth::Subject::Runner(_)) = (&args.public_url, &subject) {
        let link = format!("{}/track?token={token}", base.trim_end_matches('/'));
        eprintln!("tracking link for the runner's phone: {link}");
        let background = match args.qr.as_str() {
            "light" => Some(spectate_server::qr::Background::Light),
            "dark" => Some(spectate_server::qr::Background::Dark),
            _ => None,
        };
        if let Some(background) = background {
            match spectate_server::qr::render(&link, background) {
                Ok(code) => eprintln!("scan it with the runner's phone:\n{code}"),
                Err(err) => eprintln!("(no QR code: {err})"),
            }
        }
    }
    eprintln!(
        "token for {subject}, valid for {}; use it as ?token=... on /ws or /spectate, or send {{\"type\":\"auth\",\"token\":\"...\"}}",
        humantime::format_duration(args.ttl)
    );
    std::process::ExitCode::SUCCESS
}

async fn serve(args: &ServeArgs) -> std::process::ExitCode {
    init_logging(args);
    // Every socket is a file descriptor: take all the system allows.
    spectate_server::listener::open_files::raise_to_hard_limit();
    let app = match Application::build(args.config()).await {
        Ok(app) => app,
        Err(err) => {
            tracing::error!(%err, "cannot start");
            eprintln!("spectate: {err}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("Spectate is running at {}", app.base_url());
    match app.run_until_stopped(shutdown_signal()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("spectate: server error: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn init_logging(args: &ServeArgs) {
    let filter = EnvFilter::try_new(&args.log_level).unwrap_or_else(|err| {
        eprintln!(
            "spectate: bad --log-level {:?} ({err}); using info",
            args.log_level
        );
        EnvFilter::new("info")
    });
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    match args.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
