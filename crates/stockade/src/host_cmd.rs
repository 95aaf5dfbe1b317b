//! `stockade host`: audit a live Docker host through the Engine API: the
//! daemon and (when local) the host with the host rules, every container
//! with the container rules.

use crate::cli::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, OutputFormat};
use crate::config::{CliPolicy, Config, ConfigFinder};
use clap::Args;
use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use stockade_core::{Finding, InputError, Severity, SourceMap};
use stockade_engine::{
    BlockingClient, ClientOptions, EngineError, VolumeInfo, apply_volume_info, host_spec,
    spec_from_inspect,
};
use stockade_rules::{Ctx, Policy};

/// Containers at which a progress bar appears (on a terminal).
const PROGRESS_THRESHOLD: usize = 20;

#[derive(Args, Debug)]
#[command(after_help = "\
The daemon is chosen like the docker CLI chooses it: --host, then DOCKER_HOST (with
DOCKER_TLS_VERIFY / DOCKER_CERT_PATH for tcp://), then the context named by DOCKER_CONTEXT or
~/.docker/config.json, then unix:///var/run/docker.sock. Host facts (the docker group, the
socket's mode, /etc/docker/daemon.json, the caller) are read only for a local socket.

Examples:
  stockade host
  stockade host --all --format json --fail-on high
  stockade host --host tcp://10.0.0.5:2376 --filter label=com.example.team=payments")]
pub struct HostArgs {
    /// Daemon to audit: unix:///path or tcp://host:port.
    #[arg(long, short = 'H', value_name = "URL")]
    pub host: Option<String>,
    /// Judge stopped containers too (default: running ones).
    #[arg(long, short = 'a')]
    pub all: bool,
    /// Also judge each image in use with the image rules (its export streamed from the API
    /// through the image reader once: never held whole in memory, never written to disk).
    #[arg(long)]
    pub images: bool,
    /// With --images: skip images larger than this many MiB (default: no limit; memory stays
    /// bounded whatever the size).
    #[arg(long, value_name = "MIB")]
    pub max_image_mib: Option<u64>,
    /// Only containers matching `label=KEY` or `label=KEY=VALUE` (repeatable; all must match).
    #[arg(long, value_name = "label=KEY[=VALUE]")]
    pub filter: Vec<String>,
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
    /// Use this config file instead of the nearest `.stockade.toml` above the current directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seconds to wait for each answer of the daemon.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Never colour the output.
    #[arg(long)]
    pub no_color: bool,
}

fn parse_severity(s: &str) -> Result<Severity, String> {
    s.parse()
}

/// What one audit produced.
struct Audit {
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    containers: usize,
}

pub fn run(a: HostArgs) -> i32 {
    let metas: Vec<_> = stockade_rules::catalog().iter().map(|r| r.meta()).collect();
    for s in a.select.iter().chain(&a.ignore) {
        if !stockade_rules::Selector::parse(s).is_known(&metas) {
            eprintln!("stockade: unknown rule, alias or category `{s}` (see `stockade rules`)");
            return EXIT_ERROR;
        }
    }
    let mut labels = Vec::new();
    for f in &a.filter {
        match f.strip_prefix("label=") {
            Some(l) if !l.is_empty() => labels.push(l.to_string()),
            _ => {
                eprintln!(
                    "stockade: --filter `{f}`: only `label=KEY` or `label=KEY=VALUE` is supported"
                );
                return EXIT_ERROR;
            }
        }
    }
    let config = match load_config(a.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("stockade: {e}");
            return EXIT_ERROR;
        }
    };
    let policy = config.policy(&CliPolicy {
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        fail_on: a.fail_on,
    });
    let defaults = Ctx::default();
    let cx = Ctx {
        trusted_registries: config.file.trusted_registries.clone(),
        max_image_age_days: config
            .file
            .max_image_age_days
            .unwrap_or(defaults.max_image_age_days),
        ..defaults
    };

    let resolved = match stockade_engine::resolve(a.host.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("stockade: {e}");
            return EXIT_ERROR;
        }
    };
    let opts = ClientOptions {
        timeout: Duration::from_secs(a.timeout.max(1)),
        ..ClientOptions::default()
    };
    let client = match BlockingClient::connect(resolved.endpoint.clone(), opts) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("stockade: {e} [daemon chosen by {}]", resolved.source);
            return EXIT_ERROR;
        }
    };
    let audit = audit(&client, &a, &labels, &cx, &policy);
    let fail_on = policy.fail_on;
    let failed = audit.findings.iter().any(|f| policy.fails(f));
    let code = write_report(&a, &audit, fail_on);
    if code != EXIT_OK {
        code
    } else if !audit.errors.is_empty() {
        EXIT_ERROR
    } else if failed {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

fn load_config(explicit: Option<&Path>) -> Result<Config, String> {
    if let Some(p) = explicit {
        let c = Config::load(p)?;
        c.warn_unknown();
        return Ok(c);
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match ConfigFinder::default().nearest(&cwd) {
        Some(p) => {
            let c = Config::load(&p)?;
            c.warn_unknown();
            Ok(c)
        }
        None => Ok(Config::empty()),
    }
}

fn audit(
    client: &BlockingClient,
    a: &HostArgs,
    labels: &[String],
    cx: &Ctx,
    policy: &Policy,
) -> Audit {
    let endpoint = client.client().endpoint().to_string();
    let mut out = Audit {
        findings: Vec::new(),
        errors: Vec::new(),
        containers: 0,
    };
    let (spec, notes) = client.run(host_spec(client.client()));
    for e in notes {
        out.errors
            .push(InputError::new(endpoint.clone(), None, e.to_string()));
    }
    out.findings
        .extend(stockade_rules::check_host(&spec, cx, policy));

    let mut list = match client.containers(a.all, labels) {
        Ok(l) => l,
        Err(e) => {
            out.errors.push(InputError::new(
                endpoint,
                None,
                format!("cannot list containers: {e}"),
            ));
            return out;
        }
    };
    list.sort_by(|x, y| x.name().cmp(&y.name()).then(x.id.cmp(&y.id)));
    let progress = progress_bar(list.len());
    let mut volumes: HashMap<String, VolumeInfo> = HashMap::new();
    // Image id -> the reference a container names it by.
    let mut images: BTreeMap<String, String> = BTreeMap::new();
    for c in &list {
        let id = c.id.clone().unwrap_or_default();
        let label = match c.name() {
            Some(n) => format!("container {n} ({})", short(&id)),
            None => format!("container {}", short(&id)),
        };
        if let Some(p) = &progress {
            p.set_message(c.name().unwrap_or("").to_string());
        }
        let doc = match client.inspect_container(&id) {
            Ok(d) => d,
            // Removed between the list and the inspect.
            Err(EngineError::Http { status: 404, .. }) => {
                if let Some(p) = &progress {
                    p.inc(1);
                }
                continue;
            }
            Err(e) => {
                out.errors.push(InputError::new(label, None, e.to_string()));
                if e.is_connection() {
                    break;
                }
                continue;
            }
        };
        match spec_from_inspect(&doc) {
            Ok(mut spec) => {
                for m in &spec.mounts {
                    if m.kind != stockade_core::MountKind::Volume {
                        continue;
                    }
                    let Some(name) = m.source.as_ref().and_then(|s| s.known()) else {
                        continue;
                    };
                    if volumes.contains_key(name) {
                        continue;
                    }
                    match client.volume(name) {
                        Ok(v) => {
                            volumes.insert(name.to_string(), v);
                        }
                        Err(EngineError::Http { status: 404, .. }) => {}
                        Err(e) => out.errors.push(InputError::new(
                            label.clone(),
                            None,
                            format!("volume `{name}`: {e}"),
                        )),
                    }
                }
                apply_volume_info(&mut spec, &volumes);
                if let Some(image_id) = c.image_id.clone().filter(|i| !i.is_empty()) {
                    let name = spec
                        .image
                        .as_ref()
                        .map(|i| i.value.display().to_string())
                        .unwrap_or_default();
                    images.entry(image_id).or_insert(name);
                }
                out.findings
                    .extend(stockade_rules::check_container(&spec, cx, policy));
                out.containers += 1;
            }
            Err(e) => out.errors.push(InputError::new(
                label,
                None,
                format!("unreadable inspect data: {e}"),
            )),
        }
        if let Some(p) = &progress {
            p.inc(1);
        }
    }
    if let Some(p) = progress {
        p.finish_and_clear();
    }
    if a.images {
        let max_bytes = a.max_image_mib.map(|m| m.saturating_mul(1 << 20));
        audit_images(client, &images, max_bytes, cx, policy, &mut out);
    }
    out
}

/// Streams each image's export (`GET /images/{id}/get`, a `docker save`
/// tar) through the image reader as it arrives, once, and judges it with
/// the image rules: nothing is written to disk and the archive is never
/// held whole, whatever the image's size. With `max_bytes`, images larger
/// than that (by the daemon's count, or by the export as it streams) are
/// skipped.
fn audit_images(
    client: &BlockingClient,
    images: &BTreeMap<String, String>,
    max_bytes: Option<u64>,
    cx: &Ctx,
    policy: &Policy,
    out: &mut Audit,
) {
    let mib = |b: u64| b >> 20;
    for (id, name) in images {
        // A name keeps the tags in the archive; an id-only reference (or a
        // name that now points elsewhere) is exported by id.
        let by_name = !name.is_empty() && !name.starts_with("sha256:") && {
            client
                .image(name)
                .is_ok_and(|i| i.id.as_deref() == Some(id.as_str()))
        };
        let what = if by_name { name.as_str() } else { id.as_str() };
        if let Some(max) = max_bytes {
            let size = client
                .image(id)
                .ok()
                .and_then(|i| i.size)
                .unwrap_or(0)
                .max(0) as u64;
            if size > max {
                eprintln!(
                    "stockade: image {what} skipped: {} MiB, more than --max-image-mib {}",
                    mib(size),
                    mib(max)
                );
                continue;
            }
        }
        let stream = match client.export_image(what) {
            Ok(s) => s,
            Err(e) => {
                out.errors.push(InputError::new(
                    format!("image {what}"),
                    None,
                    format!("cannot export: {e}"),
                ));
                continue;
            }
        };
        let mut capped = Capped {
            inner: stream,
            left: max_bytes,
            over: false,
        };
        let opts = stockade_image::ReadOptions::default();
        let results = stockade_image::read_stream(&mut capped, what, &opts);
        if capped.over {
            eprintln!(
                "stockade: image {what} skipped: its export is larger than --max-image-mib {}",
                max_bytes.map_or(0, mib)
            );
            continue;
        }
        match results {
            Ok(results) => {
                for r in results {
                    match r {
                        Ok(spec) => out
                            .findings
                            .extend(stockade_rules::check_image(&spec, cx, policy)),
                        Err(e) => out.errors.push(e.to_input_error()),
                    }
                }
            }
            Err(e) => out.errors.push(e.to_input_error()),
        }
    }
}

/// A stream that fails once more than `left` bytes have come (no cap when
/// `None`), noting it.
struct Capped<R> {
    inner: R,
    left: Option<u64>,
    over: bool,
}

impl<R: std::io::Read> std::io::Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let Some(left) = self.left else {
            return self.inner.read(buf);
        };
        if left == 0 && !buf.is_empty() {
            // One byte more than allowed tells a stream that ends here
            // from one that goes on.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.over = true;
                    Err(std::io::Error::other("the export exceeds --max-image-mib"))
                }
            };
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let got = self.inner.read(&mut buf[..n])?;
        self.left = Some(left - got as u64);
        Ok(got)
    }
}

fn short(id: &str) -> &str {
    let end = id
        .char_indices()
        .nth(12)
        .map(|(i, _)| i)
        .unwrap_or(id.len());
    &id[..end]
}

fn progress_bar(n: usize) -> Option<indicatif::ProgressBar> {
    if n < PROGRESS_THRESHOLD
        || !std::io::stdout().is_terminal()
        || !std::io::stderr().is_terminal()
    {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(n as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{spinner} containers {pos}/{len} {wide_bar} {msg}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

fn write_report(a: &HostArgs, audit: &Audit, fail_on: Severity) -> i32 {
    let sources = SourceMap::new();
    let infos = crate::rules_cmd::rule_infos();
    let report = stockade_report::Report {
        findings: &audit.findings,
        errors: &audit.errors,
        sources: &sources,
        rules: &infos,
        files_scanned: audit.containers,
        tool_version: env!("CARGO_PKG_VERSION"),
        fail_on,
    };
    // The same names as `scan --format`, whatever formats the CLI offers.
    let name = clap::ValueEnum::to_possible_value(&a.format)
        .map(|v| v.get_name().to_string())
        .unwrap_or_default();
    let format: stockade_report::Format = match name.parse() {
        Ok(f) => f,
        Err(_) => {
            eprintln!("stockade: unknown output format `{name}`");
            return EXIT_ERROR;
        }
    };
    let color = !a.no_color
        && a.output.is_none()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        && std::io::stdout().is_terminal();
    let human = stockade_report::HumanOptions { color, width: None };
    let result = match &a.output {
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
    match result {
        Err(e) if !e.contains("Broken pipe") => {
            eprintln!("stockade: cannot write the report: {e}");
            EXIT_ERROR
        }
        _ => EXIT_OK,
    }
}
