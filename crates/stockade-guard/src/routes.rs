//! A copy of the Docker daemon's route table (moby's routers, in the order
//! the daemon registers them) and a matcher with gorilla/mux semantics:
//! the first route whose method and pattern match wins, `{name}` matches
//! one segment, `{name:.*}` and `{id:.+}` are greedy and may hold `/`.
//!
//! Every route has a stable name (`containers.create`); profiles allow
//! routes by name. A request no route matches is refused.

/// One daemon route.
#[derive(Debug)]
pub struct Route {
    /// Stable name used by profiles and the audit log.
    pub name: &'static str,
    pub method: &'static str,
    pub pattern: &'static str,
    /// The daemon may hijack the connection (attach, exec start, session, grpc).
    pub hijack: bool,
    /// Query keys the daemon reads as lists (`Form["t"]`), which may repeat.
    pub multi: &'static [&'static str],
}

const fn r(name: &'static str, method: &'static str, pattern: &'static str) -> Route {
    Route {
        name,
        method,
        pattern,
        hijack: false,
        multi: &[],
    }
}

const fn hj(name: &'static str, method: &'static str, pattern: &'static str) -> Route {
    Route {
        name,
        method,
        pattern,
        hijack: true,
        multi: &[],
    }
}

const fn multi(
    name: &'static str,
    method: &'static str,
    pattern: &'static str,
    keys: &'static [&'static str],
) -> Route {
    Route {
        name,
        method,
        pattern,
        hijack: false,
        multi: keys,
    }
}

/// The table, in the daemon's registration order (checkpoint, container,
/// image, system, volume, build, session, swarm, plugin, distribution, grpc,
/// network routers).
pub static ROUTES: &[Route] = &[
    // checkpoint (registered first so its DELETE is not masked)
    r(
        "checkpoints.list",
        "GET",
        "/containers/{name:.*}/checkpoints",
    ),
    r(
        "checkpoints.create",
        "POST",
        "/containers/{name:.*}/checkpoints",
    ),
    r(
        "checkpoints.delete",
        "DELETE",
        "/containers/{name}/checkpoints/{checkpoint}",
    ),
    // container
    r(
        "containers.archive.head",
        "HEAD",
        "/containers/{name:.*}/archive",
    ),
    r("containers.list", "GET", "/containers/json"),
    r("containers.export", "GET", "/containers/{name:.*}/export"),
    r("containers.changes", "GET", "/containers/{name:.*}/changes"),
    r("containers.inspect", "GET", "/containers/{name:.*}/json"),
    r("containers.top", "GET", "/containers/{name:.*}/top"),
    r("containers.logs", "GET", "/containers/{name:.*}/logs"),
    r("containers.stats", "GET", "/containers/{name:.*}/stats"),
    hj(
        "containers.attach.ws",
        "GET",
        "/containers/{name:.*}/attach/ws",
    ),
    r("exec.inspect", "GET", "/exec/{id:.*}/json"),
    r(
        "containers.archive.get",
        "GET",
        "/containers/{name:.*}/archive",
    ),
    r("containers.create", "POST", "/containers/create"),
    r("containers.kill", "POST", "/containers/{name:.*}/kill"),
    r("containers.pause", "POST", "/containers/{name:.*}/pause"),
    r(
        "containers.unpause",
        "POST",
        "/containers/{name:.*}/unpause",
    ),
    r(
        "containers.restart",
        "POST",
        "/containers/{name:.*}/restart",
    ),
    r("containers.start", "POST", "/containers/{name:.*}/start"),
    r("containers.stop", "POST", "/containers/{name:.*}/stop"),
    r("containers.wait", "POST", "/containers/{name:.*}/wait"),
    r("containers.resize", "POST", "/containers/{name:.*}/resize"),
    hj("containers.attach", "POST", "/containers/{name:.*}/attach"),
    r("containers.copy", "POST", "/containers/{name:.*}/copy"),
    r("containers.exec", "POST", "/containers/{name:.*}/exec"),
    hj("exec.start", "POST", "/exec/{name:.*}/start"),
    r("exec.resize", "POST", "/exec/{name:.*}/resize"),
    r("containers.rename", "POST", "/containers/{name:.*}/rename"),
    r("containers.update", "POST", "/containers/{name:.*}/update"),
    r("containers.prune", "POST", "/containers/prune"),
    multi("containers.commit", "POST", "/commit", &["changes"]),
    r(
        "containers.archive.put",
        "PUT",
        "/containers/{name:.*}/archive",
    ),
    r("containers.delete", "DELETE", "/containers/{name:.*}"),
    // image
    r("images.list", "GET", "/images/json"),
    r("images.search", "GET", "/images/search"),
    multi("images.get", "GET", "/images/get", &["names"]),
    r("images.export", "GET", "/images/{name:.*}/get"),
    r("images.history", "GET", "/images/{name:.*}/history"),
    r("images.inspect", "GET", "/images/{name:.*}/json"),
    r("images.load", "POST", "/images/load"),
    multi("images.create", "POST", "/images/create", &["changes"]),
    r("images.push", "POST", "/images/{name:.*}/push"),
    r("images.tag", "POST", "/images/{name:.*}/tag"),
    r("images.prune", "POST", "/images/prune"),
    r("images.delete", "DELETE", "/images/{name:.*}"),
    // system
    r("system.ping", "GET", "/_ping"),
    r("system.ping.head", "HEAD", "/_ping"),
    r("system.events", "GET", "/events"),
    r("system.info", "GET", "/info"),
    r("system.version", "GET", "/version"),
    r("system.df", "GET", "/system/df"),
    r("system.auth", "POST", "/auth"),
    // volume
    r("volumes.list", "GET", "/volumes"),
    r("volumes.inspect", "GET", "/volumes/{name:.*}"),
    r("volumes.create", "POST", "/volumes/create"),
    r("volumes.prune", "POST", "/volumes/prune"),
    r("volumes.update", "PUT", "/volumes/{name:.*}"),
    r("volumes.delete", "DELETE", "/volumes/{name:.*}"),
    // build
    multi(
        "build.build",
        "POST",
        "/build",
        &["t", "extrahosts", "securityopt"],
    ),
    r("build.prune", "POST", "/build/prune"),
    r("build.cancel", "POST", "/build/cancel"),
    // session
    hj("build.session", "POST", "/session"),
    // swarm
    r("swarm.inspect", "GET", "/swarm"),
    r("swarm.unlockkey", "GET", "/swarm/unlockkey"),
    r("swarm.init", "POST", "/swarm/init"),
    r("swarm.join", "POST", "/swarm/join"),
    r("swarm.leave", "POST", "/swarm/leave"),
    r("swarm.update", "POST", "/swarm/update"),
    r("swarm.unlock", "POST", "/swarm/unlock"),
    r("services.list", "GET", "/services"),
    r("services.inspect", "GET", "/services/{id}"),
    r("services.create", "POST", "/services/create"),
    r("services.update", "POST", "/services/{id}/update"),
    r("services.delete", "DELETE", "/services/{id}"),
    r("services.logs", "GET", "/services/{id}/logs"),
    r("nodes.list", "GET", "/nodes"),
    r("nodes.inspect", "GET", "/nodes/{id}"),
    r("nodes.delete", "DELETE", "/nodes/{id}"),
    r("nodes.update", "POST", "/nodes/{id}/update"),
    r("tasks.list", "GET", "/tasks"),
    r("tasks.inspect", "GET", "/tasks/{id}"),
    r("tasks.logs", "GET", "/tasks/{id}/logs"),
    r("secrets.list", "GET", "/secrets"),
    r("secrets.create", "POST", "/secrets/create"),
    r("secrets.delete", "DELETE", "/secrets/{id}"),
    r("secrets.inspect", "GET", "/secrets/{id}"),
    r("secrets.update", "POST", "/secrets/{id}/update"),
    r("configs.list", "GET", "/configs"),
    r("configs.create", "POST", "/configs/create"),
    r("configs.delete", "DELETE", "/configs/{id}"),
    r("configs.inspect", "GET", "/configs/{id}"),
    r("configs.update", "POST", "/configs/{id}/update"),
    // plugin
    r("plugins.list", "GET", "/plugins"),
    r("plugins.inspect", "GET", "/plugins/{name:.*}/json"),
    r("plugins.privileges", "GET", "/plugins/privileges"),
    r("plugins.delete", "DELETE", "/plugins/{name:.*}"),
    r("plugins.enable", "POST", "/plugins/{name:.*}/enable"),
    r("plugins.disable", "POST", "/plugins/{name:.*}/disable"),
    r("plugins.pull", "POST", "/plugins/pull"),
    r("plugins.push", "POST", "/plugins/{name:.*}/push"),
    r("plugins.upgrade", "POST", "/plugins/{name:.*}/upgrade"),
    r("plugins.set", "POST", "/plugins/{name:.*}/set"),
    r("plugins.create", "POST", "/plugins/create"),
    // distribution
    r(
        "distribution.inspect",
        "GET",
        "/distribution/{name:.*}/json",
    ),
    // grpc
    hj("build.grpc", "POST", "/grpc"),
    // network
    r("networks.list", "GET", "/networks"),
    r("networks.inspect", "GET", "/networks/{id:.+}"),
    r("networks.create", "POST", "/networks/create"),
    r("networks.connect", "POST", "/networks/{id:.*}/connect"),
    r(
        "networks.disconnect",
        "POST",
        "/networks/{id:.*}/disconnect",
    ),
    r("networks.prune", "POST", "/networks/prune"),
    r("networks.delete", "DELETE", "/networks/{id:.*}"),
];

/// A matched route and its path variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    pub route: &'static Route,
    /// The first path variable (`name`/`id`), when the pattern has one.
    pub var: Option<String>,
    /// The second variable (`checkpoint`), when present.
    pub var2: Option<String>,
}

impl Matched {
    pub fn name(&self) -> &'static str {
        self.route.name
    }
}

impl PartialEq for Route {
    fn eq(&self, o: &Route) -> bool {
        std::ptr::eq(self, o)
    }
}
impl Eq for Route {}

#[derive(Debug, Clone, Copy)]
enum Part<'p> {
    Lit(&'p str),
    /// `[^/]+`
    Seg,
    /// `.*` (may be empty)
    Any,
    /// `.+`
    Some,
}

fn parts(pattern: &str) -> Vec<Part<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(open) = rest.find('{') {
        if open > 0 {
            out.push(Part::Lit(&rest[..open]));
        }
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c);
        let var = &rest[open + 1..close.min(rest.len())];
        out.push(match var.split_once(':') {
            Some((_, ".*")) => Part::Any,
            Some((_, ".+")) => Part::Some,
            _ => Part::Seg,
        });
        rest = rest.get(close + 1..).unwrap_or("");
    }
    if !rest.is_empty() {
        out.push(Part::Lit(rest));
    }
    out
}

/// Anchored match with backtracking, like the regexp gorilla builds.
fn match_parts(ps: &[Part], s: &str, caps: &mut Vec<(usize, usize)>, base: usize) -> bool {
    let Some((first, rest)) = ps.split_first() else {
        return s.is_empty();
    };
    match *first {
        Part::Lit(l) => s.starts_with(l) && match_parts(rest, &s[l.len()..], caps, base + l.len()),
        Part::Seg | Part::Any | Part::Some => {
            let max = match first {
                Part::Seg => s.find('/').unwrap_or(s.len()),
                _ => s.len(),
            };
            let min = if matches!(first, Part::Any) { 0 } else { 1 };
            // Greedy: longest first.
            let mut end = max;
            loop {
                if end < min {
                    return false;
                }
                if s.is_char_boundary(end) {
                    caps.push((base, base + end));
                    if match_parts(rest, &s[end..], caps, base + end) {
                        return true;
                    }
                    caps.pop();
                }
                if end == 0 {
                    return false;
                }
                end -= 1;
            }
        }
    }
}

/// Finds the route the daemon would run for `method` and a canonical path
/// (version prefix already removed).
pub fn route(method: &str, path: &str) -> Option<Matched> {
    static PARSED: std::sync::OnceLock<Vec<Vec<Part<'static>>>> = std::sync::OnceLock::new();
    let parsed = PARSED.get_or_init(|| ROUTES.iter().map(|r| parts(r.pattern)).collect());
    let mut caps = Vec::with_capacity(2);
    for (rt, ps) in ROUTES.iter().zip(parsed) {
        if rt.method != method {
            continue;
        }
        caps.clear();
        if match_parts(ps, path, &mut caps, 0) {
            let var = caps.first().map(|&(a, b)| path[a..b].to_string());
            let var2 = caps.get(1).map(|&(a, b)| path[a..b].to_string());
            return Some(Matched {
                route: rt,
                var,
                var2,
            });
        }
    }
    None
}

/// Looks a route up by name.
pub fn by_name(name: &str) -> Option<&'static Route> {
    ROUTES.iter().find(|r| r.name == name)
}

/// Builds the daemon path of a route for the given variable.
pub fn path_for(route: &Route, var: &str) -> String {
    let ps = parts(route.pattern);
    let mut out = String::new();
    for p in ps {
        match p {
            Part::Lit(l) => out.push_str(l),
            _ => out.push_str(var),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(m: &str, p: &str) -> Option<&'static str> {
        route(m, p).map(|m| m.route.name)
    }

    #[test]
    fn names_are_unique_and_patterns_parse() {
        for (i, a) in ROUTES.iter().enumerate() {
            assert!(
                !ROUTES[..i].iter().any(|b| b.name == a.name),
                "duplicate {}",
                a.name
            );
            assert!(a.pattern.starts_with('/'), "{}", a.name);
            assert!(!parts(a.pattern).is_empty());
        }
    }

    #[test]
    fn routes_like_the_daemon() {
        assert_eq!(name("GET", "/containers/json"), Some("containers.list"));
        assert_eq!(
            name("GET", "/containers/abc/json"),
            Some("containers.inspect")
        );
        assert_eq!(
            name("POST", "/containers/create"),
            Some("containers.create")
        );
        assert_eq!(
            name("POST", "/containers/abc/start"),
            Some("containers.start")
        );
        assert_eq!(
            name("GET", "/containers/abc/attach/ws"),
            Some("containers.attach.ws")
        );
        assert_eq!(name("POST", "/exec/abc/start"), Some("exec.start"));
        assert_eq!(name("DELETE", "/containers/abc"), Some("containers.delete"));
        assert_eq!(
            name("DELETE", "/containers/a/checkpoints/b"),
            Some("checkpoints.delete")
        );
        assert_eq!(name("HEAD", "/_ping"), Some("system.ping.head"));
        assert_eq!(
            name("HEAD", "/containers/x/archive"),
            Some("containers.archive.head")
        );
        assert_eq!(name("HEAD", "/containers/json"), None);
        assert_eq!(name("GET", "/nope"), None);
        assert_eq!(name("PATCH", "/containers/json"), None);
        assert_eq!(name("POST", "/containers/json"), None);
        // Greedy names hold slashes.
        let m = route("GET", "/images/registry:5000/ns/app:1/json").unwrap();
        assert_eq!(m.route.name, "images.inspect");
        assert_eq!(m.var.as_deref(), Some("registry:5000/ns/app:1"));
        let m = route("POST", "/images/a/b/tag").unwrap();
        assert_eq!(
            (m.route.name, m.var.as_deref()),
            ("images.tag", Some("a/b"))
        );
        assert_eq!(name("GET", "/images/get"), Some("images.get"));
        assert_eq!(name("GET", "/images/x/get"), Some("images.export"));
        // A name that itself ends like another route: first route in order wins.
        let m = route("GET", "/containers/a/logs/json").unwrap();
        assert_eq!(
            (m.route.name, m.var.as_deref()),
            ("containers.inspect", Some("a/logs"))
        );
        // `{id}` is one segment; `{id:.+}` is not.
        assert_eq!(name("GET", "/services/a/b"), None);
        let m = route("GET", "/networks/a/b").unwrap();
        assert_eq!(
            (m.route.name, m.var.as_deref()),
            ("networks.inspect", Some("a/b"))
        );
        assert_eq!(name("POST", "/networks/create"), Some("networks.create"));
        assert_eq!(name("POST", "/volumes/create"), Some("volumes.create"));
        assert_eq!(name("GET", "/volumes/create"), Some("volumes.inspect"));
        assert_eq!(name("POST", "/session"), Some("build.session"));
        assert_eq!(name("POST", "/grpc"), Some("build.grpc"));
        assert_eq!(name("POST", "/plugins/pull"), Some("plugins.pull"));
        assert_eq!(name("POST", "/plugins/x/enable"), Some("plugins.enable"));
        assert_eq!(name("POST", "/swarm/join"), Some("swarm.join"));
        // `{name:.*}` may match nothing (the daemon would look up "").
        let m = route("GET", "/containers//json").unwrap();
        assert_eq!(m.var.as_deref(), Some(""));
    }

    #[test]
    fn hijack_routes() {
        let h: Vec<_> = ROUTES.iter().filter(|r| r.hijack).map(|r| r.name).collect();
        assert_eq!(
            h,
            vec![
                "containers.attach.ws",
                "containers.attach",
                "exec.start",
                "build.session",
                "build.grpc"
            ]
        );
    }

    #[test]
    fn path_for_builds_paths() {
        let r = by_name("containers.inspect").unwrap();
        assert_eq!(path_for(r, "abc"), "/containers/abc/json");
        assert_eq!(
            path_for(by_name("volumes.inspect").unwrap(), "v"),
            "/volumes/v"
        );
    }
}
