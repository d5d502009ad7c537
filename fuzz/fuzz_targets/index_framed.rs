//! The index decoder: the input framed with a valid header (magic, this format version) and
//! a valid trailer (length, XXH3-64), so that it passes the checks a damaged file fails and
//! reaches the payload's decoder. Whatever it decodes to must survive a save and load
//! unchanged.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let mut file = Vec::with_capacity(payload.len() + 32);
    file.extend_from_slice(b"copydesk");
    file.extend_from_slice(&copydesk::detector::FORMAT_VERSION.to_le_bytes());
    file.extend_from_slice(&[0; 4]);
    file.extend_from_slice(payload);
    file.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    file.extend_from_slice(&xxhash_rust::xxh3::xxh3_64(payload).to_le_bytes());
    if let Ok(d) = copydesk::Detector::load(&file[..]) {
        let mut saved = Vec::new();
        d.save(&mut saved).expect("a loaded detector saves");
        let again = copydesk::Detector::load(&saved[..]).expect("a saved detector loads");
        let mut resaved = Vec::new();
        again.save(&mut resaved).expect("saves again");
        assert_eq!(saved, resaved, "load and save are inverse");
    }
});
