//! Latency and throughput of the guard against the daemon's own socket,
//! measured in the same run by a minimal HTTP/1.1 client (one keep-alive
//! connection per side, requests in alternating blocks so that drift in
//! the daemon hits both sides alike).
//!
//! ```text
//! guard_bench latency --direct /var/run/docker.sock --guard /tmp/g.sock --path /v1.41/_ping --n 5000
//! guard_bench stream  --direct /var/run/docker.sock --guard /tmp/g.sock --path /v1.41/images/x/get --runs 2
//! ```
//! Output is one JSON object per mode.

use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

struct Conn {
    r: BufReader<UnixStream>,
    w: UnixStream,
}

impl Conn {
    fn open(path: &str) -> Conn {
        let s = UnixStream::connect(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        Conn {
            r: BufReader::with_capacity(256 * 1024, s.try_clone().unwrap()),
            w: s,
        }
    }

    /// Sends a GET and reads the whole response; returns the body size.
    fn get(&mut self, path: &str, sink: &mut dyn FnMut(&[u8])) -> usize {
        write!(self.w, "GET {path} HTTP/1.1\r\nHost: docker\r\n\r\n").unwrap();
        let mut line = String::new();
        let mut len: Option<usize> = None;
        let mut chunked = false;
        let mut status = 0;
        loop {
            line.clear();
            self.r.read_line(&mut line).unwrap();
            let l = line.trim_end();
            if status == 0 {
                status = l
                    .split_whitespace()
                    .nth(1)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                continue;
            }
            if l.is_empty() {
                break;
            }
            let lower = l.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                len = v.trim().parse().ok();
            }
            if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            }
        }
        assert_eq!(status, 200, "GET {path}");
        let mut buf = vec![0u8; 256 * 1024];
        let cap = buf.len();
        let mut total = 0;
        if chunked {
            loop {
                line.clear();
                self.r.read_line(&mut line).unwrap();
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or("0"), 16)
                    .unwrap();
                if size == 0 {
                    line.clear();
                    self.r.read_line(&mut line).unwrap();
                    break;
                }
                let mut left = size;
                while left > 0 {
                    let n = self.r.read(&mut buf[..left.min(cap)]).unwrap();
                    assert!(n > 0, "early EOF");
                    sink(&buf[..n]);
                    left -= n;
                }
                total += size;
                line.clear();
                self.r.read_line(&mut line).unwrap();
            }
        } else {
            let mut left = len.expect("content-length or chunked");
            while left > 0 {
                let n = self.r.read(&mut buf[..left.min(cap)]).unwrap();
                assert!(n > 0, "early EOF");
                sink(&buf[..n]);
                left -= n;
                total += n;
            }
        }
        total
    }
}

fn pct(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1e6
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).cloned().unwrap_or_default();
    let direct = arg(&args, "--direct").unwrap_or_else(|| "/var/run/docker.sock".into());
    let guard = arg(&args, "--guard").expect("--guard SOCKET");
    let path = arg(&args, "--path").expect("--path PATH");
    match mode.as_str() {
        "latency" => {
            let n: usize = arg(&args, "--n")
                .and_then(|s| s.parse().ok())
                .unwrap_or(5000);
            let mut d = Conn::open(&direct);
            let mut g = Conn::open(&guard);
            let mut sink = |_: &[u8]| {};
            // Warm up both sides.
            for _ in 0..200 {
                d.get(&path, &mut sink);
                g.get(&path, &mut sink);
            }
            let (mut td, mut tg) = (Vec::with_capacity(n), Vec::with_capacity(n));
            let block = 100;
            let mut done = 0;
            while done < n {
                let k = block.min(n - done);
                for _ in 0..k {
                    let t = Instant::now();
                    d.get(&path, &mut sink);
                    td.push(t.elapsed());
                }
                for _ in 0..k {
                    let t = Instant::now();
                    g.get(&path, &mut sink);
                    tg.push(t.elapsed());
                }
                done += k;
            }
            td.sort();
            tg.sort();
            let (d50, d99, g50, g99) =
                (pct(&td, 0.5), pct(&td, 0.99), pct(&tg, 0.5), pct(&tg, 0.99));
            println!(
                "{{\"mode\":\"latency\",\"path\":\"{path}\",\"n\":{n},\"direct_p50_us\":{d50:.1},\"direct_p99_us\":{d99:.1},\"guard_p50_us\":{g50:.1},\"guard_p99_us\":{g99:.1},\"added_p50_us\":{:.1},\"added_p99_us\":{:.1}}}",
                g50 - d50,
                g99 - d99
            );
        }
        "stream" => {
            let runs: usize = arg(&args, "--runs")
                .and_then(|s| s.parse().ok())
                .unwrap_or(2);
            let best = |sock: &str| -> (usize, f64) {
                let mut c = Conn::open(sock);
                let t = Instant::now();
                let mut sum: u64 = 0;
                let n = c.get(&path, &mut |b: &[u8]| {
                    // Touch the bytes, as a consumer would.
                    sum = sum.wrapping_add(b[b.len() - 1] as u64);
                });
                std::hint::black_box(sum);
                (n, t.elapsed().as_secs_f64())
            };
            let (mut dbest, mut gbest) = (f64::MAX, f64::MAX);
            let mut size = 0;
            for run in 0..runs {
                // Alternate which side goes first (page cache, drift).
                let order = if run % 2 == 0 {
                    [false, true]
                } else {
                    [true, false]
                };
                for via_guard in order {
                    let (n, s) = best(if via_guard { &guard } else { &direct });
                    assert!(size == 0 || size == n, "the two streams differ in length");
                    size = n;
                    if via_guard {
                        gbest = gbest.min(s);
                    } else {
                        dbest = dbest.min(s);
                    }
                }
            }
            let mb = size as f64 / 1e6;
            println!(
                "{{\"mode\":\"stream\",\"path\":\"{path}\",\"bytes\":{size},\"runs\":{runs},\"direct_mb_s\":{:.1},\"guard_mb_s\":{:.1},\"ratio\":{:.3}}}",
                mb / dbest,
                mb / gbest,
                dbest / gbest
            );
        }
        _ => {
            eprintln!(
                "usage: guard_bench latency|stream --guard SOCK --path PATH [--direct SOCK] [--n N] [--runs N]"
            );
            std::process::exit(2);
        }
    }
}
