//! Guard configuration: the `[guard]` table of `.stockade.toml`, or one
//! listener from the command line.
//!
//! ```toml
//! [guard]
//! upstream = "unix:///var/run/docker.sock"   # the default
//! audit-log = "/var/log/stockade/guard.jsonl" # "-" (the default): standard error
//! max-body = 1048576                          # bytes of a judged body
//!
//! [[guard.listener]]
//! listen = "unix:///run/stockade/ci.sock"
//! profile = "ci"
//!
//! [[guard.listener]]
//! listen = "tcp://0.0.0.0:2376"               # mutual TLS is required
//! profile = "dashboard"
//! tls-cert = "server.pem"
//! tls-key = "server-key.pem"
//! tls-client-ca = "clients-ca.pem"
//!
//! [guard.profile.dashboard]
//! base = "read-only"                          # read-only | ci | none (default)
//! allow = ["containers.archive.get"]          # route names, `*` globs
//! deny = ["system.info"]
//! threshold = "high"                          # refuse findings at or above
//! ignore = ["SKD216"]                         # rules not judged
//! registries = ["ghcr.io/acme"]               # pulls only from these
//! overwrite-tags = ["ci/*"]                   # existing tags that may be replaced
//! buildkit = false                            # allow /session, /grpc, version=2 builds
//! ```
//!
//! Every error stops the guard from starting: a guard that runs with a
//! policy other than the one written is worse than none.

use crate::profile::{Base, Profile};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stockade_core::Severity;

/// Default judged-body limit: 1 MiB (a `docker run` create body is a few KiB).
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;
pub const DEFAULT_UPSTREAM: &str = "unix:///var/run/docker.sock";

/// Where a listener listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenAddr {
    Unix(PathBuf),
    Tcp(String),
}

impl ListenAddr {
    pub fn parse(s: &str) -> Result<ListenAddr, String> {
        if let Some(p) = s.strip_prefix("unix://") {
            if !p.starts_with('/') {
                return Err(format!("`{s}`: the socket path must be absolute"));
            }
            return Ok(ListenAddr::Unix(PathBuf::from(p)));
        }
        if let Some(a) = s.strip_prefix("tcp://") {
            a.parse::<std::net::SocketAddr>()
                .map_err(|e| format!("`{s}`: expected tcp://IP:PORT: {e}"))?;
            return Ok(ListenAddr::Tcp(a.to_string()));
        }
        Err(format!("`{s}`: expected unix:///path or tcp://IP:PORT"))
    }
}

impl std::fmt::Display for ListenAddr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenAddr::Unix(p) => write!(f, "unix://{}", p.display()),
            ListenAddr::Tcp(a) => write!(f, "tcp://{a}"),
        }
    }
}

/// Server certificate, key and the CA client certificates must chain to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub client_ca: PathBuf,
}

#[derive(Debug, Clone)]
pub struct ListenerConfig {
    pub listen: ListenAddr,
    pub profile: Profile,
    pub tls: Option<TlsFiles>,
}

/// A complete, validated configuration.
#[derive(Debug, Clone)]
pub struct GuardConfig {
    /// Path of the daemon's socket.
    pub upstream: PathBuf,
    pub listeners: Vec<ListenerConfig>,
    /// File to append audit lines to; `-` for standard error.
    pub audit_log: String,
    pub max_body: usize,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct GuardToml {
    upstream: Option<String>,
    audit_log: Option<String>,
    max_body: Option<u64>,
    #[serde(default)]
    listener: Vec<ListenerToml>,
    #[serde(default)]
    profile: BTreeMap<String, ProfileToml>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ListenerToml {
    listen: String,
    profile: String,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    tls_client_ca: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProfileToml {
    base: Option<String>,
    #[serde(default)]
    allow: Vec<String>,
    #[serde(default)]
    deny: Vec<String>,
    threshold: Option<String>,
    #[serde(default)]
    ignore: Vec<String>,
    #[serde(default)]
    registries: Vec<String>,
    #[serde(default)]
    overwrite_tags: Vec<String>,
    buildkit: Option<bool>,
}

/// Options given on the command line.
#[derive(Debug, Clone, Default)]
pub struct CliOptions {
    pub listen: Option<String>,
    pub profile: Option<String>,
    pub upstream: Option<String>,
    pub audit_log: Option<String>,
    pub config: Option<PathBuf>,
}

fn upstream_path(s: &str) -> Result<PathBuf, String> {
    match s.strip_prefix("unix://") {
        Some(p) if p.starts_with('/') => Ok(PathBuf::from(p)),
        _ => Err(format!(
            "upstream `{s}`: expected unix:///path/to/docker.sock (the guard talks to a local daemon socket)"
        )),
    }
}

fn build_profile(name: &str, t: &ProfileToml) -> Result<Profile, String> {
    let base = match t.base.as_deref() {
        None => Base::None,
        Some(b) => Base::parse(b).ok_or_else(|| {
            format!("profile `{name}`: base `{b}`: expected read-only, ci or none")
        })?,
    };
    let mut p = Profile::from_base(name, base);
    for a in &t.allow {
        p.allow(a)
            .map_err(|e| format!("profile `{name}`: allow: {e}"))?;
    }
    for d in &t.deny {
        p.deny(d)
            .map_err(|e| format!("profile `{name}`: deny: {e}"))?;
    }
    if let Some(th) = &t.threshold {
        p.threshold = th
            .parse::<Severity>()
            .map_err(|e| format!("profile `{name}`: threshold: {e}"))?;
    }
    for i in &t.ignore {
        p.ignore(i)
            .map_err(|e| format!("profile `{name}`: ignore: {e}"))?;
    }
    for r in &t.registries {
        if r.is_empty() || r.contains(char::is_whitespace) {
            return Err(format!("profile `{name}`: registries: invalid entry `{r}`"));
        }
    }
    p.registries = t.registries.clone();
    p.overwrite_tags = t.overwrite_tags.clone();
    p.buildkit = t.buildkit.unwrap_or(false);
    for svc in ["services.create", "services.update"] {
        if p.allows(svc) {
            return Err(format!(
                "profile `{name}`: `{svc}` cannot be allowed: the guard does not judge swarm service specs"
            ));
        }
    }
    Ok(p)
}

impl GuardConfig {
    /// Builds the configuration from the command line and, when given, a
    /// config file. The command line's listener (if any) comes first.
    pub fn from_cli(cli: &CliOptions) -> Result<GuardConfig, String> {
        let (file, base) = match &cli.config {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
                let g = parse_guard_table(&text).map_err(|e| format!("{}: {e}", path.display()))?;
                let base = path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                (g, base)
            }
            None => (GuardToml::default(), PathBuf::from(".")),
        };
        let mut profiles: BTreeMap<String, Profile> = BTreeMap::new();
        for (name, t) in &file.profile {
            if matches!(name.as_str(), "read-only" | "ci" | "none") {
                return Err(format!(
                    "profile `{name}`: the name is built in; give the custom profile another name and `base = \"{name}\"`"
                ));
            }
            profiles.insert(name.clone(), build_profile(name, t)?);
        }
        let find = |name: &str| -> Result<Profile, String> {
            profiles
                .get(name)
                .cloned()
                .or_else(|| Profile::builtin(name))
                .ok_or_else(|| {
                    format!("unknown profile `{name}` (built in: read-only, ci; or define [guard.profile.{name}])")
                })
        };
        let mut listeners = Vec::new();
        match (&cli.listen, &cli.profile) {
            (Some(l), Some(p)) => listeners.push(ListenerConfig {
                listen: ListenAddr::parse(l)?,
                profile: find(p)?,
                tls: None,
            }),
            (Some(_), None) => return Err("--listen needs --profile".to_string()),
            (None, Some(_)) => return Err("--profile needs --listen".to_string()),
            (None, None) => {}
        }
        for (i, l) in file.listener.iter().enumerate() {
            let listen =
                ListenAddr::parse(&l.listen).map_err(|e| format!("listener {}: {e}", i + 1))?;
            let rel = |p: &PathBuf| {
                if p.is_absolute() {
                    p.clone()
                } else {
                    base.join(p)
                }
            };
            let tls = match (&l.tls_cert, &l.tls_key, &l.tls_client_ca) {
                (Some(c), Some(k), Some(ca)) => Some(TlsFiles {
                    cert: rel(c),
                    key: rel(k),
                    client_ca: rel(ca),
                }),
                (None, None, None) => None,
                _ => {
                    return Err(format!(
                        "listener `{}`: tls-cert, tls-key and tls-client-ca go together",
                        l.listen
                    ));
                }
            };
            listeners.push(ListenerConfig {
                listen,
                profile: find(&l.profile).map_err(|e| format!("listener `{}`: {e}", l.listen))?,
                tls,
            });
        }
        if listeners.is_empty() {
            return Err("no listener: give --listen and --profile, or [[guard.listener]] tables in --config".to_string());
        }
        for (i, l) in listeners.iter().enumerate() {
            match (&l.listen, &l.tls) {
                (ListenAddr::Tcp(_), None) => {
                    return Err(format!(
                        "listener `{}`: tcp listeners need mutual TLS (tls-cert, tls-key, tls-client-ca)",
                        l.listen
                    ));
                }
                (ListenAddr::Unix(_), Some(_)) => {
                    return Err(format!("listener `{}`: TLS is for tcp listeners", l.listen));
                }
                _ => {}
            }
            if listeners[..i].iter().any(|o| o.listen == l.listen) {
                return Err(format!("listener `{}` is declared twice", l.listen));
            }
        }
        let upstream = upstream_path(
            cli.upstream
                .as_deref()
                .or(file.upstream.as_deref())
                .unwrap_or(DEFAULT_UPSTREAM),
        )?;
        for l in &listeners {
            if l.listen == ListenAddr::Unix(upstream.clone()) {
                return Err(format!("listener `{}` is the upstream socket", l.listen));
            }
        }
        let max_body = match file.max_body {
            None => DEFAULT_MAX_BODY,
            Some(n) if (1024..=64 * 1024 * 1024).contains(&n) => n as usize,
            Some(n) => return Err(format!("max-body {n}: expected 1024 to 67108864 bytes")),
        };
        Ok(GuardConfig {
            upstream,
            listeners,
            audit_log: cli
                .audit_log
                .clone()
                .or(file.audit_log.clone())
                .unwrap_or_else(|| "-".to_string()),
            max_body,
        })
    }
}

/// Reads the `[guard]` table of a whole `.stockade.toml`.
fn parse_guard_table(text: &str) -> Result<GuardToml, String> {
    let doc: toml::Table = text.parse::<toml::Table>().map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .map(|l| format!("line {l}: "))
            .unwrap_or_default();
        format!("{line}{}", e.message())
    })?;
    let Some(g) = doc.get("guard") else {
        return Err("no [guard] table".to_string());
    };
    g.clone()
        .try_into::<GuardToml>()
        .map_err(|e| format!("[guard]: {}", e.message()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(text: &str, cli: CliOptions) -> Result<GuardConfig, String> {
        let dir = std::env::temp_dir().join(format!(
            "stockade-guard-cfg-{}-{}",
            std::process::id(),
            text.len()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join(".stockade.toml");
        std::fs::write(&p, text).unwrap();
        let r = GuardConfig::from_cli(&CliOptions {
            config: Some(p),
            ..cli
        });
        let _ = std::fs::remove_dir_all(&dir);
        r
    }

    #[test]
    fn cli_only() {
        let c = GuardConfig::from_cli(&CliOptions {
            listen: Some("unix:///run/stockade/docker.sock".into()),
            profile: Some("ci".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(c.upstream, PathBuf::from("/var/run/docker.sock"));
        assert_eq!(c.listeners.len(), 1);
        assert_eq!(c.listeners[0].profile.name, "ci");
        assert_eq!(c.audit_log, "-");
        for (l, p, want) in [
            ("unix://relative.sock", "ci", "absolute"),
            ("tcp://0.0.0.0:2376", "ci", "mutual TLS"),
            ("http://x", "ci", "expected unix"),
            ("unix:///s", "bogus", "unknown profile"),
        ] {
            let e = GuardConfig::from_cli(&CliOptions {
                listen: Some(l.into()),
                profile: Some(p.into()),
                ..Default::default()
            })
            .unwrap_err();
            assert!(e.contains(want), "{l}: {e}");
        }
        let e = GuardConfig::from_cli(&CliOptions::default()).unwrap_err();
        assert!(e.contains("no listener"), "{e}");
        let e = GuardConfig::from_cli(&CliOptions {
            listen: Some("unix:///s".into()),
            profile: Some("ci".into()),
            upstream: Some("tcp://1.2.3.4:2375".into()),
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.contains("upstream"), "{e}");
    }

    #[test]
    fn file_with_listeners_and_profiles() {
        let c = cfg(
            r#"
select = ["all"]
[guard]
audit-log = "/tmp/a.jsonl"
max-body = 4096
[[guard.listener]]
listen = "unix:///run/a.sock"
profile = "ci"
[[guard.listener]]
listen = "unix:///run/b.sock"
profile = "dash"
[[guard.listener]]
listen = "tcp://127.0.0.1:2376"
profile = "read-only"
tls-cert = "c.pem"
tls-key = "k.pem"
tls-client-ca = "ca.pem"
[guard.profile.dash]
base = "read-only"
allow = ["containers.archive.get", "images.*"]
deny = ["images.load"]
threshold = "medium"
ignore = ["SKD216", "resources"]
registries = ["ghcr.io/acme"]
"#,
            CliOptions::default(),
        )
        .unwrap();
        assert_eq!(c.listeners.len(), 3);
        assert_eq!(c.max_body, 4096);
        assert_eq!(c.audit_log, "/tmp/a.jsonl");
        let dash = &c.listeners[1].profile;
        assert!(dash.allows("containers.archive.get") && dash.allows("images.tag"));
        assert!(!dash.allows("images.load") && !dash.allows("containers.create"));
        assert_eq!(dash.threshold, Severity::Medium);
        assert_eq!(dash.policy.ignore.len(), 2);
        let tls = c.listeners[2].tls.as_ref().unwrap();
        assert!(tls.cert.is_absolute() && tls.cert.ends_with("c.pem"));
    }

    #[test]
    fn the_compose_example_config_loads() {
        let text = include_str!("../../../examples/guard/guard.toml");
        let c = cfg(text, CliOptions::default()).unwrap();
        assert_eq!(c.listeners.len(), 3);
        assert_eq!(c.audit_log, "/var/log/stockade/guard.jsonl");
        let release = &c.listeners[2].profile;
        assert_eq!(release.threshold, Severity::Medium);
        assert!(!release.allows("containers.export") && release.allows("containers.create"));
    }

    #[test]
    fn bad_files_stop_the_guard() {
        let l = "[[guard.listener]]\nlisten = \"unix:///run/a.sock\"\nprofile = \"p\"\n";
        for (text, want) in [
            ("x = 1", "no [guard] table"),
            ("[guard]\nbogus = 1\n", "bogus"),
            ("[guard\n", "line 1"),
            (
                &format!("{l}[guard.profile.p]\nbase = \"root\"\n"),
                "base `root`",
            ),
            (
                &format!("{l}[guard.profile.p]\nallow = [\"containers.creat\"]\n"),
                "names no daemon route",
            ),
            (
                &format!("{l}[guard.profile.p]\nthreshold = \"severe\"\n"),
                "threshold",
            ),
            (
                &format!("{l}[guard.profile.p]\nignore = [\"SKD999\"]\n"),
                "SKD999",
            ),
            (
                &format!("{l}[guard.profile.p]\nallow = [\"services.*\"]\n"),
                "cannot be allowed",
            ),
            (&format!("{l}[guard.profile.p]\nlimit = 1\n"), "limit"),
            ("[guard]\n[guard.profile.ci]\nbase = \"ci\"\n", "built in"),
            (&format!("{l}{l}[guard.profile.p]\n"), "declared twice"),
            (
                "[[guard.listener]]\nlisten = \"unix:///var/run/docker.sock\"\nprofile = \"ci\"\n",
                "upstream socket",
            ),
            (
                "[guard]\nmax-body = 1\n[[guard.listener]]\nlisten = \"unix:///a\"\nprofile = \"ci\"\n",
                "max-body",
            ),
            (
                "[[guard.listener]]\nlisten = \"tcp://127.0.0.1:1\"\nprofile = \"ci\"\ntls-cert = \"a\"\n",
                "go together",
            ),
            (l, "unknown profile `p`"),
        ] {
            let e = cfg(text, CliOptions::default()).unwrap_err();
            assert!(e.contains(want), "{text}\n=> {e}");
        }
    }
}
