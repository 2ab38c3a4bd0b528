//! The server's HTTPS, as its options ask: none, a certificate from files
//! ([`super::tls`]), or one from ACME ([`super::acme`]) with its plain-HTTP listener.
//! Set up before the server starts, so that bad files or a port 80 that cannot be
//! bound stop it with a reason (a kept ACME certificate that cannot be used is
//! ordered again instead).

use std::sync::Arc;

use rustls::ServerConfig;
use tokio::{net::TcpListener, task::JoinHandle};

use super::{
    ServeOptions,
    acme::{self, AcmeConfig, Certificates},
    tls::{self, TlsError},
};
use crate::config::Config;

/// Why HTTPS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    /// The certificate files are unusable.
    #[error("{0}")]
    Tls(#[from] TlsError),
    /// The plain-HTTP listener (`--http-addr`) could not be bound.
    #[error("cannot listen on {addr} (--http-addr): {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// rustls could not be set up.
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// HTTPS, ready to serve.
#[derive(Debug)]
pub(crate) struct Https {
    /// The TLS configuration every connection is accepted with.
    pub(crate) tls: Arc<ServerConfig>,
    /// With ACME: what obtains and renews the certificate.
    pub(crate) acme: Option<Acme>,
}

/// ACME's part: the certificates, and the bound plain-HTTP listener.
#[derive(Debug)]
pub(crate) struct Acme {
    /// The served certificate and the challenge answers.
    pub(crate) certificates: Arc<Certificates>,
    config: AcmeConfig,
    http: TcpListener,
}

/// Sets up what `config` asks for; `None` for plain HTTP.
pub(crate) async fn prepare(config: &Config) -> Result<Option<Https>, HttpsError> {
    if let Some(files) = &config.tls {
        return Ok(Some(Https {
            tls: tls::server_config(files)?,
            acme: None,
        }));
    }
    let Some(acme_config) = &config.acme else {
        return Ok(None);
    };
    let certificates = Arc::new(Certificates::default());
    // A kept certificate that cannot be used is ordered again, not a reason to stop.
    match certificates.load_kept(acme_config) {
        Ok(Some(status)) => tracing::info!(
            domain = %acme_config.domain,
            valid_until = %humantime::format_rfc3339_seconds(status.not_after),
            renewal_at = %humantime::format_rfc3339_seconds(status.renew_at),
            "ACME: serving the kept certificate"
        ),
        Ok(None) => {}
        Err(err) => {
            tracing::warn!(%err, "ACME: the kept certificate is unusable; ordering another")
        }
    }
    let http = TcpListener::bind(acme_config.http_addr)
        .await
        .map_err(|source| HttpsError::Bind {
            addr: acme_config.http_addr,
            source,
        })?;
    Ok(Some(Https {
        tls: tls::with_certificates(certificates.clone())?,
        acme: Some(Acme {
            certificates,
            config: acme_config.clone(),
            http,
        }),
    }))
}

impl Acme {
    /// Starts the renewal task and the plain-HTTP listener (challenges, and the
    /// redirect to `https://<domain>` on `https_port`); both end when aborted.
    pub(crate) fn start(self, https_port: u16, options: ServeOptions) -> [JoinHandle<()>; 2] {
        let base = match https_port {
            443 => format!("https://{}", self.config.domain),
            port => format!("https://{}:{port}", self.config.domain),
        };
        let router = acme::http_router(self.certificates.clone(), base);
        tracing::info!(addr = ?self.http.local_addr().ok(), "plain HTTP: ACME challenges and the redirect to HTTPS");
        let http = tokio::spawn(super::serve(
            self.http,
            router,
            ServeOptions {
                tls: None,
                ..options
            },
            std::future::pending(),
        ));
        [acme::start(self.certificates, self.config), http]
    }
}
