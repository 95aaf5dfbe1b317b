//! `stockade host` against this machine's Docker Engine.
//!
//! A tiny image is built locally (`FROM scratch` + a static busybox, no
//! registry, `--network=none`); containers are created with one bad
//! setting each, plus one hardened container, all labelled with this run's
//! id and removed afterwards (also when an assertion fails: a drop guard).
//! Each container must get exactly the findings its settings cause; the
//! daemon and host findings are checked against what `docker info`, the
//! socket and `/etc/group` say.
//!
//! Without a reachable daemon these tests fail, saying so, unless
//! `STOCKADE_SKIP_DOCKER=1` is set.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Mutex;

/// A container setup: name, `docker run` flags, the expected (rule, detail) findings.
type Case<'a> = (&'a str, Vec<&'a str>, Vec<(String, String)>);

const IMAGE: &str = "stockade-test/busybox:1";
const SOCKET: &str = "/var/run/docker.sock";

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_stockade"));
    // DOCKER_HOST and contexts are left alone: stockade and the docker CLI
    // that sets up the tests reach the same daemon.
    c.env("STOCKADE_TODAY", "2026-11-28").env_remove("NO_COLOR");
    c
}

fn docker(args: &[&str]) -> Output {
    Command::new("docker")
        .args(args)
        .env("DOCKER_BUILDKIT", "0")
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run the docker CLI ({e}); it is needed to set up these tests")
        })
}

fn docker_ok(args: &[&str]) -> String {
    let out = docker(args);
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Whether the tests should run; panics with a clear message when the
/// daemon is unreachable and skipping was not asked for.
fn docker_available() -> bool {
    if std::env::var("STOCKADE_SKIP_DOCKER").as_deref() == Ok("1") {
        eprintln!("skipped: STOCKADE_SKIP_DOCKER=1");
        return false;
    }
    let out = Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output();
    match out {
        Ok(o) if o.status.success() => true,
        Ok(o) => panic!(
            "no Docker daemon reachable: `docker version` failed: {}\nThese tests need a running Docker Engine; set STOCKADE_SKIP_DOCKER=1 to skip them explicitly.",
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "the docker CLI cannot be run ({e}); these tests need a running Docker Engine; set STOCKADE_SKIP_DOCKER=1 to skip them explicitly."
        ),
    }
}

/// Builds the test image once (per machine: it is kept between runs) and
/// returns its id.
fn test_image() -> String {
    static LOCK: Mutex<()> = Mutex::new(());
    let _g = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let id = docker(&["image", "inspect", "-f", "{{.Id}}", IMAGE]);
    if id.status.success() {
        return String::from_utf8_lossy(&id.stdout).trim().to_string();
    }
    let static_installed = Command::new("dpkg")
        .args(["-s", "busybox-static"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !static_installed {
        eprintln!("installing busybox-static for the test image");
        let out = Command::new("apt-get")
            .args(["install", "-y", "busybox-static"])
            .output()
            .expect("apt-get");
        assert!(
            out.status.success(),
            "apt-get install -y busybox-static failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let dir = std::env::temp_dir().join(format!("stockade-host-image-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy("/bin/busybox", dir.join("busybox")).expect("/bin/busybox from busybox-static");
    std::fs::write(
        dir.join("passwd"),
        "root:x:0:0:root:/:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(dir.join("group"), "root:x:0:\nnogroup:x:65534:\n").unwrap();
    std::fs::write(
        dir.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY passwd group /etc/\nCMD [\"/bin/busybox\", \"sleep\", \"3600\"]\n",
    )
    .unwrap();
    docker_ok(&[
        "build",
        "--network=none",
        "-q",
        "--label",
        "stockade-test=image",
        "-t",
        IMAGE,
        dir.to_str().unwrap(),
    ]);
    let _ = std::fs::remove_dir_all(&dir);
    docker_ok(&["image", "inspect", "-f", "{{.Id}}", IMAGE])
}

/// Containers and volumes of one test run, removed on drop.
struct Fixture {
    run: String,
    containers: Vec<String>,
    volumes: Vec<String>,
}

impl Fixture {
    fn new(tag: &str) -> Fixture {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        Fixture {
            run: format!("{tag}-{}-{nanos}", std::process::id()),
            containers: Vec::new(),
            volumes: Vec::new(),
        }
    }

    fn label(&self) -> String {
        format!("stockade-test={}", self.run)
    }

    fn name(&self, case: &str) -> String {
        format!("stockade-test-{}-{case}", self.run)
    }

    fn volume(&mut self, case: &str, opts: &[&str]) -> String {
        let name = self.name(case);
        let label = self.label();
        let mut args = vec!["volume", "create", "--label", &label];
        for o in opts {
            args.push("-o");
            args.push(o);
        }
        args.push(&name);
        docker_ok(&args);
        self.volumes.push(name.clone());
        name
    }

    /// Creates the container, then starts it when this machine allows
    /// (a nested host may refuse `--privileged`); judged either way.
    fn container(&mut self, case: &str, flags: &[&str], image: &str) -> String {
        let name = self.name(case);
        let label = self.label();
        let mut args = vec!["create", "--label", &label, "--name", &name];
        args.extend_from_slice(flags);
        args.push(image);
        docker_ok(&args);
        self.containers.push(name.clone());
        let _ = docker(&["start", &name]);
        name
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let label = format!("label={}", self.label());
        let listed = docker(&["ps", "-aq", "--filter", &label]);
        let mut ids: Vec<String> = String::from_utf8_lossy(&listed.stdout)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        ids.extend(self.containers.iter().cloned());
        if !ids.is_empty() {
            let mut args = vec!["rm", "-f", "-v"];
            args.extend(ids.iter().map(String::as_str));
            let _ = docker(&args);
        }
        for v in &self.volumes {
            let _ = docker(&["volume", "rm", "-f", v]);
        }
    }
}

fn run_host(args: &[&str]) -> (Output, Value) {
    let out = bin().arg("host").args(args).output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, v)
}

/// `(rule, severity)` pairs per container name, sorted.
fn by_container(report: &Value) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for f in report["findings"].as_array().unwrap() {
        if let Some(c) = f["location"]["container"].as_str() {
            out.entry(c.to_string()).or_default().push((
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            ));
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

fn findings_of<'a>(report: &'a Value, container: &str, rule: &str) -> Vec<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["location"]["container"] == container && f["rule"] == rule)
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = list
        .iter()
        .map(|(r, s)| (r.to_string(), s.to_string()))
        .collect();
    v.sort();
    v
}

/// What every container created with the defaults gets: capabilities not
/// dropped, no no-new-privileges, no memory/CPU/pids limits, no user, an
/// image pinned by tag only, a writable root filesystem.
const BASE: &[(&str, &str)] = &[
    ("SKD209", "info"),
    ("SKD215", "info"),
    ("SKD216", "medium"),
    ("SKD217", "low"),
    ("SKD218", "low"),
    ("SKD224", "low"),
    ("SKD226", "info"),
    ("SKD230", "info"),
];

fn base_with(add: &[(&'static str, &'static str)], remove: &[&str]) -> Vec<(String, String)> {
    let mut v: Vec<(&str, &str)> = BASE
        .iter()
        .copied()
        .filter(|(r, _)| !remove.contains(r))
        .collect();
    v.extend_from_slice(add);
    pairs(&v)
}

#[test]
fn containers_get_exactly_their_findings() {
    if !docker_available() {
        return;
    }
    let image_id = test_image();
    let mut fx = Fixture::new("containers");
    let rootvol = fx.volume("rootvol", &["type=none", "o=bind", "device=/"]);
    let rootvol_mount = format!("{rootvol}:/hostroot");
    // Every container gets its own cgroup namespace, so the results do not
    // depend on this host's cgroup version (v1 defaults to the host's).
    let cases: Vec<Case> = vec![
        ("defaults", vec![], base_with(&[], &[])),
        // Privileged already has every capability and privilege: the
        // capability and no-new-privileges advice is not repeated.
        (
            "privileged",
            vec!["--privileged"],
            base_with(&[("SKD205", "critical")], &["SKD209", "SKD215"]),
        ),
        (
            "socket",
            vec!["-v", "/var/run/docker.sock:/var/run/docker.sock"],
            base_with(&[("SKD201", "critical")], &[]),
        ),
        (
            "root-bind",
            vec!["-v", "/:/host"],
            base_with(&[("SKD201", "critical"), ("SKD203", "critical")], &[]),
        ),
        (
            "etc-ro",
            vec!["-v", "/etc:/host/etc:ro"],
            base_with(&[("SKD203", "medium")], &[]),
        ),
        (
            "sys-admin",
            vec!["--cap-add", "SYS_ADMIN"],
            base_with(&[("SKD208", "high")], &[]),
        ),
        (
            "unconfined",
            vec![
                "--security-opt",
                "seccomp=unconfined",
                "--security-opt",
                "apparmor=unconfined",
            ],
            base_with(&[("SKD212", "high"), ("SKD213", "high")], &[]),
        ),
        (
            "pid-host",
            vec!["--pid", "host"],
            base_with(&[("SKD210", "high")], &[]),
        ),
        (
            "net-host",
            vec!["--network", "host"],
            base_with(&[("SKD210", "high")], &[]),
        ),
        (
            "root-user",
            vec!["--user", "root"],
            base_with(&[("SKD223", "high")], &["SKD224"]),
        ),
        (
            "root-volume",
            vec!["-v", &rootvol_mount],
            base_with(&[("SKD201", "critical"), ("SKD203", "critical")], &[]),
        ),
    ];
    let mut expected = BTreeMap::new();
    for (case, flags, want) in &cases {
        let mut flags = flags.clone();
        flags.extend_from_slice(&["--cgroupns", "private"]);
        let name = fx.container(case, &flags, IMAGE);
        expected.insert(name, want.clone());
    }
    let hardened = fx.container(
        "hardened",
        &[
            "--user",
            "65534:65534",
            "--read-only",
            "--cap-drop",
            "ALL",
            "--security-opt",
            "no-new-privileges",
            "--memory",
            "64m",
            "--cpus",
            "0.5",
            "--pids-limit",
            "64",
            "--cgroupns",
            "private",
        ],
        &image_id,
    );

    let label = format!("label={}", fx.label());
    let (out, report) = run_host(&["--format", "json", "--all", "--filter", &label]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "findings at or above low exit 1; stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        report["errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        report["errors"]
    );
    let got = by_container(&report);
    assert!(
        !got.contains_key(&hardened),
        "hardened container: {:?}",
        got.get(&hardened)
    );
    for (name, want) in &expected {
        let have = got.get(name).cloned().unwrap_or_default();
        assert_eq!(&have, want, "findings of {name}");
    }
    // Nothing about containers of other runs or other tests.
    let judged: BTreeSet<&String> = got.keys().collect();
    let ours: BTreeSet<&String> = expected.keys().collect();
    assert_eq!(judged, ours);
    assert_eq!(
        report["summary"]["files"],
        expected.len() + 1,
        "{}",
        report["summary"]
    );

    // Located by container name, id and image.
    let sock = findings_of(&report, &fx.name("socket"), "SKD201");
    let loc = &sock[0]["location"];
    assert_eq!(loc["image"], IMAGE);
    assert_eq!(loc["container_id"].as_str().map(str::len), Some(64));
    assert_eq!(sock[0]["subject"], fx.name("socket"));
    let vol = findings_of(&report, &fx.name("root-volume"), "SKD203");
    assert!(
        vol[0]["message"]
            .as_str()
            .unwrap()
            .contains("through a volume whose driver options bind it"),
        "{}",
        vol[0]["message"]
    );
    let etc = findings_of(&report, &fx.name("etc-ro"), "SKD203");
    assert!(
        etc[0]["message"].as_str().unwrap().contains("read-only"),
        "{}",
        etc[0]["message"]
    );

    // Without --all, containers that are not running are left out.
    let (_, running) = run_host(&["--format", "json", "--filter", &label]);
    let running_names: BTreeSet<String> = by_container(&running).into_keys().collect();
    let stopped = docker_ok(&[
        "ps",
        "-a",
        "--filter",
        &label,
        "--filter",
        "status=created",
        "--format",
        "{{.Names}}",
    ]);
    for s in stopped.lines() {
        assert!(
            !running_names.contains(s),
            "{s} is not running but was judged"
        );
    }
}

/// What `docker info` and the local files say the daemon and host findings must be.
fn expected_host_findings() -> BTreeSet<(String, String)> {
    let info: Value =
        serde_json::from_str(&docker_ok(&["info", "--format", "{{json .}}"])).unwrap();
    let mut want = BTreeSet::new();
    let mut add = |rule: &str, detail: &str| {
        want.insert((rule.to_string(), detail.to_string()));
    };
    let opts: Vec<String> = info["SecurityOptions"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let has = |n: &str| {
        opts.iter()
            .any(|o| o.split(',').any(|p| p == format!("name={n}")))
    };
    match opts.iter().find(|o| o.contains("name=seccomp")) {
        None => add("SKD401", "daemon: seccomp"),
        Some(o) if o.contains("profile=unconfined") => add("SKD401", "daemon: seccomp profile"),
        Some(_) => {}
    }
    if !has("apparmor") && !has("selinux") {
        add("SKD401", "daemon: apparmor/selinux");
    }
    if !has("userns") && !has("rootless") {
        add("SKD402", "daemon: userns-remap");
    }
    if info["Plugins"]["Authorization"]
        .as_array()
        .is_none_or(|a| a.is_empty())
    {
        add("SKD403", "daemon: authorization-plugins");
    }
    if info["LiveRestoreEnabled"] == false {
        add("SKD404", "daemon: live-restore");
    }
    for c in info["RegistryConfig"]["InsecureRegistryCIDRs"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let c = c.as_str().unwrap_or("");
        if !c.starts_with("127.") && c != "::1/128" {
            add("SKD405", &format!("daemon: insecure registry {c}"));
        }
    }
    let warnings = info["Warnings"].to_string();
    if warnings.contains("without encryption")
        || warnings.contains("without TLS client verification")
    {
        // The exact address is in the detail; only the rule is compared.
        add("SKD406", "*");
    }
    let icc = docker_ok(&[
        "network",
        "inspect",
        "bridge",
        "-f",
        "{{index .Options \"com.docker.network.bridge.enable_icc\"}}",
    ]);
    if icc == "true" {
        add("SKD407", "daemon: icc");
    }
    let version = info["ServerVersion"].as_str().unwrap_or("").to_string();
    let mut parts = version.split(|c: char| !c.is_ascii_digit());
    let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    if major < 28 && major != 25 {
        add("SKD408", &format!("daemon: engine {version}"));
    }
    // Host facts: the socket, its group's members, the caller.
    let meta = std::fs::metadata(SOCKET).unwrap();
    let group_file = std::fs::read_to_string("/etc/group").unwrap_or_default();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let group_line = group_file
        .lines()
        .find(|l| l.split(':').nth(2).and_then(|g| g.parse::<u32>().ok()) == Some(meta.gid()));
    let group_name = group_line
        .and_then(|l| l.split(':').next())
        .unwrap_or("")
        .to_string();
    // Members count when the socket's (non-root) group may write it.
    if meta.gid() != 0 && meta.mode() & 0o020 != 0 {
        let mut members: Vec<&str> = group_line
            .and_then(|l| l.split(':').nth(3))
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .collect();
        members.extend(
            passwd
                .lines()
                .filter(|l| {
                    l.split(':').nth(3).and_then(|g| g.parse::<u32>().ok()) == Some(meta.gid())
                })
                .filter_map(|l| l.split(':').next()),
        );
        for m in members
            .into_iter()
            .filter(|m| !m.is_empty() && *m != "root")
        {
            add("SKD409", &format!("host: group {group_name}: {m}"));
        }
    }
    let foreign_group = meta.mode() & 0o020 != 0 && meta.gid() != 0 && group_name != "docker";
    if meta.mode() & 0o002 != 0 || foreign_group || (meta.uid() != 0 && !has("rootless")) {
        add("SKD410", &format!("host: {SOCKET}"));
    }
    let euid = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Uid:").map(str::to_string))
        .and_then(|l| l.split_whitespace().nth(1).map(str::to_string))
        .unwrap();
    if euid == "0" {
        add("SKD411", "host: caller");
    }
    want
}

#[test]
fn daemon_and_host_findings_match_docker_info() {
    if !docker_available() {
        return;
    }
    if !Path::new(SOCKET).exists() || std::env::var_os("DOCKER_HOST").is_some() {
        panic!(
            "this test compares host facts of the local daemon: it expects the daemon on {SOCKET} and DOCKER_HOST unset"
        );
    }
    // No container carries this label: only daemon and host findings.
    let (out, report) = run_host(&[
        "--format",
        "json",
        "--filter",
        "label=stockade-test=none-such",
    ]);
    let mut got = BTreeSet::new();
    for f in report["findings"].as_array().unwrap() {
        let loc = &f["location"];
        assert!(loc.get("container").is_none(), "{f}");
        assert!(
            f["subject"]
                .as_str()
                .unwrap()
                .starts_with("docker daemon at unix://"),
            "{f}"
        );
        let rule = f["rule"].as_str().unwrap().to_string();
        let detail = loc["detail"].as_str().unwrap().to_string();
        got.insert((
            rule.clone(),
            if rule == "SKD406" {
                "*".to_string()
            } else {
                detail
            },
        ));
    }
    let want = expected_host_findings();
    assert_eq!(
        got,
        want,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let worst_fails = !want.is_empty()
        && report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["severity"] != "info");
    assert_eq!(out.status.code(), Some(if worst_fails { 1 } else { 0 }));
}

#[test]
fn exit_codes_formats_and_selection() {
    if !docker_available() {
        return;
    }
    let mut fx = Fixture::new("exit");
    let image_id = test_image();
    let name = fx.container(
        "sock",
        &["-v", "/var/run/docker.sock:/var/run/docker.sock"],
        &image_id,
    );
    let label = format!("label={}", fx.label());
    // Only SKD201, failing on critical: exit 1.
    let out = bin()
        .args([
            "host",
            "--filter",
            &label,
            "--all",
            "--select",
            "SKD201",
            "--fail-on",
            "critical",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules: BTreeSet<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(rules, BTreeSet::from(["SKD201"]));
    // The same finding ignored: exit 0.
    let out = bin()
        .args([
            "host",
            "--filter",
            &label,
            "--all",
            "--select",
            "SKD201",
            "--ignore",
            "docker-socket",
            "--fail-on",
            "critical",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Human output names the container; SARIF is valid JSON.
    let out = bin()
        .args([
            "host",
            "--filter",
            &label,
            "--all",
            "--select",
            "SKD201",
            "--no-color",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&name), "{text}");
    let out = bin()
        .args([
            "host", "--filter", &label, "--all", "--select", "SKD201", "--format", "sarif",
        ])
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    // --images: the image in use is streamed from its export through the
    // image reader and judged by the image rules (it sets no user: SKD301),
    // located by its reference.
    let out = bin()
        .args([
            "host", "--filter", &label, "--all", "--images", "--select", "SKD301", "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v["errors"].as_array().map(Vec::len),
        Some(0),
        "{}",
        v["errors"]
    );
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "SKD301");
    // The container names its image by id, so the id locates it.
    assert_eq!(f[0]["location"]["image"], image_id.as_str());
    // Larger than the limit: skipped, and said so.
    let out = bin()
        .args([
            "host",
            "--filter",
            &label,
            "--all",
            "--images",
            "--max-image-mib",
            "0",
            "--select",
            "SKD301",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(v["findings"].as_array().unwrap().is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("skipped"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Bad arguments are usage errors.
    let out = bin().args(["host", "--filter", "name=x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("only `label=KEY`"));
    let out = bin()
        .args(["host", "--select", "NOPE999"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreachable_daemons_are_clear_errors() {
    // No daemon needed.
    let dir: PathBuf =
        std::env::temp_dir().join(format!("stockade-host-none-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    let sock = dir.join("missing.sock");
    let out = bin()
        .args(["host", "--host", &format!("unix://{}", sock.display())])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot connect to the Docker daemon at unix://"),
        "{err}"
    );
    assert!(err.contains("[daemon chosen by --host]"), "{err}");
    assert!(out.stdout.is_empty());
    let out = bin()
        .args(["host", "--timeout", "2"])
        .env("DOCKER_HOST", "tcp://127.0.0.1:1")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tcp://127.0.0.1:1") && err.contains("DOCKER_HOST"),
        "{err}"
    );
    let out = bin()
        .args(["host", "--host", "ssh://me@example.invalid"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("forward the socket"));
}
