//! `reg`'s streaming writers print the very bytes of the documents they replace (the JSON of
//! `key_json` through `serde_json::to_writer_pretty`, the text of `key_text`), on every key of
//! the fixture hives (hivexregedit-built: every value type, big data, a key of many subkeys).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use vhdlint_container::FileSource;
use vhdlint_registry::{Hive, Key};
use vhdlint_report::registry::{key_json, key_text, write_key_json, write_key_text};

fn walk(hive: &Hive, key: &Key, path: &str, checked: &mut usize) {
    let doc = key_json(hive, key, path, "fixture").unwrap();
    let mut json = Vec::new();
    write_key_json(&mut json, hive, key, path, "fixture").unwrap();
    assert_eq!(
        String::from_utf8(json).unwrap(),
        serde_json::to_string_pretty(&doc).unwrap(),
        "JSON of {path}"
    );
    let mut text = Vec::new();
    write_key_text(&mut text, hive, key, path, "fixture").unwrap();
    assert_eq!(
        String::from_utf8(text).unwrap(),
        key_text(&doc),
        "text of {path}"
    );
    *checked += 1;
    for sub in key.subkeys().unwrap().iter().take(8) {
        walk(hive, sub, &format!("{path}\\{}", sub.name()), checked);
    }
}

#[test]
fn streamed_reg_output_is_the_document_byte_for_byte() {
    let mut checked = 0;
    for f in ["hives/fixture.hive.xz", "hives/bcd-fixture.hive.xz"] {
        let path = vhdlint_testkit::testdata_file(f);
        let hive = Hive::open_plain(Arc::new(FileSource::open(&path).unwrap())).unwrap();
        walk(&hive, &hive.root().unwrap(), "", &mut checked);
    }
    assert!(checked > 20, "{checked} keys compared");
}
