//! **What it finds.** An `ADD` step in a built image's history that
//! downloaded a URL without `--checksum` (medium; plain `http://` high) or
//! cloned a Git ref that is not a commit id (medium), the same check as
//! the Dockerfile rule SKD112. Only BuildKit records the source as
//! written (`ADD https://… /opt/ # buildkit`); the classic builder records
//! a content hash (`ADD file:… in /opt/`), which says nothing about where
//! it came from and is not judged. The base image's steps are not judged
//! (see SKD314 for where the base is taken to end).
//!
//! **Why it matters.** The build trusted whatever the server returned at
//! the time. A compromised or hijacked server, a moved branch, or (over
//! plain HTTP) anyone on the network decided what went into the image.
//!
//! **How to fix.** Add `--checksum=sha256:<digest>` to the `ADD`, pin Git
//! sources to a full commit id, or download with `curl` and verify with
//! `sha256sum -c` in the same `RUN`.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! ADD https://example.com/tool-1.2.tar.gz /tmp/
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.tar.gz /tmp/
//! ```

use super::step_finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::history::{Step, one_line, own_steps_start, parse_created_by};
use crate::util::remote_source::{Remote, remote};
use stockade_core::{Category, Finding, ImageSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD316",
    title: "Image step added a URL without a checksum",
    category: Category::Provenance,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("add_url.rs"),
};

pub struct AddUrl;

/// The sources of an `ADD` as recorded (flags dropped, the destination
/// last), and whether it had `--checksum`.
fn sources(args: &str) -> (Vec<String>, bool) {
    let t = args.trim();
    let words: Vec<String> = if t.starts_with('[') {
        // JSON form: `["src", "dest"]`.
        t.trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|w| w.trim().trim_matches('"').to_string())
            .filter(|w| !w.is_empty())
            .collect()
    } else {
        t.split_whitespace().map(str::to_string).collect()
    };
    let checksum = words.iter().any(|w| w.starts_with("--checksum"));
    let mut plain: Vec<String> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
    plain.pop();
    (plain, checksum)
}

impl Rule for AddUrl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        let start = own_steps_start(&spec.history);
        for (i, h) in spec.history.iter().enumerate().skip(start) {
            let Some(created_by) = h.created_by.as_deref() else {
                continue;
            };
            let Step::Instr { keyword, args } = parse_created_by(created_by) else {
                continue;
            };
            if !keyword.eq_ignore_ascii_case("ADD") {
                continue;
            }
            let (srcs, checksum) = sources(args);
            if checksum {
                continue;
            }
            for src in srcs.iter().take(64) {
                let shown = one_line(src, 120);
                let f = match remote(src) {
                    Some(Remote::Http { plain }) => {
                        let f = step_finding(
                            &META,
                            spec,
                            i,
                            h,
                            format!(
                                "history step {}: `ADD {shown}` downloaded without `--checksum`: whatever the server returned went into the image{}",
                                i + 1,
                                if plain {
                                    ", and over plain HTTP anyone on the path could change it"
                                } else {
                                    ""
                                }
                            ),
                        );
                        if plain {
                            f.with_severity(Severity::High)
                        } else {
                            f
                        }
                    }
                    Some(Remote::Git { pinned: false }) => step_finding(
                        &META,
                        spec,
                        i,
                        h,
                        format!(
                            "history step {}: `ADD {shown}` cloned a Git ref that can move (not a commit id) without `--checksum`",
                            i + 1
                        ),
                    ),
                    _ => continue,
                };
                out.push(f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{image, run, step};

    #[test]
    fn flags_unpinned_downloads() {
        let mut s = image();
        s.history.push(step(
            "ADD https://example.com/a.tgz /opt/ # buildkit",
            Some(1),
        ));
        s.history.push(step(
            "ADD http://example.com/b.tgz https://github.com/o/r.git#main /x/ # buildkit",
            Some(1),
        ));
        s.history.push(step(
            "ADD [\"https://example.com/c.tgz\", \"/c\"] # buildkit",
            Some(1),
        ));
        let f = run(&AddUrl, &s);
        assert_eq!(f.len(), 4, "{f:?}");
        assert!(
            f[0].message
                .starts_with("history step 6: `ADD https://example.com/a.tgz`")
        );
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
        assert!(f[2].message.contains("Git ref"));
        assert!(f[3].message.contains("c.tgz"));
    }

    #[test]
    fn quiet_cases() {
        let mut s = image();
        let sha = "a".repeat(64);
        s.history.push(step(
            &format!("ADD --checksum=sha256:{sha} https://example.com/a.tgz /opt/ # buildkit"),
            Some(1),
        ));
        s.history.push(step(
            "/bin/sh -c #(nop) ADD file:0123abcd in /opt/ ",
            Some(1),
        ));
        s.history
            .push(step("ADD app.tar.gz /opt/ # buildkit", Some(1)));
        s.history.push(step("ADD https://github.com/o/r.git#0f3c1f6a2e2b9b4c7d8e9f0a1b2c3d4e5f6a7b8c /src # buildkit", Some(1)));
        assert!(run(&AddUrl, &s).is_empty());
        // A base image's ADD is not the image's own.
        let mut s = image();
        s.history.insert(
            0,
            step("ADD https://example.com/rootfs.tgz / # buildkit", Some(0)),
        );
        assert!(run(&AddUrl, &s).is_empty());
    }
}
