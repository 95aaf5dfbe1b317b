//! `stockade fix [PATH...]`: applies the fixes of findings in Dockerfiles
//! and Compose files, in place (or prints them as a diff).
//!
//! Exit codes, as `scan`: 0 when no finding at or above the `fail-on`
//! threshold is left after fixing (with `--diff`: would be left); 1 when
//! some are (each is listed with why it was not fixed); 2 on input errors
//! (unreadable paths, a bad config, a file that cannot be read as a
//! Dockerfile or Compose file).

use crate::cli::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use crate::config::{CliPolicy, Config, ConfigFinder};
use crate::discover::{self, Kind, MAX_FILE_BYTES};
use clap::Args;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use stockade_fix::{FileKind, FileOutcome, FixOptions, FixSettings, Safety, Why};
use stockade_rules::{Ctx, Policy};

#[derive(Args, Debug)]
#[command(
    after_help = "Safe fixes keep behaviour; unsafe ones (--unsafe-fixes) may change it. \
Each fixed rule's documentation (`stockade rules ID`) says which kind it has.\n\n\
Exit status: 0 when no finding at or above `fail-on` is left after fixing (with --diff: would be \
left), 1 when some are (each is listed with why it was not fixed), 2 on input errors."
)]
pub struct FixArgs {
    /// Files or directories to fix (default `.`).
    pub paths: Vec<String>,
    /// Print a unified diff of the fixes instead of changing files.
    #[arg(long)]
    pub diff: bool,
    /// Also apply fixes that may change behaviour (a non-root USER,
    /// dropped capabilities, read-only root, limits, loopback ports,
    /// no privileged mode).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Only fix findings of these rules (ids, peer aliases or categories).
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub select: Vec<String>,
    /// Leave findings of these rules alone.
    #[arg(long, value_name = "RULES", value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Use this config file instead of the nearest `.stockade.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// The values fixes write, from a config's `[fix]` table.
pub fn fix_settings(cfg: &Config) -> Result<FixSettings, String> {
    let d = FixSettings::default();
    let f = &cfg.file.fix;
    let s = FixSettings {
        user: f.user.clone().unwrap_or(d.user),
        memory: f.memory.clone().unwrap_or(d.memory),
        cpus: f.cpus.as_ref().map(|c| c.to_string()).unwrap_or(d.cpus),
        pids_limit: f.pids_limit.unwrap_or(d.pids_limit),
    };
    let at = cfg
        .path
        .as_deref()
        .map(|p| format!("{}: ", p.display()))
        .unwrap_or_default();
    s.validate().map_err(|e| format!("{at}{e}"))?;
    Ok(s)
}

/// Policy, rule context and fix values for one config.
struct Settings {
    config: Arc<Config>,
    policy: Policy,
    ctx: Ctx,
    fix: FixSettings,
}

struct Configs {
    forced: Option<Arc<Settings>>,
    finder: ConfigFinder,
    cache: HashMap<Option<PathBuf>, Arc<Settings>>,
    cli: CliPolicy,
}

impl Configs {
    fn settings(cfg: Config, cli: &CliPolicy) -> Result<Settings, String> {
        let fix = fix_settings(&cfg)?;
        let policy = cfg.policy(cli);
        let d = Ctx::default();
        let ctx = Ctx {
            trusted_registries: cfg.file.trusted_registries.clone(),
            max_image_age_days: cfg.file.max_image_age_days.unwrap_or(d.max_image_age_days),
            ..d
        };
        Ok(Settings {
            config: Arc::new(cfg),
            policy,
            ctx,
            fix,
        })
    }

    fn for_path(&mut self, path: &Path) -> Result<Arc<Settings>, String> {
        if let Some(f) = &self.forced {
            return Ok(f.clone());
        }
        let found = self.finder.nearest(path);
        if let Some(s) = self.cache.get(&found) {
            return Ok(s.clone());
        }
        let cfg = match &found {
            Some(p) => {
                let c = Config::load(p)?;
                c.warn_unknown();
                c
            }
            None => Config::empty(),
        };
        let s = Arc::new(Configs::settings(cfg, &self.cli)?);
        self.cache.insert(found, s.clone());
        Ok(s)
    }
}

/// Reads a file to fix: size-capped, and only valid UTF-8 (anything else
/// could not be written back unchanged).
fn read_exact_text(path: &Path) -> Result<String, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    let mut buf = Vec::new();
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "larger than {} MiB; not fixed",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    if buf.contains(&0) {
        return Err("binary file".into());
    }
    String::from_utf8(buf).map_err(|_| "not UTF-8 text; not fixed".to_string())
}

fn display(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

pub fn run(a: FixArgs) -> i32 {
    let metas: Vec<_> = stockade_rules::catalog().iter().map(|r| r.meta()).collect();
    for s in a.select.iter().chain(&a.ignore) {
        if !stockade_rules::Selector::parse(s).is_known(&metas) {
            eprintln!("stockade: unknown rule, alias or category `{s}` (see `stockade rules`)");
            return EXIT_ERROR;
        }
    }
    let cli = CliPolicy {
        select: a.select.clone(),
        ignore: a.ignore.clone(),
        fail_on: None,
    };
    let forced = match &a.config {
        Some(p) => match Config::load(p).and_then(|c| {
            c.warn_unknown();
            Configs::settings(c, &cli)
        }) {
            Ok(s) => Some(Arc::new(s)),
            Err(e) => {
                eprintln!("stockade: {e}");
                return EXIT_ERROR;
            }
        },
        None => None,
    };
    let mut configs = Configs {
        forced,
        finder: ConfigFinder::default(),
        cache: HashMap::new(),
        cli,
    };

    // Discovery: Dockerfiles and Compose files.
    let paths = if a.paths.is_empty() {
        vec![".".to_string()]
    } else {
        a.paths.clone()
    };
    let mut errors: Vec<String> = Vec::new();
    let mut files: Vec<(PathBuf, Option<Kind>, bool)> = Vec::new();
    for p in &paths {
        let path = Path::new(p);
        match std::fs::metadata(path) {
            Err(e) => errors.push(format!("{p}: cannot read: {e}")),
            Ok(m) if m.is_dir() => {
                let walked = discover::walk(path, None);
                for (ep, e) in walked.errors {
                    errors.push(format!("{}: {e}", ep.display()));
                }
                for c in walked.candidates {
                    files.push((c.path, c.kind, c.explicit));
                }
            }
            Ok(_) => files.push((path.to_path_buf(), discover::kind_by_name(path), true)),
        }
    }
    files.sort();
    files.dedup_by(|x, y| x.0 == y.0);

    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    // The report goes to stderr when stdout carries the diff.
    let mut report: Box<dyn Write> = if a.diff {
        Box::new(std::io::stderr())
    } else {
        Box::new(std::io::stdout())
    };
    let mut totals = Totals::default();
    for (path, kind, explicit) in files {
        let name = display(&path);
        let settings = match configs.for_path(&path) {
            Ok(s) => s,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        if !explicit && settings.config.excluded(&path) {
            continue;
        }
        let text = match read_exact_text(&path) {
            Ok(t) => t,
            Err(e) => {
                if explicit || kind.is_some() {
                    errors.push(format!("{name}: {e}"));
                }
                continue;
            }
        };
        let kind = kind.or_else(|| discover::kind_by_content(Some(&path), &text));
        let fk = match kind {
            Some(Kind::Dockerfile) => FileKind::Dockerfile,
            Some(Kind::Compose) => FileKind::Compose,
            _ => {
                if explicit {
                    let _ = writeln!(
                        report,
                        "{name}: not a Dockerfile or Compose file; nothing to fix"
                    );
                }
                continue;
            }
        };
        let dir = path.parent().map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        });
        let opts = FixOptions {
            unsafe_fixes: a.unsafe_fixes,
            settings: &settings.fix,
            policy: &settings.policy,
            ctx: &settings.ctx,
            eval: stockade_dockerfile::EvalOptions {
                context_dir: dir,
                ..Default::default()
            },
            compose: Default::default(),
        };
        let o = stockade_fix::fix_text(fk, &name, Some(&path), &text, &opts);
        if let Some(e) = &o.error {
            errors.push(format!("{name}: {e}"));
            continue;
        }
        totals.files += 1;
        if o.changed() {
            if a.diff {
                let _ = out.write_all(
                    stockade_fix::unified_diff(&o.original, &o.fixed, &name, &name).as_bytes(),
                );
            } else if let Err(e) = std::fs::write(&path, &o.fixed) {
                errors.push(format!("{name}: cannot write: {e}"));
                continue;
            }
        }
        describe(&mut *report, &name, &o, a.diff);
        totals.add(&o, &settings.policy);
    }
    let _ = out.flush();
    for e in &errors {
        eprintln!("stockade: {e}");
    }
    let verb = if a.diff { "would apply" } else { "applied" };
    let _ = writeln!(
        report,
        "{verb} {} fix{} in {} of {} file{}; {} finding{} left ({} need --unsafe-fixes, {} could not be fixed, {} have no automatic fix)",
        totals.applied,
        if totals.applied == 1 { "" } else { "es" },
        totals.changed,
        totals.files,
        if totals.files == 1 { "" } else { "s" },
        totals.left,
        if totals.left == 1 { "" } else { "s" },
        totals.needs_unsafe,
        totals.declined,
        totals.no_fix,
    );
    if !errors.is_empty() {
        EXIT_ERROR
    } else if totals.failing > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}

#[derive(Default)]
struct Totals {
    files: usize,
    changed: usize,
    applied: usize,
    left: usize,
    needs_unsafe: usize,
    declined: usize,
    no_fix: usize,
    /// Findings left at or above the fail-on threshold.
    failing: usize,
}

impl Totals {
    fn add(&mut self, o: &FileOutcome, policy: &Policy) {
        if o.changed() {
            self.changed += 1;
        }
        self.applied += o.applied.len();
        self.left += o.remaining.len();
        for r in &o.remaining {
            match r.why {
                Why::NoFix => self.no_fix += 1,
                Why::NeedsUnsafe => self.needs_unsafe += 1,
                Why::Declined(_) => self.declined += 1,
            }
        }
        self.failing += o
            .remaining
            .iter()
            .filter(|r| r.severity >= policy.fail_on)
            .count();
    }
}

fn describe(w: &mut dyn Write, name: &str, o: &FileOutcome, dry: bool) {
    let line = |l: Option<u32>| l.map(|l| format!("{l}:")).unwrap_or_default();
    for a in &o.applied {
        let kind = if a.safety == Safety::Unsafe {
            " (unsafe)"
        } else {
            ""
        };
        let _ = writeln!(
            w,
            "{name}:{} {} {}{}: {}{kind}",
            line(a.line),
            if dry { "would fix" } else { "fixed" },
            a.rule,
            if a.subject.is_empty() {
                String::new()
            } else {
                format!(" [{}]", a.subject)
            },
            a.description,
        );
    }
    for r in &o.remaining {
        let why = match &r.why {
            Why::NoFix => "no automatic fix".to_string(),
            Why::NeedsUnsafe => "has an unsafe fix: rerun with --unsafe-fixes".to_string(),
            Why::Declined(reason) => format!("not fixed: {reason}"),
        };
        let _ = writeln!(
            w,
            "{name}:{} {} [{}] {why}",
            line(r.line),
            r.rule,
            r.subject
        );
    }
}
