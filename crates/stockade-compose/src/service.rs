//! Reading one merged Compose service into a [`ContainerSpec`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use stockade_core::{
    BuildRef, ContainerSpec, DeviceMapping, EnvVar, Expanded, FileId, Healthcheck, ImageRef,
    InputError, Mount, MountKind, PortBinding, SourceFile, SourceMap, Span, Spanned, SpecSource,
    Suppressions,
};

use crate::dotenv;
use crate::interp::{self, EnvMap};
use crate::syntax;
use crate::yaml::{Kind, Node, Scalar};

/// An interpolation context: the variables and the directory relative
/// paths are resolved against.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub env: Arc<EnvMap>,
    pub dir: Option<PathBuf>,
}

/// A top-level volume whose driver options bind a host path.
struct VolumeDef {
    host_path: Expanded,
    span: Span,
}

/// Largest env file read.
const MAX_ENV_FILE: u64 = 4 << 20;

/// Reads services out of a merged project tree.
pub(crate) struct Reader<'a> {
    pub ctxs: &'a [Ctx],
    pub sources: &'a SourceMap,
    pub errors: &'a mut Vec<InputError>,
    pub files: &'a mut Vec<FileId>,
    reported: HashSet<Span>,
    env_files: HashMap<PathBuf, Option<Arc<SourceFile>>>,
    volumes: HashMap<String, VolumeDef>,
}

/// A key/value item (`environment`, `labels`, `sysctls`, `build.args`).
struct Kv {
    name: Spanned<String>,
    value: Option<Spanned<Expanded>>,
    span: Span,
}

impl<'a> Reader<'a> {
    pub fn new(
        ctxs: &'a [Ctx],
        sources: &'a SourceMap,
        errors: &'a mut Vec<InputError>,
        files: &'a mut Vec<FileId>,
    ) -> Self {
        Reader {
            ctxs,
            sources,
            errors,
            files,
            reported: HashSet::new(),
            env_files: HashMap::new(),
            volumes: HashMap::new(),
        }
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        if !self.reported.insert(span) {
            return;
        }
        let path = self
            .sources
            .get(span.file)
            .map(|f| f.path.clone())
            .unwrap_or_default();
        self.errors
            .push(InputError::new(path, Some(span), message.into()));
    }

    fn env(&self, ctx: u32) -> Option<&EnvMap> {
        self.ctxs.get(ctx as usize).map(|c| c.env.as_ref())
    }

    /// Interpolates `text` written in context `ctx` (reported at `span`).
    fn interp(&mut self, text: &str, ctx: u32, span: Span) -> Expanded {
        let Some(env) = self.env(ctx) else {
            return Expanded::literal(text);
        };
        match interp::interpolate(text, env) {
            Ok(o) => Expanded {
                raw: text.to_string(),
                value: o.value,
                unresolved: o.unresolved,
            },
            Err(msg) => {
                self.error(span, msg);
                Expanded::unknown(text, Vec::new())
            }
        }
    }

    /// A scalar value, interpolated. Null is `None`; collections are an error.
    pub fn expand(&mut self, n: &Node, what: &str) -> Option<Spanned<Expanded>> {
        match &n.kind {
            Kind::Scalar(s) => Some(Spanned::new(self.interp(&s.text, s.ctx, n.span), n.span)),
            Kind::Null => None,
            _ => {
                self.error(n.span, format!("`{what}` must be a string"));
                None
            }
        }
    }

    /// The items of a list (a scalar counts as a one-item list).
    fn items<'n>(&mut self, n: &'n Node, what: &str) -> Vec<&'n Node> {
        match &n.kind {
            Kind::Seq(items) => items.iter().filter(|i| !i.is_null()).collect(),
            Kind::Scalar(_) => vec![n],
            Kind::Null => Vec::new(),
            Kind::Map(_) => {
                self.error(n.span, format!("`{what}` must be a list"));
                Vec::new()
            }
        }
    }

    fn string_list(&mut self, n: Option<&Node>, what: &str) -> Vec<Spanned<Expanded>> {
        let Some(n) = n else { return Vec::new() };
        let items = self.items(n, what);
        items
            .into_iter()
            .filter_map(|i| self.expand(i, what))
            .collect()
    }

    /// A boolean setting; unresolved values go to `spec.unresolved`.
    fn boolean(
        &mut self,
        n: Option<&Node>,
        what: &str,
        unresolved: &mut Vec<Spanned<String>>,
    ) -> Option<Spanned<bool>> {
        let v = self.expand(n?, what)?;
        match v.value.known() {
            Some(s) => match syntax::parse_bool(s) {
                Some(b) => Some(Spanned::new(b, v.span)),
                None => {
                    self.error(v.span, format!("`{what}` must be true or false, not `{s}`"));
                    None
                }
            },
            None => {
                unresolved.push(Spanned::new(what.to_string(), v.span));
                None
            }
        }
    }

    /// A number-like limit; unresolved values go to `unresolved`.
    fn number(
        &mut self,
        n: Option<&Node>,
        what: &str,
        parse: fn(&str) -> Option<i64>,
        unresolved: &mut Vec<Spanned<String>>,
    ) -> Option<Spanned<i64>> {
        let v = self.expand(n?, what)?;
        match v.value.known() {
            Some(s) => match parse(s) {
                Some(x) => Some(Spanned::new(x, v.span)),
                None => {
                    self.error(v.span, format!("invalid `{what}` value `{s}`"));
                    None
                }
            },
            None => {
                unresolved.push(Spanned::new(what.to_string(), v.span));
                None
            }
        }
    }

    /// Reads the top-level `volumes` for definitions that bind host paths.
    pub fn read_volume_defs(&mut self, root: &Node) {
        let Some(entries) = root.get("volumes").and_then(|v| v.as_map()) else {
            return;
        };
        for e in entries {
            let def = &e.value;
            if def.as_map().is_none() {
                continue;
            }
            if def
                .get("external")
                .and_then(|x| x.as_scalar())
                .is_some_and(|s| syntax::parse_bool(&s.text) == Some(true))
            {
                continue;
            }
            let driver = def
                .get("driver")
                .and_then(|d| self.expand(d, "driver"))
                .map(|d| d.value.display().to_string())
                .unwrap_or_else(|| "local".into());
            let Some(opts) = def.get("driver_opts") else {
                continue;
            };
            let device = match driver.as_str() {
                "local" => {
                    let o = opts.get("o").and_then(|o| self.expand(o, "o"));
                    let binds = o.is_some_and(|o| {
                        o.value.display().split(',').any(|x| {
                            let x = x.trim();
                            x == "bind" || x == "rbind"
                        })
                    });
                    if !binds {
                        continue;
                    }
                    opts.get("device")
                }
                "local-persist" => opts.get("mountpoint"),
                _ => None,
            };
            let Some(dev) = device.and_then(|d| self.expand(d, "device")) else {
                continue;
            };
            self.volumes.insert(
                e.key.clone(),
                VolumeDef {
                    host_path: dev.value,
                    span: dev.span,
                },
            );
        }
    }

    /// Reads one service.
    pub fn service(
        &mut self,
        name: &str,
        key_span: Span,
        svc: &Node,
        suppressions: &Suppressions,
    ) -> ContainerSpec {
        let mut spec = ContainerSpec::new(SpecSource::Compose, name, key_span);
        spec.suppressions = suppressions.clone();
        let mut unresolved = Vec::new();

        if let Some(img) = svc.get("image").and_then(|n| self.expand(n, "image")) {
            spec.image_ref = img.value.known().and_then(|s| ImageRef::parse(s).ok());
            spec.image = Some(img);
        }
        spec.build = svc.get("build").and_then(|b| self.build(b));
        spec.user = svc.get("user").and_then(|n| self.expand(n, "user"));
        spec.group_add = self.string_list(svc.get("group_add"), "group_add");
        spec.privileged = self.boolean(svc.get("privileged"), "privileged", &mut unresolved);
        spec.read_only = self.boolean(svc.get("read_only"), "read_only", &mut unresolved);
        spec.cap_add = self.caps(svc.get("cap_add"), "cap_add", &mut unresolved);
        spec.cap_drop = self.caps(svc.get("cap_drop"), "cap_drop", &mut unresolved);
        spec.security_opt = self.string_list(svc.get("security_opt"), "security_opt");
        spec.network_mode = svc
            .get("network_mode")
            .and_then(|n| self.expand(n, "network_mode"));
        spec.pid_mode = svc.get("pid").and_then(|n| self.expand(n, "pid"));
        spec.ipc_mode = svc.get("ipc").and_then(|n| self.expand(n, "ipc"));
        spec.uts_mode = svc.get("uts").and_then(|n| self.expand(n, "uts"));
        spec.userns_mode = svc
            .get("userns_mode")
            .and_then(|n| self.expand(n, "userns_mode"));
        spec.cgroupns_mode = svc.get("cgroup").and_then(|n| self.expand(n, "cgroup"));
        spec.cgroup_parent = svc
            .get("cgroup_parent")
            .and_then(|n| self.expand(n, "cgroup_parent"));
        spec.devices = self.devices(svc.get("devices"), &mut unresolved);
        spec.device_cgroup_rules =
            self.string_list(svc.get("device_cgroup_rules"), "device_cgroup_rules");
        spec.tmpfs = dedupe_by(self.string_list(svc.get("tmpfs"), "tmpfs"), |t| {
            t.value.display().to_string()
        });
        spec.sysctls = self
            .kv(svc.get("sysctls"), "sysctls")
            .into_iter()
            .map(|kv| {
                let v = kv
                    .value
                    .unwrap_or_else(|| Spanned::new(Expanded::literal(""), kv.span));
                (kv.name, v)
            })
            .collect();
        spec.volumes_from = self.string_list(svc.get("volumes_from"), "volumes_from");
        spec.mounts = self.mounts(svc.get("volumes"));
        spec.ports = self.ports(svc.get("ports"));
        spec.expose = dedupe_by(self.string_list(svc.get("expose"), "expose"), |e| {
            e.value.display().to_string()
        });

        let mut env = Vec::new();
        if let Some(ef) = svc.get("env_file") {
            self.env_files(ef, &mut spec.env_files, &mut env);
        }
        for kv in self.kv(svc.get("environment"), "environment") {
            env.push(EnvVar {
                name: kv.name,
                value: kv.value,
                span: kv.span,
            });
        }
        spec.env = env;
        spec.labels = self
            .kv(svc.get("labels"), "labels")
            .into_iter()
            .map(|kv| {
                let v = kv
                    .value
                    .unwrap_or_else(|| Spanned::new(Expanded::literal(""), kv.span));
                (kv.name, v)
            })
            .collect();
        spec.command = svc.get("command").and_then(|n| self.command(n, "command"));
        spec.entrypoint = svc
            .get("entrypoint")
            .and_then(|n| self.command(n, "entrypoint"));
        self.resources(svc, &mut spec);
        spec.healthcheck = svc.get("healthcheck").and_then(|h| self.healthcheck(h));
        spec.restart = svc
            .get("restart")
            .and_then(|n| self.expand(n, "restart"))
            .or_else(|| self.deploy_restart(svc));
        spec.profiles = self
            .string_list(svc.get("profiles"), "profiles")
            .into_iter()
            .map(|p| p.map(|e| e.display().to_string()))
            .collect();
        spec.unresolved.append(&mut unresolved);
        spec
    }

    fn build(&mut self, b: &Node) -> Option<BuildRef> {
        let mut r = BuildRef {
            context: None,
            dockerfile: None,
            args: Vec::new(),
            target: None,
            span: b.span,
        };
        match &b.kind {
            Kind::Scalar(_) => r.context = self.expand(b, "build"),
            Kind::Map(_) => {
                r.context = b.get("context").and_then(|n| self.expand(n, "context"));
                r.dockerfile = b
                    .get("dockerfile")
                    .and_then(|n| self.expand(n, "dockerfile"));
                r.target = b.get("target").and_then(|n| self.expand(n, "target"));
                r.args = self
                    .kv(b.get("args"), "build.args")
                    .into_iter()
                    .map(|kv| (kv.name, kv.value))
                    .collect();
            }
            Kind::Null => return None,
            Kind::Seq(_) => {
                self.error(b.span, "`build` must be a string or a mapping");
                return None;
            }
        }
        Some(r)
    }

    fn caps(
        &mut self,
        n: Option<&Node>,
        what: &str,
        unresolved: &mut Vec<Spanned<String>>,
    ) -> Vec<Spanned<String>> {
        let list = self.string_list(n, what);
        let mut out = Unique::new();
        for c in list {
            if !c.value.is_known() {
                unresolved.push(Spanned::new(what.to_string(), c.span));
            }
            let text = c.value.display().to_string();
            out.put(text.clone(), Spanned::new(text, c.span));
        }
        out.items
    }

    fn devices(
        &mut self,
        n: Option<&Node>,
        unresolved: &mut Vec<Spanned<String>>,
    ) -> Vec<Spanned<DeviceMapping>> {
        let Some(n) = n else { return Vec::new() };
        let mut out = Unique::new();
        for item in self.items(n, "devices") {
            let dev = match &item.kind {
                Kind::Scalar(_) => {
                    let Some(v) = self.expand(item, "devices") else {
                        continue;
                    };
                    if !v.value.is_known() {
                        unresolved.push(Spanned::new("devices".into(), v.span));
                    }
                    let (host, container, permissions) = syntax::split_device(v.value.display());
                    DeviceMapping {
                        host,
                        container,
                        permissions,
                    }
                }
                Kind::Map(_) => {
                    let mut get = |k: &str| {
                        item.get(k).and_then(|x| self.expand(x, k)).map(|e| {
                            if !e.value.is_known() {
                                unresolved.push(Spanned::new("devices".into(), e.span));
                            }
                            e.value.display().to_string()
                        })
                    };
                    let host = get("source").unwrap_or_default();
                    let container = get("target").unwrap_or_else(|| host.clone());
                    let permissions = get("permissions").unwrap_or_else(|| "rwm".into());
                    DeviceMapping {
                        host,
                        container,
                        permissions,
                    }
                }
                _ => continue,
            };
            let key = if dev.container.is_empty() {
                dev.host.clone()
            } else {
                dev.container.clone()
            };
            out.put(key, Spanned::new(dev, item.span));
        }
        out.items
    }

    /// Key/value items from a mapping or a `KEY=VALUE` list.
    fn kv(&mut self, n: Option<&Node>, what: &str) -> Vec<Kv> {
        let Some(n) = n else { return Vec::new() };
        let mut out: Unique<Kv> = Unique::new();
        let push = |out: &mut Unique<Kv>, kv: Kv| out.put(kv.name.value.clone(), kv);
        match &n.kind {
            Kind::Map(entries) => {
                for e in entries {
                    if let Some(kv) = self.kv_entry(e, what) {
                        push(&mut out, kv);
                    }
                }
            }
            Kind::Seq(items) => {
                for item in items {
                    match &item.kind {
                        Kind::Scalar(s) => {
                            if let Some(kv) = self.kv_string(s, item.span) {
                                push(&mut out, kv);
                            }
                        }
                        Kind::Map(entries) => {
                            for e in entries {
                                if let Some(kv) = self.kv_entry(e, what) {
                                    push(&mut out, kv);
                                }
                            }
                        }
                        Kind::Null => {}
                        Kind::Seq(_) => self.error(item.span, format!("invalid `{what}` item")),
                    }
                }
            }
            Kind::Null => {}
            Kind::Scalar(s) => {
                if let Some(kv) = self.kv_string(s, n.span) {
                    push(&mut out, kv);
                }
            }
        }
        out.items
    }

    fn kv_entry(&mut self, e: &crate::yaml::Entry, what: &str) -> Option<Kv> {
        if e.value.tag == crate::yaml::NodeTag::Reset {
            return None;
        }
        let value = match &e.value.kind {
            Kind::Null => None,
            Kind::Scalar(_) => self.expand(&e.value, what),
            _ => {
                self.error(e.value.span, format!("`{what}` values must be strings"));
                None
            }
        };
        Some(Kv {
            name: Spanned::new(e.key.clone(), e.key_span),
            value,
            span: e.span(),
        })
    }

    /// `KEY=VALUE` or `KEY`: the name and value are interpolated separately.
    fn kv_string(&mut self, s: &Scalar, span: Span) -> Option<Kv> {
        let text = s.text.as_str();
        let eq = syntax::split_outside_braces(text, b'=');
        let (name_raw, value_raw) = if eq.len() > 1 {
            (&text[..eq[0].1], Some(&text[eq[0].1 + 1..]))
        } else {
            (text, None)
        };
        let name = if name_raw.contains('$') {
            self.interp(name_raw, s.ctx, span).display().to_string()
        } else {
            name_raw.to_string()
        };
        if name.is_empty() {
            return None;
        }
        let value = value_raw.map(|v| Spanned::new(self.interp(v, s.ctx, span), span));
        Some(Kv {
            name: Spanned::new(name, span),
            value,
            span,
        })
    }

    /// `env_file` entries: each path is recorded; files that exist are read
    /// into `env`. A missing file is not an error here even when `required`
    /// (env files are often kept out of repositories).
    fn env_files(&mut self, n: &Node, paths: &mut Vec<Spanned<Expanded>>, env: &mut Vec<EnvVar>) {
        for item in self.items(n, "env_file") {
            let path_node = match &item.kind {
                Kind::Scalar(_) => item,
                Kind::Map(_) => match item.get("path") {
                    Some(p) => p,
                    None => {
                        self.error(item.span, "`env_file` entry without `path`");
                        continue;
                    }
                },
                _ => continue,
            };
            let Some(path) = self.expand(path_node, "env_file") else {
                continue;
            };
            let ctx = path_node.as_scalar().map_or(0, |s| s.ctx);
            if let Some(p) = path.value.known() {
                self.read_env_file(p, ctx, env);
            }
            paths.push(path);
        }
    }

    /// Reads an env file (if it exists) into `env`, with spans in that file.
    fn read_env_file(&mut self, rel: &str, ctx: u32, env: &mut Vec<EnvVar>) {
        let Some(c) = self.ctxs.get(ctx as usize) else {
            return;
        };
        let path = match &c.dir {
            Some(d) => d.join(rel),
            None if Path::new(rel).is_absolute() => PathBuf::from(rel),
            None => return,
        };
        let file = match self.env_files.get(&path) {
            Some(f) => f.clone(),
            None => {
                let f = read_small(&path, MAX_ENV_FILE).map(|text| {
                    let f = self.sources.add(rel, Some(path.clone()), text);
                    self.files.push(f.id);
                    f
                });
                self.env_files.insert(path.clone(), f.clone());
                f
            }
        };
        let Some(file) = file else { return };
        let vars_env = c.env.clone();
        let (vars, errs) = dotenv::parse(&file.text, vars_env.as_ref());
        for e in errs {
            self.error(Span::point(file.id, e.at), e.message);
        }
        let id = file.id;
        let mut out: Unique<EnvVar> = Unique::new();
        for v in vars {
            let name = Spanned::new(v.key, Span::new(id, v.key_range.0, v.key_range.1));
            let value = v.value.map(|val| {
                Spanned::new(
                    Expanded {
                        raw: val.raw,
                        value: val.value,
                        unresolved: val.unresolved,
                    },
                    Span::new(id, val.range.0, val.range.1),
                )
            });
            let var = EnvVar {
                name,
                value,
                span: Span::new(id, v.line_range.0, v.line_range.1),
            };
            out.put(var.name.value.clone(), var);
        }
        env.extend(out.items);
    }

    fn command(&mut self, n: &Node, what: &str) -> Option<Spanned<Vec<Expanded>>> {
        match &n.kind {
            Kind::Seq(items) => {
                let mut words = Vec::with_capacity(items.len());
                for i in items {
                    match &i.kind {
                        Kind::Scalar(s) => words.push(self.interp(&s.text, s.ctx, i.span)),
                        Kind::Null => words.push(Expanded::literal("")),
                        _ => self.error(i.span, format!("`{what}` items must be strings")),
                    }
                }
                Some(Spanned::new(words, n.span))
            }
            Kind::Scalar(s) => {
                let whole = self.interp(&s.text, s.ctx, n.span);
                let Some(raw_words) = syntax::shell_words(&s.text) else {
                    self.error(n.span, format!("`{what}` has an unterminated quote"));
                    return Some(Spanned::new(vec![whole], n.span));
                };
                let words = match whole.value.as_deref().map(syntax::shell_words) {
                    Some(Some(vals)) if vals.len() == raw_words.len() => raw_words
                        .into_iter()
                        .zip(vals)
                        .map(|(raw, value)| Expanded {
                            raw,
                            value: Some(value),
                            unresolved: Vec::new(),
                        })
                        .collect(),
                    Some(Some(vals)) => vals.into_iter().map(Expanded::literal).collect(),
                    _ => raw_words
                        .iter()
                        .map(|w| self.interp(w, s.ctx, n.span))
                        .collect(),
                };
                Some(Spanned::new(words, n.span))
            }
            Kind::Null => None,
            Kind::Map(_) => {
                self.error(n.span, format!("`{what}` must be a string or a list"));
                None
            }
        }
    }

    fn resources(&mut self, svc: &Node, spec: &mut ContainerSpec) {
        let mut un = Vec::new();
        let limits = svc
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("limits"));
        let reservations = svc
            .get("deploy")
            .and_then(|d| d.get("resources"))
            .and_then(|r| r.get("reservations"));
        let r = &mut spec.resources;
        r.memory = self
            .number(
                svc.get("mem_limit"),
                "mem_limit",
                syntax::parse_bytes,
                &mut un,
            )
            .or_else(|| {
                self.number(
                    limits.and_then(|l| l.get("memory")),
                    "deploy.resources.limits.memory",
                    syntax::parse_bytes,
                    &mut un,
                )
            });
        r.memory_swap = self.number(
            svc.get("memswap_limit"),
            "memswap_limit",
            syntax::parse_bytes,
            &mut un,
        );
        r.memory_reservation = self
            .number(
                svc.get("mem_reservation"),
                "mem_reservation",
                syntax::parse_bytes,
                &mut un,
            )
            .or_else(|| {
                self.number(
                    reservations.and_then(|l| l.get("memory")),
                    "deploy.resources.reservations.memory",
                    syntax::parse_bytes,
                    &mut un,
                )
            });
        r.nano_cpus = self
            .number(svc.get("cpus"), "cpus", syntax::parse_nano_cpus, &mut un)
            .or_else(|| {
                self.number(
                    limits.and_then(|l| l.get("cpus")),
                    "deploy.resources.limits.cpus",
                    syntax::parse_nano_cpus,
                    &mut un,
                )
            });
        r.cpu_quota = self.number(
            svc.get("cpu_quota"),
            "cpu_quota",
            syntax::parse_int_or_micros,
            &mut un,
        );
        r.cpu_period = self.number(
            svc.get("cpu_period"),
            "cpu_period",
            syntax::parse_int_or_micros,
            &mut un,
        );
        r.cpu_shares = self.number(
            svc.get("cpu_shares"),
            "cpu_shares",
            syntax::parse_int_or_micros,
            &mut un,
        );
        r.cpuset_cpus = svc
            .get("cpuset")
            .and_then(|n| self.expand(n, "cpuset"))
            .map(|e| {
                if !e.value.is_known() {
                    un.push(Spanned::new("cpuset".into(), e.span));
                }
                e.map(|x| x.display().to_string())
            });
        let parse_pids = |s: &str| s.trim().parse::<i64>().ok();
        r.pids_limit = self
            .number(svc.get("pids_limit"), "pids_limit", parse_pids, &mut un)
            .or_else(|| {
                self.number(
                    limits.and_then(|l| l.get("pids")),
                    "deploy.resources.limits.pids",
                    parse_pids,
                    &mut un,
                )
            });
        spec.resources.unresolved.append(&mut un);
    }

    fn healthcheck(&mut self, h: &Node) -> Option<Spanned<Healthcheck>> {
        if h.as_map().is_none() {
            self.error(h.span, "`healthcheck` must be a mapping");
            return None;
        }
        let mut hc = Healthcheck {
            disabled: false,
            test: Vec::new(),
        };
        if let Some(d) = h.get("disable").and_then(|d| self.expand(d, "disable"))
            && d.value.known().and_then(syntax::parse_bool) == Some(true)
        {
            hc.disabled = true;
        }
        if let Some(t) = h.get("test") {
            match &t.kind {
                Kind::Scalar(_) => {
                    if let Some(v) = self.expand(t, "test") {
                        hc.test = vec!["CMD-SHELL".into(), v.value.display().to_string()];
                    }
                }
                Kind::Seq(_) => {
                    hc.test = self
                        .string_list(Some(t), "test")
                        .into_iter()
                        .map(|x| x.value.display().to_string())
                        .collect();
                }
                _ => {}
            }
            if hc.test.first().is_some_and(|x| x == "NONE") {
                hc.disabled = true;
            }
        }
        Some(Spanned::new(hc, h.span))
    }

    /// `deploy.restart_policy` as a restart policy, when `restart` is absent.
    fn deploy_restart(&mut self, svc: &Node) -> Option<Spanned<Expanded>> {
        let rp = svc.get("deploy")?.get("restart_policy")?;
        let cond = rp
            .get("condition")
            .and_then(|c| self.expand(c, "condition"));
        let attempts = rp
            .get("max_attempts")
            .and_then(|c| self.expand(c, "max_attempts"))
            .and_then(|a| a.value.value);
        let (value, span) = match cond {
            Some(c) => {
                let v = c.value.value.as_deref().map(|v| match v {
                    "none" => "no".to_string(),
                    "on-failure" => match &attempts {
                        Some(n) => format!("on-failure:{n}"),
                        None => "on-failure".into(),
                    },
                    "any" => "always".into(),
                    other => other.to_string(),
                });
                (
                    Expanded {
                        raw: c.value.raw,
                        value: v,
                        unresolved: c.value.unresolved,
                    },
                    c.span,
                )
            }
            // The default condition is `any`.
            None => (
                Expanded {
                    raw: String::new(),
                    value: Some("always".into()),
                    unresolved: Vec::new(),
                },
                rp.span,
            ),
        };
        Some(Spanned::new(value, span))
    }

    fn mounts(&mut self, n: Option<&Node>) -> Vec<Mount> {
        let Some(n) = n else { return Vec::new() };
        let mut out = Unique::new();
        for item in self.items(n, "volumes") {
            let m = match &item.kind {
                Kind::Scalar(s) => self.short_mount(s, item.span),
                Kind::Map(_) => self.long_mount(item),
                _ => None,
            };
            let Some(m) = m else { continue };
            out.put(m.target.display().to_string(), m);
        }
        out.items
    }

    /// Pieces of `text` (byte ranges), each interpolated on its own.
    fn piece(&mut self, text: &str, r: (usize, usize), ctx: u32, span: Span) -> Expanded {
        self.interp(&text[r.0..r.1], ctx, span)
    }

    fn short_mount(&mut self, s: &Scalar, span: Span) -> Option<Mount> {
        let whole = self.interp(&s.text, s.ctx, span);
        // Parse the expanded value when it is known, else the raw text with
        // each part interpolated separately.
        let (text, known) = match &whole.value {
            Some(v) => (v.clone(), true),
            None => (s.text.clone(), false),
        };
        let parts = match syntax::split_volume(&text) {
            Ok(p) => p,
            Err(msg) => {
                self.error(span, format!("invalid volume `{}`: {msg}", s.text));
                return None;
            }
        };
        let part = |me: &mut Self, r: (usize, usize)| -> Expanded {
            if known {
                Expanded::literal(&text[r.0..r.1])
            } else {
                me.piece(&text, r, s.ctx, span)
            }
        };
        let source = parts.source.map(|r| part(self, r));
        let target = part(self, parts.target);
        let mut m = Mount {
            kind: MountKind::Volume,
            source: None,
            target,
            read_only: false,
            propagation: None,
            volume_host_path: None,
            volume_def_span: None,
            selinux_label: None,
            span,
        };
        if let Some(opts) = parts.options {
            for o in text[opts.0..opts.1].split(',') {
                match o.trim() {
                    "ro" | "readonly" => m.read_only = true,
                    "rw" => m.read_only = false,
                    l @ ("z" | "Z") => m.selinux_label = Some(l.to_string()),
                    p if syntax::is_propagation(p) => m.propagation = Some(p.to_string()),
                    _ => {}
                }
            }
        }
        if let Some(src) = source {
            m.kind = match src.known() {
                Some(v) if !syntax::is_host_path(v) => MountKind::Volume,
                Some(_) => MountKind::Bind,
                // An unresolved source: a volume name only if the raw text
                // clearly is one; otherwise treat it as a host path of unknown value.
                None => {
                    let lead = src.raw.as_bytes().first().copied();
                    if lead.is_some_and(|c| c.is_ascii_alphanumeric())
                        && !syntax::is_host_path(&src.raw)
                    {
                        MountKind::Volume
                    } else {
                        MountKind::Bind
                    }
                }
            };
            if m.kind == MountKind::Volume {
                self.attach_volume_def(&mut m, &src);
            }
            m.source = Some(src);
        }
        Some(m)
    }

    fn attach_volume_def(&self, m: &mut Mount, name: &Expanded) {
        if let Some(def) = name.known().and_then(|n| self.volumes.get(n)) {
            m.volume_host_path = Some(def.host_path.clone());
            m.volume_def_span = Some(def.span);
        }
    }

    fn long_mount(&mut self, item: &Node) -> Option<Mount> {
        let ty = item
            .get("type")
            .and_then(|t| self.expand(t, "type"))
            .map(|t| t.value.display().to_string());
        let source = item.get("source").and_then(|x| self.expand(x, "source"));
        let Some(target) = item.get("target").and_then(|x| self.expand(x, "target")) else {
            self.error(item.span, "volume without a `target`");
            return None;
        };
        let kind = match ty.as_deref() {
            Some("bind") => MountKind::Bind,
            Some("volume") => MountKind::Volume,
            Some("tmpfs") => MountKind::Tmpfs,
            Some("npipe") => MountKind::Npipe,
            Some("image") => MountKind::Image,
            Some("cluster") => MountKind::Cluster,
            Some(other) => {
                self.error(item.span, format!("unknown volume type `{other}`"));
                return None;
            }
            None => match source.as_ref().and_then(|s| s.value.known()) {
                Some(v) if syntax::is_host_path(v) => MountKind::Bind,
                _ => MountKind::Volume,
            },
        };
        let mut unresolved = Vec::new();
        let read_only = self
            .boolean(item.get("read_only"), "read_only", &mut unresolved)
            .is_some_and(|b| b.value);
        let bind = item.get("bind");
        let propagation = bind
            .and_then(|b| b.get("propagation"))
            .and_then(|p| self.expand(p, "propagation"))
            .map(|p| p.value.display().to_string());
        let selinux_label = bind
            .and_then(|b| b.get("selinux"))
            .and_then(|p| self.expand(p, "selinux"))
            .map(|p| p.value.display().to_string());
        let mut m = Mount {
            kind,
            source: None,
            target: target.value,
            read_only,
            propagation,
            volume_host_path: None,
            volume_def_span: None,
            selinux_label,
            span: item.span,
        };
        if let Some(src) = source {
            if kind == MountKind::Volume {
                self.attach_volume_def(&mut m, &src.value);
            }
            m.source = Some(src.value);
        }
        Some(m)
    }

    fn ports(&mut self, n: Option<&Node>) -> Vec<PortBinding> {
        let Some(n) = n else { return Vec::new() };
        let mut out = Unique::new();
        for item in self.items(n, "ports") {
            let p = match &item.kind {
                Kind::Scalar(s) => self.short_port(s, item.span).map(|p| (s.text.clone(), p)),
                Kind::Map(_) => self.long_port(item),
                _ => None,
            };
            let Some((key, p)) = p else { continue };
            out.put(key, p);
        }
        out.items
    }

    fn short_port(&mut self, s: &Scalar, span: Span) -> Option<PortBinding> {
        let whole = self.interp(&s.text, s.ctx, span);
        let (text, known) = match &whole.value {
            Some(v) => (v.clone(), true),
            None => (s.text.clone(), false),
        };
        let Some(parts) = syntax::split_port(&text) else {
            self.error(span, format!("invalid port `{}`", s.text));
            return None;
        };
        let mut unresolved = !known;
        let mut get = |me: &mut Self, r: (usize, usize)| -> Option<String> {
            if known {
                return Some(text[r.0..r.1].to_string());
            }
            let e = me.piece(&text, r, s.ctx, span);
            if e.value.is_none() {
                unresolved = true;
            }
            e.value
        };
        let ip = parts.ip.and_then(|r| get(self, r));
        let host = parts.host.and_then(|r| get(self, r));
        let container = get(self, parts.container);
        let proto = parts
            .proto
            .and_then(|r| get(self, r))
            .map(|p| p.to_ascii_lowercase())
            .unwrap_or_else(|| "tcp".into());
        let mut bad = false;
        let host_port = match host.as_deref() {
            Some(h) if !h.is_empty() => {
                let r = syntax::parse_port_range(h);
                bad |= r.is_none();
                r
            }
            _ => None,
        };
        let container_port = match container.as_deref() {
            Some(c) => {
                let r = syntax::parse_port_range(c);
                bad |= r.is_none();
                r.unwrap_or((0, 0))
            }
            None => (0, 0),
        };
        if bad {
            self.error(span, format!("invalid port `{}`", s.text));
            return None;
        }
        let host_ip = ip.map(|i| i.trim_start_matches('[').trim_end_matches(']').to_string());
        Some(PortBinding {
            host_ip: host_ip.filter(|i| !i.is_empty()),
            host_port,
            container_port,
            protocol: proto,
            unresolved: unresolved.then(|| s.text.clone()),
            span,
        })
    }

    fn long_port(&mut self, item: &Node) -> Option<(String, PortBinding)> {
        let mut unresolved: Vec<String> = Vec::new();
        let mut field = |me: &mut Self, k: &str| -> Option<String> {
            let e = item.get(k).and_then(|x| me.expand(x, k))?;
            if e.value.value.is_none() {
                unresolved.push(e.value.raw.clone());
            }
            e.value.value
        };
        let target = field(self, "target");
        let published = field(self, "published");
        let host_ip = field(self, "host_ip");
        let protocol = field(self, "protocol")
            .map(|p| p.to_ascii_lowercase())
            .unwrap_or_else(|| "tcp".into());
        let container_port = match target.as_deref().map(syntax::parse_port_range) {
            Some(Some(r)) => r,
            Some(None) => {
                self.error(item.span, "invalid port `target`");
                return None;
            }
            None if unresolved.is_empty() => {
                self.error(item.span, "port without a `target`");
                return None;
            }
            None => (0, 0),
        };
        let host_port = match published.as_deref().filter(|p| !p.is_empty()) {
            Some(p) => match syntax::parse_port_range(p) {
                Some(r) => Some(r),
                None => {
                    self.error(item.span, "invalid port `published`");
                    return None;
                }
            },
            None => None,
        };
        let key = format!(
            "{}:{}:{}/{}",
            host_ip.as_deref().unwrap_or("0.0.0.0"),
            published.as_deref().unwrap_or(""),
            target.as_deref().unwrap_or(""),
            protocol
        );
        Some((
            key,
            PortBinding {
                host_ip: host_ip.filter(|i| !i.is_empty()),
                host_port,
                container_port,
                protocol,
                unresolved: (!unresolved.is_empty()).then(|| unresolved.join(" ")),
                span: item.span,
            },
        ))
    }
}

/// Items unique by key: a later item replaces an earlier one in its place
/// (Compose's rule for volumes, ports, environment, …).
struct Unique<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Unique<T> {
    fn new() -> Self {
        Unique {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }

    fn put(&mut self, key: String, item: T) {
        match self.index.get(&key) {
            Some(&i) => self.items[i] = item,
            None => {
                self.index.insert(key, self.items.len());
                self.items.push(item);
            }
        }
    }
}

fn dedupe_by<T>(items: Vec<T>, key: impl Fn(&T) -> String) -> Vec<T> {
    let mut u = Unique::new();
    for it in items {
        u.put(key(&it), it);
    }
    u.items
}

/// Reads a UTF-8 file of at most `max` bytes.
pub(crate) fn read_small(path: &Path, max: u64) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > max {
        return None;
    }
    let bytes = std::fs::read(path).ok()?;
    String::from_utf8(bytes).ok()
}
