//! `stockade guard`: run the policy-enforcing Docker socket proxy.

use clap::Args;
use std::path::PathBuf;
use stockade_guard::{CliOptions, GuardConfig};

#[derive(Args, Debug)]
#[command(after_help = "\
Examples:
  stockade guard --profile ci --listen unix:///run/stockade/docker.sock \\
      --upstream unix:///var/run/docker.sock
  stockade guard --config .stockade.toml   # [[guard.listener]] and [guard.profile.NAME] tables

Built-in profiles: read-only (lists, inspect, logs, events, stats), ci (container life cycle,
pull, build, networks, volumes; every container judged by the container rules).
Refusals answer 403 {\"message\":\"stockade guard: <rule id>: <why>\"}; every decision is one JSON
line in the audit log.")]
pub struct GuardArgs {
    /// Socket to listen on: unix:///path (created 0660, owned by this user).
    #[arg(long, value_name = "URL")]
    pub listen: Option<String>,
    /// Profile of the --listen socket: read-only, ci, or a profile from --config.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
    /// The Docker daemon's socket [default: unix:///var/run/docker.sock, or the config's].
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    /// Append audit lines to FILE (`-`: standard error) [default: the config's, else `-`].
    #[arg(long, value_name = "FILE")]
    pub audit_log: Option<String>,
    /// Config file with a [guard] table (listeners, profiles).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Threads serving requests. One (the default) has the lowest latency;
    /// more help only with many busy clients.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub threads: u16,
    /// Check the configuration, print the listeners and exit.
    #[arg(long)]
    pub check: bool,
}

pub fn run(a: GuardArgs) -> i32 {
    let cli = CliOptions {
        listen: a.listen,
        profile: a.profile,
        upstream: a.upstream,
        audit_log: a.audit_log,
        config: a.config,
    };
    let config = match GuardConfig::from_cli(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("stockade guard: {e}");
            return crate::cli::EXIT_ERROR;
        }
    };
    for l in &config.listeners {
        eprintln!(
            "stockade guard: {} (profile {}) -> unix://{}",
            l.listen,
            l.profile.name,
            config.upstream.display()
        );
    }
    if a.check {
        return crate::cli::EXIT_OK;
    }
    match stockade_guard::run(&config, usize::from(a.threads)) {
        Ok(()) => crate::cli::EXIT_OK,
        Err(e) => {
            eprintln!("stockade guard: {e}");
            crate::cli::EXIT_ERROR
        }
    }
}
