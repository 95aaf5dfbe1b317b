//! An image archive read once, front to back, from a stream that cannot
//! seek (`GET /images/{id}/get`, a pipe).
//!
//! The members of a `docker save` or OCI archive come in no set order
//! (Docker 25+ writes the blobs before `index.json` and `manifest.json`),
//! so each member is handled as it arrives, before it is known what it is:
//!
//! - a member that does not start like a layer (gzip, zstd, a tar header)
//!   and is small enough for metadata (a manifest, an index, a config) is
//!   kept whole, within [`ReadOptions::max_kept_bytes`] for all of them;
//! - any other member is scanned as a layer on the fly, with the layer
//!   scanner of the seekable path, into the same [`LayerScan`] (headers,
//!   captured files, secret candidates, blob digest and diff id). A
//!   member that is not a layer simply has a failed scan, reported only if
//!   a manifest names it as a layer.
//!
//! After the stream ends, the manifests are resolved exactly as for a
//! seekable archive (the same `discover`, `read_image` and whiteout
//! application), with these stored members in place of re-reads. A scan
//! is made outside any image (several images may share a layer), so the
//! per-image budgets are replayed over it in layer order; the second pass
//! of the seekable path (files rules read reached through links) is served
//! by the spare captures of the scan ([`crate::layer::spare_candidate`]).
//!
//! What the stream holds until its end is bounded: the kept members by
//! [`ReadOptions::max_kept_bytes`], captured file content by
//! [`ReadOptions::max_stream_captured_bytes`], each layer's entries by the
//! per-layer caps; a layer's data itself is never held.

use crate::ReadOptions;
use crate::error::{ImageErrorKind as K, Raw, raw_from_io};
use crate::layer::{self, Budget, Captured, LayerScan, ScanMode};
use crate::store::{
    MemberKind, clean_rel, member_kind, resolve_in, too_many_members, truncated_member,
};
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// A layer's scan, made once for the whole stream.
pub(crate) struct MemberScan {
    pub res: Result<Arc<LayerScan>, Raw>,
    /// Tar entries counted before the scan ended (or failed).
    pub entries: u64,
    /// Uncompressed bytes read before the scan ended (or failed).
    pub bytes: u64,
}

enum Body {
    /// A directory, a link or another non-file: no content.
    Empty,
    /// Kept whole; scanned as a layer only if a manifest names it as one.
    Kept {
        bytes: Vec<u8>,
        scan: OnceLock<Arc<MemberScan>>,
    },
    /// Scanned as a layer while it streamed; only its first bytes are kept.
    Scanned {
        head: Vec<u8>,
        scan: Arc<MemberScan>,
        /// Small enough to keep, but the kept members' budget was spent.
        over_budget: bool,
    },
    /// The stream ends inside this member.
    Truncated,
}

struct Member {
    size: u64,
    kind: MemberKind,
    body: Body,
}

/// The members of an archive read from a stream.
pub(crate) struct StreamStore {
    members: HashMap<String, Member>,
    /// The stream ended before the archive's end-of-archive marker.
    cut: bool,
    /// Captured file content held over the whole stream (all scans),
    /// within [`ReadOptions::max_stream_captured_bytes`].
    captured: AtomicU64,
    max_kept: u64,
}

/// What the reader of the outer stream saw.
#[derive(Default)]
struct SourceState {
    eof: Cell<bool>,
    failed: RefCell<Option<String>>,
}

/// The outer stream, noting its end and its errors.
struct Source<R> {
    inner: R,
    state: Rc<SourceState>,
}

impl<R: Read> Read for Source<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.inner.read(buf) {
                Ok(0) if !buf.is_empty() => {
                    self.state.eof.set(true);
                    return Ok(0);
                }
                Ok(n) => return Ok(n),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    *self.state.failed.borrow_mut() = Some(e.to_string());
                    return Err(e);
                }
            }
        }
    }
}

/// One member's data: exactly `left` bytes, or an error when the stream
/// ends first.
struct Exact<E> {
    inner: E,
    left: u64,
    short: bool,
}

impl<E: Read> Read for Exact<E> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.short {
            return Err(short_error());
        }
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            self.short = true;
            return Err(short_error());
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn short_error() -> io::Error {
    io::Error::new(
        io::ErrorKind::UnexpectedEof,
        "unexpected EOF: the archive ends inside this member",
    )
}

/// Gzip, zstd or a tar header: a layer blob.
fn looks_like_layer(head: &[u8]) -> bool {
    head.starts_with(&[0x1f, 0x8b])
        || head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || head
            .get(..512)
            .and_then(|h| <&[u8; 512]>::try_from(h).ok())
            .is_some_and(crate::is_tar_header)
}

/// Scans one member as a layer, outside any image: the entry and byte
/// counts are its own, the captured content is charged to the stream.
fn scan_member(r: &mut dyn Read, opts: &ReadOptions, held: &AtomicU64) -> MemberScan {
    let budget = Budget::new();
    let mode = ScanMode {
        full: true,
        extra: None,
        held: Some(held),
        // Which images use this layer, and with which diff ids, is known
        // only at the end of the stream.
        hash_blob: true,
        piped: false,
    };
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        layer::scan_layer(r, opts, &budget, &mode)
    }))
    .unwrap_or_else(|_| {
        Err(Raw::new(
            K::Malformed,
            "the layer reader failed on this input",
        ))
    });
    MemberScan {
        res: res.map(Arc::new),
        entries: budget.entries.load(Ordering::Relaxed),
        bytes: budget.total_bytes.load(Ordering::Relaxed),
    }
}

impl StreamStore {
    /// Reads the whole archive from `src` (already known to start with a
    /// tar header). The outer `Err` is for a stream that fails or is not a
    /// readable tar; a stream that ends early is noted, and the members it
    /// cut or never reached are errors of the images that need them.
    pub fn read<R: Read>(src: R, opts: &ReadOptions) -> Result<Self, Raw> {
        let state = Rc::new(SourceState::default());
        let failed = |state: &SourceState| {
            state
                .failed
                .borrow()
                .as_ref()
                .map(|m| Raw::new(K::Io, format!("reading the archive failed: {m}")))
        };
        let mut ar = tar::Archive::new(Source {
            inner: src,
            state: state.clone(),
        });
        let mut store = StreamStore {
            members: HashMap::new(),
            cut: false,
            captured: AtomicU64::new(0),
            max_kept: opts.max_kept_bytes,
        };
        let mut kept = 0u64;
        let mut count = 0u64;
        let mut entries = ar.entries().map_err(|e| raw_from_io(&e))?;
        loop {
            let mut entry = match entries.next() {
                // An end-of-archive block, or the end of the stream at a
                // header boundary (then the marker is missing).
                None => {
                    store.cut = state.eof.get();
                    break;
                }
                Some(Ok(e)) => e,
                Some(Err(e)) => {
                    if let Some(r) = failed(&state) {
                        return Err(r);
                    }
                    if state.eof.get() {
                        // Inside a header or the padding after a member.
                        store.cut = true;
                        break;
                    }
                    return Err(raw_from_io(&e));
                }
            };
            count += 1;
            if count > opts.max_archive_members {
                return Err(too_many_members(opts.max_archive_members));
            }
            let name = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let clean = clean_rel(&name);
            let size = entry.size();
            let kind = member_kind(&entry);
            let file = matches!(kind, MemberKind::File) && clean.is_some();
            let body = {
                let mut ex = Exact {
                    inner: &mut entry,
                    left: size,
                    short: false,
                };
                let body = if file {
                    store.take_file(&mut ex, size, opts, &mut kept)
                } else {
                    io::copy(&mut ex, &mut io::sink()).map(|_| Body::Empty)
                };
                match body {
                    _ if ex.short => Body::Truncated,
                    Ok(b) => b,
                    Err(e) => {
                        return Err(failed(&state).unwrap_or_else(|| raw_from_io(&e)).at(&name));
                    }
                }
            };
            if let Some(r) = failed(&state) {
                return Err(r.at(&name));
            }
            let truncated = matches!(body, Body::Truncated);
            // Names escaping the archive are never resolved.
            if let Some(clean) = clean {
                store.members.insert(clean, Member { size, kind, body });
            }
            if truncated {
                store.cut = true;
                break;
            }
        }
        Ok(store)
    }

    /// Keeps or scans one regular file member.
    fn take_file<E: Read>(
        &self,
        ex: &mut Exact<E>,
        size: u64,
        opts: &ReadOptions,
        kept: &mut u64,
    ) -> io::Result<Body> {
        let mut head = Vec::with_capacity(size.min(512) as usize);
        ex.by_ref().take(512).read_to_end(&mut head)?;
        let small = size <= opts.max_metadata_bytes && !looks_like_layer(&head);
        if small && kept.saturating_add(size) <= self.max_kept {
            *kept += size;
            let mut bytes = head;
            bytes.reserve_exact((size as usize).saturating_sub(bytes.len()));
            ex.read_to_end(&mut bytes)?;
            return Ok(Body::Kept {
                bytes,
                scan: OnceLock::new(),
            });
        }
        let scan = {
            let mut r = io::Cursor::new(&head[..]).chain(&mut *ex);
            scan_member(&mut r, opts, &self.captured)
        };
        // What the scan left (after a failure, or past the end of a
        // compressed stream) still belongs to the member.
        io::copy(ex, &mut io::sink())?;
        Ok(Body::Scanned {
            head,
            scan: Arc::new(scan),
            over_budget: small,
        })
    }

    /// The stream ended before the archive's end.
    pub fn was_cut(&self) -> bool {
        self.cut
    }

    fn resolve(&self, name: &str) -> Result<(&Member, String), Raw> {
        resolve_in(
            &self.members,
            name,
            |m| &m.kind,
            |m, cur| match m.body {
                Body::Truncated => Err(truncated_member(cur)),
                _ => Ok(()),
            },
            |cur| {
                if self.cut {
                    Raw::new(
                        K::Truncated,
                        "not in the archive: the stream ended early, before this member",
                    )
                    .at(cur)
                } else {
                    Raw::new(K::MissingBlob, "not in the archive").at(cur)
                }
            },
        )
    }

    pub fn exists(&self, name: &str) -> bool {
        self.resolve(name).is_ok()
    }

    /// A kept member's content (scanned members cannot be read again).
    pub fn open(&self, name: &str) -> Result<(Box<dyn Read + Send + '_>, u64), Raw> {
        let (m, cur) = self.resolve(name)?;
        match &m.body {
            Body::Kept { bytes, .. } => Ok((Box::new(&bytes[..]), m.size)),
            _ => Err(Raw::new(K::Unsupported, "streamed member: its content was not kept").at(cur)),
        }
    }

    /// A metadata member, as [`crate::store::Store::read_small`] reads it.
    pub fn read_small(&self, name: &str, cap: u64) -> Result<Vec<u8>, Raw> {
        let (m, _) = self.resolve(name)?;
        if m.size > cap {
            return Err(Raw::new(
                K::LimitExceeded,
                format!(
                    "{} bytes, more than the {cap}-byte limit for metadata",
                    m.size
                ),
            )
            .at(name));
        }
        match &m.body {
            Body::Kept { bytes, .. } => Ok(bytes.clone()),
            Body::Scanned {
                over_budget: true, ..
            } => Err(Raw::new(
                K::LimitExceeded,
                format!(
                    "not kept: the archive's small members exceed the {}-byte limit \
                     for what a stream keeps",
                    self.max_kept
                ),
            )
            .at(name)),
            // A layer (or other large blob) named as a JSON document: the
            // parse error of its first bytes.
            Body::Scanned { head, .. } => {
                let msg = match serde_json::from_slice::<serde::de::IgnoredAny>(head) {
                    Err(e) if !e.is_eof() => format!("invalid JSON: {e}"),
                    _ => "invalid JSON: a large binary member, not a JSON document".to_string(),
                };
                Err(Raw::new(K::Malformed, msg).at(name))
            }
            Body::Empty | Body::Truncated => {
                Err(Raw::new(K::Malformed, "not a regular file").at(name))
            }
        }
    }

    /// The scan of the member `name` resolves to.
    fn scan_of(&self, name: &str, opts: &ReadOptions) -> Result<Arc<MemberScan>, Raw> {
        let (m, cur) = self.resolve(name)?;
        match &m.body {
            Body::Scanned { scan, .. } => Ok(scan.clone()),
            Body::Kept { bytes, scan } => Ok(scan
                .get_or_init(|| Arc::new(scan_member(&mut &bytes[..], opts, &self.captured)))
                .clone()),
            Body::Empty | Body::Truncated => {
                Err(Raw::new(K::Malformed, "not a regular file").at(cur))
            }
        }
    }

    /// Layer `member` of an image, with the image's budgets replayed: its
    /// layers' tar entries and uncompressed bytes are charged in order, as
    /// when they are scanned one after the other.
    pub fn layer(
        &self,
        member: &str,
        opts: &ReadOptions,
        budget: &Budget,
    ) -> Result<Arc<LayerScan>, Raw> {
        let scan = self.scan_of(member, opts)?;
        // The first layer's limits were checked by its own scan.
        let e0 = budget.entries.fetch_add(scan.entries, Ordering::Relaxed);
        if e0 > 0 && e0.saturating_add(scan.entries) > opts.max_entries {
            return Err(layer::too_many_entries(opts.max_entries));
        }
        let t0 = budget.total_bytes.fetch_add(scan.bytes, Ordering::Relaxed);
        if t0 > 0 && t0.saturating_add(scan.bytes) > opts.max_total_bytes {
            let mut r = Raw::new(
                K::LimitExceeded,
                layer::total_limit_message(opts.max_total_bytes),
            );
            // The read that crossed the limit is the one holding this
            // offset; inside a file's content, the error names the file.
            let at = opts.max_total_bytes.saturating_sub(t0);
            if let Ok(ls) = &scan.res
                && let Some(entry) = ls.changes.locate(at, opts)
            {
                r = r.at(entry);
            }
            return Err(r);
        }
        scan.res.clone()
    }

    /// What a second read of layer `member` would capture for `paths`: the
    /// content of each (last) regular file there, up to the package
    /// database cap, within a fresh captured budget.
    pub fn recapture(
        &self,
        member: &str,
        paths: &HashSet<String>,
        opts: &ReadOptions,
    ) -> Vec<(String, Captured)> {
        let Ok(scan) = self.scan_of(member, opts) else {
            return Vec::new();
        };
        let Ok(scan) = &scan.res else {
            return Vec::new();
        };
        let mut used = 0u64;
        let mut out = Vec::new();
        let _ = scan.changes.each(|ch| -> Result<(), ()> {
            if ch.kind != layer::Kind::File || !paths.contains(ch.path) {
                return Ok(());
            }
            let Some((bytes, truncated)) = ch.spare.or(ch.content) else {
                return Ok(());
            };
            let keep = bytes.len() as u64;
            used = used.saturating_add(keep);
            if used <= opts.max_captured_bytes {
                out.push((ch.path.to_string(), (bytes.clone(), *truncated)));
            }
            Ok(())
        });
        out
    }
}
