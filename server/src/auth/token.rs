//! Tokens: a subject and an expiry, signed with the server secret (JWT, HS256).
//!
//! We use the `jsonwebtoken` crate rather than our own signing code; its error kinds
//! let every failure reach the client as its own code: a missing token, a forged or
//! malformed one (or one whose `nbf` is still ahead), an expired one, and one for
//! somebody else are different problems with different fixes.

use std::{fmt, time::Duration};

use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation, errors::ErrorKind};
use serde::{Deserialize, Serialize};
use spectate_app::protocol::{ProtocolError, RunnerId};

use crate::hub::now_ms;

/// Whom a token speaks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Subject {
    /// One runner: may publish that runner's fixes and nothing else.
    Runner(RunnerId),
    /// A data feed: may publish series points.
    Publisher,
    /// The organiser's tools (simulator, replay): may publish for any runner.
    Admin,
    /// A spectator of a private event: may follow, publishes nothing.
    Spectator,
}

impl Subject {
    /// Parses `runner:<id>`, `publisher`, `admin` or `spectator`.
    pub fn parse(text: &str) -> Result<Self, ProtocolError> {
        match text {
            "publisher" => Ok(Self::Publisher),
            "admin" => Ok(Self::Admin),
            "spectator" => Ok(Self::Spectator),
            _ => match text.strip_prefix("runner:") {
                Some(id) => Ok(Self::Runner(RunnerId::parse(id)?)),
                None => Err(ProtocolError::TokenInvalid(format!(
                    "unknown token subject {text:?}; expected runner:<id>, publisher, admin or spectator"
                ))),
            },
        }
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Runner(id) => write!(f, "runner:{id}"),
            Self::Publisher => f.write_str("publisher"),
            Self::Admin => f.write_str("admin"),
            Self::Spectator => f.write_str("spectator"),
        }
    }
}

/// The JWT claims we sign.
#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: u64,
    exp: u64,
}

/// A token that verified: its subject and expiry (seconds since the Unix epoch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Whom it speaks for.
    pub subject: Subject,
    /// When it stops being valid.
    pub expires: u64,
    /// When it was issued (`iat`): a revocation refuses the tokens issued before it.
    pub issued: u64,
}

impl Verified {
    /// True once the expiry has passed (a socket can outlive its token).
    pub fn is_expired(&self) -> bool {
        now_ms() / 1000 >= self.expires
    }
}

/// The keys made from the server secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenKeys(..)")
    }
}

impl TokenKeys {
    /// Keys for `secret` (at least 32 bytes; see [`super::secret`]).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
        }
    }

    /// Signs a token for `subject`, valid for `ttl` from now.
    pub fn issue(&self, subject: &Subject, ttl: Duration) -> String {
        let iat = now_ms() / 1000;
        self.sign(subject, iat, iat.saturating_add(ttl.as_secs()))
    }

    /// Signs a token with explicit times (tests use it for expired tokens).
    pub fn sign(&self, subject: &Subject, iat: u64, exp: u64) -> String {
        let claims = Claims {
            sub: subject.to_string(),
            iat,
            exp,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing with a byte secret cannot fail")
    }

    /// Checks signature, expiry and subject.
    pub fn verify(&self, token: &str) -> Result<Verified, ProtocolError> {
        let mut validation = Validation::new(Algorithm::HS256);
        // Our own server issues and checks tokens: no clock skew to allow for.
        validation.leeway = 0;
        // A token may say when it starts to be valid (`nbf`); before then it is not.
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        let data = jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation)
            .map_err(|err| match err.kind() {
                ErrorKind::ExpiredSignature => {
                    ProtocolError::TokenExpired("the token has expired; ask for a new one".into())
                }
                ErrorKind::ImmatureSignature => ProtocolError::TokenInvalid(
                    "the token is not valid yet (its nbf is in the future)".into(),
                ),
                ErrorKind::InvalidSignature => ProtocolError::TokenInvalid(
                    "the token's signature does not match: it is forged or from another server"
                        .into(),
                ),
                _ => ProtocolError::TokenInvalid(format!("not a valid token: {err}")),
            })?;
        Ok(Verified {
            subject: Subject::parse(&data.claims.sub)?,
            expires: data.claims.exp,
            issued: data.claims.iat,
        })
    }
}

#[cfg(test)]
mod tests {
    use spectate_app::protocol::ErrorCode;

    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(&[7u8; 32])
    }

    #[test]
    fn issued_tokens_verify_with_their_subject() {
        let runner = Subject::Runner(RunnerId::parse("42").unwrap());
        let token = keys().issue(&runner, Duration::from_secs(60));
        let verified = keys().verify(&token).unwrap();
        assert_eq!(verified.subject, runner);
        assert!(!verified.is_expired());
        assert_eq!(
            keys()
                .verify(&keys().issue(&Subject::Admin, Duration::from_secs(5)))
                .unwrap()
                .subject,
            Subject::Admin
        );
    }

    #[test]
    fn forged_expired_and_malformed_tokens_fail_differently() {
        let subject = Subject::Publisher;
        let forged = TokenKeys::new(&[8u8; 32]).issue(&subject, Duration::from_secs(60));
        assert_eq!(
            keys().verify(&forged).unwrap_err().code(),
            ErrorCode::TokenInvalid
        );
        let now = now_ms() / 1000;
        let expired = keys().sign(&subject, now - 100, now - 10);
        assert_eq!(
            keys().verify(&expired).unwrap_err().code(),
            ErrorCode::TokenExpired
        );
        assert_eq!(
            keys().verify("not.a.token").unwrap_err().code(),
            ErrorCode::TokenInvalid
        );
        assert_eq!(
            keys().verify("").unwrap_err().code(),
            ErrorCode::TokenInvalid
        );
    }

    #[test]
    fn a_token_before_its_nbf_is_not_valid_yet() {
        let now = now_ms() / 1000;
        let claims =
            serde_json::json!({"sub": "admin", "iat": now, "nbf": now + 60, "exp": now + 120});
        let early = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &EncodingKey::from_secret(&[7u8; 32]),
        )
        .unwrap();
        let err = keys().verify(&early).unwrap_err();
        assert_eq!(err.code(), ErrorCode::TokenInvalid);
        assert!(err.to_string().contains("not valid yet"), "{err}");
    }

    #[test]
    fn subjects_round_trip_and_reject_unknown_kinds() {
        for text in ["runner:7", "runner:anna", "publisher", "admin", "spectator"] {
            assert_eq!(Subject::parse(text).unwrap().to_string(), text);
        }
        assert!(Subject::parse("root").is_err());
        assert!(Subject::parse("runner:").is_err());
    }
}
