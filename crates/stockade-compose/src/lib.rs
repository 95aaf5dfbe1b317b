//! Compose loading into [`ContainerSpec`]s, one per service.
//!
//! Reads Compose files the way `docker compose` does: YAML with anchors,
//! aliases and merge keys (saphyr, with spans on every node and a budget on
//! alias expansion), variable interpolation from the `.env` file or
//! `--env-file` files, `extends` (same file or another file), top-level
//! `include`, several `-f` files merged with Compose's merge rules, and
//! `!reset`/`!override` tags. Every value in the resulting specs carries the
//! span where it was written; a value inherited through a merge key points
//! at the anchor that defined it.
//!
//! Variables that cannot be resolved are never guessed: the value becomes
//! unknown ([`Expanded::value`] is `None`), typed settings written with them
//! are listed in [`ContainerSpec::unresolved`] (limits in
//! `resources.unresolved`, ports in [`stockade_core::PortBinding::unresolved`]).
//!
//! Choices where Compose leaves room or would refuse to run:
//! - `--env-file` files replace the default `.env` (as in Compose); the
//!   process environment is only read with [`LoadOptions::use_process_env`].
//! - A missing `env_file` is skipped silently (even `required: true`): such
//!   files are usually kept out of repositories. Its path is still recorded
//!   in [`ContainerSpec::env_files`].
//! - A volume whose source cannot be resolved (`${DATA}:/data`) is a bind
//!   mount with an unknown host path, unless the raw text is clearly a
//!   volume name (`name${SUFFIX}`).
//! - Values Compose would reject (an invalid port, size or boolean, a bad
//!   `${…}`) are [`InputError`]s with the value's span; the rest of the
//!   service is still read.
//!
//! Suppressions: a comment line `# stockade: ignore=ID[,ID] -- reason`
//! covers the entry or list item on the next non-comment line (a service
//! key covers the whole service); `# stockade: ignore-file=ID` covers the
//! file. Every spec of a project carries the suppressions of all the
//! project's files (each is scoped by file and span).

mod dotenv;
mod interp;
mod merge;
mod service;
mod syntax;
mod yaml;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use stockade_core::{ContainerSpec, FileId, InputError, SourceFile, SourceMap, Span, Suppressions};

use crate::interp::EnvMap;
use crate::service::{Ctx, Reader, read_small};
use crate::yaml::{Kind, Node};

pub use stockade_core::Expanded;

/// How to load a project.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// `--env-file` files, in order (a later file wins). When empty, the
    /// `.env` file in the project directory is read if it exists.
    pub env_files: Vec<PathBuf>,
    /// Also use the process environment for interpolation (it wins over
    /// env files, as in Compose). Off by default so results are reproducible.
    pub use_process_env: bool,
    /// Budget of nodes that YAML aliases may produce in one file; also
    /// bounds what `extends` may copy in one project.
    pub max_alias_nodes: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            env_files: Vec::new(),
            use_process_env: false,
            max_alias_nodes: 100_000,
        }
    }
}

/// One loaded Compose project.
#[derive(Debug, Clone)]
pub struct Project {
    /// The `name:` key, else the project directory's name (normalized like Compose).
    pub name: String,
    /// One spec per service, in file order (services with `profiles` included).
    pub services: Vec<ContainerSpec>,
    /// Every file read: Compose files, extended and included files, env files.
    pub files: Vec<FileId>,
}

/// Largest Compose file read.
const MAX_COMPOSE_FILE: u64 = 32 << 20;
/// Deepest chain of `include`/`extends` files, and of `extends` within a file.
const MAX_FILE_DEPTH: usize = 16;
const MAX_EXTENDS_DEPTH: usize = 64;

/// Loads one Compose project from its file(s) (the first is the base; later
/// files merge over it). Reads `extends`/`include` files and the `.env`
/// beside the first file through `sources` (registering every file it reads).
pub fn load(
    files: &[PathBuf],
    sources: &SourceMap,
    opts: &LoadOptions,
) -> (Option<Project>, Vec<InputError>) {
    let mut errors = Vec::new();
    let mut loaded = Vec::new();
    for p in files {
        match read_compose_file(p) {
            Ok(text) => loaded.push(sources.add(p.display().to_string(), Some(p.clone()), text)),
            Err(msg) => errors.push(InputError::new(p.display().to_string(), None, msg)),
        }
    }
    if loaded.is_empty() {
        return (None, errors);
    }
    let (project, more) = load_sources(&loaded, sources, opts);
    errors.extend(more);
    (project, errors)
}

/// Same as [`load`] for files already in the [`SourceMap`] (stdin, tests).
/// Relative references (`env_file`, `extends.file`, `include`, `.env`) are
/// resolved against the first file's `disk_path` directory; without one
/// they cannot be read.
pub fn load_sources(
    files: &[Arc<SourceFile>],
    sources: &SourceMap,
    opts: &LoadOptions,
) -> (Option<Project>, Vec<InputError>) {
    let mut ld = Loader {
        sources,
        opts,
        ctxs: Vec::new(),
        errors: Vec::new(),
        files: files.iter().map(|f| f.id).collect(),
        suppressions: Suppressions::default(),
        stack: Vec::new(),
        extends_cache: HashMap::new(),
        budget: opts.max_alias_nodes.max(1),
    };
    let Some(first) = files.first() else {
        return (None, ld.errors);
    };
    let project_dir = first.disk_path.as_deref().and_then(Path::parent).map(|d| {
        if d.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            d.to_path_buf()
        }
    });
    let env = ld.project_env(project_dir.as_deref());
    let ctx0 = ld.add_ctx(Arc::new(env), project_dir.clone());

    let mut root: Option<Node> = None;
    for f in files {
        if let Some(doc) = ld.load_file(f, ctx0, 0) {
            root = Some(match root {
                None => doc,
                Some(base) => merge::merge_documents(base, doc),
            });
        }
    }
    let Some(root) = root else {
        return (None, ld.errors);
    };

    let name = project_name(&mut ld, &root, project_dir.as_deref());
    let services = ld.read_services(&root);
    let Loader {
        errors, mut files, ..
    } = ld;
    files.dedup();
    (
        Some(Project {
            name,
            services,
            files,
        }),
        errors,
    )
}

/// Whether a file name is one Compose uses: `compose*.y(a)ml`,
/// `docker-compose*.y(a)ml` or `*.compose.y(a)ml`.
pub fn is_compose_name(file_name: &str) -> bool {
    let lower = file_name.to_ascii_lowercase();
    let Some(stem) = lower
        .strip_suffix(".yaml")
        .or_else(|| lower.strip_suffix(".yml"))
    else {
        return false;
    };
    stem.starts_with("compose") || stem.starts_with("docker-compose") || stem.ends_with(".compose")
}

/// Whether text looks like a Compose file: a top-level `services` mapping
/// whose entries carry `image` or `build`. A cheap text check first, then
/// confirmed by parsing.
pub fn looks_like_compose(text: &str) -> bool {
    let has_services = text.trim_start_matches('\u{feff}').lines().any(|l| {
        l.starts_with("services:") || l.starts_with("\"services\":") || l.starts_with("'services':")
    });
    if !has_services || !(text.contains("image") || text.contains("build")) {
        return false;
    }
    let file = SourceFile::new(FileId(0), "", None, text.to_string());
    let Ok(parsed) = yaml::parse(&file, 0, 10_000) else {
        return false;
    };
    parsed.docs.iter().any(|d| {
        d.get("services")
            .and_then(Node::as_map)
            .is_some_and(|svcs| {
                svcs.iter()
                    .any(|s| s.value.entry("image").is_some() || s.value.entry("build").is_some())
            })
    })
}

/// The override file `docker compose` adds when it finds the default file
/// itself (`compose.yaml` → `compose.override.yaml` …), if one exists.
pub fn default_override(first: &Path) -> Option<PathBuf> {
    const DEFAULTS: [&str; 4] = [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
    ];
    const OVERRIDES: [&str; 4] = [
        "compose.override.yml",
        "compose.override.yaml",
        "docker-compose.override.yml",
        "docker-compose.override.yaml",
    ];
    let name = first.file_name()?.to_str()?;
    if !DEFAULTS.contains(&name) {
        return None;
    }
    let dir = first.parent().unwrap_or(Path::new(""));
    OVERRIDES.iter().map(|o| dir.join(o)).find(|p| p.is_file())
}

fn read_compose_file(p: &Path) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(p).map_err(|e| format!("cannot read: {e}"))?;
    let mut bytes = Vec::new();
    // Read at most one byte past the limit to detect oversized files.
    file.take(MAX_COMPOSE_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read: {e}"))?;
    if bytes.len() as u64 > MAX_COMPOSE_FILE {
        return Err(format!("file too large (limit {MAX_COMPOSE_FILE} bytes)"));
    }
    String::from_utf8(bytes).map_err(|_| "not valid UTF-8".to_string())
}

fn project_name(ld: &mut Loader<'_>, root: &Node, dir: Option<&Path>) -> String {
    if let Some(Kind::Scalar(s)) = root.get("name").map(|n| &n.kind)
        && let Some(env) = ld.ctxs.get(s.ctx as usize)
        && let Ok(o) = interp::interpolate(&s.text, env.env.as_ref())
        && let Some(v) = o.value
        && !v.is_empty()
    {
        return v;
    }
    let base = dir
        .and_then(|d| {
            let abs = std::path::absolute(d).ok()?;
            abs.file_name().map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default();
    let norm: String = base
        .to_ascii_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let norm = norm.trim_start_matches(['_', '-']).to_string();
    if norm.is_empty() {
        "default".into()
    } else {
        norm
    }
}

/// The services of one file while their `extends` are resolved.
struct Extends<'e> {
    services: &'e mut [yaml::Entry],
    /// 0: not visited, 1: being resolved, 2: done.
    state: &'e mut [u8],
    index: &'e HashMap<String, usize>,
    file: &'e Arc<SourceFile>,
    ctx: u32,
    depth: usize,
}

struct Loader<'a> {
    sources: &'a SourceMap,
    opts: &'a LoadOptions,
    ctxs: Vec<Ctx>,
    errors: Vec<InputError>,
    files: Vec<FileId>,
    suppressions: Suppressions,
    /// Files being loaded (include/extends nesting), canonical paths.
    stack: Vec<PathBuf>,
    /// Files loaded for `extends: {file: …}`, by (canonical path, environment).
    extends_cache: HashMap<(PathBuf, usize), Option<Node>>,
    /// Nodes `extends` may still copy.
    budget: usize,
}

impl Loader<'_> {
    fn error(&mut self, span: Option<Span>, message: impl Into<String>) {
        let path = span
            .and_then(|s| self.sources.get(s.file))
            .map(|f| f.path.clone())
            .unwrap_or_default();
        self.errors.push(InputError::new(path, span, message));
    }

    fn add_ctx(&mut self, env: Arc<EnvMap>, dir: Option<PathBuf>) -> u32 {
        if let Some(i) = self
            .ctxs
            .iter()
            .position(|c| Arc::ptr_eq(&c.env, &env) && c.dir == dir)
        {
            return i as u32;
        }
        self.ctxs.push(Ctx { env, dir });
        (self.ctxs.len() - 1) as u32
    }

    /// Reads an env file into `env` (later values win). Returns false when
    /// the file could not be read.
    fn read_env_into(&mut self, path: &Path, env: &mut EnvMap) -> bool {
        let Some(text) = read_small(path, 4 << 20) else {
            return false;
        };
        let f = self
            .sources
            .add(path.display().to_string(), Some(path.to_path_buf()), text);
        self.files.push(f.id);
        let (vars, errs) = dotenv::parse(&f.text, &*env);
        for e in errs {
            self.error(Some(Span::point(f.id, e.at)), e.message);
        }
        for v in vars {
            match v.value {
                Some(val) => {
                    env.insert(v.key, val.value);
                }
                None => {
                    // A bare KEY inherits from the process environment.
                    if self.opts.use_process_env
                        && let Ok(x) = std::env::var(&v.key)
                    {
                        env.insert(v.key, Some(x));
                    }
                }
            }
        }
        true
    }

    fn overlay_process_env(&self, env: &mut EnvMap) {
        if self.opts.use_process_env {
            for (k, v) in std::env::vars() {
                env.insert(k, Some(v));
            }
        }
    }

    /// The project's interpolation variables.
    fn project_env(&mut self, dir: Option<&Path>) -> EnvMap {
        let mut env = EnvMap::new();
        if self.opts.use_process_env {
            self.overlay_process_env(&mut env);
        }
        if self.opts.env_files.is_empty() {
            if let Some(d) = dir {
                let p = d.join(".env");
                if p.is_file() {
                    self.read_env_into(&p, &mut env);
                }
            }
        } else {
            for p in self.opts.env_files.clone() {
                if !self.read_env_into(&p, &mut env) {
                    self.errors.push(InputError::new(
                        p.display().to_string(),
                        None,
                        "cannot read env file",
                    ));
                }
            }
        }
        // The process environment wins over env files.
        self.overlay_process_env(&mut env);
        env
    }

    /// Parses a Compose file and applies its `include`s and `extends`.
    fn load_file(&mut self, file: &Arc<SourceFile>, ctx: u32, depth: usize) -> Option<Node> {
        let parsed = match yaml::parse(file, ctx, self.opts.max_alias_nodes) {
            Ok(p) => p,
            Err(e) => {
                self.errors
                    .push(InputError::new(file.path.clone(), Some(e.span), e.message));
                return None;
            }
        };
        self.suppressions.extend(parsed.suppressions);
        let mut root: Option<Node> = None;
        for doc in parsed.docs {
            if doc.is_null() {
                continue;
            }
            if doc.as_map().is_none() {
                self.error(Some(doc.span), "a Compose file must be a mapping");
                continue;
            }
            root = Some(match root {
                None => doc,
                Some(base) => merge::merge_documents(base, doc),
            });
        }
        let mut root = root.unwrap_or_else(|| Node::map(yaml::file_start(file.id), Vec::new()));
        // The file's canonical path is only needed to detect include/extends
        // cycles; skip the syscalls when the file references no other file.
        let references = root.entry("include").is_some() || file.text.contains("extends");
        let canonical = if references {
            file.disk_path
                .as_deref()
                .and_then(|p| p.canonicalize().ok())
        } else {
            None
        };
        if let Some(c) = &canonical {
            self.stack.push(c.clone());
        }
        self.apply_includes(&mut root, ctx, depth);
        self.apply_extends(&mut root, file, ctx, depth);
        if canonical.is_some() {
            self.stack.pop();
        }
        Some(root)
    }

    /// Reads a referenced file from disk and registers it.
    fn read_referenced(&mut self, path: &Path, at: Span) -> Option<Arc<SourceFile>> {
        match read_compose_file(path) {
            Ok(text) => {
                let f =
                    self.sources
                        .add(path.display().to_string(), Some(path.to_path_buf()), text);
                self.files.push(f.id);
                Some(f)
            }
            Err(msg) => {
                self.error(Some(at), format!("{}: {msg}", path.display()));
                None
            }
        }
    }

    /// A scalar's interpolated value, reporting problems at its span.
    fn scalar_value(&mut self, n: &Node) -> Option<String> {
        let s = n.as_scalar()?;
        let env = self.ctxs.get(s.ctx as usize)?.env.clone();
        match interp::interpolate(&s.text, env.as_ref()) {
            Ok(o) => match o.value {
                Some(v) => Some(v),
                None => {
                    self.error(
                        Some(n.span),
                        format!(
                            "cannot resolve `{}` (unset: {})",
                            s.text,
                            o.unresolved.join(", ")
                        ),
                    );
                    None
                }
            },
            Err(msg) => {
                self.error(Some(n.span), msg);
                None
            }
        }
    }

    /// Resolves a path written in context `ctx`.
    fn resolve_path(&mut self, rel: &str, ctx: u32, at: Span) -> Option<PathBuf> {
        let p = Path::new(rel);
        if p.is_absolute() {
            return Some(p.to_path_buf());
        }
        match self.ctxs.get(ctx as usize).and_then(|c| c.dir.clone()) {
            Some(d) => Some(d.join(p)),
            None => {
                self.error(
                    Some(at),
                    format!("cannot resolve `{rel}`: the Compose file has no directory"),
                );
                None
            }
        }
    }

    fn enter(&mut self, path: &Path, depth: usize, at: Span, what: &str) -> bool {
        if depth >= MAX_FILE_DEPTH {
            self.error(Some(at), format!("{what} nested too deeply"));
            return false;
        }
        if let Ok(c) = path.canonicalize()
            && self.stack.contains(&c)
        {
            self.error(Some(at), format!("{what} cycle through {}", path.display()));
            return false;
        }
        true
    }

    /// Top-level `include`: loads each included project and imports its
    /// services and volumes.
    fn apply_includes(&mut self, root: &mut Node, ctx: u32, depth: usize) {
        let Some(entries) = root.as_map_mut() else {
            return;
        };
        let Some(pos) = entries.iter().position(|e| e.key == "include") else {
            return;
        };
        let inc = entries.remove(pos).value;
        let items: Vec<Node> = match inc.kind {
            Kind::Seq(items) => items,
            Kind::Null => return,
            _ => vec![inc],
        };
        for item in items {
            let (paths, project_dir, env_files) = match &item.kind {
                Kind::Scalar(_) => (vec![item.clone()], None, Vec::new()),
                Kind::Map(_) => {
                    let paths = match item.get("path") {
                        Some(
                            p @ Node {
                                kind: Kind::Scalar(_),
                                ..
                            },
                        ) => vec![p.clone()],
                        Some(Node {
                            kind: Kind::Seq(ps),
                            ..
                        }) => ps.clone(),
                        _ => {
                            self.error(Some(item.span), "`include` entry without `path`");
                            continue;
                        }
                    };
                    let env_files = match item.get("env_file") {
                        Some(
                            p @ Node {
                                kind: Kind::Scalar(_),
                                ..
                            },
                        ) => vec![p.clone()],
                        Some(Node {
                            kind: Kind::Seq(ps),
                            ..
                        }) => ps.clone(),
                        _ => Vec::new(),
                    };
                    (paths, item.get("project_directory").cloned(), env_files)
                }
                _ => {
                    self.error(Some(item.span), "invalid `include` entry");
                    continue;
                }
            };
            let mut resolved = Vec::new();
            for p in &paths {
                if let Some(v) = self.scalar_value(p)
                    && let Some(path) = self.resolve_path(&v, ctx, p.span)
                {
                    resolved.push((path, p.span));
                }
            }
            let Some((first, _)) = resolved.first() else {
                continue;
            };
            let pdir = match project_dir.as_ref().and_then(|d| self.scalar_value(d)) {
                Some(d) => self.resolve_path(&d, ctx, item.span),
                None => first.parent().map(Path::to_path_buf),
            };
            // The included project's variables: the parent's, then its env files.
            let parent_env = self.ctxs[ctx as usize].env.clone();
            let mut env: EnvMap = (*parent_env).clone();
            if env_files.is_empty() {
                if let Some(d) = &pdir {
                    let p = d.join(".env");
                    if p.is_file() {
                        self.read_env_into(&p, &mut env);
                    }
                }
            } else {
                for ef in &env_files {
                    if let Some(v) = self.scalar_value(ef)
                        && let Some(path) = self.resolve_path(&v, ctx, ef.span)
                        && !self.read_env_into(&path, &mut env)
                    {
                        self.error(
                            Some(ef.span),
                            format!("cannot read env file {}", path.display()),
                        );
                    }
                }
            }
            self.overlay_process_env(&mut env);
            let child_ctx = self.add_ctx(Arc::new(env), pdir);
            let mut included: Option<Node> = None;
            for (path, at) in resolved {
                if !self.enter(&path, depth + 1, at, "include") {
                    continue;
                }
                let Some(f) = self.read_referenced(&path, at) else {
                    continue;
                };
                if let Some(doc) = self.load_file(&f, child_ctx, depth + 1) {
                    included = Some(match included {
                        None => doc,
                        Some(base) => merge::merge_documents(base, doc),
                    });
                }
            }
            if let Some(inc_root) = included {
                self.import(root, inc_root);
            }
        }
    }

    /// Adds an included project's services and volumes to `root`.
    fn import(&mut self, root: &mut Node, included: Node) {
        let Kind::Map(inc_entries) = included.kind else {
            return;
        };
        let root_span = root.span;
        let Some(entries) = root.as_map_mut() else {
            return;
        };
        for section in inc_entries {
            if section.key != "services" && section.key != "volumes" {
                continue;
            }
            let Kind::Map(items) = section.value.kind else {
                continue;
            };
            let idx = match entries.iter().position(|e| e.key == section.key) {
                Some(i) => i,
                None => {
                    entries.push(yaml::Entry {
                        key: section.key.clone(),
                        key_span: section.key_span,
                        value: Node::map(root_span, Vec::new()),
                    });
                    entries.len() - 1
                }
            };
            if entries[idx].value.as_map().is_none() {
                entries[idx].value = Node::map(entries[idx].value.span, Vec::new());
            }
            let mut conflicts = Vec::new();
            if let Some(target) = entries[idx].value.as_map_mut() {
                let mut present: std::collections::HashSet<String> =
                    target.iter().map(|e| e.key.clone()).collect();
                for item in items {
                    if !present.insert(item.key.clone()) {
                        if section.key == "services" {
                            conflicts.push((item.key.clone(), item.key_span));
                        }
                    } else {
                        target.push(item);
                    }
                }
            }
            for (name, span) in conflicts {
                self.error(
                    Some(span),
                    format!("included file defines conflicting service `{name}`"),
                );
            }
        }
    }

    /// Resolves `extends` in every service of one file.
    fn apply_extends(&mut self, root: &mut Node, file: &Arc<SourceFile>, ctx: u32, depth: usize) {
        let Some(entries) = root.as_map_mut() else {
            return;
        };
        let Some(pos) = entries.iter().position(|e| e.key == "services") else {
            return;
        };
        let Kind::Map(services) = &mut entries[pos].value.kind else {
            return;
        };
        if !services.iter().any(|s| s.value.entry("extends").is_some()) {
            return;
        }
        let mut state = vec![0u8; services.len()];
        let mut index: HashMap<String, usize> = HashMap::with_capacity(services.len());
        for (i, s) in services.iter().enumerate() {
            index.entry(s.key.clone()).or_insert(i);
        }
        let mut ex = Extends {
            services,
            state: &mut state,
            index: &index,
            file,
            ctx,
            depth,
        };
        for i in 0..ex.services.len() {
            self.resolve_extends(&mut ex, i, 0);
        }
    }

    fn resolve_extends(&mut self, ex: &mut Extends<'_>, i: usize, chain: usize) {
        let (file, ctx, depth) = (ex.file, ex.ctx, ex.depth);
        if ex.state[i] == 2 {
            return;
        }
        if ex.state[i] == 1 {
            let span = ex.services[i].key_span;
            self.error(
                Some(span),
                format!("`extends` cycle through service `{}`", ex.services[i].key),
            );
            return;
        }
        let Some(ext) = ex.services[i]
            .value
            .entry("extends")
            .map(|e| e.value.clone())
        else {
            ex.state[i] = 2;
            return;
        };
        if chain >= MAX_EXTENDS_DEPTH {
            self.error(Some(ext.span), "`extends` chain too long");
            ex.state[i] = 2;
            return;
        }
        ex.state[i] = 1;
        let (svc_node, file_node) = match &ext.kind {
            Kind::Scalar(_) => (Some(ext.clone()), None),
            Kind::Map(_) => (ext.get("service").cloned(), ext.get("file").cloned()),
            _ => (None, None),
        };
        let Some(svc_name) = svc_node.as_ref().and_then(|n| self.scalar_value(n)) else {
            if svc_node.is_none() {
                self.error(Some(ext.span), "`extends` without `service`");
            }
            ex.state[i] = 2;
            return;
        };
        let file_path = match &file_node {
            Some(f) => match self.scalar_value(f) {
                Some(v) => {
                    let c = f.as_scalar().map_or(ctx, |s| s.ctx);
                    match self.resolve_path(&v, c, f.span) {
                        Some(p) => Some((p, f.span)),
                        None => {
                            ex.state[i] = 2;
                            return;
                        }
                    }
                }
                None => {
                    ex.state[i] = 2;
                    return;
                }
            },
            None => None,
        };
        // A `file:` naming the file itself is a same-file reference.
        let same_file = match &file_path {
            None => true,
            Some((p, _)) => match (file.disk_path.as_deref(), p.canonicalize().ok()) {
                (Some(d), Some(c)) => d.canonicalize().ok().as_ref() == Some(&c),
                _ => false,
            },
        };
        let base = if same_file {
            match ex.index.get(&svc_name).copied() {
                Some(j) => {
                    self.resolve_extends(ex, j, chain + 1);
                    let b = ex.services[j].value.clone();
                    self.charge(&b, ext.span).then_some(b)
                }
                None => {
                    self.error(
                        Some(ext.span),
                        format!(
                            "cannot extend service `{}`: service `{svc_name}` not found",
                            ex.services[i].key
                        ),
                    );
                    None
                }
            }
        } else {
            let (path, at) = file_path.expect("checked above");
            self.extended_from_file(&path, at, &svc_name, ctx, depth)
        };
        if let Some(mut base) = base {
            if let Some(m) = base.as_map_mut() {
                m.retain(|e| e.key != "extends");
            }
            let mut svc = std::mem::replace(&mut ex.services[i].value, Node::null(ext.span));
            if let Some(m) = svc.as_map_mut() {
                m.retain(|e| e.key != "extends");
            }
            ex.services[i].value = merge::extend_service(base, svc);
        }
        ex.state[i] = 2;
    }

    /// Charges a copy against the `extends` budget.
    fn charge(&mut self, n: &Node, at: Span) -> bool {
        let c = n.count();
        if c > self.budget {
            self.error(Some(at), "`extends` copies exceed the node budget");
            self.budget = 0;
            return false;
        }
        self.budget -= c;
        true
    }

    /// A service from another file, with that file's own `extends` applied.
    fn extended_from_file(
        &mut self,
        path: &Path,
        at: Span,
        svc_name: &str,
        ctx: u32,
        depth: usize,
    ) -> Option<Node> {
        let env = self.ctxs[ctx as usize].env.clone();
        let key = (
            path.canonicalize().unwrap_or_else(|_| path.to_path_buf()),
            Arc::as_ptr(&env) as usize,
        );
        if !self.extends_cache.contains_key(&key) {
            if !self.enter(path, depth + 1, at, "extends") {
                return None;
            }
            let root = self.read_referenced(path, at).and_then(|f| {
                let c = self.add_ctx(env, path.parent().map(Path::to_path_buf));
                self.load_file(&f, c, depth + 1)
            });
            self.extends_cache.insert(key.clone(), root);
        }
        // A file that could not be read or parsed was reported already.
        let root = self.extends_cache.get(&key).and_then(|r| r.as_ref())?;
        let found = root.get("services").and_then(|s| s.get(svc_name)).cloned();
        match found {
            Some(b) => self.charge(&b, at).then_some(b),
            None => {
                self.error(
                    Some(at),
                    format!(
                        "cannot extend `{svc_name}` from {}: service not found",
                        path.display()
                    ),
                );
                None
            }
        }
    }

    fn read_services(&mut self, root: &Node) -> Vec<ContainerSpec> {
        let mut out = Vec::new();
        let services = match root.get("services") {
            None => return out,
            Some(s) => s,
        };
        let Some(entries) = services.as_map() else {
            self.error(Some(services.span), "`services` must be a mapping");
            return out;
        };
        let suppressions = std::mem::take(&mut self.suppressions);
        let mut reader = Reader::new(&self.ctxs, self.sources, &mut self.errors, &mut self.files);
        reader.read_volume_defs(root);
        for e in entries {
            if e.value.tag == yaml::NodeTag::Reset {
                continue;
            }
            if e.value.as_map().is_none() {
                reader.error(e.key_span, format!("service `{}` must be a mapping", e.key));
                continue;
            }
            out.push(reader.service(&e.key, e.key_span, &e.value, &suppressions));
        }
        out
    }
}
