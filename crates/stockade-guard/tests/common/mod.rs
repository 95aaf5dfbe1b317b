//! Shared helpers for the guard's tests against the real Docker daemon.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use stockade_guard::{CliOptions, GuardConfig, Running};

pub const DOCKER_SOCK: &str = "/var/run/docker.sock";
/// Every object the tests create carries this label.
pub const LABEL: &str = "stockade.test.guard";
/// Test image: a static busybox on scratch, running as nobody.
pub const IMAGE: &str = "stockade-guard-test/busybox:2";

/// Whether the daemon tests should run. With `STOCKADE_SKIP_DOCKER=1` they
/// are skipped; otherwise an unreachable daemon fails the test loudly.
pub fn docker() -> bool {
    if std::env::var("STOCKADE_SKIP_DOCKER").is_ok_and(|v| v == "1") {
        eprintln!("STOCKADE_SKIP_DOCKER=1: skipping a test that needs the Docker daemon");
        return false;
    }
    static OK: OnceLock<Result<(), String>> = OnceLock::new();
    let r = OK.get_or_init(|| {
        let probe = UnixStream::connect(DOCKER_SOCK)
            .map_err(|e| format!("cannot connect to {DOCKER_SOCK}: {e}"))
            .and_then(|mut s| {
                s.set_read_timeout(Some(Duration::from_secs(10))).ok();
                s.write_all(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
                    .map_err(|e| e.to_string())?;
                let mut out = String::new();
                s.read_to_string(&mut out).map_err(|e| e.to_string())?;
                if out.starts_with("HTTP/1.1 200") {
                    Ok(())
                } else {
                    Err(format!("unexpected answer to /_ping: {out:.80}"))
                }
            });
        probe.and_then(|_| {
            let v = Command::new("docker")
                .arg("version")
                .env_remove("DOCKER_HOST")
                .output()
                .map_err(|e| format!("cannot run the docker CLI: {e}"))?;
            if v.status.success() {
                Ok(())
            } else {
                Err(format!(
                    "`docker version` failed: {}",
                    String::from_utf8_lossy(&v.stderr)
                ))
            }
        })
    });
    if let Err(e) = r {
        panic!(
            "these tests need a running Docker daemon at {DOCKER_SOCK} and the docker CLI ({e}); set STOCKADE_SKIP_DOCKER=1 to skip them"
        );
    }
    true
}

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "sg-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running guard with one unix listener.
pub struct Guard {
    pub running: Option<Running>,
    pub sock: PathBuf,
    pub audit: PathBuf,
    pub dir: TempDir,
}

impl Guard {
    /// A guard with a built-in profile.
    pub fn start(profile: &str) -> Guard {
        Guard::start_with(profile, None)
    }

    /// A guard whose listener uses `profile`, with extra `[guard]` config text.
    pub fn start_with(profile: &str, config: Option<&str>) -> Guard {
        let dir = TempDir::new("guard");
        let sock = dir.0.join("guard.sock");
        let audit = dir.0.join("audit.jsonl");
        let cfg_path = config.map(|text| {
            let p = dir.0.join("stockade.toml");
            std::fs::write(&p, format!("[guard]\n{text}")).unwrap();
            p
        });
        let cfg = GuardConfig::from_cli(&CliOptions {
            listen: Some(format!("unix://{}", sock.display())),
            profile: Some(profile.to_string()),
            upstream: Some(format!("unix://{DOCKER_SOCK}")),
            audit_log: Some(audit.display().to_string()),
            config: cfg_path,
        })
        .unwrap();
        let running = stockade_guard::spawn(&cfg, 2).unwrap();
        Guard {
            running: Some(running),
            sock,
            audit,
            dir,
        }
    }

    pub fn host(&self) -> String {
        format!("unix://{}", self.sock.display())
    }

    /// Runs the docker CLI through the guard.
    pub fn docker(&self, args: &[&str]) -> Output {
        docker_cmd(Some(&self.host()), args, None)
    }

    pub fn audit_lines(&self) -> Vec<serde_json::Value> {
        // The audit writer thread writes within a few milliseconds.
        std::thread::sleep(Duration::from_millis(100));
        std::fs::read_to_string(&self.audit)
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).expect("audit lines are JSON"))
            .collect()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = r.stop();
        }
    }
}

/// Runs the docker CLI (`host`: DOCKER_HOST, None for the daemon directly).
pub fn docker_cmd(host: Option<&str>, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = Command::new("docker");
    c.args(args);
    match host {
        Some(h) => c.env("DOCKER_HOST", h),
        None => c.env_remove("DOCKER_HOST"),
    };
    c.env("DOCKER_CLI_HINTS", "false");
    c.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().expect("docker CLI");
    if let Some(input) = stdin {
        let mut s = child.stdin.take().unwrap();
        s.write_all(input).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// The docker CLI straight at the daemon.
pub fn direct(args: &[&str]) -> Output {
    docker_cmd(None, args, None)
}

pub fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn errtext(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Builds the test image once (straight at the daemon).
pub fn test_image() -> &'static str {
    static BUILT: Mutex<bool> = Mutex::new(false);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if *built {
        return IMAGE;
    }
    if direct(&["image", "inspect", IMAGE]).status.success() {
        *built = true;
        return IMAGE;
    }
    let busybox = busybox_static();
    let ctx = TempDir::new("img");
    std::fs::copy(&busybox, ctx.0.join("busybox")).unwrap();
    std::fs::write(
        ctx.0.join("Dockerfile"),
        format!(
            "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN [\"/bin/busybox\", \"mkdir\", \"-p\", \"/tmp\", \"/data\"]\nRUN [\"/bin/busybox\", \"chmod\", \"1777\", \"/tmp\"]\nLABEL {LABEL}=image\nUSER 65534:65534\n"
        ),
    )
    .unwrap();
    let o = docker_cmd(
        None,
        &["build", "-q", "-t", IMAGE, ctx.0.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "building {IMAGE}: {}", errtext(&o));
    *built = true;
    IMAGE
}

/// Path of a static busybox, installing Debian's busybox-static when missing.
pub fn busybox_static() -> PathBuf {
    for p in ["/bin/busybox", "/usr/bin/busybox"] {
        let p = Path::new(p);
        if p.exists() && is_static(p) {
            return p.to_path_buf();
        }
    }
    let o = Command::new("apt-get")
        .args(["install", "-y", "-q", "busybox-static"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .expect("apt-get");
    assert!(
        o.status.success(),
        "installing busybox-static: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    PathBuf::from("/bin/busybox")
}

fn is_static(p: &Path) -> bool {
    Command::new("file")
        .arg(p)
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("statically linked"))
        .unwrap_or_else(|_| {
            // No `file`: a dynamically linked ELF has an interpreter path.
            std::fs::read(p)
                .map(|b| !b.windows(10).any(|w| w == b"/lib64/ld-"))
                .unwrap_or(false)
        })
}

/// Removes every container, volume and network carrying `label=value`.
pub fn cleanup(value: &str) {
    let filter = format!("label={LABEL}={value}");
    let ids = text(&direct(&["ps", "-aq", "--filter", &filter]));
    let ids: Vec<&str> = ids.split_whitespace().collect();
    if !ids.is_empty() {
        let mut args = vec!["rm", "-f"];
        args.extend(ids);
        direct(&args);
    }
    for kind in ["volume", "network"] {
        let names = text(&direct(&[kind, "ls", "-q", "--filter", &filter]));
        for n in names.split_whitespace() {
            direct(&[kind, "rm", n]);
        }
    }
}

/// Cleans up on drop (also when a test panics).
pub struct Cleanup(pub String);

impl Drop for Cleanup {
    fn drop(&mut self) {
        cleanup(&self.0);
    }
}

/// A raw HTTP exchange over a unix socket. Returns status, headers and body
/// (chunked bodies are decoded). The request should say `Connection: close`.
pub fn raw(sock: &Path, request: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    // The guard may answer (and close) before the whole request is written.
    let _ = s.write_all(request);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf)
}

/// The whole raw answer (every response on the connection) as text.
pub fn raw_text(sock: &Path, request: &[u8]) -> String {
    let mut s = UnixStream::connect(sock).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = s.write_all(request);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

pub fn parse_response(buf: &[u8]) -> (u16, String, Vec<u8>) {
    let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
        return (0, String::from_utf8_lossy(buf).into_owned(), Vec::new());
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        body = dechunk(&body);
    }
    (status, head, body)
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(nl) = b.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&b[..nl])
                .split(';')
                .next()
                .unwrap_or("")
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 || b.len() < nl + 2 + size {
            break;
        }
        out.extend_from_slice(&b[nl + 2..nl + 2 + size]);
        b = &b[(nl + 4 + size).min(b.len())..];
    }
    out
}

/// A request with a JSON body.
pub fn post_json(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

pub fn get(path: &str) -> Vec<u8> {
    format!("GET {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n").into_bytes()
}

/// A ustar archive of regular files (name, mode, content).
pub fn tar(files: &[(&str, u32, &[u8])]) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, mode, data) in files {
        let mut h = [0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        let octal = |h: &mut [u8; 512], at: usize, len: usize, v: u64| {
            let s = format!("{v:0w$o}\0", w = len - 1);
            h[at..at + len].copy_from_slice(s.as_bytes());
        };
        octal(&mut h, 100, 8, *mode as u64);
        octal(&mut h, 108, 8, 0);
        octal(&mut h, 116, 8, 0);
        octal(&mut h, 124, 12, data.len() as u64);
        octal(&mut h, 136, 12, 1_700_000_000);
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[263..265].copy_from_slice(b"00");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|b| *b as u32).sum();
        let s = format!("{sum:06o}\0 ");
        h[148..156].copy_from_slice(s.as_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        let pad = (512 - data.len() % 512) % 512;
        out.extend(std::iter::repeat_n(0u8, pad));
    }
    out.extend(std::iter::repeat_n(0u8, 1024));
    out
}

/// A request with a binary body.
pub fn request(method: &str, path: &str, content_type: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: docker\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

/// A raw request straight to the daemon; returns status and body.
pub fn daemon(req: &[u8]) -> (u16, Vec<u8>) {
    let (s, _, b) = raw(Path::new(DOCKER_SOCK), req);
    (s, b)
}

pub fn json(b: &[u8]) -> serde_json::Value {
    serde_json::from_slice(b).unwrap_or(serde_json::Value::Null)
}
