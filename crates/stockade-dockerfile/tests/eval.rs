//! Evaluation into `BuildSpec`: scopes, expansion, stages, users, scripts,
//! suppressions.

mod common;

use common::{at, file, pos};
use stockade_core::build::*;
use stockade_core::shell::{Command, Script};
use stockade_core::suppress::PragmaKind;
use stockade_core::value::Expanded;
use stockade_dockerfile::{EvalOptions, evaluate};

fn eval(
    text: &str,
) -> (
    std::sync::Arc<stockade_core::span::SourceFile>,
    BuildSpec,
    Vec<stockade_core::finding::InputError>,
) {
    eval_with(text, &EvalOptions::default())
}

fn eval_with(
    text: &str,
    opts: &EvalOptions,
) -> (
    std::sync::Arc<stockade_core::span::SourceFile>,
    BuildSpec,
    Vec<stockade_core::finding::InputError>,
) {
    let f = file(text);
    let (spec, errs) = evaluate(&f, opts);
    (f, spec, errs)
}

fn args(pairs: &[(&str, &str)]) -> EvalOptions {
    EvalOptions {
        build_args: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..Default::default()
    }
}

fn user(spec: &BuildSpec, stage: usize) -> Option<Expanded> {
    spec.stages[stage]
        .instructions
        .iter()
        .rev()
        .find_map(|i| match &i.kind {
            InstrKind::User(u) => Some(u.value.clone()),
            _ => None,
        })
}

fn kind_of(spec: &BuildSpec, stage: usize, n: usize) -> &InstrKind {
    &spec.stages[stage].instructions[n].kind
}

#[test]
fn global_args_are_visible_in_from_only() {
    let (f, spec, errs) =
        eval("ARG BASE=debian\nARG VER=12\nFROM ${BASE}:${VER}-slim AS app\nUSER $BASE\n");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(spec.global_args.len(), 2);
    assert_eq!(spec.global_args[0].name.value, "BASE");
    assert_eq!(at(&f, spec.global_args[0].name.span), "BASE");
    assert_eq!(
        spec.global_args[1].effective.as_ref().unwrap().known(),
        Some("12")
    );
    let from = &spec.stages[0].from;
    assert_eq!(from.image.value.known(), Some("debian:12-slim"));
    assert_eq!(from.image.value.raw, "${BASE}:${VER}-slim");
    assert_eq!(at(&f, from.image.span), "${BASE}:${VER}-slim");
    let BaseImage::Image(r) = &from.base else {
        panic!("{:?}", from.base)
    };
    assert_eq!(
        (r.repository.as_str(), r.tag.as_deref()),
        ("library/debian", Some("12-slim"))
    );
    // The stage did not re-declare BASE: unknown (the base image may set it).
    let u = user(&spec, 0).unwrap();
    assert_eq!(u.value, None);
    assert_eq!(u.unresolved, ["BASE"]);
}

#[test]
fn stage_redeclaration_takes_the_global_value() {
    let (_, spec, errs) = eval("ARG U=app\nFROM a\nARG U\nUSER $U\n");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(user(&spec, 0).unwrap().known(), Some("app"));
    let InstrKind::Arg(defs) = kind_of(&spec, 0, 0) else {
        panic!()
    };
    assert_eq!(defs[0].default, None);
    assert_eq!(defs[0].effective.as_ref().unwrap().known(), Some("app"));
    assert!(!defs[0].overridden);
}

#[test]
fn build_args_override_declared_args_only() {
    let opts = args(&[("U", "root"), ("UNDECLARED", "x"), ("VER", "3.20")]);
    let (_, spec, errs) = eval_with(
        "ARG VER=3.19\nFROM alpine:$VER\nARG U=app\nUSER $U\nWORKDIR /$UNDECLARED\n",
        &opts,
    );
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(spec.stages[0].from.image.value.known(), Some("alpine:3.20"));
    assert!(spec.global_args[0].overridden);
    assert_eq!(user(&spec, 0).unwrap().known(), Some("root"));
    let InstrKind::Arg(defs) = kind_of(&spec, 0, 0) else {
        panic!()
    };
    assert!(defs[0].overridden);
    assert_eq!(defs[0].default.as_ref().unwrap().value.known(), Some("app"));
    let InstrKind::Workdir(w) = kind_of(&spec, 0, 2) else {
        panic!()
    };
    assert_eq!(w.value.value, None);
    assert_eq!(w.value.unresolved, ["UNDECLARED"]);
}

#[test]
fn arg_without_value_is_unknown_never_guessed() {
    let (_, spec, _) = eval("FROM a\nARG RUN_AS\nUSER ${RUN_AS:-nobody}\n");
    let u = user(&spec, 0).unwrap();
    assert_eq!(u.value, None);
    assert_eq!(u.unresolved, ["RUN_AS"]);
    assert_eq!(u.raw, "${RUN_AS:-nobody}");
}

#[test]
fn expansion_operators_through_env_and_arg() {
    let text = concat!(
        "FROM a\n",
        "ENV SET=v EMPTY=\n",
        "ARG DEF=d\n",
        "LABEL a=${SET:-x} b=${EMPTY:-x} c=${EMPTY-x} d=${SET:+y} e=${EMPTY:+y} f=${EMPTY+y} g=${DEF}${DEF}\n",
    );
    let (_, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let InstrKind::Label(kvs) = kind_of(&spec, 0, 2) else {
        panic!()
    };
    let got: Vec<(&str, Option<&str>)> = kvs
        .iter()
        .map(|kv| {
            (
                kv.key.value.as_str(),
                kv.value.as_ref().unwrap().value.known(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a", Some("v")),
            ("b", Some("x")),
            ("c", Some("")),
            ("d", Some("y")),
            ("e", Some("")),
            ("f", Some("y")),
            ("g", Some("dd")),
        ]
    );
}

#[test]
fn quotes_and_escapes_in_values() {
    let (_, spec, errs) =
        eval("FROM a\nENV H=/home\nENV A='$H' B=\"$H/x\" C=\\$H D=a\\ b E=\"a \\\"q\\\"\"\n");
    assert!(errs.is_empty(), "{errs:?}");
    let InstrKind::Env(kvs) = kind_of(&spec, 0, 1) else {
        panic!()
    };
    let got: Vec<Option<&str>> = kvs
        .iter()
        .map(|kv| kv.value.as_ref().unwrap().value.known())
        .collect();
    assert_eq!(
        got,
        [
            Some("$H"),
            Some("/home/x"),
            Some("$H"),
            Some("a b"),
            Some("a \"q\"")
        ]
    );
    assert_eq!(kvs[1].value.as_ref().unwrap().value.raw, "$H/x");
}

#[test]
fn env_pairs_see_values_from_before_the_instruction() {
    let (_, spec, _) = eval("FROM a\nENV X=old\nENV X=new Y=$X\nENV Z=$Y\nENV LEGACY a b  c\n");
    let InstrKind::Env(kvs) = kind_of(&spec, 0, 1) else {
        panic!()
    };
    assert_eq!(kvs[1].value.as_ref().unwrap().value.known(), Some("old"));
    let InstrKind::Env(kvs) = kind_of(&spec, 0, 2) else {
        panic!()
    };
    assert_eq!(kvs[0].value.as_ref().unwrap().value.known(), Some("old"));
    let InstrKind::Env(kvs) = kind_of(&spec, 0, 3) else {
        panic!()
    };
    assert_eq!(kvs[0].key.value, "LEGACY");
    assert_eq!(kvs[0].value.as_ref().unwrap().value.known(), Some("a b  c"));
}

#[test]
fn which_instructions_expand() {
    let text = concat!(
        "FROM a\n",
        "ENV D=/srv P=8080 S=SIGTERM U=app\n",
        "WORKDIR $D\n",
        "EXPOSE $P\n",
        "STOPSIGNAL $S\n",
        "VOLUME $D/data\n",
        "COPY --chown=$U:$U --from=$U $D/a $D/b\n",
        "RUN echo $D\n",
        "CMD echo $D\n",
        "ONBUILD USER $U\n",
    );
    let (_, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let k = |n| kind_of(&spec, 0, n);
    let InstrKind::Workdir(w) = k(1) else {
        panic!()
    };
    assert_eq!(w.value.known(), Some("/srv"));
    let InstrKind::Expose(e) = k(2) else { panic!() };
    assert_eq!(e[0].value.known(), Some("8080"));
    let InstrKind::StopSignal(s) = k(3) else {
        panic!()
    };
    assert_eq!(s.value.known(), Some("SIGTERM"));
    let InstrKind::Volume(v) = k(4) else { panic!() };
    assert_eq!(v[0].value.known(), Some("/srv/data"));
    let InstrKind::Copy(c) = k(5) else { panic!() };
    assert_eq!(c.chown.as_ref().unwrap().value.known(), Some("app:app"));
    assert_eq!(c.from.as_ref().unwrap().value.known(), Some("app"));
    assert_eq!(c.sources[0].value.known(), Some("/srv/a"));
    assert_eq!(c.dest.as_ref().unwrap().value.known(), Some("/srv/b"));
    // RUN and CMD are not expanded by the builder: the text stays as written.
    let InstrKind::Run(r) = k(6) else { panic!() };
    assert_eq!(r.text.as_ref().unwrap().value, "echo $D");
    let InstrKind::Cmd(CommandForm::Shell { text, .. }) = k(7) else {
        panic!()
    };
    assert_eq!(text.value, "echo $D");
    // ONBUILD runs in another build: nothing expands now.
    let InstrKind::Onbuild(inner) = k(8) else {
        panic!()
    };
    let InstrKind::User(u) = &inner.kind else {
        panic!()
    };
    assert_eq!(u.value.value, None);
    assert_eq!(inner.keyword.value, "USER");
    // ... and it does not change this stage's user.
    assert_eq!(spec.stages[0].user, EffectiveUser::BaseDefault);
}

#[test]
fn predefined_platform_args() {
    let text = "FROM --platform=$BUILDPLATFORM golang AS b\nARG TARGETARCH\nENV A=$TARGETARCH B=$TARGETOS\n";
    let (f, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let p = spec.stages[0].from.platform.as_ref().unwrap();
    assert_eq!(p.value.value, None);
    assert_eq!(p.value.unresolved, ["BUILDPLATFORM"]);
    assert_eq!(at(&f, p.span), "$BUILDPLATFORM");
    let (_, spec, _) = eval_with(
        text,
        &args(&[("BUILDPLATFORM", "linux/amd64"), ("TARGETARCH", "arm64")]),
    );
    assert_eq!(
        spec.stages[0].from.platform.as_ref().unwrap().value.known(),
        Some("linux/amd64")
    );
    let InstrKind::Env(kvs) = kind_of(&spec, 0, 1) else {
        panic!()
    };
    assert_eq!(kvs[0].value.as_ref().unwrap().value.known(), Some("arm64"));
    // TARGETOS was not declared in the stage: unknown even though predefined.
    assert_eq!(
        kvs[1].value.as_ref().unwrap().value.unresolved,
        ["TARGETOS"]
    );
}

#[test]
fn undeclared_variables_in_from_are_empty() {
    let (_, spec, errs) = eval("FROM ${BASE:-debian}:${VER:-12}\n");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(spec.stages[0].from.image.value.known(), Some("debian:12"));
    // Declared without a default: may be passed with --build-arg, so unknown.
    let (_, spec, _) = eval("ARG VER\nFROM python:${VER}\n");
    assert_eq!(spec.stages[0].from.base, BaseImage::Unknown);
    assert_eq!(spec.stages[0].from.image.value.unresolved, ["VER"]);
    let (_, spec, _) = eval_with("ARG VER\nFROM python:${VER}\n", &args(&[("VER", "3.12")]));
    assert!(
        matches!(&spec.stages[0].from.base, BaseImage::Image(r) if r.tag.as_deref() == Some("3.12"))
    );
    // BuildKit refuses a blank base name; we keep going and let a rule say so.
    let (_, spec, errs) = eval("FROM $NOTHING\n");
    assert!(errs.is_empty(), "{errs:?}");
    assert!(
        matches!(&spec.stages[0].from.base, BaseImage::Invalid(m) if m.contains("is blank")),
        "{:?}",
        spec.stages[0].from.base
    );
}

#[test]
fn stages_names_targets_and_bases() {
    let text = concat!(
        "FROM golang:1.23 AS Build\n",
        "RUN go build\n",
        "FROM scratch AS base\n",
        "FROM build AS test\n",
        "FROM gcr.io/distroless/static\n",
        "COPY --from=BUILD /out /app\n",
        "COPY --from=0 /a /b\n",
        "COPY --from=nginx:1.27 /etc/nginx /etc/nginx\n",
        "COPY --from=$X /a /b\n",
        "COPY . /src\n",
    );
    let (f, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(spec.stages.len(), 4);
    assert_eq!(spec.stages[0].name.as_ref().unwrap().value, "Build");
    assert_eq!(spec.stages[1].from.base, BaseImage::Scratch);
    assert_eq!(spec.stages[2].from.base, BaseImage::Stage(0));
    assert!(matches!(&spec.stages[3].from.base, BaseImage::Image(r) if r.registry == "gcr.io"));
    assert_eq!(spec.final_stage, Some(3));
    assert_eq!(spec.stage_by_name("build").unwrap().index, 0);
    let srcs: Vec<CopySource> = spec.stages[3]
        .copies()
        .map(|(_, c)| spec.copy_source(c))
        .collect();
    assert_eq!(srcs[0], CopySource::Stage(0));
    assert_eq!(srcs[1], CopySource::Stage(0));
    assert!(matches!(&srcs[2], CopySource::Image(r) if r.repository == "library/nginx"));
    assert_eq!(srcs[3], CopySource::Unknown);
    assert_eq!(srcs[4], CopySource::Context);
    // Stage spans run from FROM to the end of the last instruction.
    assert_eq!(
        at(&f, spec.stages[0].span),
        "FROM golang:1.23 AS Build\nRUN go build"
    );
    assert_eq!(spec.stages[0].label(), "stage 'Build'");

    let opts = EvalOptions {
        target: Some("TEST".into()),
        ..Default::default()
    };
    let (_, spec, errs) = eval_with(text, &opts);
    assert!(errs.is_empty());
    assert_eq!(spec.final_stage, Some(2));
    assert_eq!(spec.final_chain(), [2, 0]);
    let opts = EvalOptions {
        target: Some("nope".into()),
        ..Default::default()
    };
    let (_, spec, errs) = eval_with(text, &opts);
    assert_eq!(spec.final_stage, None);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("target stage `nope` not found"));
}

#[test]
fn repeated_stage_names_refer_to_the_latest_stage() {
    // BuildKit accepts them (its linter warns); the last one wins.
    let (_, spec, errs) = eval("FROM a AS x\nFROM b AS X\nFROM x\nCOPY --from=x /a /b\n");
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(spec.stages[2].from.base, BaseImage::Stage(1));
    let (_, c) = spec.stages[2].copies().next().unwrap();
    assert_eq!(spec.copy_source(c), CopySource::Stage(1));
    assert_eq!(spec.stage_by_name("x").unwrap().index, 1);
}

#[test]
fn effective_user_per_stage() {
    let text = concat!(
        "FROM debian AS base\n",
        "USER root\n",
        "USER 1000\n",
        "FROM base AS child\n",
        "RUN true\n",
        "FROM base AS reset\n",
        "USER app\n",
        "FROM alpine\n",
    );
    let (f, spec, _) = eval(text);
    let EffectiveUser::Set { value, stage } = &spec.stages[0].user else {
        panic!()
    };
    assert_eq!((value.value.known(), *stage), (Some("1000"), 0));
    assert_eq!(at(&f, value.span), "1000");
    let EffectiveUser::Set { value, stage } = &spec.stages[1].user else {
        panic!()
    };
    assert_eq!((value.value.known(), *stage), (Some("1000"), 0));
    let EffectiveUser::Set { stage, .. } = &spec.stages[2].user else {
        panic!()
    };
    assert_eq!(*stage, 2);
    assert_eq!(spec.stages[3].user, EffectiveUser::BaseDefault);
}

#[test]
fn env_is_inherited_from_parent_stages_but_args_are_not() {
    let (_, spec, _) = eval("FROM a AS one\nENV E=e\nARG A=a\nFROM one\nUSER $E:$A\n");
    let u = user(&spec, 1).unwrap();
    assert_eq!(u.value, None);
    assert_eq!(u.unresolved, ["A"]);
    let (_, spec, _) = eval("FROM a AS one\nENV E=e\nFROM one\nUSER $E\n");
    assert_eq!(user(&spec, 1).unwrap().known(), Some("e"));
    // FROM scratch: the base sets nothing, so undeclared variables are empty.
    let (_, spec, _) = eval("FROM scratch\nUSER x$NOPE\n");
    assert_eq!(user(&spec, 0).unwrap().known(), Some("x"));
}

#[test]
fn instructions_before_from() {
    let (f, spec, errs) = eval("ARG OK=1\nRUN echo\nENV A=1\nFROM a\n");
    assert_eq!(spec.global_args.len(), 1);
    assert_eq!(errs.len(), 2);
    assert!(errs[0].message.contains("RUN before the first FROM"));
    assert_eq!(pos(&f, &errs[0]), (2, 1));
    let (_, spec, errs) = eval("ARG A=1\n");
    assert!(spec.stages.is_empty() && spec.final_stage.is_none());
    assert!(errs[0].message.contains("no FROM"));
}

#[test]
fn run_flags_mounts_network_security() {
    let text = "FROM a\nRUN --mount=type=secret,id=npmrc,target=/root/.npmrc --mount=type=cache,target=/var/cache/apt,sharing=locked --mount=target=/src,ro --network=none --security=insecure npm ci\n";
    let (f, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let (instr, run) = spec.stages[0].runs().next().unwrap();
    assert_eq!(run.mounts.len(), 3);
    assert_eq!(run.mounts[0].kind, "secret");
    assert_eq!(run.mounts[0].option("id"), Some("npmrc"));
    assert_eq!(
        at(&f, run.mounts[0].span),
        "--mount=type=secret,id=npmrc,target=/root/.npmrc"
    );
    assert_eq!(run.mounts[1].option("sharing"), Some("locked"));
    assert_eq!(run.mounts[2].kind, "bind");
    assert_eq!(run.network.as_ref().unwrap().value, "none");
    assert_eq!(at(&f, run.security.as_ref().unwrap().span), "insecure");
    assert_eq!(
        instr
            .flag("network")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .known(),
        Some("none")
    );
    let (_, _, errs) = eval("FROM a\nRUN --network=bridge --security=weird --mount=type=nfs x\n");
    assert_eq!(errs.len(), 3, "{errs:?}");
}

fn commands(s: &Script) -> Vec<String> {
    let mut out = Vec::new();
    for item in &s.items {
        for p in std::iter::once(&item.first).chain(item.rest.iter().map(|(_, p)| p)) {
            for c in &p.commands {
                if let Command::Simple(sc) = c
                    && let Some(w) = sc.words.first()
                {
                    out.push(format!("{}@{}", w.span.start, w.span.end));
                }
            }
        }
    }
    out
}

fn first_words(f: &stockade_core::span::SourceFile, s: &Script) -> Vec<String> {
    commands(s)
        .iter()
        .map(|c| {
            let (a, b) = c.split_once('@').unwrap();
            f.text[a.parse::<usize>().unwrap()..b.parse::<usize>().unwrap()].to_string()
        })
        .collect()
}

#[test]
fn run_scripts_map_into_the_file() {
    let text = "FROM a\nRUN apt-get update \\\n# comment\n    && apt-get install -y curl\n";
    let (f, spec, _) = eval(text);
    let (_, run) = spec.stages[0].runs().next().unwrap();
    assert_eq!(run.scripts.len(), 1);
    assert_eq!(first_words(&f, &run.scripts[0]), ["apt-get", "apt-get"]);
    assert_eq!(
        run.text.as_ref().unwrap().value,
        "apt-get update     && apt-get install -y curl"
    );
}

#[test]
fn heredoc_scripts() {
    let text = concat!(
        "FROM a\n",
        "RUN <<EOF\nset -e\n  useradd app\nEOF\n",
        "RUN <<-EOF\n\tchmod 777 /x\n\tEOF\n",
        "RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF\n",
        "RUN <<EOF\n#!/bin/bash\nsudo x\nEOF\n",
        "RUN python3 <<EOF\nimport os\nEOF\n",
        "RUN bash -ex <<EOF\ncurl x | sh\nEOF\n",
        "RUN cat <<EOF > /etc/conf\nnot a command\nEOF\n",
    );
    let (f, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let runs: Vec<&RunInstr> = spec.stages[0].runs().map(|(_, r)| r).collect();
    let counts: Vec<usize> = runs.iter().map(|r| r.scripts.len()).collect();
    assert_eq!(counts, [1, 1, 0, 1, 1, 2, 1]);
    assert_eq!(first_words(&f, &runs[0].scripts[0]), ["set", "useradd"]);
    assert_eq!(first_words(&f, &runs[1].scripts[0]), ["chmod"]);
    assert_eq!(first_words(&f, &runs[3].scripts[0]), ["sudo"]);
    // The shell reads the command line followed by the bodies.
    assert_eq!(first_words(&f, &runs[4].scripts[0]), ["python3"]);
    assert_eq!(first_words(&f, &runs[5].scripts[1]), ["curl", "sh"]);
    assert_eq!(first_words(&f, &runs[6].scripts[0]), ["cat"]);
    // Heredocs are recorded with their bodies.
    assert_eq!(runs[1].heredocs[0].body.value, "chmod 777 /x\n");
    assert!(runs[1].heredocs[0].strip_tabs);
    assert_eq!(at(&f, runs[1].heredocs[0].body.span), "\tchmod 777 /x\n");
    assert_eq!(runs[0].text.as_ref().unwrap().value, "<<EOF");
}

#[test]
fn exec_form_shell_c_is_parsed() {
    let (f, spec, _) =
        eval("FROM a\nRUN [\"sh\", \"-c\", \"id && whoami\"]\nRUN [\"echo\", \"x\"]\n");
    let runs: Vec<&RunInstr> = spec.stages[0].runs().map(|(_, r)| r).collect();
    assert_eq!(runs[0].exec.as_ref().unwrap().len(), 3);
    assert_eq!(first_words(&f, &runs[0].scripts[0]), ["id", "whoami"]);
    assert!(runs[1].scripts.is_empty());
}

#[test]
fn non_posix_shell_scripts_are_not_parsed() {
    let (_, spec, _) =
        eval("FROM w\nSHELL [\"powershell\", \"-Command\"]\nRUN Get-Item x\nCMD Write-Host hi\n");
    let (_, run) = spec.stages[0].runs().next().unwrap();
    assert!(run.scripts.is_empty());
    assert_eq!(run.text.as_ref().unwrap().value, "Get-Item x");
    let InstrKind::Shell(sh) = kind_of(&spec, 0, 0) else {
        panic!()
    };
    assert_eq!(sh[0].value, "powershell");
}

#[test]
fn cmd_entrypoint_healthcheck_forms() {
    let text = "FROM a\nCMD [\"app\", \"--serve\"]\nENTRYPOINT exec app\nHEALTHCHECK --interval=5s CMD curl -f localhost || exit 1\nHEALTHCHECK NONE\nCMD ['bad']\n";
    let (f, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let InstrKind::Cmd(CommandForm::Exec(v)) = kind_of(&spec, 0, 0) else {
        panic!()
    };
    assert_eq!(v[1].value, "--serve");
    let InstrKind::Entrypoint(CommandForm::Shell { text, script }) = kind_of(&spec, 0, 1) else {
        panic!()
    };
    assert_eq!(text.value, "exec app");
    assert_eq!(first_words(&f, script), ["exec"]);
    let InstrKind::Healthcheck(Some(CommandForm::Shell { text, .. })) = kind_of(&spec, 0, 2) else {
        panic!()
    };
    assert_eq!(at(&f, text.span), "curl -f localhost || exit 1");
    assert!(matches!(kind_of(&spec, 0, 3), InstrKind::Healthcheck(None)));
    let last = &spec.stages[0].instructions[4];
    assert!(last.json_fallback);
    assert!(matches!(
        last.kind,
        InstrKind::Cmd(CommandForm::Shell { .. })
    ));
    assert!(!spec.stages[0].instructions[0].json_fallback);
}

#[test]
fn copy_and_add_details() {
    let text = "FROM a\nCOPY --link --chmod=0644 a b /dst/\nADD --checksum=sha256:00 https://x/y.tgz /y\nCOPY <<EOF <<-T /etc/\nbody\nEOF\n\tt\n\tT\nCOPY [\"with space\", \"/d\"]\n";
    let (f, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let copies: Vec<&CopyInstr> = spec.stages[0].copies().map(|(_, c)| c).collect();
    assert!(copies[0].link && !copies[0].is_add);
    assert_eq!(copies[0].sources.len(), 2);
    assert_eq!(at(&f, copies[0].chmod.as_ref().unwrap().span), "0644");
    assert!(copies[1].is_add);
    assert_eq!(
        copies[1].checksum.as_ref().unwrap().value.known(),
        Some("sha256:00")
    );
    assert!(copies[2].sources.is_empty());
    assert_eq!(
        copies[2].dest.as_ref().unwrap().value.known(),
        Some("/etc/")
    );
    let docs: Vec<(&str, &str)> = copies[2]
        .heredocs
        .iter()
        .map(|h| (h.delimiter.as_str(), h.body.value.as_str()))
        .collect();
    assert_eq!(docs, [("EOF", "body\n"), ("T", "t\n")]);
    assert_eq!(copies[3].sources[0].value.known(), Some("with space"));
    assert_eq!(at(&f, copies[3].sources[0].span), "\"with space\"");
}

#[test]
fn expansion_errors_have_positions() {
    let (f, _, errs) = eval(
        "FROM a\nUSER ${oops\nENV X=\nWORKDIR ${X:?must be set}\nWORKDIR ${Y:?unknown, not an error}\n",
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(pos(&f, &errs[0]), (2, 6));
    assert!(errs[1].message.contains("must be set"), "{errs:?}");
    assert_eq!(pos(&f, &errs[1]), (4, 9));
}

#[test]
fn directives_and_escape_reach_the_spec() {
    let (_, spec, _) = eval("# syntax=docker/dockerfile:1\n# escape=`\nFROM a\n");
    assert_eq!(spec.escape, '`');
    assert_eq!(spec.directives.len(), 2);
    assert_eq!(spec.directives[0].name, "syntax");
    assert_eq!(spec.directives[0].value, "docker/dockerfile:1");
}

#[test]
fn suppression_pragmas() {
    let text = concat!(
        "# stockade: ignore-file=SKD999 -- whole file\n",
        "# hadolint global ignore=DL3006\n",
        "# checkov:skip=CKV_DOCKER_3:no healthcheck\n",
        "\n",
        "# stockade: ignore-stage=SKD101\n",
        "# hadolint stage ignore=DL3002\n",
        "FROM debian AS build\n",
        "# stockade: ignore=SKD200,SKD201 -- needed\n",
        "# a plain comment between\n",
        "# trivy:ignore:DS-0002\n",
        "# trivy:ignore:DS-0029\n",
        "USER root\n",
        "# hadolint ignore=DL3008\n",
        "\n",
        "RUN apt-get install x\n",
        "FROM alpine\n",
        "RUN x\n",
    );
    let (f, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    let items = &spec.suppressions.items;
    let summary: Vec<(PragmaKind, Vec<&str>, Option<&str>)> = items
        .iter()
        .map(|s| {
            (
                s.kind,
                s.ids.iter().map(String::as_str).collect(),
                s.scope.map(|sc| at(&f, sc).lines().next().unwrap_or("")),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (PragmaKind::Stockade, vec!["SKD999"], None),
            (PragmaKind::Hadolint, vec!["DL3006"], None),
            (PragmaKind::Checkov, vec!["CKV_DOCKER_3"], None),
            (
                PragmaKind::Stockade,
                vec!["SKD101"],
                Some("FROM debian AS build")
            ),
            (
                PragmaKind::Hadolint,
                vec!["DL3002"],
                Some("FROM debian AS build")
            ),
            (
                PragmaKind::Stockade,
                vec!["SKD200", "SKD201"],
                Some("USER root")
            ),
            (PragmaKind::Trivy, vec!["DS-0002"], Some("USER root")),
            (PragmaKind::Trivy, vec!["DS-0029"], Some("USER root")),
        ]
    );
    // Stage scope: the whole first stage; instruction scope: just the USER line.
    assert_eq!(items[3].scope.unwrap(), spec.stages[0].span);
    assert_eq!(at(&f, items[5].scope.unwrap()), "USER root");
    assert_eq!(items[5].reason.as_deref(), Some("needed"));
    assert_eq!(items[2].reason.as_deref(), Some("no healthcheck"));
    assert_eq!(at(&f, items[6].comment), "# trivy:ignore:DS-0002");
}

#[test]
fn needed_stages_follow_from_copy_and_mounts() {
    let text = concat!(
        "FROM alpine:3 AS tools\n",
        "FROM golang:1 AS build\n",
        "RUN --mount=from=tools,target=/t true\n",
        "FROM debian:12 AS unused\n",
        "FROM build AS test\n",
        "FROM scratch\n",
        "COPY --from=test /a /a\n",
    );
    let (_, spec, errs) = eval(text);
    assert!(errs.is_empty(), "{errs:?}");
    assert_eq!(spec.needed_stages(), vec![0, 1, 3, 4]);
    let (_, spec, _) = eval_with(
        text,
        &EvalOptions {
            target: Some("unused".into()),
            ..Default::default()
        },
    );
    assert_eq!(spec.needed_stages(), vec![2]);
    // An unresolvable --from may name any earlier stage.
    let (_, spec, _) =
        eval("FROM a:1 AS x\nFROM b:1 AS y\nFROM c:1\nARG S\nCOPY --from=$S /a /a\n");
    assert_eq!(spec.needed_stages(), vec![0, 1, 2]);
}
