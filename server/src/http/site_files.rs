//! Where the site's files come from: the binary itself, or a directory.
//!
//! A release built by `scripts/build-site.sh --embed` carries every file of the site
//! (`build.rs` lists them, `.br`/`.gz` copies included), so `spectate serve` runs from
//! any directory and deploying is copying one file. `--site-root` (or a binary built
//! without the site: `cargo build`, `cargo leptos watch`) reads them from a directory
//! instead, where they may change while the server runs.
//!
//! Both answer the same way ([`SiteFiles::respond`]): the file's brotli or gzip copy
//! when the browser takes it and the build wrote one, else the file itself (which the
//! router's compression layer may still compress), with the caching the caller asks for.

use std::{
    borrow::Cow,
    collections::HashMap,
    fmt,
    path::{Path, PathBuf},
    sync::Arc,
};

use axum::{
    body::Body,
    extract::Request,
    http::{
        HeaderMap, HeaderValue, StatusCode,
        header::{
            ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH,
            VARY,
        },
    },
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeFile;

/// The files the build put into this binary (`build.rs`): empty unless it was built
/// with `SPECTATE_EMBED_SITE` naming the site.
static EMBEDDED: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/site.rs"));

/// The precompressed copies a build writes beside a file, best first.
const CODINGS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

/// The site's files: carried by the binary, or read from a directory.
#[derive(Clone)]
pub(crate) enum SiteFiles {
    /// A directory holding the built site (`--site-root`, development).
    Disk(PathBuf),
    /// Files inside the binary, by their path under the site root (`pkg/spectate.wasm`).
    Embedded(Arc<HashMap<&'static str, EmbeddedFile>>),
}

/// One file carried by the binary.
#[derive(Debug)]
pub(crate) struct EmbeddedFile {
    bytes: &'static [u8],
    /// A strong validator of these bytes, for `If-None-Match`.
    etag: HeaderValue,
}

impl SiteFiles {
    /// `--site-root` when given; else the files this binary carries, if any; else the
    /// default directory (`LEPTOS_SITE_ROOT` or `target/site`).
    pub(crate) fn choose(site_root: Option<&Path>, default_root: &Path) -> Self {
        match site_root {
            Some(root) => Self::Disk(root.to_path_buf()),
            None if !EMBEDDED.is_empty() => Self::embedded(EMBEDDED),
            None => Self::Disk(default_root.to_path_buf()),
        }
    }

    /// Files held in memory for the life of the process (the binary's own, or a test's).
    pub(crate) fn embedded(files: &'static [(&'static str, &'static [u8])]) -> Self {
        let files = files
            .iter()
            .map(|&(name, bytes)| {
                let digest = Sha256::digest(bytes);
                let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
                let etag = HeaderValue::try_from(format!("\"{hex}\""))
                    .unwrap_or(HeaderValue::from_static("\"\""));
                (name, EmbeddedFile { bytes, etag })
            })
            .collect();
        Self::Embedded(Arc::new(files))
    }

    /// Whether `path` (under the site root, no leading `/`) names a file.
    pub(crate) fn has(&self, path: &str) -> bool {
        match self {
            Self::Disk(root) => safe(path) && root.join(path).is_file(),
            Self::Embedded(files) => files.contains_key(path),
        }
    }

    /// The bytes of the file at `path`, if there is one.
    pub(crate) fn read(&self, path: &str) -> Option<Cow<'static, [u8]>> {
        match self {
            Self::Disk(root) if safe(path) => std::fs::read(root.join(path)).ok().map(Cow::Owned),
            Self::Disk(_) => None,
            Self::Embedded(files) => files.get(path).map(|f| Cow::Borrowed(f.bytes)),
        }
    }

    /// Answers `req` with the file at `path` (which [`Self::has`]), or its best
    /// precompressed copy the request accepts, with `cache` as its `Cache-Control`.
    pub(crate) async fn respond(&self, path: &str, req: Request, cache: HeaderValue) -> Response {
        let mut res = match self {
            Self::Disk(root) => {
                let file = ServeFile::new(root.join(path))
                    .precompressed_br()
                    .precompressed_gzip();
                match file.oneshot(req).await {
                    Ok(res) => res.into_response(),
                    Err(err) => {
                        return (StatusCode::INTERNAL_SERVER_ERROR, format!("{err}\n"))
                            .into_response();
                    }
                }
            }
            Self::Embedded(files) => embedded_response(files, path, req.headers()),
        };
        if res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED {
            res.headers_mut().insert(CACHE_CONTROL, cache);
        }
        res
    }
}

impl fmt::Debug for SiteFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self}")
    }
}

impl fmt::Display for SiteFiles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Disk(root) => write!(f, "the directory {}", root.display()),
            Self::Embedded(files) => write!(f, "the binary ({} files)", files.len()),
        }
    }
}

/// A path of plain names only: nothing that could leave the site root.
fn safe(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'))
}

/// The embedded file at `path` as `headers` ask for it: a precompressed copy first,
/// `304` when the browser already has these bytes.
fn embedded_response(
    files: &HashMap<&'static str, EmbeddedFile>,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let Some(original) = files.get(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let copies = CODINGS
        .iter()
        .filter_map(|&(coding, ext)| Some((coding, files.get(format!("{path}{ext}").as_str())?)))
        .collect::<Vec<_>>();
    let (coding, file) = copies
        .iter()
        .find(|(coding, _)| accepts(headers, coding))
        .map_or((None, original), |&(coding, file)| (Some(coding), file));
    let mut res = if headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|tag| tag.trim() == file.etag || tag.trim() == "*")
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut res = Body::from(file.bytes).into_response();
        let mime = mime_guess::from_path(path).first_or_octet_stream();
        if let Ok(mime) = HeaderValue::try_from(mime.as_ref()) {
            res.headers_mut().insert(CONTENT_TYPE, mime);
        }
        if let Some(coding) = coding {
            res.headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
        }
        res
    };
    res.headers_mut().insert(ETAG, file.etag.clone());
    if !copies.is_empty() {
        res.headers_mut()
            .insert(VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// Whether `Accept-Encoding` takes `coding` (named, and not with `q=0`).
fn accepts(headers: &HeaderMap, coding: &str) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';');
            let named = parts
                .next()
                .is_some_and(|name| name.trim().eq_ignore_ascii_case(coding));
            let refused = parts.any(|p| {
                p.trim()
                    .strip_prefix("q=")
                    .and_then(|q| q.trim().parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            named && !refused
        })
}

#[cfg(test)]
#[path = "site_files_tests.rs"]
mod tests;
