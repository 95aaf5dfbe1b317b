//! SKD205: removes `privileged: true` (unsafe: what the service did with
//! full host access stops working).

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
    if !spec.privileged.as_ref().is_some_and(|p| p.value) {
        return Err("whether the service is privileged is not known".into());
    }
    if svc.entry("privileged").is_some() {
        let edits = cx.remove_entry(svc, "privileged")?;
        return Ok((edits, "removed `privileged: true`".into()));
    }
    // Inherited (merge key or `extends`): override on the service.
    let edits = cx.set_scalar(svc, "privileged", "false")?;
    Ok((
        edits,
        "set `privileged: false` over the inherited `privileged: true`".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{check, declines};

    #[test]
    fn removes_or_overrides() {
        check(
            "SKD205",
            "services:\n  vpn:\n    image: example/vpn:2.3\n    privileged: true   # needed?\n    cap_add: [NET_ADMIN]\n",
            "services:\n  vpn:\n    image: example/vpn:2.3\n    cap_add: [NET_ADMIN]\n",
        );
        check(
            "SKD205",
            "services:\n  vpn: {image: example/vpn:2.3, privileged: true}\n",
            "services:\n  vpn: {image: example/vpn:2.3}\n",
        );
        check(
            "SKD205",
            "x-p: &p\n  privileged: true\nservices:\n  vpn:\n    <<: *p\n    image: example/vpn:2.3\n",
            "x-p: &p\n  privileged: true\nservices:\n  vpn:\n    <<: *p\n    image: example/vpn:2.3\n    privileged: false\n",
        );
    }

    #[test]
    fn unknown_value_is_left() {
        let out = declines(
            "SKD205",
            "services:\n  vpn:\n    image: example/vpn:2.3\n    privileged: ${PRIV}\n",
            "not known",
        );
        assert!(out.contains("privileged: ${PRIV}"));
    }
}
