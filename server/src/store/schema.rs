//! The schema, as an ordered list of migrations. The database records how many it has
//! applied (`PRAGMA user_version`); opening applies the rest in one transaction, so a
//! newer server upgrades an older data dir and never half-way.

use rusqlite::Connection;

/// Migration `i` takes the schema from version `i` to `i + 1`. Never edit one that
/// has shipped: add another.
const MIGRATIONS: &[&str] = &[
    "
    CREATE TABLE fixes (
        id          INTEGER PRIMARY KEY,
        runner      TEXT    NOT NULL,
        taken_ms    INTEGER NOT NULL,
        received_ms INTEGER NOT NULL,
        lat         REAL    NOT NULL,
        lng         REAL    NOT NULL,
        speed_mps   REAL,
        accuracy_m  REAL,
        altitude_m  REAL,
        battery_pct REAL,
        source      TEXT    NOT NULL
    );
    CREATE INDEX fixes_by_runner_time ON fixes (runner, taken_ms);
",
    "
    -- One row, rewritten by the store's write probe (`/healthz` while writes fail).
    CREATE TABLE probe (
        id    INTEGER PRIMARY KEY CHECK (id = 1),
        at_ms INTEGER NOT NULL
    );
",
    "
    -- Split times: one row per runner and timing point (the event's checkpoints in
    -- course order from 0, then the finish), recorded once.
    CREATE TABLE splits (
        runner        TEXT    NOT NULL,
        point         INTEGER NOT NULL,
        name          TEXT    NOT NULL,
        finish        INTEGER NOT NULL,
        distance_m    REAL    NOT NULL,
        at_ms         INTEGER NOT NULL,
        time_of_day   TEXT    NOT NULL,
        elapsed_ms    INTEGER,
        pace_s_per_km REAL,
        rank          INTEGER NOT NULL,
        PRIMARY KEY (runner, point)
    ) WITHOUT ROWID;
",
    "
    -- The organisers who may sign in to the console (`spectate admin add-user`), with
    -- their password as an argon2 PHC string (never the password itself).
    CREATE TABLE users (
        name          TEXT    PRIMARY KEY,
        password_hash TEXT    NOT NULL,
        created_ms    INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- Console sessions: the SHA-256 of the cookie's id (a copy of the database does
    -- not give anyone a session), whose they are, and until when.
    CREATE TABLE sessions (
        id_hash    TEXT    PRIMARY KEY,
        user       TEXT    NOT NULL REFERENCES users (name) ON DELETE CASCADE,
        created_ms INTEGER NOT NULL,
        expires_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    "
    -- Safety alerts (`crate::alerts`): raised, then acknowledged, then resolved, each
    -- step with the organiser who took it and when.
    CREATE TABLE alerts (
        id              INTEGER PRIMARY KEY,
        runner          TEXT    NOT NULL,
        kind            TEXT    NOT NULL,
        lat             REAL    NOT NULL,
        lng             REAL    NOT NULL,
        raised_ms       INTEGER NOT NULL,
        stage           TEXT    NOT NULL,
        acknowledged_by TEXT,
        acknowledged_ms INTEGER,
        resolved_by     TEXT,
        resolved_ms     INTEGER
    );
",
    "
    -- The event's field (`crate::roster`), in field order, as the event file, the CSV
    -- imports and the console's forms left it; `devices` is a JSON array of ids.
    CREATE TABLE runners (
        position INTEGER PRIMARY KEY,
        bib      TEXT    NOT NULL UNIQUE,
        name     TEXT    NOT NULL,
        category TEXT,
        devices  TEXT    NOT NULL
    );
    -- Every change to the field: who made it, when, and what it was.
    CREATE TABLE runner_changes (
        id    INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        who   TEXT    NOT NULL,
        bib   TEXT    NOT NULL,
        what  TEXT    NOT NULL
    );
    CREATE INDEX runner_changes_by_bib ON runner_changes (bib, id);
    -- The event file's settings (its TOML without the runners) and the field of the
    -- file as last imported (TOML), so a restart with the same file keeps the edits.
    CREATE TABLE event_source (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        settings TEXT    NOT NULL,
        imported TEXT    NOT NULL
    );
    -- Revoked runner tokens (`auth::revocations`): a runner's tokens issued before
    -- `before_s` (Unix seconds) are refused.
    CREATE TABLE token_revocations (
        runner   TEXT    PRIMARY KEY,
        before_s INTEGER NOT NULL
    ) WITHOUT ROWID;
",
    "
    -- Race control (`crate::race_control`): the organiser's DNS / DNF / DSQ, one row
    -- per runner out of the race (a runner back in the race has none), with why, who
    -- and when.
    CREATE TABLE verdicts (
        runner  TEXT    PRIMARY KEY,
        status  TEXT    NOT NULL,
        reason  TEXT    NOT NULL,
        set_by  TEXT    NOT NULL,
        set_ms  INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- The organisers' announcement to spectators and/or runners: one at most.
    CREATE TABLE announcement (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        text     TEXT    NOT NULL,
        audience TEXT    NOT NULL,
        set_by   TEXT    NOT NULL,
        set_ms   INTEGER NOT NULL
    );
",
    "
    -- The event's settings as the console changes them (`crate::roster::settings`):
    -- every change, who made it, when and what it was; the course files uploaded
    -- (also written into the data directory, where the settings point); and the
    -- event file's settings as last imported, so that a restart with the same file
    -- keeps the console's settings.
    CREATE TABLE event_changes (
        id    INTEGER PRIMARY KEY,
        at_ms INTEGER NOT NULL,
        who   TEXT    NOT NULL,
        what  TEXT    NOT NULL
    );
    CREATE TABLE courses (
        path TEXT PRIMARY KEY,
        gpx  TEXT NOT NULL
    ) WITHOUT ROWID;
    ALTER TABLE event_source ADD COLUMN file_settings TEXT;
",
];

/// The schema version this server writes (`PRAGMA user_version` after [`migrate`]).
pub fn version() -> usize {
    MIGRATIONS.len()
}

/// Applies the migrations the database has not seen.
pub fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    let done: usize = connection.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if done >= MIGRATIONS.len() {
        return Ok(());
    }
    let tx = connection.transaction()?;
    for migration in &MIGRATIONS[done..] {
        tx.execute_batch(migration)?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len())?;
    tx.commit()
}

/// The sources a fix can come from, as stored; unknown text reads as `other`.
pub fn source_name(text: &str) -> &'static str {
    match text {
        "owntracks" => "owntracks",
        "osmand" => "osmand",
        "websocket" => "websocket",
        "batch" => "batch",
        "seed" => "seed",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrating_twice_is_harmless_and_records_the_version() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection).unwrap();
        migrate(&mut connection).unwrap();
        let version: usize = connection
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(version, MIGRATIONS.len());
    }
}
