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
