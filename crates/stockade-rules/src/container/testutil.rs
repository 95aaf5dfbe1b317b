//! Test helpers for container rules: load a Compose file or a `docker run`
//! line with the real loaders, run one rule on every container.

use crate::meta::{Ctx, Rule};
use crate::testutil::ctx;
use stockade_core::{ContainerSpec, Finding, SourceMap};

/// Runs `rule` on every service of the Compose file `yaml`.
pub fn run_compose(rule: &dyn Rule, yaml: &str) -> Vec<Finding> {
    run_specs(rule, &compose_specs(yaml), &ctx())
}

/// The services of a Compose file (panics on a file the loader rejects,
/// which would be a broken test).
pub fn compose_specs(yaml: &str) -> Vec<ContainerSpec> {
    let sources = SourceMap::new();
    let file = sources.add("compose.yaml", None, yaml.to_string());
    let (project, errors) = stockade_compose::load_sources(
        &[file],
        &sources,
        &stockade_compose::LoadOptions::default(),
    );
    match project {
        Some(p) => p.services,
        None => panic!("compose test input did not load: {errors:?}"),
    }
}

/// Runs `rule` on every `docker run` line of the shell script `script`.
pub fn run_docker(rule: &dyn Rule, script: &str) -> Vec<Finding> {
    run_specs(rule, &docker_specs(script), &ctx())
}

/// The containers of every `docker run`/`create` line in a shell script.
pub fn docker_specs(script: &str) -> Vec<ContainerSpec> {
    let sources = SourceMap::new();
    let file = sources.add("run.sh", None, script.to_string());
    let (specs, errors) =
        stockade_dockercli::specs_from_script(&file, stockade_dockercli::ScriptKind::Shell);
    assert!(
        !specs.is_empty(),
        "no docker run line found in {script:?}: {errors:?}"
    );
    specs
}

pub fn run_specs(rule: &dyn Rule, specs: &[ContainerSpec], cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    for s in specs {
        rule.check_container(s, cx, &mut out);
    }
    out
}

/// The source text each finding points at.
pub fn flagged(text: &str, findings: &[Finding]) -> Vec<String> {
    crate::testutil::flagged(text, findings)
}

/// The severities of the findings, in order.
pub fn severities(findings: &[Finding]) -> Vec<stockade_core::Severity> {
    findings.iter().map(|f| f.severity).collect()
}
