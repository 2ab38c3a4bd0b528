//! HTTPS without a proxy: `spectate serve --tls-cert FILE --tls-key FILE`.
//!
//! The accept loop ([`super::serve`]) runs each connection's TLS handshake in the
//! connection's own task, under the same deadline as the request headers, so a client
//! that stalls its handshake holds no one else up. Over TLS every response carries
//! [`HSTS`], and the connection counts as HTTPS for the Origin check
//! ([`crate::proxy::Client::https`]), exactly as a trusted proxy's
//! `X-Forwarded-Proto: https` would.
//!
//! ALPN offers `http/1.1` only: the server speaks HTTP/1 (see [`super`]), and the
//! WebSocket upgrade is an HTTP/1.1 exchange.

use std::{path::PathBuf, sync::Arc};

use clap::Args;
use rustls::{
    ServerConfig,
    pki_types::{
        CertificateDer, PrivateKeyDer,
        pem::{self, PemObject},
    },
};

/// The options that turn HTTPS on.
#[derive(Clone, Debug, Args)]
pub struct TlsArgs {
    /// Serve HTTPS with this certificate chain (PEM, the server's certificate first,
    /// e.g. certbot's fullchain.pem); needs --tls-key.
    #[arg(long, env = "SPECTATE_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key (PEM: PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "SPECTATE_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Get and renew the certificate for this name over ACME (instead of --tls-cert),
    /// kept in <data-dir>/acme; the name's DNS must point here, and --http-addr must
    /// be reachable on port 80.
    #[arg(long, env = "SPECTATE_ACME_DOMAIN", conflicts_with = "tls_cert", value_parser = domain_name)]
    pub acme_domain: Option<String>,
    /// A contact for the ACME account (repeatable), e.g. mailto:organiser@race.example.
    #[arg(long, env = "SPECTATE_ACME_CONTACT", value_delimiter = ',', value_parser = contact, requires = "acme_domain")]
    pub acme_contact: Vec<String>,
    /// The ACME server's directory (Let's Encrypt's by default; its staging
    /// directory for trials).
    #[arg(long, env = "SPECTATE_ACME_DIRECTORY", default_value = super::acme::LETS_ENCRYPT, requires = "acme_domain")]
    pub acme_directory: String,
    /// The CA certificate (PEM) of a private ACME server's own HTTPS (pebble,
    /// step-ca), when the public roots do not vouch for it.
    #[arg(long, env = "SPECTATE_ACME_DIRECTORY_CA", requires = "acme_domain")]
    pub acme_directory_ca: Option<PathBuf>,
    /// With --acme-domain: the plain-HTTP listener, which answers ACME's HTTP-01
    /// challenges and redirects everything else to https://.
    #[arg(
        long,
        env = "SPECTATE_HTTP_ADDR",
        default_value = "[::]:80",
        requires = "acme_domain"
    )]
    pub http_addr: std::net::SocketAddr,
}

impl TlsArgs {
    /// The ACME settings, when --acme-domain asks for them.
    pub fn acme(&self, data_dir: &std::path::Path) -> Option<super::acme::AcmeConfig> {
        Some(super::acme::AcmeConfig {
            domain: self.acme_domain.clone()?,
            contacts: self.acme_contact.clone(),
            directory: self.acme_directory.clone(),
            directory_ca: self.acme_directory_ca.clone(),
            http_addr: self.http_addr,
            dir: data_dir.join("acme"),
        })
    }

    /// The files, when HTTPS is asked for.
    pub fn files(&self) -> Option<TlsFiles> {
        Some(TlsFiles {
            cert: self.tls_cert.clone()?,
            key: self.tls_key.clone()?,
        })
    }
}

/// A name a public certificate can be for: letters, digits and `-` in dot-separated
/// labels, at least two of them (ACME servers refuse anything else, but only after
/// an exchange; this says so at start).
fn domain_name(text: &str) -> Result<String, String> {
    let name = text.trim().trim_end_matches('.').to_ascii_lowercase();
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    if name.len() <= 253 && name.contains('.') && name.split('.').all(label_ok) {
        Ok(name)
    } else {
        Err(format!("{text:?} is not a DNS name like race.example"))
    }
}

/// An ACME contact: `mailto:` and an address.
fn contact(text: &str) -> Result<String, String> {
    match text.trim().strip_prefix("mailto:") {
        Some(address) if address.contains('@') && !address.contains([' ', ',']) => {
            Ok(text.trim().to_owned())
        }
        _ => Err(format!(
            "{text:?} is not a contact like mailto:organiser@race.example"
        )),
    }
}

/// A certificate chain and its key, as PEM files.
#[derive(Clone, Debug)]
pub struct TlsFiles {
    /// The chain, the server's certificate first.
    pub cert: PathBuf,
    /// The private key.
    pub key: PathBuf,
}

/// Why HTTPS could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read.
    #[error("--tls-cert {path}: {source}")]
    Cert {
        /// The file.
        path: PathBuf,
        /// Why.
        source: pem::Error,
    },
    /// The certificate file holds no certificate.
    #[error("--tls-cert {0}: no certificate in it (PEM, `-----BEGIN CERTIFICATE-----`)")]
    NoCert(PathBuf),
    /// The key file holds no private key.
    #[error("--tls-key {0}: no private key in it (PEM, `-----BEGIN PRIVATE KEY-----`)")]
    NoKey(PathBuf),
    /// The key is not the certificate's.
    #[error("--tls-key {key} is not the key of the certificate in --tls-cert {cert}")]
    WrongKey {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
    },
    /// The key file could not be read.
    #[error("--tls-key {path}: {source}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        source: pem::Error,
    },
    /// rustls refused the pair (a key of a kind it cannot use), or its setup.
    #[error("--tls-cert {cert} with --tls-key {key}: {source}")]
    Pair {
        /// The certificate file.
        cert: PathBuf,
        /// The key file.
        key: PathBuf,
        /// Why.
        source: rustls::Error,
    },
}

/// `Strict-Transport-Security` on every HTTPS response: browsers then go to
/// `https://` directly for a year. Without `includeSubDomains`: the race's name may
/// be one host of an organiser's domain whose other hosts are not all HTTPS.
pub(crate) const HSTS: &str = "max-age=31536000";

/// The rustls configuration for `files` (ring's cryptography, HTTP/1.1 by ALPN).
pub(crate) fn server_config(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let chain = CertificateDer::pem_file_iter(&files.cert)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|source| TlsError::Cert {
            path: files.cert.clone(),
            source,
        })?;
    if chain.is_empty() {
        return Err(TlsError::NoCert(files.cert.clone()));
    }
    let key = PrivateKeyDer::from_pem_file(&files.key).map_err(|source| match source {
        pem::Error::NoItemsFound => TlsError::NoKey(files.key.clone()),
        source => TlsError::Key {
            path: files.key.clone(),
            source,
        },
    })?;
    let (cert, key_path) = (files.cert.clone(), files.key.clone());
    let pair = |source| match source {
        rustls::Error::InconsistentKeys(_) => TlsError::WrongKey {
            cert: cert.clone(),
            key: key_path.clone(),
        },
        source => TlsError::Pair {
            cert: cert.clone(),
            key: key_path.clone(),
            source,
        },
    };
    let certified =
        rustls::sign::CertifiedKey::from_der(chain, key, &rustls::crypto::ring::default_provider())
            .map_err(pair)?;
    with_certificates(Arc::new(rustls::sign::SingleCertAndKey::from(certified))).map_err(pair)
}

/// The rustls configuration that presents what `certificates` resolves (ring's
/// cryptography, HTTP/1.1 by ALPN).
pub(crate) fn with_certificates(
    certificates: Arc<dyn rustls::server::ResolvesServerCert>,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(certificates);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
