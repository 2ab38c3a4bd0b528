//! The signing secret: given with `--secret` / `SPECTATE_SECRET`, or created once and
//! kept in `<data dir>/secret.key` (mode 0600) so that tokens survive restarts.

use std::{io, path::Path};

/// Shortest secret we accept, in bytes (HS256 wants at least 256 bits).
pub const MIN_SECRET_LEN: usize = 32;

/// Why no secret could be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The given secret is too short to be safe.
    #[error("the secret is {0} bytes; use at least {MIN_SECRET_LEN}")]
    TooShort(usize),
    /// The secret file could not be read or written.
    #[error("secret file {path}: {source}")]
    File {
        /// The file.
        path: String,
        /// What went wrong.
        source: io::Error,
    },
    /// The operating system's random source failed.
    #[error("no randomness for a new secret: {0}")]
    Random(String),
}

/// The secret to sign with: `given` if set, else the data dir's, created if missing.
pub fn load_or_create(given: Option<&str>, data_dir: &Path) -> Result<Vec<u8>, SecretError> {
    if let Some(given) = given {
        return check(given.as_bytes().to_vec());
    }
    let path = file_in(data_dir);
    let file_error = |source| SecretError::File {
        path: path.display().to_string(),
        source,
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => check(text.trim().as_bytes().to_vec()),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            crate::data_dir::create(data_dir).map_err(file_error)?;
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
            let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            write_private(&path, &hex).map_err(file_error)?;
            tracing::info!(path = %path.display(), "created a new signing secret");
            Ok(hex.into_bytes())
        }
        Err(err) => Err(file_error(err)),
    }
}

/// The secret's file in `data_dir`.
pub fn file_in(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("secret.key")
}

/// Writes `secret` (checked for length) as `data_dir`'s secret file, mode 0600; an
/// existing file is never replaced. For `spectate restore`.
pub fn write_new(data_dir: &Path, secret: &str) -> Result<(), SecretError> {
    check(secret.trim().as_bytes().to_vec())?;
    let path = file_in(data_dir);
    write_private(&path, secret.trim()).map_err(|source| SecretError::File {
        path: path.display().to_string(),
        source,
    })
}

fn check(secret: Vec<u8>) -> Result<Vec<u8>, SecretError> {
    if secret.len() < MIN_SECRET_LEN {
        return Err(SecretError::TooShort(secret.len()));
    }
    Ok(secret)
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    use std::{io::Write, os::unix::fs::OpenOptionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_once_then_reuses_the_secret() {
        let dir = std::env::temp_dir().join(format!("spectate-secret-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let first = load_or_create(None, &dir).unwrap();
        let second = load_or_create(None, &dir).unwrap();
        assert_eq!(first, second);
        assert_eq!(first.len(), 64);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join("secret.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn short_secrets_are_refused() {
        assert!(matches!(
            load_or_create(Some("short"), Path::new("/nonexistent")),
            Err(SecretError::TooShort(5))
        ));
    }
}
