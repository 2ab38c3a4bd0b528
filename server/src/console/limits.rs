//! Sign-in attempts, rate limited per client address and per user name, so that
//! passwords cannot be guessed quickly from one address, nor one organiser's
//! password from many.
//!
//! Every attempt takes a token from both buckets before any password is checked
//! (a check takes 19 MiB and CPU time by design: the expensive part). Per address: 10 at once, then one every 6 s. Per user: 5 at
//! once, then one every 30 s: an organiser who mistypes a few times waits half a
//! minute, a guesser gets 120 tries an hour from the whole internet.
//!
//! The maps are bounded: past [`MAX_KEYS`] entries, buckets that refilled are
//! forgotten (they hold nothing a new bucket would not); if all of them are still
//! draining, the attempt is refused as if limited.

use std::{collections::HashMap, net::IpAddr, sync::Mutex, time::Instant};

use crate::hub::rate_limit::TokenBucket;

/// Keys each map keeps, at most.
const MAX_KEYS: usize = 10_000;

/// How many attempts, at once and then per second.
#[derive(Clone, Copy, Debug)]
pub struct Allowance {
    /// Attempts at once.
    pub burst: u32,
    /// Attempts per second after the burst.
    pub per_second: f64,
}

/// The allowances of one server.
#[derive(Clone, Copy, Debug)]
pub struct SignInLimits {
    /// Per client address (IPv6 by /64).
    pub per_address: Allowance,
    /// Per user name tried.
    pub per_user: Allowance,
}

impl Default for SignInLimits {
    fn default() -> Self {
        Self {
            per_address: Allowance {
                burst: 10,
                per_second: 1.0 / 6.0,
            },
            per_user: Allowance {
                burst: 5,
                per_second: 1.0 / 30.0,
            },
        }
    }
}

/// Which allowance ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limited {
    /// This address tried too often.
    Address,
    /// This user name was tried too often.
    User,
}

/// The buckets (a std mutex each: held for a map lookup, never across an await).
#[derive(Debug)]
pub struct SignInLimiter {
    limits: SignInLimits,
    addresses: Mutex<HashMap<IpAddr, TokenBucket>>,
    users: Mutex<HashMap<String, TokenBucket>>,
}

impl SignInLimiter {
    /// Full allowances for everyone.
    pub fn new(limits: SignInLimits) -> Self {
        Self {
            limits,
            addresses: Mutex::default(),
            users: Mutex::default(),
        }
    }

    /// Takes one attempt from `address`'s and `user`'s allowances, or says which ran
    /// out. An address already out of attempts does not touch the user's allowance.
    pub fn try_attempt(&self, address: IpAddr, user: &str) -> Result<(), Limited> {
        let now = Instant::now();
        let key = crate::proxy::limit_key(address);
        if !take(&self.addresses, key, self.limits.per_address, now) {
            return Err(Limited::Address);
        }
        if !take(&self.users, user.to_owned(), self.limits.per_user, now) {
            return Err(Limited::User);
        }
        Ok(())
    }
}

fn take<K: std::hash::Hash + Eq>(
    map: &Mutex<HashMap<K, TokenBucket>>,
    key: K,
    allowance: Allowance,
    now: Instant,
) -> bool {
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() >= MAX_KEYS && !map.contains_key(&key) {
        map.retain(|_, bucket| !bucket.is_full(now));
        if map.len() >= MAX_KEYS {
            return false;
        }
    }
    map.entry(key)
        .or_insert_with(|| TokenBucket::new(allowance.burst, allowance.per_second, now))
        .try_take(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_and_a_user_each_get_their_burst() {
        let limiter = SignInLimiter::new(SignInLimits {
            per_address: Allowance {
                burst: 2,
                per_second: 0.0,
            },
            per_user: Allowance {
                burst: 2,
                per_second: 0.0,
            },
        });
        let (a, b, c) = (
            "203.0.113.1".parse().unwrap(),
            "203.0.113.2".parse().unwrap(),
            "203.0.113.3".parse().unwrap(),
        );
        assert_eq!(limiter.try_attempt(a, "ana"), Ok(()));
        assert_eq!(limiter.try_attempt(b, "ana"), Ok(()));
        assert_eq!(limiter.try_attempt(c, "ana"), Err(Limited::User));
        assert_eq!(limiter.try_attempt(a, "bob"), Ok(()));
        assert_eq!(limiter.try_attempt(a, "cy"), Err(Limited::Address));
    }
}
