#![cfg(feature = "warc")]
//! Web archives from the library: the HTML pages of a WARC file, gzip-compressed or not,
//! with their articles; other records passed over; a damaged record an error. Every record is
//! written for this test.

use copydesk::warc::WarcPages;
use copydesk::ErrorKind;
use std::io::Write;

const BODY: &str = "<p>The Halvorsen Bridge, the only road link between Port Alder and the \
    island suburb of Meriden, was closed on Thursday after engineers found cracks in two of its \
    steel support cables, the city's transport authority said.</p><p>About 38,000 vehicles \
    cross the span each day, and the closure would last at least six weeks.</p>";

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// One WARC record of `kind` with an HTTP block of the given headers and content.
fn record(kind: &str, uri: &str, headers: &str, content: &[u8]) -> Vec<u8> {
    let mut block = format!("HTTP/1.1 200 OK\r\n{headers}\r\n").into_bytes();
    block.extend_from_slice(content);
    let mut r = format!(
        "WARC/1.1\r\nWARC-Type: {kind}\r\nWARC-Target-URI: {uri}\r\n\
         WARC-Date: 2026-03-12T18:00:00Z\r\nWARC-Record-ID: <urn:uuid:{}>\r\n\
         Content-Length: {}\r\n\r\n",
        uri.len(),
        block.len()
    )
    .into_bytes();
    r.extend(block);
    r.extend_from_slice(b"\r\n\r\n");
    r
}

fn page(headline: &str, published: &str) -> String {
    format!(
        "<html><head><title>{headline}</title>{published}</head><body><nav>Home News</nav>\
         <article><h1>{headline}</h1>{BODY}</article><footer>Contact us</footer></body></html>"
    )
}

fn archive() -> Vec<u8> {
    records().concat()
}

fn records() -> Vec<Vec<u8>> {
    let marked = "<meta property=\"article:published_time\" content=\"2026-03-12T07:30:00Z\">";
    [
        record("request", "https://a.example/bridge", "", b""),
        record(
            "response",
            "https://a.example/bridge",
            "Content-Type: text/html; charset=utf-8\r\n",
            page("Bridge shut", marked).as_bytes(),
        ),
        record(
            "response",
            "https://a.example/logo.png",
            "Content-Type: image/png\r\n",
            b"\x89PNG",
        ),
        record(
            "response",
            "https://b.example/news/1",
            "Content-Type: text/html\r\nContent-Encoding: gzip\r\n",
            &gzip(page("Cracks close bridge", "").as_bytes()),
        ),
        record(
            "response",
            "https://b.example/empty",
            "Content-Type: text/html\r\n",
            b"<html><body></body></html>",
        ),
    ]
    .into()
}

#[test]
fn html_responses_are_pages_and_other_records_are_passed_over() {
    let pages: Vec<_> = WarcPages::new(&archive()[..])
        .collect::<Result<_, _>>()
        .unwrap();
    let uris: Vec<&str> = pages.iter().map(|p| p.uri.as_str()).collect();
    assert_eq!(
        uris,
        [
            "https://a.example/bridge",
            "https://b.example/news/1",
            "https://b.example/empty"
        ]
    );
    assert_eq!(
        pages.iter().map(|p| p.record).collect::<Vec<_>>(),
        [2, 4, 5]
    );
    let fetched = copydesk::Timestamp::parse_rfc3339("2026-03-12T18:00:00Z").unwrap();
    let marked = copydesk::Timestamp::parse_rfc3339("2026-03-12T07:30:00Z").unwrap();
    assert_eq!(pages[0].published(), marked, "the page's own time first");
    assert_eq!(pages[1].published(), fetched, "else the fetch time");
    for p in &pages[..2] {
        let text = &p.article().unwrap().text;
        assert!(text.contains("38,000 vehicles"), "{text}");
        assert!(!text.contains("Contact us"), "{text}");
    }
    assert!(pages[2].article().is_none(), "a page without an article");
}

#[test]
fn compressed_archives_open_by_their_magic_bytes() {
    let dir = std::env::temp_dir().join(format!("copydesk-warc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let plain = dir.join("crawl.warc");
    let packed = dir.join("crawl.bin");
    std::fs::write(&plain, archive()).unwrap();
    // Each record its own gzip member, as crawlers write them.
    let members: Vec<u8> = records().iter().flat_map(|r| gzip(r)).collect();
    std::fs::write(&packed, members).unwrap();
    let read = |p: &std::path::Path| -> Vec<String> {
        WarcPages::open(p)
            .unwrap()
            .map(|p| p.unwrap().uri)
            .collect()
    };
    assert_eq!(read(&plain), read(&packed));
    assert_eq!(read(&plain).len(), 3);
    let missing = WarcPages::open(dir.join("missing.warc")).err().unwrap();
    assert!(matches!(missing.kind(), ErrorKind::Io { .. }), "{missing}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_target_uri_that_is_not_utf8_is_read_lossily() {
    // Found by fuzzing: the warc crate's header accessor panicked on it.
    let mut r = record(
        "response",
        "https://a.example/x",
        "Content-Type: text/html\r\n",
        page("Bridge shut", "").as_bytes(),
    );
    let at = r.windows(5).position(|w| w == b"a.exa").unwrap();
    r[at] = 0x8a;
    let pages: Vec<_> = WarcPages::new(&r[..]).collect::<Result<_, _>>().unwrap();
    assert_eq!(pages.len(), 1);
    assert!(pages[0].uri.contains('\u{FFFD}'), "{}", pages[0].uri);
}

#[test]
fn a_damaged_record_is_an_error_after_the_pages_before_it() {
    let mut bytes = archive();
    bytes.extend_from_slice(b"WARC/1.1\r\nWARC-Type: response\r\nContent-Length: x\r\n\r\n");
    let results: Vec<_> = WarcPages::new(&bytes[..]).collect();
    assert_eq!(
        results.len(),
        4,
        "three pages, then the error, then nothing"
    );
    assert!(results[..3].iter().all(Result::is_ok));
    let e = results[3].as_ref().unwrap_err();
    assert!(matches!(e.kind(), ErrorKind::InvalidInput { .. }), "{e}");
    assert!(e.to_string().contains("WARC record 6"), "{e}");
}
