//! Tokens: what `TokenKeys::verify` makes of a string a client presents (`?token=`,
//! the page's cookie, an `auth` message, a hello's `token`, HTTP Basic or Bearer).
//!
//! The first byte picks how the rest becomes a token:
//!
//! - 0: the rest is the token, as a client may send anything;
//! - 1: the rest is the claims (JSON or not), signed correctly with the server's
//!   secret under an HS256 header, so the checks after the signature are reached;
//! - 2: the rest is the header, signed correctly with valid claims, so the algorithm
//!   checks are reached (`none`, HS512, RS256 must all fail);
//! - 3: the rest is a request path and query, a newline and a `Cookie` header, read by
//!   `Access::request_token` as a handshake or a read of a private event does.
//!
//! Verification never panics; a token that verifies has not expired, its `nbf` (if
//! any) is a time not ahead of now, its header says HS256, its subject survives
//! print -> parse, and signing the same subject and expiry again gives a token that
//! verifies to the same thing.
#![no_main]

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use http::{HeaderMap, HeaderValue, Uri, header};
use jsonwebtoken::{Algorithm, EncodingKey};
use libfuzzer_sys::fuzz_target;
use spectate_server::{
    auth::{Access, Subject, TokenKeys},
    hub::now_ms,
};

const SECRET: &[u8] = b"fuzzing-secret-fuzzing-secret-32+";
const HS256_HEADER: &[u8] = br#"{"alg":"HS256","typ":"JWT"}"#;
const VALID_CLAIMS: &[u8] = br#"{"sub":"runner:7","iat":0,"exp":4102444800}"#;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let keys = TokenKeys::new(SECRET);
    match mode % 4 {
        0 => check(&keys, &String::from_utf8_lossy(rest)),
        1 => check(&keys, &signed(HS256_HEADER, rest)),
        2 => check(&keys, &signed(rest, VALID_CLAIMS)),
        _ => {
            let Ok(text) = std::str::from_utf8(rest) else {
                return;
            };
            let (target, cookie) = text.split_once('\n').unwrap_or((text, ""));
            let Ok(uri) = format!("/ws?{target}").parse::<Uri>() else {
                return;
            };
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(cookie) {
                headers.insert(header::COOKIE, value);
            }
            // A repeated `?token=` is refused with an error; any other is checked.
            match Access::request_token(&headers, &uri) {
                Ok(Some(token)) => check(&keys, &token),
                Ok(None) => {}
                Err(err) => {
                    let _ = err.to_string();
                }
            }
        }
    }
});

/// `header.claims.signature`, signed with [`SECRET`] (HS256).
fn signed(header: &[u8], claims: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = EncodingKey::from_secret(SECRET);
    let signature = jsonwebtoken::crypto::sign(message.as_bytes(), &key, Algorithm::HS256)
        .expect("HS256 signs any message");
    format!("{message}.{signature}")
}

/// The claim `name` of a token's payload, if it has a JSON object there.
fn claim(token: &str, name: &str) -> Option<serde_json::Value> {
    let payload = token.trim().split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let mut claims: serde_json::Map<String, serde_json::Value> =
        serde_json::from_slice(&bytes).ok()?;
    claims.remove(name)
}

fn check(keys: &TokenKeys, token: &str) {
    let verified = match keys.verify(token) {
        Ok(verified) => verified,
        Err(err) => {
            let _ = (err.code(), err.to_string());
            return;
        }
    };
    assert!(
        !verified.is_expired(),
        "{token}: expired at {}",
        verified.expires
    );
    let now_s = now_ms() / 1000;
    assert!(verified.expires > now_s);
    // A token whose `nbf` (not before) is ahead, or is not a time, does not verify. A
    // time may have a fraction (RFC 7519's NumericDate): jsonwebtoken rounds it to the
    // second, so up to half a second ahead passes. (This target's first run asserted a
    // whole number and found a token with a fraction in the past, rightly valid.)
    if let Some(nbf) = claim(token, "nbf") {
        assert!(
            nbf.as_f64()
                .is_some_and(|nbf| nbf >= 0.0 && nbf.round() <= now_s as f64),
            "{token}: nbf {nbf}"
        );
    }
    let header = jsonwebtoken::decode_header(token.trim()).expect("a verified token has a header");
    assert_eq!(header.alg, Algorithm::HS256, "{token}");
    let subject = verified.subject.to_string();
    assert_eq!(
        Subject::parse(&subject).ok(),
        Some(verified.subject.clone())
    );
    let again = keys.sign(&verified.subject, verified.issued, verified.expires);
    assert_eq!(keys.verify(&again).ok(), Some(verified), "{token}");
}
