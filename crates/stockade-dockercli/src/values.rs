//! Parsers for the values of `docker run` flags: ports, volumes, mounts,
//! sizes, CPU counts, devices, booleans.

use crate::args::{expanded, known_text, split_parts};
use stockade_core::shell::WordPart;
use stockade_core::span::Span;
use stockade_core::{DeviceMapping, Expanded, Mount, MountKind, PortBinding};

/// Go's `strconv.ParseBool`, which the Docker CLI uses for `--flag=value`.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// Docker's `RAMInBytes`: `512m`, `1g`, `1.5g`, `1024`, `2GB`, `1gib`
/// (binary multiples, case-insensitive). `None` when invalid.
pub(crate) fn parse_bytes(s: &str) -> Option<i64> {
    let s = s.trim();
    let num_end = s
        .bytes()
        .position(|b| !(b.is_ascii_digit() || b == b'.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(num_end);
    if num.is_empty() || num.starts_with('.') || num.matches('.').count() > 1 {
        return None;
    }
    let unit = unit.trim_start().to_ascii_lowercase();
    let mult: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "k" | "kb" | "kib" => 1024.0,
        "m" | "mb" | "mib" => 1024.0 * 1024.0,
        "g" | "gb" | "gib" => 1024.0 * 1024.0 * 1024.0,
        "t" | "tb" | "tib" => 1024f64.powi(4),
        "p" | "pb" | "pib" => 1024f64.powi(5),
        _ => return None,
    };
    let n: f64 = num.parse().ok()?;
    let v = n * mult;
    if !v.is_finite() || v > i64::MAX as f64 {
        return None;
    }
    Some(v as i64)
}

/// `--memory-swap` also takes `-1` (unlimited).
pub(crate) fn parse_bytes_or_minus_one(s: &str) -> Option<i64> {
    if s.trim() == "-1" {
        Some(-1)
    } else {
        parse_bytes(s)
    }
}

/// `--cpus 1.5` → 1_500_000_000 nano CPUs; at most 9 decimals.
pub(crate) fn parse_nano_cpus(s: &str) -> Option<i64> {
    let s = s.trim();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if (int.is_empty() && frac.is_empty())
        || frac.len() > 9
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let int: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let mut f: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    for _ in frac.len()..9 {
        f *= 10;
    }
    int.checked_mul(1_000_000_000)?.checked_add(f)
}

pub(crate) fn parse_i64(s: &str) -> Option<i64> {
    s.trim().parse().ok()
}

/// `-p [ip:][hostPort:]containerPort[/proto]`, with ranges and `[v6]`.
pub(crate) fn parse_port(parts: &[WordPart], span: Span) -> PortBinding {
    let raw = crate::args::render(parts);
    let mut binding = PortBinding {
        host_ip: None,
        host_port: None,
        container_port: (0, 0),
        protocol: "tcp".to_string(),
        unresolved: None,
        span,
    };
    // Split off an IPv6 address in brackets first.
    let (ip_part, rest): (Option<Vec<WordPart>>, Vec<WordPart>) = match known_prefix(parts) {
        Some(p) if p.starts_with('[') => match p.find("]:") {
            Some(i) => {
                let ip = p[1..i].to_string();
                let rest = crate::args::strip_prefix(parts, &p[..i + 2]).unwrap_or_default();
                (Some(vec![WordPart::Literal(ip)]), rest)
            }
            None => (None, parts.to_vec()),
        },
        _ => (None, parts.to_vec()),
    };
    let mut pieces = split_parts(&rest, ':', usize::MAX);
    let container = pieces.pop().unwrap_or_default();
    let (mut host_ip, host) = match (ip_part, pieces.len()) {
        (Some(ip), 1) => (Some(ip), pieces.pop()),
        (Some(ip), 0) => (Some(ip), None),
        (None, 0) => (None, None),
        (None, 1) => (None, pieces.pop()),
        (None, _) => {
            let host = pieces.pop();
            // The rest is an address (an unbracketed IPv6 has colons).
            let mut ip = Vec::new();
            for (k, p) in pieces.into_iter().enumerate() {
                if k > 0 {
                    ip.push(WordPart::Literal(":".into()));
                }
                ip.extend(p);
            }
            (Some(ip), host)
        }
        (Some(_), _) => {
            binding.unresolved = Some(raw);
            return binding;
        }
    };
    let mut unknown = false;
    // Container port and protocol.
    let cparts = split_parts(&container, '/', 1);
    match known_text(&cparts[0]).and_then(|t| parse_range(&t)) {
        Some(r) => binding.container_port = r,
        None => unknown = true,
    }
    if let Some(proto) = cparts.get(1) {
        match known_text(proto) {
            Some(p) if !p.is_empty() => binding.protocol = p.to_ascii_lowercase(),
            Some(_) => {}
            None => unknown = true,
        }
    }
    if let Some(h) = host {
        match known_text(&h) {
            Some(t) if t.is_empty() => {}
            Some(t) => match parse_range(&t) {
                Some(r) => binding.host_port = Some(r),
                None => unknown = true,
            },
            None => unknown = true,
        }
    }
    if let Some(ip) = host_ip.take() {
        match known_text(&ip) {
            Some(t) => {
                let t = t.trim_start_matches('[').trim_end_matches(']').to_string();
                if !t.is_empty() {
                    binding.host_ip = Some(t);
                }
            }
            None => unknown = true,
        }
    }
    if unknown {
        binding.unresolved = Some(raw);
    }
    binding
}

fn known_prefix(parts: &[WordPart]) -> Option<&str> {
    match parts.first() {
        Some(WordPart::Literal(s)) => Some(s),
        _ => None,
    }
}

fn parse_range(s: &str) -> Option<(u16, u16)> {
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let a: u16 = a.trim().parse().ok()?;
    let b: u16 = b.trim().parse().ok()?;
    if b < a {
        return None;
    }
    Some((a, b))
}

/// Whether a `-v` source is a host path rather than a volume name: it
/// starts with `/`, `.`, `~`, a variable or command substitution, or a
/// Windows drive / UNC path.
fn is_host_path(parts: &[WordPart]) -> bool {
    match parts.first() {
        Some(WordPart::Literal(s)) => {
            let b = s.as_bytes();
            matches!(b.first(), Some(b'/' | b'.' | b'~' | b'\\'))
                || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
        }
        Some(WordPart::Param { .. } | WordPart::CommandSubst { .. } | WordPart::Arith { .. }) => {
            true
        }
        _ => false,
    }
}

/// `-v [source:]target[:options]`.
pub(crate) fn parse_volume(parts: &[WordPart], span: Span) -> Mount {
    let mut pieces = split_parts(parts, ':', usize::MAX);
    // A Windows drive letter (`C:\x:/y`) belongs to the source.
    if pieces.len() >= 3
        && known_text(&pieces[0])
            .is_some_and(|t| t.len() == 1 && t.as_bytes()[0].is_ascii_alphabetic())
        && known_prefix(&pieces[1]).is_some_and(|p| p.starts_with('\\') || p.starts_with('/'))
    {
        let first = pieces.remove(0);
        let mut merged = String::new();
        merged.push_str(&known_text(&first).unwrap_or_default());
        merged.push(':');
        let mut parts = vec![];
        let second = std::mem::take(&mut pieces[0]);
        let mut rest = second.into_iter();
        if let Some(WordPart::Literal(s)) = rest.next() {
            merged.push_str(&s);
        }
        parts.push(WordPart::Literal(merged));
        parts.extend(rest);
        pieces[0] = parts;
    }
    let mut mount = Mount {
        kind: MountKind::Volume,
        source: None,
        target: Expanded::default(),
        read_only: false,
        propagation: None,
        volume_host_path: None,
        volume_def_span: None,
        selinux_label: None,
        span,
    };
    match pieces.len() {
        0 => {}
        1 => mount.target = expanded(&pieces[0]),
        _ => {
            let src = &pieces[0];
            mount.kind = if is_host_path(src) {
                MountKind::Bind
            } else {
                MountKind::Volume
            };
            mount.source = Some(expanded(src));
            mount.target = expanded(&pieces[1]);
            for opts in &pieces[2..] {
                let text = known_text(opts).unwrap_or_default();
                for o in text.split(',') {
                    match o.trim() {
                        "ro" | "readonly" => mount.read_only = true,
                        "rw" => mount.read_only = false,
                        l @ ("z" | "Z") => mount.selinux_label = Some(l.to_string()),
                        p
                        @ ("shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate") => {
                            mount.propagation = Some(p.to_string())
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    mount
}

/// `--mount type=bind,source=…,target=…,readonly,bind-propagation=…`.
pub(crate) fn parse_mount(parts: &[WordPart], span: Span) -> Mount {
    let mut mount = Mount {
        kind: MountKind::Volume,
        source: None,
        target: Expanded::default(),
        read_only: false,
        propagation: None,
        volume_host_path: None,
        volume_def_span: None,
        selinux_label: None,
        span,
    };
    for field in split_parts(parts, ',', usize::MAX) {
        let kv = split_parts(&field, '=', 1);
        let key = known_text(&kv[0])
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let val = kv.get(1);
        let val_text = val.and_then(|v| known_text(v));
        match key.as_str() {
            "type" => {
                mount.kind = match val_text.as_deref().map(str::to_ascii_lowercase).as_deref() {
                    Some("bind") => MountKind::Bind,
                    Some("tmpfs") => MountKind::Tmpfs,
                    Some("npipe") => MountKind::Npipe,
                    Some("image") => MountKind::Image,
                    Some("cluster") => MountKind::Cluster,
                    _ => MountKind::Volume,
                }
            }
            "source" | "src" => mount.source = val.map(|v| expanded(v)),
            "target" | "destination" | "dst" => {
                if let Some(v) = val {
                    mount.target = expanded(v);
                }
            }
            "readonly" | "ro" => {
                mount.read_only = match val_text.as_deref() {
                    None => val.is_none(),
                    Some(t) => parse_bool(t).unwrap_or(true),
                }
            }
            "bind-propagation" => mount.propagation = val_text,
            _ => {}
        }
    }
    mount
}

/// `--device host[:container[:perms]]`.
pub(crate) fn parse_device(text: &str) -> DeviceMapping {
    let mut it = text.splitn(3, ':');
    let host = it.next().unwrap_or("").to_string();
    let second = it.next();
    let third = it.next();
    // `--device /dev/x:rw` gives permissions without a container path.
    let (container, permissions) = match (second, third) {
        (Some(c), Some(p)) => (c.to_string(), p.to_string()),
        (Some(c), None)
            if !c.is_empty() && c.bytes().all(|b| b"rwm".contains(&b)) && !c.starts_with('/') =>
        {
            (host.clone(), c.to_string())
        }
        (Some(c), None) => (c.to_string(), "rwm".to_string()),
        (None, _) => (host.clone(), "rwm".to_string()),
    };
    DeviceMapping {
        host,
        container,
        permissions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_bytes("512m"), Some(512 << 20));
        assert_eq!(parse_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_bytes("1.5g"), Some(3 << 29));
        assert_eq!(parse_bytes("1024"), Some(1024));
        assert_eq!(parse_bytes("2GB"), Some(2 << 30));
        assert_eq!(parse_bytes("1gib"), Some(1 << 30));
        assert_eq!(parse_bytes("100k"), Some(102_400));
        assert_eq!(parse_bytes("abc"), None);
        assert_eq!(parse_bytes("1x"), None);
        assert_eq!(parse_bytes(""), None);
        assert_eq!(parse_bytes_or_minus_one("-1"), Some(-1));
        assert_eq!(parse_bytes("-1"), None);
    }

    #[test]
    fn cpus() {
        assert_eq!(parse_nano_cpus("1.5"), Some(1_500_000_000));
        assert_eq!(parse_nano_cpus("2"), Some(2_000_000_000));
        assert_eq!(parse_nano_cpus("0.25"), Some(250_000_000));
        assert_eq!(parse_nano_cpus(".5"), Some(500_000_000));
        assert_eq!(parse_nano_cpus("0.0000000001"), None);
        assert_eq!(parse_nano_cpus("x"), None);
        assert_eq!(parse_nano_cpus("-1"), None);
    }

    #[test]
    fn bools() {
        assert_eq!(parse_bool("false"), Some(false));
        assert_eq!(parse_bool("1"), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn devices() {
        let d = parse_device("/dev/sda:/dev/xvdc:r");
        assert_eq!(
            (
                d.host.as_str(),
                d.container.as_str(),
                d.permissions.as_str()
            ),
            ("/dev/sda", "/dev/xvdc", "r")
        );
        let d = parse_device("/dev/fuse");
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/fuse", "rwm")
        );
        let d = parse_device("/dev/kvm:rw");
        assert_eq!(
            (d.container.as_str(), d.permissions.as_str()),
            ("/dev/kvm", "rw")
        );
    }
}
