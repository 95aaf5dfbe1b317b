//! Latency and throughput of the guard against the daemon's own socket,
//! measured in the same run by a minimal HTTP/1.1 client (one keep-alive
//! connection per side, requests in alternating blocks so that drift in
//! the daemon hits both sides alike). `latency` also measures a plain byte
//! relay (two threads copying, no HTTP) as the floor any proxy pays here.
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

/// The floor of any proxy on this machine: a blocking byte relay (two
/// threads copying) in front of `upstream`, with no HTTP parsing at all.
fn start_relay(upstream: &str) -> String {
    let path = format!("/tmp/guard-bench-relay-{}.sock", std::process::id());
    let _ = std::fs::remove_file(&path);
    let listener = std::os::unix::net::UnixListener::bind(&path).unwrap();
    let upstream = upstream.to_string();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(client) = client else { continue };
            let Ok(server) = UnixStream::connect(&upstream) else {
                continue;
            };
            let (mut c2, mut s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
            let (mut c1, mut s1) = (client, server);
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut c1, &mut s1);
                let _ = s1.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut s2, &mut c2);
            });
        }
    });
    path
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
            let relay = start_relay(&direct);
            let mut conns = [Conn::open(&direct), Conn::open(&relay), Conn::open(&guard)];
            let mut sink = |_: &[u8]| {};
            // Warm up every side.
            for _ in 0..200 {
                for c in conns.iter_mut() {
                    c.get(&path, &mut sink);
                }
            }
            let mut times: [Vec<Duration>; 3] = [Vec::new(), Vec::new(), Vec::new()];
            let block = 100;
            let mut done = 0;
            while done < n {
                let k = block.min(n - done);
                for (c, t) in conns.iter_mut().zip(times.iter_mut()) {
                    for _ in 0..k {
                        let start = Instant::now();
                        c.get(&path, &mut sink);
                        t.push(start.elapsed());
                    }
                }
                done += k;
            }
            for t in times.iter_mut() {
                t.sort();
            }
            let p = |i: usize, q: f64| pct(&times[i], q);
            let _ = std::fs::remove_file(&relay);
            println!(
                "{{\"mode\":\"latency\",\"path\":\"{path}\",\"n\":{n},\"direct_p50_us\":{:.1},\"direct_p99_us\":{:.1},\"guard_p50_us\":{:.1},\"guard_p99_us\":{:.1},\"added_p50_us\":{:.1},\"added_p99_us\":{:.1},\"relay_added_p50_us\":{:.1},\"relay_added_p99_us\":{:.1}}}",
                p(0, 0.5),
                p(0, 0.99),
                p(2, 0.5),
                p(2, 0.99),
                p(2, 0.5) - p(0, 0.5),
                p(2, 0.99) - p(0, 0.99),
                p(1, 0.5) - p(0, 0.5),
                p(1, 0.99) - p(0, 0.99),
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
