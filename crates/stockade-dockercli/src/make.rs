//! Makefile recipes as shell text: recipe lines (tab-prefixed, with their
//! `\` continuations) with make's own expansion done first: `$$` becomes
//! `$`, `$(VAR)`/`${VAR}` becomes the value of a simple `VAR = value` /
//! `VAR := value` definition of the same Makefile, and any other make
//! reference becomes an unknown shell parameter (`${VAR}`, `${MAKE_AUTOMATIC}`
//! for `$@`/`$<`/…, `${MAKE_FUNCTION}` for `$(shell …)` and other calls).
//! `$(CURDIR)` and `$(shell pwd)`, make's directory, become `${PWD}`.

use std::collections::HashMap;
use stockade_core::span::{OffsetMap, SourceFile};

/// One recipe line, ready for the shell parser.
pub(crate) struct Recipe {
    pub text: String,
    pub map: OffsetMap,
}

/// Output is capped so substitution cannot blow up memory.
const MAX_OUTPUT: usize = 1 << 20;

pub(crate) fn recipes(file: &SourceFile) -> Vec<Recipe> {
    let text = file.text.as_str();
    let mut lines: Vec<(usize, &str)> = Vec::new();
    let mut off = 0usize;
    for l in text.split_inclusive('\n') {
        let body = l.strip_suffix('\n').unwrap_or(l);
        let body = body.strip_suffix('\r').unwrap_or(body);
        lines.push((off, body));
        off += l.len();
    }
    // None: defined but not knowable (`?=`, `+=`, `!=`, unresolved refs).
    let mut vars: HashMap<String, Option<String>> = HashMap::new();
    // make's directory, where recipes run: the shell's `$PWD` there.
    vars.insert("CURDIR".to_string(), Some("${PWD}".to_string()));
    let mut out = Vec::new();
    let mut in_rule = false;
    let mut in_define = false;
    let mut budget = MAX_OUTPUT.max(text.len() * 4);
    let mut i = 0usize;
    while i < lines.len() {
        let (start, line) = lines[i];
        let trimmed = line.trim_start();
        if in_define {
            if trimmed.starts_with("endef") {
                in_define = false;
            }
            i += 1;
            continue;
        }
        if let Some(rest) = line.strip_prefix('\t')
            && in_rule
        {
            // A recipe line and its continuations.
            let mut segs: Vec<(usize, &str)> = vec![(start + 1, rest)];
            while segs.last().is_some_and(|(_, s)| s.ends_with('\\')) && i + 1 < lines.len() {
                i += 1;
                let (s2, l2) = lines[i];
                match l2.strip_prefix('\t') {
                    Some(r) => segs.push((s2 + 1, r)),
                    None => segs.push((s2, l2)),
                }
            }
            if let Some(r) = translate_recipe(file, &segs, &vars, &mut budget) {
                out.push(r);
            }
            i += 1;
            continue;
        }
        if trimmed.is_empty() || trimmed.starts_with('#') {
            i += 1;
            continue;
        }
        if trimmed.starts_with("define ") || trimmed == "define" {
            in_define = true;
            i += 1;
            continue;
        }
        let directive = [
            "ifeq", "ifneq", "ifdef", "ifndef", "else", "endif", "include", "-include", "sinclude",
            "vpath", "unexport",
        ]
        .iter()
        .any(|d| {
            trimmed == *d
                || trimmed.starts_with(&format!("{d} "))
                || trimmed.starts_with(&format!("{d}("))
        });
        if directive {
            i += 1;
            continue;
        }
        // Variable definitions (with continuations).
        let mut logical = trimmed.to_string();
        while logical.ends_with('\\') && i + 1 < lines.len() {
            logical.pop();
            i += 1;
            logical.push(' ');
            logical.push_str(lines[i].1.trim());
        }
        if let Some((name, op, value)) = var_def(&logical) {
            let v = match op {
                "=" | ":=" | "::=" | ":::=" => resolve_make(value.trim(), &vars),
                _ => None,
            };
            vars.insert(name.to_string(), v);
            in_rule = false;
            i += 1;
            continue;
        }
        // A rule line: `targets: prerequisites [; recipe]`.
        if let Some(colon) = find_rule_colon(&logical) {
            in_rule = true;
            if let Some(semi) = logical[colon..].find(';') {
                // The inline recipe: map it back onto the first line only when
                // the rule was not continued.
                let recipe_rel = colon + semi + 1;
                if logical.len() == trimmed.len() {
                    let lead = line.len() - trimmed.len();
                    let seg_start = start + lead + recipe_rel;
                    let seg = &line[lead + recipe_rel..];
                    if let Some(r) = translate_recipe(file, &[(seg_start, seg)], &vars, &mut budget)
                    {
                        out.push(r);
                    }
                }
            }
        } else {
            in_rule = false;
        }
        i += 1;
    }
    out
}

fn var_def(line: &str) -> Option<(&str, &'static str, &str)> {
    let mut l = line;
    for prefix in ["export ", "override ", "private "] {
        if let Some(r) = l.strip_prefix(prefix) {
            l = r.trim_start();
        }
    }
    let name_end = l
        .bytes()
        .position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')))
        .unwrap_or(l.len());
    if name_end == 0 {
        return None;
    }
    let name = &l[..name_end];
    let rest = l[name_end..].trim_start();
    for op in [":::=", "::=", ":=", "?=", "+=", "!=", "="] {
        if let Some(v) = rest.strip_prefix(op) {
            return Some((name, op, v));
        }
    }
    None
}

fn find_rule_colon(line: &str) -> Option<usize> {
    let b = line.as_bytes();
    let mut depth = 0usize;
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'(' | b'{' => depth += 1,
            b')' | b'}' => depth = depth.saturating_sub(1),
            b':' if depth == 0 => {
                if b.get(i + 1) == Some(&b'=') {
                    return None;
                }
                return Some(i);
            }
            b'=' if depth == 0 => return None,
            _ => {}
        }
    }
    None
}

/// Resolves `$(X)` references in a variable's value; `None` if any is unknown.
fn resolve_make(value: &str, vars: &HashMap<String, Option<String>>) -> Option<String> {
    let mut out = String::with_capacity(value.len());
    let b = value.as_bytes();
    let mut i = 0;
    let mut run = 0;
    while i < b.len() {
        if b[i] == b'$' {
            out.push_str(&value[run..i]);
            match make_ref(value, i) {
                Some((MakeRef::Dollar, end)) => {
                    out.push('$');
                    i = end;
                }
                Some((MakeRef::Var(name), end)) => {
                    out.push_str(vars.get(name)?.as_deref()?);
                    i = end;
                }
                _ => return None,
            }
            run = i;
            continue;
        }
        i += 1;
    }
    out.push_str(&value[run..]);
    Some(out)
}

enum MakeRef<'a> {
    Dollar,
    Var(&'a str),
    Automatic,
    Function,
}

/// The make reference at `i` (a `$`) and where it ends.
fn make_ref(s: &str, i: usize) -> Option<(MakeRef<'_>, usize)> {
    let b = s.as_bytes();
    match b.get(i + 1)? {
        b'$' => Some((MakeRef::Dollar, i + 2)),
        open @ (b'(' | b'{') => {
            let close = if *open == b'(' { b')' } else { b'}' };
            let mut depth = 0usize;
            let mut j = i + 1;
            while j < b.len() {
                if b[j] == *open {
                    depth += 1;
                } else if b[j] == close {
                    depth -= 1;
                    if depth == 0 {
                        let inner = &s[i + 2..j];
                        if inner.split_whitespace().eq(["shell", "pwd"]) {
                            // `$(shell pwd)`: make's directory, as `$(CURDIR)`.
                            return Some((MakeRef::Var("CURDIR"), j + 1));
                        }
                        let is_name = !inner.is_empty()
                            && inner.bytes().all(|c| {
                                c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')
                            });
                        let r = if is_name {
                            MakeRef::Var(inner)
                        } else {
                            MakeRef::Function
                        };
                        return Some((r, j + 1));
                    }
                }
                j += 1;
            }
            None
        }
        c if c.is_ascii_alphanumeric() || *c == b'_' => {
            Some((MakeRef::Var(&s[i + 1..i + 2]), i + 2))
        }
        b'@' | b'<' | b'^' | b'*' | b'?' | b'%' | b'+' | b'|' => Some((MakeRef::Automatic, i + 2)),
        _ => None,
    }
}

/// Builds the shell text of one recipe line from its segments (file
/// offset, text), stripping the `@`/`-`/`+` prefixes and doing make's
/// expansion, with an offset map back into the Makefile.
fn translate_recipe(
    file: &SourceFile,
    segs: &[(usize, &str)],
    vars: &HashMap<String, Option<String>>,
    budget: &mut usize,
) -> Option<Recipe> {
    let mut text = String::new();
    let mut map = OffsetMap::contiguous(file.id, segs.first()?.0);
    for (k, &(seg_off, seg)) in segs.iter().enumerate() {
        let mut s = seg;
        let mut off = seg_off;
        if k == 0 {
            let t = s.trim_start_matches(['@', '-', '+', ' ', '\t']);
            off += s.len() - t.len();
            s = t;
        } else {
            text.push('\n');
        }
        let b = s.as_bytes();
        let mut i = 0usize;
        let mut run = 0usize;
        map.push(text.len(), off);
        while i < b.len() {
            if b[i] != b'$' {
                i += 1;
                continue;
            }
            text.push_str(&s[run..i]);
            let (replacement, end): (String, usize) = match make_ref(s, i) {
                Some((MakeRef::Dollar, end)) => ("$".to_string(), end),
                Some((MakeRef::Var(name), end)) => match vars.get(name) {
                    Some(Some(v)) if v.len() <= *budget => {
                        *budget -= v.len();
                        (v.clone(), end)
                    }
                    _ => (format!("${{{}}}", shell_name(name)), end),
                },
                Some((MakeRef::Automatic, end)) => ("${MAKE_AUTOMATIC}".to_string(), end),
                Some((MakeRef::Function, end)) => ("${MAKE_FUNCTION}".to_string(), end),
                None => ("$".to_string(), i + 1),
            };
            // Map the replacement onto the reference it came from, clamped
            // to it so spans never leave the reference.
            let ref_start = off + i;
            let ref_len = end - i;
            let at = text.len();
            map.push(at, ref_start);
            for k in ref_len..replacement.len() {
                map.push(at + k, ref_start + ref_len - 1);
            }
            text.push_str(&replacement);
            i = end;
            run = i;
            map.push(text.len(), off + i);
        }
        text.push_str(&s[run..]);
    }
    Some(Recipe { text, map })
}

/// A make variable name as a shell parameter name.
fn shell_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if out.as_bytes().first().is_some_and(|b| b.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}
