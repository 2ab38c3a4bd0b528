//! Tests of [`super::SiteFiles`]: the embedded files answer like the directory does
//! (precompressed copies by `Accept-Encoding`, validators, the caller's caching), and
//! a path never leaves the site root.

use axum::http::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

use super::*;

static SITE: &[(&str, &[u8])] = &[
    ("pkg/spectate.wasm", b"the bundle"),
    ("pkg/spectate.wasm.br", b"brotli copy"),
    ("pkg/spectate.wasm.gz", b"gzip copy"),
    ("favicon.svg", b"<svg/>"),
];

async fn get(files: &SiteFiles, path: &str, headers: &[(&str, &str)]) -> (Response, Vec<u8>) {
    let mut req = Request::builder().uri(format!("/{path}"));
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    let req = req.body(Body::empty()).unwrap();
    let res = files
        .respond(path, req, HeaderValue::from_static("test-cache"))
        .await;
    let (parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (Response::from_parts(parts, Body::empty()), bytes.to_vec())
}

fn header(res: &Response, name: axum::http::HeaderName) -> Option<&str> {
    res.headers().get(name).and_then(|v| v.to_str().ok())
}

#[tokio::test]
async fn an_embedded_file_comes_as_the_best_copy_the_browser_takes() {
    let files = SiteFiles::embedded(SITE);
    for (accept, coding, body) in [
        ("gzip, deflate, br", Some("br"), &b"brotli copy"[..]),
        ("gzip", Some("gzip"), b"gzip copy"),
        ("br;q=0, gzip;q=0.5", Some("gzip"), b"gzip copy"),
        ("identity", None, b"the bundle"),
    ] {
        let (res, bytes) = get(&files, "pkg/spectate.wasm", &[("accept-encoding", accept)]).await;
        assert_eq!(res.status(), StatusCode::OK, "{accept}");
        assert_eq!(bytes, body, "{accept}");
        assert_eq!(header(&res, CONTENT_ENCODING), coding, "{accept}");
        assert_eq!(header(&res, CONTENT_TYPE), Some("application/wasm"));
        assert_eq!(header(&res, CACHE_CONTROL), Some("test-cache"));
        assert_eq!(header(&res, VARY), Some("accept-encoding"));
    }
    let (res, bytes) = get(&files, "pkg/spectate.wasm", &[]).await;
    assert_eq!(
        (header(&res, CONTENT_ENCODING), &bytes[..]),
        (None, &b"the bundle"[..])
    );
    // A file with no copies does not vary.
    let (res, bytes) = get(&files, "favicon.svg", &[(ACCEPT_ENCODING.as_str(), "br")]).await;
    assert_eq!(bytes, b"<svg/>");
    assert_eq!(header(&res, CONTENT_TYPE), Some("image/svg+xml"));
    assert_eq!(header(&res, VARY), None);
}

#[tokio::test]
async fn an_embedded_file_the_browser_has_is_not_sent_again() {
    let files = SiteFiles::embedded(SITE);
    let (res, _) = get(&files, "pkg/spectate.wasm", &[("accept-encoding", "br")]).await;
    let etag = header(&res, ETAG).unwrap().to_owned();
    let (res, bytes) = get(
        &files,
        "pkg/spectate.wasm",
        &[("accept-encoding", "br"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
    assert!(bytes.is_empty());
    assert_eq!(header(&res, CACHE_CONTROL), Some("test-cache"));
    // The gzip copy is other bytes: the brotli copy's tag does not match it.
    let (res, bytes) = get(
        &files,
        "pkg/spectate.wasm",
        &[("accept-encoding", "gzip"), ("if-none-match", &etag)],
    )
    .await;
    assert_eq!(
        (res.status(), &bytes[..]),
        (StatusCode::OK, &b"gzip copy"[..])
    );
}

#[test]
fn files_are_found_by_their_path_under_the_site_root_and_never_above_it() {
    let files = SiteFiles::embedded(SITE);
    assert!(files.has("pkg/spectate.wasm") && files.has("favicon.svg"));
    assert!(!files.has("/favicon.svg") && !files.has("pkg") && !files.has(""));
    assert_eq!(files.read("favicon.svg").as_deref(), Some(&b"<svg/>"[..]));

    let dir = std::env::temp_dir().join(format!("spectate-site-files-{}", fastrand::u64(..)));
    std::fs::create_dir_all(dir.join("site/pkg")).unwrap();
    std::fs::write(dir.join("site/pkg/a.js"), "a").unwrap();
    std::fs::write(dir.join("secret"), "s").unwrap();
    let disk = SiteFiles::Disk(dir.join("site"));
    assert!(disk.has("pkg/a.js"));
    assert_eq!(disk.read("pkg/a.js").as_deref(), Some(&b"a"[..]));
    for outside in [
        "../secret",
        "pkg/../../secret",
        "/secret",
        "pkg//a.js",
        "./pkg/a.js",
        "",
    ] {
        assert!(!disk.has(outside), "{outside}");
        assert!(disk.read(outside).is_none(), "{outside}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_site_root_option_wins_over_the_files_the_binary_carries() {
    let root = Path::new("/srv/site");
    assert!(matches!(
        SiteFiles::choose(Some(root), Path::new("target/site")),
        SiteFiles::Disk(r) if r == root
    ));
    // Test builds carry no site (no SPECTATE_EMBED_SITE): the default directory.
    match SiteFiles::choose(None, Path::new("target/site")) {
        SiteFiles::Disk(r) => assert_eq!(r, Path::new("target/site")),
        SiteFiles::Embedded(files) => assert_eq!(files.len(), EMBEDDED.len()),
    }
}
