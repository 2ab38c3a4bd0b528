//! A client that never reads is cut off at its bound; everyone else keeps receiving.

use std::time::Duration;

use spectate_app::protocol::{Publication, RoomName};
use spectate_server::config::Limits;

use crate::helpers::{Seen, spawn_app_with_limits};

#[tokio::test]
async fn a_client_that_never_reads_is_cut_off_and_others_get_everything() {
    const MESSAGES: usize = 300;
    let limits = Limits {
        // Eight 40 KB frames: the reader keeps up, the stalled client overflows.
        outbox_bytes: 8 * 40_010,
        room_max_chars: 100_000,
        ..Limits::default()
    };
    let app = spawn_app_with_limits(limits).await;
    // Joins the room and then never reads a byte.
    let stalled = app.connect("/room").await;
    let mut reader = app.connect("/room").await;
    app.wait_for_stats("both members", |s| s.room_members == 2)
        .await;

    let keen = tokio::spawn(async move {
        let mut got = 0;
        while got < MESSAGES {
            match reader.next().await {
                Seen::Text(text) => {
                    assert!(text.starts_with(&format!("{got:04}")), "in order");
                    got += 1;
                }
                Seen::Closed(frame) => panic!("the reading client was closed: {frame:?}"),
            }
        }
        (got, reader)
    });

    // 300 x 40 KB = 12 MB: far more than the kernel buffers of the stalled socket.
    let filler = "x".repeat(40_000);
    for i in 0..MESSAGES {
        let said = Publication::Say {
            room: RoomName::lobby(),
            text: format!("{i:04}{filler}"),
            name: None,
        };
        app.hub.publish(said, None).unwrap();
        // Pace like a busy room, so that the reader's 8-frame outbox keeps up.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let (got, reader) = keen.await.unwrap();
    assert_eq!(got, MESSAGES, "the reading client got every message");

    let stats = app
        .wait_for_stats("the stalled client to be cut off", |s| {
            s.slow_consumers == 1 && s.room_members == 1 && s.connections == 1
        })
        .await;
    assert_eq!(stats.slow_consumers, 1);
    drop((stalled, reader));
}
