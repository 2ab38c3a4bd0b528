//! The Origin check against cross-site WebSocket hijacking.
//!
//! Browsers attach `Origin` to every WebSocket handshake and let any page open a socket
//! to any site. A socket that carries a token must therefore come from our own pages
//! (same host) or from an origin on the allow-list; otherwise another site's page could
//! publish in a runner's name with credentials it never saw. Clients that are not
//! browsers send no `Origin` and cannot be used that way, so they are trusted.

use axum::http::{HeaderMap, header};

/// Origins allowed besides the server's own.
#[derive(Clone, Debug, Default)]
pub struct OriginPolicy {
    allowed: Vec<String>,
}

impl OriginPolicy {
    /// A policy allowing the server's own origin and `allowed` (e.g. `https://race.example`).
    pub fn new(allowed: impl IntoIterator<Item = String>) -> Self {
        Self {
            allowed: allowed
                .into_iter()
                .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
                .collect(),
        }
    }

    /// True if a socket with these handshake headers may carry a token.
    pub fn trusts(&self, headers: &HeaderMap) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return true;
        };
        let origin = origin.trim_end_matches('/').to_ascii_lowercase();
        if self.allowed.contains(&origin) {
            return true;
        }
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_ascii_lowercase);
        let origin_host = origin.split_once("://").map(|(_, rest)| rest);
        matches!((origin_host, host), (Some(o), Some(h)) if o == h)
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(origin: Option<&str>, host: &str) -> HeaderMap {
        let mut map = HeaderMap::new();
        map.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(origin) = origin {
            map.insert(header::ORIGIN, HeaderValue::from_str(origin).unwrap());
        }
        map
    }

    #[test]
    fn same_host_listed_and_absent_origins_are_trusted() {
        let policy = OriginPolicy::new(["https://Race.example/".to_owned()]);
        assert!(policy.trusts(&headers(None, "127.0.0.1:3000")));
        assert!(policy.trusts(&headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000")));
        assert!(policy.trusts(&headers(Some("https://race.example"), "127.0.0.1:3000")));
    }

    #[test]
    fn other_sites_are_not() {
        let policy = OriginPolicy::default();
        assert!(!policy.trusts(&headers(Some("https://evil.example"), "127.0.0.1:3000")));
        assert!(!policy.trusts(&headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000")));
        assert!(!policy.trusts(&headers(Some("null"), "127.0.0.1:3000")));
    }
}
