//! **What it finds.** `ADD` of a remote source whose content is not pinned:
//! an `http(s)://` URL without `--checksum=sha256:…`, or a Git repository
//! (`https://…/repo.git#ref`, `git@host:repo.git`) whose `#ref` is not a
//! commit id and that has no `--checksum`. Every stage is judged: a
//! download into a builder stage ends up in the final image as surely as
//! one into the final stage. A plain `http://` URL is high, since anyone on
//! the path can replace it.
//!
//! **Why it matters.** The build trusts whatever the server returns at
//! build time. A compromised or hijacked server, a moved tag or branch, or
//! (for `http://`) anyone on the network changes what goes into the image,
//! and nothing in the build notices.
//!
//! **How to fix.** Add `--checksum=sha256:<digest>` (BuildKit, Dockerfile
//! syntax 1.6+) so the build fails when the content changes, and pin Git
//! sources to a full commit id. Or download with `curl` in a `RUN` and
//! verify with `sha256sum -c`.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:12-slim
//! ADD https://example.com/tool-1.2.tar.gz /tmp/
//! ADD https://github.com/acme/lib.git#main /src/lib
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:12-slim
//! ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool-1.2.tar.gz /tmp/
//! ADD https://github.com/acme/lib.git#0f3c1f6a2e2b9b4c7d8e9f0a1b2c3d4e5f6a7b8c /src/lib
//! ```

use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::remote_source::{Remote, remote};
use stockade_core::{BuildSpec, Category, Finding, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD112",
    title: "ADD from a URL without a checksum",
    category: Category::Provenance,
    severity: Severity::Medium,
    aliases: &["curl_or_wget_instead_of_add"],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("add_url.rs"),
};

pub struct AddUrl;

impl Rule for AddUrl {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in crate::util::stages::needed(spec) {
            for (_, copy) in stage.copies() {
                if !copy.is_add || copy.checksum.is_some() || copy.from.is_some() {
                    continue;
                }
                for src in &copy.sources {
                    let Some(v) = src.value.known() else { continue };
                    match remote(v) {
                        Some(Remote::Http { plain }) => {
                            let f = META.finding(
                                src.span,
                                stage.label(),
                                format!(
                                    "`ADD {v}` downloads without `--checksum`: whatever the server returns goes into the image{}",
                                    if plain { ", and over plain HTTP anyone on the path can change it" } else { "" }
                                ),
                            );
                            out.push(if plain { f.with_severity(Severity::High) } else { f });
                        }
                        Some(Remote::Git { pinned: false }) => out.push(META.finding(
                            src.span,
                            stage.label(),
                            format!(
                                "`ADD {v}` clones a Git ref that can move (not a commit id) and has no `--checksum`"
                            ),
                        )),
                        _ => {}
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{flagged, run_build};

    #[test]
    fn flags_unpinned_downloads() {
        let text = "FROM debian:12 AS b\nADD https://example.com/a.tgz /tmp/\nFROM debian:12\nCOPY --from=b /tmp /tmp\nADD http://example.com/b.tgz https://github.com/o/r.git#main /x/\n";
        let f = run_build(&AddUrl, text);
        assert_eq!(
            flagged(text, &f),
            vec![
                "https://example.com/a.tgz",
                "http://example.com/b.tgz",
                "https://github.com/o/r.git#main"
            ]
        );
        assert_eq!(f[0].severity, Severity::Medium);
        assert_eq!(f[1].severity, Severity::High);
        let text = "FROM debian:12\nARG V=1.2\nADD https://example.com/tool-${V}.tgz /tmp/\n";
        assert_eq!(run_build(&AddUrl, text).len(), 1);
        let text = "FROM debian:12\nADD git@github.com:o/r.git /src\n";
        assert_eq!(run_build(&AddUrl, text).len(), 1);
    }

    #[test]
    fn quiet_cases() {
        let sha = "a".repeat(64);
        for text in [
            format!("FROM debian:12\nADD --checksum=sha256:{sha} https://example.com/a.tgz /tmp/\n"),
            "FROM debian:12\nADD https://github.com/o/r.git#0f3c1f6a2e2b9b4c7d8e9f0a1b2c3d4e5f6a7b8c /src\n".to_string(),
            "FROM debian:12\nADD app.tar.gz /opt/\n".to_string(),
            "FROM debian:12\nCOPY https.txt /x\n".to_string(),
            "FROM debian:12\nARG URL\nADD $URL /x\n".to_string(),
        ] {
            assert!(run_build(&AddUrl, &text).is_empty(), "{text}");
        }
    }
}
