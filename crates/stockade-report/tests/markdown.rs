//! Markdown for pull-request comments.

mod common;

use common::*;
use stockade_core::{Severity, SourceMap};
use stockade_report::{Format, Report};

fn markdown(report: &Report) -> String {
    render_to_string(report, Format::Markdown, plain())
}

const FULL: &str = "\
### stockade: 6 findings in 4 files, 2 input errors

| critical | high | medium | low | info |
|---:|---:|---:|---:|---:|
| 1 | 1 | 1 | 2 | 1 |

**Failing:** 2 findings at or above `high`.

| severity | rule | location | finding |
|---|---|---|---|
| medium | `SKD201` | `./Dockerfile:2` | a script downloaded with curl is piped into sh |
| **high** | `SKD101` | `./Dockerfile:11` | the final stage runs as root |
| **critical** | `SKD301` | `deploy/tabs.yaml:3` | service \\`app\\` runs privileged |
| low | `SKD302` | `deploy/wide compose.yaml:3` | service \\`ウェブ\\` mentions the host network |
| low | `SKD401` | `image alpine:3.19, layer sha256:4abcf2066143, path /etc/shadow` | /etc/shadow is readable by everyone (mode 0644) |
| info | `SKD501` | `host` | the daemon has no default ulimits |

**2 input errors**

- `deploy/tabs.yaml:2`: tabs are not allowed in YAML indentation
- `missing.yaml`: cannot read: No such file or directory

";

#[test]
fn full_report() {
    let fx = Fixture::full();
    let out = markdown(&fx.report());
    assert_eq!(out, FULL, "actual:\n{out}");
}

#[test]
fn no_findings_is_one_line() {
    let fx = Fixture {
        files: 3,
        ..Fixture::empty()
    };
    assert_eq!(
        markdown(&fx.report()),
        "### stockade: no findings in 3 files\n\n"
    );
}

#[test]
fn nothing_failing_and_row_cap() {
    let sources = SourceMap::new();
    let f = sources.add("Dockerfile", None, "FROM x\n".to_string());
    let findings: Vec<_> = (0..60)
        .map(|i| {
            finding(
                "SKD302",
                Severity::Low,
                Some(span_of(&f, "FROM", 0)),
                &format!("m{i} | @team <b>"),
                "",
            )
        })
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
    let out = markdown(&report);
    assert!(out.contains("Nothing at or above `high`."));
    assert!(!out.contains("**Failing:**"));
    let rows = out.lines().filter(|l| l.starts_with("| low |")).count();
    assert_eq!(rows, 50);
    assert!(out.contains("…and 10 more findings (see the full report)."));
    // Cells cannot be split, mention people, or carry HTML.
    assert!(out.contains("| m0 \\| @\u{200b}team \\<b\\> |"), "{out}");
    for row in out.lines().filter(|l| l.starts_with("| low |")) {
        let unescaped_pipes = row
            .match_indices('|')
            .filter(|(i, _)| *i == 0 || &row[i - 1..*i] != "\\")
            .count();
        assert_eq!(unescaped_pipes, 5, "{row}");
    }
}
