//! The site's static files under names that carry a hash of their content, so a
//! returning spectator downloads none of them again.
//!
//! At start the server reads the bundle (the wasm and its JS glue), our CSS and
//! Leaflet's two files from the site's files ([`SiteFiles`]: carried by the binary, or
//! a directory) and names each by the first 16 hex digits
//! of its SHA-256: `/pkg/spectate.wasm` is linked as `/pkg/spectate.3f9c0a…e1.wasm`.
//! Those names are served with `Cache-Control: public, max-age=31536000, immutable`
//! (a release that changes a file changes its name); everything else the pages
//! router answers, the HTML above all, gets `no-cache`: always revalidated, never
//! `no-store`, which would keep the page out of the back/forward cache. The site's
//! other files (the favicon, Leaflet's images) keep their plain names, `no-cache`.
//!
//! Under `cargo leptos watch` (`LEPTOS_WATCH`) the files change in place while the
//! server runs, so they keep their plain names and are revalidated like the pages.

use std::collections::HashMap;

use axum::{
    extract::{Request, State},
    http::{HeaderValue, Method, header::CACHE_CONTROL},
    middleware::Next,
    response::Response,
};
use leptos::config::LeptosOptions;
use sha2::{Digest, Sha256};
use spectate_app::assets::AssetUrls;

use super::site_files::SiteFiles;
use crate::state::AppState;

/// A year, and never revalidated: the name changes when the content does.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Always revalidated (pages, and files under their plain names).
const NO_CACHE: HeaderValue = HeaderValue::from_static("no-cache");

/// The hashed names of the site's static files.
#[derive(Debug)]
pub struct Assets {
    /// What the pages link to.
    urls: AssetUrls,
    /// Hashed URL path to the path of the file it names, under the site root.
    files: HashMap<String, String>,
    /// Where the files are.
    source: SiteFiles,
}

impl Assets {
    /// Names the site's files by their content; a file that is missing (no site
    /// built) keeps its plain name, and is then a 404 like any other.
    pub(crate) fn load(options: &LeptosOptions, source: SiteFiles) -> Self {
        let pkg = options.site_pkg_dir.to_string();
        let name = options.output_name.to_string();
        let mut urls = AssetUrls::plain(&pkg, &name);
        // wasm-bindgen calls it `<name>_bg.wasm` unless the site build renames it.
        if !source.has(urls.wasm.trim_start_matches('/')) {
            urls.wasm = format!("/{pkg}/{name}_bg.wasm");
        }
        tracing::info!(site = %source, "site files");
        let mut assets = Self {
            urls,
            files: HashMap::new(),
            source,
        };
        if std::env::var_os("LEPTOS_WATCH").is_some() {
            return assets;
        }
        let AssetUrls {
            js,
            wasm,
            css,
            leaflet_js,
            leaflet_css,
        } = &mut assets.urls;
        for url in [js, wasm, css, leaflet_js, leaflet_css] {
            let path = url.trim_start_matches('/').to_owned();
            if let Some(bytes) = assets.source.read(&path) {
                let hashed = hashed_name(url, &bytes);
                assets.files.insert(hashed.clone(), path);
                *url = hashed;
            }
        }
        assets
    }

    /// The URLs the pages link to.
    pub fn urls(&self) -> &AssetUrls {
        &self.urls
    }
}

/// `/pkg/spectate.wasm` with `bytes` becomes `/pkg/spectate.<16 hex digits>.wasm`.
fn hashed_name(url: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    match url.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{hex}.{ext}"),
        _ => format!("{url}.{hex}"),
    }
}

/// Serves a hashed name from its file (its brotli or gzip copy when the browser takes
/// it and the build wrote one) with a year's caching, and the site's other files under
/// their plain names with `no-cache`; gives every other response of the pages router
/// `no-cache` unless it set its own.
pub(crate) async fn serve(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        let assets = &state.assets;
        let path = req.uri().path();
        if let Some(file) = assets.files.get(path) {
            let file = file.clone();
            return assets.source.respond(&file, req, IMMUTABLE).await;
        }
        let plain = path.trim_start_matches('/').to_owned();
        if assets.source.has(&plain) {
            return assets.source.respond(&plain, req, NO_CACHE).await;
        }
    }
    let mut res = next.run(req).await;
    res.headers_mut().entry(CACHE_CONTROL).or_insert(NO_CACHE);
    res
}

#[cfg(test)]
mod tests {
    use spectate_app::assets::{LEAFLET_CSS, LEAFLET_JS};

    use super::*;

    #[test]
    fn a_hashed_name_keeps_the_folder_and_the_extension_and_follows_the_content() {
        let a = hashed_name("/pkg/spectate.wasm", b"one");
        let b = hashed_name("/pkg/spectate.wasm", b"two");
        assert!(
            a.starts_with("/pkg/spectate.") && a.ends_with(".wasm"),
            "{a}"
        );
        assert_eq!(a.len(), "/pkg/spectate.".len() + 16 + ".wasm".len());
        assert_ne!(a, b);
        assert_eq!(a, hashed_name("/pkg/spectate.wasm", b"one"));
        assert_eq!(
            hashed_name(LEAFLET_JS, b"x")
                .rsplit_once('.')
                .map(|(_, e)| e),
            Some("js")
        );
        assert!(hashed_name(LEAFLET_CSS, b"x").starts_with("/vendor/leaflet/leaflet."));
    }
}
