//! The index loader on raw bytes: an error or a detector, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = copydesk::Detector::load(data);
});
