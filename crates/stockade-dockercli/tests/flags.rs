//! `docker run` flags into ContainerSpec: every family, arity, values.

use stockade_core::span::{FileId, SourceFile};
use stockade_core::{ContainerSpec, MountKind};
use stockade_dockercli::{ScriptKind, specs_from_script};

fn file(text: &str) -> SourceFile {
    SourceFile::new(FileId(1), "t.sh", None, text.to_string())
}

/// The single spec of a one-line script.
fn one(line: &str) -> (ContainerSpec, String) {
    let f = file(line);
    let (specs, errors) = specs_from_script(&f, ScriptKind::Shell);
    assert!(errors.is_empty(), "{line}: {errors:?}");
    assert_eq!(specs.len(), 1, "{line}: {specs:?}");
    (specs.into_iter().next().unwrap(), line.to_string())
}

fn at(text: &str, span: stockade_core::Span) -> &str {
    &text[span.range()]
}

fn image(s: &ContainerSpec) -> String {
    s.image.as_ref().unwrap().value.display().to_string()
}

fn command(s: &ContainerSpec) -> Vec<String> {
    s.command
        .as_ref()
        .map(|c| c.value.iter().map(|e| e.display().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn image_and_command_after_flags() {
    let (s, t) =
        one("docker run -d --rm -it --name web -p 80:80 nginx:1.25 nginx -g 'daemon off;'");
    assert_eq!(image(&s), "nginx:1.25");
    assert_eq!(at(&t, s.image.as_ref().unwrap().span), "nginx:1.25");
    assert_eq!(command(&s), ["nginx", "-g", "daemon off;"]);
    assert_eq!(s.subject, "web");
    assert_eq!(s.image_ref.as_ref().unwrap().tag.as_deref(), Some("1.25"));
    assert_eq!(at(&t, s.anchor), "docker run");
    assert_eq!(
        at(&t, s.command.as_ref().unwrap().span),
        "nginx -g 'daemon off;'"
    );
}

#[test]
fn boolean_flags_take_no_value() {
    // Each bool flag followed directly by the image.
    for flag in [
        "-d",
        "-i",
        "-t",
        "--rm",
        "--privileged",
        "--read-only",
        "-P",
        "--publish-all",
        "--init",
        "--sig-proxy",
        "--oom-kill-disable",
        "--no-healthcheck",
        "--disable-content-trust",
        "-q",
        "--quiet",
        "--use-api-socket",
        "--detach",
        "--interactive",
        "--tty",
        "--help",
    ] {
        let f = file(&format!("docker run {flag} alpine sh"));
        let (specs, _) = specs_from_script(&f, ScriptKind::Shell);
        assert_eq!(specs.len(), 1, "{flag}");
        assert_eq!(image(&specs[0]), "alpine", "{flag}");
        assert_eq!(command(&specs[0]), ["sh"], "{flag}");
    }
    let (s, t) = one("docker run --privileged=false --read-only=true alpine");
    assert!(!s.privileged.as_ref().unwrap().value);
    assert_eq!(
        at(&t, s.privileged.as_ref().unwrap().span),
        "--privileged=false"
    );
    assert!(s.read_only.as_ref().unwrap().value);
    let (s, t) = one("docker run --privileged alpine");
    assert!(s.privileged.as_ref().unwrap().value);
    assert_eq!(at(&t, s.privileged.as_ref().unwrap().span), "--privileged");
}

#[test]
fn valued_flags_consume_their_value() {
    // Every valued flag, in `--flag value` form, must not leave its value
    // to be taken for the image.
    for flag in [
        "--add-host",
        "--annotation",
        "-a",
        "--attach",
        "--blkio-weight",
        "--blkio-weight-device",
        "--cap-add",
        "--cap-drop",
        "--cgroup-parent",
        "--cgroupns",
        "--cidfile",
        "--cpu-count",
        "--cpu-percent",
        "--cpu-period",
        "--cpu-quota",
        "--cpu-rt-period",
        "--cpu-rt-runtime",
        "-c",
        "--cpu-shares",
        "--cpus",
        "--cpuset-cpus",
        "--cpuset-mems",
        "--detach-keys",
        "--device",
        "--device-cgroup-rule",
        "--device-read-bps",
        "--device-read-iops",
        "--device-write-bps",
        "--device-write-iops",
        "--dns",
        "--dns-option",
        "--dns-opt",
        "--dns-search",
        "--domainname",
        "--entrypoint",
        "-e",
        "--env",
        "--env-file",
        "--expose",
        "--gpus",
        "--group-add",
        "--health-cmd",
        "--health-interval",
        "--health-retries",
        "--health-start-interval",
        "--health-start-period",
        "--health-timeout",
        "-h",
        "--hostname",
        "--io-maxbandwidth",
        "--io-maxiops",
        "--ip",
        "--ip6",
        "--ipc",
        "--isolation",
        "-l",
        "--label",
        "--label-file",
        "--link",
        "--link-local-ip",
        "--log-driver",
        "--log-opt",
        "--mac-address",
        "-m",
        "--memory",
        "--memory-reservation",
        "--memory-swap",
        "--memory-swappiness",
        "--mount",
        "--name",
        "--network",
        "--net",
        "--network-alias",
        "--net-alias",
        "--oom-score-adj",
        "--pid",
        "--pids-limit",
        "--platform",
        "-p",
        "--publish",
        "--pull",
        "--restart",
        "--runtime",
        "--security-opt",
        "--shm-size",
        "--stop-signal",
        "--stop-timeout",
        "--storage-opt",
        "--sysctl",
        "--tmpfs",
        "--ulimit",
        "-u",
        "--user",
        "--userns",
        "--uts",
        "-v",
        "--volume",
        "--volume-driver",
        "--volumes-from",
        "-w",
        "--workdir",
        "--kernel-memory",
    ] {
        let f = file(&format!("docker run {flag} VALUE img arg"));
        let (specs, _) = specs_from_script(&f, ScriptKind::Shell);
        assert_eq!(specs.len(), 1, "{flag}");
        assert_eq!(image(&specs[0]), "img", "{flag}");
        assert_eq!(command(&specs[0]), ["arg"], "{flag}");
        // And the `=` form.
        if flag.starts_with("--") {
            let f = file(&format!("docker run {flag}=VALUE img"));
            let (specs, _) = specs_from_script(&f, ScriptKind::Shell);
            assert_eq!(image(&specs[0]), "img", "{flag}=");
        }
    }
}

#[test]
fn combined_short_flags_and_end_of_options() {
    let (s, _) = one("docker run -itd -p8080:80 -eA=b -dP --rm alpine");
    assert_eq!(image(&s), "alpine");
    assert_eq!(s.ports[0].container_port, (80, 80));
    assert_eq!(s.env[0].name.value, "A");
    assert!(s.publish_all.as_ref().unwrap().value);
    // `-dp 80:80`: the last letter takes the next word.
    let (s, _) = one("docker run -dp 80:80 alpine");
    assert_eq!(s.ports[0].host_port, Some((80, 80)));
    assert_eq!(image(&s), "alpine");
    // `-e=A=b` (pflag strips the `=`).
    let (s, _) = one("docker run -e=A=b alpine");
    assert_eq!(s.env[0].name.value, "A");
    assert_eq!(s.env[0].value.as_ref().unwrap().value.display(), "b");
    // `--` ends options: `-x` is the image?? no, the image follows.
    let (s, _) = one("docker run --rm -- alpine -v x");
    assert_eq!(image(&s), "alpine");
    assert_eq!(command(&s), ["-v", "x"]);
    assert!(s.mounts.is_empty());
}

#[test]
fn flags_after_the_image_belong_to_the_command() {
    let (s, _) = one("docker run alpine --privileged -v /:/host");
    assert!(s.privileged.is_none());
    assert!(s.mounts.is_empty());
    assert_eq!(command(&s), ["--privileged", "-v", "/:/host"]);
}

#[test]
fn volumes_short_syntax() {
    let t = "docker run -v /var/run/docker.sock:/var/run/docker.sock:ro -v data:/data -v ./src:/app:rw,Z -v ~/x:/y -v $HOME/.ssh:/root/.ssh -v /anon --volume=\"$(pwd)\":/w:rshared -v C:\\\\data:/d img";
    let (s, t) = one(t);
    let m = &s.mounts;
    assert_eq!(m.len(), 8);
    assert_eq!(m[0].kind, MountKind::Bind);
    assert_eq!(
        m[0].source.as_ref().unwrap().display(),
        "/var/run/docker.sock"
    );
    assert!(m[0].read_only);
    assert_eq!(
        at(&t, m[0].span),
        "-v /var/run/docker.sock:/var/run/docker.sock:ro"
    );
    assert_eq!(m[1].kind, MountKind::Volume);
    assert_eq!(m[1].source.as_ref().unwrap().display(), "data");
    assert_eq!(m[2].kind, MountKind::Bind);
    assert_eq!(m[2].selinux_label.as_deref(), Some("Z"));
    assert!(!m[2].read_only);
    assert_eq!(m[3].kind, MountKind::Bind);
    assert_eq!(m[4].kind, MountKind::Bind);
    assert!(!m[4].source.as_ref().unwrap().is_known());
    assert_eq!(m[4].source.as_ref().unwrap().raw, "$HOME/.ssh");
    assert_eq!(m[4].source.as_ref().unwrap().unresolved, ["HOME"]);
    assert_eq!(m[5].kind, MountKind::Volume);
    assert!(m[5].source.is_none());
    assert_eq!(m[5].target.display(), "/anon");
    assert_eq!(m[6].kind, MountKind::Bind);
    assert_eq!(m[6].source.as_ref().unwrap().raw, "$(pwd)");
    assert_eq!(m[6].propagation.as_deref(), Some("rshared"));
    assert_eq!(at(&t, m[6].span), "--volume=\"$(pwd)\":/w:rshared");
    assert_eq!(m[7].kind, MountKind::Bind);
    assert_eq!(m[7].source.as_ref().unwrap().display(), "C:\\data");
    assert_eq!(m[7].target.display(), "/d");
}

#[test]
fn mount_csv_syntax() {
    let (s, _) = one(
        "docker run --mount type=bind,source=/etc,target=/host-etc,readonly,bind-propagation=rslave \
         --mount 'type=volume,src=vol,dst=/v' --mount type=tmpfs,destination=/tmp,tmpfs-size=64m \
         --mount type=bind,src=/x,dst=/y,ro=false --mount target=/anon img",
    );
    let m = &s.mounts;
    assert_eq!(m[0].kind, MountKind::Bind);
    assert_eq!(m[0].source.as_ref().unwrap().display(), "/etc");
    assert_eq!(m[0].target.display(), "/host-etc");
    assert!(m[0].read_only);
    assert_eq!(m[0].propagation.as_deref(), Some("rslave"));
    assert_eq!(m[1].kind, MountKind::Volume);
    assert_eq!(m[1].source.as_ref().unwrap().display(), "vol");
    assert_eq!(m[2].kind, MountKind::Tmpfs);
    assert!(!m[3].read_only);
    assert_eq!(m[4].kind, MountKind::Volume);
    assert!(m[4].source.is_none());
}

#[test]
fn ports() {
    let (s, t) = one(
        "docker run -p 8080:80 -p 127.0.0.1:5432:5432/tcp -p 53:53/udp -p 9000 -p [::1]:8443:443 \
         -p 127.0.0.1::6379 -p 8000-8010:8000-8010 -p 0.0.0.0:22:22 -p ${PORT}:3000 img",
    );
    let p = &s.ports;
    assert_eq!(p.len(), 9);
    assert_eq!(
        (p[0].host_port, p[0].container_port),
        (Some((8080, 8080)), (80, 80))
    );
    assert!(p[0].on_all_interfaces());
    assert_eq!(at(&t, p[0].span), "-p 8080:80");
    assert_eq!(p[1].host_ip.as_deref(), Some("127.0.0.1"));
    assert!(!p[1].on_all_interfaces());
    assert_eq!(p[2].protocol, "udp");
    assert_eq!((p[3].host_port, p[3].container_port), (None, (9000, 9000)));
    assert_eq!(p[4].host_ip.as_deref(), Some("::1"));
    assert_eq!(p[4].host_port, Some((8443, 8443)));
    assert_eq!(p[5].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(p[5].host_port, None);
    assert_eq!(p[6].container_port, (8000, 8010));
    assert!(p[7].on_all_interfaces());
    assert_eq!(p[8].container_port, (3000, 3000));
    assert_eq!(p[8].host_port, None);
    assert_eq!(p[8].unresolved.as_deref(), Some("$PORT:3000"));
    assert!(p[..8].iter().all(|b| b.unresolved.is_none()));
}

#[test]
fn env_labels_sysctls() {
    let (s, t) = one(
        "docker run -e A=1 --env B='x y' -e PASSTHRU --env-file .env -l a=b --label c \
         --sysctl net.ipv4.ip_forward=1 img",
    );
    assert_eq!(s.env.len(), 3);
    assert_eq!(s.env[0].name.value, "A");
    assert_eq!(s.env[1].value.as_ref().unwrap().value.display(), "x y");
    assert!(s.env[2].value.is_none());
    assert_eq!(at(&t, s.env[1].span), "--env B='x y'");
    assert_eq!(s.env_files[0].value.display(), ".env");
    assert_eq!(s.labels[0].0.value, "a");
    assert_eq!(s.labels[1].1.value.display(), "");
    assert_eq!(s.sysctls[0].0.value, "net.ipv4.ip_forward");
    assert_eq!(s.sysctls[0].1.value.display(), "1");
    assert!(s.env_var("A").is_some());
}

#[test]
fn security_and_namespaces() {
    let (s, t) = one(
        "docker run -u 0:0 --group-add docker --cap-add SYS_ADMIN --cap-add=NET_ADMIN --cap-drop ALL \
         --security-opt seccomp=unconfined --security-opt apparmor=unconfined --network host \
         --pid=host --ipc host --uts host --userns host --cgroupns host --cgroup-parent /x \
         --device /dev/fuse --device-cgroup-rule 'c 1:3 mr' --tmpfs /run:rw,size=64m \
         --volumes-from other --restart always --entrypoint /bin/sh --expose 8080 img",
    );
    assert_eq!(s.user.as_ref().unwrap().value.display(), "0:0");
    assert_eq!(at(&t, s.user.as_ref().unwrap().span), "-u 0:0");
    assert_eq!(s.group_add[0].value.display(), "docker");
    let caps: Vec<&str> = s.cap_add.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(caps, ["SYS_ADMIN", "NET_ADMIN"]);
    assert_eq!(at(&t, s.cap_add[1].span), "--cap-add=NET_ADMIN");
    assert_eq!(s.cap_drop[0].value, "ALL");
    assert_eq!(s.security_opt.len(), 2);
    assert_eq!(s.network_mode.as_ref().unwrap().value.display(), "host");
    assert_eq!(s.pid_mode.as_ref().unwrap().value.display(), "host");
    assert_eq!(s.ipc_mode.as_ref().unwrap().value.display(), "host");
    assert_eq!(s.uts_mode.as_ref().unwrap().value.display(), "host");
    assert_eq!(s.userns_mode.as_ref().unwrap().value.display(), "host");
    assert_eq!(s.cgroupns_mode.as_ref().unwrap().value.display(), "host");
    assert_eq!(s.cgroup_parent.as_ref().unwrap().value.display(), "/x");
    assert_eq!(s.devices[0].value.host, "/dev/fuse");
    assert_eq!(s.device_cgroup_rules[0].value.display(), "c 1:3 mr");
    assert_eq!(s.tmpfs[0].value.display(), "/run:rw,size=64m");
    assert_eq!(s.volumes_from[0].value.display(), "other");
    assert_eq!(s.restart.as_ref().unwrap().value.display(), "always");
    assert_eq!(s.entrypoint.as_ref().unwrap().value[0].display(), "/bin/sh");
    assert_eq!(s.expose[0].value.display(), "8080");
    // --net alias.
    let (s, _) = one("docker run --net=host img");
    assert_eq!(s.network_mode.as_ref().unwrap().value.display(), "host");
}

#[test]
fn resources() {
    let (s, _) = one(
        "docker run -m 512m --memory-swap -1 --memory-reservation 1.5g --cpus 1.5 --cpu-quota 50000 \
         --cpu-period 100000 -c 512 --cpuset-cpus 0-1 --pids-limit 100 img",
    );
    let r = &s.resources;
    assert_eq!(r.memory.as_ref().unwrap().value, 512 << 20);
    assert_eq!(r.memory_swap.as_ref().unwrap().value, -1);
    assert_eq!(r.memory_reservation.as_ref().unwrap().value, 3 << 29);
    assert_eq!(r.nano_cpus.as_ref().unwrap().value, 1_500_000_000);
    assert_eq!(r.cpu_quota.as_ref().unwrap().value, 50000);
    assert_eq!(r.cpu_period.as_ref().unwrap().value, 100000);
    assert_eq!(r.cpu_shares.as_ref().unwrap().value, 512);
    assert_eq!(r.cpuset_cpus.as_ref().unwrap().value, "0-1");
    assert_eq!(r.pids_limit.as_ref().unwrap().value, 100);
    assert!(r.unresolved.is_empty());
    // Unknown or invalid values are recorded, not guessed.
    let (s, t) = one("docker run --memory $MEM --cpus lots img");
    assert!(s.resources.memory.is_none());
    let names: Vec<&str> = s
        .resources
        .unresolved
        .iter()
        .map(|u| u.value.as_str())
        .collect();
    assert_eq!(names, ["memory", "cpus"]);
    assert_eq!(at(&t, s.resources.unresolved[0].span), "--memory $MEM");
}

#[test]
fn healthcheck_and_api_socket() {
    let (s, _) = one("docker run --health-cmd 'curl -f http://localhost' img");
    let h = &s.healthcheck.as_ref().unwrap().value;
    assert_eq!(h.test, ["CMD-SHELL", "curl -f http://localhost"]);
    let (s, _) = one("docker run --no-healthcheck img");
    assert!(s.healthcheck.as_ref().unwrap().value.disabled);
    let (s, t) = one("docker run --use-api-socket img");
    assert_eq!(s.mounts[0].kind, MountKind::Bind);
    assert_eq!(
        s.mounts[0].source.as_ref().unwrap().display(),
        "/var/run/docker.sock"
    );
    assert_eq!(at(&t, s.mounts[0].span), "--use-api-socket");
}

#[test]
fn global_options_and_subcommand_forms() {
    let (s, t) = one("docker -H tcp://10.0.0.1:2375 --context c --log-level debug run img");
    assert_eq!(image(&s), "img");
    let h = s.docker_host.as_ref().unwrap();
    assert_eq!(h.value.display(), "tcp://10.0.0.1:2375");
    assert_eq!(at(&t, h.span), "-H tcp://10.0.0.1:2375");
    for line in [
        "docker container run img",
        "docker create img",
        "docker container create img",
        "podman run img",
        "podman create img",
        "podman --remote run img",
        "/usr/bin/docker --tls --host=unix:///x.sock run img",
    ] {
        let (s, _) = one(line);
        assert_eq!(image(&s), "img", "{line}");
    }
    let (s, t) = one("docker container run --rm img");
    assert_eq!(at(&t, s.anchor), "docker container run");
    // Not creating containers.
    for line in [
        "docker ps",
        "docker exec -it x sh",
        "docker build -t x .",
        "docker container ls",
        "docker run --help",
    ] {
        let f = file(line);
        let (specs, errors) = specs_from_script(&f, ScriptKind::Shell);
        assert!(specs.is_empty() && errors.is_empty(), "{line}");
    }
    // A run without an image is an input error.
    let f = file("docker run -d");
    let (specs, errors) = specs_from_script(&f, ScriptKind::Shell);
    assert!(specs.is_empty());
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].message, "missing image");
}

#[test]
fn podman_flags() {
    let (s, _) = one(
        "podman run --userns keep-id --pod mypod --systemd always --rmi --tls-verify --replace -d img cmd",
    );
    assert_eq!(image(&s), "img");
    assert_eq!(command(&s), ["cmd"]);
    assert_eq!(s.userns_mode.as_ref().unwrap().value.display(), "keep-id");
}

#[test]
fn unknown_flags_do_not_become_the_image() {
    let (s, _) = one("docker run --some-future-flag value img");
    assert_eq!(image(&s), "img");
    let (s, _) = one("docker run --some-future-bool -d img");
    assert_eq!(image(&s), "img");
}
