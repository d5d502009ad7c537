//! Web page extraction on any text: an article or an error, never a panic; an article's text
//! is never blank.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|html: &str| {
    if let Ok(page) = copydesk::html::extract(html) {
        assert!(!page.text.trim().is_empty());
    }
});
