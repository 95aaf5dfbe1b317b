//! Hardening: the settings every container should have, written as a
//! Compose override file or added to a `docker run` line. Only what a
//! container lacks is written; what it already sets (a non-root user, a
//! lower limit) is kept.

mod compose;
mod docker_run;

pub use compose::{HardenedCompose, harden_compose, hardened_name};
pub use docker_run::{HardenedRun, harden_docker_run};

use crate::settings::FixSettings;
use stockade_core::{ContainerSpec, Span, user_is_root};
use stockade_rules::Rule;

/// What one container needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Needs {
    pub user: bool,
    pub cap_drop_all: bool,
    pub no_new_privileges: bool,
    pub read_only: bool,
    pub tmpfs_tmp: bool,
    pub memory: bool,
    pub cpus: bool,
    pub pids: bool,
    pub unprivileged: bool,
    /// Spans of port bindings to bind to 127.0.0.1.
    pub ports: Vec<Span>,
    /// Spans of mounts that expose a container engine socket.
    pub socket_mounts: Vec<Span>,
}

fn rule_spans(id: &str, spec: &ContainerSpec) -> Vec<Span> {
    let Some(rule) = stockade_rules::find_rule(id) else {
        return Vec::new();
    };
    let cx = stockade_rules::Ctx {
        read_context: false,
        ..Default::default()
    };
    let mut out = Vec::new();
    rule.check_container(spec, &cx, &mut out);
    out.into_iter()
        .filter(|f| f.severity > stockade_core::Severity::Info)
        .filter_map(|f| f.span)
        .collect()
}

fn fires(rule: &dyn Rule, spec: &ContainerSpec) -> bool {
    let cx = stockade_rules::Ctx {
        read_context: false,
        ..Default::default()
    };
    let mut out = Vec::new();
    rule.check_container(spec, &cx, &mut out);
    !out.is_empty()
}

fn rule_fires(id: &str, spec: &ContainerSpec) -> bool {
    stockade_rules::find_rule(id).is_some_and(|r| fires(r, spec))
}

impl Needs {
    pub fn of(spec: &ContainerSpec) -> Needs {
        let user = match &spec.user {
            None => true,
            Some(u) => u.value.known().is_some_and(user_is_root),
        };
        // The container rules decide, after `privileged` is gone (Docker
        // ignores cap_drop and no-new-privileges for privileged containers).
        let mut unpriv = spec.clone();
        unpriv.privileged = None;
        let cap_drop_all = rule_fires("SKD209", &unpriv);
        let no_new_privileges = rule_fires("SKD215", &unpriv);
        let read_only = rule_fires("SKD230", spec);
        // A service already read-only works without a /tmp tmpfs.
        let tmpfs_tmp = read_only && !crate::compose::tmp_is_writable(spec);
        Needs {
            user,
            cap_drop_all,
            no_new_privileges,
            read_only,
            tmpfs_tmp,
            memory: rule_fires("SKD216", spec),
            cpus: rule_fires("SKD217", spec),
            pids: rule_fires("SKD218", spec),
            unprivileged: spec.privileged.as_ref().is_some_and(|p| p.value),
            ports: rule_spans("SKD220", spec),
            socket_mounts: rule_spans("SKD201", spec),
        }
    }

    pub fn any(&self) -> bool {
        self.user
            || self.cap_drop_all
            || self.no_new_privileges
            || self.read_only
            || self.tmpfs_tmp
            || self.memory
            || self.cpus
            || self.pids
            || self.unprivileged
            || !self.ports.is_empty()
            || !self.socket_mounts.is_empty()
    }
}

/// The user hardening writes (the configured one).
pub(crate) fn user(s: &FixSettings) -> &str {
    &s.user
}
