//! A `.dockerignore` matcher and the glob matching `COPY` sources use.
//!
//! Semantics follow the Docker documentation: one pattern per line, `#`
//! comments, a leading `/` is ignored, `*` matches within one path
//! component, `?` one character, `[…]` a class, `**` any number of
//! components (also none), `!` re-includes; the last matching line wins, and
//! a pattern that matches a directory excludes everything under it.

/// Parsed `.dockerignore` rules.
#[derive(Debug, Clone, Default)]
pub struct DockerIgnore {
    rules: Vec<(bool, Vec<String>)>,
}

const MAX_RULES: usize = 4096;
const MAX_SEGMENTS: usize = 128;

impl DockerIgnore {
    pub fn parse(text: &str) -> DockerIgnore {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (negate, pat) = match line.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, line),
            };
            let segs = clean(pat);
            if segs.is_empty() {
                continue;
            }
            rules.push((negate, segs));
            if rules.len() >= MAX_RULES {
                break;
            }
        }
        DockerIgnore { rules }
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Whether `path` (relative to the context root, `/`-separated) is left
    /// out of the build context.
    pub fn is_excluded(&self, path: &str) -> bool {
        let segs = clean(path);
        if segs.is_empty() {
            return false;
        }
        let mut excluded = false;
        for (negate, pat) in &self.rules {
            // The path itself or any of its parent directories.
            let hit = (1..=segs.len()).any(|n| match_segments(pat, &segs[..n]));
            if hit {
                excluded = !negate;
            }
        }
        excluded
    }
}

/// Splits a path into components, dropping `.`, empty components and a
/// leading `/`, and resolving `..` lexically.
fn clean(p: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in p.split('/') {
        match s {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s.to_string()),
        }
        if out.len() > MAX_SEGMENTS {
            break;
        }
    }
    out
}

/// Matches `/`-separated `path` against `pattern` (`**` spans components).
pub fn glob_match(pattern: &str, path: &str) -> bool {
    match_segments(&clean(pattern), &clean(path))
}

/// Whether a string has glob characters.
pub fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn match_segments(pat: &[String], path: &[String]) -> bool {
    // dp[i][j]: pat[i..] matches path[j..]. Filled backwards; O(n·m).
    let (n, m) = (pat.len(), path.len());
    let mut dp = vec![vec![false; m + 1]; n + 1];
    dp[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            dp[i][j] = if pat[i] == "**" {
                dp[i + 1][j] || (j < m && dp[i][j + 1])
            } else {
                j < m && match_component(pat[i].as_bytes(), path[j].as_bytes()) && dp[i + 1][j + 1]
            };
        }
    }
    dp[0][0]
}

/// Matches one path component: `*`, `?`, `[…]` (with `^`/`!` negation and
/// ranges) and `\` escapes. Iterative with one backtrack point for `*`.
fn match_component(p: &[u8], s: &[u8]) -> bool {
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    while pi < p.len() && p[pi] == b'*' {
                        pi += 1;
                    }
                    star = Some((pi, si));
                    continue;
                }
                b'?' => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                b'[' => {
                    if let Some((ok, next)) = class(p, pi, s[si]) {
                        if ok {
                            pi = next;
                            si += 1;
                            continue;
                        }
                    } else if s[si] == b'[' {
                        pi += 1;
                        si += 1;
                        continue;
                    }
                }
                b'\\' if pi + 1 < p.len() && p[pi + 1] == s[si] => {
                    pi += 2;
                    si += 1;
                    continue;
                }
                c if c == s[si] => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                _ => {}
            }
        }
        match star {
            Some((sp, ss)) => {
                pi = sp;
                si = ss + 1;
                star = Some((sp, ss + 1));
            }
            None => return false,
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// Evaluates a `[…]` class at `p[at]` against `c`: `(matched, index after ])`,
/// or `None` when the class is not closed.
fn class(p: &[u8], at: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = at + 1;
    let negate = matches!(p.get(i), Some(b'^' | b'!'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        if p[i] == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        let lo = if p[i] == b'\\' && i + 1 < p.len() {
            i += 1;
            p[i]
        } else {
            p[i]
        };
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            let hi = p[i + 2];
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*.key", "server.key"));
        assert!(!glob_match("*.key", "certs/server.key"));
        assert!(glob_match("**/*.key", "certs/server.key"));
        assert!(glob_match("**/*.key", "server.key"));
        assert!(glob_match("certs/**", "certs/a/b"));
        assert!(glob_match("id_?sa", "id_rsa"));
        assert!(glob_match("id_[rd]sa", "id_dsa"));
        assert!(!glob_match("id_[!rd]sa", "id_rsa"));
        assert!(glob_match("/secrets/*", "secrets/x"));
        assert!(!glob_match("a*b", "a/b"));
    }

    #[test]
    fn dockerignore_rules() {
        let di = DockerIgnore::parse("# comment\n.git\n*.key\n!public.key\nsecrets/\n**/.env\n");
        assert!(di.is_excluded(".git/config"));
        assert!(di.is_excluded("server.key"));
        assert!(!di.is_excluded("public.key"));
        assert!(!di.is_excluded("certs/server.key"));
        assert!(di.is_excluded("secrets/id_rsa"));
        assert!(di.is_excluded(".env"));
        assert!(di.is_excluded("app/.env"));
        assert!(!di.is_excluded("app/main.go"));
        assert!(!DockerIgnore::parse("").is_excluded("x"));
        // Last match wins.
        let di = DockerIgnore::parse("!a.key\n*.key\n");
        assert!(di.is_excluded("a.key"));
    }
}
