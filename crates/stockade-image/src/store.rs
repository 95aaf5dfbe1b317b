//! Where blobs come from: a seekable tar (a `docker save` archive or an OCI
//! archive), read through positional reads so layers can stream in
//! parallel; or an OCI layout directory on disk.

use crate::error::{ImageErrorKind as K, Raw, raw_from_io};
use crate::stream::StreamStore;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Positional reads over a byte source shared by several readers.
pub trait RangeRead: Send + Sync {
    /// Reads at `offset`; returns 0 only at the end.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Total length.
    fn len(&self) -> u64;
}

/// A file read with `pread` (unix) or a locked seek elsewhere.
pub(crate) struct FileRange {
    #[cfg(unix)]
    file: File,
    #[cfg(not(unix))]
    file: Mutex<File>,
    len: u64,
}

impl FileRange {
    pub fn new(file: File) -> io::Result<Self> {
        let len = file.metadata()?.len();
        #[cfg(unix)]
        return Ok(FileRange { file, len });
        #[cfg(not(unix))]
        return Ok(FileRange {
            file: Mutex::new(file),
            len,
        });
    }
}

impl RangeRead for FileRange {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::FileExt;
            self.file.read_at(buf, offset)
        }
        #[cfg(not(unix))]
        {
            let mut f = self
                .file
                .lock()
                .map_err(|_| io::Error::other("poisoned lock"))?;
            f.seek(SeekFrom::Start(offset))?;
            f.read(buf)
        }
    }
    fn len(&self) -> u64 {
        self.len
    }
}

/// Any `Read + Seek` source, shared behind a lock (reads are serialised,
/// decompression still runs in parallel).
pub(crate) struct LockedRange<R> {
    inner: Mutex<R>,
    len: u64,
}

impl<R: Read + Seek> LockedRange<R> {
    pub fn new(mut r: R) -> io::Result<Self> {
        let len = r.seek(SeekFrom::End(0))?;
        Ok(LockedRange {
            inner: Mutex::new(r),
            len,
        })
    }
}

impl<R: Read + Seek + Send> RangeRead for LockedRange<R> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let mut r = self
            .inner
            .lock()
            .map_err(|_| io::Error::other("poisoned lock"))?;
        r.seek(SeekFrom::Start(offset))?;
        r.read(buf)
    }
    fn len(&self) -> u64 {
        self.len
    }
}

/// Reads `[start, end)` of a [`RangeRead`]. Ending early is an error.
pub(crate) struct RangeReader<'a> {
    src: &'a dyn RangeRead,
    start: u64,
    pos: u64,
    end: u64,
}

impl<'a> RangeReader<'a> {
    pub fn new(src: &'a dyn RangeRead, start: u64, len: u64) -> Self {
        let end = start.saturating_add(len);
        RangeReader {
            src,
            start,
            pos: start,
            end,
        }
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pos >= self.end || buf.is_empty() {
            return Ok(0);
        }
        let want = ((self.end - self.pos).min(buf.len() as u64)) as usize;
        let n = self.src.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "unexpected EOF: the archive ends inside this member",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for RangeReader<'_> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let rel = self.pos - self.start;
        let new = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::Current(d) => rel.checked_add_signed(d),
            SeekFrom::End(d) => (self.end - self.start).checked_add_signed(d),
        }
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek out of range"))?;
        // Seeking past the end is allowed (reads then fail).
        self.pos = self.start.saturating_add(new);
        Ok(new)
    }
}

#[derive(Debug, Clone)]
pub(crate) enum MemberKind {
    File,
    Dir,
    Symlink(String),
    Hardlink(String),
    Other,
}

#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub offset: u64,
    pub size: u64,
    pub kind: MemberKind,
}

/// The members of a seekable tar, found by one pass over the headers.
pub(crate) struct TarStore {
    src: Box<dyn RangeRead>,
    members: HashMap<String, Member>,
}

/// Cleans an archive-relative name: strips `./` and leading `/`, resolves
/// `..`; `None` when it climbs out of the root or is empty.
pub(crate) fn clean_rel(name: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() || name.contains('\0') {
        return None;
    }
    Some(parts.join("/"))
}

/// The error for a member the archive ends inside of.
pub(crate) fn truncated_member(member: &str) -> Raw {
    Raw::new(K::Truncated, "the archive ends inside this member").at(member)
}

/// Resolves a member name through in-archive symlinks and hardlinks, in
/// any map of members: `kind` tells a member's kind, `file_ok` checks a
/// regular file found (e.g. that the archive holds all of it), `missing`
/// makes the error for a name that is not there.
pub(crate) fn resolve_in<'m, M>(
    members: &'m HashMap<String, M>,
    name: &str,
    kind: impl Fn(&M) -> &MemberKind,
    file_ok: impl Fn(&M, &str) -> Result<(), Raw>,
    missing: impl Fn(&str) -> Raw,
) -> Result<(&'m M, String), Raw> {
    let mut cur = clean_rel(name)
        .ok_or_else(|| Raw::new(K::PathEscape, "reference leaves the archive root").at(name))?;
    for _ in 0..16 {
        let m = members.get(&cur).ok_or_else(|| missing(&cur))?;
        let next = match kind(m) {
            MemberKind::File => {
                file_ok(m, &cur)?;
                return Ok((m, cur));
            }
            MemberKind::Symlink(t) => {
                let base = match cur.rfind('/') {
                    Some(i) if !t.starts_with('/') => &cur[..i + 1],
                    _ => "",
                };
                format!("{base}{t}")
            }
            MemberKind::Hardlink(t) => t.clone(),
            MemberKind::Dir | MemberKind::Other => {
                return Err(Raw::new(K::Malformed, "not a regular file").at(&cur));
            }
        };
        cur = clean_rel(&next).ok_or_else(|| {
            Raw::new(
                K::PathEscape,
                format!("link `{next}` leaves the archive root"),
            )
            .at(&cur)
        })?;
    }
    Err(Raw::new(K::Malformed, "too many links").at(name))
}

/// A member's kind from its tar header.
pub(crate) fn member_kind<R: Read>(entry: &tar::Entry<'_, R>) -> MemberKind {
    let link = || {
        entry
            .link_name_bytes()
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    };
    match entry.header().entry_type() {
        tar::EntryType::Regular | tar::EntryType::Continuous => MemberKind::File,
        tar::EntryType::Directory => MemberKind::Dir,
        tar::EntryType::Symlink => MemberKind::Symlink(link()),
        tar::EntryType::Link => MemberKind::Hardlink(link()),
        _ => MemberKind::Other,
    }
}

/// The error for more members than `max`.
pub(crate) fn too_many_members(max: u64) -> Raw {
    Raw::new(
        K::LimitExceeded,
        format!("more than {max} members in the archive"),
    )
}

impl TarStore {
    pub fn index(src: Box<dyn RangeRead>, max_members: u64) -> Result<Self, Raw> {
        let total = src.len();
        let mut members = HashMap::new();
        {
            let rr = RangeReader::new(&*src, 0, total);
            let mut ar = tar::Archive::new(BufReader::with_capacity(16 * 1024, rr));
            let entries = ar.entries_with_seek().map_err(|e| raw_from_io(&e))?;
            let mut count = 0u64;
            for entry in entries {
                let entry = entry.map_err(|e| raw_from_io(&e))?;
                count += 1;
                if count > max_members {
                    return Err(too_many_members(max_members));
                }
                let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
                let Some(clean) = clean_rel(&name) else {
                    // Names escaping the archive are never resolved.
                    continue;
                };
                let size = entry.size();
                let offset = entry.raw_file_position();
                let kind = member_kind(&entry);
                members.insert(clean, Member { offset, size, kind });
            }
        }
        Ok(TarStore { src, members })
    }

    /// Resolves a member name through in-archive symlinks and hardlinks.
    fn resolve(&self, name: &str) -> Result<(&Member, String), Raw> {
        resolve_in(
            &self.members,
            name,
            |m| &m.kind,
            |m, cur| {
                if m.offset.saturating_add(m.size) > self.src.len() {
                    return Err(truncated_member(cur));
                }
                Ok(())
            },
            |cur| Raw::new(K::MissingBlob, "not in the archive").at(cur),
        )
    }

    pub fn exists(&self, name: &str) -> bool {
        self.resolve(name).is_ok()
    }

    pub fn open(&self, name: &str) -> Result<(Box<dyn Read + Send + '_>, u64), Raw> {
        let (m, _) = self.resolve(name)?;
        Ok((
            Box::new(RangeReader::new(&*self.src, m.offset, m.size)),
            m.size,
        ))
    }
}

/// An OCI image layout directory.
pub(crate) struct DirStore {
    root: PathBuf,
    canon: PathBuf,
}

impl DirStore {
    pub fn new(root: &Path) -> Result<Self, Raw> {
        let canon = root.canonicalize().map_err(|e| raw_from_io(&e))?;
        Ok(DirStore {
            root: root.to_path_buf(),
            canon,
        })
    }

    fn path(&self, name: &str) -> Result<PathBuf, Raw> {
        let clean = clean_rel(name)
            .ok_or_else(|| Raw::new(K::PathEscape, "reference leaves the layout root").at(name))?;
        let p = self.root.join(&clean);
        // A blob that is a symlink must stay inside the layout.
        let real = p.canonicalize().map_err(|e| {
            if e.kind() == io::ErrorKind::NotFound {
                Raw::new(K::MissingBlob, "not in the layout").at(&clean)
            } else {
                raw_from_io(&e).at(&clean)
            }
        })?;
        if !real.starts_with(&self.canon) {
            return Err(Raw::new(K::PathEscape, "a symlink leads out of the layout").at(&clean));
        }
        Ok(real)
    }

    pub fn exists(&self, name: &str) -> bool {
        self.path(name).is_ok_and(|p| p.is_file())
    }

    pub fn open(&self, name: &str) -> Result<(Box<dyn Read + Send + '_>, u64), Raw> {
        let p = self.path(name)?;
        let f = File::open(&p).map_err(|e| raw_from_io(&e).at(name))?;
        let meta = f.metadata().map_err(|e| raw_from_io(&e).at(name))?;
        if !meta.is_file() {
            return Err(Raw::new(K::Malformed, "not a regular file").at(name));
        }
        let len = meta.len();
        Ok((Box::new(f.take(len)), len))
    }
}

pub(crate) enum Store {
    Tar(TarStore),
    Dir(DirStore),
    /// An archive read once from a stream, its members already handled.
    Stream(StreamStore),
}

impl Store {
    pub fn exists(&self, name: &str) -> bool {
        match self {
            Store::Tar(t) => t.exists(name),
            Store::Dir(d) => d.exists(name),
            Store::Stream(s) => s.exists(name),
        }
    }

    pub fn open(&self, name: &str) -> Result<(Box<dyn Read + Send + '_>, u64), Raw> {
        match self {
            Store::Tar(t) => t.open(name),
            Store::Dir(d) => d.open(name),
            Store::Stream(s) => s.open(name),
        }
    }

    /// Reads a small member whole (JSON files), refusing more than `cap`.
    pub fn read_small(&self, name: &str, cap: u64) -> Result<Vec<u8>, Raw> {
        if let Store::Stream(s) = self {
            return s.read_small(name, cap);
        }
        let (r, size) = self.open(name)?;
        if size > cap {
            return Err(Raw::new(
                K::LimitExceeded,
                format!("{size} bytes, more than the {cap}-byte limit for metadata"),
            )
            .at(name));
        }
        let mut v = Vec::with_capacity(size as usize);
        r.take(cap + 1)
            .read_to_end(&mut v)
            .map_err(|e| raw_from_io(&e).at(name))?;
        if v.len() as u64 > cap {
            return Err(Raw::new(K::LimitExceeded, "metadata file too large").at(name));
        }
        Ok(v)
    }
}
