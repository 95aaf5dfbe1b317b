//! Service attributes read into ContainerSpec, with spans.

mod common;

use common::mem;
use stockade_core::{MountKind, SpecSource};

#[test]
fn identity_image_build_and_user() {
    let text = "\
version: '3.9'
services:
  web:
    image: nginx:1.25
    user: \"1000:1000\"
    build: ./web
  api:
    build:
      context: ./api
      dockerfile: Dockerfile.prod
      target: runtime
      args:
        - VERSION=1.2
        - EMPTY
  worker:
    build:
      context: .
      args: {A: b, C: null}
    user: 0
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let p = l.project();
    assert_eq!(p.services.len(), 3);
    let web = l.svc("web");
    assert_eq!(web.source, SpecSource::Compose);
    assert_eq!(l.text(web.anchor), "web");
    let img = web.image.as_ref().unwrap();
    assert_eq!(img.value.known(), Some("nginx:1.25"));
    assert_eq!(l.text(img.span), "nginx:1.25");
    let r = web.image_ref.as_ref().unwrap();
    assert_eq!(r.tag.as_deref(), Some("1.25"));
    assert_eq!(web.user.as_ref().unwrap().value.known(), Some("1000:1000"));
    assert_eq!(l.text(web.user.as_ref().unwrap().span), "\"1000:1000\"");
    let b = web.build.as_ref().unwrap();
    assert_eq!(b.context.as_ref().unwrap().value.known(), Some("./web"));

    let api = l.svc("api").build.as_ref().unwrap();
    assert_eq!(
        api.dockerfile.as_ref().unwrap().value.known(),
        Some("Dockerfile.prod")
    );
    assert_eq!(api.target.as_ref().unwrap().value.known(), Some("runtime"));
    assert_eq!(api.args.len(), 2);
    assert_eq!(api.args[0].0.value, "VERSION");
    assert_eq!(api.args[0].1.as_ref().unwrap().value.known(), Some("1.2"));
    assert_eq!(api.args[1].0.value, "EMPTY");
    assert!(api.args[1].1.is_none());

    let w = l.svc("worker");
    assert_eq!(w.user.as_ref().unwrap().value.known(), Some("0"));
    let args = &w.build.as_ref().unwrap().args;
    assert_eq!(args[0].1.as_ref().unwrap().value.known(), Some("b"));
    assert!(args[1].1.is_none());
    assert!(w.image.is_none());
}

#[test]
fn privileges_capabilities_and_namespaces() {
    let text = "\
services:
  s:
    image: x
    privileged: true
    read_only: false
    cap_add: [NET_ADMIN, SYS_ADMIN, NET_ADMIN]
    cap_drop:
      - ALL
    security_opt:
      - seccomp:unconfined
      - no-new-privileges:true
    network_mode: host
    pid: host
    ipc: shareable
    uts: host
    userns_mode: host
    cgroup: host
    cgroup_parent: /custom
    group_add: [docker, 998]
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let s = l.svc("s");
    let p = s.privileged.as_ref().unwrap();
    assert!(p.value);
    assert_eq!(l.text(p.span), "true");
    assert_eq!(l.line(p.span), 4);
    assert!(!s.read_only.as_ref().unwrap().value);
    let caps: Vec<&str> = s.cap_add.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(caps, ["NET_ADMIN", "SYS_ADMIN"]);
    assert_eq!(s.cap_drop[0].value, "ALL");
    assert_eq!(l.text(s.cap_drop[0].span), "ALL");
    assert_eq!(s.security_opt.len(), 2);
    assert_eq!(s.security_opt[0].value.known(), Some("seccomp:unconfined"));
    assert_eq!(l.text(s.security_opt[0].span), "seccomp:unconfined");
    assert_eq!(s.network_mode.as_ref().unwrap().value.known(), Some("host"));
    assert_eq!(s.pid_mode.as_ref().unwrap().value.known(), Some("host"));
    assert_eq!(
        s.ipc_mode.as_ref().unwrap().value.known(),
        Some("shareable")
    );
    assert_eq!(s.uts_mode.as_ref().unwrap().value.known(), Some("host"));
    assert_eq!(s.userns_mode.as_ref().unwrap().value.known(), Some("host"));
    assert_eq!(
        s.cgroupns_mode.as_ref().unwrap().value.known(),
        Some("host")
    );
    assert_eq!(
        s.cgroup_parent.as_ref().unwrap().value.known(),
        Some("/custom")
    );
    let groups: Vec<&str> = s.group_add.iter().map(|g| g.value.display()).collect();
    assert_eq!(groups, ["docker", "998"]);
    assert!(s.unresolved.is_empty());
}

#[test]
fn not_written_is_not_false() {
    let l = mem(&["services:\n  s:\n    image: x\n"]);
    let s = l.svc("s");
    assert!(s.privileged.is_none());
    assert!(s.read_only.is_none());
    assert!(s.user.is_none());
    assert!(s.healthcheck.is_none());
    assert!(s.resources.memory.is_none());
    assert!(s.mounts.is_empty() && s.ports.is_empty() && s.env.is_empty());
}

#[test]
fn devices_tmpfs_sysctls_and_friends() {
    let text = "\
services:
  s:
    image: x
    devices:
      - /dev/ttyUSB0
      - /dev/sda:/dev/xvda:rwm
      - /dev/snd:r
      - source: /dev/fuse
        target: /dev/fuse
        permissions: rw
    device_cgroup_rules: ['c 1:3 mr']
    tmpfs: /run
    sysctls:
      - net.core.somaxconn=1024
      - net.ipv4.ip_forward=1
    volumes_from: [other, 'container:c:ro']
    restart: unless-stopped
    profiles: [debug, tools]
  t:
    image: x
    tmpfs: [/tmp, '/run:size=64m']
    sysctls: {kernel.shm_rmid_forced: 1}
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let s = l.svc("s");
    let d: Vec<(&str, &str, &str)> = s
        .devices
        .iter()
        .map(|d| {
            (
                d.host.as_str(),
                d.container.as_str(),
                d.permissions.as_str(),
            )
        })
        .collect();
    assert_eq!(
        d,
        [
            ("/dev/ttyUSB0", "/dev/ttyUSB0", "rwm"),
            ("/dev/sda", "/dev/xvda", "rwm"),
            ("/dev/snd", "/dev/snd", "r"),
            ("/dev/fuse", "/dev/fuse", "rw"),
        ]
    );
    assert_eq!(l.text(s.devices[1].span), "/dev/sda:/dev/xvda:rwm");
    assert!(l.text(s.devices[3].span).starts_with("source: /dev/fuse"));
    assert_eq!(s.device_cgroup_rules[0].value.known(), Some("c 1:3 mr"));
    assert_eq!(s.tmpfs.len(), 1);
    assert_eq!(s.tmpfs[0].value.known(), Some("/run"));
    assert_eq!(s.sysctls.len(), 2);
    assert_eq!(s.sysctls[1].0.value, "net.ipv4.ip_forward");
    assert_eq!(s.sysctls[1].1.value.known(), Some("1"));
    assert_eq!(l.text(s.sysctls[1].1.span), "net.ipv4.ip_forward=1");
    assert_eq!(s.volumes_from.len(), 2);
    assert_eq!(
        s.restart.as_ref().unwrap().value.known(),
        Some("unless-stopped")
    );
    let profiles: Vec<&str> = s.profiles.iter().map(|p| p.value.as_str()).collect();
    assert_eq!(profiles, ["debug", "tools"]);
    let t = l.svc("t");
    assert_eq!(t.tmpfs.len(), 2);
    assert_eq!(t.sysctls[0].0.value, "kernel.shm_rmid_forced");
    assert_eq!(l.text(t.sysctls[0].0.span), "kernel.shm_rmid_forced");
    assert_eq!(t.sysctls[0].1.value.known(), Some("1"));
}

#[test]
fn volumes_short_syntax() {
    let text = "\
services:
  s:
    image: x
    volumes:
      - /var/run/docker.sock:/var/run/docker.sock
      - ./data:/data:ro
      - ../up:/up:rw,z
      - ~/home:/h:rshared
      - named:/named
      - /anon
      - named:/named2:nocopy
      - C:\\win:/win
      - .env:/app/.env:ro
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let m = &l.svc("s").mounts;
    assert_eq!(m.len(), 9);
    assert_eq!(m[0].kind, MountKind::Bind);
    assert_eq!(
        m[0].source.as_ref().unwrap().known(),
        Some("/var/run/docker.sock")
    );
    assert_eq!(m[0].target.known(), Some("/var/run/docker.sock"));
    assert!(!m[0].read_only);
    assert_eq!(
        l.text(m[0].span),
        "/var/run/docker.sock:/var/run/docker.sock"
    );
    assert_eq!(
        m[0].host_path().unwrap().known(),
        Some("/var/run/docker.sock")
    );
    assert_eq!(m[1].kind, MountKind::Bind);
    assert!(m[1].read_only);
    assert_eq!(m[2].kind, MountKind::Bind);
    assert_eq!(m[2].selinux_label.as_deref(), Some("z"));
    assert!(!m[2].read_only);
    assert_eq!(m[3].kind, MountKind::Bind);
    assert_eq!(m[3].propagation.as_deref(), Some("rshared"));
    assert_eq!(m[4].kind, MountKind::Volume);
    assert_eq!(m[4].source.as_ref().unwrap().known(), Some("named"));
    assert!(m[4].host_path().is_none());
    assert_eq!(m[5].kind, MountKind::Volume);
    assert!(m[5].source.is_none());
    assert_eq!(m[5].target.known(), Some("/anon"));
    assert_eq!(m[6].kind, MountKind::Volume);
    assert_eq!(m[7].kind, MountKind::Bind);
    assert_eq!(m[7].source.as_ref().unwrap().known(), Some("C:\\win"));
    assert_eq!(m[8].kind, MountKind::Bind);
}

#[test]
fn volumes_long_syntax_and_unicity() {
    let text = "\
services:
  s:
    image: x
    volumes:
      - type: bind
        source: /etc
        target: /host-etc
        read_only: true
        bind:
          propagation: rslave
      - type: volume
        source: data
        target: /data
        volume:
          nocopy: true
      - type: tmpfs
        target: /scratch
      - /first:/same
      - /second:/same
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let m = &l.svc("s").mounts;
    assert_eq!(m.len(), 4);
    assert_eq!(m[0].kind, MountKind::Bind);
    assert!(m[0].read_only);
    assert_eq!(m[0].propagation.as_deref(), Some("rslave"));
    assert_eq!(m[0].host_path().unwrap().known(), Some("/etc"));
    assert!(l.text(m[0].span).starts_with("type: bind"));
    assert!(l.text(m[0].span).ends_with("propagation: rslave"));
    assert_eq!(m[1].kind, MountKind::Volume);
    assert_eq!(m[2].kind, MountKind::Tmpfs);
    // Unique by target: the later entry wins, in the earlier one's place.
    assert_eq!(m[3].source.as_ref().unwrap().known(), Some("/second"));
    assert_eq!(l.text(m[3].span), "/second:/same");
}

#[test]
fn driver_opts_bind_volumes_expose_host_paths() {
    let text = "\
services:
  s:
    image: x
    volumes:
      - hostetc:/etc-in
      - type: volume
        source: hostetc
        target: /again
      - plain:/p
      - ext:/e
      - persist:/lp
volumes:
  hostetc:
    driver: local
    driver_opts:
      type: none
      o: bind
      device: /etc
  plain: {}
  ext:
    external: true
  persist:
    driver: local-persist
    driver_opts:
      mountpoint: /var/lib/stuff
  rb:
    driver_opts: {o: 'rbind,ro', device: /srv}
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let m = &l.svc("s").mounts;
    for i in [0, 1] {
        assert_eq!(m[i].kind, MountKind::Volume);
        assert_eq!(
            m[i].volume_host_path.as_ref().unwrap().known(),
            Some("/etc")
        );
        assert_eq!(m[i].host_path().unwrap().known(), Some("/etc"));
        let def = m[i].volume_def_span.unwrap();
        assert_eq!(l.text(def), "/etc");
        assert_eq!(l.line(def), 18);
    }
    assert!(m[2].volume_host_path.is_none());
    assert!(m[3].volume_host_path.is_none());
    assert_eq!(
        m[4].volume_host_path.as_ref().unwrap().known(),
        Some("/var/lib/stuff")
    );
}

#[test]
fn ports_short_and_long() {
    let text = "\
services:
  s:
    image: x
    ports:
      - \"80\"
      - 8080:80
      - 127.0.0.1:8081:81
      - \"[::1]:8082:82\"
      - 9000-9010:9000-9010
      - 53:53/udp
      - 127.0.0.1::83
      - 3000
      - target: 443
        published: \"8443\"
        host_ip: 0.0.0.0
        protocol: tcp
        mode: host
      - target: 5000
        published: 5000-5005
      - target: 6000
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let p = &l.svc("s").ports;
    assert_eq!(p.len(), 11);
    type Row<'a> = (Option<&'a str>, Option<(u16, u16)>, (u16, u16), &'a str);
    let t: Vec<Row> = p
        .iter()
        .map(|b| {
            (
                b.host_ip.as_deref(),
                b.host_port,
                b.container_port,
                b.protocol.as_str(),
            )
        })
        .collect();
    assert_eq!(t[0], (None, None, (80, 80), "tcp"));
    assert_eq!(t[1], (None, Some((8080, 8080)), (80, 80), "tcp"));
    assert_eq!(
        t[2],
        (Some("127.0.0.1"), Some((8081, 8081)), (81, 81), "tcp")
    );
    assert_eq!(t[3], (Some("::1"), Some((8082, 8082)), (82, 82), "tcp"));
    assert_eq!(t[4], (None, Some((9000, 9010)), (9000, 9010), "tcp"));
    assert_eq!(t[5], (None, Some((53, 53)), (53, 53), "udp"));
    assert_eq!(t[6], (Some("127.0.0.1"), None, (83, 83), "tcp"));
    assert_eq!(t[7], (None, None, (3000, 3000), "tcp"));
    assert_eq!(
        t[8],
        (Some("0.0.0.0"), Some((8443, 8443)), (443, 443), "tcp")
    );
    assert_eq!(t[9], (None, Some((5000, 5005)), (5000, 5000), "tcp"));
    assert_eq!(t[10], (None, None, (6000, 6000), "tcp"));
    assert!(p[0].on_all_interfaces());
    assert!(!p[2].on_all_interfaces());
    assert!(p[8].on_all_interfaces());
    assert_eq!(l.text(p[1].span), "8080:80");
    assert_eq!(l.text(p[0].span), "\"80\"");
    assert!(p.iter().all(|b| b.unresolved.is_none()));
}

#[test]
fn invalid_ports_and_volumes_are_input_errors() {
    let text = "\
services:
  s:
    image: x
    ports: ['99999:80', 'a:b']
    volumes: ['ab:cd:ef:gh']
    privileged: sometimes
    mem_limit: lots
";
    let l = mem(&[text]);
    assert_eq!(l.errors.len(), 5, "{:#?}", l.errors);
    let s = l.svc("s");
    assert!(s.ports.is_empty());
    assert!(s.mounts.is_empty());
    assert!(s.privileged.is_none());
    assert!(
        l.errors
            .iter()
            .all(|e| e.span.is_some() && e.path == "f0.yaml")
    );
    let bad_port = l
        .errors
        .iter()
        .find(|e| e.message.contains("99999"))
        .unwrap();
    assert_eq!(l.text(bad_port.span.unwrap()), "'99999:80'");
}

#[test]
fn expose_environment_and_labels() {
    let text = "\
services:
  s:
    image: x
    expose: ['3000', 8000-8010/tcp, 3000]
    environment:
      - DEBUG=1
      - PASSWORD=s3cret
      - PASSTHROUGH
      - EMPTY=
      - DEBUG=2
    labels:
      - com.example.a=1
      - flag
  m:
    image: x
    environment:
      A: '1'
      B:
      C: true
      D: 3.5
    labels: {x: y}
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let s = l.svc("s");
    let ex: Vec<&str> = s.expose.iter().map(|e| e.value.display()).collect();
    assert_eq!(ex, ["3000", "8000-8010/tcp"]);
    let env: Vec<(&str, Option<&str>)> = s
        .env
        .iter()
        .map(|e| {
            (
                e.name.value.as_str(),
                e.value.as_ref().and_then(|v| v.value.known()),
            )
        })
        .collect();
    assert_eq!(
        env,
        [
            ("DEBUG", Some("2")),
            ("PASSWORD", Some("s3cret")),
            ("PASSTHROUGH", None),
            ("EMPTY", Some(""))
        ]
    );
    let pw = s.env_var("PASSWORD").unwrap();
    assert_eq!(l.text(pw.span), "PASSWORD=s3cret");
    assert_eq!(l.line(pw.span), 7);
    assert_eq!(s.labels[0].0.value, "com.example.a");
    assert_eq!(s.labels[1].1.value.known(), Some(""));
    let m = l.svc("m");
    let a = m.env_var("A").unwrap();
    assert_eq!(l.text(a.name.span), "A");
    assert_eq!(l.text(a.value.as_ref().unwrap().span), "'1'");
    assert_eq!(l.text(a.span), "A: '1'");
    assert!(m.env_var("B").unwrap().value.is_none());
    assert_eq!(
        m.env_var("C")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value
            .known(),
        Some("true")
    );
    assert_eq!(
        m.env_var("D")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value
            .known(),
        Some("3.5")
    );
    assert_eq!(m.labels[0].1.value.known(), Some("y"));
}

#[test]
fn command_entrypoint_and_healthcheck() {
    let text = "\
services:
  a:
    image: x
    command: bundle exec 'thin server' -p 3000
    entrypoint: [\"/bin/sh\", \"-c\"]
    healthcheck:
      test: curl -f http://localhost
      interval: 30s
  b:
    image: x
    command: [\"npm\", \"start\"]
    healthcheck:
      test: [\"NONE\"]
  c:
    image: x
    healthcheck:
      disable: true
  d:
    image: x
    healthcheck:
      test: [\"CMD\", \"pg_isready\", \"-U\", \"$$POSTGRES_USER\"]
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let a = l.svc("a");
    let cmd: Vec<&str> = a
        .command
        .as_ref()
        .unwrap()
        .value
        .iter()
        .map(|w| w.display())
        .collect();
    assert_eq!(cmd, ["bundle", "exec", "thin server", "-p", "3000"]);
    assert_eq!(
        l.text(a.command.as_ref().unwrap().span),
        "bundle exec 'thin server' -p 3000"
    );
    let ep: Vec<&str> = a
        .entrypoint
        .as_ref()
        .unwrap()
        .value
        .iter()
        .map(|w| w.display())
        .collect();
    assert_eq!(ep, ["/bin/sh", "-c"]);
    let hc = a.healthcheck.as_ref().unwrap();
    assert!(!hc.value.disabled);
    assert_eq!(hc.value.test, ["CMD-SHELL", "curl -f http://localhost"]);
    assert!(l.svc("b").healthcheck.as_ref().unwrap().value.disabled);
    assert!(l.svc("c").healthcheck.as_ref().unwrap().value.disabled);
    let d = l.svc("d").healthcheck.as_ref().unwrap();
    assert_eq!(d.value.test, ["CMD", "pg_isready", "-U", "$POSTGRES_USER"]);
}

#[test]
fn resources_in_every_spelling() {
    let text = "\
services:
  a:
    image: x
    mem_limit: 512m
    memswap_limit: -1
    mem_reservation: 1gb
    cpus: 1.5
    cpu_quota: 50000
    cpu_period: 100ms
    cpu_shares: 512
    cpuset: 0-3
    pids_limit: 100
  b:
    image: x
    cpus: \"0.5\"
    mem_limit: \"2.5G\"
    deploy:
      resources:
        limits: {memory: 1g, cpus: '2', pids: 50}
  c:
    image: x
    deploy:
      resources:
        limits:
          memory: 256M
          cpus: 0.25
          pids: 20
        reservations:
          memory: 128M
      restart_policy:
        condition: on-failure
        max_attempts: 5
  d:
    image: x
    mem_limit: 1073741824
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let a = &l.svc("a").resources;
    assert_eq!(a.memory.as_ref().unwrap().value, 512 << 20);
    assert_eq!(l.text(a.memory.as_ref().unwrap().span), "512m");
    assert_eq!(a.memory_swap.as_ref().unwrap().value, -1);
    assert_eq!(a.memory_reservation.as_ref().unwrap().value, 1 << 30);
    assert_eq!(a.nano_cpus.as_ref().unwrap().value, 1_500_000_000);
    assert_eq!(a.cpu_quota.as_ref().unwrap().value, 50_000);
    assert_eq!(a.cpu_period.as_ref().unwrap().value, 100_000);
    assert_eq!(a.cpu_shares.as_ref().unwrap().value, 512);
    assert_eq!(a.cpuset_cpus.as_ref().unwrap().value, "0-3");
    assert_eq!(a.pids_limit.as_ref().unwrap().value, 100);
    let b = &l.svc("b").resources;
    assert_eq!(b.nano_cpus.as_ref().unwrap().value, 500_000_000);
    // The service-level key wins over deploy limits.
    assert_eq!(b.memory.as_ref().unwrap().value, 2_684_354_560);
    assert_eq!(b.pids_limit.as_ref().unwrap().value, 50);
    let c = l.svc("c");
    assert_eq!(c.resources.memory.as_ref().unwrap().value, 256 << 20);
    assert_eq!(l.text(c.resources.memory.as_ref().unwrap().span), "256M");
    assert_eq!(c.resources.nano_cpus.as_ref().unwrap().value, 250_000_000);
    assert_eq!(c.resources.pids_limit.as_ref().unwrap().value, 20);
    assert_eq!(
        c.resources.memory_reservation.as_ref().unwrap().value,
        128 << 20
    );
    assert_eq!(
        c.restart.as_ref().unwrap().value.known(),
        Some("on-failure:5")
    );
    assert_eq!(l.svc("d").resources.memory.as_ref().unwrap().value, 1 << 30);
}

#[test]
fn services_that_are_not_mappings_are_errors() {
    let text = "services:\n    image: docker\n  \nvolumes: {}\n";
    let l = mem(&[text]);
    assert_eq!(l.project().services.len(), 0);
    assert_eq!(l.errors.len(), 1);
    assert!(l.errors[0].message.contains("must be a mapping"));
    let l = mem(&["services: [a, b]\n"]);
    assert_eq!(l.errors.len(), 1);
    let l = mem(&["- just\n- a list\n"]);
    assert_eq!(l.errors.len(), 1);
    assert!(l.project().services.is_empty());
}

#[test]
fn empty_files_load_without_services() {
    let l = mem(&[""]);
    l.assert_no_errors();
    assert!(l.project().services.is_empty());
    let l = mem(&["# only a comment\n"]);
    l.assert_no_errors();
}

#[test]
fn project_name_from_the_name_key() {
    let l = mem(&["name: myproj\nservices: {}\n"]);
    assert_eq!(l.project().name, "myproj");
    let l = mem(&["services: {}\n"]);
    assert_eq!(l.project().name, "default");
}
