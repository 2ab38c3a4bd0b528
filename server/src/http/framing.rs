//! Which sites may show our pages in a frame (issue 19, `/embed`).
//!
//! `/embed` is the map and leaderboard made for an iframe on the race's own site; the
//! organiser names that site with `--embed-origin https://race.example`. Every answer
//! says who may frame it, in `Content-Security-Policy: frame-ancestors`, which
//! browsers enforce on the framing page's origin (and every ancestor's):
//!
//! - `/embed`: `'self'` and the `--embed-origin` origins (by default `'self'` alone);
//! - every other path, the console's pages first: `'self'` only, and the older
//!   `X-Frame-Options: SAMEORIGIN` beside it. A page framed by another site could be
//!   clicked through (clickjacking): an organiser's "resolve" button, a runner's Start.
//!
//! `X-Frame-Options` is not sent on `/embed`: it cannot name another origin, and a
//! browser that honours both would refuse the race's site.

use axum::{
    extract::{Request, State},
    http::{HeaderValue, header},
    middleware::Next,
    response::Response,
};

use crate::state::AppState;

/// The path of the page made for frames.
const EMBED_PATH: &str = "/embed";

/// An origin that may frame `/embed`: `https://host[:port]` or `http://host[:port]`,
/// checked so that nothing else reaches the header (a `;` would start a new CSP
/// directive, a space a new source).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbedOrigin(String);

impl EmbedOrigin {
    /// `text` as an origin, or what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().trim_end_matches('/');
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| {
                format!("{text:?} is not an origin: it must start with https:// or http://")
            })?;
        let not_an_origin = || {
            format!("{text:?} is not an origin: only a scheme, a host name and a port (no path)")
        };
        // `[::1]:8443`: an IPv6 address is bracketed, its colons are not the port's.
        let (host, port) = match rest.strip_prefix('[') {
            Some(bracketed) => {
                let (address, tail) = bracketed.split_once(']').ok_or_else(not_an_origin)?;
                let port = match tail {
                    "" => None,
                    tail => Some(tail.strip_prefix(':').ok_or_else(not_an_origin)?),
                };
                if address.is_empty() || !address.chars().all(|c| c.is_ascii_hexdigit() || c == ':')
                {
                    return Err(not_an_origin());
                }
                (address, port)
            }
            None => {
                let (host, port) = match rest.split_once(':') {
                    Some((host, port)) => (host, Some(port)),
                    None => (rest, None),
                };
                if !host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
                {
                    return Err(not_an_origin());
                }
                (host, port)
            }
        };
        if host.is_empty() {
            return Err(format!("{text:?} has no host name"));
        }
        if let Some(port) = port
            && port.parse::<u16>().is_err()
        {
            return Err(format!("{text:?} has an invalid port {port:?}"));
        }
        Ok(Self(text.to_ascii_lowercase()))
    }

    /// The origin, as written in the header.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The two answers' headers, made once at start.
#[derive(Clone, Debug)]
pub struct Framing {
    embed: HeaderValue,
    other: HeaderValue,
}

impl Framing {
    /// `/embed` framed by our own origin and `origins`; everything else by ours only.
    pub fn new(origins: &[EmbedOrigin]) -> Self {
        let mut embed = "frame-ancestors 'self'".to_owned();
        for origin in origins {
            embed.push(' ');
            embed.push_str(origin.as_str());
        }
        Self {
            // Checked by `EmbedOrigin::parse`: visible ASCII and spaces only.
            embed: HeaderValue::from_str(&embed)
                .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'self'")),
            other: HeaderValue::from_static("frame-ancestors 'self'"),
        }
    }
}

/// Adds the framing headers to every answer.
pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let embed = request.uri().path() == EMBED_PATH;
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if embed {
        headers.insert(header::CONTENT_SECURITY_POLICY, state.framing.embed.clone());
    } else {
        headers.insert(header::CONTENT_SECURITY_POLICY, state.framing.other.clone());
        headers.insert(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("SAMEORIGIN"),
        );
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_checked_before_they_reach_the_header() {
        assert_eq!(
            EmbedOrigin::parse("https://Race.example/")
                .unwrap()
                .as_str(),
            "https://race.example"
        );
        assert!(EmbedOrigin::parse("http://127.0.0.1:8080").is_ok());
        assert!(EmbedOrigin::parse("https://[::1]:8443").is_ok());
        for bad in [
            "race.example",
            "https://",
            "https://race.example/results",
            "https://race.example; script-src *",
            "https://race.example https://evil.example",
            "https://race.example:99999",
            "ftp://race.example",
        ] {
            assert!(EmbedOrigin::parse(bad).is_err(), "{bad} was taken");
        }
    }

    #[test]
    fn the_embed_header_names_the_origins() {
        let framing = Framing::new(&[
            EmbedOrigin::parse("https://race.example").unwrap(),
            EmbedOrigin::parse("http://localhost:8000").unwrap(),
        ]);
        assert_eq!(
            framing.embed,
            "frame-ancestors 'self' https://race.example http://localhost:8000"
        );
        assert_eq!(framing.other, "frame-ancestors 'self'");
    }
}
