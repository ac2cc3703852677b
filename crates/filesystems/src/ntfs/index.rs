//! Directory indexes (`$I30`): a B+tree whose root is the resident `$INDEX_ROOT` and whose other
//! nodes are "INDX" blocks of `$INDEX_ALLOCATION` (NTFS on-disk format "Index root", "Index
//! block", "Index entry"). Keys are `$FILE_NAME` values collated by `$UpCase`
//! (COLLATION_FILENAME); an entry with the "sub-node" flag carries the VCN of the block holding
//! the keys that sort before it. Lookup descends one path (a handful of blocks); listing walks
//! the whole tree in order. Both are bounded in depth and by a visited set.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::sync::Arc;

use vhdlint_container::bytes::{self, Fields};
use vhdlint_container::ReadAt;

use super::attribute;
use super::filename::FileName;
use super::record::apply_fixups;
use super::volume::{File, StreamData, Volume};
use crate::{FsError, Result, MAX_DIR_ENTRIES};

/// Deepest B+tree accepted. A 4 KiB node holds at least ~10 keys, so depth 32 allows more
/// entries than any volume can hold; the bound stops hostile child pointers.
pub const MAX_INDEX_DEPTH: usize = 32;
/// Largest index block: 64 KiB (NTFS uses 4 KiB).
pub const MAX_INDEX_BLOCK: u64 = 64 << 10;
/// Most index nodes one listing visits: 1 Mi (a 200,000-entry directory needs about 10,000).
pub const MAX_INDEX_NODES: usize = 1 << 20;

/// INDEX_ENTRY_NODE: the entry has a sub-node.
const ENTRY_NODE: u16 = 0x01;
/// INDEX_ENTRY_END: the last entry of a node (no key).
const ENTRY_END: u16 = 0x02;

/// One index entry: a key (absent in a node's last entry) and the sub-node VCN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    pub file_ref: u64,
    pub key: Option<FileName>,
    pub child: Option<u64>,
}

/// A node's fault: the byte of the node and what is wrong.
type NodeFault = (usize, String);

/// A field of the entry at `pos`, its absence a fault of that entry.
fn field<T>(r: bytes::FieldResult<T>, pos: usize) -> Result<T, NodeFault> {
    r.map_err(|e| (pos, e.to_string()))
}

fn parse_node(buf: &[u8], start: usize, end: usize) -> Result<Vec<IndexEntry>, NodeFault> {
    let f = Fields::unplaced(buf, "NTFS index node");
    let mut out = Vec::new();
    let mut pos = start;
    loop {
        if pos.saturating_add(16) > end {
            return Err((pos, "entries run past the node (no last entry)".into()));
        }
        let file_ref = field(f.le_u64(pos), pos)?;
        let elen = usize::from(field(f.le_u16(pos + 8), pos)?);
        let klen = usize::from(field(f.le_u16(pos + 10), pos)?);
        let flags = field(f.le_u16(pos + 12), pos)?;
        if elen < 16 || pos + elen > end {
            return Err((pos, format!("entry of {elen} bytes does not fit the node")));
        }
        let child = if flags & ENTRY_NODE != 0 {
            if elen < 24 {
                return Err((pos, "sub-node entry too short".into()));
            }
            Some(field(f.le_u64(pos + elen - 8), pos)?)
        } else {
            None
        };
        let last = flags & ENTRY_END != 0;
        let key = if last {
            None
        } else {
            let k = buf
                .get(pos + 16..pos + 16 + klen)
                .filter(|_| 16 + klen <= elen)
                .and_then(FileName::parse)
                .ok_or((pos, format!("key of {klen} bytes is not a $FILE_NAME")))?;
            Some(k)
        };
        out.push(IndexEntry {
            file_ref,
            key,
            child,
        });
        if last {
            return Ok(out);
        }
        pos += elen;
    }
}

/// A directory's `$I30` index, ready to search.
pub(crate) struct Directory<'v> {
    vol: &'v Volume,
    number: u64,
    root: Arc<Vec<IndexEntry>>,
    alloc: Option<Arc<dyn ReadAt>>,
    block_size: u64,
    vcn_unit: u64,
}

impl<'v> Directory<'v> {
    /// Opens the `$I30` index of `file`.
    pub fn open(vol: &'v Volume, file: &File, path: &str) -> Result<Self> {
        let err = |message: String| FsError::InvalidNtfsRecord {
            structure: "file record",
            number: file.number,
            offset: Some(file.offset),
            message,
        };
        let root = file
            .stream(attribute::INDEX_ROOT, "$I30")?
            .ok_or_else(|| err("directory without a $I30 index root".into()))?;
        let StreamData::Resident(v) = &root.data else {
            return Err(err("$INDEX_ROOT is not resident".into()));
        };
        let v: &[u8] = v;
        let vf = Fields::unplaced(v, "NTFS $INDEX_ROOT");
        let block_size = u64::from(vf.le_u32(8)?);
        if !(512..=MAX_INDEX_BLOCK).contains(&block_size) || !block_size.is_power_of_two() {
            return Err(err(format!("index block size {block_size:#x} is invalid")));
        }
        let start = 0x10 + vf.le_u32(0x10)? as usize;
        let end = 0x10 + vf.le_u32(0x14)? as usize;
        if end > v.len() {
            return Err(err("$INDEX_ROOT entries run past the value".into()));
        }
        let entries = parse_node(v, start, end)
            .map_err(|(at, m)| err(format!("$INDEX_ROOT entry at {at:#x}: {m}")))?;
        let alloc = match file.stream(attribute::INDEX_ALLOCATION, "$I30")? {
            Some(s) => Some(vol.stored(&s, path)?),
            None => None,
        };
        let cluster = vol.geometry.cluster_size;
        Ok(Directory {
            vol,
            number: file.number,
            root: Arc::new(entries),
            alloc,
            block_size,
            vcn_unit: if cluster <= block_size { cluster } else { 512 },
        })
    }

    /// The entries of the index block at `vcn` (cached).
    fn node(&self, vcn: u64) -> Result<Arc<Vec<IndexEntry>>> {
        if let Some(n) = self.vol.nodes.get(&(self.number, vcn)) {
            return Ok(n);
        }
        let err = |offset: Option<u64>, message: String| FsError::InvalidNtfsRecord {
            structure: "index block",
            number: vcn,
            offset,
            message: format!("directory record {}: {message}", self.number),
        };
        let alloc = self
            .alloc
            .as_ref()
            .ok_or_else(|| err(None, "sub-node without $INDEX_ALLOCATION".into()))?;
        let pos = vcn
            .checked_mul(self.vcn_unit)
            .filter(|p| {
                p.checked_add(self.block_size)
                    .is_some_and(|e| e <= alloc.len())
            })
            .ok_or_else(|| err(None, "beyond the end of $INDEX_ALLOCATION".into()))?;
        let mut buf = vec![0u8; self.block_size as usize];
        alloc.read_at(pos, &mut buf)?;
        apply_fixups(&mut buf, b"INDX", "index block", vcn, pos)?;
        let bf = Fields::new(&buf, "NTFS index block", pos);
        if bf.le_u64(0x10)? != vcn {
            return Err(err(
                Some(pos),
                format!("block says it is VCN {}", bf.le_u64(0x10)?),
            ));
        }
        let start = 0x18 + bf.le_u32(0x18)? as usize;
        let end = 0x18 + bf.le_u32(0x1C)? as usize;
        if end > buf.len() {
            return Err(err(Some(pos), "entries run past the block".into()));
        }
        let entries = parse_node(&buf, start, end)
            .map_err(|(at, m)| err(Some(pos + at as u64), format!("entry: {m}")))?;
        let n = Arc::new(entries);
        self.vol
            .nodes
            .insert((self.number, vcn), n.clone(), super::cache::node_bytes(&n));
        Ok(n)
    }

    /// The entry named `name` (compared through `$UpCase`), descending one path of the tree.
    pub fn find(&self, name: &[u16]) -> Result<Option<IndexEntry>> {
        let mut node = self.root.clone();
        let mut visited = HashSet::new();
        loop {
            let mut next = None;
            for e in node.iter() {
                match &e.key {
                    None => {
                        next = e.child;
                        break;
                    }
                    Some(k) => match self.vol.upcase.cmp(name, &k.name) {
                        Ordering::Equal => return Ok(Some(e.clone())),
                        Ordering::Less => {
                            next = e.child;
                            break;
                        }
                        Ordering::Greater => {}
                    },
                }
            }
            let Some(vcn) = next else { return Ok(None) };
            if visited.len() >= MAX_INDEX_DEPTH || !visited.insert(vcn) {
                return Err(FsError::LoopDetected {
                    what: "NTFS $I30 index descent (block VCN)",
                    offset: vcn,
                });
            }
            node = self.node(vcn)?;
        }
    }

    /// Every keyed entry, in collation order, handed to `each` as the walk meets it (nothing
    /// is collected: a listing streams; `each` returning an error stops the walk).
    pub fn each_entry(
        &self,
        path: &str,
        each: &mut dyn FnMut(&IndexEntry) -> Result<()>,
    ) -> Result<()> {
        let mut visited = HashSet::new();
        let mut count = 0usize;
        self.walk(&self.root.clone(), 0, &mut visited, &mut count, each, path)
    }

    fn walk(
        &self,
        node: &[IndexEntry],
        depth: usize,
        visited: &mut HashSet<u64>,
        count: &mut usize,
        each: &mut dyn FnMut(&IndexEntry) -> Result<()>,
        path: &str,
    ) -> Result<()> {
        for e in node {
            if let Some(vcn) = e.child {
                if depth >= MAX_INDEX_DEPTH
                    || visited.len() >= MAX_INDEX_NODES
                    || !visited.insert(vcn)
                {
                    return Err(FsError::LoopDetected {
                        what: "NTFS $I30 index walk (block VCN)",
                        offset: vcn,
                    });
                }
                let child = self.node(vcn)?;
                self.walk(&child, depth + 1, visited, count, each, path)?;
            }
            if e.key.is_some() {
                if *count >= MAX_DIR_ENTRIES {
                    return Err(FsError::TooLarge {
                        path: path.into(),
                        what: "directory entries",
                        actual: *count as u64 + 1,
                        limit: MAX_DIR_ENTRIES as u64,
                    });
                }
                *count += 1;
                each(e)?;
            }
        }
        Ok(())
    }
}
