//! The keepalive timer: pings every socket each heartbeat, and closes with 4000 the
//! ones silent (no frame, no pong) for longer than the idle timeout.
//!
//! One task for the whole server instead of two timers per connection: cheaper in
//! memory for idle sockets and in CPU for busy ones. The price is precision: a silent
//! socket is closed within one check interval (a quarter of the idle timeout, at most
//! one heartbeat) after its timeout, not at the exact millisecond.

use std::{sync::Arc, time::Duration};

use spectate_app::protocol::CloseCode;
use tokio::task::JoinHandle;

use super::{Hub, every::every, stats::DropReason};

/// Starts the timer; it ends when the server shuts down.
pub fn start(hub: Arc<Hub>) -> JoinHandle<()> {
    let limits = hub.limits;
    let check = (limits.idle_timeout / 4)
        .min(limits.heartbeat)
        .max(Duration::from_millis(20));
    let heartbeat_ms = limits.heartbeat.as_millis() as u64;
    let idle_ms = limits.idle_timeout.as_millis() as u64;
    let mut last_ping = hub.clock_ms();
    every(hub, check, move |hub| {
        let now = hub.clock_ms();
        let ping = now.saturating_sub(last_ping) >= heartbeat_ms;
        if ping {
            last_ping = now;
        }
        let mut idle = 0;
        hub.connections.for_each(|outbox| {
            if now.saturating_sub(outbox.last_heard()) > idle_ms {
                idle += 1;
                outbox.close(
                    CloseCode::IdleTimeout,
                    Some(format!(
                        "idle timeout: nothing from the client for {} s",
                        limits.idle_timeout.as_secs_f64()
                    )),
                );
            } else if ping {
                outbox.ping();
            }
        });
        hub.stats.dropped(DropReason::IdleTimeout, idle);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        auth::Access,
        config::Limits,
        hub::{
            connections::Connections,
            outbox::{Next, outbox},
        },
    };

    #[tokio::test(start_paused = true)]
    async fn pings_each_heartbeat_and_closes_the_silent_after_the_idle_timeout() {
        let limits = Limits {
            heartbeat: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            ..Limits::default()
        };
        let hub = Arc::new(Hub::new(limits, Access::open_for_tests()));
        let (chatty, mut chatty_rx) = outbox(hub.outbox_bounds());
        let (silent, mut silent_rx) = outbox(hub.outbox_bounds());
        let _a = Connections::register(&hub, 1, chatty.clone());
        let _b = Connections::register(&hub, 2, silent.clone());
        let task = start(hub.clone());
        let mut batch = Vec::new();
        // Paused clock: each await below jumps straight to the next timer.
        for _ in 0..5 {
            assert_eq!(chatty_rx.next(&mut batch).await, Next::Ping);
            chatty.heard(hub.clock_ms());
        }
        assert!(hub.clock_ms() >= 50_000, "five heartbeats passed");
        // The silent one got pings too, then its close, 30 s (plus at most one check
        // interval) after it was last heard, at 0.
        let close = loop {
            match silent_rx.next(&mut batch).await {
                Next::Ping => continue,
                Next::Close(close) => break close,
                other => panic!("{other:?}"),
            }
        };
        assert_eq!(close.0, CloseCode::IdleTimeout);
        assert!(close.1.contains("30 s"), "{}", close.1);
        assert!(chatty_rx.close_request().is_none(), "the chatty one stays");
        hub.begin_shutdown();
        task.await.unwrap();
    }
}
