//! Agreement with KICS's own test samples (../shared/corpus/kics).
//!
//! For each KICS query that maps to our rules: the share of KICS's expected
//! (file, line) findings we also report (exactly on that line, and anywhere in
//! the file = "theme"), and the share of its negative samples where our
//! mapped rules stay quiet. Run with `--nocapture` to see the table
//! (`bench/kics-agreement.sh` does).
//!
//! Deliberate disagreements are written in the mapping: where KICS's
//! expectation goes against our guidance we do not follow it.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

enum Map {
    /// Our rules that cover the query.
    Rules(&'static [&'static str]),
    /// We disagree on purpose.
    Disagree(&'static str),
    /// Outside stockade's scope (build hygiene, style, availability).
    Out(&'static str),
}
use Map::*;

const STYLE: &str = "build correctness/style, not security: left to hadolint";
const PIN: &str = "package version pinning: noisy and not a security control by itself; we advise rebuilding from fresh bases";

const DOCKERFILE: &[(&str, Map)] = &[
    ("add_instead_of_copy", Out(STYLE)),
    ("apk_add_using_local_cache_path", Rules(&["SKD132"])),
    ("apt_get_install_lists_were_not_deleted", Rules(&["SKD132"])),
    ("apt_get_install_pin_version_not_defined", Out(PIN)),
    ("apt_get_missing_flags_to_avoid_manual_input", Out(STYLE)),
    (
        "apt_get_not_avoiding_additional_packages",
        Rules(&["SKD131"]),
    ),
    ("changing_default_shell_using_run_command", Out(STYLE)),
    (
        "chown_flag_exists",
        Disagree(
            "KICS flags every COPY --chown; our guidance recommends COPY --chown for the files the runtime user needs (SKD162 suggests it)",
        ),
    ),
    ("copy_from_references_current_from_alias", Out(STYLE)),
    (
        "copy_with_more_than_two_arguments_not_ending_with_slash",
        Out(STYLE),
    ),
    ("curl_or_wget_instead_of_add", Rules(&["SKD112"])),
    ("exposing_port_22", Rules(&["SKD140"])),
    ("gem_install_without_version", Out(PIN)),
    (
        "healthcheck_instruction_missing",
        Out("availability, not security"),
    ),
    ("image_version_not_explicit", Rules(&["SKD110"])),
    ("image_version_using_latest", Rules(&["SKD110"])),
    ("last_user_is_root", Rules(&["SKD101"])),
    ("maintainer_instruction_being_used", Out(STYLE)),
    ("missing_dnf_clean_all", Rules(&["SKD132"])),
    ("missing_flag_from_dnf_install", Out(STYLE)),
    ("missing_user_instruction", Rules(&["SKD102"])),
    ("missing_version_specification_in_dnf_install", Out(PIN)),
    ("missing_zypper_clean", Rules(&["SKD132"])),
    ("missing_zypper_non_interactive_switch", Out(STYLE)),
    ("multiple_cmd_instructions_listed", Out(STYLE)),
    ("multiple_entrypoint_instructions_listed", Out(STYLE)),
    ("multiple_run_add_copy_instructions_listed", Out(STYLE)),
    ("not_using_json_in_cmd_and_entrypoint_arguments", Out(STYLE)),
    ("npm_install_without_pinned_version", Out(PIN)),
    ("pip_install_keeping_cached_packages", Rules(&["SKD132"])),
    ("run_command_cd_instead_of_workdir", Out(STYLE)),
    ("run_using_apt", Out(STYLE)),
    ("run_using_sudo", Rules(&["SKD104"])),
    ("run_using_wget_and_curl", Out(STYLE)),
    ("run_utilities_and_posix_commands", Out(STYLE)),
    ("same_alias_in_different_froms", Out(STYLE)),
    (
        "shell_running_a_pipe_without_pipefail_flag",
        Out("pipefail is build correctness; the dangerous pipe (download into a shell) is SKD113"),
    ),
    ("unix_ports_out_of_range", Rules(&["SKD141"])),
    ("unpinned_package_version_in_apk_add", Out(PIN)),
    ("unpinned_package_version_in_pip_install", Out(PIN)),
    ("update_instruction_alone", Out(STYLE)),
    ("using_platform_with_from", Out(STYLE)),
    ("using_unnamed_build_stages", Out(STYLE)),
    ("workdir_path_not_absolute", Out(STYLE)),
    ("yum_clean_all_missing", Rules(&["SKD132"])),
    ("yum_install_allows_manual_input", Out(STYLE)),
    ("yum_install_without_version", Out(PIN)),
    ("zypper_install_without_version", Out(PIN)),
];

const COMPOSE: &[(&str, Map)] = &[
    (
        "cgroup_not_default",
        Out("a custom cgroup parent is an operations choice, not a weakening"),
    ),
    (
        "container_capabilities_unrestricted",
        Rules(&["SKD208", "SKD209"]),
    ),
    (
        "container_traffic_not_bound_to_host_interface",
        Rules(&["SKD219", "SKD220", "SKD221", "SKD222"]),
    ),
    ("cpus_not_limited", Rules(&["SKD217"])),
    ("default_seccomp_profile_disabled", Rules(&["SKD212"])),
    ("docker_socket_mounted_in_container", Rules(&["SKD201"])),
    ("healthcheck_not_set", Out("availability, not security")),
    ("host_namespace_is_shared", Rules(&["SKD210"])),
    ("memory_not_limited", Rules(&["SKD216"])),
    ("no_new_privileges_not_set", Rules(&["SKD215"])),
    ("pids_limit_not_set", Rules(&["SKD218"])),
    ("privileged_containers_enabled", Rules(&["SKD205"])),
    (
        "privileged_ports_mapped_in_container",
        Disagree(
            "KICS flags ports below 1024 on either side (`7000:80`); a low port inside the container gives the host nothing. We flag remote-administration and data-store ports and publication on all interfaces (SKD220, SKD222) instead",
        ),
    ),
    (
        "restart_policy_on_failure_not_set_to_5",
        Out("availability policy, not security"),
    ),
    (
        "security_opt_not_set",
        Rules(&["SKD212", "SKD213", "SKD214", "SKD215"]),
    ),
    ("shared_host_ipc_namespace", Rules(&["SKD210"])),
    ("shared_host_network_namespace", Rules(&["SKD210"])),
    ("shared_host_user_namespace", Rules(&["SKD210"])),
    (
        "shared_volumes_between_containers",
        Out("sharing a named volume between services is ordinary; host paths are judged by SKD203"),
    ),
    (
        "volume_has_sensitive_host_directory",
        Rules(&["SKD201", "SKD203"]),
    ),
    ("volume_mounted_in_multiple_containers", Rules(&["SKD204"])),
];

/// KICS Compose samples that are not valid Compose: input errors are the right answer.
const INVALID_COMPOSE: &[&str] = &[
    // A service literally named `image` whose value is a string.
    "volume_has_sensitive_host_directory/test/positive3.yaml",
    "volume_has_sensitive_host_directory/test/negative2.yaml",
    // Long-form ports with an address in `published`: not a port.
    "container_traffic_not_bound_to_host_interface/test/negative4.yaml",
    "container_traffic_not_bound_to_host_interface/test/negative5.yaml",
    "container_traffic_not_bound_to_host_interface/test/negative6.yaml",
];

/// Single KICS samples whose expectation we reject on purpose (excluded from the totals, printed).
const SAMPLE_DISAGREE: &[(&str, &str)] = &[
    (
        "apt_get_install_lists_were_not_deleted/test/positive.dockerfile",
        "four independent stages: only the last is the image that ships; attack-surface rules judge the final image, not stages never built for it",
    ),
    (
        "pip_install_keeping_cached_packages/test/positive.dockerfile",
        "the first stage is never built for the final image; attack-surface rules judge what ships",
    ),
    (
        "missing_zypper_clean/test/positive.dockerfile",
        "`zypper install` without a package installs nothing",
    ),
    (
        "yum_clean_all_missing/test/positive.dockerfile",
        "no stage installs a package: `yum install` alone, and `yum clean all yum -y install` is one clean command",
    ),
    (
        "yum_clean_all_missing/test/negative.dockerfile",
        "`yum -y install \\ yum clean all` is one install command (of packages named yum, clean, all) with no clean after it",
    ),
    (
        "missing_user_instruction/test/negative.dockerfile",
        "the final stage is `FROM scratch` with no USER: it runs as UID 0 whatever earlier stages set",
    ),
    (
        "volume_has_sensitive_host_directory/test/positive1.yaml",
        "an anonymous volume (`- /var/lib/backup/data`) mounts no host path (upstream KICS issue 8047)",
    ),
    (
        "volume_has_sensitive_host_directory/test/positive2.yaml",
        "`/var/lib/backup/data` bound through driver_opts is an application data directory, not a sensitive host path",
    ),
    (
        "volume_has_sensitive_host_directory/test/positive3.yaml",
        "not valid Compose (a service named `image`), and `/var/data` is not a sensitive host path",
    ),
    (
        "default_seccomp_profile_disabled/test/positive1.yaml",
        "`label:seccomp:unconfined` is an SELinux label option the daemon rejects, not a seccomp setting",
    ),
    (
        "volume_mounted_in_multiple_containers/test/positive3.yaml",
        "`rslave` only brings host mounts into the container; SKD204 flags `shared`/`rshared`, which push mounts out to the host",
    ),
    (
        "volume_mounted_in_multiple_containers/test/positive4.yaml",
        "`slave` only brings host mounts into the container; SKD204 flags `shared`/`rshared`, which push mounts out to the host",
    ),
];

const SECRETS: &[(&str, Map)] = &[(
    "passwords_and_secrets",
    Rules(&["SKD120", "SKD121", "SKD122", "SKD123"]),
)];

fn corpus() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/kics");
    assert!(
        p.is_dir(),
        "the KICS corpus is missing at {} (it ships beside the repository in shared/)",
        p.display()
    );
    p
}

#[derive(Default, Debug)]
struct Row {
    pub query: String,
    pub expected: usize,
    pub exact: usize,
    pub theme: usize,
    pub negatives: usize,
    pub quiet: usize,
    pub errors: usize,
}

fn samples(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        n.starts_with(prefix) && !n.ends_with(".json")
    });
    v.sort();
    v
}

/// Runs stockade on `files` with only `rules` selected; returns path → lines flagged, and the error count.
fn run(files: &[PathBuf], rules: &[&str], kind: &str) -> (BTreeMap<String, BTreeSet<u64>>, usize) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_stockade"));
    cmd.args([
        "scan",
        "--format",
        "json",
        "--fail-on",
        "critical",
        "--kind",
        kind,
        "--select",
    ])
    .arg(rules.join(","))
    .args(files)
    .env("STOCKADE_TODAY", "2026-11-28");
    let out = cmd.output().expect("run stockade");
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "bad JSON from stockade ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let mut by_file: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for f in v["findings"].as_array().into_iter().flatten() {
        let path = f["location"]["path"].as_str().unwrap_or("").to_string();
        let line = f["location"]["line"].as_u64().unwrap_or(0);
        by_file.entry(path).or_default().insert(line);
    }
    let errors = v["errors"].as_array().map(|a| a.len()).unwrap_or(0);
    (by_file, errors)
}

fn agreement(platform_dir: &Path, table: &[(&str, Map)], kind: &str) -> Vec<Row> {
    let mut rows = Vec::new();
    for (query, map) in table {
        let Rules(rules) = map else { continue };
        let dir = platform_dir.join(query).join("test");
        assert!(dir.is_dir(), "no KICS samples for {query}");
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(dir.join("positive_expected_result.json"))
                .expect("expected results"),
        )
        .expect("expected results JSON");
        let positives = samples(&dir, "positive");
        let negatives = samples(&dir, "negative");
        let invalid = |p: &PathBuf| INVALID_COMPOSE.iter().any(|i| p.ends_with(i));
        let expected_errors = positives
            .iter()
            .chain(&negatives)
            .filter(|p| invalid(p))
            .count();
        let (pos_hits, pos_err) = run(&positives, rules, kind);
        let (neg_hits, neg_err) = run(&negatives, rules, kind);
        let mut row = Row {
            query: query.to_string(),
            errors: (pos_err + neg_err).abs_diff(expected_errors),
            ..Default::default()
        };
        for e in expected.as_array().into_iter().flatten() {
            let file = e["filename"]
                .as_str()
                .or(e["fileName"].as_str())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    positives[0]
                        .file_name()
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                });
            let line = e["line"].as_u64().unwrap_or(0);
            if SAMPLE_DISAGREE
                .iter()
                .any(|(p, _)| *p == format!("{query}/test/{file}"))
            {
                continue;
            }
            row.expected += 1;
            let hits = pos_hits
                .iter()
                .find(|(p, _)| p.ends_with(&format!("/{file}")));
            if let Some((_, lines)) = hits {
                row.theme += 1;
                if lines.contains(&line) {
                    row.exact += 1;
                }
            }
        }
        let negatives: Vec<PathBuf> = negatives
            .into_iter()
            .filter(|n| {
                let f = n.file_name().unwrap().to_string_lossy().into_owned();
                !SAMPLE_DISAGREE
                    .iter()
                    .any(|(p, _)| *p == format!("{query}/test/{f}"))
            })
            .collect();
        row.negatives = negatives.len();
        row.quiet = negatives
            .iter()
            .filter(|n| {
                !neg_hits
                    .keys()
                    .any(|p| p.ends_with(&format!("/{}", n.file_name().unwrap().to_string_lossy())))
            })
            .count();
        rows.push(row);
    }
    rows
}

fn print(title: &str, rows: &[Row], table: &[(&str, Map)]) {
    println!("\n{title}");
    println!(
        "{:<46} {:>8} {:>8} {:>8} {:>10}",
        "KICS query", "expected", "exact", "theme", "neg quiet"
    );
    let (mut e, mut x, mut t, mut n, mut q) = (0, 0, 0, 0, 0);
    for r in rows {
        println!(
            "{:<46} {:>8} {:>7}% {:>7}% {:>6}/{:<3}",
            r.query,
            r.expected,
            pct(r.exact, r.expected),
            pct(r.theme, r.expected),
            r.quiet,
            r.negatives
        );
        e += r.expected;
        x += r.exact;
        t += r.theme;
        n += r.negatives;
        q += r.quiet;
    }
    println!(
        "{:<46} {:>8} {:>7}% {:>7}% {:>6}/{:<3}",
        "TOTAL",
        e,
        pct(x, e),
        pct(t, e),
        q,
        n
    );
    for (sample, why) in SAMPLE_DISAGREE {
        if table
            .iter()
            .any(|(q, _)| sample.starts_with(&format!("{q}/")))
        {
            println!("  disagree: {sample}: {why}");
        }
    }
    for (query, map) in table {
        match map {
            Disagree(why) => println!("  disagree: {query}: {why}"),
            Out(why) => println!("  not ours: {query}: {why}"),
            Rules(_) => {}
        }
    }
}

fn pct(a: usize, b: usize) -> usize {
    (a * 100).checked_div(b).unwrap_or(100)
}

#[test]
fn dockerfile_agreement() {
    let root = corpus();
    let mut rows = agreement(&root.join("dockerfile"), DOCKERFILE, "dockerfile");
    rows.extend(agreement(&root.join("common"), SECRETS, "dockerfile"));
    print("KICS Dockerfile queries vs stockade", &rows, DOCKERFILE);
    for r in &rows {
        assert_eq!(r.errors, 0, "{}: input errors on KICS samples", r.query);
    }
    let expected: usize = rows.iter().map(|r| r.expected).sum();
    let theme: usize = rows.iter().map(|r| r.theme).sum();
    let exact: usize = rows.iter().map(|r| r.exact).sum();
    let negs: usize = rows.iter().map(|r| r.negatives).sum();
    let quiet: usize = rows.iter().map(|r| r.quiet).sum();
    assert!(
        theme * 100 >= expected * 95,
        "theme agreement {theme}/{expected} below 95%"
    );
    assert!(
        exact * 100 >= expected * 85,
        "line agreement {exact}/{expected} below 85%"
    );
    assert!(
        quiet * 100 >= negs * 90,
        "negative samples quiet {quiet}/{negs} below 90%"
    );
}

#[test]
fn compose_agreement() {
    let root = corpus();
    let rows = agreement(&root.join("dockerCompose"), COMPOSE, "compose");
    print("KICS Compose queries vs stockade", &rows, COMPOSE);
    for r in &rows {
        assert_eq!(
            r.errors, 0,
            "{}: unexpected input errors on KICS samples",
            r.query
        );
    }
    let expected: usize = rows.iter().map(|r| r.expected).sum();
    let theme: usize = rows.iter().map(|r| r.theme).sum();
    let exact: usize = rows.iter().map(|r| r.exact).sum();
    let negs: usize = rows.iter().map(|r| r.negatives).sum();
    let quiet: usize = rows.iter().map(|r| r.quiet).sum();
    assert!(
        theme * 100 >= expected * 95,
        "theme agreement {theme}/{expected} below 95%"
    );
    // KICS points "missing X" findings at parent keys (`ports:`, `cap_add:`,
    // `deploy:`); we point at the item that causes them, or the service key.
    assert!(
        exact * 100 >= expected * 40,
        "line agreement {exact}/{expected} below 40%"
    );
    assert!(
        quiet * 100 >= negs * 75,
        "negative samples quiet {quiet}/{negs} below 75%"
    );
}
