//! Session ids and the cookie that carries one.
//!
//! An id is 256 random bits (43 characters of URL-safe base64). The store keeps only
//! its SHA-256 ([`SessionId::key`]): the id is a bearer secret, and a copy of the
//! database must not be one. The cookie is HttpOnly (a page's script never sees it),
//! SameSite=Strict (another site's page cannot make the browser send it), and Secure
//! when the client came over HTTPS.

use axum::http::HeaderMap;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// The cookie that carries a console session.
pub const SESSION_COOKIE: &str = "spectate_session";

/// Characters of an id as the cookie carries it (32 bytes in unpadded base64).
const ID_CHARS: usize = 43;

/// A console session's id: the secret the organiser's browser holds.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionId(String);

/// Ids are secrets: they are never logged.
impl std::fmt::Debug for SessionId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionId(..)")
    }
}

impl SessionId {
    /// A new random id.
    pub fn new() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// The id the request's cookie carries, if it has one that could be an id.
    pub fn from_headers(headers: &HeaderMap) -> Option<Self> {
        let value = crate::auth::access::cookie(headers, SESSION_COOKIE)?;
        let well_formed = value.len() == ID_CHARS
            && value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then_some(Self(value))
    }

    /// What the store knows the session by: the id's SHA-256, in hex.
    pub fn key(&self) -> String {
        Sha256::digest(self.0.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The `Set-Cookie` value that gives the browser this id for `max_age_s`.
    pub fn cookie(&self, max_age_s: u64, https: bool) -> String {
        format!(
            "{SESSION_COOKIE}={}; Path=/; Max-Age={max_age_s}; HttpOnly; SameSite=Strict{}",
            self.0,
            secure(https)
        )
    }
}

/// The `Set-Cookie` value that makes the browser forget its session.
pub fn cleared_cookie(https: bool) -> String {
    format!(
        "{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict{}",
        secure(https)
    )
}

fn secure(https: bool) -> &'static str {
    if https { "; Secure" } else { "" }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderValue, header};

    use super::*;

    #[test]
    fn ids_are_random_read_back_from_the_cookie_and_stored_hashed() {
        let id = SessionId::new().unwrap();
        assert_ne!(id, SessionId::new().unwrap());
        let cookie = id.cookie(60, true);
        assert!(
            cookie.ends_with("HttpOnly; SameSite=Strict; Secure"),
            "{cookie}"
        );
        assert!(!id.cookie(60, false).contains("Secure"));
        let pair = cookie.split(';').next().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("a=b; {pair}")).unwrap(),
        );
        assert_eq!(SessionId::from_headers(&headers), Some(id.clone()));
        assert_eq!(id.key().len(), 64);
        assert!(!id.key().contains(&id.0));
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("spectate_session=short"),
        );
        assert_eq!(SessionId::from_headers(&headers), None);
    }
}
