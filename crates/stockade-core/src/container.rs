//! `ContainerSpec`: how one container will run, whatever wrote it down
//! (a Compose service, a `docker run` line, a live container's inspect
//! data, a create request at the guard). Shaped after the Engine API's
//! `Config` + `HostConfig`.
//!
//! Every field is `Option`/`Vec` of spanned values: "not written" and
//! "written as false" are different facts. Sources without text (live
//! containers) use [`Span::default`] and set a [`crate::Locator`] on the spec.

use crate::finding::Locator;
use crate::image_ref::ImageRef;
use crate::span::{Span, Spanned};
use crate::suppress::Suppressions;
use crate::value::Expanded;

/// Where a spec came from. Rules must not branch on this; it is for
/// messages and for reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpecSource {
    Compose,
    DockerRun,
    Engine,
    Guard,
}

#[derive(Debug, Clone)]
pub struct ContainerSpec {
    pub source: SpecSource,
    /// Service name, container name, or `docker run` image: what findings are about.
    pub subject: String,
    /// The most useful place for findings about something missing: the
    /// service key, the `docker run` line.
    pub anchor: Span,
    /// For specs without source text.
    pub locator: Option<Locator>,

    pub image: Option<Spanned<Expanded>>,
    /// Parsed when `image` resolved to a valid reference.
    pub image_ref: Option<ImageRef>,
    pub build: Option<BuildRef>,

    pub user: Option<Spanned<Expanded>>,
    pub group_add: Vec<Spanned<Expanded>>,
    pub privileged: Option<Spanned<bool>>,
    pub cap_add: Vec<Spanned<String>>,
    pub cap_drop: Vec<Spanned<String>>,
    /// Raw `security_opt` entries (`seccomp=unconfined`, `apparmor:unconfined`,
    /// `label=disable`, `no-new-privileges[:true]`, `systempaths=unconfined`).
    pub security_opt: Vec<Spanned<Expanded>>,

    pub network_mode: Option<Spanned<Expanded>>,
    pub pid_mode: Option<Spanned<Expanded>>,
    pub ipc_mode: Option<Spanned<Expanded>>,
    pub uts_mode: Option<Spanned<Expanded>>,
    pub userns_mode: Option<Spanned<Expanded>>,
    pub cgroupns_mode: Option<Spanned<Expanded>>,
    pub cgroup_parent: Option<Spanned<Expanded>>,

    pub devices: Vec<Spanned<DeviceMapping>>,
    pub device_cgroup_rules: Vec<Spanned<Expanded>>,
    pub read_only: Option<Spanned<bool>>,
    pub tmpfs: Vec<Spanned<Expanded>>,
    pub sysctls: Vec<(Spanned<String>, Spanned<Expanded>)>,
    pub masked_paths: Option<Spanned<Vec<String>>>,
    pub readonly_paths: Option<Spanned<Vec<String>>>,
    pub volumes_from: Vec<Spanned<Expanded>>,

    pub mounts: Vec<Mount>,
    pub ports: Vec<PortBinding>,
    /// `-P` / `PublishAllPorts`.
    pub publish_all: Option<Spanned<bool>>,
    /// `expose:` / `--expose` / image `ExposedPorts` (container side only).
    pub expose: Vec<Spanned<Expanded>>,

    pub env: Vec<EnvVar>,
    pub env_files: Vec<Spanned<Expanded>>,
    pub labels: Vec<(Spanned<String>, Spanned<Expanded>)>,
    pub command: Option<Spanned<Vec<Expanded>>>,
    pub entrypoint: Option<Spanned<Vec<Expanded>>>,

    pub resources: Resources,
    pub healthcheck: Option<Spanned<Healthcheck>>,
    pub restart: Option<Spanned<Expanded>>,

    /// Inline suppressions that apply to this spec's source file(s).
    pub suppressions: Suppressions,

    /// Typed settings (booleans such as `privileged`, device lists, …) that
    /// were written with variables that could not be resolved: the setting's
    /// name (e.g. `privileged`) with the span of the written value. The
    /// setting's own field is left unset. Limits use `resources.unresolved`,
    /// ports `PortBinding::unresolved`.
    pub unresolved: Vec<Spanned<String>>,
    /// Compose `profiles` the service belongs to (it is judged either way).
    pub profiles: Vec<Spanned<String>>,
    /// The daemon a `docker`/`podman` command line talks to: `-H`/`--host`
    /// (or `--url` for podman), or a `DOCKER_HOST` assignment in the script.
    pub docker_host: Option<Spanned<Expanded>>,
}

impl ContainerSpec {
    /// Neither an image nor a build: the spec cannot run by itself. In
    /// Compose this is an override fragment (`docker-compose.prod.yml`
    /// holding only what differs); the settings it leaves out come from
    /// the file it overrides, so nothing can be said about what is missing.
    /// (The daemon refuses such a container, so no other source makes one
    /// that runs.)
    pub fn is_fragment(&self) -> bool {
        self.image.is_none() && self.build.is_none()
    }

    /// An empty spec: nothing written yet.
    pub fn new(source: SpecSource, subject: impl Into<String>, anchor: Span) -> Self {
        ContainerSpec {
            source,
            subject: subject.into(),
            anchor,
            locator: None,
            image: None,
            image_ref: None,
            build: None,
            user: None,
            group_add: Vec::new(),
            privileged: None,
            cap_add: Vec::new(),
            cap_drop: Vec::new(),
            security_opt: Vec::new(),
            network_mode: None,
            pid_mode: None,
            ipc_mode: None,
            uts_mode: None,
            userns_mode: None,
            cgroupns_mode: None,
            cgroup_parent: None,
            devices: Vec::new(),
            device_cgroup_rules: Vec::new(),
            read_only: None,
            tmpfs: Vec::new(),
            sysctls: Vec::new(),
            masked_paths: None,
            readonly_paths: None,
            volumes_from: Vec::new(),
            mounts: Vec::new(),
            ports: Vec::new(),
            publish_all: None,
            expose: Vec::new(),
            env: Vec::new(),
            env_files: Vec::new(),
            labels: Vec::new(),
            command: None,
            entrypoint: None,
            resources: Resources::default(),
            healthcheck: None,
            restart: None,
            suppressions: Suppressions::default(),
            unresolved: Vec::new(),
            profiles: Vec::new(),
            docker_host: None,
        }
    }

    pub fn env_var(&self, name: &str) -> Option<&EnvVar> {
        self.env.iter().rev().find(|e| e.name.value == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildRef {
    pub context: Option<Spanned<Expanded>>,
    pub dockerfile: Option<Spanned<Expanded>>,
    pub args: Vec<(Spanned<String>, Option<Spanned<Expanded>>)>,
    pub target: Option<Spanned<Expanded>>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MountKind {
    Bind,
    Volume,
    Tmpfs,
    Npipe,
    Image,
    Cluster,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub kind: MountKind,
    /// Host path (bind), volume name (volume; `None` for anonymous), or nothing.
    pub source: Option<Expanded>,
    pub target: Expanded,
    pub read_only: bool,
    /// `rshared`, `shared`, `rslave`, …
    pub propagation: Option<String>,
    /// For volumes whose driver options bind a host path (`o: bind`,
    /// `device: /path`): that host path.
    pub volume_host_path: Option<Expanded>,
    /// Where the volume definition with those options was written.
    pub volume_def_span: Option<Span>,
    /// SELinux relabel option `z`/`Z` when given.
    pub selinux_label: Option<String>,
    /// The whole mount entry (the `- a:b` line, the `-v a:b` flag).
    pub span: Span,
}

impl Mount {
    /// The host path this mount exposes, if it is a bind or a volume that binds one.
    pub fn host_path(&self) -> Option<&Expanded> {
        match self.kind {
            MountKind::Bind => self.source.as_ref(),
            MountKind::Volume => self.volume_host_path.as_ref(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortBinding {
    /// Host IP; `None` means all interfaces.
    pub host_ip: Option<String>,
    /// Host port range `(start, end)`; `None` means an ephemeral port.
    pub host_port: Option<(u16, u16)>,
    /// Container port range `(start, end)`.
    pub container_port: (u16, u16),
    /// `tcp`, `udp`, `sctp`.
    pub protocol: String,
    /// Set when a part of the binding could not be resolved (`${PORT}`).
    pub unresolved: Option<String>,
    pub span: Span,
}

impl PortBinding {
    /// Published on every interface (no host IP, `0.0.0.0` or `::`).
    pub fn on_all_interfaces(&self) -> bool {
        match self.host_ip.as_deref() {
            None | Some("") | Some("0.0.0.0") | Some("::") | Some("[::]") => true,
            Some(_) => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceMapping {
    pub host: String,
    pub container: String,
    pub permissions: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvVar {
    pub name: Spanned<String>,
    /// `None`: passed through from the environment without a value.
    pub value: Option<Spanned<Expanded>>,
    pub span: Span,
}

/// Resource limits, from whatever spelling set them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resources {
    /// Bytes.
    pub memory: Option<Spanned<i64>>,
    pub memory_swap: Option<Spanned<i64>>,
    pub memory_reservation: Option<Spanned<i64>>,
    /// CPUs in billionths (`--cpus 1.5` = 1_500_000_000).
    pub nano_cpus: Option<Spanned<i64>>,
    pub cpu_quota: Option<Spanned<i64>>,
    pub cpu_period: Option<Spanned<i64>>,
    pub cpu_shares: Option<Spanned<i64>>,
    pub cpuset_cpus: Option<Spanned<String>>,
    pub pids_limit: Option<Spanned<i64>>,
    /// Set when a limit was written but could not be resolved (`${MEM}`).
    pub unresolved: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Healthcheck {
    pub disabled: bool,
    pub test: Vec<String>,
}
