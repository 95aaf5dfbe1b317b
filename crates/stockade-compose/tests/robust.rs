//! Hostile and damaged input: loading never panics, every error has a span
//! inside its file, and every span in a spec lies inside its file.

mod common;

use std::path::PathBuf;

use common::mem;
use stockade_core::{ContainerSpec, SourceMap, Span};

fn check_span(sources: &SourceMap, s: Span) {
    let f = sources.get(s.file).expect("span file registered");
    assert!(s.start <= s.end, "{s:?}");
    assert!(
        (s.end as usize) <= f.text.len(),
        "{s:?} beyond {}",
        f.text.len()
    );
    assert!(f.text.is_char_boundary(s.start as usize) && f.text.is_char_boundary(s.end as usize));
}

fn check_spec(sources: &SourceMap, spec: &ContainerSpec) {
    check_span(sources, spec.anchor);
    let mut spans = Vec::new();
    spans.extend(spec.image.as_ref().map(|x| x.span));
    spans.extend(spec.privileged.as_ref().map(|x| x.span));
    spans.extend(spec.user.as_ref().map(|x| x.span));
    spans.extend(spec.mounts.iter().map(|m| m.span));
    spans.extend(spec.mounts.iter().filter_map(|m| m.volume_def_span));
    spans.extend(spec.ports.iter().map(|p| p.span));
    spans.extend(spec.env.iter().flat_map(|e| [e.span, e.name.span]));
    spans.extend(spec.cap_add.iter().map(|c| c.span));
    spans.extend(spec.unresolved.iter().map(|c| c.span));
    spans.extend(spec.command.as_ref().map(|c| c.span));
    spans.extend(spec.suppressions.items.iter().filter_map(|s| s.scope));
    for s in spans {
        check_span(sources, s);
    }
}

fn load_checked(text: &str) {
    let l = mem(&[text]);
    for e in &l.errors {
        if let Some(s) = e.span {
            check_span(&l.sources, s);
        }
    }
    if let Some(p) = &l.project {
        for s in &p.services {
            check_spec(&l.sources, s);
        }
    }
}

fn samples() -> Vec<String> {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/awesome-compose"
    ));
    assert!(dir.is_dir(), "shared corpus missing at {}", dir.display());
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for d in dirs {
        for name in ["compose.yaml", "compose.yml"] {
            if let Ok(t) = std::fs::read_to_string(d.join(name)) {
                out.push(t);
            }
        }
    }
    out.push(
        "x: &a {privileged: true, image: \"é${A:-b}\"}\nservices:\n  s:\n    <<: *a\n    ports: ['[::1]:80:80/udp', '${P}:1']\n    volumes: ['${D}:/d:ro', {type: bind, source: /x, target: /y}]\n    environment: [\"K=${V:-x}\"]\n    command: echo 'a b' \"c\"\n# stockade: ignore=X\n"
            .to_string(),
    );
    out
}

/// A tiny deterministic generator.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as usize
    }
}

#[test]
fn truncated_files_never_panic() {
    for text in samples() {
        let step = (text.len() / 25).max(1);
        let mut cut = 0;
        while cut < text.len() {
            let mut c = cut;
            while !text.is_char_boundary(c) {
                c += 1;
            }
            load_checked(&text[..c]);
            cut += step;
        }
    }
}

#[test]
fn mutated_files_never_panic() {
    const BITS: [&str; 16] = [
        ":", "-", "[", "]", "{", "}", "&x ", "*x", "$", "${", "'", "\"", "\n", "é", "<<: ",
        "!reset ",
    ];
    let mut rng = Lcg(0x5eed);
    for text in samples() {
        for _ in 0..30 {
            let mut t = text.clone();
            for _ in 0..3 {
                let mut at = rng.next() % (t.len() + 1);
                while !t.is_char_boundary(at) {
                    at -= 1;
                }
                t.insert_str(at, BITS[rng.next() % BITS.len()]);
            }
            load_checked(&t);
        }
    }
}

#[test]
fn pathological_shapes_are_bounded() {
    // Deep block nesting on one line, deep flow nesting, long lines of variables.
    load_checked(&("services:\n  s:\n    labels: ".to_string() + &"- ".repeat(50_000) + "x\n"));
    load_checked(&("a: ".to_string() + &"[".repeat(300) + &"]".repeat(300)));
    load_checked(&format!(
        "services:\n  s:\n    image: \"{}\"\n",
        "${A:-".repeat(5_000) + &"}".repeat(5_000)
    ));
    // A long chain of services extending each other, declared in file order
    // (resolved one step at a time) and in reverse (resolved recursively).
    let mut t = String::from("services:\n  s0:\n    image: x\n    labels: {a: b}\n");
    for i in 1..300 {
        t.push_str(&format!(
            "  s{i}:\n    extends: s{}\n    environment: [K{i}=v]\n",
            i - 1
        ));
    }
    let l = mem(&[&t]);
    l.assert_no_errors();
    assert_eq!(l.project().services.len(), 300);
    assert_eq!(l.svc("s299").env.len(), 299);
    let mut t = String::from("services:\n");
    for i in 0..300 {
        t.push_str(&format!("  s{i}:\n    extends: s{}\n", i + 1));
    }
    t.push_str("  s300:\n    image: x\n");
    let l = mem(&[&t]);
    assert_eq!(l.project().services.len(), 301);
    assert!(
        l.errors
            .iter()
            .any(|e| e.message.contains("chain too long")),
        "{:?}",
        l.errors.first()
    );
    // Copies made by `extends` are bounded by the node budget.
    let mut t = String::from("services:\n  s0:\n    image: x\n    environment:\n");
    for k in 0..2000 {
        t.push_str(&format!("      - K{k}=v\n"));
    }
    for i in 1..200 {
        t.push_str(&format!("  s{i}:\n    extends: s0\n"));
    }
    let l = mem(&[&t]);
    assert!(
        l.errors.iter().any(|e| e.message.contains("budget")),
        "{:?}",
        l.errors.first()
    );
    // Merge keys that fan out: bounded by the alias budget.
    let mut m = String::from("x0: &x0 {k0: v}\n");
    for i in 1..60 {
        m.push_str(&format!(
            "x{i}: &x{i}\n  <<: [*x{}, *x{}]\n  k{i}: v\n",
            i - 1,
            i - 1
        ));
    }
    load_checked(&m);
}
