//! **What it finds.** A Docker Engine whose release line is past the end
//! of its upstream maintenance (from `/version`). Dates come from the Moby
//! project's branch table (`project/BRANCHES-AND-TAGS.md`) and
//! endoflife.date, checked 2026-11: 29 and 28 have no announced end;
//! 27 ended 2025-05-03, 26.1 2025-02-17, 26.0 and 24.0 2024-06-08, 23.0
//! (Mirantis) 2025-05-19, 20.10 2023-12-10, 19.03 2021-01-08, 18.09
//! 2019-08-22, every older line by 2019. 25.0 is still maintained for
//! Amazon Linux. Distribution builds (`20.10.24+dfsg1`,
//! `24.0.7-0ubuntu4`) may carry backported fixes, so they are reported as
//! low.
//!
//! **Why it matters.** An unmaintained engine gets no fixes for container
//! escapes and daemon bugs (runc and BuildKit CVEs are fixed in the
//! maintained lines only), and newer clients drop support for its API.
//!
//! **How to fix.** Upgrade to a maintained release line (29.x, or 28.x
//! until its end is announced). With live restore on, containers keep
//! running while the daemon is upgraded.
//!
//! **Bad**
//! ```text
//! Server: Docker Engine - Community
//!  Engine:
//!   Version:          20.10.24
//! ```
//!
//! **Good**
//! ```text
//! Server: Docker Engine - Community
//!  Engine:
//!   Version:          29.1.0
//! ```

use crate::host::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::date::Date;
use stockade_core::{Category, Finding, HostSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD408",
    title: "Docker Engine past its support window",
    category: Category::Freshness,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Host],
    fix: FixKind::None,
    source: include_str!("engine_eol.rs"),
};

pub struct EngineEol;

/// A `(year, month, day)`.
type Ymd = (i64, u32, u32);

/// `(major, minor or None for the whole major, end of maintenance)`;
/// `None` as the date: maintained.
const LINES: &[(u32, Option<u32>, Option<Ymd>)] = &[
    (29, None, None),
    (28, None, None),
    (27, None, Some((2025, 5, 3))),
    (26, Some(1), Some((2025, 2, 17))),
    (26, Some(0), Some((2024, 6, 8))),
    (25, Some(0), None),
    (24, Some(0), Some((2024, 6, 8))),
    (23, Some(0), Some((2025, 5, 19))),
    (20, Some(10), Some((2023, 12, 10))),
    (19, Some(3), Some((2021, 1, 8))),
    (18, Some(9), Some((2019, 8, 22))),
];

/// Lines older than 18.09 ended no later than this.
const OLDER_THAN_18_09: Ymd = (2019, 8, 22);

/// `(major, minor, distribution build)` of a version string.
fn parse_version(v: &str) -> Option<(u32, u32, bool)> {
    let v = v.trim().trim_start_matches('v');
    let core_end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (core, suffix) = v.split_at(core_end);
    let mut parts = core.split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    let suffix = suffix.trim_start_matches('-');
    let upstream = suffix.is_empty()
        || ["ce", "ee", "rc", "beta", "alpha"]
            .iter()
            .any(|s| suffix.starts_with(s));
    Some((major, minor, !upstream))
}

/// The end of maintenance of a release line, when it has ended or is known.
fn end_of_line(major: u32, minor: u32) -> Option<(String, Option<Date>)> {
    let hit = LINES
        .iter()
        .find(|(m, n, _)| *m == major && n.is_none_or(|n| n == minor));
    match hit {
        Some((m, n, end)) => {
            let name = match n {
                Some(n) if *m >= 23 => format!("{m}.{n}"),
                Some(n) => format!("{m}.{n:02}"),
                None => format!("{m}.x"),
            };
            Some((name, end.map(|(y, mo, d)| Date::from_ymd(y, mo, d))))
        }
        None if major < 18 || (major == 18 && minor < 9) => {
            let (y, mo, d) = OLDER_THAN_18_09;
            Some((
                format!("{major}.{minor:02}"),
                Some(Date::from_ymd(y, mo, d)),
            ))
        }
        None => None,
    }
}

impl Rule for EngineEol {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_host(&self, spec: &HostSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(version) = spec.daemon.engine_version.as_deref() else {
            return;
        };
        let Some((major, minor, distro)) = parse_version(version) else {
            return;
        };
        let Some((line, Some(end))) = end_of_line(major, minor) else {
            return;
        };
        if cx.today < end {
            return;
        }
        let (y, m, d) = end.ymd();
        let mut msg = format!(
            "Docker Engine {version}: the {line} release line reached the end of upstream maintenance on {y}-{m:02}-{d:02}"
        );
        let mut f = finding(
            &META,
            spec,
            format!("daemon: engine {version}"),
            String::new(),
        );
        if distro {
            msg.push_str("; this is a distribution build, which may carry backported fixes: check the distribution's support for it");
            f = f.with_severity(Severity::Low);
        }
        f.message = msg;
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::testutil::{hardened, run};

    fn sev(version: &str) -> Option<Severity> {
        let mut spec = hardened();
        spec.daemon.engine_version = Some(version.into());
        let f = run(&EngineEol, &spec);
        assert!(f.len() <= 1);
        f.first().map(|f| f.severity)
    }

    #[test]
    fn versions() {
        assert_eq!(parse_version("20.10.24+dfsg1"), Some((20, 10, true)));
        assert_eq!(parse_version("24.0.7-0ubuntu4"), Some((24, 0, true)));
        assert_eq!(parse_version("28.5.2"), Some((28, 5, false)));
        assert_eq!(parse_version("18.09.1-ce"), Some((18, 9, false)));
        assert_eq!(parse_version("v27.0.0-rc.1"), Some((27, 0, false)));
        assert_eq!(parse_version("dev"), None);
    }

    #[test]
    fn flags_ended_lines() {
        assert_eq!(sev("27.5.1"), Some(Severity::Medium));
        assert_eq!(sev("26.1.4"), Some(Severity::Medium));
        assert_eq!(sev("23.0.18"), Some(Severity::Medium));
        assert_eq!(sev("20.10.24+dfsg1"), Some(Severity::Low));
        assert_eq!(sev("17.06.2-ce"), Some(Severity::Medium));
        assert_eq!(sev("1.13.1"), Some(Severity::Medium));
        let mut spec = hardened();
        spec.daemon.engine_version = Some("20.10.24".into());
        let f = run(&EngineEol, &spec);
        assert!(
            f[0].message.contains(
                "the 20.10 release line reached the end of upstream maintenance on 2023-12-10"
            ),
            "{}",
            f[0].message
        );
        spec.daemon.engine_version = Some("18.09.7".into());
        assert!(
            run(&EngineEol, &spec)[0]
                .message
                .contains("the 18.09 release line")
        );
        spec.daemon.engine_version = Some("26.0.2".into());
        assert!(
            run(&EngineEol, &spec)[0]
                .message
                .contains("the 26.0 release line")
        );
        spec.daemon.engine_version = Some("27.1.0".into());
        assert!(
            run(&EngineEol, &spec)[0]
                .message
                .contains("the 27.x release line")
        );
    }

    #[test]
    fn quiet_for_maintained_unknown_and_future_lines() {
        for v in ["29.1.0", "28.5.2", "25.0.14", "30.0.0", "21.0.0", "garbage"] {
            assert_eq!(sev(v), None, "{v}");
        }
        let mut spec = hardened();
        spec.daemon.engine_version = None;
        assert!(run(&EngineEol, &spec).is_empty());
        // Before the end date, a line is still maintained.
        let mut cx = crate::testutil::ctx();
        cx.today = Date::from_ymd(2025, 1, 1);
        spec.daemon.engine_version = Some("27.5.1".into());
        let mut out = Vec::new();
        EngineEol.check_host(&spec, &cx, &mut out);
        assert!(out.is_empty());
    }
}
