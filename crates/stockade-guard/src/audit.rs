//! The audit log: one JSON line per decision.
//!
//! ```json
//! {"time":"2026-11-28T17:02:03.123Z","listener":"unix:///run/stockade/ci.sock",
//!  "profile":"ci","peer":{"uid":1000,"gid":1000,"pid":4242},"method":"POST",
//!  "route":"containers.create","path":"/containers/create","decision":"deny",
//!  "rules":["SKD205"],"reason":"…","body_sha256":"…"}
//! ```
//!
//! A line that cannot be written refuses the request (fail closed).

use serde_json::{Value, json};
use std::io::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

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

/// Where lines go.
pub struct Audit {
    sink: Mutex<Box<dyn Write + Send>>,
}

impl Audit {
    pub fn new(sink: Box<dyn Write + Send>) -> Audit {
        Audit {
            sink: Mutex::new(sink),
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

    /// Writes one line; an error means the decision must not go through.
    pub fn write(&self, r: &Record) -> Result<(), String> {
        let mut line = json!({
            "time": rfc3339_now(),
            "listener": r.listener,
            "profile": r.profile,
            "peer": r.peer.to_json(),
            "method": r.method,
            "route": r.route,
            "path": r.path,
            "decision": r.decision,
            "rules": r.rules,
            "reason": r.reason,
            "body_sha256": r.body_sha256,
        })
        .to_string();
        line.push('\n');
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        sink.write_all(line.as_bytes())
            .and_then(|_| sink.flush())
            .map_err(|e| format!("audit log: {e}"))
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
        let broken = Audit::new(Box::new(Broken));
        assert!(broken.write(&rec).unwrap_err().contains("disk full"));
    }
}
