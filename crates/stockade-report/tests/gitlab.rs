//! GitLab Code Quality output: the Code Climate subset GitLab reads.

mod common;

use common::*;
use serde_json::Value;
use stockade_core::{Severity, SourceMap, Span};
use stockade_report::{Format, Report, gitlab_severity};

fn issues(report: &Report) -> Vec<Value> {
    let text = render_to_string(report, Format::Gitlab, plain());
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    doc.as_array().expect("a JSON array").clone()
}

/// What GitLab requires of each issue; returns the problems found.
fn gitlab_problems(issue: &Value) -> Vec<String> {
    let mut p = Vec::new();
    for key in ["description", "check_name", "fingerprint"] {
        if issue[key].as_str().is_none_or(str::is_empty) {
            p.push(format!("{key} missing or empty"));
        }
    }
    if !matches!(
        issue["severity"].as_str(),
        Some("info" | "minor" | "major" | "critical" | "blocker")
    ) {
        p.push(format!("bad severity {}", issue["severity"]));
    }
    let path = issue["location"]["path"].as_str().unwrap_or("");
    if path.is_empty() || path.starts_with("./") || path.starts_with('/') || path.contains('\\') {
        p.push(format!("bad path {path:?}"));
    }
    if issue["location"]["lines"]["begin"]
        .as_u64()
        .is_none_or(|n| n < 1)
    {
        p.push("location.lines.begin missing".into());
    }
    p
}

#[test]
fn every_finding_becomes_a_valid_issue() {
    let fx = Fixture::full();
    let issues = issues(&fx.report());
    assert_eq!(issues.len(), fx.findings.len());
    for i in &issues {
        let problems = gitlab_problems(i);
        assert!(problems.is_empty(), "{problems:?} in {i:#}");
    }
    let root = &issues[1];
    assert_eq!(root["check_name"], "SKD101");
    assert_eq!(root["severity"], "critical");
    assert_eq!(root["description"], "SKD101: the final stage runs as root");
    assert_eq!(root["location"]["path"], "Dockerfile");
    assert_eq!(root["location"]["lines"]["begin"], 11);
    assert_eq!(root["type"], "issue");
    // A multi-line span keeps its end line.
    assert_eq!(issues[0]["location"]["lines"]["begin"], 2);
    assert_eq!(issues[0]["location"]["lines"]["end"], 3);
    // Findings without source text get a pseudo-path.
    assert_eq!(
        issues[4]["location"]["path"],
        "image/alpine:3.19/etc/shadow"
    );
    assert_eq!(issues[5]["location"]["path"], "subject/host");
    // Fingerprints are unique.
    let mut prints: Vec<&str> = issues
        .iter()
        .map(|i| i["fingerprint"].as_str().unwrap())
        .collect();
    prints.sort_unstable();
    prints.dedup();
    assert_eq!(prints.len(), issues.len());
}

#[test]
fn the_checker_rejects_what_gitlab_would() {
    let fx = Fixture::full();
    let mut bad = issues(&fx.report())[0].clone();
    bad["severity"] = Value::from("high");
    bad["location"]["path"] = Value::from("./Dockerfile");
    bad["fingerprint"] = Value::from("");
    assert_eq!(gitlab_problems(&bad).len(), 3);
}

#[test]
fn severities_use_all_five_gitlab_levels() {
    let mapped: Vec<&str> = Severity::ALL.iter().map(|&s| gitlab_severity(s)).collect();
    assert_eq!(mapped, ["blocker", "critical", "major", "minor", "info"]);
}

#[test]
fn fingerprints_match_sarif_and_survive_lines_added_above() {
    let fx = Fixture::full();
    let gl = issues(&fx.report());
    let sarif: Value =
        serde_json::from_str(&render_to_string(&fx.report(), Format::Sarif, plain())).unwrap();
    for (i, r) in gl
        .iter()
        .zip(sarif["runs"][0]["results"].as_array().unwrap())
    {
        assert_eq!(
            i["fingerprint"].as_str().unwrap(),
            format!(
                "stockade:{}",
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
            )
        );
    }

    let print_of = |text: &str| {
        let sources = SourceMap::new();
        let file = sources.add("Dockerfile", None, text.to_string());
        let at = text.find("USER").unwrap();
        let end = at + text[at..].find('\n').unwrap();
        let findings = vec![finding(
            "SKD101",
            Severity::High,
            Some(Span::new(file.id, at, end)),
            "root",
            "stage 0",
        )];
        let report = Report {
            findings: &findings,
            errors: &[],
            sources: &sources,
            rules: RULES,
            files_scanned: 1,
            tool_version: "0",
            fail_on: Severity::High,
        };
        issues(&report)[0]["fingerprint"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let a = print_of("FROM x\nUSER root\n");
    assert_eq!(a, print_of("FROM x\n# comment\n\nUSER root\n"));
    assert_ne!(a, print_of("FROM x\nUSER  root:root\n"));
}

#[test]
fn empty_report_is_an_empty_array() {
    let fx = Fixture::empty();
    let text = render_to_string(&fx.report(), Format::Gitlab, plain());
    assert_eq!(text.trim(), "[]");
}
