//! Profiles: which daemon routes a client may use, and how strictly the
//! container rules judge what it asks for.
//!
//! - `read-only`: what a dashboard or reverse proxy needs (ping, version,
//!   info, events, disk usage, lists, inspect, logs, stats, top) and
//!   nothing that writes or that reads file contents out of containers or
//!   images.
//! - `ci`: `read-only` plus the container life cycle (create, start, stop,
//!   remove, attach, exec, copy), pull, push, build, tag, and networks and
//!   volumes, each judged (see `decide`). No swarm, plugins, image
//!   load/import, BuildKit sessions or volume prune.
//! - custom profiles (`[guard.profile.NAME]` in the config): a base
//!   (`read-only`, `ci` or `none`) plus an allow-list and a deny-list of
//!   route names (globs like `images.*`), a rule threshold and ignored rules.

use crate::routes::{ROUTES, Route};
use std::collections::BTreeSet;
use stockade_core::Severity;
use stockade_rules::{Policy, Selector};

/// Routes of the `read-only` profile.
pub const READ_ONLY_ROUTES: &[&str] = &[
    "system.ping",
    "system.ping.head",
    "system.events",
    "system.info",
    "system.version",
    "system.df",
    "containers.list",
    "containers.inspect",
    "containers.top",
    "containers.logs",
    "containers.stats",
    "containers.changes",
    "exec.inspect",
    "images.list",
    "images.inspect",
    "images.history",
    "images.search",
    "networks.list",
    "networks.inspect",
    "volumes.list",
    "volumes.inspect",
    "plugins.list",
    "plugins.inspect",
    "services.list",
    "services.inspect",
    "services.logs",
    "tasks.list",
    "tasks.inspect",
    "tasks.logs",
    "nodes.list",
    "nodes.inspect",
    "secrets.list",
    "secrets.inspect",
    "configs.list",
    "distribution.inspect",
];

/// Routes `ci` adds to `read-only`.
pub const CI_EXTRA_ROUTES: &[&str] = &[
    "system.auth",
    "containers.create",
    "containers.start",
    "containers.stop",
    "containers.restart",
    "containers.kill",
    "containers.pause",
    "containers.unpause",
    "containers.wait",
    "containers.resize",
    "containers.attach",
    "containers.attach.ws",
    "containers.exec",
    "containers.rename",
    "containers.update",
    "containers.delete",
    "containers.prune",
    "containers.export",
    "containers.archive.get",
    "containers.archive.head",
    "containers.archive.put",
    "exec.start",
    "exec.resize",
    "images.create",
    "images.push",
    "images.tag",
    "images.delete",
    "images.prune",
    "images.get",
    "images.export",
    "build.build",
    "build.prune",
    "build.cancel",
    "networks.create",
    "networks.connect",
    "networks.disconnect",
    "networks.delete",
    "networks.prune",
    "volumes.create",
    "volumes.delete",
];

/// Names for parts of a route that profiles allow separately:
/// `images.import` is `POST /images/create?fromSrc=…` (an image without
/// provenance), which `images.create` (pull) does not include.
pub const VIRTUAL_ROUTES: &[&str] = &["images.import"];

/// What a custom profile starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    ReadOnly,
    Ci,
    None,
}

impl Base {
    pub fn parse(s: &str) -> Option<Base> {
        match s {
            "read-only" => Some(Base::ReadOnly),
            "ci" => Some(Base::Ci),
            "none" => Some(Base::None),
            _ => None,
        }
    }
}

/// A resolved profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    /// Allowed route names.
    pub allowed: BTreeSet<&'static str>,
    /// Findings at or above this severity refuse a request.
    pub threshold: Severity,
    /// Which rules run (ignores).
    pub policy: Policy,
    /// Registries (or `registry/path` prefixes) images may be pulled from;
    /// empty: any.
    pub registries: Vec<String>,
    /// Image tags (globs, `*` matches anything) that build, tag and commit
    /// may overwrite when they already exist.
    pub overwrite_tags: Vec<String>,
    /// Allow BuildKit (`/session`, `/grpc`, `version=2` builds). BuildKit
    /// runs build steps the guard cannot see; off by default.
    pub buildkit: bool,
}

/// Matches a glob with `*` (any run of characters) against `s`.
pub fn glob_match(glob: &str, s: &str) -> bool {
    let (g, t) = (glob.as_bytes(), s.as_bytes());
    let (mut gi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && g[gi] == b'*' {
            star = Some((gi, ti));
            gi += 1;
        } else if gi < g.len() && g[gi] == t[ti] {
            gi += 1;
            ti += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    while gi < g.len() && g[gi] == b'*' {
        gi += 1;
    }
    gi == g.len()
}

/// Route names a pattern (`containers.create`, `images.*`) names; an error
/// when it names none (a typo must not silently allow or deny nothing).
pub fn routes_for(pattern: &str) -> Result<Vec<&'static str>, String> {
    let hits: Vec<&'static str> = ROUTES
        .iter()
        .map(|r: &Route| r.name)
        .chain(VIRTUAL_ROUTES.iter().copied())
        .filter(|n| glob_match(pattern, n))
        .collect();
    if hits.is_empty() {
        Err(format!("`{pattern}` names no daemon route"))
    } else {
        Ok(hits)
    }
}

impl Profile {
    /// The built-in profiles by name.
    pub fn builtin(name: &str) -> Option<Profile> {
        let base = Base::parse(name).filter(|b| *b != Base::None)?;
        Some(Profile::from_base(name, base))
    }

    pub fn from_base(name: &str, base: Base) -> Profile {
        let mut allowed = BTreeSet::new();
        if matches!(base, Base::ReadOnly | Base::Ci) {
            allowed.extend(READ_ONLY_ROUTES.iter().copied());
        }
        if base == Base::Ci {
            allowed.extend(CI_EXTRA_ROUTES.iter().copied());
        }
        Profile {
            name: name.to_string(),
            allowed,
            threshold: Severity::High,
            policy: Policy::default(),
            registries: Vec::new(),
            overwrite_tags: Vec::new(),
            buildkit: false,
        }
    }

    pub fn allows(&self, route: &str) -> bool {
        self.allowed.contains(route)
    }

    /// Adds the routes a pattern names.
    pub fn allow(&mut self, pattern: &str) -> Result<(), String> {
        self.allowed.extend(routes_for(pattern)?);
        Ok(())
    }

    /// Removes the routes a pattern names.
    pub fn deny(&mut self, pattern: &str) -> Result<(), String> {
        for r in routes_for(pattern)? {
            self.allowed.remove(r);
        }
        Ok(())
    }

    /// Ignores rules (ids, aliases or categories).
    pub fn ignore(&mut self, sel: &str) -> Result<(), String> {
        let metas: Vec<_> = stockade_rules::catalog().iter().map(|r| r.meta()).collect();
        let s = Selector::parse(sel);
        if !s.is_known(&metas) {
            return Err(format!("`{sel}` names no rule, alias or category"));
        }
        self.policy.ignore.push(s);
        Ok(())
    }

    /// Whether an image reference may be pulled under this profile.
    pub fn registry_allowed(&self, image: &str) -> bool {
        if self.registries.is_empty() {
            return true;
        }
        let full = normalize_image(image);
        self.registries.iter().any(|r| {
            let r = r.trim_end_matches('/');
            let r = normalize_registry_prefix(r);
            full == r
                || full.starts_with(&format!("{r}/"))
                || full.starts_with(&format!("{r}:"))
                || full.starts_with(&format!("{r}@"))
        })
    }

    /// Whether an existing tag may be overwritten.
    pub fn may_overwrite(&self, tag: &str) -> bool {
        let full = normalize_image(tag);
        self.overwrite_tags
            .iter()
            .any(|g| glob_match(g, tag) || glob_match(&normalize_image(g), &full))
    }
}

/// `busybox` → `docker.io/library/busybox`, `me/app:1` → `docker.io/me/app:1`.
pub fn normalize_image(image: &str) -> String {
    let first = image.split('/').next().unwrap_or("");
    let has_registry =
        image.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost");
    if has_registry {
        image.to_string()
    } else if image.contains('/') {
        format!("docker.io/{image}")
    } else {
        format!("docker.io/library/{image}")
    }
}

fn normalize_registry_prefix(r: &str) -> String {
    let first = r.split('/').next().unwrap_or("");
    if first.contains('.') || first.contains(':') || first == "localhost" {
        r.to_string()
    } else {
        // `library` or `acme`: a Docker Hub namespace.
        format!("docker.io/{r}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::routes::by_name;

    #[test]
    fn builtin_routes_exist() {
        for n in READ_ONLY_ROUTES.iter().chain(CI_EXTRA_ROUTES) {
            assert!(by_name(n).is_some(), "{n}");
        }
        assert!(Profile::builtin("none").is_none());
        assert!(Profile::builtin("bogus").is_none());
    }

    #[test]
    fn read_only_has_no_writes() {
        let p = Profile::builtin("read-only").unwrap();
        for n in &p.allowed {
            let r = by_name(n).unwrap();
            assert!(matches!(r.method, "GET" | "HEAD"), "{n}");
            assert!(!r.hijack, "{n}");
        }
        for n in [
            "containers.archive.get",
            "containers.export",
            "images.get",
            "images.export",
            "swarm.inspect",
            "swarm.unlockkey",
            "configs.inspect",
        ] {
            assert!(!p.allows(n), "{n}");
        }
    }

    #[test]
    fn ci_denies_host_level_writes() {
        let p = Profile::builtin("ci").unwrap();
        assert!(p.allows("containers.create") && p.allows("build.build"));
        for n in [
            "images.load",
            "containers.commit",
            "build.session",
            "build.grpc",
            "swarm.init",
            "swarm.join",
            "services.create",
            "plugins.pull",
            "plugins.enable",
            "volumes.prune",
            "nodes.update",
            "secrets.create",
            "checkpoints.create",
        ] {
            assert!(!p.allows(n), "{n}");
        }
    }

    #[test]
    fn custom_edits() {
        let mut p = Profile::from_base("x", Base::None);
        assert!(p.allowed.is_empty());
        p.allow("images.*").unwrap();
        assert!(p.allows("images.load") && p.allows("images.list"));
        p.deny("images.load").unwrap();
        assert!(!p.allows("images.load"));
        assert!(
            p.allow("image.*")
                .unwrap_err()
                .contains("names no daemon route")
        );
        p.ignore("SKD216").unwrap();
        p.ignore("resources").unwrap();
        assert!(p.ignore("SKD999").is_err());
    }

    #[test]
    fn globs_and_registries() {
        assert!(glob_match("a*c", "abbbc"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("a*c", "abd"));
        assert!(glob_match("images.*", "images.tag"));
        let mut p = Profile::builtin("ci").unwrap();
        assert!(p.registry_allowed("anything"));
        p.registries = vec!["ghcr.io/acme".into(), "library".into()];
        assert!(p.registry_allowed("ghcr.io/acme/app:1"));
        assert!(!p.registry_allowed("ghcr.io/acmeevil/app:1"));
        assert!(p.registry_allowed("busybox:1.36"));
        assert!(!p.registry_allowed("evil/busybox"));
        p.overwrite_tags = vec!["ci/*".into()];
        assert!(p.may_overwrite("ci/app:1"));
        assert!(!p.may_overwrite("busybox:latest"));
        assert_eq!(normalize_image("localhost:5000/a"), "localhost:5000/a");
    }
}
