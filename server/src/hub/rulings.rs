//! Statuses (DNS / DNF / DSQ) the race adopts from other nodes of a cluster, on their
//! way to the store ([`crate::race_control::cluster`]), as splits go to timing.

use super::Hub;
use crate::race_control::cluster::Ruled;

impl Hub {
    /// The hub whose statuses adopted from other nodes go to `sink` to be stored.
    pub(crate) fn with_rulings(self, sink: tokio::sync::mpsc::UnboundedSender<Ruled>) -> Self {
        Self {
            rulings: Some(sink),
            ..self
        }
    }

    /// A status adopted from another node, on its way to the store.
    pub(crate) fn ruled(&self, ruled: Ruled) {
        if let Some(sink) = &self.rulings {
            let _ = sink.send(ruled);
        }
    }
}
