//! **What it finds.** An image over its budget: more than `max-image-mb`
//! MiB of uncompressed layers (1024 by default) or more than
//! `max-packages` installed OS packages (500 by default). Advice (`info`).
//!
//! **Why it matters.** Every package is code that can have a
//! vulnerability, and every megabyte is pulled onto every node that runs
//! the image. Images grow by accident: build tools left in the final stage,
//! caches not cleaned, files deleted in a later layer (they are still in
//! the earlier one). A budget notices the growth when it happens.
//!
//! **How to fix.** Build in one stage and copy only what runs into a slim
//! or distroless final stage; install with `--no-install-recommends`;
//! clean package caches in the same `RUN` that fills them. If the image is
//! big on purpose, raise the budget in `.stockade.toml`.
//!
//! **Bad**
//! ```dockerfile
//! FROM python:3.13
//! RUN apt-get update && apt-get install -y build-essential texlive-full
//! COPY . /app
//! ```
//!
//! **Good**
//! ```dockerfile
//! FROM python:3.13 AS build
//! RUN pip wheel --wheel-dir /wheels -r requirements.txt
//! FROM python:3.13-slim
//! COPY --from=build /wheels /wheels
//! RUN pip install --no-cache-dir /wheels/*
//! ```

use super::finding;
use crate::meta::{Ctx, FixKind, Rule, RuleMeta, Target};
use stockade_core::{Category, Finding, ImageSpec, Severity};

pub static META: RuleMeta = RuleMeta {
    id: "SKD307",
    title: "Image over its size or package budget",
    category: Category::AttackSurface,
    severity: Severity::Info,
    aliases: &[],
    targets: &[Target::Image],
    fix: FixKind::None,
    source: include_str!("size_budget.rs"),
};

pub struct SizeBudget;

const MIB: u64 = 1024 * 1024;

impl Rule for SizeBudget {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check_image(&self, spec: &ImageSpec, cx: &Ctx, out: &mut Vec<Finding>) {
        let size = spec.stats.uncompressed_size;
        if size > cx.max_image_mb.saturating_mul(MIB) {
            let biggest = spec
                .layers
                .iter()
                .max_by_key(|l| l.uncompressed_size)
                .filter(|l| l.uncompressed_size > 0);
            let hint = biggest
                .map(|l| {
                    format!(
                        "; the largest layer ({}) holds {} MiB",
                        l.index + 1,
                        l.uncompressed_size / MIB
                    )
                })
                .unwrap_or_default();
            out.push(finding(
                &META,
                spec,
                biggest.map(|l| l.id()),
                None,
                format!(
                    "the image is {} MiB uncompressed, over the {} MiB budget{hint}",
                    size / MIB,
                    cx.max_image_mb
                ),
            ));
        }
        let n = spec.packages.len();
        if n > cx.max_packages as usize {
            out.push(finding(
                &META,
                spec,
                None,
                None,
                format!(
                    "the image has {n} OS packages installed, over the budget of {}",
                    cx.max_packages
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::testutil::{image, package, run, run_with};
    use crate::testutil::ctx;
    use stockade_core::PackageManager;

    #[test]
    fn flags_images_over_budget() {
        let mut s = image();
        s.layers[1].uncompressed_size = 1500 * MIB;
        s.stats.uncompressed_size = 1510 * MIB;
        let f = run(&SizeBudget, &s);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("1510 MiB uncompressed, over the 1024 MiB budget; the largest layer (2) holds 1500 MiB"), "{}", f[0].message);
        assert_eq!(f[0].locator.as_ref().unwrap().layer, s.layers[1].diff_id);
        let mut c = ctx();
        c.max_image_mb = 2048;
        assert!(run_with(&SizeBudget, &s, &c).is_empty());

        let mut s = image();
        for i in 0..501 {
            s.packages
                .push(package(PackageManager::Dpkg, &format!("p{i}")));
        }
        let f = run(&SizeBudget, &s);
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("501 OS packages"));
        c.max_packages = 501;
        assert!(run_with(&SizeBudget, &s, &c).is_empty());
    }

    #[test]
    fn quiet_for_ordinary_images() {
        let mut s = image();
        s.stats.uncompressed_size = 1024 * MIB;
        for i in 0..500 {
            s.packages
                .push(package(PackageManager::Dpkg, &format!("p{i}")));
        }
        assert!(run(&SizeBudget, &s).is_empty());
    }
}
