mod common;
use common::*;

#[test]
fn smoke() {
    if !docker() {
        return;
    }
    let g = Guard::start("ci");
    let o = g.docker(&["version"]);
    eprintln!("{}\n{}", text(&o), errtext(&o));
    assert!(o.status.success());
    let (s, h, b) = raw(&g.sock, &get("/v1.41/containers/json?all=1"));
    eprintln!("{s} {h} {}", String::from_utf8_lossy(&b));
    for l in g.audit_lines() {
        eprintln!("{l}");
    }
}

#[test]
fn image() {
    if !docker() {
        return;
    }
    test_image();
}
