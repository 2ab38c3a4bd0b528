//! Server-side producers of live data that always run.
//!
//! - [`happiness`]: the seed's happiness feed, a random value every few seconds.

pub mod happiness;
