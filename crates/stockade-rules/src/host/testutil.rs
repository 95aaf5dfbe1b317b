//! Host specs for tests: a risky host, a hardened one, and one nothing is known about.

use stockade_core::{
    CallerFacts, DaemonFacts, DaemonJson, GroupFacts, HostFacts, HostSpec, SecurityOption,
    SocketFacts, Transport,
};

/// Nothing read: no rule may speak.
pub fn bare() -> HostSpec {
    HostSpec {
        subject: "docker daemon at unix:///var/run/docker.sock".into(),
        endpoint: "unix:///var/run/docker.sock".into(),
        transport: Transport::Unknown,
        ..HostSpec::default()
    }
}

/// Every setting at its worst.
pub fn risky() -> HostSpec {
    HostSpec {
        subject: "docker daemon at tcp://10.0.0.5:2375".into(),
        endpoint: "tcp://10.0.0.5:2375".into(),
        transport: Transport::Tcp { tls: false, verify: false },
        daemon: DaemonFacts {
            info_known: true,
            engine_version: Some("20.10.24".into()),
            api_version: Some("1.41".into()),
            os_type: Some("linux".into()),
            security_options: vec![SecurityOption::parse("name=seccomp,profile=unconfined")],
            live_restore: Some(false),
            insecure_registry_cidrs: vec!["127.0.0.0/8".into(), "0.0.0.0/0".into()],
            insecure_registries: vec!["registry.corp:5000".into()],
            warnings: vec![
                "WARNING: API is accessible on http://0.0.0.0:2375 without encryption.\n         Access to the remote API is equivalent to root access on the host.".into(),
            ],
            default_bridge_icc: Some(true),
            ..DaemonFacts::default()
        },
        host: Some(HostFacts {
            docker_group: Some(GroupFacts {
                name: "docker".into(),
                gid: 999,
                members: vec!["alice".into(), "bob".into()],
                primary_members: vec!["carol".into()],
            }),
            socket: Some(SocketFacts {
                path: "/var/run/docker.sock".into(),
                uid: 0,
                gid: 999,
                owner: Some("root".into()),
                group: Some("docker".into()),
                mode: 0o666,
            }),
            daemon_json: Some(DaemonJson {
                path: "/etc/docker/daemon.json".into(),
                hosts: vec!["tcp://0.0.0.0:2375".into()],
                ..DaemonJson::default()
            }),
            caller: Some(CallerFacts {
                uid: 0,
                user: Some("root".into()),
            }),
        }),
    }
}

/// A current daemon with every protection on, reached over its socket by
/// an unprivileged user who is not in the `docker` group.
pub fn hardened() -> HostSpec {
    HostSpec {
        subject: "docker daemon at unix:///var/run/docker.sock".into(),
        endpoint: "unix:///var/run/docker.sock".into(),
        transport: Transport::Unix,
        daemon: DaemonFacts {
            info_known: true,
            engine_version: Some("29.1.0".into()),
            os_type: Some("linux".into()),
            security_options: vec![
                SecurityOption::parse("name=apparmor"),
                SecurityOption::parse("name=seccomp,profile=builtin"),
                SecurityOption::parse("name=userns"),
                SecurityOption::parse("name=cgroupns"),
            ],
            authorization_plugins: vec!["opa-docker-authz".into()],
            live_restore: Some(true),
            insecure_registry_cidrs: vec!["127.0.0.0/8".into(), "::1/128".into()],
            insecure_registries: vec!["localhost:5000".into()],
            default_bridge_icc: Some(false),
            ..DaemonFacts::default()
        },
        host: Some(HostFacts {
            docker_group: Some(GroupFacts {
                name: "docker".into(),
                gid: 999,
                members: Vec::new(),
                primary_members: Vec::new(),
            }),
            socket: Some(SocketFacts {
                path: "/var/run/docker.sock".into(),
                uid: 0,
                gid: 999,
                owner: Some("root".into()),
                group: Some("docker".into()),
                mode: 0o660,
            }),
            daemon_json: Some(DaemonJson {
                path: "/etc/docker/daemon.json".into(),
                hosts: vec!["unix:///var/run/docker.sock".into()],
                icc: Some(false),
                live_restore: Some(true),
                ..DaemonJson::default()
            }),
            caller: Some(CallerFacts {
                uid: 1000,
                user: Some("ops".into()),
            }),
        }),
    }
}

/// Runs one rule on a spec.
pub fn run(rule: &dyn crate::meta::Rule, spec: &HostSpec) -> Vec<stockade_core::Finding> {
    let mut out = Vec::new();
    rule.check_host(spec, &crate::testutil::ctx(), &mut out);
    out
}

/// `(detail, severity)` of each finding.
pub fn details(f: &[stockade_core::Finding]) -> Vec<(String, stockade_core::Severity)> {
    f.iter()
        .map(|f| {
            (
                f.locator
                    .as_ref()
                    .and_then(|l| l.detail.clone())
                    .unwrap_or_default(),
                f.severity,
            )
        })
        .collect()
}

/// A daemon with Docker's defaults (seccomp and AppArmor on, no remap, no
/// authorization plugin, live restore off, icc on, only loopback insecure),
/// a current engine, a `root:docker 0660` socket with an empty group, and an
/// unprivileged caller.
pub fn stock() -> HostSpec {
    let mut s = hardened();
    s.daemon.security_options = vec![
        SecurityOption::parse("name=apparmor"),
        SecurityOption::parse("name=seccomp,profile=builtin"),
    ];
    s.daemon.authorization_plugins.clear();
    s.daemon.live_restore = Some(false);
    s.daemon.default_bridge_icc = Some(true);
    s
}

/// The spec a rule documentation example describes, on top of [`stock`]:
/// `json` is a `daemon.json`, `text` a `docker version` excerpt, an
/// `/etc/group` line or an `ls -l` line of the socket, `sh` the command
/// that runs stockade.
pub fn example_spec(lang: &str, text: &str) -> HostSpec {
    let mut s = stock();
    let host = s.host.as_mut().expect("stock has host facts");
    match lang {
        "json" => {
            let o = flat_json(text);
            let strings = |v: &Val| -> Vec<String> {
                match v {
                    Val::List(l) => l.clone(),
                    Val::Str(s) => vec![s.clone()],
                    Val::Bool(_) => Vec::new(),
                }
            };
            let boolean = |v: &Val| match v {
                Val::Bool(b) => Some(*b),
                _ => None,
            };
            let dj = host.daemon_json.as_mut().expect("stock has daemon.json");
            for (k, val) in &o {
                match (k.as_str(), val) {
                    ("seccomp-profile", Val::Str(p)) => {
                        s.daemon.security_options.retain(|o| o.name != "seccomp");
                        s.daemon
                            .security_options
                            .push(SecurityOption::parse(&format!("name=seccomp,profile={p}")));
                    }
                    ("selinux-enabled", Val::Bool(true)) => {
                        s.daemon
                            .security_options
                            .push(SecurityOption::parse("name=selinux"));
                    }
                    ("userns-remap", Val::Str(u)) if !u.is_empty() => {
                        s.daemon
                            .security_options
                            .push(SecurityOption::parse("name=userns"));
                    }
                    ("authorization-plugins", v) => s.daemon.authorization_plugins = strings(v),
                    ("live-restore", v) => s.daemon.live_restore = boolean(v),
                    ("icc", v) => s.daemon.default_bridge_icc = boolean(v),
                    ("insecure-registries", v) => {
                        let all = strings(v);
                        s.daemon.insecure_registry_cidrs =
                            all.iter().filter(|r| r.contains('/')).cloned().collect();
                        s.daemon.insecure_registries =
                            all.into_iter().filter(|r| !r.contains('/')).collect();
                    }
                    ("hosts", v) => dj.hosts = strings(v),
                    ("tls", v) => dj.tls = boolean(v),
                    ("tlsverify", v) => dj.tls_verify = boolean(v),
                    ("tlscacert" | "tlscert" | "tlskey", _) => {}
                    (other, _) => {
                        panic!("example daemon.json key `{other}` has no meaning in tests")
                    }
                }
            }
        }
        "text" => {
            let t = text.trim();
            if let Some(v) = t.lines().find_map(|l| l.trim().strip_prefix("Version:")) {
                s.daemon.engine_version = Some(v.trim().to_string());
            } else if t.starts_with('s') {
                // `srw-rw---- 1 root docker 0 /var/run/docker.sock`
                let f: Vec<&str> = t.split_whitespace().collect();
                let perms = f[0].as_bytes();
                let mut mode = 0u32;
                for (i, b) in perms[1..10].iter().enumerate() {
                    if *b != b'-' {
                        mode |= 1 << (8 - i);
                    }
                }
                let sock = host.socket.as_mut().expect("stock has a socket");
                sock.mode = mode;
                sock.owner = Some(f[2].to_string());
                sock.uid = if f[2] == "root" { 0 } else { 1000 };
                sock.group = Some(f[3].to_string());
            } else {
                // `docker:x:999:alice,bob`
                let f: Vec<&str> = t.split(':').collect();
                let g = host
                    .docker_group
                    .as_mut()
                    .expect("stock has a docker group");
                g.members = f[3]
                    .split(',')
                    .filter(|m| !m.is_empty())
                    .map(str::to_string)
                    .collect();
            }
        }
        "sh" => {
            if text.trim_start().starts_with("sudo ") {
                host.caller = Some(CallerFacts {
                    uid: 0,
                    user: Some("root".into()),
                });
            }
        }
        other => panic!("example language `{other}`"),
    }
    s
}

/// A value of the flat `daemon.json` examples.
pub enum Val {
    Str(String),
    Bool(bool),
    List(Vec<String>),
}

/// Reads a flat JSON object of strings, booleans and string arrays (what
/// the documentation examples use); panics on anything else.
pub fn flat_json(text: &str) -> Vec<(String, Val)> {
    fn ws(b: &[u8], i: &mut usize) {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
    }
    fn string(b: &[u8], i: &mut usize) -> String {
        assert_eq!(b[*i], b'"', "string expected at {i}");
        *i += 1;
        let start = *i;
        while b[*i] != b'"' {
            assert_ne!(b[*i], b'\\', "no escapes in examples");
            *i += 1;
        }
        *i += 1;
        String::from_utf8(b[start..*i - 1].to_vec()).unwrap()
    }
    let b = text.as_bytes();
    let mut i = 0;
    let mut out = Vec::new();
    ws(b, &mut i);
    assert_eq!(b[i], b'{');
    i += 1;
    loop {
        ws(b, &mut i);
        if b[i] == b'}' {
            return out;
        }
        let key = string(b, &mut i);
        ws(b, &mut i);
        assert_eq!(b[i], b':');
        i += 1;
        ws(b, &mut i);
        let val = match b[i] {
            b'"' => Val::Str(string(b, &mut i)),
            b't' => {
                i += 4;
                Val::Bool(true)
            }
            b'f' => {
                i += 5;
                Val::Bool(false)
            }
            b'[' => {
                i += 1;
                let mut l = Vec::new();
                loop {
                    ws(b, &mut i);
                    match b[i] {
                        b']' => break,
                        b',' => i += 1,
                        _ => l.push(string(b, &mut i)),
                    }
                }
                i += 1;
                Val::List(l)
            }
            c => panic!("unexpected `{}` in example JSON", c as char),
        };
        out.push((key, val));
        ws(b, &mut i);
        if b[i] == b',' {
            i += 1;
        }
    }
}
