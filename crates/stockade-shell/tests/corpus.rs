//! Real-world `RUN` bodies from the shared corpus parse without errors.

use std::path::{Path, PathBuf};
use stockade_core::span::{FileId, OffsetMap};

fn corpus_dir() -> PathBuf {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus"
    ))
    .to_path_buf()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with("Dockerfile") || name.ends_with(".dockerfile") {
                out.push(p);
            }
        }
    }
}

/// A minimal RUN extractor: joins `\` continuations, drops comment lines
/// inside them, and builds the offset map the Dockerfile parser would.
/// Returns (joined text, map) per shell-form RUN.
fn run_bodies(text: &str) -> Vec<(String, OffsetMap)> {
    let mut out = Vec::new();
    let lines: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut off = 0;
        for l in text.split_inclusive('\n') {
            v.push((off, l));
            off += l.len();
        }
        v
    };
    let mut i = 0;
    while i < lines.len() {
        let (off, line) = lines[i];
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        let is_run = trimmed.len() > 4
            && trimmed[..3].eq_ignore_ascii_case("RUN")
            && matches!(trimmed.as_bytes()[3], b' ' | b'\t');
        if !is_run {
            i += 1;
            continue;
        }
        // Skip flags like --mount=… and find the body start.
        let mut body_off = off + lead + 4;
        let mut rest = &text[body_off..off + line.len()];
        loop {
            let t = rest.trim_start_matches([' ', '\t']);
            body_off += rest.len() - t.len();
            rest = t;
            if rest.starts_with("--") {
                let n = rest.find([' ', '\t', '\n']).unwrap_or(rest.len());
                body_off += n;
                rest = &rest[n..];
            } else {
                break;
            }
        }
        let mut joined = String::new();
        let mut map = OffsetMap::contiguous(FileId(0), body_off);
        let mut seg_start = body_off;
        let mut seg_end = off + line.len();
        loop {
            let seg = &text[seg_start..seg_end];
            let seg_trim = seg.trim_end_matches(['\n', '\r']);
            let cont = seg_trim.ends_with('\\');
            map.push(joined.len(), seg_start);
            if cont {
                joined.push_str(&seg_trim[..seg_trim.len() - 1]);
            } else {
                joined.push_str(seg_trim);
            }
            i += 1;
            if !cont {
                break;
            }
            // Next non-comment line.
            while i < lines.len() && lines[i].1.trim_start().starts_with('#') {
                i += 1;
            }
            if i >= lines.len() {
                break;
            }
            seg_start = lines[i].0;
            seg_end = lines[i].0 + lines[i].1.len();
        }
        let t = joined.trim_start();
        if t.starts_with('[') || joined.contains("<<") {
            continue;
        }
        out.push((joined, map));
    }
    out
}

#[test]
fn corpus_run_bodies_parse_without_errors() {
    let dir = corpus_dir();
    assert!(
        dir.is_dir(),
        "corpus folder {} is missing: this test needs /work/shared/corpus (kics/, awesome-compose/)",
        dir.display()
    );
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    assert!(
        files.len() > 20,
        "expected Dockerfiles under {}",
        dir.display()
    );
    let mut parsed = 0;
    let mut failures = Vec::new();
    let mut known_bad = 0;
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        if text.contains("escape=`") {
            continue;
        }
        for (body, map) in run_bodies(&text) {
            let p = stockade_shell::parse(&body, &map);
            parsed += 1;
            for s in p.script.simple_commands() {
                // Every span maps inside the file.
                assert!(
                    s.span.end as usize <= text.len(),
                    "{}: span out of file",
                    f.display()
                );
            }
            // A placeholder `<internal_npm_registry>` is a real syntax
            // error (bash: unexpected token `&&`): it must be reported.
            if body.contains("<internal_npm_registry>") {
                assert!(
                    !p.errors.is_empty(),
                    "{}: placeholder not reported",
                    f.display()
                );
                known_bad += 1;
                continue;
            }
            if !p.errors.is_empty() {
                failures.push(format!("{}: {body:?}: {:?}", f.display(), p.errors));
            }
        }
    }
    assert_eq!(known_bad, 1, "the known-invalid sample was not seen");
    assert!(parsed >= 30, "only {parsed} RUN bodies found");
    assert!(
        failures.is_empty(),
        "{} of {parsed} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{parsed} RUN bodies parsed");
}

#[test]
fn extractor_maps_continuations() {
    let text = "FROM x\nRUN a \\\n  # c\n  && b\n";
    let bodies = run_bodies(text);
    assert_eq!(bodies.len(), 1);
    let (body, map) = &bodies[0];
    assert_eq!(body, "a   && b");
    let p = stockade_shell::parse(body, map);
    assert!(p.errors.is_empty());
    let cmds = p.script.simple_commands();
    assert_eq!(cmds.len(), 2);
    assert_eq!(&text[cmds[1].span.range()], "b");
}
