//! The hub's one interface to what lies beyond this process: a [`Relay`] takes what
//! the hub publishes and brings back what the rest of the cluster published.
//!
//! On a single node there is none, and the hub numbers and delivers everything
//! itself. In a cluster ([`crate::cluster::Cluster`] implements it) every publication
//! goes to Redis to be numbered, and comes back to every node's hub through
//! [`super::TopicRegistry::apply`] and [`super::Hub::record_fix`]. The hub holds the
//! relay from its construction and knows it only through this trait, so `hub` does not
//! depend on `cluster` (which depends on `hub`).

use std::{future::Future, pin::Pin};

use spectate_app::protocol::{EventData, ProtocolError, Topic};

use super::{ConnId, Hub, topics::Audience};

/// A future a relay returns (boxed: the trait is used as `dyn Relay`).
pub type RelayFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where publications go beyond this process, and who listens there.
pub trait Relay: Send + Sync + std::fmt::Debug {
    /// Hands `data` on `topic` on to be numbered and delivered everywhere; refused at
    /// once (`unavailable`) when that cannot happen now.
    fn publish(
        &self,
        topic: Topic,
        data: EventData,
        from: Option<ConnId>,
    ) -> Result<(), ProtocolError>;

    /// [`Self::publish`], at most once per `once` (a name for what is published, like a
    /// runner's split at a point): of the offers under one name, from any node, the
    /// first is published and the others are dropped.
    fn publish_once(&self, topic: Topic, data: EventData, once: &str) -> Result<(), ProtocolError>;

    /// [`Self::publish`], resolving once the publication is numbered: an
    /// acknowledgement then means every node will deliver it.
    fn publish_confirmed(
        &self,
        topic: Topic,
        data: EventData,
    ) -> RelayFuture<'_, Result<(), ProtocolError>>;

    /// Makes sure this node receives `topics` and has their history before a
    /// subscriber here is served a snapshot.
    fn follow<'a>(&'a self, hub: &'a Hub, topics: &'a [Topic]) -> RelayFuture<'a, ()>;

    /// `Ok` while publishing can succeed; the refusal to give otherwise.
    fn ready(&self) -> Result<(), ProtocolError>;

    /// Whether this node produces the cluster-wide feeds (one node does).
    fn is_leader(&self) -> bool;

    /// What the other nodes last reported of their audience.
    fn remote_audience(&self) -> Audience;

    /// The relay's own Prometheus metrics, appended to `/metrics`.
    fn render_metrics(&self) -> String;
}
