//! The one positional-read trait every layer of vhdlint reads through, and its adapters.
//!
//! - [`ReadAt`]: `read_at(offset, buf)` fills the whole buffer or fails; `&self`, `Send + Sync`,
//!   so one disk serves many rayon threads.
//! - Sources: [`FileSource`] (a file opened read-only, positional reads), byte slices and `Vec<u8>`
//!   (tests, fuzzing).
//! - Adapters: [`Window`] (a byte range of another source: a partition), [`Counted`] (counts calls
//!   and bytes, for `--stats` and benchmarks), [`Cursor`] (`Read + Seek`, for crates such as `ntfs`
//!   and `fatfs`; its `Write` always refuses).

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Why a positional read failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The range asked for does not lie inside the source.
    #[error("read of {len} bytes at {offset:#x} goes past the end of the {size:#x}-byte source")]
    OutOfBounds {
        /// First byte asked for.
        offset: u64,
        /// Number of bytes asked for.
        len: u64,
        /// Size of the source.
        size: u64,
    },
    /// The operating system refused or failed the read.
    #[error("I/O error reading {len} bytes at {offset:#x}: {message}")]
    Io {
        /// First byte asked for.
        offset: u64,
        /// Number of bytes asked for.
        len: u64,
        /// The error kind the OS reported.
        kind: io::ErrorKind,
        /// The OS's message.
        message: String,
    },
    /// A structure met while translating the read (a BAT entry, a sector bitmap, a parent disk)
    /// is corrupt.
    #[error("{structure} at {offset:#x}: {message}")]
    Corrupt {
        /// The on-disk structure, e.g. `"VHDX BAT entry"`.
        structure: &'static str,
        /// Where the structure is, in the container file.
        offset: u64,
        /// What is wrong with it.
        message: String,
    },
    /// A field met while translating the read lies outside the bytes of its structure.
    #[error(transparent)]
    Field(#[from] crate::bytes::OutOfRange),
}

impl ReadError {
    /// Converts an OS error met at `offset`.
    pub fn io(offset: u64, len: usize, err: &io::Error) -> Self {
        ReadError::Io {
            offset,
            len: len as u64,
            kind: err.kind(),
            message: err.to_string(),
        }
    }
}

impl From<ReadError> for io::Error {
    fn from(e: ReadError) -> Self {
        let kind = match &e {
            ReadError::OutOfBounds { .. } => io::ErrorKind::UnexpectedEof,
            ReadError::Io { kind, .. } => *kind,
            ReadError::Corrupt { .. } | ReadError::Field(_) => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, e)
    }
}

/// Positional reads: the one read interface of every vhdlint layer.
///
/// A read either fills all of `buf` or returns an error; a read that reaches past
/// [`len`](ReadAt::len) is [`ReadError::OutOfBounds`].
pub trait ReadAt: Send + Sync {
    /// Size of the source in bytes.
    fn len(&self) -> u64;

    /// True when the source holds no byte.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Fills `buf` with the bytes at `offset..offset + buf.len()`.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError>;

    /// The bytes at `offset`, at most `max_len` of them and at least one, lent without copying
    /// when the source can (a memory-mapped file, a byte slice, a fully present block of one);
    /// `None` means "use [`read_at`](ReadAt::read_at)". Hashing uses it to skip a copy.
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        let _ = (offset, max_len);
        None
    }

    /// A hint: `offset..offset + len` will be read soon. A source where a read costs a round
    /// trip (HTTP) fetches it now into its cache, so a reader can overlap an independent
    /// fetch with a dependent one (rayon::join); every other source ignores it. Never fails
    /// (a later read reports what went wrong); at most [`PREFETCH_MAX`] bytes are fetched.
    fn prefetch(&self, offset: u64, len: u64) {
        let _ = (offset, len);
    }
}

/// Most bytes one [`ReadAt::prefetch`] hint fetches.
pub const PREFETCH_MAX: u64 = 1 << 20;

/// Checks that `offset..offset+len` lies within `size`.
pub fn check_bounds(offset: u64, len: usize, size: u64) -> Result<(), ReadError> {
    let len64 = len as u64;
    match offset.checked_add(len64) {
        Some(end) if end <= size => Ok(()),
        _ => Err(ReadError::OutOfBounds {
            offset,
            len: len64,
            size,
        }),
    }
}

/// Forwards [`ReadAt`] through a pointer type.
macro_rules! forward_read_at {
    ($($ptr:ty),*) => {$(
        impl<T: ReadAt + ?Sized> ReadAt for $ptr {
            fn len(&self) -> u64 {
                (**self).len()
            }
            fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
                (**self).read_at(offset, buf)
            }
            fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
                (**self).borrow_at(offset, max_len)
            }
            fn prefetch(&self, offset: u64, len: u64) {
                (**self).prefetch(offset, len)
            }
        }
    )*};
}

forward_read_at!(&T, Arc<T>, Box<T>);

impl ReadAt for [u8] {
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), ReadAt::len(self))?;
        // In bounds: checked just above, and offset fits in usize because it is below len().
        let start = offset as usize;
        let src = self
            .get(start..start + buf.len())
            .ok_or(ReadError::OutOfBounds {
                offset,
                len: buf.len() as u64,
                size: ReadAt::len(self),
            })?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        let start = usize::try_from(offset).ok()?;
        let end = start.saturating_add(max_len).min(self.len());
        self.get(start..end).filter(|s| !s.is_empty())
    }
}

impl ReadAt for Vec<u8> {
    fn len(&self) -> u64 {
        self.as_slice().len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        self.as_slice().read_at(offset, buf)
    }
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        self.as_slice().borrow_at(offset, max_len)
    }
}

/// A file opened read-only, read with positional reads (`pread`); no shared cursor.
///
/// [`FileSource::open_mapped`] also maps it read-only into memory, so whole-disk hashing can
/// hash the page cache in place ([`ReadAt::borrow_at`]) instead of copying it.
#[derive(Debug)]
pub struct FileSource {
    file: File,
    len: u64,
    map: Option<Mapped>,
}

/// Bytes lent from a whole-file mapping after which the pages touched so far are dropped from
/// the process ([`Mapped::lend`]): RSS stays near this size plus one lent range, whatever the
/// file's size (a 4 GiB image hashed through one mapping otherwise counted 4 GiB in RSS).
pub const MAPPED_RELEASE_BYTES: u64 = 64 << 20;

/// A read-only whole-file mapping and the span of it lent since its pages were last released.
#[derive(Debug)]
struct Mapped {
    map: memmap2::Mmap,
    /// `[start, end)` of the bytes lent since the last release (`None`: nothing lent).
    lent: std::sync::Mutex<Option<(u64, u64)>>,
}

impl Mapped {
    fn new(map: memmap2::Mmap) -> Self {
        Mapped {
            map,
            lent: std::sync::Mutex::new(None),
        }
    }

    /// Lends up to `max_len` bytes at `offset`, first releasing the pages of what was lent
    /// before once that span reached [`MAPPED_RELEASE_BYTES`].
    fn lend(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        let lent = self.map.borrow_at(offset, max_len)?;
        if let Ok(mut span) = self.lent.lock() {
            let end = offset + lent.len() as u64;
            let (start, stop) = match *span {
                Some((s, e)) => (s.min(offset), e.max(end)),
                None => (offset, end),
            };
            if stop - start > MAPPED_RELEASE_BYTES {
                if let Some((s, e)) = *span {
                    release_pages(&self.map, s, e);
                }
                *span = Some((offset, end));
            } else {
                *span = Some((start, stop));
            }
        }
        Some(lent)
    }
}

/// Drops the pages of `map[start..end]` from the process (`MADV_DONTNEED`); the page cache
/// keeps them, and a later access reads them back from the file. Failure only costs memory.
#[cfg(unix)]
#[allow(unsafe_code)]
fn release_pages(map: &memmap2::Mmap, start: u64, end: u64) {
    let page = 4096u64;
    let start = start / page * page;
    let (Ok(start), Ok(len)) = (usize::try_from(start), usize::try_from(end - start)) else {
        return;
    };
    // SAFETY: the mapping is read-only and private and was never written, so after
    // MADV_DONTNEED every page reads back from the file exactly as before: a slice still lent
    // from this range stays valid and unchanged (its pages fault back in from the page cache).
    let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, start, len) };
}

/// Elsewhere the pages stay mapped until the mapping is dropped.
#[cfg(not(unix))]
fn release_pages(_map: &memmap2::Mmap, _start: u64, _end: u64) {}

impl FileSource {
    /// Opens `path` read-only. Nothing is ever written to it or beside it. A pipe, socket,
    /// character device or directory is refused before it is opened (opening a FIFO blocks);
    /// a block device is sized by seeking to its end.
    pub fn open(path: &Path) -> io::Result<Self> {
        crate::input::check_path_io(path)?;
        let file = File::open(path)?;
        let len = crate::input::file_len(&file)?;
        Ok(FileSource {
            file,
            len,
            map: None,
        })
    }

    /// Opens `path` read-only and maps it into memory (read-only) when the OS allows; falls back
    /// to positional reads otherwise (and for empty files).
    pub fn open_mapped(path: &Path) -> io::Result<Self> {
        let mut source = FileSource::open(path)?;
        if source.len > 0 {
            source.map = map_read_only(&source.file).ok().map(Mapped::new);
        }
        Ok(source)
    }
}

/// Maps `file` read-only.
#[allow(unsafe_code)]
fn map_read_only(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: the mapping is read-only and private to this process. Another process truncating
    // or rewriting the image while it is mapped could change or fault the bytes we read — the
    // same contract b3sum and blake3's `update_mmap` accept. Only `hash` asks for a mapping;
    // checks and listings read with `pread`.
    unsafe { memmap2::Mmap::map(file) }
}

/// Calls `f` with consecutive read-only mappings of `file`'s first `len` bytes, `window` bytes
/// (a multiple of the page size) at a time. Each window is unmapped before the next is mapped,
/// so the pages counted in the process's RSS stay at one window whatever the file's size, while
/// the bytes are still hashed in place from the page cache (no copy). Used by `hash`.
pub fn for_each_mapped_window(
    file: &File,
    len: u64,
    window: usize,
    mut f: impl FnMut(&[u8]),
) -> io::Result<()> {
    let mut offset = 0u64;
    while offset < len {
        let n = usize::try_from(len - offset).map_or(window, |r| r.min(window));
        let map = map_range(file, offset, n)?;
        f(&map);
        drop(map);
        offset += n as u64;
    }
    Ok(())
}

/// Maps `len` bytes of `file` from `offset` (page-aligned) read-only.
#[allow(unsafe_code)]
fn map_range(file: &File, offset: u64, len: usize) -> io::Result<memmap2::Mmap> {
    // SAFETY: as for `map_read_only`: read-only, private, and another process truncating the
    // file while it is mapped could fault the read — the contract b3sum accepts.
    unsafe {
        memmap2::MmapOptions::new()
            .offset(offset)
            .len(len)
            .map(file)
    }
}

impl ReadAt for FileSource {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len)?;
        read_exact_at(&self.file, offset, buf).map_err(|e| ReadError::io(offset, buf.len(), &e))
    }
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        self.map.as_ref()?.lend(offset, max_len)
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, offset: u64, buf: &mut [u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut offset: u64, mut buf: &mut [u8]) -> io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// A byte range `start..start+len` of another source, seen as a source of its own (a partition).
#[derive(Debug, Clone)]
pub struct Window<R> {
    inner: R,
    start: u64,
    len: u64,
}

impl<R: ReadAt> Window<R> {
    /// The range `start..start+len` of `inner`; fails when it does not lie inside `inner`.
    pub fn new(inner: R, start: u64, len: u64) -> Result<Self, ReadError> {
        let size = inner.len();
        match start.checked_add(len) {
            Some(end) if end <= size => Ok(Window { inner, start, len }),
            _ => Err(ReadError::OutOfBounds {
                offset: start,
                len,
                size,
            }),
        }
    }

    /// Where the window starts in the inner source.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The inner source.
    pub fn inner(&self) -> &R {
        &self.inner
    }
}

impl<R: ReadAt> ReadAt for Window<R> {
    fn len(&self) -> u64 {
        self.len
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len)?;
        // Cannot overflow: offset + len <= self.len and start + self.len <= inner.len().
        self.inner.read_at(self.start + offset, buf)
    }
    fn prefetch(&self, offset: u64, len: u64) {
        if offset < self.len {
            self.inner
                .prefetch(self.start + offset, len.min(self.len - offset));
        }
    }
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        let room = usize::try_from(self.len.checked_sub(offset)?).unwrap_or(usize::MAX);
        self.inner
            .borrow_at(self.start.checked_add(offset)?, max_len.min(room))
            .filter(|s| !s.is_empty())
    }
}

/// What a [`Counted`] source has served so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReadStats {
    /// Number of `read_at` calls.
    pub calls: u64,
    /// Number of bytes asked for.
    pub bytes: u64,
}

/// Counts the reads made through it (calls and bytes); thread-safe.
#[derive(Debug, Default)]
pub struct Counted<R> {
    inner: R,
    calls: AtomicU64,
    bytes: AtomicU64,
}

impl<R: ReadAt> Counted<R> {
    /// Wraps `inner`, starting from zero.
    pub fn new(inner: R) -> Self {
        Counted {
            inner,
            calls: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
        }
    }

    /// Reads served so far.
    pub fn stats(&self) -> ReadStats {
        ReadStats {
            calls: self.calls.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    /// The wrapped source.
    pub fn inner(&self) -> &R {
        &self.inner
    }
}

impl<R: ReadAt> ReadAt for Counted<R> {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(buf.len() as u64, Ordering::Relaxed);
        self.inner.read_at(offset, buf)
    }
    fn prefetch(&self, offset: u64, len: u64) {
        self.inner.prefetch(offset, len);
    }
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        let lent = self.inner.borrow_at(offset, max_len)?;
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(lent.len() as u64, Ordering::Relaxed);
        Some(lent)
    }
}

/// A `Read + Seek` cursor over a [`ReadAt`] source, for crates that want a stream.
///
/// It also implements `Write`, refusing every write with `PermissionDenied`, so crates that
/// demand `Read + Write + Seek` (such as `fatfs`) can read through it and never change a byte.
#[derive(Debug, Clone)]
pub struct Cursor<R> {
    inner: R,
    pos: u64,
}

impl<R: ReadAt> Cursor<R> {
    /// A cursor at position 0.
    pub fn new(inner: R) -> Self {
        Cursor { inner, pos: 0 }
    }

    /// The current position.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The source read.
    pub fn get_ref(&self) -> &R {
        &self.inner
    }
}

impl<R: ReadAt> io::Read for Cursor<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let remaining = self.inner.len().saturating_sub(self.pos);
        let n = usize::try_from(remaining).map_or(buf.len(), |r| r.min(buf.len()));
        let Some(dst) = buf.get_mut(..n) else {
            return Ok(0);
        };
        if n == 0 {
            return Ok(0);
        }
        self.inner.read_at(self.pos, dst)?;
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: ReadAt> io::Seek for Cursor<R> {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        let new = match pos {
            io::SeekFrom::Start(p) => Some(p),
            io::SeekFrom::End(d) => self.inner.len().checked_add_signed(d),
            io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        match new {
            Some(p) => {
                self.pos = p;
                Ok(p)
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "seek to a negative or overflowing position",
            )),
        }
    }
}

impl<R: ReadAt> io::Write for Cursor<R> {
    fn write(&mut self, _buf: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            "vhdlint opens images read-only",
        ))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A block of zeros that readers lend from [`ReadAt::borrow_at`] for unallocated ranges, so that
/// hashing an empty region copies nothing. Zero-initialised static data costs no file size.
pub static ZERO_BLOCK: [u8; 1 << 20] = [0; 1 << 20];

/// Up to `max_len` (at most 1 MiB, at least 1) bytes of [`ZERO_BLOCK`].
pub fn lend_zeros(max_len: usize) -> Option<&'static [u8]> {
    ZERO_BLOCK
        .get(..max_len.min(ZERO_BLOCK.len()))
        .filter(|z| !z.is_empty())
}

/// A source of `len` zero bytes (an absent parent region, a test filler).
#[derive(Debug, Clone, Copy)]
pub struct Zeros(pub u64);

impl ReadAt for Zeros {
    fn len(&self) -> u64 {
        self.0
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.0)?;
        buf.fill(0);
        Ok(())
    }
}

/// Reads exactly `N` bytes at `offset` into an array.
pub fn read_array<const N: usize, R: ReadAt + ?Sized>(
    src: &R,
    offset: u64,
) -> Result<[u8; N], ReadError> {
    let mut buf = [0u8; N];
    src.read_at(offset, &mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Seek, SeekFrom, Write};

    #[test]
    fn slice_reads_in_bounds_and_refuses_past_end() {
        let data: Vec<u8> = (0..=255).collect();
        let mut buf = [0u8; 4];
        data.read_at(10, &mut buf).unwrap();
        assert_eq!(buf, [10, 11, 12, 13]);
        assert_eq!(
            data.read_at(254, &mut buf),
            Err(ReadError::OutOfBounds {
                offset: 254,
                len: 4,
                size: 256
            })
        );
        assert!(data.read_at(u64::MAX, &mut buf).is_err());
    }

    #[test]
    fn window_translates_and_bounds() {
        let data: Vec<u8> = (0..=255).collect();
        let w = Window::new(&data, 100, 50).unwrap();
        let mut buf = [0u8; 2];
        w.read_at(0, &mut buf).unwrap();
        assert_eq!(buf, [100, 101]);
        assert!(w.read_at(49, &mut buf).is_err());
        assert!(Window::new(&data, 200, 57).is_err());
        assert!(Window::new(&data, u64::MAX, 2).is_err());
    }

    #[test]
    fn counted_counts_calls_and_bytes() {
        let data = vec![7u8; 1000];
        let c = Counted::new(&data);
        let mut buf = [0u8; 100];
        c.read_at(0, &mut buf).unwrap();
        c.read_at(500, &mut buf[..10]).unwrap();
        assert_eq!(
            c.stats(),
            ReadStats {
                calls: 2,
                bytes: 110
            }
        );
    }

    #[test]
    fn cursor_reads_seeks_and_refuses_writes() {
        let data: Vec<u8> = (0..100).collect();
        let mut cur = Cursor::new(&data);
        cur.seek(SeekFrom::End(-3)).unwrap();
        let mut out = Vec::new();
        cur.read_to_end(&mut out).unwrap();
        assert_eq!(out, vec![97, 98, 99]);
        assert!(cur.seek(SeekFrom::Current(-1000)).is_err());
        let err = cur.write(&[1]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        assert_eq!(data[97], 97, "source unchanged");
    }

    #[test]
    fn page_cache_serves_small_reads_from_pages_and_passes_large_ones() {
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        let counted = Counted::new(&data);
        let cache = PageCache::new(&counted);
        let mut small = [0u8; 100];
        for offset in [10u64, 500, 4000, 4090, 8191] {
            cache.read_at(offset, &mut small).unwrap();
            assert_eq!(&small[..], &data[offset as usize..offset as usize + 100]);
        }
        // Pages 0, 1 and 2 were each read once.
        assert_eq!(counted.stats().calls, 3);
        let mut large = vec![0u8; 70_000];
        cache.read_at(1, &mut large).unwrap();
        assert_eq!(&large[..], &data[1..70_001]);
        assert_eq!(counted.stats().calls, 4, "a large read bypasses the cache");
        assert!(cache.read_at(99_950, &mut small).is_err(), "past the end");
        let mut tail = [0u8; 10];
        cache.read_at(99_990, &mut tail).unwrap();
        assert_eq!(&tail[..], &data[99_990..]);
    }

    #[test]
    fn file_source_is_positional_and_shared_across_threads() {
        let dir = std::env::temp_dir().join(format!("vhdlint-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.bin");
        std::fs::write(&path, (0..=255u8).cycle().take(1 << 16).collect::<Vec<_>>()).unwrap();
        let f = Arc::new(FileSource::open(&path).unwrap());
        let handles: Vec<_> = (0..4u64)
            .map(|t| {
                let f = Arc::clone(&f);
                std::thread::spawn(move || {
                    let mut b = [0u8; 1];
                    f.read_at(t * 1000 + 1, &mut b).unwrap();
                    b[0]
                })
            })
            .collect();
        let got: Vec<u8> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert_eq!(
            got,
            vec![
                1,
                (1001 % 256) as u8,
                (2001 % 256) as u8,
                (3001 % 256) as u8
            ]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

/// Bytes in one [`PageCache`] page.
pub const CACHE_PAGE: u64 = 4096;
/// Pages a [`PageCache`] keeps: 256 (1 MiB of pages); when full the oldest go first.
pub const CACHE_PAGES: usize = 256;
/// Budget of a [`PageCache`] in bytes: [`CACHE_PAGES`] pages with their per-entry overhead.
pub const CACHE_BUDGET: u64 = CACHE_PAGES as u64 * (CACHE_PAGE + crate::cache::ENTRY_OVERHEAD);
/// Reads at least this large bypass the cache (whole-disk hashing, big file copies).
const CACHE_BYPASS: usize = 64 << 10;

/// A small page cache for the many small, clustered reads of a check (MFT records, index
/// blocks, hive cells): each 4 KiB page is read from the inner source once, so a check makes
/// hundreds of reads fewer. Large reads go straight through.
#[derive(Debug)]
pub struct PageCache<R> {
    inner: R,
    pages: crate::cache::ByteCache<u64, Arc<[u8]>>,
    /// Held while a missing page is read, so concurrent readers read each page once.
    fill: std::sync::Mutex<()>,
}

impl<R: ReadAt> PageCache<R> {
    /// Caches reads of `inner`.
    pub fn new(inner: R) -> Self {
        PageCache {
            inner,
            pages: crate::cache::ByteCache::new(CACHE_BUDGET),
            fill: std::sync::Mutex::new(()),
        }
    }

    fn page(&self, index: u64) -> Result<Arc<[u8]>, ReadError> {
        if let Some(p) = self.pages.get(&index) {
            return Ok(p);
        }
        let _fill = self
            .fill
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(p) = self.pages.get(&index) {
            return Ok(p);
        }
        let start = index * CACHE_PAGE;
        let len =
            usize::try_from(CACHE_PAGE.min(self.inner.len().saturating_sub(start))).unwrap_or(0);
        let mut buf = vec![0u8; len];
        self.inner.read_at(start, &mut buf)?;
        let page: Arc<[u8]> = buf.into();
        self.pages.insert(index, page.clone(), page.len() as u64);
        Ok(page)
    }
}

impl<R: ReadAt> ReadAt for PageCache<R> {
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn prefetch(&self, offset: u64, len: u64) {
        self.inner.prefetch(offset, len);
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.inner.len())?;
        if buf.len() >= CACHE_BYPASS {
            return self.inner.read_at(offset, buf);
        }
        let mut done = 0usize;
        // Bounded: each step copies at least one byte (buf is < 64 KiB).
        while done < buf.len() {
            let pos = offset + done as u64;
            let page = self.page(pos / CACHE_PAGE)?;
            let within = usize::try_from(pos % CACHE_PAGE).unwrap_or(0);
            let src = page.get(within..).unwrap_or_default();
            let n = src.len().min(buf.len() - done);
            if n == 0 {
                return Err(ReadError::OutOfBounds {
                    offset: pos,
                    len: (buf.len() - done) as u64,
                    size: self.inner.len(),
                });
            }
            if let (Some(dst), Some(src)) = (buf.get_mut(done..done + n), src.get(..n)) {
                dst.copy_from_slice(src);
            }
            done += n;
        }
        Ok(())
    }
    fn borrow_at(&self, offset: u64, max_len: usize) -> Option<&[u8]> {
        self.inner.borrow_at(offset, max_len)
    }
}
