//! Command-line definition and dispatch.

use crate::config::CliPolicy;
use crate::discover::Kind;
use crate::scan::{self, ScanOptions};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use stockade_core::{Severity, SourceMap};

/// Exit codes.
pub const EXIT_OK: i32 = 0;
pub const EXIT_FINDINGS: i32 = 1;
pub const EXIT_ERROR: i32 = 2;

#[derive(Parser, Debug)]
#[command(
    name = "stockade",
    version = long_version(),
    about = "Container-security auditor: Dockerfiles, Compose files, docker run lines, images and live hosts",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// `0.1.0 (rule catalog 2026.11.1)`.
pub fn long_version() -> &'static str {
    static V: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    V.get_or_init(|| {
        format!(
            "{} (rule catalog {})",
            env!("CARGO_PKG_VERSION"),
            stockade_rules::CATALOG_VERSION
        )
    })
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Scan files and directories (default `.`); `-` reads standard input.
    Scan(Box<ScanArgs>),
    /// List the rule catalog, or print one rule's documentation.
    Rules(RulesArgs),
    /// Print shell completions: bash, zsh or fish.
    Completions(crate::docs_cmd::CompletionsArgs),
    /// Print the man page (roff).
    Man,
    /// Regenerate (or --check) docs/rules, the README's rule table and docs/stockade.1.
    #[command(hide = true)]
    Docs(crate::docs_cmd::DocsArgs),
    /// Apply the fixes of findings in Dockerfiles and Compose files (in place, or `--diff`).
    Fix(crate::fix_cmd::FixArgs),
    /// Write a hardening override for a Compose file, or harden `-- docker run …`.
    Harden(crate::harden_cmd::HardenArgs),
    /// Run a policy-enforcing proxy in front of the Docker socket.
    Guard(crate::guard_cmd::GuardArgs),
    /// Audit a live Docker host: the daemon, the host and every container.
    Host(Box<crate::host_cmd::HostArgs>),
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    Html,
    Gitlab,
}

#[derive(Args, Debug)]
pub struct ScanArgs {
    /// Files or directories to scan (`-` for standard input).
    pub paths: Vec<String>,
    /// Treat every scanned file as this kind instead of detecting it.
    #[arg(long, value_parser = ["dockerfile", "compose", "script", "makefile"])]
    pub kind: Option<String>,
    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when a finding is at or above this severity [default: low, or the config's fail-on].
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    pub fail_on: Option<Severity>,
    /// Only run these rules (ids, peer aliases or categories; comma-separated or repeated).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Skip these rules (ids, peer aliases or categories).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Build argument for Dockerfiles, as `docker build --build-arg NAME=VALUE`.
    #[arg(long = "build-arg", value_name = "NAME=VALUE")]
    pub build_args: Vec<String>,
    /// Judge this build stage of each Dockerfile instead of the last one.
    #[arg(long, value_name = "STAGE")]
    pub target: Option<String>,
    /// Judge only this platform of image archives and OCI layouts (`linux/amd64`, `linux/arm64/v8`) [default: every platform].
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// Use this config file instead of the nearest `.stockade.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Compose files forming one project, merged in order (like `docker compose -f`).
    #[arg(long = "compose", value_name = "FILE")]
    pub compose: Vec<PathBuf>,
    /// Extra `.env` files for Compose interpolation.
    #[arg(long = "env-file", value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Let Compose interpolation read the process environment (off: reproducible results).
    #[arg(long)]
    pub use_env: bool,
    /// Never colour the output.
    #[arg(long)]
    pub no_color: bool,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A rule id or peer alias: print its documentation.
    pub id: Option<String>,
    /// Print the catalog as JSON.
    #[arg(long)]
    pub json: bool,
    /// Print peer tools' ids (hadolint, Trivy, Checkov, KICS) and the rules that answer to them.
    #[arg(long, conflicts_with = "id")]
    pub aliases: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// Parses arguments and runs; returns the exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::Scan(a) => run_scan(*a),
        Command::Rules(a) => crate::rules_cmd::run(a),
        Command::Completions(a) => crate::docs_cmd::completions(a),
        Command::Man => crate::docs_cmd::man(),
        Command::Docs(a) => crate::docs_cmd::docs(a),
        Command::Fix(a) => crate::fix_cmd::run(a),
        Command::Harden(a) => crate::harden_cmd::run(a),
        Command::Guard(a) => crate::guard_cmd::run(a),
        Command::Host(a) => crate::host_cmd::run(*a),
    }
}

fn color_wanted(no_color: bool, to_file: bool) -> bool {
    if no_color || to_file {
        return false;
    }
    if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    std::io::stdout().is_terminal()
}

fn run_scan(a: ScanArgs) -> i32 {
    let mut build_args = Vec::new();
    for ba in &a.build_args {
        match ba.split_once('=') {
            Some((k, v)) if !k.is_empty() => build_args.push((k.to_string(), v.to_string())),
            _ => {
                // `--build-arg NAME` takes the value from the environment, like docker build.
                match std::env::var(ba) {
                    Ok(v) if !ba.is_empty() => build_args.push((ba.clone(), v)),
                    _ => {
                        eprintln!(
                            "stockade: --build-arg `{ba}`: expected NAME=VALUE (or NAME set in the environment)"
                        );
                        return EXIT_ERROR;
                    }
                }
            }
        }
    }
    let opts = ScanOptions {
        paths: a.paths.clone(),
        kind: a
            .kind
            .as_deref()
            .map(|k| Kind::parse(k).expect("clap validated the kind")),
        build_args,
        target: a.target.clone(),
        platform: a.platform.clone(),
        config: a.config.clone(),
        cli: CliPolicy {
            select: a.select.clone(),
            ignore: a.ignore.clone(),
            fail_on: a.fail_on,
        },
        compose_files: a.compose.clone(),
        env_files: a.env_files.clone(),
        use_env: a.use_env,
    };
    // Unknown rule names on the command line are usage errors.
    let metas: Vec<_> = stockade_rules::catalog().iter().map(|r| r.meta()).collect();
    for s in a.select.iter().chain(&a.ignore) {
        if !stockade_rules::Selector::parse(s).is_known(&metas) {
            eprintln!("stockade: unknown rule, alias or category `{s}` (see `stockade rules`)");
            return EXIT_ERROR;
        }
    }

    let sources = SourceMap::new();
    let result = scan::run(&opts, &sources);

    let infos = crate::rules_cmd::rule_infos();
    let report = stockade_report::Report {
        findings: &result.findings,
        errors: &result.errors,
        sources: &sources,
        rules: &infos,
        files_scanned: result.files,
        tool_version: env!("CARGO_PKG_VERSION"),
        fail_on: result.fail_on,
    };
    let format = match a.format {
        OutputFormat::Human => stockade_report::Format::Human,
        OutputFormat::Json => stockade_report::Format::Json,
        OutputFormat::Sarif => stockade_report::Format::Sarif,
        OutputFormat::Github => stockade_report::Format::Github,
        OutputFormat::Markdown => stockade_report::Format::Markdown,
        OutputFormat::Html => stockade_report::Format::Html,
        OutputFormat::Gitlab => stockade_report::Format::Gitlab,
    };
    let human = stockade_report::HumanOptions {
        color: color_wanted(a.no_color, a.output.is_some()),
        width: None,
    };
    let write_result = match &a.output {
        Some(path) => {
            let mut buf = Vec::new();
            stockade_report::render(&report, format, &human, &mut buf)
                .and_then(|_| std::fs::write(path, &buf))
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        None => {
            let stdout = std::io::stdout();
            let mut lock = std::io::BufWriter::new(stdout.lock());
            stockade_report::render(&report, format, &human, &mut lock)
                .and_then(|_| lock.flush())
                .map_err(|e| e.to_string())
        }
    };
    if let Err(e) = write_result
        && !e.contains("Broken pipe")
    {
        eprintln!("stockade: cannot write the report: {e}");
        return EXIT_ERROR;
    }
    if !result.errors.is_empty() {
        EXIT_ERROR
    } else if result.failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
