//! Who may do what: signed tokens, the server secret, the Origin check, and the rules
//! that combine them.
//!
//! - [`token`]: a [`Subject`] (a runner, or the publisher/admin role) signed into a JWT
//!   (HS256) with an expiry; verification tells forged, expired and malformed apart.
//! - [`secret`]: the signing secret, from `--secret` or kept in the data directory.
//! - [`origin`]: refuses tokens on sockets opened by another site's page.
//! - [`access`]: the rules: following is open; publishing a runner's fixes needs that
//!   runner's token (or admin) unless the server runs open (demo).

pub mod access;
pub mod origin;
pub mod revocations;
pub mod secret;
pub mod token;

pub use access::{Access, Handshake};
pub use token::{Subject, TokenKeys, Verified};
