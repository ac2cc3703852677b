//! The one boot-volume decision (`layout::boot_volume`): the BCD store `reg`/`inspect` open by
//! name (`HKLM\BCD`) is the store the gathered boot facts came from, on a UEFI disk, a BIOS disk,
//! and a BIOS disk that also carries an EFI system partition with its own store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use vhdlint_facts::Evidence;
use vhdlint_filesystems::image::Image;
use vhdlint_gather::{boot_volume, gather, open_image_hive, BootChoice, GatherOptions, HiveName};
use vhdlint_registry::HiveOptions;

/// `\Boot\BCD` and `Boot/BCD` name the same file.
fn norm(path: &str) -> String {
    path.trim_start_matches(['\\', '/'])
        .replace('\\', "/")
        .to_ascii_lowercase()
}

/// (partition, path) of the store `HKLM\BCD` opens, and of the store the boot facts cite.
fn both(rel: &str) -> ((Option<u32>, String), (Option<u32>, String)) {
    let image = Image::open(&vhdlint_testkit::testdata_file(rel)).unwrap();
    let (_, at) = open_image_hive(&image, &HiveName::Bcd, HiveOptions::default()).unwrap();
    let facts = gather(&image, &GatherOptions::default());
    let boot = facts.boot.expect("a boot path");
    let cited = boot
        .default_application_path
        .evidence
        .iter()
        .find_map(|e| match e {
            Evidence::File {
                partition_index,
                path,
                ..
            } => Some((*partition_index, norm(path))),
            _ => None,
        })
        .expect("the boot facts cite their BCD file");
    ((at.partition, norm(&at.path)), cited)
}

#[test]
fn hklm_bcd_is_the_store_the_boot_facts_come_from() {
    for (rel, want) in [
        ("images/gold.vhdx.xz", (Some(1), "efi/microsoft/boot/bcd")),
        ("images/gen1-mbr.vhdx.xz", (Some(1), "boot/bcd")),
        // MBR: BIOS boots the active partition 2, not the 0xEF partition 1.
        ("images/two-bcd-mbr.vhdx.xz", (Some(2), "boot/bcd")),
    ] {
        let (opened, cited) = both(rel);
        assert_eq!(opened, cited, "{rel}");
        assert_eq!(opened, (want.0, want.1.to_owned()), "{rel}");
    }
}

#[test]
fn the_scheme_picks_the_firmware() {
    let open = |rel: &str| Image::open(&vhdlint_testkit::testdata_file(rel)).unwrap();
    let gold = open("images/gold.vhdx.xz");
    assert!(matches!(boot_volume(&gold), BootChoice::Uefi(v) if v.index() == Some(1)));
    let two = open("images/two-bcd-mbr.vhdx.xz");
    assert!(matches!(
        boot_volume(&two),
        BootChoice::Bios(p, Ok(v)) if p.index == 2 && v.index() == Some(2)
    ));
    // A bare file system (no partition table) boots neither way, and HKLM\BCD says why.
    let bare = open("filesystems/ntfs-3g.img.xz");
    assert!(matches!(boot_volume(&bare), BootChoice::NoTable));
    let err = open_image_hive(&bare, &HiveName::Bcd, HiveOptions::default()).unwrap_err();
    assert!(err.to_string().contains("no partition table"), "{err}");
}
