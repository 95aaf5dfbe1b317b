//! Builders for synthetic image archives (tests only).
#![allow(clippy::result_large_err)]
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::io::{Cursor, Write};

pub fn sha(data: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(data);
    let out = h.finalize();
    let mut s = String::from("sha256:");
    for b in out.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub fn hex(data: &[u8]) -> String {
    sha(data)[7..].to_string()
}

/// One entry of a layer.
#[derive(Clone)]
pub enum E {
    File(&'static str, Vec<u8>, u32),
    FileOwned(String, Vec<u8>, u32, u64),
    Dir(&'static str, u32),
    Sym(&'static str, &'static str),
    Hard(&'static str, &'static str),
    /// A name written raw into the header (bypassing the builder's checks).
    RawName(Vec<u8>, Vec<u8>),
}

pub fn file(p: &'static str, data: &str) -> E {
    E::File(p, data.as_bytes().to_vec(), 0o644)
}

fn header(kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(kind);
    h.set_mode(mode);
    h.set_size(size);
    h.set_uid(0);
    h.set_gid(0);
    h.set_mtime(0);
    h
}

/// A raw 512-byte header with `name` written directly.
fn raw_header(name: &[u8], kind: u8, size: u64) -> [u8; 512] {
    let mut h = [0u8; 512];
    h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    let s = format!("{size:011o}");
    h[124..135].copy_from_slice(s.as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    let c = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(c.as_bytes());
    h
}

pub fn layer_tar(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        match e {
            E::File(p, data, mode) => {
                let mut h = header(tar::EntryType::Regular, *mode, data.len() as u64);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            E::FileOwned(p, data, mode, uid) => {
                let mut h = header(tar::EntryType::Regular, *mode, data.len() as u64);
                h.set_uid(*uid);
                b.append_data(&mut h, p, &data[..]).unwrap();
            }
            E::Dir(p, mode) => {
                let mut h = header(tar::EntryType::Directory, *mode, 0);
                b.append_data(&mut h, p, std::io::empty()).unwrap();
            }
            E::Sym(p, t) => {
                let mut h = header(tar::EntryType::Symlink, 0o777, 0);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::Hard(p, t) => {
                let mut h = header(tar::EntryType::Link, 0o644, 0);
                b.append_link(&mut h, p, t).unwrap();
            }
            E::RawName(name, data) => {
                let h = raw_header(name, b'0', data.len() as u64);
                let inner = b.get_mut();
                inner.extend_from_slice(&h);
                inner.extend_from_slice(data);
                let pad = (512 - data.len() % 512) % 512;
                inner.extend(std::iter::repeat_n(0u8, pad));
            }
        }
    }
    b.into_inner().unwrap()
}

pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(data).unwrap();
    enc.finish().unwrap()
}

pub fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::stream::encode_all(data, 1).unwrap()
}

/// An image to put in an archive: layers as (stored bytes, uncompressed tar).
#[derive(Clone)]
pub struct Img {
    pub tags: Vec<String>,
    pub layers: Vec<(Vec<u8>, Vec<u8>)>,
    pub user: Option<String>,
    pub arch: String,
    pub variant: Option<String>,
    /// Replace the config's diff ids.
    pub diff_ids: Option<Vec<String>>,
    pub extra_config: serde_json::Value,
}

impl Img {
    pub fn new(tag: &str, layers: Vec<Vec<u8>>) -> Img {
        Img {
            tags: vec![tag.to_string()],
            layers: layers.into_iter().map(|l| (l.clone(), l)).collect(),
            user: None,
            arch: "amd64".into(),
            variant: None,
            diff_ids: None,
            extra_config: serde_json::json!({}),
        }
    }

    pub fn compressed(tag: &str, layers: Vec<(Vec<u8>, Vec<u8>)>) -> Img {
        Img {
            layers,
            ..Img::new(tag, vec![])
        }
    }

    pub fn config(&self) -> Vec<u8> {
        let diff_ids = self
            .diff_ids
            .clone()
            .unwrap_or_else(|| self.layers.iter().map(|(_, u)| sha(u)).collect());
        let mut history: Vec<serde_json::Value> = vec![serde_json::json!({
            "created": "2024-05-01T00:00:00Z", "created_by": "/bin/sh -c #(nop)  ENV A=b", "empty_layer": true
        })];
        for i in 0..self.layers.len() {
            history.push(serde_json::json!({"created": "2024-05-01T00:00:00Z", "created_by": format!("step {i}")}));
        }
        let mut cfg = serde_json::json!({
            "architecture": self.arch,
            "os": "linux",
            "created": "2024-05-01T12:00:00Z",
            "config": {
                "Env": ["PATH=/usr/bin:/bin", "SECRET_TOKEN=x"],
                "Cmd": ["/bin/sh"],
                "ExposedPorts": {"8080/tcp": {}},
                "Labels": {"maintainer": "t"},
                "Healthcheck": {"Test": ["CMD", "true"], "Interval": 30000000000i64}
            },
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        });
        if let Some(v) = &self.variant {
            cfg["variant"] = serde_json::json!(v);
        }
        if let Some(u) = &self.user {
            cfg["config"]["User"] = serde_json::json!(u);
        }
        if let Some(o) = self.extra_config.as_object() {
            for (k, v) in o {
                cfg[k] = v.clone();
            }
        }
        serde_json::to_vec(&cfg).unwrap()
    }
}

fn add(b: &mut tar::Builder<Vec<u8>>, path: &str, data: &[u8]) {
    let mut h = header(tar::EntryType::Regular, 0o644, data.len() as u64);
    b.append_data(&mut h, path, data).unwrap();
}

fn add_dir(b: &mut tar::Builder<Vec<u8>>, path: &str) {
    let mut h = header(tar::EntryType::Directory, 0o755, 0);
    b.append_data(&mut h, path, std::io::empty()).unwrap();
}

/// `docker save` before 25: `<id>/layer.tar`, `<config>.json`, manifest.json
/// last. A layer shared by two images is written once and linked.
pub fn docker_legacy(imgs: &[Img]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut written: Vec<String> = Vec::new();
    let mut manifest = Vec::new();
    for img in imgs {
        let mut layer_paths = Vec::new();
        for (i, (stored, _)) in img.layers.iter().enumerate() {
            let id = hex(stored);
            if written.contains(&id) {
                // Duplicate: a relative symlink to the first copy.
                let dir = format!("dup{}-{i}", manifest.len());
                add_dir(&mut b, &dir);
                let mut h = header(tar::EntryType::Symlink, 0o777, 0);
                b.append_link(
                    &mut h,
                    format!("{dir}/layer.tar"),
                    format!("../{id}/layer.tar"),
                )
                .unwrap();
                layer_paths.push(format!("{dir}/layer.tar"));
                continue;
            }
            add_dir(&mut b, &id);
            add(&mut b, &format!("{id}/VERSION"), b"1.0");
            add(&mut b, &format!("{id}/layer.tar"), stored);
            written.push(id.clone());
            layer_paths.push(format!("{id}/layer.tar"));
        }
        let cfg = img.config();
        let cname = format!("{}.json", hex(&cfg));
        add(&mut b, &cname, &cfg);
        manifest.push(serde_json::json!({
            "Config": cname, "RepoTags": img.tags, "Layers": layer_paths
        }));
    }
    add(&mut b, "repositories", b"{}");
    add(
        &mut b,
        "manifest.json",
        &serde_json::to_vec(&manifest).unwrap(),
    );
    b.into_inner().unwrap()
}

pub struct Oci {
    pub blobs: Vec<(String, Vec<u8>)>,
    pub index: Vec<u8>,
}

fn layer_media(stored: &[u8]) -> &'static str {
    if stored.starts_with(&[0x1f, 0x8b]) {
        "application/vnd.oci.image.layer.v1.tar+gzip"
    } else if stored.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        "application/vnd.oci.image.layer.v1.tar+zstd"
    } else {
        "application/vnd.oci.image.layer.v1.tar"
    }
}

/// Blobs and manifest descriptor for one image.
pub fn oci_image(img: &Img, blobs: &mut Vec<(String, Vec<u8>)>) -> serde_json::Value {
    let cfg = img.config();
    let mut layers = Vec::new();
    for (stored, _) in &img.layers {
        blobs.push((hex(stored), stored.clone()));
        layers.push(serde_json::json!({
            "mediaType": layer_media(stored), "digest": sha(stored), "size": stored.len()
        }));
    }
    blobs.push((hex(&cfg), cfg.clone()));
    let manifest = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha(&cfg), "size": cfg.len()},
        "layers": layers,
    }))
    .unwrap();
    blobs.push((hex(&manifest), manifest.clone()));
    let mut plat = serde_json::json!({"architecture": img.arch, "os": "linux"});
    if let Some(v) = &img.variant {
        plat["variant"] = serde_json::json!(v);
    }
    serde_json::json!({
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": sha(&manifest), "size": manifest.len(), "platform": plat,
        "annotations": {"org.opencontainers.image.ref.name": img.tags.first().cloned().unwrap_or_default()}
    })
}

/// An OCI layout: one image per entry of `index.json`, or all images in one
/// nested index when `nested` is set.
pub fn oci_layout(imgs: &[Img], nested: bool) -> Oci {
    let mut blobs = Vec::new();
    let descs: Vec<serde_json::Value> = imgs.iter().map(|i| oci_image(i, &mut blobs)).collect();
    let top = if nested {
        let inner = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "manifests": descs,
        }))
        .unwrap();
        blobs.push((hex(&inner), inner.clone()));
        vec![serde_json::json!({
            "mediaType": "application/vnd.oci.image.index.v1+json",
            "digest": sha(&inner), "size": inner.len(),
            "annotations": {"io.containerd.image.name": "example.com/multi:1"}
        })]
    } else {
        descs
    };
    let index = serde_json::to_vec(&serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": top,
    }))
    .unwrap();
    Oci { blobs, index }
}

impl Oci {
    pub fn to_tar(&self, legacy_manifest: Option<&[u8]>) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        add(&mut b, "oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
        add_dir(&mut b, "blobs");
        add_dir(&mut b, "blobs/sha256");
        let mut seen = std::collections::HashSet::new();
        for (h, data) in &self.blobs {
            if seen.insert(h.clone()) {
                add(&mut b, &format!("blobs/sha256/{h}"), data);
            }
        }
        add(&mut b, "index.json", &self.index);
        if let Some(m) = legacy_manifest {
            add(&mut b, "manifest.json", m);
        }
        b.into_inner().unwrap()
    }

    pub fn write_dir(&self, dir: &std::path::Path) {
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        std::fs::write(dir.join("index.json"), &self.index).unwrap();
        for (h, data) in &self.blobs {
            std::fs::write(dir.join("blobs/sha256").join(h), data).unwrap();
        }
    }
}

pub type Results = Result<
    Vec<Result<stockade_image::ImageSpec, stockade_image::ImageError>>,
    stockade_image::ImageError,
>;

/// A reader that cannot seek and hands out odd-sized pieces, like a socket.
pub struct OneWay<R> {
    pub inner: R,
    pub chunk: usize,
}

impl<R: std::io::Read> std::io::Read for OneWay<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.chunk);
        self.inner.read(&mut buf[..n])
    }
}

/// Reads `bytes` with the streaming reader, from a non-seekable source.
pub fn read_stream_with(bytes: Vec<u8>, opts: &stockade_image::ReadOptions) -> Results {
    stockade_image::read_stream(
        OneWay {
            inner: Cursor::new(bytes),
            chunk: 7919,
        },
        "test.tar",
        opts,
    )
}

/// Results compared as values: each image as its JSON form, errors as is.
pub fn comparable(r: &Results) -> Result<Vec<Result<serde_json::Value, String>>, String> {
    match r {
        Err(e) => Err(format!("{e:?}")),
        Ok(v) => Ok(v
            .iter()
            .map(|x| match x {
                Ok(spec) => Ok(serde_json::to_value(spec).unwrap()),
                Err(e) => Err(format!("{e:?}")),
            })
            .collect()),
    }
}

/// Asserts that the seekable and the streaming reader agree.
pub fn assert_same(seekable: &Results, streamed: &Results, what: &str) {
    let (a, b) = (comparable(seekable), comparable(streamed));
    if a == b {
        return;
    }
    let mut diff = String::new();
    match (&a, &b) {
        (Ok(x), Ok(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                match (p, q) {
                    (Ok(serde_json::Value::Object(p)), Ok(serde_json::Value::Object(q))) => {
                        for (k, v) in p {
                            if q.get(k) != Some(v) {
                                let show = |v: Option<&serde_json::Value>| {
                                    let s = format!("{v:?}");
                                    s.chars().take(1500).collect::<String>()
                                };
                                diff.push_str(&format!(
                                    "image {i} field {k}:\n  seekable {}\n  streamed {}\n",
                                    show(Some(v)),
                                    show(q.get(k))
                                ));
                            }
                        }
                    }
                    (p, q) if p != q => {
                        diff.push_str(&format!("image {i}:\n  seekable {p:?}\n  streamed {q:?}\n"))
                    }
                    _ => {}
                }
            }
        }
        _ => diff = format!("seekable {a:?}\nstreamed {b:?}"),
    }
    panic!("{what}: the streaming reader differs from the seekable one\n{diff}");
}

/// Reads `bytes` with the seekable reader (in-memory cursor) and, as a
/// check, with the streaming reader too: both must give the same result.
pub fn read(bytes: Vec<u8>) -> Results {
    read_with(bytes, &stockade_image::ReadOptions::default())
}

pub fn read_with(bytes: Vec<u8>, opts: &stockade_image::ReadOptions) -> Results {
    let streamed = read_stream_with(bytes.clone(), opts);
    let seekable = read_seekable_with(bytes, opts);
    assert_same(&seekable, &streamed, "archive");
    seekable
}

/// The seekable reader alone.
pub fn read_seekable_with(bytes: Vec<u8>, opts: &stockade_image::ReadOptions) -> Results {
    stockade_image::open_reader(Cursor::new(bytes), "test.tar", opts)
}

pub fn one(bytes: Vec<u8>) -> stockade_image::ImageSpec {
    let mut v = read(bytes).expect("archive opens");
    assert_eq!(v.len(), 1, "one image expected");
    v.remove(0).expect("image reads")
}

pub fn tmpdir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("stockade-image-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
