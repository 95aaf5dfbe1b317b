//! Runs the guard in the foreground, like `stockade guard` (for benches and
//! manual tests without building the whole CLI).
//!
//! `cargo run -p stockade-guard --example serve -- --listen unix:///tmp/g.sock --profile ci [--upstream URL] [--audit-log FILE] [--config FILE] [--workers N]`

fn main() {
    let mut cli = stockade_guard::CliOptions::default();
    let mut workers: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let v = args.next();
        let Some(v) = v else {
            eprintln!("{a}: missing value");
            std::process::exit(2);
        };
        match a.as_str() {
            "--listen" => cli.listen = Some(v),
            "--profile" => cli.profile = Some(v),
            "--upstream" => cli.upstream = Some(v),
            "--audit-log" => cli.audit_log = Some(v),
            "--config" => cli.config = Some(v.into()),
            "--workers" => workers = v.parse().ok(),
            _ => {
                eprintln!("unknown option {a}");
                std::process::exit(2);
            }
        }
    }
    let config = match stockade_guard::GuardConfig::from_cli(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("guard: {e}");
            std::process::exit(2);
        }
    };
    if let Some(w) = workers {
        // A fixed runtime size (0: one thread), for comparing in benches.
        let running = match stockade_guard::spawn(&config, w) {
            Ok(r) => r,
            Err(e) => {
                eprintln!("guard: {e}");
                std::process::exit(1);
            }
        };
        loop {
            std::thread::park();
            let _ = &running;
        }
    }
    if let Err(e) = stockade_guard::run(&config, 1) {
        eprintln!("guard: {e}");
        std::process::exit(1);
    }
}
