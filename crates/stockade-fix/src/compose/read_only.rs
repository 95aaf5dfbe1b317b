//! SKD230: `read_only: true` with a `tmpfs` for `/tmp` (unsafe: a
//! service that writes elsewhere fails until it gets a volume or tmpfs).

use super::{ComposeCx, FixResult};
use crate::settings::FixSettings;
use crate::yaml::YNode;
use stockade_core::{ContainerSpec, Finding};

pub(crate) fn fix(
    cx: &ComposeCx,
    spec: &ContainerSpec,
    svc: &YNode,
    _f: &Finding,
    _s: &FixSettings,
) -> FixResult {
    let mut edits = cx.set_scalar(svc, "read_only", "true")?;
    let mut what = "set `read_only: true`".to_string();
    if !tmp_is_writable(spec) {
        edits.extend(cx.add_item(svc, "tmpfs", "/tmp")?);
        what.push_str(" with a `tmpfs` for /tmp");
    }
    Ok((edits, what))
}

/// `/tmp` already has a tmpfs or a volume.
pub(crate) fn tmp_is_writable(spec: &ContainerSpec) -> bool {
    let is_tmp = |p: &str| p.trim().trim_end_matches('/') == "/tmp";
    spec.tmpfs
        .iter()
        .any(|t| is_tmp(t.value.display().split(':').next().unwrap_or("")))
        || spec.mounts.iter().any(|m| is_tmp(m.target.display()))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::check;

    #[test]
    fn sets_read_only_and_tmp() {
        check(
            "SKD230",
            "services:\n  api:\n    image: example/api:1.0\n",
            "services:\n  api:\n    image: example/api:1.0\n    read_only: true\n    tmpfs:\n      - /tmp\n",
        );
        check(
            "SKD230",
            "services:\n  api:\n    image: example/api:1.0\n    read_only: false # for now\n    tmpfs: /run\n",
            "services:\n  api:\n    image: example/api:1.0\n    read_only: true # for now\n    tmpfs: [/run, /tmp]\n",
        );
        check(
            "SKD230",
            "services:\n  api:\n    image: example/api:1.0\n    volumes:\n      - scratch:/tmp\nvolumes:\n  scratch:\n",
            "services:\n  api:\n    image: example/api:1.0\n    volumes:\n      - scratch:/tmp\n    read_only: true\nvolumes:\n  scratch:\n",
        );
    }
}
