//! The service's durable store: one SQLite database, one row per accepted article.
//!
//! Each row holds the article's id, metadata and story, and its [`ArticleRecord`] (signature,
//! term vector, verdict) in postcard encoding, from which the detector is rebuilt on start.
//! The term statistics and the configuration live in a small `meta` table. SQLite runs in WAL
//! mode with `synchronous = FULL`: a committed transaction survives a killed process and a
//! power cut.

use anyhow::{bail, Context, Result};
use copydesk::terms::DocumentFrequencies;
use copydesk::{ArticleRecord, DetectorConfig};
use rusqlite::{params, Connection, OptionalExtension};
use std::path::{Path, PathBuf};

/// The schema version, in SQLite's `user_version`. 2: signatures flag densified slots. 3:
/// records keep the article's story links. 4: the word hash changed (short words without
/// xxh3), so stored signatures, terms and term statistics are another version's.
const SCHEMA: i64 = 4;

/// One stored article.
#[derive(Clone, Debug)]
pub struct Stored {
    pub record: ArticleRecord,
    pub source: Option<String>,
    /// Unix seconds.
    pub published_at: Option<i64>,
    /// Unix seconds.
    pub received_at: i64,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the store in folder `dir`.
    pub fn open(dir: &Path) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the data folder", dir.display()))?;
        let path = dir.join("copydesk.sqlite3");
        let conn = Connection::open(&path)
            .with_context(|| format!("{}: cannot open the store", path.display()))?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!("{}: cannot switch the store to WAL mode", path.display());
        }
        conn.execute_batch("PRAGMA synchronous = FULL;")?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        match version {
            0 => conn.execute_batch(&format!(
                "BEGIN;
                 CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
                 CREATE TABLE articles (
                     id TEXT PRIMARY KEY,
                     number INTEGER NOT NULL UNIQUE,
                     story INTEGER NOT NULL,
                     source TEXT,
                     published_at INTEGER,
                     received_at INTEGER NOT NULL,
                     record BLOB NOT NULL
                 );
                 CREATE INDEX articles_story ON articles (story);
                 PRAGMA user_version = {SCHEMA};
                 COMMIT;"
            ))?,
            SCHEMA => {}
            v => bail!(
                "{}: store schema version {v}; this copydesk reads version {SCHEMA}",
                path.display()
            ),
        }
        Ok(Store { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn set_meta(&self, key: &str, value: &[u8]) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The configuration the store was created with.
    pub fn config(&self) -> Result<Option<DetectorConfig>> {
        self.meta("config")?
            .map(|v| serde_json::from_slice(&v).context("stored configuration is unreadable"))
            .transpose()
    }

    pub fn set_config(&self, config: &DetectorConfig) -> Result<()> {
        self.set_meta("config", &serde_json::to_vec(config)?)
    }

    /// The last saved term statistics.
    pub fn term_statistics(&self) -> Result<Option<DocumentFrequencies>> {
        self.meta("term_statistics")?
            .map(|v| postcard::from_bytes(&v).context("stored term statistics are unreadable"))
            .transpose()
    }

    pub fn save_term_statistics(&self, df: &DocumentFrequencies) -> Result<()> {
        self.set_meta("term_statistics", &postcard::to_stdvec(df)?)
    }

    /// Every stored article, in the order of their numbers.
    pub fn load(&self) -> Result<Vec<Stored>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, record, source, published_at, received_at FROM articles ORDER BY number",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Vec<u8>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, blob, source, published_at, received_at) = row?;
            let record: ArticleRecord = postcard::from_bytes(&blob)
                .with_context(|| format!("stored article {id:?} is unreadable"))?;
            if record.id != id {
                bail!("stored article {id:?} holds the record of {:?}", record.id);
            }
            out.push(Stored {
                record,
                source,
                published_at,
                received_at,
            });
        }
        Ok(out)
    }

    /// Writes new articles and deletes others, all in one transaction: all of it or none.
    pub fn commit(&mut self, inserts: &[Stored], deletes: &[String]) -> Result<()> {
        if inserts.is_empty() && deletes.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO articles (id, number, story, source, published_at, received_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for s in inserts {
                put.execute(params![
                    s.record.id,
                    s.record.number,
                    s.record.story.0 as i64,
                    s.source,
                    s.published_at,
                    s.received_at,
                    postcard::to_stdvec(&s.record)?,
                ])?;
            }
            let mut del = tx.prepare_cached("DELETE FROM articles WHERE id = ?1")?;
            for id in deletes {
                del.execute([id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Writes the new story of every article in `records` (and its record, which holds the
    /// story too), in one transaction: all of it or none.
    pub fn update_stories(&mut self, records: &[ArticleRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut put =
                tx.prepare_cached("UPDATE articles SET story = ?1, record = ?2 WHERE id = ?3")?;
            for r in records {
                let rows = put.execute(params![r.story.0 as i64, postcard::to_stdvec(r)?, r.id])?;
                if rows != 1 {
                    bail!("article {:?} is not in the store", r.id);
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// SQLite's own check of the database's structure; an error unless sound.
    pub fn check(&self) -> Result<()> {
        let verdict: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            bail!("{}: the store is damaged: {verdict}", self.path.display());
        }
        Ok(())
    }
}
