//! BuildKit's word expansion (`shell.Lex.ProcessWord`) with one addition:
//! a variable may be *unknown* (set by the base image, or an `ARG` without
//! a value), in which case the result is unknown and the variable is named,
//! never guessed.

/// What a variable is at the point of expansion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    Set(String),
    /// Definitely not set (expands to the empty string).
    Unset,
    /// May or may not be set; the value cannot be known statically.
    Unknown,
}

pub(crate) trait Vars {
    fn lookup(&self, name: &str) -> Lookup;
}

/// The result of expanding one word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Expansion {
    /// `Some` only when every variable the result depends on was known.
    pub value: Option<String>,
    pub unresolved: Vec<String>,
}

const MAX_DEPTH: usize = 32;
/// Pattern operators (`#`, `%`, `/`) on longer values are left unknown
/// rather than risk quadratic matching on hostile input.
const MAX_PATTERN_VALUE: usize = 1024;
const MAX_PATTERN: usize = 256;
/// Longest value an expansion may produce (`ENV A=$A$A` repeated would
/// otherwise double without bound).
pub(crate) const MAX_VALUE: usize = 64 * 1024;

/// Expands `word` like BuildKit's `ProcessWord` with `esc` as the escape
/// character. Quotes are removed; nothing is expanded inside single quotes.
pub(crate) fn expand_word(word: &str, esc: char, vars: &dyn Vars) -> Result<Expansion, String> {
    if !word.contains(['$', '\'', '"', esc]) {
        return Ok(Expansion {
            value: Some(word.to_string()),
            unresolved: Vec::new(),
        });
    }
    let mut ex = Ex {
        s: word,
        pos: 0,
        esc,
        vars,
        depth: 0,
    };
    match ex.stop_on(None) {
        Ok(v) => Ok(if v.unresolved.is_empty() {
            Expansion {
                value: Some(v.text),
                unresolved: Vec::new(),
            }
        } else {
            Expansion {
                value: None,
                unresolved: v.unresolved,
            }
        }),
        Err(e) => Err(format!("failed to process \"{word}\": {e}")),
    }
}

/// The text as written, without one pair of quotes around the whole word.
pub(crate) fn raw_of(word: &str) -> String {
    for q in ['"', '\''] {
        if word.len() >= 2
            && word.starts_with(q)
            && word.ends_with(q)
            && !word[1..word.len() - 1].contains(q)
        {
            return word[1..word.len() - 1].to_string();
        }
    }
    word.to_string()
}

#[derive(Default)]
struct Val {
    text: String,
    unresolved: Vec<String>,
}

impl Val {
    fn add_unresolved(&mut self, names: Vec<String>) {
        for n in names {
            if !self.unresolved.contains(&n) {
                self.unresolved.push(n);
            }
        }
    }
}

struct Ex<'a> {
    s: &'a str,
    pos: usize,
    esc: char,
    vars: &'a dyn Vars,
    depth: usize,
}

impl Ex<'_> {
    fn peek(&self) -> Option<char> {
        self.s[self.pos..].chars().next()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn stop_on(&mut self, stop: Option<char>) -> Result<Val, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("substitutions nested too deeply".into());
        }
        let mut out = Val::default();
        while let Some(c) = self.peek() {
            if out.text.len() > MAX_VALUE {
                return Err(too_long());
            }
            if Some(c) == stop {
                self.next();
                self.depth -= 1;
                return Ok(out);
            }
            match c {
                '\'' => {
                    self.next();
                    loop {
                        match self.next() {
                            None => {
                                return Err(
                                    "unexpected end of statement while looking for matching single-quote"
                                        .into(),
                                );
                            }
                            Some('\'') => break,
                            Some(x) => out.text.push(x),
                        }
                    }
                }
                '"' => {
                    self.next();
                    loop {
                        match self.peek() {
                            None => {
                                return Err(
                                    "unexpected end of statement while looking for matching double-quote"
                                        .into(),
                                );
                            }
                            Some('"') => {
                                self.next();
                                break;
                            }
                            Some('$') => {
                                let v = self.dollar()?;
                                out.text.push_str(&v.text);
                                out.add_unresolved(v.unresolved);
                            }
                            Some(_) => {
                                let mut ch = self.next().unwrap_or_default();
                                if ch == self.esc {
                                    match self.peek() {
                                        None => continue,
                                        Some(n) if n == '"' || n == '$' || n == self.esc => {
                                            ch = n;
                                            self.next();
                                        }
                                        Some(_) => {}
                                    }
                                }
                                out.text.push(ch);
                            }
                        }
                    }
                }
                '$' => {
                    let v = self.dollar()?;
                    out.text.push_str(&v.text);
                    out.add_unresolved(v.unresolved);
                }
                _ => {
                    self.next();
                    if c == self.esc {
                        match self.next() {
                            None => break,
                            Some(n) => out.text.push(n),
                        }
                    } else {
                        out.text.push(c);
                    }
                }
            }
        }
        if let Some(s) = stop {
            return Err(format!(
                "unexpected end of statement while looking for matching {s}"
            ));
        }
        if out.text.len() > MAX_VALUE {
            return Err(too_long());
        }
        self.depth -= 1;
        Ok(out)
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        if let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                while let Some(d) = self.peek().filter(char::is_ascii_digit) {
                    name.push(d);
                    self.next();
                }
                return name;
            }
            if matches!(c, '@' | '*' | '#' | '?' | '-' | '$' | '!' | '0') {
                self.next();
                name.push(c);
                return name;
            }
        }
        while let Some(c) = self.peek() {
            if !(c.is_alphanumeric() || c == '_') {
                break;
            }
            name.push(c);
            self.next();
        }
        name
    }

    fn var(&self, name: &str, out: &mut Val) -> Option<String> {
        match self.vars.lookup(name) {
            Lookup::Set(v) => Some(v),
            Lookup::Unset => Some(String::new()),
            Lookup::Unknown => {
                out.add_unresolved(vec![name.to_string()]);
                None
            }
        }
    }

    fn dollar(&mut self) -> Result<Val, String> {
        self.next(); // '$'
        let mut out = Val::default();
        if self.peek() != Some('{') {
            let name = self.name();
            if name.is_empty() {
                out.text.push('$');
            } else if let Some(v) = self.var(&name, &mut out) {
                out.text = v;
            }
            return Ok(out);
        }
        self.next(); // '{'
        match self.peek() {
            None => return Err("syntax error: missing '}'".into()),
            Some('{' | '}' | ':') => return Err("syntax error: bad substitution".into()),
            _ => {}
        }
        let name = self.name();
        let op = self.next();
        let lookup = |ex: &Self| ex.vars.lookup(&name);
        let unknown = |out: &mut Val| out.add_unresolved(vec![name.clone()]);
        match op {
            Some('}') => {
                if let Some(v) = self.var(&name, &mut out) {
                    out.text = v;
                }
            }
            Some(':') => {
                let modifier = self.next();
                let word = self.stop_on(Some('}')).map_err(missing_brace)?;
                match (modifier, lookup(self)) {
                    (Some('-'), Lookup::Set(v)) if !v.is_empty() => out.text = v,
                    (Some('-'), Lookup::Set(_) | Lookup::Unset) => out = word,
                    (Some('+'), Lookup::Set(v)) if !v.is_empty() => out = word,
                    (Some('+'), Lookup::Set(_) | Lookup::Unset) => {}
                    (Some('?'), Lookup::Set(v)) if !v.is_empty() => out.text = v,
                    (Some('?'), Lookup::Set(_) | Lookup::Unset) => {
                        let msg = if word.text.is_empty() {
                            "is not allowed to be empty".to_string()
                        } else {
                            word.text
                        };
                        return Err(format!("{name}: {msg}"));
                    }
                    (Some('-' | '+' | '?'), Lookup::Unknown) => unknown(&mut out),
                    (m, _) => {
                        return Err(format!(
                            "unsupported modifier ({}) in substitution",
                            m.map(String::from).unwrap_or_default()
                        ));
                    }
                }
            }
            Some(m @ ('-' | '+' | '?')) => {
                let word = self.stop_on(Some('}')).map_err(missing_brace)?;
                match (m, lookup(self)) {
                    ('-', Lookup::Set(v)) => out.text = v,
                    ('-', Lookup::Unset) => out = word,
                    ('+', Lookup::Set(_)) => out = word,
                    ('+', Lookup::Unset) => {}
                    ('?', Lookup::Set(v)) => out.text = v,
                    ('?', Lookup::Unset) => {
                        let msg = if word.text.is_empty() {
                            "is not allowed to be unset".to_string()
                        } else {
                            word.text
                        };
                        return Err(format!("{name}: {msg}"));
                    }
                    _ => unknown(&mut out),
                }
            }
            Some(m @ ('#' | '%')) => {
                let longest = self.peek() == Some(m);
                if longest {
                    self.next();
                }
                let pat = self.stop_on(Some('}')).map_err(missing_brace)?;
                match lookup(self) {
                    Lookup::Set(v) => {
                        if !pat.unresolved.is_empty() {
                            out.add_unresolved(pat.unresolved);
                        } else if v.len() > MAX_PATTERN_VALUE || pat.text.len() > MAX_PATTERN {
                            unknown(&mut out);
                        } else {
                            out.text = trim_pattern(&v, &pat.text, m == '#', longest);
                        }
                    }
                    Lookup::Unset => {}
                    Lookup::Unknown => unknown(&mut out),
                }
            }
            Some('/') => {
                let all = self.peek() == Some('/');
                if all {
                    self.next();
                }
                let pat = self.stop_on(Some('/')).map_err(missing_brace)?;
                let repl = self.stop_on(Some('}')).map_err(missing_brace)?;
                match lookup(self) {
                    Lookup::Set(v) => {
                        if !pat.unresolved.is_empty() || !repl.unresolved.is_empty() {
                            out.add_unresolved(pat.unresolved);
                            out.add_unresolved(repl.unresolved);
                        } else if v.len() > MAX_PATTERN_VALUE || pat.text.len() > MAX_PATTERN {
                            unknown(&mut out);
                        } else {
                            out.text = replace_pattern(&v, &pat.text, &repl.text, all)
                                .ok_or_else(too_long)?;
                        }
                    }
                    Lookup::Unset => {}
                    Lookup::Unknown => unknown(&mut out),
                }
            }
            _ => return Err("missing ':' in substitution".into()),
        }
        Ok(out)
    }
}

fn too_long() -> String {
    format!("expanded value longer than {MAX_VALUE} bytes")
}

fn missing_brace(e: String) -> String {
    if e.starts_with("unexpected end of statement while looking for matching }") {
        "syntax error: missing '}'".into()
    } else {
        e
    }
}

/// Shell glob match of the whole `text` against `pat` (`*`, `?`, literals).
fn glob(pat: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pat.len() && (pat[p] == '?' || (pat[p] != '*' && pat[p] == text[t])) {
            p += 1;
            t += 1;
        } else if p < pat.len() && pat[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((sp, st)) = star {
            p = sp + 1;
            t = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while p < pat.len() && pat[p] == '*' {
        p += 1;
    }
    p == pat.len()
}

/// `${v#p}`, `${v##p}`, `${v%p}`, `${v%%p}`.
fn trim_pattern(v: &str, pat: &str, prefix: bool, longest: bool) -> String {
    let chars: Vec<char> = v.chars().collect();
    let pat: Vec<char> = pat.chars().collect();
    let n = chars.len();
    let cut = if prefix {
        let mut lens: Box<dyn Iterator<Item = usize>> = if longest {
            Box::new((0..=n).rev())
        } else {
            Box::new(0..=n)
        };
        lens.find(|&i| glob(&pat, &chars[..i])).map(|i| (i, n))
    } else {
        let mut starts: Box<dyn Iterator<Item = usize>> = if longest {
            Box::new(0..=n)
        } else {
            Box::new((0..=n).rev())
        };
        starts.find(|&i| glob(&pat, &chars[i..])).map(|i| (0, i))
    };
    match cut {
        Some((a, b)) => chars[a..b].iter().collect(),
        None => v.to_string(),
    }
}

/// `${v/p/r}` (first match) and `${v//p/r}` (every match); matches are
/// leftmost and longest.
fn replace_pattern(v: &str, pat: &str, repl: &str, all: bool) -> Option<String> {
    let chars: Vec<char> = v.chars().collect();
    let pat: Vec<char> = pat.chars().collect();
    if pat.is_empty() {
        return Some(v.to_string());
    }
    let mut out = String::new();
    let mut i = 0;
    let mut replaced = false;
    while i < chars.len() {
        if !replaced || all {
            let m = (i..=chars.len())
                .rev()
                .find(|&e| e > i && glob(&pat, &chars[i..e]));
            if let Some(e) = m {
                out.push_str(repl);
                if out.len() > MAX_VALUE {
                    return None;
                }
                i = e;
                replaced = true;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    struct Env(HashMap<&'static str, Option<&'static str>>);
    impl Vars for Env {
        fn lookup(&self, name: &str) -> Lookup {
            match self.0.get(name) {
                Some(Some(v)) => Lookup::Set(v.to_string()),
                Some(None) => Lookup::Unknown,
                None => Lookup::Unset,
            }
        }
    }

    fn env() -> Env {
        Env(HashMap::from([
            ("A", Some("alpha")),
            ("E", Some("")),
            ("U", None),
            ("P", Some("/usr/local/bin")),
        ]))
    }

    fn ok(w: &str) -> String {
        expand_word(w, '\\', &env()).unwrap().value.unwrap()
    }

    fn unknown(w: &str) -> Vec<String> {
        let e = expand_word(w, '\\', &env()).unwrap();
        assert_eq!(e.value, None, "{w}");
        e.unresolved
    }

    #[test]
    fn simple_and_braced() {
        assert_eq!(ok("$A"), "alpha");
        assert_eq!(ok("${A}-x"), "alpha-x");
        assert_eq!(ok("$A$A"), "alphaalpha");
        assert_eq!(ok("$NOPE."), ".");
        assert_eq!(ok("a$"), "a$");
        assert_eq!(ok("plain"), "plain");
    }

    #[test]
    fn modifiers() {
        assert_eq!(ok("${A:-d}"), "alpha");
        assert_eq!(ok("${E:-d}"), "d");
        assert_eq!(ok("${NOPE:-d}"), "d");
        assert_eq!(ok("${E-d}"), "");
        assert_eq!(ok("${NOPE-d}"), "d");
        assert_eq!(ok("${A:+x}"), "x");
        assert_eq!(ok("${E:+x}"), "");
        assert_eq!(ok("${E+x}"), "x");
        assert_eq!(ok("${NOPE+x}"), "");
        assert_eq!(ok("${NOPE:-${A}}"), "alpha");
        assert_eq!(ok("${NOPE:-\"a b\"}"), "a b");
        assert_eq!(ok("${A:?must}"), "alpha");
        assert!(
            expand_word("${E:?must be set}", '\\', &env())
                .unwrap_err()
                .contains("must be set")
        );
        assert!(
            expand_word("${NOPE?}", '\\', &env())
                .unwrap_err()
                .contains("not allowed to be unset")
        );
    }

    #[test]
    fn patterns() {
        assert_eq!(ok("${P#*/}"), "usr/local/bin");
        assert_eq!(ok("${P##*/}"), "bin");
        assert_eq!(ok("${P%/*}"), "/usr/local");
        assert_eq!(ok("${P%%/*}"), "");
        assert_eq!(ok("${P/local/opt}"), "/usr/opt/bin");
        assert_eq!(ok("${P//\\//:}"), ":usr:local:bin");
        assert_eq!(ok("${A#zzz}"), "alpha");
    }

    #[test]
    fn unknown_values_are_never_guessed() {
        assert_eq!(unknown("$U"), vec!["U"]);
        assert_eq!(unknown("${U:-default}"), vec!["U"]);
        assert_eq!(unknown("x${U}y$U"), vec!["U"]);
        assert_eq!(unknown("${U##*/}"), vec!["U"]);
        // An unknown inside a default that is not used does not matter.
        assert_eq!(ok("${A:-$U}"), "alpha");
        assert_eq!(unknown("${E:-$U}"), vec!["U"]);
    }

    #[test]
    fn quotes_and_escapes() {
        assert_eq!(ok("'$A'"), "$A");
        assert_eq!(ok("\"$A\""), "alpha");
        assert_eq!(ok("\\$A"), "$A");
        assert_eq!(ok("\"a\\\"b\""), "a\"b");
        assert_eq!(ok("\"a\\nb\""), "a\\nb");
        assert_eq!(ok("a\\ b"), "a b");
        assert_eq!(
            expand_word("`$A", '`', &env()).unwrap().value.unwrap(),
            "$A"
        );
        assert_eq!(
            expand_word("\\$A", '`', &env()).unwrap().value.unwrap(),
            "\\alpha"
        );
    }

    #[test]
    fn syntax_errors() {
        for bad in [
            "${", "${}", "${:x}", "${A", "${A:-x", "'open", "\"open", "${A~x}", "${A:~x}",
        ] {
            assert!(expand_word(bad, '\\', &env()).is_err(), "{bad}");
        }
        let deep = "${A:-".repeat(100) + &"}".repeat(100);
        assert!(expand_word(&deep, '\\', &env()).is_err());
    }

    #[test]
    fn values_cannot_grow_without_bound() {
        struct Big;
        impl Vars for Big {
            fn lookup(&self, _: &str) -> Lookup {
                Lookup::Set("x".repeat(40_000))
            }
        }
        assert!(expand_word("$A", '\\', &Big).is_ok());
        assert!(
            expand_word("$A$A", '\\', &Big)
                .unwrap_err()
                .contains("longer than")
        );
        let e = env();
        let w = format!("${{A//a/{}}}", "y".repeat(40_000));
        let r = expand_word(&w, '\\', &e);
        assert!(
            matches!(&r, Err(m) if m.contains("longer than")),
            "{:?}",
            r.map(|x| x.value.map(|v| v.len()))
        );
    }

    #[test]
    fn raw_strips_one_pair_of_quotes() {
        assert_eq!(raw_of("\"x y\""), "x y");
        assert_eq!(raw_of("'$A'"), "$A");
        assert_eq!(raw_of("\"a\"b\""), "\"a\"b\"");
        assert_eq!(raw_of("$U"), "$U");
    }
}
