//! **What it finds.** A `RUN chown` of files that a `COPY`/`ADD` in the same
//! stage just put there without `--chown`, in the final image's stages:
//! `COPY . /app` then `RUN chown -R app:app /app`. The path is compared
//! after resolving `WORKDIR`, and also matches the copied file
//! (`COPY run.sh /usr/local/bin/` then `chown app /usr/local/bin/run.sh`).
//! A `RUN` that changes directory first, or a path with unresolved
//! variables, is left alone. Builder stages are not judged.
//!
//! **Why it matters.** `chown` rewrites every file it touches, so the
//! files are stored twice: once in the `COPY` layer, once in the `RUN`
//! layer. Images grow by the size of what was copied, and builds get
//! slower. `COPY --chown` sets the owner in one layer.
//!
//! **How to fix.** Move the owner onto the copy: `COPY --chown=app:app . /app`
//! and drop the `chown` (stockade can make this change: it keeps the
//! files, owners and behaviour the same).
//!
//! **Bad**
//! ```dockerfile
//! FROM python:3.13-slim
//! WORKDIR /app
//! COPY . .
//! RUN chown -R 10001:10001 /app
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM python:3.13-slim
//! WORKDIR /app
//! COPY --chown=10001:10001 . .
//! ```

use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use crate::util::commands::{OptSpec, RunScripts, effective, parse_opts};
use crate::util::stages::{final_chain, normalize_path};
use stockade_core::{BuildSpec, Category, Finding, InstrKind, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD162",
    title: "RUN chown of just-copied files (use COPY --chown)",
    category: Category::FilePermissions,
    severity: Severity::Low,
    aliases: &[],
    targets: &[Target::Build],
    fix: FixKind::Safe,
    source: include_str!("chown_after_copy.rs"),
};

pub struct ChownAfterCopy;

struct Copied {
    /// Normalised destination, and each copied file's path under it.
    paths: Vec<String>,
    line: String,
}

const CHOWN: OptSpec = OptSpec {
    short_with_arg: b"",
    long_with_arg: &["--from"],
};

impl Rule for ChownAfterCopy {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_build(&self, spec: &BuildSpec, _cx: &Ctx, out: &mut Vec<Finding>) {
        for stage in final_chain(spec) {
            let mut workdir = "/".to_string();
            let mut copies: Vec<Copied> = Vec::new();
            for instr in &stage.instructions {
                match &instr.kind {
                    InstrKind::Workdir(w) => match w.value.known() {
                        Some(v) => workdir = normalize_path(v, &workdir),
                        None => workdir = String::new(),
                    },
                    InstrKind::Copy(c) => {
                        if c.chown.is_some() || workdir.is_empty() {
                            continue;
                        }
                        let Some(dest) = c.dest.as_ref().and_then(|d| d.value.known()) else {
                            continue;
                        };
                        let base = normalize_path(dest, &workdir);
                        let mut paths = vec![base.clone()];
                        if dest.ends_with('/') || c.sources.len() > 1 {
                            for s in &c.sources {
                                if let Some(name) = s
                                    .value
                                    .known()
                                    .and_then(|v| v.trim_end_matches('/').rsplit('/').next())
                                    && !name.is_empty()
                                    && name != "."
                                    && !name.contains('*')
                                {
                                    paths.push(format!("{}/{name}", base.trim_end_matches('/')));
                                }
                            }
                        }
                        let srcs: Vec<&str> =
                            c.sources.iter().map(|s| s.value.raw.as_str()).collect();
                        copies.push(Copied {
                            paths,
                            line: format!("{} {} {}", instr.keyword.value, srcs.join(" "), dest),
                        });
                    }
                    InstrKind::Run(run) => {
                        let rs = RunScripts::new(instr, run);
                        let mut moved = false;
                        for rc in rs.commands() {
                            let Some((name, _, args)) = effective(rc.cmd) else {
                                continue;
                            };
                            if name == "cd" || name == "pushd" {
                                moved = true;
                            }
                            if name != "chown" || workdir.is_empty() {
                                continue;
                            }
                            let p = parse_opts(args, &CHOWN);
                            if p.has(&["reference"]) {
                                continue;
                            }
                            for t in p.operands.iter().skip(1) {
                                let text = t.lossy();
                                if text.contains('$') || (moved && !text.starts_with('/')) {
                                    continue;
                                }
                                let target = normalize_path(&text, &workdir);
                                if let Some(c) =
                                    copies.iter().rev().find(|c| c.paths.contains(&target))
                                {
                                    out.push(META.finding(
                                        rc.cmd.span,
                                        stage.label(),
                                        format!(
                                            "`chown` of `{text}` rewrites what `{}` just copied, storing it twice: use `COPY --chown` instead",
                                            c.line
                                        ),
                                    ));
                                    break;
                                }
                            }
                        }
                    }
                    _ => {}
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
    fn flags_chown_after_copy() {
        for (text, want) in [
            (
                "FROM python:3.13\nWORKDIR /app\nCOPY . .\nRUN chown -R 10001:10001 /app\n",
                "chown -R 10001:10001 /app",
            ),
            (
                "FROM python:3.13\nCOPY . /app\nRUN useradd app && chown -R app:app /app\n",
                "chown -R app:app /app",
            ),
            (
                "FROM python:3.13\nWORKDIR /app\nCOPY src/ ./src/\nRUN chown -R app ./src\n",
                "chown -R app ./src",
            ),
            (
                "FROM debian:12\nCOPY run.sh /usr/local/bin/\nRUN chown app /usr/local/bin/run.sh\n",
                "chown app /usr/local/bin/run.sh",
            ),
        ] {
            let f = run_build(&ChownAfterCopy, text);
            assert_eq!(flagged(text, &f), vec![want], "{text}");
            assert_eq!(f[0].severity, Severity::Low);
        }
        assert_eq!(META.fix, FixKind::Safe);
    }

    #[test]
    fn quiet_cases() {
        for text in [
            "FROM python:3.13\nCOPY --chown=app:app . /app\n",
            "FROM python:3.13\nCOPY . /app\nRUN chown -R app /data\n",
            "FROM python:3.13\nCOPY . /app\nRUN cd /srv && chown -R app app\n",
            "FROM python:3.13\nARG D\nCOPY . /app\nRUN chown -R app $D\n",
            "FROM python:3.13 AS b\nCOPY . /app\nRUN chown -R app /app\nFROM debian:12\nCOPY --from=b /app /app\n",
        ] {
            assert!(run_build(&ChownAfterCopy, text).is_empty(), "{text}");
        }
    }
}
