//! The broadcast room: a text goes to every other member, never back to its sender.
//!
//! Seed members (`/room`) get the raw text as it was sent; `/ws` members get a
//! `room_message` frame plus `room_presence` updates. Each encoding is made once per
//! message.

use std::{collections::HashMap, sync::Mutex};

use axum::extract::ws::Utf8Bytes;
use spectate_app::protocol::ServerMsg;

use super::{ConnId, Outbox, WireFormat, now_ms};

#[derive(Debug)]
struct Member {
    outbox: Outbox,
    format: WireFormat,
}

/// Members of the room.
#[derive(Debug, Default)]
pub struct Room {
    members: Mutex<HashMap<ConnId, Member>>,
}

impl Room {
    /// Adds a member and tells `/ws` members the new count.
    pub fn join(&self, conn: ConnId, outbox: Outbox, format: WireFormat) {
        let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        members.insert(conn, Member { outbox, format });
        announce_presence(&members);
    }

    /// Removes a member (no-op if absent) and tells the others the new count.
    pub fn leave(&self, conn: ConnId) {
        let mut members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        if members.remove(&conn).is_some() {
            announce_presence(&members);
        }
    }

    /// True if `conn` is a member.
    pub fn contains(&self, conn: ConnId) -> bool {
        self.members
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains_key(&conn)
    }

    /// Relays `text` from `from` to every other member; returns how many it reached.
    pub fn say(&self, from: ConnId, text: &str) -> usize {
        let raw: Utf8Bytes = text.into();
        let app: Utf8Bytes = ServerMsg::RoomMessage {
            text: text.to_owned(),
            ts: now_ms(),
        }
        .encode()
        .into();
        let members = self.members.lock().unwrap_or_else(|e| e.into_inner());
        let mut reached = 0;
        for (_, member) in members.iter().filter(|(conn, _)| **conn != from) {
            let frame = match member.format {
                WireFormat::Seed => raw.clone(),
                WireFormat::App => app.clone(),
            };
            member.outbox.push(frame);
            reached += 1;
        }
        reached
    }

    /// Current number of members.
    pub fn member_count(&self) -> usize {
        self.members.lock().unwrap_or_else(|e| e.into_inner()).len()
    }
}

fn announce_presence(members: &HashMap<ConnId, Member>) {
    let frame: Utf8Bytes = ServerMsg::RoomPresence {
        online: members.len(),
    }
    .encode()
    .into();
    for member in members.values().filter(|m| m.format == WireFormat::App) {
        member.outbox.push(frame.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::outbox::outbox;

    #[test]
    fn messages_skip_the_sender_and_keep_each_format() {
        let room = Room::default();
        let (a, mut a_rx) = outbox(8);
        let (b, mut b_rx) = outbox(8);
        room.join(1, a, WireFormat::Seed);
        room.join(2, b, WireFormat::App);
        // b saw its own join's presence frame.
        assert!(
            b_rx.frames
                .try_recv()
                .unwrap()
                .as_str()
                .contains("room_presence")
        );
        assert_eq!(room.say(1, "hello <b>"), 1);
        assert!(a_rx.frames.try_recv().is_err());
        let frame = ServerMsg::parse(b_rx.frames.try_recv().unwrap().as_str()).unwrap();
        assert!(matches!(frame, ServerMsg::RoomMessage { text, .. } if text == "hello <b>"));
        assert_eq!(room.say(2, "hi"), 1);
        assert_eq!(a_rx.frames.try_recv().unwrap().as_str(), "hi");
        room.leave(1);
        room.leave(2);
        assert_eq!(room.member_count(), 0);
    }
}
