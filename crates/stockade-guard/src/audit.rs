//! The audit log: one JSON line per decision.
//!
//! ```json
//! {"time":"2026-11-28T17:02:03.123Z","listener":"unix:///run/stockade/ci.sock",
//!  "profile":"ci","peer":{"uid":1000,"gid":1000,"pid":4242},"method":"POST",
//!  "route":"containers.create","path":"/containers/create","decision":"deny",
//!  "rules":["SKD205"],"reason":"…","body_sha256":"…"}
//! ```
//!
//! Lines are written by a writer thread within a few milliseconds; once a
//! write fails, every later request is refused (fail closed).

use serde_json::{Value, json};
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Who is on the other end of a connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Peer {
    /// SO_PEERCRED of a unix-socket client. `pid` is absent when the
    /// client's pid namespace is not visible to the guard.
    Unix {
        uid: u32,
        gid: u32,
        pid: Option<i32>,
    },
    /// A TLS client: its address and the SHA-256 of its certificate.
    Tcp {
        addr: String,
        cert_sha256: Option<String>,
    },
    Unknown,
}

impl Peer {
    pub fn to_json(&self) -> Value {
        match self {
            Peer::Unix { uid, gid, pid } => json!({ "uid": uid, "gid": gid, "pid": pid }),
            Peer::Tcp { addr, cert_sha256 } => json!({ "addr": addr, "cert_sha256": cert_sha256 }),
            Peer::Unknown => Value::Null,
        }
    }
}

/// One decision.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub listener: &'a str,
    pub profile: &'a str,
    pub peer: &'a Peer,
    pub method: &'a str,
    /// Route name, or `-` when none matched.
    pub route: &'a str,
    /// Canonical path (or the raw target when it could not be canonicalised).
    pub path: &'a str,
    /// `allow`, `deny` or `error` (the daemon could not be reached).
    pub decision: &'a str,
    pub rules: &'a [String],
    pub reason: &'a str,
    pub body_sha256: Option<&'a str>,
}

impl Record<'_> {
    /// The JSON line (with its newline), written by hand: this runs for
    /// every request.
    pub fn to_line(&self, time: &str) -> String {
        let mut out = String::with_capacity(256 + self.reason.len() + self.path.len());
        out.push_str("{\"time\":");
        push_str(&mut out, time);
        for (k, v) in [("listener", self.listener), ("profile", self.profile)] {
            out.push_str(",\"");
            out.push_str(k);
            out.push_str("\":");
            push_str(&mut out, v);
        }
        out.push_str(",\"peer\":");
        out.push_str(&self.peer.to_json().to_string());
        for (k, v) in [
            ("method", self.method),
            ("route", self.route),
            ("path", self.path),
            ("decision", self.decision),
        ] {
            out.push_str(",\"");
            out.push_str(k);
            out.push_str("\":");
            push_str(&mut out, v);
        }
        out.push_str(",\"rules\":[");
        for (i, rule) in self.rules.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_str(&mut out, rule);
        }
        out.push_str("],\"reason\":");
        push_str(&mut out, self.reason);
        out.push_str(",\"body_sha256\":");
        match self.body_sha256 {
            Some(d) => push_str(&mut out, d),
            None => out.push_str("null"),
        }
        out.push_str("}\n");
        out
    }
}

/// Appends a JSON string literal.
fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Lines waiting for the writer.
struct Pending {
    buf: Vec<u8>,
    /// Set when a write failed: every later decision is refused.
    failed: Option<String>,
    closing: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    sink: Mutex<Box<dyn Write + Send>>,
}

/// Where lines go. Lines are appended to a buffer on the request path and
/// written by a writer thread every few milliseconds (a write per request
/// would be the largest cost of a forwarded request). A failed write is
/// remembered and refuses every later request (fail closed); at most
/// [`MAX_PENDING`] bytes wait, beyond that the request writes itself.
pub struct Audit {
    shared: Arc<Shared>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
}

/// Bytes of lines that may wait for the writer thread.
pub const MAX_PENDING: usize = 4 * 1024 * 1024;
/// How long a line may wait.
pub const FLUSH_EVERY: Duration = Duration::from_millis(5);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Writes what is pending; remembers a failure.
    fn flush_pending(&self, buf: Vec<u8>) {
        if buf.is_empty() {
            return;
        }
        let mut sink = lock(&self.sink);
        if let Err(e) = sink.write_all(&buf).and_then(|_| sink.flush()) {
            lock(&self.pending).failed = Some(format!("audit log: {e}"));
        }
    }
}

impl Audit {
    pub fn new(sink: Box<dyn Write + Send>) -> Audit {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending {
                buf: Vec::new(),
                failed: None,
                closing: false,
            }),
            wake: Condvar::new(),
            sink: Mutex::new(sink),
        });
        let s = shared.clone();
        let writer = std::thread::Builder::new()
            .name("stockade-audit".into())
            .spawn(move || {
                loop {
                    let (buf, closing) = {
                        let mut p = lock(&s.pending);
                        if p.buf.is_empty() && !p.closing {
                            p = s
                                .wake
                                .wait_timeout(p, FLUSH_EVERY)
                                .map(|(g, _)| g)
                                .unwrap_or_else(|e| e.into_inner().0);
                        }
                        (std::mem::take(&mut p.buf), p.closing)
                    };
                    s.flush_pending(buf);
                    if closing {
                        let rest = std::mem::take(&mut lock(&s.pending).buf);
                        s.flush_pending(rest);
                        return;
                    }
                }
            })
            .ok();
        Audit {
            shared,
            writer: Mutex::new(writer),
        }
    }

    /// Opens (appends to) a file, or standard error for `-`.
    pub fn open(target: &str) -> Result<Audit, String> {
        if target == "-" {
            return Ok(Audit::new(Box::new(std::io::stderr())));
        }
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(target)
            .map_err(|e| format!("audit log `{target}`: {e}"))?;
        Ok(Audit::new(Box::new(f)))
    }

    /// Records one line; an error means the decision must not go through
    /// (the log failed earlier, or is closed).
    pub fn write(&self, r: &Record) -> Result<(), String> {
        let line = r.to_line(&rfc3339_now());
        let mut p = lock(&self.shared.pending);
        if let Some(e) = &p.failed {
            return Err(e.clone());
        }
        if p.closing {
            return Err("audit log: closed".to_string());
        }
        p.buf.extend_from_slice(line.as_bytes());
        if p.buf.len() >= MAX_PENDING || lock(&self.writer).is_none() {
            // The writer is behind (or missing): write in this request.
            let buf = std::mem::take(&mut p.buf);
            drop(p);
            self.shared.flush_pending(buf);
            if let Some(e) = &lock(&self.shared.pending).failed {
                return Err(e.clone());
            }
        }
        Ok(())
    }

    /// Writes every pending line now.
    pub fn flush(&self) -> Result<(), String> {
        let buf = std::mem::take(&mut lock(&self.shared.pending).buf);
        self.shared.flush_pending(buf);
        match &lock(&self.shared.pending).failed {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
    }

    /// Flushes and stops the writer; later writes fail.
    pub fn close(&self) {
        lock(&self.shared.pending).closing = true;
        self.shared.wake.notify_all();
        if let Some(t) = lock(&self.writer).take() {
            let _ = t.join();
        }
        let _ = self.flush();
    }
}

impl Drop for Audit {
    fn drop(&mut self) {
        self.close();
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for now (UTC).
pub fn rfc3339_now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    rfc3339(d.as_secs() as i64, d.subsec_millis())
}

pub fn rfc3339(secs: i64, millis: u32) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + if m <= 2 { 1 } else { 0 };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn lines_escape_like_json() {
        let peer = Peer::Tcp {
            addr: "1.2.3.4:5".into(),
            cert_sha256: None,
        };
        let rules = vec!["SKG001".to_string(), "a\"b".to_string()];
        let r = Record {
            listener: "unix:///s",
            profile: "p",
            peer: &peer,
            method: "GET",
            route: "-",
            path: "/x\n\u{1}\"\\\u{2028}é",
            decision: "deny",
            rules: &rules,
            reason: "tab\there",
            body_sha256: None,
        };
        let line = r.to_line("T");
        assert!(
            line.ends_with('\n') && line.matches('\n').count() == 1,
            "{line}"
        );
        let v: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["path"], "/x\n\u{1}\"\\\u{2028}é");
        assert_eq!(v["rules"][1], "a\"b");
        assert_eq!(v["reason"], "tab\there");
        assert_eq!(v["peer"]["addr"], "1.2.3.4:5");
        assert!(v["body_sha256"].is_null());
    }

    #[test]
    fn the_writer_thread_writes_soon() {
        let buf = Buf::default();
        let a = Audit::new(Box::new(buf.clone()));
        let rules = Vec::new();
        let peer = Peer::Unknown;
        a.write(&Record {
            listener: "l",
            profile: "p",
            peer: &peer,
            method: "GET",
            route: "system.ping",
            path: "/_ping",
            decision: "allow",
            rules: &rules,
            reason: "",
            body_sha256: None,
        })
        .unwrap();
        let t = std::time::Instant::now();
        while buf.0.lock().unwrap().is_empty() && t.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(
            t.elapsed() < Duration::from_secs(1),
            "took {:?}",
            t.elapsed()
        );
        assert_eq!(
            String::from_utf8(buf.0.lock().unwrap().clone())
                .unwrap()
                .lines()
                .count(),
            1
        );
        a.close();
        assert!(
            a.write(&Record {
                listener: "l",
                profile: "p",
                peer: &peer,
                method: "GET",
                route: "x",
                path: "/",
                decision: "allow",
                rules: &rules,
                reason: "",
                body_sha256: None,
            })
            .is_err()
        );
    }

    #[test]
    fn dates() {
        assert_eq!(rfc3339(0, 0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(951_782_400, 5), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(1_798_761_599, 999), "2026-12-31T23:59:59.999Z");
    }

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);
    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn one_json_line_per_record() {
        let buf = Buf::default();
        let a = Audit::new(Box::new(buf.clone()));
        let peer = Peer::Unix {
            uid: 1000,
            gid: 100,
            pid: Some(7),
        };
        let rules = vec!["SKD205".to_string()];
        let rec = Record {
            listener: "unix:///s",
            profile: "ci",
            peer: &peer,
            method: "POST",
            route: "containers.create",
            path: "/containers/create",
            decision: "deny",
            rules: &rules,
            reason: "privileged",
            body_sha256: Some("ab"),
        };
        a.write(&rec).unwrap();
        a.write(&Record {
            decision: "allow",
            ..rec.clone()
        })
        .unwrap();
        a.flush().unwrap();
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let v: Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(v["peer"]["uid"], 1000);
        assert_eq!(v["peer"]["pid"], 7);
        assert_eq!(v["rules"][0], "SKD205");
        assert_eq!(v["decision"], "deny");
        assert_eq!(v["body_sha256"], "ab");
        assert!(v["time"].as_str().unwrap().ends_with('Z'));
        a.close();
        let broken = Audit::new(Box::new(Broken));
        // The first line is taken; its write fails; from then on every
        // decision is refused.
        let _ = broken.write(&rec);
        let _ = broken.flush();
        assert!(broken.write(&rec).unwrap_err().contains("disk full"));
        assert!(broken.write(&rec).is_err());
    }
}
