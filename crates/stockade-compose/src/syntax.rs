//! Small value grammars of the Compose format: byte sizes, CPU counts,
//! booleans, port specs, volume specs, device specs, command strings.

/// A boolean the way Compose casts interpolated strings (plus YAML 1.1 spellings).
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "on" => Some(true),
        "false" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

/// A byte size: a plain integer, or a number with a unit `b`, `k`, `m`,
/// `g`, `t`, `p` (binary multiples, optional `i` and `b`: `512m`, `1gb`,
/// `2.5G`, `1KiB`).
pub(crate) fn parse_bytes(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'.') {
        i += 1;
    }
    if i == 0 {
        return None;
    }
    let num: f64 = s[..i].parse().ok()?;
    let mut r = s[i..].trim_start().as_bytes();
    let mut mult = 1.0f64;
    if let Some(c) = r.first() {
        let m = match c.to_ascii_lowercase() {
            b'k' => 1024f64,
            b'm' => 1024f64.powi(2),
            b'g' => 1024f64.powi(3),
            b't' => 1024f64.powi(4),
            b'p' => 1024f64.powi(5),
            _ => 0.0,
        };
        if m > 0.0 {
            mult = m;
            r = &r[1..];
            if r.first().is_some_and(|c| c.eq_ignore_ascii_case(&b'i')) {
                r = &r[1..];
            }
        }
    }
    if r.first().is_some_and(|c| c.eq_ignore_ascii_case(&b'b')) {
        r = &r[1..];
    }
    if !r.is_empty() {
        return None;
    }
    let v = num * mult;
    if !v.is_finite() || v < 0.0 || v > i64::MAX as f64 {
        return None;
    }
    Some(v as i64)
}

/// CPUs as a decimal number, in billionths.
pub(crate) fn parse_nano_cpus(s: &str) -> Option<i64> {
    let f: f64 = s.trim().parse().ok()?;
    if !f.is_finite() || !(0.0..=1e9).contains(&f) {
        return None;
    }
    Some((f * 1e9).round() as i64)
}

/// An integer (CPU shares, quotas, pids limits); durations with a unit for
/// CPU periods/quotas are given in microseconds.
pub(crate) fn parse_int_or_micros(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let split = s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = s.split_at(split);
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "us" | "µs" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 6e7,
        _ => return None,
    };
    let v = n * mult;
    (v.is_finite() && v.abs() < 9e18).then_some(v as i64)
}

/// Splits `s` at `sep`, ignoring separators inside `${…}`.
pub(crate) fn split_outside_braces(s: &str, sep: u8) -> Vec<(usize, usize)> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'$' if b.get(i + 1) == Some(&b'{') => {
                depth += 1;
                i += 2;
                continue;
            }
            b'}' if depth > 0 => depth -= 1,
            c if c == sep && depth == 0 => {
                out.push((start, i));
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    out.push((start, b.len()));
    out
}

/// A port or port range `a` / `a-b`.
pub(crate) fn parse_port_range(s: &str) -> Option<(u16, u16)> {
    let s = s.trim();
    match s.split_once('-') {
        Some((a, b)) => {
            let a: u16 = a.trim().parse().ok()?;
            let b: u16 = b.trim().parse().ok()?;
            (a <= b).then_some((a, b))
        }
        None => {
            let a: u16 = s.parse().ok()?;
            Some((a, a))
        }
    }
}

/// The parts of a short port spec, as text: `[ip:][host:]container[/proto]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PortParts {
    pub ip: Option<(usize, usize)>,
    pub host: Option<(usize, usize)>,
    pub container: (usize, usize),
    pub proto: Option<(usize, usize)>,
}

/// Splits a short port spec into byte ranges of its parts (variables inside
/// `${…}` are kept whole). Follows Docker's rules: the last `:` part is the
/// container port, the one before it the host port, everything before that
/// the host IP (`[::1]` brackets allowed).
pub(crate) fn split_port(s: &str) -> Option<PortParts> {
    let pieces = split_outside_braces(s, b'/');
    let (main_end, proto) = if pieces.len() >= 2 {
        let last = *pieces.last()?;
        (pieces[pieces.len() - 2].1, Some(last))
    } else {
        (s.len(), None)
    };
    let main = &s[..main_end];
    if let Some(rest) = main.strip_prefix('[') {
        // [ipv6]:host:container or [ipv6]::container
        let close = rest.find(']')? + 1;
        let after = &main[close + 1..];
        let after = after.strip_prefix(':')?;
        let off = close + 2;
        let parts = split_outside_braces(after, b':');
        if parts.len() != 2 {
            return None;
        }
        let host = (parts[0].0 + off, parts[0].1 + off);
        return Some(PortParts {
            ip: Some((1, close)),
            host: (host.0 != host.1).then_some(host),
            container: (parts[1].0 + off, parts[1].1 + off),
            proto,
        });
    }
    let parts = split_outside_braces(main, b':');
    let n = parts.len();
    let container = parts[n - 1];
    let (ip, host) = match n {
        1 => (None, None),
        2 => (None, Some(parts[0])),
        3 => (Some(parts[0]), Some(parts[1])),
        _ => (Some((parts[0].0, parts[n - 3].1)), Some(parts[n - 2])),
    };
    Some(PortParts {
        ip: ip.filter(|r| r.0 != r.1),
        host: host.filter(|r| r.0 != r.1),
        container,
        proto,
    })
}

/// A short volume spec split into source, target and options (byte ranges),
/// following compose-go: a one-letter part before `:` is a Windows drive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VolumeParts {
    pub source: Option<(usize, usize)>,
    pub target: (usize, usize),
    pub options: Option<(usize, usize)>,
}

pub(crate) fn split_volume(s: &str) -> Result<VolumeParts, &'static str> {
    if s.is_empty() {
        return Err("empty volume spec");
    }
    if s.len() <= 2 {
        return Ok(VolumeParts {
            source: None,
            target: (0, s.len()),
            options: None,
        });
    }
    let raw = split_outside_braces(s, b':');
    // Re-join Windows drive letters (`C:\x`, `C:/x`).
    let mut parts: Vec<(usize, usize)> = Vec::with_capacity(raw.len());
    let b = s.as_bytes();
    let mut k = 0;
    while k < raw.len() {
        let (a, e) = raw[k];
        if e - a == 1 && b[a].is_ascii_alphabetic() && k + 1 < raw.len() {
            parts.push((a, raw[k + 1].1));
            k += 2;
            continue;
        }
        parts.push((a, e));
        k += 1;
    }
    if parts.iter().any(|&(a, e)| a == e) {
        return Err("empty section between colons");
    }
    match parts.len() {
        1 => Ok(VolumeParts {
            source: None,
            target: parts[0],
            options: None,
        }),
        2 => Ok(VolumeParts {
            source: Some(parts[0]),
            target: parts[1],
            options: None,
        }),
        3 => Ok(VolumeParts {
            source: Some(parts[0]),
            target: parts[1],
            options: Some(parts[2]),
        }),
        _ => Err("too many colons"),
    }
}

/// Whether a volume source is a host path (bind) rather than a volume name.
pub(crate) fn is_host_path(source: &str) -> bool {
    let b = source.as_bytes();
    match b.first() {
        None => false,
        Some(b'.' | b'/' | b'~') => true,
        _ => {
            source.starts_with("\\\\")
                || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
        }
    }
}

/// Propagation modes accepted in volume options.
pub(crate) fn is_propagation(o: &str) -> bool {
    matches!(
        o,
        "shared" | "rshared" | "slave" | "rslave" | "private" | "rprivate"
    )
}

/// `host[:container[:permissions]]`; `host:perm` when the second part is a
/// permission string.
pub(crate) fn split_device(s: &str) -> (String, String, String) {
    let parts: Vec<&str> = s.split(':').collect();
    let perms_ok = |p: &str| !p.is_empty() && p.bytes().all(|c| matches!(c, b'r' | b'w' | b'm'));
    match parts.as_slice() {
        [h] => (h.to_string(), h.to_string(), "rwm".into()),
        [h, p] if perms_ok(p) => (h.to_string(), h.to_string(), p.to_string()),
        [h, c] => (h.to_string(), c.to_string(), "rwm".into()),
        [h, c, p] => (h.to_string(), c.to_string(), p.to_string()),
        _ => (s.to_string(), String::new(), String::new()),
    }
}

/// Splits a command string into words like a POSIX shell would without
/// expansions (the way Compose splits string `command`/`entrypoint`).
/// Returns `None` for an unterminated quote.
pub(crate) fn shell_words(s: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '\'' => break,
                        x => cur.push(x),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next()? {
                        '"' => break,
                        '\\' => match chars.next()? {
                            x @ ('"' | '\\' | '$' | '`') => cur.push(x),
                            '\n' => {}
                            x => {
                                cur.push('\\');
                                cur.push(x);
                            }
                        },
                        x => cur.push(x),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some('\n') | None => {}
                    Some(x) => cur.push(x),
                }
            }
            x => {
                in_word = true;
                cur.push(x);
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    Some(words)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes() {
        assert_eq!(parse_bytes("512m"), Some(512 * 1024 * 1024));
        assert_eq!(parse_bytes("1g"), Some(1 << 30));
        assert_eq!(parse_bytes("1gb"), Some(1 << 30));
        assert_eq!(parse_bytes("1GB"), Some(1 << 30));
        assert_eq!(parse_bytes("2.5G"), Some(2_684_354_560));
        assert_eq!(parse_bytes("1KiB"), Some(1024));
        assert_eq!(parse_bytes("1024"), Some(1024));
        assert_eq!(parse_bytes("-1"), Some(-1));
        assert_eq!(parse_bytes("100b"), Some(100));
        assert_eq!(parse_bytes("10 m"), Some(10 * 1024 * 1024));
        for bad in ["", "m", "12x", "1.5.5g", "1gbb", "1e400g", "g1"] {
            assert_eq!(parse_bytes(bad), None, "{bad}");
        }
    }

    #[test]
    fn cpus_and_ints() {
        assert_eq!(parse_nano_cpus("1.5"), Some(1_500_000_000));
        assert_eq!(parse_nano_cpus("0.25"), Some(250_000_000));
        assert_eq!(parse_nano_cpus("x"), None);
        assert_eq!(parse_nano_cpus("-1"), None);
        assert_eq!(parse_int_or_micros("100000"), Some(100_000));
        assert_eq!(parse_int_or_micros("100ms"), Some(100_000));
        assert_eq!(parse_int_or_micros("1s"), Some(1_000_000));
        assert_eq!(parse_int_or_micros("ten"), None);
    }

    #[test]
    fn bools() {
        assert_eq!(parse_bool("true"), Some(true));
        assert_eq!(parse_bool("False"), Some(false));
        assert_eq!(parse_bool("yes"), Some(true));
        assert_eq!(parse_bool("maybe"), None);
    }

    fn port(s: &str) -> (Option<&str>, Option<&str>, &str, Option<&str>) {
        let p = split_port(s).unwrap();
        let g = |r: (usize, usize)| &s[r.0..r.1];
        (p.ip.map(g), p.host.map(g), g(p.container), p.proto.map(g))
    }

    #[test]
    fn ports() {
        assert_eq!(port("80"), (None, None, "80", None));
        assert_eq!(port("8080:80"), (None, Some("8080"), "80", None));
        assert_eq!(
            port("127.0.0.1:8080:80"),
            (Some("127.0.0.1"), Some("8080"), "80", None)
        );
        assert_eq!(port("127.0.0.1::80"), (Some("127.0.0.1"), None, "80", None));
        assert_eq!(port("[::1]:80:80"), (Some("::1"), Some("80"), "80", None));
        assert_eq!(port("::1:80:80"), (Some("::1"), Some("80"), "80", None));
        assert_eq!(
            port("9000-9010:9000-9010"),
            (None, Some("9000-9010"), "9000-9010", None)
        );
        assert_eq!(port("53:53/udp"), (None, Some("53"), "53", Some("udp")));
        assert_eq!(
            port("${IP:-0.0.0.0}:${P:-80}:80"),
            (Some("${IP:-0.0.0.0}"), Some("${P:-80}"), "80", None)
        );
        assert_eq!(parse_port_range("9000-9010"), Some((9000, 9010)));
        assert_eq!(parse_port_range("9010-9000"), None);
        assert_eq!(parse_port_range("70000"), None);
    }

    fn vol(s: &str) -> (Option<&str>, &str, Option<&str>) {
        let p = split_volume(s).unwrap();
        let g = |r: (usize, usize)| &s[r.0..r.1];
        (p.source.map(g), g(p.target), p.options.map(g))
    }

    #[test]
    fn volumes() {
        assert_eq!(vol("/data"), (None, "/data", None));
        assert_eq!(vol("./a:/b"), (Some("./a"), "/b", None));
        assert_eq!(vol("named:/b:ro,z"), (Some("named"), "/b", Some("ro,z")));
        assert_eq!(vol("C:\\x:/b:rw"), (Some("C:\\x"), "/b", Some("rw")));
        assert_eq!(vol("${D:-./d}:/b"), (Some("${D:-./d}"), "/b", None));
        assert!(split_volume("ab:cd:ef:gh").is_err());
        // Like compose-go, a one-letter part before `:` is a Windows drive.
        assert_eq!(vol("a:b:c:d"), (Some("a:b"), "c:d", None));
        assert!(split_volume("ab::c").is_err());
        assert!(split_volume("").is_err());
        assert!(is_host_path("./x") && is_host_path("../x") && is_host_path("/x"));
        assert!(is_host_path("~/x") && is_host_path(".env") && is_host_path("C:\\x"));
        assert!(!is_host_path("data") && !is_host_path(""));
    }

    #[test]
    fn devices() {
        assert_eq!(
            split_device("/dev/a"),
            ("/dev/a".into(), "/dev/a".into(), "rwm".into())
        );
        assert_eq!(
            split_device("/dev/a:r"),
            ("/dev/a".into(), "/dev/a".into(), "r".into())
        );
        assert_eq!(
            split_device("/dev/a:/dev/b"),
            ("/dev/a".into(), "/dev/b".into(), "rwm".into())
        );
        assert_eq!(
            split_device("/dev/a:/dev/b:rw"),
            ("/dev/a".into(), "/dev/b".into(), "rw".into())
        );
    }

    #[test]
    fn words() {
        assert_eq!(
            shell_words("a b  'c d' \"e \\\"f\\\"\" g\\ h").unwrap(),
            ["a", "b", "c d", "e \"f\"", "g h"]
        );
        assert_eq!(shell_words("").unwrap(), Vec::<String>::new());
        assert_eq!(shell_words("x ''").unwrap(), ["x", ""]);
        assert!(shell_words("'open").is_none());
    }
}
