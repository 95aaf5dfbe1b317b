//! Helpers shared by the container rules: creating findings, reading host
//! paths, `security_opt` entries, environment values and commands. Not a rule.

use crate::meta::RuleMeta;
use stockade_core::{ContainerSpec, EnvVar, Expanded, Finding, Severity, Span};

/// A finding about `spec` at `span`. Specs without source text (live
/// containers) carry a locator instead of spans: the finding gets the
/// locator and no span.
pub(crate) fn finding(
    meta: &'static RuleMeta,
    spec: &ContainerSpec,
    span: Span,
    message: impl Into<String>,
) -> Finding {
    let mut f = meta.finding(span, spec.subject.clone(), message);
    if let Some(loc) = &spec.locator {
        f.locator = Some(Box::new(loc.clone()));
        if span == Span::default() {
            f.span = None;
        }
    }
    f
}

/// What a host-path value (a bind source) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HostPath {
    /// An absolute path, normalised (`//`, `/./`, `..`, trailing `/`
    /// removed). Paths in a home directory start with `~` (`~/.ssh`,
    /// `~alice/.ssh`).
    Abs(String),
    /// Relative to the project (`./data`, `${PWD}/x`): not a system path.
    Relative,
    /// Could not be resolved; the raw text.
    Unknown(String),
}

/// Reads a bind source. Uses the text as written to tell relative paths
/// (which a loader may have made absolute) from absolute ones.
pub(crate) fn host_path(e: &Expanded) -> HostPath {
    let raw = e.raw.trim();
    // The working directory: `$PWD`, and `$(pwd)` or `` `pwd` `` in scripts.
    if ["${PWD}", "$PWD", "$(pwd)", "`pwd`"].iter().any(|p| {
        raw.strip_prefix(p)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
    }) {
        return HostPath::Relative;
    }
    if raw.starts_with('.') || (!raw.starts_with(['/', '~', '$', '\\']) && !raw.is_empty()) {
        return HostPath::Relative;
    }
    // A home directory is judged as written: the loader may have expanded
    // `~` or `$HOME` with the scanning user's home (`/root` in CI), which
    // says nothing about the host the file is for.
    if raw.starts_with('~') && !raw.contains('$') {
        return match normalize_path(raw) {
            Some(p) => HostPath::Abs(p),
            None => HostPath::Relative,
        };
    }
    for (var, replacement) in [
        ("${HOME}", "~"),
        ("$HOME", "~"),
        ("${XDG_RUNTIME_DIR}", "/run/user/$UID"),
        ("$XDG_RUNTIME_DIR", "/run/user/$UID"),
    ] {
        if let Some(rest) = raw.strip_prefix(var) {
            let next_ok = rest.is_empty() || rest.starts_with('/');
            if next_ok
                && !rest.contains('$')
                && let Some(p) = normalize_path(&format!("{replacement}{rest}"))
            {
                return HostPath::Abs(p);
            }
        }
    }
    if let Some(v) = e.known() {
        return match normalize_path(v.trim()) {
            Some(p) => HostPath::Abs(p),
            None => HostPath::Relative,
        };
    }
    HostPath::Unknown(raw.to_string())
}

/// Normalises an absolute (`/…`) or home (`~…`) path. Other forms (relative
/// paths, Windows drive paths) give `None`. `..` never climbs above `/`; a
/// home directory counts as two levels deep (`/home/<user>`).
pub(crate) fn normalize_path(p: &str) -> Option<String> {
    let (mut parts, rest): (Vec<&str>, &str) = if let Some(r) = p.strip_prefix('~') {
        let (user, rest) = match r.find('/') {
            Some(i) => (&r[..i], &r[i..]),
            None => (r, ""),
        };
        (vec!["home", if user.is_empty() { "~" } else { user }], rest)
    } else if p.starts_with('/') {
        (Vec::new(), p)
    } else {
        return None;
    };
    let home_user = parts.get(1).copied();
    let tilde = p.starts_with('~');
    for c in rest.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if tilde && parts.len() >= 2 && parts[0] == "home" && Some(parts[1]) == home_user {
        let user = if parts[1] == "~" { "" } else { parts[1] };
        let tail = parts[2..].join("/");
        return Some(if tail.is_empty() {
            format!("~{user}")
        } else {
            format!("~{user}/{tail}")
        });
    }
    Some(format!("/{}", parts.join("/")))
}

/// `path` is `base` or below it (both normalised).
pub(crate) fn is_under(path: &str, base: &str) -> bool {
    if base == "/" {
        return path.starts_with('/');
    }
    path == base || (path.starts_with(base) && path.as_bytes().get(base.len()) == Some(&b'/'))
}

/// One `security_opt` entry, split the way the Docker daemon splits it:
/// `key=value`, the older `key:value`, or a bare word.
#[derive(Debug, Clone)]
pub(crate) struct SecOpt {
    /// Lower-cased key (`seccomp`, `apparmor`, `label`, `no-new-privileges`,
    /// `systempaths`, or a bare word such as `disable`).
    pub key: String,
    /// The value; `None` for a bare word.
    pub value: Option<String>,
    /// The value contains a variable that did not resolve.
    pub unresolved: bool,
    pub span: Span,
}

pub(crate) fn security_opts(spec: &ContainerSpec) -> Vec<SecOpt> {
    spec.security_opt
        .iter()
        .filter_map(|e| {
            let (text, unresolved) = match e.value.known() {
                Some(v) => (v, false),
                None => (e.value.raw.as_str(), true),
            };
            let (key, value) = split_sec_opt(text);
            // An unresolved key cannot be judged at all.
            if key.contains('$') {
                return None;
            }
            Some(SecOpt {
                key,
                unresolved: unresolved && value.as_deref().is_some_and(|v| v.contains('$')),
                value,
                span: e.span,
            })
        })
        .collect()
}

fn split_sec_opt(s: &str) -> (String, Option<String>) {
    let s = s.trim();
    let cut = if s.contains('=') {
        s.split_once('=')
    } else {
        s.split_once(':')
    };
    match cut {
        Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim().to_string())),
        None => (s.to_ascii_lowercase(), None),
    }
}

/// Go's `strconv.ParseBool`, which Docker uses for boolean options.
pub(crate) fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The last definition of an environment variable (names are case-sensitive).
pub(crate) fn env<'a>(spec: &'a ContainerSpec, name: &str) -> Option<&'a EnvVar> {
    spec.env_var(name)
}

/// What an environment variable is set to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EnvState<'a> {
    /// Not mentioned.
    Unset,
    /// Set to this value.
    Value(&'a str),
    /// Passed through from the environment, or written with a variable
    /// that did not resolve: set to something we cannot know.
    Unknown,
}

pub(crate) fn env_state<'a>(spec: &'a ContainerSpec, name: &str) -> EnvState<'a> {
    match env(spec, name) {
        None => EnvState::Unset,
        Some(e) => match &e.value {
            None => EnvState::Unknown,
            Some(v) => match v.value.known() {
                Some(s) => EnvState::Value(s),
                None => EnvState::Unknown,
            },
        },
    }
}

impl EnvState<'_> {
    /// Set to a non-empty value, or to something unknown.
    pub fn maybe_non_empty(self) -> bool {
        match self {
            EnvState::Unset => false,
            EnvState::Value(v) => !v.is_empty(),
            EnvState::Unknown => true,
        }
    }

    /// Set to one of `values` (compared without case).
    pub fn is_one_of(self, values: &[&str]) -> bool {
        matches!(self, EnvState::Value(v) if values.iter().any(|x| x.eq_ignore_ascii_case(v.trim())))
    }
}

/// The words of the entrypoint and command as written (resolved where
/// possible), for matching options passed to the program.
pub(crate) fn command_words(spec: &ContainerSpec) -> Vec<&str> {
    let mut words = Vec::new();
    for part in [&spec.entrypoint, &spec.command].into_iter().flatten() {
        for w in &part.value {
            words.push(w.display());
        }
    }
    words
}

/// The value given to a command-line option `name` (`--name value`,
/// `--name=value`, or a word `name value` inside a `sh -c` string).
/// Returns the value of the last occurrence; `Some("")` for an option given
/// with an empty value.
pub(crate) fn option_value(words: &[&str], name: &str) -> Option<String> {
    let mut found = None;
    // Split shell-string words (`sh -c "redis-server --requirepass x"`) too.
    let mut toks: Vec<&str> = Vec::new();
    for w in words {
        toks.extend(w.split_whitespace());
        if w.trim().is_empty() {
            toks.push("");
        }
    }
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        if let Some(v) = t.strip_prefix(name).and_then(|r| r.strip_prefix('=')) {
            found = Some(unquote(v).to_string());
        } else if t == name {
            found = Some(
                toks.get(i + 1)
                    .map(|v| unquote(v).to_string())
                    .unwrap_or_default(),
            );
        }
        i += 1;
    }
    found
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    for q in ['\'', '"'] {
        if s.len() >= 2 && s.starts_with(q) && s.ends_with(q) {
            return &s[1..s.len() - 1];
        }
    }
    if s == "''" || s == "\"\"" { "" } else { s }
}

/// `network_mode: host`.
pub(crate) fn host_network(spec: &ContainerSpec) -> bool {
    spec.network_mode
        .as_ref()
        .and_then(|m| m.value.known())
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("host"))
}

/// Where the container makes one of `ports` (container side, or host side)
/// reachable on all interfaces: the host network, `-P`, or a published
/// binding whose host address is known to be all interfaces.
pub(crate) fn publishing_span(spec: &ContainerSpec, ports: &[u16]) -> Option<Span> {
    if host_network(spec) {
        return spec.network_mode.as_ref().map(|m| m.span);
    }
    if let Some(p) = spec.publish_all.as_ref().filter(|p| p.value) {
        return Some(p.span);
    }
    spec.ports
        .iter()
        .find(|p| {
            surely_all_interfaces(p)
                && ports.iter().any(|&n| {
                    (p.container_port.0..=p.container_port.1).contains(&n)
                        || p.host_port.is_some_and(|(a, b)| (a..=b).contains(&n))
                })
        })
        .map(|p| p.span)
}

/// Where the container makes anything reachable on all interfaces: the
/// host network, `-P`, or any binding on all interfaces.
pub(crate) fn exposed_span(spec: &ContainerSpec) -> Option<Span> {
    if host_network(spec) {
        return spec.network_mode.as_ref().map(|m| m.span);
    }
    if let Some(p) = spec.publish_all.as_ref().filter(|p| p.value) {
        return Some(p.span);
    }
    spec.ports
        .iter()
        .find(|p| surely_all_interfaces(p))
        .map(|p| p.span)
}

/// Published on all interfaces, and the host address is not an unresolved
/// variable (`${BIND_IP}:5432:5432`).
pub(crate) fn surely_all_interfaces(p: &stockade_core::PortBinding) -> bool {
    p.on_all_interfaces() && !ip_maybe_unresolved(p)
}

/// Whether the host address of a binding may be an unresolved variable.
pub(crate) fn ip_maybe_unresolved(p: &stockade_core::PortBinding) -> bool {
    let Some(raw) = &p.unresolved else {
        return false;
    };
    if p.host_ip.is_some() {
        return false;
    }
    // Short syntax: `ip:host:container`; the address is the first of three
    // parts. Variables are masked first (`${A:-x}` holds a colon).
    let mut masked = String::with_capacity(raw.len());
    let mut depth = 0usize;
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek() == Some(&'{') {
            depth += 1;
            chars.next();
            masked.push('V');
            continue;
        }
        if depth > 0 {
            if c == '}' {
                depth -= 1;
            }
            continue;
        }
        masked.push(c);
    }
    if masked.contains(' ') || !raw.contains(':') {
        // Long syntax (several fields joined) or a bare port: cannot tell.
        return masked.contains(' ');
    }
    let parts: Vec<&str> = masked.split(':').collect();
    parts.len() >= 3 && (parts[0].contains('V') || parts[0].contains('$'))
}

/// Whether a resource limit was written but did not resolve: `names` are
/// the settings that set it (Compose keys, `docker run` flag names). An
/// options bag that did not resolve (`docker run $OPTS …`) may set anything.
pub(crate) fn limit_unresolved(spec: &ContainerSpec, names: &[&str]) -> bool {
    spec.resources
        .unresolved
        .iter()
        .any(|u| names.contains(&u.value.as_str()))
        || opaque_options(spec)
}

/// Whether nothing can be said about what is missing: some options did not
/// resolve at all (`docker run $OPTS image`), or the spec is an override
/// fragment ([`ContainerSpec::is_fragment`]) whose other settings live in
/// the file it overrides.
pub(crate) fn opaque_options(spec: &ContainerSpec) -> bool {
    spec.is_fragment() || spec.unresolved.iter().any(|u| u.value == "options")
}

/// The span of a typed setting that did not resolve (`privileged: ${X}`).
pub(crate) fn unresolved_setting(spec: &ContainerSpec, names: &[&str]) -> Option<Span> {
    spec.unresolved
        .iter()
        .find(|u| names.contains(&u.value.as_str()))
        .map(|u| u.span)
}

/// Well-known ports of remote administration and data stores, and how
/// bad publishing them to every interface is.
pub(crate) fn sensitive_port(p: u16) -> Option<(&'static str, Severity)> {
    use Severity::{High as H, Medium as M};
    Some(match p {
        2375 | 4243 => ("the Docker API (plain text)", H),
        2376 => ("the Docker API", H),
        2379 | 2380 => ("etcd", H),
        10250 => ("the kubelet API", H),
        10255 => ("the kubelet read-only API", M),
        6443 => ("the Kubernetes API", M),
        9229 => ("the Node.js inspector (runs any code it is sent)", H),
        22 => ("SSH", M),
        23 => ("Telnet", M),
        3389 => ("RDP", M),
        5900..=5903 => ("VNC", M),
        5985 | 5986 => ("WinRM", M),
        3306 => ("MySQL", M),
        5432 => ("PostgreSQL", M),
        1433 => ("SQL Server", M),
        1521 => ("Oracle", M),
        6379 => ("Redis", M),
        27017..=27019 => ("MongoDB", M),
        9200 | 9300 => ("Elasticsearch", M),
        11211 => ("memcached", M),
        5984 => ("CouchDB", M),
        8086 => ("InfluxDB", M),
        9042 => ("Cassandra", M),
        7474 | 7687 => ("Neo4j", M),
        28015 => ("RethinkDB", M),
        5672 => ("AMQP (RabbitMQ)", M),
        15672 => ("the RabbitMQ management API", M),
        4369 => ("the Erlang port mapper", M),
        2181 => ("ZooKeeper", M),
        9092 => ("Kafka", M),
        8500 => ("Consul", M),
        _ => return None,
    })
}

/// Ranges wider than this are judged as ranges (SKD221), not port by port.
pub(crate) const WIDE_RANGE: u32 = 100;

pub(crate) fn range_len((a, b): (u16, u16)) -> u32 {
    u32::from(b.saturating_sub(a)) + 1
}

/// The sensitive ports a binding publishes: `(port, what, severity, on the
/// host side only)`. Empty for wide ranges.
pub(crate) fn sensitive_ports_of(
    p: &stockade_core::PortBinding,
) -> Vec<(u16, &'static str, Severity, bool)> {
    let mut found = Vec::new();
    let c = p.container_port;
    if range_len(c) <= WIDE_RANGE {
        for n in c.0..=c.1 {
            if let Some((what, sev)) = sensitive_port(n) {
                found.push((n, what, sev, false));
            }
        }
    }
    if let Some(h) = p.host_port
        && range_len(h) <= WIDE_RANGE
    {
        for n in h.0..=h.1 {
            if found.iter().any(|f| f.0 == n) {
                continue;
            }
            if let Some((what, sev)) = sensitive_port(n) {
                found.push((n, what, sev, true));
            }
        }
    }
    found
}

/// `8080:80/tcp`-style text for messages. A binding with a part that did
/// not resolve is shown as written (`${CALLS_PORT}:${CALLS_PORT}/udp`), or
/// with `?` for an unknown container port: never as port 0.
pub(crate) fn describe_binding(p: &stockade_core::PortBinding) -> String {
    if let Some(raw) = &p.unresolved
        && !raw.contains(char::is_whitespace)
        && !raw.is_empty()
    {
        return raw.clone();
    }
    let range = |(a, b): (u16, u16)| {
        if (a, b) == (0, 0) {
            return "?".to_string();
        }
        if a == b {
            a.to_string()
        } else {
            format!("{a}-{b}")
        }
    };
    let host = match p.host_port {
        Some(h) => format!("{}:", range(h)),
        None => String::new(),
    };
    let ip = match p.host_ip.as_deref() {
        Some(ip) if !ip.is_empty() => format!("{ip}:"),
        _ => String::new(),
    };
    format!("{ip}{host}{}/{}", range(p.container_port), p.protocol)
}

#[cfg(test)]
mod tests {

    /// An override fragment (services with neither image nor build, as in
    /// `docker-compose.prod.yml`) says nothing about what is missing: the
    /// file it overrides holds the rest. What it does write is judged.
    #[test]
    fn fragments_are_not_judged_for_what_they_leave_out() {
        use crate::container::testutil::run_compose;
        use crate::container::{
            cap_drop_missing::CapDropMissing, cpu_limit::CpuLimit, memory_limit::MemoryLimit,
            no_new_privileges::NoNewPrivileges, pids_limit::PidsLimit, read_only::ReadOnly,
            user_missing::UserMissing,
        };
        let rules: [&dyn crate::meta::Rule; 7] = [
            &CapDropMissing,
            &CpuLimit,
            &MemoryLimit,
            &NoNewPrivileges,
            &PidsLimit,
            &ReadOnly,
            &UserMissing,
        ];
        let fragment = "services:\n  web:\n    restart: always\n    ports:\n      - \"8080:80\"\n";
        let full = "services:\n  web:\n    image: example/web:1.0\n    restart: always\n";
        let built = "services:\n  web:\n    build: .\n    restart: always\n";
        for r in rules {
            assert!(run_compose(r, fragment).is_empty(), "{}", r.meta().id);
            assert_eq!(run_compose(r, full).len(), 1, "{}", r.meta().id);
            assert_eq!(run_compose(r, built).len(), 1, "{}", r.meta().id);
        }
        // A limit the fragment writes as unlimited is still reported.
        let zero = "services:\n  web:\n    mem_limit: 0\n";
        assert_eq!(run_compose(&MemoryLimit, zero).len(), 1);
    }
    use super::*;

    #[test]
    fn normalises_paths() {
        for (input, want) in [
            ("/var/run/docker.sock", Some("/var/run/docker.sock")),
            ("//var//run/./docker.sock/", Some("/var/run/docker.sock")),
            ("/var/lib/../run/docker.sock", Some("/var/run/docker.sock")),
            ("/../../etc", Some("/etc")),
            ("/", Some("/")),
            ("/.", Some("/")),
            ("~/.ssh", Some("~/.ssh")),
            ("~", Some("~")),
            ("~alice/.ssh/", Some("~alice/.ssh")),
            ("~/../../etc", Some("/etc")),
            ("~/..", Some("/home")),
            ("./data", None),
            ("data", None),
            ("C:\\Users", None),
        ] {
            assert_eq!(normalize_path(input).as_deref(), want, "{input}");
        }
    }

    #[test]
    fn reads_host_paths() {
        assert_eq!(host_path(&Expanded::literal("./x")), HostPath::Relative);
        assert_eq!(
            host_path(&Expanded::literal("/etc/")),
            HostPath::Abs("/etc".into())
        );
        let e = Expanded::unknown("${HOME}/.aws", vec!["HOME".into()]);
        assert_eq!(host_path(&e), HostPath::Abs("~/.aws".into()));
        let e = Expanded::unknown(
            "$XDG_RUNTIME_DIR/docker.sock",
            vec!["XDG_RUNTIME_DIR".into()],
        );
        assert_eq!(
            host_path(&e),
            HostPath::Abs("/run/user/$UID/docker.sock".into())
        );
        // `~` expanded by the loader with the scanner's home is read as written.
        let e = Expanded {
            raw: "~/projects/app".into(),
            value: Some("/root/projects/app".into()),
            unresolved: vec![],
        };
        assert_eq!(host_path(&e), HostPath::Abs("~/projects/app".into()));
        let e = Expanded {
            raw: "$HOME/.ssh".into(),
            value: Some("/home/ci/.ssh".into()),
            unresolved: vec![],
        };
        assert_eq!(host_path(&e), HostPath::Abs("~/.ssh".into()));
        let e = Expanded::unknown("${DATA}:/x", vec!["DATA".into()]);
        assert!(matches!(host_path(&e), HostPath::Unknown(_)));
        // The working directory, however the script asks for it.
        for raw in ["$(pwd)/models", "$(pwd)", "`pwd`/data", "$PWD", "${PWD}/x"] {
            let e = Expanded::unknown(raw, vec![]);
            assert_eq!(host_path(&e), HostPath::Relative, "{raw}");
        }
        // Not the working directory.
        for raw in ["$(pwdx)/a", "$PWDIR/a", "$(pwd"] {
            let e = Expanded::unknown(raw, vec![]);
            assert!(matches!(host_path(&e), HostPath::Unknown(_)), "{raw}");
        }
        let e = Expanded {
            raw: "./rel".into(),
            value: Some("/root/project/rel".into()),
            unresolved: vec![],
        };
        assert_eq!(host_path(&e), HostPath::Relative);
    }

    #[test]
    fn under() {
        assert!(is_under("/etc/ssl", "/etc"));
        assert!(is_under("/etc", "/etc"));
        assert!(!is_under("/etcetera", "/etc"));
        assert!(is_under("/anything", "/"));
    }

    #[test]
    fn splits_security_opts() {
        assert_eq!(
            split_sec_opt("seccomp=unconfined"),
            ("seccomp".into(), Some("unconfined".into()))
        );
        assert_eq!(
            split_sec_opt("label:type:spc_t"),
            ("label".into(), Some("type:spc_t".into()))
        );
        assert_eq!(
            split_sec_opt("label=type:spc_t"),
            ("label".into(), Some("type:spc_t".into()))
        );
        assert_eq!(
            split_sec_opt("no-new-privileges"),
            ("no-new-privileges".into(), None)
        );
    }

    #[test]
    fn finds_option_values() {
        let w = ["redis-server", "--requirepass", "s3cret"];
        assert_eq!(option_value(&w, "--requirepass").as_deref(), Some("s3cret"));
        let w = ["sh", "-c", "redis-server --protected-mode no"];
        assert_eq!(option_value(&w, "--protected-mode").as_deref(), Some("no"));
        let w = ["start-notebook.sh", "--NotebookApp.token=''"];
        assert_eq!(option_value(&w, "--NotebookApp.token").as_deref(), Some(""));
        assert_eq!(option_value(&w, "--other"), None);
    }
}
