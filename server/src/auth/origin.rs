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

/// An origin as compared: lower case, without a trailing `/` or its scheme's
/// default port (`https://race.example:443` is `https://race.example`).
fn normalize(origin: &str) -> String {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    for (scheme, port) in [("http://", ":80"), ("https://", ":443")] {
        if origin.starts_with(scheme)
            && let Some(bare) = origin.strip_suffix(port)
        {
            return bare.to_owned();
        }
    }
    origin
}

impl OriginPolicy {
    /// A policy allowing the server's own origin and `allowed` (e.g. `https://race.example`).
    pub fn new(allowed: impl IntoIterator<Item = String>) -> Self {
        Self {
            allowed: allowed.into_iter().map(|o| normalize(&o)).collect(),
        }
    }

    /// True if a socket with these handshake headers may carry a token. The server's
    /// own origin is its scheme (`https` when the client came over TLS, to this
    /// server or to a trusted proxy that says so; else `http`) and its `Host`:
    /// a page from `https://host` is not the page of `http://host`, nor the other
    /// way round.
    pub fn trusts(&self, headers: &HeaderMap, https: bool) -> bool {
        let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
            return true;
        };
        self.allowed.contains(&normalize(origin)) || is_own(headers, https)
    }
}

/// True if the request's `Origin` is the server's own (scheme and `Host`), without
/// the allow-list: the organiser's console takes requests from its own pages only.
/// A request without `Origin` is not a browser's and cannot carry a victim's
/// cookie, so it passes; one with two is no browser's either, and is refused rather
/// than judged by whichever one a proxy would read.
pub fn is_own(headers: &HeaderMap, https: bool) -> bool {
    let mut origins = headers.get_all(header::ORIGIN).iter();
    let (Some(origin), None) = (origins.next(), origins.next()) else {
        return headers.get(header::ORIGIN).is_none();
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let scheme = if https { "https" } else { "http" };
    normalize(origin) == normalize(&format!("{scheme}://{host}"))
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
        let policy = OriginPolicy::new(["https://Race.example:443/".to_owned()]);
        assert!(policy.trusts(&headers(None, "127.0.0.1:3000"), false));
        assert!(policy.trusts(
            &headers(Some("http://127.0.0.1:3000"), "127.0.0.1:3000"),
            false
        ));
        assert!(policy.trusts(
            &headers(Some("https://race.example"), "127.0.0.1:3000"),
            false
        ));
        // Behind a TLS proxy: the page is https, the Host the public name.
        assert!(policy.trusts(&headers(Some("https://live.example"), "live.example"), true));
        assert!(policy.trusts(
            &headers(Some("http://live.example"), "live.example:80"),
            false
        ));
    }

    #[test]
    fn other_sites_and_other_schemes_are_not() {
        let policy = OriginPolicy::default();
        assert!(!policy.trusts(
            &headers(Some("https://evil.example"), "127.0.0.1:3000"),
            false
        ));
        assert!(!policy.trusts(
            &headers(Some("http://127.0.0.1:3001"), "127.0.0.1:3000"),
            false
        ));
        assert!(!policy.trusts(&headers(Some("null"), "127.0.0.1:3000"), false));
        assert!(!policy.trusts(
            &headers(Some("https://127.0.0.1:3000"), "127.0.0.1:3000"),
            false
        ));
        assert!(!policy.trusts(&headers(Some("http://live.example"), "live.example"), true));
    }
}
