//! Whole projects: anchors, multi-file merges, extends, include, errors,
//! suppressions, file-name helpers.

mod common;

use common::{TempDir, disk, mem};
use stockade_compose::{LoadOptions, default_override, is_compose_name, looks_like_compose};
use stockade_core::{Category, Finding, MountKind, Severity, Span};

#[test]
fn anchors_and_merge_keys_keep_the_anchor_spans() {
    let text = "\
x-common: &common
  restart: always
  privileged: true
  volumes:
    - /var/run/docker.sock:/var/run/docker.sock
x-limits: &limits
  mem_limit: 1g
  privileged: false
services:
  web:
    <<: [*common, *limits]
    image: nginx
  db:
    <<: *common
    privileged: false
    image: postgres
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let web = l.svc("web");
    let p = web.privileged.as_ref().unwrap();
    // The earlier merge source wins; the value points where it was written.
    assert!(p.value);
    assert_eq!(l.line(p.span), 3);
    assert_eq!(l.text(p.span), "true");
    assert_eq!(l.line(web.restart.as_ref().unwrap().span), 2);
    assert_eq!(l.line(web.mounts[0].span), 5);
    assert_eq!(web.resources.memory.as_ref().unwrap().value, 1 << 30);
    assert_eq!(l.line(web.resources.memory.as_ref().unwrap().span), 7);
    let db = l.svc("db");
    // Explicit keys win over merged ones.
    assert!(!db.privileged.as_ref().unwrap().value);
    assert_eq!(l.line(db.privileged.as_ref().unwrap().span), 15);
    assert_eq!(db.mounts.len(), 1);
    assert_eq!(l.text(db.anchor), "db");
    // x- extensions are not services.
    assert_eq!(l.project().services.len(), 2);
}

#[test]
fn alias_bomb_is_an_input_error() {
    let mut text = String::from("x-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    for w in names.windows(2) {
        let (p, c) = (w[0], w[1]);
        text.push_str(&format!(
            "x-{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        ));
    }
    text.push_str("services:\n  s:\n    image: x\n    labels: *j\n");
    let l = mem(&[&text]);
    assert!(l.project.is_none());
    assert_eq!(l.errors.len(), 1);
    assert!(
        l.errors[0].message.contains("alias"),
        "{}",
        l.errors[0].message
    );
    assert!(l.errors[0].span.is_some());
}

#[test]
fn invalid_yaml_is_reported_with_its_position_and_other_files_still_load() {
    let base = "services:\n  web:\n    image: nginx\n    privileged: true\n";
    let broken = "services:\n  web:\n    ports: [\"80:80\"\n    image: other\n";
    let l = mem(&[base, broken]);
    assert_eq!(l.errors.len(), 1);
    let e = &l.errors[0];
    assert_eq!(e.path, "f1.yaml");
    let at = l.sources.resolve(e.span.unwrap()).unwrap();
    assert!(at.start.line >= 3, "{at:?}");
    // The base file still loads.
    let web = l.svc("web");
    assert_eq!(web.image.as_ref().unwrap().value.known(), Some("nginx"));
    assert!(web.privileged.as_ref().unwrap().value);

    let l = mem(&["services:\n  a: 1\n  a: 2\n"]);
    let e = &l.errors[0];
    assert!(e.message.contains("duplicated"));
    assert_eq!(l.sources.resolve(e.span.unwrap()).unwrap().start.line, 3);
}

#[test]
fn override_files_merge_like_docker_compose() {
    let base = "\
services:
  web:
    image: app:1
    command: [serve]
    ports: ['80:80']
    expose: ['3000']
    cap_add: [NET_ADMIN]
    security_opt: ['label:disable']
    dns: [1.1.1.1]
    environment:
      A: base
      B: base
    labels: [x=1]
    volumes:
      - ./code:/app
      - logs:/logs
    devices: ['/dev/a:/dev/a']
    sysctls: {net.core.somaxconn: 1024}
  db:
    image: postgres
";
    let over = "\
services:
  web:
    image: app:2
    command: [serve, --debug]
    ports: ['80:80', '127.0.0.1:9229:9229']
    expose: ['3000', '4000']
    cap_add: [NET_ADMIN, SYS_PTRACE]
    security_opt: ['seccomp:unconfined']
    environment:
      - B=override
      - C=new
    labels: {x: '2', y: '3'}
    volumes:
      - /host/code:/app:ro
    devices: ['/dev/b:/dev/a']
    sysctls: [net.core.somaxconn=2048]
    privileged: true
  cache:
    image: redis
";
    let l = mem(&[base, over]);
    l.assert_no_errors();
    let p = l.project();
    let names: Vec<&str> = p.services.iter().map(|s| s.subject.as_str()).collect();
    assert_eq!(names, ["web", "db", "cache"]);
    let web = l.svc("web");
    assert_eq!(web.image.as_ref().unwrap().value.known(), Some("app:2"));
    assert_eq!(web.image.as_ref().unwrap().span.file, l.project().files[1]);
    let cmd: Vec<&str> = web
        .command
        .as_ref()
        .unwrap()
        .value
        .iter()
        .map(|w| w.display())
        .collect();
    assert_eq!(cmd, ["serve", "--debug"]);
    assert_eq!(web.ports.len(), 2);
    let ex: Vec<&str> = web.expose.iter().map(|e| e.value.display()).collect();
    assert_eq!(ex, ["3000", "4000"]);
    let caps: Vec<&str> = web.cap_add.iter().map(|c| c.value.as_str()).collect();
    assert_eq!(caps, ["NET_ADMIN", "SYS_PTRACE"]);
    assert_eq!(web.security_opt.len(), 2);
    let env: Vec<(&str, &str)> = web
        .env
        .iter()
        .map(|e| {
            (
                e.name.value.as_str(),
                e.value.as_ref().unwrap().value.display(),
            )
        })
        .collect();
    assert_eq!(env, [("A", "base"), ("B", "override"), ("C", "new")]);
    let labels: Vec<(&str, &str)> = web
        .labels
        .iter()
        .map(|(k, v)| (k.value.as_str(), v.value.display()))
        .collect();
    assert_eq!(labels, [("x", "2"), ("y", "3")]);
    // Volumes merge by target: the override replaces /app, keeps /logs.
    assert_eq!(web.mounts.len(), 2);
    assert_eq!(
        web.mounts[0].source.as_ref().unwrap().known(),
        Some("/host/code")
    );
    assert!(web.mounts[0].read_only);
    assert_eq!(l.file_of(web.mounts[0].span), "f1.yaml");
    assert_eq!(web.mounts[1].kind, MountKind::Volume);
    // Devices merge by container path.
    assert_eq!(web.devices.len(), 1);
    assert_eq!(web.devices[0].host, "/dev/b");
    assert_eq!(web.sysctls.len(), 1);
    assert_eq!(web.sysctls[0].1.value.known(), Some("2048"));
    assert!(web.privileged.as_ref().unwrap().value);
}

#[test]
fn multiple_documents_in_one_file_merge() {
    let text = "services:\n  a:\n    image: one\n---\nservices:\n  a:\n    privileged: true\n";
    let l = mem(&[text]);
    l.assert_no_errors();
    let a = l.svc("a");
    assert_eq!(a.image.as_ref().unwrap().value.known(), Some("one"));
    assert!(a.privileged.as_ref().unwrap().value);
}

#[test]
fn extends_in_the_same_file() {
    let text = "\
services:
  base:
    image: app
    privileged: true
    environment: {A: '1'}
    volumes: ['/etc:/host-etc:ro']
  web:
    extends: base
    environment: {B: '2'}
    volumes: ['/data:/data']
  worker:
    extends:
      service: web
    privileged: false
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let web = l.svc("web");
    assert_eq!(web.image.as_ref().unwrap().value.known(), Some("app"));
    assert!(web.privileged.as_ref().unwrap().value);
    assert_eq!(l.line(web.privileged.as_ref().unwrap().span), 4);
    assert_eq!(web.env.len(), 2);
    assert_eq!(web.mounts.len(), 2);
    assert_eq!(l.text(web.anchor), "web");
    let worker = l.svc("worker");
    assert!(!worker.privileged.as_ref().unwrap().value);
    assert_eq!(worker.mounts.len(), 2);
    assert_eq!(worker.env.len(), 2);
}

#[test]
fn extends_errors_cycles_and_missing_services() {
    let text = "\
services:
  a:
    extends: b
    image: x
  b:
    extends: a
  c:
    extends: nowhere
    image: y
";
    let l = mem(&[text]);
    assert!(
        l.errors.iter().any(|e| e.message.contains("cycle")),
        "{:#?}",
        l.errors
    );
    assert!(
        l.errors.iter().any(|e| e.message.contains("not found")),
        "{:#?}",
        l.errors
    );
    assert_eq!(l.svc("c").image.as_ref().unwrap().value.known(), Some("y"));
}

#[test]
fn extends_from_another_file() {
    let dir = TempDir::new();
    dir.write(
        "common/base.yml",
        "services:\n  hardened:\n    image: base:1\n    read_only: true\n    cap_drop: [ALL]\n    env_file: base.env\n  risky:\n    extends: hardened\n    privileged: true\n",
    );
    dir.write("common/base.env", "FROM_BASE=1\n");
    let f = dir.write(
        "compose.yaml",
        "services:\n  web:\n    extends:\n      file: common/base.yml\n      service: hardened\n    image: web:2\n  admin:\n    extends: {file: ./common/base.yml, service: risky}\n  self:\n    extends: {file: compose.yaml, service: web}\n    user: nobody\n",
    );
    let l = disk(&[f], &LoadOptions::default());
    l.assert_no_errors();
    let web = l.svc("web");
    assert_eq!(web.image.as_ref().unwrap().value.known(), Some("web:2"));
    let ro = web.read_only.as_ref().unwrap();
    assert!(ro.value);
    assert_eq!(l.file_of(ro.span), "base.yml");
    assert_eq!(web.cap_drop[0].value, "ALL");
    // env_file paths in the extended file are relative to that file.
    let v = web.env_var("FROM_BASE").unwrap();
    assert_eq!(l.file_of(v.span), "base.env");
    let admin = l.svc("admin");
    assert!(admin.privileged.as_ref().unwrap().value);
    assert_eq!(admin.image.as_ref().unwrap().value.known(), Some("base:1"));
    let me = l.svc("self");
    assert_eq!(me.image.as_ref().unwrap().value.known(), Some("web:2"));
    assert_eq!(me.user.as_ref().unwrap().value.known(), Some("nobody"));
    // base.yml was read once.
    let reads = l
        .project()
        .files
        .iter()
        .filter(|&&id| l.sources.get(id).unwrap().path.ends_with("base.yml"))
        .count();
    assert_eq!(reads, 1);

    // A missing file is an input error; the service is still read.
    let g = dir.write(
        "other.yaml",
        "services:\n  s:\n    extends: {file: nope.yml, service: x}\n    image: z\n",
    );
    let l = disk(&[g], &LoadOptions::default());
    assert_eq!(l.errors.len(), 1);
    assert!(l.errors[0].message.contains("nope.yml"));
    assert_eq!(l.svc("s").image.as_ref().unwrap().value.known(), Some("z"));
}

#[test]
fn extends_file_cycles_are_errors() {
    let dir = TempDir::new();
    dir.write(
        "a.yml",
        "services:\n  a:\n    extends: {file: b.yml, service: b}\n",
    );
    dir.write(
        "b.yml",
        "services:\n  b:\n    extends: {file: a.yml, service: a}\n",
    );
    let f = dir.0.join("a.yml");
    let l = disk(&[f], &LoadOptions::default());
    assert!(
        l.errors
            .iter()
            .any(|e| e.message.contains("cycle") || e.message.contains("deeply")),
        "{:#?}",
        l.errors
    );
}

#[test]
fn include_imports_services_with_their_own_environment() {
    let dir = TempDir::new();
    dir.write(".env", "TAG=main\n");
    dir.write("db/.env", "DB_TAG=15\n");
    dir.write(
        "db/compose.yaml",
        "services:\n  db:\n    image: postgres:${DB_TAG}\n    volumes: [dbdata:/var/lib/postgresql/data]\nvolumes:\n  dbdata:\n    driver_opts: {o: bind, device: /srv/db, type: none}\n",
    );
    dir.write(
        "cache/c.yaml",
        "services:\n  cache:\n    image: redis:${CACHE_TAG}\n    privileged: true\n",
    );
    dir.write("cache/c.env", "CACHE_TAG=7\n");
    let f = dir.write(
        "compose.yaml",
        "include:\n  - db/compose.yaml\n  - path: cache/c.yaml\n    env_file: cache/c.env\nservices:\n  web:\n    image: web:${TAG}\n",
    );
    let l = disk(&[f], &LoadOptions::default());
    l.assert_no_errors();
    let names: Vec<&str> = l
        .project()
        .services
        .iter()
        .map(|s| s.subject.as_str())
        .collect();
    assert_eq!(names, ["web", "db", "cache"]);
    assert_eq!(
        l.svc("web").image.as_ref().unwrap().value.known(),
        Some("web:main")
    );
    let db = l.svc("db");
    assert_eq!(
        db.image.as_ref().unwrap().value.known(),
        Some("postgres:15")
    );
    assert_eq!(l.file_of(db.anchor), "compose.yaml");
    assert!(l.sources.get(db.anchor.file).unwrap().path.contains("db"));
    assert_eq!(db.mounts[0].host_path().unwrap().known(), Some("/srv/db"));
    let cache = l.svc("cache");
    assert_eq!(cache.image.as_ref().unwrap().value.known(), Some("redis:7"));
    assert!(cache.privileged.as_ref().unwrap().value);
}

#[test]
fn include_conflicts_and_cycles_are_errors() {
    let dir = TempDir::new();
    dir.write("inc.yaml", "services:\n  web:\n    image: included\n");
    dir.write(
        "loop.yaml",
        "include: [compose.yaml]\nservices:\n  l:\n    image: l\n",
    );
    let f = dir.write(
        "compose.yaml",
        "include: [inc.yaml, loop.yaml]\nservices:\n  web:\n    image: mine\n",
    );
    let l = disk(&[f], &LoadOptions::default());
    assert!(
        l.errors
            .iter()
            .any(|e| e.message.contains("conflicting service")),
        "{:#?}",
        l.errors
    );
    assert!(
        l.errors.iter().any(|e| e.message.contains("cycle")),
        "{:#?}",
        l.errors
    );
    assert_eq!(
        l.svc("web").image.as_ref().unwrap().value.known(),
        Some("mine")
    );
    assert!(l.project().services.iter().any(|s| s.subject == "l"));
}

#[test]
fn relative_references_without_a_directory_are_errors() {
    let l = mem(&[
        "include: [x.yaml]\nservices:\n  s:\n    image: x\n    extends: {file: y.yaml, service: z}\n",
    ]);
    assert_eq!(l.errors.len(), 2, "{:#?}", l.errors);
    assert!(l.svc("s").image.is_some());
}

fn finding(span: Span) -> Finding {
    Finding {
        rule: "SKD-PRIV-001",
        category: Category::Privileged,
        severity: Severity::High,
        title: "t",
        message: "m".into(),
        span: Some(span),
        locator: None,
        subject: "s".into(),
        aliases: &[],
    }
}

#[test]
fn suppression_comments_reach_the_specs() {
    let text = "\
services:
  web:
    image: x
    # stockade: ignore=SKD-PRIV-001 -- needed for the VPN
    privileged: true
    volumes:
      # stockade: ignore=docker-socket
      - /var/run/docker.sock:/var/run/docker.sock
  # stockade: ignore=all -- throwaway debug service
  debug:
    image: y
    privileged: true
  other:
    image: z
    privileged: true
";
    let l = mem(&[text]);
    l.assert_no_errors();
    let web = l.svc("web");
    let sup = &web.suppressions;
    assert_eq!(sup.items.len(), 3);
    assert!(sup.is_suppressed(&finding(web.privileged.as_ref().unwrap().span)));
    assert_eq!(sup.items[0].reason.as_deref(), Some("needed for the VPN"));
    let mut sock = finding(web.mounts[0].span);
    sock.category = Category::DockerSocket;
    sock.rule = "SKD-SOCK-001";
    assert!(sup.is_suppressed(&sock));
    // The whole debug service is covered, including findings on its key.
    let debug = l.svc("debug");
    assert!(
        debug
            .suppressions
            .is_suppressed(&finding(debug.privileged.as_ref().unwrap().span))
    );
    assert!(debug.suppressions.is_suppressed(&finding(debug.anchor)));
    // Other services are not.
    let other = l.svc("other");
    assert!(
        !other
            .suppressions
            .is_suppressed(&finding(other.privileged.as_ref().unwrap().span))
    );

    let l = mem(&[
        "# stockade: ignore-file=privileged\nservices:\n  s:\n    image: x\n    privileged: true\n",
    ]);
    let s = l.svc("s");
    assert!(
        s.suppressions
            .is_suppressed(&finding(s.privileged.as_ref().unwrap().span))
    );
}

#[test]
fn file_name_helpers() {
    for yes in [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.yaml",
        "docker-compose.prod.yml",
        "compose.override.yaml",
        "compose-dev.yaml",
        "app.compose.yml",
        "Docker-Compose.YML",
    ] {
        assert!(is_compose_name(yes), "{yes}");
    }
    for no in [
        "config.yaml",
        "compose.json",
        "docker-compose",
        "values.yml",
        "kompose.yaml",
    ] {
        assert!(!is_compose_name(no), "{no}");
    }
    assert!(looks_like_compose("services:\n  web:\n    image: nginx\n"));
    assert!(looks_like_compose(
        "version: '3'\nservices:\n  web:\n    build: .\n"
    ));
    assert!(!looks_like_compose("services:\n  - image\n"));
    assert!(!looks_like_compose(
        "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - image: x\n"
    ));
    assert!(!looks_like_compose(
        "services:\n  web:\n    ports: [80]\n# image build\n"
    ));
    assert!(!looks_like_compose("services: [unclosed\n  image: x\n"));
}

#[test]
fn default_override_files() {
    let dir = TempDir::new();
    let base = dir.write("compose.yaml", "services: {}\n");
    assert_eq!(default_override(&base), None);
    let o = dir.write("compose.override.yaml", "services: {}\n");
    assert_eq!(default_override(&base), Some(o.clone()));
    dir.write("compose.override.yml", "services: {}\n");
    // compose.override.yml is looked for first, as docker compose does.
    assert_eq!(
        default_override(&base),
        Some(dir.0.join("compose.override.yml"))
    );
    let other = dir.write("prod.yaml", "services: {}\n");
    assert_eq!(default_override(&other), None);
    let legacy = TempDir::new();
    let b = legacy.write("docker-compose.yml", "services: {}\n");
    let o = legacy.write("docker-compose.override.yml", "services: {}\n");
    assert_eq!(default_override(&b), Some(o));
}

#[test]
fn project_name_defaults_to_the_directory() {
    let dir = TempDir::new();
    let sub = dir.0.join("My_App-1");
    std::fs::create_dir_all(&sub).unwrap();
    let f = sub.join("compose.yaml");
    std::fs::write(&f, "services:\n  s:\n    image: x\n").unwrap();
    let l = disk(&[f], &LoadOptions::default());
    assert_eq!(l.project().name, "my_app-1");
}

#[test]
fn unreadable_files_are_input_errors() {
    let dir = TempDir::new();
    let good = dir.write("compose.yaml", "services:\n  s:\n    image: x\n");
    let l = disk(&[good, dir.0.join("missing.yaml")], &LoadOptions::default());
    assert_eq!(l.errors.len(), 1);
    assert!(l.errors[0].path.ends_with("missing.yaml"));
    assert!(l.project().services.len() == 1);
    let l = disk(&[dir.0.join("missing.yaml")], &LoadOptions::default());
    assert!(l.project.is_none());
    assert_eq!(l.errors.len(), 1);
}

/// The same file run through `docker-compose config` (1.29.2) gave:
/// web: image `x:def--$${LIT}` (i.e. `x:def--${LIT}`), privileged true,
/// restart always, mem_limit 1g, environment A=1 and B=2, volumes
/// `/data:/data` and `/etc:/host-etc:ro`.
#[test]
fn agrees_with_docker_compose_config_on_merge_keys_extends_and_defaults() {
    let dir = TempDir::new();
    dir.write(".env", "TAG=1.2\nEMPTY=\n");
    let f = dir.write(
        "c.yml",
        "version: \"3.8\"
x-common: &common
  restart: always
  privileged: true
x-limits: &limits
  privileged: false
  mem_limit: 1g
services:
  base:
    image: base:${TAG}
    environment: {A: \"1\"}
    volumes: ['/etc:/host-etc:ro']
  web:
    <<: [*common, *limits]
    extends: base
    image: \"x:${EMPTY:-def}-${EMPTY-def}-$${LIT}\"
    environment: {B: \"2\"}
    volumes: ['/data:/data']
",
    );
    let l = disk(&[f], &LoadOptions::default());
    l.assert_no_errors();
    assert_eq!(
        l.svc("base").image.as_ref().unwrap().value.known(),
        Some("base:1.2")
    );
    let web = l.svc("web");
    assert_eq!(
        web.image.as_ref().unwrap().value.known(),
        Some("x:def--${LIT}")
    );
    assert!(web.privileged.as_ref().unwrap().value);
    assert_eq!(web.restart.as_ref().unwrap().value.known(), Some("always"));
    assert_eq!(web.resources.memory.as_ref().unwrap().value, 1 << 30);
    let env: Vec<(&str, &str)> = web
        .env
        .iter()
        .map(|e| {
            (
                e.name.value.as_str(),
                e.value.as_ref().unwrap().value.display(),
            )
        })
        .collect();
    assert_eq!(env, [("A", "1"), ("B", "2")]);
    let mut targets: Vec<&str> = web.mounts.iter().map(|m| m.target.display()).collect();
    targets.sort();
    assert_eq!(targets, ["/data", "/host-etc"]);
}

#[test]
fn crlf_and_non_ascii_files_keep_byte_spans() {
    let text = "# café ☕\r\nservices:\r\n  wéb:\r\n    image: \"ñginx:1\"  # ünïcode\r\n    privileged: true\r\n";
    let l = mem(&[text]);
    l.assert_no_errors();
    let s = l.svc("wéb");
    assert_eq!(l.text(s.anchor), "wéb");
    assert_eq!(l.text(s.image.as_ref().unwrap().span), "\"ñginx:1\"");
    let p = s.privileged.as_ref().unwrap();
    assert_eq!(l.text(p.span), "true");
    let at = l.sources.resolve(p.span).unwrap();
    assert_eq!((at.start.line, at.start.column), (5, 17));
}
