//! Which daemon to talk to, decided the way the docker CLI decides it:
//! `--host`, then `DOCKER_HOST`, then the context named by `DOCKER_CONTEXT`
//! or the CLI config's `currentContext`, then `/var/run/docker.sock`.
//! TLS for `tcp://` hosts comes from `DOCKER_TLS_VERIFY`, `DOCKER_TLS` and
//! `DOCKER_CERT_PATH` (or the context's TLS files).

use crate::error::EngineError;
use sha2::{Digest, Sha256};
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

pub const DEFAULT_SOCKET: &str = "/var/run/docker.sock";

/// Files read at most this large (CLI config, context metadata).
const MAX_CONFIG_FILE: u64 = 1 << 20;

/// A daemon address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    Unix(PathBuf),
    Tcp {
        host: String,
        port: u16,
        tls: Option<TlsFiles>,
    },
}

/// TLS material for a `tcp://` daemon.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TlsFiles {
    /// CA bundle that signs the daemon's certificate (`ca.pem`).
    pub ca: Option<PathBuf>,
    /// Client certificate and key (`cert.pem`, `key.pem`), when present.
    pub cert: Option<PathBuf>,
    pub key: Option<PathBuf>,
    /// Verify the daemon's certificate (`DOCKER_TLS_VERIFY`).
    pub verify: bool,
}

impl Endpoint {
    /// Whether the daemon is on this machine (a unix socket).
    pub fn is_local(&self) -> bool {
        matches!(self, Endpoint::Unix(_))
    }

    pub fn uses_tls(&self) -> bool {
        matches!(self, Endpoint::Tcp { tls: Some(_), .. })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Unix(p) => write!(f, "unix://{}", p.display()),
            Endpoint::Tcp { host, port, .. } if host.contains(':') => {
                write!(f, "tcp://[{host}]:{port}")
            }
            Endpoint::Tcp { host, port, .. } => write!(f, "tcp://{host}:{port}"),
        }
    }
}

/// An endpoint and where the choice came from (`--host`, `DOCKER_HOST`,
/// `context "remote"`, `default`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub endpoint: Endpoint,
    pub source: String,
}

/// Resolves the endpoint from the process environment.
pub fn resolve(host_flag: Option<&str>) -> Result<Resolved, EngineError> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    resolve_with(
        host_flag,
        &|k| std::env::var(k).ok().filter(|v| !v.is_empty()),
        home.as_deref(),
    )
}

/// Resolves the endpoint from `env` (non-empty values only) and the home
/// directory `home`; testable without touching the process environment.
pub fn resolve_with(
    host_flag: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<Resolved, EngineError> {
    let config_dir = env("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".docker")));
    if let Some(h) = host_flag.filter(|h| !h.trim().is_empty()) {
        return Ok(Resolved {
            endpoint: parse_host(h, tls_from_env(env, config_dir.as_deref()))?,
            source: "--host".to_string(),
        });
    }
    if let Some(h) = env("DOCKER_HOST") {
        return Ok(Resolved {
            endpoint: parse_host(&h, tls_from_env(env, config_dir.as_deref()))?,
            source: "DOCKER_HOST".to_string(),
        });
    }
    let context = match env("DOCKER_CONTEXT") {
        Some(c) => Some(c),
        None => match &config_dir {
            Some(dir) => current_context(dir)?,
            None => None,
        },
    };
    if let Some(name) = context.filter(|c| c != "default") {
        let Some(dir) = config_dir else {
            return Err(EngineError::Config(format!(
                "docker context `{name}` is selected but there is no docker config directory (set HOME or DOCKER_CONFIG)"
            )));
        };
        return Ok(Resolved {
            endpoint: context_endpoint(&dir, &name)?,
            source: format!("context `{name}`"),
        });
    }
    Ok(Resolved {
        endpoint: Endpoint::Unix(PathBuf::from(DEFAULT_SOCKET)),
        source: "default".to_string(),
    })
}

/// TLS settings from the environment: on with `DOCKER_TLS_VERIFY`,
/// `DOCKER_TLS` or `DOCKER_CERT_PATH`; verifying with `DOCKER_TLS_VERIFY`.
fn tls_from_env(
    env: &dyn Fn(&str) -> Option<String>,
    config_dir: Option<&Path>,
) -> Option<TlsFiles> {
    let verify = env("DOCKER_TLS_VERIFY").is_some();
    let cert_path = env("DOCKER_CERT_PATH").map(PathBuf::from);
    if !verify && env("DOCKER_TLS").is_none() && cert_path.is_none() {
        return None;
    }
    let dir = cert_path.or_else(|| config_dir.map(Path::to_path_buf));
    Some(tls_files_in(dir.as_deref(), verify))
}

fn tls_files_in(dir: Option<&Path>, verify: bool) -> TlsFiles {
    let pick = |name: &str| dir.map(|d| d.join(name)).filter(|p| p.is_file());
    TlsFiles {
        ca: pick("ca.pem"),
        cert: pick("cert.pem"),
        key: pick("key.pem"),
        verify,
    }
}

/// Parses a `DOCKER_HOST`-style address.
pub fn parse_host(s: &str, tls: Option<TlsFiles>) -> Result<Endpoint, EngineError> {
    let s = s.trim();
    let bad = |why: &str| EngineError::Config(format!("invalid Docker host `{s}`: {why}"));
    if s.starts_with('/') {
        return Ok(Endpoint::Unix(PathBuf::from(s)));
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(bad("expected unix:///path or tcp://host:port"));
    };
    let (tls, default_tls_port) = match scheme.to_ascii_lowercase().as_str() {
        "unix" => {
            if rest.is_empty() {
                return Err(bad("no socket path"));
            }
            return Ok(Endpoint::Unix(PathBuf::from(rest)));
        }
        "tcp" | "http" => (tls, false),
        "https" => (
            Some(tls.unwrap_or(TlsFiles {
                verify: true,
                ..TlsFiles::default()
            })),
            true,
        ),
        "ssh" => {
            return Err(bad(
                "ssh:// hosts are not supported; forward the socket (`ssh -nNT -L /tmp/docker.sock:/var/run/docker.sock HOST`) and use unix:///tmp/docker.sock",
            ));
        }
        "npipe" => return Err(bad("named pipes exist only on Windows")),
        "fd" => {
            return Err(bad(
                "fd:// is a daemon listen address, not one a client can use",
            ));
        }
        other => return Err(bad(&format!("unsupported scheme `{other}`"))),
    };
    // Drop a path (`tcp://host:2375/prefix`): the API lives at the root.
    let authority = rest.split('/').next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("user information is not supported in tcp:// hosts"));
    }
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, after) = v6.split_once(']').ok_or_else(|| bad("unclosed `[`"))?;
        (h.to_string(), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (authority.to_string(), None),
        }
    };
    let host = if host.is_empty() {
        "127.0.0.1".to_string()
    } else {
        host
    };
    let default_port = if tls.is_some() || default_tls_port {
        2376
    } else {
        2375
    };
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| bad(&format!("invalid port `{p}`")))?,
    };
    Ok(Endpoint::Tcp { host, port, tls })
}

fn read_small(path: &Path) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(MAX_CONFIG_FILE)
        .read_to_string(&mut text)?;
    Ok(text)
}

/// `currentContext` from the CLI config, when set.
fn current_context(config_dir: &Path) -> Result<Option<String>, EngineError> {
    let path = config_dir.join("config.json");
    let text = match read_small(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(EngineError::Config(format!(
                "cannot read the docker CLI config {}: {e}",
                path.display()
            )));
        }
    };
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        EngineError::Config(format!(
            "the docker CLI config {} is not valid JSON: {e}",
            path.display()
        ))
    })?;
    Ok(v.get("currentContext")
        .and_then(|c| c.as_str())
        .filter(|c| !c.is_empty())
        .map(str::to_string))
}

/// The directory name of a context: the hex SHA-256 of its name.
pub fn context_dir_name(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The docker endpoint of context `name`.
fn context_endpoint(config_dir: &Path, name: &str) -> Result<Endpoint, EngineError> {
    let id = context_dir_name(name);
    let meta_path = config_dir
        .join("contexts")
        .join("meta")
        .join(&id)
        .join("meta.json");
    let text = read_small(&meta_path).map_err(|e| {
        EngineError::Config(format!(
            "docker context `{name}` not found ({}: {e})",
            meta_path.display()
        ))
    })?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        EngineError::Config(format!(
            "docker context `{name}`: {} is not valid JSON: {e}",
            meta_path.display()
        ))
    })?;
    let docker = v.get("Endpoints").and_then(|e| e.get("docker"));
    let host = docker
        .and_then(|d| d.get("Host"))
        .and_then(|h| h.as_str())
        .filter(|h| !h.is_empty())
        .ok_or_else(|| {
            EngineError::Config(format!(
                "docker context `{name}` has no docker endpoint host ({})",
                meta_path.display()
            ))
        })?;
    let skip_verify = docker
        .and_then(|d| d.get("SkipTLSVerify"))
        .and_then(|s| s.as_bool())
        .unwrap_or(false);
    let tls_dir = config_dir
        .join("contexts")
        .join("tls")
        .join(&id)
        .join("docker");
    let files = tls_files_in(Some(&tls_dir), !skip_verify);
    let tls = (files.ca.is_some() || files.cert.is_some() || skip_verify).then_some(files);
    parse_host(host, tls)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned().filter(|v| !v.is_empty())
    }

    fn tmpdir(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("stockade-engine-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn parses_hosts() {
        assert_eq!(
            parse_host("unix:///run/user/1000/docker.sock", None).unwrap(),
            Endpoint::Unix("/run/user/1000/docker.sock".into())
        );
        assert_eq!(
            parse_host("/var/run/docker.sock", None)
                .unwrap()
                .to_string(),
            "unix:///var/run/docker.sock"
        );
        let e = parse_host("tcp://10.0.0.5", None).unwrap();
        assert_eq!(e.to_string(), "tcp://10.0.0.5:2375");
        assert!(!e.is_local() && !e.uses_tls());
        let e = parse_host("tcp://10.0.0.5", Some(TlsFiles::default())).unwrap();
        assert_eq!(e.to_string(), "tcp://10.0.0.5:2376");
        assert_eq!(
            parse_host("tcp://[::1]:2375/x", None).unwrap().to_string(),
            "tcp://[::1]:2375"
        );
        assert_eq!(
            parse_host("tcp://:2375", None).unwrap().to_string(),
            "tcp://127.0.0.1:2375"
        );
        assert!(parse_host("https://h", None).unwrap().uses_tls());
        for bad in [
            "ssh://me@h",
            "npipe:////./pipe/docker_engine",
            "tcp://h:99999",
            "tcp://h:x",
            "h:2375",
            "unix://",
            "ftp://h",
            "tcp://[::1",
            "tcp://u@h:1",
        ] {
            let err = parse_host(bad, None).unwrap_err().to_string();
            assert!(err.contains("invalid Docker host"), "{bad}: {err}");
        }
        assert!(
            parse_host("ssh://me@h", None)
                .unwrap_err()
                .to_string()
                .contains("forward the socket")
        );
    }

    #[test]
    fn precedence_flag_env_context_default() {
        let home = tmpdir("prec");
        let env = env_of(&[]);
        let r = resolve_with(None, &env, Some(&home)).unwrap();
        assert_eq!(r.source, "default");
        assert_eq!(r.endpoint, Endpoint::Unix(DEFAULT_SOCKET.into()));
        let env = env_of(&[
            ("DOCKER_HOST", "tcp://1.2.3.4:2375"),
            ("DOCKER_CONTEXT", "nope"),
        ]);
        let r = resolve_with(None, &env, Some(&home)).unwrap();
        assert_eq!(
            (r.source.as_str(), r.endpoint.to_string().as_str()),
            ("DOCKER_HOST", "tcp://1.2.3.4:2375")
        );
        let r = resolve_with(Some("unix:///x.sock"), &env, Some(&home)).unwrap();
        assert_eq!(r.source, "--host");
        assert_eq!(r.endpoint, Endpoint::Unix("/x.sock".into()));
        // A context that does not exist is an error, not a silent default.
        let env = env_of(&[("DOCKER_CONTEXT", "nope")]);
        let err = resolve_with(None, &env, Some(&home))
            .unwrap_err()
            .to_string();
        assert!(err.contains("docker context `nope` not found"), "{err}");
        let env = env_of(&[("DOCKER_CONTEXT", "default")]);
        assert_eq!(
            resolve_with(None, &env, Some(&home)).unwrap().source,
            "default"
        );
    }

    #[test]
    fn tls_from_environment() {
        let certs = tmpdir("certs");
        for f in ["ca.pem", "cert.pem", "key.pem"] {
            std::fs::write(certs.join(f), "x").unwrap();
        }
        let cp = certs.to_str().unwrap();
        let env = env_of(&[
            ("DOCKER_HOST", "tcp://h"),
            ("DOCKER_TLS_VERIFY", "1"),
            ("DOCKER_CERT_PATH", cp),
        ]);
        let r = resolve_with(None, &env, None).unwrap();
        let Endpoint::Tcp {
            port, tls: Some(t), ..
        } = r.endpoint
        else {
            panic!("{r:?}")
        };
        assert_eq!(port, 2376);
        assert!(t.verify);
        assert_eq!(t.ca, Some(certs.join("ca.pem")));
        assert_eq!(t.key, Some(certs.join("key.pem")));
        let env = env_of(&[("DOCKER_HOST", "tcp://h"), ("DOCKER_CERT_PATH", cp)]);
        let Endpoint::Tcp { tls: Some(t), .. } = resolve_with(None, &env, None).unwrap().endpoint
        else {
            panic!()
        };
        assert!(!t.verify);
        let env = env_of(&[("DOCKER_HOST", "tcp://h")]);
        let Endpoint::Tcp { tls, port, .. } = resolve_with(None, &env, None).unwrap().endpoint
        else {
            panic!()
        };
        assert!(tls.is_none());
        assert_eq!(port, 2375);
    }

    #[test]
    fn contexts_from_config_and_env() {
        let home = tmpdir("ctx");
        let dir = home.join(".docker");
        let id = context_dir_name("remote");
        assert_eq!(id.len(), 64);
        let meta = dir.join("contexts/meta").join(&id);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://10.1.1.1:2376","SkipTLSVerify":false}}}"#,
        )
        .unwrap();
        let tls = dir.join("contexts/tls").join(&id).join("docker");
        std::fs::create_dir_all(&tls).unwrap();
        std::fs::write(tls.join("ca.pem"), "x").unwrap();
        std::fs::write(
            dir.join("config.json"),
            r#"{"auths":{},"currentContext":"remote"}"#,
        )
        .unwrap();
        let r = resolve_with(None, &env_of(&[]), Some(&home)).unwrap();
        assert_eq!(r.source, "context `remote`");
        let Endpoint::Tcp {
            host,
            port,
            tls: Some(t),
        } = r.endpoint
        else {
            panic!()
        };
        assert_eq!((host.as_str(), port), ("10.1.1.1", 2376));
        assert!(t.verify && t.ca.is_some() && t.cert.is_none());
        // DOCKER_CONTEXT wins over the config file.
        let r = resolve_with(None, &env_of(&[("DOCKER_CONTEXT", "default")]), Some(&home)).unwrap();
        assert_eq!(r.source, "default");
        // Broken files are clear errors.
        std::fs::write(dir.join("config.json"), "{").unwrap();
        let err = resolve_with(None, &env_of(&[]), Some(&home))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not valid JSON"), "{err}");
        std::fs::write(dir.join("config.json"), r#"{"currentContext":"remote"}"#).unwrap();
        std::fs::write(meta.join("meta.json"), r#"{"Endpoints":{}}"#).unwrap();
        let err = resolve_with(None, &env_of(&[]), Some(&home))
            .unwrap_err()
            .to_string();
        assert!(err.contains("has no docker endpoint host"), "{err}");
    }
}
