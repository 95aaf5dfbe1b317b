//! `stockade scan`: discover, parse, judge, in parallel.

use crate::config::{CliPolicy, Config, ConfigFinder};
use crate::discover::{self, Candidate, Kind, MAX_FILE_BYTES};
use rayon::prelude::*;
use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use stockade_core::{Finding, InputError, Severity, SourceMap};
use stockade_rules::{Ctx, Policy};

/// Everything `scan` needs to know.
#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    pub paths: Vec<String>,
    pub kind: Option<Kind>,
    pub build_args: Vec<(String, String)>,
    pub target: Option<String>,
    /// Judge only this platform of image archives (`os/arch[/variant]`).
    pub platform: Option<String>,
    pub config: Option<PathBuf>,
    pub cli: CliPolicy,
    /// `--compose` files forming one project (base first).
    pub compose_files: Vec<PathBuf>,
    pub env_files: Vec<PathBuf>,
    pub use_env: bool,
}

/// What a scan found.
#[derive(Debug)]
pub struct ScanResult {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub files: usize,
    /// Whether any finding reached its file's `fail-on` threshold.
    pub failed: bool,
    /// The threshold of the run (command line, else the config of the first path).
    pub fail_on: Severity,
}

/// The settings that apply to one file: from its nearest config.
pub(crate) struct Settings {
    pub policy: Policy,
    pub ctx: Ctx,
    pub config: Arc<Config>,
}

/// The settings of one config file, or why it could not be loaded.
type SettingsResult = Result<Arc<Settings>, String>;

pub(crate) struct Env<'a> {
    pub opts: &'a ScanOptions,
    pub sources: &'a SourceMap,
    finder: ConfigFinder,
    configs: Mutex<HashMap<Option<PathBuf>, SettingsResult>>,
    forced: Option<Arc<Config>>,
}

impl Env<'_> {
    /// The settings for a scanned path, from its nearest config (cached per
    /// config file: thousands of files share a handful of configs).
    pub(crate) fn settings_for(&self, path: Option<&Path>) -> Result<Arc<Settings>, String> {
        let key = match &self.forced {
            Some(c) => c.path.clone(),
            None => {
                let start = path
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| PathBuf::from("."));
                self.finder.nearest(&start)
            }
        };
        let mut cache = self.configs.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(key.clone())
            .or_insert_with(|| {
                let config = match (&self.forced, &key) {
                    (Some(c), _) => c.clone(),
                    (None, Some(p)) => {
                        let c = Config::load(p)?;
                        c.warn_unknown();
                        Arc::new(c)
                    }
                    (None, None) => Arc::new(Config::empty()),
                };
                Ok(Arc::new(self.settings_of(config)))
            })
            .clone()
    }

    fn settings_of(&self, config: Arc<Config>) -> Settings {
        let policy = config.policy(&self.opts.cli);
        let defaults = Ctx::default();
        let ctx = Ctx {
            trusted_registries: config.file.trusted_registries.clone(),
            max_image_age_days: config
                .file
                .max_image_age_days
                .unwrap_or(defaults.max_image_age_days),
            ..defaults
        };
        Settings {
            policy,
            ctx,
            config,
        }
    }
}

/// Reads a file for scanning: size-capped; binary files are refused.
pub fn read_text(path: &Path) -> Result<String, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("cannot open: {e}"))?;
    // Most container files are a few kilobytes: one read fills this, one
    // more sees the end (an empty Vec grows from 32 bytes, a read each).
    let mut buf = Vec::with_capacity(16 * 1024);
    f.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("cannot read: {e}"))?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(format!(
            "file is larger than {} MiB; not scanned",
            MAX_FILE_BYTES / 1024 / 1024
        ));
    }
    // The text is kept for the report: do not keep the spare capacity too.
    buf.shrink_to_fit();
    bytes_to_text(buf)
}

fn bytes_to_text(buf: Vec<u8>) -> Result<String, String> {
    if buf.contains(&0) {
        return Err("binary file (contains NUL bytes)".into());
    }
    Ok(match String::from_utf8(buf) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Cheap content check for Compose files (confirmed by parsing).
pub fn compose_sniff(text: &str) -> bool {
    stockade_compose::looks_like_compose(text)
}

struct Unit {
    display: String,
    disk: Option<PathBuf>,
    kind: Option<Kind>,
    explicit: bool,
    stdin: Option<String>,
    /// For walked files: the Compose override beside it, known from the
    /// listing (`None` = not known, look on disk).
    compose_override: Option<Option<PathBuf>>,
}

/// Runs a whole scan.
pub fn run(opts: &ScanOptions, sources: &SourceMap) -> ScanResult {
    let mut result = ScanResult {
        findings: Vec::new(),
        errors: Vec::new(),
        files: 0,
        failed: false,
        fail_on: Severity::Low,
    };
    let forced = match &opts.config {
        Some(p) => match Config::load(p) {
            Ok(c) => {
                c.warn_unknown();
                Some(Arc::new(c))
            }
            Err(e) => {
                result
                    .errors
                    .push(InputError::new(p.display().to_string(), None, e));
                return result;
            }
        },
        None => None,
    };
    let env = Env {
        opts,
        sources,
        finder: ConfigFinder::default(),
        configs: Mutex::new(HashMap::new()),
        forced,
    };

    let paths: Vec<String> = if opts.paths.is_empty() && opts.compose_files.is_empty() {
        vec![".".into()]
    } else {
        opts.paths.clone()
    };
    if let Ok(s) = env.settings_for(paths.first().map(Path::new)) {
        result.fail_on = s.policy.fail_on;
    }

    // Discovery.
    let mut units = Vec::new();
    for p in &paths {
        if p == "-" {
            let mut buf = Vec::new();
            match std::io::stdin()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut buf)
            {
                Ok(_) => match bytes_to_text(buf) {
                    Ok(t) => units.push(Unit {
                        display: "-".into(),
                        disk: None,
                        kind: opts.kind,
                        explicit: true,
                        stdin: Some(t),
                        compose_override: None,
                    }),
                    Err(e) => result.errors.push(InputError::new("-", None, e)),
                },
                Err(e) => result.errors.push(InputError::new(
                    "-",
                    None,
                    format!("cannot read stdin: {e}"),
                )),
            }
            continue;
        }
        let path = Path::new(p);
        match std::fs::metadata(path) {
            Err(e) => result.errors.push(InputError::new(
                p.clone(),
                None,
                format!("cannot read: {e}"),
            )),
            Ok(m) if m.is_dir() && !discover::is_image(path) => {
                let walked = discover::walk(path, opts.kind);
                env.finder.seed(walked.dirs);
                let (found, errs) = (walked.candidates, walked.errors);
                for (ep, e) in errs {
                    result
                        .errors
                        .push(InputError::new(ep.display().to_string(), None, e));
                }
                for Candidate {
                    path: cp,
                    kind,
                    explicit,
                } in found
                {
                    units.push(Unit {
                        display: display_path(&cp),
                        disk: Some(cp),
                        kind,
                        explicit,
                        stdin: None,
                        compose_override: None,
                    });
                }
            }
            Ok(_) => units.push(Unit {
                display: p.clone(),
                disk: Some(path.to_path_buf()),
                kind: opts.kind.or_else(|| discover::kind_by_name(path)),
                explicit: true,
                stdin: None,
                compose_override: None,
            }),
        }
    }

    // Compose override files are merged into their base file's project, not scanned alone.
    let present: std::collections::HashSet<PathBuf> =
        units.iter().filter_map(|u| u.disk.clone()).collect();
    units.retain(|u| match (&u.disk, u.explicit) {
        (Some(d), false) => !crate::projects::is_override_of_present(d, &present),
        _ => true,
    });
    for u in units.iter_mut().filter(|u| !u.explicit) {
        if let Some(d) = &u.disk {
            u.compose_override = Some(crate::projects::override_in(d, &present));
        }
    }

    let per_unit: Vec<(usize, Vec<Finding>, Vec<InputError>, bool)> =
        units.par_iter().map(|u| scan_unit(&env, u)).collect();
    let mut findings = Vec::new();
    for (files, f, e, failed) in per_unit {
        result.files += files;
        findings.extend(f);
        result.errors.extend(e);
        result.failed |= failed;
    }
    if !opts.compose_files.is_empty() {
        let (files, f, e, failed) =
            crate::projects::scan_compose_project(&env, &opts.compose_files);
        result.files += files;
        findings.extend(f);
        result.errors.extend(e);
        result.failed |= failed;
    }
    // Stable order: by path, then position, then rule. Files are ranked by
    // path once, so sorting needs no string per finding.
    let mut ids: Vec<(String, u32)> = (0..sources.len() as u32)
        .map(|i| {
            (
                sources
                    .get(stockade_core::FileId(i))
                    .map(|f| f.path.clone())
                    .unwrap_or_default(),
                i,
            )
        })
        .collect();
    ids.sort();
    let mut rank = vec![0u32; ids.len()];
    for (r, (_, i)) in ids.iter().enumerate() {
        rank[*i as usize] = r as u32;
    }
    let key = |f: &Finding| {
        let (file, start, rule) = f.sort_key();
        (
            rank.get(file as usize).copied().unwrap_or(u32::MAX),
            start,
            rule,
        )
    };
    findings.sort_by(|a, b| key(a).cmp(&key(b)));
    findings.dedup();
    result.findings = findings;
    result
        .errors
        .sort_by(|a, b| a.path.cmp(&b.path).then(a.span.cmp(&b.span)));
    result
}

fn display_path(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}

fn scan_unit(env: &Env, u: &Unit) -> (usize, Vec<Finding>, Vec<InputError>, bool) {
    let mut errors = Vec::new();
    let settings = match env.settings_for(u.disk.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            return (
                0,
                Vec::new(),
                vec![InputError::new(u.display.clone(), None, e)],
                false,
            );
        }
    };
    if let Some(d) = &u.disk
        && !u.explicit
        && settings.config.excluded(d)
    {
        return (0, Vec::new(), Vec::new(), false);
    }
    // Built images named on the command line: judged by the image rules.
    if let Some(d) = u.disk.as_deref().filter(|_| u.explicit && u.kind.is_none())
        && discover::is_image(d)
    {
        let platform = env.opts.platform.as_deref();
        let (findings, errors) = crate::images::scan_image(
            env.sources,
            &u.display,
            d,
            &settings.policy,
            &settings.ctx,
            platform,
        );
        let failed = findings.iter().any(|f| settings.policy.fails(f));
        return (1, findings, errors, failed);
    }
    let text = match &u.stdin {
        Some(t) => t.clone(),
        None => match read_text(u.disk.as_deref().unwrap_or(Path::new(&u.display))) {
            Ok(t) => t,
            Err(e) => {
                // Sniffed candidates that turn out binary are not ours to judge.
                if u.explicit || u.kind.is_some() {
                    errors.push(InputError::new(u.display.clone(), None, e));
                }
                return (0, Vec::new(), errors, false);
            }
        },
    };
    let kind = match u
        .kind
        .or_else(|| discover::kind_by_content(u.disk.as_deref(), &text))
    {
        Some(k) => k,
        None => {
            if u.explicit {
                errors.push(InputError::new(
                    u.display.clone(),
                    None,
                    "cannot tell what kind of file this is; use --kind dockerfile|compose|script|makefile",
                ));
            }
            return (0, Vec::new(), errors, false);
        }
    };
    let (findings, mut errs) = match kind {
        Kind::Dockerfile => scan_dockerfile(env, u, text, &settings),
        Kind::Compose => {
            return crate::projects::scan_compose_file(
                env,
                &u.display,
                u.disk.as_deref(),
                u.compose_override.clone(),
                text,
            );
        }
        Kind::Script | Kind::Makefile => crate::projects::scan_script(
            env,
            u.display.clone(),
            u.disk.clone(),
            text,
            kind,
            &settings,
        ),
    };
    errors.append(&mut errs);
    let failed = findings.iter().any(|f| settings.policy.fails(f));
    (1, findings, errors, failed)
}

fn scan_dockerfile(
    env: &Env,
    u: &Unit,
    text: String,
    s: &Settings,
) -> (Vec<Finding>, Vec<InputError>) {
    let file = env.sources.add(u.display.clone(), u.disk.clone(), text);
    let eval = stockade_dockerfile::EvalOptions {
        build_args: env.opts.build_args.clone(),
        target: env.opts.target.clone(),
        context_dir: u.disk.as_deref().and_then(Path::parent).map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        }),
    };
    let (spec, errors) = stockade_dockerfile::evaluate(&file, &eval);
    let mut findings = stockade_rules::check_build(&spec, &s.ctx, &s.policy);
    findings.extend(containers_in_runs(&spec, s));
    (findings, errors)
}

/// Containers started by `RUN docker run …` (a build that starts containers,
/// e.g. docker-in-docker test stages) are judged like any other container.
fn containers_in_runs(spec: &stockade_core::BuildSpec, s: &Settings) -> Vec<Finding> {
    use stockade_core::InstrKind;
    let mut out = Vec::new();
    for i in spec.needed_stages() {
        let stage = &spec.stages[i];
        // ARG/ENV values known so far in the stage.
        let mut vars: HashMap<String, Option<String>> = HashMap::new();
        for ins in &stage.instructions {
            match &ins.kind {
                InstrKind::Env(kvs) => {
                    for kv in kvs {
                        vars.insert(
                            kv.key.value.clone(),
                            kv.value.as_ref().and_then(|v| v.value.value.clone()),
                        );
                    }
                }
                InstrKind::Arg(args) => {
                    for a in args {
                        vars.insert(
                            a.name.value.clone(),
                            a.effective.as_ref().and_then(|v| v.value.clone()),
                        );
                    }
                }
                InstrKind::Run(run) => {
                    let lookup = |name: &str| vars.get(name).cloned().flatten();
                    for script in &run.scripts {
                        let (mut specs, _unreadable) =
                            stockade_dockercli::specs_in_script(script, &lookup);
                        for c in &mut specs {
                            c.suppressions.extend(spec.suppressions.clone());
                            out.extend(stockade_rules::check_container(c, &s.ctx, &s.policy));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}
