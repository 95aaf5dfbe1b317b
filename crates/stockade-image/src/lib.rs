//! Streaming reader of container image archives and OCI image layouts into
//! [`ImageSpec`]s.
//!
//! Inputs are recognised by content, not by name: `docker save` archives
//! (the legacy layout and the Docker 25+ OCI hybrid), OCI image layout
//! directories, and OCI archives (a tar of a layout), with nested indexes
//! and several images or platforms per input. Each image is judged on its
//! own: one broken image is an [`ImageError`] in its slot, not for the rest.
//!
//! Nothing is extracted or written. A seekable archive is indexed by one
//! pass over its tar headers; each layer is then read once as a stream
//! (gzip, zstd or plain, told apart by magic bytes), hashed while it
//! streams (the diff id and, for OCI blobs, the stored digest are checked),
//! and reduced to headers plus the few small files rules read. Layers may
//! stream in parallel; their views are applied in layer order with OCI
//! whiteout semantics. An archive that can only be read once, from a
//! socket or a pipe, goes to [`read_stream`]: its layers are reduced the
//! same way as they stream past, in whatever order, and its manifests
//! resolved at the end.

// `ImageError` carries the archive, image, member and layer by value so a
// report can show them without lookups; it is returned once per image, so
// its size does not matter.
#![allow(clippy::result_large_err)]

mod error;
mod facts;
mod layer;
mod manifest;
mod secrets;
mod store;
mod stream;
mod tree;

pub use error::{ImageError, ImageErrorKind};
pub use stockade_core::ImageSpec;

use crate::error::{ImageErrorKind as K, Raw};
use crate::layer::{Budget, LayerScan, ScanMode, sha256_hex};
use crate::manifest::{Descriptor, IndexOrManifest, LegacyEntry, PlatformFilter};
use crate::store::{DirStore, FileRange, LockedRange, RangeRead, Store, TarStore};
use crate::stream::StreamStore;
use crate::tree::Tree;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, mpsc};
use stockade_core::{ArchiveLayout, FileRef, ImageLayer, LayerAnomaly, Platform, SecretCandidate};

/// Limits and choices for reading. The defaults are generous; every input-
/// driven allocation and loop is bounded by one of them.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Read only this platform (`linux/amd64`, `linux/arm64/v8`); all when `None`.
    pub platform: Option<String>,
    /// Tar entries per image, over all its layers.
    pub max_entries: u64,
    /// Members in the outer archive.
    pub max_archive_members: u64,
    /// Files up to this size are scanned for token formats, and this caps
    /// sudoers files and name-matched secret files.
    pub max_small_file: u64,
    /// Uncompressed bytes per layer (decompression-bomb cap).
    pub max_layer_bytes: u64,
    /// Uncompressed bytes per image, all layers together.
    pub max_total_bytes: u64,
    /// Size of one JSON document (manifest, index, config).
    pub max_metadata_bytes: u64,
    /// [`read_stream`]: members kept whole until the stream ends (the ones
    /// that are not layers: manifests, indexes, configs), all together.
    pub max_kept_bytes: u64,
    /// [`read_stream`]: file content captured from all the stream's layers
    /// and held until its images are put together (each image then keeps
    /// at most `max_captured_bytes` of it).
    pub max_stream_captured_bytes: u64,
    /// Size of a package database read for packages.
    pub max_package_db: u64,
    /// File content kept per image, all files together.
    pub max_captured_bytes: u64,
    /// Images per input.
    pub max_images: usize,
    /// Layers streamed at once; 0 picks the number of CPUs (at most 4).
    pub threads: usize,
    /// Check diff ids and blob digests (a mismatch is an error for that image).
    pub verify_digests: bool,
    /// Scan small text files for known token formats.
    pub scan_secret_content: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            platform: None,
            max_entries: 10_000_000,
            max_archive_members: 1_000_000,
            max_small_file: 256 * 1024,
            max_layer_bytes: 64 << 30,
            max_total_bytes: 64 << 30,
            max_metadata_bytes: 16 << 20,
            max_kept_bytes: 64 << 20,
            max_stream_captured_bytes: 256 << 20,
            max_package_db: 64 << 20,
            max_captured_bytes: 256 << 20,
            max_images: 1024,
            threads: 0,
            verify_digests: true,
            scan_secret_content: true,
        }
    }
}

/// Reads every image in an archive or OCI layout directory.
///
/// The outer `Err` is for inputs that are not images at all or cannot be
/// opened; each image then has its own `Result`.
pub fn open(
    path: &Path,
    opts: &ReadOptions,
) -> Result<Vec<Result<ImageSpec, ImageError>>, ImageError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path)
        .map_err(|e| ImageError::new(K::Io, &name, format!("cannot open: {e}")))?;
    if meta.is_dir() {
        let store = DirStore::new(path).map_err(|r| r.into_error(&name))?;
        let store = Store::Dir(store);
        if !store.exists("index.json") {
            return Err(ImageError::new(
                K::NotAnImage,
                &name,
                "directory has no index.json: not an OCI image layout",
            ));
        }
        return read_store(&store, &name, opts, true);
    }
    let file =
        File::open(path).map_err(|e| ImageError::new(K::Io, &name, format!("cannot open: {e}")))?;
    let src = FileRange::new(file).map_err(|e| ImageError::new(K::Io, &name, e.to_string()))?;
    read_range(Box::new(src), &name, opts)
}

/// Like [`open`], for any seekable source (a file, a cursor, a synthetic
/// reader in tests). `name` is used in errors and as [`ImageSpec::source`].
pub fn open_reader<R: Read + Seek + Send + 'static>(
    reader: R,
    name: &str,
    opts: &ReadOptions,
) -> Result<Vec<Result<ImageSpec, ImageError>>, ImageError> {
    let src = LockedRange::new(reader).map_err(|e| ImageError::new(K::Io, name, e.to_string()))?;
    read_range(Box::new(src), name, opts)
}

/// Like [`open_reader`], for a source read once from start to end, that
/// cannot seek: `docker save` or `GET /images/{id}/get` output, a pipe.
///
/// Nothing is written anywhere and the archive is never held whole: small
/// members that are not layers (manifests, configs) are kept until the
/// end, within [`ReadOptions::max_kept_bytes`]; every other member is read
/// as a layer as it streams past, whatever the order of the members, and
/// reduced to what the seekable reader keeps of it. The images are then put
/// together as [`open_reader`] does, with the same result, with these
/// exceptions, all about files rules read (users, packages, OS release,
/// sudoers) that a seekable read finds in a second pass:
///
/// - such a file behind a link (`/etc/passwd -> /opt/x/passwd`, a
///   hardlinked package database) is read only when the file linked to has
///   the same base name (or a `-name` / `_name` suffix, or sits in a
///   `status.d` / `sudoers.d` directory), since the stream is past it when
///   the link is resolved;
/// - beyond [`ReadOptions::max_stream_captured_bytes`] of captured content
///   over the whole stream, further files are not captured.
///
/// Layers are read one at a time.
///
/// A stream that ends early is not an error as such: the images whose
/// members it cut or never reached have a [`ImageErrorKind::Truncated`]
/// error (the whole input has one when no manifest came).
pub fn read_stream<R: Read>(
    reader: R,
    name: &str,
    opts: &ReadOptions,
) -> Result<Vec<Result<ImageSpec, ImageError>>, ImageError> {
    let mut reader = reader;
    let mut head = [0u8; 512];
    let mut got = 0;
    while got < head.len() {
        match reader.read(&mut head[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return Err(ImageError::new(
                    K::Io,
                    name,
                    format!("reading the archive failed: {e}"),
                ));
            }
        }
    }
    check_head(&head[..got], name)?;
    let src = std::io::Cursor::new(head).chain(reader);
    let store = StreamStore::read(src, opts).map_err(|r| r.into_error(name))?;
    let cut = store.was_cut();
    match read_store(&Store::Stream(store), name, opts, false) {
        Err(e) if cut && e.kind == K::NotAnImage => Err(ImageError::new(
            K::Truncated,
            name,
            format!(
                "the stream ended early, without the end of the archive: {}",
                e.message
            ),
        )),
        r => r,
    }
}

/// The checks of an archive's first 512 bytes (`head`, shorter when the
/// input is): not compressed, a tar header.
fn check_head(head: &[u8], name: &str) -> Result<(), ImageError> {
    if head.len() >= 4 && (head.starts_with(&[0x1f, 0x8b]) || head[..4] == [0x28, 0xb5, 0x2f, 0xfd])
    {
        return Err(ImageError::new(
            K::Unsupported,
            name,
            "a compressed archive: decompress it first (e.g. `gunzip` / `zstd -d`)",
        ));
    }
    let Ok(head) = <&[u8; 512]>::try_from(head) else {
        return Err(ImageError::new(
            K::NotAnImage,
            name,
            "too short to be an image archive",
        ));
    };
    if !is_tar_header(head) {
        return Err(ImageError::new(
            K::NotAnImage,
            name,
            "not a tar archive or OCI layout",
        ));
    }
    Ok(())
}

/// `true` when `path` looks like an image archive or OCI layout: a tar
/// holding `manifest.json`, `index.json` or `oci-layout`, or a directory
/// with `index.json` and `oci-layout`. Reads only headers.
pub fn looks_like_image_archive(path: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(path) else {
        return false;
    };
    if meta.is_dir() {
        return path.join("index.json").is_file() && path.join("oci-layout").is_file();
    }
    let Ok(file) = File::open(path) else {
        return false;
    };
    let Ok(src) = FileRange::new(file) else {
        return false;
    };
    let mut head = [0u8; 512];
    if !read_head(&src, &mut head) || !is_tar_header(&head) {
        return false;
    }
    match TarStore::index(Box::new(src), 200_000) {
        Ok(t) => {
            let s = Store::Tar(t);
            s.exists("manifest.json") || s.exists("index.json") || s.exists("oci-layout")
        }
        Err(_) => false,
    }
}

fn read_head(src: &dyn RangeRead, head: &mut [u8; 512]) -> bool {
    read_exact_at(src, head)
}

fn read_exact_at(src: &dyn RangeRead, head: &mut [u8]) -> bool {
    let mut got = 0;
    while got < head.len() {
        match src.read_at(&mut head[got..], got as u64) {
            Ok(0) | Err(_) => return false,
            Ok(n) => got += n,
        }
    }
    true
}

/// A POSIX/GNU tar header (`ustar` magic), or a v7 header with a valid
/// checksum.
fn is_tar_header(h: &[u8; 512]) -> bool {
    if &h[257..262] == b"ustar" {
        return true;
    }
    let field = &h[148..156];
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| ('0'..='7').contains(c))
        .collect();
    let Ok(want) = u32::from_str_radix(&digits, 8) else {
        return false;
    };
    let sum: u32 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u32
            }
        })
        .sum();
    h[0] != 0 && sum == want
}

fn read_range(
    src: Box<dyn RangeRead>,
    name: &str,
    opts: &ReadOptions,
) -> Result<Vec<Result<ImageSpec, ImageError>>, ImageError> {
    let mut head = [0u8; 512];
    let got = (src.len().min(512)) as usize;
    if !read_exact_at(&*src, &mut head[..got]) {
        return Err(ImageError::new(
            K::NotAnImage,
            name,
            "too short to be an image archive",
        ));
    }
    check_head(&head[..got], name)?;
    let tar = TarStore::index(src, opts.max_archive_members).map_err(|r| r.into_error(name))?;
    read_store(&Store::Tar(tar), name, opts, false)
}

/// One image to read.
#[derive(Debug, Clone, Default)]
struct Plan {
    tags: Vec<String>,
    config: String,
    config_digest: Option<String>,
    layers: Vec<LayerPlan>,
    manifest_digest: Option<String>,
    manifest_media_type: Option<String>,
    index_platform: Option<Platform>,
    layout: ArchiveLayout,
}

#[derive(Debug, Clone, Default)]
struct LayerPlan {
    member: String,
    digest: Option<String>,
    media_type: Option<String>,
    /// Stored size the manifest claims.
    size: Option<i64>,
}

fn read_store(
    store: &Store,
    name: &str,
    opts: &ReadOptions,
    is_dir: bool,
) -> Result<Vec<Result<ImageSpec, ImageError>>, ImageError> {
    let filter = match &opts.platform {
        Some(p) => Some(PlatformFilter::parse(p).ok_or_else(|| {
            ImageError::new(
                K::PlatformNotFound,
                name,
                format!("`{p}` is not a platform (expected os/arch[/variant])"),
            )
        })?),
        None => None,
    };
    let plans = discover(store, name, opts, is_dir, filter.as_ref())?;
    let mut out = Vec::new();
    for (i, plan) in plans.into_iter().enumerate() {
        match plan {
            Err(e) => out.push(Err(e)),
            Ok(plan) => match read_image(store, name, &plan, opts, filter.as_ref(), i) {
                Ok(Some(spec)) => out.push(Ok(spec)),
                Ok(None) => {}
                Err(e) => out.push(Err(e)),
            },
        }
    }
    if out.is_empty() {
        let msg = match &opts.platform {
            Some(p) => {
                return Err(ImageError::new(
                    K::PlatformNotFound,
                    name,
                    format!("no image for platform `{p}`"),
                ));
            }
            None => "the archive holds no image",
        };
        return Err(ImageError::new(K::NotAnImage, name, msg));
    }
    Ok(out)
}

fn parse_json<T: serde::de::DeserializeOwned>(bytes: &[u8], member: &str) -> Result<T, Raw> {
    serde_json::from_slice(bytes)
        .map_err(|e| Raw::new(K::Malformed, format!("invalid JSON: {e}")).at(member))
}

fn digest_of_member(member: &str) -> Option<String> {
    // `blobs/sha256/<hex>` or `<hex>.json` (the legacy config name).
    let hex_ok = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(h) = member.strip_prefix("blobs/sha256/")
        && hex_ok(h)
    {
        return Some(format!("sha256:{}", h.to_ascii_lowercase()));
    }
    let base = member.rsplit('/').next().unwrap_or(member);
    base.strip_suffix(".json")
        .filter(|h| hex_ok(h))
        .map(|h| format!("sha256:{}", h.to_ascii_lowercase()))
}

fn discover(
    store: &Store,
    name: &str,
    opts: &ReadOptions,
    is_dir: bool,
    filter: Option<&PlatformFilter>,
) -> Result<Vec<Result<Plan, ImageError>>, ImageError> {
    let has_legacy = !is_dir && store.exists("manifest.json");
    let has_index = store.exists("index.json");
    if !has_legacy && !has_index {
        return Err(ImageError::new(
            K::NotAnImage,
            name,
            "no manifest.json or index.json: not an image archive",
        ));
    }
    // OCI manifests reachable from index.json (for the hybrid layout they
    // add media types and blob digests to the legacy entries).
    let mut oci: Vec<Result<Plan, ImageError>> = Vec::new();
    if has_index {
        let layout = if is_dir {
            ArchiveLayout::OciDirectory
        } else if has_legacy {
            ArchiveLayout::DockerOciHybrid
        } else {
            ArchiveLayout::OciArchive
        };
        let idx = store
            .read_small("index.json", opts.max_metadata_bytes)
            .and_then(|b| parse_json::<IndexOrManifest>(&b, "index.json"));
        match idx {
            Ok(idx) => {
                let descs = idx.manifests.unwrap_or_default();
                walk_index(store, name, opts, &descs, 0, &[], layout, filter, &mut oci);
            }
            Err(e) if !has_legacy => return Err(e.into_error(name)),
            Err(_) => {}
        }
    }
    if !has_legacy {
        return Ok(oci);
    }
    let bytes = store
        .read_small("manifest.json", opts.max_metadata_bytes)
        .map_err(|r| r.into_error(name))?;
    let entries: Vec<LegacyEntry> =
        parse_json(&bytes, "manifest.json").map_err(|r| r.into_error(name))?;
    let by_config: HashMap<String, Plan> = oci
        .into_iter()
        .flatten()
        .filter_map(|p| Some((p.config_digest.clone()?, p)))
        .collect();
    let mut plans = Vec::new();
    for e in entries.into_iter().take(opts.max_images) {
        let config_digest = digest_of_member(&e.config);
        let mut plan = Plan {
            tags: e.repo_tags.unwrap_or_default(),
            config: e.config.clone(),
            config_digest: config_digest.clone(),
            layout: if has_index {
                ArchiveLayout::DockerOciHybrid
            } else {
                ArchiveLayout::DockerLegacy
            },
            layers: e
                .layers
                .iter()
                .map(|l| LayerPlan {
                    member: l.clone(),
                    digest: digest_of_member(l).filter(|_| l.starts_with("blobs/")),
                    media_type: None,
                    size: None,
                })
                .collect(),
            ..Plan::default()
        };
        if let Some(o) = config_digest.as_ref().and_then(|d| by_config.get(d)) {
            plan.manifest_digest = o.manifest_digest.clone();
            plan.manifest_media_type = o.manifest_media_type.clone();
            plan.index_platform = o.index_platform.clone();
            for t in &o.tags {
                if !plan.tags.contains(t) {
                    plan.tags.push(t.clone());
                }
            }
            if o.layers.len() == plan.layers.len() {
                for (lp, ol) in plan.layers.iter_mut().zip(&o.layers) {
                    if lp.digest.is_none() || lp.digest == ol.digest {
                        lp.media_type = ol.media_type.clone();
                        lp.size = ol.size;
                    }
                }
            }
        }
        plans.push(Ok(plan));
    }
    Ok(plans)
}

fn tags_from(d: &Descriptor) -> Vec<String> {
    let mut t = Vec::new();
    if let Some(a) = &d.annotations {
        for k in [
            "io.containerd.image.name",
            "org.opencontainers.image.ref.name",
        ] {
            if let Some(v) = a.get(k)
                && !v.is_empty()
                && !t.contains(v)
            {
                t.push(v.clone());
            }
        }
    }
    t
}

#[allow(clippy::too_many_arguments)]
fn walk_index(
    store: &Store,
    name: &str,
    opts: &ReadOptions,
    descs: &[Descriptor],
    depth: usize,
    parent_tags: &[String],
    layout: ArchiveLayout,
    filter: Option<&PlatformFilter>,
    out: &mut Vec<Result<Plan, ImageError>>,
) {
    for d in descs {
        if out.len() >= opts.max_images {
            return;
        }
        if manifest::is_attestation(d) {
            continue;
        }
        if let (Some(f), Some(p)) = (filter, &d.platform)
            && !f.matches(&p.to_platform())
        {
            continue;
        }
        let mut tags = parent_tags.to_vec();
        for t in tags_from(d) {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let err = |r: Raw| {
            let mut e = r.into_error(name);
            if let Some(t) = tags.first() {
                e = e.image(t.clone());
            }
            e
        };
        let Some(path) = manifest::blob_path(&d.digest) else {
            out.push(Err(err(Raw::new(
                K::Malformed,
                format!("invalid digest `{}`", layer::cap_str(&d.digest, 100)),
            ))));
            continue;
        };
        let bytes = match store.read_small(&path, opts.max_metadata_bytes) {
            Ok(b) => b,
            Err(r) => {
                out.push(Err(err(r)));
                continue;
            }
        };
        if opts.verify_digests && d.digest.starts_with("sha256:") && sha256_hex(&bytes) != d.digest
        {
            out.push(Err(err(Raw::new(
                K::DigestMismatch,
                format!("content does not match digest {}", d.digest),
            )
            .at(&path))));
            continue;
        }
        let m: IndexOrManifest = match parse_json(&bytes, &path) {
            Ok(m) => m,
            Err(r) => {
                out.push(Err(err(r)));
                continue;
            }
        };
        let mt = m.media_type.clone().or_else(|| d.media_type.clone());
        if let Some(children) = m.manifests.as_ref().filter(|_| m.config.is_none()).or(
            if manifest::is_index_media_type(mt.as_deref()) {
                m.manifests.as_ref()
            } else {
                None
            },
        ) {
            if depth >= 8 {
                out.push(Err(err(Raw::new(
                    K::LimitExceeded,
                    "indexes nested too deeply",
                )
                .at(&path))));
                continue;
            }
            walk_index(
                store,
                name,
                opts,
                children,
                depth + 1,
                &tags,
                layout,
                filter,
                out,
            );
            continue;
        }
        let Some(config) = m.config else {
            out.push(Err(err(Raw::new(
                K::Malformed,
                "neither an index nor an image manifest (no config)",
            )
            .at(&path))));
            continue;
        };
        let Some(config_path) = manifest::blob_path(&config.digest) else {
            out.push(Err(err(
                Raw::new(K::Malformed, "invalid config digest").at(&path)
            )));
            continue;
        };
        let mut layers = Vec::new();
        let mut bad = None;
        for l in m.layers.unwrap_or_default() {
            match manifest::blob_path(&l.digest) {
                Some(p) => layers.push(LayerPlan {
                    member: p,
                    digest: Some(l.digest.clone()),
                    media_type: l.media_type.clone(),
                    size: l.size,
                }),
                None => bad = Some(l.digest.clone()),
            }
        }
        if let Some(b) = bad {
            out.push(Err(err(Raw::new(
                K::Malformed,
                format!("invalid layer digest `{}`", layer::cap_str(&b, 100)),
            )
            .at(&path))));
            continue;
        }
        out.push(Ok(Plan {
            tags,
            config: config_path,
            config_digest: Some(config.digest.clone()),
            layers,
            manifest_digest: Some(d.digest.clone()),
            manifest_media_type: mt,
            index_platform: d.platform.as_ref().map(|p| p.to_platform()),
            layout,
        }));
    }
}

fn read_image(
    store: &Store,
    name: &str,
    plan: &Plan,
    opts: &ReadOptions,
    filter: Option<&PlatformFilter>,
    ordinal: usize,
) -> Result<Option<ImageSpec>, ImageError> {
    let reference = plan
        .tags
        .first()
        .cloned()
        .or_else(|| plan.config_digest.clone())
        .unwrap_or_else(|| format!("{name}#{ordinal}"));
    let ctx = |r: Raw| r.into_error(name).image(reference.clone());

    let cbytes = store
        .read_small(&plan.config, opts.max_metadata_bytes)
        .map_err(ctx)?;
    let cdigest = sha256_hex(&cbytes);
    if opts.verify_digests
        && let Some(want) = &plan.config_digest
        && want.starts_with("sha256:")
        && *want != cdigest
    {
        return Err(ctx(Raw::new(
            K::DigestMismatch,
            format!("config does not match {want}"),
        )
        .at(&plan.config)));
    }
    let cval: Value = parse_json(&cbytes, &plan.config).map_err(ctx)?;
    if !cval.is_object() {
        return Err(ctx(
            Raw::new(K::Malformed, "config is not a JSON object").at(&plan.config)
        ));
    }
    let (config, mut history) = manifest::parse_config(&cval);
    if let Some(f) = filter {
        let p = plan.index_platform.clone().or_else(|| config.platform());
        if !p.is_some_and(|p| f.matches(&p)) {
            return Ok(None);
        }
    }
    if !config.diff_ids.is_empty() && config.diff_ids.len() != plan.layers.len() {
        return Err(ctx(Raw::new(
            K::Malformed,
            format!(
                "the config lists {} diff ids but the manifest {} layers",
                config.diff_ids.len(),
                plan.layers.len()
            ),
        )
        .at(&plan.config)));
    }

    // Stream the layers (in parallel when allowed) and apply them in order.
    // A stream's layers were scanned as it went by: applying them is all
    // that is left, in order.
    let streamed = matches!(store, Store::Stream(_));
    let threads = match opts.threads {
        _ if streamed => 1,
        0 => std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(4),
        n => n,
    }
    .max(1);
    let budget = Budget::new();
    let mut acc = Acc {
        tree: Tree::new(opts.max_entries.saturating_add(1)),
        layers: Vec::with_capacity(plan.layers.len()),
        secrets: Vec::new(),
        anomalies: Vec::new(),
    };
    // The compressed bytes are hashed only when nothing else vouches for
    // them (see `ScanMode::hash_blob`): no diff id to check, or no manifest
    // digest so the blob digest names the layer.
    let mode_for = |i: usize| ScanMode {
        full: true,
        extra: None,
        held: None,
        hash_blob: plan.layers[i].digest.is_none()
            || (opts.verify_digests && !vouched_by_diff_id(&config.diff_ids, i)),
        piped: threads > 1,
    };
    let n = plan.layers.len();
    let accept = |acc: &mut Acc, i: usize, res: Result<Arc<LayerScan>, Raw>| {
        // Streamed layers were scanned outside the image's captured budget.
        let captured = streamed.then_some((&budget.captured, opts.max_captured_bytes));
        acc.accept(i, res, plan, &config.diff_ids, opts, captured)
            .map_err(|r| r.into_error(name).image(reference.clone()))
    };
    if threads == 1 || n <= 1 {
        for i in 0..n {
            let res = scan_guarded(store, &plan.layers[i], opts, &budget, &mode_for(i));
            accept(&mut acc, i, res)?;
        }
    } else {
        // Workers take layers in order, at most `window` ahead of the
        // applier, so finished-but-unapplied layers stay few.
        let window = threads * 2;
        let next = AtomicUsize::new(0);
        let abort = AtomicBool::new(false);
        let applied = (Mutex::new(0usize), Condvar::new());
        std::thread::scope(|s| -> Result<(), ImageError> {
            let (tx, rx) = mpsc::channel::<(usize, Result<Arc<LayerScan>, Raw>)>();
            for _ in 0..threads.min(n) {
                let tx = tx.clone();
                let (next, abort, applied, budget, mode_for) =
                    (&next, &abort, &applied, &budget, &mode_for);
                s.spawn(move || {
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= n || abort.load(Ordering::SeqCst) {
                            break;
                        }
                        {
                            let mut done = applied.0.lock().unwrap_or_else(|p| p.into_inner());
                            while i >= *done + window && !abort.load(Ordering::SeqCst) {
                                done = applied.1.wait(done).unwrap_or_else(|p| p.into_inner());
                            }
                        }
                        if abort.load(Ordering::SeqCst) {
                            break;
                        }
                        let res = scan_guarded(store, &plan.layers[i], opts, budget, &mode_for(i));
                        if tx.send((i, res)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(tx);
            let mut pending: BTreeMap<usize, Result<Arc<LayerScan>, Raw>> = BTreeMap::new();
            let mut want = 0usize;
            let stop = |e: ImageError| {
                abort.store(true, Ordering::SeqCst);
                applied.1.notify_all();
                Err(e)
            };
            for (i, res) in rx.iter() {
                pending.insert(i, res);
                while let Some(res) = pending.remove(&want) {
                    if let Err(e) = accept(&mut acc, want, res) {
                        return stop(e);
                    }
                    want += 1;
                    *applied.0.lock().unwrap_or_else(|p| p.into_inner()) = want;
                    applied.1.notify_all();
                }
            }
            if want < n {
                return stop(
                    ImageError::new(K::Io, name, "a layer reader stopped early")
                        .image(reference.clone()),
                );
            }
            Ok(())
        })?;
    }
    let Acc {
        mut tree,
        layers,
        secrets: found_secrets,
        anomalies,
    } = acc;

    second_pass(store, plan, opts, &mut tree);

    // History: non-empty steps map to layers in order.
    let mut li = 0usize;
    for h in history.iter_mut() {
        if h.empty_layer {
            continue;
        }
        if let Some(l) = layers.get(li) {
            h.layer = Some(li);
            h.layer_digest = l.diff_id.clone();
        }
        li += 1;
    }

    let mut spec = ImageSpec {
        source: name.to_string(),
        reference,
        tags: plan.tags.clone(),
        config_digest: Some(cdigest),
        manifest_digest: plan.manifest_digest.clone(),
        manifest_media_type: plan.manifest_media_type.clone(),
        index_platform: plan.index_platform.clone(),
        config,
        history,
        layers,
        layout: plan.layout,
        anomalies,
        ..ImageSpec::default()
    };
    facts::fill(&mut spec, &tree);
    spec.secrets = found_secrets
        .into_iter()
        .map(|(i, lid, s)| SecretCandidate {
            deleted_in_later_layer: !tree.holds_from_layer(&s.path, i as u32),
            file: FileRef {
                path: s.path,
                layer: i,
                layer_digest: lid,
            },
            size: s.size,
            kind: s.kind,
            line: s.line,
            redacted: s.redacted,
        })
        .collect();
    Ok(Some(spec))
}

/// What the applier accumulates, layer by layer.
struct Acc {
    tree: Tree,
    layers: Vec<ImageLayer>,
    secrets: Vec<(usize, String, layer::FoundSecret)>,
    anomalies: Vec<LayerAnomaly>,
}

impl Acc {
    /// Verifies layer `i`'s digests and applies it to the view
    /// (`captured`: see [`Tree::apply`]).
    fn accept(
        &mut self,
        i: usize,
        res: Result<Arc<LayerScan>, Raw>,
        plan: &Plan,
        diff_ids: &[String],
        opts: &ReadOptions,
        captured: Option<(&AtomicU64, u64)>,
    ) -> Result<(), Raw> {
        let lp = &plan.layers[i];
        let want_diff = diff_ids.get(i);
        let layer_name = want_diff
            .cloned()
            .or(lp.digest.clone())
            .unwrap_or(lp.member.clone());
        let tag = |mut r: Raw| {
            r = r.at(&lp.member);
            r.layer = Some(layer_name.clone());
            r
        };
        let scan = res.map_err(tag)?;
        if opts.verify_digests {
            // The stored bytes' digest is checked only when no diff id
            // vouches for the content (`ScanMode::hash_blob`; a streamed
            // layer is hashed anyway, and judged by the same rule).
            if let Some(d) = &lp.digest
                && d.starts_with("sha256:")
                && !vouched_by_diff_id(diff_ids, i)
                && !scan.blob_digest.is_empty()
                && *d != scan.blob_digest
            {
                return Err(tag(Raw::new(
                    K::DigestMismatch,
                    format!("blob digest is {}, the manifest says {d}", scan.blob_digest),
                )));
            }
            if let Some(sz) = lp.size
                && u64::try_from(sz).ok() != Some(scan.compressed_size)
            {
                return Err(tag(Raw::new(
                    K::DigestMismatch,
                    format!(
                        "blob is {} bytes, the manifest says {sz}",
                        scan.compressed_size
                    ),
                )));
            }
            if let Some(d) = want_diff
                && d.starts_with("sha256:")
                && *d != scan.diff_id
            {
                return Err(tag(Raw::new(
                    K::DigestMismatch,
                    format!("diff id is {}, the config says {d}", scan.diff_id),
                )));
            }
        }
        let info = ImageLayer {
            index: i,
            digest: lp.digest.clone().or_else(|| {
                (scan.compression != stockade_core::Compression::None
                    && !scan.blob_digest.is_empty())
                .then(|| scan.blob_digest.clone())
            }),
            diff_id: Some(scan.diff_id.clone()),
            member: lp.member.clone(),
            media_type: lp.media_type.clone(),
            compression: scan.compression,
            compressed_size: scan.compressed_size,
            uncompressed_size: scan.uncompressed_size,
            entries: scan.entries,
        };
        let mut applied = Vec::new();
        if self
            .tree
            .apply(i as u32, &scan, captured, &mut applied)
            .is_err()
        {
            return Err(tag(Raw::new(
                K::LimitExceeded,
                format!("more than {} files in the image", opts.max_entries),
            )));
        }
        let lid = info.id().to_string();
        for a in scan.anomalies.iter().cloned().chain(applied) {
            self.anomalies.push(LayerAnomaly {
                layer: i,
                layer_digest: lid.clone(),
                path: a.path,
                kind: a.kind,
                detail: a.detail,
            });
        }
        for s in &scan.secrets {
            self.secrets.push((i, lid.clone(), s.clone()));
        }
        self.layers.push(info);
        Ok(())
    }
}

/// [`scan_one`], with a panic in a decoder turned into an error.
/// Whether the config gives layer `i` a SHA-256 diff id: checked against
/// the uncompressed stream, it vouches for the stored bytes too, so their
/// own digest is neither computed ([`ScanMode::hash_blob`]) nor compared.
fn vouched_by_diff_id(diff_ids: &[String], i: usize) -> bool {
    diff_ids.get(i).is_some_and(|d| d.starts_with("sha256:"))
}

fn scan_guarded(
    store: &Store,
    lp: &LayerPlan,
    opts: &ReadOptions,
    budget: &Budget,
    mode: &ScanMode<'_>,
) -> Result<Arc<LayerScan>, Raw> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        scan_one(store, lp, opts, budget, mode)
    }))
    .unwrap_or_else(|_| {
        Err(Raw::new(
            K::Malformed,
            "the layer reader failed on this input",
        ))
    })
}

fn scan_one(
    store: &Store,
    lp: &LayerPlan,
    opts: &ReadOptions,
    budget: &Budget,
    mode: &ScanMode<'_>,
) -> Result<Arc<LayerScan>, Raw> {
    if let Store::Stream(s) = store {
        return s.layer(&lp.member, opts, budget);
    }
    let (mut r, _) = store.open(&lp.member)?;
    if mode.piped {
        return layer::scan_layer_piped(&mut *r, opts, budget, mode).map(Arc::new);
    }
    layer::scan_layer(&mut *r, opts, budget, mode).map(Arc::new)
}

/// Files rules read that are links (a symlinked or hardlinked package
/// database, `/etc/passwd` as a hardlink) were not captured by name: read
/// the layers holding their data once more, for those paths only.
fn second_pass(store: &Store, plan: &Plan, opts: &ReadOptions, tree: &mut Tree) {
    let mut wanted: Vec<String> = [
        "etc/passwd",
        "etc/group",
        "etc/shadow",
        "etc/os-release",
        "usr/lib/os-release",
        "etc/alpine-release",
        "etc/debian_version",
        "var/lib/dpkg/status",
        "lib/apk/db/installed",
        "etc/sudoers",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for d in ["var/lib/dpkg/status.d", "etc/sudoers.d"] {
        for n in tree.list_dir(d).into_iter().take(1000) {
            wanted.push(format!("{d}/{n}"));
        }
    }
    // layer -> path in that layer -> nodes that need the content
    let mut need: BTreeMap<u32, HashMap<String, Vec<u32>>> = BTreeMap::new();
    for p in &wanted {
        let Some((n, None)) = tree.file(p) else {
            continue;
        };
        let node = &tree.nodes[n as usize];
        if node.size == 0 {
            continue;
        }
        let data = tree.data_of(n);
        let dl = tree.nodes[data as usize].layer;
        let dpath = tree.path_of(data);
        let e = need.entry(dl).or_default().entry(dpath).or_default();
        e.push(n);
        if data != n {
            e.push(data);
        }
    }
    for (layer, paths) in need {
        let Some(lp) = plan.layers.get(layer as usize) else {
            continue;
        };
        let set: HashSet<String> = paths.keys().cloned().collect();
        let found = match store {
            // A stream cannot be read again: its scans kept these files.
            Store::Stream(s) => s.recapture(&lp.member, &set, opts),
            _ => rescan(store, lp, &set, opts),
        };
        for (path, (bytes, truncated)) in found {
            if let Some(nodes) = paths.get(&path) {
                for &n in nodes {
                    tree.content.insert(
                        n,
                        tree::Content {
                            bytes: bytes.clone(),
                            truncated,
                        },
                    );
                }
            }
        }
    }
}

/// Reads layer `lp` again, capturing the regular files at `paths`.
fn rescan(
    store: &Store,
    lp: &LayerPlan,
    paths: &HashSet<String>,
    opts: &ReadOptions,
) -> Vec<(String, layer::Captured)> {
    let mode = ScanMode {
        full: false,
        extra: Some(paths),
        held: None,
        hash_blob: false,
        piped: false,
    };
    let budget = Budget::new();
    let Ok(scan) = scan_one(store, lp, opts, &budget, &mode) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let _ = scan.changes.each(|ch| -> Result<(), ()> {
        if let Some(c) = ch.content {
            out.push((ch.path.to_string(), c.clone()));
        }
        Ok(())
    });
    out
}
