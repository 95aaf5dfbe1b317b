use super::*;
use serde_json::json;

fn fixture(name: &str) -> Value {
    let text = match name {
        "bad" => include_str!("../../tests/fixtures/inspect_bad.json"),
        "good" => include_str!("../../tests/fixtures/inspect_good.json"),
        "ports" => include_str!("../../tests/fixtures/inspect_ports.json"),
        "rootvol" => include_str!("../../tests/fixtures/volume_rootvol.json"),
        "inline" => include_str!("../../tests/fixtures/volume_inline.json"),
        _ => unreachable!(),
    };
    serde_json::from_str(text).unwrap()
}

fn texts(v: &[Spanned<Expanded>]) -> Vec<&str> {
    v.iter().map(|s| s.value.display()).collect()
}

fn strs(v: &[Spanned<String>]) -> Vec<&str> {
    v.iter().map(|s| s.value.as_str()).collect()
}

fn opt(v: &Option<Spanned<Expanded>>) -> Option<&str> {
    v.as_ref().map(|s| s.value.display())
}

fn mount_summary(m: &Mount) -> (MountKind, Option<&str>, &str, bool, Option<&str>) {
    (
        m.kind,
        m.source.as_ref().map(|s| s.display()),
        m.target.display(),
        m.read_only,
        m.volume_host_path.as_ref().map(|s| s.display()),
    )
}

#[test]
fn inspect_of_a_dangerous_container() {
    let spec = spec_from_inspect(&fixture("bad")).unwrap();
    assert_eq!(spec.source, SpecSource::Engine);
    assert_eq!(spec.subject, "skdfx-bad");
    let loc = spec.locator.as_ref().unwrap();
    assert_eq!(loc.container.as_deref(), Some("skdfx-bad"));
    assert_eq!(loc.image.as_deref(), Some("stockade-fixture/base:1"));
    assert_eq!(loc.container_id.as_ref().map(|s| s.len()), Some(64));
    assert_eq!(opt(&spec.image), Some("stockade-fixture/base:1"));
    assert_eq!(
        spec.image_ref.as_ref().map(|r| r.repository.as_str()),
        Some("stockade-fixture/base")
    );
    assert_eq!(spec.privileged.as_ref().map(|p| p.value), Some(true));
    assert_eq!(spec.read_only.as_ref().map(|p| p.value), Some(false));
    assert_eq!(opt(&spec.user), Some("root"));
    assert_eq!(strs(&spec.cap_add), ["CAP_SYS_ADMIN"]);
    assert_eq!(strs(&spec.cap_drop), ["CAP_NET_RAW"]);
    // `label=disable` was added by the daemon for the privileged container.
    assert_eq!(
        texts(&spec.security_opt),
        ["seccomp=unconfined", "apparmor=unconfined"]
    );
    assert_eq!(opt(&spec.network_mode), Some("host"));
    assert_eq!(opt(&spec.pid_mode), Some("host"));
    assert_eq!(opt(&spec.ipc_mode), Some("host"));
    assert_eq!(opt(&spec.uts_mode), Some("host"));
    assert_eq!(opt(&spec.cgroupns_mode), Some("host"));
    assert_eq!(opt(&spec.userns_mode), None);
    assert_eq!(opt(&spec.cgroup_parent), Some("skd.slice"));
    assert_eq!(texts(&spec.group_add), ["0"]);
    assert_eq!(
        spec.devices[0].value,
        DeviceMapping {
            host: "/dev/null".into(),
            container: "/dev/mynull".into(),
            permissions: "r".into()
        }
    );
    assert_eq!(texts(&spec.device_cgroup_rules), ["c 1:3 rmw"]);
    assert_eq!(spec.sysctls.len(), 1);
    assert_eq!(spec.sysctls[0].0.value, "kernel.msgmax");
    assert_eq!(spec.sysctls[0].1.value.display(), "65536");
    assert_eq!(texts(&spec.tmpfs), ["/run:rw,noexec"]);
    assert_eq!(opt(&spec.restart), Some("on-failure:3"));
    // Privileged containers get no masked paths: unset, not empty.
    assert!(spec.masked_paths.is_none() && spec.readonly_paths.is_none());
    // No limits: zero means unset.
    assert!(spec.resources.memory.is_none());
    assert!(spec.resources.nano_cpus.is_none());
    assert!(spec.resources.pids_limit.is_none());
    let env: Vec<(&str, Option<&str>)> = spec
        .env
        .iter()
        .map(|e| {
            (
                e.name.value.as_str(),
                e.value.as_ref().map(|v| v.value.display()),
            )
        })
        .collect();
    assert!(env.contains(&("SECRET_TOKEN", Some("abc"))), "{env:?}");
    assert!(env.iter().any(|(n, _)| *n == "PATH"));
    let hc = spec.healthcheck.as_ref().unwrap();
    assert!(!hc.value.disabled);
    assert_eq!(hc.value.test, ["CMD-SHELL", "true"]);
    assert_eq!(
        spec.command
            .as_ref()
            .unwrap()
            .value
            .iter()
            .map(|e| e.display())
            .collect::<Vec<_>>(),
        ["sleep", "1000"]
    );
    assert!(
        spec.labels
            .iter()
            .any(|(k, v)| k.value == "app" && v.value.display() == "bad")
    );
    let mounts: Vec<_> = spec.mounts.iter().map(mount_summary).collect();
    assert_eq!(
        mounts,
        vec![
            (
                MountKind::Bind,
                Some("/var/run/docker.sock"),
                "/var/run/docker.sock",
                false,
                None
            ),
            (MountKind::Bind, Some("/etc"), "/host/etc", true, None),
            (
                MountKind::Volume,
                Some("skdfx-rootvol"),
                "/hostroot",
                false,
                None
            ),
            // Driver options given inline (`--mount volume-opt=…`).
            (
                MountKind::Volume,
                Some("skdfx-inline"),
                "/inline",
                false,
                Some("/srv")
            ),
            (MountKind::Bind, Some("/tmp"), "/mnt/tmp", false, None),
        ]
    );
    assert_eq!(spec.mounts[4].propagation.as_deref(), Some("rshared"));
}

#[test]
fn named_volume_options_bind_a_host_path() {
    let mut spec = spec_from_inspect(&fixture("bad")).unwrap();
    let mut vols = HashMap::new();
    for f in ["rootvol", "inline"] {
        let v = VolumeInfo::from_json(&fixture(f)).unwrap();
        vols.insert(v.name.clone(), v);
    }
    assert_eq!(vols["skdfx-rootvol"].bind_host_path().as_deref(), Some("/"));
    assert_eq!(vols["skdfx-rootvol"].driver, "local");
    apply_volume_info(&mut spec, &vols);
    let hostroot = spec
        .mounts
        .iter()
        .find(|m| m.target.raw == "/hostroot")
        .unwrap();
    assert_eq!(hostroot.host_path().map(|p| p.display()), Some("/"));
    let inline = spec
        .mounts
        .iter()
        .find(|m| m.target.raw == "/inline")
        .unwrap();
    assert_eq!(inline.host_path().map(|p| p.display()), Some("/srv"));
    // Bind mounts are untouched.
    assert!(spec.mounts[0].volume_host_path.is_none());
}

#[test]
fn volume_info_that_binds_nothing() {
    for (driver, opts) in [
        (
            "local",
            json!({"type": "nfs", "o": "addr=10.0.0.1", "device": ":/export"}),
        ),
        ("local", json!({"type": "none", "o": "ro", "device": "/"})),
        ("local", json!({"o": "bind"})),
        ("rexray", json!({"o": "bind", "device": "/"})),
        ("local", json!(null)),
    ] {
        let v = VolumeInfo::from_json(&json!({"Name": "v", "Driver": driver, "Options": opts}))
            .unwrap();
        assert_eq!(v.bind_host_path(), None, "{driver} {:?}", v.options);
    }
    let v = VolumeInfo::from_json(
        &json!({"Name": "v", "Driver": "local", "Options": {"o": "rbind,ro", "device": "/home"}}),
    )
    .unwrap();
    assert_eq!(v.bind_host_path().as_deref(), Some("/home"));
    assert!(VolumeInfo::from_json(&json!({"Name": 5})).is_err());
    assert!(VolumeInfo::from_json(&json!([])).is_err());
}

#[test]
fn inspect_of_a_hardened_container() {
    let spec = spec_from_inspect(&fixture("good")).unwrap();
    assert_eq!(opt(&spec.user), Some("65534:65534"));
    assert_eq!(spec.read_only.as_ref().map(|p| p.value), Some(true));
    assert_eq!(spec.privileged.as_ref().map(|p| p.value), Some(false));
    assert_eq!(strs(&spec.cap_drop), ["ALL"]);
    assert!(spec.cap_add.is_empty());
    assert_eq!(texts(&spec.security_opt), ["no-new-privileges"]);
    assert_eq!(
        spec.resources.memory.as_ref().map(|m| m.value),
        Some(64 << 20)
    );
    assert_eq!(
        spec.resources.memory_swap.as_ref().map(|m| m.value),
        Some(64 << 20)
    );
    assert_eq!(
        spec.resources.nano_cpus.as_ref().map(|m| m.value),
        Some(500_000_000)
    );
    assert_eq!(
        spec.resources.pids_limit.as_ref().map(|m| m.value),
        Some(64)
    );
    // `systempaths=unconfined`: both lists present and empty.
    assert_eq!(spec.masked_paths.as_ref().map(|l| l.value.len()), Some(0));
    assert_eq!(spec.readonly_paths.as_ref().map(|l| l.value.len()), Some(0));
    assert_eq!(opt(&spec.userns_mode), Some("host"));
    assert_eq!(opt(&spec.network_mode), Some("default"));
    assert!(spec.healthcheck.as_ref().unwrap().value.disabled);
    assert_eq!(texts(&spec.expose), ["53/udp", "80/tcp", "9000/tcp"]);
    let mut ports: Vec<_> = spec
        .ports
        .iter()
        .map(|p| {
            (
                p.host_ip.as_deref(),
                p.host_port,
                p.container_port,
                p.protocol.as_str(),
            )
        })
        .collect();
    ports.sort();
    assert_eq!(
        ports,
        vec![
            (None, None, (53, 53), "udp"),
            (Some("127.0.0.1"), Some((8080, 8080)), (80, 80), "tcp"),
        ]
    );
    assert!(spec.mounts.is_empty());
    // The daemon's AppArmor profile is empty on this host: nothing added.
    assert!(
        !texts(&spec.security_opt)
            .iter()
            .any(|o| o.starts_with("apparmor"))
    );
}

#[test]
fn inspect_cpu_and_publish_all() {
    let spec = spec_from_inspect(&fixture("ports")).unwrap();
    let r = &spec.resources;
    assert_eq!(r.cpu_quota.as_ref().map(|v| v.value), Some(50_000));
    assert_eq!(r.cpu_period.as_ref().map(|v| v.value), Some(100_000));
    assert_eq!(r.cpu_shares.as_ref().map(|v| v.value), Some(512));
    assert_eq!(r.cpuset_cpus.as_ref().map(|v| v.value.as_str()), Some("0"));
    assert_eq!(
        r.memory_reservation.as_ref().map(|v| v.value),
        Some(32 << 20)
    );
    assert_eq!(spec.publish_all.as_ref().map(|p| p.value), Some(true));
    assert_eq!(spec.ports.len(), 2);
    assert!(spec.ports.iter().all(|p| p.on_all_interfaces()));
    assert_eq!(spec.masked_paths.as_ref().map(|l| l.value.len()), Some(10));
    // No user: the image's default applies.
    assert_eq!(opt(&spec.user), Some(""));
    assert!(spec.cap_drop.is_empty() && spec.security_opt.is_empty());
}

#[test]
fn inspect_unconfined_apparmor_profile_without_an_option() {
    let doc = json!({"Id": "abc", "Name": "/x", "AppArmorProfile": "unconfined",
        "Config": {"Image": "alpine"}, "HostConfig": {"Privileged": false}});
    let spec = spec_from_inspect(&doc).unwrap();
    assert_eq!(texts(&spec.security_opt), ["apparmor=unconfined"]);
    let doc = json!({"Id": "abc", "AppArmorProfile": "docker-default", "HostConfig": {}});
    let spec = spec_from_inspect(&doc).unwrap();
    assert!(spec.security_opt.is_empty());
    assert_eq!(spec.subject, "abc");
    let doc = json!({"AppArmorProfile": "unconfined", "HostConfig": {"Privileged": true}});
    assert!(spec_from_inspect(&doc).unwrap().security_opt.is_empty());
}

#[test]
fn inspect_drops_the_label_the_daemon_adds() {
    for hc in [
        json!({"PidMode": "host", "SecurityOpt": ["label=disable"]}),
        json!({"IpcMode": "host", "SecurityOpt": ["label:disable", "no-new-privileges"]}),
    ] {
        let spec = spec_from_inspect(&json!({"HostConfig": hc})).unwrap();
        assert!(
            !texts(&spec.security_opt)
                .iter()
                .any(|o| o.contains("disable")),
            "{hc}"
        );
    }
    // Written for a container that does not share host namespaces: kept.
    let spec = spec_from_inspect(
        &json!({"HostConfig": {"PidMode": "", "SecurityOpt": ["label=disable"]}}),
    )
    .unwrap();
    assert_eq!(texts(&spec.security_opt), ["label=disable"]);
    // Create bodies keep what the client wrote.
    let spec = spec_from_create(
        &json!({"HostConfig": {"PidMode": "host", "SecurityOpt": ["label=disable"]}}),
        None,
    )
    .unwrap();
    assert_eq!(texts(&spec.security_opt), ["label=disable"]);
}

#[test]
fn inspect_without_resolved_mounts_uses_host_config() {
    let doc = json!({"Name": "/x", "HostConfig": {"Binds": ["/:/host:ro,rslave", "data:/data", "/anon"],
        "Mounts": [{"Type": "tmpfs", "Target": "/tmp"}]}});
    let spec = spec_from_inspect(&doc).unwrap();
    let mounts: Vec<_> = spec.mounts.iter().map(mount_summary).collect();
    assert_eq!(
        mounts,
        vec![
            (MountKind::Bind, Some("/"), "/host", true, None),
            (MountKind::Volume, Some("data"), "/data", false, None),
            (MountKind::Volume, None, "/anon", false, None),
            (MountKind::Tmpfs, None, "/tmp", false, None),
        ]
    );
    assert_eq!(spec.mounts[0].propagation.as_deref(), Some("rslave"));
}

fn create(body: Value) -> ContainerSpec {
    spec_from_create(&body, Some("web")).unwrap()
}

#[test]
fn create_body_every_host_config_field() {
    let body: Value = serde_json::from_str(
        r#"{
        "Image": "nginx:1.27", "User": "0:0", "Env": ["A=1", "B"], "Cmd": "nginx",
        "Entrypoint": ["/docker-entrypoint.sh"], "ExposedPorts": {"80/tcp": {}},
        "Labels": {"l": "v"}, "Healthcheck": {"Test": ["CMD", "curl", "-f", "http://localhost"]},
        "HostConfig": {
            "Privileged": true, "ReadonlyRootfs": true, "PublishAllPorts": true,
            "Binds": ["/var/run/docker.sock:/var/run/docker.sock:ro", "/home/u:/u:Z"],
            "Mounts": [
                {"Type": "bind", "Source": "/", "Target": "/host", "ReadOnly": true,
                 "BindOptions": {"Propagation": "rshared"}},
                {"Type": "volume", "Source": "root", "Target": "/r",
                 "VolumeOptions": {"DriverConfig": {"Name": "local", "Options": {"type": "none", "o": "bind", "device": "/"}}}},
                {"Type": "volume", "Target": "/anon"},
                {"Type": "tmpfs", "Target": "/scratch", "TmpfsOptions": {"SizeBytes": 1024}}
            ],
            "CapAdd": "SYS_ADMIN", "CapDrop": ["ALL"],
            "SecurityOpt": ["seccomp=unconfined", "no-new-privileges:true"],
            "Memory": 1073741824, "MemorySwap": -1, "MemoryReservation": 0, "NanoCpus": 1500000000,
            "CpuQuota": 50000, "CpuPeriod": 100000, "CpuShares": 1024, "CpusetCpus": "0-1",
            "PidsLimit": -1,
            "NetworkMode": "container:db", "PidMode": "host", "IpcMode": "shareable",
            "UsernsMode": "host", "UTSMode": "host", "CgroupnsMode": "private", "CgroupParent": "/x",
            "Devices": [{"PathOnHost": "/dev/kvm", "PathInContainer": "", "CgroupPermissions": ""}],
            "DeviceCgroupRules": ["a *:* rwm"],
            "PortBindings": {"80/tcp": [{"HostIp": "0.0.0.0", "HostPort": "8080-8081"}], "53": null,
                             "443/TCP": [{"HostPort": ""}]},
            "GroupAdd": ["docker"], "Sysctls": {"net.ipv4.ip_forward": "1"},
            "MaskedPaths": [], "ReadonlyPaths": ["/proc/sys"],
            "VolumesFrom": ["other:ro"], "Tmpfs": {"/run": ""},
            "RestartPolicy": {"Name": "always", "MaximumRetryCount": 0}
        }
    }"#,
    )
    .unwrap();
    let spec = create(body);
    assert_eq!(spec.source, SpecSource::Guard);
    assert_eq!(spec.subject, "web");
    assert_eq!(
        spec.locator.as_ref().unwrap().container.as_deref(),
        Some("web")
    );
    assert_eq!(
        spec.locator.as_ref().unwrap().image.as_deref(),
        Some("nginx:1.27")
    );
    assert_eq!(opt(&spec.user), Some("0:0"));
    assert_eq!(spec.env.len(), 2);
    assert!(spec.env[1].value.is_none());
    assert_eq!(spec.command.as_ref().unwrap().value.len(), 1);
    assert_eq!(
        spec.entrypoint.as_ref().unwrap().value[0].display(),
        "/docker-entrypoint.sh"
    );
    assert_eq!(texts(&spec.expose), ["80/tcp"]);
    assert_eq!(spec.healthcheck.as_ref().unwrap().value.test[0], "CMD");
    assert_eq!(spec.privileged.as_ref().map(|p| p.value), Some(true));
    assert_eq!(spec.read_only.as_ref().map(|p| p.value), Some(true));
    assert_eq!(spec.publish_all.as_ref().map(|p| p.value), Some(true));
    let mounts: Vec<_> = spec.mounts.iter().map(mount_summary).collect();
    assert_eq!(
        mounts,
        vec![
            (
                MountKind::Bind,
                Some("/var/run/docker.sock"),
                "/var/run/docker.sock",
                true,
                None
            ),
            (MountKind::Bind, Some("/home/u"), "/u", false, None),
            (MountKind::Bind, Some("/"), "/host", true, None),
            (MountKind::Volume, Some("root"), "/r", false, Some("/")),
            (MountKind::Volume, None, "/anon", false, None),
            (MountKind::Tmpfs, None, "/scratch", false, None),
        ]
    );
    assert_eq!(spec.mounts[1].selinux_label.as_deref(), Some("Z"));
    assert_eq!(spec.mounts[2].propagation.as_deref(), Some("rshared"));
    assert_eq!(strs(&spec.cap_add), ["SYS_ADMIN"]);
    assert_eq!(strs(&spec.cap_drop), ["ALL"]);
    assert_eq!(
        texts(&spec.security_opt),
        ["seccomp=unconfined", "no-new-privileges:true"]
    );
    let r = &spec.resources;
    assert_eq!(r.memory.as_ref().map(|v| v.value), Some(1 << 30));
    assert_eq!(r.memory_swap.as_ref().map(|v| v.value), Some(-1));
    assert!(r.memory_reservation.is_none());
    assert_eq!(r.nano_cpus.as_ref().map(|v| v.value), Some(1_500_000_000));
    assert_eq!(r.cpu_quota.as_ref().map(|v| v.value), Some(50_000));
    assert_eq!(r.cpu_period.as_ref().map(|v| v.value), Some(100_000));
    assert_eq!(r.cpu_shares.as_ref().map(|v| v.value), Some(1024));
    assert_eq!(
        r.cpuset_cpus.as_ref().map(|v| v.value.as_str()),
        Some("0-1")
    );
    assert_eq!(r.pids_limit.as_ref().map(|v| v.value), Some(-1));
    assert_eq!(opt(&spec.network_mode), Some("container:db"));
    assert_eq!(opt(&spec.pid_mode), Some("host"));
    assert_eq!(opt(&spec.ipc_mode), Some("shareable"));
    assert_eq!(opt(&spec.userns_mode), Some("host"));
    assert_eq!(opt(&spec.uts_mode), Some("host"));
    assert_eq!(opt(&spec.cgroupns_mode), Some("private"));
    assert_eq!(opt(&spec.cgroup_parent), Some("/x"));
    assert_eq!(
        spec.devices[0].value,
        DeviceMapping {
            host: "/dev/kvm".into(),
            container: "/dev/kvm".into(),
            permissions: "rwm".into()
        }
    );
    assert_eq!(texts(&spec.device_cgroup_rules), ["a *:* rwm"]);
    let mut ports: Vec<_> = spec
        .ports
        .iter()
        .map(|p| {
            (
                p.host_ip.as_deref(),
                p.host_port,
                p.container_port,
                p.protocol.as_str(),
            )
        })
        .collect();
    ports.sort();
    assert_eq!(
        ports,
        vec![
            (None, None, (443, 443), "tcp"),
            (Some("0.0.0.0"), Some((8080, 8081)), (80, 80), "tcp"),
        ]
    );
    assert_eq!(texts(&spec.group_add), ["docker"]);
    assert_eq!(spec.sysctls[0].0.value, "net.ipv4.ip_forward");
    assert_eq!(spec.masked_paths.as_ref().map(|l| l.value.len()), Some(0));
    assert_eq!(spec.readonly_paths.as_ref().unwrap().value, ["/proc/sys"]);
    assert_eq!(texts(&spec.volumes_from), ["other:ro"]);
    assert_eq!(texts(&spec.tmpfs), ["/run"]);
    assert_eq!(opt(&spec.restart), Some("always"));
}

#[test]
fn create_body_unset_is_not_false() {
    let spec = create(json!({"Image": "alpine"}));
    assert!(spec.privileged.is_none() && spec.read_only.is_none() && spec.user.is_none());
    assert!(spec.mounts.is_empty() && spec.ports.is_empty());
    let spec = create(
        json!({"Image": "alpine", "HostConfig": {"Privileged": false, "CapAdd": null, "Memory": 0}}),
    );
    assert_eq!(spec.privileged.as_ref().map(|p| p.value), Some(false));
    assert!(spec.cap_add.is_empty() && spec.resources.memory.is_none());
    let spec = spec_from_create(&json!({}), None).unwrap();
    assert_eq!(spec.subject, "container");
    let spec = spec_from_create(&json!({"Image": "redis:7"}), None).unwrap();
    assert_eq!(spec.subject, "redis:7");
    assert!(spec.locator.as_ref().unwrap().container.is_none());
}

#[test]
fn create_body_reads_case_variants_like_the_daemon() {
    let spec = create(json!({"image": "alpine", "hostconfig": {"privileged": true,
        "BINDS": ["/:/h"], "mounts": [{"type": "bind", "source": "/etc", "target": "/e"}]}}));
    assert_eq!(opt(&spec.image), Some("alpine"));
    assert_eq!(spec.privileged.as_ref().map(|p| p.value), Some(true));
    assert_eq!(spec.mounts.len(), 2);
    assert_eq!(
        spec.mounts[1].source.as_ref().map(|s| s.display()),
        Some("/etc")
    );
    // Unicode folding: the long s is an s, the Kelvin sign a k.
    let spec = create(
        json!({"HostConfig": {"Mount\u{17f}": [{"Type": "bind", "Source": "/", "Target": "/h"}],
        "NetworkMode": "host", "Privileged": false, "Cap\u{212a}": 1}}),
    );
    assert_eq!(spec.mounts.len(), 1);
    // Two spellings of one field: which one the daemon takes depends on order.
    let err = spec_from_create(
        &json!({"HostConfig": {"Privileged": false, "privileged": true}}),
        None,
    )
    .unwrap_err();
    assert!(err.contains("ambiguous field `Privileged`"), "{err}");
}

#[test]
fn create_body_legacy_top_level_host_config() {
    // No HostConfig object: the daemon reads HostConfig fields at the top.
    let spec = create(
        json!({"Image": "alpine", "Privileged": true, "Binds": ["/:/host"],
        "CapAdd": ["ALL"], "Memory": 5000000}),
    );
    assert_eq!(spec.privileged.as_ref().map(|p| p.value), Some(true));
    assert_eq!(spec.mounts.len(), 1);
    assert_eq!(strs(&spec.cap_add), ["ALL"]);
    assert_eq!(
        spec.resources.memory.as_ref().map(|m| m.value),
        Some(5_000_000)
    );
    // `HostConfig: null` is no HostConfig.
    let spec = create(json!({"Privileged": true, "HostConfig": null}));
    assert_eq!(spec.privileged.as_ref().map(|p| p.value), Some(true));
    // With a HostConfig, only the resource fields apply from the top, and
    // only where the inner value is zero.
    let spec = create(
        json!({"Privileged": true, "Memory": 7, "CpuShares": 9, "Cpuset": "1",
        "HostConfig": {"Memory": 0, "CpuShares": 3}}),
    );
    assert!(spec.privileged.is_none());
    assert_eq!(spec.resources.memory.as_ref().map(|m| m.value), Some(7));
    assert_eq!(spec.resources.cpu_shares.as_ref().map(|m| m.value), Some(3));
    assert_eq!(
        spec.resources
            .cpuset_cpus
            .as_ref()
            .map(|m| m.value.as_str()),
        Some("1")
    );
}

#[test]
fn wrong_types_are_errors_with_paths() {
    for (body, want) in [
        (
            json!({"HostConfig": {"Privileged": "true"}}),
            "`HostConfig.Privileged`: expected a boolean, found a string",
        ),
        (
            json!({"HostConfig": {"Memory": 1.5}}),
            "`HostConfig.Memory`: expected a 64-bit integer",
        ),
        (
            json!({"HostConfig": {"Memory": 18446744073709551615u64}}),
            "64-bit integer",
        ),
        (
            json!({"HostConfig": {"Binds": "/:/h"}}),
            "`HostConfig.Binds`: expected an array",
        ),
        (
            json!({"HostConfig": {"Binds": [5]}}),
            "`HostConfig.Binds[0]`: expected a string",
        ),
        (
            json!({"HostConfig": {"Binds": ["a:b:c:d"]}}),
            "invalid bind",
        ),
        (json!({"HostConfig": {"Binds": ["/x:"]}}), "no target"),
        (
            json!({"HostConfig": {"Mounts": [1]}}),
            "`HostConfig.Mounts[0]`: expected an object",
        ),
        (
            json!({"HostConfig": {"Mounts": [{"VolumeOptions": {"DriverConfig": {"Options": {"o": 1}}}}]}}),
            "`HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options[\"o\"]`",
        ),
        (
            json!({"HostConfig": {"PortBindings": {"http": []}}}),
            "invalid port `http`",
        ),
        (
            json!({"HostConfig": {"PortBindings": {"80/tcp": [{"HostPort": "99999"}]}}}),
            "invalid port `99999`",
        ),
        (
            json!({"HostConfig": {"PortBindings": {"80/tcp": {}}}}),
            "expected an array",
        ),
        (
            json!({"HostConfig": {"Devices": ["/dev/kvm"]}}),
            "`HostConfig.Devices[0]`",
        ),
        (json!({"HostConfig": 5}), "`HostConfig`: expected an object"),
        (json!({"Env": [["A"]]}), "`Env[0]`"),
        (json!({"Labels": {"a": 1}}), "`Labels[\"a\"]`"),
        (
            json!({"Healthcheck": {"Test": "CMD"}}),
            "`Healthcheck.Test`",
        ),
        (json!([]), "expected an object"),
    ] {
        let err = spec_from_create(&body, None).unwrap_err();
        assert!(err.contains(want), "{body}: {err}");
    }
    for (doc, want) in [
        (json!({"Mounts": [{"RW": "yes"}]}), "`Mounts[0].RW`"),
        (json!({"Mounts": {}}), "`Mounts`: expected an array"),
        (json!({"Name": 1}), "`Name`"),
        (json!({"Config": []}), "`Config`"),
        (json!("x"), "container inspect"),
    ] {
        let err = spec_from_inspect(&doc).unwrap_err();
        assert!(err.contains(want), "{doc}: {err}");
    }
}

/// Every JSON shape in every position: errors or specs, never a panic.
#[test]
fn hostile_shapes_never_panic() {
    let shapes = [
        json!(null),
        json!(true),
        json!(-1),
        json!(1e308),
        json!(""),
        json!("x:y:z"),
        json!([]),
        json!([null, 1, "a", {}]),
        json!({}),
        json!({"": null, "\u{0}": [[]]}),
        json!(u64::MAX),
        json!(i64::MIN),
    ];
    let fields: Vec<&str> = crate::schema::HOST_CONFIG_FIELDS
        .iter()
        .chain(crate::schema::RESOURCES_FIELDS)
        .chain(crate::schema::CONFIG_FIELDS)
        .map(|(n, _)| *n)
        .collect();
    for f in &fields {
        for s in &shapes {
            let _ = spec_from_create(&json!({ "HostConfig": { *f: s.clone() } }), None);
            let _ = spec_from_create(&json!({ *f: s.clone() }), None);
            let _ = spec_from_inspect(
                &json!({ "HostConfig": { *f: s.clone() }, "Config": { *f: s.clone() } }),
            );
            let _ = spec_from_inspect(
                &json!({ "Mounts": [{ *f: s.clone(), "Type": s.clone(), "Mode": s.clone() }] }),
            );
            let _ = spec_from_create(
                &json!({"HostConfig": {"Mounts": [{"Type": "volume", "VolumeOptions": s.clone(), "BindOptions": s.clone()}],
                "PortBindings": {"80": [s.clone()]}, "Devices": [s.clone()], "RestartPolicy": s.clone()}}),
                None,
            );
        }
    }
}
