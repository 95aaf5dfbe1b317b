//! **What it finds.** `EXPOSE` values in the final image's stages that are
//! not valid ports: 0, numbers above 65535, ranges that run backwards,
//! protocols other than `tcp`, `udp` and `sctp`, and other malformed values
//! (`8080:80` is `docker run -p` syntax, not `EXPOSE`). Values that resolve
//! through `ARG`/`ENV` are judged resolved; unresolved ones are skipped.
//!
//! **Why it matters.** BuildKit rejects some of these and records others
//! in the image configuration where tools that read it (`docker run -P`,
//! orchestrators, scanners) fail or misread them. It is usually a typo or
//! a misunderstanding of what `EXPOSE` does.
//!
//! **How to fix.** Write `port`, `port/proto` or `from-to[/proto]` with
//! ports 1-65535. Publishing (`host:container`) belongs on `docker run -p`
//! or in Compose, not in the Dockerfile.
//!
//! **Bad**
//! ```dockerfile
//! FROM nginx:1.29
//! EXPOSE 80:80 70000
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM nginx:1.29
//! EXPOSE 80
//! ```

use crate::build::expose_admin_port::parse_port;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::stages::final_chain;
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD141",
    title: "Invalid port in EXPOSE",
    category: Category::Ports,
    severity: Severity::Low,
    aliases: &[
        "DL3011",
        "DS-0008",
        "DS008",
        "AVD-DS-0008",
        "unix_ports_out_of_range",
    ],
    targets: &[Target::Build],
    fix: FixKind::None,
    source: include_str!("expose_invalid_port.rs"),
};

pub struct ExposeInvalidPort;

impl Rule for ExposeInvalidPort {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in final_chain(spec) {
            for instr in &stage.instructions {
                let InstrKind::Expose(values) = &instr.kind else {
                    continue;
                };
                for v in values {
                    let Some(text) = v.value.known() else {
                        continue;
                    };
                    for token in text.split_whitespace() {
                        if let Err(why) = parse_port(token) {
                            out.push(META.finding(
                                v.span,
                                stage.label(),
                                format!("`EXPOSE {token}` is not a valid port: {why}"),
                            ));
                        }
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
    fn flags_invalid_ports() {
        let text = "FROM debian:12\nEXPOSE 80 0 70000 8080:80 53/http 90-80\n";
        let f = run_build(&ExposeInvalidPort, text);
        assert_eq!(
            flagged(text, &f),
            vec!["0", "70000", "8080:80", "53/http", "90-80"]
        );
        assert!(f.iter().all(|f| f.severity == Severity::Low));
        let text = "FROM debian:12\nARG P=99999\nEXPOSE $P\n";
        assert_eq!(
            flagged(text, &run_build(&ExposeInvalidPort, text)),
            vec!["$P"]
        );
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM debian:12\nEXPOSE 80 443/tcp 53/udp 9000-9010 65535 1/sctp\n",
            "FROM debian:12\nARG P\nEXPOSE $P\n",
            "FROM debian:12 AS b\nEXPOSE 99999\nFROM debian:12\n",
        ] {
            assert!(run_build(&ExposeInvalidPort, text).is_empty(), "{text}");
        }
    }
}
