//! Finding `docker run`/`create` invocations in a parsed script, with the
//! values of simple variable assignments made earlier in the script.

use crate::args::{Vars, expand_words, known_text};
use crate::flags::{build_spec, parse_invocation};
use std::collections::{HashMap, HashSet};
use stockade_core::shell::{Command, Script, SimpleCommand, WordPart};
use stockade_core::span::{Span, Spanned};
use stockade_core::{ContainerSpec, Expanded};

/// How deep `sh -c '…'` / `eval '…'` nesting is followed.
const MAX_INLINE_DEPTH: usize = 4;

/// Variables known at a point of the script.
struct Env<'a> {
    /// Assigned at top level with a known value, and where.
    known: HashMap<String, (String, Span)>,
    /// Assigned where the value cannot be known statically (in compound
    /// commands, functions, loops, by `read`): never resolved.
    poisoned: HashSet<String>,
    /// Assigned at top level with an unknown value (or unset).
    unknown: HashSet<String>,
    outer: Vars<'a>,
}

impl Env<'_> {
    fn lookup(&self, name: &str) -> Option<String> {
        if self.poisoned.contains(name) || self.unknown.contains(name) {
            return None;
        }
        match self.known.get(name) {
            Some((v, _)) => Some(v.clone()),
            None => (self.outer)(name),
        }
    }
}

/// Finds every container-creating invocation in `script`. `outer` gives
/// variables known from outside (a Dockerfile's ARG/ENV, a Makefile's
/// variables); `None` from it means unknown. Returns the specs and the
/// invocations that could not be read (with their spans).
pub fn specs_in_script(
    script: &Script,
    outer: Vars<'_>,
) -> (Vec<ContainerSpec>, Vec<(Span, String)>) {
    let mut specs = Vec::new();
    let mut errors = Vec::new();
    let mut env = Env {
        known: HashMap::new(),
        poisoned: HashSet::new(),
        unknown: HashSet::new(),
        outer,
    };
    collect_unknowable(script, &mut env.poisoned);
    scan(script, &mut env, &mut specs, &mut errors, 0);
    (specs, errors)
}

fn scan(
    script: &Script,
    env: &mut Env<'_>,
    specs: &mut Vec<ContainerSpec>,
    errors: &mut Vec<(Span, String)>,
    inline_depth: usize,
) {
    script.walk(&mut |ctx| {
        let cmd = ctx.cmd;
        let top = ctx.depth == 0 && ctx.subst.is_none() && ctx.function.is_none();
        if top && inline_depth == 0 {
            track_assignments(cmd, env);
        }
        if let Some((name, args)) = cmd.effective() {
            match name.as_str() {
                "docker" | "podman" | "nerdctl" | "docker.exe" | "podman.exe" => {
                    let idx = cmd.words.len() - args.len() - 1;
                    invocation(cmd, idx, env, specs, errors);
                }
                "eval" if inline_depth < MAX_INLINE_DEPTH && args.len() == 1 => {
                    if let Some(p) = stockade_shell::parse_word_as_script(&args[0]) {
                        scan(&p.script, env, specs, errors, inline_depth + 1);
                    }
                }
                _ => {
                    if inline_depth < MAX_INLINE_DEPTH
                        && let Some(p) = stockade_shell::inline_script(cmd)
                    {
                        scan(&p.script, env, specs, errors, inline_depth + 1);
                    }
                }
            }
        }
    });
}

fn invocation(
    cmd: &SimpleCommand,
    idx: usize,
    env: &Env<'_>,
    specs: &mut Vec<ContainerSpec>,
    errors: &mut Vec<(Span, String)>,
) {
    let words = &cmd.words[idx..];
    let lookup = |n: &str| env.lookup(n);
    let inv = match parse_invocation(words, &lookup) {
        Ok(inv) => inv,
        // Not a run/create (or not readable as one): not a container.
        Err(_) => return,
    };
    let anchor = words[0].span.to(inv.subcommand_span);
    let has_host = inv.docker_host.is_some();
    let is_help = inv
        .args
        .iter()
        .any(|a| a.text().is_some_and(|t| t == "--help"));
    match build_spec(inv, anchor) {
        Ok(mut spec) => {
            if !has_host {
                spec.docker_host = docker_host_from_env(cmd, env);
            }
            specs.push(spec);
        }
        Err(e) if !is_help => errors.push((anchor, e)),
        Err(_) => {}
    }
}

/// `DOCKER_HOST=… docker run`, or a known `DOCKER_HOST` set earlier.
fn docker_host_from_env(cmd: &SimpleCommand, env: &Env<'_>) -> Option<Spanned<Expanded>> {
    if let Some(a) = cmd
        .assignments
        .iter()
        .rev()
        .find(|a| a.name == "DOCKER_HOST")
    {
        let lookup = |n: &str| env.lookup(n);
        let args = expand_words(std::slice::from_ref(&a.value), &lookup);
        let parts: Vec<WordPart> = args.into_iter().flat_map(|a| a.parts).collect();
        return Some(Spanned::new(crate::args::expanded(&parts), a.span));
    }
    if env.poisoned.contains("DOCKER_HOST") || env.unknown.contains("DOCKER_HOST") {
        return None;
    }
    env.known
        .get("DOCKER_HOST")
        .map(|(v, span)| Spanned::new(Expanded::literal(v.clone()), *span))
}

/// Records `A=b` (alone), `export A=b`, `readonly A=b`, `declare A=b`,
/// `local A=b`, and forgets `unset A`.
fn track_assignments(cmd: &SimpleCommand, env: &mut Env<'_>) {
    if cmd.words.is_empty() {
        for a in &cmd.assignments {
            if a.array.is_some() || a.append {
                env.known.remove(&a.name);
                env.unknown.insert(a.name.clone());
                continue;
            }
            let value = {
                let lookup = |n: &str| env.lookup(n);
                let args = expand_words(std::slice::from_ref(&a.value), &lookup);
                // An assignment value is not split: join what came back.
                let mut text = String::new();
                let mut known = true;
                for (k, arg) in args.iter().enumerate() {
                    if k > 0 {
                        text.push(' ');
                    }
                    match arg.text() {
                        Some(t) => text.push_str(&t),
                        None => known = false,
                    }
                }
                known.then_some(text)
            };
            set(env, &a.name, value, a.span);
        }
        return;
    }
    let Some(name) = cmd.name() else { return };
    match name.as_str() {
        "export" | "readonly" | "declare" | "typeset" | "local" => {
            for w in cmd.args() {
                let parts = {
                    let lookup = |n: &str| env.lookup(n);
                    let mut v = expand_words(std::slice::from_ref(w), &lookup);
                    if v.len() == 1 {
                        v.remove(0).parts
                    } else {
                        Vec::new()
                    }
                };
                let Some(WordPart::Literal(first)) = parts.first() else {
                    continue;
                };
                if first.starts_with('-') {
                    continue;
                }
                let Some((var, _)) = first.split_once('=') else {
                    continue;
                };
                if var.is_empty() || !var.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
                    continue;
                }
                let var = var.to_string();
                let value = crate::args::strip_prefix(&parts, &format!("{var}="))
                    .and_then(|rest| known_text(&rest));
                set(env, &var, value, w.span);
            }
        }
        "unset" => {
            for w in cmd.args() {
                if let Some(l) = w.literal()
                    && !l.starts_with('-')
                {
                    env.known.remove(&l);
                    env.unknown.insert(l);
                }
            }
        }
        _ => {}
    }
}

fn set(env: &mut Env<'_>, name: &str, value: Option<String>, span: Span) {
    if env.poisoned.contains(name) {
        return;
    }
    match value {
        Some(v) => {
            env.unknown.remove(name);
            env.known.insert(name.to_string(), (v, span));
        }
        None => {
            env.known.remove(name);
            env.unknown.insert(name.to_string());
        }
    }
}

/// Names assigned where their value cannot be known statically: inside
/// compound commands, functions, substitutions; loop variables; `read`.
fn collect_unknowable(script: &Script, out: &mut HashSet<String>) {
    script.walk(&mut |ctx| {
        let nested = ctx.depth > 0 || ctx.subst.is_some() || ctx.function.is_some();
        if nested {
            for a in &ctx.cmd.assignments {
                out.insert(a.name.clone());
            }
        }
        if let Some(name) = ctx.cmd.name() {
            match name.as_str() {
                "read" | "mapfile" | "readarray" | "getopts" => {
                    for w in ctx.cmd.args() {
                        if let Some(l) = w.literal()
                            && !l.starts_with('-')
                        {
                            out.insert(l);
                        }
                    }
                }
                "export" | "readonly" | "declare" | "typeset" | "local" if nested => {
                    for w in ctx.cmd.args() {
                        if let Some(l) = w.literal()
                            && let Some((v, _)) = l.split_once('=')
                        {
                            out.insert(v.to_string());
                        }
                    }
                }
                _ => {}
            }
        }
    });
    loop_vars(script, out, 0);
}

fn loop_vars(script: &Script, out: &mut HashSet<String>, depth: usize) {
    if depth > 300 {
        return;
    }
    for item in &script.items {
        for p in std::iter::once(&item.first).chain(item.rest.iter().map(|(_, p)| p)) {
            for c in &p.commands {
                loop_vars_cmd(c, out, depth + 1);
            }
        }
    }
}

fn loop_vars_cmd(c: &Command, out: &mut HashSet<String>, depth: usize) {
    match c {
        Command::Simple(_) => {}
        Command::Subshell { body, .. } | Command::Group { body, .. } => loop_vars(body, out, depth),
        Command::Compound { name, bodies, .. } => {
            if let Some(n) = name {
                out.insert(n.clone());
            }
            for b in bodies {
                loop_vars(b, out, depth);
            }
        }
        Command::Function { body, .. } => loop_vars_cmd(body, out, depth),
    }
}
