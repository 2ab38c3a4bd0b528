//! Race control's rows (`crate::race_control`): the organiser's verdicts on runners
//! (DNS, DNF, DSQ) and the announcement, each with who set it and when. Stored before
//! the board or any page shows them, so a restart puts them back as they were.

use rusqlite::{OptionalExtension, params};
use spectate_app::protocol::{
    RunnerId,
    announcement::{Announcement, Audience},
};

use super::{Store, StoreError};
use crate::race::verdicts::Verdict;

impl Store {
    /// Stores `runner`'s verdict, or deletes theirs (`None`: back in the race).
    pub(crate) async fn put_verdict(
        &self,
        runner: &RunnerId,
        verdict: Option<Verdict>,
    ) -> Result<(), StoreError> {
        let runner = runner.clone();
        self.run(move |connection| {
            match verdict {
                Some(v) => connection.execute(
                    "INSERT OR REPLACE INTO verdicts (runner, status, reason, set_by, set_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![runner.as_str(), v.status_name(), v.reason, v.by, v.at_ms as i64],
                )?,
                None => connection.execute("DELETE FROM verdicts WHERE runner = ?1", [runner.as_str()])?,
            };
            Ok(())
        })
        .await
    }

    /// Every stored verdict (rows this server cannot read are skipped).
    pub(crate) async fn verdicts(&self) -> Result<Vec<(RunnerId, Verdict)>, StoreError> {
        self.run(|connection| {
            let mut query = connection
                .prepare_cached("SELECT runner, status, reason, set_by, set_ms FROM verdicts")?;
            let rows = query.query_map([], |row| {
                let runner: String = row.get(0)?;
                let status: String = row.get(1)?;
                let verdict = Verdict::stored(
                    &status,
                    row.get(2)?,
                    row.get(3)?,
                    row.get::<_, i64>(4)?.max(0) as u64,
                );
                Ok(RunnerId::parse(&runner).ok().zip(verdict))
            })?;
            rows.filter_map(Result::transpose).collect()
        })
        .await
    }

    /// Stores the announcement `by` set, or clears it (`None`).
    pub(crate) async fn put_announcement(
        &self,
        announcement: Option<(Announcement, String)>,
    ) -> Result<(), StoreError> {
        self.run(move |connection| {
            match announcement {
                Some((a, by)) => connection.execute(
                    "INSERT OR REPLACE INTO announcement (id, text, audience, set_by, set_ms) VALUES (1, ?1, ?2, ?3, ?4)",
                    params![a.text, a.audience.as_str(), by, a.at_ms as i64],
                )?,
                None => connection.execute("DELETE FROM announcement", [])?,
            };
            Ok(())
        })
        .await
    }

    /// The stored announcement and who set it, if there is one.
    pub(crate) async fn announcement(&self) -> Result<Option<(Announcement, String)>, StoreError> {
        self.run(|connection| {
            let row = connection
                .query_row(
                    "SELECT text, audience, set_by, set_ms FROM announcement WHERE id = 1",
                    [],
                    |row| {
                        let audience: String = row.get(1)?;
                        Ok(Audience::parse(&audience).map(|audience| {
                            let announcement = Announcement {
                                text: row.get(0)?,
                                audience,
                                at_ms: row.get::<_, i64>(3)?.max(0) as u64,
                            };
                            Ok::<_, rusqlite::Error>((announcement, row.get(2)?))
                        }))
                    },
                )
                .optional()?;
            row.flatten().transpose()
        })
        .await
    }
}
