//! End-to-end tests of the `stockade` binary: discovery, exit codes, input
//! errors, stdin, config files, suppressions, output formats.

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

mod common;
use common::{bin, tmp, write};

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn rules_of(v: &Value) -> Vec<(String, String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["location"]["path"]
                .as_str()
                .unwrap_or("")
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            (
                path,
                f["rule"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

#[test]
fn exit_codes_follow_fail_on() {
    let d = tmp("exit");
    write(&d, "Dockerfile", "FROM debian:12\nUSER root\n");
    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let out = bin()
        .args(["scan", "--format", "json", "--fail-on", "critical"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let clean = tmp("clean");
    write(
        &clean,
        "Dockerfile",
        "FROM debian:12@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\nUSER 65534:65534\n",
    );
    let out = bin().args(["scan"]).arg(&clean).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("No findings"));
}

#[test]
fn malformed_input_is_exit_2_and_other_files_are_still_reported() {
    let d = tmp("bad");
    write(&d, "a/Dockerfile", "FROM debian:12\nFORM x\nUSER root\n");
    write(&d, "b/Dockerfile", "FROM debian:12\nUSER 0\n");
    write(
        &d,
        "c/compose.yaml",
        "services:\n  web:\n    image: [unclosed\n",
    );
    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let v = json(&out);
    let errors = v["errors"].as_array().unwrap();
    let a = errors
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("a/Dockerfile"))
        .expect("error for a");
    assert_eq!(a["line"], 2);
    assert!(
        a["message"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("form"),
        "{a}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e["path"].as_str().unwrap().ends_with("compose.yaml")
                && e["line"].as_u64().is_some())
    );
    let rules = rules_of(&v);
    // Both Dockerfiles are still judged, the broken one included.
    assert!(
        rules
            .iter()
            .any(|(p, r, l)| p == "Dockerfile" && r == "SKD101" && *l == 3)
    );
    assert!(rules.iter().any(|(_, r, l)| r == "SKD101" && *l == 2));
    // Human output names file, line and column.
    let out = bin()
        .args(["scan", "--no-color"])
        .arg(d.join("a/Dockerfile"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("a/Dockerfile:2:1"), "{text}");
}

#[test]
fn missing_path_is_an_input_error() {
    let out = bin()
        .args(["scan", "--format", "json", "/nonexistent/stockade/path"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(json(&out)["errors"].as_array().unwrap().len(), 1);
}

#[test]
fn usage_errors_are_exit_2() {
    let out = bin().args(["scan", "--format", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin()
        .args(["scan", "--select", "NOPE123", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE123"));
}

#[test]
fn stdin_with_and_without_kind() {
    let mut child = bin()
        .args(["scan", "--format", "json", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"FROM ubuntu:latest\nUSER root\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let v = json(&out);
    let rules: Vec<_> = rules_of(&v).into_iter().map(|r| r.1).collect();
    assert!(
        rules.contains(&"SKD101".to_string()) && rules.contains(&"SKD110".to_string()),
        "{rules:?}"
    );
    assert_eq!(v["findings"][0]["location"]["path"], "-");

    let mut child = bin()
        .args(["scan", "--format", "json", "--kind", "compose", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"services:\n  a:\n    image: x:1\n    privileged: true\n")
        .unwrap();
    let v = json(&child.wait_with_output().unwrap());
    assert!(rules_of(&v).iter().any(|r| r.1 == "SKD205" && r.2 == 4));
}

#[test]
fn discovery_by_name_and_content_honours_gitignore() {
    let d = tmp("disc");
    write(&d, "svc/Dockerfile.prod", "FROM debian:12\nUSER root\n");
    write(&d, "svc/app.dockerfile", "FROM debian:12\nUSER root\n");
    write(
        &d,
        "svc/Imagefile",
        "# a Dockerfile by content\nFROM debian:12\nUSER root\n",
    );
    write(&d, "svc/notes", "just some text\n");
    write(
        &d,
        "deploy/stack.yml",
        "services:\n  a:\n    image: x:1\n    privileged: true\n",
    );
    write(&d, "deploy/values.yaml", "replicas: 3\n");
    write(&d, "ignored/Dockerfile", "FROM debian:12\nUSER root\n");
    write(&d, ".gitignore", "ignored/\n");
    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(&d)
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["errors"].as_array().unwrap().len(), 0, "{v}");
    let files: std::collections::BTreeSet<String> = rules_of(&v).into_iter().map(|r| r.0).collect();
    let want: std::collections::BTreeSet<String> = [
        "Dockerfile.prod",
        "app.dockerfile",
        "Imagefile",
        "stack.yml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    assert_eq!(files, want);
    assert_eq!(v["summary"]["files"], 4);
}

#[test]
fn config_file_is_found_walking_up_and_command_line_wins() {
    let d = tmp("cfg");
    write(
        &d,
        ".stockade.toml",
        "ignore = ['SKD111', 'provenance']\nfail-on = 'critical'\n[severity]\nSKD101 = 'critical'\n",
    );
    write(&d, "deep/er/Dockerfile", "FROM ubuntu:latest\nUSER root\n");
    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(d.join("deep/er/Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "SKD101 raised to critical reaches fail-on critical"
    );
    let v = json(&out);
    let f: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["category"] == "provenance")
        .collect();
    assert!(f.is_empty(), "provenance ignored by config");
    let root = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "SKD101")
        .unwrap();
    assert_eq!(root["severity"], "critical");
    // --ignore adds to the config; --fail-on wins.
    let out = bin()
        .args([
            "scan",
            "--format",
            "json",
            "--ignore",
            "SKD101",
            "--fail-on",
            "high",
        ])
        .arg(d.join("deep/er/Dockerfile"))
        .output()
        .unwrap();
    assert!(
        json(&out)["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "SKD101")
    );
    // A broken config is an input error naming the file and line.
    write(&d, "deep/.stockade.toml", "fail-on = 'sometimes'\n");
    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(d.join("deep/er/Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let e = json(&out)["errors"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(e.contains(".stockade.toml") && e.contains("fail-on"), "{e}");
    // Excludes apply to walked directories.
    write(&d, ".stockade.toml", "exclude = ['deep/**']\n");
    std::fs::remove_file(d.join("deep/.stockade.toml")).unwrap();
    let out = bin()
        .args(["scan", "--format", "json"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(json(&out)["summary"]["files"], 0);
}

#[test]
fn inline_suppressions_of_every_kind() {
    let d = tmp("supp");
    let text = "# hadolint global ignore=DL3007\nFROM ubuntu:latest\n# stockade: ignore=SKD140 -- bastion image\nEXPOSE 22\n# trivy:ignore:DS-0002\nUSER root\n";
    write(&d, "Dockerfile", text);
    let out = bin()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SKD110,SKD140,SKD101",
        ])
        .arg(&d)
        .output()
        .unwrap();
    let v = json(&out);
    assert!(v["findings"].as_array().unwrap().is_empty(), "{v}");
    write(
        &d,
        "Dockerfile",
        "FROM ubuntu:latest\nEXPOSE 22\nUSER root\n",
    );
    let out = bin()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SKD110,SKD140,SKD101",
        ])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(json(&out)["findings"].as_array().unwrap().len(), 3);
}

#[test]
fn build_args_and_target() {
    let d = tmp("args");
    write(
        &d,
        "Dockerfile",
        "ARG TAG=latest\nFROM python:${TAG} AS dev\nUSER root\nFROM python:${TAG} AS prod\nUSER 1000\n",
    );
    let out = bin()
        .args(["scan", "--format", "json", "--select", "SKD110,SKD101"])
        .arg(&d)
        .output()
        .unwrap();
    let r: Vec<_> = rules_of(&json(&out))
        .into_iter()
        .map(|r| (r.1, r.2))
        .collect();
    assert_eq!(
        r,
        vec![("SKD110".to_string(), 4)],
        "only the stages the target needs are judged"
    );
    let out = bin()
        .args([
            "scan",
            "--format",
            "json",
            "--select",
            "SKD110,SKD101",
            "--build-arg",
            "TAG=3.13",
            "--target",
            "dev",
        ])
        .arg(&d)
        .output()
        .unwrap();
    let r: Vec<_> = rules_of(&json(&out)).into_iter().map(|r| r.1).collect();
    assert_eq!(r, vec!["SKD101"]);
}

#[test]
fn sarif_and_github_formats() {
    let d = tmp("fmt");
    write(&d, "Dockerfile", "FROM debian:12\nUSER root\n");
    let out = bin()
        .args(["scan", "--format", "sarif"])
        .arg(&d)
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(v["version"], "2.1.0");
    let results = v["runs"][0]["results"].as_array().unwrap();
    let r = results
        .iter()
        .find(|r| r["ruleId"] == "SKD101")
        .expect("SKD101 result");
    assert!(r["partialFingerprints"].is_object());
    assert_eq!(
        r["locations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
    let out = bin()
        .args(["scan", "--format", "github"])
        .arg(&d)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.lines()
            .any(|l| l.starts_with("::error file=") && l.contains("line=2")),
        "{text}"
    );
    let out_file = d.join("report.json");
    let out = bin()
        .args(["scan", "--format", "json", "--output"])
        .arg(&out_file)
        .arg(&d)
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_slice(&std::fs::read(&out_file).unwrap()).unwrap();
    assert_eq!(v["tool"]["name"], "stockade");
}

#[test]
fn colour_only_when_asked_and_never_with_no_color() {
    let d = tmp("color");
    write(&d, "Dockerfile", "FROM debian:12\nUSER root\n");
    let out = bin().args(["scan"]).arg(&d).output().unwrap();
    assert!(!out.stdout.contains(&0x1b), "not a terminal: no colour");
    let out = bin()
        .args(["scan"])
        .arg(&d)
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(out.stdout.contains(&0x1b));
    let out = bin()
        .args(["scan"])
        .arg(&d)
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&0x1b));
}

#[test]
fn rules_command_lists_and_documents() {
    let out = bin().args(["rules"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("SKD101") && text.contains("root-user"));
    let out = bin().args(["rules", "DL3002"]).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("SKD101: "), "{text}");
    assert!(text.contains("How to fix"));
    let out = bin().args(["rules", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = bin().args(["--version"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("rule catalog"));
}

#[test]
fn docker_run_inside_a_dockerfile_run_is_judged() {
    let d = tmp("dind");
    write(
        &d,
        "Dockerfile",
        "FROM docker:27-cli\nARG SOCK=/var/run/docker.sock\nRUN docker run --rm -v ${SOCK}:/var/run/docker.sock alpine:3 true\nUSER 1000\n",
    );
    let out = bin()
        .args(["scan", "--format", "json", "--select", "SKD201"])
        .arg(&d)
        .output()
        .unwrap();
    let r = rules_of(&json(&out));
    assert_eq!(r, vec![("Dockerfile".to_string(), "SKD201".to_string(), 3)]);
}

/// The human report of the bundled examples, byte for byte. Regenerate with
/// `STOCKADE_UPDATE_SNAPSHOTS=1 cargo test -p stockade --test cli` and review the diff.
#[test]
fn human_report_of_the_examples_matches_the_snapshot() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (args, name) in [
        (&["scan", "--no-color", "examples"][..], "examples.txt"),
        (
            &["scan", "--no-color", "--format", "markdown", "examples"][..],
            "examples.md",
        ),
    ] {
        let out = bin().current_dir(&repo).args(args).output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = String::from_utf8(out.stdout).unwrap();
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/snapshots")
            .join(name);
        if std::env::var_os("STOCKADE_UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&path, &got).unwrap();
        }
        let want = std::fs::read_to_string(&path).unwrap_or_default();
        if got != want {
            let first = got.lines().zip(want.lines()).position(|(a, b)| a != b);
            panic!(
                "{name} differs from the snapshot (first differing line: {first:?}); \
                 rerun with STOCKADE_UPDATE_SNAPSHOTS=1 and review the diff"
            );
        }
    }
}

#[test]
fn compose_override_beside_the_base_is_merged_not_scanned_alone() {
    let d = tmp("override");
    write(
        &d,
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n",
    );
    write(
        &d,
        "compose.override.yaml",
        "services:\n  web:\n    privileged: true\n",
    );
    let out = bin()
        .args(["scan", "--format", "json", "--select", "SKD205,SKD225"])
        .arg(&d)
        .output()
        .unwrap();
    let v = json(&out);
    assert_eq!(
        rules_of(&v),
        vec![("compose.override.yaml".to_string(), "SKD205".to_string(), 3)]
    );
    assert_eq!(v["summary"]["files"], 2);
    // Named explicitly, the base still gets its override.
    let out = bin()
        .args(["scan", "--format", "json", "--select", "SKD205"])
        .arg(d.join("compose.yaml"))
        .output()
        .unwrap();
    assert_eq!(rules_of(&json(&out)).len(), 1);
}
