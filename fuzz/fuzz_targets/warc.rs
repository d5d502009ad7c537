//! The web-archive reader on any bytes: pages or an error, never a panic; after an error it
//! yields nothing more.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut failed = false;
    for page in copydesk::warc::WarcPages::new(data).take(64) {
        assert!(!failed, "nothing after an error");
        match page {
            Ok(p) => assert!(p.record >= 1),
            Err(_) => failed = true,
        }
    }
});
