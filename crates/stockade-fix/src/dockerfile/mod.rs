//! Fixes in Dockerfiles: one module per fixed rule, on the instruction
//! lines of the lossless parse (continuations, comments and heredocs stay
//! as written; a new line takes the file's line ending).

mod apt_recommends;
mod chown_after_copy;
mod package_cache;
mod user;

use crate::edit::{Edit, Fix, NotFixed, Plan, Safety, line_ending};
use crate::settings::FixSettings;
use stockade_core::{BuildSpec, Finding, InstrKind, Instruction, RunInstr, SourceFile, Span};
use stockade_dockerfile::{Document, InstructionNode};
use stockade_rules::util::commands::{PkgCommand, RunScripts, parse_pkg};

pub(crate) type FixResult = Result<(Vec<Edit>, String), String>;

type Fixer = fn(&DfCx, &Finding, &FixSettings) -> FixResult;

/// The Dockerfile rules that have a fix, with its kind.
pub(crate) const FIXERS: &[(&str, Safety, Fixer)] = &[
    ("SKD101", Safety::Unsafe, user::fix),
    ("SKD102", Safety::Unsafe, user::fix),
    ("SKD131", Safety::Safe, apt_recommends::fix),
    ("SKD132", Safety::Safe, package_cache::fix),
    ("SKD162", Safety::Safe, chown_after_copy::fix),
];

/// Proposes fixes for the findings of one Dockerfile (`doc` and `spec`
/// parsed from `file`).
pub fn plan_dockerfile(
    file: &SourceFile,
    doc: &Document,
    spec: &BuildSpec,
    findings: &[Finding],
    settings: &FixSettings,
) -> Plan {
    let cx = DfCx {
        file,
        text: &file.text,
        doc,
        spec,
        le: line_ending(&file.text),
    };
    let mut plan = Plan::default();
    for f in findings {
        let Some(&(rule, safety, fixer)) = FIXERS.iter().find(|(id, _, _)| *id == f.rule) else {
            continue;
        };
        match fixer(&cx, f, settings) {
            Ok((edits, description)) if !edits.is_empty() => plan.fixes.push(Fix {
                rule,
                safety,
                subject: f.subject.clone(),
                description,
                span: f.span,
                edits,
            }),
            Ok(_) => {}
            Err(reason) => plan.not_fixed.push(NotFixed {
                rule,
                subject: f.subject.clone(),
                span: f.span,
                reason,
            }),
        }
    }
    plan
}

pub(crate) struct DfCx<'a> {
    pub file: &'a SourceFile,
    pub text: &'a str,
    pub doc: &'a Document,
    pub spec: &'a BuildSpec,
    pub le: &'static str,
}

impl DfCx<'_> {
    /// The stage index and instruction whose text holds `span`.
    pub fn instruction_at(&self, span: Option<Span>) -> Result<(usize, &Instruction), String> {
        let span = span.ok_or("the finding has no location")?;
        for st in &self.spec.stages {
            for i in &st.instructions {
                if i.span.contains(span) {
                    return Ok((st.index, i));
                }
            }
        }
        Err("the finding is not inside an instruction of this file".into())
    }

    /// The syntax node of an instruction (matched by where it starts).
    pub fn node(&self, span: Span) -> Option<&InstructionNode> {
        self.doc
            .instructions()
            .find(|n| n.span.start == span.start && n.span.file == span.file)
    }

    /// An edit adding `line` as a new line right after the instruction
    /// that starts at `span`.
    pub fn insert_line_after(&self, span: Span, line: &str) -> Result<Edit, String> {
        let node = self.node(span).ok_or("instruction not found in the file")?;
        let last = node.lines.last().ok_or("instruction without lines")?;
        let end = last.span.end as usize;
        Ok(
            if end > 0 && self.text.as_bytes().get(end - 1) == Some(&b'\n') {
                Edit::insert(self.file.id, end, format!("{line}{}", self.le))
            } else {
                Edit::insert(self.file.id, end, format!("{}{line}", self.le))
            },
        )
    }

    /// The exact file text of a span.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// An edit adding ` flag` right after the keyword of `instr`.
    pub fn flag_after_keyword(&self, instr: &Instruction, flag: &str) -> Edit {
        Edit::insert(
            self.file.id,
            instr.keyword.span.end as usize,
            format!(" {flag}"),
        )
    }
}

/// The shell-form RUN holding the finding, and the package-manager command
/// the finding points at (`tool … action`).
pub(crate) fn pkg_at<'a>(
    cx: &'a DfCx,
    f: &Finding,
) -> Result<(&'a Instruction, &'a RunInstr, RunScripts<'a>), String> {
    let (_, instr) = cx.instruction_at(f.span)?;
    let InstrKind::Run(run) = &instr.kind else {
        return Err("the finding is not in a RUN".into());
    };
    if run.exec.is_some() {
        return Err("exec-form RUN (JSON array): add the option by hand".into());
    }
    Ok((instr, run, RunScripts::new(instr, run)))
}

/// The package command of `rs` whose `tool … action` span is `span`.
pub(crate) fn find_pkg<'s>(rs: &'s RunScripts<'s>, span: Span) -> Option<PkgCommand<'s>> {
    rs.commands().into_iter().find_map(|rc| {
        let p = parse_pkg(rc.cmd)?;
        let s = match p.action_word {
            Some(a) => p.tool.span.to(a.span),
            None => p.tool.span,
        };
        (s == span).then_some(p)
    })
}

/// Where to insert text right after the action word of `p`, when the
/// file holds that word exactly as the shell reads it.
pub(crate) fn after_action(cx: &DfCx, p: &PkgCommand) -> Result<usize, String> {
    let a = p.action_word.ok_or("the command has no subcommand")?;
    let word = a.literal().ok_or("the subcommand is not a plain word")?;
    if cx.slice(a.span) != word {
        return Err("the command is inside a quoted string or split oddly: edit it by hand".into());
    }
    Ok(a.span.end as usize)
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Runs the real parser and rules on a Dockerfile text, plans, applies.

    use super::*;
    use stockade_core::SourceMap;

    pub fn findings(text: &str) -> Vec<Finding> {
        let sources = SourceMap::new();
        let file = sources.add("Dockerfile", None, text.to_string());
        let (spec, _) = stockade_dockerfile::evaluate(&file, &Default::default());
        let cx = stockade_rules::Ctx {
            read_context: false,
            ..Default::default()
        };
        stockade_rules::check_build(&spec, &cx, &stockade_rules::Policy::default())
    }

    pub fn fix_rule(text: &str, rule: &str) -> (String, Plan) {
        let sources = SourceMap::new();
        let file = sources.add("Dockerfile", None, text.to_string());
        let (doc, _) = stockade_dockerfile::parse(&file);
        let (spec, _) = stockade_dockerfile::evaluate(&file, &Default::default());
        let found: Vec<Finding> = findings(text)
            .into_iter()
            .filter(|f| f.rule == rule)
            .collect();
        let plan = plan_dockerfile(&file, &doc, &spec, &found, &FixSettings::default());
        let edits: Vec<Edit> = plan.fixes.iter().flat_map(|f| f.edits.clone()).collect();
        (crate::edit::apply_edits(text, &edits).unwrap(), plan)
    }

    pub fn count(text: &str, rule: &str) -> usize {
        findings(text).iter().filter(|f| f.rule == rule).count()
    }

    /// Fixes, checks the text byte for byte, that the finding is gone, that
    /// the result parses without new errors, and that a second run changes nothing.
    pub fn check(rule: &str, input: &str, expected: &str) {
        assert!(count(input, rule) > 0, "{rule} not found in:\n{input}");
        let (out, plan) = fix_rule(input, rule);
        assert_eq!(out, expected, "{plan:?}");
        assert_eq!(count(&out, rule), 0, "{rule} still found in:\n{out}");
        let sources = SourceMap::new();
        let before = stockade_dockerfile::parse(&sources.add("a", None, input.into())).1;
        let after = stockade_dockerfile::parse(&sources.add("b", None, out.clone())).1;
        assert!(after.len() <= before.len(), "{after:?}");
        let (again, plan) = fix_rule(&out, rule);
        assert_eq!(again, out);
        assert!(
            plan.fixes.is_empty() && plan.not_fixed.is_empty(),
            "{plan:?}"
        );
    }

    /// The fixer declines with a reason containing `reason`; nothing changes.
    pub fn declines(rule: &str, input: &str, reason: &str) {
        assert!(count(input, rule) > 0, "{rule} not found in:\n{input}");
        let (out, plan) = fix_rule(input, rule);
        assert_eq!(out, input);
        assert!(
            plan.not_fixed.iter().any(|n| n.reason.contains(reason)),
            "{plan:?}"
        );
    }
}
