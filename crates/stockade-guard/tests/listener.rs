//! Listener sockets and start-up failures (no daemon needed: the upstream
//! is a socket nobody listens on).

mod common;

use common::*;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use stockade_guard::{CliOptions, GuardConfig};

fn config(dir: &std::path::Path, sock: &str) -> GuardConfig {
    GuardConfig::from_cli(&CliOptions {
        listen: Some(format!("unix://{}", dir.join(sock).display())),
        profile: Some("read-only".into()),
        upstream: Some(format!("unix://{}/no-daemon.sock", dir.display())),
        audit_log: Some(dir.join("audit.jsonl").display().to_string()),
        config: None,
    })
    .unwrap()
}

#[test]
fn socket_is_0660_and_owned_by_the_guard() {
    let d = TempDir::new("listen");
    let g = stockade_guard::spawn(&config(&d.0, "g.sock"), 1).unwrap();
    let meta = std::fs::metadata(d.0.join("g.sock")).unwrap();
    assert_eq!(meta.permissions().mode() & 0o7777, 0o660);
    assert_eq!(meta.uid(), unsafe { libc::getuid() });
    assert_eq!(meta.gid(), unsafe { libc::getgid() });
    // A second guard on the same live socket does not start.
    let e = stockade_guard::spawn(&config(&d.0, "g.sock"), 1)
        .err()
        .unwrap();
    assert!(e.contains("another process is listening"), "{e}");
    // No daemon: reads fail closed with the guard's own 502, never an allow.
    let (st, _, body) = raw(&d.0.join("g.sock"), &get("/v1.41/_ping"));
    assert_eq!(st, 502, "{}", String::from_utf8_lossy(&body));
    assert!(String::from_utf8_lossy(&body).contains("stockade guard: SKG019"));
    let (st, _, _) = raw(
        &d.0.join("g.sock"),
        &post_json("/v1.41/containers/create", "{}"),
    );
    assert_eq!(st, 403);
    g.stop().unwrap();
    // Stopping removes the socket.
    assert!(!d.0.join("g.sock").exists());
}

#[test]
fn stale_sockets_are_replaced_and_other_files_kept() {
    let d = TempDir::new("stale");
    {
        let _stale = std::os::unix::net::UnixListener::bind(d.0.join("s.sock")).unwrap();
    }
    let g = stockade_guard::spawn(&config(&d.0, "s.sock"), 1).unwrap();
    g.stop().unwrap();
    std::fs::write(d.0.join("f.sock"), "not a socket").unwrap();
    let e = stockade_guard::spawn(&config(&d.0, "f.sock"), 1)
        .err()
        .unwrap();
    assert!(e.contains("not a socket"), "{e}");
    assert_eq!(
        std::fs::read_to_string(d.0.join("f.sock")).unwrap(),
        "not a socket"
    );
    // An audit log that cannot be opened stops the guard before it listens.
    let mut c = config(&d.0, "a.sock");
    c.audit_log = d.0.join("missing/dir/audit.jsonl").display().to_string();
    let e = stockade_guard::spawn(&c, 1).err().unwrap();
    assert!(e.contains("audit log"), "{e}");
    assert!(!d.0.join("a.sock").exists());
}
