//! The site's static files: hashed names cached for a year, pages revalidated.

use spectate_server::config::Config;

use crate::helpers::spawn_app_with;

/// A built site of our own: the bundle, its glue, our CSS, Leaflet, and a brotli copy
/// of the wasm as `--precompress` writes one.
fn site() -> std::path::PathBuf {
    let root = std::env::temp_dir().join(format!("spectate-site-{}", fastrand::u64(..)));
    let file = |path: &str, bytes: &[u8]| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    file("pkg/spectate.wasm", b"\0asm wasm bytes");
    file("pkg/spectate.wasm.br", b"brotli bytes");
    file("pkg/spectate.js", b"export default function init() {}");
    file("pkg/spectate.css", b"body { color: black }");
    file("vendor/leaflet/leaflet.js", b"window.L = {};");
    file("vendor/leaflet/leaflet.css", b".leaflet-container {}");
    file("favicon.svg", b"<svg/>");
    root
}

/// The `<prefix><16 hex digits><ext>` that `html` links to.
fn linked(html: &str, prefix: &str, ext: &str) -> String {
    html.match_indices(prefix)
        .map(|(i, _)| &html[i..])
        .find_map(|rest| {
            let hash = rest.get(prefix.len()..prefix.len() + 16)?;
            let tail = &rest[prefix.len() + 16..];
            (hash.chars().all(|c| c.is_ascii_hexdigit()) && tail.starts_with(ext))
                .then(|| format!("{prefix}{hash}{ext}"))
        })
        .unwrap_or_else(|| panic!("no {prefix}<hash>{ext} in {html}"))
}

#[tokio::test]
async fn static_files_are_linked_by_hashed_names_kept_a_year_and_pages_are_revalidated() {
    let root = site();
    let app = spawn_app_with(Config {
        site_root: Some(root.clone()),
        ..Config::for_tests()
    })
    .await;
    let client = reqwest::Client::new();
    let page = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-cache");
    let html = page.text().await.unwrap();

    let wasm = linked(&html, "/pkg/spectate.", ".wasm");
    let js = linked(&html, "/pkg/spectate.", ".js");
    let css = linked(&html, "/pkg/spectate.", ".css");
    let leaflet = linked(&html, "/vendor/leaflet/leaflet.", ".js");
    for url in [&wasm, &js, &css, &leaflet] {
        let hash = url.rsplit('.').nth(1).unwrap();
        assert!(
            hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()),
            "{url}"
        );
    }
    // Served from its file, for a year, its brotli copy to a browser that takes it.
    let res = client.get(app.url(&js)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(
        res.text().await.unwrap(),
        "export default function init() {}"
    );
    let res = client
        .get(app.url(&wasm))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-encoding"], "br");
    assert_eq!(
        res.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"brotli bytes");

    // A name that is not the file's hash is not that file; a plain name is revalidated.
    let wrong = wasm.replace(wasm.rsplit('.').nth(1).unwrap(), "0123456789abcdef");
    let res = client.get(app.url(&wrong)).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_ne!(
        res.headers()
            .get("cache-control")
            .map(|v| v.to_str().unwrap()),
        Some("public, max-age=31536000, immutable")
    );
    let res = client.get(app.url("/favicon.svg")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["cache-control"], "no-cache");

    // A new build: new content, new name; the old name is gone.
    std::fs::write(
        root.join("pkg/spectate.js"),
        b"export default function init2() {}",
    )
    .unwrap();
    let app2 = spawn_app_with(Config {
        site_root: Some(root.clone()),
        ..Config::for_tests()
    })
    .await;
    let html2 = client
        .get(app2.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let js2 = linked(&html2, "/pkg/spectate.", ".js");
    assert_ne!(js, js2);
    assert_eq!(
        client.get(app2.url(&js)).send().await.unwrap().status(),
        404
    );
    let _ = std::fs::remove_dir_all(root);
}
