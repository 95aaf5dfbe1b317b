//! Archives built in the test for every layout and edge case.

mod common;

use common::*;
use stockade_core::{
    AnomalyKind, ArchiveLayout, Compression, FileType, NotableKind, PackageManager, PasswordState,
    SecretKind,
};
use stockade_image::{ImageErrorKind, ReadOptions, looks_like_image_archive, open};

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\napp:x:1000:1000::/home/app:/bin/sh\n";
const SHADOW: &str =
    "root::19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\napp:$6$abc$def:19000:0:99999:7:::\n";
const DPKG: &str = "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\nSource: glibc\nArchitecture: amd64\n\nPackage: removed\nStatus: deinstall ok config-files\nVersion: 1.0\n\nPackage: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\n";

fn base_layer() -> Vec<u8> {
    layer_tar(&[
        E::Dir("etc", 0o755),
        file("etc/passwd", PASSWD),
        E::File("etc/shadow", SHADOW.as_bytes().to_vec(), 0o640),
        file("etc/group", "root:x:0:\nsudo:x:27:app\n"),
        E::Dir("usr/lib", 0o755),
        file(
            "usr/lib/os-release",
            "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n",
        ),
        E::Sym("etc/os-release", "../usr/lib/os-release"),
        file("etc/debian_version", "12.5\n"),
        file("var/lib/dpkg/status", DPKG),
        E::File("usr/bin/su", b"\x7fELF".to_vec(), 0o4755),
        E::File("usr/bin/wall", b"\x7fELF".to_vec(), 0o2755),
        E::Dir("tmp", 0o1777),
        E::Dir("data", 0o777),
        E::File("data/log", b"x".to_vec(), 0o666),
        file(
            "etc/sudoers",
            "root ALL=(ALL) ALL\napp ALL=(ALL) NOPASSWD: ALL\n",
        ),
    ])
}

#[test]
fn legacy_layout_facts() {
    let l2 = layer_tar(&[
        file("app/.env", "DB_PASSWORD=hunter2\n"),
        file(
            "app/config.yml",
            "a: 1\ntoken: ghp_aB3dE5gH7jK9mN1pQ3sT5vX7zA9cE1gI3kM5\n",
        ),
    ]);
    let mut img = Img::new("example.com/app:1.0", vec![base_layer(), l2]);
    img.user = Some("app".into());
    let spec = one(docker_legacy(&[img]));

    assert_eq!(spec.reference, "example.com/app:1.0");
    assert_eq!(spec.layout, ArchiveLayout::DockerLegacy);
    assert_eq!(spec.config.user.as_deref(), Some("app"));
    assert_eq!(spec.config.exposed_ports, vec!["8080/tcp"]);
    assert_eq!(spec.config.env_value("SECRET_TOKEN"), Some("x"));
    assert_eq!(
        spec.config.cmd.as_deref(),
        Some(&["/bin/sh".to_string()][..])
    );
    assert_eq!(
        spec.config.labels,
        vec![("maintainer".to_string(), "t".to_string())]
    );
    assert_eq!(
        spec.config.healthcheck.as_ref().unwrap().interval_ns,
        Some(30_000_000_000)
    );
    assert_eq!(spec.config.created.as_deref(), Some("2024-05-01T12:00:00Z"));
    assert_eq!(spec.config.created_days, Some(19_844));
    assert_eq!(spec.config.architecture.as_deref(), Some("amd64"));

    // History: the empty step maps to no layer, the others in order.
    assert_eq!(spec.history.len(), 3);
    assert!(spec.history[0].empty_layer && spec.history[0].layer.is_none());
    assert_eq!(spec.history[2].layer, Some(1));
    assert_eq!(spec.history[2].layer_digest, spec.layers[1].diff_id);

    assert_eq!(spec.layers.len(), 2);
    assert_eq!(spec.layers[0].compression, Compression::None);
    assert!(
        spec.layers[0]
            .diff_id
            .as_deref()
            .unwrap()
            .starts_with("sha256:")
    );
    assert_eq!(spec.layers[0].entries, 15);

    let os = spec.os_release.as_ref().unwrap();
    assert_eq!(os.id.as_deref(), Some("debian"));
    assert_eq!(os.version_id.as_deref(), Some("12"));
    assert_eq!(os.file.path, "usr/lib/os-release");
    assert_eq!(os.extra[0].1, "12.5");

    let names: Vec<_> = spec.packages.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["libc6", "bash"]);
    assert_eq!(spec.packages[0].manager, PackageManager::Dpkg);
    assert_eq!(spec.packages[0].source.as_deref(), Some("glibc"));
    assert!(spec.package_dbs[0].read);

    assert_eq!(spec.users.len(), 3);
    assert_eq!(
        spec.find_user("root").unwrap().password,
        PasswordState::Empty
    );
    assert_eq!(
        spec.find_user("nobody").unwrap().password,
        PasswordState::Locked
    );
    assert_eq!(spec.find_user("app").unwrap().password, PasswordState::Hash);
    assert_eq!(spec.groups[1].members, vec!["app"]);
    assert_eq!(spec.passwd_file.as_ref().unwrap().layer, 0);
    assert!(spec.sudoers[0].text.contains("NOPASSWD"));

    let setid: Vec<_> = spec
        .setid_files
        .iter()
        .map(|f| (f.file.path.as_str(), f.setuid, f.setgid))
        .collect();
    assert_eq!(
        setid,
        vec![("usr/bin/su", true, false), ("usr/bin/wall", false, true)]
    );
    assert_eq!(
        spec.setid_files[0].file.layer_digest,
        spec.layers[0].diff_id.clone().unwrap()
    );
    let ww: Vec<_> = spec
        .world_writable
        .iter()
        .map(|w| (w.file.path.as_str(), w.is_dir, w.sticky))
        .collect();
    assert_eq!(
        ww,
        vec![
            ("data", true, false),
            ("data/log", false, false),
            ("tmp", true, true)
        ]
    );

    let mut kinds: Vec<_> = spec
        .secrets
        .iter()
        .map(|s| (s.file.path.clone(), s.kind.name()))
        .collect();
    kinds.sort();
    assert_eq!(
        kinds,
        vec![
            ("app/.env".to_string(), "dotenv".to_string()),
            ("app/config.yml".to_string(), "token:github-pat".to_string())
        ]
    );
    let tok = spec
        .secrets
        .iter()
        .find(|s| s.file.path == "app/config.yml")
        .unwrap();
    assert_eq!(tok.line, Some(2));
    assert!(!tok.redacted.as_deref().unwrap().contains("aB3dE5gH7"));
    assert!(!tok.deleted_in_later_layer);
    assert_eq!(tok.file.layer, 1);

    assert_eq!(spec.stats.regular_files, 12);
    let notable: Vec<_> = spec
        .notable_files
        .iter()
        .map(|n| (n.file.path.as_str(), n.kind))
        .collect();
    assert_eq!(notable, vec![("usr/bin/su", NotableKind::PrivilegeTool)]);
    assert!(spec.stats.file_count > spec.stats.regular_files);
    assert_eq!(
        spec.stats.uncompressed_size,
        spec.layers.iter().map(|l| l.uncompressed_size).sum::<u64>()
    );
}

#[test]
fn whiteouts_opaque_and_file_over_dir() {
    let l1 = layer_tar(&[
        file("a/keep", "1"),
        file("a/gone", "1"),
        file("b/old1", "1"),
        file("b/old2", "1"),
        file("c/sub/deep", "1"),
        E::File("d/suid", b"x".to_vec(), 0o4755),
    ]);
    let l2 = layer_tar(&[
        file("a/.wh.gone", ""),
        // Opaque marker written after this layer's own child: still only lower children go.
        file("b/new", "2"),
        file("b/.wh..wh..opq", ""),
        // A file over a directory replaces the subtree.
        file("c", "now a file"),
        file(".wh.d", ""),
        // AUFS metadata is ignored.
        file(".wh..wh.plnk/x", ""),
    ]);
    let spec = one(docker_legacy(&[Img::new("t:1", vec![l1, l2])]));
    // No setuid file survives: d was whited out.
    assert!(spec.setid_files.is_empty());
    // keep, b/new, c = 3 regular files.
    assert_eq!(spec.stats.regular_files, 3);
    // dirs: a, b
    assert_eq!(spec.stats.directories, 2);
}

#[test]
fn deleted_secret_is_still_reported() {
    let key = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----\n";
    let l1 = layer_tar(&[
        E::Dir("root/.ssh", 0o700),
        file("root/.ssh/id_ed25519", key),
    ]);
    let l2 = layer_tar(&[file("root/.ssh/.wh.id_ed25519", "")]);
    let l3 = layer_tar(&[
        file("srv/server.pem", key),
        file("srv/cert.pem", "-----BEGIN CERTIFICATE-----\nMIIBxx\n"),
    ]);
    let spec = one(docker_legacy(&[Img::new("t:1", vec![l1, l2, l3])]));
    let ssh = spec
        .secrets
        .iter()
        .find(|s| s.kind == SecretKind::SshPrivateKey)
        .unwrap();
    assert!(ssh.deleted_in_later_layer);
    assert_eq!(ssh.file.layer, 0);
    assert_eq!(ssh.line, Some(1));
    let pem = spec
        .secrets
        .iter()
        .find(|s| s.kind == SecretKind::PrivateKey)
        .unwrap();
    assert_eq!(pem.file.path, "srv/server.pem");
    assert!(!pem.deleted_in_later_layer);
    // A certificate is not a key.
    assert!(!spec.secrets.iter().any(|s| s.file.path == "srv/cert.pem"));
    assert_eq!(spec.secrets.len(), 2);
}

#[test]
fn links_resolve_inside_the_image() {
    let l1 = layer_tar(&[
        file("opt/real/passwd", PASSWD),
        file("opt/db/status", DPKG),
        E::Dir("etc", 0o755),
        // /etc/passwd as a hardlink, the dpkg status as an absolute symlink.
        E::Hard("etc/passwd", "opt/real/passwd"),
        E::Sym("var/lib/dpkg/status", "/opt/db/status"),
        // Escaping links: resolved inside the image, flagged.
        E::Sym("esc", "../../../../../etc/passwd"),
        E::Hard("bad-hard", "../../etc/hostname"),
        E::Hard("missing-hard", "no/such/file"),
    ]);
    let spec = one(docker_legacy(&[Img::new("t:1", vec![l1])]));
    assert_eq!(spec.users.len(), 3, "passwd read through a hardlink");
    assert_eq!(spec.packages.len(), 2, "dpkg status read through a symlink");
    let kinds: Vec<_> = spec
        .anomalies
        .iter()
        .map(|a| (a.path.as_str(), a.kind))
        .collect();
    assert!(
        kinds.contains(&("esc", AnomalyKind::SymlinkEscapesRoot)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("bad-hard", AnomalyKind::HardlinkEscapesRoot)),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&("missing-hard", AnomalyKind::HardlinkTargetMissing)),
        "{kinds:?}"
    );
}

#[test]
fn hostile_entry_names() {
    let l1 = layer_tar(&[
        E::RawName(b"../../etc/evil".to_vec(), b"x".to_vec()),
        E::RawName(b"/etc/abs".to_vec(), b"y".to_vec()),
        E::RawName(b"./ok/../fine".to_vec(), b"z".to_vec()),
    ]);
    let spec = one(docker_legacy(&[Img::new("t:1", vec![l1])]));
    let kinds: Vec<_> = spec
        .anomalies
        .iter()
        .map(|a| (a.path.as_str(), a.kind))
        .collect();
    assert!(kinds.contains(&("../../etc/evil", AnomalyKind::PathTraversal)));
    assert!(kinds.contains(&("/etc/abs", AnomalyKind::AbsolutePath)));
    // etc/abs and fine are in the view; the traversal entry is not.
    assert_eq!(spec.stats.regular_files, 2);
    assert_eq!(
        spec.anomalies[0].layer_digest,
        spec.layers[0].diff_id.clone().unwrap()
    );
}

#[test]
fn long_names_gnu_and_pax() {
    let long = format!("{}/passwd-copy", "d".repeat(150));
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(3);
    h.set_mode(0o4755);
    b.append_data(&mut h, &long, &b"abc"[..]).unwrap();
    // A PAX path record overriding a short ustar name.
    b.append_pax_extensions([("path", b"pax/real-name".as_slice())])
        .unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_size(1);
    h.set_mode(0o644);
    b.append_data(&mut h, "short", &b"q"[..]).unwrap();
    let layer = b.into_inner().unwrap();
    let spec = one(docker_legacy(&[Img::new("t:1", vec![layer])]));
    assert_eq!(spec.setid_files[0].file.path, long);
    assert_eq!(spec.stats.regular_files, 2);
}

#[test]
fn oci_archive_with_mixed_compression() {
    let plain = layer_tar(&[file("etc/passwd", PASSWD)]);
    let gz_src = layer_tar(&[file(
        "lib/apk/db/installed",
        "P:musl\nV:1.2.4-r2\no:musl\n\nP:busybox\nV:1.36.1-r5\n",
    )]);
    let zs_src = layer_tar(&[file("etc/alpine-release", "3.19.1\n")]);
    let img = Img::compressed(
        "alpine:3.19",
        vec![
            (plain.clone(), plain),
            (gzip(&gz_src), gz_src),
            (zstd(&zs_src), zs_src),
        ],
    );
    let oci = oci_layout(&[img], false);
    let spec = one(oci.to_tar(None));
    assert_eq!(spec.layout, ArchiveLayout::OciArchive);
    let comp: Vec<_> = spec.layers.iter().map(|l| l.compression).collect();
    assert_eq!(
        comp,
        vec![Compression::None, Compression::Gzip, Compression::Zstd]
    );
    assert_eq!(
        spec.layers[1].media_type.as_deref(),
        Some("application/vnd.oci.image.layer.v1.tar+gzip")
    );
    assert!(spec.layers[1].compressed_size < spec.layers[1].uncompressed_size);
    assert_eq!(spec.packages.len(), 2);
    assert_eq!(spec.packages[0].manager, PackageManager::Apk);
    let os = spec.os_release.as_ref().unwrap();
    assert_eq!(
        (os.id.as_deref(), os.version_id.as_deref()),
        (Some("alpine"), Some("3.19.1"))
    );
    assert!(spec.manifest_digest.is_some());
    assert_eq!(spec.tags, vec!["alpine:3.19"]);
}

#[test]
fn oci_directory_and_hybrid_layout() {
    let l = layer_tar(&[file("etc/passwd", PASSWD)]);
    let gz = gzip(&l);
    let img = Img::compressed("example.com/x:2", vec![(gz.clone(), l)]);
    let oci = oci_layout(std::slice::from_ref(&img), false);
    let dir = tmpdir("ocidir");
    oci.write_dir(&dir);
    assert!(looks_like_image_archive(&dir));
    let v = open(&dir, &ReadOptions::default()).unwrap();
    let spec = v.into_iter().next().unwrap().unwrap();
    assert_eq!(spec.layout, ArchiveLayout::OciDirectory);
    assert_eq!(spec.users.len(), 3);

    // Docker 25+ hybrid: a legacy manifest.json naming the OCI blobs.
    let cfg = img.config();
    let legacy = serde_json::to_vec(&serde_json::json!([{
        "Config": format!("blobs/sha256/{}", hex(&cfg)),
        "RepoTags": ["example.com/x:2"],
        "Layers": [format!("blobs/sha256/{}", hex(&gz))],
    }]))
    .unwrap();
    let bytes = oci.to_tar(Some(&legacy));
    let path = dir.join("hybrid.tar");
    std::fs::write(&path, &bytes).unwrap();
    assert!(looks_like_image_archive(&path));
    let v = open(&path, &ReadOptions::default()).unwrap();
    assert_eq!(v.len(), 1);
    let spec = v.into_iter().next().unwrap().unwrap();
    assert_eq!(spec.layout, ArchiveLayout::DockerOciHybrid);
    assert_eq!(spec.layers[0].compression, Compression::Gzip);
    assert_eq!(
        spec.layers[0].media_type.as_deref(),
        Some("application/vnd.oci.image.layer.v1.tar+gzip")
    );
    assert!(spec.manifest_digest.is_some());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn multi_platform_index() {
    let l = layer_tar(&[file("etc/passwd", PASSWD)]);
    let amd = Img::new("multi:1", vec![l.clone()]);
    let mut arm = Img::new("multi:1", vec![layer_tar(&[file("etc/arm", "1")])]);
    arm.arch = "arm64".into();
    arm.variant = Some("v8".into());
    let bytes = oci_layout(&[amd, arm], true).to_tar(None);

    let all = read(bytes.clone()).unwrap();
    assert_eq!(all.len(), 2);
    let plats: Vec<_> = all
        .iter()
        .map(|r| {
            r.as_ref()
                .unwrap()
                .index_platform
                .as_ref()
                .unwrap()
                .display()
        })
        .collect();
    assert_eq!(plats, vec!["linux/amd64", "linux/arm64/v8"]);
    // The outer index's name reaches both.
    assert!(
        all[0]
            .as_ref()
            .unwrap()
            .tags
            .contains(&"example.com/multi:1".to_string())
    );

    for (want, arch) in [
        ("linux/arm64/v8", "arm64"),
        ("linux/arm64", "arm64"),
        ("linux/amd64", "amd64"),
    ] {
        let opts = ReadOptions {
            platform: Some(want.into()),
            ..ReadOptions::default()
        };
        let v = read_with(bytes.clone(), &opts).unwrap();
        assert_eq!(v.len(), 1, "{want}");
        assert_eq!(
            v[0].as_ref().unwrap().config.architecture.as_deref(),
            Some(arch)
        );
    }
    let opts = ReadOptions {
        platform: Some("linux/s390x".into()),
        ..ReadOptions::default()
    };
    assert_eq!(
        read_with(bytes, &opts).unwrap_err().kind,
        ImageErrorKind::PlatformNotFound
    );
}

#[test]
fn two_images_one_broken() {
    let shared = layer_tar(&[file("etc/passwd", PASSWD)]);
    let good = Img::new("good:1", vec![shared.clone(), layer_tar(&[file("a", "1")])]);
    let mut bad = Img::new("bad:1", vec![shared, layer_tar(&[file("b", "2")])]);
    bad.diff_ids = Some(vec![
        sha(&bad.layers[0].1),
        format!("sha256:{}", "0".repeat(64)),
    ]);
    let v = read(docker_legacy(&[good, bad])).unwrap();
    assert_eq!(v.len(), 2);
    let g = v[0].as_ref().unwrap();
    assert_eq!(g.reference, "good:1");
    assert_eq!(g.users.len(), 3);
    let e = v[1].as_ref().unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::DigestMismatch);
    assert_eq!(e.image.as_deref(), Some("bad:1"));
    assert_eq!(
        e.layer.as_deref(),
        Some(format!("sha256:{}", "0".repeat(64)).as_str())
    );
    assert!(e.member.as_deref().unwrap().ends_with("layer.tar"));
    let msg = e.to_string();
    assert!(msg.contains("test.tar") && msg.contains("diff id"), "{msg}");

    // With verification off, the same image reads.
    let opts = ReadOptions {
        verify_digests: false,
        ..ReadOptions::default()
    };
    let mut bad2 = Img::new("bad:1", vec![layer_tar(&[file("b", "2")])]);
    bad2.diff_ids = Some(vec![format!("sha256:{}", "1".repeat(64))]);
    assert!(read_with(docker_legacy(&[bad2]), &opts).unwrap()[0].is_ok());
}

#[test]
fn shared_layer_written_as_symlink() {
    let shared = layer_tar(&[file("etc/passwd", PASSWD)]);
    let a = Img::new("a:1", vec![shared.clone()]);
    let b = Img::new("b:1", vec![shared]);
    let bytes = docker_legacy(&[a, b]);
    let v = read(bytes).unwrap();
    assert_eq!(v.len(), 2);
    assert!(v[1].as_ref().unwrap().layers[0].member.starts_with("dup"));
    assert_eq!(v[1].as_ref().unwrap().users.len(), 3);
}

#[test]
fn blob_digest_mismatch_and_missing_blob() {
    let l = layer_tar(&[file("x", "1")]);
    let gz = gzip(&l);
    let img = Img::compressed("t:1", vec![(gz.clone(), l.clone())]);
    let mut oci = oci_layout(std::slice::from_ref(&img), false);
    // Tamper with the stored layer: same uncompressed content, other bytes.
    let other = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        std::io::Write::write_all(&mut enc, &l).unwrap();
        enc.finish().unwrap()
    };
    assert_ne!(other, gz);
    for b in oci.blobs.iter_mut() {
        if b.0 == hex(&gz) {
            b.1 = other.clone();
        }
    }
    let e = read(oci.to_tar(None)).unwrap().remove(0).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::DigestMismatch);
    assert!(e.message.contains("blob is"), "{e}");

    // Same size and same uncompressed content, other stored bytes (the
    // gzip header's mtime): the diff id the config lists vouches for every
    // byte the rules see, so the image reads, with the content checked.
    let mut touched = gz.clone();
    touched[4] ^= 0xff;
    let mut oci = oci_layout(std::slice::from_ref(&img), false);
    for b in oci.blobs.iter_mut() {
        if b.0 == hex(&gz) {
            b.1 = touched.clone();
        }
    }
    let spec = read(oci.to_tar(None)).unwrap().remove(0).unwrap();
    assert_eq!(spec.layers.len(), 1);
    assert_eq!(
        spec.layers[0].diff_id.as_deref(),
        Some(format!("sha256:{}", hex(&l)).as_str())
    );
    // Other uncompressed content under the same diff id is refused.
    let mut oci = oci_layout(std::slice::from_ref(&img), false);
    for b in oci.blobs.iter_mut() {
        if b.0 == hex(&gz) {
            b.1 = gzip(&layer_tar(&[file("x", "2")]));
        }
    }
    let e = read(oci.to_tar(None)).unwrap().remove(0).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::DigestMismatch);

    let mut oci = oci_layout(&[img], false);
    oci.blobs.retain(|b| b.0 != hex(&gz));
    let e = read(oci.to_tar(None)).unwrap().remove(0).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::MissingBlob);
    assert_eq!(
        e.member.as_deref(),
        Some(format!("blobs/sha256/{}", hex(&gz)).as_str())
    );
}

#[test]
fn manifest_path_escape() {
    let l = layer_tar(&[file("x", "1")]);
    let img = Img::new("t:1", vec![l]);
    let cfg = img.config();
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |p: &str, d: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(d.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, p, d).unwrap();
    };
    add(&format!("{}.json", hex(&cfg)), &cfg);
    add(
        "manifest.json",
        &serde_json::to_vec(&serde_json::json!([{
            "Config": format!("{}.json", hex(&cfg)), "RepoTags": null,
            "Layers": ["../../../etc/passwd"]
        }]))
        .unwrap(),
    );
    let e = read(b.into_inner().unwrap())
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::PathEscape);
    // Untagged image: named by its config digest.
    assert_eq!(e.image.as_deref(), Some(sha(&cfg).as_str()));
}

#[test]
fn truncated_archive_and_layer() {
    let l = layer_tar(&[E::File("big", vec![7u8; 40_000], 0o644)]);
    let img = Img::new("t:1", vec![l.clone()]);
    let cfg = img.config();
    // Metadata first, then a layer member cut short.
    let mut out = Vec::new();
    {
        let mut b = tar::Builder::new(&mut out);
        let mut add = |p: &str, d: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, p, d).unwrap();
        };
        add("c.json", &cfg);
        add(
            "manifest.json",
            &serde_json::to_vec(&serde_json::json!([{"Config": "c.json", "RepoTags": ["t:1"], "Layers": ["l/layer.tar"]}]))
                .unwrap(),
        );
        add("l/layer.tar", &l);
        b.finish().unwrap();
    }
    let cut = out.len() - 1024 - 30_000;
    out.truncate(cut);
    let e = read(out).unwrap().remove(0).unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::Truncated, "{e}");
    assert_eq!(e.member.as_deref(), Some("l/layer.tar"));

    // A gzip layer cut short inside an otherwise valid archive.
    let gz = gzip(&l);
    let short = gz[..gz.len() / 2].to_vec();
    let img = Img::compressed("t:1", vec![(short, l)]);
    let e = read(docker_legacy(&[img])).unwrap().remove(0).unwrap_err();
    assert!(
        matches!(
            e.kind,
            ImageErrorKind::Truncated | ImageErrorKind::Malformed
        ),
        "{e}"
    );
    assert!(e.layer.is_some());
}

#[test]
fn huge_header_size() {
    // A header claiming 8 GiB with almost nothing behind it.
    let mut h = [0u8; 512];
    h[..4].copy_from_slice(b"huge");
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(b"77777777777");
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut layer = h.to_vec();
    layer.extend_from_slice(&[1u8; 4096]);
    let gz = gzip(&layer);

    let img = Img::compressed("t:1", vec![(gz.clone(), layer.clone())]);
    let e = read(docker_legacy(std::slice::from_ref(&img)))
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::Truncated, "{e}");

    let opts = ReadOptions {
        max_layer_bytes: 1 << 30,
        ..ReadOptions::default()
    };
    let e = read_with(docker_legacy(&[img]), &opts)
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::LimitExceeded, "{e}");
    assert_eq!(e.member.as_deref(), Some("huge"));
}

#[test]
fn decompression_bomb_is_capped() {
    let l = layer_tar(&[E::File("zeros", vec![0u8; 8 << 20], 0o644)]);
    let gz = gzip(&l);
    assert!(gz.len() < 100_000);
    let img = Img::compressed("bomb:1", vec![(gz, l)]);
    let bytes = docker_legacy(&[img]);
    let opts = ReadOptions {
        max_layer_bytes: 1 << 20,
        ..ReadOptions::default()
    };
    let e = read_with(bytes.clone(), &opts)
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::LimitExceeded);
    let opts = ReadOptions {
        max_total_bytes: 2 << 20,
        ..ReadOptions::default()
    };
    let e = read_with(bytes.clone(), &opts)
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::LimitExceeded);
    // Under the default caps it reads.
    assert!(read(bytes).unwrap()[0].is_ok());
}

#[test]
fn entry_count_is_capped() {
    let entries: Vec<E> = (0..50)
        .map(|i| E::FileOwned(format!("f/{i}"), vec![], 0o644, 0))
        .collect();
    let img = Img::new("many:1", vec![layer_tar(&entries)]);
    let opts = ReadOptions {
        max_entries: 10,
        ..ReadOptions::default()
    };
    let e = read_with(docker_legacy(&[img]), &opts)
        .unwrap()
        .remove(0)
        .unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::LimitExceeded);
}

#[test]
fn not_images() {
    assert_eq!(
        read(b"hello world".repeat(100)).unwrap_err().kind,
        ImageErrorKind::NotAnImage
    );
    assert_eq!(
        read(Vec::new()).unwrap_err().kind,
        ImageErrorKind::NotAnImage
    );
    assert_eq!(
        read(gzip(&docker_legacy(&[]))).unwrap_err().kind,
        ImageErrorKind::Unsupported
    );
    // A plain tar without image metadata.
    let t = layer_tar(&[file("a", "b")]);
    assert_eq!(
        read(t.clone()).unwrap_err().kind,
        ImageErrorKind::NotAnImage
    );
    let dir = tmpdir("notimg");
    let p = dir.join("plain.tar");
    std::fs::write(&p, &t).unwrap();
    assert!(!looks_like_image_archive(&p));
    assert!(!looks_like_image_archive(&dir));
    let p2 = dir.join("img.tar");
    std::fs::write(&p2, docker_legacy(&[Img::new("a:1", vec![t])])).unwrap();
    assert!(looks_like_image_archive(&p2));
    assert_eq!(
        open(&dir, &ReadOptions::default()).unwrap_err().kind,
        ImageErrorKind::NotAnImage
    );
    let _ = std::fs::remove_dir_all(&dir);
    // Malformed manifest.
    let mut b = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(5);
    h.set_mode(0o644);
    b.append_data(&mut h, "manifest.json", &b"[{]}x"[..])
        .unwrap();
    assert_eq!(
        read(b.into_inner().unwrap()).unwrap_err().kind,
        ImageErrorKind::Malformed
    );
}

#[test]
fn parallel_and_serial_agree() {
    let layers: Vec<Vec<u8>> = (0..5)
        .map(|i| {
            layer_tar(&[
                E::FileOwned(format!("l{i}/f"), vec![b'a'; 1000 * i], 0o644, 0),
                file("shared", "x"),
                E::FileOwned(format!("l{i}/.wh.gone"), vec![], 0o644, 0),
            ])
        })
        .collect();
    let bytes = docker_legacy(&[Img::new("p:1", layers)]);
    let serial = read_with(
        bytes.clone(),
        &ReadOptions {
            threads: 1,
            ..ReadOptions::default()
        },
    )
    .unwrap()
    .remove(0)
    .unwrap();
    let par = read_with(
        bytes,
        &ReadOptions {
            threads: 3,
            ..ReadOptions::default()
        },
    )
    .unwrap()
    .remove(0)
    .unwrap();
    assert_eq!(serial.stats, par.stats);
    assert_eq!(serial.layers, par.layers);
    assert_eq!(par.stats.regular_files, 6);
}

#[test]
fn notable_files_and_link_kinds() {
    let l1 = layer_tar(&[
        E::File("bin/busybox", b"x".to_vec(), 0o755),
        E::Sym("bin/sh", "busybox"),
        // A hardlink to a symlink is a symlink with the same target.
        E::Hard("bin/ash", "bin/sh"),
        E::File("usr/bin/curl", b"x".to_vec(), 0o755),
        E::File("opt/curl", b"x".to_vec(), 0o755),
        E::Dir("app/.git", 0o755),
        file("app/Dockerfile", "FROM scratch"),
        file("usr/share/doc/x/Dockerfile", "FROM scratch"),
        file("app/node_modules/m/.DS_Store", ""),
        // An opaque marker at the root hides every lower entry.
    ]);
    let l2 = layer_tar(&[file(".wh..wh..opq", ""), file("etc/only", "1")]);
    let spec = one(docker_legacy(&[Img::new("t:1", vec![l1.clone()])]));
    let got: Vec<_> = spec
        .notable_files
        .iter()
        .map(|n| (n.file.path.as_str(), n.kind, n.file_type))
        .collect();
    assert_eq!(
        got,
        vec![
            ("app/.git", NotableKind::BuildLeftover, FileType::Dir),
            ("app/Dockerfile", NotableKind::BuildLeftover, FileType::File),
            ("bin/ash", NotableKind::Shell, FileType::Symlink),
            ("bin/busybox", NotableKind::Shell, FileType::File),
            ("bin/sh", NotableKind::Shell, FileType::Symlink),
            ("usr/bin/curl", NotableKind::NetworkTool, FileType::File),
        ]
    );
    let spec = one(docker_legacy(&[Img::new("t:1", vec![l1, l2])]));
    assert_eq!(spec.stats.regular_files, 1);
    assert!(spec.notable_files.is_empty());
}

#[test]
fn pax_ids_and_overlong_names() {
    let mut b = tar::Builder::new(Vec::new());
    b.append_pax_extensions([("uid", b"4000000000".as_slice()), ("gid", b"7".as_slice())])
        .unwrap();
    let mut h = tar::Header::new_ustar();
    h.set_size(1);
    h.set_mode(0o4755);
    b.append_data(&mut h, "usr/bin/big-uid", &b"x"[..]).unwrap();
    let long = format!("{}/f", "n".repeat(5000));
    let mut h = tar::Header::new_gnu();
    h.set_size(1);
    h.set_mode(0o644);
    b.append_data(&mut h, &long, &b"x"[..]).unwrap();
    let spec = one(docker_legacy(&[Img::new(
        "t:1",
        vec![b.into_inner().unwrap()],
    )]));
    assert_eq!(
        (spec.setid_files[0].uid, spec.setid_files[0].gid),
        (4_000_000_000, 7)
    );
    assert_eq!(spec.stats.regular_files, 1);
    assert!(
        spec.anomalies
            .iter()
            .any(|a| a.kind == AnomalyKind::InvalidName)
    );
}

#[cfg(unix)]
#[test]
fn layout_blob_symlink_leaving_the_directory() {
    let l = layer_tar(&[file("etc/passwd", PASSWD)]);
    let img = Img::new("x:1", vec![l.clone()]);
    let oci = oci_layout(std::slice::from_ref(&img), false);
    let dir = tmpdir("escape");
    let layout = dir.join("layout");
    oci.write_dir(&layout);
    // Replace the layer blob by a symlink to a file outside the layout.
    let outside = dir.join("outside");
    std::fs::write(&outside, &l).unwrap();
    let blob = layout.join("blobs/sha256").join(hex(&l));
    std::fs::remove_file(&blob).unwrap();
    std::os::unix::fs::symlink(&outside, &blob).unwrap();
    let v = open(&layout, &ReadOptions::default()).unwrap();
    let e = v.into_iter().next().unwrap().unwrap_err();
    assert_eq!(e.kind, ImageErrorKind::PathEscape, "{e}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A 512-byte ustar header written by hand.
fn hand_header(name: &str, kind: u8, size: u64) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..107].copy_from_slice(b"0000644");
    h[108..115].copy_from_slice(b"0000000");
    h[116..123].copy_from_slice(b"0000000");
    h[124..135].copy_from_slice(format!("{size:011o}").as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = kind;
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| b as u32).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    h
}

fn pad(v: &mut Vec<u8>) {
    while !v.len().is_multiple_of(512) {
        v.push(0);
    }
}

#[test]
fn pax_size_wins_over_ustar_size() {
    // A PAX `size` of 1024 with a ustar size of 10 (CVE-2026-33055 shape):
    // Go's archive/tar, which Docker uses, takes the PAX size, so the
    // header hidden at data offset 512 is file content, not an entry.
    let rec = "13 size=1024\n";
    assert_eq!(rec.len(), 13);
    let mut layer = hand_header("PaxHeaders/visible", b'x', rec.len() as u64);
    layer.extend_from_slice(rec.as_bytes());
    pad(&mut layer);
    layer.extend_from_slice(&hand_header("visible", b'0', 10));
    let mut data = vec![b'A'; 512];
    data.extend_from_slice(&hand_header("etc/hidden", b'0', 0));
    layer.extend_from_slice(&data);
    layer.extend_from_slice(&hand_header("after", b'0', 0));
    layer.extend_from_slice(&[0u8; 1024]);
    let spec = one(docker_legacy(&[Img::new("t:1", vec![layer])]));
    assert_eq!(spec.stats.regular_files, 2);
    assert_eq!(spec.layers[0].entries, 2);
    assert!(spec.anomalies.is_empty());
}
