//! The hive hivexregedit wrote from testdata/hives/generate.sh: our reader reads back exactly
//! what the .reg file put in (the expectations restate the generator's).

// Helpers outside #[test] functions: a failed unwrap or panic there is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use vhdlint_container::FileSource;
use vhdlint_registry::{
    current_control_set, ControlSetSource, Hive, HiveLogs, HiveOptions, ValueData,
};

fn fixture() -> Hive {
    let path = vhdlint_testkit::testdata_file("hives/fixture.hive.xz");
    let src = Arc::new(FileSource::open(&path).unwrap());
    Hive::open(src, HiveLogs::none(), HiveOptions::default()).unwrap()
}

fn u16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

#[test]
fn every_value_type_reads_back() {
    let hive = fixture();
    assert!(!hive.status().dirty);
    let types = hive.key("Types").unwrap().unwrap();
    let get = |name: &str| {
        let v = types
            .value(name)
            .unwrap()
            .unwrap_or_else(|| panic!("value {name:?}"));
        (v.value_type(), v.data().unwrap(), v.raw_data().unwrap())
    };
    assert_eq!(get("").1, ValueData::Sz("default value".into()));
    assert_eq!(get("sz").1, ValueData::Sz("hello, world".into()));
    assert_eq!(
        get("SZ").1,
        ValueData::Sz("hello, world".into()),
        "names are case-insensitive"
    );
    assert_eq!(get("empty_sz").1, ValueData::Sz(String::new()));
    let (t, d, raw) = get("expand");
    assert_eq!(t, 2);
    assert_eq!(d, ValueData::ExpandSz(r"%SystemRoot%\system32".into()));
    assert_eq!(raw, u16le("%SystemRoot%\\system32\0"));
    assert_eq!(
        get("multi").1,
        ValueData::MultiSz(vec!["one".into(), "two".into(), "three".into()])
    );
    assert_eq!(get("dword").1, ValueData::Dword(0x1234_5678));
    assert_eq!(get("dword_be").1, ValueData::DwordBigEndian(0x1234_5678));
    assert_eq!(get("qword").1, ValueData::Qword(0x0123_4567_89AB_CDEF));
    assert_eq!(
        get("binary").1,
        ValueData::Binary(vec![0xde, 0xad, 0xbe, 0xef])
    );
    assert_eq!(get("none").1, ValueData::None(vec![1, 2, 3]));
    assert_eq!(
        get("link").1,
        ValueData::Link(r"\Registry\Machine\Target".into())
    );
    assert_eq!(
        get("custom").1,
        ValueData::Other {
            value_type: 0x100,
            bytes: vec![0x0a, 0x0b]
        }
    );
    let big: Vec<u8> = (0..40000u32).map(|i| ((i * 7 + 3) & 0xFF) as u8).collect();
    assert_eq!(get("big").1, ValueData::Binary(big));
    assert_eq!(get("Ünïcödé välüe").1, ValueData::Sz("naïve ☃".into()));
    assert_eq!(get("ÜNÏCÖDÉ VÄLÜE").1, ValueData::Sz("naïve ☃".into()));
    assert_eq!(get("Ωμέγα").1, ValueData::Dword(7));
    assert_eq!(get("ωμέγα").1, ValueData::Dword(7));
    assert_eq!(types.values().unwrap().len(), 15);

    let names: Vec<String> = types
        .subkeys()
        .unwrap()
        .iter()
        .map(|k| k.name().to_string())
        .collect();
    assert_eq!(names, vec!["Ünïcödé key", "Ωμέγα key"]);
    assert_eq!(
        hive.key("types\\ünïcödé KEY")
            .unwrap()
            .unwrap()
            .value("inner")
            .unwrap()
            .unwrap()
            .data()
            .unwrap(),
        ValueData::Sz("x".into())
    );
    assert_eq!(
        hive.key("Types\\ΩΜΈΓΑ key")
            .unwrap()
            .unwrap()
            .value("inner")
            .unwrap()
            .unwrap()
            .data()
            .unwrap(),
        ValueData::Sz("y".into())
    );
}

#[test]
fn six_hundred_subkeys_in_order_and_by_name() {
    let hive = fixture();
    let many = hive.key("Many").unwrap().unwrap();
    assert_eq!(many.subkey_count(), 600);
    let subkeys = many.subkeys().unwrap();
    assert_eq!(subkeys.len(), 600);
    for (i, k) in subkeys.iter().enumerate() {
        assert_eq!(k.name(), format!("Key{i:03}"));
        assert_eq!(
            k.value("n").unwrap().unwrap().data().unwrap(),
            ValueData::Dword(i as u32)
        );
        assert_eq!(k.depth(), 2);
    }
    for i in [0u32, 1, 299, 599] {
        let k = many.subkey(&format!("key{i:03}")).unwrap().unwrap();
        assert_eq!(
            k.value("N").unwrap().unwrap().data().unwrap(),
            ValueData::Dword(i)
        );
    }
    assert!(many.subkey("Key600").unwrap().is_none());
}

#[test]
fn control_set_ten_is_control_set_010() {
    let hive = fixture();
    let cs = current_control_set(&hive).unwrap().unwrap();
    assert_eq!(cs.name, "ControlSet010");
    assert_eq!(cs.number, 10);
    assert_eq!(cs.source, ControlSetSource::SelectCurrent);
    assert_eq!(cs.evidence_value, 10);
    assert_eq!(
        cs.key
            .subkey("Control")
            .unwrap()
            .unwrap()
            .subkey("ComputerName")
            .unwrap()
            .unwrap()
            .subkey("ComputerName")
            .unwrap()
            .unwrap()
            .value("ComputerName")
            .unwrap()
            .unwrap()
            .data()
            .unwrap(),
        ValueData::Sz("VHDLINT-FIXTURE".into())
    );
}
