//! Tests of [`super`].

use super::*;
use crate::minhash::MinHashConfig;

fn sample() -> Detector {
    sample_with(DetectorConfig::default())
}

fn sample_with(config: DetectorConfig) -> Detector {
    let mut d = Detector::new(config).unwrap();
    let texts = [
            "The harbour bridge reopened on Monday after six weeks of repairs, the city said.",
            "The harbour bridge reopened on Monday after six weeks of repairs, the city said on Tuesday.",
            "Orchard growers in the valley expect a record apple harvest after a mild spring.",
        ];
    for (i, t) in texts.iter().enumerate() {
        d.insert(&format!("a{i}"), t).unwrap();
    }
    d.remove("a2");
    d.insert("a3", "Apple growers expect a record harvest.")
        .unwrap();
    d
}

fn saved(d: &Detector) -> Vec<u8> {
    let mut v = Vec::new();
    d.save(&mut v).unwrap();
    v
}

/// `bytes` loaded both ways: from memory ([`Detector::load`]) and from a file, a record
/// at a time ([`Detector::load_file`]).
fn load_both(bytes: &[u8], name: &str) -> [Result<Detector>; 2] {
    let dir = std::env::temp_dir().join(format!("copydesk-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let from_file = Detector::load_file(&path);
    std::fs::remove_file(&path).unwrap();
    [Detector::load(bytes), from_file]
}

/// Both ways of loading `bytes` refuse them with an error `ok` accepts.
fn refused(bytes: &[u8], name: &str, ok: impl Fn(&ErrorKind) -> bool) {
    for loaded in load_both(bytes, name) {
        let e = loaded.err().unwrap_or_else(|| panic!("{name}: loaded"));
        assert!(ok(e.kind()), "{name}: {e}");
    }
}

#[test]
fn round_trip_answers_the_same() {
    let d = sample();
    let [l, from_file] = load_both(&saved(&d), "round-trip").map(Result::unwrap);
    assert_eq!(saved(&from_file), saved(&l));
    assert_eq!(l.len(), d.len());
    assert_eq!(l.stats(), d.stats());
    for id in ["a0", "a1", "a2", "a3"] {
        assert_eq!(l.story_of(id), d.story_of(id));
        assert_eq!(l.verdict_of(id), d.verdict_of(id));
    }
    let probe = "The harbour bridge reopened on Monday after repairs lasting six weeks.";
    assert_eq!(
        l.query("probe", probe).unwrap(),
        d.query("probe", probe).unwrap()
    );
    // New articles get the same numbers, hence the same story ids.
    let (mut d, mut l) = (d, l);
    assert_eq!(
        l.insert("n", "Storms closed schools in the north.")
            .unwrap(),
        d.insert("n", "Storms closed schools in the north.")
            .unwrap()
    );
    assert_eq!(saved(&l), saved(&d));
}

#[test]
fn every_truncation_is_refused() {
    let bytes = saved(&sample());
    for n in 0..bytes.len() {
        refused(&bytes[..n], &format!("cut-at-{n}"), |k| {
            matches!(k, ErrorKind::CorruptIndex { .. })
        });
    }
}

#[test]
fn every_flipped_byte_is_refused() {
    let bytes = saved(&sample());
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x20;
        refused(&b, &format!("flip-at-{i}"), |k| {
            matches!(
                k,
                ErrorKind::CorruptIndex { .. } | ErrorKind::IndexVersion { .. }
            )
        });
    }
}

#[test]
fn the_saved_fields_are_pinned_to_the_format_version() {
    // Regression: `terms.lede_words` was added while the version stayed 2, and files
    // written before it were then reported as corrupt instead of as another version.
    // A field of the configuration or of a record added, removed or renamed fails this
    // test: bump FORMAT_VERSION, then update the list.
    fn paths(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
        if let serde_json::Value::Object(m) = v {
            for (k, v) in m {
                let path = format!("{prefix}{k}");
                paths(v, &format!("{path}."), out);
                out.push(path);
            }
        }
    }
    // With LSH bands set, so that their fields count too.
    let config = DetectorConfig {
        lsh: Some(crate::lsh::LshParams::new(25, 5).unwrap()),
        ..DetectorConfig::default()
    };
    let mut got = Vec::new();
    paths(&serde_json::to_value(config).unwrap(), "", &mut got);
    // And an article's record (its verdict's match included).
    let record = sample().record("a1").unwrap();
    assert!(record.verdict.matched.is_some() && record.links.is_some());
    paths(&serde_json::to_value(record).unwrap(), "record.", &mut got);
    got.sort();
    let got = got.join(" ");
    assert_eq!(
        (FORMAT_VERSION, got.as_str()),
        (10, PINNED_FIELDS),
        "the saved fields changed: bump FORMAT_VERSION and update PINNED_FIELDS"
    );
}

#[test]
fn the_saved_values_are_pinned_to_the_format_version() {
    // The fields test above cannot see a change of values: a new word hash, shingle hash
    // or term weight changes every signature and term a file holds, and a file saved
    // before it would load and then match nothing. Such a change fails this test: bump
    // FORMAT_VERSION (and the service's store schema), then update the value. The
    // configuration is spelt out (a file carries its own): a change of the defaults
    // changes what new files hold, not how a file is read.
    let d = sample_with(DetectorConfig {
        minhash: MinHashConfig::default(),
        ..DetectorConfig::default()
    });
    let records: Vec<_> = ["a0", "a1", "a3"]
        .into_iter()
        .map(|id| d.record(id).unwrap())
        .collect();
    let json = serde_json::to_vec(&records).unwrap();
    assert_eq!(
        (FORMAT_VERSION, xxhash_rust::xxh3::xxh3_64(&json)),
        (10, PINNED_VALUES),
        "the saved values changed: bump FORMAT_VERSION and update PINNED_VALUES"
    );
}

/// XXH3-64 of three sample records in JSON, in format version 10 (as in 9). (In versions 5 and 6 it
/// changed within the
/// version once, when the detector stopped densifying the slots its bands do not read
/// (`MinHasher::sketch_for_bands`): those slots now stay empty, and no estimate or band
/// key reads their values, so files written before and after load and compare alike
/// (`sketch_for_bands_estimates_as_sketch` in tests/properties.rs).
const PINNED_VALUES: u64 = 10_409_832_043_598_787_464;

/// The configuration's and a record's fields in format version 10, sorted. (Version 4
/// added `record.links`; version 5 changed values, not fields; version 6 added
/// `story.neighbour_rank` and `story.min_relative_average`; version 8 the publication
/// time, the window and the new term rules; version 9 `record.verdict.id` and
/// `record.source`; version 10 `story.stray_join` and `story.stray_margin`.)
const PINNED_FIELDS: &str = concat!(
    "lsh lsh.bands lsh.rows max_article_bytes ",
    "min_containment_shingles minhash minhash.algorithm ",
    "minhash.seed minhash.slots near_copy near_copy_containment ",
    "near_copy_cosine normalize normalize.fold_acronyms ",
    "normalize.join_hyphens normalize.strip_boilerplate ",
    "record.content record.id record.links record.number ",
    "record.published record.signature record.signature.shingles ",
    "record.signature.slots record.source record.story record.vector ",
    "record.vector.data record.vector.days record.vector.months ",
    "record.vector.terms record.vector.years record.verdict ",
    "record.verdict.id ",
    "record.verdict.matched record.verdict.matched.beyond_window ",
    "record.verdict.matched.id record.verdict.matched.kind ",
    "record.verdict.matched.similarity record.verdict.story ",
    "shingle shingle.kind shingle.kind.words ",
    "shingle.kind.words.k shingle.seed story story.enabled ",
    "story.index_terms story.linkage story.linkage.max_compared ",
    "story.linkage.min_average story.linkage.min_link ",
    "story.max_candidates story.max_postings ",
    "story.min_relative_average story.min_shared_terms ",
    "story.neighbour_rank story.stray_join story.stray_margin ",
    "story.window_hours terms ",
    "terms.day_conflict terms.figure_boost terms.lede_words ",
    "terms.max_terms terms.min_common_terms terms.month_conflict ",
    "terms.name_boost terms.shared_day_boost terms.year_conflict",
);

#[test]
fn slots_are_two_bytes_each() {
    let slots: &[u16] = &[0, 1, 0x8001, 0xffff];
    let bytes = postcard::to_stdvec(&Slots(slots)).unwrap();
    assert_eq!(
        bytes,
        [8, 0, 0, 1, 0, 1, 0x80, 0xff, 0xff],
        "a length, then the slots"
    );
    let back: Slots<Vec<u16>> = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(back.0, slots);
    assert!(
        postcard::from_bytes::<Slots<Vec<u16>>>(&[3, 1, 2, 3]).is_err(),
        "an odd length is refused"
    );
}

#[test]
fn other_versions_are_named() {
    let mut bytes = saved(&sample());
    bytes[8..12].copy_from_slice(&6u32.to_le_bytes());
    let e = Detector::load(bytes.as_slice()).unwrap_err();
    assert_eq!(
        e.kind(),
        &ErrorKind::IndexVersion {
            found: 6,
            supported: FORMAT_VERSION
        }
    );
    assert!(e.to_string().contains("rebuild the index"), "{e}");
}

#[test]
fn a_valid_checksum_over_bad_records_is_still_refused() {
    // Forge a file whose checksum matches but whose records are garbage.
    let mut bytes = saved(&sample());
    let n = bytes.len();
    for b in &mut bytes[HEADER..n - TRAILER] {
        *b = 0xff;
    }
    let sum = xxhash_rust::xxh3::xxh3_64(&bytes[HEADER..n - TRAILER]);
    bytes[n - 8..].copy_from_slice(&sum.to_le_bytes());
    refused(&bytes, "bad-records", |k| {
        matches!(k, ErrorKind::CorruptIndex { .. })
    });
}

/// A file of `payload` under a valid header and trailer.
fn forge(payload: &[u8]) -> Vec<u8> {
    let mut forged = saved(&sample())[..HEADER].to_vec();
    forged.extend_from_slice(payload);
    forged.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    forged.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    forged
}

#[test]
fn a_length_past_the_end_is_refused_without_allocating_it() {
    // The first string's length, a varint of 2^50: reading it into memory would abort.
    let mut payload = vec![0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02];
    payload.extend_from_slice(b"copydesk");
    refused(&forge(&payload), "huge-length", |k| {
        matches!(k, ErrorKind::CorruptIndex { .. })
    });
}

#[test]
fn bytes_after_the_last_record_are_refused() {
    // A well-formed payload with a byte more, under a trailer that counts and checks it.
    let bytes = saved(&sample());
    let mut payload = bytes[HEADER..bytes.len() - TRAILER].to_vec();
    payload.push(0);
    for loaded in load_both(&forge(&payload), "trailing") {
        let e = loaded.expect_err("refused");
        assert!(
            e.to_string().contains("bytes after the last record: 1"),
            "{e}"
        );
    }
}

#[test]
fn save_file_replaces_atomically_and_leaves_no_temporary() {
    let dir = std::env::temp_dir().join(format!("copydesk-persist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("index.cdx");
    let d = sample();
    d.save_file(&path).unwrap();
    d.save_file(&path).unwrap();
    let l = Detector::load_file(&path).unwrap();
    assert_eq!(l.stats(), d.stats());
    let names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["index.cdx"]);
    let e = Detector::load_file(dir.join("missing")).unwrap_err();
    assert!(matches!(
        e.kind(),
        ErrorKind::Io {
            kind: std::io::ErrorKind::NotFound,
            ..
        }
    ));
    assert!(e.to_string().contains("missing"), "{e}");
    std::fs::remove_dir_all(&dir).unwrap();
}
