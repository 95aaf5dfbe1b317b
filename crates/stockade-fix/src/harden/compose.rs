//! `stockade harden compose.yml`: an override file that
//! `docker compose -f compose.yml -f compose.hardened.yml` merges into a
//! hardened project.
//!
//! How Compose merges an override (compose-spec "merge" rules): scalars
//! (`user`, `read_only`, `mem_limit`, `privileged` …) are replaced;
//! sequences (`cap_drop`, `security_opt`, `tmpfs`) are appended to, which
//! is what adding `ALL`, `no-new-privileges:true` or `/tmp` needs (the
//! daemon applies security options in order, so a later `true` wins over
//! an earlier `false`). `ports` and `volumes` are different: ports are
//! merged by (ip, target, published, protocol), so a binding to 127.0.0.1
//! would be *added* next to the public one, and volumes are merged by
//! target, so a mount cannot be removed. For those the override writes
//! the whole list under the `!override` tag, which replaces the original
//! list; Compose reads that tag from v2.24 on (docker-compose v1 cannot).

use super::{Needs, user};
use crate::settings::FixSettings;
use crate::yaml::render_scalar;
use stockade_core::{ContainerSpec, PortBinding, SourceMap, Span};

/// The override file and what to tell the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HardenedCompose {
    /// The override file's text.
    pub text: String,
    /// One line per removed privilege or mount, and per setting that
    /// could not be written.
    pub warnings: Vec<String>,
    /// Services the override changes.
    pub services: usize,
    /// The file uses `!override` (needs Docker Compose v2.24 or later).
    pub uses_override_tag: bool,
}

fn range((a, b): (u16, u16)) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

/// A binding in short syntax, with `ip` as its host address.
fn short_port(p: &PortBinding, ip: Option<&str>) -> String {
    let mut s = String::new();
    match ip.filter(|i| !i.is_empty()) {
        Some(ip) => {
            if ip.contains(':') && !ip.starts_with('[') {
                s.push_str(&format!("[{ip}]:"));
            } else {
                s.push_str(&format!("{ip}:"));
            }
            if let Some(h) = p.host_port {
                s.push_str(&range(h));
            }
            s.push(':');
        }
        None => {
            if let Some(h) = p.host_port {
                s.push_str(&range(h));
                s.push(':');
            }
        }
    }
    s.push_str(&range(p.container_port));
    if !p.protocol.is_empty() && p.protocol != "tcp" {
        s.push('/');
        s.push_str(&p.protocol);
    }
    s
}

/// The text written at `span` when it is a single-line value; `None` otherwise.
fn written(sources: &SourceMap, span: Span) -> Option<String> {
    let f = sources.get(span.file)?;
    let t = f.slice(span);
    (!t.is_empty() && !t.contains('\n')).then(|| t.to_string())
}

/// The lines of a (possibly multi-line) list item written at `span`,
/// re-indented so that the item's first line follows `- ` at `dash_col`.
fn item_lines(sources: &SourceMap, span: Span, dash_col: usize) -> Option<Vec<String>> {
    let f = sources.get(span.file)?;
    let t = f.slice(span);
    if t.is_empty() {
        return None;
    }
    let col = span.start as usize - f.line_range(f.line_index(span.start as usize)).start;
    let mut out = Vec::new();
    for (i, line) in t.lines().enumerate() {
        if i == 0 {
            out.push(format!("{}- {line}", " ".repeat(dash_col)));
            continue;
        }
        let lead = line.len() - line.trim_start_matches(' ').len();
        if lead < col && !line.trim().is_empty() {
            return None;
        }
        let rest = line
            .get(col.min(lead)..)
            .unwrap_or("")
            .trim_end_matches('\r');
        out.push(format!("{}{rest}", " ".repeat(dash_col + 2)));
    }
    Some(out)
}

/// Builds the override for `services` (loaded from `base_name` and the
/// files in `sources`).
pub fn harden_compose(
    base_name: &str,
    sources: &SourceMap,
    services: &[ContainerSpec],
    s: &FixSettings,
) -> HardenedCompose {
    let mut body = String::new();
    let mut warnings = Vec::new();
    let mut count = 0;
    let mut tag = false;
    for spec in services {
        let needs = Needs::of(spec);
        if !needs.any() {
            continue;
        }
        let name = &spec.subject;
        let mut lines: Vec<String> = Vec::new();
        let mut kv = |k: &str, v: String| lines.push(format!("    {k}: {v}"));
        if needs.user {
            kv("user", format!("\"{}\"", user(s)));
        }
        if needs.unprivileged {
            kv("privileged", "false".into());
            warnings.push(format!(
                "service `{name}`: `privileged` is turned off; grant only the capabilities or devices it needs"
            ));
        }
        if needs.read_only {
            kv("read_only", "true".into());
        }
        if needs.memory {
            kv("mem_limit", render_scalar(&s.memory, false));
        }
        if needs.cpus {
            kv("cpus", render_scalar(&s.cpus, false));
        }
        if needs.pids {
            kv("pids_limit", s.pids_limit.to_string());
        }
        let mut list = |k: &str, items: &[&str]| {
            lines.push(format!("    {k}:"));
            for i in items {
                lines.push(format!("      - {}", render_scalar(i, false)));
            }
        };
        if needs.cap_drop_all {
            list("cap_drop", &["ALL"]);
        }
        if needs.no_new_privileges {
            list("security_opt", &["no-new-privileges:true"]);
        }
        if needs.tmpfs_tmp {
            list("tmpfs", &["/tmp"]);
        }
        if !needs.ports.is_empty() {
            let mut items = Vec::new();
            let mut ok = true;
            for p in &spec.ports {
                let rebind = needs.ports.contains(&p.span);
                let text = if p.unresolved.is_some() {
                    written(sources, p.span)
                } else if rebind {
                    Some(render_scalar(
                        &short_port(p, Some(crate::compose::LOOPBACK)),
                        false,
                    ))
                } else {
                    Some(render_scalar(&short_port(p, p.host_ip.as_deref()), false))
                };
                match text {
                    Some(t) => items.push(format!("      - {t}")),
                    None => ok = false,
                }
            }
            if ok {
                tag = true;
                lines.push("    ports: !override".into());
                lines.extend(items);
            } else {
                warnings.push(format!(
                    "service `{name}`: a port binding could not be copied; bind its administration and data-store ports to 127.0.0.1 by hand"
                ));
            }
        }
        if !needs.socket_mounts.is_empty() {
            let mut items = Vec::new();
            let mut ok = true;
            for m in &spec.mounts {
                if needs.socket_mounts.contains(&m.span)
                    || m.volume_def_span
                        .is_some_and(|d| needs.socket_mounts.contains(&d))
                {
                    warnings.push(format!(
                        "service `{name}`: the container-engine socket mount `{}` is removed; whatever used the engine API stops working",
                        written(sources, m.span).unwrap_or_else(|| m.target.display().to_string())
                    ));
                    continue;
                }
                match item_lines(sources, m.span, 6) {
                    Some(l) => items.extend(l),
                    None => ok = false,
                }
            }
            if ok {
                tag = true;
                if items.is_empty() {
                    lines.push("    volumes: !override []".into());
                } else {
                    lines.push("    volumes: !override".into());
                    lines.extend(items);
                }
            } else {
                warnings.push(format!(
                    "service `{name}`: its volumes could not be copied; remove the container-engine socket mount by hand"
                ));
            }
        }
        count += 1;
        body.push_str(&format!("  {}:\n", render_scalar(name, false)));
        for l in lines {
            body.push_str(&l);
            body.push('\n');
        }
    }
    let file_name = std::path::Path::new(base_name)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| base_name.to_string());
    let out_name = hardened_name(&file_name);
    let mut text = format!(
        "# Hardening override for {file_name}, written by stockade; {file_name} itself is unchanged.\n\
         # Use both files:\n\
         #   docker compose -f {file_name} -f {out_name} up -d\n\
         # For each service it sets what the original lacks: user {user}, cap_drop ALL,\n\
         # no-new-privileges, a read-only root filesystem with a tmpfs for /tmp, and\n\
         # memory, CPU and process limits ({mem}, {cpus} CPUs, {pids} processes).\n\
         # Scalars replace the original's; cap_drop, security_opt and tmpfs add to it.\n",
        user = s.user,
        mem = s.memory,
        cpus = s.cpus,
        pids = s.pids_limit,
    );
    if tag {
        text.push_str(
            "# `ports` and `volumes` carry `!override`: Compose merges those lists by key and\n\
             # would otherwise keep the public port binding and the removed mounts. The tag\n\
             # replaces the original list and needs Docker Compose v2.24 or later.\n",
        );
    }
    text.push_str(
        "# A service that needs root, a capability or a writable path fails until you\n\
         # relax that setting here.\n",
    );
    if count == 0 {
        text.push_str("services: {}\n");
    } else {
        text.push_str("services:\n");
        text.push_str(&body);
    }
    HardenedCompose {
        text,
        warnings,
        services: count,
        uses_override_tag: tag,
    }
}

/// `compose.yml` → `compose.hardened.yml`.
pub fn hardened_name(file_name: &str) -> String {
    for ext in [".yaml", ".yml"] {
        if let Some(stem) = file_name.strip_suffix(ext) {
            return format!("{stem}.hardened{ext}");
        }
    }
    format!("{file_name}.hardened.yml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(files: &[(&str, &str)]) -> (SourceMap, Vec<ContainerSpec>, Vec<String>) {
        let sources = SourceMap::new();
        let fs: Vec<_> = files
            .iter()
            .map(|(n, t)| sources.add(*n, None, t.to_string()))
            .collect();
        let (p, errors) = stockade_compose::load_sources(&fs, &sources, &Default::default());
        (
            sources,
            p.map(|p| p.services).unwrap_or_default(),
            errors.into_iter().map(|e| e.message).collect(),
        )
    }

    fn findings(specs: &[ContainerSpec]) -> Vec<&'static str> {
        let cx = stockade_rules::Ctx::default();
        let mut v: Vec<_> = specs
            .iter()
            .flat_map(|s| stockade_rules::check_container(s, &cx, &Default::default()))
            .map(|f| f.rule)
            .collect();
        v.sort();
        v
    }

    const BASE: &str = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8080:80\"\n  db:\n    image: postgres:17\n    privileged: true\n    user: postgres\n    ports:\n      - 5432:5432\n      - target: 9187\n        published: 9187\n    volumes:\n      - db:/var/lib/postgresql/data\n      - /var/run/docker.sock:/var/run/docker.sock:ro\n      - type: bind\n        source: ./init\n        target: /docker-entrypoint-initdb.d\n        read_only: true\n    mem_limit: 1g\nvolumes:\n  db:\n";

    #[test]
    fn writes_what_is_missing() {
        let (sources, specs, errors) = load(&[("compose.yml", BASE)]);
        assert!(errors.is_empty(), "{errors:?}");
        let h = harden_compose("dir/compose.yml", &sources, &specs, &FixSettings::default());
        assert_eq!(h.services, 2);
        assert!(h.uses_override_tag);
        assert!(
            h.text
                .contains("docker compose -f compose.yml -f compose.hardened.yml up -d")
        );
        let body = &h.text[h.text.find("services:\n").unwrap()..];
        assert_eq!(
            body,
            "services:\n  web:\n    user: \"65534:65534\"\n    read_only: true\n    mem_limit: 512m\n    cpus: 1.0\n    pids_limit: 256\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\n    tmpfs:\n      - /tmp\n  db:\n    privileged: false\n    read_only: true\n    cpus: 1.0\n    pids_limit: 256\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\n    tmpfs:\n      - /tmp\n    ports: !override\n      - 127.0.0.1:5432:5432\n      - 9187:9187\n    volumes: !override\n      - db:/var/lib/postgresql/data\n      - type: bind\n        source: ./init\n        target: /docker-entrypoint-initdb.d\n        read_only: true\n"
        );
        assert_eq!(h.warnings.len(), 2, "{:?}", h.warnings);

        // Merged with our loader: the hardening findings are gone.
        let (_, merged, errors) = load(&[("compose.yml", BASE), ("compose.hardened.yml", &h.text)]);
        assert!(errors.is_empty(), "{errors:?}");
        let before = findings(&specs);
        let after = findings(&merged);
        for rule in [
            "SKD201", "SKD205", "SKD209", "SKD215", "SKD216", "SKD217", "SKD218", "SKD220",
            "SKD224", "SKD230",
        ] {
            assert!(
                before.contains(&rule) || rule == "SKD224",
                "{rule} not in {before:?}"
            );
            assert!(!after.contains(&rule), "{rule} left: {after:?}");
        }
        let db = merged.iter().find(|s| s.subject == "db").unwrap();
        assert_eq!(db.user.as_ref().unwrap().value.display(), "postgres");
        assert_eq!(db.ports.len(), 2);
        assert_eq!(db.mounts.len(), 2);
    }

    #[test]
    fn nothing_to_do_and_no_tags_when_not_needed() {
        let text = "services:\n  app:\n    image: example/app:1\n    user: \"10001\"\n    read_only: true\n    cap_drop: [ALL]\n    security_opt: [no-new-privileges:true]\n    mem_limit: 256m\n    cpus: 0.5\n    pids_limit: 100\n";
        let (sources, specs, _) = load(&[("compose.yaml", text)]);
        let h = harden_compose("compose.yaml", &sources, &specs, &FixSettings::default());
        assert_eq!(h.services, 0);
        assert!(h.text.ends_with("services: {}\n"));
        assert!(!h.uses_override_tag && !h.text.contains("!override"));
        assert_eq!(
            hardened_name("docker-compose.yaml"),
            "docker-compose.hardened.yaml"
        );
    }
}
