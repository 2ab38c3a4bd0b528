//! Cluster-wide presence, the feeds' lease, and leaving idle topics.
//!
//! Once a second each node writes its audience (connections, followers per runner,
//! members per room) under a key that expires after [`TTL`], and reads the other
//! nodes' reports. A node that dies stops reporting, so its spectators leave every
//! count within `TTL`, with no one having to notice the death.
//!
//! The same tick renews the lease that makes one node the producer of cluster-wide
//! feeds (the happiness series), and unsubscribes from channels that no client here
//! has followed for [`IDLE`].

use std::{
    collections::HashMap,
    sync::{Arc, atomic::Ordering::Relaxed},
    time::{Duration, Instant},
};

use redis::AsyncCommands;
use spectate_app::protocol::Topic;
use tokio::task::JoinHandle;

use super::{Cluster, lock};
use crate::hub::{Hub, now_ms, topics::Audience};

/// How long a node's report (and the feeds' lease) lives without renewal.
pub const TTL: Duration = Duration::from_secs(5);

/// How long a followed channel may go without a client here before the node leaves it.
pub const IDLE: Duration = Duration::from_secs(30);

/// Starts the once-a-second report.
pub fn start(hub: Arc<Hub>, cluster: Arc<Cluster>) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut idle_since: HashMap<Topic, Instant> = HashMap::new();
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if cluster.link().is_none() {
                continue;
            }
            if let Err(err) = report(&hub, &cluster).await {
                tracing::warn!(%err, "cluster: presence report failed");
                cluster.broken.notify_one();
                continue;
            }
            leave_idle(&hub, &cluster, &mut idle_since).await;
        }
    })
}

/// Writes this node's audience, reads the others', renews the lease.
async fn report(hub: &Hub, cluster: &Cluster) -> redis::RedisResult<()> {
    let Some(mut link) = cluster.link() else {
        return Ok(());
    };
    let keys = &cluster.keys;
    let mut audience = hub.topics.local_audience();
    audience.online = hub.connections.len();
    let now = now_ms();
    let ttl = TTL.as_millis() as u64;
    let report = serde_json::to_string(&audience).expect("audience serializes");
    let (_, _, _, nodes): ((), (), (), Vec<String>) = redis::pipe()
        .set_options(
            keys.node(&cluster.node),
            report,
            redis::SetOptions::default().with_expiration(redis::SetExpiry::PX(ttl)),
        )
        .zadd(keys.nodes(), &cluster.node, now)
        .zrembyscore(keys.nodes(), "-inf", now.saturating_sub(ttl))
        .zrange(keys.nodes(), 0, -1)
        .query_async(&mut link.conn)
        .await?;
    let others: Vec<String> = nodes
        .into_iter()
        .filter(|n| *n != cluster.node)
        .map(|n| keys.node(&n))
        .collect();
    let mut remote = Audience::default();
    if !others.is_empty() {
        let reports: Vec<Option<String>> = link.conn.mget(&others).await?;
        for report in reports.into_iter().flatten() {
            if let Ok(audience) = serde_json::from_str::<Audience>(&report) {
                remote.add(&audience);
            }
        }
    }
    *lock(&cluster.remote) = remote;
    // The lease: take it if free, renew it if ours.
    let taken: Option<String> = redis::cmd("SET")
        .arg(keys.leader())
        .arg(&cluster.node)
        .arg("NX")
        .arg("PX")
        .arg(ttl)
        .query_async(&mut link.conn)
        .await?;
    let leader = if taken.is_some() {
        true
    } else {
        let holder: Option<String> = link.conn.get(keys.leader()).await?;
        let ours = holder.as_deref() == Some(cluster.node.as_str());
        if ours {
            let _: bool = link.conn.pexpire(keys.leader(), ttl as i64).await?;
        }
        ours
    };
    cluster.leader.store(leader, Relaxed);
    Ok(())
}

/// Unsubscribes from channels no client here has followed for [`IDLE`].
async fn leave_idle(hub: &Hub, cluster: &Cluster, idle_since: &mut HashMap<Topic, Instant>) {
    let wanted: Vec<Topic> = lock(&cluster.wanted).iter().cloned().collect();
    let now = Instant::now();
    idle_since.retain(|t, _| wanted.contains(t));
    for topic in wanted {
        if hub.topics.has_subscribers(&topic) {
            idle_since.remove(&topic);
            continue;
        }
        let since = *idle_since.entry(topic.clone()).or_insert(now);
        if now.duration_since(since) < IDLE {
            continue;
        }
        idle_since.remove(&topic);
        lock(&cluster.wanted).remove(&topic);
        // A client may have arrived since the check: then stay.
        if hub.topics.has_subscribers(&topic) {
            lock(&cluster.wanted).insert(topic);
            continue;
        }
        if let Some(mut link) = cluster.link() {
            let _ = link.sink.unsubscribe(cluster.keys.channel(&topic)).await;
        }
        hub.topics.forget_if_idle(&topic);
    }
}
