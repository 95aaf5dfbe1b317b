//! Interpolation from .env, --env-file and (optionally) the process environment.

mod common;

use common::{TempDir, disk, mem, mem_with};
use stockade_compose::LoadOptions;
use stockade_core::MountKind;

#[test]
fn unset_variables_are_unknown_never_guessed() {
    let text = "\
services:
  s:
    image: \"registry/${IMAGE_NAME}:${TAG:-latest}\"
    privileged: ${PRIV}
    read_only: ${RO:-true}
    user: ${APP_USER:?user required}
    mem_limit: ${MEM}
    cpus: ${CPUS:-0.5}
    cap_add: [\"${CAP}\"]
    ports:
      - \"${HOST_PORT}:80\"
      - \"${BIND_IP:-127.0.0.1}:${P2:-8080}:8080\"
      - \"$${LITERAL}:81\"
    volumes:
      - ${DATA_DIR}/db:/var/lib/db
      - ${VOL_NAME:-named}:/v
";
    let l = mem(&[text]);
    let s = l.svc("s");
    let img = &s.image.as_ref().unwrap().value;
    assert_eq!(img.value, None);
    assert_eq!(img.unresolved, vec!["IMAGE_NAME"]);
    assert_eq!(img.raw, "registry/${IMAGE_NAME}:${TAG:-latest}");
    assert!(s.image_ref.is_none());
    // Typed settings that cannot be resolved are listed, not dropped or guessed.
    assert!(s.privileged.is_none());
    let un: Vec<&str> = s.unresolved.iter().map(|u| u.value.as_str()).collect();
    assert_eq!(un, ["privileged", "cap_add"]);
    assert_eq!(l.text(s.unresolved[0].span), "${PRIV}");
    assert!(s.read_only.as_ref().unwrap().value);
    // `:?` on an unset variable is unknown, not an error.
    let user = &s.user.as_ref().unwrap().value;
    assert_eq!(user.value, None);
    assert_eq!(user.unresolved, vec!["APP_USER"]);
    assert!(s.resources.memory.is_none());
    assert_eq!(s.resources.unresolved[0].value, "mem_limit");
    assert_eq!(l.text(s.resources.unresolved[0].span), "${MEM}");
    assert_eq!(s.resources.nano_cpus.as_ref().unwrap().value, 500_000_000);
    let p = &s.ports;
    assert_eq!(p[0].unresolved.as_deref(), Some("${HOST_PORT}:80"));
    assert_eq!(p[0].container_port, (80, 80));
    assert_eq!(p[0].host_port, None);
    assert_eq!(p[1].unresolved, None);
    assert_eq!(p[1].host_ip.as_deref(), Some("127.0.0.1"));
    assert_eq!(p[1].host_port, Some((8080, 8080)));
    assert_eq!(p.len(), 2);
    assert!(l.errors.iter().any(|e| e.message.contains("invalid port")));
    let m = &s.mounts;
    assert_eq!(m[0].kind, MountKind::Bind);
    assert_eq!(m[0].source.as_ref().unwrap().value, None);
    assert_eq!(m[0].source.as_ref().unwrap().unresolved, vec!["DATA_DIR"]);
    assert_eq!(m[0].target.known(), Some("/var/lib/db"));
    assert_eq!(m[1].kind, MountKind::Volume);
    assert_eq!(m[1].source.as_ref().unwrap().known(), Some("named"));
}

#[test]
fn dot_env_beside_the_first_file_resolves_variables() {
    let dir = TempDir::new();
    dir.write(
        ".env",
        "TAG=1.2.3\nPRIV=true\nHOST_PORT=8080\nDATA=/srv/data\nSECRET='p@ss $NOT'\n",
    );
    let f = dir.write(
        "compose.yaml",
        "services:\n  s:\n    image: app:${TAG}\n    privileged: ${PRIV:-false}\n    ports: ['${HOST_PORT}:80']\n    volumes: ['${DATA}:/data']\n    environment:\n      - PW=${SECRET}\n",
    );
    let l = disk(&[f], &LoadOptions::default());
    l.assert_no_errors();
    let s = l.svc("s");
    assert_eq!(s.image.as_ref().unwrap().value.known(), Some("app:1.2.3"));
    assert_eq!(s.image_ref.as_ref().unwrap().tag.as_deref(), Some("1.2.3"));
    assert!(s.privileged.as_ref().unwrap().value);
    assert_eq!(s.ports[0].host_port, Some((8080, 8080)));
    assert_eq!(s.mounts[0].host_path().unwrap().known(), Some("/srv/data"));
    assert_eq!(
        s.env_var("PW")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value
            .known(),
        Some("p@ss $NOT")
    );
    // The .env file is registered as a project file.
    let p = l.project();
    assert_eq!(p.files.len(), 2);
    assert!(
        p.files
            .iter()
            .any(|&id| l.sources.get(id).unwrap().path.ends_with(".env"))
    );
}

#[test]
fn env_files_replace_dot_env_and_later_wins() {
    let dir = TempDir::new();
    dir.write(".env", "A=dotenv\nB=dotenv\n");
    let e1 = dir.write("one.env", "A=one\nB=one\n");
    let e2 = dir.write("two.env", "B=two\nC=${A}-two\n");
    let f = dir.write(
        "compose.yaml",
        "services:\n  s:\n    image: x\n    labels:\n      a: ${A}\n      b: ${B}\n      c: ${C}\n",
    );
    let opts = LoadOptions {
        env_files: vec![e1, e2],
        ..LoadOptions::default()
    };
    let l = disk(std::slice::from_ref(&f), &opts);
    l.assert_no_errors();
    let labels: Vec<Option<&str>> = l
        .svc("s")
        .labels
        .iter()
        .map(|(_, v)| v.value.known())
        .collect();
    assert_eq!(labels, [Some("one"), Some("two"), Some("one-two")]);

    // A missing --env-file is an input error (as in Compose).
    let opts = LoadOptions {
        env_files: vec![dir.0.join("missing.env")],
        ..LoadOptions::default()
    };
    let l = disk(&[f], &opts);
    assert_eq!(l.errors.len(), 1);
    assert!(l.errors[0].path.ends_with("missing.env"));
}

#[test]
fn process_environment_only_when_asked() {
    // PATH is set in every test environment.
    let text = "services:\n  s:\n    image: x\n    working_dir: /\n    labels:\n      p: ${PATH}\n";
    let l = mem(&[text]);
    assert_eq!(l.svc("s").labels[0].1.value.value, None);
    let opts = LoadOptions {
        use_process_env: true,
        ..LoadOptions::default()
    };
    let l = mem_with(&[text], &opts);
    let path = std::env::var("PATH").unwrap();
    assert_eq!(l.svc("s").labels[0].1.value.known(), Some(path.as_str()));
}

#[test]
fn escapes_keys_and_invalid_templates() {
    let text = "\
services:
  s:
    image: x
    command: [\"sh\", \"-c\", \"echo $$HOME $(date) cost: 5$\"]
    labels:
      ${NOT_INTERPOLATED}: value
    environment:
      BROKEN: \"${\"
";
    let l = mem(&[text]);
    let s = l.svc("s");
    let cmd: Vec<&str> = s
        .command
        .as_ref()
        .unwrap()
        .value
        .iter()
        .map(|w| w.display())
        .collect();
    assert_eq!(cmd, ["sh", "-c", "echo $HOME $(date) cost: 5$"]);
    // Keys are not interpolated.
    assert_eq!(s.labels[0].0.value, "${NOT_INTERPOLATED}");
    assert_eq!(l.errors.len(), 1, "{:#?}", l.errors);
    assert!(l.errors[0].message.contains("invalid interpolation"));
    assert_eq!(l.text(l.errors[0].span.unwrap()), "\"${\"");
    assert_eq!(
        s.env_var("BROKEN")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value
            .value,
        None
    );
}

#[test]
fn string_commands_with_unknown_variables_split_on_the_raw_text() {
    let text = "services:\n  s:\n    image: x\n    entrypoint: run --user ${RUN_AS} --mode ${MODE:-fast}\n";
    let l = mem(&[text]);
    let ep = &l.svc("s").entrypoint.as_ref().unwrap().value;
    let shown: Vec<(&str, Option<&str>)> = ep.iter().map(|w| (w.raw.as_str(), w.known())).collect();
    assert_eq!(
        shown,
        [
            ("run", Some("run")),
            ("--user", Some("--user")),
            ("${RUN_AS}", None),
            ("--mode", Some("--mode")),
            ("${MODE:-fast}", Some("fast")),
        ]
    );
}

#[test]
fn env_file_variables_become_the_service_environment() {
    let dir = TempDir::new();
    dir.write(".env", "DB=postgres\n");
    dir.write(
        "app.env",
        "# app settings\nDB_URL=${DB}://db\nAPI_KEY=abc123\nSHARED=from-file\n",
    );
    dir.write("extra.env", "EXTRA=1\n");
    let f = dir.write(
        "compose.yaml",
        "services:\n  s:\n    image: x\n    env_file:\n      - app.env\n      - path: ./optional.env\n        required: false\n      - extra.env\n    environment:\n      SHARED: inline\n  t:\n    image: x\n    env_file: app.env\n",
    );
    let l = disk(&[f], &LoadOptions::default());
    l.assert_no_errors();
    let s = l.svc("s");
    assert_eq!(s.env_files.len(), 3);
    assert_eq!(s.env_files[1].value.known(), Some("./optional.env"));
    let key = s.env_var("API_KEY").unwrap();
    assert_eq!(key.value.as_ref().unwrap().value.known(), Some("abc123"));
    assert_eq!(l.file_of(key.span), "app.env");
    assert_eq!(l.text(key.span), "API_KEY=abc123");
    assert_eq!(l.text(key.value.as_ref().unwrap().span), "abc123");
    assert_eq!(l.line(key.span), 3);
    assert_eq!(
        s.env_var("DB_URL")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value
            .known(),
        Some("postgres://db")
    );
    assert!(s.env_var("EXTRA").is_some());
    // `environment` wins over env_file.
    let shared = s.env_var("SHARED").unwrap();
    assert_eq!(shared.value.as_ref().unwrap().value.known(), Some("inline"));
    assert_eq!(l.file_of(shared.span), "compose.yaml");
    // The env file is read once and registered once.
    let t = l.svc("t");
    assert_eq!(t.env_var("API_KEY").unwrap().span, key.span);
    let env_files = l
        .project()
        .files
        .iter()
        .filter(|&&id| l.sources.get(id).unwrap().path.ends_with("app.env"))
        .count();
    assert_eq!(env_files, 1);
}
