//! Decisions against a fake daemon (canned inspect documents).

use super::*;
use crate::canon::canonicalize;
use crate::profile::Profile;
use crate::routes::route;
use serde_json::json;
use std::collections::HashMap;
use stockade_core::Severity;

#[derive(Default)]
struct Fake {
    docs: HashMap<String, Value>,
}

impl Fake {
    fn with(mut self, path: &str, v: Value) -> Fake {
        self.docs.insert(path.to_string(), v);
        self
    }
}

impl Lookup for Fake {
    fn get(&self, path: &str) -> impl std::future::Future<Output = Result<Found, Refusal>> + Send {
        let r = match self.docs.get(path) {
            Some(v) => Ok(Found::Yes(v.clone())),
            None => Ok(Found::No(
                404,
                Bytes::from(format!("{{\"message\":\"No such object: {path}\"}}")),
            )),
        };
        async move { r }
    }
}

const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const ID2: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

fn container(id: &str, name: &str, user: &str, host: Value, mounts: Value) -> Value {
    json!({
        "Id": id,
        "Name": format!("/{name}"),
        "Image": "sha256:aaaa",
        "Config": {"User": user, "Image": "app:1.0"},
        "HostConfig": host,
        "Mounts": mounts,
    })
}

fn hardened() -> Value {
    json!({"Memory": 67108864, "NanoCpus": 500000000, "PidsLimit": 64, "ReadonlyRootfs": true,
           "CapDrop": ["ALL"], "SecurityOpt": ["no-new-privileges"]})
}

/// A fake daemon with `web` (hardened, non-root), `priv` (privileged),
/// `hostnet` (host network), `binder` (writable bind of /srv/data) and
/// `etcer` (bind of /etc), volume `rootvol` (local bind of /) and network
/// `mac` (macvlan).
fn daemon() -> Fake {
    let web = container(ID, "web", "65534:65534", hardened(), json!([]));
    let privileged = container(ID2, "priv", "", json!({"Privileged": true}), json!([]));
    let hostnet = container(
        ID2,
        "hostnet",
        "65534",
        json!({"NetworkMode": "host"}),
        json!([]),
    );
    let binder = container(
        ID,
        "binder",
        "65534",
        hardened(),
        json!([{"Type": "bind", "Source": "/srv/data", "Destination": "/data", "RW": true}]),
    );
    let etcer = container(
        ID2,
        "etcer",
        "65534",
        json!({"Binds": ["/etc:/host-etc"]}),
        json!([{"Type": "bind", "Source": "/etc", "Destination": "/host-etc", "RW": true}]),
    );
    let mut f = Fake::default();
    for (name, doc) in [
        ("web", web),
        ("priv", privileged),
        ("hostnet", hostnet),
        ("binder", binder),
        ("etcer", etcer),
    ] {
        f = f.with(&format!("/containers/{name}/json"), doc.clone());
        let id = doc["Id"].as_str().unwrap().to_string();
        f = f.with(&format!("/containers/{id}/json"), doc);
    }
    f.with(
        "/volumes/rootvol",
        json!({"Name": "rootvol", "Driver": "local", "Options": {"type": "none", "o": "bind", "device": "/"}}),
    )
    .with("/volumes/plain", json!({"Name": "plain", "Driver": "local", "Options": null}))
    .with("/volumes/plug", json!({"Name": "plug", "Driver": "sshfs", "Options": {}}))
    .with(
        "/volumes/disk",
        json!({"Name": "disk", "Driver": "local", "Options": {"type": "ext4", "device": "/dev/vda1"}}),
    )
    .with("/networks/mac", json!({"Name": "mac", "Driver": "macvlan"}))
    .with("/networks/br", json!({"Name": "br", "Driver": "bridge"}))
    .with("/exec/e1/json", json!({"ID": "e1", "ContainerID": ID, "ProcessConfig": {"privileged": false, "user": ""}}))
    .with("/exec/e2/json", json!({"ID": "e2", "ContainerID": ID, "ProcessConfig": {"privileged": true, "user": ""}}))
    .with("/images/app:1.0/json", json!({"Id": "sha256:1111"}))
    .with("/images/other:2/json", json!({"Id": "sha256:2222"}))
    .with("/images/app:copy/json", json!({"Id": "sha256:1111"}))
}

fn run(
    profile: &Profile,
    fake: &Fake,
    method: &str,
    target: &str,
    body: &str,
    upgrade: bool,
) -> Verdict {
    let t = canonicalize(target).unwrap();
    let m = route(method, &t.path).unwrap_or_else(|| panic!("no route for {method} {target}"));
    let ctx = Ctx::default();
    let protected = vec![
        "/var/run/docker.sock".to_string(),
        "/run/stockade/ci.sock".to_string(),
    ];
    let judge = Judge {
        profile,
        lookup: fake,
        ctx: &ctx,
        protected: &protected,
    };
    let req = Req {
        matched: &m,
        query: &t.query,
        body: Some(body.as_bytes()),
        upgrade,
    };
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(judge.judge(&req))
}

fn ci() -> Profile {
    Profile::builtin("ci").unwrap()
}

#[track_caller]
fn refused(v: Verdict, rule: &str, words: &str) {
    match v {
        Ok(a) => panic!("expected a refusal ({rule}), got {a:?}"),
        Err(r) => {
            assert_eq!(r.rule, rule, "{}", r.message);
            assert!(r.message.contains(words), "{}: {}", r.rule, r.message);
            let body: Value = serde_json::from_slice(&r.body()).unwrap();
            if r.raw.is_none() {
                assert!(
                    body["message"]
                        .as_str()
                        .unwrap()
                        .starts_with(&format!("stockade guard: {rule}: ")),
                    "{body}"
                );
            }
        }
    }
}

const HARD: &str = r#""User":"65534","HostConfig":{"Memory":67108864,"PidsLimit":64,"ReadonlyRootfs":true,"CapDrop":["ALL"],"SecurityOpt":["no-new-privileges"]"#;

fn create(fake: &Fake, extra_host: &str) -> Verdict {
    let body = format!(r#"{{"Image":"app:1.0",{HARD}{extra_host}}}}}"#);
    run(
        &ci(),
        fake,
        "POST",
        "/v1.41/containers/create?name=t",
        &body,
        false,
    )
}

#[test]
fn create_hardened_passes() {
    let f = daemon();
    let a = create(&f, "").unwrap();
    assert_eq!(a.path, None);
    // Named volumes without bind options, and binds of project paths.
    create(
        &f,
        r#","Binds":["plain:/data","/srv/app/config:/config:ro"]"#,
    )
    .unwrap();
    create(&f, r#","Binds":["fresh-volume:/data"]"#).unwrap();
    create(&f, r#","NetworkMode":"container:web""#).unwrap();
    create(&f, r#","VolumesFrom":["binder:ro"]"#).unwrap();
}

#[test]
fn create_refusals() {
    let f = daemon();
    refused(create(&f, r#","Privileged":true"#), "SKD205", "Privileged");
    refused(create(&f, r#","Binds":["/:/host"]"#), "SKD201", "/");
    // Read-only /etc is a medium finding: below ci's threshold, not below medium.
    create(&f, r#","Binds":["/etc:/host-etc:ro"]"#).unwrap();
    let mut strict = ci();
    strict.threshold = Severity::Medium;
    let body = format!(r#"{{"Image":"app:1.0",{HARD},"Binds":["/etc:/host-etc:ro"]}}}}"#);
    refused(
        run(&strict, &f, "POST", "/containers/create", &body, false),
        "SKD203",
        "/etc",
    );
    refused(
        create(
            &f,
            r#","Binds":["/var/run/docker.sock:/var/run/docker.sock"]"#,
        ),
        "SKD201",
        "docker.sock",
    );
    refused(
        create(&f, r#","Binds":["/run/stockade:/s"]"#),
        "SKD201",
        "/run/stockade/ci.sock",
    );
    // Case variants and duplicates.
    refused(
        create(&f, r#","privileged":true"#),
        "SKG007",
        "case variant",
    );
    refused(
        create(&f, r#","Privileged":false,"Privileged":true"#),
        "SKG007",
        "duplicate",
    );
    refused(create(&f, r#","Bogus":1"#), "SKG007", "HostConfig.Bogus");
    // Mount forms.
    refused(
        create(
            &f,
            r#","Mounts":[{"Type":"bind","Source":"/etc","Target":"/e"}]"#,
        ),
        "SKD203",
        "/etc",
    );
    refused(
        create(
            &f,
            r#","Mounts":[{"Type":"volume","Source":"v","Target":"/v","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"none","o":"bind","device":"/etc"}}}}]"#,
        ),
        "SKD203",
        "/etc",
    );
    refused(
        create(&f, r#","Binds":["rootvol:/h"]"#),
        "SKD201",
        "through a volume",
    );
    refused(create(&f, r#","Binds":["plug:/h"]"#), "SKG014", "sshfs");
    refused(create(&f, r#","VolumesFrom":["etcer"]"#), "SKD203", "/etc");
    // Namespaces through other containers.
    refused(
        create(&f, r#","NetworkMode":"container:hostnet""#),
        "SKG015/SKD210",
        "network namespace",
    );
    refused(
        create(&f, r#","PidMode":"container:priv""#),
        "SKG015/SKD205",
        "pid namespace",
    );
    refused(
        create(&f, r#","Cgroup":"container:priv""#),
        "SKD205",
        "cgroup",
    );
    let e = create(&f, r#","VolumesFrom":["missing"]"#).unwrap_err();
    assert_eq!(e.http_status(), 404);
    // Outside the model.
    refused(
        create(&f, r#","Runtime":"runsc-unsafe""#),
        "SKG018",
        "runtime",
    );
    refused(
        create(&f, r#","DeviceRequests":[{"Driver":"nvidia","Count":-1}]"#),
        "SKD206",
        "device requests",
    );
    refused(
        create(&f, r#","CapAdd":["SYS_ADMIN"]"#),
        "SKD208",
        "SYS_ADMIN",
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/create",
            r#"{"Image":"app:1.0","User":"65534","HostConfig":{"SecurityOpt":["seccomp=unconfined"]}}"#,
            false,
        ),
        "SKD212",
        "seccomp",
    );
    refused(
        create(&f, r#","PidMode":"host""#),
        "SKD210",
        "PID namespace",
    );
    // Legacy body: HostConfig fields at the top level.
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/create",
            r#"{"Image":"app:1.0","Privileged":true}"#,
            false,
        ),
        "SKD205",
        "Privileged",
    );
    refused(
        run(&ci(), &f, "POST", "/containers/create", "", false),
        "SKG007",
        "invalid",
    );
}

#[test]
fn create_networks_and_inline_volumes() {
    let f = daemon();
    create(&f, r#","NetworkMode":"br""#).unwrap();
    refused(create(&f, r#","NetworkMode":"mac""#), "SKG013", "macvlan");
    let body = format!(
        r#"{{"Image":"app:1.0",{HARD}}},"NetworkingConfig":{{"EndpointsConfig":{{"mac":{{}}}}}}}}"#
    );
    refused(
        run(&ci(), &f, "POST", "/containers/create", &body, false),
        "SKG013",
        "macvlan",
    );
    refused(create(&f, r#","VolumeDriver":"sshfs""#), "SKG014", "sshfs");
    refused(
        create(
            &f,
            r#","Mounts":[{"Type":"volume","Source":"x","Target":"/x","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"ext4","device":"/dev/vda1"}}}}]"#,
        ),
        "SKG014",
        "ext4",
    );
    refused(
        create(
            &f,
            r#","Mounts":[{"Type":"volume","Source":"x","Target":"/x","VolumeOptions":{"DriverConfig":{"Name":"rexray"}}}]"#,
        ),
        "SKG014",
        "rexray",
    );
    refused(create(&f, r#","Binds":["disk:/d"]"#), "SKG014", "ext4");
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/volumes/create",
            r#"{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/run/stockade"}}"#,
            false,
        ),
        "SKD201",
        "guard's socket",
    );
}

#[test]
fn threshold_and_ignores() {
    let f = daemon();
    let body = r#"{"Image":"app:1.0","User":"65534"}"#;
    // No limits: medium finding (SKD216), below ci's threshold.
    let a = run(&ci(), &f, "POST", "/containers/create", body, false).unwrap();
    assert!(a.rules.iter().any(|r| r == "SKD216"), "{:?}", a.rules);
    let mut strict = ci();
    strict.threshold = Severity::Medium;
    refused(
        run(&strict, &f, "POST", "/containers/create", body, false),
        "SKD216",
        "memory",
    );
    strict.ignore("SKD216").unwrap();
    strict.ignore("SKD225").unwrap();
    run(&strict, &f, "POST", "/containers/create", body, false).unwrap();
}

#[test]
fn start_and_restart_judge_the_container() {
    let f = daemon();
    let a = run(&ci(), &f, "POST", "/v1.41/containers/web/start", "", false).unwrap();
    assert_eq!(
        a.path.as_deref(),
        Some(format!("/containers/{ID}/start").as_str())
    );
    refused(
        run(&ci(), &f, "POST", "/containers/priv/start", "", false),
        "SKD205",
        "priv",
    );
    refused(
        run(&ci(), &f, "POST", "/containers/etcer/restart", "", false),
        "SKD203",
        "/etc",
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/web/start",
            r#"{"Privileged":true}"#,
            false,
        ),
        "SKG005",
        "HostConfig",
    );
    run(&ci(), &f, "POST", "/containers/web/start", "{}", false).unwrap();
    assert_eq!(
        run(&ci(), &f, "POST", "/containers/nope/start", "", false)
            .unwrap_err()
            .http_status(),
        404
    );
}

#[test]
fn exec_rules() {
    let f = daemon();
    let a = run(
        &ci(),
        &f,
        "POST",
        "/containers/web/exec",
        r#"{"Cmd":["id"]}"#,
        false,
    )
    .unwrap();
    assert_eq!(
        a.path.as_deref(),
        Some(format!("/containers/{ID}/exec").as_str())
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/web/exec",
            r#"{"Cmd":["id"],"Privileged":true}"#,
            false,
        ),
        "SKD205",
        "privileged exec",
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/web/exec",
            r#"{"Cmd":["id"],"User":"0"}"#,
            false,
        ),
        "SKG012",
        "root",
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/web/exec",
            r#"{"Cmd":["id"],"user":"0"}"#,
            false,
        ),
        "SKG007",
        "case variant",
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/priv/exec",
            r#"{"Cmd":["id"]}"#,
            false,
        ),
        "SKG015/SKD205",
        "exec into",
    );
    // Exec start: judged through the exec's own record.
    let a = run(
        &ci(),
        &f,
        "POST",
        "/exec/e1/start",
        r#"{"Detach":false,"Tty":true}"#,
        true,
    )
    .unwrap();
    assert_eq!(a.path.as_deref(), Some("/exec/e1/start"));
    run(
        &ci(),
        &f,
        "POST",
        "/exec/e1/start",
        r#"{"Detach":true}"#,
        false,
    )
    .unwrap();
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/exec/e1/start",
            r#"{"Detach":false}"#,
            false,
        ),
        "SKG008",
        "Upgrade",
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/exec/e2/start",
            r#"{"Detach":true}"#,
            false,
        ),
        "SKD205",
        "privileged",
    );
}

#[test]
fn attach_update_archive() {
    let f = daemon();
    run(
        &ci(),
        &f,
        "POST",
        "/containers/priv/attach?stream=1&stdout=1",
        "",
        true,
    )
    .unwrap();
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/priv/attach?stream=1&stdin=1",
            "",
            true,
        ),
        "SKG015/SKD205",
        "attach",
    );
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/web/attach?stream=1",
            "",
            false,
        ),
        "SKG008",
        "Upgrade",
    );

    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/containers/web/update",
            r#"{"Devices":[{"PathOnHost":"/dev/sda"}]}"#,
            false,
        ),
        "SKD206",
        "Devices",
    );
    let mut strict = ci();
    strict.threshold = Severity::Low;
    strict.ignore("SKD226").unwrap();
    strict.ignore("SKD210").unwrap();
    let a = run(
        &strict,
        &f,
        "POST",
        "/containers/web/update",
        r#"{"Memory":134217728}"#,
        false,
    )
    .unwrap();
    assert_eq!(
        a.path.as_deref(),
        Some(format!("/containers/{ID}/update").as_str())
    );
    refused(
        run(
            &strict,
            &f,
            "POST",
            "/containers/web/update",
            r#"{"PidsLimit":-1}"#,
            false,
        ),
        "SKD218",
        "update",
    );
    // Zero means unchanged.
    run(
        &strict,
        &f,
        "POST",
        "/containers/web/update",
        r#"{"Memory":0}"#,
        false,
    )
    .unwrap();

    let a = run(
        &ci(),
        &f,
        "PUT",
        "/containers/web/archive?path=/tmp",
        "",
        false,
    )
    .unwrap();
    assert_eq!(
        a.path.as_deref(),
        Some(format!("/containers/{ID}/archive").as_str())
    );
    refused(
        run(
            &ci(),
            &f,
            "PUT",
            "/containers/binder/archive?path=/data",
            "",
            false,
        ),
        "SKG017",
        "/srv/data",
    );
}

#[test]
fn images_and_builds() {
    let f = daemon();
    run(
        &ci(),
        &f,
        "POST",
        "/images/create?fromImage=busybox&tag=1.36",
        "",
        false,
    )
    .unwrap();
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/images/create?fromSrc=-&repo=busybox",
            "",
            false,
        ),
        "SKG011",
        "import",
    );
    let mut p = ci();
    p.registries = vec!["ghcr.io/acme".into()];
    refused(
        run(
            &p,
            &f,
            "POST",
            "/images/create?fromImage=evil/app&tag=1",
            "",
            false,
        ),
        "SKG011",
        "registry",
    );
    run(
        &p,
        &f,
        "POST",
        "/images/create?fromImage=ghcr.io/acme/app&tag=1",
        "",
        false,
    )
    .unwrap();

    // Tags: new, same image, overwrite.
    run(
        &ci(),
        &f,
        "POST",
        "/images/app:1.0/tag?repo=app&tag=new",
        "",
        false,
    )
    .unwrap();
    run(
        &ci(),
        &f,
        "POST",
        "/images/app:1.0/tag?repo=app&tag=copy",
        "",
        false,
    )
    .unwrap();
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/images/app:1.0/tag?repo=other&tag=2",
            "",
            false,
        ),
        "SKG011",
        "already names",
    );
    let mut p = ci();
    p.overwrite_tags = vec!["other:*".into()];
    run(
        &p,
        &f,
        "POST",
        "/images/app:1.0/tag?repo=other&tag=2",
        "",
        false,
    )
    .unwrap();

    run(
        &ci(),
        &f,
        "POST",
        "/build?t=new:1&networkmode=default",
        "",
        false,
    )
    .unwrap();
    refused(
        run(&ci(), &f, "POST", "/build?t=other:2", "", false),
        "SKG011",
        "already names",
    );
    for (q, words) in [
        ("networkmode=host", "network mode `host`"),
        ("remote=http://169.254.169.254/", "remote"),
        ("cgroupparent=/x", "cgroupparent"),
        ("securityopt=seccomp%3Dunconfined", "seccomp=unconfined"),
        ("version=2", "BuildKit"),
        ("isolation=hyperv", "isolation"),
    ] {
        refused(
            run(&ci(), &f, "POST", &format!("/build?{q}"), "", false),
            "SKG010",
            words,
        );
    }
    refused(
        run(&ci(), &f, "POST", "/session", "", true),
        "SKG010",
        "BuildKit",
    );
}

#[test]
fn volumes_and_networks() {
    let f = daemon();
    let vc = |body: &str| run(&ci(), &f, "POST", "/volumes/create", body, false);
    vc(r#"{"Name":"v"}"#).unwrap();
    vc(r#"{"Name":"v","Driver":"local","DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=10m"}}"#).unwrap();
    vc(r#"{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/srv/app/data"}}"#).unwrap();
    refused(
        vc(r#"{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/"}}"#),
        "SKD201",
        "/",
    );
    refused(
        vc(r#"{"Name":"v","DriverOpts":{"type":"none","o":"bind","device":"/var/run"}}"#),
        "SKD201",
        "/var/run",
    );
    refused(
        vc(r#"{"Name":"v","DriverOpts":{"type":"ext4","device":"/dev/sda1"}}"#),
        "SKG014",
        "ext4",
    );
    refused(
        vc(r#"{"Name":"v","DriverOpts":{"type":"nfs","o":"addr=10.0.0.1","device":":/x"}}"#),
        "SKG014",
        "nfs",
    );
    refused(vc(r#"{"Name":"v","Driver":"sshfs"}"#), "SKG014", "sshfs");
    refused(
        vc(r#"{"Name":"v","driverOpts":{}}"#),
        "SKG007",
        "case variant",
    );

    let nc = |body: &str| run(&ci(), &f, "POST", "/networks/create", body, false);
    nc(r#"{"Name":"n","Driver":"bridge","Internal":true}"#).unwrap();
    refused(
        nc(r#"{"Name":"n","Driver":"macvlan","Options":{"parent":"eth0"}}"#),
        "SKG013",
        "macvlan",
    );
    refused(nc(r#"{"Name":"n","Driver":"ipvlan"}"#), "SKG013", "ipvlan");
    refused(
        nc(r#"{"Name":"n","Options":{"com.docker.network.bridge.name":"docker0"}}"#),
        "SKG013",
        "bridge.name",
    );
    refused(
        nc(r#"{"Name":"n","ConfigFrom":{"Network":"mac-config"}}"#),
        "SKG013",
        "ConfigFrom",
    );

    run(
        &ci(),
        &f,
        "POST",
        "/networks/br/connect",
        r#"{"Container":"web"}"#,
        false,
    )
    .unwrap();
    refused(
        run(
            &ci(),
            &f,
            "POST",
            "/networks/mac/connect",
            r#"{"Container":"web"}"#,
            false,
        ),
        "SKG013",
        "macvlan",
    );
}

#[test]
fn services_are_refused() {
    let f = daemon();
    let mut p = ci();
    p.allowed.insert("services.create");
    refused(
        run(&p, &f, "POST", "/services/create", "{}", false),
        "SKG016",
        "swarm",
    );
}

#[test]
fn covers_parents() {
    assert!(covers("/", "/var/run/docker.sock"));
    assert!(covers("/var/run/", "/var/run/docker.sock"));
    assert!(covers("/var/run/docker.sock", "/var/run/docker.sock"));
    assert!(!covers("/var/run/docker", "/var/run/docker.sock"));
    assert!(!covers("/srv", "/var/run/docker.sock"));
}

#[test]
fn merge_update_semantics() {
    let mut doc =
        json!({"HostConfig": {"Memory": 10, "PidsLimit": 64, "RestartPolicy": {"Name": "no"}}});
    let upd = json!({"Memory": 0, "PidsLimit": -1, "RestartPolicy": {"Name": "always"}, "CpuShares": 512});
    merge_update(&mut doc, upd.as_object().unwrap());
    assert_eq!(doc["HostConfig"]["Memory"], 10);
    assert_eq!(doc["HostConfig"]["PidsLimit"], 0);
    assert_eq!(doc["HostConfig"]["RestartPolicy"]["Name"], "always");
    assert_eq!(doc["HostConfig"]["CpuShares"], 512);
}
