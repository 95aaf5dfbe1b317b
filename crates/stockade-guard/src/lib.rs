//! `stockade guard`: a policy-enforcing proxy in front of the Docker
//! Engine socket.
//!
//! Containers that need the Docker API (CI runners, dashboards, reverse
//! proxies) mount one of the guard's sockets instead of
//! `/var/run/docker.sock`. Each socket has a profile; every request is
//!
//! 1. canonicalised ([`canon`]): the path decoded, non-canonical forms
//!    (`..`, `//`, encoded `/`, odd `/vX.Y` prefixes) and repeated query
//!    keys refused;
//! 2. routed against a copy of the daemon's route table ([`routes`]); an
//!    unknown route is refused;
//! 3. checked against the listener's [`profile`] (allowed route names);
//! 4. judged ([`decide`]): bodies that configure containers, execs,
//!    volumes and networks are buffered up to a limit, decoded strictly
//!    (`stockade_engine::strict`), turned into a `ContainerSpec` with its
//!    effective configuration and judged by the container rules against
//!    the profile's threshold;
//! 5. written to the audit log ([`audit`]), one JSON line per decision;
//! 6. forwarded ([`server`]) with exactly the judged bytes, or refused with
//!    `403 {"message":"stockade guard: <rule id>: <what and why>"}`.
//!
//! Rule ids of the guard's own refusals ([`decide::ids`]):
//!
//! | id | refuses |
//! |---|---|
//! | SKG001 | a non-canonical request target |
//! | SKG002 | a route the daemon does not have |
//! | SKG003 | a route the profile does not allow |
//! | SKG004 | a repeated query parameter |
//! | SKG005 | ambiguous framing or media type (TE with CL, form bodies, non-JSON on JSON routes, a body on start) |
//! | SKG006 | a judged body over the limit |
//! | SKG007 | a body that is not strict JSON (duplicates, case variants, unknown fields) |
//! | SKG008 | an upgrade where the daemon never upgrades, or a hijack without one |
//! | SKG009 | an API version below 1.24 |
//! | SKG010 | build parameters (host network, remote context, security options, BuildKit) |
//! | SKG011 | image provenance (import, registries, overwriting an existing tag) |
//! | SKG012 | exec as root into a non-root container |
//! | SKG013 | network drivers and attachments (macvlan, ipvlan, host interfaces) |
//! | SKG014 | volume drivers and options (plugins, host devices, remote filesystems) |
//! | SKG015 | acting on a container the policy refuses (exec, attach, copy into, joining its namespaces) |
//! | SKG016 | endpoints the guard cannot judge (swarm services) |
//! | SKG017 | copying into a container that mounts a host path writable |
//! | SKG018 | runtimes other than runc, cgroup joins |
//! | SKG019 | the daemon could not be asked (fail closed) |
//! | SKG020 | the audit log could not be written (fail closed) |
//!
//! Container findings keep the catalog's ids (`SKD205` privileged, …).

pub mod audit;
pub mod canon;
pub mod config;
pub mod decide;
pub mod framing;
pub mod profile;
pub mod routes;
pub mod server;

pub use config::{CliOptions, GuardConfig, ListenAddr};
pub use profile::Profile;
pub use server::{Running, bind, run, spawn};
