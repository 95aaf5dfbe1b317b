//! **What it finds.** A `RUN` step in a built image's history that ran code
//! straight from the network: a download piped into an interpreter
//! (`curl … | sh`, `wget -qO- … | python3 -`) or substituted into one
//! (`sh -c "$(curl …)"`, `bash <(curl …)`), high; or a script downloaded
//! and run in the same step with no checksum or signature check, medium.
//! The same analysis as the Dockerfile rule SKD113, applied to the
//! commands the history records (`/bin/sh -c …`, `|N A=b /bin/sh -c …`,
//! BuildKit's `RUN /bin/sh -c … # buildkit`, exec form).
//!
//! Only the image's own steps are judged, not its base image's: the
//! history does not say where the base ends, so the base is taken to end
//! at the last `CMD`/`ENTRYPOINT` step that is followed by a step changing
//! files (base images end with one; see `util::history::own_steps_start`).
//! A base without a final `CMD`/`ENTRYPOINT` is judged as the image's own,
//! and a Dockerfile that sets `CMD` before its last `RUN` hides its earlier
//! steps.
//!
//! **Why it matters.** The build ran whatever the server sent, as root,
//! with no record of what it was. A compromised server, a hijacked domain
//! or a hostile mirror got code execution in the build and a foothold in
//! the image, and nothing in the image shows it.
//!
//! **How to fix.** Download to a file, check it against a checksum or
//! signature pinned in the Dockerfile, then run it; better, install from
//! the distribution's signed packages or copy a pinned binary.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! RUN curl -fsSL https://get.example.com/install.sh | sh
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! ARG INSTALL_SHA256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//! RUN curl -fsSLo /tmp/install.sh https://get.example.com/v1.2/install.sh \
//!  && echo "${INSTALL_SHA256}  /tmp/install.sh" | sha256sum -c - \
//!  && sh /tmp/install.sh && rm /tmp/install.sh
//! ```

use super::step_finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::history::{HistoryRun, Step, own_steps_start, parse_created_by};
use crate::util::remote_exec::remote_exec;
use std::collections::HashSet;
use stockade_core::{Category, Finding, HistoryEntry, ImageSpec, Severity, Span};

pub static META: RuleMeta = RuleMeta {
    id: "SKD314",
    title: "Image built by running a remote script",
    category: Category::Provenance,
    severity: Severity::High,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("remote_exec.rs"),
};

pub struct RemoteExec;

/// The image's own `RUN` steps: index, entry and parsed command.
pub(crate) fn own_runs(spec: &ImageSpec) -> Vec<(usize, &HistoryEntry, HistoryRun)> {
    let start = own_steps_start(&spec.history);
    spec.history
        .iter()
        .enumerate()
        .skip(start)
        .filter_map(|(i, h)| match parse_created_by(h.created_by.as_deref()?) {
            Step::Run { command, .. } => Some((i, h, HistoryRun::new(command))),
            _ => None,
        })
        .collect()
}

impl Rule for RemoteExec {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for (i, h, run) in own_runs(spec) {
            let Some(rs) = run.scripts() else { continue };
            let mut seen: HashSet<Span> = HashSet::new();
            for hit in remote_exec(&rs, &mut seen) {
                out.push(
                    step_finding(
                        &META,
                        spec,
                        i,
                        h,
                        format!(
                            "history step {}: {} (`{}`)",
                            i + 1,
                            hit.message,
                            run.snippet(hit.span, 120)
                        ),
                    )
                    .with_severity(hit.severity),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{digest, image, push_run, run, step};

    #[test]
    fn flags_own_steps() {
        let mut s = image();
        push_run(
            &mut s,
            "RUN /bin/sh -c apt-get update && curl -fsSL https://x.io/i.sh | sh # buildkit",
        );
        push_run(
            &mut s,
            "|1 V=2 /bin/sh -c sh -c \"$(wget -qO- https://x.io/i.sh)\"",
        );
        push_run(
            &mut s,
            "/bin/sh -c curl -fsSLo /tmp/i.sh https://x.io/i.sh && sh /tmp/i.sh",
        );
        let f = run(&RemoteExec, &s);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(
            f[0].message
                .starts_with("history step 6: a `curl` download is piped into `sh`"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message
                .ends_with("(`curl -fsSL https://x.io/i.sh | sh`)"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].severity, Severity::High);
        let loc = f[0].locator.as_ref().unwrap();
        assert_eq!(loc.layer.as_deref(), Some(digest(2).as_str()));
        assert!(f[1].message.contains("substituted into `sh`"));
        assert_eq!(f[2].severity, Severity::Medium);
    }

    #[test]
    fn never_blames_the_base_image() {
        let mut s = image();
        // The base's own steps: before its final CMD.
        s.history
            .insert(1, step("/bin/sh -c curl https://x.io/i.sh | bash", Some(0)));
        assert!(run(&RemoteExec, &s).is_empty());
        // The same step after the base's CMD is the image's own.
        let mut s = image();
        push_run(&mut s, "/bin/sh -c curl https://x.io/i.sh | bash");
        assert_eq!(run(&RemoteExec, &s).len(), 1);
    }

    #[test]
    fn quiet_for_verified_downloads_and_other_steps() {
        let mut s = image();
        push_run(
            &mut s,
            "RUN /bin/sh -c curl -fsSLo /tmp/i.sh https://x.io/i.sh && echo \"abc  /tmp/i.sh\" | sha256sum -c - && sh /tmp/i.sh # buildkit",
        );
        push_run(
            &mut s,
            "RUN /bin/sh -c curl -fsSL https://x.io/a.tgz | tar -xz # buildkit",
        );
        s.history.push(step("COPY . /app # buildkit", None));
        assert!(run(&RemoteExec, &s).is_empty());
    }
}
