//! Throughput check (ignored by default; run with `--release -- --ignored`).

use std::path::PathBuf;
use std::time::Instant;

use stockade_compose::{LoadOptions, load};
use stockade_core::SourceMap;

#[test]
#[ignore]
fn load_throughput() {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/corpus/awesome-compose"
    ));
    let mut files = Vec::new();
    for d in std::fs::read_dir(&dir).expect("corpus") {
        let d = d.unwrap().path();
        for n in ["compose.yaml", "compose.yml"] {
            if d.join(n).is_file() {
                files.push(d.join(n));
            }
        }
    }
    let rounds = 130;
    let start = Instant::now();
    let mut services = 0;
    for _ in 0..rounds {
        for f in &files {
            let sources = SourceMap::new();
            let (p, errors) = load(std::slice::from_ref(f), &sources, &LoadOptions::default());
            assert!(errors.is_empty());
            services += p.map_or(0, |p| p.services.len());
        }
    }
    let n = rounds * files.len();
    let el = start.elapsed();
    eprintln!(
        "{n} files, {services} services in {el:?}: {:.1} µs per file",
        el.as_secs_f64() * 1e6 / n as f64
    );
}
