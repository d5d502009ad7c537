//! Web archives (WARC, as crawls and CC-NEWS store them), read a record at a time with the
//! `warc` crate: each `response` record whose HTTP content is HTML is a page, its id the
//! record's target URI, its time the page's marked-up publication time or else the record's
//! date (when it was fetched). Other records (requests, metadata, images) are passed over.

use super::{Article, Counters};
use anyhow::Result;
use copydesk::Timestamp;
use std::io::Read;

/// The article of a WARC record, `None` for a record that is not an HTML response.
pub fn page(
    record: &warc::Record<warc::BufferedBody>,
    origin: String,
    counters: &mut Counters,
) -> Result<Option<Article>> {
    if *record.warc_type() != warc::RecordType::Response {
        return Ok(None);
    }
    let Some(uri) = record.header(warc::WarcHeader::TargetURI) else {
        return Ok(None);
    };
    let body = record.body();
    // An HTTP response: status line and headers, a blank line, the content.
    let Some(split) = body.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = String::from_utf8_lossy(&body[..split]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name).map(|v| v.trim().to_string()))
    };
    if header("content-type:").is_some_and(|t| !t.contains("html")) {
        return Ok(None);
    }
    let content = &body[split + 4..];
    let mut decoded = Vec::new();
    let content = if header("content-encoding:").is_some_and(|e| e.contains("gzip")) {
        flate2::read::MultiGzDecoder::new(content).read_to_end(&mut decoded)?;
        &decoded[..]
    } else {
        content
    };
    let html = match std::str::from_utf8(content) {
        Ok(s) => std::borrow::Cow::Borrowed(s),
        Err(_) => {
            counters.lossy += 1;
            String::from_utf8_lossy(content)
        }
    };
    // A page with no article gives an empty text, which the detector reports and leaves out.
    let page = copydesk::html::extract(&html).ok();
    let fetched = Timestamp::from_unix_seconds(record.date().timestamp());
    Ok(Some(Article {
        id: uri.trim_matches(['<', '>']).to_string(),
        text: page.as_ref().map(|p| p.text.clone()).unwrap_or_default(),
        origin,
        cluster: None,
        topic: None,
        published: Some(page.and_then(|p| p.published).unwrap_or(fetched)),
    }))
}
