//! Runs every container rule over the Compose files of docker/awesome-compose
//! (a copy lives in the shared corpus) and compares the per-rule counts with
//! the reviewed list in `awesome-compose-review.md`. Set
//! `STOCKADE_DUMP=1` to print every finding for review.
//!
//! The corpus ships beside the repository (`../shared/corpus`); when it is
//! missing the test fails (`STOCKADE_CORPUS` points elsewhere).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use stockade_compose::{LoadOptions, load};
use stockade_core::SourceMap;
use stockade_rules::{Ctx, Policy, check_container};

fn corpus() -> PathBuf {
    std::env::var_os("STOCKADE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../../shared/corpus/awesome-compose"
            ))
        })
}

fn compose_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            for name in ["compose.yaml", "compose.yml"] {
                let f = p.join(name);
                if f.is_file() {
                    out.push(f);
                }
            }
        }
    }
    out.sort();
    out
}

/// `rule -> count` from the review file's summary table
/// (`| SKD201 | 2 |` rows).
fn reviewed_counts() -> BTreeMap<String, usize> {
    let text = include_str!("awesome-compose-review.md");
    let mut out = BTreeMap::new();
    let mut in_summary = false;
    for line in text.lines() {
        if line.starts_with("## ") {
            in_summary = line.contains("Counts");
            continue;
        }
        if !in_summary {
            continue;
        }
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() >= 3
            && cells[1].starts_with("SKD")
            && let Ok(n) = cells[2].parse::<usize>()
        {
            out.insert(cells[1].to_string(), n);
        }
    }
    out
}

#[test]
fn awesome_compose_counts_match_the_review() {
    let dir = corpus();
    let files = compose_files(&dir);
    assert!(
        !files.is_empty(),
        "awesome-compose corpus not found at {} (it ships beside the repository in shared/)",
        dir.display()
    );
    assert_eq!(
        files.len(),
        39,
        "expected the 39 compose files of the corpus"
    );
    let dump = std::env::var_os("STOCKADE_DUMP").is_some();
    let cx = Ctx::default();
    let policy = Policy::default();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for f in &files {
        let sources = SourceMap::new();
        let (project, errors) = load(std::slice::from_ref(f), &sources, &LoadOptions::default());
        let rel = f.strip_prefix(&dir).unwrap_or(f).display().to_string();
        let project = project.unwrap_or_else(|| panic!("{rel} did not load: {errors:?}"));
        for spec in &project.services {
            for finding in check_container(spec, &cx, &policy) {
                *counts.entry(finding.rule.to_string()).or_default() += 1;
                if dump {
                    let line = finding
                        .span
                        .and_then(|s| sources.resolve(s))
                        .map(|r| r.start.line)
                        .unwrap_or(0);
                    println!(
                        "{rel}\t{}\t{}\t{}\t{line}\t{}",
                        finding.rule, finding.severity, finding.subject, finding.message
                    );
                }
            }
        }
    }
    if dump {
        for (rule, n) in &counts {
            println!("COUNT\t{rule}\t{n}");
        }
    }
    assert_eq!(
        counts,
        reviewed_counts(),
        "per-rule counts differ from the review"
    );
}
