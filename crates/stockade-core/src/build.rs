//! `BuildSpec`: a Dockerfile evaluated into stages, with every value's span.

use crate::image_ref::ImageRef;
use crate::shell::Script;
use crate::span::{FileId, Span, Spanned};
use crate::suppress::Suppressions;
use crate::value::Expanded;
use std::path::PathBuf;

/// A whole Dockerfile, evaluated.
#[derive(Debug, Clone, Default)]
pub struct BuildSpec {
    pub file: FileId,
    /// Path as scanned.
    pub path: String,
    /// Parser directives (`syntax`, `escape`, `check`) as written at the top.
    pub directives: Vec<Directive>,
    /// The escape character in effect (`\\` or `` ` ``).
    pub escape: char,
    /// `ARG`s before the first `FROM`.
    pub global_args: Vec<ArgDef>,
    pub stages: Vec<Stage>,
    /// The stage that will run: the `--target` stage, else the last one.
    /// `None` when there is no `FROM` or the target does not exist.
    pub final_stage: Option<usize>,
    /// `--target` as given.
    pub target: Option<String>,
    /// The build context directory, when known (the Dockerfile's directory
    /// on disk by default), so rules may read copied files.
    pub context_dir: Option<PathBuf>,
    pub suppressions: Suppressions,
}

impl BuildSpec {
    pub fn final_stage(&self) -> Option<&Stage> {
        self.final_stage.and_then(|i| self.stages.get(i))
    }

    /// The stages that contribute to the final image: the final stage and
    /// the chain of stages it is built `FROM` (not stages it only copies from).
    pub fn final_chain(&self) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.final_stage;
        while let Some(i) = cur {
            if out.contains(&i) {
                break;
            }
            out.push(i);
            cur = match self.stages.get(i).map(|s| &s.from.base) {
                Some(BaseImage::Stage(p)) => Some(*p),
                _ => None,
            };
        }
        out
    }

    /// What a `COPY`/`ADD` copies from: the build context, an earlier stage
    /// (by name or index), or an image.
    /// Every stage the build of the final stage needs, in index order: its
    /// `FROM` chain, the stages it copies from (`COPY --from`) or mounts
    /// (`RUN --mount=from=`), transitively. BuildKit builds only these, so
    /// rules about the build judge only these; other stages never run.
    pub fn needed_stages(&self) -> Vec<usize> {
        let mut seen = vec![false; self.stages.len()];
        let mut todo: Vec<usize> = self.final_stage.into_iter().collect();
        while let Some(i) = todo.pop() {
            if i >= seen.len() || seen[i] {
                continue;
            }
            seen[i] = true;
            let stage = &self.stages[i];
            if let BaseImage::Stage(p) = stage.from.base {
                todo.push(p);
            }
            for ins in &stage.instructions {
                match &ins.kind {
                    InstrKind::Copy(c) => match self.copy_source(c) {
                        CopySource::Stage(p) => todo.push(p),
                        // An unknown `--from` may name any earlier stage.
                        CopySource::Unknown => todo.extend(0..i),
                        _ => {}
                    },
                    InstrKind::Run(r) => {
                        for m in &r.mounts {
                            if let Some(from) = m.option("from")
                                && let Some(p) = self.stage_index(from)
                            {
                                todo.push(p);
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        (0..self.stages.len()).filter(|&i| seen[i]).collect()
    }

    /// The stage a `--from`/`from=` value names: a stage name (the last
    /// one with that name) or a numeric index.
    pub fn stage_index(&self, name: &str) -> Option<usize> {
        if let Some(i) = self.stages.iter().rposition(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.value.eq_ignore_ascii_case(name))
        }) {
            return Some(i);
        }
        name.parse::<usize>()
            .ok()
            .filter(|&i| i < self.stages.len())
    }

    pub fn copy_source(&self, copy: &CopyInstr) -> CopySource {
        let Some(from) = &copy.from else {
            return CopySource::Context;
        };
        let Some(v) = from.value.known() else {
            return CopySource::Unknown;
        };
        // A repeated stage name refers to the last stage that uses it.
        if let Some(i) = self.stages.iter().rposition(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.value.eq_ignore_ascii_case(v))
        }) {
            return CopySource::Stage(i);
        }
        if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
            return match v.parse::<usize>() {
                Ok(i) if i < self.stages.len() => CopySource::Stage(i),
                _ => CopySource::Invalid(format!("stage index {v} does not exist")),
            };
        }
        match ImageRef::parse(v) {
            Ok(r) => CopySource::Image(r),
            Err(e) => CopySource::Invalid(e.0),
        }
    }

    /// The stage called `name` (case-insensitive; the last one when repeated).
    pub fn stage_by_name(&self, name: &str) -> Option<&Stage> {
        self.stages.iter().rev().find(|s| {
            s.name
                .as_ref()
                .is_some_and(|n| n.value.eq_ignore_ascii_case(name))
        })
    }
}

/// Where a `COPY`/`ADD` takes its files from (see [`BuildSpec::copy_source`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CopySource {
    /// No `--from`: the build context (or URLs / heredocs for `ADD`).
    Context,
    Stage(usize),
    Image(ImageRef),
    /// `--from` could not be resolved (an unknown variable).
    Unknown,
    /// Resolved, but neither a stage nor a valid image reference.
    Invalid(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub value: String,
    pub span: Span,
}

/// One build stage: `FROM … [AS name]` and its instructions.
#[derive(Debug, Clone)]
pub struct Stage {
    pub index: usize,
    /// `AS name` (as written).
    pub name: Option<Spanned<String>>,
    pub from: FromInstr,
    /// Instructions after `FROM`, in order (`FROM` itself excluded).
    pub instructions: Vec<Instruction>,
    /// From the `FROM` keyword to the end of the stage's last instruction.
    pub span: Span,
    /// The user the stage's image runs as at its end.
    pub user: EffectiveUser,
}

impl Stage {
    /// A label for findings: `stage 'name'` or `stage 2`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("stage '{}'", n.value),
            None => format!("stage {}", self.index),
        }
    }

    pub fn runs(&self) -> impl Iterator<Item = (&Instruction, &RunInstr)> {
        self.instructions.iter().filter_map(|i| match &i.kind {
            InstrKind::Run(r) => Some((i, r)),
            _ => None,
        })
    }

    pub fn copies(&self) -> impl Iterator<Item = (&Instruction, &CopyInstr)> {
        self.instructions.iter().filter_map(|i| match &i.kind {
            InstrKind::Copy(c) => Some((i, c)),
            _ => None,
        })
    }
}

/// The user in effect at the end of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EffectiveUser {
    /// A `USER` instruction in this stage (or an ancestor stage) sets it.
    Set {
        value: Spanned<Expanded>,
        stage: usize,
    },
    /// No `USER` anywhere in the chain: the base image's default applies.
    BaseDefault,
}

#[derive(Debug, Clone)]
pub struct FromInstr {
    /// The image as written and expanded with global ARGs.
    pub image: Spanned<Expanded>,
    pub base: BaseImage,
    pub platform: Option<Spanned<Expanded>>,
    /// The whole `FROM` instruction.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BaseImage {
    Scratch,
    /// Built on an earlier stage (index).
    Stage(usize),
    Image(ImageRef),
    /// The reference could not be resolved (an ARG without a value).
    Unknown,
    /// Resolved, but not a valid reference; the message says why.
    Invalid(String),
}

/// One instruction after its `FROM`.
#[derive(Debug, Clone)]
pub struct Instruction {
    /// Upper-cased keyword with the span of the keyword as written.
    pub keyword: Spanned<String>,
    /// `--name[=value]` flags.
    pub flags: Vec<Flag>,
    /// The whole instruction, continuations and heredoc bodies included.
    pub span: Span,
    /// The first line of the instruction (keyword to end of line), which
    /// is the most useful thing to point at for findings about the whole instruction.
    pub line_span: Span,
    pub kind: InstrKind,
    /// The arguments start with `[` but are not a valid JSON array, so the
    /// builder runs them in shell form (`CMD ["a",]`, `CMD ['a']`).
    pub json_fallback: bool,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    /// Without the leading `--`, lower-cased.
    pub name: String,
    pub value: Option<Expanded>,
    pub span: Span,
}

#[derive(Debug, Clone)]
#[allow(clippy::large_enum_variant)]
pub enum InstrKind {
    Run(RunInstr),
    /// `COPY` and `ADD`.
    Copy(CopyInstr),
    User(Spanned<Expanded>),
    Env(Vec<KeyValue>),
    Arg(Vec<ArgDef>),
    Label(Vec<KeyValue>),
    Expose(Vec<Spanned<Expanded>>),
    Workdir(Spanned<Expanded>),
    Cmd(CommandForm),
    Entrypoint(CommandForm),
    Shell(Vec<Spanned<String>>),
    Healthcheck(Option<CommandForm>),
    Volume(Vec<Spanned<Expanded>>),
    StopSignal(Spanned<Expanded>),
    Maintainer(Spanned<String>),
    Onbuild(Box<Instruction>),
}

/// `CMD`/`ENTRYPOINT`/`HEALTHCHECK CMD` arguments.
#[derive(Debug, Clone)]
pub enum CommandForm {
    Exec(Vec<Spanned<String>>),
    Shell {
        text: Spanned<String>,
        script: Script,
    },
}

#[derive(Debug, Clone)]
pub struct RunInstr {
    /// Exec form (`RUN ["a","b"]`), when used.
    pub exec: Option<Vec<Spanned<String>>>,
    /// Every shell script this RUN executes, in order: the command line in
    /// shell form, and heredoc bodies that are run as scripts
    /// (`RUN <<EOF`, `RUN bash <<EOF`).
    pub scripts: Vec<Script>,
    /// All heredocs attached to the instruction.
    pub heredocs: Vec<Heredoc>,
    /// The shell-form command line as written (continuations joined), if any.
    pub text: Option<Spanned<String>>,
    /// `--mount=…` values, parsed into key/value pairs.
    pub mounts: Vec<RunMount>,
    /// `--network=…`.
    pub network: Option<Spanned<String>>,
    /// `--security=…`.
    pub security: Option<Spanned<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunMount {
    /// `type=` (default `bind`).
    pub kind: String,
    pub options: Vec<(String, String)>,
    pub span: Span,
}

impl RunMount {
    pub fn option(&self, key: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    /// `<<"EOF"` or `<<'EOF'`: no expansion in the body.
    pub quoted: bool,
    /// `<<-EOF`: leading tabs stripped.
    pub strip_tabs: bool,
    /// The body (tabs stripped when asked), with the span of the body lines.
    pub body: Spanned<String>,
}

#[derive(Debug, Clone)]
pub struct CopyInstr {
    /// `ADD` rather than `COPY`.
    pub is_add: bool,
    pub sources: Vec<Spanned<Expanded>>,
    pub dest: Option<Spanned<Expanded>>,
    /// `--from=` (stage name, index or image).
    pub from: Option<Spanned<Expanded>>,
    pub chown: Option<Spanned<Expanded>>,
    pub chmod: Option<Spanned<Expanded>>,
    pub checksum: Option<Spanned<Expanded>>,
    pub link: bool,
    /// Heredoc sources (`COPY <<EOF /dest`).
    pub heredocs: Vec<Heredoc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    pub key: Spanned<String>,
    /// Expanded value (`None` for `ENV` legacy forms without a value).
    pub value: Option<Spanned<Expanded>>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgDef {
    pub name: Spanned<String>,
    /// The default as written in the Dockerfile, expanded.
    pub default: Option<Spanned<Expanded>>,
    /// The value in effect: a `--build-arg` override, else the default
    /// (for stage ARGs re-declaring a global one, the global value).
    pub effective: Option<Expanded>,
    /// Whether `effective` came from `--build-arg`.
    pub overridden: bool,
    pub span: Span,
}
