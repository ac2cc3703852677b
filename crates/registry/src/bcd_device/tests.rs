use super::*;

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// Element bytes as hivex dumps them (`hivexget`/python3-hivex) from the corpus stores.
const REGIPY_WIN10_OSDEVICE: &str = "0000000000000000000000000000000006000000000000004800000000000000382c0f8eeae4ba47b7fc9d8c74dccf0b0000000000000000a994230b5e097d488d48719ecd4d78ca00000000000000000000000000000000";
const REGIPY_WINRE_RAMDISK: &str = "e7623b7308f6eb11825cc112f60133ab0000000001000000b8000000000000000300000000000000000000000000000000000000000000000100000090000000050000000600000000000000480000000000000069cddf6c75de90448f995a84bf2649170000000000000000a994230b5e097d488d48719ecd4d78ca000000000000000000000000000000005c005200650063006f0076006500720079005c00570069006e0064006f0077007300520045005c00570069006e00720065002e00770069006d000000";
const WIN7_SETUP_RAMDISK: &str = "c8dc1976fefad911b411000476eba25f0000000001000000a0000000000000000300000000000000000000000000000000000000000000000100000078000000050000000500000000000000480000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000005c0073006f00750072006300650073005c0062006f006f0074002e00770069006d000000";

fn gpt(disk: &str, partition: &str) -> Device {
    Device::Partition(PartitionId::Gpt {
        disk: Guid::parse(disk).unwrap(),
        partition: Guid::parse(partition).unwrap(),
    })
}

#[test]
fn gpt_partition_as_regipy_reads_it() {
    // regipy 6.5 boot_entry_list: Windows 10 on disk 0b2394a9-… partition 8e0f2c38-….
    let d = parse_device_element(&hex(REGIPY_WIN10_OSDEVICE)).unwrap();
    assert_eq!(d.options, None);
    assert_eq!(
        d.device,
        gpt(
            "0b2394a9-095e-487d-8d48-719ecd4d78ca",
            "8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b"
        )
    );
    assert_eq!(d.device.to_string(), "partition=gpt disk {0b2394a9-095e-487d-8d48-719ecd4d78ca} partition {8e0f2c38-e4ea-47ba-b7fc-9d8c74dccf0b}");
}

#[test]
fn ramdisk_on_a_partition_and_on_the_boot_device() {
    // WinRE: ramdisk=[partition …]\Recovery\WindowsRE\Winre.wim,{733b62e7-…} (regipy prints
    // non-GUID bytes for this entry: it does not decode ramdisks).
    let d = parse_device_element(&hex(REGIPY_WINRE_RAMDISK)).unwrap();
    assert_eq!(
        d.options.as_deref(),
        Some("{733b62e7-f608-11eb-825c-c112f60133ab}")
    );
    assert_eq!(d.flags, 1);
    let Device::Ramdisk { device, path } = &d.device else {
        panic!("{:?}", d.device)
    };
    assert_eq!(path, r"\Recovery\WindowsRE\Winre.wim");
    assert_eq!(
        **device,
        gpt(
            "0b2394a9-095e-487d-8d48-719ecd4d78ca",
            "6cdfcd69-de75-4490-8f99-5a84bf264917"
        )
    );
    assert_eq!(d.device.partition(), device.partition());
    // Windows 7 media: ramdisk=[boot]\sources\boot.wim,{7619dcc8-…}.
    let d = parse_device_element(&hex(WIN7_SETUP_RAMDISK)).unwrap();
    assert_eq!(
        d.options.as_deref(),
        Some("{7619dcc8-fafe-11d9-b411-000476eba25f}")
    );
    assert_eq!(
        d.device,
        Device::Ramdisk {
            device: Box::new(Device::Boot),
            path: r"\sources\boot.wim".into()
        }
    );
    assert_eq!(d.device.to_string(), r"ramdisk=[boot]\sources\boot.wim");
    assert_eq!(d.device.partition(), None);
}

/// A partition element built by hand in the layout the GPT stores show, with MBR fields.
fn mbr_element(offset: u64, signature: u32) -> Vec<u8> {
    let mut b = vec![0u8; 16];
    b.extend_from_slice(&6u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b.extend_from_slice(&0x48u32.to_le_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    let mut payload = [0u8; 56];
    payload[0..8].copy_from_slice(&offset.to_le_bytes());
    // +0x10 local-device type 0 (disk), +0x14 partition style 1 (MBR): windows-image-facts
    // §14.1.1, ReactOS BL_PARTITION_DEVICE { partition id; BL_LOCAL_DEVICE { Type;
    // BL_HARDDISK_DEVICE { PartitionType; signature } } }.
    payload[0x14..0x18].copy_from_slice(&1u32.to_le_bytes());
    payload[0x18..0x1c].copy_from_slice(&signature.to_le_bytes());
    b.extend_from_slice(&payload);
    b
}

#[test]
fn mbr_partition_vhd_and_locate() {
    let d = parse_device_element(&mbr_element(0x10_0000, 0x1234_abcd)).unwrap();
    assert_eq!(
        d.device,
        Device::Partition(PartitionId::Mbr {
            signature: 0x1234_abcd,
            offset: 0x10_0000
        })
    );
    // vhd=[mbr partition]\vhd\win.vhdx: the ramdisk shape with local type 6.
    let mut ram = hex(REGIPY_WINRE_RAMDISK);
    ram[0x10 + 0x10] = 6;
    let d = parse_device_element(&ram).unwrap();
    assert!(
        matches!(d.device, Device::VirtualDisk { ref path, .. } if path == r"\Recovery\WindowsRE\Winre.wim")
    );
    // locate: type 0, element 0x12000002 (the application path), no explicit path.
    let mut loc = vec![0u8; 16];
    for v in [8u32, 0, 0x10 + 16, 0, 0, 0x1200_0002, 0, 0] {
        loc.extend_from_slice(&v.to_le_bytes());
    }
    let d = parse_device_element(&loc).unwrap();
    assert_eq!(
        d.device,
        Device::Locate {
            kind: 0,
            element_type: 0x1200_0002,
            path: None
        }
    );
}

#[test]
fn hostile_elements_are_errors_naming_the_element() {
    let ok = hex(REGIPY_WINRE_RAMDISK);
    for len in [0, 8, 16, 20, 31, 40, 60, 100, ok.len() - 1] {
        // Every truncation is an error (the sizes no longer add up), never a panic.
        assert!(parse_device_element(&ok[..len]).is_err(), "length {len}");
    }
    let mut bad = ok.clone();
    bad[0x18] = 8; // descriptor size 8 < 16
    assert!(matches!(
        parse_device_element(&bad),
        Err(RegistryError::Invalid {
            structure: "BCD device element",
            offset: 0x10,
            ..
        })
    ));
    // Ramdisks nested in ramdisks: within the budget fine, past it TooLarge.
    fn nested(level: usize) -> Vec<u8> {
        let le = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        if level == 0 {
            return le(&[5, 0, 16, 0]);
        }
        let inner = nested(level - 1);
        let mut fp = le(&[1, (12 + inner.len() + 2) as u32, 5]);
        fp.extend_from_slice(&inner);
        fp.extend_from_slice(&[b'x', 0]);
        let mut payload = le(&[3, 0, 0, 0, 0, 0]);
        payload.extend_from_slice(&fp);
        let mut d = le(&[0, 0, (16 + payload.len()) as u32, 0]);
        d.extend_from_slice(&payload);
        d
    }
    let element = |levels| [vec![0u8; 16], nested(levels)].concat();
    assert!(parse_device_element(&element(MAX_DEVICE_NESTING)).is_ok());
    assert!(matches!(
        parse_device_element(&element(MAX_DEVICE_NESTING + 2)),
        Err(RegistryError::TooLarge {
            what: "device nesting",
            ..
        })
    ));
}
