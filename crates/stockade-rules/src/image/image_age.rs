//! **What it finds.** An image built longer ago than the configured
//! maximum age (`max-image-age-days`, 7 by default), judged from the
//! config's `created` date: low, and medium once it is both more than 90
//! days and more than four times the maximum. An image whose date is
//! zeroed or set before Docker existed (reproducible builds write
//! `1970-01-01`) or does not parse is reported as `info`: its age cannot be
//! told.
//!
//! **Why it matters.** An image is a snapshot: the OS packages and
//! libraries in it get no fixes after it is built. Distributions publish
//! security updates every week; an image that is not rebuilt keeps every
//! vulnerability found since, even when its base tag has long been fixed.
//!
//! **How to fix.** Rebuild at least weekly from freshly pulled bases
//! (`docker build --pull`, a scheduled CI job, Renovate or Dependabot for
//! digests) and redeploy. If the build zeroes timestamps on purpose, judge
//! age from the build pipeline instead and ignore this rule.
//!
//! **Bad**
//! ```dockerfile
//! # built once in January, deployed ever since
//! FROM debian:12-slim
//! ```
//!
//! **Good**
//! ```dockerfile
//! # rebuilt every week by CI with `docker build --pull`
//! FROM debian:12-slim
//! ```

use super::finding;
use crate::meta::{Ctx, FindingExt, FixKind, Rule, RuleMeta, Target};
use crate::util::date::Date;
use crate::util::history::one_line;
use stockade_core::{Category, Finding, ImageSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD303",
    title: "Image not rebuilt recently",
    category: Category::Freshness,
    severity: Severity::Low,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("image_age.rs"),
};

pub struct ImageAge;

/// Docker's first release: an image dated before it has a zeroed or made-up date.
const DOCKER_EPOCH: (i64, u32, u32) = (2013, 3, 20);

impl Rule for ImageAge {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        let Some(written) = spec.config.created.as_deref() else {
            return;
        };
        let epoch = Date::from_ymd(DOCKER_EPOCH.0, DOCKER_EPOCH.1, DOCKER_EPOCH.2);
        let created = match spec.config.created_days {
            Some(d) if d >= epoch.0 => Date(d),
            Some(_) => {
                out.push(
                    finding(
                        &META,
                        spec,
                        None,
                        None,
                        format!(
                            "cannot tell how old the image is: its creation date `{written}` is zeroed or made up (as reproducible builds do)"
                        ),
                    )
                    .with_severity(Severity::Info),
                );
                return;
            }
            None => {
                out.push(
                    finding(
                        &META,
                        spec,
                        None,
                        None,
                        format!(
                            "cannot tell how old the image is: its creation date `{}` does not parse",
                            one_line(written, 64)
                        ),
                    )
                    .with_severity(Severity::Info),
                );
                return;
            }
        };
        let age = created.days_until(cx.today);
        let max = i64::from(cx.max_image_age_days);
        if age <= max {
            return;
        }
        let sev = if age > 90 && age > max.saturating_mul(4) {
            Severity::Medium
        } else {
            Severity::Low
        };
        out.push(
            finding(
                &META,
                spec,
                None,
                None,
                format!(
                    "the image was built {age} days ago (on {created}), more than the {max}-day maximum: rebuild it from fresh bases to pick up security fixes"
                ),
            )
            .with_severity(sev),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{image, run, run_with, set_created};
    use crate::testutil::ctx;

    #[test]
    fn flags_old_images() {
        let mut s = image();
        set_created(&mut s, "2026-11-01T00:00:00Z");
        let f = run(&ImageAge, &s);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].severity, Severity::Low);
        assert!(
            f[0].message.contains("27 days ago (on 2026-11-01)"),
            "{}",
            f[0].message
        );
        set_created(&mut s, "2025-01-01T00:00:00Z");
        assert_eq!(run(&ImageAge, &s)[0].severity, Severity::Medium);
    }

    #[test]
    fn follows_the_configured_maximum() {
        let mut s = image();
        set_created(&mut s, "2026-11-01T00:00:00Z");
        let mut c = ctx();
        c.max_image_age_days = 30;
        assert!(run_with(&ImageAge, &s, &c).is_empty());
        c.max_image_age_days = 0;
        assert_eq!(run_with(&ImageAge, &s, &c).len(), 1);
    }

    #[test]
    fn zeroed_and_broken_dates_are_info() {
        for d in ["1970-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "yesterday"] {
            let mut s = image();
            set_created(&mut s, d);
            let f = run(&ImageAge, &s);
            assert_eq!(f.len(), 1, "{d}");
            assert_eq!(f[0].severity, Severity::Info, "{d}");
        }
    }

    #[test]
    fn quiet_for_fresh_undated_and_future_images() {
        let mut s = image();
        assert!(run(&ImageAge, &s).is_empty());
        set_created(&mut s, "2026-11-21T00:00:00Z");
        assert!(run(&ImageAge, &s).is_empty());
        set_created(&mut s, "2027-01-01T00:00:00Z");
        assert!(run(&ImageAge, &s).is_empty());
        s.config.created = None;
        s.config.created_days = None;
        assert!(run(&ImageAge, &s).is_empty());
    }
}
