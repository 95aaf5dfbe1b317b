//! Finding invocations in scripts, Makefiles and Dockerfiles; variables.

use stockade_core::span::{FileId, SourceFile};
use stockade_core::{ContainerSpec, MountKind};
use stockade_dockercli::{ScriptKind, is_run_invocation, spec_from_args, specs_from_script};

fn scan(text: &str, kind: ScriptKind) -> Vec<ContainerSpec> {
    let f = SourceFile::new(FileId(2), "x", None, text.to_string());
    let (specs, errors) = specs_from_script(&f, kind);
    assert!(errors.is_empty(), "{errors:?}");
    specs
}

fn images(specs: &[ContainerSpec]) -> Vec<String> {
    specs
        .iter()
        .map(|s| s.image.as_ref().unwrap().value.display().to_string())
        .collect()
}

#[test]
fn finds_invocations_everywhere_they_run() {
    let s = r#"#!/bin/sh
set -e
docker pull a && docker run -d a1
sudo docker run b1 | tee log
exec docker run c1
command docker run d1
x=$(docker run --rm e1 cat /etc/os-release)
start() {
  docker run f1
}
if [ "$1" = up ]; then
  docker \
    run \
    g1
fi
sh -c 'docker run h1'
bash -c "docker run -v /:/host i1"
eval "docker run j1"
sudo -E env A=1 nice -n 5 podman create k1
for i in 1 2; do docker run l1; done
"#;
    let specs = scan(s, ScriptKind::Shell);
    assert_eq!(
        images(&specs),
        [
            "a1", "b1", "c1", "d1", "e1", "f1", "g1", "h1", "i1", "j1", "k1", "l1"
        ]
    );
    // The inline `sh -c` spec points into the quoted text.
    let h = &specs[7];
    assert_eq!(&s[h.image.as_ref().unwrap().span.range()], "h1");
    assert_eq!(&s[h.anchor.range()], "docker run");
    let g = &specs[6];
    assert_eq!(&s[g.anchor.range()], "docker \\\n    run");
}

#[test]
fn text_that_does_not_run_is_not_an_invocation() {
    let s = r#"
echo "docker run --privileged x"
printf '%s\n' docker run y
grep "docker run" README.md
# docker run commented
cat <<EOF
docker run in-heredoc
EOF
docker_run_helper z
mydocker run w
: docker run colon
command -v docker
"#;
    assert!(scan(s, ScriptKind::Shell).is_empty());
}

#[test]
fn variables_from_simple_assignments() {
    let s = r#"
IMG=app:1.2
PORT=8080
export DATA=/srv/data
OPTS="-p 9090:90 --privileged"
NAME="web"
docker run -d --name "$NAME" -p $PORT:80 -v ${DATA}:/data $OPTS "$IMG"
docker run ${IMAGE:-fallback}
docker run $HOME_IMG
"#;
    let specs = scan(s, ScriptKind::Shell);
    assert_eq!(specs.len(), 3);
    let a = &specs[0];
    assert_eq!(a.image.as_ref().unwrap().value.known(), Some("app:1.2"));
    assert_eq!(a.image_ref.as_ref().unwrap().tag.as_deref(), Some("1.2"));
    assert_eq!(a.subject, "web");
    assert_eq!(a.ports[0].host_port, Some((8080, 8080)));
    assert_eq!(a.ports[1].host_port, Some((9090, 9090)));
    assert!(a.privileged.as_ref().unwrap().value);
    assert_eq!(a.mounts[0].kind, MountKind::Bind);
    assert_eq!(
        a.mounts[0].source.as_ref().unwrap().known(),
        Some("/srv/data")
    );
    // Unknown variables stay unknown, defaults are not taken.
    let b = &specs[1];
    assert!(!b.image.as_ref().unwrap().value.is_known());
    assert_eq!(b.image.as_ref().unwrap().value.unresolved, ["IMAGE"]);
    assert!(b.image_ref.is_none());
    let c = &specs[2];
    assert_eq!(c.image.as_ref().unwrap().value.raw, "$HOME_IMG");
}

#[test]
fn conditional_and_loop_assignments_are_not_trusted() {
    let s = r#"
IMG=a
if x; then IMG=b; fi
docker run $IMG
TAG=1
for TAG in 2 3; do docker run app:$TAG; done
read -r USER_IMG
docker run $USER_IMG
V=$(cat version)
docker run app:$V
W=1
unset W
docker run app:$W
"#;
    let specs = scan(s, ScriptKind::Shell);
    assert_eq!(specs.len(), 5);
    for s in &specs {
        assert!(!s.image.as_ref().unwrap().value.is_known(), "{:?}", s.image);
    }
}

#[test]
fn option_bags_are_unknown_not_images() {
    let specs = scan(
        "docker run $DOCKER_OPTS \"$@\" -d nginx\n",
        ScriptKind::Shell,
    );
    assert_eq!(specs.len(), 1);
    assert_eq!(
        specs[0].image.as_ref().unwrap().value.known(),
        Some("nginx")
    );
    let opts: Vec<&str> = specs[0]
        .unresolved
        .iter()
        .map(|u| u.value.as_str())
        .collect();
    assert_eq!(opts, ["options", "options"]);
}

#[test]
fn docker_host_from_flag_or_environment() {
    let s = "export DOCKER_HOST=tcp://1.2.3.4:2375\ndocker run a\nDOCKER_HOST=ssh://u@h docker run b\ndocker -H unix:///x run c\n";
    let specs = scan(s, ScriptKind::Shell);
    let hosts: Vec<String> = specs
        .iter()
        .map(|s| s.docker_host.as_ref().unwrap().value.display().to_string())
        .collect();
    assert_eq!(hosts, ["tcp://1.2.3.4:2375", "ssh://u@h", "unix:///x"]);
    assert_eq!(
        &s[specs[0].docker_host.as_ref().unwrap().span.range()],
        "DOCKER_HOST=tcp://1.2.3.4:2375"
    );
}

#[test]
fn suppression_comments_apply() {
    let s = "# stockade: ignore=SKD-PRIV-001 -- test rig\ndocker run --privileged \\\n  img\n";
    let specs = scan(s, ScriptKind::Shell);
    let sup = &specs[0].suppressions.items;
    assert_eq!(sup.len(), 1);
    assert_eq!(sup[0].ids, ["SKD-PRIV-001"]);
    let scope = sup[0].scope.unwrap();
    assert!(scope.contains(specs[0].privileged.as_ref().unwrap().span));
    assert!(scope.contains(specs[0].image.as_ref().unwrap().span));
}

#[test]
fn makefile_recipes() {
    let mk = "IMAGE := myorg/app:1.0\nPORTS = -p 80:80\nTAG ?= latest\n\n.PHONY: run\nrun: build\n\t@docker run -d $(PORTS) \\\n\t  -v $$(pwd):/src $(IMAGE)\n\t-docker run --rm myorg/tool:$(TAG)\n\techo \"docker run not-me\"\n\nshell: ; docker run -it ${IMAGE} sh\n\n# docker run commented\nrelease:\n\tdocker run $(shell cat img.txt) $@\n";
    let specs = scan(mk, ScriptKind::Makefile);
    assert_eq!(specs.len(), 4, "{specs:#?}");
    let a = &specs[0];
    assert_eq!(
        a.image.as_ref().unwrap().value.known(),
        Some("myorg/app:1.0")
    );
    assert_eq!(a.ports[0].host_port, Some((80, 80)));
    assert_eq!(a.mounts[0].kind, MountKind::Bind);
    assert_eq!(a.mounts[0].source.as_ref().unwrap().raw, "$(pwd)");
    // Spans land in the Makefile: the anchor, the -v flag, the substituted image.
    assert_eq!(&mk[a.anchor.range()], "docker run");
    assert_eq!(&mk[a.mounts[0].span.range()], "-v $$(pwd):/src");
    assert_eq!(&mk[a.image.as_ref().unwrap().span.range()], "$(IMAGE)");
    assert_eq!(&mk[a.ports[0].span.range()], "$(PORTS)");
    // `?=` is not trusted.
    let b = &specs[1];
    assert!(!b.image.as_ref().unwrap().value.is_known());
    assert_eq!(b.image.as_ref().unwrap().value.raw, "myorg/tool:$TAG");
    // Inline recipe after `;`.
    assert_eq!(
        specs[2].image.as_ref().unwrap().value.known(),
        Some("myorg/app:1.0")
    );
    // `$(shell …)` is unknown.
    assert!(!specs[3].image.as_ref().unwrap().value.is_known());
}

#[test]
fn makefile_curdir_is_the_working_directory() {
    // A command kept in a variable that uses `$(CURDIR)` expands in the
    // recipes that use it; `$(CURDIR)` and `$(shell pwd)` become `${PWD}`.
    let mk = "IMAGE := org/build:1.0\nRUN := docker run --rm \\\n\t-v \"$(CURDIR):/src\" \\\n\t-w /src \\\n\t$(IMAGE)\n\nbuild:\n\t$(RUN) make all\n\ntest:\n\tdocker run -v $(shell pwd)/out:/out org/test:2\n";
    let specs = scan(mk, ScriptKind::Makefile);
    assert_eq!(
        images(&specs),
        ["org/build:1.0", "org/test:2"],
        "{specs:#?}"
    );
    assert_eq!(specs[0].mounts[0].source.as_ref().unwrap().raw, "$PWD");
    assert_eq!(specs[1].mounts[0].source.as_ref().unwrap().raw, "$PWD/out");
    assert_eq!(&mk[specs[0].anchor.range()], "$(RUN)");
}

#[test]
fn dockerfile_run_lines() {
    let df = "FROM docker:cli\nRUN apk add curl \\\n  # comment inside\n  && docker run --privileged -v /:/host alpine\nRUN [\"docker\", \"run\", \"exec-form-ignored\"]\nCMD docker run not-a-run-line\n";
    let specs = scan(df, ScriptKind::DockerfileRun);
    assert_eq!(images(&specs), ["alpine"]);
    assert_eq!(
        &df[specs[0].privileged.as_ref().unwrap().span.range()],
        "--privileged"
    );
    assert_eq!(&df[specs[0].mounts[0].span.range()], "-v /:/host");
}

#[test]
fn spec_from_args_api() {
    let text = "docker run --user $U -p 80:80 img";
    let parsed = stockade_shell::parse_file(text, FileId(0));
    let cmd = parsed.script.simple_commands()[0].clone();
    assert!(is_run_invocation(&cmd.words));
    let anchor = cmd.words[0].span.to(cmd.words[1].span);
    let vars = |n: &str| (n == "U").then(|| "1000".to_string());
    let spec = spec_from_args(&cmd.words, anchor, &vars).unwrap();
    assert_eq!(spec.user.as_ref().unwrap().value.known(), Some("1000"));
    assert_eq!(spec.anchor, anchor);
    let none = |_: &str| None;
    let spec = spec_from_args(&cmd.words, anchor, &none).unwrap();
    assert!(!spec.user.as_ref().unwrap().value.is_known());
    let parsed = stockade_shell::parse_file("docker ps -a", FileId(0));
    let cmd = parsed.script.simple_commands()[0].clone();
    assert!(spec_from_args(&cmd.words, anchor, &none).is_err());
    assert!(!is_run_invocation(&cmd.words));
}

#[test]
fn files_without_docker_are_skipped_and_syntax_errors_reported() {
    assert!(scan("echo hi (", ScriptKind::Shell).is_empty());
    let f = SourceFile::new(
        FileId(3),
        "bad.sh",
        None,
        "docker run a\nif x; then\n".to_string(),
    );
    let (specs, errors) = specs_from_script(&f, ScriptKind::Shell);
    assert_eq!(specs.len(), 1);
    assert_eq!(errors.len(), 1);
    assert!(errors[0].message.starts_with("shell syntax:"));
    assert_eq!(errors[0].path, "bad.sh");
}

#[test]
fn random_scripts_never_panic() {
    let tokens = [
        "docker",
        "run",
        "-d",
        "-v",
        "-p",
        "--mount",
        "a:b",
        "$X",
        "${Y:-z}",
        "'q'",
        "\"",
        "=",
        ":",
        "-e",
        "--privileged=",
        "\\\n",
        "\n",
        ";",
        "|",
        "&&",
        "sudo",
        "-H",
        "container",
        "$(",
        ")",
        "[::1]:",
        "80",
        "-",
        "--",
        ",",
        "type=bind",
        "\t",
        "$$",
        "$(IMG)",
        "@",
        "ro",
    ];
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..3000 {
        let mut s = String::from("docker run ");
        for _ in 0..(x % 24) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            s.push_str(tokens[(x % tokens.len() as u64) as usize]);
            s.push(if x & 8 == 0 { ' ' } else { ':' });
        }
        for kind in [ScriptKind::Shell, ScriptKind::Makefile] {
            let text = if kind == ScriptKind::Makefile {
                format!("all:\n\t{s}\n")
            } else {
                s.clone()
            };
            let f = SourceFile::new(FileId(0), "r", None, text.clone());
            let (specs, _) = specs_from_script(&f, kind);
            for sp in specs {
                assert!(sp.anchor.end as usize <= text.len());
                for m in &sp.mounts {
                    assert!(m.span.end as usize <= text.len(), "{text:?}");
                }
            }
        }
    }
}
