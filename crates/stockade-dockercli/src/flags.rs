//! The `docker run`/`create` (and `podman run`/`create`) flag table and
//! the translation of flags into a [`ContainerSpec`].
//!
//! Arity follows `docker run --help` of Docker 28 (`bool` flags take no
//! argument but accept `--flag=value`; every other type takes one), plus
//! Docker's hidden aliases and podman's extra flags, so that no flag's
//! value is taken for the image.

use crate::args::{Arg, Vars, expand_words, expanded, known_text, split_parts, strip_prefix};
use crate::values::{
    parse_bool, parse_bytes, parse_bytes_or_minus_one, parse_device, parse_i64, parse_mount,
    parse_nano_cpus, parse_port, parse_volume,
};
use stockade_core::shell::{Word, WordPart};
use stockade_core::span::{Span, Spanned};
use stockade_core::{
    ContainerSpec, EnvVar, Expanded, Healthcheck, ImageRef, Mount, MountKind, SpecSource,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Bool,
    Value,
}

use Kind::{Bool, Value};

/// `(long name, short letter, kind)`.
const RUN_FLAGS: &[(&str, Option<char>, Kind)] = &[
    // Docker 28 `docker run --help`.
    ("add-host", None, Value),
    ("annotation", None, Value),
    ("attach", Some('a'), Value),
    ("blkio-weight", None, Value),
    ("blkio-weight-device", None, Value),
    ("cap-add", None, Value),
    ("cap-drop", None, Value),
    ("cgroup-parent", None, Value),
    ("cgroupns", None, Value),
    ("cidfile", None, Value),
    ("cpu-count", None, Value),
    ("cpu-percent", None, Value),
    ("cpu-period", None, Value),
    ("cpu-quota", None, Value),
    ("cpu-rt-period", None, Value),
    ("cpu-rt-runtime", None, Value),
    ("cpu-shares", Some('c'), Value),
    ("cpus", None, Value),
    ("cpuset-cpus", None, Value),
    ("cpuset-mems", None, Value),
    ("detach", Some('d'), Bool),
    ("detach-keys", None, Value),
    ("device", None, Value),
    ("device-cgroup-rule", None, Value),
    ("device-read-bps", None, Value),
    ("device-read-iops", None, Value),
    ("device-write-bps", None, Value),
    ("device-write-iops", None, Value),
    ("disable-content-trust", None, Bool),
    ("dns", None, Value),
    ("dns-option", None, Value),
    ("dns-search", None, Value),
    ("domainname", None, Value),
    ("entrypoint", None, Value),
    ("env", Some('e'), Value),
    ("env-file", None, Value),
    ("expose", None, Value),
    ("gpus", None, Value),
    ("group-add", None, Value),
    ("health-cmd", None, Value),
    ("health-interval", None, Value),
    ("health-retries", None, Value),
    ("health-start-interval", None, Value),
    ("health-start-period", None, Value),
    ("health-timeout", None, Value),
    ("help", None, Bool),
    ("hostname", Some('h'), Value),
    ("init", None, Bool),
    ("interactive", Some('i'), Bool),
    ("io-maxbandwidth", None, Value),
    ("io-maxiops", None, Value),
    ("ip", None, Value),
    ("ip6", None, Value),
    ("ipc", None, Value),
    ("isolation", None, Value),
    ("label", Some('l'), Value),
    ("label-file", None, Value),
    ("link", None, Value),
    ("link-local-ip", None, Value),
    ("log-driver", None, Value),
    ("log-opt", None, Value),
    ("mac-address", None, Value),
    ("memory", Some('m'), Value),
    ("memory-reservation", None, Value),
    ("memory-swap", None, Value),
    ("memory-swappiness", None, Value),
    ("mount", None, Value),
    ("name", None, Value),
    ("network", None, Value),
    ("network-alias", None, Value),
    ("no-healthcheck", None, Bool),
    ("oom-kill-disable", None, Bool),
    ("oom-score-adj", None, Value),
    ("pid", None, Value),
    ("pids-limit", None, Value),
    ("platform", None, Value),
    ("privileged", None, Bool),
    ("publish", Some('p'), Value),
    ("publish-all", Some('P'), Bool),
    ("pull", None, Value),
    ("quiet", Some('q'), Bool),
    ("read-only", None, Bool),
    ("restart", None, Value),
    ("rm", None, Bool),
    ("runtime", None, Value),
    ("security-opt", None, Value),
    ("shm-size", None, Value),
    ("sig-proxy", None, Bool),
    ("stop-signal", None, Value),
    ("stop-timeout", None, Value),
    ("storage-opt", None, Value),
    ("sysctl", None, Value),
    ("tmpfs", None, Value),
    ("tty", Some('t'), Bool),
    ("ulimit", None, Value),
    ("use-api-socket", None, Bool),
    ("user", Some('u'), Value),
    ("userns", None, Value),
    ("uts", None, Value),
    ("volume", Some('v'), Value),
    ("volume-driver", None, Value),
    ("volumes-from", None, Value),
    ("workdir", Some('w'), Value),
    // Hidden or deprecated Docker spellings still accepted.
    ("net", None, Value),
    ("net-alias", None, Value),
    ("dns-opt", None, Value),
    ("kernel-memory", None, Value),
    // podman run/create extras.
    ("arch", None, Value),
    ("authfile", None, Value),
    ("cert-dir", None, Value),
    ("cgroup-conf", None, Value),
    ("cgroups", None, Value),
    ("chrootdirs", None, Value),
    ("conmon-pidfile", None, Value),
    ("creds", None, Value),
    ("decryption-key", None, Value),
    ("env-host", None, Bool),
    ("env-merge", None, Value),
    ("gidmap", None, Value),
    ("group-entry", None, Value),
    ("health-log-destination", None, Value),
    ("health-max-log-count", None, Value),
    ("health-max-log-size", None, Value),
    ("health-on-failure", None, Value),
    ("health-startup-cmd", None, Value),
    ("health-startup-interval", None, Value),
    ("health-startup-retries", None, Value),
    ("health-startup-success", None, Value),
    ("health-startup-timeout", None, Value),
    ("hostuser", None, Value),
    ("hosts-file", None, Value),
    ("http-proxy", None, Bool),
    ("image-volume", None, Value),
    ("init-path", None, Value),
    ("no-hosts", None, Bool),
    ("os", None, Value),
    ("passwd", None, Bool),
    ("passwd-entry", None, Value),
    ("personality", None, Value),
    ("pidfile", None, Value),
    ("pod", None, Value),
    ("pod-id-file", None, Value),
    ("preserve-fd", None, Value),
    ("preserve-fds", None, Value),
    ("rdt-class", None, Value),
    ("read-only-tmpfs", None, Bool),
    ("replace", None, Bool),
    ("requires", None, Value),
    ("retry", None, Value),
    ("retry-delay", None, Value),
    ("rmi", None, Bool),
    ("rootfs", None, Bool),
    ("sdnotify", None, Value),
    ("seccomp-policy", None, Value),
    ("secret", None, Value),
    ("shm-size-systemd", None, Value),
    ("subgidname", None, Value),
    ("subuidname", None, Value),
    ("systemd", None, Value),
    ("timeout", None, Value),
    ("tls-verify", None, Bool),
    ("tz", None, Value),
    ("uidmap", None, Value),
    ("umask", None, Value),
    ("unsetenv", None, Value),
    ("unsetenv-all", None, Bool),
    ("variant", None, Value),
];

/// Global options of `docker` and `podman` before the subcommand.
const GLOBAL_FLAGS: &[(&str, Option<char>, Kind)] = &[
    ("config", None, Value),
    ("context", Some('c'), Value),
    ("debug", Some('D'), Bool),
    ("host", Some('H'), Value),
    ("log-level", Some('l'), Value),
    ("tls", None, Bool),
    ("tlscacert", None, Value),
    ("tlscert", None, Value),
    ("tlskey", None, Value),
    ("tlsverify", None, Bool),
    ("version", Some('v'), Bool),
    ("help", None, Bool),
    // podman
    ("cdi-spec-dir", None, Value),
    ("cgroup-manager", None, Value),
    ("conmon", None, Value),
    ("connection", None, Value),
    ("events-backend", None, Value),
    ("hooks-dir", None, Value),
    ("identity", None, Value),
    ("imagestore", None, Value),
    ("module", None, Value),
    ("network-cmd-path", None, Value),
    ("network-config-dir", None, Value),
    ("noout", None, Bool),
    ("out", None, Value),
    ("remote", Some('r'), Bool),
    ("root", None, Value),
    ("runroot", None, Value),
    ("runtime", None, Value),
    ("runtime-flag", None, Value),
    ("ssh", None, Value),
    ("storage-driver", None, Value),
    ("storage-opt", None, Value),
    ("syslog", None, Bool),
    ("tmpdir", None, Value),
    ("transient-store", None, Bool),
    ("url", None, Value),
    ("volumepath", None, Value),
];

fn long_flag(
    table: &'static [(&str, Option<char>, Kind)],
    name: &str,
) -> Option<(&'static str, Kind)> {
    table
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(n, _, k)| (*n, *k))
}

fn short_flag(
    table: &'static [(&str, Option<char>, Kind)],
    c: char,
) -> Option<(&'static str, Kind)> {
    table
        .iter()
        .find(|(_, s, _)| *s == Some(c))
        .map(|(n, _, k)| (*n, *k))
}

/// One flag occurrence: its canonical name, its value (for bool flags,
/// the `=value` if written), and the span of flag and value.
struct Occurrence {
    name: &'static str,
    kind: Kind,
    value: Option<Vec<WordPart>>,
    span: Span,
}

/// Reads flags from `args[*i..]` until the first non-flag argument.
/// `on_flag` receives each occurrence; unknown-option bags are reported
/// through `on_bag`.
fn read_flags(
    args: &[Arg],
    i: &mut usize,
    table: &'static [(&str, Option<char>, Kind)],
    stop_at_positional: bool,
    on_flag: &mut dyn FnMut(Occurrence),
    on_bag: &mut dyn FnMut(Span),
) {
    while *i < args.len() {
        let a = &args[*i];
        let lit = a.literal_prefix();
        if a.parts.len() == 1 && lit == "--" {
            *i += 1;
            return;
        }
        if let Some(long) = lit.strip_prefix("--").filter(|l| !l.is_empty()) {
            let (name, inline) = match long.find('=') {
                Some(eq) => (
                    &long[..eq],
                    Some(strip_prefix(&a.parts, &lit[..eq + 3]).unwrap_or_default()),
                ),
                None if a.parts.len() == 1 => (long, None),
                // `--name$X`: malformed; take the literal as the name.
                None => (long, None),
            };
            let (canon, kind) = match long_flag(table, name) {
                Some(f) => f,
                None => {
                    // Unknown flag: assume it takes a value unless one is
                    // inline or the next argument is itself a flag.
                    *i += 1;
                    if inline.is_none()
                        && let Some(next) = args.get(*i)
                        && !next.literal_prefix().starts_with('-')
                    {
                        *i += 1;
                    }
                    continue;
                }
            };
            let mut span = a.span;
            let value = match (kind, inline) {
                (_, Some(v)) => Some(v),
                (Bool, None) => None,
                (Value, None) => match args.get(*i + 1) {
                    Some(next) => {
                        *i += 1;
                        span = span.to(next.span);
                        Some(next.parts.clone())
                    }
                    None => Some(Vec::new()),
                },
            };
            *i += 1;
            on_flag(Occurrence {
                name: canon,
                kind,
                value,
                span,
            });
            continue;
        }
        if lit.len() > 1 && lit.starts_with('-') && !lit.starts_with("--") {
            // A cluster of short flags: `-itd`, `-p8080:80`, `-e=A=b`.
            let chars: Vec<(usize, char)> = lit.char_indices().skip(1).collect();
            let mut consumed_next = false;
            let mut span = a.span;
            for (k, &(off, c)) in chars.iter().enumerate() {
                let Some((canon, kind)) = short_flag(table, c) else {
                    continue;
                };
                if kind == Bool {
                    on_flag(Occurrence {
                        name: canon,
                        kind,
                        value: None,
                        span,
                    });
                    continue;
                }
                // Value flag: the rest of the word, or the next argument.
                let rest_off = off + c.len_utf8();
                let value = if rest_off < lit.len() || k + 1 < chars.len() || a.parts.len() > 1 {
                    let mut v = strip_prefix(&a.parts, &lit[..rest_off]).unwrap_or_default();
                    if let Some(WordPart::Literal(s)) = v.first_mut()
                        && let Some(stripped) = s.strip_prefix('=')
                    {
                        *s = stripped.to_string();
                    }
                    v
                } else if let Some(next) = args.get(*i + 1) {
                    consumed_next = true;
                    span = span.to(next.span);
                    next.parts.clone()
                } else {
                    Vec::new()
                };
                on_flag(Occurrence {
                    name: canon,
                    kind,
                    value: Some(value),
                    span,
                });
                break;
            }
            *i += if consumed_next { 2 } else { 1 };
            continue;
        }
        if a.is_option_bag() {
            on_bag(a.span);
            *i += 1;
            continue;
        }
        if stop_at_positional {
            return;
        }
        *i += 1;
    }
}

/// What [`parse_invocation`] found before the run/create flags.
pub(crate) struct Invocation {
    pub program: String,
    pub docker_host: Option<Spanned<Expanded>>,
    /// Index (in the expanded args) of the first argument after `run`/`create`.
    pub args: Vec<Arg>,
    pub first_run_arg: usize,
    /// The span of the subcommand word(s).
    pub subcommand_span: Span,
}

/// Recognises `docker|podman|nerdctl [global options] [container] run|create`
/// in `words` (starting at the program word).
pub(crate) fn parse_invocation(words: &[Word], vars: Vars<'_>) -> Result<Invocation, String> {
    let first = words.first().ok_or("empty command")?;
    let prog_lit = first.literal().ok_or("program name is not a literal")?;
    let program = stockade_core::shell::command_basename(&prog_lit).to_string();
    let program = program.strip_suffix(".exe").unwrap_or(&program).to_string();
    if !matches!(program.as_str(), "docker" | "podman" | "nerdctl") {
        return Err(format!("`{program}` is not docker or podman"));
    }
    let args = expand_words(&words[1..], vars);
    let mut i = 0usize;
    let mut docker_host = None;
    read_flags(
        &args,
        &mut i,
        GLOBAL_FLAGS,
        true,
        &mut |o| {
            if matches!(o.name, "host" | "url")
                && let Some(v) = o.value
            {
                docker_host = Some(Spanned::new(expanded(&v), o.span));
            }
        },
        &mut |_| {},
    );
    let sub = args.get(i).and_then(|a| a.text()).ok_or("no subcommand")?;
    let mut sub_span = args[i].span;
    let sub = if sub == "container" {
        i += 1;
        let s = args
            .get(i)
            .and_then(|a| a.text())
            .ok_or("no container subcommand")?;
        sub_span = sub_span.to(args[i].span);
        s
    } else {
        sub
    };
    if sub != "run" && sub != "create" {
        return Err(format!("`{program} {sub}` does not create a container"));
    }
    Ok(Invocation {
        program,
        docker_host,
        args,
        first_run_arg: i + 1,
        subcommand_span: sub_span,
    })
}

/// Builds the spec from the arguments after `run`/`create`.
pub(crate) fn build_spec(inv: Invocation, anchor: Span) -> Result<ContainerSpec, String> {
    let args = &inv.args;
    let mut spec = ContainerSpec::new(SpecSource::DockerRun, String::new(), anchor);
    spec.docker_host = inv.docker_host;
    let mut i = inv.first_run_arg;
    let mut name: Option<String> = None;
    let mut bags: Vec<Span> = Vec::new();
    read_flags(
        args,
        &mut i,
        RUN_FLAGS,
        true,
        &mut |o| apply(&mut spec, &mut name, o),
        &mut |s| bags.push(s),
    );
    for s in bags {
        spec.unresolved.push(Spanned::new("options".to_string(), s));
    }
    let image = args.get(i).ok_or("missing image")?;
    let image_exp = expanded(&image.parts);
    if let Some(v) = image_exp.known()
        && let Ok(r) = ImageRef::parse(v)
    {
        spec.image_ref = Some(r);
    }
    spec.subject = match (&name, image_exp.known()) {
        (Some(n), _) => n.clone(),
        (None, Some(img)) => img.to_string(),
        (None, None) => format!("{} run {}", inv.program, image_exp.raw),
    };
    spec.image = Some(Spanned::new(image_exp, image.span));
    let rest = &args[i + 1..];
    if let (Some(f), Some(l)) = (rest.first(), rest.last()) {
        let cmd: Vec<Expanded> = rest.iter().map(|a| expanded(&a.parts)).collect();
        spec.command = Some(Spanned::new(cmd, f.span.to(l.span)));
    }
    Ok(spec)
}

fn apply(spec: &mut ContainerSpec, name: &mut Option<String>, o: Occurrence) {
    let span = o.span;
    let value = o.value.unwrap_or_default();
    let exp = || expanded(&value);
    let text = known_text(&value);
    macro_rules! sp {
        ($v:expr) => {
            Spanned::new($v, span)
        };
    }
    if o.kind == Bool {
        let b = if crate::args::is_empty(&value) && text.as_deref().is_none_or(str::is_empty) {
            Some(true)
        } else {
            text.as_deref().and_then(parse_bool)
        };
        let Some(b) = b else {
            spec.unresolved.push(Spanned::new(o.name.to_string(), span));
            return;
        };
        match o.name {
            "privileged" => spec.privileged = Some(sp!(b)),
            "read-only" => spec.read_only = Some(sp!(b)),
            "publish-all" => spec.publish_all = Some(sp!(b)),
            "no-healthcheck" if b => {
                spec.healthcheck = Some(sp!(Healthcheck {
                    disabled: true,
                    test: vec!["NONE".to_string()],
                }))
            }
            "use-api-socket" if b => {
                // Bind-mounts the Engine API socket into the container.
                spec.mounts.push(Mount {
                    kind: MountKind::Bind,
                    source: Some(Expanded::literal("/var/run/docker.sock")),
                    target: Expanded::literal("/var/run/docker.sock"),
                    read_only: false,
                    propagation: None,
                    volume_host_path: None,
                    volume_def_span: None,
                    selinux_label: None,
                    span,
                })
            }
            _ => {}
        }
        return;
    }
    let resource =
        |spec: &mut ContainerSpec, parse: fn(&str) -> Option<i64>| -> Option<Spanned<i64>> {
            match text.as_deref().and_then(parse) {
                Some(v) => Some(Spanned::new(v, span)),
                None => {
                    spec.resources
                        .unresolved
                        .push(Spanned::new(o.name.to_string(), span));
                    None
                }
            }
        };
    match o.name {
        "volume" => spec.mounts.push(parse_volume(&value, span)),
        "mount" => spec.mounts.push(parse_mount(&value, span)),
        "tmpfs" => spec.tmpfs.push(sp!(exp())),
        "publish" => spec.ports.push(parse_port(&value, span)),
        "expose" => spec.expose.push(sp!(exp())),
        "env" => {
            let kv = split_parts(&value, '=', 1);
            let name_exp = expanded(&kv[0]);
            spec.env.push(EnvVar {
                name: sp!(name_exp.display().to_string()),
                value: kv.get(1).map(|v| sp!(expanded(v))),
                span,
            });
        }
        "env-file" => spec.env_files.push(sp!(exp())),
        "label" => {
            let kv = split_parts(&value, '=', 1);
            let key = expanded(&kv[0]).display().to_string();
            let val = kv
                .get(1)
                .map(|v| expanded(v))
                .unwrap_or_else(|| Expanded::literal(""));
            spec.labels.push((sp!(key), sp!(val)));
        }
        "user" => spec.user = Some(sp!(exp())),
        "group-add" => spec.group_add.push(sp!(exp())),
        "cap-add" | "cap-drop" => match text {
            Some(t) => {
                let list = if o.name == "cap-add" {
                    &mut spec.cap_add
                } else {
                    &mut spec.cap_drop
                };
                list.push(sp!(t));
            }
            None => spec.unresolved.push(Spanned::new(o.name.to_string(), span)),
        },
        "security-opt" => spec.security_opt.push(sp!(exp())),
        "network" | "net" => spec.network_mode = Some(sp!(exp())),
        "pid" => spec.pid_mode = Some(sp!(exp())),
        "ipc" => spec.ipc_mode = Some(sp!(exp())),
        "uts" => spec.uts_mode = Some(sp!(exp())),
        "userns" => spec.userns_mode = Some(sp!(exp())),
        "cgroupns" => spec.cgroupns_mode = Some(sp!(exp())),
        "cgroup-parent" => spec.cgroup_parent = Some(sp!(exp())),
        "device" => match text {
            Some(t) => spec.devices.push(sp!(parse_device(&t))),
            None => spec
                .unresolved
                .push(Spanned::new("device".to_string(), span)),
        },
        "device-cgroup-rule" => spec.device_cgroup_rules.push(sp!(exp())),
        "sysctl" => {
            let kv = split_parts(&value, '=', 1);
            let key = expanded(&kv[0]).display().to_string();
            let val = kv
                .get(1)
                .map(|v| expanded(v))
                .unwrap_or_else(|| Expanded::literal(""));
            spec.sysctls.push((sp!(key), sp!(val)));
        }
        "volumes-from" => spec.volumes_from.push(sp!(exp())),
        "restart" => spec.restart = Some(sp!(exp())),
        "entrypoint" => spec.entrypoint = Some(sp!(vec![exp()])),
        "health-cmd" => {
            let cmd = exp().display().to_string();
            let disabled = spec.healthcheck.as_ref().is_some_and(|h| h.disabled);
            if !disabled {
                spec.healthcheck = Some(sp!(Healthcheck {
                    disabled: false,
                    test: vec!["CMD-SHELL".to_string(), cmd],
                }));
            }
        }
        "name" => {
            if let Some(t) = text {
                *name = Some(t);
            }
        }
        "memory" => spec.resources.memory = resource(spec, parse_bytes),
        "memory-swap" => spec.resources.memory_swap = resource(spec, parse_bytes_or_minus_one),
        "memory-reservation" => spec.resources.memory_reservation = resource(spec, parse_bytes),
        "cpus" => spec.resources.nano_cpus = resource(spec, parse_nano_cpus),
        "cpu-quota" => spec.resources.cpu_quota = resource(spec, parse_i64),
        "cpu-period" => spec.resources.cpu_period = resource(spec, parse_i64),
        "cpu-shares" => spec.resources.cpu_shares = resource(spec, parse_i64),
        "pids-limit" => spec.resources.pids_limit = resource(spec, parse_i64),
        "cpuset-cpus" => match text {
            Some(t) => spec.resources.cpuset_cpus = Some(sp!(t)),
            None => spec
                .resources
                .unresolved
                .push(Spanned::new("cpuset-cpus".to_string(), span)),
        },
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicates_and_short_letters_are_unique() {
        for (k, (n, s, _)) in RUN_FLAGS.iter().enumerate() {
            assert!(
                RUN_FLAGS[k + 1..].iter().all(|(m, _, _)| m != n),
                "duplicate flag {n}"
            );
            if let Some(c) = s {
                assert_eq!(
                    RUN_FLAGS.iter().filter(|(_, t, _)| t == &Some(*c)).count(),
                    1,
                    "-{c}"
                );
            }
        }
        assert_eq!(
            long_flag(RUN_FLAGS, "privileged"),
            Some(("privileged", Kind::Bool))
        );
        assert_eq!(short_flag(RUN_FLAGS, 'v'), Some(("volume", Kind::Value)));
        assert_eq!(long_flag(RUN_FLAGS, "nope"), None);
    }
}
