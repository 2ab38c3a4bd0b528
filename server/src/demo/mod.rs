//! Demo mode: simulated runners moving along a real recorded run.
//!
//! - [`course`]: the bundled GPX track as a line with distances along it.
//! - [`runners`]: runners at different paces publishing fixes through the hub, exactly
//!   as a phone's fixes would be published.

pub mod course;
pub mod runners;
