//! Every open socket, by id: what shutdown and keepalive reach.
//!
//! Shutdown closes each socket with 1001, and the keepalive timer pings each one and
//! closes the silent ones, by walking this registry. Doing it here, from one task,
//! means a connection carries no timers of its own: an idle socket costs memory only
//! for its buffers, and a busy one never polls a timer between frames.

use std::{
    collections::HashMap,
    hash::{BuildHasher, RandomState},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use super::{ConnId, Hub, Outbox};

const SHARDS: usize = 16;

/// The registry.
#[derive(Debug)]
pub struct Connections {
    shards: Box<[Mutex<HashMap<ConnId, Outbox>>]>,
    hasher: RandomState,
    open: AtomicUsize,
}

impl Default for Connections {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            hasher: RandomState::new(),
            open: AtomicUsize::new(0),
        }
    }
}

/// A registered connection; dropping it unregisters.
#[derive(Debug)]
pub struct Registration {
    hub: Arc<Hub>,
    id: ConnId,
}

impl Connections {
    fn shard(&self, id: ConnId) -> std::sync::MutexGuard<'_, HashMap<ConnId, Outbox>> {
        let index = self.hasher.hash_one(id) as usize % self.shards.len();
        self.shards[index].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers connection `id` of `hub` until the returned guard drops.
    pub fn register(hub: &Arc<Hub>, id: ConnId, outbox: Outbox) -> Registration {
        hub.connections.shard(id).insert(id, outbox);
        hub.connections.open.fetch_add(1, Ordering::Relaxed);
        Registration {
            hub: hub.clone(),
            id,
        }
    }

    /// Calls `f` with each open connection's outbox (one shard locked at a time).
    pub fn for_each(&self, mut f: impl FnMut(&Outbox)) {
        for shard in self.shards.iter() {
            let shard = shard.lock().unwrap_or_else(|e| e.into_inner());
            shard.values().for_each(&mut f);
        }
    }

    /// Open connections.
    pub fn len(&self) -> usize {
        self.open.load(Ordering::Relaxed)
    }

    /// True when no connection is open.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let connections = &self.hub.connections;
        if connections.shard(self.id).remove(&self.id).is_some() {
            connections.open.fetch_sub(1, Ordering::Relaxed);
        }
    }
}
