//! Demo mode: simulated runners moving along a real recorded run (the bundled
//! [`crate::course`]).
//!
//! - [`runners`]: runners at different paces publishing fixes through the hub, exactly
//!   as a phone's fixes would be published.

pub mod runners;
