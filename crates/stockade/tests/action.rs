//! The composite GitHub Action (`action.yml`): its steps are run here the
//! way the runner runs them (`bash --noprofile --norc -eo pipefail`, inputs
//! from their defaults or the test, `GITHUB_OUTPUT` and friends as files),
//! with the stockade under test on PATH.

use saphyr::{LoadableYamlNode, Yaml};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

fn action() -> Yaml<'static> {
    let text = std::fs::read_to_string(repo_root().join("action.yml")).unwrap();
    let text: &'static str = Box::leak(text.into_boxed_str());
    Yaml::load_from_str(text)
        .expect("action.yml is YAML")
        .remove(0)
}

fn get<'a>(y: &'a Yaml<'static>, key: &str) -> &'a Yaml<'static> {
    y.as_mapping_get(key)
        .unwrap_or_else(|| panic!("action.yml: `{key}` missing"))
}

fn string(y: &Yaml) -> String {
    y.as_str().map(str::to_string).unwrap_or_default()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("stockade-action-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Run {
    /// Exit code of the step that stopped the run (or of the last step).
    code: i32,
    stdout: String,
    outputs: BTreeMap<String, String>,
    summary: String,
}

/// Runs the action's steps in `dir` with `inputs` over the defaults.
fn run_action(dir: &Path, inputs: &[(&str, &str)], path_has_stockade: bool) -> Run {
    let action = action();
    let mut values: BTreeMap<String, String> = BTreeMap::new();
    for (name, spec) in get(&action, "inputs").as_mapping().unwrap() {
        let default = spec
            .as_mapping_get("default")
            .map(string)
            .unwrap_or_default();
        values.insert(string(name), default);
    }
    for (k, v) in inputs {
        assert!(values.contains_key(*k), "no input `{k}`");
        values.insert(k.to_string(), v.to_string());
    }
    let expand = |s: &str| -> String {
        let mut out = s.to_string();
        for (k, v) in &values {
            out = out.replace(&format!("${{{{ inputs.{k} }}}}"), v);
        }
        out.replace("${{ github.action_path }}", repo_root().to_str().unwrap())
    };
    let work = dir.join(".runner");
    std::fs::create_dir_all(&work).unwrap();
    let output_file = work.join("output");
    let summary_file = work.join("summary");
    for f in [&output_file, &summary_file, &work.join("path")] {
        std::fs::write(f, "").unwrap();
    }
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_stockade")).parent().unwrap();
    let path = if path_has_stockade {
        format!("{}:/usr/bin:/bin", bin_dir.display())
    } else {
        "/usr/bin:/bin".to_string()
    };
    let mut stdout = String::new();
    let mut code = 0;
    let runs = get(&action, "runs");
    assert_eq!(string(get(runs, "using")), "composite");
    for (i, step) in get(runs, "steps").as_sequence().unwrap().iter().enumerate() {
        assert_eq!(string(get(step, "shell")), "bash");
        let script = string(get(step, "run"));
        assert!(
            !script.contains("${{"),
            "step {i} splices an expression into its script; pass it through env"
        );
        let script_path = work.join(format!("step{i}.sh"));
        std::fs::write(&script_path, &script).unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&script_path)
            .current_dir(dir)
            .env_clear()
            .env("PATH", &path)
            .env("HOME", std::env::var_os("HOME").unwrap_or_default())
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_STEP_SUMMARY", &summary_file)
            .env("GITHUB_PATH", work.join("path"))
            .env("RUNNER_TEMP", &work)
            .env("STOCKADE_TODAY", "2026-11-28");
        if let Some(env) = step.as_mapping_get("env").and_then(|e| e.as_mapping()) {
            for (k, v) in env {
                cmd.env(string(k), expand(&string(v)));
            }
        }
        let o = cmd.output().expect("bash");
        stdout.push_str(&String::from_utf8_lossy(&o.stdout));
        stdout.push_str(&String::from_utf8_lossy(&o.stderr));
        code = o.status.code().unwrap_or(-1);
        if code != 0 {
            break;
        }
    }
    let outputs = std::fs::read_to_string(&output_file)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Run {
        code,
        stdout,
        outputs,
        summary: std::fs::read_to_string(&summary_file).unwrap(),
    }
}

const INSECURE: &str = "FROM ubuntu:latest\nUSER root\n";
const HARDENED: &str = "FROM gcr.io/distroless/static-debian12:nonroot@sha256:1111111111111111111111111111111111111111111111111111111111111111\nCOPY --chown=65534:65534 app /app\nUSER 65534:65534\nENTRYPOINT [\"/app\"]\n";

#[test]
fn declares_what_the_workflow_needs() {
    let action = action();
    let inputs = get(&action, "inputs");
    for name in [
        "paths",
        "format",
        "fail-on",
        "sarif-file",
        "config",
        "install",
    ] {
        assert!(inputs.as_mapping_get(name).is_some(), "input {name}");
    }
    let outputs = get(&action, "outputs");
    for name in ["sarif-file", "exit-code"] {
        let value = string(get(get(outputs, name), "value"));
        assert_eq!(value, format!("${{{{ steps.scan.outputs.{name} }}}}"));
    }
}

#[test]
fn findings_fail_the_step_annotate_and_write_sarif() {
    let dir = tmp("insecure");
    std::fs::write(dir.join("Dockerfile"), INSECURE).unwrap();
    let run = run_action(&dir, &[], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.outputs["exit-code"], "1");
    assert_eq!(run.outputs["sarif-file"], "stockade.sarif");
    assert!(run.stdout.contains("using "), "{}", run.stdout);
    assert!(
        run.stdout.contains("::error file=Dockerfile,line=2"),
        "{}",
        run.stdout
    );
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("stockade.sarif")).unwrap())
            .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results.iter().any(|r| r["ruleId"] == "SKD101"));
    assert!(
        results
            .iter()
            .all(|r| r["partialFingerprints"]["primaryLocationLineHash"].is_string())
    );
    assert!(run.summary.starts_with("### stockade: "), "{}", run.summary);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn clean_trees_pass_and_inputs_are_honoured() {
    let dir = tmp("clean");
    std::fs::create_dir_all(dir.join("svc a")).unwrap();
    std::fs::write(dir.join("svc a/Dockerfile"), HARDENED).unwrap();
    std::fs::create_dir_all(dir.join("b")).unwrap();
    std::fs::write(
        dir.join("b/Dockerfile"),
        INSECURE.replace("USER root", "USER 65534"),
    )
    .unwrap();
    // One path per line keeps the space; fail-on high lets the medium
    // finding (ubuntu:latest) pass; no SARIF.
    let run = run_action(
        &dir,
        &[
            ("paths", "svc a\nb\n"),
            ("fail-on", "high"),
            ("sarif-file", ""),
            ("format", "human"),
        ],
        true,
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.outputs["exit-code"], "0");
    assert_eq!(run.outputs["sarif-file"], "");
    assert!(!dir.join("stockade.sarif").exists());
    assert!(run.stdout.contains("in 2 files"), "{}", run.stdout);
    // The same with fail-on low fails on that medium finding.
    let run = run_action(&dir, &[("paths", "b"), ("fail-on", "low")], true);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // Hostile input values are data, not code.
    let run = run_action(&dir, &[("paths", "b; touch pwned $(touch pwned2)")], true);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(!dir.join("pwned").exists() && !dir.join("pwned2").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn install_never_without_stockade_is_an_error() {
    let dir = tmp("never");
    let run = run_action(&dir, &[("install", "never")], false);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("::error title=stockade::"),
        "{}",
        run.stdout
    );
    let _ = std::fs::remove_dir_all(&dir);
}
