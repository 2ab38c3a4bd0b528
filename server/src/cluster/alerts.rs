//! Safety alerts in Redis (`crate::alerts::cluster`): one counter numbers every
//! node's alerts; a key per runner and kind holds the number of the one open, so two
//! nodes that see the same runner (a phone whose requests a balancer spreads, a sweep
//! on each node) raise one alert, not two; and a record of every alert as it is now
//! brings a node that was down, or cut off, up to date when it links again.
//!
//! Taking the number and the runner's key is one script, so it is atomic: whichever
//! node runs it first raises the alert, the other learns its number. Whoever resolves
//! the alert frees the key. The key's name carries the race's start, so an alert left
//! open in an earlier race on the same Redis blocks nothing, and it expires after
//! [`KEPT_S`] like the record, so nothing is kept for ever.

use std::sync::LazyLock;

use redis::Script;
use spectate_app::protocol::ProtocolError;

use super::{Cluster, lock};

/// How long the open keys and the record live, seconds: longer than any race.
const KEPT_S: u64 = 7 * 24 * 3600;

/// KEYS: the counter, the runner's key for that kind. ARGV: the highest number this
/// node's store has (numbers go on from above it, so alerts stored before the node
/// joined the cluster, or before Redis lost its data, keep theirs), and how long the
/// key lives. Returns `{1, number}` for a new alert, `{0, number}` when one is open.
const CLAIM: &str = r"
local open = redis.call('GET', KEYS[2])
if open then
  return {0, tonumber(open)}
end
local id = redis.call('INCR', KEYS[1])
local floor = tonumber(ARGV[1])
if id <= floor then
  id = floor + 1
  redis.call('SET', KEYS[1], id)
end
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
return {1, id}
";

/// KEYS: the runner's key. ARGV: the resolved alert's number. Frees the key only if
/// it still holds that alert.
const RELEASE: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
";

static CLAIM_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(CLAIM));
static RELEASE_SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(RELEASE));

/// What asking for a new alert's number gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This node raises the alert, with this number.
    New(i64),
    /// Another node (or this one) has this alert open for the runner already.
    Open(i64),
}

/// Whose alert a key is for: the race (its start, ms), the runner and the kind.
#[derive(Clone, Copy, Debug)]
pub struct Whose<'a> {
    /// The race's start (Unix ms), 0 without an event.
    pub race_start_ms: u64,
    /// The runner's bib.
    pub runner: &'a str,
    /// The alert's kind.
    pub kind: &'a str,
}

impl Cluster {
    /// A number for a new alert of `whose`, or the one open already; `floor` is the
    /// highest number this node has stored.
    pub async fn claim_alert(&self, whose: Whose<'_>, floor: i64) -> Result<Claim, ProtocolError> {
        let Some(mut link) = lock(&self.link).clone() else {
            return Err(super::unavailable());
        };
        let reply: Vec<i64> = CLAIM_SCRIPT
            .key(self.keys.alert_ids())
            .key(self.keys.open_alert(whose))
            .arg(floor)
            .arg(KEPT_S)
            .invoke_async(&mut link.conn)
            .await
            .map_err(|err| {
                tracing::warn!(%err, "cluster: no number for an alert");
                super::unavailable()
            })?;
        match reply.as_slice() {
            [1, id] => Ok(Claim::New(*id)),
            [_, id] => Ok(Claim::Open(*id)),
            _ => Err(super::unavailable()),
        }
    }

    /// Alert `id` of `whose` is resolved: another may be raised.
    pub async fn release_alert(&self, whose: Whose<'_>, id: i64) {
        let Some(mut link) = lock(&self.link).clone() else {
            tracing::warn!(
                id,
                "cluster: a resolved alert's key not freed, Redis is unreachable"
            );
            return;
        };
        let freed: redis::RedisResult<i64> = RELEASE_SCRIPT
            .key(self.keys.open_alert(whose))
            .arg(id)
            .invoke_async(&mut link.conn)
            .await;
        if let Err(err) = freed {
            tracing::warn!(%err, id, "cluster: a resolved alert's key not freed");
        }
    }

    /// Keeps alert `id` as it is now (`json`) in the record.
    pub async fn record_alert(&self, id: i64, json: &str) {
        let Some(mut link) = lock(&self.link).clone() else {
            return;
        };
        let kept: redis::RedisResult<()> = redis::pipe()
            .atomic()
            .hset(self.keys.alert_record(), id, json)
            .ignore()
            .expire(self.keys.alert_record(), KEPT_S as i64)
            .ignore()
            .query_async(&mut link.conn)
            .await;
        if let Err(err) = kept {
            tracing::warn!(%err, id, "cluster: an alert not recorded");
        }
    }

    /// Every alert in the record, as JSON.
    pub async fn alert_record(&self) -> Result<Vec<String>, ProtocolError> {
        let Some(mut link) = lock(&self.link).clone() else {
            return Err(super::unavailable());
        };
        redis::cmd("HVALS")
            .arg(self.keys.alert_record())
            .query_async(&mut link.conn)
            .await
            .map_err(|err| {
                tracing::warn!(%err, "cluster: the alerts' record not read");
                super::unavailable()
            })
    }
}
