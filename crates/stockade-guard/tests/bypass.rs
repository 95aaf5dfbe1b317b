//! The bypass suite: every technique of the issue's list (and the research
//! catalogue of socket-proxy bypasses) as a concrete raw HTTP request over
//! the guard's unix socket, each refused; for each a legitimate twin that
//! passes. Afterwards the daemon is asked whether any refused request left
//! a trace: no container, volume, network, plugin or image they named may
//! exist.
//!
//! Needs the Docker daemon (see `common::docker`).

mod common;

use common::*;
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

const HARD: &str = r#""Memory":67108864,"NanoCpus":500000000,"PidsLimit":64,"CapDrop":["ALL"],"SecurityOpt":["no-new-privileges"],"NetworkMode":"none""#;

struct Suite {
    run: String,
    n: usize,
    refused: usize,
    twins: usize,
    failures: Vec<String>,
}

impl Suite {
    fn name(&mut self, kind: &str) -> String {
        self.n += 1;
        format!("sg-{kind}-{}-{}", self.run, self.n)
    }

    /// A create body: hardened, labelled; `edit` changes it.
    fn body(&self, refused: bool, edit: impl FnOnce(&mut Value)) -> String {
        let mut labels = json!({ LABEL: self.run });
        if refused {
            labels["stockade.test.refused"] = json!("1");
        }
        let mut v: Value = serde_json::from_str(&format!(
            r#"{{"Image":"{IMAGE}","Cmd":["true"],"User":"65534:65534","HostConfig":{{{HARD}}}}}"#
        ))
        .unwrap();
        v["Labels"] = labels;
        edit(&mut v);
        v.to_string()
    }

    fn create_path(&mut self, refused: bool) -> String {
        let n = self.name(if refused { "refused" } else { "twin" });
        format!("/v1.41/containers/create?name={n}")
    }

    /// Expects a refusal carrying `rule` (403 with the guard's message, or a
    /// 400 from the HTTP layer when `rule` is "400").
    fn deny(&mut self, g: &Guard, what: &str, req: &[u8], rule: &str) {
        self.refused += 1;
        let (status, _, body) = raw(&g.sock, req);
        let text = String::from_utf8_lossy(&body);
        let ok = if rule == "400" {
            status == 400
        } else {
            status == 403
                && json(&body)["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(&format!("stockade guard: {rule}:")))
        };
        if !ok {
            self.failures
                .push(format!("[refuse] {what}: want {rule}, got {status} {text}"));
        }
    }

    /// Expects the twin to pass the guard and the daemon to answer `want`.
    fn pass(&mut self, g: &Guard, what: &str, req: &[u8], want: &[u16]) -> Vec<u8> {
        self.twins += 1;
        let (status, _, body) = raw(&g.sock, req);
        let text = String::from_utf8_lossy(&body);
        if !want.contains(&status) || text.contains("stockade guard") {
            self.failures.push(format!(
                "[twin] {what}: want {want:?}, got {status} {text:.300}"
            ));
        }
        body
    }
}

fn chunked(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n",
        body.len()
    )
    .into_bytes()
}

fn with_headers(method: &str, path: &str, headers: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// Creates (and optionally starts) a container straight at the daemon.
fn fixture(name: &str, body: &str, start: bool) -> String {
    let (s, b) = daemon(&post_json(
        &format!("/v1.41/containers/create?name={name}"),
        body,
    ));
    assert_eq!(s, 201, "fixture {name}: {}", String::from_utf8_lossy(&b));
    let id = json(&b)["Id"].as_str().unwrap().to_string();
    if start {
        let (s, b) = daemon(&post_json(&format!("/v1.41/containers/{id}/start"), ""));
        assert_eq!(s, 204, "start {name}: {}", String::from_utf8_lossy(&b));
    }
    id
}

/// Images and unlabelled volumes the suite creates, removed on drop
/// (after the labelled containers are gone).
struct Leftovers {
    images: Vec<String>,
    volumes: Vec<String>,
    run: String,
}

impl Drop for Leftovers {
    fn drop(&mut self) {
        cleanup(&self.run);
        let del = |p: String| {
            daemon(
                format!("DELETE {p} HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n").as_bytes(),
            );
        };
        for i in &self.images {
            del(format!("/v1.41/images/{i}?force=1"));
        }
        for v in &self.volumes {
            del(format!("/v1.41/volumes/{v}"));
        }
    }
}

#[test]
fn bypass_suite() {
    if !docker() {
        return;
    }
    test_image();
    let run = format!("b{}", std::process::id());
    cleanup(&run);
    let leftovers = Leftovers {
        images: vec![
            format!("sg-build-{run}:1"),
            format!("sg-import-{run}:1"),
            format!("sg-commit-{run}:1"),
            format!("sg-tag-{run}:1"),
        ],
        volumes: vec![format!("sg-twinvol-{run}"), format!("sg-twinvol2-{run}")],
        run: run.clone(),
    };
    let tmp = TempDir::new("bypass");
    let data = tmp.0.join("data");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::os::unix::fs::symlink("/var/run", tmp.0.join("to-var-run")).unwrap();
    std::os::unix::fs::symlink(data.join("sub"), tmp.0.join("to-sub")).unwrap();
    let data_s = data.display().to_string();

    let mut s = Suite {
        run: run.clone(),
        n: 0,
        refused: 0,
        twins: 0,
        failures: Vec::new(),
    };

    // ---- fixtures, straight at the daemon ----
    let lbl = format!(r#""Labels":{{"{LABEL}":"{run}"}}"#);
    let web_name = format!("sg-web-{run}");
    let web = fixture(
        &web_name,
        &format!(
            r#"{{"Image":"{IMAGE}","Cmd":["sleep","600"],"User":"65534:65534",{lbl},"HostConfig":{{{HARD}}}}}"#
        ),
        true,
    );
    let binder = fixture(
        &format!("sg-binder-{run}"),
        &format!(
            r#"{{"Image":"{IMAGE}","Cmd":["sleep","600"],"User":"65534:65534",{lbl},"HostConfig":{{{HARD},"Binds":["{data_s}:/data"]}}}}"#
        ),
        true,
    );
    let privileged = fixture(
        &format!("sg-priv-{run}"),
        &format!(
            r#"{{"Image":"{IMAGE}","Cmd":["true"],{lbl},"HostConfig":{{"Privileged":true}}}}"#
        ),
        false,
    );
    let etcer = fixture(
        &format!("sg-etcer-{run}"),
        &format!(
            r#"{{"Image":"{IMAGE}","Cmd":["true"],{lbl},"HostConfig":{{"Binds":["/etc:/host-etc"]}}}}"#
        ),
        false,
    );
    let netc = fixture(
        &format!("sg-netc-{run}"),
        &format!(r#"{{"Image":"{IMAGE}","Cmd":["true"],"User":"65534",{lbl}}}"#),
        false,
    );
    let rootvol = format!("sg-rootvol-{run}");
    let (st, b) = daemon(&post_json(
        "/v1.41/volumes/create",
        &format!(
            r#"{{"Name":"{rootvol}","Driver":"local","DriverOpts":{{"type":"none","o":"bind","device":"/"}},{lbl}}}"#
        ),
    ));
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let bridge = format!("sg-br-{run}");
    let (st, b) = daemon(&post_json(
        "/v1.41/networks/create",
        &format!(r#"{{"Name":"{bridge}","Driver":"bridge",{lbl}}}"#),
    ));
    assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
    let exec_id = |body: &str| {
        let (st, b) = daemon(&post_json(&format!("/v1.41/containers/{web}/exec"), body));
        assert_eq!(st, 201, "{}", String::from_utf8_lossy(&b));
        json(&b)["Id"].as_str().unwrap().to_string()
    };
    let exec_priv = exec_id(r#"{"Cmd":["id"],"Privileged":true}"#);
    let exec_ok = exec_id(r#"{"Cmd":["true"]}"#);

    let ci = Guard::start("ci");
    let ro = Guard::start("read-only");
    let lab = Guard::start_with(
        "lab",
        Some(
            "[guard.profile.lab]\nbase = \"ci\"\nallow = [\"images.load\", \"images.import\", \"containers.commit\", \"swarm.inspect\"]\n",
        ),
    );
    let strict = Guard::start_with(
        "strict",
        Some(
            "[guard.profile.strict]\nbase = \"ci\"\nthreshold = \"low\"\nignore = [\"SKD210\", \"SKD224\", \"SKD225\", \"SKD226\", \"SKD230\"]\n",
        ),
    );
    let hard = |s: &Suite, refused: bool, edit: &dyn Fn(&mut Value)| s.body(refused, edit);
    let privileged_edit = |v: &mut Value| v["HostConfig"]["Privileged"] = json!(true);

    // ---- 1. paths and versions ----
    let p = s.create_path(true).replace("/v1.41", "");
    s.deny(
        &ci,
        "unversioned create, privileged",
        &post_json(&p, &hard(&s, true, &privileged_edit)),
        "SKD205",
    );
    let p = s.create_path(false).replace("/v1.41", "");
    let b = s.pass(
        &ci,
        "unversioned create, hardened",
        &post_json(&p, &hard(&s, false, &|_| {})),
        &[201],
    );
    let twin_id = json(&b)["Id"].as_str().unwrap_or("").to_string();
    for v in ["/v1.041", "/v1.41.0", "/v1.41.0.0", "/v01.41"] {
        let p = s.create_path(true).replace("/v1.41", v);
        s.deny(
            &ci,
            &format!("odd version {v}"),
            &post_json(&p, &hard(&s, true, &|_| {})),
            "SKG001",
        );
    }
    let p = s.create_path(false).replace("/v1.41", "/v1.24");
    s.pass(
        &ci,
        "canonical old version /v1.24",
        &post_json(&p, &hard(&s, false, &|_| {})),
        &[201],
    );
    s.deny(
        &ci,
        "API < 1.24 start with a HostConfig body",
        &post_json(
            &format!("/v1.23/containers/{twin_id}/start"),
            r#"{"Privileged":true,"Binds":["/:/host"]}"#,
        ),
        "SKG009",
    );
    s.deny(
        &ci,
        "start with a HostConfig body",
        &post_json(
            &format!("/v1.41/containers/{twin_id}/start"),
            r#"{"Privileged":true}"#,
        ),
        "SKG005",
    );
    s.pass(
        &ci,
        "start without a body",
        &post_json(&format!("/v1.41/containers/{twin_id}/start"), ""),
        &[204],
    );
    let p = s
        .create_path(true)
        .replace("/containers/", "/%63ontainers/");
    s.deny(
        &ci,
        "percent-encoded path, privileged",
        &post_json(&p, &hard(&s, true, &privileged_edit)),
        "SKD205",
    );
    let p = s
        .create_path(false)
        .replace("/containers/", "/%63ontainers/");
    s.pass(
        &ci,
        "percent-encoded path, hardened",
        &post_json(&p, &hard(&s, false, &|_| {})),
        &[201],
    );
    let p = s
        .create_path(true)
        .replace("containers/create", "containers%2Fcreate");
    s.deny(
        &ci,
        "encoded slash",
        &post_json(&p, &hard(&s, true, &|_| {})),
        "SKG001",
    );
    for (what, prefix) in [
        ("dot-dot after an allowed prefix", "/_ping/.."),
        ("encoded dot-dot", "/_ping/%2e%2e"),
        ("double slash", "/"),
        ("dot segment", "/."),
    ] {
        let p = s.create_path(true).replace("/v1.41", prefix);
        s.deny(
            &ci,
            what,
            &post_json(&p, &hard(&s, true, &privileged_edit)),
            "SKG001",
        );
    }
    s.pass(&ci, "plain /_ping", &get("/_ping"), &[200]);
    let p = s.create_path(true);
    s.deny(
        &ci,
        "absolute-form target",
        &post_json(
            &format!("http://docker{p}"),
            &hard(&s, true, &privileged_edit),
        ),
        "SKG001",
    );
    s.deny(
        &ro,
        "query text that looks like an allowed path",
        &post_json(&format!("/v1.41/containers/{web}/pause?x=/json"), ""),
        "SKG003",
    );
    s.pass(
        &ro,
        "list with path-like query text",
        &get("/v1.41/containers/json?x=/pause"),
        &[200],
    );
    s.deny(
        &ci,
        "unknown route",
        &get(&format!("/v1.41/containers/{web}/bogus")),
        "SKG002",
    );
    s.deny(
        &ci,
        "OPTIONS",
        b"OPTIONS /v1.41/_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n",
        "SKG002",
    );
    s.pass(
        &ci,
        "inspect by name",
        &get(&format!("/v1.41/containers/{web_name}/json")),
        &[200],
    );

    // ---- 2. query parameters ----
    let p = s.create_path(true);
    s.deny(
        &ci,
        "repeated name",
        &post_json(&format!("{p}&name=other"), &hard(&s, true, &|_| {})),
        "SKG004",
    );
    let ctx = tar(&[(
        "Dockerfile",
        0o644,
        format!("FROM {IMAGE}\nLABEL {LABEL}={run}\n").as_bytes(),
    )]);
    s.deny(
        &ci,
        "repeated build networkmode",
        &request(
            "POST",
            "/v1.41/build?networkmode=default&networkmode=host",
            "application/x-tar",
            &ctx,
        ),
        "SKG004",
    );
    s.pass(
        &ci,
        "repeated names where the daemon reads a list",
        &get(&format!("/v1.41/images/get?names={IMAGE}&names={IMAGE}")),
        &[200],
    );
    s.deny(
        &ci,
        "form body overriding the query",
        &request(
            "POST",
            "/v1.41/build",
            "application/x-www-form-urlencoded",
            b"networkmode=host&remote=http://169.254.169.254/",
        ),
        "SKG005",
    );
    s.pass(
        &ci,
        "build of a tar context",
        &request(
            "POST",
            &format!("/v1.41/build?t=sg-build-{run}:1&q=1&forcerm=1"),
            "application/x-tar",
            &ctx,
        ),
        &[200],
    );
    let up = "Connection: Upgrade\r\nUpgrade: tcp\r\n";
    s.deny(
        &ci,
        "Go boolean `stdin=yes` attach to a privileged container",
        &with_headers(
            "POST",
            &format!("/v1.41/containers/{privileged}/attach?stream=1&stdin=yes"),
            up,
            b"",
        ),
        "SKG015/SKD205",
    );
    s.pass(
        &ci,
        "read-only attach (stdin=no) to the same container",
        &with_headers(
            "POST",
            &format!("/v1.41/containers/{privileged}/attach?stdin=no&stdout=1&logs=1&stream=0"),
            up,
            b"",
        ),
        &[101, 200],
    );

    // ---- 3. JSON decoding ----
    for (what, host_json) in [
        ("lower-case keys", r#""hostconfig":{"privileged":true}"#),
        (
            "case variant inside HostConfig",
            r#""HostConfig":{"privileged":true}"#,
        ),
        (
            "long s fold (Bindſ)",
            "\"HostConfig\":{\"Bind\u{17f}\":[\"/:/host\"]}",
        ),
        (
            "Kelvin sign fold (NetworKMode)",
            "\"HostConfig\":{\"Networ\u{212a}Mode\":\"host\"}",
        ),
        (
            "duplicate key",
            r#""HostConfig":{"Privileged":false,"Privileged":true}"#,
        ),
        (
            "case-insensitive duplicate",
            r#""HostConfig":{"Privileged":false,"PRIVILEGED":true}"#,
        ),
        ("unknown field", r#""HostConfig":{"Privileged2":true}"#),
    ] {
        let p = s.create_path(true);
        let body = format!(
            r#"{{"Image":"{IMAGE}","Labels":{{"{LABEL}":"{run}","stockade.test.refused":"1"}},{host_json}}}"#
        );
        s.deny(&ci, what, &post_json(&p, &body), "SKG007");
    }
    let p = s.create_path(true);
    let body = hard(&s, true, &|_| {});
    s.deny(
        &ci,
        "trailing second object",
        &post_json(
            &p,
            &format!(r#"{body}{{"HostConfig":{{"Privileged":true}}}}"#),
        ),
        "SKG007",
    );
    let p = s.create_path(true);
    s.deny(&ci, "empty body", &post_json(&p, ""), "SKG007");
    let p = s.create_path(true);
    s.deny(
        &ci,
        "text/plain body on a JSON route",
        &request(
            "POST",
            &p,
            "text/plain",
            hard(&s, true, &privileged_edit).as_bytes(),
        ),
        "SKG005",
    );
    let p = s.create_path(true);
    let b = hard(&s, true, &privileged_edit);
    s.deny(
        &ci,
        "no Content-Type",
        format!(
            "POST {p} HTTP/1.1\r\nHost: d\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{b}",
            b.len()
        )
        .as_bytes(),
        "SKG005",
    );
    for ct in ["application/json; charset=utf-8", "Application/JSON"] {
        let p = s.create_path(false);
        s.pass(
            &ci,
            &format!("Content-Type {ct}"),
            &request("POST", &p, ct, hard(&s, false, &|_| {}).as_bytes()),
            &[201],
        );
    }
    let p = s.create_path(true);
    s.deny(
        &ci,
        "chunked body, privileged",
        &chunked(&p, &hard(&s, true, &privileged_edit)),
        "SKD205",
    );
    let p = s.create_path(false);
    s.pass(
        &ci,
        "chunked body, hardened",
        &chunked(&p, &hard(&s, false, &|_| {})),
        &[201],
    );
    // CL.TE: the guard reads the chunked body (and judges all of it); the
    // smuggled request after it is never parsed.
    let p = s.create_path(true);
    let inner = hard(&s, true, &privileged_edit);
    let smuggled = post_json(&s.create_path(true), &hard(&s, true, &privileged_edit));
    let mut req = format!(
        "POST {p} HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{inner}\r\n0\r\n\r\n",
        inner.len()
    )
    .into_bytes();
    req.extend_from_slice(&smuggled);
    s.deny(&ci, "Transfer-Encoding with Content-Length", &req, "SKG005");
    let p = s.create_path(true);
    let padded = hard(&s, true, &privileged_edit).replacen(
        '{',
        &format!("{{{}", " ".repeat(1024 * 1024)),
        1,
    );
    s.deny(
        &ci,
        "body padded past the limit",
        &post_json(&p, &padded),
        "SKG006",
    );

    // ---- 4. mounts ----
    let bind = |src: &str| {
        let src = src.to_string();
        move |v: &mut Value| v["HostConfig"]["Binds"] = json!([format!("{src}:/host")])
    };
    for (what, src, rule) in [
        ("bind of /", "/", "SKD201"),
        (
            "bind of the docker socket by an alias",
            "/run/docker.sock",
            "SKD201",
        ),
        ("bind of a parent of the socket", "/var/run", "SKD201"),
        ("bind of /etc", "/etc", "SKD203"),
        (
            "host symlink to /var/run",
            &format!("{}/to-var-run", tmp.0.display()),
            "SKD201",
        ),
        (
            "the guard's own socket directory",
            &ci.dir.0.display().to_string(),
            "SKD201",
        ),
        ("pre-created volume binding /", &rootvol, "SKD201"),
    ] {
        let p = s.create_path(true);
        s.deny(&ci, what, &post_json(&p, &hard(&s, true, &bind(src))), rule);
    }
    for (what, src) in [
        ("bind of a project directory", data_s.clone()),
        (
            "host symlink to a project directory",
            format!("{}/to-sub", tmp.0.display()),
        ),
        (
            "named volume created on first use",
            format!("sg-twinvol-{run}"),
        ),
    ] {
        let p = s.create_path(false);
        s.pass(
            &ci,
            what,
            &post_json(&p, &hard(&s, false, &bind(&src))),
            &[201],
        );
    }
    let mount = |m: Value| move |v: &mut Value| v["HostConfig"]["Mounts"] = json!([m.clone()]);
    let p = s.create_path(true);
    s.deny(
        &ci,
        "Mounts bind of /etc",
        &post_json(
            &p,
            &hard(
                &s,
                true,
                &mount(json!({"Type":"bind","Source":"/etc","Target":"/e"})),
            ),
        ),
        "SKD203",
    );
    let p = s.create_path(false);
    s.pass(
        &ci,
        "Mounts bind of a project directory",
        &post_json(
            &p,
            &hard(
                &s,
                false,
                &mount(json!({"Type":"bind","Source":data_s,"Target":"/d"})),
            ),
        ),
        &[201],
    );
    let p = s.create_path(true);
    s.deny(
        &ci,
        "Mounts volume with local bind options",
        &post_json(
            &p,
            &hard(
                &s,
                true,
                &mount(json!({"Type":"volume","Source":format!("sg-refused-vol-{run}"),"Target":"/v",
                    "VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}}})),
            ),
        ),
        "SKD201",
    );
    let p = s.create_path(false);
    s.pass(
        &ci,
        "Mounts volume without options",
        &post_json(
            &p,
            &hard(
                &s,
                false,
                &mount(
                    json!({"Type":"volume","Source":format!("sg-twinvol2-{run}"),"Target":"/v"}),
                ),
            ),
        ),
        &[201],
    );
    let p = s.create_path(true);
    s.deny(
        &ci,
        "VolumesFrom a container binding /etc",
        &post_json(
            &p,
            &hard(&s, true, &|v| {
                v["HostConfig"]["VolumesFrom"] = json!([etcer])
            }),
        ),
        "SKD203",
    );
    let p = s.create_path(false);
    s.pass(
        &ci,
        "VolumesFrom a container without host mounts",
        &post_json(
            &p,
            &hard(&s, false, &|v| {
                v["HostConfig"]["VolumesFrom"] = json!([web])
            }),
        ),
        &[201],
    );
    let vol = |name: &str, opts: Value, driver: &str| {
        json!({"Name": name, "Driver": driver, "DriverOpts": opts, "Labels": {LABEL: run, "stockade.test.refused": "1"}})
            .to_string()
    };
    for (what, opts, driver, rule) in [
        (
            "volume binding /",
            json!({"type":"none","o":"bind","device":"/"}),
            "local",
            "SKD201",
        ),
        (
            "volume binding /etc",
            json!({"type":"none","o":"bind","device":"/etc"}),
            "local",
            "SKD203",
        ),
        (
            "volume of a host block device",
            json!({"type":"ext4","device":"/dev/vda"}),
            "local",
            "SKG014",
        ),
        (
            "volume of a remote filesystem",
            json!({"type":"nfs","o":"addr=10.0.0.1","device":":/export"}),
            "local",
            "SKG014",
        ),
        ("volume plugin driver", json!({}), "vieux/sshfs", "SKG014"),
    ] {
        let n = s.name("refused-vol");
        s.deny(
            &ci,
            what,
            &post_json("/v1.41/volumes/create", &vol(&n, opts, driver)),
            rule,
        );
    }
    for (what, opts) in [
        ("plain volume", json!({})),
        (
            "tmpfs volume",
            json!({"type":"tmpfs","device":"tmpfs","o":"size=16m"}),
        ),
    ] {
        let n = s.name("twinvol");
        let body = json!({"Name": n, "DriverOpts": opts, "Labels": {LABEL: run}}).to_string();
        s.pass(
            &ci,
            what,
            &post_json("/v1.41/volumes/create", &body),
            &[201],
        );
    }

    // ---- 5. privileges without `Privileged` ----
    for (what, edit, rule) in [
        (
            "CapAdd SYS_ADMIN",
            Box::new(|v: &mut Value| v["HostConfig"]["CapAdd"] = json!(["SYS_ADMIN"]))
                as Box<dyn Fn(&mut Value)>,
            "SKD208",
        ),
        (
            "CapAdd ALL",
            Box::new(|v: &mut Value| v["HostConfig"]["CapAdd"] = json!(["ALL"])),
            "SKD208",
        ),
        (
            "seccomp=unconfined",
            Box::new(|v: &mut Value| {
                v["HostConfig"]["SecurityOpt"] = json!(["seccomp=unconfined"])
            }),
            "SKD212",
        ),
        (
            "apparmor=unconfined",
            Box::new(|v: &mut Value| {
                v["HostConfig"]["SecurityOpt"] = json!(["apparmor=unconfined"])
            }),
            "SKD213",
        ),
        (
            "systempaths=unconfined",
            Box::new(|v: &mut Value| {
                v["HostConfig"]["SecurityOpt"] = json!(["systempaths=unconfined"])
            }),
            "SKD207",
        ),
        (
            "empty MaskedPaths",
            Box::new(|v: &mut Value| v["HostConfig"]["MaskedPaths"] = json!([])),
            "SKD207",
        ),
        (
            "host block device",
            Box::new(
                |v: &mut Value| v["HostConfig"]["Devices"] = json!([{"PathOnHost":"/dev/vda","PathInContainer":"/dev/vda","CgroupPermissions":"rwm"}]),
            ),
            "SKD206",
        ),
        (
            "device requests",
            Box::new(|v: &mut Value| {
                v["HostConfig"]["DeviceRequests"] =
                    json!([{"Driver":"nvidia","Count":-1,"Capabilities":[["gpu"]]}])
            }),
            "SKD206",
        ),
        (
            "host PID namespace",
            Box::new(|v: &mut Value| v["HostConfig"]["PidMode"] = json!("host")),
            "SKD210",
        ),
        (
            "host network",
            Box::new(|v: &mut Value| v["HostConfig"]["NetworkMode"] = json!("host")),
            "SKD210",
        ),
        (
            "explicit root user",
            Box::new(|v: &mut Value| v["User"] = json!("root")),
            "SKD223",
        ),
        (
            "foreign runtime",
            Box::new(|v: &mut Value| v["HostConfig"]["Runtime"] = json!("io.containerd.runsc.v1")),
            "SKG018",
        ),
    ] {
        let p = s.create_path(true);
        s.deny(&ci, what, &post_json(&p, &hard(&s, true, &*edit)), rule);
    }
    let p = s.create_path(true);
    s.deny(
        &ci,
        "network namespace of a privileged container",
        &post_json(
            &p,
            &hard(&s, true, &|v| {
                v["HostConfig"]["NetworkMode"] = json!(format!("container:{privileged}"))
            }),
        ),
        "SKG015/SKD205",
    );
    let p = s.create_path(true);
    s.deny(
        &ci,
        "cgroup of a privileged container",
        &post_json(
            &p,
            &hard(&s, true, &|v| {
                v["HostConfig"]["Cgroup"] = json!(format!("container:{privileged}"))
            }),
        ),
        "SKD205",
    );
    let p = s.create_path(false);
    s.pass(
        &ci,
        "network namespace of a hardened container",
        &post_json(
            &p,
            &hard(&s, false, &|v| {
                v["HostConfig"]["NetworkMode"] = json!(format!("container:{web}"))
            }),
        ),
        &[201],
    );
    let p = s.create_path(false);
    s.pass(
        &ci,
        "a default capability added back after dropping all",
        &post_json(
            &p,
            &hard(&s, false, &|v| {
                v["HostConfig"]["CapAdd"] = json!(["NET_BIND_SERVICE"])
            }),
        ),
        &[201],
    );
    let p = s.create_path(true);
    let legacy = format!(
        r#"{{"Image":"{IMAGE}","Labels":{{"{LABEL}":"{run}","stockade.test.refused":"1"}},"Privileged":true,"Binds":["/:/host"]}}"#
    );
    s.deny(
        &ci,
        "legacy body with HostConfig fields at the top level",
        &post_json(&p, &legacy),
        "SKD201",
    );

    // ---- 6. exec ----
    let ex = format!("/v1.41/containers/{web}/exec");
    s.deny(
        &ci,
        "privileged exec",
        &post_json(&ex, r#"{"Cmd":["id"],"Privileged":true}"#),
        "SKD205",
    );
    s.deny(
        &ci,
        "exec as root into a non-root container",
        &post_json(&ex, r#"{"Cmd":["id"],"User":"0"}"#),
        "SKG012",
    );
    s.deny(
        &ci,
        "exec into a privileged container",
        &post_json(
            &format!("/v1.41/containers/{privileged}/exec"),
            r#"{"Cmd":["id"]}"#,
        ),
        "SKG015/SKD205",
    );
    s.pass(
        &ci,
        "plain exec",
        &post_json(&ex, r#"{"Cmd":["id"]}"#),
        &[201],
    );
    s.deny(
        &ci,
        "start of a privileged exec created elsewhere",
        &post_json(
            &format!("/v1.41/exec/{exec_priv}/start"),
            r#"{"Detach":true}"#,
        ),
        "SKD205",
    );
    s.deny(
        &ci,
        "attached exec start without an upgrade",
        &post_json(
            &format!("/v1.41/exec/{exec_ok}/start"),
            r#"{"Detach":false}"#,
        ),
        "SKG008",
    );
    s.pass(
        &ci,
        "detached start of a plain exec",
        &post_json(
            &format!("/v1.41/exec/{exec_ok}/start"),
            r#"{"Detach":true}"#,
        ),
        &[200],
    );

    // ---- 7. update ----
    let upd = format!("/v1.41/containers/{web}/update");
    s.deny(
        &ci,
        "update adding a device",
        &post_json(&upd, r#"{"Devices":[{"PathOnHost":"/dev/vda","PathInContainer":"/dev/vda","CgroupPermissions":"rwm"}]}"#),
        "SKD206",
    );
    s.deny(
        &strict,
        "update lifting the pids limit",
        &post_json(&upd, r#"{"PidsLimit":-1}"#),
        "SKD218",
    );
    s.pass(
        &strict,
        "update raising the memory limit",
        &post_json(&upd, r#"{"Memory":134217728,"MemorySwap":134217728}"#),
        &[200],
    );
    s.pass(
        &strict,
        "update lowering the pids limit",
        &post_json(&upd, r#"{"PidsLimit":32}"#),
        &[200],
    );

    // ---- 8. archives and exports ----
    let file = tar(&[("hello.txt", 0o644, b"hello\n")]);
    s.deny(
        &ci,
        "copy into a container with a writable host bind",
        &request(
            "PUT",
            &format!("/v1.41/containers/{binder}/archive?path=/data"),
            "application/x-tar",
            &file,
        ),
        "SKG017",
    );
    s.pass(
        &ci,
        "copy into a container without host mounts",
        &request(
            "PUT",
            &format!("/v1.41/containers/{web}/archive?path=/tmp"),
            "application/x-tar",
            &file,
        ),
        &[200],
    );
    s.deny(
        &ro,
        "read-only: export a container",
        &get(&format!("/v1.41/containers/{web}/export")),
        "SKG003",
    );
    s.deny(
        &ro,
        "read-only: read files out of a container",
        &get(&format!("/v1.41/containers/{web}/archive?path=/etc")),
        "SKG003",
    );
    s.pass(
        &ci,
        "ci: export a container",
        &get(&format!("/v1.41/containers/{web}/export")),
        &[200],
    );

    // ---- 9. images ----
    let (st, saved) = daemon(&get(&format!("/v1.41/images/{IMAGE}/get")));
    assert_eq!(st, 200);
    s.deny(
        &ci,
        "image load",
        &request(
            "POST",
            "/v1.41/images/load?quiet=1",
            "application/x-tar",
            &saved,
        ),
        "SKG003",
    );
    s.pass(
        &lab,
        "image load where the profile allows it",
        &request(
            "POST",
            "/v1.41/images/load?quiet=1",
            "application/x-tar",
            &saved,
        ),
        &[200],
    );
    let rootfs = tar(&[("marker", 0o644, b"x")]);
    s.deny(
        &ci,
        "image import",
        &request(
            "POST",
            "/v1.41/images/create?fromSrc=-&repo=sg-refused-import&tag=1",
            "application/x-tar",
            &rootfs,
        ),
        "SKG011",
    );
    s.pass(
        &lab,
        "image import where the profile allows it",
        &request(
            "POST",
            &format!("/v1.41/images/create?fromSrc=-&repo=sg-import-{run}&tag=1"),
            "application/x-tar",
            &rootfs,
        ),
        &[200],
    );
    s.deny(
        &ci,
        "commit with USER root over a trusted name",
        &post_json(
            &format!(
                "/v1.41/commit?container={web}&repo=sg-refused-commit&tag=1&changes=USER%20root"
            ),
            "{}",
        ),
        "SKG003",
    );
    s.pass(
        &lab,
        "commit where the profile allows it",
        &post_json(
            &format!("/v1.41/commit?container={web}&repo=sg-commit-{run}&tag=1"),
            "{}",
        ),
        &[201],
    );
    s.deny(
        &ci,
        "tag over an existing image",
        &post_json(
            &format!("/v1.41/images/{IMAGE}/tag?repo=sg-build-{run}&tag=1"),
            "",
        ),
        "SKG011",
    );
    s.pass(
        &ci,
        "tag under a new name",
        &post_json(
            &format!("/v1.41/images/{IMAGE}/tag?repo=sg-tag-{run}&tag=1"),
            "",
        ),
        &[201],
    );

    // ---- 10. builds ----
    for (what, q) in [
        ("build on the host network", "networkmode=host"),
        (
            "build in another container's network",
            "networkmode=container:x",
        ),
        (
            "build from a remote URL",
            "remote=http://169.254.169.254/latest/meta-data/",
        ),
        ("build with seccomp off", "securityopt=seccomp%3Dunconfined"),
        ("build in a foreign cgroup", "cgroupparent=/system.slice"),
        ("BuildKit build", "version=2"),
        ("build overwriting an existing tag", &format!("t={IMAGE}")),
    ] {
        let rule = if what.contains("overwriting") {
            "SKG011"
        } else {
            "SKG010"
        };
        s.deny(
            &ci,
            what,
            &request(
                "POST",
                &format!("/v1.41/build?{q}"),
                "application/x-tar",
                &ctx,
            ),
            rule,
        );
    }
    s.deny(
        &ci,
        "BuildKit session",
        &with_headers(
            "POST",
            "/v1.41/session",
            "Connection: Upgrade\r\nUpgrade: h2c\r\n",
            b"",
        ),
        "SKG003",
    );
    s.deny(
        &ci,
        "BuildKit gRPC",
        &with_headers(
            "POST",
            "/v1.41/grpc",
            "Connection: Upgrade\r\nUpgrade: h2c\r\n",
            b"",
        ),
        "SKG003",
    );

    // ---- 11. swarm, services, plugins ----
    s.deny(
        &ci,
        "swarm init",
        &post_json("/v1.41/swarm/init", r#"{"ListenAddr":"127.0.0.1:2377"}"#),
        "SKG003",
    );
    s.deny(
        &ci,
        "swarm join",
        &post_json(
            "/v1.41/swarm/join",
            r#"{"RemoteAddrs":["10.0.0.1:2377"],"JoinToken":"x"}"#,
        ),
        "SKG003",
    );
    let svc = r#"{"Name":"sg-refused-svc","TaskTemplate":{"ContainerSpec":{"Image":"x","Mounts":[{"Type":"bind","Source":"/","Target":"/h"}]}}}"#;
    s.deny(
        &ci,
        "service create",
        &post_json("/v1.41/services/create", svc),
        "SKG003",
    );
    s.deny(
        &ci,
        "node update",
        &post_json("/v1.41/nodes/x/update?version=1", "{}"),
        "SKG003",
    );
    s.pass(
        &lab,
        "swarm inspect where the profile allows it",
        &get("/v1.41/swarm"),
        &[503],
    );
    s.pass(&ro, "service list", &get("/v1.41/services"), &[503]);
    s.deny(
        &ci,
        "plugin pull",
        &post_json(
            "/v1.41/plugins/pull?remote=sg-refused/plugin&name=sg-refused-plugin",
            "[]",
        ),
        "SKG003",
    );
    s.deny(
        &ci,
        "plugin enable",
        &post_json("/v1.41/plugins/sg-refused-plugin/enable", ""),
        "SKG003",
    );
    s.deny(
        &ci,
        "plugin upgrade",
        &post_json("/v1.41/plugins/sg-refused-plugin/upgrade?remote=x", "[]"),
        "SKG003",
    );
    s.pass(&ci, "plugin list", &get("/v1.41/plugins"), &[200]);

    // ---- 12. networks ----
    let net = |name: &str, driver: &str, opts: Value| {
        json!({"Name": name, "Driver": driver, "Options": opts, "Labels": {LABEL: run, "stockade.test.refused": "1"}}).to_string()
    };
    for (what, driver, opts) in [
        ("macvlan network", "macvlan", json!({"parent":"eth0"})),
        ("ipvlan network", "ipvlan", json!({})),
        (
            "bridge over an existing host interface",
            "bridge",
            json!({"com.docker.network.bridge.name":"docker0"}),
        ),
    ] {
        let n = s.name("refused-net");
        s.deny(
            &ci,
            what,
            &post_json("/v1.41/networks/create", &net(&n, driver, opts)),
            "SKG013",
        );
    }
    let n = s.name("twinnet");
    s.pass(
        &ci,
        "bridge network",
        &post_json(
            "/v1.41/networks/create",
            &json!({"Name": n, "Driver": "bridge", "Labels": {LABEL: run}}).to_string(),
        ),
        &[201],
    );
    let p = s.create_path(true);
    s.deny(
        &ci,
        "host network through NetworkingConfig",
        &post_json(
            &p,
            &hard(&s, true, &|v| {
                v["HostConfig"]["NetworkMode"] = json!("default");
                v["NetworkingConfig"] = json!({"EndpointsConfig": {"host": {}}});
            }),
        ),
        "SKG013",
    );
    let p = s.create_path(false);
    let br = bridge.clone();
    s.pass(
        &ci,
        "a bridge network through NetworkingConfig",
        &post_json(
            &p,
            &hard(&s, false, &move |v| {
                v["HostConfig"]["NetworkMode"] = json!(br);
                v["NetworkingConfig"] =
                    json!({"EndpointsConfig": {br.clone(): {"Aliases": ["twin"]}}});
            }),
        ),
        &[201],
    );
    let p = s.create_path(true);
    s.deny(
        &ci,
        "inline volume of a host block device",
        &post_json(
            &p,
            &hard(
                &s,
                true,
                &mount(json!({"Type":"volume","Source":format!("sg-refused-vol2-{run}"),"Target":"/v",
                    "VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"ext4","device":"/dev/vda"}}}})),
            ),
        ),
        "SKG014",
    );
    s.deny(
        &ci,
        "connect to the host network",
        &post_json(
            "/v1.41/networks/host/connect",
            &format!(r#"{{"Container":"{web}"}}"#),
        ),
        "SKG013",
    );
    s.pass(
        &ci,
        "connect to a bridge network",
        &post_json(
            &format!("/v1.41/networks/{bridge}/connect"),
            &format!(r#"{{"Container":"{netc}"}}"#),
        ),
        &[200],
    );

    // ---- 13. connection handling ----
    s.deny(
        &ci,
        "Upgrade on a route that never upgrades",
        &with_headers("GET", "/v1.41/containers/json", up, b""),
        "SKG008",
    );
    s.pass(
        &ci,
        "the same route without it",
        &get("/v1.41/containers/json"),
        &[200],
    );
    s.deny(
        &ci,
        "attach with stdin and no upgrade",
        &with_headers(
            "POST",
            &format!("/v1.41/containers/{web}/attach?stream=1&stdin=1"),
            "",
            b"",
        ),
        "SKG008",
    );
    // Keep-alive: every request on a connection is judged on its own.
    let first = b"GET /_ping HTTP/1.1\r\nHost: docker\r\n\r\n".to_vec();
    let p = s.create_path(true);
    let mut pipelined = first.clone();
    pipelined.extend(post_json(&p, &hard(&s, true, &privileged_edit)));
    s.refused += 1;
    let (st, head, body) = raw(&ci.sock, &pipelined);
    let rest = String::from_utf8_lossy(&body).into_owned();
    if !(st == 200 && rest.contains("HTTP/1.1 403") && rest.contains("stockade guard: SKD205")) {
        s.failures.push(format!(
            "[refuse] second request on a kept-alive connection: {st} {head} {rest:.300}"
        ));
    }
    // An upgrade the daemon does not grant (no such container) leaves the
    // connection in HTTP: the next request is still judged.
    let p = s.create_path(true);
    let mut pipelined = format!(
        "POST /v1.41/containers/sg-none-{run}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
    )
    .into_bytes();
    pipelined.extend(post_json(&p, &hard(&s, true, &privileged_edit)));
    s.refused += 1;
    let all = raw_text(&ci.sock, &pipelined);
    if !(all.starts_with("HTTP/1.1 404")
        && all.contains("HTTP/1.1 403")
        && all.contains("stockade guard: SKD205"))
    {
        s.failures.push(format!(
            "[refuse] request after a refused upgrade: {all:.400}"
        ));
    }
    let p = s.create_path(false);
    let mut pipelined = first;
    pipelined.extend(post_json(&p, &hard(&s, false, &|_| {})));
    s.twins += 1;
    let (st, _, body) = raw(&ci.sock, &pipelined);
    let rest = String::from_utf8_lossy(&body).into_owned();
    if !(st == 200 && rest.contains("HTTP/1.1 201")) {
        s.failures.push(format!(
            "[twin] second request on a kept-alive connection: {st} {rest:.300}"
        ));
    }

    // ---- 14. fail closed: no daemon behind the guard ----
    let dead = TempDir::new("dead");
    let cfg = stockade_guard::GuardConfig::from_cli(&stockade_guard::CliOptions {
        listen: Some(format!("unix://{}/g.sock", dead.0.display())),
        profile: Some("ci".into()),
        upstream: Some(format!("unix://{}/no-daemon.sock", dead.0.display())),
        audit_log: Some(dead.0.join("audit").display().to_string()),
        config: None,
    })
    .unwrap();
    let g = stockade_guard::spawn(&cfg, 1).unwrap();
    s.refused += 1;
    let (st, _, body) = raw(
        &dead.0.join("g.sock"),
        &post_json("/v1.41/containers/x/start", ""),
    );
    if !(st == 502 && String::from_utf8_lossy(&body).contains("SKG019")) {
        s.failures.push(format!(
            "[refuse] start judged without a daemon: {st} {}",
            String::from_utf8_lossy(&body)
        ));
    }
    g.stop().unwrap();

    // ---- the audit log knows who asked ----
    let me = std::process::id() as i64;
    let uid = unsafe { libc::getuid() } as i64;
    let lines = ci.audit_lines();
    let denies = lines.iter().filter(|l| l["decision"] == "deny").count();
    assert!(
        lines
            .iter()
            .any(|l| l["peer"]["pid"] == me && l["peer"]["uid"] == uid && l["decision"] == "deny"),
        "no audit line with this process's pid and uid"
    );
    assert!(denies >= 60, "only {denies} deny lines in the ci audit log");
    for l in &lines {
        for key in [
            "time", "listener", "peer", "method", "route", "path", "decision", "rules",
        ] {
            assert!(!l[key].is_null(), "audit line without {key}: {l}");
        }
    }

    // ---- nothing refused reached the daemon ----
    let mut leaks = String::new();
    let filters = |f: &str| {
        let mut out = String::new();
        for b in f.bytes() {
            let _ = write!(out, "%{b:02X}");
        }
        out
    };
    let refused_label = filters(r#"{"label":["stockade.test.refused=1"]}"#);
    let named = filters(r#"{"name":["sg-refused"]}"#);
    for (what, path) in [
        (
            "containers",
            format!("/v1.41/containers/json?all=1&filters={refused_label}"),
        ),
        (
            "containers",
            format!("/v1.41/containers/json?all=1&filters={named}"),
        ),
        ("volumes", format!("/v1.41/volumes?filters={refused_label}")),
        ("volumes", format!("/v1.41/volumes?filters={named}")),
        (
            "networks",
            format!("/v1.41/networks?filters={refused_label}"),
        ),
        ("networks", format!("/v1.41/networks?filters={named}")),
        ("plugins", "/v1.41/plugins".to_string()),
    ] {
        let (st, b) = daemon(&get(&path));
        assert_eq!(st, 200, "{path}");
        let v = json(&b);
        let list = v.get("Volumes").cloned().unwrap_or(v);
        let found: Vec<&Value> = list
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|x| x.to_string().contains("refused"))
                    .collect()
            })
            .unwrap_or_default();
        if !found.is_empty() {
            let _ = writeln!(leaks, "{what}: {found:?}");
        }
    }
    for img in ["sg-refused-import:1", "sg-refused-commit:1"] {
        let (st, _) = daemon(&get(&format!("/v1.41/images/{img}/json")));
        if st != 404 {
            let _ = writeln!(leaks, "image {img} exists");
        }
    }
    let (_, b) = daemon(&get(&format!("/v1.41/images/{IMAGE}/json")));
    let (_, b2) = daemon(&get(&format!("/v1.41/images/sg-build-{run}:1/json")));
    assert_ne!(
        json(&b)["Id"],
        json(&b2)["Id"],
        "the refused tag overwrite happened"
    );

    drop(leftovers);
    eprintln!(
        "bypass suite: {} refused cases, {} twins, {} failures",
        s.refused,
        s.twins,
        s.failures.len()
    );
    assert!(
        leaks.is_empty(),
        "refused requests reached the daemon:\n{leaks}"
    );
    assert!(s.failures.is_empty(), "{}", s.failures.join("\n"));
    assert!(
        s.refused >= 40 && s.twins >= 40,
        "{} refused, {} twins",
        s.refused,
        s.twins
    );
    let _ = Path::new("");
}
