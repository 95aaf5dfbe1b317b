//! Compose variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`,
//! `${VAR-default}`, `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`,
//! `${VAR+alt}`, `$$`), following compose-go's template package:
//!
//! - names are `[_A-Za-z][_A-Za-z0-9]*`;
//! - a `$` that starts none of the forms above stays a literal `$`;
//! - `${` that does not form a valid expression is an error;
//! - a braced expression ends at its first balanced `}` (every `{` opens),
//!   or, when there is none, at the last `}` on the same line;
//! - defaults, alternatives and error messages are interpolated first,
//!   even when they are not used.
//!
//! Unlike Compose, an unset variable without a default is not replaced by
//! an empty string: the result is *unknown* and names the variable. A
//! failing `:?`/`?` is unknown too (Compose would refuse the file).

use std::collections::HashMap;

/// What a variable lookup found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lookup<'a> {
    Set(&'a str),
    Unset,
    /// Set, but to a value that could not be resolved itself.
    Unknown,
}

/// A variable environment.
pub(crate) trait Vars {
    fn lookup(&self, name: &str) -> Lookup<'_>;
}

/// A value in an environment map: `None` when set to something unknown.
pub(crate) type EnvMap = HashMap<String, Option<String>>;

impl Vars for EnvMap {
    fn lookup(&self, name: &str) -> Lookup<'_> {
        match self.get(name) {
            Some(Some(v)) => Lookup::Set(v),
            Some(None) => Lookup::Unknown,
            None => Lookup::Unset,
        }
    }
}

/// The result of interpolating one string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Outcome {
    pub value: Option<String>,
    pub unresolved: Vec<String>,
}

/// Maximum nesting of `${…}` inside defaults.
const MAX_DEPTH: usize = 32;

struct Eval {
    out: String,
    known: bool,
    unresolved: Vec<String>,
}

impl Eval {
    fn new() -> Eval {
        Eval {
            out: String::new(),
            known: true,
            unresolved: Vec::new(),
        }
    }
    fn unknown(&mut self, name: &str) {
        self.known = false;
        if !self.unresolved.iter().any(|n| n == name) {
            self.unresolved.push(name.to_string());
        }
    }
    fn absorb_names(&mut self, other: &Eval) {
        for n in &other.unresolved {
            if !self.unresolved.iter().any(|x| x == n) {
                self.unresolved.push(n.clone());
            }
        }
    }
    /// Appends another evaluation's result.
    fn append(&mut self, other: Eval) {
        self.absorb_names(&other);
        if other.known {
            self.out.push_str(&other.out);
        } else {
            self.known = false;
        }
    }
}

/// Interpolates `s`. `Err` is an invalid template (Compose rejects the file).
pub(crate) fn interpolate(s: &str, vars: &dyn Vars) -> Result<Outcome, String> {
    if !s.contains('$') {
        return Ok(Outcome {
            value: Some(s.to_string()),
            unresolved: Vec::new(),
        });
    }
    let mut ev = Eval::new();
    subst(s, vars, 0, &mut ev)?;
    Ok(Outcome {
        value: ev.known.then_some(ev.out),
        unresolved: ev.unresolved,
    })
}

fn is_name_start(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphabetic()
}

fn is_name_char(b: u8) -> bool {
    b == b'_' || b.is_ascii_alphanumeric()
}

fn name_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_name_char(b[i]) {
        i += 1;
    }
    i
}

/// Where the braced expression starting at `dollar` (`${…`) closes, given
/// that its body starts at `body`. Expressions do not cross lines.
fn closing_brace(b: &[u8], dollar: usize, body: usize) -> Option<usize> {
    let mut open = 0i32;
    let mut i = dollar;
    while i < b.len() && b[i] != b'\n' {
        match b[i] {
            b'}' => {
                open -= 1;
                if open == 0 {
                    return Some(i);
                }
            }
            b'{' => {
                open += 1;
                if b.get(i + 1) == Some(&b'\n') {
                    break;
                }
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    let line_end = i.min(b.len());
    // No balanced close: the expression runs to the last `}` on the line.
    if body > line_end {
        return None;
    }
    b[body..line_end]
        .iter()
        .rposition(|&c| c == b'}')
        .map(|p| body + p)
}

fn subst(s: &str, vars: &dyn Vars, depth: usize, ev: &mut Eval) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("variable defaults nested too deeply".into());
    }
    let b = s.as_bytes();
    let mut i = 0;
    while let Some(off) = b[i..].iter().position(|&c| c == b'$') {
        let d = i + off;
        ev.out.push_str(&s[i..d]);
        match b.get(d + 1) {
            Some(b'$') => {
                ev.out.push('$');
                i = d + 2;
            }
            Some(&c) if is_name_start(c) => {
                let e = name_end(b, d + 1);
                plain_var(&s[d + 1..e], vars, ev);
                i = e;
            }
            Some(b'{') => {
                i = braced(s, d, vars, depth, ev)?;
            }
            _ => {
                ev.out.push('$');
                i = d + 1;
            }
        }
    }
    ev.out.push_str(&s[i..]);
    Ok(())
}

fn plain_var(name: &str, vars: &dyn Vars, ev: &mut Eval) {
    match vars.lookup(name) {
        Lookup::Set(v) => ev.out.push_str(v),
        Lookup::Unset | Lookup::Unknown => ev.unknown(name),
    }
}

fn invalid(s: &str) -> String {
    format!("invalid interpolation in `{s}` (write `$$` for a literal `$`)")
}

/// Handles `${…` at `d`; returns the index after the expression.
fn braced(
    s: &str,
    d: usize,
    vars: &dyn Vars,
    depth: usize,
    ev: &mut Eval,
) -> Result<usize, String> {
    let b = s.as_bytes();
    let ns = d + 2;
    if ns >= b.len() || !is_name_start(b[ns]) {
        return Err(invalid(s));
    }
    let ne = name_end(b, ns);
    let name = &s[ns..ne];
    match b.get(ne) {
        Some(b'}') => {
            plain_var(name, vars, ev);
            return Ok(ne + 1);
        }
        Some(b'[') => {
            // Named mappings (`${name[key]}`) are not enabled in Compose's
            // default configuration: the text is kept as written.
            return match b[ne..]
                .iter()
                .position(|&c| c == b'}' || c == b'\n')
                .map(|p| ne + p)
            {
                Some(p) if b[p] == b'}' => {
                    ev.out.push_str(&s[d..=p]);
                    Ok(p + 1)
                }
                _ => Err(invalid(s)),
            };
        }
        _ => {}
    }
    let mut p = ne;
    let colon = b.get(p) == Some(&b':');
    if colon {
        p += 1;
    }
    let op = match b.get(p) {
        Some(&c @ (b'-' | b'+' | b'?')) => c,
        _ => return Err(invalid(s)),
    };
    let body = p + 1;
    let Some(close) = closing_brace(b, d, body) else {
        return Err(invalid(s));
    };
    if close < body {
        return Err(invalid(s));
    }
    let arg_text = &s[body..close];
    let mut arg = Eval::new();
    subst(arg_text, vars, depth + 1, &mut arg)?;
    let found = vars.lookup(name);
    match op {
        b'-' => match found {
            Lookup::Set(v) if !(colon && v.is_empty()) => ev.out.push_str(v),
            Lookup::Set(_) | Lookup::Unset => ev.append(arg),
            Lookup::Unknown => {
                ev.absorb_names(&arg);
                ev.unknown(name);
            }
        },
        b'+' => match found {
            Lookup::Set(v) if !(colon && v.is_empty()) => ev.append(arg),
            Lookup::Set(v) => ev.out.push_str(v),
            Lookup::Unset => {}
            Lookup::Unknown => {
                if colon {
                    ev.absorb_names(&arg);
                    ev.unknown(name);
                } else {
                    // Set (to something unknown): the alternative applies.
                    ev.append(arg);
                }
            }
        },
        _ => match found {
            // `?` / `:?`: the error message is evaluated only for its errors.
            Lookup::Set(v) if !(colon && v.is_empty()) => ev.out.push_str(v),
            _ => ev.unknown(name),
        },
    }
    Ok(close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> EnvMap {
        let mut m = EnvMap::new();
        m.insert("FOO".into(), Some("first".into()));
        m.insert("BAR".into(), Some(String::new()));
        m.insert("UNK".into(), None);
        m
    }

    fn ok(s: &str) -> String {
        let o = interpolate(s, &env()).unwrap();
        assert!(o.unresolved.is_empty(), "{s}: {:?}", o.unresolved);
        o.value.unwrap_or_else(|| panic!("{s} unknown"))
    }

    fn unknown(s: &str) -> Vec<String> {
        let o = interpolate(s, &env()).unwrap();
        assert_eq!(o.value, None, "{s}");
        o.unresolved
    }

    #[test]
    fn plain_and_braced() {
        assert_eq!(ok("no vars"), "no vars");
        assert_eq!(ok("$FOO"), "first");
        assert_eq!(ok("${FOO}"), "first");
        assert_eq!(ok("This $FOO var"), "This first var");
        assert_eq!(ok("$FOO-bar"), "first-bar");
        assert_eq!(ok("${FOO}${FOO}"), "firstfirst");
        assert_eq!(unknown("a ${MISSING} b"), vec!["MISSING"]);
        assert_eq!(unknown("$MISSING"), vec!["MISSING"]);
        assert_eq!(unknown("$A $B $A"), vec!["A", "B"]);
    }

    #[test]
    fn escapes_and_literal_dollars() {
        assert_eq!(ok("$${foo}"), "${foo}");
        assert_eq!(ok("$$FOO"), "$FOO");
        assert_eq!(ok("$$$FOO"), "$first");
        for lit in ["a $ string", "^REGEX$", "$}", "$", "echo $(date)", "$1"] {
            assert_eq!(ok(lit), lit);
        }
    }

    #[test]
    fn invalid_templates() {
        for bad in [
            "${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "${FOO:-x",
        ] {
            assert!(interpolate(bad, &env()).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults() {
        assert_eq!(ok("ok ${missing:-def}"), "ok def");
        assert_eq!(ok("ok ${missing-def}"), "ok def");
        assert_eq!(ok("ok ${BAR:-def}"), "ok def");
        assert_eq!(ok("ok ${BAR-def}"), "ok ");
        assert_eq!(ok("ok ${FOO:-def}"), "ok first");
        assert_eq!(ok("ok ${BAR:-/non:-alphanumeric}"), "ok /non:-alphanumeric");
        assert_eq!(ok("${UNSET-myerror?msg}"), "myerror?msg");
        assert_eq!(ok("${missing:-}"), "");
    }

    #[test]
    fn nested_defaults() {
        assert_eq!(ok("ok ${UNSET_VAR-$FOO}"), "ok first");
        assert_eq!(ok("ok ${UNSET_VAR-${FOO}}"), "ok first");
        assert_eq!(ok("ok ${UNSET_VAR-${FOO} ${FOO}}"), "ok first first");
        assert_eq!(ok("ok ${BAR:-${FOO} ${FOO}}"), "ok first first");
        assert_eq!(ok("+ok ${UNSET:-${BAR-defaultValue}}"), "+ok ");
        assert_eq!(ok("${A:-${B:-c}}"), "c");
        assert_eq!(ok("${A:-${B:-${C:-deep}}}/x"), "deep/x");
        assert_eq!(ok("${DATA:-${FOO}/data}"), "first/data");
        assert_eq!(ok("${A:-x}y}"), "xy}");
        assert_eq!(ok("${A:-{x}}"), "{x}");
        // A default that is not used may still be unknown: that is fine.
        assert_eq!(ok("${FOO:-${MISSING}}"), "first");
        assert_eq!(unknown("${A:-${MISSING}}"), vec!["MISSING"]);
    }

    #[test]
    fn alternatives() {
        assert_eq!(ok("ok ${UNSET_VAR:+presence}"), "ok ");
        assert_eq!(ok("ok ${UNSET_VAR+presence}"), "ok ");
        assert_eq!(ok("ok ${FOO:+presence}"), "ok presence");
        assert_eq!(ok("ok ${FOO+presence}"), "ok presence");
        assert_eq!(ok("ok ${BAR+presence}"), "ok presence");
        assert_eq!(ok("ok ${BAR:+presence}"), "ok ");
        assert_eq!(ok("ok ${BAR+$FOO ${FOO:+second}}"), "ok first second");
    }

    #[test]
    fn required_is_unknown_not_an_error() {
        assert_eq!(ok("ok ${FOO:?err}"), "ok first");
        assert_eq!(ok("ok ${FOO?err}"), "ok first");
        assert_eq!(ok("ok ${BAR?err}"), "ok ");
        assert_eq!(unknown("${BAR:?must be set}"), vec!["BAR"]);
        assert_eq!(unknown("${UNSET_VAR?msg ${FOO}}"), vec!["UNSET_VAR"]);
        assert_eq!(unknown("${UNSET_VAR:?}"), vec!["UNSET_VAR"]);
        assert_eq!(unknown("${UNSET_VAR?bar-baz}"), vec!["UNSET_VAR"]);
    }

    #[test]
    fn unknown_values_from_env_files() {
        assert_eq!(unknown("${UNK}"), vec!["UNK"]);
        assert_eq!(unknown("${UNK:-d}"), vec!["UNK"]);
        assert_eq!(unknown("${UNK-d}"), vec!["UNK"]);
        assert_eq!(ok("${UNK+set}"), "set");
        assert_eq!(unknown("${UNK:+set}"), vec!["UNK"]);
    }

    #[test]
    fn multiline_expressions_stay_on_their_line() {
        assert_eq!(ok("a ${FOO:-x}\nb }"), "a first\nb }");
        assert!(interpolate("${FOO:-x\n}", &env()).is_err());
    }

    #[test]
    fn hostile_input_is_bounded() {
        let deep = "${A:-".repeat(1000) + &"}".repeat(1000);
        assert!(interpolate(&deep, &env()).is_err());
        let wide = "${A:-x}".repeat(20_000);
        assert_eq!(ok(&wide), "x".repeat(20_000));
    }
}
