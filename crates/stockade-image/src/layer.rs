//! Streaming one layer: detect the compression by magic bytes, decompress,
//! hash both streams, walk the tar headers, and keep only what the view and
//! the rules need. Nothing is written anywhere.

use crate::ReadOptions;
use crate::error::{ImageErrorKind as K, Raw, io_marker, raw_from_io};
use crate::secrets;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use stockade_core::{AnomalyKind, Compression, SecretKind};

/// Shared per-image budget.
pub(crate) struct Budget {
    pub total_bytes: AtomicU64,
    pub entries: AtomicU64,
    pub captured: AtomicU64,
}

impl Budget {
    pub fn new() -> Self {
        Budget {
            total_bytes: AtomicU64::new(0),
            entries: AtomicU64::new(0),
            captured: AtomicU64::new(0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink,
    Hardlink,
    Char,
    Block,
    Fifo,
}

/// One tar entry, reduced. Its path lives in [`Changes::paths`].
#[derive(Debug, Clone, Copy)]
struct Change {
    start: u32,
    len: u32,
    kind: Kind,
    mode: u32,
    uid: u32,
    gid: u32,
    size: u64,
    /// Index into [`Changes::extras`], or `u32::MAX`.
    extra: u32,
}

/// Captured file content; `bool` = truncated at the cap.
pub(crate) type Captured = (Arc<[u8]>, bool);

/// The rare parts of an entry: a link target, captured content.
#[derive(Debug, Default)]
struct Extra {
    link: Option<Box<str>>,
    content: Option<Captured>,
    /// Bytes the capture of a rules-read file charged to the captured
    /// budget (whether or not the content was kept).
    capture: Option<u64>,
    /// Content kept only in case a link makes it a file rules read
    /// (see [`ScanMode::spare`]).
    spare: Option<Captured>,
}

/// A layer's entries in tar order, stored compactly: every path in one
/// string, fixed-size records, and the rare extras on the side.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    paths: String,
    items: Vec<Change>,
    extras: Vec<Extra>,
    /// Streamed layers only: per item, where its data starts in the
    /// uncompressed layer, and how its tar name differs from its path
    /// (top two bits, [`NAME_SAME`]...); see [`Changes::locate`].
    trace: Vec<u64>,
    /// Tar names of the items marked [`NAME_OTHER`], by item index.
    raw_names: Vec<(u32, Box<str>)>,
}

const NAME_SAME: u64 = 0;
const NAME_DOT: u64 = 1;
const NAME_SLASH: u64 = 2;
const NAME_OTHER: u64 = 3;
const POS_MASK: u64 = (1 << 62) - 1;

/// What a scan reads of a regular file's content (spare captures aside).
pub(crate) struct Reads {
    /// Capture cap of a file rules read.
    pub cap: Option<u64>,
    /// Named like a secret, with the check its content needs.
    pub name_secret: Option<(SecretKind, secrets::Confirm)>,
    /// Small enough for the token scan.
    pub scan_small: bool,
}

impl Reads {
    pub fn of(path: &str, size: u64, opts: &ReadOptions, mode: &ScanMode<'_>) -> Reads {
        let cap = if mode.full {
            capture_cap(path, opts)
        } else {
            None
        }
        .or_else(|| {
            mode.extra
                .filter(|x| x.contains(path))
                .map(|_| opts.max_package_db)
        });
        Reads {
            cap,
            name_secret: if mode.full {
                secrets::by_name(path)
            } else {
                None
            },
            scan_small: mode.full && opts.scan_secret_content && size <= opts.max_small_file,
        }
    }

    pub fn any(&self) -> bool {
        self.cap.is_some() || self.scan_small || self.name_secret.is_some()
    }

    /// How far the content is read.
    pub fn limit(&self, opts: &ReadOptions) -> u64 {
        self.cap
            .unwrap_or(0)
            .max(if self.scan_small || self.name_secret.is_some() {
                opts.max_small_file
            } else {
                0
            })
    }
}

/// One entry handed to the applier.
pub(crate) struct ChangeView<'a> {
    pub path: &'a str,
    pub kind: Kind,
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// Symlink target as written, or hardlink target (cleaned).
    pub link: Option<&'a str>,
    /// Content of a file rules read.
    pub content: Option<&'a Captured>,
    /// What capturing `content` charged to the captured budget, when
    /// this is a file rules read.
    pub capture: Option<u64>,
    /// Content captured in case a link leads to this file.
    pub spare: Option<&'a Captured>,
}

/// What one entry keeps besides its header fields.
#[derive(Default)]
pub(crate) struct EntryExtra {
    pub link: Option<String>,
    pub content: Option<Captured>,
    pub capture: Option<u64>,
    pub spare: Option<Captured>,
}

impl Changes {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        path: &str,
        kind: Kind,
        mode: u32,
        uid: u64,
        gid: u64,
        size: u64,
        x: EntryExtra,
    ) -> Result<(), Raw> {
        let too_big = || Raw::new(K::LimitExceeded, "the layer's path names exceed 4 GiB");
        let start = u32::try_from(self.paths.len()).map_err(|_| too_big())?;
        let len = u32::try_from(path.len()).map_err(|_| too_big())?;
        if start.checked_add(len).is_none() {
            return Err(too_big());
        }
        self.paths.push_str(path);
        let extra = if x.link.is_some()
            || x.content.is_some()
            || x.capture.is_some()
            || x.spare.is_some()
        {
            self.extras.push(Extra {
                link: x.link.map(String::into_boxed_str),
                content: x.content,
                capture: x.capture,
                spare: x.spare,
            });
            u32::try_from(self.extras.len() - 1).map_err(|_| too_big())?
        } else {
            u32::MAX
        };
        self.items.push(Change {
            start,
            len,
            kind,
            mode,
            uid: u32::try_from(uid).unwrap_or(u32::MAX),
            gid: u32::try_from(gid).unwrap_or(u32::MAX),
            size,
            extra,
        });
        Ok(())
    }

    /// Notes where the last item's data starts and its tar name (streamed
    /// layers).
    fn trace(&mut self, data_pos: u64, raw_name: &str, path: &str) {
        let tag = if raw_name == path {
            NAME_SAME
        } else if raw_name.strip_prefix("./") == Some(path) {
            NAME_DOT
        } else if raw_name.strip_prefix('/') == Some(path) {
            NAME_SLASH
        } else {
            let i = u32::try_from(self.items.len().saturating_sub(1)).unwrap_or(u32::MAX);
            self.raw_names.push((i, raw_name.into()));
            NAME_OTHER
        };
        self.trace.push((data_pos & POS_MASK) | (tag << 62));
    }

    /// The tar name (as errors show it) of the regular file whose content
    /// a full scan reads at uncompressed offset `offset`, if any: where a
    /// read that failed at that offset was. Needs the trace of a streamed
    /// layer.
    pub fn locate(&self, offset: u64, opts: &ReadOptions) -> Option<String> {
        if self.trace.len() != self.items.len() {
            return None;
        }
        let full = ScanMode {
            full: true,
            extra: None,
            held: None,
            hash_blob: false,
            piped: false,
        };
        for (i, (c, &t)) in self.items.iter().zip(&self.trace).enumerate() {
            let start = t & POS_MASK;
            if c.kind != Kind::File || offset < start || offset - start >= c.size {
                continue;
            }
            let path = self
                .paths
                .get(c.start as usize..(c.start as usize + c.len as usize))
                .unwrap_or("");
            let reads = Reads::of(path, c.size, opts, &full);
            if !reads.any() || offset - start >= reads.limit(opts) {
                return None;
            }
            let raw = match t >> 62 {
                NAME_SAME => path.to_string(),
                NAME_DOT => format!("./{path}"),
                NAME_SLASH => format!("/{path}"),
                _ => self
                    .raw_names
                    .binary_search_by_key(&(i as u32), |(j, _)| *j)
                    .ok()
                    .and_then(|k| self.raw_names.get(k))
                    .map(|(_, n)| n.to_string())
                    .unwrap_or_else(|| path.to_string()),
            };
            return Some(cap_str(&raw, 512));
        }
        None
    }

    /// Hands every entry to `f` in tar order. The changes stay as they
    /// are, so a layer shared by several images is applied to each.
    pub fn each<E>(&self, mut f: impl FnMut(ChangeView<'_>) -> Result<(), E>) -> Result<(), E> {
        for c in &self.items {
            let extra = self.extras.get(c.extra as usize);
            let path = self
                .paths
                .get(c.start as usize..(c.start as usize + c.len as usize))
                .unwrap_or("");
            f(ChangeView {
                path,
                kind: c.kind,
                mode: c.mode,
                uid: c.uid,
                gid: c.gid,
                size: c.size,
                link: extra.and_then(|x| x.link.as_deref()),
                content: extra.and_then(|x| x.content.as_ref()),
                capture: extra.and_then(|x| x.capture),
                spare: extra.and_then(|x| x.spare.as_ref()),
            })?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone)]
pub(crate) struct FoundSecret {
    pub path: String,
    pub size: u64,
    pub kind: SecretKind,
    pub line: Option<u32>,
    pub redacted: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct Anomaly {
    pub path: String,
    pub kind: AnomalyKind,
    pub detail: String,
}

#[derive(Debug, Default)]
pub(crate) struct LayerScan {
    pub changes: Changes,
    /// Paths hidden in lower layers by `.wh.<name>`.
    pub whiteouts: Vec<Box<str>>,
    /// Directories whose lower children are hidden (`.wh..wh..opq`).
    pub opaques: Vec<Box<str>>,
    pub secrets: Vec<FoundSecret>,
    pub anomalies: Vec<Anomaly>,
    pub compression: Compression,
    pub compressed_size: u64,
    pub uncompressed_size: u64,
    /// `sha256:` of the stored bytes.
    pub blob_digest: String,
    /// `sha256:` of the uncompressed tar.
    pub diff_id: String,
    pub entries: u64,
}

/// What a scan keeps.
pub(crate) struct ScanMode<'a> {
    /// Look for secrets and capture the standard files.
    pub full: bool,
    /// Also capture these exact paths (second pass for link targets).
    pub extra: Option<&'a HashSet<String>>,
    /// A layer of a stream, scanned before it is known which images use
    /// it: the captured content it keeps is charged here, against
    /// [`ReadOptions::max_stream_captured_bytes`] (the images' own budgets
    /// are replayed when they are put together), and it also captures, as
    /// a second pass would, the files a link may make files rules read
    /// ([`spare_candidate`]): a stream cannot be read twice. Its entries
    /// note where their data starts ([`Changes::locate`]).
    pub held: Option<&'a AtomicU64>,
    /// Hash the stored (compressed) bytes for [`LayerScan::blob_digest`].
    /// Off when the layer's diff id is known and checked: the config that
    /// lists it was checked against its digest, so the diff id already
    /// vouches for every byte the rules see, and a second SHA-256 over the
    /// compressed stream would cost a fifth of the read. An uncompressed
    /// layer's blob digest is its diff id, hashed once either way.
    pub hash_blob: bool,
    /// Decode on a second thread ([`scan_layer_piped`]): when the machine
    /// has a core to spare for it.
    pub piped: bool,
}

/// Charges `n` bytes to a stream's held content, when they fit.
fn hold(held: &AtomicU64, n: u64, cap: u64) -> bool {
    held.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |cur| {
        cur.checked_add(n).filter(|&t| t <= cap)
    })
    .is_ok()
}

/// Files a symlink or hardlink at a path rules read may lead to: the same
/// base names elsewhere (`/etc -> /usr/etc`, `/etc/passwd -> /opt/passwd`,
/// `<hash>-passwd`, the `passwd-` backups), and any file in a
/// `status.d` or `sudoers.d` directory.
pub(crate) fn spare_candidate(path: &str) -> bool {
    const NAMES: &[&str] = &[
        "passwd",
        "group",
        "shadow",
        "os-release",
        "alpine-release",
        "debian_version",
        "status",
        "installed",
        "sudoers",
    ];
    let (dir, base) = path.rsplit_once('/').unwrap_or(("", path));
    let parent = dir.rsplit('/').next().unwrap_or(dir);
    if parent == "sudoers.d" || (parent == "status.d" && !base.ends_with(".md5sums")) {
        return true;
    }
    let base = base.strip_suffix('-').unwrap_or(base);
    NAMES.iter().any(|n| {
        base == *n
            || base
                .strip_suffix(n)
                .is_some_and(|pre| pre.ends_with('-') || pre.ends_with('_'))
    })
}

/// Paths whose content rules read, with the cap for each.
pub(crate) fn capture_cap(path: &str, opts: &ReadOptions) -> Option<u64> {
    match path {
        "etc/passwd" | "etc/group" | "etc/shadow" => Some(4 << 20),
        "etc/os-release" | "usr/lib/os-release" | "etc/alpine-release" | "etc/debian_version"
        | "etc/redhat-release" | "etc/lsb-release" => Some(64 << 10),
        "var/lib/dpkg/status" | "lib/apk/db/installed" => Some(opts.max_package_db),
        "etc/sudoers" => Some(opts.max_small_file),
        _ => {
            if let Some(rest) = path.strip_prefix("var/lib/dpkg/status.d/") {
                if !rest.contains('/') && !rest.ends_with(".md5sums") {
                    return Some(8 << 20);
                }
            } else if let Some(rest) = path.strip_prefix("etc/sudoers.d/")
                && !rest.contains('/')
            {
                return Some(opts.max_small_file);
            }
            None
        }
    }
}

/// Result of cleaning a tar entry name.
pub(crate) struct EntryName {
    /// Cleaned path, empty for the root.
    pub path: String,
    pub absolute: bool,
    /// `..` climbed above the root.
    pub escapes: bool,
}

pub(crate) fn clean_entry(raw: &str) -> EntryName {
    let mut parts: Vec<&str> = Vec::new();
    let mut escapes = false;
    for c in raw.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    escapes = true;
                }
            }
            c => parts.push(c),
        }
    }
    EntryName {
        path: parts.join("/"),
        absolute: raw.starts_with('/'),
        escapes,
    }
}

/// Counts and hashes what passes through, enforcing byte caps.
struct HashCount<'b, R> {
    inner: R,
    hasher: Sha256,
    /// Off: count only.
    hashing: bool,
    count: u64,
    limit: u64,
    what: &'static str,
    total: Option<(&'b AtomicU64, u64)>,
}

impl<'b, R: Read> HashCount<'b, R> {
    fn new(inner: R, limit: u64, what: &'static str, total: Option<(&'b AtomicU64, u64)>) -> Self {
        HashCount {
            inner,
            hasher: Sha256::new(),
            hashing: true,
            count: 0,
            limit,
            what,
            total,
        }
    }
    fn finish(self) -> (String, u64) {
        (hex_digest(self.hasher), self.count)
    }
}

pub(crate) fn hex_digest(h: Sha256) -> String {
    let out = h.finalize();
    let mut s = String::with_capacity(71);
    s.push_str("sha256:");
    for b in out.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(data);
    hex_digest(h)
}

impl<R: Read> Read for HashCount<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.hashing {
            self.hasher.update(&buf[..n]);
        }
        self.count += n as u64;
        if self.count > self.limit {
            return Err(io_marker(
                K::LimitExceeded,
                format!(
                    "{} is larger than the {}-byte limit (decompression bomb?)",
                    self.what, self.limit
                ),
            ));
        }
        if let Some((t, max)) = self.total {
            let now = t.fetch_add(n as u64, Ordering::Relaxed) + n as u64;
            if now > max {
                return Err(io_marker(K::LimitExceeded, total_limit_message(max)));
            }
        }
        Ok(n)
    }
}

/// The error text for an image whose layers hold more than `max` bytes.
pub(crate) fn total_limit_message(max: u64) -> String {
    format!("the image's layers exceed the {max}-byte total limit")
}

/// The error for an image whose layers hold more than `max` tar entries.
pub(crate) fn too_many_entries(max: u64) -> Raw {
    Raw::new(
        K::LimitExceeded,
        format!("more than {max} tar entries in the image"),
    )
}

/// Opens a stored blob: its compression from the magic bytes, and the
/// stored bytes hashed from the first one on when `hash_blob` asks and the
/// blob is compressed (an uncompressed blob's digest is its diff id).
fn open_blob<'r, 'b, R: Read>(
    raw: &'r mut HashCount<'b, R>,
    hash_blob: bool,
) -> io::Result<(BufReader<&'r mut HashCount<'b, R>>, Compression)> {
    raw.hashing = false;
    let mut br = BufReader::with_capacity(256 * 1024, raw);
    let head = br.fill_buf()?;
    let compression = if head.starts_with(&[0x1f, 0x8b]) {
        Compression::Gzip
    } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Compression::Zstd
    } else {
        Compression::None
    };
    // The buffer holds the first bytes, read before hashing was on: hash
    // them, then everything read after them.
    let hash_raw = hash_blob && compression != Compression::None;
    if hash_raw {
        let held = br.buffer().to_vec();
        br.get_mut().hasher.update(&held);
        br.get_mut().hashing = true;
    }
    Ok((br, compression))
}

/// The uncompressed stream of an opened blob.
fn decoder<'a, R: BufRead + 'a>(br: R, c: Compression) -> io::Result<Box<dyn Read + 'a>> {
    Ok(match c {
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(br)),
        Compression::Zstd => {
            let mut dec = zstd::stream::read::Decoder::with_buffer(br)?;
            // Bound the decoder's window memory (128 MiB).
            dec.window_log_max(27)?;
            Box::new(dec)
        }
        Compression::None => Box::new(br),
    })
}

/// The stored bytes' digest (when they were hashed) and size, once they
/// are all read.
fn stored<R: Read>(raw: HashCount<'_, R>) -> (Option<String>, u64) {
    let hashed = raw.hashing;
    let (digest, size) = raw.finish();
    (hashed.then_some(digest), size)
}

/// Fills in what the stored bytes tell, once the diff id is known.
fn set_blob(scan: &mut LayerScan, digest: Option<String>, size: u64) {
    scan.blob_digest = if scan.compression == Compression::None {
        // The stored bytes are the uncompressed stream: same digest.
        scan.diff_id.clone()
    } else {
        digest.unwrap_or_default()
    };
    scan.compressed_size = size;
}

/// Streams one stored layer blob.
pub(crate) fn scan_layer(
    blob: &mut dyn Read,
    opts: &ReadOptions,
    budget: &Budget,
    mode: &ScanMode<'_>,
) -> Result<LayerScan, Raw> {
    let mut raw = HashCount::new(blob, u64::MAX, "the layer blob", None);
    let mut scan = LayerScan::default();
    {
        let (mut br, compression) =
            open_blob(&mut raw, mode.hash_blob).map_err(|e| raw_from_io(&e))?;
        scan.compression = compression;
        let dec = decoder(&mut br, compression).map_err(|e| raw_from_io(&e))?;
        let (diff_id, size) = walk(dec, opts, budget, mode, &mut scan)?;
        scan.diff_id = diff_id;
        scan.uncompressed_size = size;
        // Anything after the compressed stream still belongs to the blob.
        io::copy(&mut br, &mut io::sink()).map_err(|e| raw_from_io(&e))?;
    }
    let (digest, size) = stored(raw);
    set_blob(&mut scan, digest, size);
    Ok(scan)
}

/// Bytes of uncompressed data handed from the decoding thread at a time,
/// and how many such chunks may wait.
const PIPE_CHUNK: usize = 256 * 1024;
const PIPE_DEPTH: usize = 4;

/// [`scan_layer`] on two threads: this one hashes the uncompressed stream
/// (the diff id) and walks the tar, a second reads and decompresses the
/// blob. The same result, byte for byte; on a machine with a spare core a
/// layer takes about as long as the slower half instead of the sum (the
/// SHA-256 of the uncompressed stream costs about half of a zstd decode).
pub(crate) fn scan_layer_piped(
    blob: &mut (dyn Read + Send),
    opts: &ReadOptions,
    budget: &Budget,
    mode: &ScanMode<'_>,
) -> Result<LayerScan, Raw> {
    use std::sync::mpsc;
    let hash_blob = mode.hash_blob;
    std::thread::scope(|s| {
        let (tx, rx) = mpsc::sync_channel::<io::Result<Vec<u8>>>(PIPE_DEPTH);
        let (back_tx, back_rx) = mpsc::channel::<Vec<u8>>();
        let producer = s.spawn(move || -> (Compression, Option<String>, u64) {
            let mut raw = HashCount::new(blob, u64::MAX, "the layer blob", None);
            let compression = {
                let (mut br, compression) = match open_blob(&mut raw, hash_blob) {
                    Ok(x) => x,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return (Compression::None, None, 0);
                    }
                };
                let sent = match decoder(&mut br, compression) {
                    Ok(mut dec) => pump(&mut dec, &tx, &back_rx),
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        false
                    }
                };
                // Anything after the compressed stream still belongs to the
                // blob; an error there is the walk's error too.
                if sent && let Err(e) = io::copy(&mut br, &mut io::sink()) {
                    let _ = tx.send(Err(e));
                }
                compression
            };
            let (digest, size) = stored(raw);
            (compression, digest, size)
        });
        let mut scan = LayerScan::default();
        let walked = {
            let reader = ChanReader {
                rx,
                back: back_tx,
                cur: Vec::new(),
                pos: 0,
            };
            walk(reader, opts, budget, mode, &mut scan)
        };
        // The reader is gone: a producer still sending stops.
        let (compression, digest, csize) = producer
            .join()
            .map_err(|_| Raw::new(K::Malformed, "the layer reader failed on this input"))?;
        let (diff_id, size) = walked?;
        scan.compression = compression;
        scan.diff_id = diff_id;
        scan.uncompressed_size = size;
        set_blob(&mut scan, digest, csize);
        Ok(scan)
    })
}

/// Sends the decoded stream in chunks, reusing the buffers the reader hands
/// back. `false` when it stopped early (an error was sent, or the reader
/// is gone).
fn pump(
    dec: &mut dyn Read,
    tx: &std::sync::mpsc::SyncSender<io::Result<Vec<u8>>>,
    back: &std::sync::mpsc::Receiver<Vec<u8>>,
) -> bool {
    loop {
        let mut buf = back.try_recv().unwrap_or_default();
        buf.resize(PIPE_CHUNK, 0);
        let mut filled = 0;
        let end = loop {
            match dec.read(&mut buf[filled..]) {
                Ok(0) => break Ok(true),
                Ok(n) => {
                    filled += n;
                    if filled == buf.len() {
                        break Ok(false);
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => break Err(e),
            }
        };
        buf.truncate(filled);
        if filled > 0 && tx.send(Ok(buf)).is_err() {
            return false;
        }
        match end {
            Ok(true) => return true,
            Ok(false) => {}
            Err(e) => {
                let _ = tx.send(Err(e));
                return false;
            }
        }
    }
}

/// The reading end of [`scan_layer_piped`]'s channel.
struct ChanReader {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    back: std::sync::mpsc::Sender<Vec<u8>>,
    cur: Vec<u8>,
    pos: usize,
}

impl Read for ChanReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos >= self.cur.len() {
            match self.rx.recv() {
                Ok(Ok(next)) => {
                    let done = std::mem::replace(&mut self.cur, next);
                    self.pos = 0;
                    if done.capacity() > 0 {
                        let _ = self.back.send(done);
                    }
                }
                Ok(Err(e)) => return Err(e),
                // The producer finished: the end of the stream.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.cur.len() - self.pos);
        buf[..n].copy_from_slice(&self.cur[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn walk<R: Read>(
    dec: R,
    opts: &ReadOptions,
    budget: &Budget,
    mode: &ScanMode<'_>,
    scan: &mut LayerScan,
) -> Result<(String, u64), Raw> {
    let mut un = HashCount::new(
        dec,
        opts.max_layer_bytes,
        "the uncompressed layer",
        Some((&budget.total_bytes, opts.max_total_bytes)),
    );
    {
        let mut ar = tar::Archive::new(&mut un);
        let entries = ar.entries().map_err(|e| raw_from_io(&e))?;
        // Hashes of the paths seen in this layer (for duplicate detection).
        let mut seen: HashSet<u64> = HashSet::new();
        let mut buf: Vec<u8> = Vec::new();
        for entry in entries {
            let mut e = entry.map_err(|e| raw_from_io(&e))?;
            scan.entries += 1;
            let n = budget.entries.fetch_add(1, Ordering::Relaxed) + 1;
            if n > opts.max_entries {
                return Err(too_many_entries(opts.max_entries));
            }
            let raw_name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            let data_pos = e.raw_file_position();
            if raw_name.len() > MAX_NAME {
                // Longer than PATH_MAX: no runtime could unpack it.
                scan.anomalies.push(Anomaly {
                    path: cap_str(&raw_name, 512),
                    kind: AnomalyKind::InvalidName,
                    detail: format!("entry name of {} bytes (over {MAX_NAME})", raw_name.len()),
                });
                continue;
            }
            let shown = || cap_str(&raw_name, 512);
            let size = e.size();
            if size > opts.max_layer_bytes {
                return Err(Raw::new(
                    K::LimitExceeded,
                    format!("entry claims {size} bytes, more than the layer limit"),
                )
                .at(shown()));
            }
            let et = e.header().entry_type();
            let kind = match et {
                tar::EntryType::Regular
                | tar::EntryType::Continuous
                | tar::EntryType::GNUSparse => Kind::File,
                tar::EntryType::Directory => Kind::Dir,
                tar::EntryType::Symlink => Kind::Symlink,
                tar::EntryType::Link => Kind::Hardlink,
                tar::EntryType::Char => Kind::Char,
                tar::EntryType::Block => Kind::Block,
                tar::EntryType::Fifo => Kind::Fifo,
                // Metadata entries tar did not consume, and unknown types:
                // Docker ignores them too.
                _ => continue,
            };
            let name = clean_entry(&raw_name);
            if name.escapes {
                scan.anomalies.push(Anomaly {
                    path: shown(),
                    kind: AnomalyKind::PathTraversal,
                    detail: "entry name climbs above the image root; Docker refuses it".into(),
                });
                continue;
            }
            if name.absolute {
                scan.anomalies.push(Anomaly {
                    path: shown(),
                    kind: AnomalyKind::AbsolutePath,
                    detail: "absolute entry name, read relative to the image root".into(),
                });
            }
            if name.path.is_empty() {
                // The root itself (`./`): nothing to record.
                continue;
            }
            if raw_name.contains('\0') {
                scan.anomalies.push(Anomaly {
                    path: shown(),
                    kind: AnomalyKind::InvalidName,
                    detail: "NUL byte in the entry name".into(),
                });
                continue;
            }
            let path = name.path;
            // AUFS metadata directories (`.wh..wh.plnk/...`): Docker skips them.
            if path.starts_with(".wh..wh.") && path != ".wh..wh..opq" {
                continue;
            }
            let (dir, base) = match path.rsplit_once('/') {
                Some((d, b)) => (d, b),
                None => ("", path.as_str()),
            };
            if let Some(hidden) = base.strip_prefix(".wh.") {
                if hidden == ".wh..opq" {
                    scan.opaques.push(dir.into());
                } else if hidden.starts_with(".wh.") || hidden.is_empty() {
                    // AUFS metadata (`.wh..wh.plnk`, `.wh..wh.aufs`): ignored.
                } else if dir.is_empty() {
                    scan.whiteouts.push(hidden.into());
                } else {
                    scan.whiteouts.push(format!("{dir}/{hidden}").into());
                }
                continue;
            }
            let header = e.header();
            let mut mode_bits = header.mode().map_err(|err| {
                Raw::new(K::Malformed, format!("bad mode field: {err}")).at(shown())
            })?;
            let mut uid = header.uid().unwrap_or(0);
            let mut gid = header.gid().unwrap_or(0);
            if let Ok(Some(pax)) = e.pax_extensions() {
                for ext in pax.flatten() {
                    let v = ext.value().ok().and_then(|v| v.trim().parse::<u64>().ok());
                    match (ext.key(), v) {
                        (Ok("uid"), Some(v)) => uid = v,
                        (Ok("gid"), Some(v)) => gid = v,
                        _ => {}
                    }
                }
            }
            mode_bits &= 0o7777;
            let link = match kind {
                Kind::Symlink => Some(
                    e.link_name_bytes()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default(),
                ),
                Kind::Hardlink => {
                    let t = e
                        .link_name_bytes()
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                    let tn = clean_entry(&t);
                    if tn.escapes || tn.path.is_empty() {
                        scan.anomalies.push(Anomaly {
                            path: shown(),
                            kind: AnomalyKind::HardlinkEscapesRoot,
                            detail: format!("hardlink to `{}` outside the image", cap_str(&t, 256)),
                        });
                        continue;
                    }
                    Some(tn.path)
                }
                _ => None,
            };
            if kind == Kind::Symlink
                && let Some(t) = &link
                && !t.starts_with('/')
                && clean_entry(&format!("{dir}/{t}")).escapes
            {
                scan.anomalies.push(Anomaly {
                    path: path.clone(),
                    kind: AnomalyKind::SymlinkEscapesRoot,
                    detail: format!(
                        "symlink to `{}` climbs above the image root (resolved inside the image)",
                        cap_str(t, 256)
                    ),
                });
            }
            if matches!(kind, Kind::Char | Kind::Block) {
                scan.anomalies.push(Anomaly {
                    path: path.clone(),
                    kind: AnomalyKind::DeviceNode,
                    detail: format!(
                        "{} device node",
                        if kind == Kind::Char {
                            "character"
                        } else {
                            "block"
                        }
                    ),
                });
            }
            if !seen.insert(path_hash(&path)) {
                scan.anomalies.push(Anomaly {
                    path: path.clone(),
                    kind: AnomalyKind::DuplicateEntry,
                    detail: "the same path twice in one layer; the last one wins".into(),
                });
            }

            let mut x = EntryExtra {
                link,
                ..EntryExtra::default()
            };
            if kind == Kind::File {
                let reads = Reads::of(&path, size, opts, mode);
                let (any, base_limit) = (reads.any(), reads.limit(opts));
                let Reads {
                    cap,
                    name_secret,
                    scan_small,
                } = reads;
                let spare = cap.is_none()
                    && size > 0
                    && mode.held.is_some_and(|h| {
                        h.load(Ordering::Relaxed) < opts.max_stream_captured_bytes
                    })
                    && spare_candidate(&path);
                if any || spare {
                    // `base_limit`: what the rules' captures and the secret
                    // checks read; a spare capture may read further.
                    let limit = base_limit.max(if spare { opts.max_package_db } else { 0 });
                    buf.clear();
                    (&mut e)
                        .take(limit)
                        .read_to_end(&mut buf)
                        .map_err(|err| raw_from_io(&err).at(shown()))?;
                    if spare && let Some(held) = mode.held {
                        // As the second pass would read it: up to the
                        // package database cap, outside the image's budget.
                        let keep = buf.len().min(opts.max_package_db as usize);
                        if hold(held, keep as u64, opts.max_stream_captured_bytes) {
                            x.spare = Some((Arc::from(&buf[..keep]), (keep as u64) < size));
                        }
                    }
                    buf.truncate(
                        buf.len()
                            .min(usize::try_from(base_limit).unwrap_or(usize::MAX)),
                    );
                    let complete = (buf.len() as u64) >= size;
                    if let Some(cap) = cap {
                        let keep = buf.len().min(cap as usize);
                        let used = budget.captured.fetch_add(keep as u64, Ordering::Relaxed);
                        x.capture = Some(keep as u64);
                        let kept = match mode.held {
                            // The image's budget is replayed later.
                            Some(held) => hold(held, keep as u64, opts.max_stream_captured_bytes),
                            None => used + keep as u64 <= opts.max_captured_bytes,
                        };
                        if kept {
                            x.content = Some((Arc::from(&buf[..keep]), !complete));
                        }
                        if !complete {
                            scan.anomalies.push(Anomaly {
                                path: path.clone(),
                                kind: AnomalyKind::Oversized,
                                detail: format!("{size} bytes; only the first {keep} were read"),
                            });
                        }
                    }
                    if let Some((sk, confirm)) = name_secret {
                        let hit = if complete || confirm == secrets::Confirm::Name {
                            secrets::confirm(confirm, &buf)
                        } else {
                            None
                        };
                        let keep = match confirm {
                            secrets::Confirm::Name => true,
                            // Too big to check: an ssh key name is still worth a look.
                            _ if !complete => sk == SecretKind::SshPrivateKey,
                            _ => hit.is_some(),
                        };
                        if keep {
                            scan.secrets.push(FoundSecret {
                                path: path.clone(),
                                size,
                                kind: sk,
                                line: hit.as_ref().map(|h| h.line),
                                redacted: hit.map(|h| h.redacted),
                            });
                        }
                    } else if scan_small
                        && complete
                        && secrets::is_text(&buf)
                        && let Some(hit) = secrets::scan_tokens(&buf)
                    {
                        scan.secrets.push(FoundSecret {
                            path: path.clone(),
                            size,
                            kind: SecretKind::Token(hit.format.to_string()),
                            line: Some(hit.line),
                            redacted: Some(hit.redacted),
                        });
                    }
                }
            }
            scan.changes
                .push(
                    &path,
                    kind,
                    mode_bits,
                    uid,
                    gid,
                    if kind == Kind::File { size } else { 0 },
                    x,
                )
                .map_err(|r| r.at(shown()))?;
            if mode.held.is_some() {
                scan.changes.trace(data_pos, &raw_name, &path);
            }
        }
    }
    // Padding after the end-of-archive blocks is part of the diff id.
    io::copy(&mut un, &mut io::sink()).map_err(|e| raw_from_io(&e))?;
    Ok(un.finish())
}

/// Longest entry name kept (Linux `PATH_MAX`).
const MAX_NAME: usize = 4096;

fn path_hash(p: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(p)
}

pub(crate) fn cap_str(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_string();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A layer tar of `n` files with some content each.
    fn layer(n: usize) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..n {
            let data = format!("file {i}\n").repeat(1 + i % 200);
            let mut h = tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(if i % 7 == 0 { 0o4755 } else { 0o644 });
            h.set_cksum();
            b.append_data(&mut h, format!("usr/share/f{i}"), data.as_bytes())
                .unwrap();
        }
        let mut h = tar::Header::new_gnu();
        let passwd = b"root:x:0:0:root:/root:/bin/sh\n";
        h.set_size(passwd.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, "etc/passwd", &passwd[..]).unwrap();
        b.into_inner().unwrap()
    }

    fn both(blob: &[u8], hash_blob: bool) -> (String, String) {
        let opts = ReadOptions::default();
        let mode = |piped| ScanMode {
            full: true,
            extra: None,
            held: None,
            hash_blob,
            piped,
        };
        let show = |r: Result<LayerScan, Raw>| match r {
            Ok(s) => format!(
                "{:?} {} {} {} {} {} {} {:?}",
                s.compression,
                s.blob_digest,
                s.diff_id,
                s.compressed_size,
                s.uncompressed_size,
                s.entries,
                s.secrets.len(),
                s.changes.items.len()
            ),
            Err(e) => format!("error {e:?}"),
        };
        let seq = show(scan_layer(
            &mut &blob[..],
            &opts,
            &Budget::new(),
            &mode(false),
        ));
        let piped = show(scan_layer_piped(
            &mut &blob[..],
            &opts,
            &Budget::new(),
            &mode(true),
        ));
        (seq, piped)
    }

    #[test]
    fn piped_scan_equals_the_sequential_one() {
        let tar = layer(3000);
        assert!(tar.len() > 4 * PIPE_CHUNK, "several chunks: {}", tar.len());
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            std::io::Write::write_all(&mut e, &tar).unwrap();
            e.finish().unwrap()
        };
        let zst = zstd::stream::encode_all(&tar[..], 3).unwrap();
        for blob in [&tar, &gz, &zst] {
            for hash_blob in [true, false] {
                let (seq, piped) = both(blob, hash_blob);
                assert!(!seq.starts_with("error"), "{seq}");
                assert_eq!(seq, piped);
            }
            // Truncated anywhere: the same error (or result) either way.
            for cut in [1, 100, blob.len() / 3, blob.len() - 1] {
                let (seq, piped) = both(&blob[..cut], true);
                assert_eq!(seq, piped, "cut at {cut}");
            }
        }
        // An uncompressed blob's digest is its diff id; a compressed one is
        // hashed only when asked.
        let (seq, _) = both(&gz, false);
        let (hashed, _) = both(&gz, true);
        assert_ne!(seq, hashed);
        assert!(hashed.contains(&format!("sha256:{}", {
            let mut h = Sha256::new();
            h.update(&gz);
            hex_digest(h).trim_start_matches("sha256:").to_string()
        })));
    }

    #[test]
    fn entry_names() {
        let n = clean_entry("./etc/../etc/passwd");
        assert_eq!(
            (n.path.as_str(), n.absolute, n.escapes),
            ("etc/passwd", false, false)
        );
        let n = clean_entry("/etc/passwd");
        assert!(n.absolute && !n.escapes);
        let n = clean_entry("../../etc/passwd");
        assert!(n.escapes);
        assert_eq!(clean_entry("./").path, "");
    }
}
