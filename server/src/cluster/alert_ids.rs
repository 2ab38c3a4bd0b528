//! Safety alerts' numbers across the cluster (`crate::alerts::cluster`): one counter
//! in Redis numbers every node's alerts, and a key per runner and kind holds the
//! number of the one open, so two nodes that see the same runner (a phone whose
//! requests a balancer spreads, a sweep on each node) raise one alert, not two.
//!
//! Taking the number and the runner's key is one script, so it is atomic: whichever
//! node runs it first raises the alert, the other learns its number. Whoever resolves
//! the alert frees the key.

use std::sync::LazyLock;

use redis::Script;

use super::{Cluster, lock};

/// KEYS: the counter, the runner's key for that kind. ARGV: the highest number this
/// node's store has (numbers go on from above it, so alerts stored before the node
/// joined the cluster, or before Redis lost its data, keep theirs). Returns
/// `{1, number}` for a new alert, `{0, number}` when one is open already.
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
redis.call('SET', KEYS[2], id)
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

impl Cluster {
    /// A number for `runner`'s new alert of `kind`, or the one open already; `floor`
    /// is the highest number this node has stored.
    pub async fn claim_alert(
        &self,
        runner: &str,
        kind: &str,
        floor: i64,
    ) -> Result<Claim, spectate_app::protocol::ProtocolError> {
        let Some(mut link) = lock(&self.link).clone() else {
            return Err(super::unavailable());
        };
        let reply: Vec<i64> = CLAIM_SCRIPT
            .key(self.keys.alert_ids())
            .key(self.keys.open_alert(runner, kind))
            .arg(floor)
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

    /// `runner`'s alert `id` of `kind` is resolved: another may be raised.
    pub async fn release_alert(&self, runner: &str, kind: &str, id: i64) {
        let Some(mut link) = lock(&self.link).clone() else {
            tracing::warn!(
                id,
                "cluster: a resolved alert's key not freed, Redis is unreachable"
            );
            return;
        };
        let freed: redis::RedisResult<i64> = RELEASE_SCRIPT
            .key(self.keys.open_alert(runner, kind))
            .arg(id)
            .invoke_async(&mut link.conn)
            .await;
        if let Err(err) = freed {
            tracing::warn!(%err, id, "cluster: a resolved alert's key not freed");
        }
    }
}
