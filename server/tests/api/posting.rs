//! Trackers posting fixes in order, each acknowledgement recorded: what the
//! durability and backup tests check a store against.

use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use tokio::task::JoinHandle;

use crate::helpers::PATIENCE;

/// Trackers at work: which of their fixes were acknowledged so far.
pub(crate) struct Posting {
    /// Per bib (index 0 unused), the numbers of its acknowledged fixes, in order.
    acked: Arc<Mutex<Vec<Vec<usize>>>>,
    total: Arc<AtomicUsize>,
    trackers: Vec<JoinHandle<()>>,
}

/// Starts trackers for bibs 1 to `runners`, each sending its `fixes_each` fixes one
/// after the other; `request(http, bib, i)` is fix `i`'s request. A fix is
/// acknowledged by a 200 with `x-spectate-outcome: published`; a tracker stops at its
/// first request that gets no 200 (the server may be gone).
pub(crate) fn start(
    runners: usize,
    fixes_each: usize,
    request: impl Fn(&reqwest::Client, usize, usize) -> reqwest::RequestBuilder + Send + Sync + 'static,
) -> Posting {
    let acked = Arc::new(Mutex::new(vec![Vec::new(); runners + 1]));
    let total = Arc::new(AtomicUsize::new(0));
    let request = Arc::new(request);
    let trackers = (1..=runners)
        .map(|bib| {
            let (acked, total, request) = (acked.clone(), total.clone(), request.clone());
            tokio::spawn(async move {
                let http = reqwest::Client::new();
                for i in 0..fixes_each {
                    let Ok(response) = request(&http, bib, i).send().await else {
                        return;
                    };
                    if response.status() != 200 {
                        return;
                    }
                    assert_eq!(response.headers()["x-spectate-outcome"], "published");
                    acked.lock().unwrap()[bib].push(i);
                    total.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    Posting {
        acked,
        total,
        trackers,
    }
}

impl Posting {
    /// Waits until at least `count` fixes are acknowledged.
    pub(crate) async fn wait_for(&self, count: usize) {
        tokio::time::timeout(PATIENCE, async {
            while self.total() < count {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        })
        .await
        .expect("the trackers get their acks");
    }

    /// Fixes acknowledged so far.
    pub(crate) fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }

    /// What is acknowledged now, per bib.
    pub(crate) fn acked(&self) -> Vec<Vec<usize>> {
        self.acked.lock().unwrap().clone()
    }

    /// Waits for every tracker to stop; what was acknowledged, per bib.
    pub(crate) async fn finish(self) -> Vec<Vec<usize>> {
        let acked = self.acked.clone();
        for tracker in self.trackers {
            tracker.await.unwrap();
        }
        acked.lock().unwrap().clone()
    }
}
