//! End-to-end tests of `stockade fix` and `stockade harden` (files, exit
//! codes, config values), and the whole-corpus run of `fix --unsafe-fixes`.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;
use common::{bin, tmp, write};

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn run(args: &[&str], dir: &Path) -> Output {
    bin().args(args).current_dir(dir).output().unwrap()
}

const DOCKERFILE: &str = "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN chown -R 10001:10001 /app\nRUN apt-get update && apt-get install -y curl\nCMD [\"python\", \"app.py\"]\n";
const COMPOSE: &str = "services:\n  db:\n    image: postgres:17\n    # keep this comment\n    ports:\n      - \"5432:5432\"\n";

#[test]
fn diff_changes_nothing_and_fix_applies_safe_fixes() {
    let d = tmp("safe");
    let df = write(&d, "Dockerfile", DOCKERFILE);
    let cf = write(&d, "compose.yml", COMPOSE);
    let o = run(&["fix", "--diff", "."], &d);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    let diff = text(&o.stdout);
    assert!(diff.contains("--- Dockerfile\n+++ Dockerfile\n"), "{diff}");
    assert!(diff.contains("+COPY --chown=10001:10001 . .\n"), "{diff}");
    assert!(
        diff.contains("+    security_opt:\n+      - no-new-privileges:true\n"),
        "{diff}"
    );
    assert_eq!(read(&df), DOCKERFILE);
    assert_eq!(read(&cf), COMPOSE);

    let o = run(&["fix", "."], &d);
    assert_eq!(o.status.code(), Some(1));
    let report = text(&o.stdout);
    assert!(report.contains("fixed SKD162"), "{report}");
    assert!(
        report.contains("SKD102 [stage 0] has an unsafe fix"),
        "{report}"
    );
    assert_eq!(
        read(&df),
        "FROM python:3.13-slim\nWORKDIR /app\nCOPY --chown=10001:10001 . .\nRUN chown 10001:10001 /app\nRUN apt-get update && apt-get install --no-install-recommends -y curl && rm -rf /var/lib/apt/lists/*\nCMD [\"python\", \"app.py\"]\n"
    );
    assert_eq!(
        read(&cf),
        "services:\n  db:\n    image: postgres:17\n    # keep this comment\n    ports:\n      - \"5432:5432\"\n    security_opt:\n      - no-new-privileges:true\n"
    );
    // Idempotent.
    let before = (read(&df), read(&cf));
    let o = run(&["fix", "."], &d);
    assert!(
        text(&o.stdout).contains("applied 0 fixes"),
        "{}",
        text(&o.stdout)
    );
    assert_eq!((read(&df), read(&cf)), before);
}

#[test]
fn unsafe_fixes_use_the_config_values_and_exit_codes_follow_fail_on() {
    let d = tmp("unsafe");
    write(
        &d,
        ".stockade.toml",
        "fail-on = \"critical\"\n[fix]\nmemory = \"1g\"\ncpus = 2\npids-limit = 64\nuser = \"10001:10001\"\n",
    );
    let df = write(
        &d,
        "Dockerfile",
        "FROM debian:12-slim\nUSER root\nCMD [\"sh\"]\n",
    );
    let cf = write(&d, "compose.yml", COMPOSE);
    let o = run(&["fix", "--unsafe-fixes", "."], &d);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert_eq!(
        read(&df),
        "FROM debian:12-slim\nUSER 10001:10001\nCMD [\"sh\"]\n"
    );
    let c = read(&cf);
    for want in [
        "      - \"127.0.0.1:5432:5432\"\n",
        "    mem_limit: 1g\n",
        "    cpus: 2\n",
        "    pids_limit: 64\n",
        "    read_only: true\n",
        "    cap_drop:\n      - ALL\n",
        "    # keep this comment\n",
    ] {
        assert!(c.contains(want), "{want:?} not in\n{c}");
    }
    // A scan of the fixed files no longer reports what was fixed.
    let o = run(&["scan", "--format", "json", "."], &d);
    let out = text(&o.stdout);
    for rule in [
        "SKD101", "SKD209", "SKD215", "SKD216", "SKD217", "SKD218", "SKD220", "SKD230",
    ] {
        assert!(
            !out.contains(&format!("\"{rule}\"")),
            "{rule} still reported"
        );
    }

    // Bad config values and missing paths are errors.
    write(&d, ".stockade.toml", "[fix]\nmemory = \"lots\"\n");
    let o = run(&["fix", "."], &d);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("fix.memory"),
        "{}",
        text(&o.stderr)
    );
    let o = run(&["fix", "no-such-file"], &d);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn crlf_files_stay_crlf_and_unreadable_files_are_errors() {
    let d = tmp("crlf");
    let df = write(&d, "Dockerfile", "FROM alpine:3.22\r\nRUN apk add curl\r\n");
    let bad = write(&d, "compose.yaml", "services:\n  web: [\n");
    let o = run(&["fix", "Dockerfile", "compose.yaml"], &d);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert_eq!(
        read(&df),
        "FROM alpine:3.22\r\nRUN apk add --no-cache curl\r\n"
    );
    assert_eq!(read(&bad), "services:\n  web: [\n");
}

#[test]
fn harden_writes_an_override_and_hardens_run_lines() {
    let d = tmp("harden");
    let cf = write(
        &d,
        "compose.yml",
        "services:\n  db:\n    image: postgres:17\n    privileged: true\n    ports:\n      - \"5432:5432\"\n    volumes:\n      - /var/run/docker.sock:/var/run/docker.sock\n      - data:/var/lib/postgresql/data\nvolumes:\n  data:\n",
    );
    let original = read(&cf);
    let o = run(&["harden", "compose.yml"], &d);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("warning: service `db`: `privileged` is turned off"),
        "{err}"
    );
    assert!(err.contains("socket mount"), "{err}");
    assert_eq!(read(&cf), original);
    let h = read(&d.join("compose.hardened.yml"));
    assert!(h.contains("docker compose -f compose.yml -f compose.hardened.yml up -d"));
    assert!(h.contains("needs Docker Compose v2.24 or later"));
    assert!(
        h.contains("    ports: !override\n      - 127.0.0.1:5432:5432\n"),
        "{h}"
    );
    assert!(
        h.contains("    volumes: !override\n      - data:/var/lib/postgresql/data\n"),
        "{h}"
    );

    // --output -, and never over the input.
    let o = run(&["harden", "compose.yml", "--output", "-"], &d);
    assert_eq!(text(&o.stdout), h);
    let o = run(&["harden", "compose.yml", "-o", "compose.yml"], &d);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(read(&cf), original);

    let o = run(
        &[
            "harden",
            "--",
            "docker",
            "run",
            "--privileged",
            "-p",
            "6379:6379",
            "redis:7.4",
        ],
        &d,
    );
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        text(&o.stdout),
        "docker run -p 127.0.0.1:6379:6379 --user 65534:65534 --cap-drop ALL --security-opt no-new-privileges --read-only --tmpfs /tmp --memory 512m --cpus 1.0 --pids-limit 256 redis:7.4\n"
    );
    assert!(text(&o.stderr).contains("removed `--privileged`"));
    let o = run(&["harden", "--", "docker", "ps"], &d);
    assert_eq!(o.status.code(), Some(2));
}

// ───────────────────────── the corpus ─────────────────────────

fn corpus() -> PathBuf {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ));
    assert!(
        p.join("awesome-compose").is_dir() && p.join("kics").is_dir(),
        "the corpus is missing at {} (it ships beside the repository in shared/)",
        p.display()
    );
    p
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_dir(&e.path(), &t);
        } else if ft.is_file() {
            std::fs::copy(e.path(), &t).unwrap();
            // The shared copy is read-only; the temporary one must be writable.
            let mut perm = std::fs::metadata(&t).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&t, perm).unwrap();
        }
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[derive(Debug, PartialEq)]
enum Parsed {
    /// A Dockerfile with this many input errors.
    Dockerfile(usize),
    /// A Compose file that loads with this many errors.
    Compose(usize),
    Other,
}

fn parse_state(p: &Path) -> Parsed {
    let Ok(t) = std::fs::read_to_string(p) else {
        return Parsed::Other;
    };
    let name = p
        .file_name()
        .unwrap()
        .to_string_lossy()
        .to_ascii_lowercase();
    let sources = stockade_core::SourceMap::new();
    if name.contains("dockerfile") {
        let f = sources.add(p.display().to_string(), Some(p.to_path_buf()), t);
        return Parsed::Dockerfile(
            stockade_dockerfile::evaluate(&f, &Default::default())
                .1
                .len(),
        );
    }
    if (name.ends_with(".yml") || name.ends_with(".yaml"))
        && stockade_compose::looks_like_compose(&t)
    {
        let f = sources.add(p.display().to_string(), Some(p.to_path_buf()), t);
        let (proj, errors) = stockade_compose::load_sources(&[f], &sources, &Default::default());
        return match proj {
            Some(_) => Parsed::Compose(errors.len()),
            None => Parsed::Other,
        };
    }
    Parsed::Other
}

fn count_findings(dir: &Path) -> usize {
    let o = bin()
        .args(["scan", "--format", "json", "--fail-on", "critical"])
        .arg(dir)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("scan output is not JSON ({e}): {}", text(&o.stderr)));
    v["findings"].as_array().map(Vec::len).unwrap_or(0)
}

/// `fix --unsafe-fixes` over every Dockerfile and Compose file of the
/// corpus: everything that parsed still parses (no new errors), a second
/// run changes nothing, and the number of findings drops.
#[test]
fn corpus_fix_keeps_files_parseable_and_is_idempotent() {
    let src = corpus();
    let d = tmp("corpus");
    copy_dir(&src, &d);
    let mut all = Vec::new();
    files(&d, &mut all);
    all.sort();
    let before: Vec<(PathBuf, Parsed)> = all.iter().map(|p| (p.clone(), parse_state(p))).collect();
    let judged = before.iter().filter(|(_, s)| *s != Parsed::Other).count();
    assert!(
        judged > 300,
        "only {judged} Dockerfiles and Compose files found"
    );
    let findings_before = count_findings(&d);

    let o = bin()
        .args(["fix", "--unsafe-fixes"])
        .arg(&d)
        .output()
        .unwrap();
    let report = text(&o.stdout);
    assert!(
        matches!(o.status.code(), Some(0..=2)),
        "{report}\n{}",
        text(&o.stderr)
    );
    let summary = report.lines().last().unwrap_or("").to_string();

    let mut changed = 0;
    for (p, was) in &before {
        let now = parse_state(p);
        match (was, &now) {
            (Parsed::Dockerfile(a), Parsed::Dockerfile(b)) => {
                assert!(b <= a, "{}: {a} -> {b} errors", p.display())
            }
            (Parsed::Compose(a), Parsed::Compose(b)) => {
                assert!(b <= a, "{}: {a} -> {b} errors", p.display())
            }
            (Parsed::Other, _) => {}
            _ => panic!("{}: no longer parses ({was:?} -> {now:?})", p.display()),
        }
        let orig = std::fs::read(src.join(p.strip_prefix(&d).unwrap())).unwrap();
        if std::fs::read(p).unwrap() != orig {
            changed += 1;
            assert!(
                *was != Parsed::Other,
                "{} changed but is not ours",
                p.display()
            );
        }
    }

    // A second run has nothing left to do.
    let o = bin()
        .args(["fix", "--unsafe-fixes", "--diff"])
        .arg(&d)
        .output()
        .unwrap();
    assert_eq!(text(&o.stdout), "", "the second run still changes files");

    let findings_after = count_findings(&d);
    println!(
        "corpus: {judged} Dockerfiles and Compose files, {changed} changed; findings {findings_before} -> {findings_after} (-{}, {:.0}%); {summary}",
        findings_before - findings_after.min(findings_before),
        100.0 * (findings_before as f64 - findings_after as f64) / findings_before.max(1) as f64
    );
    assert!(changed > 100, "only {changed} files changed");
    assert!(
        findings_after < findings_before,
        "findings did not drop: {findings_before} -> {findings_after}"
    );
    let _ = std::fs::remove_dir_all(&d);
}
