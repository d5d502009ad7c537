//! Throughput of article extraction from web pages on one core, against reading the extracted
//! text (`Detector::analyze`) in the same run.
//!
//!     cargo run --release --features html --example html_speed -- [PAGES]
//!
//! The pages are generated: a site template (navigation, banners, related links, comments,
//! footer) around articles of eight to twenty paragraphs of made-up prose, about 16 KB a page.

use copydesk::Detector;
use std::time::Instant;

fn page(seed: u64) -> String {
    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    const WORDS: [&str; 24] = [
        "council", "harbour", "minister", "river", "bridge", "election", "storm", "school",
        "hospital", "police", "market", "budget", "court", "ferry", "union", "farmers", "rail",
        "airport", "museum", "mayor", "report", "workers", "energy", "price",
    ];
    let mut body = String::new();
    for _ in 0..8 + next() % 13 {
        body.push_str("<p>");
        for s in 0..4 + next() % 4 {
            for w in 0..12 + next() % 10 {
                let word = WORDS[(next() % 24) as usize];
                body.push_str(if w == 0 && s > 0 { " " } else { "" });
                body.push_str(word);
                body.push_str(if w % 5 == 4 { ", " } else { " " });
            }
            body.push_str("said officials.");
        }
        body.push_str("</p>\n");
    }
    let links: String = (0..40)
        .map(|i| format!("<li><a href=\"/section/{i}\">Section {i} news and features</a></li>"))
        .collect();
    format!(
        "<!doctype html><html><head><title>Story {seed} | The Courier</title></head><body>\
         <header><nav><ul>{links}</ul></nav></header><div class=\"cookie-banner\">We use \
         cookies to improve your experience.</div><main><article><h1>Story {seed}</h1>{body}\
         </article><aside class=\"related\"><ul>{links}</ul></aside></main><div class=\
         \"comments\"><p>First comment on this story.</p></div><footer>© The Courier. All \
         rights reserved.</footer></body></html>"
    )
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(2000, |a| a.parse().expect("a number"));
    let pages: Vec<String> = (0..n).map(page).collect();
    let bytes: usize = pages.iter().map(String::len).sum();
    let start = Instant::now();
    let texts: Vec<String> = pages
        .iter()
        .map(|p| copydesk::html::extract(p).expect("an article").text)
        .collect();
    let extract = start.elapsed().as_secs_f64();
    let d = Detector::new(Default::default()).expect("default configuration");
    let start = Instant::now();
    for t in &texts {
        std::hint::black_box(d.analyze(t).expect("words"));
    }
    let analyze = start.elapsed().as_secs_f64();
    let text_bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "{n} pages, {:.1} MB of HTML ({:.1} MB of article text): extraction {:.0} pages/s, \
         {:.1} MB/s of HTML; analysis of the text {:.0} articles/s; extraction takes {:.1}x \
         the time of analysis",
        bytes as f64 / 1e6,
        text_bytes as f64 / 1e6,
        n as f64 / extract,
        bytes as f64 / 1e6 / extract,
        n as f64 / analyze,
        extract / analyze
    );
}
