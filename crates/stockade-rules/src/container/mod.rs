//! Rules that judge a `ContainerSpec`: Compose services, `docker run`
//! lines, live containers and create requests at the guard. Rules never
//! ask which source a spec came from.

use crate::meta::Rule;

pub mod apparmor;
pub mod cap_add;
pub mod cap_drop_missing;
pub mod cpu_limit;
pub mod devices;
pub mod docker_host_tcp;
pub mod docker_socket;
pub mod env_secrets;
pub mod host_mount;
pub mod host_namespace;
pub mod image_digest;
pub mod image_tag;
pub mod joined_namespace;
pub mod memory_limit;
pub mod mount_propagation;
pub mod no_auth;
pub mod no_new_privileges;
pub mod pids_limit;
pub mod port_all_interfaces;
pub mod port_range;
pub mod privileged;
pub mod publish_all;
pub mod read_only;
pub mod seccomp;
pub mod selinux;
pub mod sensitive_ports;
pub mod system_paths;
pub mod user_missing;
pub mod user_root;
pub mod weak_password;

mod secret_values;
mod support;
#[cfg(test)]
mod testutil;

pub static RULES: &[&'static dyn Rule] = &[
    &docker_socket::DockerSocket,
    &docker_host_tcp::DockerHostTcp,
    &host_mount::HostMount,
    &mount_propagation::MountPropagation,
    &privileged::Privileged,
    &devices::Devices,
    &system_paths::SystemPaths,
    &cap_add::CapAdd,
    &cap_drop_missing::CapDropMissing,
    &host_namespace::HostNamespace,
    &joined_namespace::JoinedNamespace,
    &seccomp::Seccomp,
    &apparmor::AppArmor,
    &selinux::SeLinux,
    &no_new_privileges::NoNewPrivileges,
    &memory_limit::MemoryLimit,
    &cpu_limit::CpuLimit,
    &pids_limit::PidsLimit,
    &publish_all::PublishAll,
    &sensitive_ports::SensitivePorts,
    &port_range::PortRange,
    &port_all_interfaces::PortAllInterfaces,
    &user_root::UserRoot,
    &user_missing::UserMissing,
    &image_tag::ImageTag,
    &image_digest::ImageDigest,
    &env_secrets::EnvSecrets,
    &weak_password::WeakPassword,
    &no_auth::NoAuth,
    &read_only::ReadOnly,
];

#[cfg(test)]
mod tests {
    use super::RULES;
    use crate::testutil::ctx;
    use stockade_core::{
        BuildRef, ContainerSpec, DeviceMapping, EnvVar, Expanded, Locator, Mount, MountKind,
        PortBinding, Resources, Severity, Span, Spanned, SpecSource,
    };

    fn sp<T>(v: T) -> Spanned<T> {
        Spanned::new(v, Span::default())
    }

    fn lit(s: &str) -> Spanned<Expanded> {
        sp(Expanded::literal(s))
    }

    fn bind(src: &str, dst: &str) -> Mount {
        Mount {
            kind: MountKind::Bind,
            source: Some(Expanded::literal(src)),
            target: Expanded::literal(dst),
            read_only: false,
            propagation: Some("rshared".into()),
            volume_host_path: None,
            volume_def_span: None,
            selinux_label: None,
            span: Span::default(),
        }
    }

    /// A live container (as the Engine API describes it): no spans, a locator.
    fn engine_spec() -> ContainerSpec {
        let mut s = ContainerSpec::new(SpecSource::Engine, "web", Span::default());
        s.locator = Some(Locator {
            container: Some("web".into()),
            container_id: Some("0123456789ab".into()),
            ..Locator::default()
        });
        s.image = Some(lit("redis"));
        s.image_ref = stockade_core::ImageRef::parse("redis").ok();
        s.user = Some(lit("0"));
        s.privileged = Some(sp(true));
        s.cap_add = vec![sp("CAP_SYS_ADMIN".to_string())];
        s.security_opt = vec![lit("seccomp=unconfined"), lit("apparmor=unconfined")];
        s.pid_mode = Some(lit("host"));
        s.devices = vec![sp(DeviceMapping {
            host: "/dev/sda".into(),
            container: "/dev/sda".into(),
            permissions: "rwm".into(),
        })];
        s.mounts = vec![
            bind("/var/run/docker.sock", "/var/run/docker.sock"),
            bind("/etc", "/host/etc"),
        ];
        s.ports = vec![PortBinding {
            host_ip: Some("0.0.0.0".into()),
            host_port: Some((6379, 6379)),
            container_port: (6379, 6379),
            protocol: "tcp".into(),
            unresolved: None,
            span: Span::default(),
        }];
        s.env = vec![EnvVar {
            name: sp("DB_PASSWORD".into()),
            value: Some(lit("Zx81-q7Tk-w2")),
            span: Span::default(),
        }];
        s
    }

    #[test]
    fn live_container_findings_carry_the_locator() {
        let spec = engine_spec();
        let mut out = Vec::new();
        for r in RULES {
            r.check_container(&spec, &ctx(), &mut out);
        }
        let rules: std::collections::BTreeSet<&str> = out.iter().map(|f| f.rule).collect();
        for id in [
            "SKD201", "SKD203", "SKD204", "SKD205", "SKD206", "SKD208", "SKD210", "SKD212",
            "SKD213", "SKD220", "SKD223", "SKD225", "SKD227", "SKD229",
        ] {
            assert!(rules.contains(id), "{id} missing from {rules:?}");
        }
        for f in &out {
            assert!(
                f.span.is_none(),
                "{}: a live container has no source text",
                f.rule
            );
            assert_eq!(
                f.locator.as_ref().and_then(|l| l.container_id.as_deref()),
                Some("0123456789ab"),
                "{}",
                f.rule
            );
            assert_eq!(f.subject, "web");
        }
        assert!(out.iter().any(|f| f.severity == Severity::Critical));
    }

    #[test]
    fn doc_examples_match_the_rules() {
        use crate::container::testutil::{compose_specs, docker_specs};
        for rule in RULES {
            let m = rule.meta();
            let ex = crate::testutil::doc_examples(&m.doc());
            assert!(
                ex.iter().any(|e| !e.0) && ex.iter().any(|e| e.0),
                "{}: examples",
                m.id
            );
            for (good, lang, text) in ex {
                let specs = match lang.as_str() {
                    "yaml" => compose_specs(&text),
                    "sh" => docker_specs(&text),
                    other => panic!("{}: example language `{other}`", m.id),
                };
                let mut found = Vec::new();
                for s in &specs {
                    let mut out = Vec::new();
                    rule.check_container(s, &ctx(), &mut out);
                    found.extend(out.into_iter().filter(|f| !s.suppressions.is_suppressed(f)));
                }
                if good {
                    assert!(
                        found.is_empty(),
                        "{}: good example flagged: {found:?}\n{text}",
                        m.id
                    );
                } else {
                    assert!(
                        !found.is_empty(),
                        "{}: bad example not flagged:\n{text}",
                        m.id
                    );
                }
            }
        }
    }

    #[test]
    fn hostile_values_do_not_panic() {
        let weird = [
            "",
            "$",
            "${",
            "${}",
            "${A:-}",
            "::::",
            "~",
            "~/..",
            "/..",
            "//",
            "é/ü:ß",
            "tcp://",
            "tcp://é:99999",
            "a *:* ",
            "c :",
            "label:",
            "=",
            "\u{0}\u{7f}",
            "postgres://:@",
            "postgres://a:b@",
            "Password=;",
        ];
        for w in weird {
            let mut s = ContainerSpec::new(SpecSource::Guard, w, Span::default());
            s.image = Some(lit(w));
            s.image_ref = stockade_core::ImageRef::parse(w).ok();
            s.user = Some(lit(w));
            s.cap_add = vec![sp(w.to_string())];
            s.cap_drop = vec![sp(w.to_string())];
            s.security_opt = vec![lit(w), sp(Expanded::unknown(w, vec![w.into()]))];
            s.network_mode = Some(lit(w));
            s.pid_mode = Some(sp(Expanded::unknown(w, vec![])));
            s.devices = vec![sp(DeviceMapping {
                host: w.into(),
                container: w.into(),
                permissions: w.into(),
            })];
            s.device_cgroup_rules = vec![lit(w)];
            s.masked_paths = Some(sp(vec![w.to_string()]));
            s.readonly_paths = Some(sp(Vec::new()));
            let mut m = bind(w, w);
            m.propagation = Some(w.into());
            let mut v = bind(w, w);
            v.kind = MountKind::Volume;
            v.volume_host_path = Some(Expanded::unknown(w, vec![]));
            let mut n = bind(w, w);
            n.kind = MountKind::Npipe;
            s.mounts = vec![m, v, n];
            s.ports = vec![PortBinding {
                host_ip: Some(w.into()),
                host_port: Some((u16::MAX, 0)),
                container_port: (0, u16::MAX),
                protocol: w.into(),
                unresolved: Some(w.into()),
                span: Span::default(),
            }];
            s.env = vec![
                EnvVar {
                    name: sp(w.into()),
                    value: Some(lit(w)),
                    span: Span::default(),
                },
                EnvVar {
                    name: sp("DOCKER_HOST".into()),
                    value: Some(lit(w)),
                    span: Span::default(),
                },
                EnvVar {
                    name: sp("NEO4J_AUTH".into()),
                    value: Some(lit(w)),
                    span: Span::default(),
                },
            ];
            s.command = Some(sp(vec![
                Expanded::literal(w),
                Expanded::literal("--requirepass"),
            ]));
            s.build = Some(BuildRef {
                context: None,
                dockerfile: None,
                args: vec![(sp(w.into()), Some(lit(w)))],
                target: None,
                span: Span::default(),
            });
            s.resources = Resources {
                memory: Some(sp(i64::MIN)),
                nano_cpus: Some(sp(-1)),
                pids_limit: Some(sp(0)),
                unresolved: vec![sp(w.into())],
                ..Resources::default()
            };
            s.docker_host = Some(lit(w));
            let mut out = Vec::new();
            for r in RULES {
                r.check_container(&s, &ctx(), &mut out);
            }
        }
    }
}
