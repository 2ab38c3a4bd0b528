//! The link to Redis: connect, agree on the epoch, subscribe, catch up, then apply
//! every event that arrives, in order; on any failure, start again with backoff.
//!
//! One task owns the pub/sub stream, so events are applied strictly in the order
//! Redis sent them. A hole (an event whose seq is past the next one expected, as after
//! a reconnect) is filled from the topic's stream before the event is applied; what
//! the stream no longer holds becomes an explicit gap for the topic's subscribers.

use std::{sync::Arc, time::Duration};

use futures::StreamExt;
use redis::{
    AsyncCommands,
    aio::{MultiplexedConnection, PubSubSink},
    streams::StreamRangeReply,
};
use spectate_app::protocol::{EventData, LatLng, Topic};

use super::{Cluster, publisher};
use crate::hub::{Hub, topics::Numbered};

/// The connections of one generation of the link.
#[derive(Clone)]
pub struct Link {
    /// Commands (publish scripts, history reads, reports).
    pub conn: MultiplexedConnection,
    /// Subscribes and unsubscribes channels.
    pub sink: PubSubSink,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Link")
    }
}

impl Link {
    /// The events of `topic` in Redis after `after`, up to `until` (inclusive).
    pub async fn history(
        &mut self,
        cluster: &Cluster,
        topic: &Topic,
        after: u64,
        until: Option<u64>,
    ) -> redis::RedisResult<Vec<Numbered>> {
        let end = until.map_or_else(|| "+".to_owned(), |u| format!("{u}-0"));
        let reply: StreamRangeReply = self
            .conn
            .xrange(cluster.keys.history(topic), format!("{}-0", after + 1), end)
            .await?;
        let mut out = Vec::with_capacity(reply.ids.len());
        for entry in reply.ids {
            let seq = entry.id.split_once('-').and_then(|(s, _)| s.parse().ok());
            let payload: Option<String> = entry.get("d");
            if let (Some(seq), Some(payload)) = (seq, payload)
                && let Some(numbered) = decode(cluster, seq, &payload)
            {
                out.push(numbered);
            }
        }
        Ok(out)
    }
}

/// Runs the link until the task is aborted.
pub async fn run(hub: Arc<Hub>, cluster: Arc<Cluster>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match connect(&hub, &cluster).await {
            Ok(stream) => {
                backoff = Duration::from_millis(100);
                cluster
                    .traffic
                    .connects
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tracing::info!(node = %cluster.node, "cluster: linked to Redis");
                listen(&hub, &cluster, stream).await;
                cluster.set_link(None);
                tracing::warn!("cluster: lost Redis; serving local clients, reconnecting");
            }
            Err(err) => {
                tracing::warn!(%err, retry_in = ?backoff, "cluster: cannot reach Redis");
            }
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

/// One connection: epoch, script, subscriptions, catch-up. The link is published
/// (publishes allowed) only once every followed topic is caught up.
async fn connect(hub: &Hub, cluster: &Cluster) -> redis::RedisResult<redis::aio::PubSubStream> {
    let timeout = Duration::from_secs(3);
    let connecting = async {
        let mut conn = cluster.client.get_multiplexed_async_connection().await?;
        let (mut sink, stream) = cluster.client.get_async_pubsub().await?.split();
        let candidate = format!("{:016x}", fastrand::u64(..));
        let _: Option<String> = redis::cmd("SET")
            .arg(cluster.keys.epoch())
            .arg(&candidate)
            .arg("NX")
            .query_async(&mut conn)
            .await?;
        let epoch: String = conn.get(cluster.keys.epoch()).await?;
        publisher::load_script(&mut conn).await?;
        if cluster.follows_runners() {
            sink.psubscribe(cluster.keys.runner_pattern()).await?;
        }
        sink.subscribe(cluster.news_channels()).await?;
        let wanted: Vec<String> = super::lock(&cluster.wanted)
            .iter()
            .map(|t| cluster.keys.channel(t))
            .collect();
        if !wanted.is_empty() {
            sink.subscribe(wanted).await?;
        }
        redis::RedisResult::Ok((Link { conn, sink }, stream, epoch))
    };
    let (mut link, stream, epoch) =
        tokio::time::timeout(timeout, connecting)
            .await
            .map_err(|_| {
                redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut))
            })??;
    if hub.epoch() != epoch {
        // Redis is new, or lost its data: numbering starts again, and every
        // subscriber here is told so.
        if !hub.topics.topics().is_empty() {
            tracing::warn!(%epoch, "cluster: new epoch; history restarts");
        }
        hub.topics.restart_all();
        hub.set_epoch(&epoch);
    }
    *super::lock(&cluster.epoch) = epoch;
    // Catch up on every topic followed here, then open for publishing.
    let mut topics: Vec<Topic> = super::lock(&cluster.wanted).iter().cloned().collect();
    if cluster.follows_runners() {
        topics.extend(
            hub.topics
                .topics()
                .into_iter()
                .filter(|t| matches!(t, Topic::Runner(_))),
        );
        if let Some(race) = hub.race() {
            topics.extend(
                race.event()
                    .runners
                    .iter()
                    .map(|r| Topic::Runner(r.bib.clone())),
            );
        }
        topics.sort();
        topics.dedup();
    }
    for topic in topics {
        let after = hub.topics.seq(&topic).unwrap_or(0);
        let events = link.history(cluster, &topic, after, None).await?;
        apply(hub, cluster, &topic, events);
    }
    cluster.set_link(Some(link));
    Ok(stream)
}

/// Applies every message until the stream ends or the link is declared broken.
async fn listen(hub: &Hub, cluster: &Cluster, mut stream: redis::aio::PubSubStream) {
    loop {
        let msg = tokio::select! {
            msg = stream.next() => msg,
            () = cluster.broken.notified() => None,
        };
        let Some(msg) = msg else {
            return;
        };
        if cluster.news_arrived(msg.get_channel_name(), msg.get_payload_bytes()) {
            continue;
        }
        let Some(topic) = cluster.keys.topic_of(msg.get_channel_name()) else {
            continue;
        };
        if !cluster.follows(&topic) {
            continue;
        }
        let Ok(payload) = std::str::from_utf8(msg.get_payload_bytes()) else {
            continue;
        };
        let Some((seq, rest)) = payload.split_once(' ') else {
            continue;
        };
        let Some(numbered) = seq.parse().ok().and_then(|seq| decode(cluster, seq, rest)) else {
            tracing::warn!(%topic, "cluster: undecodable event skipped");
            continue;
        };
        let have = hub.topics.seq(&topic).unwrap_or(0);
        let mut events = Vec::new();
        if numbered.seq > have + 1 {
            // Missed some (a reconnect, or a topic new here): fill from history first.
            let Some(mut link) = cluster.link() else {
                return;
            };
            match link
                .history(cluster, &topic, have, Some(numbered.seq - 1))
                .await
            {
                Ok(missed) => events = missed,
                Err(err) => {
                    tracing::warn!(%err, %topic, "cluster: history read failed");
                    return;
                }
            }
        }
        events.push(numbered);
        apply(hub, cluster, &topic, events);
    }
}

/// Applies `events` to the local registry, feeding the race with each new fix, each
/// split and each organiser's status the cluster published.
pub fn apply(hub: &Hub, cluster: &Cluster, topic: &Topic, events: Vec<Numbered>) {
    use std::sync::atomic::Ordering::Relaxed;
    if events.is_empty() {
        return;
    }
    cluster
        .traffic
        .received
        .fetch_add(events.len() as u64, Relaxed);
    let mut rulings = Vec::new();
    let result = hub
        .topics
        .apply(topic, events, |numbered| match (topic, &numbered.data) {
            (Topic::Runner(runner), EventData::Fix { lat, lng, ts, t }) => {
                if let Ok(position) = LatLng::parse(*lat, *lng) {
                    hub.record_fix(runner, position, t.unwrap_or(*ts));
                }
            }
            // The cluster's one version of a split: every node keeps that one.
            (Topic::Runner(runner), EventData::Split { split, .. }) if split.bib == *runner => {
                hub.adopt_split(split);
            }
            // A status an organiser set on one node: adopted below, once the
            // registry's lock is released (adopting pushes the board through it).
            (Topic::Runner(runner), EventData::Ruling { ruling, .. }) => {
                rulings.push((runner.clone(), ruling.clone()));
            }
            _ => {}
        });
    for (runner, ruling) in rulings {
        crate::race_control::adopt(hub, &runner, &ruling);
    }
    match result {
        Ok(applied) => {
            cluster.traffic.gaps.fetch_add(applied.gaps as u64, Relaxed);
            hub.stats.dropped(
                crate::hub::stats::DropReason::Conflated,
                applied.conflated as u64,
            );
        }
        Err(err) => tracing::warn!(%err, %topic, "cluster: event not applied"),
    }
}

/// `"{node}/{conn or -} {json}"`, as the publisher wrote it.
fn decode(cluster: &Cluster, seq: u64, payload: &str) -> Option<Numbered> {
    cluster
        .traffic
        .received_bytes
        .fetch_add(payload.len() as u64, std::sync::atomic::Ordering::Relaxed);
    let (origin, json) = payload.split_once(' ')?;
    let (node, conn) = origin.split_once('/')?;
    let from = (node == cluster.node).then(|| conn.parse().ok()).flatten();
    let data = serde_json::from_str(json).ok()?;
    Some(Numbered { seq, data, from })
}

/// `"{node}/{conn or -} {json}"`: what the publisher sends.
pub fn encode(cluster: &Cluster, from: Option<crate::hub::ConnId>, data: &EventData) -> String {
    let json = serde_json::to_string(data).expect("event data serializes");
    match from {
        Some(conn) => format!("{}/{conn} {json}", cluster.node),
        None => format!("{}/- {json}", cluster.node),
    }
}
