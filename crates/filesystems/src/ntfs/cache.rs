//! NTFS's caches: MFT files, index nodes and decompressed units are kept so that one check
//! reads each at most once, each cache within a budget in bytes (the workspace's one
//! [`ByteCache`](vhdlint_container::cache::ByteCache)).

use std::mem::size_of;

pub(crate) use vhdlint_container::cache::ByteCache as Cache;

use super::attribute::{Attribute, Body};
use super::index::IndexEntry;
use super::runlist::Run;
use super::volume::File;

/// Bytes a file holds: its attributes, their names, resident values and run lists.
pub(crate) fn file_bytes(f: &File) -> u64 {
    f.attributes.iter().map(attribute_bytes).sum::<u64>() + size_of::<File>() as u64
}

fn attribute_bytes(a: &Attribute) -> u64 {
    let body = match &a.body {
        Body::Resident(v) => v.len(),
        Body::NonResident(n) => n.runs.len() * size_of::<Run>(),
    };
    (size_of::<Attribute>() + a.name.len() + body) as u64
}

/// Bytes a parsed index node holds: its entries and their names.
pub(crate) fn node_bytes(entries: &[IndexEntry]) -> u64 {
    entries
        .iter()
        .map(|e| size_of::<IndexEntry>() + e.key.as_ref().map_or(0, |k| 2 * k.name.len()))
        .sum::<usize>() as u64
}
