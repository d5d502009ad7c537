//! The command line's article reader on arbitrary bytes, as a file of each format it reads
//! (JSON lines, a JSON array, CSV, TSV, a text file, a web page, a gzip stream of any of them,
//! or told from the bytes): articles or an error, never a panic. Invariants: every article
//! has an id; reading twice gives the same articles; skipping broken records gives, before the
//! first broken one, the articles a strict read gives.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::io::Write;
use std::path::{Path, PathBuf};

mod cli;
use cli::copydesk_cli::*;
use input::{Articles, Fields, InputFormat};

/// The formats, with the file name each is read under.
const FORMATS: [(Option<InputFormat>, &str); 9] = [
    (None, "in.jsonl"),
    (None, "in.csv"),
    (None, "in.txt"),
    (None, "in.jsonl.gz"),
    (Some(InputFormat::Jsonl), "in"),
    (Some(InputFormat::Json), "in"),
    (Some(InputFormat::Csv), "in"),
    (Some(InputFormat::Tsv), "in"),
    (Some(InputFormat::Html), "in"),
];

/// `(id, text, time, cluster)` of every article read, then the error that stopped it.
type Read = (
    Vec<(String, String, Option<i64>, Option<String>)>,
    Option<String>,
);

fn read(path: &Path, format: Option<InputFormat>, skip: bool) -> Read {
    let fields = Fields {
        format,
        cluster: Some("cluster".into()),
        ..Fields::default()
    };
    let mut articles = Articles::open(&[path.to_path_buf()], fields, skip, Box::new(|_| {}))
        .expect("the file exists");
    let mut out = Vec::new();
    loop {
        match articles.next_article() {
            Ok(Some(a)) => {
                assert!(!a.id.is_empty(), "an article without an id");
                out.push((
                    a.id,
                    a.text,
                    a.published.map(|t| t.unix_seconds()),
                    a.cluster,
                ));
            }
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(format!("{e:#}"))),
        }
        assert!(out.len() <= 1 << 20, "more articles than bytes");
    }
}

fn dir() -> PathBuf {
    let d = cli::scratch("reader");
    std::fs::create_dir_all(&d).expect("temporary folder");
    d
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else {
        return;
    };
    let (format, name) = FORMATS[usize::from(choice) % FORMATS.len()];
    let path = dir().join(name);
    let mut file = std::fs::File::create(&path).expect("temporary file");
    if name.ends_with(".gz") {
        let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        gz.write_all(bytes).expect("write");
        gz.finish().expect("write");
    } else {
        file.write_all(bytes).expect("write");
    }
    let strict = read(&path, format, false);
    assert_eq!(read(&path, format, false), strict, "a second read differs");
    let skipping = read(&path, format, true);
    assert!(
        skipping.0.len() >= strict.0.len() && skipping.0[..strict.0.len()] == strict.0[..],
        "skipping broken records lost articles a strict read gives"
    );
    if strict.1.is_none() {
        assert_eq!(skipping, strict, "nothing to skip, yet the reads differ");
    }
});
