//! Test helpers: parse a Dockerfile from text and run one rule on it.

use crate::meta::{Ctx, Rule};
use crate::util::date::Date;
use stockade_core::{Finding, SourceMap};
use stockade_dockerfile::{EvalOptions, evaluate};

pub fn ctx() -> Ctx {
    Ctx {
        today: Date::parse("2026-11-28").unwrap(),
        trusted_registries: Vec::new(),
        max_image_age_days: 7,
        read_context: false,
        max_image_mb: 1024,
        max_packages: 500,
    }
}

/// Runs `rule` on the Dockerfile `text` and returns its findings with the
/// flagged source text, e.g. `[("SKD101", "USER root")]`-style pairs via [`flagged`].
pub fn run_build(rule: &dyn Rule, text: &str) -> Vec<Finding> {
    run_build_with(rule, text, &EvalOptions::default(), &ctx())
}

pub fn run_build_with(rule: &dyn Rule, text: &str, opts: &EvalOptions, cx: &Ctx) -> Vec<Finding> {
    let sources = SourceMap::new();
    let file = sources.add("Dockerfile", None, text.to_string());
    let (spec, _errors) = evaluate(&file, opts);
    let mut out = Vec::new();
    rule.check_build(&spec, cx, &mut out);
    out
}

/// The source text each finding points at (for readable assertions).
pub fn flagged(text: &str, findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            f.span
                .map(|s| text[s.range()].to_string())
                .unwrap_or_default()
        })
        .collect()
}

/// The fenced examples after `**Bad**` and `**Good**` in a rule's doc:
/// `(good, language, text)`.
pub fn doc_examples(doc: &str) -> Vec<(bool, String, String)> {
    let mut out = Vec::new();
    let mut section: Option<bool> = None;
    let mut block: Option<(String, String)> = None;
    for line in doc.lines() {
        if let Some((lang, text)) = block.as_mut() {
            if line.trim_start().starts_with("```") {
                if let Some(good) = section {
                    out.push((good, lang.clone(), text.clone()));
                }
                block = None;
            } else {
                text.push_str(line);
                text.push('\n');
            }
            continue;
        }
        let t = line.trim();
        if t == "**Bad**" {
            section = Some(false);
        } else if t == "**Good**" {
            section = Some(true);
        } else if t.starts_with("**") {
            section = None;
        } else if let Some(lang) = t.strip_prefix("```") {
            block = Some((lang.to_string(), String::new()));
        }
    }
    out
}
