//! Organisers' names and passwords: a name is parsed once ([`UserName::parse`]); a
//! password is only ever kept as its Argon2id hash, a PHC string with its own salt
//! and parameters (`$argon2id$v=19$m=19456,t=2,p=1$...`), so a later server can
//! raise the cost and still check the old hashes.

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{self, SaltString},
};

/// Shortest password `spectate admin add-user` accepts.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Longest password accepted: hashing cost grows with the input, and no one types more.
pub const MAX_PASSWORD_BYTES: usize = 1024;

/// Why a name or a password was refused, or hashing failed.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The name is not one we take.
    #[error("{0:?} is not a user name: use 1 to 64 letters, digits, '.', '-', '_' or '@'")]
    BadName(String),
    /// The password is too short or too long.
    #[error(
        "the password must have {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_BYTES} bytes' worth of characters"
    )]
    BadLength,
    /// No random salt could be had.
    #[error("no random salt: {0}")]
    Random(String),
    /// Argon2 failed (a stored hash that is not a PHC string, for one).
    #[error("password hashing failed: {0}")]
    Hash(#[from] password_hash::Error),
}

/// An organiser's name: 1 to 64 of `A-Z a-z 0-9 . - _ @`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UserName(String);

impl UserName {
    /// Parses a name, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, PasswordError> {
        let ok = (1..=64).contains(&text.len())
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(PasswordError::BadName(text.to_owned()))
        }
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for UserName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The PHC string of `password` under a fresh random salt.
pub fn hash(password: &str) -> Result<String, PasswordError> {
    if password.chars().count() < MIN_PASSWORD_CHARS || password.len() > MAX_PASSWORD_BYTES {
        return Err(PasswordError::BadLength);
    }
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| PasswordError::Random(e.to_string()))?;
    let salt = SaltString::encode_b64(&salt)?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored `phc` hash. With `phc` absent (no such
/// user), a hash of the same cost is checked anyway, so that how long a refusal
/// takes does not tell which names exist.
pub fn verify(password: &str, phc: Option<&str>) -> bool {
    // A hash of a random password no one has, made once.
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let decoy = DECOY.get_or_init(|| {
        let mut random = [0u8; 24];
        let _ = getrandom::fill(&mut random);
        hash(&base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            random,
        ))
        .unwrap_or_default()
    });
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc.unwrap_or(decoy)) else {
        return false;
    };
    let matches = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    matches && phc.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hash_checks_its_password_only_and_never_holds_it() {
        let phc = hash("correct horse battery").unwrap();
        assert!(phc.starts_with("$argon2id$"), "{phc}");
        assert!(!phc.contains("correct"));
        assert!(verify("correct horse battery", Some(&phc)));
        assert!(!verify("correct horse batterY", Some(&phc)));
        assert!(!verify("correct horse battery", None));
        assert!(!verify("anything", Some("not a phc string")));
        assert_ne!(hash("correct horse battery").unwrap(), phc, "salted");
        assert!(matches!(hash("short"), Err(PasswordError::BadLength)));
    }

    #[test]
    fn names_are_checked() {
        assert!(UserName::parse("ana.lopez@club").is_ok());
        for bad in ["", "a b", "ana<script>", &"x".repeat(65)] {
            assert!(UserName::parse(bad).is_err(), "{bad:?}");
        }
    }
}
