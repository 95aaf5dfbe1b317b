//! Hostile and mangled input: fixing never panics, and whatever it writes
//! parses no worse than what it read.

use stockade_fix::{FileKind, FixOptions, FixSettings, fix_text};
use stockade_rules::{Ctx, Policy};

fn opts<'a>(s: &'a FixSettings, p: &'a Policy, c: &'a Ctx) -> FixOptions<'a> {
    FixOptions {
        unsafe_fixes: true,
        settings: s,
        policy: p,
        ctx: c,
        eval: Default::default(),
        compose: Default::default(),
    }
}

fn errors(kind: FileKind, text: &str) -> Option<usize> {
    let sources = stockade_core::SourceMap::new();
    let f = sources.add("x", None, text.to_string());
    match kind {
        FileKind::Dockerfile => Some(
            stockade_dockerfile::evaluate(&f, &Default::default())
                .1
                .len(),
        ),
        FileKind::Compose => {
            let (p, e) = stockade_compose::load_sources(&[f], &sources, &Default::default());
            p.map(|_| e.len())
        }
    }
}

fn check(kind: FileKind, text: &str) {
    let (s, p) = (FixSettings::default(), Policy::default());
    let c = Ctx {
        read_context: false,
        ..Default::default()
    };
    let o = fix_text(kind, "x", None, text, &opts(&s, &p, &c));
    if o.changed() {
        let before = errors(kind, text);
        let after = errors(kind, &o.fixed);
        assert!(
            after.is_some(),
            "{kind:?} no longer parses:\n{text}\n---\n{}",
            o.fixed
        );
        assert!(
            after <= before,
            "{kind:?} {before:?} -> {after:?}:\n{text}\n---\n{}",
            o.fixed
        );
        let again = fix_text(kind, "x", None, &o.fixed, &opts(&s, &p, &c));
        assert!(
            !again.changed(),
            "not idempotent:\n{}\n---\n{}",
            o.fixed,
            again.fixed
        );
    }
}

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const DOCKERFILES: &[&str] = &[
    "FROM python:3.13-slim\nWORKDIR /app\nCOPY . .\nRUN chown -R 10001:10001 /app\nRUN apt-get update && apt-get install -y curl\nRUN pip install flask\nCMD [\"python\", \"app.py\"]\n",
    "FROM alpine:3.22 AS b\nRUN apk add build-base\nFROM alpine:3.22\nCOPY --from=b /x /app/x\nRUN apk add curl \\\n  && echo done\nUSER root\nEXPOSE 8080\n",
    "# syntax=docker/dockerfile:1\nFROM debian:12\nRUN <<EOF\napt-get update\napt-get install -y curl\nEOF\nCOPY <<EOF /app/conf\nx=1\nEOF\n",
];
const COMPOSES: &[&str] = &[
    "x-base: &base\n  security_opt: [seccomp=./p.json]\n  cap_drop: [NET_RAW]\nservices:\n  web:\n    <<: *base\n    image: nginx:1.27\n    privileged: true\n    ports: [\"5432:5432\", 8080]\n  db: {image: postgres:17, ports: ['3306:3306'], read_only: false}\n",
    "services:\n  app:\n    image: a:1\n    deploy:\n      resources:\n        limits: {memory: 0}\n    ports:\n    - target: 6379\n      published: 6379\n    tmpfs: /run\n    security_opt:\n    - no-new-privileges:false\n",
];
const JUNK: &[&str] = &[
    "\n",
    " ",
    "\\",
    "\"",
    "'",
    "#",
    "- ",
    ": ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "<<: ",
    "é",
    "\r\n",
    "\t",
    "$",
    "${X}",
    "USER root\n",
    "RUN chown -R 1 /app\n",
    "  x:\n",
    "    - ALL\n",
    "|\n",
    "---\n",
];

fn mangle(rng: &mut Rng, base: &str) -> String {
    let mut s = base.to_string();
    for _ in 0..1 + rng.below(4) {
        let mut at = rng.below(s.len() + 1);
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.below(3) {
            0 => s.insert_str(at, JUNK[rng.below(JUNK.len())]),
            1 => {
                let mut end = (at + 1 + rng.below(8)).min(s.len());
                while !s.is_char_boundary(end) {
                    end += 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                let line = s
                    .lines()
                    .nth(rng.below(s.lines().count()))
                    .unwrap_or("")
                    .to_string();
                s.insert_str(at, &format!("{line}\n"));
            }
        }
    }
    s
}

#[test]
fn mangled_inputs_never_panic_and_never_get_worse() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..150 {
        let base = DOCKERFILES[rng.below(DOCKERFILES.len())];
        check(FileKind::Dockerfile, &mangle(&mut rng, base));
        let base = COMPOSES[rng.below(COMPOSES.len())];
        check(FileKind::Compose, &mangle(&mut rng, base));
    }
}

#[test]
fn hostile_inputs() {
    let deep = format!(
        "services:\n  a:\n    image: x\n    labels: {}{}\n",
        "[".repeat(500),
        "]".repeat(500)
    );
    let wide = format!(
        "services:\n{}",
        (0..300)
            .map(|i| format!("  s{i}:\n    image: x\n"))
            .collect::<String>()
    );
    let aliases = "x: &a [1,2]\ny: &b [*a,*a,*a,*a]\nz: &c [*b,*b,*b,*b]\nservices:\n  s:\n    image: x\n    cap_drop: *c\n";
    for t in [
        deep.as_str(),
        wide.as_str(),
        aliases,
        "services:\n  s: *nope\n",
        "services: 1\n",
        "\u{feff}services:\n  s:\n    image: x\n",
    ] {
        check(FileKind::Compose, t);
    }
    let long = format!(
        "FROM debian:12\nRUN apt-get install -y {}\n",
        "a ".repeat(5_000)
    );
    for t in [
        long.as_str(),
        "FROM scratch\nCOPY a /app\nRUN chown -R 1 /app \\",
        "FROM\nUSER\nCOPY\n",
        "\u{feff}FROM debian:12\r\nRUN apk add x\r\n",
    ] {
        check(FileKind::Dockerfile, t);
    }
}
