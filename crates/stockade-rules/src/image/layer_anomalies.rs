//! **What it finds.** Layer entries of a built image that try to leave the
//! image's root or that no ordinary build produces: names with `..` that
//! climb out of the root, symbolic links that climb above it with `..`,
//! hard links to outside the tree (high); absolute names (`/etc/passwd`)
//! and device nodes (medium); hard links to missing files, the same path
//! twice in one layer and unusable names (low); and files too big to check
//! (`info`). The reader never follows them (nothing is extracted), but
//! other tools that unpack the image may.
//!
//! **Why it matters.** `docker build` and `docker save` never write such
//! entries: they come from a hand-made or tampered archive. Tools that
//! unpack layers naively (older daemons and extractors, CI scripts running
//! `tar -x`, scanners) have been tricked by them into writing outside
//! their directory (CVE-2018-15664, CVE-2019-14271 and many "zip slip"
//! bugs). An image that carries them should not be trusted, whatever else
//! it contains.
//!
//! **How to fix.** Do not run or unpack the image. Rebuild it from its
//! Dockerfile with `docker build`, or get it again from a source you trust
//! and compare digests.
//!
//! **Bad**
//! ```sh
//! # a layer made by hand with an entry that climbs out of the root
//! tar -cf layer.tar --transform 's,^evil,../../etc/cron.d/evil,' evil
//! ```
//!
//! **Good**
//! ```sh
//! docker build -t example/app:1 . && docker save -o app.tar example/app:1
//! ```

use super::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::history::one_line;
use stockade_core::{AnomalyKind, Category, Finding, ImageSpec, LayerAnomaly, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD317",
    title: "Layer entry that escapes or confuses the image root",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("layer_anomalies.rs"),
};

pub struct LayerAnomalies;

/// Entries reported one by one per kind; the rest are summed up.
const MAX_PER_KIND: usize = 10;

fn judge(kind: AnomalyKind) -> (Severity, &'static str) {
    match kind {
        AnomalyKind::PathTraversal => (
            Severity::High,
            "an entry name climbs out of the image root with `..`",
        ),
        AnomalyKind::SymlinkEscapesRoot => (
            Severity::High,
            "a symbolic link climbs above the image root with `..`",
        ),
        AnomalyKind::HardlinkEscapesRoot => {
            (Severity::High, "a hard link points outside the image tree")
        }
        AnomalyKind::AbsolutePath => (Severity::Medium, "an entry has an absolute name"),
        AnomalyKind::DeviceNode => (Severity::Medium, "a layer holds a device node"),
        AnomalyKind::HardlinkTargetMissing => (
            Severity::Low,
            "a hard link points at a file that does not exist",
        ),
        AnomalyKind::DuplicateEntry => (Severity::Low, "a layer holds the same path twice"),
        AnomalyKind::InvalidName => (Severity::Low, "an entry has an empty or unusable name"),
        AnomalyKind::Oversized => (Severity::Info, "a file was too big to check"),
    }
}

const ORDER: [AnomalyKind; 9] = [
    AnomalyKind::PathTraversal,
    AnomalyKind::SymlinkEscapesRoot,
    AnomalyKind::HardlinkEscapesRoot,
    AnomalyKind::AbsolutePath,
    AnomalyKind::DeviceNode,
    AnomalyKind::HardlinkTargetMissing,
    AnomalyKind::DuplicateEntry,
    AnomalyKind::InvalidName,
    AnomalyKind::Oversized,
];

impl Rule for LayerAnomalies {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for kind in ORDER {
            let of_kind: Vec<&LayerAnomaly> =
                spec.anomalies.iter().filter(|a| a.kind == kind).collect();
            let (sev, what) = judge(kind);
            for a in of_kind.iter().take(MAX_PER_KIND) {
                let layer = (!a.layer_digest.is_empty()).then_some(a.layer_digest.as_str());
                let detail = if a.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", one_line(&a.detail, 120))
                };
                let mut f = finding(
                    &META,
                    spec,
                    layer,
                    None,
                    format!(
                        "layer {}: {what}: `{}`{detail}",
                        a.layer.saturating_add(1),
                        one_line(&a.path, 120)
                    ),
                )
                .with_severity(sev);
                if let Some(loc) = f.locator.as_mut() {
                    loc.detail = Some(format!("entry `{}`", one_line(&a.path, 120)));
                }
                out.push(f);
            }
            if of_kind.len() > MAX_PER_KIND {
                let first = of_kind[MAX_PER_KIND];
                let layer = (!first.layer_digest.is_empty()).then_some(first.layer_digest.as_str());
                out.push(
                    finding(
                        &META,
                        spec,
                        layer,
                        None,
                        format!("{} more entries where {what}", of_kind.len() - MAX_PER_KIND),
                    )
                    .with_severity(sev),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{digest, image, run};

    fn anomaly(kind: AnomalyKind, path: &str) -> LayerAnomaly {
        LayerAnomaly {
            layer: 1,
            layer_digest: digest(1),
            path: path.into(),
            kind,
            detail: String::new(),
        }
    }

    #[test]
    fn flags_escapes_high_and_oddities_lower() {
        let mut s = image();
        s.anomalies = vec![
            anomaly(AnomalyKind::DuplicateEntry, "etc/hosts"),
            anomaly(AnomalyKind::PathTraversal, "../../etc/cron.d/x"),
            anomaly(AnomalyKind::SymlinkEscapesRoot, "app/link"),
            anomaly(AnomalyKind::Oversized, "big.bin"),
        ];
        let f = run(&LayerAnomalies, &s);
        let sev: Vec<Severity> = f.iter().map(|f| f.severity).collect();
        assert_eq!(
            sev,
            vec![
                Severity::High,
                Severity::High,
                Severity::Low,
                Severity::Info
            ]
        );
        assert!(f[0].message.starts_with(
            "layer 2: an entry name climbs out of the image root with `..`: `../../etc/cron.d/x`"
        ));
        let loc = f[0].locator.as_ref().unwrap();
        assert_eq!(loc.layer.as_deref(), Some(digest(1).as_str()));
        assert_eq!(loc.detail.as_deref(), Some("entry `../../etc/cron.d/x`"));
    }

    #[test]
    fn many_entries_are_summed_up() {
        let mut s = image();
        for i in 0..15 {
            s.anomalies
                .push(anomaly(AnomalyKind::AbsolutePath, &format!("/x{i}")));
        }
        let f = run(&LayerAnomalies, &s);
        assert_eq!(f.len(), MAX_PER_KIND + 1);
        assert!(f[MAX_PER_KIND].message.starts_with("5 more entries"));
        assert!(f.iter().all(|f| f.severity == Severity::Medium));
    }

    #[test]
    fn quiet_for_clean_layers() {
        assert!(run(&LayerAnomalies, &image()).is_empty());
    }
}
