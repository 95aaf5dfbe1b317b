//! **What it finds.** Files and directories in a built image that anyone
//! may write (mode `o+w`), outside the places made for it: `/tmp`,
//! `/var/tmp`, `/dev/shm`, `/run/lock`, `/var/lock` and `/var/run/lock`,
//! which are fine with the sticky bit (`1777`) and low without it. Elsewhere
//! a world-writable file or non-sticky directory is medium and a sticky
//! directory low. Symbolic links (always `0777`) and device nodes are not
//! judged.
//!
//! **Why it matters.** Whoever can write a file can change what the
//! program reads or runs: configuration, scripts, libraries, the program
//! itself. In a world-writable directory without the sticky bit anyone may
//! also delete or replace other users' files. An unprivileged process that
//! gets code execution uses such paths to plant code that a more privileged
//! process (root in the same container, a cron job, an entrypoint script)
//! later runs.
//!
//! **How to fix.** Give the files to the user that runs the container
//! (`COPY --chown=65534:65534`, `chown` in the same `RUN` that creates
//! them) with modes like `0644`/`0755`, or `0700` for data directories.
//! Use `/tmp` for scratch space, or a volume.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN mkdir -p /app/data && chmod -R 777 /app
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN mkdir -p /app/data && chown -R 65534:65534 /app/data && chmod 0700 /app/data
//! USER 65534
//! ```

use super::file_finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, ImageSpec, Severity, WorldWritable as Entry};

pub static META: RuleMeta = RuleMeta {
    id: "SKD309",
    title: "World-writable file or directory",
    category: Category::FilePermissions,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("world_writable.rs"),
};

pub struct WorldWritable;

/// Directories made to be world-writable (with the sticky bit).
const SCRATCH_DIRS: &[&str] = &[
    "tmp",
    "var/tmp",
    "dev/shm",
    "run/lock",
    "var/lock",
    "var/run/lock",
];

/// How many entries are reported one by one; the rest are summed up.
const MAX_REPORTED: usize = 20;

/// `None` when fine, else the severity and what is wrong.
fn judge(e: &Entry) -> Option<(Severity, &'static str)> {
    if !e.is_dir {
        return Some((Severity::Medium, "anyone may change it"));
    }
    let scratch = SCRATCH_DIRS.contains(&e.file.path.trim_end_matches('/'));
    match (scratch, e.sticky) {
        (true, true) => None,
        (true, false) => Some((
            Severity::Low,
            "it lacks the sticky bit, so anyone may delete or replace other users' files in it",
        )),
        (false, true) => Some((
            Severity::Low,
            "anyone may add files to it (the sticky bit keeps them from others' files)",
        )),
        (false, false) => Some((
            Severity::Medium,
            "anyone may add, delete or replace files in it",
        )),
    }
}

impl Rule for WorldWritable {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let bad: Vec<(&Entry, Severity, &str)> = spec
            .world_writable
            .iter()
            .filter_map(|e| judge(e).map(|(s, why)| (e, s, why)))
            .collect();
        for (e, sev, why) in bad.iter().take(MAX_REPORTED) {
            let kind = if e.is_dir { "directory" } else { "file" };
            out.push(
                file_finding(
                    &META,
                    spec,
                    &e.file,
                    format!(
                        "{kind} `/{}` is world-writable (mode {:04o}): {why}",
                        e.file.path,
                        e.mode & 0o7777
                    ),
                )
                .with_severity(*sev),
            );
        }
        if bad.len() > MAX_REPORTED {
            let rest = &bad[MAX_REPORTED..];
            let sev = rest.iter().map(|b| b.1).max().unwrap_or(Severity::Low);
            out.push(
                file_finding(
                    &META,
                    spec,
                    &rest[0].0.file,
                    format!(
                        "{} more world-writable files or directories, from `/{}` on",
                        rest.len(),
                        rest[0].0.file.path
                    ),
                )
                .with_severity(sev),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{fref, image, run};

    fn ww(path: &str, mode: u32, is_dir: bool) -> Entry {
        Entry {
            file: fref(path, 1),
            mode,
            is_dir,
            sticky: mode & 0o1000 != 0,
        }
    }

    #[test]
    fn flags_world_writable_paths() {
        let mut s = image();
        s.world_writable = vec![
            ww("app/config.yml", 0o666, false),
            ww("shared", 0o777, true),
            ww("var/run/postgresql", 0o3777, true),
            ww("tmp", 0o777, true),
        ];
        let f = run(&WorldWritable, &s);
        let got: Vec<(String, Severity)> = f
            .iter()
            .map(|f| {
                (
                    f.locator.as_ref().unwrap().path.clone().unwrap(),
                    f.severity,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("/app/config.yml".to_string(), Severity::Medium),
                ("/shared".to_string(), Severity::Medium),
                ("/var/run/postgresql".to_string(), Severity::Low),
                ("/tmp".to_string(), Severity::Low),
            ]
        );
        assert!(
            f[0].message
                .starts_with("file `/app/config.yml` is world-writable (mode 0666)")
        );
        assert!(f[3].message.contains("lacks the sticky bit"));
    }

    #[test]
    fn quiet_for_sticky_scratch_dirs() {
        let mut s = image();
        s.world_writable = vec![
            ww("tmp", 0o1777, true),
            ww("var/tmp", 0o1777, true),
            ww("run/lock", 0o1777, true),
            ww("dev/shm", 0o1777, true),
        ];
        assert!(run(&WorldWritable, &s).is_empty());
    }

    #[test]
    fn many_entries_are_summed_up() {
        let mut s = image();
        for i in 0..30 {
            s.world_writable
                .push(ww(&format!("app/n/{i:02}"), 0o666, false));
        }
        let f = run(&WorldWritable, &s);
        assert_eq!(f.len(), MAX_REPORTED + 1);
        assert!(f[MAX_REPORTED].message.starts_with("10 more"));
        assert_eq!(f[MAX_REPORTED].severity, Severity::Medium);
    }
}
