//! The publisher: the one task that hands this node's publishes to Redis.
//!
//! Each publish is one run of [`SCRIPT`], which numbers, keeps and publishes the event
//! in one atomic step, so the seq order, the history order and the delivery order are
//! the same on every node. The task sends whatever is waiting as one pipeline on one
//! connection: Redis runs a connection's commands in the order sent, so publishes
//! keep their order (a runner's fixes above all), and a burst costs one round trip.

use std::{sync::LazyLock, sync::atomic::Ordering::Relaxed, time::Duration};

use redis::{Script, aio::MultiplexedConnection};
use tokio::sync::mpsc;

use super::{Cluster, Outgoing, link};

/// Numbers, keeps and publishes one event. KEYS: seq counter, history stream, epoch,
/// and for a publish made once cluster-wide its key. ARGV: the epoch the node knows,
/// the payload, the history length, the channel, and how long the once key lives.
/// Refuses if the epoch changed (Redis lost its data): the node must learn that
/// before it publishes, or its subscribers would see numbering start again unannounced.
/// A publish whose once key is already set (another node's offer of the same split
/// came first) does nothing and returns 0.
const SCRIPT: &str = r"
if redis.call('GET', KEYS[3]) ~= ARGV[1] then
  return redis.error_reply('EPOCH the cluster epoch changed')
end
if KEYS[4] and not redis.call('SET', KEYS[4], '1', 'NX', 'EX', ARGV[5]) then
  return 0
end
local seq = redis.call('INCR', KEYS[1])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[3], seq .. '-0', 'd', ARGV[2])
redis.call('PUBLISH', ARGV[4], seq .. ' ' .. ARGV[2])
return seq
";

static PUBLISH: LazyLock<Script> = LazyLock::new(|| Script::new(SCRIPT));

/// How long a once key lives, seconds: longer than any race. Its name carries the
/// race's start, so a later event on the same Redis is not taken for this one.
const ONCE_TTL_S: u64 = 7 * 24 * 3600;

/// Most publishes sent in one pipeline.
const BATCH: usize = 512;

/// Loads the script into a (new) Redis, so pipelines can call it by its hash.
pub async fn load_script(conn: &mut MultiplexedConnection) -> redis::RedisResult<()> {
    PUBLISH.prepare_invoke().load_async(conn).await.map(|_| ())
}

/// Runs until the node stops.
pub async fn run(cluster: std::sync::Arc<Cluster>, mut incoming: mpsc::Receiver<Outgoing>) {
    let mut batch = Vec::with_capacity(BATCH);
    while incoming.recv_many(&mut batch, BATCH).await > 0 {
        let result = send(&cluster, &batch).await;
        if let Err(err) = &result {
            tracing::warn!(%err, lost = batch.len(), "cluster: publishes failed");
            cluster
                .traffic
                .refused
                .fetch_add(batch.len() as u64, Relaxed);
            if err.to_string().contains("EPOCH") || err.is_io_error() || err.is_timeout() {
                cluster.broken.notify_one();
            }
        }
        for outgoing in batch.drain(..) {
            if let Some(done) = outgoing.done {
                let _ = done.send(
                    result
                        .as_ref()
                        .map(|_| ())
                        .map_err(|_| super::unavailable()),
                );
            }
        }
    }
}

async fn send(cluster: &Cluster, batch: &[Outgoing]) -> redis::RedisResult<()> {
    let Some(mut link) = cluster.link() else {
        return Err(redis::RedisError::from(std::io::Error::from(
            std::io::ErrorKind::NotConnected,
        )));
    };
    let epoch = current_epoch(cluster);
    let mut pipe = redis::pipe();
    let mut bytes = 0;
    for outgoing in batch {
        let payload = link::encode(cluster, outgoing.from, &outgoing.data);
        bytes += payload.len();
        let mut invocation = PUBLISH.prepare_invoke();
        invocation
            .key(cluster.keys.seq(&outgoing.topic))
            .key(cluster.keys.history(&outgoing.topic))
            .key(cluster.keys.epoch())
            .arg(&epoch)
            .arg(payload)
            .arg(cluster.history_len)
            .arg(cluster.keys.channel(&outgoing.topic));
        if let Some(once) = &outgoing.once {
            invocation.key(once).arg(ONCE_TTL_S);
        }
        pipe.invoke_script(&invocation).ignore();
    }
    tokio::time::timeout(
        Duration::from_secs(3),
        pipe.query_async::<()>(&mut link.conn),
    )
    .await
    .map_err(|_| redis::RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))??;
    cluster
        .traffic
        .published
        .fetch_add(batch.len() as u64, Relaxed);
    cluster
        .traffic
        .published_bytes
        .fetch_add(bytes as u64, Relaxed);
    Ok(())
}

fn current_epoch(cluster: &Cluster) -> String {
    super::lock(&cluster.epoch).clone()
}
