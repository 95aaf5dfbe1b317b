//! Fixing one file: judge, plan, apply, verify, repeat.
//!
//! Each pass judges the current text with the real parser and rules,
//! asks the fixers for edits, applies those that do not clash, and keeps
//! them only if the result still parses (no new input errors; a Compose
//! file still loads) and every applied fix removed its finding. Fixes that
//! had to wait for a clashing one get the next pass, so one run reaches
//! the state where a second run changes nothing.

use crate::edit::{Fix, Plan, Safety, apply_edits, select_compatible};
use crate::settings::FixSettings;
use std::path::Path;
use stockade_core::{Finding, SourceMap};
use stockade_rules::{Ctx, Policy};

/// What kind of file is being fixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Dockerfile,
    Compose,
}

/// How to fix.
#[derive(Debug, Clone)]
pub struct FixOptions<'a> {
    /// Also apply fixes that may change behaviour.
    pub unsafe_fixes: bool,
    pub settings: &'a FixSettings,
    pub policy: &'a Policy,
    pub ctx: &'a Ctx,
    /// Build arguments and target for Dockerfiles.
    pub eval: stockade_dockerfile::EvalOptions,
    /// Interpolation settings for Compose files.
    pub compose: stockade_compose::LoadOptions,
}

/// A fix that was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub rule: &'static str,
    pub safety: Safety,
    pub subject: String,
    pub description: String,
    /// 1-based line of the finding in the text the fix was applied to.
    pub line: Option<u32>,
}

/// A finding left after fixing, and why it was not fixed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remaining {
    pub rule: &'static str,
    pub subject: String,
    /// 1-based line in the fixed text.
    pub line: Option<u32>,
    pub severity: stockade_core::Severity,
    pub message: String,
    pub why: Why,
}

/// Why a finding is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The rule has no automatic fix.
    NoFix,
    /// The fix may change behaviour: `--unsafe-fixes` applies it.
    NeedsUnsafe,
    /// The fixer declined, or its result did not verify; the reason.
    Declined(String),
}

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileOutcome {
    pub original: String,
    /// The fixed text (equal to `original` when nothing was applied).
    pub fixed: String,
    pub applied: Vec<Applied>,
    pub remaining: Vec<Remaining>,
    pub findings_before: usize,
    pub findings_after: usize,
    /// The file could not be judged at all (e.g. not YAML); nothing changed.
    pub error: Option<String>,
}

impl FileOutcome {
    pub fn changed(&self) -> bool {
        self.original != self.fixed
    }
}

/// Passes at most: each pass applies every fix that does not clash with another.
const MAX_PASSES: usize = 16;

struct Judged {
    findings: Vec<Finding>,
    errors: usize,
    plan: Plan,
    lines: Vec<u32>,
    counts: std::collections::HashMap<(&'static str, String), usize>,
}

impl Judged {
    fn new(findings: Vec<Finding>, errors: usize, plan: Plan, lines: Vec<u32>) -> Judged {
        let mut counts = std::collections::HashMap::new();
        for f in &findings {
            *counts.entry((f.rule, f.subject.clone())).or_insert(0) += 1;
        }
        Judged {
            findings,
            errors,
            plan,
            lines,
            counts,
        }
    }

    fn count(&self, rule: &'static str, subject: &str) -> usize {
        self.counts
            .get(&(rule, subject.to_string()))
            .copied()
            .unwrap_or(0)
    }

    fn line(&self, f: Option<stockade_core::Span>) -> Option<u32> {
        let pos = f?.start;
        Some(match self.lines.binary_search(&pos) {
            Ok(i) => i as u32 + 1,
            Err(i) => i as u32,
        })
    }
}

fn judge(
    kind: FileKind,
    path: &str,
    disk: Option<&Path>,
    text: &str,
    opts: &FixOptions,
) -> Result<Judged, String> {
    let sources = SourceMap::new();
    let file = sources.add(path, disk.map(Path::to_path_buf), text.to_string());
    let mut lines = vec![0u32];
    lines.extend(
        text.bytes()
            .enumerate()
            .filter(|(_, b)| *b == b'\n')
            .map(|(i, _)| i as u32 + 1),
    );
    match kind {
        FileKind::Dockerfile => {
            let (doc, _) = stockade_dockerfile::parse(&file);
            let (spec, errors) = stockade_dockerfile::evaluate(&file, &opts.eval);
            let findings = stockade_rules::check_build(&spec, opts.ctx, opts.policy);
            let plan = crate::plan_dockerfile(&file, &doc, &spec, &findings, opts.settings);
            Ok(Judged::new(findings, errors.len(), plan, lines))
        }
        FileKind::Compose => {
            let (project, errors) = stockade_compose::load_sources(
                std::slice::from_ref(&file),
                &sources,
                &opts.compose,
            );
            let project = project.ok_or_else(|| {
                errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_else(|| "not a Compose file".into())
            })?;
            let services: Vec<_> = project
                .services
                .into_iter()
                .filter(|s| s.anchor.file == file.id)
                .collect();
            let mut findings = Vec::new();
            for s in &services {
                findings.extend(stockade_rules::check_container(s, opts.ctx, opts.policy));
            }
            let plan = crate::plan_compose(&file, &services, &findings, opts.settings);
            Ok(Judged::new(findings, errors.len(), plan, lines))
        }
    }
}

/// Every applied fix removed (at least) one of its findings, and the
/// text reads as well as before.
fn verified(before: &Judged, after: &Judged, fixes: &[Fix]) -> bool {
    after.errors <= before.errors
        && fixes
            .iter()
            .all(|f| after.count(f.rule, &f.subject) < before.count(f.rule, &f.subject))
}

/// Fixes the findings of one file's `text`. `path` names the file in
/// messages; `disk` is where it lives (for `.env` files, build contexts).
pub fn fix_text(
    kind: FileKind,
    path: &str,
    disk: Option<&Path>,
    text: &str,
    opts: &FixOptions,
) -> FileOutcome {
    let mut out = FileOutcome {
        original: text.to_string(),
        fixed: text.to_string(),
        applied: Vec::new(),
        remaining: Vec::new(),
        findings_before: 0,
        findings_after: 0,
        error: None,
    };
    let mut cur = match judge(kind, path, disk, text, opts) {
        Ok(j) => j,
        Err(e) => {
            out.error = Some(e);
            return out;
        }
    };
    out.findings_before = cur.findings.len();
    let mut failed: Vec<(&'static str, String, String)> = Vec::new();
    let mut text = text.to_string();
    for _ in 0..MAX_PASSES {
        let wanted: Vec<Fix> = cur
            .plan
            .fixes
            .iter()
            .filter(|f| f.safety == Safety::Safe || opts.unsafe_fixes)
            .filter(|f| {
                !failed
                    .iter()
                    .any(|(r, s, _)| *r == f.rule && *s == f.subject)
            })
            .cloned()
            .collect();
        if wanted.is_empty() {
            break;
        }
        let (chosen, _waiting) = select_compatible(wanted, &text);
        let mut progressed = false;
        // All together first; one at a time when that does not verify.
        let all: Vec<_> = chosen
            .iter()
            .flat_map(|f| f.edits.iter().cloned())
            .collect();
        let together = apply_edits(&text, &all)
            .ok()
            .and_then(|t| judge(kind, path, disk, &t, opts).ok().map(|j| (t, j)))
            .filter(|(_, j)| verified(&cur, j, &chosen));
        match together {
            Some((t, j)) => {
                for f in &chosen {
                    out.applied.push(applied(&cur, f));
                }
                text = t;
                cur = j;
                progressed = true;
            }
            None => {
                // One at a time; after the first that holds, plan again
                // (the others' offsets refer to the text before it).
                for f in &chosen {
                    let one = apply_edits(&text, &f.edits)
                        .ok()
                        .and_then(|t| judge(kind, path, disk, &t, opts).ok().map(|j| (t, j)))
                        .filter(|(_, j)| verified(&cur, j, std::slice::from_ref(f)));
                    match one {
                        Some((t, j)) => {
                            out.applied.push(applied(&cur, f));
                            text = t;
                            cur = j;
                            progressed = true;
                            break;
                        }
                        None => failed.push((
                            f.rule,
                            f.subject.clone(),
                            "the fixed file did not verify (parse errors, or the finding stayed); left as it was".into(),
                        )),
                    }
                }
            }
        }
        if !progressed {
            break;
        }
    }
    out.findings_after = cur.findings.len();
    let declined: std::collections::HashMap<_, &str> = cur
        .plan
        .not_fixed
        .iter()
        .map(|n| ((n.rule, n.subject.as_str(), n.span), n.reason.as_str()))
        .collect();
    for f in &cur.findings {
        let has_fixer = crate::dockerfile::FIXERS
            .iter()
            .map(|x| (x.0, x.1))
            .chain(crate::compose::FIXERS.iter().map(|x| (x.0, x.1)))
            .find(|(id, _)| *id == f.rule);
        let why = if let Some((_, _, reason)) = failed
            .iter()
            .find(|(r, s, _)| *r == f.rule && *s == f.subject)
        {
            Why::Declined(reason.clone())
        } else if let Some(reason) = declined.get(&(f.rule, f.subject.as_str(), f.span)) {
            Why::Declined(reason.to_string())
        } else {
            match has_fixer {
                None => Why::NoFix,
                Some((_, Safety::Unsafe)) if !opts.unsafe_fixes => Why::NeedsUnsafe,
                Some(_) => Why::Declined("the fix waits for another one (run again)".into()),
            }
        };
        out.remaining.push(Remaining {
            rule: f.rule,
            subject: f.subject.clone(),
            line: cur.line(f.span),
            severity: f.severity,
            message: f.message.clone(),
            why,
        });
    }
    out.fixed = text;
    out
}

fn applied(cur: &Judged, f: &Fix) -> Applied {
    Applied {
        rule: f.rule,
        safety: f.safety,
        subject: f.subject.clone(),
        description: f.description.clone(),
        line: cur.line(f.span),
    }
}

/// The fix kind of a rule, if stockade can fix it.
pub fn fix_kind(rule: &str) -> Option<Safety> {
    crate::dockerfile::FIXERS
        .iter()
        .map(|x| (x.0, x.1))
        .chain(crate::compose::FIXERS.iter().map(|x| (x.0, x.1)))
        .find(|(id, _)| *id == rule)
        .map(|(_, s)| s)
}

/// Every rule with a fix, and its kind.
pub fn fixable_rules() -> Vec<(&'static str, Safety)> {
    let mut v: Vec<_> = crate::dockerfile::FIXERS
        .iter()
        .map(|x| (x.0, x.1))
        .chain(crate::compose::FIXERS.iter().map(|x| (x.0, x.1)))
        .collect();
    v.sort();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts<'a>(
        unsafe_fixes: bool,
        s: &'a FixSettings,
        p: &'a Policy,
        c: &'a Ctx,
    ) -> FixOptions<'a> {
        FixOptions {
            unsafe_fixes,
            settings: s,
            policy: p,
            ctx: c,
            eval: Default::default(),
            compose: Default::default(),
        }
    }

    #[test]
    fn safe_then_unsafe_and_idempotent() {
        let (s, p) = (FixSettings::default(), Policy::default());
        let c = Ctx {
            read_context: false,
            ..Default::default()
        };
        let text = "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN chown -R 10001:10001 /app\nRUN apt-get update && apt-get install -y curl\nRUN pip install flask\nCMD [\"python\", \"app.py\"]\n";
        let safe = fix_text(
            FileKind::Dockerfile,
            "Dockerfile",
            None,
            text,
            &opts(false, &s, &p, &c),
        );
        assert_eq!(
            safe.fixed,
            "FROM python:3.13-slim\nWORKDIR /app\nCOPY --chown=10001:10001 . .\nRUN chown 10001:10001 /app\nRUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir flask\nCMD [\"python\", \"app.py\"]\n"
        );
        assert!(
            safe.remaining
                .iter()
                .any(|r| r.rule == "SKD102" && r.why == Why::NeedsUnsafe)
        );
        assert!(safe.findings_after < safe.findings_before);
        let all = fix_text(
            FileKind::Dockerfile,
            "Dockerfile",
            None,
            &safe.fixed,
            &opts(true, &s, &p, &c),
        );
        assert!(all.fixed.contains("USER 65534:65534\nCMD"), "{}", all.fixed);
        // COPY already has --chown from the safe fix: not chowned twice.
        assert!(
            all.fixed.contains("COPY --chown=10001:10001 . ."),
            "{}",
            all.fixed
        );
        let again = fix_text(
            FileKind::Dockerfile,
            "Dockerfile",
            None,
            &all.fixed,
            &opts(true, &s, &p, &c),
        );
        assert!(!again.changed() && again.applied.is_empty());
    }

    #[test]
    fn compose_fixes_in_one_run_reach_a_fixed_point() {
        let (s, p) = (FixSettings::default(), Policy::default());
        let c = Ctx::default();
        let text = "services:\n  db:\n    image: postgres:17\n    privileged: true\n    ports:\n      - \"5432:5432\"\n";
        let o = fix_text(
            FileKind::Compose,
            "compose.yaml",
            None,
            text,
            &opts(true, &s, &p, &c),
        );
        let again = fix_text(
            FileKind::Compose,
            "compose.yaml",
            None,
            &o.fixed,
            &opts(true, &s, &p, &c),
        );
        assert!(!again.changed(), "{}", again.fixed);
        for rule in [
            "SKD205", "SKD209", "SKD215", "SKD216", "SKD217", "SKD218", "SKD220", "SKD230",
        ] {
            assert!(
                !o.remaining.iter().any(|r| r.rule == rule),
                "{rule} left: {:?}\n{}",
                o.remaining,
                o.fixed
            );
        }
        assert_eq!(
            o.fixed,
            // Removing `privileged` lets the capability and no-new-privileges
            // rules judge the service: their fixes come in the next pass.
            "services:\n  db:\n    image: postgres:17\n    ports:\n      - \"127.0.0.1:5432:5432\"\n    mem_limit: 512m\n    cpus: 1.0\n    pids_limit: 256\n    read_only: true\n    tmpfs:\n      - /tmp\n    cap_drop:\n      - ALL\n    security_opt:\n      - no-new-privileges:true\n"
        );
    }

    #[test]
    fn list_items_and_new_keys_at_the_end_of_a_service_keep_their_places() {
        let (s, p, c) = (FixSettings::default(), Policy::default(), Ctx::default());
        let text = "services:\n  web:\n    build: .\n    security_opt:\n      - apparmor:unconfined # why\n";
        let o = fix_text(
            FileKind::Compose,
            "compose.yaml",
            None,
            text,
            &opts(true, &s, &p, &c),
        );
        assert_eq!(
            o.fixed,
            "services:\n  web:\n    build: .\n    security_opt:\n      - apparmor:unconfined # why\n      - no-new-privileges:true\n    cap_drop:\n      - ALL\n    mem_limit: 512m\n    cpus: 1.0\n    pids_limit: 256\n    read_only: true\n    tmpfs:\n      - /tmp\n"
        );
        let again = fix_text(
            FileKind::Compose,
            "compose.yaml",
            None,
            &o.fixed,
            &opts(true, &s, &p, &c),
        );
        assert!(!again.changed());
    }

    #[test]
    fn unreadable_files_are_left() {
        let (s, p, c) = (FixSettings::default(), Policy::default(), Ctx::default());
        let o = fix_text(
            FileKind::Compose,
            "compose.yaml",
            None,
            "services: [\n",
            &opts(true, &s, &p, &c),
        );
        assert!(o.error.is_some() && !o.changed());
    }
}
