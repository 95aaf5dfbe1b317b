//! Request-target canonicalisation: the guard decides on the path the
//! daemon will route, never on the raw URI.
//!
//! The daemon (Go `net/http` + gorilla/mux) percent-decodes the path before
//! routing, answers a non-clean path (`..`, `.`, `//`) with a redirect to
//! the cleaned one, accepts any `[0-9.]+` as an API version and compares it
//! numerically, and merges repeated query keys (reading the first). Each of
//! those lets a request that looks harmless to a naive filter reach a
//! dangerous handler. Here every such form is refused instead of being
//! normalised: a well-behaved client never sends one.

use std::fmt;

/// Why a request target was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetError(pub String);

impl fmt::Display for TargetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn err<T>(msg: impl Into<String>) -> Result<T, TargetError> {
    Err(TargetError(msg.into()))
}

/// An Engine API version from a `/vX.Y` prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: u16,
    pub minor: u16,
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Longest path or query the guard accepts (the daemon has no such limit,
/// but no legitimate request comes near it).
pub const MAX_TARGET: usize = 16 * 1024;
/// Most query parameters in one request.
pub const MAX_PARAMS: usize = 256;

/// A canonical request target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The decoded path without the version prefix, starting with `/`.
    pub path: String,
    pub version: Option<ApiVersion>,
    pub query: Query,
}

impl Target {
    /// The path as forwarded to the daemon (version prefix kept, the path
    /// re-encoded from its decoded form so that what was judged is what is
    /// routed).
    pub fn upstream_path(&self, path: &str) -> String {
        let mut out = String::with_capacity(path.len() + 8);
        if let Some(v) = self.version {
            out.push_str(&format!("/v{v}"));
        }
        encode_path_into(path, &mut out);
        let q = self.query.encode();
        if !q.is_empty() {
            out.push('?');
            out.push_str(&q);
        }
        out
    }
}

/// Query parameters in the order written, decoded as Go's `url.ParseQuery`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub pairs: Vec<(String, String)>,
}

impl Query {
    /// The first value of `key`, as Go's `Form.Get` reads it.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `key`.
    pub fn all<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The daemon's `httputils.BoolValue`: true unless empty, `0`, `no`,
    /// `false` or `none` (case-insensitive, spaces trimmed).
    pub fn bool(&self, key: &str) -> bool {
        match self.get(key) {
            None => false,
            Some(v) => {
                let v = v.trim().to_ascii_lowercase();
                !matches!(v.as_str(), "" | "0" | "no" | "false" | "none")
            }
        }
    }

    /// Keys given more than once, each named once, in order.
    pub fn repeated(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for (i, (k, _)) in self.pairs.iter().enumerate() {
            if self.pairs[..i].iter().any(|(p, _)| p == k) && !out.contains(&k.as_str()) {
                out.push(k);
            }
        }
        out
    }

    /// Re-encodes the parameters (`application/x-www-form-urlencoded`).
    pub fn encode(&self) -> String {
        let mut out = String::new();
        for (i, (k, v)) in self.pairs.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            encode_query_into(k, &mut out);
            out.push('=');
            encode_query_into(v, &mut out);
        }
        out
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-decoding; `plus` turns `+` into a space (query components).
fn unescape(s: &str, plus: bool) -> Result<Vec<u8>, TargetError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let (Some(h), Some(l)) = (
                    b.get(i + 1).copied().and_then(hex),
                    b.get(i + 2).copied().and_then(hex),
                ) else {
                    return err(format!("invalid percent-escape in `{}`", shorten(s)));
                };
                out.push(h << 4 | l);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

fn shorten(s: &str) -> String {
    const MAX: usize = 120;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

fn decoded_text(bytes: Vec<u8>, what: &str) -> Result<String, TargetError> {
    let s = String::from_utf8(bytes).map_err(|_| TargetError(format!("{what} is not UTF-8")))?;
    if s.chars().any(|c| c.is_control()) {
        return err(format!("{what} holds a control character"));
    }
    Ok(s)
}

/// Parses a `vX.Y` segment. Only the canonical spelling is accepted: `1.41`,
/// not `1.041`, `01.41`, `1.41.0` or `1.`.
fn parse_version(seg: &str) -> Result<Option<ApiVersion>, TargetError> {
    let Some(rest) = seg.strip_prefix('v') else {
        return Ok(None);
    };
    // The daemon treats any `v[0-9.]+` segment as a version.
    if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Ok(None);
    }
    let parts: Vec<&str> = rest.split('.').collect();
    let canon = |p: &str| !p.is_empty() && p.len() <= 3 && (p == "0" || !p.starts_with('0'));
    if parts.len() != 2 || !parts.iter().all(|p| canon(p)) {
        return err(format!(
            "odd API version prefix `/{seg}`: only `/vMAJOR.MINOR` is accepted"
        ));
    }
    let major: u16 = parts[0]
        .parse()
        .map_err(|_| TargetError("bad version".into()))?;
    let minor: u16 = parts[1]
        .parse()
        .map_err(|_| TargetError("bad version".into()))?;
    if major != 1 {
        return err(format!("unsupported API version `{seg}`"));
    }
    Ok(Some(ApiVersion { major, minor }))
}

/// Canonicalises an origin-form request target (`/path?query`).
pub fn canonicalize(raw: &str) -> Result<Target, TargetError> {
    if raw.len() > MAX_TARGET {
        return err("request target too long");
    }
    if !raw.starts_with('/') {
        return err("request target must be a path (origin form)");
    }
    if raw.contains('#') {
        return err("request target holds a fragment");
    }
    let (raw_path, raw_query) = match raw.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (raw, None),
    };
    let b = raw_path.as_bytes();
    if b.windows(3).any(|w| {
        w[0] == b'%'
            && ((w[1] == b'2' && w[2] | 0x20 == b'f') || (w[1] == b'5' && w[2] | 0x20 == b'c'))
    }) {
        return err("encoded `/` or `\\` in the path");
    }
    let path = decoded_text(unescape(raw_path, false)?, "path")?;
    if path.contains('\\') {
        return err("`\\` in the path");
    }
    // The first segment may be a version prefix.
    let first_end = path[1..].find('/').map_or(path.len(), |i| i + 1);
    let mut version = None;
    let mut start = 0;
    if let Some(v) = parse_version(&path[1..first_end])? {
        version = Some(v);
        start = first_end;
    }
    let rest = &path[start..];
    if rest.len() <= 1 {
        return err(if version.is_some() {
            "no path after the version prefix"
        } else {
            "empty path"
        });
    }
    for s in rest[1..].split('/') {
        if s.is_empty() {
            return err(format!(
                "empty path segment (`//` or a trailing `/`) in `{}`",
                shorten(&path)
            ));
        }
        if s == "." || s == ".." {
            return err(format!("dot segment `{s}` in `{}`", shorten(&path)));
        }
    }
    let canonical_path = if start == 0 { path } else { rest.to_string() };
    let query = match raw_query {
        None => Query::default(),
        Some(q) => parse_query(q)?,
    };
    Ok(Target {
        path: canonical_path,
        version,
        query,
    })
}

/// Go's `url.ParseQuery`, refusing what it would reject or skip: invalid
/// escapes and `;` separators are errors here.
pub fn parse_query(q: &str) -> Result<Query, TargetError> {
    let mut pairs = Vec::new();
    for part in q.split('&') {
        if part.is_empty() {
            continue;
        }
        if part.contains(';') {
            return err("`;` in the query string");
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = decoded_text(unescape(k, true)?, "query key")?;
        let v = decoded_text(unescape(v, true)?, "query value")?;
        if pairs.len() >= MAX_PARAMS {
            return err("too many query parameters");
        }
        pairs.push((k, v));
    }
    Ok(Query { pairs })
}

/// Characters a path segment may carry unescaped (RFC 3986 pchar minus `%`).
fn path_safe(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'@'
                | b'/'
        )
}

const HEX: &[u8; 16] = b"0123456789ABCDEF";

/// Percent-encodes a decoded path (slashes kept).
pub fn encode_path_into(path: &str, out: &mut String) {
    for &b in path.as_bytes() {
        if path_safe(b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// Go's `url.QueryEscape`.
fn encode_query_into(s: &str, out: &mut String) {
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> Target {
        canonicalize(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }
    fn bad(s: &str) -> String {
        canonicalize(s).map(|t| format!("{t:?}")).unwrap_err().0
    }

    #[test]
    fn plain_and_versioned() {
        let t = ok("/v1.41/containers/json?all=1");
        assert_eq!(t.path, "/containers/json");
        assert_eq!(
            t.version,
            Some(ApiVersion {
                major: 1,
                minor: 41
            })
        );
        assert!(t.query.bool("all"));
        let t = ok("/containers/create");
        assert_eq!((t.path.as_str(), t.version), ("/containers/create", None));
        assert_eq!(ok("/_ping").path, "/_ping");
        // A segment that only looks like a version is not one.
        assert_eq!(ok("/vfoo/bar").path, "/vfoo/bar");
    }

    #[test]
    fn odd_versions_refused() {
        for t in [
            "/v1.041/containers/json",
            "/v1.41.0/containers/json",
            "/v1.41.0.0/x",
            "/v01.41/x",
            "/v1./x",
            "/v.41/x",
            "/v141/x",
            "/v2.0/x",
            "/v1.4444/x",
        ] {
            let e = bad(t);
            assert!(e.contains("version"), "{t}: {e}");
        }
        assert!(bad("/v1.41").contains("no path"));
        assert!(bad("/v1.41/").contains("no path"));
        assert!(bad("/").contains("empty path"));
    }

    #[test]
    fn encoding_and_dots() {
        assert_eq!(ok("/%63ontainers/create").path, "/containers/create");
        assert!(bad("/containers%2Fcreate").contains("encoded"));
        assert!(bad("/containers%2fcreate").contains("encoded"));
        assert!(bad("/_ping/../containers/create").contains("dot segment"));
        assert!(bad("/_ping/%2e%2e/containers/create").contains("dot segment"));
        assert!(bad("/./containers/json").contains("dot segment"));
        assert!(bad("//containers/json").contains("empty path segment"));
        assert!(bad("/containers//json").contains("empty path segment"));
        assert!(bad("/containers/json/").contains("empty path segment"));
        assert!(bad("/containers/%zz").contains("percent-escape"));
        assert!(bad("/containers/%0a/json").contains("control"));
        assert!(bad("/containers/%ff/json").contains("UTF-8"));
        assert!(bad("/a\\b").contains('\\'));
        assert!(bad("http://docker/containers/json").contains("origin form"));
        assert!(bad("*").contains("origin form"));
        assert!(bad("/x#y").contains("fragment"));
        assert!(bad(&format!("/{}", "a".repeat(MAX_TARGET))).contains("too long"));
    }

    #[test]
    fn query_like_go() {
        let q = ok("/x?a=1&b=two+words&c=%41&&d").query;
        assert_eq!(q.get("a"), Some("1"));
        assert_eq!(q.get("b"), Some("two words"));
        assert_eq!(q.get("c"), Some("A"));
        assert_eq!(q.get("d"), Some(""));
        assert!(q.repeated().is_empty());
        let q = ok("/x?t=a&t=b&%74=c&u=1").query;
        assert_eq!(q.repeated(), vec!["t"]);
        assert_eq!(q.all("t").collect::<Vec<_>>(), vec!["a", "b", "c"]);
        assert!(bad("/x?a=1;b=2").contains(';'));
        assert!(bad("/x?a=%g1").contains("percent"));
        for (v, b) in [
            ("1", true),
            ("true", true),
            ("yes", true),
            (" TRUE ", true),
            ("x", true),
            ("", false),
            ("0", false),
            ("no", false),
            ("False", false),
            ("NONE", false),
        ] {
            let q = Query {
                pairs: vec![("k".into(), v.into())],
            };
            assert_eq!(q.bool("k"), b, "{v:?}");
        }
        assert!(!Query::default().bool("k"));
    }

    #[test]
    fn upstream_path_round_trips() {
        let t = ok("/v1.41/images/%72egistry:5000/a%20b/json?x=a%26b&y=c+d");
        assert_eq!(t.path, "/images/registry:5000/a b/json");
        let up = t.upstream_path(&t.path);
        assert_eq!(up, "/v1.41/images/registry:5000/a%20b/json?x=a%26b&y=c+d");
        let again = ok(&up);
        assert_eq!(again, t);
        let t = ok("/containers/json");
        assert_eq!(
            t.upstream_path("/containers/abc/start"),
            "/containers/abc/start"
        );
    }
}
