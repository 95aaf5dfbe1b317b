//! Test helpers: small hand-built `ImageSpec`s and a runner.

use crate::meta::{Ctx, Rule};
use crate::testutil::ctx;
use stockade_core::{
    FileRef, Finding, HistoryEntry, ImageLayer, ImageSpec, OsPackage, PackageManager,
    PasswordState, UserEntry, rfc3339_days,
};

/// The diff id of test layer `i`.
pub fn digest(i: usize) -> String {
    format!("sha256:{:064x}", i.wrapping_add(1))
}

pub fn layer(i: usize) -> ImageLayer {
    ImageLayer {
        index: i,
        diff_id: Some(digest(i)),
        member: format!("{i}/layer.tar"),
        uncompressed_size: 10 << 20,
        compressed_size: 4 << 20,
        entries: 100,
        ..ImageLayer::default()
    }
}

/// A small, well-behaved image: runs as 65534, built the day before the
/// test `today` (2026-11-28), one layer, nothing notable.
pub fn image() -> ImageSpec {
    let mut s = ImageSpec {
        source: "app.tar".into(),
        reference: "example/app:1".into(),
        tags: vec!["example/app:1".into()],
        config_digest: Some("sha256:c0ffee".into()),
        layers: vec![layer(0), layer(1)],
        ..ImageSpec::default()
    };
    s.config.user = Some("65534".into());
    set_created(&mut s, "2026-11-27T10:00:00Z");
    s.config.entrypoint = Some(vec!["/app".into()]);
    s.config.exposed_ports = vec!["8080/tcp".into()];
    s.config.diff_ids = vec![digest(0), digest(1)];
    s.stats.uncompressed_size = 20 << 20;
    s.stats.regular_files = 50;
    s.history = vec![
        step("/bin/sh -c #(nop) ADD file:ab12 in / ", Some(0)),
        step("/bin/sh -c #(nop)  CMD [\"bash\"]", None),
        step("COPY app /app # buildkit", Some(1)),
        step("USER 65534", None),
        step("ENTRYPOINT [\"/app\"]", None),
    ];
    s
}

pub fn set_created(s: &mut ImageSpec, created: &str) {
    s.config.created = Some(created.into());
    s.config.created_days = rfc3339_days(created);
}

/// A history step; `layer` is the layer it made (`None`: empty layer).
pub fn step(created_by: &str, layer: Option<usize>) -> HistoryEntry {
    HistoryEntry {
        created: Some("2026-11-27T10:00:00Z".into()),
        created_by: Some(created_by.into()),
        empty_layer: layer.is_none(),
        layer,
        layer_digest: layer.map(digest),
        ..HistoryEntry::default()
    }
}

/// Appends a RUN step that made a new layer.
pub fn push_run(s: &mut ImageSpec, created_by: &str) {
    let i = s.layers.len();
    s.layers.push(layer(i));
    s.config.diff_ids.push(digest(i));
    s.history.push(step(created_by, Some(i)));
}

pub fn fref(path: &str, layer: usize) -> FileRef {
    FileRef {
        path: path.into(),
        layer,
        layer_digest: digest(layer),
    }
}

pub fn user(name: &str, uid: u32, shell: &str, password: PasswordState) -> UserEntry {
    UserEntry {
        name: name.into(),
        uid: Some(uid),
        gid: Some(uid),
        gecos: String::new(),
        home: "/".into(),
        shell: shell.into(),
        password,
        line: 1,
    }
}

/// `/etc/passwd` with root and nobody, as in most images.
pub fn with_passwd(s: &mut ImageSpec) {
    s.passwd_file = Some(fref("etc/passwd", 0));
    s.users = vec![
        user("root", 0, "/bin/bash", PasswordState::Locked),
        user("nobody", 65534, "/usr/sbin/nologin", PasswordState::Locked),
    ];
    for (i, u) in s.users.iter_mut().enumerate() {
        u.line = i as u32 + 1;
    }
}

pub fn package(manager: PackageManager, name: &str) -> OsPackage {
    OsPackage {
        manager,
        name: name.into(),
        version: "1.0-1".into(),
        source: None,
        arch: Some("amd64".into()),
        db_path: "var/lib/dpkg/status".into(),
    }
}

pub fn run(rule: &dyn Rule, spec: &ImageSpec) -> Vec<Finding> {
    run_with(rule, spec, &ctx())
}

pub fn run_with(rule: &dyn Rule, spec: &ImageSpec, cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    rule.check_image(spec, cx, &mut out);
    for f in &out {
        assert!(f.span.is_none(), "{}: image findings carry no span", f.rule);
        let loc = f.locator.as_ref().expect("image findings carry a locator");
        assert_eq!(loc.image.as_deref(), Some(super::subject(spec).as_str()));
    }
    out
}
