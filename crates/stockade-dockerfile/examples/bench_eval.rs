//! Throughput check: parses and evaluates the given Dockerfiles repeatedly
//! and prints files per second (`cargo run --release --example bench_eval -- FILES…`).

use std::time::Instant;
use stockade_core::span::SourceMap;
use stockade_dockerfile::{EvalOptions, evaluate};

fn main() {
    let texts: Vec<(String, String)> = std::env::args()
        .skip(1)
        .filter_map(|p| {
            Some((
                p.clone(),
                String::from_utf8_lossy(&std::fs::read(&p).ok()?).into_owned(),
            ))
        })
        .collect();
    let bytes: usize = texts.iter().map(|t| t.1.len()).sum();
    let rounds = 50;
    let map = SourceMap::new();
    let files: Vec<_> = texts
        .into_iter()
        .map(|(p, t)| map.add(p, None, t))
        .collect();
    let opts = EvalOptions::default();
    let parse_only = std::env::var_os("PARSE_ONLY").is_some();
    let start = Instant::now();
    let mut stages = 0;
    for _ in 0..rounds {
        for f in &files {
            if parse_only {
                stages += stockade_dockerfile::parse(f).0.nodes.len();
            } else {
                stages += evaluate(f, &opts).0.stages.len();
            }
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let n = (files.len() * rounds) as f64;
    println!(
        "{} files x {rounds}: {:.1} µs/file, {:.0} files/s, {:.1} MB/s ({stages} stages)",
        files.len(),
        secs * 1e6 / n,
        n / secs,
        (bytes * rounds) as f64 / secs / 1e6
    );
}
