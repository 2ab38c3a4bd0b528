//! Building and running the server: [`app`] wires the routes, [`Application`] binds
//! the listener and starts the background feeds.
//!
//! Kept apart from `main` so that tests start the very same server on port 0.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Router, middleware,
    routing::{get, post},
};
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, generate_route_list};
use spectate_app::app::{App, shell};
use tokio::{net::TcpListener, task::JoinHandle};
use tower_http::{
    compression::CompressionLayer,
    cors::{Any, CorsLayer},
};

use crate::{
    auth::{Access, TokenKeys, origin::OriginPolicy, secret},
    config::Config,
    demo,
    event::Event,
    feeds,
    http::{
        assets, body_deadline, happiness_stream, leaderboard, private, race, splits, stats, tracks,
        upgrades,
    },
    hub::Hub,
    ingest::{self, Intake},
    listener::ServeOptions,
    sockets,
    state::{AppState, Shared},
    store::Store,
};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address we tried.
        addr: SocketAddr,
        /// Why it failed.
        source: std::io::Error,
    },
    /// The data directory could not be created.
    #[error("cannot create data dir {path}: {source}")]
    DataDir {
        /// The directory.
        path: std::path::PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// No token signing secret could be had.
    #[error("{0}")]
    Secret(#[from] crate::auth::secret::SecretError),
    /// Leptos' configuration (from cargo-leptos' environment) is invalid.
    #[error("invalid Leptos configuration: {0}")]
    Leptos(String),
    /// The event file (`--event`) has problems; each is listed with its line.
    #[error("{0}")]
    Event(#[from] crate::event::EventErrors),
    /// The durable store could not be opened or read.
    #[error("{0}")]
    Store(#[from] crate::store::StoreError),
    /// The event's field could not be brought into the store.
    #[error("{0}")]
    Roster(#[from] crate::roster::start::StartError),
    /// The cluster options are invalid.
    #[error("{0}")]
    Cluster(#[from] crate::cluster::ClusterError),
    /// HTTPS could not be set up (certificate files, the kept ACME certificate, the
    /// plain-HTTP listener).
    #[error("{0}")]
    Https(#[from] crate::listener::https::HttpsError),
}

/// The router: pages, sockets and HTTP endpoints over one state.
pub fn app(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let open_cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods(Any)
        .allow_headers(Any);
    // The race's JSON reads are compressed (the board of 5,000 runners is 1.6 MB of
    // JSON); the happiness streams are not, because a compressor buffers and would
    // delay each event.
    let race_reads = Router::new()
        .route("/api/leaderboard", get(leaderboard::leaderboard))
        .route("/api/entrants", get(leaderboard::entrants))
        .route("/api/race", get(race::race))
        .route("/api/runners/{bib}/splits", get(splits::runner_splits))
        .route("/api/splits.csv", get(splits::splits_csv))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            private::guard,
        ))
        .layer(CompressionLayer::new());
    let public_reads = Router::new()
        .route("/happiness", get(happiness_stream::happiness))
        .route("/api/stats", get(stats::stats))
        .merge(race_reads)
        .layer(open_cors);
    // Pages and static files (the wasm bundle above all) are compressed; the live
    // streams are not, because a compressor buffers and would delay each event.
    let pages = Router::new()
        .leptos_routes_with_context(
            &state,
            routes,
            {
                // Pages render from the same view `/api/race` serves.
                let state = state.clone();
                move || provide_context(race::source(state.clone()))
            },
            {
                let options = state.leptos_options.clone();
                let urls = state.assets.urls().clone();
                move || shell(options.clone(), urls.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>({
            let urls = state.assets.urls().clone();
            move |options| shell(options, urls.clone())
        }))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            private::remember_token,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::console::guard::admin_pages,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), assets::serve))
        .layer(CompressionLayer::new());
    // Tracker apps post fixes here; they are not browsers, so no CORS.
    let ingestion = Router::new()
        .route("/api/owntracks", post(ingest::owntracks::ingest))
        .route("/api/fixes", post(ingest::batch::ingest))
        .route(
            "/api/osmand",
            get(ingest::osmand::ingest).post(ingest::osmand::ingest),
        )
        .route(
            "/api/runners/{bib}/track.gpx",
            get(tracks::track_gpx).route_layer(middleware::from_fn_with_state(
                state.clone(),
                private::guard,
            )),
        );
    Router::new()
        .merge(ingestion)
        .route("/spectate", get(sockets::seed_spectate::upgrade))
        .route("/ws", get(sockets::app_socket::upgrade))
        .route("/healthz", get(stats::healthz))
        .route("/metrics", get(stats::metrics))
        .merge(public_reads)
        .merge(crate::console::routes(&state))
        .merge(pages)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            upgrades::route_seed_upgrades,
        ))
        .layer(middleware::from_fn_with_state(
            body_deadline::BodyDeadline(state.hub.limits.body_timeout),
            body_deadline::guard,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::http::framing::headers,
        ))
        .with_state(state)
}

mod cluster_node;
mod from_store;

use from_store::{restore, retain};

/// How often presence counts are sent, at most.
const PRESENCE_INTERVAL: Duration = Duration::from_secs(1);

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    background: Vec<JoinHandle<()>>,
    trusted_proxies: crate::proxy::TrustedProxies,
    tls: Option<Arc<rustls::ServerConfig>>,
    certificates: Option<Arc<crate::listener::acme::Certificates>>,
}

impl Application {
    /// Binds the listener and starts the feeds (and the demo runners, if asked).
    pub async fn build(config: Config) -> Result<Self, StartupError> {
        // A bad certificate is said before anything starts.
        let https = crate::listener::https::prepare(&config).await?;
        crate::data_dir::create(&config.data_dir).map_err(|source| StartupError::DataDir {
            path: config.data_dir.clone(),
            source,
        })?;
        let listener =
            TcpListener::bind(config.addr)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: config.addr,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: config.addr,
            source,
        })?;
        let leptos_options = config.leptos_options(addr).map_err(StartupError::Leptos)?;
        // The event: the organiser's file, else the bundled one in demo mode.
        let store = Store::open(&config.data_dir)?;
        // The event file's field goes into the store, or the stored one is raced.
        let event = match (&config.event, config.demo) {
            (Some(path), _) => Some(Event::read(path)?),
            (None, Some(_)) => Some((Event::demo(), Event::demo_text().to_owned())),
            (None, None) => None,
        };
        // Without a file, the event the store holds (created in the console) if any.
        let event = match event {
            Some((event, text)) => Some(crate::roster::start::open(&store, event, &text).await?),
            None => crate::roster::start::stored(&store).await?,
        }
        .map(Arc::new);
        let access = Access {
            open_publishing: config.open_publishing || config.demo.is_some(),
            keys: TokenKeys::new(&secret::load_or_create(
                config.secret.as_deref(),
                &config.data_dir,
            )?),
            origins: OriginPolicy::new(config.allowed_origins.iter().cloned()),
            private: Arc::new(crate::auth::access::Privacy::new(
                config.private,
                event.as_ref().is_some_and(|e| e.private),
            )),
            revocations: Default::default(),
        };
        access.revocations.restore(store.token_revocations().await?);
        // The cluster first: the hub publishes through it from the start.
        let cluster = match &config.cluster {
            Some(cluster) => Some(Arc::new(crate::cluster::Cluster::new(
                &cluster.redis_url,
                &cluster.prefix,
                event.is_some(),
                config.limits.history_events,
            )?)),
            None => None,
        };
        let mut hub = Hub::new(config.limits, access);
        if let Some(event) = &event {
            hub = hub.with_race(Arc::new(crate::race::Race::new(event.clone())));
        }
        if let Some(cluster) = &cluster {
            hub = hub.with_relay(cluster.clone());
        }
        let (splits_sink, split_news) = tokio::sync::mpsc::unbounded_channel();
        let (rulings_sink, rulings) = tokio::sync::mpsc::unbounded_channel();
        hub = hub.with_timing(splits_sink).with_rulings(rulings_sink);
        let hub = Arc::new(hub);
        let alerts = Arc::new(
            crate::alerts::Alerts::new(hub.clone(), store.clone()).with_cluster(cluster.clone()),
        );
        alerts.restore().await?;
        let intake = Arc::new(
            Intake::new(hub.clone(), store.clone(), config.limits.max_speed_mps)
                .with_alerts(alerts.clone()),
        );
        // The splits already recorded, before any fix reaches the race (the cluster's
        // catch-up below, the restore): none is recorded twice.
        let splits = crate::timing::restore(&hub, &store).await?;
        if splits > 0 {
            tracing::info!(splits, "split times restored from the store");
        }
        let verdicts = crate::race_control::restore(&hub, &store).await?;
        if verdicts > 0 {
            tracing::info!(verdicts, "DNS / DNF / DSQ restored from the store");
        }
        let mut background = vec![crate::timing::start(hub.clone(), store.clone(), split_news)];
        let roster = Arc::new(crate::roster::Roster::new(
            hub.clone(),
            store.clone(),
            cluster.clone(),
        ));
        if let Some(cluster) = &cluster {
            let joined = cluster_node::join(cluster, &hub, &store, &roster, &alerts, rulings);
            background.extend(joined.await);
        }
        restore(&hub, &intake, &store, &alerts).await?;
        background.extend([
            feeds::happiness::start(hub.clone(), config.happiness_interval),
            crate::hub::presence::start(hub.clone(), PRESENCE_INTERVAL),
            crate::hub::field::start(hub.clone(), config.field_every),
            crate::hub::board::start(hub.clone(), config.board_every),
            crate::hub::keepalive::start(hub.clone()),
            crate::hub::sweep::start(hub.clone()),
            crate::alerts::start(alerts.clone()),
        ]);
        if let Some(retention) = config.retention {
            background.push(retain(hub.clone(), store.clone(), retention));
        }
        let site_files = crate::http::site_files::SiteFiles::choose(
            config.site_root.as_deref(),
            std::path::Path::new(&*leptos_options.site_root),
        );
        let assets = crate::http::assets::Assets::load(&leptos_options, site_files);
        let state = AppState::new(Shared {
            assets,
            leptos_options,
            intake,
            device_lookups: ingest::device_lookups::DeviceLookups::new(
                config.limits.unknown_devices_per_minute,
            ),
            roster,
            store,
            hub,
            tiles: config.tiles.clone(),
            framing: crate::http::framing::Framing::new(&config.embed_origins),
            console: crate::console::Console::new(config.console),
            alerts,
            cluster,
        });
        let (tls, acme) = https.map_or((None, None), |h| (Some(h.tls), h.acme));
        let certificates = acme.as_ref().map(|acme| acme.certificates.clone());
        if let Some(acme) = acme {
            let options = ServeOptions::new(&config.limits, config.trusted_proxies.clone(), None);
            background.extend(acme.start(addr.port(), options));
        }
        if let Some(demo_config) = config.demo {
            // The phones post to this server's own address: the listener is bound, so
            // their connections wait in its backlog until `run` accepts them.
            background.push(demo::start(state.clone(), addr, demo_config));
        }
        Ok(Self {
            listener,
            addr,
            state,
            background,
            trusted_proxies: config.trusted_proxies,
            tls,
            certificates,
        })
    }

    /// The port actually bound (useful with port 0).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `https://` and the address with HTTPS, else `http://` and the address.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// With `--acme-domain`: the served certificate's status.
    pub fn certificates(&self) -> Option<Arc<crate::listener::acme::Certificates>> {
        self.certificates.clone()
    }

    /// The hub, for tests and tools that run in-process.
    pub fn hub(&self) -> Arc<Hub> {
        self.state.hub.clone()
    }

    /// Serves until `shutdown` resolves, then closes every socket with 1001, lets
    /// them drain (at most 5 s) and returns.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let hub = self.state.hub.clone();
        let stopping = hub.clone();
        let router = app(self.state);
        let options = ServeOptions::new(&hub.limits, self.trusted_proxies, self.tls);
        tracing::info!(addr = %self.addr, "listening");
        crate::listener::serve(self.listener, router, options, async move {
            shutdown.await;
            tracing::info!("shutting down: closing sockets with 1001");
            stopping.begin_shutdown();
        })
        .await;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while !hub.connections.is_empty() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        for task in self.background {
            task.abort();
        }
        tracing::info!("stopped");
        Ok(())
    }
}
