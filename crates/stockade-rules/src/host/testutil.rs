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
