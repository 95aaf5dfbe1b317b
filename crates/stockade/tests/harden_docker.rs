//! `stockade harden` against this machine's Docker Engine: a Compose
//! project of two services, built locally from scratch with a static
//! busybox, still starts and answers HTTP with the generated override
//! applied; a data-store port is bound to 127.0.0.1.
//!
//! Needs a reachable daemon (set `STOCKADE_SKIP_DOCKER=1` to skip) and
//! `/bin/busybox` from Debian's `busybox-static` (installed when missing).
//! Compose: `docker compose` when present, else `docker-compose`; where
//! the tool cannot read `!override` (docker-compose v1), the override
//! that needs it is tested through the `docker run` lines `harden` prints.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn skip() -> bool {
    if std::env::var("STOCKADE_SKIP_DOCKER").is_ok_and(|v| v == "1") {
        eprintln!("STOCKADE_SKIP_DOCKER=1: Docker tests skipped");
        return true;
    }
    let ok = Command::new("docker")
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "no Docker daemon is reachable (`docker info` failed); start it, or set STOCKADE_SKIP_DOCKER=1 to skip these tests"
    );
    false
}

fn sh(cmd: &mut Command) -> Output {
    cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"))
}

fn ok(cmd: &mut Command) -> String {
    let o = sh(cmd);
    assert!(
        o.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn docker(args: &[&str]) -> Command {
    let mut c = Command::new("docker");
    c.args(args);
    c
}

/// A static busybox, installed from Debian's package when missing.
fn busybox() -> PathBuf {
    let p = PathBuf::from("/bin/busybox");
    if !p.exists() {
        let _ = Command::new("apt-get").args(["update", "-qq"]).status();
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-qq", "busybox-static"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
    }
    assert!(
        p.exists(),
        "/bin/busybox is missing and busybox-static could not be installed"
    );
    p
}

/// Removes what a test created, also when it fails.
#[derive(Default)]
struct Cleanup {
    compose: Vec<(Vec<String>, PathBuf, String)>,
    containers: Vec<String>,
    networks: Vec<String>,
    images: Vec<String>,
    dirs: Vec<PathBuf>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for (tool, dir, project) in &self.compose {
            let _ = Command::new(&tool[0])
                .args(&tool[1..])
                .args([
                    "-p",
                    project,
                    "-f",
                    "compose.yml",
                    "down",
                    "-v",
                    "--remove-orphans",
                    "-t",
                    "1",
                ])
                .current_dir(dir)
                .output();
        }
        for c in &self.containers {
            let _ = docker(&["rm", "-f", "-v", c]).output();
        }
        for n in &self.networks {
            let _ = docker(&["network", "rm", n]).output();
        }
        for i in &self.images {
            let _ = docker(&["rmi", "-f", i]).output();
        }
        for d in &self.dirs {
            let _ = std::fs::remove_dir_all(d);
        }
    }
}

fn tmp(name: &str, clean: &mut Cleanup) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stockade-harden-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    clean.dirs.push(d.clone());
    d
}

/// Builds an image from scratch: busybox, and a page at /www/index.html.
fn build_image(tag: &str, clean: &mut Cleanup) {
    let d = tmp(&format!("ctx-{}", tag.replace([':', '/'], "-")), clean);
    std::fs::copy(busybox(), d.join("busybox")).unwrap();
    std::fs::create_dir_all(d.join("www")).unwrap();
    std::fs::write(d.join("www/index.html"), "hello from stockade\n").unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY www /www\nENTRYPOINT [\"/bin/busybox\"]\nCMD [\"httpd\", \"-f\", \"-p\", \"8080\", \"-h\", \"/www\"]\n",
    )
    .unwrap();
    clean.images.push(tag.to_string());
    ok(docker(&["build", "-q", "-t", tag]).arg(&d));
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET / on 127.0.0.1:port, retried for a while; the response body.
fn http_get(port: u16) -> Option<String> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buf = String::new();
            if s.write_all(b"GET / HTTP/1.0\r\nHost: localhost\r\n\r\n")
                .is_ok()
                && s.read_to_string(&mut buf).is_ok()
                && buf.starts_with("HTTP/1")
                && let Some((_, body)) = buf.split_once("\r\n\r\n")
            {
                return Some(body.to_string());
            }
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    None
}

/// `docker compose` when present, else `docker-compose`.
fn compose_tool() -> Option<Vec<String>> {
    let v2 = Command::new("docker").args(["compose", "version"]).output();
    if v2.is_ok_and(|o| o.status.success()) {
        return Some(vec!["docker".into(), "compose".into()]);
    }
    let v1 = Command::new("docker-compose").arg("version").output();
    if v1.is_ok_and(|o| o.status.success()) {
        return Some(vec!["docker-compose".into()]);
    }
    None
}

/// Whether the tool merges an override that uses `!override`.
fn understands_override(tool: &[String], clean: &mut Cleanup) -> bool {
    let d = tmp("probe", clean);
    std::fs::write(
        d.join("compose.yml"),
        "services:\n  a:\n    image: x\n    ports:\n      - \"1234:80\"\n",
    )
    .unwrap();
    std::fs::write(
        d.join("o.yml"),
        "services:\n  a:\n    ports: !override\n      - \"127.0.0.1:1234:80\"\n",
    )
    .unwrap();
    let o = Command::new(&tool[0])
        .args(&tool[1..])
        .args(["-f", "compose.yml", "-f", "o.yml", "config"])
        .current_dir(&d)
        .output();
    match o {
        Ok(o) if o.status.success() => {
            let out = String::from_utf8_lossy(&o.stdout);
            // The public binding must be gone, not kept beside the new one.
            out.contains("127.0.0.1") && out.matches("1234").count() == 1
        }
        _ => false,
    }
}

fn compose(tool: &[String], dir: &Path, project: &str, files: &[&str], args: &[&str]) -> String {
    let mut c = Command::new(&tool[0]);
    c.args(&tool[1..]).args(["-p", project]);
    for f in files {
        c.args(["-f", f]);
    }
    c.args(args).current_dir(dir);
    ok(&mut c)
}

fn stockade(args: &[&str], dir: &Path) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_stockade"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "stockade {args:?}:\n{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn inspect(container: &str, format: &str) -> String {
    ok(&mut docker(&["inspect", "--format", format, container]))
        .trim()
        .to_string()
}

fn assert_hardened(container: &str) {
    assert_eq!(inspect(container, "{{.Config.User}}"), "65534:65534");
    assert_eq!(inspect(container, "{{.HostConfig.ReadonlyRootfs}}"), "true");
    assert_eq!(inspect(container, "{{.HostConfig.CapDrop}}"), "[ALL]");
    assert!(inspect(container, "{{.HostConfig.SecurityOpt}}").contains("no-new-privileges"));
    assert_eq!(inspect(container, "{{.HostConfig.Memory}}"), "536870912");
    assert_eq!(inspect(container, "{{.HostConfig.NanoCpus}}"), "1000000000");
    assert_eq!(inspect(container, "{{.HostConfig.PidsLimit}}"), "256");
    assert!(inspect(container, "{{json .HostConfig.Tmpfs}}").contains("/tmp"));
}

/// The container id of a Compose service.
fn service_id(tool: &[String], dir: &Path, project: &str, files: &[&str], svc: &str) -> String {
    let id = compose(tool, dir, project, files, &["ps", "-q", svc]);
    let id = id.trim().to_string();
    assert!(!id.is_empty(), "service {svc} has no container");
    id
}

#[test]
fn compose_project_still_runs_with_the_hardening_override() {
    if skip() {
        return;
    }
    let mut clean = Cleanup::default();
    let image = format!("stockade-test-web:{}", std::process::id());
    build_image(&image, &mut clean);
    let Some(tool) = compose_tool() else {
        panic!("neither `docker compose` nor `docker-compose` is installed");
    };
    let dir = tmp("project", &mut clean);
    let port = free_port();
    let project = format!("stockadeharden{}", std::process::id());
    std::fs::write(
        dir.join("compose.yml"),
        format!(
            "services:\n  web:\n    image: {image}\n    ports:\n      - \"127.0.0.1:{port}:8080\"\n  worker:\n    image: {image}\n    command: [\"sh\", \"-c\", \"while true; do /bin/busybox wget -qO- http://web:8080/ > /tmp/last; /bin/busybox sleep 1; done\"]\n    depends_on: [web]\n"
        ),
    )
    .unwrap();
    clean
        .compose
        .push((tool.clone(), dir.clone(), project.clone()));

    // Before hardening.
    compose(&tool, &dir, &project, &["compose.yml"], &["up", "-d"]);
    assert_eq!(http_get(port).as_deref(), Some("hello from stockade\n"));
    compose(
        &tool,
        &dir,
        &project,
        &["compose.yml"],
        &["down", "-t", "1"],
    );

    // The override.
    let o = stockade(&["harden", "compose.yml"], &dir);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("2 services hardened"), "{err}");
    let over = std::fs::read_to_string(dir.join("compose.hardened.yml")).unwrap();
    assert!(!over.contains("!override"), "{over}");

    let files = ["compose.yml", "compose.hardened.yml"];
    compose(&tool, &dir, &project, &files, &["up", "-d"]);
    assert_eq!(
        http_get(port).as_deref(),
        Some("hello from stockade\n"),
        "the hardened web service does not answer"
    );
    let web = service_id(&tool, &dir, &project, &files, "web");
    let worker = service_id(&tool, &dir, &project, &files, "worker");
    assert_hardened(&web);
    assert_hardened(&worker);
    // The worker reaches the web service and writes its tmpfs.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut fetched = String::new();
    while Instant::now() < deadline {
        let o = sh(&mut docker(&[
            "exec",
            &worker,
            "/bin/busybox",
            "cat",
            "/tmp/last",
        ]));
        fetched = String::from_utf8_lossy(&o.stdout).into_owned();
        if fetched.contains("hello") {
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(fetched, "hello from stockade\n");
    assert_eq!(inspect(&worker, "{{.State.Running}}"), "true");
    // The root filesystem is read-only for real.
    let o = sh(&mut docker(&[
        "exec",
        &web,
        "/bin/busybox",
        "touch",
        "/www/x",
    ]));
    assert!(!o.status.success(), "the root filesystem is writable");
    println!("compose tool: {}", tool.join(" "));
}

#[test]
fn data_store_port_is_bound_to_loopback() {
    if skip() {
        return;
    }
    let mut clean = Cleanup::default();
    let image = format!("stockade-test-cache:{}", std::process::id());
    build_image(&image, &mut clean);
    let tool = compose_tool();
    let dir = tmp("ports", &mut clean);
    let port = free_port();
    let project = format!("stockadeports{}", std::process::id());
    // A "cache" on the Redis port, published on every interface.
    std::fs::write(
        dir.join("compose.yml"),
        format!(
            "services:\n  cache:\n    image: {image}\n    command: [\"httpd\", \"-f\", \"-p\", \"6379\", \"-h\", \"/www\"]\n    ports:\n      - \"{port}:6379\"\n"
        ),
    )
    .unwrap();
    stockade(&["harden", "compose.yml"], &dir);
    let over = std::fs::read_to_string(dir.join("compose.hardened.yml")).unwrap();
    assert!(
        over.contains(&format!(
            "    ports: !override\n      - 127.0.0.1:{port}:6379\n"
        )),
        "{over}"
    );
    let host_ip = |c: &str| {
        inspect(
            c,
            "{{(index (index .HostConfig.PortBindings \"6379/tcp\") 0).HostIp}}",
        )
    };

    match tool.filter(|t| understands_override(t, &mut clean)) {
        Some(tool) => {
            clean
                .compose
                .push((tool.clone(), dir.clone(), project.clone()));
            compose(&tool, &dir, &project, &["compose.yml"], &["up", "-d"]);
            assert!(http_get(port).is_some());
            compose(
                &tool,
                &dir,
                &project,
                &["compose.yml"],
                &["down", "-t", "1"],
            );
            let files = ["compose.yml", "compose.hardened.yml"];
            compose(&tool, &dir, &project, &files, &["up", "-d"]);
            assert_eq!(http_get(port).as_deref(), Some("hello from stockade\n"));
            let id = service_id(&tool, &dir, &project, &files, "cache");
            assert_eq!(host_ip(&id), "127.0.0.1");
            assert_hardened(&id);
            println!("tested with {} and the override", tool.join(" "));
        }
        None => {
            // The installed Compose cannot read `!override`: the same
            // container through the `docker run` lines `harden` prints.
            let name = format!("stockade-cache-{}", std::process::id());
            clean.containers.push(name.clone());
            let run = format!(
                "docker run -d --name {name} -p {port}:6379 {image} httpd -f -p 6379 -h /www"
            );
            ok(Command::new("sh").args(["-c", &run]));
            assert!(
                http_get(port).is_some(),
                "the original container does not answer"
            );
            assert_eq!(host_ip(&name), "");
            ok(&mut docker(&["rm", "-f", &name]));
            let o = stockade(&["harden", "--", &run], &dir);
            let hardened = String::from_utf8_lossy(&o.stdout).trim().to_string();
            assert!(
                hardened.contains(&format!("-p 127.0.0.1:{port}:6379")),
                "{hardened}"
            );
            ok(Command::new("sh").args(["-c", &hardened]));
            assert_eq!(http_get(port).as_deref(), Some("hello from stockade\n"));
            assert_eq!(host_ip(&name), "127.0.0.1");
            assert_hardened(&name);
            println!("the installed Compose cannot read !override: tested `{hardened}`");
        }
    }
}
