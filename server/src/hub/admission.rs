//! Limits at the door: connections in total and per client address, and the topics
//! the connections of one address may hold ([`topic_quota`]).
//!
//! A socket is admitted before the upgrade, so a refused client gets a plain HTTP
//! answer with the reason (503 when the server is full, 429 when its address holds
//! too many) instead of a socket that closes at once. The returned [`Admitted`] guard
//! gives the place back when the connection ends, however it ends. The accept loop
//! uses a door of its own for the HTTP connections of each address.

pub mod topic_quota;

use std::{
    collections::HashMap,
    net::IpAddr,
    sync::{Arc, Mutex},
};

/// Why a connection was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The server holds its maximum number of connections.
    #[error("the server is at its limit of {0} connections; try again shortly")]
    Full(usize),
    /// This client address holds its maximum number of connections.
    #[error("your address already holds the limit of {0} connections")]
    TooManyFromAddress(usize),
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_address: HashMap<IpAddr, usize>,
}

#[derive(Debug)]
struct Inner {
    counts: Mutex<Counts>,
    max_total: usize,
    max_per_address: usize,
    topics: topic_quota::TopicQuota,
}

/// The door keeper.
#[derive(Clone, Debug)]
pub struct Admission(Arc<Inner>);

/// One admitted connection; dropping it gives the place back.
#[derive(Debug)]
pub struct Admitted {
    inner: Arc<Inner>,
    address: IpAddr,
}

impl Admission {
    /// Limits of `max_total` connections, `max_per_address` from one address, and
    /// `max_topics_per_address` topics held by one address without a token.
    pub fn new(max_total: usize, max_per_address: usize, max_topics_per_address: usize) -> Self {
        Self(Arc::new(Inner {
            counts: Mutex::default(),
            max_total,
            max_per_address,
            topics: topic_quota::TopicQuota::new(max_topics_per_address),
        }))
    }

    /// The topics each address holds (see [`topic_quota`]).
    pub fn topics(&self) -> &topic_quota::TopicQuota {
        &self.0.topics
    }

    /// Admits a connection from `address`, or says why not.
    pub fn admit(&self, address: IpAddr) -> Result<Admitted, Refused> {
        let inner = &self.0;
        let mut counts = inner.counts.lock().unwrap_or_else(|e| e.into_inner());
        if counts.total >= inner.max_total {
            return Err(Refused::Full(inner.max_total));
        }
        let from_address = counts.per_address.entry(address).or_default();
        if *from_address >= inner.max_per_address {
            return Err(Refused::TooManyFromAddress(inner.max_per_address));
        }
        *from_address += 1;
        counts.total += 1;
        Ok(Admitted {
            inner: inner.clone(),
            address,
        })
    }

    /// Admitted connections now.
    pub fn total(&self) -> usize {
        self.0
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .total
    }

    /// Distinct client addresses with a connection now.
    pub fn addresses(&self) -> usize {
        self.0
            .counts
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .per_address
            .len()
    }
}

impl Admitted {
    /// The address admitted.
    pub fn address(&self) -> IpAddr {
        self.address
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut counts = self.inner.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.total -= 1;
        if let Some(n) = counts.per_address.get_mut(&self.address) {
            *n -= 1;
            if *n == 0 {
                counts.per_address.remove(&self.address);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_hold_and_places_come_back() {
        let door = Admission::new(3, 2, 0);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        let first = door.admit(a).unwrap();
        let _second = door.admit(a).unwrap();
        assert_eq!(door.admit(a).unwrap_err(), Refused::TooManyFromAddress(2));
        let _third = door.admit(b).unwrap();
        assert_eq!(door.admit(b).unwrap_err(), Refused::Full(3));
        drop(first);
        assert!(door.admit(a).is_ok());
        assert_eq!(door.addresses(), 2);
    }
}
