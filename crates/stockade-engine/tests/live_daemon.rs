//! The client against this machine's Docker Engine: negotiation, the typed
//! answers, inspect data into specs, named volumes, and the image export
//! stream read to its end without being stored.
//!
//! Fails with a clear message when no daemon is reachable, unless
//! `STOCKADE_SKIP_DOCKER=1` is set.

use std::collections::HashMap;
use std::io::Read;
use std::process::Command;
use stockade_core::MountKind;
use stockade_engine::{
    BlockingClient, ClientOptions, EngineError, apply_volume_info, resolve, spec_from_inspect,
};

fn docker(args: &[&str]) -> String {
    let out = Command::new("docker")
        .args(args)
        .output()
        .expect("the docker CLI sets up this test");
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn client() -> Option<BlockingClient> {
    if std::env::var("STOCKADE_SKIP_DOCKER").as_deref() == Ok("1") {
        eprintln!("skipped: STOCKADE_SKIP_DOCKER=1");
        return None;
    }
    let r = resolve(None).unwrap_or_else(|e| panic!("cannot choose a Docker daemon: {e}"));
    match BlockingClient::connect(r.endpoint.clone(), ClientOptions::default()) {
        Ok(c) => Some(c),
        Err(e) => panic!(
            "no Docker daemon reachable ({e}); this test needs a running Docker Engine; set STOCKADE_SKIP_DOCKER=1 to skip it explicitly"
        ),
    }
}

/// Removes what the test made, also when it fails.
struct Cleanup(Vec<Vec<String>>);

impl Drop for Cleanup {
    fn drop(&mut self) {
        for args in &self.0 {
            let _ = Command::new("docker").args(args).output();
        }
    }
}

/// Any local image (the daemon may hold none: build a one-file image).
fn some_image() -> String {
    let listed = docker(&["images", "-q", "--no-trunc"]);
    if let Some(id) = listed.lines().next() {
        return id.to_string();
    }
    let dir = std::env::temp_dir().join(format!("stockade-engine-img-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("hello"), "hello\n").unwrap();
    std::fs::write(dir.join("Dockerfile"), "FROM scratch\nCOPY hello /hello\n").unwrap();
    let out = Command::new("docker")
        .env("DOCKER_BUILDKIT", "0")
        .args([
            "build",
            "--network=none",
            "-q",
            "-t",
            "stockade-test/engine:1",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    docker(&[
        "image",
        "inspect",
        "-f",
        "{{.Id}}",
        "stockade-test/engine:1",
    ])
}

#[test]
fn reads_the_real_daemon() {
    let Some(c) = client() else {
        return;
    };
    let api = docker(&["version", "--format", "{{.Server.APIVersion}}"]);
    let server = stockade_engine::parse_api_version(&api).unwrap();
    let expected = server.min(stockade_engine::MAX_API);
    assert_eq!(
        c.client().api_version(),
        format!("{}.{}", expected.0, expected.1)
    );

    let v = c.version().unwrap();
    assert_eq!(
        v.version.as_deref(),
        Some(docker(&["version", "--format", "{{.Server.Version}}"]).as_str())
    );
    let info = c.info().unwrap();
    assert_eq!(
        info.id.as_deref(),
        Some(docker(&["info", "--format", "{{.ID}}"]).as_str())
    );
    assert!(info.raw.is_object());
    let bridge = c.network("bridge").unwrap();
    let icc = docker(&[
        "network",
        "inspect",
        "bridge",
        "-f",
        "{{index .Options \"com.docker.network.bridge.enable_icc\"}}",
    ]);
    assert_eq!(bridge.icc(), Some(icc == "true"));
    let e = c.network("stockade-no-such-network").unwrap_err();
    assert!(matches!(e, EngineError::Http { status: 404, .. }), "{e:?}");

    // A container with a named volume that binds the host's /etc.
    let run = format!("{}-{}", std::process::id(), line!());
    let vol = format!("stockade-engine-test-{run}");
    let name = format!("stockade-engine-test-{run}");
    let image = some_image();
    let _cleanup = Cleanup(vec![
        vec!["rm".into(), "-f".into(), name.clone()],
        vec!["volume".into(), "rm".into(), "-f".into(), vol.clone()],
    ]);
    let label = format!("stockade-test={run}");
    docker(&[
        "volume",
        "create",
        "--label",
        &label,
        "-o",
        "type=none",
        "-o",
        "o=bind",
        "-o",
        "device=/etc",
        &vol,
    ]);
    docker(&[
        "create",
        "--label",
        &label,
        "--name",
        &name,
        "-v",
        &format!("{vol}:/h:ro"),
        "--cap-add",
        "NET_ADMIN",
        "--memory",
        "32m",
        &image,
        "/x",
    ]);

    let list = c.containers(true, std::slice::from_ref(&label)).unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].name(), Some(name.as_str()));
    assert!(
        c.containers(false, std::slice::from_ref(&label))
            .unwrap()
            .is_empty(),
        "not running"
    );

    let doc = c.inspect_container(list[0].id.as_deref().unwrap()).unwrap();
    let mut spec = spec_from_inspect(&doc).unwrap();
    assert_eq!(spec.subject, name);
    assert!(spec.cap_add.iter().any(|c| c.value.ends_with("NET_ADMIN")));
    assert_eq!(
        spec.resources.memory.as_ref().map(|m| m.value),
        Some(32 << 20)
    );
    let m = spec
        .mounts
        .iter()
        .find(|m| m.kind == MountKind::Volume)
        .unwrap();
    assert!(m.read_only);
    assert_eq!(m.host_path(), None);
    let info = c.volume(&vol).unwrap();
    assert_eq!(info.bind_host_path().as_deref(), Some("/etc"));
    apply_volume_info(&mut spec, &HashMap::from([(vol.clone(), info)]));
    let m = spec
        .mounts
        .iter()
        .find(|m| m.kind == MountKind::Volume)
        .unwrap();
    assert_eq!(m.host_path().map(|p| p.display()), Some("/etc"));

    let e = c
        .inspect_container("stockade-no-such-container")
        .unwrap_err();
    assert!(matches!(e, EngineError::Http { status: 404, .. }), "{e:?}");
    assert!(e.to_string().contains("404"), "{e}");

    // The image as a `docker save` stream: read through, never stored.
    let img = c.image(&image).unwrap();
    assert_eq!(img.id.as_deref(), Some(image.as_str()));
    let mut stream = c.export_image(&image).unwrap();
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0usize;
    let mut first = Vec::new();
    let mut saw_manifest = false;
    let mut tail = Vec::new();
    loop {
        let n = stream.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        if first.len() < 512 {
            first.extend_from_slice(&buf[..n.min(512 - first.len())]);
        }
        // Look for the member name across chunk borders.
        tail.extend_from_slice(&buf[..n]);
        if tail.windows(13).any(|w| w == b"manifest.json") {
            saw_manifest = true;
        }
        let keep = tail.len().saturating_sub(12);
        tail.drain(..keep);
        total += n;
    }
    assert!(total >= 1024, "{total} bytes");
    assert_eq!(&first[257..262], b"ustar", "a tar stream");
    assert!(saw_manifest, "docker save archives carry manifest.json");
}
