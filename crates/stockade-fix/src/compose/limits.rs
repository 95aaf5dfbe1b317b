//! SKD216, SKD217, SKD218: memory, CPU and process-count limits from the
//! configured defaults (`[fix]` in `.stockade.toml`; unsafe: a service
//! that needs more is killed or throttled).
//!
//! A service with a `deploy.resources.limits` mapping gets the limit
//! there; otherwise the service-level key (`mem_limit`, `cpus`,
//! `pids_limit`) is set. A limit written as 0 or -1 (unlimited) is
//! replaced where it is written.

use super::{ComposeCx, FixResult};
use crate::settings::FixSettings;
use crate::yaml::{YNode, render_scalar};
use stockade_core::{ContainerSpec, Finding};

/// `deploy.resources.limits` written on the service.
fn limits(svc: &YNode) -> Option<&YNode> {
    let l = svc.get("deploy")?.get("resources")?.get("limits")?;
    l.entries().is_some().then_some(l)
}

fn set(cx: &ComposeCx, svc: &YNode, service_key: &str, limits_key: &str, value: &str) -> FixResult {
    let (map, key) = match (svc.entry(service_key), limits(svc)) {
        (Some(_), _) => (svc, service_key),
        (None, Some(l)) => (l, limits_key),
        (None, None) => (svc, service_key),
    };
    let flow = map.is_flow();
    let edits = cx.set_scalar(map, key, &render_scalar(value, flow))?;
    let place = if std::ptr::eq(map, svc) {
        format!("`{key}`")
    } else {
        format!("`deploy.resources.limits.{key}`")
    };
    Ok((edits, format!("set {place} to {value}")))
}

pub(crate) fn fix_memory(
    cx: &ComposeCx,
    _spec: &ContainerSpec,
    svc: &YNode,
    _f: &Finding,
    s: &FixSettings,
) -> FixResult {
    set(cx, svc, "mem_limit", "memory", &s.memory)
}

pub(crate) fn fix_cpus(
    cx: &ComposeCx,
    _spec: &ContainerSpec,
    svc: &YNode,
    _f: &Finding,
    s: &FixSettings,
) -> FixResult {
    set(cx, svc, "cpus", "cpus", &s.cpus)
}

pub(crate) fn fix_pids(
    cx: &ComposeCx,
    _spec: &ContainerSpec,
    svc: &YNode,
    _f: &Finding,
    s: &FixSettings,
) -> FixResult {
    set(cx, svc, "pids_limit", "pids", &s.pids_limit.to_string())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::check;

    #[test]
    fn service_level_keys() {
        check(
            "SKD216",
            "services:\n  api:\n    image: example/api:1.0\n    mem_reservation: 256m\n",
            "services:\n  api:\n    image: example/api:1.0\n    mem_reservation: 256m\n    mem_limit: 512m\n",
        );
        check(
            "SKD216",
            "services:\n  api:\n    image: example/api:1.0\n    mem_limit: 0\n    restart: always\n",
            "services:\n  api:\n    image: example/api:1.0\n    mem_limit: 512m\n    restart: always\n",
        );
        check(
            "SKD217",
            "services:\n  w:\n    image: example/w:1\n    cpu_shares: 512\n",
            "services:\n  w:\n    image: example/w:1\n    cpu_shares: 512\n    cpus: 1.0\n",
        );
        check(
            "SKD218",
            "services:\n  w:\n    image: example/w:1\n    pids_limit: -1\n",
            "services:\n  w:\n    image: example/w:1\n    pids_limit: 256\n",
        );
    }

    #[test]
    fn deploy_limits_when_the_service_uses_them() {
        check(
            "SKD217",
            "services:\n  w:\n    image: example/w:1\n    deploy:\n      resources:\n        limits:\n          memory: 1g\n    restart: always\n",
            "services:\n  w:\n    image: example/w:1\n    deploy:\n      resources:\n        limits:\n          memory: 1g\n          cpus: 1.0\n    restart: always\n",
        );
        check(
            "SKD218",
            "services:\n  w:\n    image: example/w:1\n    deploy:\n      resources:\n        limits: {memory: 1g}\n",
            "services:\n  w:\n    image: example/w:1\n    deploy:\n      resources:\n        limits: {memory: 1g, pids: 256}\n",
        );
    }
}
