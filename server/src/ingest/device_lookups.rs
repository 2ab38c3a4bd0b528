//! How many unknown device ids one address may name on `/api/osmand`.
//!
//! The OsmAnd protocol has no password: the device id is the credential, and a 404
//! for an unknown id against a 200 for a registered one lets anyone try ids until one
//! works (the demo's are `demo-1`, `demo-2`, ...). Each address may name
//! `--unknown-devices-per-minute` unknown ids (at once, and then that many a minute);
//! past that, every OsmAnd request from the address is answered 429 until its
//! allowance refills, so the answers no longer tell known ids from unknown ones. A
//! registered device never spends the allowance. IPv6 addresses count by their /64,
//! the block one host is usually given.

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::hub::rate_limit::TokenBucket;

/// Addresses remembered at most. Past it, those whose allowance is whole again are
/// forgotten; if none is, a new address is not limited (whoever holds that many
/// addresses was not going to be stopped by a per-address limit).
const MAX_ADDRESSES: usize = 65_536;

/// Each address's allowance of unknown device ids.
#[derive(Debug)]
pub struct DeviceLookups {
    per_minute: u32,
    spent: Mutex<HashMap<IpAddr, TokenBucket>>,
}

impl DeviceLookups {
    /// `per_minute` unknown ids per address (as a burst, then that many a minute).
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute: per_minute.max(1),
            spent: Mutex::default(),
        }
    }

    /// Whether `peer` may look a device up now; if not, how long it must wait.
    pub fn admit(&self, peer: IpAddr, now: Instant) -> Result<(), Duration> {
        let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        let Some(bucket) = spent.get_mut(&block(peer)) else {
            return Ok(());
        };
        if bucket.has_token(now) {
            Ok(())
        } else {
            Err(bucket.wait())
        }
    }

    /// `peer` named an unknown device id: one of its allowance is spent.
    pub fn missed(&self, peer: IpAddr, now: Instant) {
        let key = block(peer);
        let mut spent = self.spent.lock().unwrap_or_else(|e| e.into_inner());
        if !spent.contains_key(&key) && spent.len() >= MAX_ADDRESSES {
            spent.retain(|_, bucket| !bucket.is_full(now));
            if spent.len() >= MAX_ADDRESSES {
                return;
            }
        }
        let per_minute = self.per_minute;
        spent
            .entry(key)
            .or_insert_with(|| TokenBucket::new(per_minute, f64::from(per_minute) / 60.0, now))
            .try_take(now);
    }

    /// The allowance, for messages.
    pub fn per_minute(&self) -> u32 {
        self.per_minute
    }
}

/// What an address counts as: itself for IPv4, its /64 for IPv6.
fn block(peer: IpAddr) -> IpAddr {
    match peer.to_canonical() {
        IpAddr::V6(v6) => {
            let mut segments = v6.segments();
            segments[4..].fill(0);
            IpAddr::V6(segments.into())
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_the_allowance_every_lookup_waits_until_it_refills() {
        let lookups = DeviceLookups::new(2);
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let same_block: IpAddr = "2001:db8::2".parse().unwrap();
        let b: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(lookups.admit(a, t0).is_ok());
        lookups.missed(a, t0);
        lookups.missed(same_block, t0);
        let wait = lookups.admit(a, t0).unwrap_err();
        assert!(wait > Duration::from_secs(29) && wait <= Duration::from_secs(30));
        assert!(
            lookups.admit(b, t0).is_ok(),
            "other addresses are not limited"
        );
        assert!(lookups.admit(a, t0 + Duration::from_secs(31)).is_ok());
    }
}
