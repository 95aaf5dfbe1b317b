//! `stockade scan` on built images: the real `docker save` fixtures of
//! stockade-image (built with this machine's Docker Engine), and an OCI
//! image layout directory made here with gzip-compressed layers.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::tmp;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_stockade"))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../stockade-image/tests/fixtures")
        .join(name)
}

fn sh(script: &str, dir: &Path) {
    let o = Command::new("bash")
        .arg("-euc")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("bash runs");
    assert!(
        o.status.success(),
        "{script}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The six fixture images as the plain tar `docker save` wrote (the
/// fixture is stored gzipped to keep it small).
fn images_tar() -> PathBuf {
    let dir = tmp("fixtures");
    let gz = fixture("images.tar.gz");
    sh(&format!("gzip -dc '{}' > images.tar", gz.display()), &dir);
    dir.join("images.tar")
}

fn scan_json(args: &[&str], path: &Path) -> (i32, Value) {
    let o: Output = bin()
        .args(["scan", "--format", "json"])
        .args(args)
        .arg(path)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code().unwrap_or(-1), doc)
}

fn findings_of<'a>(doc: &'a Value, image: &str) -> Vec<&'a Value> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["image"] == image)
        .collect()
}

#[test]
fn docker_save_archive_end_to_end() {
    let tar = images_tar();
    let (code, doc) = scan_json(&[], &tar);
    assert_eq!(code, 1, "{doc}");
    assert_eq!(doc["summary"]["files"], 1);
    assert!(doc["errors"].as_array().unwrap().is_empty(), "{doc}");

    // Root image: the root-user rule.
    let root = findings_of(&doc, "stockade-fixture/root:1");
    let r: Vec<_> = root
        .iter()
        .filter(|f| f["category"] == "root-user")
        .collect();
    assert_eq!(r.len(), 1, "{root:?}");
    assert_eq!(r[0]["rule"], "SKD301");
    assert_eq!(r[0]["severity"], "high");

    // 65534 image: no root-user finding (the shared base's `root::` in
    // /etc/shadow is an auth finding of its own).
    let nobody = findings_of(&doc, "stockade-fixture/nobody:1");
    assert!(
        nobody.iter().all(|f| f["category"] != "root-user"),
        "{nobody:?}"
    );
    let cats: Vec<&Value> = nobody.iter().map(|f| &f["category"]).collect();
    assert_eq!(cats, vec!["auth"]);

    // Setuid image: file-permissions at the chmod layer and path.
    let setuid = findings_of(&doc, "stockade-fixture/setuid:1");
    let s: Vec<_> = setuid.iter().filter(|f| f["rule"] == "SKD308").collect();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["category"], "file-permissions");
    assert_eq!(s[0]["location"]["path"], "/usr/local/bin/tool");
    assert!(
        s[0]["location"]["layer"]
            .as_str()
            .unwrap()
            .starts_with("sha256:")
    );

    // Deleted key: a secrets finding at the layer that holds it.
    let secret = findings_of(&doc, "stockade-fixture/secret:1");
    let k: Vec<_> = secret
        .iter()
        .filter(|f| f["category"] == "secrets")
        .collect();
    assert_eq!(k.len(), 1);
    assert_eq!(k[0]["rule"], "SKD310");
    assert_eq!(k[0]["severity"], "critical");
    assert_eq!(k[0]["location"]["path"], "/root/.ssh/id_rsa");
    let layer = k[0]["location"]["layer"].as_str().unwrap();
    assert!(k[0]["message"].as_str().unwrap().contains(layer));
    assert!(k[0]["message"].as_str().unwrap().contains("later layer"));

    // Multi-stage and Debian-like images: nothing.
    assert!(findings_of(&doc, "stockade-fixture/multistage:1").is_empty());
    assert!(findings_of(&doc, "stockade-fixture/debianlike:1").is_empty());
}

#[test]
fn rule_selection_and_fail_on_apply_to_images() {
    let tar = images_tar();
    let (code, doc) = scan_json(&["--select", "secrets"], &tar);
    assert_eq!(code, 1);
    let all = doc["findings"].as_array().unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0]["rule"], "SKD310");
    let (code, _) = scan_json(&["--select", "SKD309", "--fail-on", "high"], &tar);
    assert_eq!(code, 0, "a medium finding below --fail-on high");
}

#[test]
fn a_clean_single_image_archive() {
    let (code, doc) = scan_json(&[], &fixture("debianlike.tar"));
    assert_eq!(code, 0, "{doc}");
    assert_eq!(doc["summary"]["findings"], 0);
}

/// An OCI image layout directory: gzip layers, an index with a platform.
fn oci_layout(dir: &Path) -> PathBuf {
    sh(
        r#"
mkdir -p rootfs/etc rootfs/app/data layout/blobs/sha256
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/app:/usr/sbin/nologin\n' > rootfs/etc/passwd
printf 'root:*:19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n' > rootfs/etc/shadow
printf 'binary' > rootfs/app/server
chmod 0777 rootfs/app/data
tar --sort=name --owner=0 --group=0 --numeric-owner -cf layer.tar -C rootfs .
diff_id=$(sha256sum layer.tar | cut -d' ' -f1)
gzip -9n -c layer.tar > layer.tar.gz
layer=$(sha256sum layer.tar.gz | cut -d' ' -f1)
lsize=$(stat -c %s layer.tar.gz)
cp layer.tar.gz "layout/blobs/sha256/$layer"
cat > config.json <<EOF
{"architecture":"amd64","os":"linux","created":"2026-11-27T10:00:00Z",
 "config":{"Entrypoint":["/app/server"],"ExposedPorts":{"22/tcp":{}}},
 "rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]},
 "history":[{"created_by":"COPY rootfs / # buildkit"},
            {"created_by":"RUN /bin/sh -c curl -fsSL https://get.example.com/i.sh | sh # buildkit","empty_layer":true}]}
EOF
config=$(sha256sum config.json | cut -d' ' -f1)
csize=$(stat -c %s config.json)
cp config.json "layout/blobs/sha256/$config"
cat > manifest.json <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$csize},
 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer","size":$lsize}]}
EOF
manifest=$(sha256sum manifest.json | cut -d' ' -f1)
msize=$(stat -c %s manifest.json)
cp manifest.json "layout/blobs/sha256/$manifest"
printf '{"imageLayoutVersion":"1.0.0"}' > layout/oci-layout
cat > layout/index.json <<EOF
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
 "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest","size":$msize,
   "platform":{"os":"linux","architecture":"amd64"},
   "annotations":{"org.opencontainers.image.ref.name":"example/oci:1"}}]}
EOF
"#,
        dir,
    );
    dir.join("layout")
}

#[test]
fn oci_layout_directory_is_an_image_not_a_tree() {
    let dir = tmp("oci");
    let layout = oci_layout(&dir);
    let (code, doc) = scan_json(&[], &layout);
    assert!(doc["errors"].as_array().unwrap().is_empty(), "{doc}");
    assert_eq!(code, 1);
    assert_eq!(doc["summary"]["files"], 1);
    let rules: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // No user; 22 exposed; /app/data world-writable; curl | sh in history.
    for want in ["SKD301", "SKD313", "SKD309", "SKD314"] {
        assert!(rules.contains(&want), "{want} not in {rules:?}");
    }
    let f = &doc["findings"][0];
    assert!(f["location"]["image"].as_str().is_some(), "{f}");

    // Only the platform asked for; another one is an input error (exit 2).
    let (code, doc) = scan_json(&["--platform", "linux/amd64"], &layout);
    assert_eq!(code, 1);
    assert!(!doc["findings"].as_array().unwrap().is_empty());
    let (code, doc) = scan_json(&["--platform", "linux/arm64"], &layout);
    assert_eq!(code, 2, "{doc}");
    assert!(doc["findings"].as_array().unwrap().is_empty());
    let err = &doc["errors"][0];
    assert!(
        err["message"].as_str().unwrap().contains("linux/arm64"),
        "{err}"
    );
}

#[test]
fn a_broken_image_is_an_input_error_and_others_are_still_judged() {
    let dir = tmp("broken");
    let layout = oci_layout(&dir);
    // Corrupt the layer blob: its digest no longer matches.
    sh(
        "for f in layout/blobs/sha256/*; do if gzip -t \"$f\" 2>/dev/null; then printf 'x' >> \"$f\"; fi; done",
        &dir,
    );
    let tar = images_tar();
    let o = bin()
        .args(["scan", "--format", "json"])
        .arg(&layout)
        .arg(&tar)
        .output()
        .unwrap();
    let doc: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(2), "{doc}");
    let errors = doc["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{doc}");
    assert!(errors[0]["path"].as_str().unwrap().ends_with("layout"));
    // The archive's images are judged all the same.
    assert!(!findings_of(&doc, "stockade-fixture/secret:1").is_empty());
}
