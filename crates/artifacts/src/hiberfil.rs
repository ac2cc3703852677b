//! The `hiberfil.sys` header: the first page is a `PO_MEMORY_IMAGE` whose first four bytes are a
//! little-endian ASCII signature. What the signatures mean (as documented by the forensic
//! readers that decode the file — Matthieu Suiche's *Hibr2Bin* / "Windows Hibernation File for
//! Fun 'n' Profit", Volatility's `hibernate` address space, Joe Sylve et al. "Modern Windows
//! Hibernation File Analysis", DFRWS 2017):
//!
//! * `hibr` (Windows XP–7) / `HIBR` (Windows 8+): a complete image waits to be resumed. On
//!   Windows 8+ this is written both by *hibernate* and by a *Fast Startup* shutdown ("hybrid
//!   shutdown": the kernel session is hibernated), so the volume was not shut down cleanly in
//!   either case: the next boot resumes a session of the machine that wrote it.
//! * `wake` / `WAKE`: the loader has started resuming from the image (written by winresume).
//! * `RSTR` / `rstr`: a restore is in progress. `link`/`LINK`: the image continues elsewhere
//!   (older formats). `brkp`/`BRKP`: a debugger break was requested during resume.
//! * All zeros (or no recognised signature and an all-zero page): the image was consumed or
//!   never written — Windows 8+ zeroes the header after a successful resume, and a normal (full)
//!   shutdown leaves the previous, zeroed header.
//!
//! From Windows 8 on the page data behind the header is Xpress / Xpress-Huffman compressed in
//! "restore sets"; this module reads only the 4 KiB header page, so the compression does not
//! matter here (and the memory contents are none of vhdlint's business).

use vhdlint_container::ReadAt;

use crate::error::Result;

/// Bytes of the header page read (the `PO_MEMORY_IMAGE` fits in the first page).
pub const HEADER_BYTES: usize = 4096;

/// What the header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HiberState {
    /// `hibr` / `HIBR`: a hibernated session (hibernate or Fast Startup) waits to be resumed.
    Hibernated,
    /// `wake` / `WAKE`: resume was under way.
    Waking,
    /// `RSTR` / `rstr`: restore was under way.
    Restoring,
    /// `link` / `LINK`.
    Link,
    /// `brkp` / `BRKP`.
    Breakpoint,
    /// The header page is all zeros (or the file is empty): nothing to resume.
    Empty,
    /// Another signature (raw bytes in [`HiberHeader::signature`]).
    Unknown,
}

impl HiberState {
    /// True when Windows would resume a saved session instead of booting fresh.
    pub fn resumable(self) -> bool {
        matches!(
            self,
            HiberState::Hibernated | HiberState::Waking | HiberState::Restoring | HiberState::Link
        )
    }
}

/// The decoded header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HiberHeader {
    /// The first four bytes.
    pub signature: [u8; 4],
    /// Their meaning.
    pub state: HiberState,
    /// Upper-case signature (the Windows 8+ format, whose data is compressed).
    pub windows8_format: bool,
    /// Bytes of the header page that were read (less than [`HEADER_BYTES`] for a short file).
    pub bytes_read: usize,
}

/// Reads the first page of `hiberfil.sys`.
pub fn read_hiberfil_header(src: &dyn ReadAt) -> Result<HiberHeader> {
    let n = src.len().min(HEADER_BYTES as u64) as usize;
    let mut page = vec![0u8; n];
    src.read_at(0, &mut page)?;
    Ok(parse_header(&page))
}

/// Decodes a header page already in memory (at most [`HEADER_BYTES`] of it are looked at).
pub fn parse_header(page: &[u8]) -> HiberHeader {
    let page = page.get(..HEADER_BYTES.min(page.len())).unwrap_or_default();
    let mut signature = [0u8; 4];
    for (d, s) in signature.iter_mut().zip(page.iter()) {
        *d = *s;
    }
    let state = match &signature {
        b"hibr" | b"HIBR" => HiberState::Hibernated,
        b"wake" | b"WAKE" => HiberState::Waking,
        b"rstr" | b"RSTR" => HiberState::Restoring,
        b"link" | b"LINK" => HiberState::Link,
        b"brkp" | b"BRKP" => HiberState::Breakpoint,
        _ if page.iter().all(|&b| b == 0) => HiberState::Empty,
        _ => HiberState::Unknown,
    };
    let windows8_format = state != HiberState::Empty
        && state != HiberState::Unknown
        && signature.iter().all(u8::is_ascii_uppercase);
    HiberHeader {
        signature,
        state,
        windows8_format,
        bytes_read: page.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_say_whether_a_session_waits() {
        let mut page = vec![0u8; 8192];
        page[..4].copy_from_slice(b"HIBR");
        page[4] = 7;
        let h = read_hiberfil_header(&page).unwrap();
        assert_eq!(
            (h.state, h.windows8_format, h.bytes_read),
            (HiberState::Hibernated, true, HEADER_BYTES)
        );
        assert!(h.state.resumable());
        page[..4].copy_from_slice(b"hibr");
        assert_eq!(parse_header(&page).state, HiberState::Hibernated);
        assert!(!parse_header(&page).windows8_format);
        page[..4].copy_from_slice(b"WAKE");
        assert_eq!(parse_header(&page).state, HiberState::Waking);
        page[..4].copy_from_slice(b"RSTR");
        assert_eq!(parse_header(&page).state, HiberState::Restoring);
        let zeros = vec![0u8; 4096];
        assert_eq!(parse_header(&zeros).state, HiberState::Empty);
        assert!(!HiberState::Empty.resumable());
        assert_eq!(
            read_hiberfil_header(&Vec::new()).unwrap().state,
            HiberState::Empty
        );
        page[..4].copy_from_slice(b"XXXX");
        assert_eq!(parse_header(&page).state, HiberState::Unknown);
        assert_eq!(parse_header(b"HI").state, HiberState::Unknown);
    }
}
