//! `HostSpec`: a Docker daemon and, when stockade runs on the same machine,
//! the host around it. Filled from the Engine API (`/info`, `/version`,
//! `/networks/bridge`) and from local files (`/etc/group`, the socket,
//! `/etc/docker/daemon.json`).
//!
//! Facts that were not read are `None` or empty: rules must tell "off" from
//! "unknown" and stay quiet (or say so at a lower severity) when they
//! cannot know. Findings on a `HostSpec` have no span; rules set a
//! [`crate::Locator`] whose `detail` names the daemon or host setting.

/// How the client reached the daemon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// A unix socket on this machine.
    Unix,
    /// TCP; `tls` when the connection used TLS, `verify` when the server
    /// certificate was verified.
    Tcp { tls: bool, verify: bool },
    #[default]
    Unknown,
}

#[derive(Debug, Clone, Default)]
pub struct HostSpec {
    /// What findings are about, e.g. `docker daemon at unix:///var/run/docker.sock`.
    pub subject: String,
    /// The endpoint as the client reached it (`unix:///var/run/docker.sock`,
    /// `tcp://10.0.0.5:2376`).
    pub endpoint: String,
    pub transport: Transport,
    pub daemon: DaemonFacts,
    /// Read from this machine; only when the daemon is local (a unix socket).
    pub host: Option<HostFacts>,
}

/// What the daemon says about itself.
#[derive(Debug, Clone, Default)]
pub struct DaemonFacts {
    /// Whether `/info` was read; when false, the `/info` facts below are unknown.
    pub info_known: bool,
    /// The daemon's host name (`/info` Name).
    pub name: Option<String>,
    pub id: Option<String>,
    /// `/version` Version (`28.5.2`, `20.10.24+dfsg1`).
    pub engine_version: Option<String>,
    pub api_version: Option<String>,
    pub min_api_version: Option<String>,
    /// `/version` Os (`linux`, `windows`).
    pub os_type: Option<String>,
    /// `/info` OperatingSystem (`Debian GNU/Linux 12 (bookworm)`, `Docker Desktop`).
    pub operating_system: Option<String>,
    pub kernel_version: Option<String>,
    /// `/info` SecurityOptions, parsed (`name=seccomp,profile=default`).
    pub security_options: Vec<SecurityOption>,
    /// `/info` Plugins.Authorization.
    pub authorization_plugins: Vec<String>,
    pub live_restore: Option<bool>,
    /// `/info` RegistryConfig.InsecureRegistryCIDRs.
    pub insecure_registry_cidrs: Vec<String>,
    /// Registries of `/info` RegistryConfig.IndexConfigs marked `Secure: false`.
    pub insecure_registries: Vec<String>,
    /// `/info` Warnings, as the daemon wrote them.
    pub warnings: Vec<String>,
    /// `com.docker.network.bridge.enable_icc` of the default bridge network;
    /// `None` when the network could not be read (or there is none).
    pub default_bridge_icc: Option<bool>,
    /// `/info` CgroupVersion (`1`, `2`).
    pub cgroup_version: Option<String>,
    pub docker_root_dir: Option<String>,
    /// `/info` Driver (storage driver).
    pub storage_driver: Option<String>,
}

/// One entry of `/info` SecurityOptions: `name=seccomp,profile=default`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SecurityOption {
    pub name: String,
    /// The other `key=value` pairs, in order.
    pub options: Vec<(String, String)>,
}

impl SecurityOption {
    /// Parses `name=seccomp,profile=default` (and the pre-1.13 bare form `seccomp`).
    pub fn parse(s: &str) -> SecurityOption {
        let mut out = SecurityOption::default();
        for part in s.split(',') {
            let part = part.trim();
            match part.split_once('=') {
                Some(("name", v)) => out.name = v.trim().to_string(),
                Some((k, v)) => out
                    .options
                    .push((k.trim().to_string(), v.trim().to_string())),
                None if out.name.is_empty() && !part.is_empty() => out.name = part.to_string(),
                None => {}
            }
        }
        out
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

impl DaemonFacts {
    /// The security option named `name` (`seccomp`, `apparmor`, `selinux`,
    /// `userns`, `rootless`, `cgroupns`).
    pub fn security(&self, name: &str) -> Option<&SecurityOption> {
        self.security_options.iter().find(|o| o.name == name)
    }

    pub fn rootless(&self) -> bool {
        self.security("rootless").is_some()
    }

    pub fn userns_remap(&self) -> bool {
        self.security("userns").is_some()
    }
}

/// Facts read from the machine the daemon runs on.
#[derive(Debug, Clone, Default)]
pub struct HostFacts {
    /// The group that owns the socket, or `docker`; `None` when there is none.
    pub docker_group: Option<GroupFacts>,
    pub socket: Option<SocketFacts>,
    pub daemon_json: Option<DaemonJson>,
    pub caller: Option<CallerFacts>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupFacts {
    pub name: String,
    pub gid: u32,
    /// Members listed in `/etc/group`.
    pub members: Vec<String>,
    /// Users whose primary group it is (`/etc/passwd`).
    pub primary_members: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SocketFacts {
    pub path: String,
    pub uid: u32,
    pub gid: u32,
    pub owner: Option<String>,
    pub group: Option<String>,
    /// Permission bits (`0o660`).
    pub mode: u32,
}

/// `/etc/docker/daemon.json`, the settings rules read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DaemonJson {
    pub path: String,
    /// Why the file could not be read as a JSON object, when it could not.
    pub error: Option<String>,
    /// `hosts`: the addresses the daemon listens on.
    pub hosts: Vec<String>,
    pub tls: Option<bool>,
    pub tls_verify: Option<bool>,
    pub icc: Option<bool>,
    pub live_restore: Option<bool>,
    pub userns_remap: Option<String>,
    pub no_new_privileges: Option<bool>,
    pub insecure_registries: Vec<String>,
    pub authorization_plugins: Vec<String>,
    pub seccomp_profile: Option<String>,
    pub selinux_enabled: Option<bool>,
    /// Every top-level setting as `(key, compact JSON value)`, in file order
    /// where known, for reports.
    pub settings: Vec<(String, String)>,
}

/// Who runs stockade.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallerFacts {
    /// Effective user id.
    pub uid: u32,
    pub user: Option<String>,
}

impl CallerFacts {
    pub fn is_root(&self) -> bool {
        self.uid == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_security_options() {
        let o = SecurityOption::parse("name=seccomp,profile=default");
        assert_eq!(o.name, "seccomp");
        assert_eq!(o.get("profile"), Some("default"));
        assert_eq!(o.get("nope"), None);
        let o = SecurityOption::parse("apparmor");
        assert_eq!(o.name, "apparmor");
        assert!(o.options.is_empty());
        let o = SecurityOption::parse("name=userns");
        assert_eq!(o.name, "userns");
        let d = DaemonFacts {
            security_options: vec![
                SecurityOption::parse("name=rootless"),
                SecurityOption::parse("name=cgroupns"),
            ],
            ..DaemonFacts::default()
        };
        assert!(d.rootless() && !d.userns_remap());
        assert!(d.security("cgroupns").is_some());
        assert!(d.security("selinux").is_none());
    }

    #[test]
    fn caller_root() {
        assert!(CallerFacts { uid: 0, user: None }.is_root());
        assert!(
            !CallerFacts {
                uid: 1000,
                user: None
            }
            .is_root()
        );
    }
}
