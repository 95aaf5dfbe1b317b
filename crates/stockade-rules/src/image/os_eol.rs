//! **What it finds.** An image whose operating system, as its
//! `/etc/os-release` names it (`ID`, `VERSION_ID`, `VERSION_CODENAME`),
//! is past its end of life: Debian, Ubuntu, Alpine, CentOS Linux and
//! Stream, Fedora. The dates are the same table the Dockerfile rule SKD150
//! uses (end of security support; for Debian the end of LTS, for Ubuntu
//! the end of standard support). Medium, high once the end is more than a
//! year past.
//!
//! **Why it matters.** After its end of life a distribution publishes no
//! security fixes: every vulnerability found later in its packages stays
//! in the image however often it is rebuilt, and scanners stop reporting
//! many of them because the distribution no longer tracks them.
//!
//! **How to fix.** Move the Dockerfile's `FROM` to a supported release
//! (`debian:12-slim`, `alpine:3.22`, `ubuntu:24.04`), rebuild and retest.
//!
//! **Bad**
//! ```dockerfile
//! FROM debian:buster-slim
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM debian:bookworm-slim
//! ```

use super::file_finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::eol::{end_of_life, os_release_part};
use stockade_core::{Category, Finding, ImageSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD304",
    title: "Operating system past its end of life",
    category: Category::Freshness,
    severity: Severity::Medium,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("os_eol.rs"),
};

pub struct OsEol;

impl Rule for OsEol {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(os) = &spec.os_release else { return };
        let Some(id) = os.id.as_deref() else { return };
        let name = os.pretty_name.as_deref();
        let Some(part) = os_release_part(
            id,
            os.version_id.as_deref(),
            os.version_codename.as_deref(),
            name,
        ) else {
            return;
        };
        let Some(eol) = end_of_life(part.product, &part.cycle) else {
            return;
        };
        if cx.today <= eol {
            return;
        }
        let sev = if eol.days_until(cx.today) > 365 {
            Severity::High
        } else {
            Severity::Medium
        };
        let shown = name
            .map(|n| format!("`{}`", crate::util::history::one_line(n, 80)))
            .unwrap_or_else(|| format!("{} {}", part.product.name(), part.cycle));
        out.push(
            file_finding(
                &META,
                spec,
                &os.file,
                format!(
                    "the image runs {shown}: {} {} reached its end of life on {eol} and gets no security fixes",
                    part.product.name(),
                    part.cycle
                ),
            )
            .with_severity(sev),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{fref, image, run, run_with};
    use crate::testutil::ctx;
    use crate::util::date::Date;
    use stockade_core::OsRelease;

    fn os(id: &str, version: Option<&str>, codename: Option<&str>, pretty: &str) -> OsRelease {
        OsRelease {
            id: Some(id.into()),
            version_id: version.map(str::to_string),
            version_codename: codename.map(str::to_string),
            pretty_name: Some(pretty.into()),
            file: fref("usr/lib/os-release", 0),
            ..OsRelease::default()
        }
    }

    #[test]
    fn flags_end_of_life_releases() {
        let mut s = image();
        s.os_release = Some(os(
            "debian",
            Some("10"),
            Some("buster"),
            "Debian GNU/Linux 10 (buster)",
        ));
        let f = run(&OsEol, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::High);
        assert!(
            f[0].message
                .contains("Debian 10 reached its end of life on 2024-06-30"),
            "{}",
            f[0].message
        );
        assert_eq!(
            f[0].locator.as_ref().unwrap().path.as_deref(),
            Some("/usr/lib/os-release")
        );
        s.os_release = Some(os("alpine", Some("3.15.11"), None, "Alpine Linux v3.15"));
        assert_eq!(run(&OsEol, &s).len(), 1);
        s.os_release = Some(os(
            "ubuntu",
            Some("18.04"),
            Some("bionic"),
            "Ubuntu 18.04.6 LTS",
        ));
        assert_eq!(run(&OsEol, &s).len(), 1);
        s.os_release = Some(os("centos", Some("7"), None, "CentOS Linux 7 (Core)"));
        assert_eq!(run(&OsEol, &s).len(), 1);
    }

    #[test]
    fn recent_end_is_medium_and_dates_follow_ctx() {
        let mut s = image();
        // Debian 11 LTS ended 2026-08-31, less than a year before 2026-11-28.
        s.os_release = Some(os(
            "debian",
            Some("11"),
            None,
            "Debian GNU/Linux 11 (bullseye)",
        ));
        let f = run(&OsEol, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Medium);
        let mut c = ctx();
        c.today = Date::parse("2026-08-31").unwrap();
        assert!(run_with(&OsEol, &s, &c).is_empty());
    }

    #[test]
    fn quiet_for_supported_and_unknown_systems() {
        let mut s = image();
        assert!(run(&OsEol, &s).is_empty());
        for o in [
            os(
                "debian",
                Some("12"),
                Some("bookworm"),
                "Debian GNU/Linux 12 (bookworm)",
            ),
            os("debian", None, Some("sid"), "Debian GNU/Linux trixie/sid"),
            os("alpine", Some("3.22.1"), None, "Alpine Linux v3.22"),
            os("rhel", Some("8.10"), None, "Red Hat Enterprise Linux 8.10"),
            os("wolfi", Some("20230201"), None, "Wolfi"),
        ] {
            s.os_release = Some(o);
            assert!(run(&OsEol, &s).is_empty(), "{:?}", s.os_release);
        }
    }
}
