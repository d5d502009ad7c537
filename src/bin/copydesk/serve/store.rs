//! The service's durable store: one SQLite database, one row per accepted article.
//!
//! Each row holds the article's id, metadata and story, and its [`ArticleRecord`] (signature,
//! term vector, verdict) in postcard encoding, from which the detector is rebuilt on start.
//! The configuration and a snapshot of the term statistics live in a small `meta` table; every
//! commit that adds articles also appends their term counts to `df_log` in the same
//! transaction, so the statistics are exactly as durable as the articles (the log is folded
//! into the snapshot now and then). SQLite runs in WAL mode with `synchronous = FULL`: a
//! committed transaction survives a killed process and a power cut.
//!
//! Before SQLite opens anything, the folder is locked for the life of the process (a second
//! server on the same folder is refused), and the files are checked for damage SQLite would
//! pass over in silence: a database emptied to zero bytes, and a write-ahead log damaged in
//! the middle (SQLite stops reading at the first bad frame and drops what follows).

use anyhow::{bail, Context, Result};
use copydesk::terms::DocumentFrequencies;
use copydesk::{ArticleRecord, DetectorConfig};
use rusqlite::{params, Connection, OptionalExtension};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The schema version, in SQLite's `user_version`. 2: signatures flag densified slots. 3:
/// records keep the article's story links. 4: the word hash changed (short words without
/// xxh3). 5: the term-count log (`df_log`). 6: records carry the publication time and whether
/// a match crosses the story window (index format 8). 7: verdicts carry the article's id and
/// term statistics are keyed by 32-bit term hashes (index format 9). 8: no index on the story
/// column (nothing reads by it, and writing it at each insert costs a tenth of ingest). Stores
/// of schemas 4 to 7 are upgraded in place.
const SCHEMA: i64 = 8;

/// Records and term statistics as schemas 4 to 6 stored them, read once to upgrade a store.
mod legacy {
    use copydesk::minhash::CompactSignature;
    use copydesk::terms::TermVector;
    use copydesk::{ArticleRecord, Match, MatchKind, StoryId, Timestamp, Verdict};
    use rusqlite::{params, Connection, OptionalExtension};

    #[derive(serde::Deserialize)]
    struct Record {
        number: u32,
        id: String,
        content: u64,
        story: StoryId,
        signature: CompactSignature,
        vector: TermVector,
        verdict: OldVerdict,
        links: Option<Vec<(u32, f32)>>,
    }

    #[derive(serde::Deserialize)]
    struct OldVerdict {
        story: StoryId,
        matched: Option<OldMatch>,
    }

    /// A record of schema 6 (index format 8 before verdicts carried the article's id).
    #[derive(serde::Deserialize)]
    struct Record6 {
        number: u32,
        id: String,
        content: u64,
        story: StoryId,
        signature: CompactSignature,
        vector: TermVector,
        verdict: Verdict6,
        links: Option<Vec<(u32, f32)>>,
        published: Option<Timestamp>,
    }

    #[derive(serde::Deserialize)]
    struct Verdict6 {
        story: StoryId,
        matched: Option<Match>,
    }

    #[derive(serde::Deserialize)]
    struct OldMatch {
        id: String,
        kind: MatchKind,
        similarity: f32,
    }

    /// Term statistics as schemas 4 and 5 stored them: keyed by the term's whole hash.
    #[derive(serde::Deserialize)]
    struct OldStatistics {
        documents: u64,
        df: std::collections::HashMap<u64, u32>,
    }

    /// Term statistics as [`copydesk::terms::DocumentFrequencies`] encodes them: keyed by the
    /// low 32 bits of the term's hash.
    #[derive(serde::Serialize)]
    struct Statistics {
        documents: u64,
        df: std::collections::HashMap<u32, u32>,
    }

    fn upgrade_statistics(blob: &[u8]) -> anyhow::Result<Vec<u8>> {
        let old: OldStatistics = postcard::from_bytes(blob)?;
        let mut df = std::collections::HashMap::with_capacity(old.df.len());
        for (term, n) in old.df {
            *df.entry(term as u32).or_insert(0) += n;
        }
        Ok(postcard::to_stdvec(&Statistics {
            documents: old.documents,
            df,
        })?)
    }

    /// Rewrites the term statistics' snapshot and log (schema 5) in the current layout.
    pub fn upgrade_term_statistics(tx: &Connection) -> anyhow::Result<()> {
        let snapshot: Option<Vec<u8>> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'term_statistics'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(blob) = snapshot {
            let new = upgrade_statistics(&blob)
                .map_err(|e| anyhow::anyhow!("unreadable term statistics: {e}"))?;
            tx.execute(
                "UPDATE meta SET value = ?1 WHERE key = 'term_statistics'",
                params![new],
            )?;
        }
        let rows: Vec<(i64, Vec<u8>)> = tx
            .prepare("SELECT seq, delta FROM df_log")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut put = tx.prepare("UPDATE df_log SET delta = ?1 WHERE seq = ?2")?;
        for (seq, blob) in rows {
            let new = upgrade_statistics(&blob)
                .map_err(|e| anyhow::anyhow!("unreadable term-count log entry {seq}: {e}"))?;
            put.execute(params![new, seq])?;
        }
        Ok(())
    }

    /// Rewrites every record of a schema-`version` store in the current layout, with the
    /// row's source (and, for schemas 4 and 5, its publication time).
    pub fn upgrade_records(tx: &Connection, version: i64) -> anyhow::Result<()> {
        type Row = (String, Vec<u8>, Option<i64>, Option<String>);
        let rows: Vec<Row> = tx
            .prepare("SELECT id, record, published_at, source FROM articles")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        let mut put = tx.prepare("UPDATE articles SET record = ?1 WHERE id = ?2")?;
        for (id, blob, published, source) in rows {
            let unreadable = |e| anyhow::anyhow!("article {id:?}: unreadable record: {e}");
            if version == 6 {
                let old: Record6 = postcard::from_bytes(&blob).map_err(unreadable)?;
                let record = ArticleRecord {
                    number: old.number,
                    verdict: Verdict {
                        id: old.id.clone(),
                        story: old.verdict.story,
                        matched: old.verdict.matched,
                    },
                    id: old.id,
                    content: old.content,
                    story: old.story,
                    signature: old.signature,
                    vector: old.vector,
                    links: old.links,
                    published: old.published,
                    source,
                };
                put.execute(params![postcard::to_stdvec(&record)?, id])?;
                continue;
            }
            let old: Record = postcard::from_bytes(&blob).map_err(unreadable)?;
            let record = ArticleRecord {
                number: old.number,
                id: old.id,
                content: old.content,
                story: old.story,
                signature: old.signature,
                vector: old.vector,
                verdict: Verdict {
                    id: id.clone(),
                    story: old.verdict.story,
                    matched: old.verdict.matched.map(|m| Match {
                        id: m.id,
                        kind: m.kind,
                        similarity: m.similarity,
                        beyond_window: false,
                    }),
                },
                links: old.links,
                published: published.map(Timestamp::from_unix_seconds),
                source,
            };
            put.execute(params![postcard::to_stdvec(&record)?, id])?;
        }
        Ok(())
    }
}

/// The database's file name in the data folder.
const DATABASE: &str = "copydesk.sqlite3";
/// The lock file's name in the data folder.
const LOCK: &str = "copydesk.lock";

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

/// One change of a commit, applied in order.
#[derive(Clone, Debug)]
pub enum Op {
    Insert(Box<Stored>),
    Delete(String),
    /// A stored article's verdict, changed by another article of the group (an older version
    /// that arrived late).
    Update(Box<ArticleRecord>),
}

/// Why a commit failed: the message for the log, and whether the store is full.
#[derive(Debug)]
pub struct CommitError {
    pub full: bool,
    pub detail: String,
}

impl std::fmt::Display for CommitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl From<rusqlite::Error> for CommitError {
    fn from(e: rusqlite::Error) -> Self {
        let full = matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull));
        CommitError {
            full,
            detail: e.to_string(),
        }
    }
}

impl From<postcard::Error> for CommitError {
    fn from(e: postcard::Error) -> Self {
        CommitError {
            full: false,
            detail: format!("encoding a record: {e}"),
        }
    }
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// Held, locked, for the life of the store.
    _lock: File,
}

impl Store {
    /// Locks the folder `dir` (creating it if needed), checks its files, and opens (creating
    /// if needed) the store in it. `max_bytes` caps the database's size: a commit that would
    /// pass it fails, as on a full disk.
    pub fn open(dir: &Path, max_bytes: Option<u64>) -> Result<Store> {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("{}: cannot create the data folder", dir.display()))?;
        let lock = lock_folder(dir)?;
        let path = dir.join(DATABASE);
        check_files(&path)?;
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
                 CREATE TABLE df_log (seq INTEGER PRIMARY KEY, delta BLOB NOT NULL);
                 PRAGMA user_version = {SCHEMA};
                 COMMIT;"
            ))?,
            4..=7 => {
                let tx = conn.unchecked_transaction()?;
                if version == 4 {
                    tx.execute_batch(
                        "CREATE TABLE df_log (seq INTEGER PRIMARY KEY, delta BLOB NOT NULL);",
                    )?;
                }
                if version < 7 {
                    legacy::upgrade_records(&tx, version)
                        .and_then(|()| legacy::upgrade_term_statistics(&tx))
                        .with_context(|| format!("{}: upgrading the store", path.display()))?;
                }
                tx.execute_batch(&format!(
                    "DROP INDEX IF EXISTS articles_story; PRAGMA user_version = {SCHEMA};"
                ))?;
                tx.commit()?;
            }
            SCHEMA => {}
            v => bail!(
                "{}: store schema version {v}; this copydesk reads versions 4 to {SCHEMA}",
                path.display()
            ),
        }
        if let Some(max) = max_bytes {
            let page: i64 = conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
            let page = page.max(512) as u64;
            let pages = (max / page).max(1);
            conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))?;
        }
        Ok(Store {
            conn,
            path,
            _lock: lock,
        })
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

    fn set_meta(conn: &Connection, key: &str, value: &[u8]) -> rusqlite::Result<()> {
        conn.execute(
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
        Ok(Self::set_meta(
            &self.conn,
            "config",
            &serde_json::to_vec(config)?,
        )?)
    }

    /// The term statistics of every article ever committed: the last snapshot with the log
    /// of every commit since added to it.
    pub fn term_statistics(&self) -> Result<DocumentFrequencies> {
        let mut df: DocumentFrequencies = match self.meta("term_statistics")? {
            Some(v) => postcard::from_bytes(&v).context("stored term statistics are unreadable")?,
            None => DocumentFrequencies::default(),
        };
        let mut stmt = self
            .conn
            .prepare("SELECT seq, delta FROM df_log ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
        for row in rows {
            let (seq, blob) = row?;
            let delta: DocumentFrequencies = postcard::from_bytes(&blob)
                .with_context(|| format!("term-count log entry {seq} is unreadable"))?;
            df.merge(&delta);
        }
        Ok(df)
    }

    /// Folds the log into a new snapshot, `df` (the statistics as they stand, log included),
    /// in one transaction.
    pub fn save_term_statistics(&mut self, df: &DocumentFrequencies) -> Result<()> {
        let tx = self.conn.transaction()?;
        Self::set_meta(&tx, "term_statistics", &postcard::to_stdvec(df)?)?;
        tx.execute("DELETE FROM df_log", [])?;
        tx.commit()?;
        Ok(())
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

    /// Applies `ops` in order and appends `counted` (the term counts of the articles the
    /// ops insert) to the term-count log, all in one transaction: all of it or none.
    pub fn commit(
        &mut self,
        ops: &[Op],
        counted: &DocumentFrequencies,
    ) -> std::result::Result<(), CommitError> {
        if ops.is_empty() && counted.documents() == 0 {
            return Ok(());
        }
        let tx = self.conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO articles (id, number, story, source, published_at, received_at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            let mut del = tx.prepare_cached("DELETE FROM articles WHERE id = ?1")?;
            let mut update =
                tx.prepare_cached("UPDATE articles SET story = ?1, record = ?2 WHERE id = ?3")?;
            for op in ops {
                match op {
                    Op::Insert(s) => {
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
                    Op::Delete(id) => {
                        del.execute([id])?;
                    }
                    Op::Update(r) => {
                        update.execute(params![
                            r.story.0 as i64,
                            postcard::to_stdvec(&**r)?,
                            r.id
                        ])?;
                    }
                }
            }
            if counted.documents() > 0 {
                tx.execute(
                    "INSERT INTO df_log (delta) VALUES (?1)",
                    [postcard::to_stdvec(counted)?],
                )?;
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

/// Takes the folder's lock, held until the returned file is closed (the process ends):
/// a second server on the same folder would keep an index of its own that the first's
/// changes never reach.
fn lock_folder(dir: &Path) -> Result<File> {
    let path = dir.join(LOCK);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("{}: cannot open the lock file", path.display()))?;
    if fs4::FileExt::try_lock(&file).is_err() {
        let holder = std::fs::read_to_string(&path).unwrap_or_default();
        let holder = holder.trim();
        bail!(
            "{}: another copydesk serve is using this data folder{}; stop it first, or use \
             another --data folder",
            dir.display(),
            if holder.is_empty() {
                String::new()
            } else {
                format!(" (process {holder})")
            }
        );
    }
    file.set_len(0)?;
    write!(file, "{}", std::process::id())?;
    file.flush()?;
    Ok(file)
}

/// Refuses files that SQLite would open without a word and lose data over.
fn check_files(db: &Path) -> Result<()> {
    let wal = {
        let mut p = db.as_os_str().to_owned();
        p.push("-wal");
        PathBuf::from(p)
    };
    let db_len = std::fs::metadata(db).map(|m| m.len()).ok();
    let wal_bytes = std::fs::read(&wal).ok().filter(|b| !b.is_empty());
    if db_len == Some(0) && wal_bytes.is_none() {
        bail!(
            "{}: the store is empty (0 bytes) with no write-ahead log: it was truncated or \
             never written. Starting would begin a new store over it; move the file away to \
             start afresh, or restore it from a backup",
            db.display()
        );
    }
    if let Some(bytes) = wal_bytes {
        if let Some(problem) = wal_damage(&bytes) {
            bail!(
                "{}: the write-ahead log is damaged ({problem}); SQLite would drop the \
                 transactions after the damage without a word. Restore the data folder from a \
                 backup, or move {} away to start from what the database file holds",
                wal.display(),
                wal.display()
            );
        }
    }
    Ok(())
}

/// SQLite's write-ahead-log checksum over `data` (a multiple of 8 bytes), from `(s1, s2)`.
fn wal_checksum(data: &[u8], big_endian: bool, (mut s1, mut s2): (u32, u32)) -> (u32, u32) {
    for pair in data.chunks_exact(8) {
        let word = |b: &[u8]| {
            let b = [b[0], b[1], b[2], b[3]];
            if big_endian {
                u32::from_be_bytes(b)
            } else {
                u32::from_le_bytes(b)
            }
        };
        s1 = s1.wrapping_add(word(&pair[..4])).wrapping_add(s2);
        s2 = s2.wrapping_add(word(&pair[4..])).wrapping_add(s1);
    }
    (s1, s2)
}

/// What is wrong with a write-ahead log, if it is damaged rather than merely cut short.
///
/// SQLite reads frames in order while each one's salt matches the header's and its cumulative
/// checksum holds, and ignores the rest. A crash can leave a torn last frame, which is
/// harmless: its transaction was never acknowledged. Damage is a bad header, or a bad frame
/// followed by more frames of the same generation (with the header's salt), which SQLite
/// would drop although they were written, synced and committed.
fn wal_damage(wal: &[u8]) -> Option<String> {
    const HEADER: usize = 32;
    const FRAME_HEADER: usize = 24;
    if wal.len() < HEADER {
        return Some(format!("{} bytes, shorter than its header", wal.len()));
    }
    let be = |i: usize| u32::from_be_bytes([wal[i], wal[i + 1], wal[i + 2], wal[i + 3]]);
    let magic = be(0);
    if magic & !1 != 0x377f_0682 {
        return Some(format!("bad magic number {magic:#x}"));
    }
    let big_endian = magic & 1 == 1;
    let page_size = match be(8) {
        1 => 65_536,
        n if n.is_power_of_two() && (512..=32_768).contains(&n) => n as usize,
        n => return Some(format!("bad page size {n}")),
    };
    let salt = (be(16), be(20));
    let sum = wal_checksum(&wal[..24], big_endian, (0, 0));
    if sum != (be(24), be(28)) {
        return Some("bad header checksum".into());
    }
    let frame = FRAME_HEADER + page_size;
    let mut sum = sum;
    let mut at = HEADER;
    let mut bad_at = None;
    while at + frame <= wal.len() {
        let frame_salt = (be(at + 8), be(at + 12));
        match bad_at {
            None if frame_salt != salt => {
                // An older generation's frames from here on: SQLite stops here, rightly.
                return None;
            }
            None => {
                let s = wal_checksum(&wal[at..at + 8], big_endian, sum);
                let s = wal_checksum(&wal[at + FRAME_HEADER..at + frame], big_endian, s);
                if s == (be(at + 16), be(at + 20)) {
                    sum = s;
                } else {
                    bad_at = Some(at);
                }
            }
            Some(bad) if frame_salt == salt => {
                return Some(format!(
                    "frame at byte {bad} fails its checksum, and frames written after it follow"
                ));
            }
            Some(_) => {}
        }
        at += frame;
    }
    None
}

#[cfg(test)]
mod tests;
