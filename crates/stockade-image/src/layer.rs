//! Streaming one layer: detect the compression by magic bytes, decompress,
//! hash both streams, walk the tar headers, and keep only what the view and
//! the rules need. Nothing is written anywhere.

use crate::ReadOptions;
use crate::error::{ImageErrorKind as K, Raw, io_marker, raw_from_io};
use crate::secrets;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read};
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

/// The rare parts of an entry: a link target, captured content.
#[derive(Debug, Default)]
struct Extra {
    link: Option<Box<str>>,
    content: Option<(Box<[u8]>, bool)>,
}

/// A layer's entries in tar order, stored compactly: every path in one
/// string, fixed-size records, and the rare extras on the side.
#[derive(Debug, Default)]
pub(crate) struct Changes {
    paths: String,
    items: Vec<Change>,
    extras: Vec<Extra>,
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
    pub link: Option<Box<str>>,
    /// Content of a file rules read; `bool` = truncated at the cap.
    pub content: Option<(Box<[u8]>, bool)>,
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
        link: Option<String>,
        content: Option<(Box<[u8]>, bool)>,
    ) -> Result<(), Raw> {
        let too_big = || Raw::new(K::LimitExceeded, "the layer's path names exceed 4 GiB");
        let start = u32::try_from(self.paths.len()).map_err(|_| too_big())?;
        let len = u32::try_from(path.len()).map_err(|_| too_big())?;
        if start.checked_add(len).is_none() {
            return Err(too_big());
        }
        self.paths.push_str(path);
        let extra = if link.is_some() || content.is_some() {
            self.extras.push(Extra {
                link: link.map(String::into_boxed_str),
                content,
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

    /// Hands every entry to `f` in tar order, moving the extras out.
    pub fn drain_each<E>(
        &mut self,
        mut f: impl FnMut(ChangeView<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Changes {
            paths,
            items,
            extras,
        } = self;
        for c in items.iter() {
            let extra = extras
                .get_mut(c.extra as usize)
                .map(std::mem::take)
                .unwrap_or_default();
            let path = paths
                .get(c.start as usize..(c.start as usize + c.len as usize))
                .unwrap_or("");
            f(ChangeView {
                path,
                kind: c.kind,
                mode: c.mode,
                uid: c.uid,
                gid: c.gid,
                size: c.size,
                link: extra.link,
                content: extra.content,
            })?;
        }
        items.clear();
        paths.clear();
        extras.clear();
        Ok(())
    }
}

#[derive(Debug)]
pub(crate) struct FoundSecret {
    pub path: String,
    pub size: u64,
    pub kind: SecretKind,
    pub line: Option<u32>,
    pub redacted: Option<String>,
}

#[derive(Debug)]
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
        self.hasher.update(&buf[..n]);
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
                return Err(io_marker(
                    K::LimitExceeded,
                    format!("the image's layers exceed the {max}-byte total limit"),
                ));
            }
        }
        Ok(n)
    }
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
        let mut br = BufReader::with_capacity(256 * 1024, &mut raw);
        let head = br.fill_buf().map_err(|e| raw_from_io(&e))?;
        scan.compression = if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        };
        let (diff_id, size) = match scan.compression {
            Compression::Gzip => {
                let dec = flate2::bufread::MultiGzDecoder::new(&mut br);
                walk(dec, opts, budget, mode, &mut scan)?
            }
            Compression::Zstd => {
                let mut dec = zstd::stream::read::Decoder::with_buffer(&mut br)
                    .map_err(|e| raw_from_io(&e))?;
                // Bound the decoder's window memory (128 MiB).
                dec.window_log_max(27).map_err(|e| raw_from_io(&e))?;
                walk(dec, opts, budget, mode, &mut scan)?
            }
            Compression::None => walk(&mut br, opts, budget, mode, &mut scan)?,
        };
        scan.diff_id = diff_id;
        scan.uncompressed_size = size;
        // Anything after the compressed stream still belongs to the blob.
        io::copy(&mut br, &mut io::sink()).map_err(|e| raw_from_io(&e))?;
    }
    let (digest, csize) = raw.finish();
    scan.blob_digest = digest;
    scan.compressed_size = csize;
    Ok(scan)
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
                return Err(Raw::new(
                    K::LimitExceeded,
                    format!("more than {} tar entries in the image", opts.max_entries),
                ));
            }
            let raw_name = String::from_utf8_lossy(&e.path_bytes()).into_owned();
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

            let mut content = None;
            if kind == Kind::File {
                let cap = if mode.full {
                    capture_cap(&path, opts)
                } else {
                    None
                }
                .or_else(|| {
                    mode.extra
                        .filter(|x| x.contains(&path))
                        .map(|_| opts.max_package_db)
                });
                let name_secret = if mode.full {
                    secrets::by_name(&path)
                } else {
                    None
                };
                let scan_small =
                    mode.full && opts.scan_secret_content && size <= opts.max_small_file;
                if cap.is_some() || scan_small || name_secret.is_some() {
                    let limit = cap
                        .unwrap_or(0)
                        .max(if scan_small || name_secret.is_some() {
                            opts.max_small_file
                        } else {
                            0
                        });
                    buf.clear();
                    (&mut e)
                        .take(limit)
                        .read_to_end(&mut buf)
                        .map_err(|err| raw_from_io(&err).at(shown()))?;
                    let complete = (buf.len() as u64) >= size;
                    if let Some(cap) = cap {
                        let keep = buf.len().min(cap as usize);
                        let used = budget.captured.fetch_add(keep as u64, Ordering::Relaxed);
                        if used + keep as u64 <= opts.max_captured_bytes {
                            content = Some((buf[..keep].to_vec().into_boxed_slice(), !complete));
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
                    link,
                    content,
                )
                .map_err(|r| r.at(shown()))?;
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
