//! `.env` / `env_file` parsing, following the dotenv dialect Compose reads:
//! `KEY=VALUE` (or `KEY: VALUE`), optional `export `, `#` comments,
//! single-quoted values (literal, may span lines), double-quoted values
//! (escapes, `${VAR}` expansion, may span lines), unquoted values (trimmed,
//! ` #` starts a comment, `${VAR}` expansion). A line with only `KEY`
//! passes the variable through from the environment.

use crate::interp::{self, Lookup, Vars};

/// One variable written in an env file. Offsets are bytes into the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DotEnvVar {
    pub key: String,
    pub key_range: (usize, usize),
    /// `None` for a bare `KEY` line.
    pub value: Option<DotEnvValue>,
    /// The whole `KEY=VALUE` text.
    pub line_range: (usize, usize),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DotEnvValue {
    /// The value as written, quotes removed.
    pub raw: String,
    /// The expanded value when every variable in it resolved.
    pub value: Option<String>,
    pub unresolved: Vec<String>,
    pub range: (usize, usize),
}

/// A problem in an env file (the rest of the file is still read).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DotEnvError {
    pub at: usize,
    pub message: String,
}

/// Variables defined so far in the file, consulted before the outer lookup.
struct Chained<'a> {
    earlier: &'a [DotEnvVar],
    outer: &'a dyn Vars,
}

impl Vars for Chained<'_> {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        if let Some(v) = self.earlier.iter().rev().find(|v| v.key == name) {
            return match &v.value {
                Some(DotEnvValue { value: Some(s), .. }) => Lookup::Set(s),
                Some(DotEnvValue { value: None, .. }) => Lookup::Unknown,
                None => self.outer.lookup(name),
            };
        }
        self.outer.lookup(name)
    }
}

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'[' | b']')
}

/// Parses env-file text. Values are expanded against earlier variables of
/// the same file, then `outer`.
pub(crate) fn parse(text: &str, outer: &dyn Vars) -> (Vec<DotEnvVar>, Vec<DotEnvError>) {
    let b = text.as_bytes();
    let mut vars: Vec<DotEnvVar> = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    if text.starts_with('\u{feff}') {
        i = 3;
    }
    while i < b.len() {
        // Start of a line: skip blanks.
        while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let line_start = i;
        let eol = b[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| i + p);
        if b[i] == b'#' {
            i = eol;
            continue;
        }
        let mut k = i;
        if text[k..eol].starts_with("export ") || text[k..eol].starts_with("export\t") {
            k += 7;
            while k < eol && matches!(b[k], b' ' | b'\t') {
                k += 1;
            }
        }
        let key_start = k;
        while k < eol && is_key_char(b[k]) {
            k += 1;
        }
        let key_end = k;
        while k < eol && matches!(b[k], b' ' | b'\t') {
            k += 1;
        }
        let line_trim_end = text[line_start..eol].trim_end().len() + line_start;
        if key_end == key_start {
            errors.push(DotEnvError {
                at: line_start,
                message: format!(
                    "unexpected character in variable name: `{}`",
                    &text[line_start..line_trim_end]
                ),
            });
            i = eol;
            continue;
        }
        let key = text[key_start..key_end].to_string();
        if k >= eol || b[k] == b'#' || b[k] == b'\r' {
            // `KEY` alone: inherited from the environment.
            vars.push(DotEnvVar {
                key,
                key_range: (key_start, key_end),
                value: None,
                line_range: (line_start, key_end),
            });
            i = eol;
            continue;
        }
        if b[k] != b'=' && b[k] != b':' {
            errors.push(DotEnvError {
                at: k,
                message: format!(
                    "unexpected character in variable name: `{}`",
                    &text[line_start..line_trim_end]
                ),
            });
            i = eol;
            continue;
        }
        k += 1;
        while k < eol && matches!(b[k], b' ' | b'\t') {
            k += 1;
        }
        let (raw, expand, vstart, vend, next) = match b.get(k) {
            Some(&q @ (b'\'' | b'"')) => {
                // Quoted: find the closing quote, possibly on a later line.
                let mut j = k + 1;
                let mut out = String::new();
                let mut closed = None;
                let mut seg = j;
                while j < b.len() {
                    if q == b'"' && b[j] == b'\\' && j + 1 < b.len() {
                        out.push_str(&text[seg..j]);
                        match b[j + 1] {
                            b'n' => out.push('\n'),
                            b'r' => out.push('\r'),
                            b't' => out.push('\t'),
                            b'"' => out.push('"'),
                            b'\\' => out.push('\\'),
                            b'$' => out.push_str("$$"),
                            _ => {
                                // Unknown escape: keep the backslash; the next
                                // character is read normally.
                                out.push('\\');
                                j += 1;
                                seg = j;
                                continue;
                            }
                        }
                        j += 2;
                        seg = j;
                        continue;
                    }
                    if b[j] == q {
                        out.push_str(&text[seg..j]);
                        closed = Some(j);
                        break;
                    }
                    j += 1;
                }
                match closed {
                    Some(c) => {
                        let after = b[c..]
                            .iter()
                            .position(|&x| x == b'\n')
                            .map_or(b.len(), |p| c + p);
                        (out, q == b'"', k, c + 1, after)
                    }
                    None => {
                        errors.push(DotEnvError {
                            at: k,
                            message: format!("unterminated quoted value for `{key}`"),
                        });
                        i = eol;
                        continue;
                    }
                }
            }
            _ => {
                // Unquoted: up to the end of the line or ` #`.
                let mut end = eol;
                let mut j = k;
                while j < eol {
                    if b[j] == b'#' && j > k && matches!(b[j - 1], b' ' | b'\t') {
                        end = j;
                        break;
                    }
                    j += 1;
                }
                let v = text[k..end].trim_end();
                (v.to_string(), true, k, k + v.len(), eol)
            }
        };
        let (value, unresolved) = if expand {
            let chained = Chained {
                earlier: &vars,
                outer,
            };
            match interp::interpolate(&raw, &chained) {
                Ok(o) => (o.value, o.unresolved),
                Err(msg) => {
                    errors.push(DotEnvError {
                        at: vstart,
                        message: msg,
                    });
                    (None, Vec::new())
                }
            }
        } else {
            (Some(raw.clone()), Vec::new())
        };
        // `\$` inside double quotes was kept as `$$` for interpolation; show it as written.
        let raw = if expand && raw.contains("$$") && b.get(k) == Some(&b'"') {
            raw.replace("$$", "$")
        } else {
            raw
        };
        vars.push(DotEnvVar {
            key,
            key_range: (key_start, key_end),
            value: Some(DotEnvValue {
                raw,
                value,
                unresolved,
                range: (vstart, vend),
            }),
            line_range: (line_start, vend),
        });
        i = next;
    }
    (vars, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::EnvMap;

    fn get<'a>(vars: &'a [DotEnvVar], k: &str) -> &'a DotEnvVar {
        vars.iter().rev().find(|v| v.key == k).unwrap()
    }

    fn val(vars: &[DotEnvVar], k: &str) -> Option<String> {
        get(vars, k).value.as_ref().unwrap().value.clone()
    }

    #[test]
    fn basic_forms() {
        let text = "# comment\nA=1\nexport B = two \nC='lit ${A}'\nD=\"x\\ny ${A}\"\nE=val # comment\nF=a#b\nG: colon\nH\n\nI=\nJ=\"multi\nline\"\nK=${B}-${A}\n";
        let (vars, errs) = parse(text, &EnvMap::new());
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(val(&vars, "A").as_deref(), Some("1"));
        assert_eq!(val(&vars, "B").as_deref(), Some("two"));
        assert_eq!(val(&vars, "C").as_deref(), Some("lit ${A}"));
        assert_eq!(val(&vars, "D").as_deref(), Some("x\ny 1"));
        assert_eq!(val(&vars, "E").as_deref(), Some("val"));
        assert_eq!(val(&vars, "F").as_deref(), Some("a#b"));
        assert_eq!(val(&vars, "G").as_deref(), Some("colon"));
        assert!(get(&vars, "H").value.is_none());
        assert_eq!(val(&vars, "I").as_deref(), Some(""));
        assert_eq!(val(&vars, "J").as_deref(), Some("multi\nline"));
        assert_eq!(val(&vars, "K").as_deref(), Some("two-1"));
        let e = get(&vars, "E");
        assert_eq!(&text[e.key_range.0..e.key_range.1], "E");
        let r = e.value.as_ref().unwrap().range;
        assert_eq!(&text[r.0..r.1], "val");
        let d = get(&vars, "D").value.as_ref().unwrap().range;
        assert_eq!(&text[d.0..d.1], "\"x\\ny ${A}\"");
    }

    #[test]
    fn unresolved_and_outer_lookup() {
        let mut outer = EnvMap::new();
        outer.insert("HOST".into(), Some("db".into()));
        let (vars, _) = parse("URL=http://${HOST}/${MISSING}\nP=${HOST:-x}\n", &outer);
        let u = get(&vars, "URL").value.as_ref().unwrap();
        assert_eq!(u.value, None);
        assert_eq!(u.unresolved, vec!["MISSING"]);
        assert_eq!(val(&vars, "P").as_deref(), Some("db"));
    }

    #[test]
    fn errors_do_not_stop_the_file() {
        let (vars, errs) = parse("bad line here\nA=1\nB='open\n", &EnvMap::new());
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert_eq!(val(&vars, "A").as_deref(), Some("1"));
        assert!(vars.iter().all(|v| v.key != "B"));
    }

    #[test]
    fn unknown_escapes_and_multibyte_text() {
        let (vars, errs) = parse("A=\"x\\é\\q\"\nB=\"日本\"\n", &EnvMap::new());
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(val(&vars, "A").as_deref(), Some("x\\é\\q"));
        assert_eq!(val(&vars, "B").as_deref(), Some("日本"));
    }

    #[test]
    fn crlf_and_bom() {
        let (vars, errs) = parse("\u{feff}A=1\r\nB=\"2\"\r\n", &EnvMap::new());
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(val(&vars, "A").as_deref(), Some("1"));
        assert_eq!(val(&vars, "B").as_deref(), Some("2"));
    }
}
