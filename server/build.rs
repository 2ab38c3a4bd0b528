//! Puts the built site into the binary when `SPECTATE_EMBED_SITE` names its directory
//! (scripts/build-site.sh --embed sets it): `$OUT_DIR/site.rs` then lists every file of
//! it, `.br`/`.gz` copies included, as `(path, include_bytes!(...))`, read by
//! `src/http/site_files.rs`. Without the variable the list is empty, so a plain
//! `cargo build`/`cargo test` compiles with no site built and serves from disk.

use std::{
    env, fs, io,
    path::{Path, PathBuf},
};

fn main() -> io::Result<()> {
    println!("cargo::rerun-if-env-changed=SPECTATE_EMBED_SITE");
    let out = PathBuf::from(env::var_os("OUT_DIR").ok_or_else(|| io::Error::other("no OUT_DIR"))?);
    let mut files = Vec::new();
    if let Some(root) = env::var_os("SPECTATE_EMBED_SITE").filter(|r| !r.is_empty()) {
        let root = PathBuf::from(root);
        // A directory: cargo looks at every file under it for changes.
        println!("cargo::rerun-if-changed={}", root.display());
        collect(&root, &root, &mut files)?;
        if files.is_empty() {
            return Err(io::Error::other(format!(
                "SPECTATE_EMBED_SITE={}: no files to embed (build the site first)",
                root.display()
            )));
        }
    }
    files.sort();
    let mut code = String::from("&[\n");
    for (name, path) in &files {
        code.push_str(&format!("    ({name:?}, include_bytes!({path:?})),\n"));
    }
    code.push_str("]\n");
    fs::write(out.join("site.rs"), code)
}

/// Every file under `dir`, as its path under `root` with `/` separators and its
/// absolute path.
fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, files)?;
        } else {
            let name = path
                .strip_prefix(root)
                .map_err(io::Error::other)?
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            let absolute = fs::canonicalize(&path)?;
            files.push((name, absolute.to_string_lossy().into_owned()));
        }
    }
    Ok(())
}
