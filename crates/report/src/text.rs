//! Plain-text rendering for people.

use std::fmt::Write as _;

use crate::wire::InspectJson;

/// Renders an `inspect` document as aligned `key: value` lines.
pub fn inspect(doc: &InspectJson) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "image: {}", doc.path);
    if let Some(e) = &doc.error {
        let _ = writeln!(out, "error: {}", e.message);
    }
    if let Some(c) = &doc.container {
        let _ = writeln!(out, "container:");
        let _ = writeln!(out, "  format:          {}", c.format);
        let _ = writeln!(out, "  disk type:       {}", c.disk_type);
        let _ = writeln!(
            out,
            "  virtual size:    {} bytes ({})",
            c.virtual_size,
            human(c.virtual_size)
        );
        if let Some(chs) = c.chs_size {
            let _ = writeln!(out, "  CHS size:        {chs} bytes ({})", human(chs));
        }
        let _ = writeln!(
            out,
            "  sectors:         {} logical / {} physical",
            c.logical_sector_size, c.physical_sector_size
        );
        if let Some(b) = c.block_size {
            let _ = writeln!(
                out,
                "  block size:      {b} bytes ({})",
                human(u64::from(b))
            );
        }
        let _ = writeln!(
            out,
            "  file size:       {} bytes ({})",
            c.file_size,
            human(c.file_size)
        );
        if let Some(cr) = &c.creator {
            let _ = writeln!(out, "  creator:         {cr}");
        }
        if let Some(id) = &c.identity {
            let _ = writeln!(out, "  identity:        {id}");
        }
        if let Some(p) = &c.parent {
            let _ = writeln!(out, "  parent:          {} ({})", p.path, p.format);
        }
        let _ = writeln!(
            out,
            "  log replayed:    {}",
            if c.log_replayed { "yes" } else { "no" }
        );
        for d in &c.diagnostics {
            match d.offset {
                Some(o) => {
                    let _ = writeln!(
                        out,
                        "  diagnostic:      {} at {o:#x}: {}",
                        d.code, d.message
                    );
                }
                None => {
                    let _ = writeln!(out, "  diagnostic:      {}: {}", d.code, d.message);
                }
            }
        }
    }
    if let Some(p) = &doc.partitions {
        let _ = writeln!(
            out,
            "partitions: {} ({}-byte sectors)",
            p.scheme, p.sector_size
        );
        for e in &p.entries {
            let id = e
                .type_guid
                .clone()
                .or_else(|| e.mbr_type.map(|t| format!("type {t:#04x}")))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {:>3}  {:<18} start {:>14}  size {:>14} ({}){}{}  {id}",
                e.index,
                e.kind,
                e.start_offset,
                e.size,
                human(e.size),
                if e.active { "  active" } else { "" },
                e.name
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .map(|n| format!("  \"{n}\""))
                    .unwrap_or_default(),
            );
        }
        for d in &p.diagnostics {
            let _ = writeln!(out, "  diagnostic: {}: {}", d.code, d.message);
        }
    }
    if let Some(b) = &doc.bcd {
        let place = b
            .partition
            .map(|p| format!("partition {p}: "))
            .unwrap_or_default();
        let _ = writeln!(out, "bcd: {place}{} ({} objects)", b.path, b.objects);
        let _ = writeln!(
            out,
            "  default entry:     {}",
            b.default_entry.as_deref().unwrap_or("-")
        );
        let _ = writeln!(
            out,
            "  description:       {}",
            b.description.as_deref().unwrap_or("-")
        );
        let _ = writeln!(
            out,
            "  application path:  {}",
            b.application_path.as_deref().unwrap_or("-")
        );
        let flag = |v: Option<bool>| match v {
            Some(true) => "on",
            Some(false) => "off",
            None => "not set",
        };
        let _ = writeln!(out, "  testsigning:       {}", flag(b.testsigning));
        let _ = writeln!(out, "  nointegritychecks: {}", flag(b.nointegritychecks));
        for d in &b.devices {
            let role = d.role.map_or("device", |r| r.describe());
            let _ = writeln!(
                out,
                "  {role} ({}): {}",
                d.element,
                d.device.as_deref().unwrap_or("-")
            );
            let _ = writeln!(out, "    {:?}: {}", d.resolution.value, d.resolution.reason);
        }
        if let Some(m) = &b.boot_manager {
            let s = &m.signature;
            let _ = writeln!(
                out,
                "  boot manager:      {} ({}, subsystem {})",
                m.file.path,
                m.file.machine.as_deref().unwrap_or("?"),
                m.file
                    .subsystem
                    .map_or_else(|| "?".to_owned(), |v| v.to_string())
            );
            let _ = writeln!(out, "    signature:       {:?}", s.status);
            if let Some(signer) = &s.signer {
                let _ = writeln!(out, "    signer:          {signer}");
            }
            for c in s.chain.iter().skip(1) {
                let _ = writeln!(out, "    chain:           {}", c.subject);
            }
            if let Some(a) = &s.anchor {
                let _ = writeln!(out, "    secure boot db:  {a}");
            }
            if let Some(e) = &s.error {
                let _ = writeln!(out, "    error:           {e}");
            }
        }
    }
    out
}

/// `1.5 GiB`-style size.
pub fn human(bytes: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = bytes as f64;
    let mut unit = "B";
    for u in UNITS {
        unit = u;
        if v < 1024.0 {
            break;
        }
        v /= 1024.0;
    }
    if unit == "B" {
        format!("{bytes} B")
    } else {
        format!("{v:.2} {unit}")
    }
}

/// A digest as `hash` prints it: b3sum's `HEX  PATH` line.
pub fn hash_line(hex: &str, path: &str) -> String {
    format!("{hex}  {path}\n")
}

/// The reads a command made, as `--stats` prints them to stderr.
pub fn read_stats(s: vhdlint_container::ReadStats) -> String {
    stats_line(None, s.calls, s.bytes, None)
}

/// The one `--stats` line every command prints to stderr:
/// `vhdlint: stats: IMAGE: N reads, N bytes[, N ms]`.
pub fn stats_line(image: Option<&str>, reads: u64, bytes: u64, millis: Option<u64>) -> String {
    let image = image.map(|i| format!("{i}: ")).unwrap_or_default();
    let time = millis.map(|m| format!(", {m} ms")).unwrap_or_default();
    format!("vhdlint: stats: {image}{reads} reads, {bytes} bytes{time}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes() {
        assert_eq!(human(512), "512 B");
        assert_eq!(human(10 << 20), "10.00 MiB");
        assert_eq!(human(136365211648), "127.00 GiB");
    }
}
