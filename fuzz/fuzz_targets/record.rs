//! An article record as the service's store keeps one (postcard bytes), decoded and restored
//! into a detector: an error or a restored article, never a panic; a restored article reads
//! back as the record it came from.
#![no_main]
use copydesk::{ArticleRecord, Detector, DetectorConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(record) = postcard::from_bytes::<ArticleRecord>(data) else {
        return;
    };
    let mut d = Detector::new(DetectorConfig::default()).expect("default config");
    let id = record.id.clone();
    if d.restore(record.clone()).is_ok() {
        let back = d.record(&id).expect("restored");
        assert_eq!(back.id, record.id);
        assert_eq!(back.content, record.content);
        assert_eq!(back.published, record.published);
        assert_eq!(back.source, record.source);
        assert_eq!(d.story_of(&id), Some(record.story));
    }
});
