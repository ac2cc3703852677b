//! A fixed-VHD footer that cannot describe its file (CurrentSize is not the data before it) is a
//! stale footer on raw data — a volume carved out of a VHD, as dissect.ntfs's `ntfs.bin` is —
//! not a VHD to refuse.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

use std::sync::Arc;

use vhdlint_container::{detect, open_source, Format, NoParents, ReadAt};

#[test]
fn a_carved_volume_with_a_stale_fixed_footer_reads_as_raw_with_a_diagnostic() {
    let vhd = std::fs::read(vhdlint_testkit::testdata_file(
        "container/pattern-fixed.vhd.xz",
    ))
    .unwrap();
    let footer = &vhd[vhd.len() - 512..];
    // The first 1 MiB of the disk, then the untouched footer (checksum still valid).
    let mut carved = vhd[..1 << 20].to_vec();
    carved.extend_from_slice(footer);
    let source: Arc<dyn ReadAt> = Arc::new(carved.clone());
    assert_eq!(detect(&*source).unwrap(), Format::Raw);
    let c = open_source(source, &mut NoParents).unwrap();
    assert_eq!(c.info().virtual_size, carved.len() as u64);
    let d = &c.info().diagnostics[0];
    assert_eq!((d.code, d.offset), ("vhdFooterStray", Some(1 << 20)));

    // The real fixed VHD is still a VHD.
    let whole: Arc<dyn ReadAt> = Arc::new(vhd);
    assert_eq!(detect(&*whole).unwrap(), Format::Vhd);
}
