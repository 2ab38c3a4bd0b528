//! The console's rows: the organisers (`users`) and their sign-in sessions
//! (`sessions`). The console (`crate::console`) decides who is who; this only keeps
//! the rows, on the store's one thread like every other write.

use rusqlite::{Connection, OptionalExtension, params};
use tokio::sync::oneshot;

use super::{Store, StoreError, writer::Command};

/// A signed-in organiser's session, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSession {
    /// Whose it is.
    pub user: String,
    /// When it ends, ms since the Unix epoch.
    pub expires_ms: u64,
}

impl Store {
    /// Sets `name`'s password hash, creating the user if needed; a new password ends
    /// every session the user had. Returns whether the user is new.
    pub async fn put_user(
        &self,
        name: &str,
        password_hash: &str,
        now_ms: u64,
    ) -> Result<bool, StoreError> {
        let (name, hash) = (name.to_owned(), password_hash.to_owned());
        self.run(move |connection| {
            let tx = connection.transaction()?;
            tx.execute("DELETE FROM sessions WHERE user = ?1", [&name])?;
            let updated = tx.execute(
                "UPDATE users SET password_hash = ?2 WHERE name = ?1",
                params![name, hash],
            )?;
            if updated == 0 {
                tx.execute(
                    "INSERT INTO users (name, password_hash, created_ms) VALUES (?1, ?2, ?3)",
                    params![name, hash, now_ms as i64],
                )?;
            }
            tx.commit()?;
            Ok(updated == 0)
        })
        .await
    }

    /// `name`'s password hash, if there is such a user.
    pub async fn password_hash(&self, name: &str) -> Result<Option<String>, StoreError> {
        let name = name.to_owned();
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT password_hash FROM users WHERE name = ?1",
                    [&name],
                    |row| row.get(0),
                )
                .optional()
        })
        .await
    }

    /// Stores a new session, known by the hash of its id.
    pub async fn open_session(
        &self,
        id_hash: String,
        session: StoredSession,
        now_ms: u64,
    ) -> Result<(), StoreError> {
        self.run(move |connection| {
            // Ended sessions go when a new one starts: the table holds only live ones.
            connection.execute(
                "DELETE FROM sessions WHERE expires_ms <= ?1",
                [now_ms as i64],
            )?;
            connection.execute(
                "INSERT INTO sessions (id_hash, user, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4)",
                params![id_hash, session.user, now_ms as i64, session.expires_ms as i64],
            )?;
            Ok(())
        })
        .await
    }

    /// The session known by `id_hash`, if there is one (ended or not).
    pub async fn session(&self, id_hash: String) -> Result<Option<StoredSession>, StoreError> {
        self.run(move |connection| {
            connection
                .query_row(
                    "SELECT user, expires_ms FROM sessions WHERE id_hash = ?1",
                    [&id_hash],
                    |row| {
                        Ok(StoredSession {
                            user: row.get(0)?,
                            expires_ms: row.get::<_, i64>(1)?.max(0) as u64,
                        })
                    },
                )
                .optional()
        })
        .await
    }

    /// Ends the session known by `id_hash` (signing out); nothing if there is none.
    pub async fn close_session(&self, id_hash: String) -> Result<(), StoreError> {
        self.run(move |connection| {
            connection
                .execute("DELETE FROM sessions WHERE id_hash = ?1", [&id_hash])
                .map(drop)
        })
        .await
    }

    /// Runs `job` on the store's thread and waits for its result.
    pub(super) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let command = Command::Run(Box::new(move |connection: &mut Connection| {
            let _ = reply.send(job(connection).map_err(|e| e.to_string()));
        }));
        self.commands
            .send(command)
            .map_err(|_| StoreError::Closed)?;
        answer
            .await
            .map_err(|_| StoreError::Closed)?
            .map_err(StoreError::Failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_password_ends_the_users_sessions() {
        let dir = std::env::temp_dir().join(format!("spectate-console-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let store = Store::open(&dir).unwrap();
        assert!(store.put_user("ana", "h1", 1).await.unwrap());
        let session = StoredSession {
            user: "ana".into(),
            expires_ms: 100,
        };
        store
            .open_session("s1".into(), session.clone(), 2)
            .await
            .unwrap();
        assert_eq!(store.session("s1".into()).await.unwrap(), Some(session));
        assert!(!store.put_user("ana", "h2", 3).await.unwrap());
        assert_eq!(
            store.password_hash("ana").await.unwrap().as_deref(),
            Some("h2")
        );
        assert_eq!(store.session("s1".into()).await.unwrap(), None);
        assert_eq!(store.password_hash("bob").await.unwrap(), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
