//! SARIF output: valid against the official 2.1.0 schema (vendored in
//! tests/data with one broken regex fixed) and carrying what GitHub code
//! scanning reads.

mod common;

use std::sync::OnceLock;

use common::*;
use serde_json::Value;
use stockade_core::{Finding, Severity, SourceMap, Span};
use stockade_report::{Format, Report};

fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let text = include_str!("data/sarif-schema-2.1.0.json");
        let schema: Value = serde_json::from_str(text).expect("schema parses");
        jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("schema compiles")
    })
}

fn schema_errors(doc: &Value) -> Vec<String> {
    validator()
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Renders, parses and validates; panics with the schema errors if invalid.
fn sarif(report: &Report) -> Value {
    let text = render_to_string(report, Format::Sarif, plain());
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "schema errors: {errors:#?}\n{text}");
    doc
}

fn report_of<'a>(sources: &'a SourceMap, findings: &'a [Finding]) -> Report<'a> {
    Report {
        findings,
        errors: &[],
        sources,
        rules: RULES,
        files_scanned: 1,
        tool_version: "0.1.0",
        fail_on: Severity::High,
    }
}

#[test]
fn the_validator_rejects_what_it_should() {
    let fx = Fixture::full();
    let mut doc = sarif(&fx.report());
    doc["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!schema_errors(&doc).is_empty());
    let mut doc = sarif(&fx.report());
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        Value::from(0);
    assert!(!schema_errors(&doc).is_empty());
    let mut doc = sarif(&fx.report());
    doc.as_object_mut().unwrap().remove("version");
    assert!(!schema_errors(&doc).is_empty());
    // Formats are checked too.
    let mut doc = sarif(&fx.report());
    doc["runs"][0]["tool"]["driver"]["informationUri"] = Value::from("not a uri");
    assert!(!schema_errors(&doc).is_empty());
}

#[test]
fn empty_and_error_only_reports_are_valid() {
    let empty = Fixture::empty();
    let doc = sarif(&empty.report());
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    assert_eq!(
        doc["runs"][0]["invocations"][0]["toolExecutionNotifications"],
        serde_json::json!([])
    );
    // Every rule is listed even without results.
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        RULES.len()
    );
    let fx = Fixture::full();
    let errors_only = Report {
        findings: &[],
        ..fx.report()
    };
    let doc = sarif(&errors_only);
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        false
    );
}

#[test]
fn log_and_driver() {
    let fx = Fixture::full();
    let doc = sarif(&fx.report());
    assert_eq!(
        doc["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "stockade");
    assert_eq!(driver["version"], "0.1.0");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
}

#[test]
fn rules_carry_what_github_reads() {
    let fx = Fixture::full();
    let doc = sarif(&fx.report());
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        vec!["SKD101", "SKD201", "SKD301", "SKD302", "SKD401", "SKD501"]
    );
    for (rule, info) in rules.iter().zip(RULES) {
        for key in ["name", "shortDescription", "fullDescription", "help"] {
            assert!(rule.get(key).is_some(), "{} lacks {key}", info.id);
        }
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        assert!(!rule["fullDescription"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["help"]["text"].as_str().unwrap().is_empty());
        assert!(!rule["help"]["markdown"].as_str().unwrap().is_empty());
        assert!(rule["name"].as_str().unwrap().len() <= 255);
        let props = &rule["properties"];
        assert_eq!(
            props["tags"],
            serde_json::json!([info.category.as_str(), "security"])
        );
        assert_eq!(props["precision"], "high");
        let score: f64 = props["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let expected_bucket = match info.severity {
            Severity::Critical => score > 9.0,
            Severity::High => (7.0..9.0).contains(&score),
            Severity::Medium => (4.0..7.0).contains(&score),
            Severity::Low => (0.1..4.0).contains(&score),
            Severity::Info => score == 0.0,
        };
        assert!(expected_bucket, "{} scored {score}", info.id);
    }
    let root = &rules[0];
    assert_eq!(root["name"], "ImageRunsAsRoot");
    assert_eq!(root["shortDescription"]["text"], "Image runs as root");
    assert_eq!(
        root["fullDescription"]["text"],
        "The final stage's user is root, so a process that escapes the application owns the container."
    );
    assert_eq!(root["defaultConfiguration"]["level"], "error");
    let md = root["help"]["markdown"].as_str().unwrap();
    assert!(md.starts_with("# Image runs as root"));
    assert!(md.contains("**Fix:** add a USER instruction"));
    assert!(md.contains("DL3002, DS-0002"));
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
    assert_eq!(rules[4]["defaultConfiguration"]["level"], "note");
    // A rule without a doc falls back to its title.
    assert_eq!(
        rules[3]["fullDescription"]["text"],
        "Host network namespace"
    );
    assert_eq!(rules[3]["help"]["text"], "Host network namespace");
}

#[test]
fn results_point_at_the_source() {
    let fx = Fixture::full();
    let doc = sarif(&fx.report());
    let run = &doc["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    for r in results {
        let idx = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], r["ruleId"], "ruleIndex matches ruleId");
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        assert!(
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .is_some()
        );
    }
    let root = &results[1];
    assert_eq!(root["ruleId"], "SKD101");
    assert_eq!(root["level"], "error");
    assert_eq!(root["message"]["text"], "the final stage runs as root");
    let phys = &root["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "Dockerfile", "./ stripped");
    assert_eq!(phys["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(
        phys["region"],
        serde_json::json!({"startLine": 11, "startColumn": 1, "endLine": 11, "endColumn": 10})
    );
    assert_eq!(results[0]["level"], "warning");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["region"]["endLine"],
        3
    );
    assert_eq!(results[2]["level"], "error", "critical is an error");
    assert_eq!(results[3]["level"], "note", "low is a note");
    // Spaces in paths are percent-encoded; columns are code points.
    let wide = &results[3]["locations"][0]["physicalLocation"];
    assert_eq!(
        wide["artifactLocation"]["uri"],
        "deploy/wide%20compose.yaml"
    );
    assert_eq!(wide["region"]["startColumn"], 27);
}

#[test]
fn findings_without_source_use_logical_locations() {
    let fx = Fixture::full();
    let doc = sarif(&fx.report());
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let image = &results[4]["locations"][0];
    // GitHub rejects a result without an artifact URI, so the image
    // finding names a pseudo-artifact, line 1, besides its logical location.
    assert_eq!(
        image["physicalLocation"]["artifactLocation"]["uri"],
        "image/alpine%3A3.19/etc/shadow"
    );
    assert_eq!(
        image["physicalLocation"]["region"],
        serde_json::json!({"startLine": 1})
    );
    assert_eq!(image["logicalLocations"][0]["name"], "alpine:3.19");
    assert_eq!(image["logicalLocations"][0]["kind"], "resource");
    assert_eq!(
        image["logicalLocations"][0]["fullyQualifiedName"],
        "alpine:3.19 > sha256:4abcf2066143 > /etc/shadow"
    );
    assert_eq!(
        image["message"]["text"],
        "image alpine:3.19, layer sha256:4abcf2066143, path /etc/shadow"
    );
    let bare = &results[5]["locations"][0];
    assert_eq!(bare["logicalLocations"][0]["name"], "host");
    assert_eq!(
        bare["physicalLocation"]["artifactLocation"]["uri"],
        "subject/host"
    );
    assert_eq!(results[5]["level"], "note");
}

/// What GitHub code scanning documents as required or limited in an
/// uploaded SARIF file ("SARIF support for code scanning"), plus the
/// checks of the SARIF validator's GitHub ingestion rules (GH1001: every
/// result location has `physicalLocation.artifactLocation.uri`; GH1003:
/// a region has `startLine`; GH1005: URIs are relative or `file:`).
/// Returns the problems found.
fn github_problems(doc: &Value) -> Vec<String> {
    let mut p = Vec::new();
    if doc["version"] != "2.1.0" {
        p.push("version must be 2.1.0".into());
    }
    let runs = doc["runs"].as_array().cloned().unwrap_or_default();
    if runs.is_empty() || runs.len() > 20 {
        p.push(format!("{} runs (1 to 20 allowed)", runs.len()));
    }
    for (ri, run) in runs.iter().enumerate() {
        let driver = &run["tool"]["driver"];
        if driver["name"].as_str().is_none_or(str::is_empty) {
            p.push(format!("run {ri}: tool.driver.name missing"));
        }
        let rules = driver["rules"].as_array().cloned().unwrap_or_default();
        if rules.len() > 25_000 {
            p.push(format!("run {ri}: {} rules (25,000 allowed)", rules.len()));
        }
        let mut ids = std::collections::HashSet::new();
        for rule in &rules {
            let id = rule["id"].as_str().unwrap_or("");
            if id.is_empty() || !ids.insert(id.to_string()) {
                p.push(format!("rule id {id:?} missing or duplicated"));
            }
            for key in ["shortDescription", "fullDescription", "help"] {
                if rule[key]["text"].as_str().is_none_or(str::is_empty) {
                    p.push(format!("rule {id}: {key}.text missing"));
                }
            }
            match rule["properties"]["security-severity"].as_str() {
                Some(s) if s.parse::<f64>().is_ok_and(|v| (0.0..=10.0).contains(&v)) => {}
                other => p.push(format!("rule {id}: security-severity {other:?}")),
            }
            let tags = rule["properties"]["tags"].as_array().map_or(0, Vec::len);
            if tags > 20 {
                p.push(format!("rule {id}: {tags} tags (20 allowed)"));
            }
        }
        let results = run["results"].as_array().cloned().unwrap_or_default();
        if results.len() > 25_000 {
            p.push(format!(
                "run {ri}: {} results (25,000 allowed)",
                results.len()
            ));
        }
        for (i, r) in results.iter().enumerate() {
            let rule_id = r["ruleId"].as_str().unwrap_or("");
            if !ids.contains(rule_id) {
                p.push(format!(
                    "result {i}: ruleId {rule_id:?} not among the rules"
                ));
            }
            if let Some(index) = r["ruleIndex"].as_u64()
                && rules.get(index as usize).and_then(|x| x["id"].as_str()) != Some(rule_id)
            {
                p.push(format!("result {i}: ruleIndex {index} is not {rule_id}"));
            }
            if r["message"]["text"].as_str().is_none_or(str::is_empty) {
                p.push(format!("result {i}: message.text missing"));
            }
            if !matches!(
                r["level"].as_str(),
                None | Some("error" | "warning" | "note" | "none")
            ) {
                p.push(format!("result {i}: level {}", r["level"]));
            }
            if r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .is_none_or(str::is_empty)
            {
                p.push(format!(
                    "result {i}: partialFingerprints.primaryLocationLineHash missing"
                ));
            }
            let locations = r["locations"].as_array().cloned().unwrap_or_default();
            if locations.is_empty() || locations.len() > 10 {
                p.push(format!(
                    "result {i}: {} locations (1 to 10)",
                    locations.len()
                ));
            }
            for loc in &locations {
                let phys = &loc["physicalLocation"];
                match phys["artifactLocation"]["uri"].as_str() {
                    Some(uri) if !uri.is_empty() => {
                        let scheme = uri
                            .split_once(':')
                            .map(|(s, _)| s)
                            .filter(|s| !s.contains('/'));
                        if scheme.is_some_and(|s| s != "file") {
                            p.push(format!(
                                "result {i}: uri {uri:?} is neither relative nor file:"
                            ));
                        }
                    }
                    _ => p.push(format!(
                        "result {i}: physicalLocation.artifactLocation.uri missing"
                    )),
                }
                if phys.get("region").is_some()
                    && phys["region"]["startLine"].as_u64().is_none_or(|n| n < 1)
                {
                    p.push(format!("result {i}: region without startLine"));
                }
            }
        }
    }
    p
}

#[test]
fn github_ingestion_requirements_hold() {
    let fx = Fixture::full();
    let doc = sarif(&fx.report());
    let problems = github_problems(&doc);
    assert!(problems.is_empty(), "{problems:#?}");
    let doc = sarif(&Fixture::empty().report());
    assert!(github_problems(&doc).is_empty());
}

#[test]
fn the_github_checker_rejects_what_github_would() {
    let fx = Fixture::full();
    let good = sarif(&fx.report());
    let doctored = |f: &dyn Fn(&mut Value)| {
        let mut d = good.clone();
        f(&mut d);
        github_problems(&d)
    };
    let p = doctored(&|d| {
        d["runs"][0]["results"][0]
            .as_object_mut()
            .unwrap()
            .remove("partialFingerprints");
    });
    assert!(p.iter().any(|m| m.contains("partialFingerprints")), "{p:?}");
    let p = doctored(&|d| {
        d["runs"][0]["tool"]["driver"]["rules"][0]["properties"]
            .as_object_mut()
            .unwrap()
            .remove("security-severity");
    });
    assert!(p.iter().any(|m| m.contains("security-severity")), "{p:?}");
    let p = doctored(&|d| {
        d["runs"][0]["tool"]["driver"]["rules"][0]["properties"]["security-severity"] =
            Value::from("high");
    });
    assert!(p.iter().any(|m| m.contains("security-severity")), "{p:?}");
    let p = doctored(&|d| {
        d["runs"][0]["results"][4]["locations"][0]
            .as_object_mut()
            .unwrap()
            .remove("physicalLocation");
    });
    assert!(
        p.iter().any(|m| m.contains("artifactLocation.uri")),
        "{p:?}"
    );
    let p = doctored(&|d| {
        d["runs"][0]["results"][0]["ruleId"] = Value::from("SKD999");
    });
    assert!(p.iter().any(|m| m.contains("not among the rules")), "{p:?}");
    let p = doctored(&|d| {
        d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
            Value::from("https://example.com/Dockerfile");
    });
    assert!(p.iter().any(|m| m.contains("neither relative")), "{p:?}");
}

#[test]
fn input_errors_become_notifications() {
    let fx = Fixture::full();
    let doc = sarif(&fx.report());
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let notes = inv["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(
        notes[0]["message"]["text"],
        "tabs are not allowed in YAML indentation"
    );
    let phys = &notes[0]["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "deploy/tabs.yaml");
    assert_eq!(phys["region"]["startLine"], 2);
    let phys = &notes[1]["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "missing.yaml");
    assert!(phys.get("region").is_none());
}

fn fingerprints(doc: &Value) -> Vec<String> {
    doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["partialFingerprints"]["primaryLocationLineHash"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn fingerprints_survive_lines_added_above() {
    let render_with_prefix = |prefix: &str| {
        let sources = SourceMap::new();
        let text = format!("{prefix}FROM alpine\nUSER root\n");
        let f = sources.add("Dockerfile", None, text);
        let findings = vec![finding(
            "SKD101",
            Severity::High,
            Some(span_of(&f, "USER root", 0)),
            "root",
            "",
        )];
        fingerprints(&sarif(&report_of(&sources, &findings)))
    };
    let before = render_with_prefix("");
    let after = render_with_prefix("# a comment\nARG X=1\n\n");
    assert_eq!(before, after);
    assert!(before[0].ends_with(":1"));
    // Whitespace changes on the line do not matter either.
    assert_eq!(render_with_prefix("   "), before);
}

#[test]
fn fingerprints_tell_findings_apart() {
    let sources = SourceMap::new();
    let f = sources.add(
        "compose.yaml",
        None,
        "a: true\nb: true\nprivileged: true\nprivileged: true\n".to_string(),
    );
    let g = sources.add("other.yaml", None, "privileged: true\n".to_string());
    let findings = vec![
        finding(
            "SKD301",
            Severity::Critical,
            Some(span_of(&f, "privileged: true", 0)),
            "x",
            "",
        ),
        finding(
            "SKD301",
            Severity::Critical,
            Some(span_of(&f, "privileged: true", 1)),
            "x",
            "",
        ),
        finding(
            "SKD302",
            Severity::Low,
            Some(span_of(&f, "privileged: true", 0)),
            "x",
            "",
        ),
        finding(
            "SKD301",
            Severity::Critical,
            Some(span_of(&g, "privileged: true", 0)),
            "x",
            "",
        ),
        finding(
            "SKD301",
            Severity::Critical,
            Some(span_of(&f, "a: true", 0)),
            "x",
            "",
        ),
    ];
    let fps = fingerprints(&sarif(&report_of(&sources, &findings)));
    let hash = |s: &String| s.split(':').next().unwrap().to_string();
    // Same rule, same line text, same file: same hash, occurrence 1 and 2.
    assert_eq!(hash(&fps[0]), hash(&fps[1]));
    assert!(fps[0].ends_with(":1") && fps[1].ends_with(":2"));
    // Another rule, another file, another line: another hash.
    assert_ne!(hash(&fps[0]), hash(&fps[2]));
    assert_ne!(hash(&fps[0]), hash(&fps[3]));
    assert_ne!(hash(&fps[0]), hash(&fps[4]));
    let unique: std::collections::HashSet<&String> = fps.iter().collect();
    assert_eq!(unique.len(), fps.len());
    for fp in &fps {
        let (h, n) = fp.split_once(':').unwrap();
        assert_eq!(h.len(), 16);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(n.parse::<u32>().unwrap() >= 1);
    }
}

#[test]
fn unknown_rules_get_a_descriptor_from_the_finding() {
    let sources = SourceMap::new();
    let f = sources.add("Dockerfile", None, "FROM x\n".to_string());
    let mut odd = finding(
        "SKD302",
        Severity::Medium,
        Some(span_of(&f, "FROM", 0)),
        "m",
        "",
    );
    odd.rule = "SKD999";
    odd.title = "Something new";
    let findings = vec![odd];
    let report = Report {
        rules: &RULES[..1],
        ..report_of(&sources, &findings)
    };
    let doc = sarif(&report);
    let rules = doc["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    assert_eq!(rules.len(), 2);
    assert_eq!(rules[1]["id"], "SKD999");
    assert_eq!(rules[1]["shortDescription"]["text"], "Something new");
    assert_eq!(rules[1]["defaultConfiguration"]["level"], "warning");
    assert_eq!(doc["runs"][0]["results"][0]["ruleIndex"], 1);
}

#[test]
fn odd_paths_stay_valid_uris() {
    let sources = SourceMap::new();
    let paths = [
        "dir with space/Dockerfile",
        "weird#name?.yaml",
        "100%/ünïcödé.yml",
        "/abs/path/Dockerfile",
        "C:\\Users\\me\\Dockerfile",
        "a:b/compose.yaml",
        "[x]/{y}.yaml",
    ];
    let files: Vec<_> = paths
        .iter()
        .map(|p| sources.add(*p, None, "FROM x\n".to_string()))
        .collect();
    let findings: Vec<Finding> = files
        .iter()
        .map(|f| {
            finding(
                "SKD302",
                Severity::Low,
                Some(Span::new(f.id, 0, 4)),
                "m",
                "",
            )
        })
        .collect();
    let doc = sarif(&report_of(&sources, &findings));
    let uris: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(
        uris,
        vec![
            "dir%20with%20space/Dockerfile",
            "weird%23name%3F.yaml",
            "100%25/%C3%BCn%C3%AFc%C3%B6d%C3%A9.yml",
            "file:///abs/path/Dockerfile",
            "file:///C:/Users/me/Dockerfile",
            "a%3Ab/compose.yaml",
            "%5Bx%5D/%7By%7D.yaml",
        ]
    );
}

#[test]
fn long_titles_and_docs_are_cut_for_github() {
    let long: &'static str = Box::leak("word ".repeat(400).into_boxed_str());
    let rules = [stockade_report::RuleInfo {
        id: "SKD777",
        title: long,
        category: stockade_core::Category::Hygiene,
        severity: Severity::Low,
        aliases: &[],
        doc: long,
        fix: None,
    }];
    let sources = SourceMap::new();
    let report = Report {
        rules: &rules,
        ..report_of(&sources, &[])
    };
    let doc = sarif(&report);
    let rule = &doc["runs"][0]["tool"]["driver"]["rules"][0];
    assert!(
        rule["shortDescription"]["text"]
            .as_str()
            .unwrap()
            .chars()
            .count()
            <= 1024
    );
    assert!(
        rule["fullDescription"]["text"]
            .as_str()
            .unwrap()
            .chars()
            .count()
            <= 1024
    );
    assert!(rule["name"].as_str().unwrap().chars().count() <= 255);
}
