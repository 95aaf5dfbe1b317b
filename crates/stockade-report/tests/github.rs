//! GitHub Actions workflow commands.

mod common;

use common::*;
use stockade_core::{InputError, Severity, SourceMap};
use stockade_report::{Format, Report, github_escape_data, github_escape_property};

fn github(report: &Report) -> String {
    render_to_string(report, Format::Github, plain())
}

#[test]
fn one_command_per_finding_and_error() {
    let fx = Fixture::full();
    let out = github(&fx.report());
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines,
        vec![
            "::warning file=Dockerfile,line=2,endLine=3,title=SKD201%3A Remote script piped into a shell::a script downloaded with curl is piped into sh",
            "::error file=Dockerfile,line=11,col=1,endLine=11,endColumn=10,title=SKD101%3A Image runs as root::the final stage runs as root",
            "::error file=deploy/tabs.yaml,line=3,col=15,endLine=3,endColumn=19,title=SKD301%3A Privileged container::service `app` runs privileged",
            "::warning file=deploy/wide compose.yaml,line=3,col=27,endLine=3,endColumn=39,title=SKD302%3A Host network namespace::service `ウェブ` mentions the host network",
            "::warning title=SKD401%3A World-readable shadow file::/etc/shadow is readable by everyone (mode 0644) (image alpine:3.19, layer sha256:4abcf2066143, path /etc/shadow)",
            "::notice title=SKD501%3A Daemon advice::the daemon has no default ulimits (host)",
            "::error file=deploy/tabs.yaml,line=2,col=1,endLine=2,endColumn=6,title=stockade%3A input error::tabs are not allowed in YAML indentation",
            "::error file=missing.yaml,title=stockade%3A input error::cannot read: No such file or directory",
        ]
    );
    assert!(out.ends_with('\n'));
}

#[test]
fn hostile_values_cannot_break_out_of_the_command() {
    let sources = SourceMap::new();
    let f = sources.add("a,b:c%d\n.yaml", None, "x: 1\n".to_string());
    let findings = vec![finding(
        "SKD302",
        Severity::Low,
        Some(span_of(&f, "x", 0)),
        "50% done\r\n::stop-commands::token\n::error::forged",
        "",
    )];
    let errors = vec![InputError::new("e\nf", None, "bad\n::add-mask::x")];
    let report = Report {
        findings: &findings,
        errors: &errors,
        sources: &sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    };
    let out = github(&report);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert_eq!(
        lines[0],
        "::warning file=a%2Cb%3Ac%25d%0A.yaml,line=1,col=1,endLine=1,endColumn=2,\
title=SKD302%3A Host network namespace::50%25 done%0D%0A::stop-commands::token%0A::error::forged"
    );
    assert_eq!(
        lines[1],
        "::error file=e%0Af,title=stockade%3A input error::bad%0A::add-mask::x"
    );
    for line in lines {
        assert!(line.starts_with("::warning ") || line.starts_with("::error "));
    }
}

#[test]
fn escaping_functions() {
    assert_eq!(github_escape_data("a%b\rc\nd:e,f"), "a%25b%0Dc%0Ad:e,f");
    assert_eq!(
        github_escape_property("a%b\rc\nd:e,f"),
        "a%25b%0Dc%0Ad%3Ae%2Cf"
    );
    // Escaping is not applied twice.
    assert_eq!(github_escape_data("%25"), "%2525");
}

#[test]
fn severities_map_to_commands() {
    let sources = SourceMap::new();
    let f = sources.add("Dockerfile", None, "FROM x\n".to_string());
    let sp = Some(span_of(&f, "FROM", 0));
    let findings: Vec<_> = Severity::ALL
        .iter()
        .map(|&s| finding("SKD302", s, sp, "m", ""))
        .collect();
    let report = Report {
        findings: &findings,
        errors: &[],
        sources: &sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    };
    let commands: Vec<String> = github(&report)
        .lines()
        .map(|l| l[2..].split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        commands,
        vec!["error", "error", "warning", "warning", "notice"]
    );
    let empty = Fixture::empty();
    assert_eq!(github(&empty.report()), "");
}
