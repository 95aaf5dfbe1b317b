//! The JSON contract: every field, its type and its order.

mod common;

use common::*;
use serde_json::Value;
use stockade_core::{Severity, SourceMap, Span};
use stockade_report::{Format, Report};

fn json(report: &Report) -> (String, Value) {
    let text = render_to_string(report, Format::Json, plain());
    let v: Value = serde_json::from_str(&text).expect("valid JSON");
    (text, v)
}

/// Keys of a JSON object in document order, read from the text (the parsed
/// `Value` sorts them).
fn key_order(text: &str, object_start: &str) -> Vec<String> {
    let start = text.find(object_start).expect("object");
    let mut depth = 0i32;
    let mut keys = Vec::new();
    let bytes: Vec<char> = text[start..].chars().collect();
    let mut i = 0;
    let mut in_str = false;
    let mut cur = String::new();
    let mut str_start_depth = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if in_str {
            if c == '\\' {
                i += 2;
                continue;
            }
            if c == '"' {
                in_str = false;
                // A key is a string at depth 1 followed by ':'.
                let mut j = i + 1;
                while j < bytes.len() && bytes[j] == ' ' {
                    j += 1;
                }
                if str_start_depth == 1 && j < bytes.len() && bytes[j] == ':' {
                    keys.push(cur.clone());
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' {
            in_str = true;
            cur.clear();
            str_start_depth = depth;
        } else if c == '{' || c == '[' {
            depth += 1;
        } else if c == '}' || c == ']' {
            depth -= 1;
            if depth == 0 {
                break;
            }
        }
        i += 1;
    }
    keys
}

#[test]
fn top_level_and_tool() {
    let fx = Fixture::full();
    let (text, v) = json(&fx.report());
    assert_eq!(
        key_order(&text, "{"),
        vec!["tool", "findings", "errors", "summary"]
    );
    assert_eq!(v["tool"]["name"], "stockade");
    assert_eq!(v["tool"]["version"], "0.1.0");
    assert!(
        text.starts_with("{\n  \"tool\": {\n    \"name\""),
        "2-space indent"
    );
    assert!(text.ends_with("}\n"));
}

#[test]
fn source_finding_has_every_field() {
    let fx = Fixture::full();
    let (text, v) = json(&fx.report());
    let f = &v["findings"][1];
    assert_eq!(f["rule"], "SKD101");
    assert_eq!(f["category"], "root-user");
    assert_eq!(f["severity"], "high");
    assert_eq!(f["title"], "Image runs as root");
    assert_eq!(f["message"], "the final stage runs as root");
    assert_eq!(f["subject"], "stage 0");
    assert_eq!(f["aliases"], serde_json::json!(["DL3002", "DS-0002"]));
    let loc = &f["location"];
    assert_eq!(loc["path"], "./Dockerfile", "path as scanned");
    assert_eq!(loc["line"], 11);
    assert_eq!(loc["column"], 1);
    assert_eq!(loc["end_line"], 11);
    assert_eq!(loc["end_column"], 10);
    assert_eq!(loc.as_object().unwrap().len(), 5);
    assert_eq!(f.as_object().unwrap().len(), 8);
    // Field order inside a finding and its location.
    let first = text.find("\"findings\"").unwrap();
    assert_eq!(
        key_order(&text[first..], "{"),
        vec![
            "rule", "category", "severity", "title", "message", "location", "subject", "aliases"
        ]
    );
    assert_eq!(
        key_order(&text[first..], "\"location\": {")[..],
        ["path", "line", "column", "end_line", "end_column"]
    );
}

#[test]
fn findings_keep_their_order() {
    let fx = Fixture::full();
    let (_, v) = json(&fx.report());
    let rules: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        vec!["SKD201", "SKD101", "SKD301", "SKD302", "SKD401", "SKD501"]
    );
}

#[test]
fn multi_line_and_unicode_columns() {
    let fx = Fixture::full();
    let (_, v) = json(&fx.report());
    let run = &v["findings"][0]["location"];
    assert_eq!(
        (run["line"].as_u64(), run["column"].as_u64()),
        (Some(2), Some(24))
    );
    assert_eq!(run["end_line"], 3);
    // Line 3 is 53 chars long; the end column is the one after the span.
    assert_eq!(run["end_column"], 54);
    // Columns count Unicode scalar values, not bytes or display cells.
    let wide = &v["findings"][3]["location"];
    assert_eq!(wide["path"], "deploy/wide compose.yaml");
    assert_eq!(wide["column"], 27);
    assert_eq!(wide["end_column"], 39);
    assert_eq!(v["findings"][3]["subject"], "ウェブ");
}

#[test]
fn locator_findings_carry_locator_fields() {
    let fx = Fixture::full();
    let (_, v) = json(&fx.report());
    let loc = &v["findings"][4]["location"];
    assert_eq!(
        *loc,
        serde_json::json!({
            "image": "alpine:3.19",
            "layer": "sha256:4abcf2066143",
            "path": "/etc/shadow"
        })
    );
    assert!(loc.get("line").is_none());
    // Neither span nor locator: an empty location object.
    assert_eq!(v["findings"][5]["location"], serde_json::json!({}));
    assert_eq!(v["findings"][5]["aliases"], serde_json::json!([]));
}

#[test]
fn errors_with_and_without_position() {
    let fx = Fixture::full();
    let (_, v) = json(&fx.report());
    assert_eq!(
        v["errors"],
        serde_json::json!([
            {"path": "deploy/tabs.yaml", "line": 2, "column": 1,
             "message": "tabs are not allowed in YAML indentation"},
            {"path": "missing.yaml", "message": "cannot read: No such file or directory"}
        ])
    );
}

#[test]
fn summary_counts_every_severity() {
    let fx = Fixture::full();
    let (text, v) = json(&fx.report());
    assert_eq!(
        v["summary"],
        serde_json::json!({
            "files": 4,
            "findings": 6,
            "by_severity": {"critical": 1, "high": 1, "medium": 1, "low": 2, "info": 1}
        })
    );
    assert_eq!(
        key_order(&text, "\"by_severity\": {"),
        vec!["critical", "high", "medium", "low", "info"]
    );
    let empty = Fixture::empty();
    let (_, v) = json(&empty.report());
    assert_eq!(v["findings"], serde_json::json!([]));
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["summary"]["by_severity"]["critical"], 0);
    assert_eq!(v["summary"]["findings"], 0);
}

#[test]
fn control_characters_are_escaped() {
    let sources = SourceMap::new();
    let f = sources.add("a\u{1}b", None, "x\n".to_string());
    let findings = vec![finding(
        "SKD302",
        Severity::Low,
        Some(Span::new(f.id, 0, 1)),
        "line\nbreak \u{1b}[31m \"quoted\" \u{7f} é",
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
    let (text, v) = json(&report);
    assert!(
        text.contains(r#"line\nbreak \u001b[31m \"quoted\""#),
        "{text}"
    );
    assert!(text.contains(r#""path": "a\u0001b""#));
    assert!(!text.chars().any(|c| c < ' ' && c != '\n'));
    assert_eq!(
        v["findings"][0]["message"],
        "line\nbreak \u{1b}[31m \"quoted\" \u{7f} é"
    );
}
