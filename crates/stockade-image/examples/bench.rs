//! Throughput against the decompression floor.
//!
//! Builds a `docker save`-style archive with gzip layers of text-like files
//! in the temp directory, then times (1) gunzipping every layer to nowhere
//! on one core: the floor; (2) `stockade_image::open` with one thread;
//! (3) with two. Target: (2) within 1.5x of the floor, (3) under it.
//!
//! `cargo run --release -p stockade-image --example bench [MiB per layer] [layers]`

use std::io::{Read, Write};
use std::time::Instant;

fn text_file(seed: &mut u64, len: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "the", "image", "layer", "config", "return", "value", "struct", "import", "def", "self",
        "let", "mut", "fn", "=", "(", ")", "{", "}", "\n", "    ", "if", "else", "for", "in", "0",
        "1", "42", "name", "path", "error", "print", "data", "#", "//",
    ];
    let mut out = Vec::with_capacity(len + 16);
    while out.len() < len {
        *seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let w = WORDS[((*seed >> 33) as usize) % WORDS.len()];
        out.extend_from_slice(w.as_bytes());
        out.push(b' ');
    }
    out.truncate(len);
    out
}

fn layer(seed: &mut u64, target: usize) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    let mut total = 0;
    let mut i = 0;
    while total < target {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        // Mostly small files, some large ones.
        let len = if i % 50 == 0 {
            1 << 20
        } else {
            512 + (*seed as usize % (48 * 1024))
        };
        let data = text_file(seed, len);
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(
            &mut h,
            format!("usr/share/app/{}/f{i}.txt", i % 97),
            &data[..],
        )
        .unwrap();
        total += len;
        i += 1;
    }
    b.into_inner().unwrap()
}

fn sha(d: &[u8]) -> String {
    use sha2::Digest;
    let out = sha2::Sha256::digest(d);
    let mut s = String::from("sha256:");
    for b in out.iter() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

/// User + system CPU seconds of this process so far (Linux).
fn cpu_seconds() -> f64 {
    let s = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = s.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let tick = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    // Fields 14 and 15 of stat (utime, stime), counted after the `)`.
    (tick(11) + tick(12)) / 100.0
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mib: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(64);
    let n: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(4);
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut stored = Vec::new();
    let mut diff_ids = Vec::new();
    for _ in 0..n {
        let l = layer(&mut seed, mib << 20);
        diff_ids.push(sha(&l));
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(&l).unwrap();
        stored.push(e.finish().unwrap());
    }
    let cfg = serde_json::to_vec(&serde_json::json!({
        "architecture": "amd64", "os": "linux", "config": {},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap();
    let names: Vec<String> = (0..n).map(|i| format!("l{i}/layer.tar")).collect();
    let manifest = serde_json::to_vec(&serde_json::json!([
        {"Config": "config.json", "RepoTags": ["bench:1"], "Layers": names}
    ]))
    .unwrap();
    let path = std::env::temp_dir().join(format!("stockade-bench-{}.tar", std::process::id()));
    {
        let mut b = tar::Builder::new(std::fs::File::create(&path).unwrap());
        let mut add = |p: &str, d: &[u8]| {
            let mut h = tar::Header::new_gnu();
            h.set_size(d.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, p, d).unwrap();
        };
        for (i, s) in stored.iter().enumerate() {
            add(&names[i], s);
        }
        add("config.json", &cfg);
        add("manifest.json", &manifest);
        b.finish().unwrap();
    }
    let total_c: usize = stored.iter().map(Vec::len).sum();
    println!(
        "{n} gzip layers, {} MiB uncompressed, {} MiB stored",
        n * mib,
        total_c >> 20
    );

    let best = |f: &mut dyn FnMut()| {
        (0..3)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    };
    let floor = best(&mut || {
        for s in &stored {
            let mut d = flate2::read::MultiGzDecoder::new(&s[..]);
            let mut buf = vec![0u8; 256 * 1024];
            while d.read(&mut buf).unwrap() > 0 {}
        }
    });
    let run = |threads: usize| {
        let opts = stockade_image::ReadOptions {
            threads,
            scan_secret_content: std::env::var_os("BENCH_NO_SCAN").is_none(),
            ..Default::default()
        };
        let v = stockade_image::open(&path, &opts).unwrap();
        assert!(v[0].is_ok(), "{:?}", v[0].as_ref().err());
    };
    let only = std::env::var("BENCH_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok());
    let one = if only.is_none_or(|t| t == 1) {
        best(&mut || run(1))
    } else {
        f64::NAN
    };
    let two = if only.is_none_or(|t| t == 2) {
        best(&mut || run(2))
    } else {
        f64::NAN
    };
    let (c0, t0) = (cpu_seconds(), Instant::now());
    run(2);
    let (cpu, wall) = (cpu_seconds() - c0, t0.elapsed().as_secs_f64());
    let _ = std::fs::remove_file(&path);
    println!("floor (gunzip, 1 core): {floor:.3}s");
    println!(
        "open, 1 thread:         {one:.3}s  ({:.2}x floor)",
        one / floor
    );
    println!(
        "open, 2 threads:        {two:.3}s  ({:.2}x floor)",
        two / floor
    );
    println!("one 2-thread read used {cpu:.2}s of CPU in {wall:.2}s of wall time");
}
