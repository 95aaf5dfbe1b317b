//! Evaluation of a parsed [`Document`] into a [`BuildSpec`]: stages, ARG and
//! ENV scopes, variable expansion, users, shell scripts.

use crate::EvalOptions;
use crate::expand::{Lookup, Vars, expand_word, raw_of};
use crate::lex::{parse_heredoc_marker, split_token_ws};
use crate::syntax::{Args, Document, HeredocNode, InstructionNode, Keyword, strip_leading_tabs};
use std::collections::HashMap;
use stockade_core::build::*;
use stockade_core::finding::InputError;
use stockade_core::image_ref::ImageRef;
use stockade_core::shell::Script;
use stockade_core::span::{OffsetMap, SourceFile, Span, Spanned};
use stockade_core::value::Expanded;

/// Arguments the builder defines by itself (platform and proxy settings):
/// in the global scope they are unknown unless passed with `--build-arg`.
const PLATFORM_ARGS: [&str; 18] = [
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
    "HTTP_PROXY",
    "http_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "FTP_PROXY",
    "ftp_proxy",
    "NO_PROXY",
    "no_proxy",
    "ALL_PROXY",
    "all_proxy",
];

/// Shells whose scripts `stockade_shell` can read.
const POSIX_SHELLS: [&str; 8] = ["sh", "bash", "dash", "ash", "zsh", "ksh", "mksh", "busybox"];

/// Total ENV entries copied from parent stages to child stages; past this a
/// child's inherited environment is treated as unknown (bounds the work on
/// hostile files with long stage chains).
const ENV_COPY_BUDGET: usize = 200_000;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Val {
    Known(String),
    Unknown,
}

impl Val {
    fn from_expanded(e: &Expanded) -> Val {
        match &e.value {
            Some(v) => Val::Known(v.clone()),
            None => Val::Unknown,
        }
    }
}

/// The variables visible to one expansion.
struct Scope<'a> {
    global: bool,
    env: &'a HashMap<String, Val>,
    args: &'a HashMap<String, Val>,
    /// The base image's environment is known to be empty (`scratch`).
    base_known: bool,
    build_args: &'a HashMap<String, String>,
    /// Inside `ONBUILD`: nothing is known.
    opaque: bool,
}

impl Vars for Scope<'_> {
    fn lookup(&self, name: &str) -> Lookup {
        if self.opaque {
            return Lookup::Unknown;
        }
        for map in [self.env, self.args] {
            match map.get(name) {
                Some(Val::Known(v)) => return Lookup::Set(v.clone()),
                Some(Val::Unknown) => return Lookup::Unknown,
                None => {}
            }
        }
        if self.global {
            if PLATFORM_ARGS.contains(&name) {
                return match self.build_args.get(name) {
                    Some(v) => Lookup::Set(v.clone()),
                    None => Lookup::Unknown,
                };
            }
            return Lookup::Unset;
        }
        if self.base_known {
            Lookup::Unset
        } else {
            Lookup::Unknown
        }
    }
}

/// Per-stage state while evaluating.
#[derive(Clone)]
struct StageState {
    env: HashMap<String, Val>,
    args: HashMap<String, Val>,
    base_known: bool,
    shell: Vec<String>,
    user: Option<Spanned<Expanded>>,
}

impl StageState {
    fn fresh(base_known: bool) -> Self {
        StageState {
            env: HashMap::new(),
            args: HashMap::new(),
            base_known,
            shell: vec!["/bin/sh".into(), "-c".into()],
            user: None,
        }
    }

    fn posix_shell(&self) -> bool {
        self.shell.first().is_some_and(|s| is_posix_shell(s))
    }
}

fn is_posix_shell(path: &str) -> bool {
    let base = path.rsplit(['/', '\\']).next().unwrap_or(path);
    POSIX_SHELLS.contains(&base)
}

pub(crate) fn evaluate_doc(
    file: &SourceFile,
    doc: &Document,
    opts: &EvalOptions,
    errors: &mut Vec<InputError>,
) -> BuildSpec {
    let mut build_args = HashMap::new();
    for (k, v) in &opts.build_args {
        build_args.insert(k.clone(), v.clone());
    }
    let mut ev = Ev {
        file,
        esc: doc.escape,
        errors,
        build_args,
        global: HashMap::new(),
        stage_names: HashMap::new(),
        env_budget: ENV_COPY_BUDGET,
    };
    let mut spec = BuildSpec {
        file: file.id,
        path: file.path.clone(),
        directives: doc
            .directives()
            .map(|d| Directive {
                name: d.name.value.clone(),
                value: d.value.value.clone(),
                span: d.name.span.to(d.value.span),
            })
            .collect(),
        escape: doc.escape,
        global_args: Vec::new(),
        stages: Vec::new(),
        final_stage: None,
        target: opts.target.clone(),
        context_dir: opts.context_dir.clone().or_else(|| {
            file.disk_path
                .as_ref()
                .and_then(|p| p.parent().map(|d| d.to_path_buf()))
        }),
        suppressions: Default::default(),
    };

    let mut states: Vec<StageState> = Vec::new();
    let mut any_instruction = false;
    for node in doc.instructions() {
        any_instruction = true;
        if node.keyword == Keyword::From {
            let stage = ev.from(node, &spec, &states);
            let parent_state = match stage.from.base {
                BaseImage::Stage(p) => states.get(p).map(|s| ev.inherit(s)),
                _ => None,
            };
            let state = parent_state
                .unwrap_or_else(|| StageState::fresh(stage.from.base == BaseImage::Scratch));
            spec.stages.push(stage);
            states.push(state);
            continue;
        }
        let (Some(stage), Some(state)) = (spec.stages.last_mut(), states.last_mut()) else {
            if node.keyword == Keyword::Arg {
                let defs = ev.args(node, None);
                spec.global_args.extend(defs);
            } else if node.keyword != Keyword::Unknown {
                ev.error(
                    node.name.span,
                    format!(
                        "{} before the first FROM: only ARG may come before FROM",
                        node.keyword.as_str()
                    ),
                );
            }
            continue;
        };
        stage.span = stage.span.to(node.span);
        if let Some(instr) = ev.instruction(node, state, false) {
            if let InstrKind::User(u) = &instr.kind {
                state.user = Some(u.clone());
            }
            stage.instructions.push(instr);
        }
    }

    // Users: the stage's own USER, else the parent stage's, else the image default.
    for (i, state) in states.iter().enumerate() {
        let user = match &state.user {
            Some(u) => EffectiveUser::Set {
                value: u.clone(),
                stage: i,
            },
            None => match spec.stages[i].from.base {
                BaseImage::Stage(p) if p < i => spec.stages[p].user.clone(),
                _ => EffectiveUser::BaseDefault,
            },
        };
        spec.stages[i].user = user;
    }

    match &opts.target {
        Some(t) => {
            spec.final_stage = spec.stages.iter().rposition(|s| {
                s.name
                    .as_ref()
                    .is_some_and(|n| n.value.eq_ignore_ascii_case(t))
            });
            if spec.final_stage.is_none() {
                let names: Vec<&str> = spec
                    .stages
                    .iter()
                    .filter_map(|s| s.name.as_ref().map(|n| n.value.as_str()))
                    .collect();
                let known = if names.is_empty() {
                    "no stage has a name".to_string()
                } else {
                    format!("stages: {}", names.join(", "))
                };
                ev.errors.push(InputError::new(
                    &file.path,
                    None,
                    format!("target stage `{t}` not found ({known})"),
                ));
            }
        }
        None => spec.final_stage = spec.stages.len().checked_sub(1),
    }
    if spec.stages.is_empty() && any_instruction {
        ev.errors.push(InputError::new(
            &file.path,
            None,
            "no build stage: the Dockerfile has no FROM instruction",
        ));
    }
    spec
}

struct Ev<'a> {
    file: &'a SourceFile,
    esc: char,
    errors: &'a mut Vec<InputError>,
    build_args: HashMap<String, String>,
    /// Global (pre-FROM) ARG values.
    global: HashMap<String, Val>,
    /// Lower-cased stage names seen so far.
    stage_names: HashMap<String, usize>,
    env_budget: usize,
}

impl Ev<'_> {
    fn error(&mut self, span: Span, message: impl Into<String>) {
        self.errors
            .push(InputError::new(&self.file.path, Some(span), message));
    }

    fn inherit(&mut self, parent: &StageState) -> StageState {
        let mut s = parent.clone();
        s.user = None;
        s.args.clear();
        if parent.env.len() > self.env_budget {
            s.env.clear();
            s.base_known = false;
        } else {
            self.env_budget -= parent.env.len();
        }
        s
    }

    fn global_scope(&self) -> Scope<'_> {
        static EMPTY: std::sync::OnceLock<HashMap<String, Val>> = std::sync::OnceLock::new();
        Scope {
            global: true,
            env: EMPTY.get_or_init(HashMap::new),
            args: &self.global,
            base_known: true,
            build_args: &self.build_args,
            opaque: false,
        }
    }

    fn from(&mut self, node: &InstructionNode, spec: &BuildSpec, _states: &[StageState]) -> Stage {
        let index = spec.stages.len();
        let words: &[Spanned<String>] = match &node.args {
            Args::Words(w) => w,
            _ => &[],
        };
        let image = match words.first() {
            Some(w) => {
                let scope = self.global_scope();
                let (word, span) = (w.value.clone(), w.span);
                let e = expand_word(&word, self.esc, &scope);
                self.finish_expansion(&word, span, e)
            }
            None => Spanned::new(Expanded::literal(""), node.name.span),
        };
        let name = (words.len() == 3 && words[1].value.eq_ignore_ascii_case("as"))
            .then(|| words[2].clone());
        let platform = node.flag("platform").and_then(|f| {
            let v = f.value.clone()?;
            let span = f.value_span.unwrap_or(f.span);
            let scope = self.global_scope();
            let e = expand_word(&v, self.esc, &scope);
            Some(self.finish_expansion(&v, span, e))
        });
        let base = match image.value.known() {
            None => BaseImage::Unknown,
            // BuildKit refuses this ("base name should not be blank"); it is a
            // fact about the Dockerfile for a rule to report, not a parse error.
            Some("") if !words.is_empty() => BaseImage::Invalid(format!(
                "base name ({}) is blank: the variable has no value where FROM reads it \
                 (only ARGs declared before the first FROM are in scope there)",
                image.value.raw
            )),
            Some("") => BaseImage::Invalid("missing base image".into()),
            Some("scratch") => BaseImage::Scratch,
            Some(v) => match self.stage_names.get(&v.to_ascii_lowercase()) {
                Some(&i) => BaseImage::Stage(i),
                None => match ImageRef::parse(v) {
                    Ok(r) => BaseImage::Image(r),
                    Err(e) => BaseImage::Invalid(e.0),
                },
            },
        };
        if let Some(n) = &name {
            // BuildKit accepts a repeated name; references go to the latest stage.
            self.stage_names.insert(n.value.to_ascii_lowercase(), index);
        }
        Stage {
            index,
            name,
            from: FromInstr {
                image,
                base,
                platform,
                span: node.span,
            },
            instructions: Vec::new(),
            span: node.span,
            user: EffectiveUser::BaseDefault,
        }
    }

    fn finish_expansion(
        &mut self,
        word: &str,
        span: Span,
        e: Result<crate::expand::Expansion, String>,
    ) -> Spanned<Expanded> {
        let raw = raw_of(word);
        match e {
            Ok(e) => Spanned::new(
                Expanded {
                    raw,
                    value: e.value,
                    unresolved: e.unresolved,
                },
                span,
            ),
            Err(msg) => {
                self.error(span, msg);
                Spanned::new(
                    Expanded {
                        raw,
                        value: None,
                        unresolved: Vec::new(),
                    },
                    span,
                )
            }
        }
    }

    /// `ARG` in the global scope (`state` None) or in a stage.
    fn args(&mut self, node: &InstructionNode, mut state: Option<&mut StageState>) -> Vec<ArgDef> {
        let Args::Words(words) = &node.args else {
            return Vec::new();
        };
        // Every default is expanded before any of them applies.
        let mut defs = Vec::with_capacity(words.len());
        for w in words {
            let (key, value, vspan) = match w.value.split_once('=') {
                Some((k, v)) => {
                    let off = k.len() + 1;
                    let vspan = if w.span.len() == w.value.len() {
                        Span::new(
                            w.span.file,
                            w.span.start as usize + off,
                            w.span.end as usize,
                        )
                    } else {
                        w.span
                    };
                    (k.to_string(), Some(v.to_string()), vspan)
                }
                None => (w.value.clone(), None, w.span),
            };
            if key.is_empty() {
                continue;
            }
            let name_span = if w.span.len() == w.value.len() {
                Span::new(
                    w.span.file,
                    w.span.start as usize,
                    w.span.start as usize + key.len(),
                )
            } else {
                w.span
            };
            let default = value.map(|v| {
                let e = match state.as_deref() {
                    None => {
                        let scope = self.global_scope();
                        expand_word(&v, self.esc, &scope)
                    }
                    Some(st) => {
                        let scope = Scope {
                            global: false,
                            env: &st.env,
                            args: &st.args,
                            base_known: st.base_known,
                            build_args: &self.build_args,
                            opaque: false,
                        };
                        expand_word(&v, self.esc, &scope)
                    }
                };
                self.finish_expansion(&v, vspan, e)
            });
            defs.push((key, name_span, default, w.span));
        }
        let mut out = Vec::with_capacity(defs.len());
        for (key, name_span, default, span) in defs {
            let (effective, overridden) = match self.build_args.get(&key) {
                Some(v) => (Some(Expanded::literal(v.clone())), true),
                None => match &default {
                    Some(d) => (Some(d.value.clone()), false),
                    None if state.is_some() => match self.global.get(&key) {
                        Some(Val::Known(v)) => (Some(Expanded::literal(v.clone())), false),
                        Some(Val::Unknown) => (
                            Some(Expanded::unknown(format!("${key}"), vec![key.clone()])),
                            false,
                        ),
                        None => (None, false),
                    },
                    None => (None, false),
                },
            };
            let val = match &effective {
                Some(e) => Val::from_expanded(e),
                None => Val::Unknown,
            };
            match state.as_deref_mut() {
                Some(st) => {
                    st.args.insert(key.clone(), val);
                }
                None => {
                    self.global.insert(key.clone(), val);
                }
            }
            out.push(ArgDef {
                name: Spanned::new(key, name_span),
                default,
                effective,
                overridden,
                span,
            });
        }
        out
    }

    /// Converts one instruction of a stage. `opaque` is set inside `ONBUILD`
    /// (nothing expands now and the stage state is not touched).
    fn instruction(
        &mut self,
        node: &InstructionNode,
        state: &mut StageState,
        opaque: bool,
    ) -> Option<Instruction> {
        if node.keyword == Keyword::Unknown {
            return None;
        }
        let literal_flags = || -> Vec<Flag> {
            node.flags
                .iter()
                .map(|f| Flag {
                    name: f.name.to_ascii_lowercase(),
                    value: f.value.clone().map(Expanded::literal),
                    span: f.span,
                })
                .collect()
        };
        let (flags, kind) = match node.keyword {
            Keyword::Arg if !opaque => {
                let defs = self.args(node, Some(state));
                (literal_flags(), Some(InstrKind::Arg(defs)))
            }
            Keyword::Onbuild => {
                let kind = node.onbuild_inner().and_then(|inner| {
                    let mut scratch = StageState::fresh(false);
                    scratch.shell = state.shell.clone();
                    self.instruction(inner, &mut scratch, true)
                });
                (
                    literal_flags(),
                    kind.map(|i| InstrKind::Onbuild(Box::new(i))),
                )
            }
            _ => {
                let mut errs = Vec::new();
                let scope = Scope {
                    global: false,
                    env: &state.env,
                    args: &state.args,
                    base_known: state.base_known,
                    build_args: &self.build_args,
                    opaque,
                };
                let mut x = Conv {
                    esc: self.esc,
                    scope: &scope,
                    errors: &mut errs,
                    posix: state.posix_shell(),
                };
                let flags = x.flags(node);
                let kind = x.kind(node);
                for (sp, m) in errs {
                    self.error(sp, m);
                }
                (flags, kind)
            }
        };
        let kind = kind?;
        if !opaque {
            match &kind {
                InstrKind::Env(kvs) => {
                    for kv in kvs {
                        let v = match &kv.value {
                            Some(v) => Val::from_expanded(&v.value),
                            None => Val::Known(String::new()),
                        };
                        state.env.insert(kv.key.value.clone(), v);
                    }
                }
                InstrKind::Shell(sh) => {
                    state.shell = sh.iter().map(|s| s.value.clone()).collect();
                }
                _ => {}
            }
        }
        Some(Instruction {
            keyword: Spanned::new(node.keyword.as_str().to_string(), node.name.span),
            flags,
            span: node.span,
            line_span: node.line_span,
            kind,
            json_fallback: node.json_fallback,
        })
    }
}

/// Converts one instruction with a fixed scope.
struct Conv<'s> {
    esc: char,
    scope: &'s Scope<'s>,
    errors: &'s mut Vec<(Span, String)>,
    /// The stage's shell is one `stockade_shell` can read.
    posix: bool,
}

/// Flags whose values the builder expands.
const EXPANDED_FLAGS: [&str; 7] = [
    "from", "chown", "chmod", "checksum", "platform", "mount", "exclude",
];

impl Conv<'_> {
    fn expand(&mut self, word: &str, span: Span) -> Spanned<Expanded> {
        let raw = raw_of(word);
        match expand_word(word, self.esc, self.scope) {
            Ok(e) => Spanned::new(
                Expanded {
                    raw,
                    value: e.value,
                    unresolved: e.unresolved,
                },
                span,
            ),
            Err(msg) => {
                self.errors.push((span, msg));
                Spanned::new(
                    Expanded {
                        raw,
                        value: None,
                        unresolved: Vec::new(),
                    },
                    span,
                )
            }
        }
    }

    fn expand_spanned(&mut self, w: &Spanned<String>) -> Spanned<Expanded> {
        self.expand(&w.value, w.span)
    }

    fn flags(&mut self, node: &InstructionNode) -> Vec<Flag> {
        node.flags
            .iter()
            .map(|f| {
                let value = f.value.as_ref().map(|v| {
                    if EXPANDED_FLAGS.contains(&f.name.as_str()) {
                        self.expand(v, f.value_span.unwrap_or(f.span)).value
                    } else {
                        Expanded::literal(v.clone())
                    }
                });
                Flag {
                    name: f.name.to_ascii_lowercase(),
                    value,
                    span: f.span,
                }
            })
            .collect()
    }

    fn flag_value(&mut self, node: &InstructionNode, name: &str) -> Option<Spanned<Expanded>> {
        let f = node.flag(name)?;
        let v = f.value.clone()?;
        Some(self.expand(&v, f.value_span.unwrap_or(f.span)))
    }

    fn script(&mut self, text: &str, map: &OffsetMap) -> Script {
        stockade_shell::parse(text, map).script
    }

    fn command_form(&mut self, args: &Args, node: &InstructionNode) -> CommandForm {
        match args {
            Args::Exec(v) => CommandForm::Exec(v.clone()),
            Args::Shell(t) => {
                let script = if self.posix {
                    let start = t.span.start as usize;
                    let off = node.joined_offset_of(start);
                    self.script(&t.value, &node.joined.offset_map(off))
                } else {
                    Script {
                        items: Vec::new(),
                        span: t.span,
                    }
                };
                CommandForm::Shell {
                    text: t.clone(),
                    script,
                }
            }
            _ => CommandForm::Exec(Vec::new()),
        }
    }

    fn kind(&mut self, node: &InstructionNode) -> Option<InstrKind> {
        Some(match node.keyword {
            Keyword::Run => InstrKind::Run(self.run(node)),
            Keyword::Copy | Keyword::Add => InstrKind::Copy(self.copy(node)),
            Keyword::User => match &node.args {
                Args::Text(t) => InstrKind::User(self.expand_spanned(t)),
                _ => return None,
            },
            Keyword::Workdir => match &node.args {
                Args::Text(t) => InstrKind::Workdir(self.expand_spanned(t)),
                _ => return None,
            },
            Keyword::StopSignal => match &node.args {
                Args::Text(t) => InstrKind::StopSignal(self.expand_spanned(t)),
                _ => return None,
            },
            Keyword::Maintainer => match &node.args {
                Args::Text(t) => InstrKind::Maintainer(t.clone()),
                _ => return None,
            },
            Keyword::Env | Keyword::Label => {
                let Args::KeyValues { pairs, .. } = &node.args else {
                    return None;
                };
                let kvs: Vec<KeyValue> = pairs
                    .iter()
                    .map(|p| {
                        let key = self.expand_spanned(&p.key);
                        let key = Spanned::new(key.value.value.unwrap_or(key.value.raw), key.span);
                        let value = self.expand_spanned(&p.value);
                        KeyValue {
                            key,
                            value: Some(value),
                            span: p.span,
                        }
                    })
                    .collect();
                if node.keyword == Keyword::Env {
                    InstrKind::Env(kvs)
                } else {
                    InstrKind::Label(kvs)
                }
            }
            Keyword::Arg => {
                let Args::Words(words) = &node.args else {
                    return None;
                };
                {
                    let defs = words
                        .iter()
                        .map(|w| {
                            let (k, v) = match w.value.split_once('=') {
                                Some((k, v)) => (k, Some(v)),
                                None => (w.value.as_str(), None),
                            };
                            ArgDef {
                                name: Spanned::new(k.to_string(), w.span),
                                default: v.map(|v| self.expand(v, w.span)),
                                effective: None,
                                overridden: false,
                                span: w.span,
                            }
                        })
                        .collect();
                    InstrKind::Arg(defs)
                }
            }
            Keyword::Expose => match &node.args {
                Args::Words(w) => {
                    InstrKind::Expose(w.iter().map(|x| self.expand_spanned(x)).collect())
                }
                _ => return None,
            },
            Keyword::Volume => {
                let words = match &node.args {
                    Args::Exec(v) | Args::Words(v) => v,
                    _ => return None,
                };
                InstrKind::Volume(
                    words
                        .iter()
                        .filter(|w| !w.value.trim().is_empty())
                        .map(|w| self.expand(w.value.trim(), w.span))
                        .collect(),
                )
            }
            Keyword::Cmd => InstrKind::Cmd(self.command_form(&node.args, node)),
            Keyword::Entrypoint => InstrKind::Entrypoint(self.command_form(&node.args, node)),
            Keyword::Shell => match &node.args {
                Args::Exec(v) if !v.is_empty() => InstrKind::Shell(v.clone()),
                _ => return None,
            },
            Keyword::Healthcheck => match &node.args {
                Args::Healthcheck { kind, cmd } => {
                    if kind.value.eq_ignore_ascii_case("none") {
                        InstrKind::Healthcheck(None)
                    } else if kind.value.eq_ignore_ascii_case("cmd") {
                        InstrKind::Healthcheck(Some(self.command_form(cmd, node)))
                    } else {
                        return None;
                    }
                }
                _ => return None,
            },
            Keyword::Onbuild | Keyword::From | Keyword::Unknown => return None,
        })
    }

    fn heredocs(node: &InstructionNode) -> Vec<Heredoc> {
        node.heredocs
            .iter()
            .map(|h| Heredoc {
                delimiter: h.name.clone(),
                quoted: !h.expand,
                strip_tabs: h.chomp,
                body: Spanned::new(h.text(), h.body),
            })
            .collect()
    }

    fn copy(&mut self, node: &InstructionNode) -> CopyInstr {
        let words: &[Spanned<String>] = match &node.args {
            Args::Exec(v) | Args::Words(v) => v,
            _ => &[],
        };
        let mut sources = Vec::new();
        let mut dest = None;
        if let Some((last, srcs)) = words.split_last() {
            for s in srcs {
                if matches!(node.args, Args::Words(_)) && parse_heredoc_marker(&s.value).is_some() {
                    continue;
                }
                sources.push(self.expand_spanned(s));
            }
            if !srcs.is_empty() {
                dest = Some(self.expand_spanned(last));
            }
        }
        let link = node.flag("link").is_some_and(|f| {
            !f.value
                .as_deref()
                .is_some_and(|v| v.eq_ignore_ascii_case("false"))
        });
        CopyInstr {
            is_add: node.keyword == Keyword::Add,
            sources,
            dest,
            from: self.flag_value(node, "from"),
            chown: self.flag_value(node, "chown"),
            chmod: self.flag_value(node, "chmod"),
            checksum: self.flag_value(node, "checksum"),
            link,
            heredocs: Self::heredocs(node),
        }
    }

    fn run(&mut self, node: &InstructionNode) -> RunInstr {
        let mut mounts = Vec::new();
        let mut network = None;
        let mut security = None;
        for f in &node.flags {
            let Some(v) = &f.value else { continue };
            let vspan = f.value_span.unwrap_or(f.span);
            match f.name.as_str() {
                "mount" => {
                    let e = self.expand(v, vspan);
                    let text = e.value.value.clone().unwrap_or_else(|| v.clone());
                    match parse_mount(&text, f.span) {
                        Ok(m) => mounts.push(m),
                        Err(msg) => self.errors.push((vspan, msg)),
                    }
                }
                "network" => {
                    if !matches!(v.as_str(), "default" | "none" | "host") {
                        self.errors.push((
                            vspan,
                            format!("unsupported network mode `{v}` (use default, none or host)"),
                        ));
                    }
                    network = Some(Spanned::new(v.clone(), vspan));
                }
                "security" => {
                    if !matches!(v.as_str(), "sandbox" | "insecure") {
                        self.errors.push((
                            vspan,
                            format!("unsupported security mode `{v}` (use sandbox or insecure)"),
                        ));
                    }
                    security = Some(Spanned::new(v.clone(), vspan));
                }
                _ => {}
            }
        }
        let heredocs = Self::heredocs(node);
        let posix = self.posix;
        let mut scripts = Vec::new();
        let (exec, text) = match &node.args {
            Args::Exec(v) => {
                if (posix || is_shell_c(v))
                    && let Some(s) = self.exec_shell_script(v)
                {
                    scripts.push(s);
                }
                (Some(v.clone()), None)
            }
            Args::Shell(t) => {
                if posix {
                    self.run_scripts(node, t, &mut scripts);
                }
                (None, Some(t.clone()))
            }
            _ => (None, None),
        };
        RunInstr {
            exec,
            scripts,
            heredocs,
            text,
            mounts,
            network,
            security,
        }
    }

    /// `["sh", "-c", "script"]`: the script argument.
    fn exec_shell_script(&mut self, v: &[Spanned<String>]) -> Option<Script> {
        if !is_shell_c(v) {
            return None;
        }
        let arg = &v[2];
        let map = OffsetMap::contiguous(arg.span.file, arg.span.start as usize + 1);
        Some(self.script(&arg.value, &map))
    }

    fn run_scripts(&mut self, node: &InstructionNode, t: &Spanned<String>, out: &mut Vec<Script>) {
        let cmd_off = node.rest_offset;
        let docs: Vec<&HeredocNode> = node.heredocs.iter().collect();
        if docs.is_empty() {
            out.push(self.script(&t.value, &node.joined.offset_map(cmd_off)));
            return;
        }
        // `RUN <<EOF`: the first heredoc is the script itself.
        if parse_heredoc_marker(&t.value).is_some() {
            let h = docs[0];
            if body_runs_in_shell(&h.content) {
                let (text, map) = heredoc_text_map(h);
                out.push(self.script(&text, &map));
            }
            return;
        }
        // Otherwise the shell gets the command line followed by the bodies.
        let mut text = t.value.clone();
        let mut segs: Vec<(usize, usize)> = Vec::new();
        for &(l, f) in node.joined.segments() {
            let l = l as usize;
            if l >= cmd_off && l - cmd_off < text.len() {
                segs.push((l - cmd_off, f as usize));
            }
        }
        if segs.first().is_none_or(|s| s.0 != 0) {
            segs.insert(0, (0, node.joined.to_file(cmd_off)));
        }
        for h in &docs {
            let Some(term) = h.terminator else { break };
            let body_start = h.body.start as usize;
            segs.push((text.len(), body_start.saturating_sub(1)));
            text.push('\n');
            segs.push((text.len(), body_start));
            text.push_str(&h.content);
            segs.push((text.len(), term.start as usize));
            text.push_str(&h.name);
        }
        let mut map = OffsetMap::contiguous(node.name.span.file, segs[0].1);
        for &(l, f) in &segs[1..] {
            map.push(l, f);
        }
        out.push(self.script(&text, &map));
        // Heredocs fed to a shell on stdin (`bash <<EOF`) are scripts too.
        if let Some(h) = stdin_shell_heredoc(&t.value, &docs) {
            let (text, map) = heredoc_text_map(h);
            out.push(self.script(&text, &map));
        }
    }
}

impl InstructionNode {
    /// The joined offset whose file offset is `file_pos` (first match).
    fn joined_offset_of(&self, file_pos: usize) -> usize {
        let segs = self.joined.segments();
        let mut best = 0;
        for (i, &(l, f)) in segs.iter().enumerate() {
            let next_l = segs
                .get(i + 1)
                .map(|s| s.0 as usize)
                .unwrap_or(self.joined.text.len());
            let len = next_l - l as usize;
            let f = f as usize;
            if file_pos >= f && file_pos <= f + len {
                return l as usize + (file_pos - f);
            }
            if file_pos > f {
                best = l as usize;
            }
        }
        best
    }
}

/// `["sh", "-c", "…"]` and friends.
fn is_shell_c(v: &[Spanned<String>]) -> bool {
    v.len() >= 3
        && is_posix_shell(&v[0].value)
        && v[1].value.starts_with('-')
        && !v[1].value.starts_with("--")
        && v[1].value.contains('c')
}

/// A heredoc body is run by the shell when it has no shebang or a shell one.
fn body_runs_in_shell(content: &str) -> bool {
    let Some(rest) = content.strip_prefix("#!") else {
        return true;
    };
    let line = rest.lines().next().unwrap_or("").trim();
    let mut parts = line.split_whitespace();
    let Some(prog) = parts.next() else {
        return false;
    };
    let interp = if prog.ends_with("/env") {
        parts.find(|p| !p.starts_with('-')).unwrap_or("")
    } else {
        prog
    };
    is_posix_shell(interp)
}

/// The heredoc a `sh`/`bash` command line reads as its script on stdin.
fn stdin_shell_heredoc<'h>(cmdline: &str, docs: &[&'h HeredocNode]) -> Option<&'h HeredocNode> {
    let words: Vec<&str> = split_token_ws(cmdline)
        .into_iter()
        .map(|(a, b)| &cmdline[a..b])
        .collect();
    let first = words.first()?;
    if !is_posix_shell(first) {
        return None;
    }
    let mut stdin_name = None;
    let mut i = 1;
    while i < words.len() {
        let w = words[i];
        if let Some(m) = parse_heredoc_marker(w) {
            if m.fd == 0 {
                stdin_name = Some(m.name);
            }
        } else if w == "-o" || w == "+o" {
            i += 1;
        } else if !(w.starts_with("--")
            || ((w.starts_with('-') || w.starts_with('+')) && !w.contains('c')))
        {
            return None;
        }
        i += 1;
    }
    let name = stdin_name?;
    docs.iter()
        .copied()
        .find(|h| h.name == name && h.terminator.is_some())
}

/// A heredoc's body as the build sees it, with a map into the file.
fn heredoc_text_map(h: &HeredocNode) -> (String, OffsetMap) {
    let start = h.body.start as usize;
    if !h.chomp {
        return (h.content.clone(), OffsetMap::contiguous(h.body.file, start));
    }
    let mut map = OffsetMap::contiguous(h.body.file, start);
    let mut text = String::with_capacity(h.content.len());
    let mut file_off = start;
    for line in h.content.split_inclusive('\n') {
        let tabs = line.len() - line.trim_start_matches('\t').len();
        map.push(text.len(), file_off + tabs);
        text.push_str(&line[tabs..]);
        file_off += line.len();
    }
    debug_assert_eq!(text, strip_leading_tabs(&h.content));
    (text, map)
}

/// `--mount=type=cache,target=/x,…` (CSV, `key=value` or bare keys).
fn parse_mount(value: &str, span: Span) -> Result<RunMount, String> {
    let mut options = Vec::new();
    for field in split_csv(value) {
        let field = field.trim();
        if field.is_empty() {
            continue;
        }
        match field.split_once('=') {
            Some((k, v)) => options.push((k.trim().to_ascii_lowercase(), v.to_string())),
            None => options.push((field.to_ascii_lowercase(), "true".to_string())),
        }
    }
    let kind = options
        .iter()
        .find(|(k, _)| k == "type")
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_else(|| "bind".to_string());
    if !matches!(kind.as_str(), "bind" | "cache" | "tmpfs" | "secret" | "ssh") {
        return Err(format!(
            "unsupported mount type `{kind}` (use bind, cache, tmpfs, secret or ssh)"
        ));
    }
    Ok(RunMount {
        kind,
        options,
        span,
    })
}

/// Splits one CSV record (Go's `encoding/csv` quoting with `"`).
fn split_csv(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut in_quotes = false;
    let mut at_field_start = true;
    while let Some(c) = chars.next() {
        if in_quotes {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    in_quotes = false;
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            ',' => {
                out.push(std::mem::take(&mut cur));
                at_field_start = true;
                continue;
            }
            '"' if at_field_start => in_quotes = true,
            _ => cur.push(c),
        }
        at_field_start = false;
    }
    out.push(cur);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_split() {
        assert_eq!(split_csv("a=1,b=2"), vec!["a=1", "b=2"]);
        assert_eq!(split_csv("\"a=1,2\",b"), vec!["a=1,2", "b"]);
        assert_eq!(split_csv("a=\"\""), vec!["a=\"\""]);
    }

    #[test]
    fn shebangs() {
        assert!(body_runs_in_shell("echo hi\n"));
        assert!(body_runs_in_shell("#!/bin/bash\nset -e\n"));
        assert!(body_runs_in_shell("#!/usr/bin/env sh\n"));
        assert!(!body_runs_in_shell("#!/usr/bin/env python3\nprint(1)\n"));
        assert!(!body_runs_in_shell("#!/usr/bin/python\n"));
    }

    #[test]
    fn mounts() {
        let s = Span::default();
        let m = parse_mount("type=secret,id=npm,target=/root/.npmrc", s).unwrap();
        assert_eq!(m.kind, "secret");
        assert_eq!(m.option("id"), Some("npm"));
        let m = parse_mount("target=/src,ro", s).unwrap();
        assert_eq!(m.kind, "bind");
        assert_eq!(m.option("ro"), Some("true"));
        assert!(parse_mount("type=weird", s).is_err());
    }
}
