//! Snapshot and property tests of the human renderer.

mod common;

use common::*;
use stockade_core::{Finding, InputError, Severity, SourceMap, Span};
use stockade_report::{Format, HumanOptions, Report};

const FULL: &str = r#"medium[SKD201]: a script downloaded with curl is piped into sh
 --> ./Dockerfile:2:24
  |
2 | RUN apk add --no-cache curl \
  |                        ^^^^^^ (continues to line 3)
  |
  = rule: Remote script piped into a shell (also DS-0029)
  = subject: stage 0
  = help: run `stockade rules SKD201` for details

high[SKD101]: the final stage runs as root
  --> ./Dockerfile:11:1
   |
11 | USER root
   | ^^^^^^^^^
   |
   = rule: Image runs as root (also DL3002, DS-0002)
   = subject: stage 0
   = fix: add a USER instruction with a non-root user
   = help: run `stockade rules SKD101` for details

critical[SKD301]: service `app` runs privileged
 --> deploy/tabs.yaml:3:15
  |
3 |         privileged: true
  |                     ^^^^
  |
  = rule: Privileged container
  = subject: app
  = fix: remove `privileged: true`
  = help: run `stockade rules SKD301` for details

low[SKD302]: service `ウェブ` mentions the host network
 --> deploy/wide compose.yaml:3:27
  |
3 |     labels: {名前: "漢字"}  # network_mode: host
  |                               ^^^^^^^^^^^^
  |
  = rule: Host network namespace
  = subject: ウェブ
  = help: run `stockade rules SKD302` for details

low[SKD401]: /etc/shadow is readable by everyone (mode 0644)
 --> image alpine:3.19, layer sha256:4abcf2066143, path /etc/shadow
  |
  = rule: World-readable shadow file
  = help: run `stockade rules SKD401` for details

info[SKD501]: the daemon has no default ulimits
 --> host
  |
  = rule: Daemon advice
  = help: run `stockade rules SKD501` for details

error: deploy/tabs.yaml:2:1: tabs are not allowed in YAML indentation
  |
2 |     app:
  | ^^^^^^^^

error: missing.yaml: cannot read: No such file or directory

6 findings (1 critical, 1 high, 1 medium, 2 low, 1 info) in 4 files; 2 input errors
2 findings at or above the fail-on severity (high)
"#;

fn human(report: &Report, opts: HumanOptions) -> String {
    render_to_string(report, Format::Human, opts)
}

/// Display width of `s` counting wide characters twice (enough for tests).
fn width(s: &str) -> usize {
    s.chars()
        .map(|c| {
            if ('\u{3000}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ffef}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum()
}

/// The text shown above the carets: the display columns the `^` run covers
/// on the preceding source line.
fn underlined(out: &str, source_line_prefix: &str) -> String {
    let lines: Vec<&str> = out.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.starts_with(source_line_prefix))
        .expect("source line");
    let src = lines[i];
    let carets = lines[i + 1];
    let start = carets.find('^').expect("carets");
    let len = carets[start..].chars().take_while(|&c| c == '^').count();
    // Walk the source line by display columns.
    let mut col = 0;
    let mut picked = String::new();
    for c in src.chars() {
        let w = width(&c.to_string());
        if col >= start && col < start + len {
            picked.push(c);
        }
        col += w;
    }
    picked
}

#[test]
fn full_report_snapshot_plain() {
    let fx = Fixture::full();
    let out = human(&fx.report(), plain());
    assert_eq!(out, FULL, "actual:\n{out}");
    assert!(!out.contains('\u{1b}'), "no ANSI codes without colour");
}

#[test]
fn carets_sit_under_the_span_with_tabs_and_wide_characters() {
    let fx = Fixture::full();
    let out = human(&fx.report(), plain());
    assert_eq!(underlined(&out, "11 | "), "USER root");
    assert_eq!(underlined(&out, "3 |         privileged"), "true");
    assert_eq!(underlined(&out, "3 |     labels"), "network_mode");
    assert_eq!(underlined(&out, "2 | RUN apk"), "curl \\");
}

#[test]
fn colour_wraps_severity_gutter_and_carets() {
    let fx = Fixture::full();
    let out = human(
        &fx.report(),
        HumanOptions {
            color: true,
            width: Some(100),
        },
    );
    assert!(out.contains("\x1b[1;35mcritical[SKD301]\x1b[0m"), "{out}");
    assert!(out.contains("\x1b[1;31mhigh[SKD101]\x1b[0m"));
    assert!(out.contains("\x1b[1;33mmedium[SKD201]\x1b[0m"));
    assert!(out.contains("\x1b[1;94m11\x1b[0m \x1b[1;94m|\x1b[0m USER root"));
    assert!(out.contains("\x1b[1;31m^^^^^^^^^\x1b[0m"));
    assert!(out.contains("\x1b[1;31merror\x1b[0m"));
    // Stripping the codes gives back the plain output.
    let mut stripped = String::new();
    let mut rest = out.as_str();
    while let Some(i) = rest.find('\x1b') {
        stripped.push_str(&rest[..i]);
        let end = rest[i..].find('m').expect("SGR end");
        rest = &rest[i + end + 1..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, FULL);
}

#[test]
fn no_findings_summary() {
    let fx = Fixture {
        files: 7,
        ..Fixture::empty()
    };
    assert_eq!(human(&fx.report(), plain()), "No findings in 7 files.\n");
    let fx = Fixture {
        files: 1,
        errors: vec![InputError::new("x", None, "bad")],
        ..Fixture::empty()
    };
    assert_eq!(
        human(&fx.report(), plain()),
        "error: x: bad\n\nNo findings in 1 file; 1 input error.\n"
    );
}

#[test]
fn summary_is_singular_and_reports_nothing_failing() {
    let sources = SourceMap::new();
    let f = sources.add("Dockerfile", None, "FROM x\n".to_string());
    let findings = vec![finding(
        "SKD302",
        Severity::Low,
        Some(span_of(&f, "FROM", 0)),
        "m",
        "",
    )];
    let report = Report {
        findings: &findings,
        errors: &[],
        sources: &sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    };
    let out = human(&report, plain());
    assert!(
        out.ends_with(
            "1 finding (1 low) in 1 file\nnone at or above the fail-on severity (high)\n"
        ),
        "{out}"
    );
    // An empty subject prints no subject line.
    assert!(!out.contains("subject:"));
}

#[test]
fn long_lines_are_cut_to_the_terminal_width() {
    let sources = SourceMap::new();
    let text = format!("RUN {} --privileged {}\n", "x".repeat(300), "y".repeat(300));
    let f = sources.add("Dockerfile", None, text);
    let findings = vec![finding(
        "SKD301",
        Severity::Critical,
        Some(span_of(&f, "--privileged", 0)),
        "privileged",
        "",
    )];
    let report = Report {
        findings: &findings,
        errors: &[],
        sources: &sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    };
    let out = human(
        &report,
        HumanOptions {
            color: false,
            width: Some(60),
        },
    );
    let src = out.lines().find(|l| l.starts_with("1 | ")).unwrap();
    assert!(src.len() <= 60, "{src}");
    assert!(src.starts_with("1 | ...") && src.ends_with("..."), "{src}");
    assert_eq!(underlined(&out, "1 | "), "--privileged");
    // Unknown width falls back to 120 columns.
    let out = human(&report, HumanOptions::default());
    let src = out.lines().find(|l| l.starts_with("1 | ")).unwrap();
    assert!(src.len() <= 120 && src.len() > 100, "{src}");
}

#[test]
fn hostile_text_cannot_reach_the_terminal() {
    let sources = SourceMap::new();
    let f = sources.add(
        "evil\u{1b}]0;title\u{7}.yaml",
        None,
        "image: \u{1b}[2Jx\u{202e}y\n".to_string(),
    );
    let mut bad = finding(
        "SKD302",
        Severity::Low,
        Some(Span::new(f.id, 0, 5)),
        "name \u{1b}[31mred\u{1b}[0m\nsecond line",
        "svc\u{9b}",
    );
    bad.aliases = &[];
    let findings = vec![bad];
    let errors = vec![InputError::new("e\u{1b}", None, "oops\u{1b}[1A")];
    let report = Report {
        findings: &findings,
        errors: &errors,
        sources: &sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    };
    let out = human(&report, plain());
    assert!(!out.contains('\u{1b}'), "{out:?}");
    assert!(!out.contains('\u{7}'));
    assert!(!out.contains('\u{9b}'));
    assert!(!out.contains('\u{202e}'));
    assert!(out.contains("name \u{241b}[31mred\u{241b}[0m\u{240a}second line"));
    // The header is still one line.
    assert!(out.starts_with("low[SKD302]: name"));
    assert_eq!(
        out.lines().nth(1).unwrap().trim_start().get(..3),
        Some("-->")
    );
}

#[test]
fn findings_are_grouped_by_file_keeping_order() {
    let sources = SourceMap::new();
    let a = sources.add("a", None, "one\ntwo\n".to_string());
    let b = sources.add("b", None, "three\n".to_string());
    let mk = |span, msg: &str| finding("SKD302", Severity::Low, Some(span), msg, "");
    // Unsorted on purpose: a, b, a.
    let findings: Vec<Finding> = vec![
        mk(span_of(&a, "one", 0), "first a"),
        mk(span_of(&b, "three", 0), "only b"),
        mk(span_of(&a, "two", 0), "second a"),
    ];
    let report = Report {
        findings: &findings,
        errors: &[],
        sources: &sources,
        rules: RULES,
        files_scanned: 2,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    };
    let out = human(&report, plain());
    let order: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("low["))
        .map(|l| l.rsplit(": ").next().unwrap())
        .collect();
    assert_eq!(order, vec!["first a", "second a", "only b"]);
}

#[test]
fn broken_spans_do_not_panic() {
    let sources = SourceMap::new();
    let f = sources.add("x", None, "é\n".to_string());
    let findings = vec![
        finding(
            "SKD302",
            Severity::Low,
            Some(Span::new(f.id, 1, 1)),
            "inside a char",
            "",
        ),
        finding(
            "SKD302",
            Severity::Low,
            Some(Span::new(f.id, 50, 90)),
            "past the end",
            "",
        ),
        finding(
            "SKD302",
            Severity::Low,
            Some(Span::new(stockade_core::FileId(9), 0, 1)),
            "unknown file",
            "subj",
        ),
    ];
    let report = Report {
        findings: &findings,
        errors: &[],
        sources: &sources,
        rules: &[],
        files_scanned: 1,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    };
    let out = human(&report, plain());
    assert!(out.contains(" --> x:1:1"), "{out}");
    assert!(out.contains(" --> x:2:1"), "{out}");
    // A span into an unknown file falls back to the subject.
    assert!(out.contains(" --> subj"), "{out}");
    // Without rule metadata the finding's own title is used.
    assert!(out.contains("= rule: Host network namespace"));
}
