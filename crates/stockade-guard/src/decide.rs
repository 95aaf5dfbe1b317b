//! The decision for one request that passed canonicalisation, routing and
//! the profile's route list: judge what it would make the daemon do.
//!
//! Container configurations are judged by the same container rules
//! `stockade scan` runs (`stockade_rules::check_container`), on specs built
//! by `stockade_engine` from create bodies and from inspect documents, after
//! resolving what the body only points at: named volumes (their bind
//! options), `VolumesFrom` sources, `container:` namespace modes, host
//! symlinks, and the guard's own sockets. A finding at or above the
//! profile's threshold refuses the request.
//!
//! Requests that target an existing container (start, exec, attach with
//! stdin, update, copy into) judge that container as it is now (inspect)
//! and are forwarded with the container's full id, so the object judged is
//! the object acted on.

use crate::canon::{Query, encode_path_into};
use crate::profile::{Profile, normalize_image};
use crate::routes::Matched;
use bytes::Bytes;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};
use stockade_core::{
    ContainerSpec, Expanded, Finding, Mount, MountKind, Span, SpecSource, user_is_root,
};
use stockade_engine::strict::{self, field, field_bool, field_str};
use stockade_engine::{
    VolumeInfo, apply_volume_info, create_unknown_fields, parse_create_strict, spec_from_create,
    spec_from_inspect,
};
use stockade_rules::Ctx;

/// Guard-specific rule ids (container findings use the catalog's `SKD` ids).
pub mod ids {
    /// Non-canonical request target.
    pub const TARGET: &str = "SKG001";
    /// No daemon route matches.
    pub const UNKNOWN_ROUTE: &str = "SKG002";
    /// The profile does not allow the route.
    pub const NOT_ALLOWED: &str = "SKG003";
    /// Ambiguous query (repeated key).
    pub const QUERY: &str = "SKG004";
    /// Ambiguous framing or media type.
    pub const FRAMING: &str = "SKG005";
    /// Body larger than the limit.
    pub const TOO_LARGE: &str = "SKG006";
    /// Body not strict JSON.
    pub const BODY: &str = "SKG007";
    /// Upgrade where none is allowed, or a hijack without one.
    pub const UPGRADE: &str = "SKG008";
    /// API version below the supported minimum.
    pub const VERSION: &str = "SKG009";
    /// Build parameters.
    pub const BUILD: &str = "SKG010";
    /// Image provenance (import, registries, tag overwrite).
    pub const IMAGE: &str = "SKG011";
    /// Exec escalation.
    pub const EXEC: &str = "SKG012";
    /// Network drivers and attachments.
    pub const NETWORK: &str = "SKG013";
    /// Volume drivers and options.
    pub const VOLUME: &str = "SKG014";
    /// Joining or touching a container the policy refuses.
    pub const TARGET_CONTAINER: &str = "SKG015";
    /// Endpoint the guard cannot judge.
    pub const UNJUDGED: &str = "SKG016";
    /// Copy into a container with a writable host mount.
    pub const ARCHIVE: &str = "SKG017";
    /// Container runtime or device requests outside the model.
    pub const RUNTIME: &str = "SKG018";
    /// The daemon could not be asked (fail closed).
    pub const UPSTREAM: &str = "SKG019";
    /// The audit log could not be written (fail closed).
    pub const AUDIT: &str = "SKG020";
}

/// Oldest API version the guard lets through: older versions apply a
/// `HostConfig` given to `start` and other legacy semantics.
pub const MIN_API_MINOR: u16 = 24;

/// A refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    pub rule: String,
    pub message: String,
    /// A daemon reply passed back as is (an error from a lookup).
    pub raw: Option<(u16, Bytes)>,
}

impl Refusal {
    pub fn new(rule: &str, message: impl Into<String>) -> Refusal {
        Refusal {
            status: 403,
            rule: rule.to_string(),
            message: message.into(),
            raw: None,
        }
    }

    /// The daemon's own error reply, passed back.
    pub fn upstream(status: u16, body: Bytes, what: &str) -> Refusal {
        let message = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&body).into_owned());
        Refusal {
            status,
            rule: ids::UPSTREAM.to_string(),
            message: format!("{what}: the daemon answered {status}: {message}"),
            raw: Some((status, body)),
        }
    }

    /// The Docker-style error body.
    pub fn body(&self) -> Bytes {
        match &self.raw {
            Some((_, b)) => b.clone(),
            None => {
                let msg = format!("stockade guard: {}: {}", self.rule, self.message);
                Bytes::from(json!({ "message": msg }).to_string())
            }
        }
    }

    pub fn http_status(&self) -> u16 {
        self.raw.as_ref().map_or(self.status, |(s, _)| *s)
    }
}

/// An allowed request, with what to forward.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allow {
    /// Forward to this daemon path (version prefix and query added by the
    /// proxy) instead of the request's: the container's resolved full id.
    pub path: Option<String>,
    /// Rule ids found below the threshold (for the audit log).
    pub rules: Vec<String>,
}

pub type Verdict = Result<Allow, Refusal>;

/// A lookup answer from the daemon.
#[derive(Debug, Clone)]
pub enum Found {
    Yes(Value),
    /// Not found: the daemon's reply (status, body).
    No(u16, Bytes),
}

/// Read-only lookups against the daemon (inspect a container, volume,
/// network, image or exec).
pub trait Lookup: Sync {
    /// `GET path`; 200 parses as JSON, 404 is `Found::No`, any other answer
    /// is an error reply to pass back.
    fn get(&self, path: &str) -> impl std::future::Future<Output = Result<Found, Refusal>> + Send;
}

/// What the judge needs of a request.
pub struct Req<'a> {
    pub matched: &'a Matched,
    pub query: &'a Query,
    /// The buffered body of a route the guard judges.
    pub body: Option<&'a [u8]>,
    /// The request asks for a connection upgrade.
    pub upgrade: bool,
}

impl Req<'_> {
    fn var(&self) -> &str {
        self.matched.var.as_deref().unwrap_or("")
    }
    fn body_or_empty(&self) -> &[u8] {
        self.body.unwrap_or(b"")
    }
}

/// Routes whose body the guard reads (they are buffered up to the limit).
pub fn judges_body(route: &str) -> bool {
    matches!(
        route,
        "containers.create"
            | "containers.exec"
            | "exec.start"
            | "containers.update"
            | "containers.start"
            | "containers.restart"
            | "volumes.create"
            | "networks.create"
            | "networks.connect"
    )
}

/// Routes whose body must be JSON when present.
pub fn json_body(route: &str) -> bool {
    judges_body(route)
        || matches!(
            route,
            "system.auth"
                | "services.create"
                | "services.update"
                | "swarm.init"
                | "swarm.join"
                | "swarm.update"
                | "swarm.unlock"
                | "nodes.update"
                | "secrets.create"
                | "secrets.update"
                | "configs.create"
                | "configs.update"
                | "plugins.pull"
                | "plugins.upgrade"
                | "plugins.set"
                | "plugins.enable"
                | "containers.kill"
                | "containers.wait"
                | "images.push"
                | "images.tag"
                | "exec.resize"
                | "containers.resize"
                | "containers.rename"
                | "containers.stop"
                | "containers.commit"
        )
}

fn path_seg(s: &str) -> String {
    let mut out = String::new();
    encode_path_into(s, &mut out);
    out
}

/// The judge for one listener's profile.
pub struct Judge<'a, L: Lookup> {
    pub profile: &'a Profile,
    pub lookup: &'a L,
    pub ctx: &'a Ctx,
    /// Host paths that must never be mounted: the guard's upstream socket
    /// and its own listener sockets.
    pub protected: &'a [String],
}

/// A container looked up and judged.
struct Judged {
    id: String,
    spec: ContainerSpec,
    below: Vec<String>,
}

impl<L: Lookup> Judge<'_, L> {
    pub async fn judge(&self, req: &Req<'_>) -> Verdict {
        match req.matched.name() {
            "containers.create" => self.create(req).await,
            "containers.start" | "containers.restart" => self.start(req).await,
            "containers.exec" => self.exec_create(req).await,
            "exec.start" => self.exec_start(req).await,
            "containers.attach" | "containers.attach.ws" => self.attach(req).await,
            "containers.update" => self.update(req).await,
            "containers.archive.put" => self.archive_put(req).await,
            "images.create" => self.image_create(req).await,
            "images.tag" => self.image_tag(req).await,
            "containers.commit" => self.commit(req).await,
            "build.build" => self.build(req).await,
            "volumes.create" => self.volume_create(req).await,
            "networks.create" => self.network_create(req),
            "networks.connect" => self.network_connect(req).await,
            "services.create" | "services.update" => Err(Refusal::new(
                ids::UNJUDGED,
                "swarm service specs are not judged by this guard; service create and update are refused",
            )),
            "build.session" | "build.grpc" if !self.profile.buildkit => Err(Refusal::new(
                ids::BUILD,
                "BuildKit sessions run build steps the guard cannot see; the profile does not allow BuildKit",
            )),
            _ => Ok(Allow::default()),
        }
    }

    // ---- findings ----------------------------------------------------------

    /// Runs the container rules; refuses on the worst finding at or above
    /// the threshold. Returns the ids of the findings below it.
    fn check(&self, spec: &ContainerSpec, what: &str) -> Result<Vec<String>, Refusal> {
        let findings = stockade_rules::check_container(spec, self.ctx, &self.profile.policy);
        let mut blocking: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.severity >= self.profile.threshold)
            .collect();
        blocking.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(b.rule)));
        if let Some(worst) = blocking.first() {
            let mut msg = format!(
                "{what}: {} ({}): {}",
                worst.title, worst.severity, worst.message
            );
            {
                let mut others: Vec<&str> = blocking[1..]
                    .iter()
                    .map(|f| f.rule)
                    .filter(|r| *r != worst.rule)
                    .collect();
                others.sort_unstable();
                others.dedup();
                if !others.is_empty() {
                    msg.push_str(&format!(" (also {})", others.join(", ")));
                }
            }
            return Err(Refusal::new(worst.rule, msg));
        }
        for m in &spec.mounts {
            let Some(src) = m.host_path().and_then(|p| p.known()) else {
                continue;
            };
            if let Some(p) = self.protected.iter().find(|p| covers(src, p)) {
                return Err(Refusal::new(
                    "SKD201",
                    format!(
                        "{what}: mounts `{src}`, which exposes the guard's socket `{p}`: a container with it can do anything the daemon allows"
                    ),
                ));
            }
        }
        let mut below: Vec<String> = findings.iter().map(|f| f.rule.to_string()).collect();
        below.dedup();
        Ok(below)
    }

    // ---- lookups -----------------------------------------------------------

    async fn container(&self, name: &str) -> Result<Value, Refusal> {
        match self
            .lookup
            .get(&format!("/containers/{}/json", path_seg(name)))
            .await?
        {
            Found::Yes(v) => Ok(v),
            Found::No(s, b) => Err(Refusal::upstream(s, b, &format!("container `{name}`"))),
        }
    }

    /// Looks a container up, resolves its effective configuration and judges it.
    async fn judged_container(&self, name: &str, what: &str) -> Result<Judged, Refusal> {
        let doc = self.container(name).await?;
        let id = doc
            .get("Id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Refusal::new(
                ids::UPSTREAM,
                format!("container `{name}`: the daemon's answer has no valid id"),
            ));
        }
        let mut spec = spec_from_inspect(&doc)
            .map_err(|e| Refusal::new(ids::UPSTREAM, format!("container `{name}`: {e}")))?;
        self.resolve(&mut spec, 0).await?;
        let below = self.check(&spec, what)?;
        Ok(Judged { id, spec, below })
    }

    /// Fills in what a spec only points at: named volumes' bind options,
    /// `VolumesFrom` mounts, `container:` namespace modes, host symlinks;
    /// refuses mounts of the guard's own sockets.
    fn resolve<'s>(
        &'s self,
        spec: &'s mut ContainerSpec,
        depth: u32,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Refusal>> + Send + 's>> {
        Box::pin(async move {
            if depth > 3 {
                return Err(Refusal::new(
                    ids::TARGET_CONTAINER,
                    "namespace or volume sharing nested too deep to judge",
                ));
            }
            // VolumesFrom: the source's mounts become ours.
            let sources: Vec<String> = spec
                .volumes_from
                .iter()
                .map(|v| v.value.display().to_string())
                .collect();
            for src in sources {
                let (name, mode) = match src.rsplit_once(':') {
                    Some((n, m)) if m == "ro" || m == "rw" => (n.to_string(), m.to_string()),
                    _ => (src.clone(), String::new()),
                };
                let doc = self.container(&name).await?;
                let mut other = spec_from_inspect(&doc).map_err(|e| {
                    Refusal::new(ids::UPSTREAM, format!("volumes-from `{name}`: {e}"))
                })?;
                self.volumes(&mut other).await?;
                for mut m in other.mounts {
                    if mode == "ro" {
                        m.read_only = true;
                    }
                    spec.mounts.push(m);
                }
            }
            self.volumes(spec).await?;
            // `container:` namespace modes take the target's mode.
            for which in ["network", "pid", "ipc"] {
                let mode = match which {
                    "network" => &spec.network_mode,
                    "pid" => &spec.pid_mode,
                    _ => &spec.ipc_mode,
                };
                let Some(target) = mode.as_ref().and_then(|m| {
                    m.value
                        .display()
                        .strip_prefix("container:")
                        .map(str::to_string)
                }) else {
                    continue;
                };
                let doc = self.container(&target).await?;
                let mut other = spec_from_inspect(&doc).map_err(|e| {
                    Refusal::new(ids::UPSTREAM, format!("container `{target}`: {e}"))
                })?;
                self.resolve(&mut other, depth + 1).await?;
                let what = format!("joins the {which} namespace of container `{target}`");
                self.check(&other, &what).map_err(|mut r| {
                    r.rule = format!("{}/{}", ids::TARGET_CONTAINER, r.rule);
                    r
                })?;
                let theirs = match which {
                    "network" => &other.network_mode,
                    "pid" => &other.pid_mode,
                    _ => &other.ipc_mode,
                };
                if theirs.as_ref().is_some_and(|m| m.value.display() == "host") {
                    let host = Some(stockade_core::Spanned::new(
                        Expanded::literal("host"),
                        Span::default(),
                    ));
                    match which {
                        "network" => spec.network_mode = host,
                        "pid" => spec.pid_mode = host,
                        _ => spec.ipc_mode = host,
                    }
                }
            }
            // Host symlinks: judge the path the daemon will really bind too.
            let mut extra = Vec::new();
            for m in &spec.mounts {
                let Some(src) = m.host_path().and_then(|p| p.known()) else {
                    continue;
                };
                if let Ok(real) = std::fs::canonicalize(src) {
                    let real = real.to_string_lossy().into_owned();
                    if real != src.trim_end_matches('/') && !real.is_empty() {
                        let mut copy = m.clone();
                        copy.kind = MountKind::Bind;
                        copy.source = Some(Expanded::literal(real));
                        extra.push(copy);
                    }
                }
            }
            spec.mounts.extend(extra);
            Ok(())
        })
    }

    /// Named volumes' bind options.
    async fn volumes(&self, spec: &mut ContainerSpec) -> Result<(), Refusal> {
        let mut infos = HashMap::new();
        for m in &spec.mounts {
            if m.kind != MountKind::Volume || m.volume_host_path.is_some() {
                continue;
            }
            let Some(name) = m.source.as_ref().and_then(|s| s.known()) else {
                continue;
            };
            if infos.contains_key(name) {
                continue;
            }
            match self
                .lookup
                .get(&format!("/volumes/{}", path_seg(name)))
                .await?
            {
                Found::Yes(v) => {
                    let info = VolumeInfo::from_json(&v).map_err(|e| {
                        Refusal::new(ids::UPSTREAM, format!("volume `{name}`: {e}"))
                    })?;
                    if !(info.driver.is_empty() || info.driver == "local") {
                        return Err(Refusal::new(
                            ids::VOLUME,
                            format!(
                                "volume `{name}` uses the driver `{}`: volume plugins are not judged",
                                info.driver
                            ),
                        ));
                    }
                    local_volume_options(&format!("volume `{name}`"), &info.options)?;
                    infos.insert(name.to_string(), info);
                }
                // Created by the daemon on first use, with no options.
                Found::No(..) => {}
            }
        }
        apply_volume_info(spec, &infos);
        Ok(())
    }

    // ---- containers --------------------------------------------------------

    async fn create(&self, req: &Req<'_>) -> Verdict {
        let body = req.body_or_empty();
        let v = parse_create_strict(body).map_err(|e| Refusal::new(ids::BODY, e))?;
        let unknown = create_unknown_fields(&v);
        if !unknown.is_empty() {
            return Err(Refusal::new(
                ids::BODY,
                format!(
                    "unknown field(s) {}: the guard does not judge what it does not know",
                    unknown
                        .iter()
                        .take(5)
                        .map(|u| format!("`{u}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
        let name = req.query.get("name");
        let mut spec = spec_from_create(&v, name).map_err(|e| Refusal::new(ids::BODY, e))?;
        let host = host_config(&v);
        self.outside_model(host, "create")?;
        self.create_networks(&v, host).await?;
        // `Cgroup: container:<id>` joins another container's cgroup.
        if let Some(cg) = host
            .and_then(|h| field_str(h, "Cgroup"))
            .filter(|s| !s.is_empty())
        {
            let Some(target) = cg.strip_prefix("container:") else {
                return Err(Refusal::new(
                    ids::RUNTIME,
                    format!("unsupported `Cgroup` value `{cg}`"),
                ));
            };
            let j = self
                .judged_container(target, &format!("joins the cgroup of container `{target}`"))
                .await?;
            drop(j);
        }
        self.resolve(&mut spec, 0).await?;
        let what = format!("container create `{}`", spec.subject);
        let rules = self.check(&spec, &what)?;
        Ok(Allow { path: None, rules })
    }

    /// Settings the container model does not carry: runtimes and device
    /// requests.
    fn outside_model(&self, host: Option<&Map<String, Value>>, what: &str) -> Result<(), Refusal> {
        let Some(h) = host else { return Ok(()) };
        if let Some(rt) = field_str(h, "Runtime").filter(|s| !s.is_empty())
            && !matches!(
                rt,
                "runc" | "io.containerd.runc.v2" | "io.containerd.runtime.v1.linux"
            )
        {
            return Err(Refusal::new(
                ids::RUNTIME,
                format!("{what}: runtime `{rt}` is not allowed (only runc)"),
            ));
        }
        if let Some(Value::Array(a)) = field(h, "DeviceRequests")
            && !a.is_empty()
        {
            return Err(Refusal::new(
                "SKD206",
                format!(
                    "{what}: device requests (GPUs and other devices) give host hardware to the container"
                ),
            ));
        }
        if let Some(d) = field_str(h, "VolumeDriver").filter(|d| !d.is_empty() && *d != "local") {
            return Err(Refusal::new(
                ids::VOLUME,
                format!("{what}: volume driver `{d}`: volume plugins are not judged"),
            ));
        }
        if let Some(Value::Array(mounts)) = field(h, "Mounts") {
            for m in mounts.iter().filter_map(Value::as_object) {
                let Some(Value::Object(vo)) = field(m, "VolumeOptions") else {
                    continue;
                };
                let Some(Value::Object(dc)) = field(vo, "DriverConfig") else {
                    continue;
                };
                let driver = field_str(dc, "Name").unwrap_or("");
                if !matches!(driver, "" | "local") {
                    return Err(Refusal::new(
                        ids::VOLUME,
                        format!("{what}: volume driver `{driver}`: volume plugins are not judged"),
                    ));
                }
                if let Some(Value::Object(opts)) = field(dc, "Options") {
                    let opts = string_map(opts)
                        .ok_or_else(|| Refusal::new(ids::BODY, "driver options must be strings"))?;
                    local_volume_options(&format!("{what}: inline volume"), &opts)?;
                }
            }
        }
        Ok(())
    }

    /// Networks a create body attaches to (`NetworkMode` naming a network,
    /// `NetworkingConfig.EndpointsConfig`): the same drivers as
    /// `networks.connect`.
    async fn create_networks(
        &self,
        v: &Value,
        host: Option<&Map<String, Value>>,
    ) -> Result<(), Refusal> {
        let mut names: Vec<String> = Vec::new();
        if let Some(mode) = host.and_then(|h| field_str(h, "NetworkMode"))
            && !matches!(mode, "" | "default" | "bridge" | "none" | "host")
            && !mode.starts_with("container:")
        {
            names.push(mode.to_string());
        }
        if let Some(Value::Object(nc)) = v.as_object().and_then(|o| field(o, "NetworkingConfig"))
            && let Some(Value::Object(eps)) = field(nc, "EndpointsConfig")
        {
            names.extend(
                eps.keys()
                    .filter(|k| !matches!(k.as_str(), "default" | "bridge" | "none"))
                    .cloned(),
            );
        }
        names.sort();
        names.dedup();
        for n in names.iter().take(16) {
            self.network_allowed(n, "create attaching to").await?;
        }
        if names.len() > 16 {
            return Err(Refusal::new(
                ids::NETWORK,
                "more than 16 networks at create",
            ));
        }
        Ok(())
    }

    /// Refuses networks whose driver puts containers on the host's network.
    async fn network_allowed(&self, net: &str, what: &str) -> Result<(), Refusal> {
        if net == "host" {
            return Err(Refusal::new(
                ids::NETWORK,
                format!("{what} the host network"),
            ));
        }
        let doc = match self
            .lookup
            .get(&format!("/networks/{}", path_seg(net)))
            .await?
        {
            Found::Yes(v) => v,
            // The daemon will refuse an unknown network itself.
            Found::No(..) => return Ok(()),
        };
        let driver = doc.get("Driver").and_then(Value::as_str).unwrap_or("");
        let name = doc.get("Name").and_then(Value::as_str).unwrap_or(net);
        if !matches!(driver, "bridge" | "overlay") {
            return Err(Refusal::new(
                ids::NETWORK,
                format!(
                    "{what} network `{name}` (driver `{driver}`): only bridge and overlay networks"
                ),
            ));
        }
        Ok(())
    }

    async fn start(&self, req: &Req<'_>) -> Verdict {
        let body = req.body_or_empty();
        let trimmed = std::str::from_utf8(body).unwrap_or("x").trim();
        if !matches!(trimmed, "" | "{}" | "null") {
            return Err(Refusal::new(
                ids::FRAMING,
                "a start request carries a body (old API versions apply it as the container's HostConfig)",
            ));
        }
        let name = req.var();
        let verb = if req.matched.name() == "containers.start" {
            "start"
        } else {
            "restart"
        };
        let j = self
            .judged_container(name, &format!("{verb} of container `{name}`"))
            .await?;
        Ok(Allow {
            path: Some(format!("/containers/{}/{verb}", j.id)),
            rules: j.below,
        })
    }

    async fn exec_create(&self, req: &Req<'_>) -> Verdict {
        let v = strict::parse_strict(req.body_or_empty(), &strict::EXEC_CREATE)
            .map_err(|e| Refusal::new(ids::BODY, format!("exec body: {e}")))?;
        let o = v.as_object().cloned().unwrap_or_default();
        let name = req.var();
        let j = self
            .judged_container(name, &format!("exec into container `{name}`"))
            .await
            .map_err(as_target)?;
        self.exec_rules(
            name,
            field_bool(&o, "Privileged"),
            field_str(&o, "User").unwrap_or(""),
            &j.spec,
        )?;
        Ok(Allow {
            path: Some(format!("/containers/{}/exec", j.id)),
            rules: j.below,
        })
    }

    fn exec_rules(
        &self,
        name: &str,
        privileged: bool,
        user: &str,
        spec: &ContainerSpec,
    ) -> Result<(), Refusal> {
        if privileged {
            return Err(Refusal::new(
                "SKD205",
                format!(
                    "privileged exec into container `{name}`: the process gets every capability and device"
                ),
            ));
        }
        let runs_as = spec
            .user
            .as_ref()
            .map(|u| u.value.display().to_string())
            .unwrap_or_default();
        let container_root = runs_as.is_empty() || user_is_root(&runs_as);
        if !user.is_empty() && user_is_root(user) && !container_root {
            return Err(Refusal::new(
                ids::EXEC,
                format!(
                    "exec as `{user}` into container `{name}`, which runs as `{runs_as}`: the exec would run as root"
                ),
            ));
        }
        Ok(())
    }

    async fn exec_start(&self, req: &Req<'_>) -> Verdict {
        let body = req.body_or_empty();
        let detach = if body.iter().all(u8::is_ascii_whitespace) {
            false
        } else {
            let v = strict::parse_strict(body, &strict::EXEC_START)
                .map_err(|e| Refusal::new(ids::BODY, format!("exec start body: {e}")))?;
            v.as_object().is_some_and(|o| field_bool(o, "Detach"))
        };
        if !detach && !req.upgrade {
            return Err(Refusal::new(
                ids::UPGRADE,
                "an attached exec start without `Upgrade: tcp` would hijack the connection without an upgrade",
            ));
        }
        let id = req.var();
        let doc = match self
            .lookup
            .get(&format!("/exec/{}/json", path_seg(id)))
            .await?
        {
            Found::Yes(v) => v,
            Found::No(s, b) => return Err(Refusal::upstream(s, b, &format!("exec `{id}`"))),
        };
        let full = doc.get("ID").and_then(Value::as_str).unwrap_or("");
        let container = doc.get("ContainerID").and_then(Value::as_str).unwrap_or("");
        if full.is_empty() || !full.bytes().all(|b| b.is_ascii_hexdigit()) || container.is_empty() {
            return Err(Refusal::new(
                ids::UPSTREAM,
                format!("exec `{id}`: the daemon's answer has no valid id"),
            ));
        }
        let pc = doc.get("ProcessConfig").and_then(Value::as_object);
        let privileged = pc
            .and_then(|p| p.get("privileged"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let user = pc
            .and_then(|p| p.get("user"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let j = self
            .judged_container(container, &format!("exec into container `{container}`"))
            .await
            .map_err(as_target)?;
        self.exec_rules(container, privileged, user, &j.spec)?;
        Ok(Allow {
            path: Some(format!("/exec/{full}/start")),
            rules: j.below,
        })
    }

    async fn attach(&self, req: &Req<'_>) -> Verdict {
        if !req.upgrade {
            return Err(Refusal::new(
                ids::UPGRADE,
                "attach without an `Upgrade` header would hijack the connection without an upgrade",
            ));
        }
        if !req.query.bool("stdin") {
            return Ok(Allow::default());
        }
        let name = req.var();
        let j = self
            .judged_container(name, &format!("attach with stdin to container `{name}`"))
            .await
            .map_err(as_target)?;
        let tail = if req.matched.name() == "containers.attach" {
            "attach"
        } else {
            "attach/ws"
        };
        Ok(Allow {
            path: Some(format!("/containers/{}/{tail}", j.id)),
            rules: j.below,
        })
    }

    async fn update(&self, req: &Req<'_>) -> Verdict {
        let v = strict::parse_strict(req.body_or_empty(), &strict::UPDATE)
            .map_err(|e| Refusal::new(ids::BODY, format!("update body: {e}")))?;
        let upd = v.as_object().cloned().unwrap_or_default();
        for dev in ["Devices", "DeviceRequests", "DeviceCgroupRules"] {
            if matches!(field(&upd, dev), Some(Value::Array(a)) if !a.is_empty()) {
                return Err(Refusal::new(
                    "SKD206",
                    format!("update sets `{dev}`: devices are set at create time and judged there"),
                ));
            }
        }
        if field_str(&upd, "CgroupParent").is_some_and(|s| !s.is_empty()) {
            return Err(Refusal::new(ids::RUNTIME, "update sets `CgroupParent`"));
        }
        let name = req.var();
        let mut doc = self.container(name).await?;
        let id = doc
            .get("Id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Refusal::new(
                ids::UPSTREAM,
                "the daemon's answer has no valid id",
            ));
        }
        merge_update(&mut doc, &upd);
        let mut spec = spec_from_inspect(&doc)
            .map_err(|e| Refusal::new(ids::UPSTREAM, format!("container `{name}`: {e}")))?;
        self.resolve(&mut spec, 0).await?;
        let rules = self.check(&spec, &format!("update of container `{name}`"))?;
        Ok(Allow {
            path: Some(format!("/containers/{id}/update")),
            rules,
        })
    }

    async fn archive_put(&self, req: &Req<'_>) -> Verdict {
        let name = req.var();
        let j = self
            .judged_container(name, &format!("copy into container `{name}`"))
            .await
            .map_err(as_target)?;
        if let Some(m) = j
            .spec
            .mounts
            .iter()
            .find(|m| !m.read_only && m.host_path().is_some())
        {
            let host = m
                .host_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            return Err(Refusal::new(
                ids::ARCHIVE,
                format!(
                    "copy into container `{name}`, which mounts host path `{host}` writable at `{}`: the archive could write to the host",
                    m.target.display()
                ),
            ));
        }
        Ok(Allow {
            path: Some(format!("/containers/{}/archive", j.id)),
            rules: j.below,
        })
    }

    // ---- images and builds ---------------------------------------------------

    async fn image_create(&self, req: &Req<'_>) -> Verdict {
        if req.query.get("fromSrc").is_some() {
            if !self.profile.allows("images.import") {
                return Err(Refusal::new(
                    ids::IMAGE,
                    format!(
                        "image import (`fromSrc`) is not allowed by profile `{}`: an imported image has no provenance",
                        self.profile.name
                    ),
                ));
            }
            return self
                .tag_target(req.query.get("repo"), req.query.get("tag"), None)
                .await;
        }
        let Some(image) = req.query.get("fromImage").filter(|s| !s.is_empty()) else {
            return Err(Refusal::new(
                ids::IMAGE,
                "image create without `fromImage` or `fromSrc`",
            ));
        };
        if !self.profile.registry_allowed(image) {
            return Err(Refusal::new(
                ids::IMAGE,
                format!(
                    "pull of `{image}`: the registry is not in profile `{}`'s registries ({})",
                    self.profile.name,
                    self.profile.registries.join(", ")
                ),
            ));
        }
        Ok(Allow::default())
    }

    /// Refuses a new tag that would replace an existing image, unless the
    /// profile lets that tag be overwritten. `source`: the image being
    /// tagged, when known (re-tagging the same image is harmless).
    async fn tag_target(
        &self,
        repo: Option<&str>,
        tag: Option<&str>,
        source: Option<&str>,
    ) -> Verdict {
        let Some(repo) = repo.filter(|r| !r.is_empty()) else {
            return Ok(Allow::default());
        };
        let tag = tag.filter(|t| !t.is_empty()).unwrap_or("latest");
        let full = if repo.contains('@') {
            repo.to_string()
        } else {
            format!("{repo}:{tag}")
        };
        self.overwrite_check(&full, source).await
    }

    async fn overwrite_check(&self, full: &str, source: Option<&str>) -> Verdict {
        if self.profile.may_overwrite(full) {
            return Ok(Allow::default());
        }
        let existing = match self
            .lookup
            .get(&format!("/images/{}/json", path_seg(full)))
            .await?
        {
            Found::Yes(v) => v,
            Found::No(..) => return Ok(Allow::default()),
        };
        let existing_id = existing.get("Id").and_then(Value::as_str).unwrap_or("");
        if let Some(src) = source
            && let Found::Yes(s) = self
                .lookup
                .get(&format!("/images/{}/json", path_seg(src)))
                .await?
            && s.get("Id").and_then(Value::as_str) == Some(existing_id)
        {
            return Ok(Allow::default());
        }
        Err(Refusal::new(
            ids::IMAGE,
            format!(
                "`{}` already names image {}: overwriting an existing tag could replace what other workloads run (allow it with the profile's overwrite-tags)",
                normalize_image(full),
                existing_id.get(..19).unwrap_or(existing_id)
            ),
        ))
    }

    async fn image_tag(&self, req: &Req<'_>) -> Verdict {
        self.tag_target(req.query.get("repo"), req.query.get("tag"), Some(req.var()))
            .await
    }

    async fn commit(&self, req: &Req<'_>) -> Verdict {
        self.tag_target(req.query.get("repo"), req.query.get("tag"), None)
            .await
    }

    async fn build(&self, req: &Req<'_>) -> Verdict {
        let q = req.query;
        if let Some(net) = q.get("networkmode")
            && !matches!(net, "" | "default" | "bridge" | "none")
        {
            return Err(Refusal::new(
                ids::BUILD,
                format!("build with network mode `{net}`: build steps would share that network"),
            ));
        }
        if q.get("remote").is_some_and(|r| !r.is_empty()) {
            return Err(Refusal::new(
                ids::BUILD,
                "build from a `remote` context: the daemon would fetch a URL from the host's network",
            ));
        }
        if q.get("cgroupparent").is_some_and(|s| !s.is_empty()) {
            return Err(Refusal::new(ids::BUILD, "build with a `cgroupparent`"));
        }
        if let Some(s) = q.all("securityopt").find(|s| !s.is_empty()) {
            return Err(Refusal::new(
                ids::BUILD,
                format!("build with security option `{s}`: build steps would run with it"),
            ));
        }
        if let Some(i) = q.get("isolation")
            && !matches!(i, "" | "default")
        {
            return Err(Refusal::new(
                ids::BUILD,
                format!("build with isolation `{i}`"),
            ));
        }
        if q.get("version") == Some("2") && !self.profile.buildkit {
            return Err(Refusal::new(
                ids::BUILD,
                "BuildKit build (`version=2`): the profile does not allow BuildKit",
            ));
        }
        if q.get("session").is_some_and(|s| !s.is_empty()) && !self.profile.buildkit {
            return Err(Refusal::new(
                ids::BUILD,
                "build with a session: the profile does not allow build sessions",
            ));
        }
        for t in q.all("t") {
            if t.is_empty() {
                continue;
            }
            let full =
                if t.rsplit('/').next().is_some_and(|last| last.contains(':')) || t.contains('@') {
                    t.to_string()
                } else {
                    format!("{t}:latest")
                };
            self.overwrite_check(&full, None).await?;
        }
        Ok(Allow::default())
    }

    // ---- volumes and networks ------------------------------------------------

    async fn volume_create(&self, req: &Req<'_>) -> Verdict {
        let v = strict::parse_strict(req.body_or_empty(), &strict::VOLUME_CREATE)
            .map_err(|e| Refusal::new(ids::BODY, format!("volume body: {e}")))?;
        let o = v.as_object().cloned().unwrap_or_default();
        let name = field_str(&o, "Name").unwrap_or("").to_string();
        let driver = field_str(&o, "Driver").unwrap_or("");
        if !matches!(driver, "" | "local") {
            return Err(Refusal::new(
                ids::VOLUME,
                format!("volume driver `{driver}`: volume plugins are not judged"),
            ));
        }
        if field(&o, "ClusterVolumeSpec").is_some() {
            return Err(Refusal::new(ids::VOLUME, "cluster volumes are not judged"));
        }
        let opts = match field(&o, "DriverOpts") {
            Some(Value::Object(m)) => string_map(m)
                .ok_or_else(|| Refusal::new(ids::BODY, "`DriverOpts` values must be strings"))?,
            Some(_) => return Err(Refusal::new(ids::BODY, "`DriverOpts` is not an object")),
            None => BTreeMap::new(),
        };
        let what = format!("volume create `{name}`");
        if let Some(device) = local_volume_options(&what, &opts)? {
            let device = device.as_str();
            // Judge the bound host path as a mount of a container would be.
            let mut spec = ContainerSpec::new(SpecSource::Guard, name.clone(), Span::default());
            spec.mounts.push(Mount {
                kind: MountKind::Volume,
                source: Some(Expanded::literal(name.clone())),
                target: Expanded::literal("/volume"),
                read_only: false,
                propagation: None,
                volume_host_path: Some(Expanded::literal(device)),
                volume_def_span: None,
                selinux_label: None,
                span: Span::default(),
            });
            self.resolve(&mut spec, 0).await?;
            let findings = stockade_rules::check_container(&spec, self.ctx, &self.profile.policy);
            let mut blocking: Vec<&Finding> = findings
                .iter()
                .filter(|f| {
                    f.severity >= self.profile.threshold
                        && matches!(f.rule, "SKD201" | "SKD203" | "SKD204")
                })
                .collect();
            blocking.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(b.rule)));
            if let Some(f) = blocking.first() {
                return Err(Refusal::new(
                    f.rule,
                    format!(
                        "{what}: binds host path `{device}`: {} ({}): {}",
                        f.title, f.severity, f.message
                    ),
                ));
            }
            if let Some(p) = self.protected.iter().find(|p| covers(device, p)) {
                return Err(Refusal::new(
                    "SKD201",
                    format!("{what}: binds `{device}`, which exposes the guard's socket `{p}`"),
                ));
            }
            return Ok(Allow::default());
        }
        Ok(Allow::default())
    }

    fn network_create(&self, req: &Req<'_>) -> Verdict {
        let v = strict::parse_strict(req.body_or_empty(), &strict::NETWORK_CREATE)
            .map_err(|e| Refusal::new(ids::BODY, format!("network body: {e}")))?;
        let o = v.as_object().cloned().unwrap_or_default();
        let name = field_str(&o, "Name").unwrap_or("");
        let driver = field_str(&o, "Driver").unwrap_or("");
        if !matches!(driver, "" | "bridge") {
            return Err(Refusal::new(
                ids::NETWORK,
                format!(
                    "network `{name}` with driver `{driver}`: only bridge networks are allowed (macvlan and ipvlan put containers on the host's network)"
                ),
            ));
        }
        if field(&o, "ConfigFrom").is_some() || field_bool(&o, "ConfigOnly") {
            return Err(Refusal::new(
                ids::NETWORK,
                format!("network `{name}`: config-only networks and `ConfigFrom` are not judged"),
            ));
        }
        if field_bool(&o, "Ingress") {
            return Err(Refusal::new(
                ids::NETWORK,
                format!("network `{name}`: ingress network"),
            ));
        }
        if let Some(Value::Object(opts)) = field(&o, "Options")
            && let Some(k) = opts
                .keys()
                .find(|k| k.as_str() == "com.docker.network.bridge.name" || k.as_str() == "parent")
        {
            return Err(Refusal::new(
                ids::NETWORK,
                format!(
                    "network `{name}`: option `{k}` would attach to an existing host interface"
                ),
            ));
        }
        Ok(Allow::default())
    }

    async fn network_connect(&self, req: &Req<'_>) -> Verdict {
        strict::parse_strict(req.body_or_empty(), &strict::NETWORK_CONNECT)
            .map_err(|e| Refusal::new(ids::BODY, format!("network connect body: {e}")))?;
        self.network_allowed(req.var(), "connect to").await?;
        Ok(Allow::default())
    }
}

/// A `map[string]string` (driver options); `None` when a value is not a string.
fn string_map(m: &Map<String, Value>) -> Option<BTreeMap<String, String>> {
    m.iter()
        .map(|(k, v)| match v {
            Value::String(s) => Some((k.clone(), s.clone())),
            Value::Null => Some((k.clone(), String::new())),
            _ => None,
        })
        .collect()
}

/// The options a `local` volume may have: none, a tmpfs, or a bind of a
/// host directory (returned, for the host-path rules to judge). Anything
/// else mounts a host device or a remote filesystem.
fn local_volume_options(
    what: &str,
    opts: &BTreeMap<String, String>,
) -> Result<Option<String>, Refusal> {
    let get = |k: &str| opts.get(k).map(String::as_str).unwrap_or("");
    if let Some(k) = opts
        .keys()
        .find(|k| !matches!(k.as_str(), "type" | "o" | "device"))
    {
        return Err(Refusal::new(
            ids::VOLUME,
            format!("{what}: volume option `{k}` is not judged"),
        ));
    }
    let (ty, o, device) = (get("type"), get("o"), get("device"));
    if o.split(',').any(|x| matches!(x.trim(), "bind" | "rbind")) {
        if !matches!(ty, "" | "none") {
            return Err(Refusal::new(
                ids::VOLUME,
                format!("{what}: bind option with filesystem type `{ty}`"),
            ));
        }
        if !device.starts_with('/') {
            return Err(Refusal::new(
                ids::VOLUME,
                format!("{what}: bind of a relative device `{device}`"),
            ));
        }
        return Ok(Some(device.to_string()));
    }
    match ty {
        "" if device.is_empty() && o.is_empty() => Ok(None),
        "tmpfs" if matches!(device, "" | "tmpfs") => Ok(None),
        _ => Err(Refusal::new(
            ids::VOLUME,
            format!(
                "{what}: filesystem type `{ty}` with device `{device}`: the daemon would mount a host device or a remote filesystem"
            ),
        )),
    }
}

/// A container the request acts on failed the policy: say so under the
/// target-container id, keeping the finding's id.
fn as_target(mut r: Refusal) -> Refusal {
    if r.raw.is_none() && !r.rule.starts_with("SKG") {
        r.rule = format!("{}/{}", ids::TARGET_CONTAINER, r.rule);
    }
    r
}

/// Whether binding host path `src` exposes `protected` (the same path or a
/// directory above it).
fn covers(src: &str, protected: &str) -> bool {
    let src = src.trim_end_matches('/');
    let p = protected.trim_end_matches('/');
    src.is_empty() || p == src || p.starts_with(&format!("{src}/"))
}

/// The object holding `HostConfig` fields: `HostConfig`, or the top level
/// of a legacy body without one.
fn host_config(v: &Value) -> Option<&Map<String, Value>> {
    let top = v.as_object()?;
    match field(top, "HostConfig") {
        Some(Value::Object(h)) => Some(h),
        _ => Some(top),
    }
}

/// Applies an update body to an inspect document's `HostConfig` with the
/// daemon's update semantics: zero means "unchanged" for limits; a
/// `PidsLimit` of zero or less means unlimited; a restart policy with a
/// name replaces the old one.
fn merge_update(doc: &mut Value, upd: &Map<String, Value>) {
    let Some(hc) = doc.get_mut("HostConfig").and_then(Value::as_object_mut) else {
        return;
    };
    for (k, v) in upd {
        let canon = strict_name(k);
        match canon.as_str() {
            "PidsLimit" => {
                if let Some(n) = v.as_i64() {
                    hc.insert("PidsLimit".into(), json!(if n <= 0 { 0 } else { n }));
                }
            }
            "RestartPolicy" => {
                if v.get("Name")
                    .and_then(Value::as_str)
                    .is_some_and(|n| !n.is_empty())
                {
                    hc.insert("RestartPolicy".into(), v.clone());
                }
            }
            _ => {
                let zero = match v {
                    Value::Null => true,
                    Value::Number(n) => n.as_i64() == Some(0),
                    Value::String(s) => s.is_empty(),
                    Value::Array(a) => a.is_empty(),
                    _ => false,
                };
                if !zero {
                    hc.insert(canon, v.clone());
                }
            }
        }
    }
}

/// The canonical spelling of an update field (the body was checked to use it).
fn strict_name(k: &str) -> String {
    strict::UPDATE
        .fields()
        .find(|(n, _)| n.eq_ignore_ascii_case(k))
        .map_or_else(|| k.to_string(), |(n, _)| (*n).to_string())
}

#[cfg(test)]
mod tests;
