//! Where the page finds the site's static files: the wasm bundle, its JS glue, our
//! CSS and Leaflet.
//!
//! The server names each file by a hash of its content (`/pkg/spectate.3f9c….wasm`)
//! and lets browsers keep it for a year, so a returning spectator downloads none of
//! them again until a release changes them (the server's `http::assets`). The shell
//! links them by those names; Leaflet, which only the map page uses, is named on the
//! root element (`data-leaflet-js`, `data-leaflet-css`) and loaded by the map when it
//! mounts ([`crate::components::leaflet_loader`]).

/// The URLs of the site's static files, as the shell links them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssetUrls {
    /// The wasm-bindgen JS glue (an ES module).
    pub js: String,
    /// The wasm bundle.
    pub wasm: String,
    /// Our stylesheet.
    pub css: String,
    /// Leaflet's script.
    pub leaflet_js: String,
    /// Leaflet's stylesheet.
    pub leaflet_css: String,
}

impl AssetUrls {
    /// The files under their plain names (development, where they change in place).
    pub fn plain(pkg_dir: &str, output_name: &str) -> Self {
        Self {
            js: format!("/{pkg_dir}/{output_name}.js"),
            wasm: format!("/{pkg_dir}/{output_name}.wasm"),
            css: format!("/{pkg_dir}/{output_name}.css"),
            leaflet_js: LEAFLET_JS.to_string(),
            leaflet_css: LEAFLET_CSS.to_string(),
        }
    }

    /// The module script that loads the bundle and hydrates the page.
    ///
    /// The page is already drawn by the server; the bundle only makes it live. So the
    /// wasm is fetched once the first frame is painted (no preload: a phone on a slow
    /// network spends its first second on what it shows, and Lighthouse counted the
    /// preloaded wasm into the largest paint, 2.7 s against 1.0 s), and hydration runs
    /// in a task of its own after the bundle's start-up (at a phone's speed, 4x CPU
    /// slowdown, start-up and hydration together were one 300 ms task).
    pub fn hydration_script(&self) -> String {
        let js = json_string(&self.js);
        let wasm = json_string(&self.wasm);
        format!(
            "import init, {{ hydrate }} from {js};\
             const go = () => init({{ module_or_path: {wasm} }}).then(() => setTimeout(hydrate, 0));\
             requestAnimationFrame(() => setTimeout(go, 0));"
        )
    }
}

/// Leaflet's script under its plain name.
pub const LEAFLET_JS: &str = "/vendor/leaflet/leaflet.js";
/// Leaflet's stylesheet under its plain name.
pub const LEAFLET_CSS: &str = "/vendor/leaflet/leaflet.css";

/// `s` as a JS string literal (URLs here are ASCII paths; quotes and backslashes are
/// escaped all the same).
fn json_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hydration_script_imports_the_glue_and_loads_the_named_wasm() {
        let urls = AssetUrls {
            js: "/pkg/s.abc.js".into(),
            wasm: "/pkg/s.def.wasm".into(),
            ..AssetUrls::plain("pkg", "s")
        };
        let script = urls.hydration_script();
        assert!(script.starts_with("import init, { hydrate } from \"/pkg/s.abc.js\";"));
        assert!(script.contains("init({ module_or_path: \"/pkg/s.def.wasm\" })"));
        assert_eq!(AssetUrls::plain("pkg", "s").css, "/pkg/s.css");
    }
}
