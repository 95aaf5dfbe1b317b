//! Randomised properties: any input parses and evaluates without a panic,
//! every span lies inside the text, and the document reconstructs the input.

mod common;

use common::{assert_spans_inside, file};
use stockade_dockerfile::{EvalOptions, evaluate, looks_like_dockerfile, parse};

/// xorshift64*: small, deterministic, good enough to drive inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn check(text: &str) {
    let f = file(text);
    let (doc, _) = parse(&f);
    assert_eq!(
        doc.reconstruct(&f.text),
        text,
        "round trip failed for {text:?}"
    );
    assert_spans_inside(text, &format!("{doc:?}"));
    let opts = EvalOptions {
        build_args: vec![("A".into(), "x".into())],
        target: Some("b".into()),
        context_dir: None,
    };
    let (spec, errs) = evaluate(&f, &opts);
    assert_spans_inside(text, &format!("{spec:?}"));
    for e in &errs {
        if let Some(s) = e.span {
            assert!(s.end as usize <= text.len() && s.start <= s.end, "{e:?}");
        }
    }
    let _ = looks_like_dockerfile(text);
}

/// Pieces that exercise every path of the parser.
const PIECES: &[&str] = &[
    "FROM ",
    "from ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "ARG ",
    "LABEL ",
    "USER ",
    "ONBUILD ",
    "HEALTHCHECK ",
    "CMD ",
    "ENTRYPOINT ",
    "SHELL ",
    "VOLUME ",
    "EXPOSE ",
    "WORKDIR ",
    "STOPSIGNAL ",
    "MAINTAINER ",
    "AS ",
    "b ",
    "alpine",
    "scratch",
    "$A",
    "${A:-x}",
    "${B",
    "${A:?}",
    "${A#*}",
    "${A//a/b}",
    "\"",
    "'",
    "\\",
    "`",
    "\\\n",
    "`\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "\u{a0}",
    "é",
    "😀",
    "#",
    "# escape=`\n",
    "# syntax=x\n",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "EOF\n",
    "\tEOF\n",
    "<<",
    "[",
    "]",
    "[\"a\", \"b\"]",
    "[\"sh\",\"-c\",\"id\"]",
    ",",
    "=",
    "--mount=type=cache,target=/x ",
    "--network=none ",
    "--from=b ",
    "--chown=$A ",
    "--platform=$BUILDPLATFORM ",
    "--",
    "--x ",
    "&&",
    "|",
    ";",
    "$(",
    ")",
    "{",
    "}",
    "# stockade: ignore=X\n",
    "# hadolint ignore=DL1\n",
    "# trivy:ignore:DS1\n",
    "# checkov:skip=CKV_1:r\n",
    "NONE",
    "CMD",
    "\u{feff}",
];

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let len = rng.below(200);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                // Bias towards the bytes that matter to the grammar.
                match rng.below(4) {
                    0 => b"\n\\`\"'$#<{}[] =-\t\r"[rng.below(16)],
                    _ => rng.next() as u8,
                }
            })
            .collect();
        check(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn random_dockerfile_like_text_never_panics() {
    let mut rng = Rng(42);
    for _ in 0..4000 {
        let n = 1 + rng.below(40);
        let mut text = String::new();
        for _ in 0..n {
            text.push_str(PIECES[rng.below(PIECES.len())]);
        }
        check(&text);
    }
}

#[test]
fn mutated_corpus_files_never_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/edge");
    let mut seeds: Vec<String> = std::fs::read_dir(dir)
        .expect("tests/data/edge")
        .filter_map(|e| std::fs::read(e.ok()?.path()).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty());
    let mut rng = Rng(7);
    for _ in 0..3000 {
        let seed = &seeds[rng.below(seeds.len())];
        let mut chars: Vec<char> = seed.chars().collect();
        for _ in 0..1 + rng.below(6) {
            if chars.is_empty() {
                break;
            }
            let at = rng.below(chars.len());
            match rng.below(3) {
                0 => {
                    chars.remove(at);
                }
                1 => chars.insert(
                    at,
                    ['\n', '\\', '<', '"', '\'', '$', '#', '`', ' '][rng.below(9)],
                ),
                _ => {
                    let end = (at + rng.below(20)).min(chars.len());
                    let dup: Vec<char> = chars[at..end].to_vec();
                    chars.splice(at..at, dup);
                }
            }
        }
        check(&chars.into_iter().collect::<String>());
    }
}

#[test]
fn hostile_shapes_stay_bounded() {
    // Deep nesting, long lines and many heredocs must neither panic nor crawl.
    let start = std::time::Instant::now();
    let cases = [
        format!(
            "FROM a\nUSER {}x{}\n",
            "${A:-".repeat(5000),
            "}".repeat(5000)
        ),
        format!("FROM a\nCMD {}\n", "[".repeat(100_000)),
        format!("FROM a\nRUN {}\n", "<<E ".repeat(5000)),
        format!("FROM a\nONBUILD {}RUN x\n", "ONBUILD ".repeat(10_000)),
        format!("FROM a\nRUN x{}\n", " \\\n".repeat(20_000)),
        format!("{}FROM a\n", "ARG A=$A$A$A$A\n".repeat(2000)),
        "FROM a AS s0\nENV A=1\n".to_string()
            + &(1..2000)
                .map(|i| format!("FROM s{} AS s{i}\nENV V{i}=x\n", i - 1))
                .collect::<String>(),
        format!(
            "FROM a\nENV P=/{}\nWORKDIR ${{P//*a*/b}}\n",
            "a".repeat(5000)
        ),
        // Doubling a value at each step must hit the size limit, not memory.
        format!(
            "FROM a\nENV A=xxxxxxxx\n{}USER $A\n",
            "ENV A=$A$A$A$A\n".repeat(200)
        ),
        format!("ARG A=xxxxxxxx\n{}FROM a\n", "ARG A=$A$A$A$A\n".repeat(200)),
    ];
    for text in &cases {
        check(text);
    }
    assert!(start.elapsed().as_secs() < 20, "took {:?}", start.elapsed());
}
