//! The pieces that fit stockade into other tools: generated docs (rule
//! pages, README table, man page) that must match the code, shell
//! completions, the peer-id mapping, hadolint config migration, and the
//! HTML and GitLab report formats end to end.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;
use common::{bin, tmp, write};

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run stockade")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repository root")
}

// ------------------------------------------------------------ generated docs

#[test]
fn checked_in_docs_match_the_code() {
    let root = repo_root();
    let o = bin()
        .args(["docs", "--check", "--root"])
        .arg(&root)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "generated docs are out of date; run `cargo run -p stockade -- docs`:\n{}",
        stderr(&o)
    );
    // The man page command prints exactly the checked-in page.
    let man = run(&["man"]);
    assert!(man.status.success());
    let page = std::fs::read_to_string(root.join("docs/stockade.1")).unwrap();
    assert_eq!(stdout(&man), page);
    // One page per rule, named by id.
    let rules: Value = serde_json::from_slice(&run(&["rules", "--json"]).stdout).unwrap();
    for r in rules.as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        assert!(root.join(format!("docs/rules/{id}.md")).is_file(), "{id}");
    }
}

#[test]
fn docs_check_catches_drift_and_docs_repairs_it() {
    let dir = tmp("docs");
    let root = repo_root();
    std::fs::copy(root.join("README.md"), dir.join("README.md")).unwrap();
    // Nothing generated yet: check fails and names what is missing.
    let o = bin()
        .args(["docs", "--check", "--root"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("out of date: docs/rules/SKD101.md"),
        "{}",
        stderr(&o)
    );
    assert!(stderr(&o).contains("out of date: docs/stockade.1"));
    // Generate, then check passes.
    let o = bin().args(["docs", "--root"]).arg(&dir).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let o = bin()
        .args(["docs", "--check", "--root"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // An edited page, an edited table row and a page no rule generates are caught.
    let page = dir.join("docs/rules/SKD101.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, text.replace("root", "ROOT")).unwrap();
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    std::fs::write(
        dir.join("README.md"),
        readme.replacen("| [SKD101]", "| [SKD1O1]", 1),
    )
    .unwrap();
    write(&dir, "docs/rules/SKD999.md", "# gone\n");
    let o = bin()
        .args(["docs", "--check", "--root"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("out of date: docs/rules/SKD101.md"), "{e}");
    assert!(e.contains("out of date: README.md"), "{e}");
    assert!(e.contains("no rule generates: docs/rules/SKD999.md"), "{e}");
    assert!(!e.contains("SKD102.md"), "{e}");
    // Regenerating repairs all three.
    let o = bin().args(["docs", "--root"]).arg(&dir).output().unwrap();
    assert!(o.status.success());
    assert!(!dir.join("docs/rules/SKD999.md").exists());
    assert_eq!(std::fs::read_to_string(&page).unwrap(), text);
    let o = bin()
        .args(["docs", "--check", "--root"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    // A README without the markers is an error, not a silent pass.
    std::fs::write(dir.join("README.md"), "no markers\n").unwrap();
    let o = bin()
        .args(["docs", "--check", "--root"])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn readme_lists_every_rule_between_the_markers() {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme.find("<!-- rules:begin -->").expect("begin marker");
    let end = readme.find("<!-- rules:end -->").expect("end marker");
    let table = &readme[start..end];
    let rules: Value = serde_json::from_slice(&run(&["rules", "--json"]).stdout).unwrap();
    let rules = rules.as_array().unwrap();
    assert!(rules.len() > 20);
    for r in rules {
        let id = r["id"].as_str().unwrap();
        assert!(
            table.contains(&format!("| [{id}](docs/rules/{id}.md) |")),
            "{id} missing from the README table"
        );
    }
}

// ------------------------------------------------------- completions, aliases

#[test]
fn completions_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F _stockade"),
        ("zsh", "#compdef stockade"),
        ("fish", "complete -c stockade"),
    ] {
        let o = run(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let text = stdout(&o);
        assert!(text.contains(marker), "{shell}");
        let long = |name: &str| {
            if shell == "fish" {
                format!("-l {name}")
            } else {
                format!("--{name}")
            }
        };
        for word in [
            "scan".to_string(),
            "rules".to_string(),
            "html".to_string(),
            "gitlab".to_string(),
            long("format"),
            long("fail-on"),
            long("aliases"),
        ] {
            assert!(text.contains(&word), "{shell} completions lack {word}");
        }
    }
    // The bash script is valid bash.
    let o = run(&["completions", "bash"]);
    let dir = tmp("completions");
    let script = write(&dir, "stockade.bash", &stdout(&o));
    let check = Command::new("bash").arg("-n").arg(&script).output();
    if let Ok(check) = check {
        assert!(check.status.success(), "{}", stderr(&check));
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(run(&["completions", "powershell"]).status.code(), Some(2));
}

#[test]
fn aliases_map_peer_ids_to_rules() {
    let o = run(&["rules", "--aliases"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let line = |tool: &str, alias: &str| {
        text.lines()
            .find(|l| l.starts_with(tool) && l.contains(&format!(" {alias} ")))
    };
    let dl = line("hadolint", "DL3002").expect("DL3002 row");
    assert!(dl.trim_end().ends_with("SKD101"), "{dl}");
    assert!(line("Trivy", "DS-0002").unwrap().contains("SKD101, SKD102"));
    assert!(line("Checkov", "CKV_DOCKER_8").is_some());
    assert!(line("KICS", "last_user_is_root").is_some());
    assert!(
        !text.contains("\nother "),
        "every alias is classified:\n{text}"
    );

    let o = run(&["rules", "--aliases", "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let rows = v.as_array().unwrap();
    let dl3064 = rows.iter().find(|r| r["alias"] == "DL3064").unwrap();
    assert_eq!(dl3064["tool"], "hadolint");
    assert!(dl3064["rules"].as_array().unwrap().len() >= 2);
    // Every alias in the catalog is listed once.
    let catalog: Value = serde_json::from_slice(&run(&["rules", "--json"]).stdout).unwrap();
    let mut all: Vec<&str> = catalog
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["aliases"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a.as_str().unwrap())
        })
        .collect();
    all.sort_unstable();
    all.dedup();
    assert_eq!(rows.len(), all.len());
    // `--aliases` takes no rule id.
    assert_eq!(
        run(&["rules", "SKD101", "--aliases"]).status.code(),
        Some(2)
    );
}

#[test]
fn the_image_dockerfile_has_no_finding_at_any_severity() {
    let root = repo_root();
    let o = bin()
        .args(["scan", "--format", "json", "--fail-on", "info"])
        .arg(root.join("Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["summary"]["files"], 1);
    assert_eq!(v["findings"], serde_json::json!([]));
}

// ------------------------------------------------------------ hadolint config

const DOCKERFILE: &str = "FROM debian:12-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000\nRUN apt-get update && apt-get install -y curl\nUSER root\n";

fn rules_found(dir: &Path) -> (Vec<String>, Output) {
    let o = bin()
        .args(["scan", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(&o), stderr(&o)));
    let rules = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule"].as_str().unwrap(),
                f["severity"].as_str().unwrap()
            )
        })
        .collect();
    (rules, o)
}

#[test]
fn hadolint_config_is_read_when_no_stockade_toml_applies() {
    let dir = tmp("hadolint");
    write(&dir, "app/Dockerfile", DOCKERFILE);
    let (before, _) = rules_found(&dir);
    assert!(before.iter().any(|r| r == "SKD101:high"), "{before:?}");
    assert!(
        before.iter().any(|r| r.starts_with("SKD131:")),
        "{before:?}"
    );

    // ignored (by hadolint id), override (error -> high etc.), threshold.
    write(
        &dir,
        ".hadolint.yaml",
        "ignored:\n  - DL3002\n  - SC2086\noverride:\n  style: [DL3015]\nfailure-threshold: error\n",
    );
    let (after, o) = rules_found(&dir);
    assert!(!after.iter().any(|r| r.starts_with("SKD101:")), "{after:?}");
    assert!(after.iter().any(|r| r == "SKD131:info"), "{after:?}");
    // Only high and above fail now; what is left is below that.
    assert!(
        after
            .iter()
            .all(|r| !r.ends_with(":high") && !r.ends_with(":critical")),
        "{after:?}"
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // The unknown ShellCheck id is reported, not fatal.
    assert!(stderr(&o).contains("SC2086"), "{}", stderr(&o));

    // A .stockade.toml above wins, and the hadolint file is not read.
    write(&dir, ".stockade.toml", "fail-on = \"info\"\n");
    let (with_toml, o) = rules_found(&dir);
    assert!(
        with_toml.iter().any(|r| r == "SKD101:high"),
        "{with_toml:?}"
    );
    assert_eq!(o.status.code(), Some(1));

    // Explicit --config with a hadolint file works too.
    let o = bin()
        .args(["scan", "--format", "json", "--config"])
        .arg(dir.join(".hadolint.yaml"))
        .arg(&dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(
        !v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "SKD101")
    );

    // A broken hadolint file is an input error with its name.
    std::fs::remove_file(dir.join(".stockade.toml")).unwrap();
    write(&dir, ".hadolint.yaml", "failure-threshold: [x]\n");
    let o = bin().args(["scan"]).arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        format!("{}{}", stdout(&o), stderr(&o)).contains(".hadolint.yaml"),
        "{}{}",
        stdout(&o),
        stderr(&o)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// -------------------------------------------------------------- report formats

#[test]
fn html_and_gitlab_formats_end_to_end() {
    let dir = tmp("formats");
    write(&dir, "Dockerfile", DOCKERFILE);
    let out = dir.join("report.html");
    let o = bin()
        .args(["scan", "--format", "html", "--output"])
        .arg(&out)
        .arg(dir.join("Dockerfile"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let page = std::fs::read_to_string(&out).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains("data-rule=\"SKD101\""));
    assert!(page.contains("<section class=\"rule-doc\" id=\"rule-SKD101\">"));
    assert!(
        page.contains("<span class=\"ln\">3</span>USER <mark>root</mark>"),
        "the snippet marks the user"
    );

    let o = bin()
        .args(["scan", "-f", "gitlab"])
        .arg(dir.join("Dockerfile"))
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    let issue = v
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["check_name"] == "SKD101")
        .expect("SKD101 issue");
    assert_eq!(issue["severity"], "critical");
    assert_eq!(issue["location"]["lines"]["begin"], 3);
    assert!(
        issue["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("Dockerfile")
    );
    let _ = std::fs::remove_dir_all(&dir);
}
