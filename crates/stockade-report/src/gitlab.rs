//! GitLab Code Quality report: a JSON array of issues in the subset of the
//! Code Climate format GitLab reads (`description`, `check_name`,
//! `fingerprint`, `severity`, `location.path`, `location.lines.begin`).
//! Declared in `.gitlab-ci.yml` under `artifacts:reports:codequality`.
//!
//! Severities map onto GitLab's five: critical → `blocker`, high →
//! `critical`, medium → `major`, low → `minor`, info → `info`.
//! Fingerprints are the SARIF `primaryLocationLineHash` values, so an
//! issue keeps its identity across runs (and across both formats) while
//! lines are added above it. Findings without source text get a
//! pseudo-path naming the image, container or subject, line 1.

use std::io;

use serde::Serialize;
use stockade_core::Severity;

use crate::sarif::{fingerprints, locator_path};
use crate::{Located, Report, locate};

#[derive(Serialize)]
struct Issue<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    description: String,
    check_name: &'a str,
    fingerprint: String,
    severity: &'static str,
    categories: [&'static str; 1],
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
    end: u32,
}

/// GitLab's severity for ours.
pub fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "blocker",
        Severity::High => "critical",
        Severity::Medium => "major",
        Severity::Low => "minor",
        Severity::Info => "info",
    }
}

/// A repository-relative path as GitLab wants it: forward slashes, no
/// leading `./`.
fn repo_path(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p
}

pub(crate) fn render(report: &Report, out: &mut dyn io::Write) -> io::Result<()> {
    let located: Vec<Option<Located>> = report
        .findings
        .iter()
        .map(|f| f.span.and_then(|s| locate(report.sources, s)))
        .collect();
    let prints = fingerprints(report, &located);
    let issues: Vec<Issue> = report
        .findings
        .iter()
        .zip(&located)
        .zip(prints)
        .map(|((f, l), print)| {
            let (path, begin, end) = match l {
                Some(l) => (repo_path(l.path()), l.start.line, l.end.line),
                None => (
                    locator_path(&f.locator.clone().unwrap_or_default(), &f.subject),
                    1,
                    1,
                ),
            };
            let message = if f.message.trim().is_empty() {
                f.title
            } else {
                f.message.as_str()
            };
            Issue {
                kind: "issue",
                description: format!("{}: {}", f.rule, crate::text::sanitize(message)),
                check_name: f.rule,
                // The fingerprint names the tool so ids from other tools
                // in the same pipeline cannot collide with ours.
                fingerprint: format!("stockade:{print}"),
                severity: severity(f.severity),
                categories: ["Security"],
                location: Location {
                    path,
                    lines: Lines {
                        begin: begin.max(1),
                        end: end.max(begin).max(1),
                    },
                },
            }
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &issues)?;
    out.write_all(b"\n")?;
    out.flush()
}
