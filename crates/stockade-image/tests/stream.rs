//! The streaming reader (`read_stream`): archives read once from a source
//! that cannot seek, with members in any order. Every archive here is also
//! read by the seekable reader, and both must agree (`read_with` checks
//! it) except where a test says why not.

mod common;

use common::*;
use std::io::{Cursor, Read};
use stockade_core::{ArchiveLayout, Compression, PackageManager, PasswordState};
use stockade_image::{ImageErrorKind, ReadOptions, read_stream};

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";

fn serial() -> ReadOptions {
    ReadOptions {
        threads: 1,
        ..ReadOptions::default()
    }
}

/// A tar of `members` in the given order.
fn tar_of(members: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (p, d) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(d.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, p, &d[..]).unwrap();
    }
    b.into_inner().unwrap()
}

/// The members of a tar, in order (links are not used here).
fn members_of(archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut ar = tar::Archive::new(archive);
    let mut out = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        if e.header().entry_type() != tar::EntryType::Regular {
            continue;
        }
        let p = e.path().unwrap().display().to_string();
        let mut d = Vec::new();
        e.read_to_end(&mut d).unwrap();
        out.push((p, d));
    }
    out
}

/// Layers big enough that none is mistaken for metadata, one of each
/// compression, with the files rules read.
fn mixed_image(tag: &str) -> Img {
    let filler = E::File("usr/share/blob", vec![b'z'; 300_000], 0o644);
    let plain = layer_tar(&[
        file("etc/passwd", PASSWD),
        file("etc/group", "root:x:0:\n"),
        filler.clone(),
    ]);
    let gz_src = layer_tar(&[
        file(
            "lib/apk/db/installed",
            "P:musl\nV:1.2.4-r2\no:musl\n\nP:busybox\nV:1.36.1-r5\n",
        ),
        filler.clone(),
    ]);
    let zs_src = layer_tar(&[file("etc/alpine-release", "3.19.1\n"), filler]);
    Img::compressed(
        tag,
        vec![
            (plain.clone(), plain),
            (gzip(&gz_src), gz_src),
            (zstd(&zs_src), zs_src),
        ],
    )
}

fn hybrid_manifest(img: &Img) -> Vec<u8> {
    let cfg = img.config();
    serde_json::to_vec(&serde_json::json!([{
        "Config": format!("blobs/sha256/{}", hex(&cfg)),
        "RepoTags": img.tags,
        "Layers": img.layers.iter().map(|(s, _)| format!("blobs/sha256/{}", hex(s))).collect::<Vec<_>>(),
    }]))
    .unwrap()
}

#[test]
fn members_in_any_order() {
    let img = mixed_image("example.com/mixed:1");
    let oci = oci_layout(std::slice::from_ref(&img), false);
    // Docker 25+ order: oci-layout, the blobs, index.json, manifest.json.
    let blobs_first = oci.to_tar(Some(&hybrid_manifest(&img)));
    let members = members_of(&blobs_first);
    let mut manifests_first = members.clone();
    manifests_first.sort_by_key(|(p, _)| !p.ends_with(".json"));
    let mut reversed = members.clone();
    reversed.reverse();
    let mut interleaved = members.clone();
    interleaved.sort_by_key(|(p, _)| p.bytes().rev().collect::<Vec<_>>());

    let want = comparable(&read_with(blobs_first.clone(), &serial()));
    let spec = one(blobs_first);
    assert_eq!(spec.layout, ArchiveLayout::DockerOciHybrid);
    let comp: Vec<_> = spec.layers.iter().map(|l| l.compression).collect();
    assert_eq!(
        comp,
        vec![Compression::None, Compression::Gzip, Compression::Zstd]
    );
    for (l, d) in spec.layers.iter().zip(&spec.config.diff_ids) {
        assert_eq!(l.diff_id.as_ref(), Some(d));
    }
    assert_eq!(spec.users.len(), 2);
    assert_eq!(spec.packages.len(), 2);
    assert_eq!(spec.packages[0].manager, PackageManager::Apk);
    assert_eq!(
        spec.os_release.as_ref().unwrap().version_id.as_deref(),
        Some("3.19.1")
    );
    for order in [manifests_first, reversed, interleaved] {
        let bytes = tar_of(&order);
        let got = read_with(bytes.clone(), &serial());
        assert_eq!(comparable(&got), want);
        // The streaming reader on its own, from a trickle.
        let trickle = read_stream(
            OneWay {
                inner: Cursor::new(bytes),
                chunk: 1,
            },
            "test.tar",
            &serial(),
        );
        assert_eq!(comparable(&trickle), want);
    }

    // The plain OCI archive (no manifest.json), blobs first and last.
    let bytes = oci.to_tar(None);
    let spec = one(bytes.clone());
    assert_eq!(spec.layout, ArchiveLayout::OciArchive);
    let mut m = members_of(&bytes);
    m.reverse();
    let again = read_with(tar_of(&m), &serial()).unwrap().remove(0).unwrap();
    assert_eq!(
        serde_json::to_value(&again).unwrap(),
        serde_json::to_value(&spec).unwrap()
    );
}

#[test]
fn duplicate_layers_as_symlinks_either_side_of_their_target() {
    let shared = layer_tar(&[
        file("etc/passwd", PASSWD),
        E::File("big", vec![1u8; 100_000], 0o644),
    ]);
    let a = Img::new("a:1", vec![shared.clone(), layer_tar(&[file("a", "1")])]);
    let b = Img::new("b:1", vec![shared.clone(), layer_tar(&[file("b", "2")])]);
    let bytes = docker_legacy(&[a, b]);
    let v = read_with(bytes.clone(), &serial()).unwrap();
    assert_eq!(v.len(), 2);
    let (sa, sb) = (v[0].as_ref().unwrap(), v[1].as_ref().unwrap());
    assert!(sb.layers[0].member.starts_with("dup"));
    assert_eq!(sa.layers[0].diff_id, sb.layers[0].diff_id);
    assert_eq!(sb.users.len(), 2);

    // The same archive with every member reversed: the symlink to the
    // shared layer now comes before the layer it points to.
    let mut ar = tar::Archive::new(&bytes[..]);
    let mut entries: Vec<(tar::Header, Vec<u8>)> = Vec::new();
    for e in ar.entries().unwrap() {
        let mut e = e.unwrap();
        let mut d = Vec::new();
        e.read_to_end(&mut d).unwrap();
        entries.push((e.header().clone(), d));
    }
    entries.reverse();
    let mut b = tar::Builder::new(Vec::new());
    for (h, d) in &entries {
        b.append(h, &d[..]).unwrap();
    }
    let reversed = b.into_inner().unwrap();
    let w = read_with(reversed, &serial()).unwrap();
    assert_eq!(
        comparable(&Ok(w)),
        comparable(&Ok(v)),
        "order changed the result"
    );
}

#[test]
fn diff_id_mismatch_fails_that_image_only() {
    let base = layer_tar(&[
        file("etc/passwd", PASSWD),
        E::File("pad", vec![0u8; 70_000], 0o644),
    ]);
    let good = Img::new("good:1", vec![base.clone(), layer_tar(&[file("a", "1")])]);
    let mut bad = Img::compressed(
        "bad:1",
        vec![
            (gzip(&base), base.clone()),
            (
                zstd(&layer_tar(&[file("b", "2")])),
                layer_tar(&[file("b", "2")]),
            ),
        ],
    );
    bad.diff_ids = Some(vec![sha(&base), format!("sha256:{}", "0".repeat(64))]);
    let v = read_with(docker_legacy(&[good, bad]), &serial()).unwrap();
    assert_eq!(v.len(), 2);
    assert_eq!(v[0].as_ref().unwrap().users.len(), 2);
    let e = v[1].as_ref().unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::DigestMismatch);
    assert_eq!(e.image.as_deref(), Some("bad:1"));
    assert!(e.message.contains("diff id"), "{e}");
}

#[test]
fn multi_image_and_multi_platform_archives() {
    let base = layer_tar(&[file("etc/passwd", PASSWD)]);
    let imgs: Vec<Img> = (0..4)
        .map(|i| {
            Img::new(
                &format!("multi/{i}:1"),
                vec![
                    base.clone(),
                    layer_tar(&[E::FileOwned(
                        format!("app/{i}"),
                        vec![b'x'; i * 1000],
                        0o644,
                        0,
                    )]),
                ],
            )
        })
        .collect();
    let v = read_with(docker_legacy(&imgs), &serial()).unwrap();
    assert_eq!(v.len(), 4);
    for (i, s) in v.iter().enumerate() {
        let s = s.as_ref().unwrap();
        assert_eq!(s.reference, format!("multi/{i}:1"));
        assert_eq!(s.stats.regular_files, 2);
    }

    let mut arm = Img::new("multi:1", vec![layer_tar(&[file("etc/arm", "1")])]);
    arm.arch = "arm64".into();
    let bytes = oci_layout(&[Img::new("multi:1", vec![base]), arm], true).to_tar(None);
    assert_eq!(read_with(bytes.clone(), &serial()).unwrap().len(), 2);
    for (p, arch) in [("linux/arm64", "arm64"), ("linux/amd64", "amd64")] {
        let opts = ReadOptions {
            platform: Some(p.into()),
            ..serial()
        };
        let v = read_with(bytes.clone(), &opts).unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(
            v[0].as_ref().unwrap().config.architecture.as_deref(),
            Some(arch)
        );
    }
    let opts = ReadOptions {
        platform: Some("linux/s390x".into()),
        ..serial()
    };
    assert_eq!(
        read_with(bytes, &opts).unwrap_err().kind,
        ImageErrorKind::PlatformNotFound
    );
}

#[test]
fn truncated_streams_are_clear_errors() {
    let img = mixed_image("cut:1");
    let bytes = docker_legacy(std::slice::from_ref(&img));
    // Where each member's data starts and ends.
    let mut spans = Vec::new();
    let mut ar = tar::Archive::new(&bytes[..]);
    for e in ar.entries().unwrap() {
        let e = e.unwrap();
        let p = e.path().unwrap().display().to_string();
        spans.push((p, e.raw_file_position(), e.size()));
    }
    let layer = spans
        .iter()
        .find(|(p, _, s)| p.ends_with("layer.tar") && *s > 100_000)
        .unwrap()
        .clone();

    // Metadata first, cut inside a layer: that layer's image fails,
    // naming the member, in both readers.
    let mut m = members_of(&bytes);
    m.sort_by_key(|(p, _)| p.ends_with("layer.tar"));
    let meta_first = tar_of(&m);
    let mut ar = tar::Archive::new(&meta_first[..]);
    let start = ar
        .entries()
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.path().unwrap().display().to_string() == layer.0)
        .unwrap()
        .raw_file_position();
    let cut = (start + layer.2 / 2) as usize;
    let v = read_with(meta_first[..cut].to_vec(), &serial());
    let e = v.unwrap().remove(0).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::Truncated, "{e}");
    assert_eq!(e.member.as_deref(), Some(layer.0.as_str()));

    // Cut before manifest.json (written last): the seekable reader finds
    // no image; the stream knows it ended early.
    let manifest = spans.iter().find(|(p, _, _)| p == "manifest.json").unwrap();
    let cut = (manifest.1 - 512) as usize;
    let seekable = read_seekable_with(bytes[..cut].to_vec(), &serial()).unwrap_err();
    assert_eq!(seekable.kind, ImageErrorKind::NotAnImage);
    let e = read_stream_with(bytes[..cut].to_vec(), &serial()).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::Truncated, "{e}");
    assert!(e.message.contains("ended early"), "{e}");

    // A Docker 25+ stream cut before a layer blob, manifests first: the
    // image names the blob it never got.
    let oci = oci_layout(std::slice::from_ref(&img), false);
    let gz = format!("blobs/sha256/{}", hex(&img.layers[1].0));
    let mut m = members_of(&oci.to_tar(Some(&hybrid_manifest(&img))));
    m.sort_by_key(|(p, _)| (!p.ends_with(".json"), *p == gz));
    let full = tar_of(&m);
    let last = m.last().unwrap();
    assert_eq!(last.0, gz);
    let cut = full.len() - 1024 - last.1.len().div_ceil(512) * 512 - 512;
    let e = read_stream_with(full[..cut].to_vec(), &serial())
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::Truncated, "{e}");
    assert_eq!(e.member.as_deref(), Some(last.0.as_str()));
    // The seekable reader calls the same member missing.
    let e = read_seekable_with(full[..cut].to_vec(), &serial())
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::MissingBlob);

    // Cut anywhere (every 509 bytes of a small archive): an error or a
    // result, never a panic, and a result only once the manifest came.
    let small = Img::compressed(
        "small:1",
        vec![
            (
                gzip(&layer_tar(&[file("etc/passwd", PASSWD)])),
                layer_tar(&[file("etc/passwd", PASSWD)]),
            ),
            (layer_tar(&[file("a", "1")]), layer_tar(&[file("a", "1")])),
        ],
    );
    let bytes = docker_legacy(&[small]);
    let mut ar = tar::Archive::new(&bytes[..]);
    let manifest_at = ar
        .entries()
        .unwrap()
        .map(|e| e.unwrap())
        .find(|e| e.path().unwrap().display().to_string() == "manifest.json")
        .unwrap()
        .raw_file_position() as usize;
    let mut at = 0;
    while at < bytes.len() {
        match read_stream_with(bytes[..at].to_vec(), &serial()) {
            Err(e) => assert!(
                matches!(
                    e.kind,
                    ImageErrorKind::Truncated | ImageErrorKind::NotAnImage | ImageErrorKind::Io
                ),
                "cut at {at}: {e}"
            ),
            Ok(v) => assert!(at > manifest_at, "cut at {at}: {v:?}"),
        }
        at += 509;
    }
    // Cut just before the end-of-archive blocks: nothing is missing.
    let v = read_with(bytes[..bytes.len() - 1024].to_vec(), &serial()).unwrap();
    assert!(v[0].is_ok());
}

/// A source that fails after `ok` bytes.
struct Failing {
    inner: Cursor<Vec<u8>>,
    ok: u64,
}

impl Read for Failing {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.inner.position() >= self.ok {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionReset,
                "connection reset by peer",
            ));
        }
        let n = buf.len().min((self.ok - self.inner.position()) as usize);
        self.inner.read(&mut buf[..n])
    }
}

#[test]
fn hostile_streams() {
    let img = mixed_image("h:1");
    let bytes = docker_legacy(std::slice::from_ref(&img));

    // The source fails mid-stream: one error for the whole input.
    for ok in [100, 5000, bytes.len() as u64 / 2] {
        let e = read_stream(
            Failing {
                inner: Cursor::new(bytes.clone()),
                ok,
            },
            "sock",
            &serial(),
        )
        .unwrap_err();
        assert_eq!(e.kind, ImageErrorKind::Io, "{e}");
        assert!(e.message.contains("connection reset"), "{e}");
    }

    // More metadata than a stream keeps: a clear limit error, not memory.
    let opts = ReadOptions {
        max_kept_bytes: 600,
        ..serial()
    };
    let v = read_stream_with(bytes.clone(), &opts);
    let e = match v {
        Err(e) => e,
        Ok(mut v) => v.remove(0).unwrap_err(),
    };
    assert_eq!(e.kind, ImageErrorKind::LimitExceeded, "{e}");
    assert!(e.message.contains("stream keeps"), "{e}");

    // Member and metadata caps agree with the seekable reader.
    for opts in [
        ReadOptions {
            max_archive_members: 3,
            ..serial()
        },
        ReadOptions {
            max_metadata_bytes: 100,
            ..serial()
        },
    ] {
        let _ = read_with(bytes.clone(), &opts);
    }

    // A manifest that names a layer as the config, and the config as a layer.
    let cfg = img.config();
    let layer = img.layers[0].0.clone();
    let manifest = serde_json::to_vec(&serde_json::json!([
        {"Config": "l/layer.tar", "RepoTags": ["x:1"], "Layers": ["c.json"]},
        {"Config": "c.json", "RepoTags": ["y:1"], "Layers": ["c.json"]},
    ]))
    .unwrap();
    let arch = tar_of(&[
        ("l/layer.tar".into(), layer),
        ("c.json".into(), cfg),
        ("manifest.json".into(), manifest),
    ]);
    let v = read_with(arch, &serial()).unwrap();
    assert_eq!(v[0].as_ref().unwrap_err().kind, ImageErrorKind::Malformed);
    assert!(v[1].is_err());

    // Garbage after a valid first header; a lone header (the stream ends
    // where another header would be); nothing; a compressed archive.
    let mut g = bytes[..512].to_vec();
    g.extend_from_slice(&[0xff; 3000]);
    let _ = read_with(g, &serial());
    let e = read_stream_with(bytes[..512].to_vec(), &serial()).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::Truncated, "{e}");
    let e = read_with(Vec::new(), &serial()).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::NotAnImage, "{e}");
    let e = read_with(gzip(&bytes), &serial()).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::Unsupported, "{e}");
}

#[test]
fn image_budgets_replayed_over_shared_scans() {
    // Two layers, each within the caps, together over them: the image
    // fails at the second layer in both readers.
    let l1 = layer_tar(&[E::File("a", vec![1u8; 200_000], 0o644)]);
    let l2 = layer_tar(&[
        E::File("b", vec![2u8; 200_000], 0o644),
        file("etc/passwd", PASSWD),
    ]);
    let img = Img::new("budget:1", vec![l1.clone(), l2.clone()]);
    let other = Img::new("other:1", vec![l2.clone()]);
    let bytes = docker_legacy(&[img, other]);
    let opts = ReadOptions {
        max_total_bytes: 300_000,
        ..serial()
    };
    let v = read_with(bytes.clone(), &opts).unwrap();
    let e = v[0].as_ref().unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::LimitExceeded);
    assert!(e.message.contains("total limit"), "{e}");
    // The image using only the second layer reads.
    assert_eq!(v[1].as_ref().unwrap().users.len(), 2);

    let opts = ReadOptions {
        max_entries: 2,
        ..serial()
    };
    let v = read_with(bytes.clone(), &opts).unwrap();
    assert_eq!(
        v[0].as_ref().unwrap_err().kind,
        ImageErrorKind::LimitExceeded
    );

    // A captured budget that holds /etc/passwd of one layer but not two.
    let first = layer_tar(&[file("etc/passwd", PASSWD)]);
    let second = layer_tar(&[file("etc/passwd", "root:x:0:0::/:/bin/sh\n")]);
    let img = Img::new("cap:1", vec![first, second.clone()]);
    let alone = Img::new("alone:1", vec![second]);
    let opts = ReadOptions {
        max_captured_bytes: PASSWD.len() as u64 + 5,
        ..serial()
    };
    let v = read_with(docker_legacy(&[img, alone]), &opts).unwrap();
    // The second layer's /etc/passwd is over the budget in the first image,
    // and read again by the second pass: one user.
    assert_eq!(v[0].as_ref().unwrap().users.len(), 1);
    assert_eq!(v[1].as_ref().unwrap().users.len(), 1);
}

#[test]
fn files_behind_links_read_in_one_pass() {
    // Rules read /etc/passwd, the dpkg status and sudoers files; here
    // they are links to files in lower layers, which the seekable reader
    // reads a second time.
    let l1 = layer_tar(&[
        E::Dir("opt/conf", 0o755),
        file("opt/conf/passwd", PASSWD),
        file("opt/conf/shadow", "root:*:1::::::\napp::1::::::\n"),
        file("usr/etc/group", "root:x:0:\nwheel:x:10:app\n"),
        file(
            "srv/release/os-release",
            "ID=debian\nVERSION_ID=\"12\"\nPRETTY_NAME=\"Debian 12\"\n",
        ),
        file(
            "data/status.d/tzdata",
            "Package: tzdata\nStatus: install ok installed\nVersion: 2024a\n",
        ),
        file("data/sudoers.d/app", "app ALL=(ALL) NOPASSWD: ALL\n"),
        file("nix/store/abc-sudoers", "root ALL=(ALL) ALL\n"),
        E::File("pad", vec![0u8; 100_000], 0o644),
    ]);
    let l2 = layer_tar(&[
        E::Dir("etc", 0o755),
        E::Sym("etc/passwd", "/opt/conf/passwd"),
        E::Sym("etc/shadow", "../opt/conf/shadow"),
        E::Sym("etc/group", "/usr/etc/group"),
        E::Sym("etc/os-release", "/srv/release/os-release"),
        E::Sym("var/lib/dpkg/status.d", "/data/status.d"),
        E::Sym("etc/sudoers.d", "/data/sudoers.d"),
        E::Sym("etc/sudoers", "/nix/store/abc-sudoers"),
    ]);
    // A hardlink in the same layer as its data.
    let l3 = layer_tar(&[
        file("usr/lib/apk/installed", "P:musl\nV:1.2.4-r2\n"),
        E::Hard("lib/apk/db/installed", "usr/lib/apk/installed"),
    ]);
    let bytes = docker_legacy(&[Img::new("links:1", vec![l1, l2, l3])]);
    let v = read_with(bytes, &serial()).unwrap();
    let s = v[0].as_ref().unwrap();
    assert_eq!(s.users.len(), 2);
    assert_eq!(s.find_user("app").unwrap().password, PasswordState::Empty);
    assert_eq!(s.groups[1].members, vec!["app"]);
    assert_eq!(
        s.os_release.as_ref().unwrap().pretty_name.as_deref(),
        Some("Debian 12")
    );
    let pk: Vec<_> = s.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(pk, vec!["tzdata", "musl"]);
    assert_eq!(s.sudoers.len(), 2);
}

#[test]
fn real_fixtures_read_the_same_streamed() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut images = Vec::new();
    flate2::read::GzDecoder::new(std::fs::File::open(dir.join("images.tar.gz")).unwrap())
        .read_to_end(&mut images)
        .unwrap();
    let debian = std::fs::read(dir.join("debianlike.tar")).unwrap();
    for (name, bytes) in [("images.tar", images), ("debianlike.tar", debian)] {
        for opts in [
            ReadOptions::default(),
            serial(),
            ReadOptions {
                platform: Some("linux/amd64".into()),
                ..ReadOptions::default()
            },
            ReadOptions {
                platform: Some("linux/arm64".into()),
                ..ReadOptions::default()
            },
            ReadOptions {
                max_captured_bytes: 300,
                ..serial()
            },
        ] {
            let seekable = read_seekable_with(bytes.clone(), &opts);
            let streamed = read_stream_with(bytes.clone(), &opts);
            assert_same(&seekable, &streamed, name);
        }
        // Streamed straight from the file.
        let f = std::fs::File::open(dir.join(if name == "images.tar" {
            "images.tar.gz"
        } else {
            name
        }))
        .unwrap();
        let streamed = if name == "images.tar" {
            read_stream(
                flate2::read::GzDecoder::new(f),
                "test.tar",
                &ReadOptions::default(),
            )
        } else {
            read_stream(f, "test.tar", &ReadOptions::default())
        };
        let seekable = read_seekable_with(bytes, &ReadOptions::default());
        assert_same(&seekable, &streamed, name);
        assert!(streamed.unwrap().iter().all(|r| r.is_ok()));
    }
}

#[test]
fn link_to_a_file_of_another_name_is_not_read_from_a_stream() {
    // /etc/passwd links to a file whose name tells nothing, in a lower
    // layer: a seekable read reads it in a second pass; a stream is past
    // it when the link is resolved, so the users are unknown (documented
    // on `read_stream`).
    let l1 = layer_tar(&[
        file("opt/users.txt", PASSWD),
        E::File("pad", vec![0u8; 100_000], 0o644),
    ]);
    let l2 = layer_tar(&[E::Dir("etc", 0o755), E::Sym("etc/passwd", "/opt/users.txt")]);
    let bytes = docker_legacy(&[Img::new("other-name:1", vec![l1, l2])]);
    let seekable = read_seekable_with(bytes.clone(), &serial())
        .unwrap()
        .remove(0)
        .unwrap();
    let streamed = read_stream_with(bytes, &serial())
        .unwrap()
        .remove(0)
        .unwrap();
    assert_eq!(seekable.users.len(), 2);
    assert!(streamed.users.is_empty());
    // Everything else is the same.
    assert_eq!(seekable.stats, streamed.stats);
    assert_eq!(seekable.layers, streamed.layers);
}
