//! Every Dockerfile of the shared corpus (KICS samples and awesome-compose)
//! parses and evaluates without an input error, reconstructs byte for byte,
//! and keeps every span inside its text.

mod common;

use common::{assert_spans_inside, file};
use std::path::{Path, PathBuf};
use stockade_dockerfile::{EvalOptions, evaluate, parse};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpus");

fn walk(dir: &Path, out: &mut Vec<PathBuf>, keep: &dyn Fn(&Path) -> bool) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out, keep);
        } else if keep(&p) {
            out.push(p);
        }
    }
}

fn corpus_files() -> Vec<PathBuf> {
    let root = Path::new(CORPUS);
    assert!(
        root.is_dir(),
        "the shared corpus is missing at {CORPUS}: these tests need /work/shared/corpus (see its README)"
    );
    let mut files = Vec::new();
    walk(&root.join("kics"), &mut files, &|p| {
        p.extension().is_some_and(|e| e == "dockerfile")
    });
    walk(&root.join("awesome-compose"), &mut files, &|p| {
        p.file_name().is_some_and(|n| n == "Dockerfile")
    });
    assert!(
        files.len() >= 200,
        "expected the whole corpus, found {} files",
        files.len()
    );
    files
}

#[test]
fn corpus_parses_without_errors_and_round_trips() {
    let mut failures = Vec::new();
    let files = corpus_files();
    for path in &files {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        let f = file(&text);
        let (doc, errs) = parse(&f);
        if !errs.is_empty() {
            failures.push(format!("{}: parse: {errs:?}", path.display()));
        }
        assert_eq!(
            doc.reconstruct(&f.text),
            text,
            "{} does not round-trip",
            path.display()
        );
        assert_spans_inside(&text, &format!("{doc:?}"));
        let (spec, errs) = evaluate(&f, &EvalOptions::default());
        if !errs.is_empty() {
            failures.push(format!("{}: evaluate: {errs:?}", path.display()));
        }
        assert_spans_inside(&text, &format!("{spec:?}"));
        assert!(!spec.stages.is_empty(), "{}: no stage", path.display());
        assert!(spec.final_stage.is_some());
    }
    assert!(
        failures.is_empty(),
        "{} of {} files:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}

#[test]
fn corpus_files_are_sniffed_as_dockerfiles() {
    let misses: Vec<String> = corpus_files()
        .iter()
        .filter(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(p).unwrap()).into_owned();
            !stockade_dockerfile::looks_like_dockerfile(&text)
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(misses.is_empty(), "not recognised: {misses:#?}");
}
