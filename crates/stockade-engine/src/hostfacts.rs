//! [`HostSpec`]: the daemon's answers plus, for a local daemon, facts
//! read from this machine (`/etc/group`, `/etc/passwd`, the socket,
//! `/etc/docker/daemon.json`, the caller's user id).

use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::error::EngineError;
use crate::models::{NetworkInspect, SystemInfo, VersionInfo};
use serde_json::Value;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use stockade_core::{
    CallerFacts, DaemonFacts, DaemonJson, GroupFacts, HostFacts, HostSpec, SecurityOption,
    SocketFacts, Transport,
};

/// Local files are read at most this large.
const MAX_LOCAL_FILE: u64 = 4 << 20;

/// Daemon facts from `/info`, `/version` and the default bridge network.
pub fn daemon_facts(
    info: Option<&SystemInfo>,
    version: Option<&VersionInfo>,
    bridge: Option<&NetworkInspect>,
) -> DaemonFacts {
    let mut d = DaemonFacts::default();
    if let Some(i) = info {
        d.info_known = true;
        d.name = i.name.clone();
        d.id = i.id.clone();
        d.operating_system = i.operating_system.clone();
        d.kernel_version = i.kernel_version.clone();
        d.os_type = i.os_type.clone();
        d.security_options = i
            .security_options
            .iter()
            .flatten()
            .map(|s| SecurityOption::parse(s))
            .collect();
        d.authorization_plugins = i
            .plugins
            .as_ref()
            .and_then(|p| p.authorization.clone())
            .unwrap_or_default();
        d.live_restore = i.live_restore_enabled;
        if let Some(rc) = &i.registry_config {
            d.insecure_registry_cidrs = rc.insecure_registry_cidrs.clone().unwrap_or_default();
            d.insecure_registries = rc
                .index_configs
                .iter()
                .flatten()
                .filter(|(_, ic)| ic.secure == Some(false))
                .map(|(name, ic)| ic.name.clone().unwrap_or_else(|| name.clone()))
                .collect();
        }
        d.warnings = i.warnings.clone().unwrap_or_default();
        d.cgroup_version = i.cgroup_version.clone();
        d.docker_root_dir = i.docker_root_dir.clone();
        d.storage_driver = i.driver.clone();
        d.engine_version = i.server_version.clone();
    }
    if let Some(v) = version {
        if v.version.is_some() {
            d.engine_version = v.version.clone();
        }
        d.api_version = v.api_version.clone();
        d.min_api_version = v.min_api_version.clone();
        if d.os_type.is_none() {
            d.os_type = v.os.clone();
        }
        if d.kernel_version.is_none() {
            d.kernel_version = v.kernel_version.clone();
        }
    }
    d.default_bridge_icc = bridge.and_then(NetworkInspect::icc);
    d
}

/// How the client reaches `endpoint`.
pub fn transport_of(endpoint: &Endpoint) -> Transport {
    match endpoint {
        Endpoint::Unix(_) => Transport::Unix,
        Endpoint::Tcp { tls, .. } => Transport::Tcp {
            tls: tls.is_some(),
            verify: tls.as_ref().is_some_and(|t| t.verify),
        },
    }
}

/// Reads the whole [`HostSpec`] from a connected client. The daemon's
/// answers that fail are left unknown and listed in the returned notes
/// (the spec is still judged on what was read); local host facts are read
/// only when the endpoint is a unix socket.
pub async fn host_spec(client: &Client) -> (HostSpec, Vec<EngineError>) {
    let mut notes = Vec::new();
    let info = client.info().await.map_err(|e| notes.push(e)).ok();
    let version = client.version().await.map_err(|e| notes.push(e)).ok();
    // A daemon without a default bridge (`--bridge=none`) answers 404.
    let bridge = match client.network("bridge").await {
        Ok(n) => Some(n),
        Err(EngineError::Http { status: 404, .. }) => None,
        Err(e) => {
            notes.push(e);
            None
        }
    };
    let endpoint = client.endpoint();
    let host = match endpoint {
        Endpoint::Unix(path) => Some(local_host_facts(
            Path::new("/"),
            Some(path),
            current_caller(),
        )),
        Endpoint::Tcp { .. } => None,
    };
    let spec = HostSpec {
        subject: format!("docker daemon at {endpoint}"),
        endpoint: endpoint.to_string(),
        transport: transport_of(endpoint),
        daemon: daemon_facts(info.as_ref(), version.as_ref(), bridge.as_ref()),
        host,
    };
    (spec, notes)
}

fn read_local(path: &Path) -> Option<String> {
    let mut s = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(MAX_LOCAL_FILE)
        .read_to_string(&mut s)
        .ok()?;
    Some(s)
}

/// The effective user of this process (from `/proc/self/status`).
pub fn current_caller() -> Option<CallerFacts> {
    let status = read_local(Path::new("/proc/self/status"))?;
    let uid = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(CallerFacts { uid, user: None })
}

/// `name:x:gid:members` lines.
struct GroupEntry {
    name: String,
    gid: u32,
    members: Vec<String>,
}

fn parse_groups(text: &str) -> Vec<GroupEntry> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.trim().to_string();
            let _pw = f.next()?;
            let gid = f.next()?.trim().parse().ok()?;
            let members = f
                .next()
                .unwrap_or("")
                .split(',')
                .map(str::trim)
                .filter(|m| !m.is_empty())
                .map(str::to_string)
                .collect();
            (!name.is_empty()).then_some(GroupEntry { name, gid, members })
        })
        .collect()
}

/// `(user, uid, primary gid)` from passwd lines.
fn parse_passwd(text: &str) -> Vec<(String, u32, u32)> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?.trim().to_string();
            let _pw = f.next()?;
            let uid = f.next()?.trim().parse().ok()?;
            let gid = f.next()?.trim().parse().ok()?;
            (!name.is_empty()).then_some((name, uid, gid))
        })
        .collect()
}

/// Host facts read under `root` (`/` for the real host; a directory with
/// `etc/group`, `etc/passwd` and `etc/docker/daemon.json` in tests). The
/// socket path is taken as is.
pub fn local_host_facts(
    root: &Path,
    socket: Option<&Path>,
    caller: Option<CallerFacts>,
) -> HostFacts {
    let groups = read_local(&root.join("etc/group"))
        .map(|t| parse_groups(&t))
        .unwrap_or_default();
    let users = read_local(&root.join("etc/passwd"))
        .map(|t| parse_passwd(&t))
        .unwrap_or_default();
    let socket = socket.and_then(|p| {
        let meta = std::fs::metadata(p).ok()?;
        Some(SocketFacts {
            path: p.display().to_string(),
            uid: meta.uid(),
            gid: meta.gid(),
            owner: users
                .iter()
                .find(|(_, uid, _)| *uid == meta.uid())
                .map(|(n, _, _)| n.clone()),
            group: groups
                .iter()
                .find(|g| g.gid == meta.gid())
                .map(|g| g.name.clone()),
            mode: meta.mode() & 0o7777,
        })
    });
    // The group that grants the socket: its owning group when that is not
    // root's, else the group named `docker`.
    let group = match &socket {
        Some(s) if s.gid != 0 => groups.iter().find(|g| g.gid == s.gid),
        _ => groups.iter().find(|g| g.name == "docker"),
    };
    let docker_group = group.map(|g| GroupFacts {
        name: g.name.clone(),
        gid: g.gid,
        members: g.members.clone(),
        primary_members: users
            .iter()
            .filter(|(_, _, gid)| *gid == g.gid)
            .map(|(n, _, _)| n.clone())
            .collect(),
    });
    let daemon_json_path = root.join("etc/docker/daemon.json");
    let daemon_json =
        read_local(&daemon_json_path).map(|t| parse_daemon_json("/etc/docker/daemon.json", &t));
    let caller = caller.map(|mut c| {
        if c.user.is_none() {
            c.user = users
                .iter()
                .find(|(_, uid, _)| *uid == c.uid)
                .map(|(n, _, _)| n.clone());
        }
        c
    });
    HostFacts {
        docker_group,
        socket,
        daemon_json,
        caller,
    }
}

/// Reads the settings rules use from a `daemon.json` text.
pub fn parse_daemon_json(path: &str, text: &str) -> DaemonJson {
    let mut d = DaemonJson {
        path: path.to_string(),
        ..DaemonJson::default()
    };
    let v: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            d.error = Some(format!("not valid JSON: {e}"));
            return d;
        }
    };
    let Value::Object(o) = v else {
        d.error = Some("not a JSON object".to_string());
        return d;
    };
    let strings = |k: &str| -> Vec<String> {
        match o.get(k) {
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    let boolean = |k: &str| o.get(k).and_then(Value::as_bool);
    let string = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_string);
    d.hosts = strings("hosts");
    d.tls = boolean("tls");
    d.tls_verify = boolean("tlsverify");
    d.icc = boolean("icc");
    d.live_restore = boolean("live-restore");
    d.userns_remap = string("userns-remap");
    d.no_new_privileges = boolean("no-new-privileges");
    d.insecure_registries = strings("insecure-registries");
    d.authorization_plugins = strings("authorization-plugins");
    d.seccomp_profile = string("seccomp-profile");
    d.selinux_enabled = boolean("selinux-enabled");
    d.settings = o
        .iter()
        .map(|(k, v)| {
            let mut text = v.to_string();
            if text.len() > 200 {
                let cut = (0..=200)
                    .rev()
                    .find(|i| text.is_char_boundary(*i))
                    .unwrap_or(0);
                text.truncate(cut);
                text.push('…');
            }
            (k.clone(), text)
        })
        .collect();
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::from_doc;
    use serde_json::json;

    #[test]
    fn daemon_facts_from_answers() {
        let info: SystemInfo = from_doc(
            json!({"Name": "vm", "ServerVersion": "20.10.24+dfsg1",
                "SecurityOptions": ["name=seccomp,profile=default", "name=userns"],
                "Plugins": {"Authorization": ["opa-docker-authz"]}, "LiveRestoreEnabled": false,
                "RegistryConfig": {"InsecureRegistryCIDRs": ["127.0.0.0/8"],
                    "IndexConfigs": {"docker.io": {"Name": "docker.io", "Secure": true},
                                     "reg.local:5000": {"Name": "reg.local:5000", "Secure": false}}},
                "Warnings": ["WARNING: bridge-nf-call-iptables is disabled"], "CgroupVersion": "2"}),
            "info",
        )
        .unwrap();
        let version: VersionInfo = from_doc(
            json!({"Version": "20.10.24+dfsg1", "ApiVersion": "1.41", "Os": "linux"}),
            "v",
        )
        .unwrap();
        let bridge: NetworkInspect = from_doc(
            json!({"Options": {"com.docker.network.bridge.enable_icc": "true"}}),
            "n",
        )
        .unwrap();
        let d = daemon_facts(Some(&info), Some(&version), Some(&bridge));
        assert!(d.info_known);
        assert_eq!(d.engine_version.as_deref(), Some("20.10.24+dfsg1"));
        assert_eq!(d.api_version.as_deref(), Some("1.41"));
        assert_eq!(
            d.security("seccomp").and_then(|s| s.get("profile")),
            Some("default")
        );
        assert!(d.userns_remap() && !d.rootless());
        assert_eq!(d.authorization_plugins, ["opa-docker-authz"]);
        assert_eq!(d.live_restore, Some(false));
        assert_eq!(d.insecure_registry_cidrs, ["127.0.0.0/8"]);
        assert_eq!(d.insecure_registries, ["reg.local:5000"]);
        assert_eq!(d.default_bridge_icc, Some(true));
        assert_eq!(d.cgroup_version.as_deref(), Some("2"));
        let none = daemon_facts(None, None, None);
        assert!(
            !none.info_known && none.live_restore.is_none() && none.default_bridge_icc.is_none()
        );
    }

    #[test]
    fn local_facts_from_files() {
        let root = std::env::temp_dir().join(format!("stockade-hostfacts-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("etc/docker")).unwrap();
        std::fs::write(
            root.join("etc/group"),
            "root:x:0:\n# comment\nbroken\ndocker:x:105:alice, bob\nusers:x:100:\n",
        )
        .unwrap();
        std::fs::write(
            root.join("etc/passwd"),
            "root:x:0:0:root:/root:/bin/sh\ncarol:x:1002:105::/home/carol:/bin/sh\nbad:x:nan:1\n",
        )
        .unwrap();
        std::fs::write(
            root.join("etc/docker/daemon.json"),
            r#"{"hosts": ["unix:///var/run/docker.sock", "tcp://0.0.0.0:2375"], "icc": false,
                "live-restore": true, "userns-remap": "default", "no-new-privileges": true,
                "insecure-registries": ["10.0.0.0/8"], "authorization-plugins": ["authz"],
                "seccomp-profile": "unconfined", "tls": false}"#,
        )
        .unwrap();
        let sock = root.join("sock");
        std::fs::write(&sock, "").unwrap();
        let h = local_host_facts(&root, Some(&sock), Some(CallerFacts { uid: 0, user: None }));
        let s = h.socket.as_ref().unwrap();
        assert_eq!(s.path, sock.display().to_string());
        // Written by this test's user: the owner is whoever runs the test.
        assert_eq!(s.uid, std::fs::metadata(&sock).unwrap().uid());
        let g = h.docker_group.as_ref().unwrap();
        if s.gid == 0 {
            assert_eq!(g.name, "docker");
            assert_eq!(g.gid, 105);
            assert_eq!(g.members, ["alice", "bob"]);
            assert_eq!(g.primary_members, ["carol"]);
        }
        let dj = h.daemon_json.as_ref().unwrap();
        assert!(dj.error.is_none());
        assert_eq!(dj.hosts.len(), 2);
        assert_eq!(dj.icc, Some(false));
        assert_eq!(dj.live_restore, Some(true));
        assert_eq!(dj.userns_remap.as_deref(), Some("default"));
        assert_eq!(dj.no_new_privileges, Some(true));
        assert_eq!(dj.insecure_registries, ["10.0.0.0/8"]);
        assert_eq!(dj.authorization_plugins, ["authz"]);
        assert_eq!(dj.seccomp_profile.as_deref(), Some("unconfined"));
        assert_eq!(dj.tls, Some(false));
        assert!(dj.settings.iter().any(|(k, v)| k == "icc" && v == "false"));
        assert_eq!(h.caller.as_ref().unwrap().user.as_deref(), Some("root"));
        // Missing files: unknown, not errors.
        let empty = local_host_facts(&root.join("nowhere"), None, None);
        assert!(
            empty.docker_group.is_none() && empty.daemon_json.is_none() && empty.socket.is_none()
        );
    }

    #[test]
    fn broken_daemon_json() {
        assert!(
            parse_daemon_json("d", "{")
                .error
                .unwrap()
                .contains("not valid JSON")
        );
        assert!(
            parse_daemon_json("d", "[]")
                .error
                .unwrap()
                .contains("not a JSON object")
        );
        let d = parse_daemon_json(
            "d",
            &format!(
                r#"{{"hosts": "tcp://1.2.3.4:2375", "icc": "no", "x": "{}"}}"#,
                "é".repeat(300)
            ),
        );
        assert_eq!(d.hosts, ["tcp://1.2.3.4:2375"]);
        assert_eq!(d.icc, None);
        let x = d.settings.iter().find(|(k, _)| k == "x").unwrap();
        assert!(x.1.ends_with('…'));
    }

    #[test]
    fn caller_from_proc() {
        let c = current_caller().unwrap();
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
        assert_eq!(line.split_whitespace().nth(2).unwrap(), c.uid.to_string());
    }
}
