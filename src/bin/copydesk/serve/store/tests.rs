//! Tests of [`super`].

use super::*;

/// A store in a new folder named for `name`, holding the articles `a` and `b` (one
/// text twice) of the returned detector, each row's record as `encode` writes it and its
/// publication time as `published` gives it. The caller sets the schema version.
fn legacy_store(
    name: &str,
    published: [Option<i64>; 2],
    encode: impl Fn(ArticleRecord) -> Vec<u8>,
) -> (PathBuf, Store, copydesk::Detector) {
    let dir = std::env::temp_dir().join(format!("copydesk-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut d = copydesk::Detector::new(Default::default()).unwrap();
    let text = "Gales closed the Kessington harbour bridge on Monday, the port authority said.";
    d.insert("a", text).unwrap();
    d.insert("b", text).unwrap();
    let store = Store::open(&dir, None).unwrap();
    for (id, published) in ["a", "b"].into_iter().zip(published) {
        let r = d.record(id).unwrap();
        let (number, story) = (r.number, r.story.0 as i64);
        store
            .conn
            .execute(
                "INSERT INTO articles (id, number, story, published_at, received_at, record)
                     VALUES (?1, ?2, ?3, ?4, 0, ?5)",
                params![id, number, story, published, encode(r)],
            )
            .unwrap();
    }
    (dir, store, d)
}

/// `store` after running `sql` on it (the schema version of a legacy store), closed and opened
/// again, as a new copydesk opens it.
fn reopened(dir: &Path, store: Store, sql: &str) -> Store {
    store.conn.execute_batch(sql).unwrap();
    drop(store);
    Store::open(dir, None).unwrap()
}

/// A schema-5 store (records without the publication time and the window flag) opens
/// upgraded: every record is rewritten, with the row's publication time.
#[test]
fn a_schema_5_store_is_upgraded_in_place() {
    #[derive(serde::Serialize)]
    struct Old {
        number: u32,
        id: String,
        content: u64,
        story: copydesk::StoryId,
        signature: copydesk::minhash::CompactSignature,
        vector: copydesk::terms::TermVector,
        verdict: (
            copydesk::StoryId,
            Option<(String, copydesk::MatchKind, f32)>,
        ),
        links: Option<Vec<(u32, f32)>>,
    }
    let (dir, store, d) = legacy_store("upgrade5", [Some(1_767_709_800), None], |r| {
        let old = Old {
            number: r.number,
            id: r.id.clone(),
            content: r.content,
            story: r.story,
            signature: r.signature,
            vector: r.vector,
            verdict: (
                r.verdict.story,
                r.verdict.matched.map(|m| (m.id, m.kind, m.similarity)),
            ),
            links: r.links,
        };
        postcard::to_stdvec(&old).unwrap()
    });
    // Term statistics keyed by whole hashes, as a snapshot and a log entry.
    #[derive(serde::Serialize)]
    struct OldStatistics {
        documents: u64,
        df: std::collections::HashMap<u64, u32>,
    }
    let hash = |w: &str| copydesk::shingle::word_hash(w, 0);
    let snapshot = OldStatistics {
        documents: 2,
        df: [(hash("gales"), 2), (hash("kessington"), 2)].into(),
    };
    let log = OldStatistics {
        documents: 1,
        df: [(hash("gales"), 1)].into(),
    };
    Store::set_meta(
        &store.conn,
        "term_statistics",
        &postcard::to_stdvec(&snapshot).unwrap(),
    )
    .unwrap();
    store
        .conn
        .execute(
            "INSERT INTO df_log (delta) VALUES (?1)",
            params![postcard::to_stdvec(&log).unwrap()],
        )
        .unwrap();
    let store = reopened(&dir, store, "PRAGMA user_version = 5;");
    let loaded = store.load().unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(
        loaded[0].record.published,
        Some(copydesk::Timestamp::from_unix_seconds(1_767_709_800))
    );
    assert_eq!(loaded[1].record.verdict, d.verdict_of("b").unwrap());
    assert_eq!(loaded[1].record.published, None);
    let df = store.term_statistics().unwrap();
    assert_eq!(df.documents(), 3);
    assert_eq!(df.df(hash("gales")), 3);
    assert_eq!(df.df(hash("kessington")), 2);
    assert_eq!(df.terms(), 2);
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A schema-6 store (verdicts without the article's id) opens upgraded.
#[test]
fn a_schema_6_store_is_upgraded_in_place() {
    #[derive(serde::Serialize)]
    struct Record6 {
        number: u32,
        id: String,
        content: u64,
        story: copydesk::StoryId,
        signature: copydesk::minhash::CompactSignature,
        vector: copydesk::terms::TermVector,
        verdict: (copydesk::StoryId, Option<copydesk::Match>),
        links: Option<Vec<(u32, f32)>>,
        published: Option<copydesk::Timestamp>,
    }
    // Schema 6 kept the time in the record, so the row's is left empty.
    let (dir, store, d) = legacy_store("upgrade6", [None, None], |r| {
        let old = Record6 {
            number: r.number,
            id: r.id.clone(),
            content: r.content,
            story: r.story,
            signature: r.signature,
            vector: r.vector,
            verdict: (r.verdict.story, r.verdict.matched),
            links: r.links,
            published: Some(copydesk::Timestamp::from_unix_seconds(1_767_709_800)),
        };
        postcard::to_stdvec(&old).unwrap()
    });
    let store = reopened(&dir, store, "PRAGMA user_version = 6;");
    let loaded = store.load().unwrap();
    assert_eq!(loaded[1].record.verdict, d.verdict_of("b").unwrap());
    assert_eq!(loaded[1].record.verdict.id, "b");
    assert_eq!(
        loaded[0].record.published,
        Some(copydesk::Timestamp::from_unix_seconds(1_767_709_800))
    );
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A schema-7 store opens upgraded: the index on the story column, which nothing reads, is
/// dropped, and the rows are as they were.
#[test]
fn a_schema_7_store_loses_its_story_index() {
    let (dir, store, d) = legacy_store("upgrade7", [None, None], |r| {
        postcard::to_stdvec(&r).unwrap()
    });
    let sql = "CREATE INDEX articles_story ON articles (story); PRAGMA user_version = 7;";
    let store = reopened(&dir, store, sql);
    let indexes: Vec<String> = store
        .conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'articles'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        !indexes.iter().any(|i| i == "articles_story"),
        "{indexes:?}"
    );
    let version: i64 = store
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA);
    let loaded = store.load().unwrap();
    assert_eq!(loaded.len(), 2);
    assert_eq!(loaded[1].record, d.record("b").unwrap());
    drop(store);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A write-ahead log as SQLite writes it: `frames` pages of `page` bytes, with the
/// header's salt, cumulative checksums, little-endian.
fn wal(page: usize, frames: usize) -> Vec<u8> {
    let mut w = Vec::new();
    w.extend(0x377f_0682u32.to_be_bytes());
    w.extend(3_007_000u32.to_be_bytes());
    w.extend((page as u32).to_be_bytes());
    w.extend(0u32.to_be_bytes());
    w.extend(0x1234_5678u32.to_be_bytes());
    w.extend(0x9abc_def0u32.to_be_bytes());
    let mut sum = wal_checksum(&w, false, (0, 0));
    w.extend(sum.0.to_be_bytes());
    w.extend(sum.1.to_be_bytes());
    for f in 0..frames {
        let mut head = Vec::new();
        head.extend((f as u32 + 1).to_be_bytes());
        head.extend(if f + 1 == frames { 1u32 } else { 0 }.to_be_bytes());
        head.extend(0x1234_5678u32.to_be_bytes());
        head.extend(0x9abc_def0u32.to_be_bytes());
        let body: Vec<u8> = (0..page).map(|i| (i * 7 + f) as u8).collect();
        sum = wal_checksum(&head[..8], false, sum);
        sum = wal_checksum(&body, false, sum);
        head.extend(sum.0.to_be_bytes());
        head.extend(sum.1.to_be_bytes());
        w.extend(head);
        w.extend(body);
    }
    w
}

#[test]
fn a_sound_or_torn_log_passes_and_a_damaged_one_does_not() {
    let good = wal(512, 4);
    assert_eq!(wal_damage(&good), None);
    // A torn last frame: a crash while writing it.
    let mut torn = good.clone();
    let last = torn.len() - 100;
    torn[last] ^= 0xff;
    assert_eq!(wal_damage(&torn), None);
    torn.truncate(torn.len() - 10);
    assert_eq!(wal_damage(&torn), None);
    // A flipped byte in the second frame, with two frames after it.
    let mut damaged = good.clone();
    damaged[32 + 24 + 512 + 24 + 5] ^= 1;
    let problem = wal_damage(&damaged).expect("damage found");
    assert!(problem.contains("checksum"), "{problem}");
    // A bad header.
    let mut header = good.clone();
    header[3] = 0;
    assert!(wal_damage(&header).is_some());
    let mut header = good;
    header[17] ^= 1;
    assert!(wal_damage(&header).unwrap().contains("header checksum"));
}
