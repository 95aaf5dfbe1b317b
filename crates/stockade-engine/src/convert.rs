//! Engine API documents into [`ContainerSpec`]s.
//!
//! Two inputs say the same thing: the body of `POST /containers/create`
//! (what a client asks for; judged by the guard) and the document of
//! `GET /containers/{id}/json` (what a container runs with; judged by
//! `stockade host`). Both carry a `Config` (at the top level of a create
//! body, under `Config` in inspect data) and a `HostConfig`.
//!
//! Decoding follows the daemon: field names match the way Go's
//! `encoding/json` matches them (exact, else case-insensitive), `null` is
//! the zero value, a wrong type is an error, unknown fields are ignored.
//! Zero limits (`Memory: 0`, `NanoCpus: 0`) mean "not set" to the daemon and
//! are left unset here.
//!
//! Legacy create bodies: when a body has no `HostConfig` object, the daemon
//! (20.10 at least) reads every `HostConfig` field from the top level
//! (`{"Image":"x","Privileged":true}` creates a privileged container); when
//! it has one, a top-level `Memory`, `MemorySwap`, `CpuShares` or
//! `CpusetCpus` (and `Cpuset`) still applies where the inner value is zero.
//! [`spec_from_create`] reads both the same way, so a policy judges what the
//! daemon will run.

use crate::fold::lookup;
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap};
use stockade_core::{
    ContainerSpec, DeviceMapping, EnvVar, Expanded, Healthcheck, ImageRef, Locator, Mount,
    MountKind, PortBinding, Span, Spanned, SpecSource,
};

type Obj = Map<String, Value>;

fn sp<T>(v: T) -> Spanned<T> {
    Spanned::new(v, Span::default())
}

fn lit(s: impl Into<String>) -> Spanned<Expanded> {
    sp(Expanded::literal(s))
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Typed reads of one JSON object, with the object's path for messages.
#[derive(Clone, Copy)]
struct Fields<'a> {
    obj: &'a Obj,
    path: &'a str,
}

impl<'a> Fields<'a> {
    fn new(obj: &'a Obj, path: &'a str) -> Self {
        Fields { obj, path }
    }

    fn name(&self, field: &str) -> String {
        if self.path.is_empty() {
            field.to_string()
        } else {
            format!("{}.{field}", self.path)
        }
    }

    fn wrong(&self, field: &str, want: &str, got: &Value) -> String {
        format!(
            "`{}`: expected {want}, found {}",
            self.name(field),
            kind_of(got)
        )
    }

    fn get(&self, field: &str) -> Result<Option<&'a Value>, String> {
        lookup(self.obj, field).map_err(|e| format!("{}: {e}", self.path_or_top()))
    }

    fn path_or_top(&self) -> &str {
        if self.path.is_empty() {
            "body"
        } else {
            self.path
        }
    }

    fn str(&self, field: &str) -> Result<Option<&'a str>, String> {
        match self.get(field)? {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(v) => Err(self.wrong(field, "a string", v)),
        }
    }

    /// A string that means "not set" when empty.
    fn nonempty(&self, field: &str) -> Result<Option<&'a str>, String> {
        Ok(self.str(field)?.filter(|s| !s.is_empty()))
    }

    fn bool(&self, field: &str) -> Result<Option<bool>, String> {
        match self.get(field)? {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(v) => Err(self.wrong(field, "a boolean", v)),
        }
    }

    fn int(&self, field: &str) -> Result<Option<i64>, String> {
        match self.get(field)? {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| {
                format!(
                    "`{}`: expected a 64-bit integer, found {n}",
                    self.name(field)
                )
            }),
            Some(v) => Err(self.wrong(field, "an integer", v)),
        }
    }

    /// An integer where 0 means "not set".
    fn limit(&self, field: &str) -> Result<Option<Spanned<i64>>, String> {
        Ok(self.int(field)?.filter(|n| *n != 0).map(sp))
    }

    fn obj(&self, field: &str) -> Result<Option<&'a Obj>, String> {
        match self.get(field)? {
            None => Ok(None),
            Some(Value::Object(o)) => Ok(Some(o)),
            Some(v) => Err(self.wrong(field, "an object", v)),
        }
    }

    fn array(&self, field: &str) -> Result<Option<&'a Vec<Value>>, String> {
        match self.get(field)? {
            None => Ok(None),
            Some(Value::Array(a)) => Ok(Some(a)),
            Some(v) => Err(self.wrong(field, "an array", v)),
        }
    }

    /// `[]string`; a `null` element is the empty string, as in Go.
    fn strings(&self, field: &str) -> Result<Option<Vec<String>>, String> {
        let Some(a) = self.array(field)? else {
            return Ok(None);
        };
        let mut out = Vec::with_capacity(a.len());
        for (i, v) in a.iter().enumerate() {
            match v {
                Value::String(s) => out.push(s.clone()),
                Value::Null => out.push(String::new()),
                v => {
                    return Err(format!(
                        "`{}[{i}]`: expected a string, found {}",
                        self.name(field),
                        kind_of(v)
                    ));
                }
            }
        }
        Ok(Some(out))
    }

    /// `strslice.StrSlice`: a string or an array of strings.
    fn str_slice(&self, field: &str) -> Result<Option<Vec<String>>, String> {
        match self.get(field)? {
            Some(Value::String(s)) => Ok(Some(vec![s.clone()])),
            _ => self.strings(field),
        }
    }

    /// `map[string]string`; `null` values are empty strings, as in Go.
    fn str_map(&self, field: &str) -> Result<Option<BTreeMap<String, String>>, String> {
        let Some(o) = self.obj(field)? else {
            return Ok(None);
        };
        let mut out = BTreeMap::new();
        for (k, v) in o {
            match v {
                Value::String(s) => {
                    out.insert(k.clone(), s.clone());
                }
                Value::Null => {
                    out.insert(k.clone(), String::new());
                }
                v => {
                    return Err(format!(
                        "`{}[{k:?}]`: expected a string, found {}",
                        self.name(field),
                        kind_of(v)
                    ));
                }
            }
        }
        Ok(Some(out))
    }
}

/// A container as asked for by a `POST /containers/create` body (the
/// `name` query parameter, when given, becomes the subject).
pub fn spec_from_create(body: &Value, name: Option<&str>) -> Result<ContainerSpec, String> {
    let Value::Object(top) = body else {
        return Err(format!(
            "create body: expected an object, found {}",
            kind_of(body)
        ));
    };
    let top_f = Fields::new(top, "");
    let image = top_f.str("Image")?.unwrap_or("");
    let subject = match name {
        Some(n) if !n.is_empty() => n.trim_start_matches('/').to_string(),
        _ if !image.is_empty() => image.to_string(),
        _ => "container".to_string(),
    };
    let mut spec = ContainerSpec::new(SpecSource::Guard, subject, Span::default());
    spec.locator = Some(Locator {
        image: Some(image.to_string()).filter(|s| !s.is_empty()),
        container: name
            .filter(|n| !n.is_empty())
            .map(|n| n.trim_start_matches('/').to_string()),
        ..Locator::default()
    });
    fill_config(&mut spec, top_f)?;

    let hc = top_f.obj("HostConfig")?;
    let host_mounts = match hc {
        // No HostConfig: the daemon reads its fields from the top level.
        None => fill_host_config(&mut spec, top_f)?,
        Some(hc) => {
            let hc_f = Fields::new(hc, "HostConfig");
            let mounts = fill_host_config(&mut spec, hc_f)?;
            legacy_overrides(&mut spec, top_f)?;
            mounts
        }
    };
    spec.mounts = host_mounts;
    Ok(spec)
}

/// Top-level `Memory`, `MemorySwap`, `CpuShares`, `CpusetCpus` and `Cpuset`
/// apply when the `HostConfig` value is zero.
fn legacy_overrides(spec: &mut ContainerSpec, top: Fields) -> Result<(), String> {
    let r = &mut spec.resources;
    if r.memory.is_none() {
        r.memory = top.limit("Memory")?;
    }
    if r.memory_swap.is_none() {
        r.memory_swap = top.limit("MemorySwap")?;
    }
    if r.cpu_shares.is_none() {
        r.cpu_shares = top.limit("CpuShares")?;
    }
    if r.cpuset_cpus.is_none() {
        r.cpuset_cpus = top.nonempty("CpusetCpus")?.map(|s| sp(s.to_string()));
    }
    if r.cpuset_cpus.is_none() {
        r.cpuset_cpus = top.nonempty("Cpuset")?.map(|s| sp(s.to_string()));
    }
    Ok(())
}

/// A container as it runs, from its `GET /containers/{id}/json` document.
/// Mounts come from the resolved top-level `Mounts` list when present
/// (it includes anonymous volumes and those inherited with `VolumesFrom`),
/// else from `HostConfig.Binds` and `HostConfig.Mounts`.
pub fn spec_from_inspect(v: &Value) -> Result<ContainerSpec, String> {
    let Value::Object(doc) = v else {
        return Err(format!(
            "container inspect: expected an object, found {}",
            kind_of(v)
        ));
    };
    let doc_f = Fields::new(doc, "");
    let id = doc_f.str("Id")?.unwrap_or("").to_string();
    let name = doc_f
        .str("Name")?
        .unwrap_or("")
        .trim_start_matches('/')
        .to_string();
    let image_id = doc_f.str("Image")?.unwrap_or("").to_string();
    let config = doc_f.obj("Config")?;
    let config_image = match config {
        Some(c) => Fields::new(c, "Config").str("Image")?.unwrap_or(""),
        None => "",
    };
    let subject = if !name.is_empty() {
        name.clone()
    } else if !id.is_empty() {
        id.chars().take(12).collect()
    } else {
        "container".to_string()
    };
    let mut spec = ContainerSpec::new(SpecSource::Engine, subject, Span::default());
    let image_label = if !config_image.is_empty() {
        config_image.to_string()
    } else {
        image_id.clone()
    };
    spec.locator = Some(Locator {
        image: Some(image_label).filter(|s| !s.is_empty()),
        container: Some(name).filter(|s| !s.is_empty()),
        container_id: Some(id).filter(|s| !s.is_empty()),
        ..Locator::default()
    });
    if let Some(c) = config {
        fill_config(&mut spec, Fields::new(c, "Config"))?;
    }
    let mut host_mounts = Vec::new();
    if let Some(hc) = doc_f.obj("HostConfig")? {
        host_mounts = fill_host_config(&mut spec, Fields::new(hc, "HostConfig"))?;
    }
    spec.mounts = match doc_f.array("Mounts")? {
        Some(list) => {
            let mut out = Vec::with_capacity(list.len());
            for (i, m) in list.iter().enumerate() {
                let path = format!("Mounts[{i}]");
                let Value::Object(o) = m else {
                    return Err(format!(
                        "`{path}`: expected an object, found {}",
                        kind_of(m)
                    ));
                };
                let mut mount = resolved_mount(Fields::new(o, &path))?;
                // Driver options given inline at create time.
                if mount.kind == MountKind::Volume
                    && let Some(h) = host_mounts
                        .iter()
                        .find(|h| h.target.raw == mount.target.raw && h.volume_host_path.is_some())
                {
                    mount.volume_host_path = h.volume_host_path.clone();
                }
                out.push(mount);
            }
            out
        }
        None => host_mounts,
    };
    // The daemon adds `label=disable` itself to privileged containers and
    // to those sharing the host's PID or IPC namespace; the cause is
    // judged on its own, the consequence is not a second setting.
    let privileged = spec.privileged.as_ref().is_some_and(|p| p.value);
    let host_mode =
        |m: &Option<Spanned<Expanded>>| m.as_ref().is_some_and(|v| v.value.display() == "host");
    if privileged || host_mode(&spec.pid_mode) || host_mode(&spec.ipc_mode) {
        spec.security_opt
            .retain(|o| !matches!(o.value.display(), "label=disable" | "label:disable"));
    }
    // The profile the daemon applied, when the options do not say.
    let apparmor = doc_f.str("AppArmorProfile")?.unwrap_or("");
    let has_apparmor_opt = spec.security_opt.iter().any(|o| {
        let t = o.value.display().trim_start();
        t.starts_with("apparmor=") || t.starts_with("apparmor:")
    });
    if apparmor == "unconfined" && !privileged && !has_apparmor_opt {
        spec.security_opt.push(lit("apparmor=unconfined"));
    }
    Ok(spec)
}

/// `Config` fields (the top level of a create body).
fn fill_config(spec: &mut ContainerSpec, c: Fields) -> Result<(), String> {
    if let Some(u) = c.str("User")? {
        spec.user = Some(lit(u));
    }
    if let Some(image) = c.nonempty("Image")? {
        spec.image = Some(lit(image));
        spec.image_ref = ImageRef::parse(image).ok();
    }
    for e in c.strings("Env")?.unwrap_or_default() {
        let (name, value) = match e.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(lit(v))),
            None => (e.clone(), None),
        };
        spec.env.push(EnvVar {
            name: sp(name),
            value,
            span: Span::default(),
        });
    }
    if let Some(ports) = c.obj("ExposedPorts")? {
        spec.expose = ports.keys().map(lit).collect();
    }
    if let Some(cmd) = c.str_slice("Cmd")? {
        spec.command = Some(sp(cmd.into_iter().map(Expanded::literal).collect()));
    }
    if let Some(ep) = c.str_slice("Entrypoint")? {
        spec.entrypoint = Some(sp(ep.into_iter().map(Expanded::literal).collect()));
    }
    if let Some(h) = c.obj("Healthcheck")? {
        let test = Fields::new(h, &c.name("Healthcheck"))
            .strings("Test")?
            .unwrap_or_default();
        if !test.is_empty() {
            let disabled = test.first().is_some_and(|t| t == "NONE");
            spec.healthcheck = Some(sp(Healthcheck { disabled, test }));
        }
    }
    if let Some(labels) = c.str_map("Labels")? {
        spec.labels = labels.into_iter().map(|(k, v)| (sp(k), lit(v))).collect();
    }
    Ok(())
}

/// `HostConfig` fields; returns the mounts from `Binds` and `Mounts`.
fn fill_host_config(spec: &mut ContainerSpec, h: Fields) -> Result<Vec<Mount>, String> {
    let mut mounts = Vec::new();
    for (i, b) in h.strings("Binds")?.unwrap_or_default().iter().enumerate() {
        mounts.push(parse_bind(b).map_err(|e| format!("`{}[{i}]`: {e}", h.name("Binds")))?);
    }
    if let Some(list) = h.array("Mounts")? {
        for (i, m) in list.iter().enumerate() {
            let path = format!("{}[{i}]", h.name("Mounts"));
            let Value::Object(o) = m else {
                return Err(format!(
                    "`{path}`: expected an object, found {}",
                    kind_of(m)
                ));
            };
            mounts.push(api_mount(Fields::new(o, &path))?);
        }
    }
    spec.privileged = h.bool("Privileged")?.map(sp);
    spec.read_only = h.bool("ReadonlyRootfs")?.map(sp);
    spec.publish_all = h.bool("PublishAllPorts")?.map(sp);
    spec.cap_add = h
        .str_slice("CapAdd")?
        .unwrap_or_default()
        .into_iter()
        .map(sp)
        .collect();
    spec.cap_drop = h
        .str_slice("CapDrop")?
        .unwrap_or_default()
        .into_iter()
        .map(sp)
        .collect();
    spec.security_opt = h
        .strings("SecurityOpt")?
        .unwrap_or_default()
        .into_iter()
        .map(lit)
        .collect();
    spec.group_add = h
        .strings("GroupAdd")?
        .unwrap_or_default()
        .into_iter()
        .map(lit)
        .collect();
    spec.volumes_from = h
        .strings("VolumesFrom")?
        .unwrap_or_default()
        .into_iter()
        .map(lit)
        .collect();
    spec.device_cgroup_rules = h
        .strings("DeviceCgroupRules")?
        .unwrap_or_default()
        .into_iter()
        .map(lit)
        .collect();
    spec.masked_paths = h.strings("MaskedPaths")?.map(sp);
    spec.readonly_paths = h.strings("ReadonlyPaths")?.map(sp);
    spec.network_mode = h.nonempty("NetworkMode")?.map(lit);
    spec.pid_mode = h.nonempty("PidMode")?.map(lit);
    spec.ipc_mode = h.nonempty("IpcMode")?.map(lit);
    spec.uts_mode = h.nonempty("UTSMode")?.map(lit);
    spec.userns_mode = h.nonempty("UsernsMode")?.map(lit);
    spec.cgroupns_mode = h.nonempty("CgroupnsMode")?.map(lit);
    spec.cgroup_parent = h.nonempty("CgroupParent")?.map(lit);
    if let Some(devs) = h.array("Devices")? {
        for (i, d) in devs.iter().enumerate() {
            let path = format!("{}[{i}]", h.name("Devices"));
            let Value::Object(o) = d else {
                return Err(format!(
                    "`{path}`: expected an object, found {}",
                    kind_of(d)
                ));
            };
            let f = Fields::new(o, &path);
            let host = f.str("PathOnHost")?.unwrap_or("").to_string();
            let container = f.nonempty("PathInContainer")?.unwrap_or(&host).to_string();
            let permissions = f
                .nonempty("CgroupPermissions")?
                .unwrap_or("rwm")
                .to_string();
            spec.devices.push(sp(DeviceMapping {
                host,
                container,
                permissions,
            }));
        }
    }
    if let Some(sysctls) = h.str_map("Sysctls")? {
        spec.sysctls = sysctls.into_iter().map(|(k, v)| (sp(k), lit(v))).collect();
    }
    if let Some(tmpfs) = h.str_map("Tmpfs")? {
        spec.tmpfs = tmpfs
            .into_iter()
            .map(|(p, o)| lit(if o.is_empty() { p } else { format!("{p}:{o}") }))
            .collect();
    }
    if let Some(rp) = h.obj("RestartPolicy")? {
        let f = Fields::new(rp, "HostConfig.RestartPolicy");
        if let Some(name) = f.nonempty("Name")? {
            let text = match f.int("MaximumRetryCount")? {
                Some(n) if n > 0 && name == "on-failure" => format!("{name}:{n}"),
                _ => name.to_string(),
            };
            spec.restart = Some(lit(text));
        }
    }
    let r = &mut spec.resources;
    r.memory = h.limit("Memory")?;
    r.memory_swap = h.limit("MemorySwap")?;
    r.memory_reservation = h.limit("MemoryReservation")?;
    r.nano_cpus = h.limit("NanoCpus")?;
    r.cpu_quota = h.limit("CpuQuota")?;
    r.cpu_period = h.limit("CpuPeriod")?;
    r.cpu_shares = h.limit("CpuShares")?;
    r.cpuset_cpus = h.nonempty("CpusetCpus")?.map(|s| sp(s.to_string()));
    r.pids_limit = h.limit("PidsLimit")?;
    if let Some(pb) = h.obj("PortBindings")? {
        for (key, bindings) in pb {
            let path = format!("{}[{key:?}]", h.name("PortBindings"));
            let (container_port, protocol) =
                parse_port_key(key).map_err(|e| format!("`{path}`: {e}"))?;
            let list = match bindings {
                Value::Null => continue,
                Value::Array(a) => a,
                v => return Err(format!("`{path}`: expected an array, found {}", kind_of(v))),
            };
            for (i, b) in list.iter().enumerate() {
                let bpath = format!("{path}[{i}]");
                let Value::Object(o) = b else {
                    return Err(format!(
                        "`{bpath}`: expected an object, found {}",
                        kind_of(b)
                    ));
                };
                let f = Fields::new(o, &bpath);
                let host_ip = f.nonempty("HostIp")?.map(str::to_string);
                let host_port = match f.nonempty("HostPort")? {
                    None => None,
                    Some(p) => Some(
                        parse_range(p)
                            .ok_or_else(|| format!("`{bpath}.HostPort`: invalid port `{p}`"))?,
                    ),
                };
                spec.ports.push(PortBinding {
                    host_ip,
                    host_port,
                    container_port,
                    protocol: protocol.clone(),
                    unresolved: None,
                    span: Span::default(),
                });
            }
        }
    }
    Ok(mounts)
}

/// `80`, `80/tcp`, `8000-8010/udp`.
fn parse_port_key(key: &str) -> Result<((u16, u16), String), String> {
    let (port, proto) = match key.split_once('/') {
        Some((p, proto)) => (p, proto.to_ascii_lowercase()),
        None => (key, "tcp".to_string()),
    };
    let range = parse_range(port).ok_or_else(|| format!("invalid port `{key}`"))?;
    Ok((range, proto))
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    let s = s.trim();
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a.trim().parse().ok()?, b.trim().parse().ok()?),
        None => {
            let p = s.parse().ok()?;
            (p, p)
        }
    };
    (a <= b).then_some((a, b))
}

fn new_mount(kind: MountKind, target: &str) -> Mount {
    Mount {
        kind,
        source: None,
        target: Expanded::literal(target),
        read_only: false,
        propagation: None,
        volume_host_path: None,
        volume_def_span: None,
        selinux_label: None,
        span: Span::default(),
    }
}

fn is_propagation(s: &str) -> bool {
    matches!(
        s,
        "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
    )
}

/// A `HostConfig.Binds` entry: `[source:]target[:options]` (Linux syntax).
fn parse_bind(b: &str) -> Result<Mount, String> {
    let parts: Vec<&str> = b.split(':').collect();
    let (source, target, opts) = match parts.as_slice() {
        [t] => (None, *t, None),
        [s, t] => (Some(*s), *t, None),
        [s, t, o] => (Some(*s), *t, Some(*o)),
        _ => return Err(format!("invalid bind `{b}`")),
    };
    if target.is_empty() {
        return Err(format!("invalid bind `{b}`: no target"));
    }
    let kind = match source {
        Some(s) if s.starts_with('/') => MountKind::Bind,
        _ => MountKind::Volume,
    };
    let mut m = new_mount(kind, target);
    m.source = source.filter(|s| !s.is_empty()).map(Expanded::literal);
    for o in opts.unwrap_or("").split(',') {
        match o {
            "ro" => m.read_only = true,
            "rw" => m.read_only = false,
            "z" | "Z" => m.selinux_label = Some(o.to_string()),
            p if is_propagation(p) => m.propagation = Some(p.to_string()),
            _ => {}
        }
    }
    Ok(m)
}

/// A `HostConfig.Mounts` entry (the `--mount` form).
fn api_mount(f: Fields) -> Result<Mount, String> {
    let kind = match f.str("Type")?.unwrap_or("") {
        "bind" => MountKind::Bind,
        "tmpfs" => MountKind::Tmpfs,
        "npipe" => MountKind::Npipe,
        "image" => MountKind::Image,
        "cluster" => MountKind::Cluster,
        _ => MountKind::Volume,
    };
    let mut m = new_mount(kind, f.str("Target")?.unwrap_or(""));
    m.source = f.nonempty("Source")?.map(Expanded::literal);
    m.read_only = f.bool("ReadOnly")?.unwrap_or(false);
    if let Some(bo) = f.obj("BindOptions")? {
        let path = f.name("BindOptions");
        m.propagation = Fields::new(bo, &path)
            .nonempty("Propagation")?
            .map(str::to_string);
    }
    if let Some(vo) = f.obj("VolumeOptions")? {
        let vpath = f.name("VolumeOptions");
        if let Some(dc) = Fields::new(vo, &vpath).obj("DriverConfig")? {
            let dpath = format!("{vpath}.DriverConfig");
            let df = Fields::new(dc, &dpath);
            let driver = df.str("Name")?.unwrap_or("");
            let options = df.str_map("Options")?.unwrap_or_default();
            m.volume_host_path = bind_device(driver, &options).map(Expanded::literal);
        }
    }
    Ok(m)
}

/// An entry of the inspect document's resolved `Mounts` list.
fn resolved_mount(f: Fields) -> Result<Mount, String> {
    let kind = match f.str("Type")?.unwrap_or("") {
        "bind" => MountKind::Bind,
        "tmpfs" => MountKind::Tmpfs,
        "npipe" => MountKind::Npipe,
        "image" => MountKind::Image,
        "cluster" => MountKind::Cluster,
        _ => MountKind::Volume,
    };
    let mut m = new_mount(kind, f.str("Destination")?.unwrap_or(""));
    m.source = match kind {
        MountKind::Volume => f.nonempty("Name")?.map(Expanded::literal),
        _ => f.nonempty("Source")?.map(Expanded::literal),
    };
    m.read_only = !f.bool("RW")?.unwrap_or(true);
    m.propagation = f.nonempty("Propagation")?.map(str::to_string);
    for o in f.str("Mode")?.unwrap_or("").split(',') {
        match o {
            "ro" => m.read_only = true,
            "z" | "Z" => m.selinux_label = Some(o.to_string()),
            _ => {}
        }
    }
    Ok(m)
}

/// The host path a `local` volume binds (`o=bind`, `device=/path`).
fn bind_device(driver: &str, options: &BTreeMap<String, String>) -> Option<String> {
    if !(driver.is_empty() || driver == "local") {
        return None;
    }
    let binds = options
        .get("o")
        .is_some_and(|o| o.split(',').any(|x| matches!(x.trim(), "bind" | "rbind")));
    let device = options
        .get("device")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty())?;
    binds.then(|| device.to_string())
}

/// A named volume, from `GET /volumes/{name}`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct VolumeInfo {
    pub name: String,
    pub driver: String,
    /// Driver options given when the volume was created (`type`, `o`, `device`, …).
    pub options: BTreeMap<String, String>,
    pub mountpoint: String,
    pub labels: BTreeMap<String, String>,
    pub scope: String,
}

impl VolumeInfo {
    /// Reads a `GET /volumes/{name}` document.
    pub fn from_json(v: &Value) -> Result<VolumeInfo, String> {
        let Value::Object(o) = v else {
            return Err(format!("volume: expected an object, found {}", kind_of(v)));
        };
        let f = Fields::new(o, "volume");
        Ok(VolumeInfo {
            name: f.str("Name")?.unwrap_or("").to_string(),
            driver: f.str("Driver")?.unwrap_or("").to_string(),
            options: f.str_map("Options")?.unwrap_or_default(),
            mountpoint: f.str("Mountpoint")?.unwrap_or("").to_string(),
            labels: f.str_map("Labels")?.unwrap_or_default(),
            scope: f.str("Scope")?.unwrap_or("").to_string(),
        })
    }

    /// The host path the volume binds, for a `local` volume created with
    /// `o=bind` (or `rbind`) and `device=/path`.
    pub fn bind_host_path(&self) -> Option<String> {
        bind_device(&self.driver, &self.options)
    }
}

/// Fills `volume_host_path` for the spec's named-volume mounts whose
/// volume (by name) binds a host path. A path already known (from inline
/// driver options) is kept when the volume says nothing.
pub fn apply_volume_info(spec: &mut ContainerSpec, volumes: &HashMap<String, VolumeInfo>) {
    for m in &mut spec.mounts {
        if m.kind != MountKind::Volume {
            continue;
        }
        let Some(name) = m.source.as_ref().and_then(|s| s.known()) else {
            continue;
        };
        if let Some(path) = volumes.get(name).and_then(VolumeInfo::bind_host_path) {
            m.volume_host_path = Some(Expanded::literal(path));
        }
    }
}

#[cfg(test)]
mod tests;
