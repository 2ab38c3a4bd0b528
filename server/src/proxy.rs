//! Who the client is when a reverse proxy stands in front of the server.
//!
//! Behind the TLS proxy that the README recommends, every connection comes from the
//! proxy's address, so every spectator would share one address's limits (sockets,
//! topics, HTTP connections). `--trusted-proxy CIDR` names the proxies whose word is
//! taken: on a connection from one of them, the client is the right-most address of
//! `X-Forwarded-For` that is not itself a trusted proxy, and `X-Forwarded-Proto`
//! says whether the page was served over HTTPS (the Origin check needs the scheme).
//!
//! Only the right-most untrusted address counts because everything left of it was
//! written by the client: a client can put any address there, but it cannot change
//! what its own proxy appends. A connection from anywhere else keeps its peer
//! address, whatever headers it sends.

use std::{net::IpAddr, sync::Arc};

use axum::{
    extract::ConnectInfo,
    http::{Extensions, HeaderMap},
};
use ipnet::IpNet;

/// The proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed (shared:
/// every connection's service holds a clone).
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<[IpNet]>);

/// The client behind a request, as the per-address limits and the Origin check see
/// it (a request extension set by the accept loop).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Client {
    /// The client's address: the peer's, or the one a trusted proxy forwarded.
    pub ip: IpAddr,
    /// Whether the client reached us over HTTPS: the server's own (`--tls-cert`), or a
    /// trusted proxy's that says so.
    pub https: bool,
}

impl Client {
    /// The client of a request: what the accept loop found, else (a router served some
    /// other way) the peer address, else an unspecified address that all such clients
    /// share. Every per-address limit reads it from here.
    pub(crate) fn of(extensions: &Extensions) -> Self {
        extensions
            .get::<Client>()
            .copied()
            .unwrap_or_else(|| Client {
                ip: extensions
                    .get::<ConnectInfo<std::net::SocketAddr>>()
                    .map_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED), |info| {
                        info.0.ip()
                    }),
                https: false,
            })
    }

    /// What the per-address limits count this client under ([`limit_key`]).
    pub(crate) fn limit_key(&self) -> IpAddr {
        limit_key(self.ip)
    }
}

/// The key a per-address limit counts `ip` under: an IPv4 address as it is (an
/// IPv4-mapped IPv6 one as the IPv4 address), an IPv6 address by its /64 prefix. An
/// IPv6 customer is normally given a whole /64 and picks any address in it, so limits
/// counted per IPv6 address would give one client 2^64 allowances.
pub(crate) fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(std::net::Ipv6Addr::from(prefix))
        }
        v4 => v4,
    }
}

/// Parses `--trusted-proxy`: a CIDR range (`10.0.0.0/8`, `fd00::/8`) or one address.
pub fn parse_cidr(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<IpAddr>().map(IpNet::from).map_err(|_| {
        format!("{text:?} is not an address or a CIDR range (e.g. 10.0.0.0/8, 127.0.0.1, ::1)")
    })
}

impl TrustedProxies {
    /// Trusts the proxies in `ranges`.
    pub fn new(ranges: impl IntoIterator<Item = IpNet>) -> Self {
        Self(ranges.into_iter().collect())
    }

    /// True when no proxy is trusted (the default).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `ip` is one of the trusted proxies.
    pub fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind a request from `peer` with these headers.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> Client {
        let peer = peer.to_canonical();
        if !self.trusts(peer) {
            return Client {
                ip: peer,
                https: false,
            };
        }
        Client {
            ip: self.forwarded_for(peer, headers),
            https: forwarded_https(headers),
        }
    }

    /// Walks `X-Forwarded-For` from the right, past trusted proxies, to the first
    /// address that is not one. An entry that is not an address stops the walk: what
    /// lies left of it cannot be believed, so the last trusted hop is the client.
    fn forwarded_for(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        // Several headers are one list, in order (RFC 7230 §3.2.2).
        let entries: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = peer;
        for entry in entries.iter().rev() {
            let Some(ip) = parse_hop(entry) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }
}

/// One `X-Forwarded-For` entry: an address, perhaps with a port (`1.2.3.4:5678`,
/// `[2001:db8::1]:443`), as some proxies write it.
fn parse_hop(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .or_else(|_| entry.parse::<std::net::SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// Whether the nearest proxy says the client came over HTTPS. Its value is the
/// right-most one: a proxy that appends rather than replaces puts its own last.
fn forwarded_https(headers: &HeaderMap) -> bool {
    headers
        .get_all("x-forwarded-proto")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .next_back()
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    fn proxies() -> TrustedProxies {
        TrustedProxies::new([
            parse_cidr("127.0.0.1").unwrap(),
            parse_cidr("10.0.0.0/8").unwrap(),
        ])
    }

    #[test]
    fn the_right_most_untrusted_address_is_the_client() {
        let xff = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.1.2.3")]);
        assert_eq!(
            proxies().client(ip("127.0.0.1"), &xff).ip,
            ip("203.0.113.9")
        );
        // Several headers are one list.
        let split = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.9:5555, 10.1.2.3"),
        ]);
        assert_eq!(
            proxies().client(ip("127.0.0.1"), &split).ip,
            ip("203.0.113.9")
        );
        let v6 = headers(&[("x-forwarded-for", "[2001:db8::7]:443")]);
        assert_eq!(proxies().client(ip("127.0.0.1"), &v6).ip, ip("2001:db8::7"));
    }

    #[test]
    fn headers_from_untrusted_peers_are_ignored() {
        let forged = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("x-forwarded-proto", "https"),
        ]);
        let client = proxies().client(ip("198.51.100.1"), &forged);
        assert_eq!(client.ip, ip("198.51.100.1"));
        assert!(!client.https);
        let client = TrustedProxies::default().client(ip("127.0.0.1"), &forged);
        assert_eq!(client.ip, ip("127.0.0.1"));
    }

    #[test]
    fn garbage_or_no_header_leaves_the_last_trusted_hop() {
        let garbage = headers(&[("x-forwarded-for", "203.0.113.9, unknown, 10.0.0.5")]);
        assert_eq!(
            proxies().client(ip("127.0.0.1"), &garbage).ip,
            ip("10.0.0.5")
        );
        assert_eq!(
            proxies().client(ip("127.0.0.1"), &HeaderMap::new()).ip,
            ip("127.0.0.1")
        );
        // Everything trusted: the left-most hop.
        let inside = headers(&[("x-forwarded-for", "10.0.0.9, 10.0.0.5")]);
        assert_eq!(
            proxies().client(ip("127.0.0.1"), &inside).ip,
            ip("10.0.0.9")
        );
    }

    #[test]
    fn the_scheme_comes_from_the_nearest_proxy() {
        let https = headers(&[("x-forwarded-proto", "http, HTTPS")]);
        assert!(proxies().client(ip("127.0.0.1"), &https).https);
        let http = headers(&[("x-forwarded-proto", "https, http")]);
        assert!(!proxies().client(ip("127.0.0.1"), &http).https);
    }

    #[test]
    fn ranges_and_mapped_addresses() {
        assert!(proxies().trusts(ip("::ffff:127.0.0.1")));
        assert!(proxies().trusts(ip("10.255.0.1")));
        assert!(!proxies().trusts(ip("11.0.0.1")));
        assert_eq!(parse_cidr("10.1.2.3/8").unwrap().to_string(), "10.0.0.0/8");
        assert!(parse_cidr("10.0.0.0/33").is_err());
        assert!(parse_cidr("proxy.example").is_err());
    }

    #[test]
    fn limits_count_an_ipv6_client_by_its_64_prefix() {
        assert_eq!(limit_key(ip("2001:db8:0:1::7")), ip("2001:db8:0:1::"));
        assert_eq!(
            limit_key(ip("2001:db8:0:1:ffff:ffff:ffff:ffff")),
            ip("2001:db8:0:1::")
        );
        assert_ne!(limit_key(ip("2001:db8:0:2::7")), ip("2001:db8:0:1::"));
        assert_eq!(limit_key(ip("203.0.113.9")), ip("203.0.113.9"));
        assert_eq!(limit_key(ip("::ffff:203.0.113.9")), ip("203.0.113.9"));
    }
}
