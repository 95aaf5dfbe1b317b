//! Compose projects and scripts: sources that become `ContainerSpec`s.

use crate::discover::Kind;
use crate::scan::{Env, Settings};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use stockade_core::{Finding, InputError};

const OVERRIDES: [(&str, &[&str]); 4] = [
    ("compose.override.yaml", &["compose.yaml", "compose.yml"]),
    ("compose.override.yml", &["compose.yml", "compose.yaml"]),
    (
        "docker-compose.override.yml",
        &["docker-compose.yml", "docker-compose.yaml"],
    ),
    (
        "docker-compose.override.yaml",
        &["docker-compose.yaml", "docker-compose.yml"],
    ),
];

/// The override file a walked base file gets, from the walk's listing.
pub fn override_in(base: &Path, present: &HashSet<PathBuf>) -> Option<PathBuf> {
    let name = base.file_name()?.to_str()?.to_ascii_lowercase();
    OVERRIDES
        .iter()
        .filter(|(_, bases)| bases.contains(&name.as_str()))
        .map(|(ov, _)| base.with_file_name(ov))
        .find(|p| present.contains(p))
}

/// `compose.override.yaml` and friends are merged into their base file.
pub fn is_override_of_present(path: &Path, present: &HashSet<PathBuf>) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    for (ov, bases) in OVERRIDES {
        if lower == ov {
            return bases
                .iter()
                .any(|b| present.contains(&path.with_file_name(b)));
        }
    }
    false
}

fn load_options(env: &Env) -> stockade_compose::LoadOptions {
    stockade_compose::LoadOptions {
        env_files: env.opts.env_files.clone(),
        use_process_env: env.opts.use_env,
        ..Default::default()
    }
}

fn judge_project(
    env: &Env,
    project: Option<stockade_compose::Project>,
    settings: &Settings,
) -> (Vec<Finding>, bool) {
    let mut findings = Vec::new();
    if let Some(p) = project {
        for spec in &p.services {
            findings.extend(stockade_rules::check_container(
                spec,
                &settings.ctx,
                &settings.policy,
            ));
        }
    }
    let _ = env;
    let failed = findings.iter().any(|f| settings.policy.fails(f));
    (findings, failed)
}

/// One Compose file found on disk (with its automatic override) or read from stdin.
pub fn scan_compose_file(
    env: &Env,
    display: &str,
    disk: Option<&Path>,
    known_override: Option<Option<PathBuf>>,
    text: String,
) -> (usize, Vec<Finding>, Vec<InputError>, bool) {
    let settings = match env.settings_for(disk) {
        Ok(s) => s,
        Err(e) => {
            return (
                0,
                Vec::new(),
                vec![InputError::new(display, None, e)],
                false,
            );
        }
    };
    let opts = load_options(env);
    let file = env
        .sources
        .add(display.to_string(), disk.map(Path::to_path_buf), text);
    let mut files = vec![file];
    let ov = match known_override {
        Some(known) => known,
        None => disk.and_then(stockade_compose::default_override),
    };
    if let Some(ov) = ov {
        match crate::scan::read_text(&ov) {
            Ok(t) => files.push(
                env.sources
                    .add(ov.display().to_string(), Some(ov.clone()), t),
            ),
            Err(e) => {
                return (
                    1,
                    Vec::new(),
                    vec![InputError::new(ov.display().to_string(), None, e)],
                    false,
                );
            }
        }
    }
    let n = files.len();
    let (project, errors) = stockade_compose::load_sources(&files, env.sources, &opts);
    let (findings, failed) = judge_project(env, project, &settings);
    (n, findings, errors, failed)
}

/// `--compose a.yml --compose b.yml`: one project from several files.
pub fn scan_compose_project(
    env: &Env,
    files: &[PathBuf],
) -> (usize, Vec<Finding>, Vec<InputError>, bool) {
    let settings = match env.settings_for(files.first().map(PathBuf::as_path)) {
        Ok(s) => s,
        Err(e) => {
            let p = files
                .first()
                .map(|p| p.display().to_string())
                .unwrap_or_default();
            return (0, Vec::new(), vec![InputError::new(p, None, e)], false);
        }
    };
    let (project, errors) = stockade_compose::load(files, env.sources, &load_options(env));
    let (findings, failed) = judge_project(env, project, &settings);
    (files.len(), findings, errors, failed)
}

/// A shell script or Makefile: every `docker run`/`create` in it.
pub fn scan_script(
    env: &Env,
    display: String,
    disk: Option<PathBuf>,
    text: String,
    kind: Kind,
    settings: &Settings,
) -> (Vec<Finding>, Vec<InputError>) {
    let file = env.sources.add(display, disk, text);
    let sk = match kind {
        Kind::Makefile => stockade_dockercli::ScriptKind::Makefile,
        _ => stockade_dockercli::ScriptKind::Shell,
    };
    let (specs, errors) = stockade_dockercli::specs_from_script(&file, sk);
    let mut findings = Vec::new();
    for spec in &specs {
        findings.extend(stockade_rules::check_container(
            spec,
            &settings.ctx,
            &settings.policy,
        ));
    }
    (findings, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_attach_to_present_base() {
        let present: HashSet<PathBuf> = [PathBuf::from("a/compose.yaml")].into_iter().collect();
        assert!(is_override_of_present(
            Path::new("a/compose.override.yaml"),
            &present
        ));
        assert!(!is_override_of_present(
            Path::new("b/compose.override.yaml"),
            &present
        ));
        assert!(!is_override_of_present(
            Path::new("a/compose.yaml"),
            &present
        ));
    }
}
