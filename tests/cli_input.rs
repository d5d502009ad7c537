//! The `copydesk` binary reading its inputs: folders, files and stdin, every record format
//! and compression, web pages and archives, and broken, oversized or unreadable input.

#[path = "common/cli.rs"]
mod cli;
mod common;

use cli::*;
use common::article;
use std::io::Write;

use std::process::Stdio;

#[test]
fn folders_single_files_and_stdin() {
    let s = Scratch::new("folders");
    std::fs::create_dir(s.path("dir")).unwrap();
    let a = article(5, 10);
    s.write("dir/first.txt", &a);
    s.write(
        "dir/second.md",
        format!("{a} One more sentence at the end."),
    );
    s.write("dir/ignored.json", "not an article");
    let single = s.write("third.txt", article(6, 10));
    let dir = s.path("dir").to_string_lossy().into_owned();
    let mut child = bin()
        .args(["cluster", &dir, &single, "-", "-q"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(jsonl_line("from-stdin", &a).as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success());
    let r = rows(&stdout(&o));
    let ids: Vec<&str> = r.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["first", "second", "third", "from-stdin"]);
    assert_eq!(r[1]["of"], "first");
    assert_eq!(r[3]["kind"], "exact");
}

#[test]
fn renamed_fields() {
    let s = Scratch::new("fields");
    let line = serde_json::json!({"guid": 17, "body": article(8, 6)}).to_string();
    let f = s.write("in.jsonl", line + "\n");
    let o = run(&[
        "cluster",
        &f,
        "--id-field",
        "guid",
        "--text-field",
        "body",
        "-q",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&stdout(&o))[0]["id"], "17");
    let o = run(&["cluster", &f, "-q"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("in.jsonl:1: missing field \"id\""),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_broken_line_stops_the_run_with_its_place_unless_skipped() {
    let s = Scratch::new("broken");
    let input = [
        jsonl_line("a", &article(1, 5)),
        "\n".to_string(),
        "{\"id\": \"b\", \"text\": \"unterminated\n".to_string(),
        jsonl_line("c", &article(3, 5)),
        "[1, 2]\n".to_string(),
    ]
    .concat();
    let f = s.write("in.jsonl", input);
    // Whether lines are written as articles are decided or once the stories are revised
    // (the default, and --merge, which lost them before), the articles before the broken
    // line are written out.
    for mode in [&[][..], &["--no-revise"], &["--merge"], &["--stream"]] {
        let o = run(&[&["cluster", &f][..], mode].concat());
        assert_eq!(o.status.code(), Some(1));
        let err = stderr(&o);
        assert!(err.contains("in.jsonl:3: invalid JSON"), "{err}");
        assert!(err.contains("--skip-invalid"), "{err}");
        assert_eq!(rows(&stdout(&o)).len(), 1, "{mode:?}");
    }

    let o = run(&["cluster", &f, "--skip-invalid"]);
    assert!(o.status.success());
    let err = stderr(&o);
    assert!(err.contains("in.jsonl:5: expected a JSON object"), "{err}");
    assert!(err.contains("2 broken lines skipped"), "{err}");
    let ids: Vec<String> = rows(&stdout(&o))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a", "c"]);
}

#[test]
fn invalid_utf8_is_decoded_with_a_count_and_empty_text_is_reported() {
    let s = Scratch::new("utf8");
    let mut input = jsonl_line("a", &article(1, 5)).into_bytes();
    input.extend_from_slice(b"{\"id\":\"latin1\",\"text\":\"Caf\xe9 owners in the old town protest against the new parking fees.\"}\n");
    input.extend_from_slice(jsonl_line("blank", " \n\t ").as_bytes());
    input.extend_from_slice(jsonl_line("punct", "... -- !!").as_bytes());
    let f = s.write("in.jsonl", input);
    let o = run(&["cluster", &f]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("1 with invalid UTF-8 decoded lossily"),
        "{err}"
    );
    assert!(err.contains("blank: article has no words"), "{err}");
    assert!(err.contains("2 left out"), "{err}");
    let ids: Vec<String> = rows(&stdout(&o))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["a", "latin1"]);
}

#[test]
fn an_id_reused_for_other_text_is_reported() {
    let s = Scratch::new("conflict");
    let input = [
        jsonl_line("a", &article(1, 5)),
        jsonl_line("a", &article(1, 5)),
        jsonl_line("a", &article(2, 5)),
    ]
    .concat();
    let f = s.write("in.jsonl", input);
    let o = run(&["cluster", &f, "--stream"]);
    assert!(o.status.success());
    assert_eq!(rows(&stdout(&o)).len(), 2, "the repeat is idempotent");
    assert!(stderr(&o).contains("already inserted with different text"));
}

#[test]
fn a_50_mb_article_is_refused_by_default_and_processed_under_a_raised_limit() {
    let s = Scratch::new("huge");
    let paragraph = article(11, 40);
    let mut text = String::with_capacity(51 << 20);
    while text.len() < 50 << 20 {
        text.push_str(&paragraph);
        text.push_str(&format!("Paragraph {} ends here.\n", text.len()));
    }
    let tail = text[text.len() - 20_000..].to_string();
    let f = s.write(
        "in.jsonl",
        jsonl_line("huge", &text) + &jsonl_line("tail", &tail),
    );
    drop(text);
    // Over the default limit (1 MiB): left out, said so, and the run goes on.
    let o = run(&["cluster", &f, "--format", "jsonl"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(rows(&stdout(&o)).len(), 1);
    assert!(stderr(&o).contains("huge"), "{}", stderr(&o));
    // Under a limit raised for it, processed.
    let config = s.write("big.toml", "max_article_bytes = 67108864\n");
    let o = run(&["cluster", &f, "-q", "-c", &config]);
    assert!(o.status.success(), "{}", stderr(&o));
    let r = rows(&stdout(&o));
    assert_eq!(r.len(), 2);
    assert_eq!(
        r[1]["of"], "huge",
        "its tail is found inside it: {:?}",
        r[1]
    );
}

/// The same three stories as JSON lines, a JSON array, CSV, TSV, each plain, gzipped and
/// zstd-compressed, with a byte-order mark, give the same verdicts.
#[test]
fn every_record_format_and_compression_reads_alike() {
    use std::io::Write as _;
    let s = Scratch::new("formats");
    let want = verdicts(&run(&[
        "cluster",
        "--format",
        "jsonl",
        &s.write("in.jsonl", corpus()),
    ]));
    let objects: Vec<serde_json::Value> = corpus()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let array = serde_json::to_string_pretty(&objects).unwrap();
    let table = |sep: u8| {
        let mut w = csv::WriterBuilder::new()
            .delimiter(sep)
            .from_writer(Vec::new());
        w.write_record(["id", "text"]).unwrap();
        for o in &objects {
            w.write_record([o["id"].as_str().unwrap(), o["text"].as_str().unwrap()])
                .unwrap();
        }
        w.into_inner().unwrap()
    };
    let bom = |b: Vec<u8>| [b"\xef\xbb\xbf".to_vec(), b].concat();
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("a.json", array.clone().into_bytes()),
        ("array.data", array.into_bytes()),
        ("b.csv", table(b',')),
        ("c.tsv", table(b'\t')),
        ("d.jsonl", bom(corpus().into_bytes())),
        ("e.csv", bom(table(b','))),
    ];
    for (name, bytes) in inputs {
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(&bytes).unwrap();
            e.finish().unwrap()
        };
        let zst = zstd::encode_all(&bytes[..], 1).unwrap();
        for (file, data) in [
            (name.to_string(), bytes.clone()),
            (format!("{name}.gz"), gz),
            (format!("{name}.zst"), zst),
        ] {
            let f = s.write(&file, data);
            assert_eq!(
                verdicts(&run(&["cluster", "--format", "jsonl", &f])),
                want,
                "{file}"
            );
        }
    }
    // Compressed JSON lines on stdin, told by their magic bytes.
    let zst = zstd::encode_all(corpus().as_bytes(), 1).unwrap();
    let mut child = bin()
        .args(["cluster", "--format", "jsonl", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&zst).unwrap();
    assert_eq!(verdicts(&child.wait_with_output().unwrap()), want);
}

/// Folders are read recursively, ids are relative paths, hidden entries are left out; a
/// compressed text file is one article.
#[test]
fn folders_are_read_recursively_with_relative_ids() {
    use std::io::Write as _;
    let s = Scratch::new("tree");
    for dir in ["a", "b/deep", ".hidden"] {
        std::fs::create_dir_all(s.path(dir)).unwrap();
    }
    s.write("a/story.txt", article(1, 6));
    s.write("b/story.txt", article(2, 6));
    s.write("b/deep/story.md", article(1, 6));
    s.write(".hidden/story.txt", article(3, 6));
    s.write("top.txt", article(4, 6));
    let got = verdicts(&run(&[
        "cluster",
        "--format",
        "jsonl",
        s.0.to_str().unwrap(),
    ]));
    let ids: Vec<&str> = got.iter().map(|v| v.0.as_str()).collect();
    assert_eq!(ids.len(), 4, "{ids:?}");
    for id in ["a/story", "b/story", "b/deep/story", "top"] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }
    let deep = got.iter().find(|v| v.0 == "b/deep/story").unwrap();
    assert_eq!(deep.1, "exact", "a copy of a/story");
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(article(5, 6).as_bytes()).unwrap();
    let f = s.write("lone.txt.gz", e.finish().unwrap());
    assert_eq!(
        verdicts(&run(&["cluster", "--format", "jsonl", &f]))[0].0,
        "lone"
    );
}

/// A file none of whose records can be read is an error even when skipping broken ones; a
/// file of unknown format says how to name it; a CSV without the text column says which.
#[test]
fn unreadable_files_are_clear_errors() {
    let s = Scratch::new("unreadable");
    let f = s.write("broken.jsonl", "{\"id\": 1\n{\"id\": 2\n");
    let o = run(&["cluster", "--skip-invalid", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("none of its 2 records could be read"),
        "{}",
        stderr(&o)
    );
    let f = s.write("page.data", "<html><body>Hello</body></html>");
    let o = run(&["cluster", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--input-format"), "{}", stderr(&o));
    let f = s.write("t.csv", "id,body\na,hello world\n");
    let o = run(&["cluster", &f]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no column \"text\""), "{}", stderr(&o));
    let o = run(&["cluster", "--text-field", "body", "--format", "jsonl", &f]);
    assert_eq!(verdicts(&o), [("a".to_string(), "new".to_string())]);
    // JSON lines in a file named .txt, read as such on request.
    let f = s.write("x.txt", corpus());
    let o = run(&[
        "cluster",
        "--format",
        "jsonl",
        "--input-format",
        "jsonl",
        &f,
    ]);
    assert_eq!(verdicts(&o).len(), 5);
}

/// Web pages in a folder, one given alone, and one in a JSONL `html` field: their article
/// text is read, with the page's publication time.
#[test]
fn web_pages_are_read_as_their_article() {
    let s = Scratch::new("html");
    let body = article(6, 8).replace(". ", ".</p>\n<p>");
    let page = |site: &str, time: &str| {
        format!(
            "<html><head><title>{site}</title><meta property=\"article:published_time\" \
             content=\"{time}\"></head><body><nav><a href=\"/\">{site} home</a> \
             <a href=\"/news\">News</a></nav><article><h1>Harbour news</h1><p>{body}</p>\
             </article><footer>{site}, all rights reserved</footer></body></html>"
        )
    };
    std::fs::create_dir_all(s.path("pages")).unwrap();
    s.write(
        "pages/courier.html",
        page("Courier", "2026-03-12T18:00:00Z"),
    );
    s.write("pages/post.htm", page("Post", "2026-03-12T09:00:00Z"));
    let line = serde_json::json!({"id": "feed", "html": page("Feed", "2026-03-12T20:00:00Z")});
    let f = s.write("feed.jsonl", format!("{line}\n"));
    let lone = s.write("lone.html", page("Lone", "2026-03-12T21:00:00Z"));
    let o = run(&[
        "cluster",
        "--format",
        "jsonl",
        s.path("pages").to_str().unwrap(),
        &f,
        &lone,
    ]);
    let r = rows(&stdout(&o));
    assert!(o.status.success(), "{}", stderr(&o));
    let get = |id: &str| r.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(get("post")["kind"], "new", "published first: {r:?}");
    for id in ["courier", "feed", "lone"] {
        assert_eq!(get(id)["story"], get("post")["story"], "{id}: {r:?}");
        assert_ne!(get(id)["kind"], "rewrite", "{id} is a copy: {r:?}");
    }
}

/// A web archive, plain and gzipped record by record as crawls store them: its HTML response
/// records are pages (id = the target URI, time = the page's own or else the record's date);
/// requests, metadata and images are passed over.
#[test]
fn web_archives_are_read_a_record_at_a_time() {
    use std::io::Write as _;
    let s = Scratch::new("warc");
    let body = article(8, 8).replace(". ", ".</p>\n<p>");
    let html = |site: &str| {
        format!(
            "<html><head><title>{site}</title></head><body><nav><a href=\"/\">{site}</a></nav>\
             <article><h1>Harbour news</h1><p>{body}</p></article><footer>{site} footer\
             </footer></body></html>"
        )
    };
    let record = |kind: &str, uri: &str, date: &str, content_type: &str, content: &str| {
        let block = match kind {
            "response" => {
                format!("HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n\r\n{content}")
            }
            _ => content.to_string(),
        };
        format!(
            "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\nWARC-Date: {date}\r\n\
             WARC-Record-ID: <urn:uuid:{}>\r\nContent-Type: application/http; msgtype={kind}\r\n\
             Content-Length: {}\r\n\r\n{block}\r\n\r\n",
            uri.len(),
            block.len()
        )
    };
    let records = [
        record(
            "request",
            "https://courier.example/a",
            "2026-03-12T18:00:00Z",
            "",
            "GET /a HTTP/1.1\r\n\r\n",
        ),
        record(
            "response",
            "https://courier.example/a",
            "2026-03-12T18:00:00Z",
            "text/html; charset=utf-8",
            &html("Courier"),
        ),
        record(
            "response",
            "https://courier.example/logo.png",
            "2026-03-12T18:00:01Z",
            "image/png",
            "PNG",
        ),
        record(
            "response",
            "https://post.example/b",
            "2026-03-12T09:00:00Z",
            "text/html",
            &html("Post"),
        ),
    ];
    let plain = s.write("crawl.warc", records.concat());
    let mut gz = Vec::new();
    for r in &records {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(r.as_bytes()).unwrap();
        gz.extend(e.finish().unwrap());
    }
    let gz = s.write("crawl.warc.gz", gz);
    for f in [plain, gz] {
        let o = run(&["cluster", "--format", "jsonl", &f]);
        assert!(o.status.success(), "{}", stderr(&o));
        let r = rows(&stdout(&o));
        assert_eq!(r.len(), 2, "{r:?}");
        let get = |id: &str| r.iter().find(|r| r["id"] == id).unwrap().clone();
        assert_eq!(
            get("https://post.example/b")["kind"],
            "new",
            "fetched first: {r:?}"
        );
        assert_eq!(
            get("https://courier.example/a")["of"],
            "https://post.example/b"
        );
    }
}
