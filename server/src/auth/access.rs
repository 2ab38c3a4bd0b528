//! The access rules, and the identity a socket carries from its handshake.
//!
//! - Following and reading are open to everyone, except on a private event, where
//!   both need a token (`?token=`, or the cookie a page opened with one was given).
//! - Publishing a runner's fixes needs a token for that runner (or the admin role),
//!   unless the server runs open (demo / trusted network).
//! - A token is accepted only on a socket whose `Origin` is trusted.

use axum::{
    Json,
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use spectate_app::protocol::{ProtocolError, RunnerId, seed::SeedError};

use super::{Subject, TokenKeys, Verified, origin::OriginPolicy};

/// The server's access settings.
#[derive(Clone, Debug)]
pub struct Access {
    /// Anyone may publish anything (demo mode); tokens are then optional.
    pub open_publishing: bool,
    /// Signs and verifies tokens.
    pub keys: TokenKeys,
    /// Which origins may present tokens.
    pub origins: OriginPolicy,
    /// A private event: following needs a token too (any valid one).
    pub private: std::sync::Arc<Privacy>,
    /// Runner tokens revoked from the console, and the sockets that hold one.
    pub revocations: std::sync::Arc<super::revocations::Revocations>,
}

/// Whether following needs a token: always with `--private`, else as the event says.
/// The console can change the event's setting while the server runs
/// ([`crate::roster::settings`]); it applies from the next page, request or socket.
#[derive(Debug, Default)]
pub struct Privacy {
    forced: bool,
    event: std::sync::atomic::AtomicBool,
}

impl Privacy {
    /// Private if `forced` (the server's `--private`) or if the event is.
    pub fn new(forced: bool, event: bool) -> Self {
        Self {
            forced,
            event: event.into(),
        }
    }

    /// Does following need a token now?
    pub fn is_on(&self) -> bool {
        self.forced || self.event.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The event's own setting changed.
    pub(crate) fn set_event(&self, private: bool) {
        self.event
            .store(private, std::sync::atomic::Ordering::Relaxed);
    }
}

/// What a socket learnt at its handshake: who it is (if it showed a token) and whether
/// its origin may present tokens later.
#[derive(Clone, Debug, Default)]
pub struct Handshake {
    /// The verified token, if any.
    pub identity: Option<Verified>,
    /// False for sockets opened by another site's page.
    pub origin_trusted: bool,
}

/// A handshake refused before the upgrade: 401 for a bad token, 403 for a bad origin,
/// with the error code and message as JSON.
#[derive(Debug)]
pub struct Rejection(ProtocolError);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let status = match self.0 {
            ProtocolError::OriginForbidden(_) => StatusCode::FORBIDDEN,
            ProtocolError::BadMessage(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::UNAUTHORIZED,
        };
        let body: serde_json::Value =
            serde_json::from_str(&SeedError::encode(&self.0)).unwrap_or_default();
        (status, Json(body)).into_response()
    }
}

/// The cookie that carries a spectator's token once a page was opened with
/// `?token=` (HttpOnly, SameSite=Strict): the page's socket and reads send it.
pub const TOKEN_COOKIE: &str = "spectate_token";

/// The decoded `name=value` pairs of a query string (none if it is malformed).
fn query_pairs(query: &str) -> Vec<(String, String)> {
    serde_urlencoded::from_str(query).unwrap_or_default()
}

/// The cookie `name` of a request, if it has one that is not empty.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, value)| *key == name && !value.is_empty())
        .map(|(_, value)| value.to_owned())
}

impl Access {
    /// Open publishing with a throwaway key: for tests and in-process tools.
    pub fn open_for_tests() -> Self {
        Self {
            open_publishing: true,
            keys: TokenKeys::new(&[0u8; 32]),
            origins: OriginPolicy::default(),
            private: Default::default(),
            revocations: Default::default(),
        }
    }

    /// Checks `token`: its signature and times, and that it was not revoked. Every
    /// token a request or a socket shows is checked here.
    pub fn verify(&self, token: &str) -> Result<Verified, ProtocolError> {
        let verified = self.keys.verify(token)?;
        self.revocations.check(&verified)?;
        Ok(verified)
    }

    /// The token a request carries: `?token=`, else the [`TOKEN_COOKIE`] a page
    /// opened with `?token=` was given. A query that names `token` twice is refused:
    /// which one counts would be a guess, and a proxy or a cache may guess otherwise.
    pub fn request_token(headers: &HeaderMap, uri: &Uri) -> Result<Option<String>, ProtocolError> {
        let mut given = query_pairs(uri.query().unwrap_or_default())
            .into_iter()
            .filter(|(name, _)| name == "token")
            .map(|(_, value)| value);
        let token = given.next();
        if given.next().is_some() {
            return Err(ProtocolError::BadMessage(
                "the URL names ?token= more than once; give it once".into(),
            ));
        }
        Ok(token
            .filter(|t| !t.is_empty())
            .or_else(|| cookie(headers, TOKEN_COOKIE)))
    }

    /// May this request read the event (its runners, positions, board, tracks)?
    /// Always on a public event; on a private one only with a valid token, as
    /// [`Self::check_follow`] says for sockets.
    pub fn check_read(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), ProtocolError> {
        if !self.private.is_on() {
            return Ok(());
        }
        let identity = Self::request_token(headers, uri)?
            .map(|token| self.verify(&token))
            .transpose()?;
        self.check_follow(identity.as_ref())
    }

    /// Checks a handshake: a token (`?token=` or the page's cookie) must verify and
    /// come from a trusted origin (`https`: the client came over TLS, as a trusted
    /// proxy says).
    pub fn handshake(
        &self,
        headers: &HeaderMap,
        uri: &Uri,
        https: bool,
    ) -> Result<Handshake, Rejection> {
        let origin_trusted = self.origins.trusts(headers, https);
        let token = Self::request_token(headers, uri).map_err(Rejection)?;
        let mut handshake = Handshake {
            identity: None,
            origin_trusted,
        };
        if let Some(token) = token {
            handshake.authenticate(self, &token).map_err(Rejection)?;
        }
        Ok(handshake)
    }

    /// May the holder of `identity` publish `runner`'s fixes?
    pub fn check_publish(
        &self,
        identity: Option<&Verified>,
        runner: &RunnerId,
    ) -> Result<(), ProtocolError> {
        // A socket keeps the identity it showed: a revocation since counts too.
        if let Some(identity) = identity {
            self.revocations.check(identity)?;
        }
        if self.open_publishing {
            return Ok(());
        }
        let Some(identity) = identity else {
            return Err(ProtocolError::TokenMissing(format!(
                "publishing runner {runner}'s fixes needs a token for that runner: connect with ?token=..., or send it in an `auth` message (/ws) or a `token` field of the hello (seed protocol); tokens come from `spectate token --runner {runner}`"
            )));
        };
        if identity.is_expired() {
            return Err(ProtocolError::TokenExpired(
                "the token of this connection has expired; reconnect with a new one".into(),
            ));
        }
        match &identity.subject {
            Subject::Admin => Ok(()),
            Subject::Runner(own) if own == runner => Ok(()),
            Subject::Runner(own) => Err(ProtocolError::TokenWrongSubject(format!(
                "this token is for runner {own}; it cannot publish as runner {runner}"
            ))),
            Subject::Publisher => Err(ProtocolError::TokenWrongSubject(
                "publisher tokens publish series points, not runner fixes".into(),
            )),
            Subject::Spectator => Err(ProtocolError::TokenWrongSubject(
                "spectator tokens follow runners; they publish nothing".into(),
            )),
        }
    }
}

impl Access {
    /// May the holder of `identity` subscribe? Always on a public event; on a private
    /// one, any valid token will do (`spectate token --role spectator` for spectators).
    pub fn check_follow(&self, identity: Option<&Verified>) -> Result<(), ProtocolError> {
        if !self.private.is_on() {
            return Ok(());
        }
        match identity {
            None => Err(ProtocolError::TokenMissing(
                "this event is private: following needs a token (`spectate token --role spectator`), given as ?token=... or in an `auth` message".into(),
            )),
            Some(identity) if identity.is_expired() => Err(ProtocolError::TokenExpired(
                "the token of this connection has expired; reconnect with a new one".into(),
            )),
            Some(_) => Ok(()),
        }
    }

    /// May the holder of `identity` publish points on a series? Publisher and admin
    /// tokens may; runners may not (a runner's token speaks for its fixes only).
    pub fn check_series_publish(&self, identity: Option<&Verified>) -> Result<(), ProtocolError> {
        if self.open_publishing {
            return Ok(());
        }
        let Some(identity) = identity else {
            return Err(ProtocolError::TokenMissing(
                "publishing series points needs a publisher token (`spectate token --role publisher`)"
                    .into(),
            ));
        };
        if identity.is_expired() {
            return Err(ProtocolError::TokenExpired(
                "the token of this connection has expired; reconnect with a new one".into(),
            ));
        }
        match &identity.subject {
            Subject::Admin | Subject::Publisher => Ok(()),
            Subject::Runner(own) => Err(ProtocolError::TokenWrongSubject(format!(
                "this token is for runner {own}; series points need a publisher token"
            ))),
            Subject::Spectator => Err(ProtocolError::TokenWrongSubject(
                "spectator tokens follow runners; series points need a publisher token".into(),
            )),
        }
    }
}

impl Handshake {
    /// Verifies `token` for this connection (after the upgrade: the `auth` message).
    pub fn authenticate(
        &mut self,
        access: &Access,
        token: &str,
    ) -> Result<&Verified, ProtocolError> {
        if !self.origin_trusted {
            return Err(ProtocolError::OriginForbidden(
                "tokens are not accepted on sockets opened by another site's page".into(),
            ));
        }
        let verified = access.verify(token)?;
        Ok(self.identity.insert(verified))
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use spectate_app::protocol::ErrorCode;

    use super::*;

    fn closed() -> Access {
        Access {
            open_publishing: false,
            ..Access::open_for_tests()
        }
    }

    fn runner(id: &str) -> RunnerId {
        RunnerId::parse(id).unwrap()
    }

    fn identity(subject: Subject) -> Verified {
        Verified {
            subject,
            expires: u64::MAX,
            issued: 0,
        }
    }

    #[test]
    fn publishing_rules() {
        let access = closed();
        let code = |who: Option<&Verified>, id: &str| {
            access
                .check_publish(who, &runner(id))
                .err()
                .map(|e| e.code())
        };
        assert_eq!(code(None, "1"), Some(ErrorCode::TokenMissing));
        let one = identity(Subject::Runner(runner("1")));
        assert_eq!(code(Some(&one), "1"), None);
        assert_eq!(code(Some(&one), "2"), Some(ErrorCode::TokenWrongSubject));
        assert_eq!(
            code(Some(&identity(Subject::Publisher)), "1"),
            Some(ErrorCode::TokenWrongSubject)
        );
        assert_eq!(code(Some(&identity(Subject::Admin)), "9"), None);
        let stale = Verified {
            subject: Subject::Runner(runner("1")),
            expires: 1,
            issued: 0,
        };
        assert_eq!(code(Some(&stale), "1"), Some(ErrorCode::TokenExpired));
        assert_eq!(
            Access::open_for_tests().check_publish(None, &runner("1")),
            Ok(())
        );
    }

    #[test]
    fn handshake_reads_the_query_token() {
        let access = closed();
        let token = access.keys.issue(&Subject::Admin, Duration::from_secs(60));
        let uri: Uri = format!("/ws?x=1&token={token}").parse().unwrap();
        let handshake = access.handshake(&HeaderMap::new(), &uri, false).unwrap();
        assert_eq!(handshake.identity.unwrap().subject, Subject::Admin);
        let bad: Uri = "/ws?token=nope".parse().unwrap();
        assert!(access.handshake(&HeaderMap::new(), &bad, false).is_err());
        let twice: Uri = format!("/ws?token={token}&token={token}").parse().unwrap();
        assert!(access.handshake(&HeaderMap::new(), &twice, false).is_err());
        let none: Uri = "/ws".parse().unwrap();
        assert!(
            access
                .handshake(&HeaderMap::new(), &none, false)
                .unwrap()
                .identity
                .is_none()
        );
    }
}
