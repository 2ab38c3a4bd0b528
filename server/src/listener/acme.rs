//! Certificates over ACME (RFC 8555): `spectate serve --acme-domain race.example`
//! gets and renews its own certificate (Let's Encrypt's, or `--acme-directory`'s).
//!
//! - **Kept in the data dir** (`<data dir>/acme/`): the account (its key, so renewals
//!   use the same account) and the certificate with its key (0600). A restart serves
//!   the kept certificate at once and asks for none while it is good.
//! - **HTTP-01.** The ACME server proves the name by fetching
//!   `http://<domain>/.well-known/acme-challenge/<token>` from the plain-HTTP listener
//!   (`--http-addr`, port 80), which answers it from [`Certificates`] and redirects
//!   every other request to `https://` ([`http_router`]).
//! - **Renewal** ([`start`]): when a third of the certificate's lifetime is left
//!   ([`validity::Validity::renew_at`]); a failed attempt is tried again after 1
//!   minute, then twice as long each time up to an hour. Until the first certificate
//!   arrives, TLS handshakes fail (there is nothing to present).

mod validity;

use std::{
    collections::HashMap,
    net::SocketAddr,
    path::{Path, PathBuf},
    sync::{Arc, Mutex, RwLock},
    time::{Duration, SystemTime},
};

use axum::{
    Router,
    extract::{Path as UrlPath, State},
    http::{StatusCode, Uri},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use instant_acme::{
    Account, AuthorizationStatus, ChallengeType, Identifier, NewAccount, NewOrder, OrderStatus,
    RetryPolicy,
};
use rustls::{
    crypto::ring::default_provider,
    pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject},
    server::{ClientHello, ResolvesServerCert},
    sign::CertifiedKey,
};
use tokio::task::JoinHandle;

pub(crate) use validity::Validity;

/// Let's Encrypt's production directory, the default `--acme-directory`.
pub const LETS_ENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// What `--acme-*` asks for.
#[derive(Clone, Debug)]
pub struct AcmeConfig {
    /// The name the certificate is for.
    pub domain: String,
    /// Contact URLs for the account (`mailto:...`).
    pub contacts: Vec<String>,
    /// The ACME server's directory URL.
    pub directory: String,
    /// The CA certificate (PEM) of a private ACME server's own HTTPS, if not public.
    pub directory_ca: Option<PathBuf>,
    /// The plain-HTTP listener: HTTP-01 challenges and the redirect to HTTPS.
    pub http_addr: SocketAddr,
    /// Where the account and certificate are kept (`<data dir>/acme`).
    pub dir: PathBuf,
}

/// Why a certificate could not be had.
#[derive(Debug, thiserror::Error)]
pub enum AcmeError {
    /// The ACME server or the exchange with it failed.
    #[error("ACME: {0}")]
    Acme(#[from] instant_acme::Error),
    /// The ACME server refused the order.
    #[error("ACME: {0}")]
    Refused(String),
    /// A kept file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A kept or received certificate is unusable.
    #[error("certificate: {0}")]
    Certificate(String),
}

/// When the served certificate is valid and when it is renewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CertificateStatus {
    /// Valid until.
    pub not_after: SystemTime,
    /// When renewal starts.
    pub renew_at: SystemTime,
}

/// The certificate being served and the HTTP-01 answers being offered; shared by the
/// TLS handshakes, the plain-HTTP listener and the renewal task.
#[derive(Debug, Default)]
pub struct Certificates {
    current: RwLock<Option<(Arc<CertifiedKey>, Validity)>>,
    /// Token → key authorization, while an order is being validated.
    challenges: Mutex<HashMap<String, String>>,
}

impl ResolvesServerCert for Certificates {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().map(|(key, _)| key.clone())
    }
}

impl Certificates {
    /// The served certificate's dates, once there is one.
    pub fn status(&self) -> Option<CertificateStatus> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current.as_ref().map(|(_, validity)| CertificateStatus {
            not_after: validity.not_after,
            renew_at: validity.renew_at(),
        })
    }

    /// Serves the kept certificate of `config`, if there is one; returns its status.
    pub(crate) fn load_kept(
        &self,
        config: &AcmeConfig,
    ) -> Result<Option<CertificateStatus>, AcmeError> {
        let (cert, key) = files(config);
        let (Ok(chain), Ok(private)) = (std::fs::read(&cert), std::fs::read(&key)) else {
            return Ok(None);
        };
        self.install(&chain, &private)?;
        Ok(self.status())
    }

    /// Serves this chain and key (PEM) from now on.
    fn install(&self, chain_pem: &[u8], key_pem: &[u8]) -> Result<(), AcmeError> {
        let bad = |what: &str| AcmeError::Certificate(what.to_owned());
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| bad(&e.to_string()))?;
        let validity = chain
            .first()
            .and_then(|cert| Validity::of(cert))
            .ok_or_else(|| bad("no readable certificate in the chain"))?;
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| bad(&e.to_string()))?;
        let certified = CertifiedKey::from_der(chain, key, &default_provider())
            .map_err(|e| bad(&e.to_string()))?;
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        *current = Some((Arc::new(certified), validity));
        Ok(())
    }

    fn challenge_answer(&self, token: &str) -> Option<String> {
        let challenges = self.challenges.lock().unwrap_or_else(|e| e.into_inner());
        challenges.get(token).cloned()
    }

    fn offer(&self, token: String, answer: String) {
        let mut challenges = self.challenges.lock().unwrap_or_else(|e| e.into_inner());
        challenges.insert(token, answer);
    }

    fn withdraw_all(&self) {
        let mut challenges = self.challenges.lock().unwrap_or_else(|e| e.into_inner());
        challenges.clear();
    }
}

/// The kept certificate chain and key files.
fn files(config: &AcmeConfig) -> (PathBuf, PathBuf) {
    (
        config.dir.join(format!("{}.crt.pem", config.domain)),
        config.dir.join(format!("{}.key.pem", config.domain)),
    )
}

/// First wait after a failed attempt; it doubles up to [`MAX_RETRY`].
const FIRST_RETRY: Duration = Duration::from_secs(60);
const MAX_RETRY: Duration = Duration::from_secs(3600);
/// The renewal task wakes at least this often, so that a clock that jumped (a
/// suspended machine) delays renewal by no more than this.
const LONGEST_SLEEP: Duration = Duration::from_secs(3600);

/// Gets a certificate now if none is served, then renews it when due, until aborted.
pub(crate) fn start(certificates: Arc<Certificates>, config: AcmeConfig) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut retry = FIRST_RETRY;
        loop {
            let due = certificates.status().map(|s| s.renew_at);
            let wait = due
                .and_then(|at| at.duration_since(SystemTime::now()).ok())
                .unwrap_or(Duration::ZERO);
            if !wait.is_zero() {
                tokio::time::sleep(wait.min(LONGEST_SLEEP)).await;
                continue;
            }
            let outcome = obtain(&certificates, &config).await;
            certificates.withdraw_all();
            match outcome {
                Ok(status) => {
                    retry = FIRST_RETRY;
                    tracing::info!(
                        domain = %config.domain,
                        valid_until = %humantime::format_rfc3339_seconds(status.not_after),
                        renewal_at = %humantime::format_rfc3339_seconds(status.renew_at),
                        "ACME: certificate obtained"
                    );
                }
                Err(err) => {
                    let err = with_causes(&err);
                    tracing::warn!(%err, domain = %config.domain, retry_in = ?retry, "ACME: no certificate yet");
                    tokio::time::sleep(retry).await;
                    retry = (retry * 2).min(MAX_RETRY);
                }
            }
        }
    })
}

/// `err` and every error under it ("client error (Connect)" alone does not say that
/// the directory's certificate was refused).
fn with_causes(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(next) = cause {
        text.push_str(": ");
        text.push_str(&next.to_string());
        cause = next.source();
    }
    text
}

/// One order: the account, the HTTP-01 challenges, the certificate, kept and served.
async fn obtain(
    certificates: &Certificates,
    config: &AcmeConfig,
) -> Result<CertificateStatus, AcmeError> {
    let account = account(config).await?;
    let identifiers = [Identifier::Dns(config.domain.clone())];
    let mut order = account.new_order(&NewOrder::new(&identifiers)).await?;
    let mut authorizations = order.authorizations();
    while let Some(authorization) = authorizations.next().await {
        let mut authorization = authorization?;
        match authorization.status {
            AuthorizationStatus::Pending => {}
            AuthorizationStatus::Valid => continue,
            other => return Err(AcmeError::Refused(format!("authorization is {other:?}"))),
        }
        let mut challenge = authorization
            .challenge(ChallengeType::Http01)
            .ok_or_else(|| AcmeError::Refused("the server offers no HTTP-01 challenge".into()))?;
        certificates.offer(
            challenge.token.clone(),
            challenge.key_authorization().as_str().to_owned(),
        );
        challenge.set_ready().await?;
    }
    let patience = RetryPolicy::default().timeout(Duration::from_secs(120));
    let status = order.poll_ready(&patience).await?;
    if status != OrderStatus::Ready {
        return Err(AcmeError::Refused(format!("the order is {status:?}")));
    }
    let key_pem = order.finalize().await?;
    let chain_pem = order.poll_certificate(&patience).await?;
    certificates.install(chain_pem.as_bytes(), key_pem.as_bytes())?;
    let (cert, key) = files(config);
    write_private(&key, &key_pem)?;
    write_private(&cert, &chain_pem)?;
    certificates
        .status()
        .ok_or_else(|| AcmeError::Certificate("none installed".into()))
}

/// The kept account for this directory, or a new one (then kept).
async fn account(config: &AcmeConfig) -> Result<Account, AcmeError> {
    let builder = || match &config.directory_ca {
        Some(ca) => Account::builder_with_root(ca),
        None => Account::builder(),
    };
    let path = config.dir.join("account.json");
    let kept: Option<KeptAccount> = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .filter(|kept: &KeptAccount| kept.directory == config.directory);
    if let Some(kept) = kept {
        return Ok(builder()?.from_credentials(kept.credentials).await?);
    }
    let contacts: Vec<&str> = config.contacts.iter().map(String::as_str).collect();
    let new = NewAccount {
        contact: &contacts,
        terms_of_service_agreed: true,
        only_return_existing: false,
    };
    let (account, credentials) = builder()?
        .create(&new, config.directory.clone(), None)
        .await?;
    let kept = KeptAccount {
        directory: config.directory.clone(),
        credentials,
    };
    let json = serde_json::to_string(&kept).map_err(|e| AcmeError::Certificate(e.to_string()))?;
    write_private(&path, &json)?;
    Ok(account)
}

/// The account file: which directory it belongs to, and its credentials.
#[derive(serde::Serialize, serde::Deserialize)]
struct KeptAccount {
    directory: String,
    credentials: instant_acme::AccountCredentials,
}

/// Writes `text` to `path` (replacing it), readable by the server only.
fn write_private(path: &Path, text: &str) -> Result<(), AcmeError> {
    let io = |source| AcmeError::Io {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent() {
        crate::data_dir::create(dir).map_err(io)?;
    }
    let partial = path.with_extension("partial");
    crate::data_dir::private_file(&partial).map_err(io)?;
    std::fs::write(&partial, text).map_err(io)?;
    std::fs::rename(&partial, path).map_err(io)
}

/// The plain-HTTP listener's routes: HTTP-01 answers, and a redirect of everything
/// else to `https_base` (the same path and query).
pub(crate) fn http_router(certificates: Arc<Certificates>, https_base: String) -> Router {
    Router::new()
        .route("/.well-known/acme-challenge/{token}", get(challenge))
        .fallback(redirect)
        .with_state((certificates, Arc::<str>::from(https_base)))
}

type HttpState = (Arc<Certificates>, Arc<str>);

async fn challenge(
    State((certificates, _)): State<HttpState>,
    UrlPath(token): UrlPath<String>,
) -> Response {
    match certificates.challenge_answer(&token) {
        Some(answer) => answer.into_response(),
        None => (StatusCode::NOT_FOUND, "no such challenge\n").into_response(),
    }
}

async fn redirect(State((_, base)): State<HttpState>, uri: Uri) -> Redirect {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    Redirect::permanent(&format!("{base}{path}"))
}
