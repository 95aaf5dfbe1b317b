//! `stockade harden compose.yml` writes an override file beside it;
//! `stockade harden -- docker run …` prints the hardened command line.
//! Exit 0 when done, 2 on errors.

use crate::cli::{EXIT_ERROR, EXIT_OK};
use crate::config::{Config, ConfigFinder};
use clap::Args;
use std::path::{Path, PathBuf};
use stockade_core::SourceMap;

#[derive(Args, Debug)]
#[command(after_help = "Examples:\n  stockade harden compose.yml     \
writes compose.hardened.yml; run `docker compose -f compose.yml -f compose.hardened.yml up -d`\n  \
stockade harden -- docker run -p 5432:5432 postgres:17\n\n\
Only what a container lacks is written: user 65534:65534, cap_drop ALL, no-new-privileges, \
read-only root with a tmpfs for /tmp, memory/CPU/pids limits (`[fix]` in .stockade.toml), \
data-store and administration ports bound to 127.0.0.1; privileged mode and container-engine \
socket mounts are removed, with a warning each. Exit status 0, or 2 on errors.")]
pub struct HardenArgs {
    /// The Compose file to harden (its override is written beside it).
    #[arg(value_name = "COMPOSE_FILE")]
    pub file: Option<PathBuf>,
    /// Where to write the override (default `<name>.hardened.yml` beside
    /// the Compose file; `-` for standard output).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Use this config file (its `[fix]` values) instead of the nearest `.stockade.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// A `docker run …` command line to harden, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

fn settings(config: Option<&Path>, near: &Path) -> Result<stockade_fix::FixSettings, String> {
    let cfg = match config {
        Some(p) => Config::load(p)?,
        None => match ConfigFinder::default().nearest(near) {
            Some(p) => Config::load(&p)?,
            None => Config::empty(),
        },
    };
    crate::fix_cmd::fix_settings(&cfg)
}

pub fn run(a: HardenArgs) -> i32 {
    match (&a.file, a.command.is_empty()) {
        (Some(_), false) => {
            eprintln!("stockade: give either a Compose file or `-- docker run …`, not both");
            EXIT_ERROR
        }
        (None, true) => {
            eprintln!(
                "stockade: nothing to harden: `stockade harden compose.yml` or `stockade harden -- docker run …`"
            );
            EXIT_ERROR
        }
        (None, false) => run_command(&a),
        (Some(f), true) => run_compose(&a, f),
    }
}

fn run_command(a: &HardenArgs) -> i32 {
    let s = match settings(a.config.as_deref(), Path::new(".")) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("stockade: {e}");
            return EXIT_ERROR;
        }
    };
    match stockade_fix::harden_docker_run(&a.command, &s) {
        Ok(h) => {
            for w in &h.warnings {
                eprintln!("stockade: warning: {w}");
            }
            println!("{}", h.command);
            EXIT_OK
        }
        Err(e) => {
            eprintln!("stockade: {e}");
            EXIT_ERROR
        }
    }
}

fn run_compose(a: &HardenArgs, file: &Path) -> i32 {
    let s = match settings(a.config.as_deref(), file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("stockade: {e}");
            return EXIT_ERROR;
        }
    };
    let sources = SourceMap::new();
    let (project, errors) = stockade_compose::load(
        &[file.to_path_buf()],
        &sources,
        &stockade_compose::LoadOptions::default(),
    );
    for e in &errors {
        let at = e
            .span
            .and_then(|sp| sources.resolve(sp))
            .map(|r| format!(":{}:{}", r.start.line, r.start.column))
            .unwrap_or_default();
        eprintln!("stockade: {}{at}: {}", e.path, e.message);
    }
    let Some(project) = project else {
        return EXIT_ERROR;
    };
    if !errors.is_empty() {
        return EXIT_ERROR;
    }
    let name = file.display().to_string();
    let h = stockade_fix::harden_compose(&name, &sources, &project.services, &s);

    // The override must load on top of the file, and leave fewer findings.
    let out_path = match &a.output {
        Some(p) => p.clone(),
        None => {
            let fname = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            file.with_file_name(stockade_fix::hardened_name(&fname))
        }
    };
    let check = SourceMap::new();
    let base_text = sources
        .get(stockade_core::FileId(0))
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let base = check.add(name.clone(), Some(file.to_path_buf()), base_text);
    let over = check.add(out_path.display().to_string(), None, h.text.clone());
    let (merged, merge_errors) = stockade_compose::load_sources(
        &[base, over],
        &check,
        &stockade_compose::LoadOptions::default(),
    );
    if !merge_errors.is_empty() || merged.is_none() {
        eprintln!(
            "stockade: internal error: the override does not load on top of {name}: {:?}",
            merge_errors.iter().map(|e| &e.message).collect::<Vec<_>>()
        );
        return EXIT_ERROR;
    }
    let count = |specs: &[stockade_core::ContainerSpec]| {
        let cx = stockade_rules::Ctx::default();
        let p = stockade_rules::Policy::default();
        specs
            .iter()
            .map(|sp| stockade_rules::check_container(sp, &cx, &p).len())
            .sum::<usize>()
    };
    let before = count(&project.services);
    let after = merged.map(|m| count(&m.services)).unwrap_or(0);

    let to_stdout = out_path.as_os_str() == "-";
    if !to_stdout {
        let same = std::fs::canonicalize(&out_path)
            .ok()
            .zip(std::fs::canonicalize(file).ok())
            .is_some_and(|(o, i)| o == i);
        if same {
            eprintln!("stockade: the override would overwrite {name}; choose another --output");
            return EXIT_ERROR;
        }
        if let Err(e) = std::fs::write(&out_path, &h.text) {
            eprintln!("stockade: {}: cannot write: {e}", out_path.display());
            return EXIT_ERROR;
        }
    } else {
        print!("{}", h.text);
    }
    for w in &h.warnings {
        eprintln!("stockade: warning: {w}");
    }
    let shown = if to_stdout {
        "<override>".to_string()
    } else {
        out_path.display().to_string()
    };
    eprintln!(
        "stockade: {} service{} hardened{}; findings {before} -> {after} with the override",
        h.services,
        if h.services == 1 { "" } else { "s" },
        if to_stdout {
            String::new()
        } else {
            format!(" in {shown}")
        },
    );
    if !to_stdout {
        eprintln!("stockade: use it with: docker compose -f {name} -f {shown} up -d");
    }
    if h.uses_override_tag {
        eprintln!(
            "stockade: the override uses `!override` (ports, volumes): it needs Docker Compose v2.24 or later"
        );
    }
    EXIT_OK
}
