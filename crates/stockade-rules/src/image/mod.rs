//! Rules that judge a built image (`ImageSpec`): its config, its history and
//! the facts read from its layers. Images have no source text: findings
//! carry a locator (the image reference, the layer digest, the path inside
//! the image, or the history step) instead of a span.

use crate::meta::{Rule, RuleMeta};
use crate::util::history::one_line;
use stockade_core::{FileRef, Finding, HistoryEntry, ImageSpec};

pub mod add_url;
pub mod admin_ports;
pub mod empty_password;
pub mod image_age;
pub mod layer_anomalies;
pub mod os_eol;
pub mod remote_access;
pub mod remote_exec;
pub mod root_user;
pub mod secret_files;
pub mod secrets_in_config;
pub mod setuid_files;
pub mod shell_in_minimal;
pub mod size_budget;
pub mod tls_disabled;
pub mod uid0_duplicates;
pub mod world_writable;

#[cfg(test)]
pub(crate) mod testutil;

pub static RULES: &[&'static dyn Rule] = &[
    &root_user::RootUser,
    &uid0_duplicates::Uid0Duplicates,
    &image_age::ImageAge,
    &os_eol::OsEol,
    &remote_access::RemoteAccess,
    &shell_in_minimal::ShellInMinimal,
    &size_budget::SizeBudget,
    &setuid_files::SetuidFiles,
    &world_writable::WorldWritable,
    &secret_files::SecretFiles,
    &secrets_in_config::SecretsInConfig,
    &empty_password::EmptyPassword,
    &admin_ports::AdminPorts,
    &remote_exec::RemoteExec,
    &tls_disabled::TlsDisabled,
    &add_url::AddUrl,
    &layer_anomalies::LayerAnomalies,
];

/// The image a finding is about, as reports name it.
pub(crate) fn subject(spec: &ImageSpec) -> String {
    if spec.reference.is_empty() {
        spec.source.clone()
    } else {
        spec.reference.clone()
    }
}

/// A finding about the image as a whole (its config), or about a layer
/// and a path in it.
pub(crate) fn finding(
    meta: &'static RuleMeta,
    spec: &ImageSpec,
    layer: Option<&str>,
    path: Option<&str>,
    message: impl Into<String>,
) -> Finding {
    let mut locator = spec.locator(layer, path);
    locator.image = Some(subject(spec));
    Finding {
        rule: meta.id,
        category: meta.category,
        severity: meta.severity,
        title: meta.title,
        message: message.into(),
        span: None,
        locator: Some(Box::new(locator)),
        subject: subject(spec),
        aliases: meta.aliases,
    }
}

/// A finding about a file: its layer and path.
pub(crate) fn file_finding(
    meta: &'static RuleMeta,
    spec: &ImageSpec,
    file: &FileRef,
    message: impl Into<String>,
) -> Finding {
    let layer = (!file.layer_digest.is_empty()).then_some(file.layer_digest.as_str());
    finding(meta, spec, layer, Some(&file.path), message)
}

/// A finding about history step `index`: the layer it made, and the step
/// itself in the locator's detail.
pub(crate) fn step_finding(
    meta: &'static RuleMeta,
    spec: &ImageSpec,
    index: usize,
    step: &HistoryEntry,
    message: impl Into<String>,
) -> Finding {
    let mut f = finding(meta, spec, step.layer_digest.as_deref(), None, message);
    if let Some(loc) = f.locator.as_mut() {
        let what = step.created_by.as_deref().unwrap_or("");
        loc.detail = Some(format!(
            "history step {}: {}",
            index + 1,
            one_line(what, 120)
        ));
    }
    f
}

/// A layer's display id (diff id, else blob digest, else member), by index.
pub(crate) fn layer_id(spec: &ImageSpec, index: usize) -> Option<&str> {
    spec.layer(index).map(|l| l.id())
}

#[cfg(test)]
mod tests {
    use super::RULES;
    use super::testutil::{image, run, with_passwd};
    use stockade_core::{
        AnomalyKind, LayerAnomaly, NotableFile, NotableKind, PasswordState, SecretCandidate,
        SecretKind, SetIdFile, UserEntry, WorldWritable,
    };

    #[test]
    fn a_well_built_image_is_quiet() {
        let mut s = image();
        with_passwd(&mut s);
        for rule in RULES {
            let f = run(*rule, &s);
            assert!(f.is_empty(), "{}: {f:?}", rule.meta().id);
        }
    }

    #[test]
    fn every_rule_is_an_image_rule_with_an_skd3_id() {
        for rule in RULES {
            let m = rule.meta();
            assert!(m.id.starts_with("SKD3"), "{}", m.id);
            assert_eq!(m.targets, &[crate::meta::Target::Image], "{}", m.id);
        }
    }

    #[test]
    fn hostile_specs_do_not_panic() {
        let weird = [
            "",
            "é",
            "::",
            ":0",
            "0:",
            "-1",
            "99999999999999999999",
            "/",
            "..",
            "\u{0}",
            "root:",
            "|9 A",
            "RUN ",
            "/bin/sh -c",
            "/bin/sh -c #(nop)",
            "RUN |2 A=1",
            "curl https://x | ",
        ];
        for w in weird {
            let mut s = image();
            s.reference = w.into();
            s.config.user = Some(w.into());
            s.config.created = Some(w.into());
            s.config.created_days = Some(i64::MIN);
            s.config.exposed_ports = vec![w.into(), format!("{w}/tcp")];
            s.config.env = vec![stockade_core::EnvEntry {
                name: w.into(),
                value: w.into(),
                has_value: true,
            }];
            s.config.labels = vec![(w.into(), w.into())];
            s.config.entrypoint = Some(vec![w.into()]);
            s.config.cmd = Some(vec![]);
            for h in &mut s.history {
                h.created_by = Some(w.into());
                h.layer = Some(usize::MAX);
            }
            let f = super::testutil::fref(w, usize::MAX);
            s.users.push(UserEntry {
                name: w.into(),
                uid: None,
                gid: None,
                gecos: w.into(),
                home: w.into(),
                shell: w.into(),
                password: PasswordState::Empty,
                line: 0,
            });
            s.setid_files.push(SetIdFile {
                file: f.clone(),
                mode: u32::MAX,
                uid: u64::MAX,
                gid: 0,
                setuid: true,
                setgid: true,
            });
            s.world_writable.push(WorldWritable {
                file: f.clone(),
                mode: u32::MAX,
                is_dir: true,
                sticky: true,
            });
            s.notable_files.push(NotableFile {
                file: f.clone(),
                kind: NotableKind::Shell,
                file_type: stockade_core::FileType::File,
                mode: 0,
            });
            s.secrets.push(SecretCandidate {
                file: f.clone(),
                size: u64::MAX,
                kind: SecretKind::Token(w.into()),
                line: Some(u32::MAX),
                redacted: Some(w.into()),
                deleted_in_later_layer: true,
            });
            s.anomalies.push(LayerAnomaly {
                layer: usize::MAX,
                layer_digest: w.into(),
                path: w.into(),
                kind: AnomalyKind::PathTraversal,
                detail: w.into(),
            });
            s.stats.uncompressed_size = u64::MAX;
            for rule in RULES {
                let _ = run(*rule, &s);
            }
        }
    }
}
