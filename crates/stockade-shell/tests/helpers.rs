//! The tree helpers rules use: literal/lossy/expand, command names and
//! wrappers, the walker, and nested `sh -c` scripts.

use stockade_core::shell::{Script, SimpleCommand, SubstKind, Word};
use stockade_core::span::FileId;
use stockade_shell::{inline_script, parse_file, parse_word_as_script};

fn ok(s: &str) -> Script {
    let r = parse_file(s, FileId(0));
    assert!(r.errors.is_empty(), "{s:?}: {:?}", r.errors);
    r.script
}

fn words(s: &str) -> Vec<Word> {
    let script = ok(s);
    script.simple_commands()[0].words.clone()
}

fn first(s: &str) -> SimpleCommand {
    ok(s).simple_commands()[0].clone()
}

#[test]
fn literal_and_lossy() {
    let w = words(r#"x 'a'"b"c ${V:-d} "$(id -u)" $V/x ${V}y `a b` $((1+2)) "q $1""#);
    assert_eq!(w[1].literal().as_deref(), Some("abc"));
    assert!(w[1].is_literal());
    assert_eq!(w[2].literal(), None);
    assert_eq!(w[2].lossy(), "${V:-d}");
    assert_eq!(w[3].lossy(), "$(id -u)");
    assert!(w[3].has_substitution());
    assert_eq!(w[4].lossy(), "$V/x");
    assert_eq!(w[5].lossy(), "${V}y");
    assert_eq!(w[6].lossy(), "$(a b)");
    assert_eq!(w[7].lossy(), "$((1+2))");
    assert_eq!(w[8].lossy(), "q $1");
    assert_eq!(w[8].params(), ["1"]);
    assert!(w[1].is("abc"));
    assert!(!w[2].is("${V:-d}"));
}

#[test]
fn expand_operators() {
    let lookup = |n: &str| match n {
        "SET" => Some("val".to_string()),
        "EMPTY" => Some(String::new()),
        _ => None,
    };
    let cases = [
        ("$SET", Some("val")),
        ("${SET}x", Some("valx")),
        ("\"$SET\"-'$SET'", Some("val-$SET")),
        ("$UNSET", None),
        ("${UNSET:-def}", Some("def")),
        ("${EMPTY:-def}", Some("def")),
        ("${EMPTY-def}", Some("")),
        ("${UNSET-def}", Some("def")),
        ("${SET:-def}", Some("val")),
        ("${SET:+alt}", Some("alt")),
        ("${EMPTY:+alt}", Some("")),
        ("${EMPTY+alt}", Some("alt")),
        ("${UNSET+alt}", Some("")),
        ("${UNSET:-$SET/x}", Some("val/x")),
        ("${UNSET:-$OTHER}", None),
        ("${SET#v}", None),
        ("$(id)", None),
        ("$((1))", None),
        ("plain", Some("plain")),
    ];
    for (src, want) in cases {
        let w = &words(&format!("x {src}"))[1];
        assert_eq!(w.expand(&lookup).as_deref(), want, "{src}");
    }
}

#[test]
fn command_names() {
    assert_eq!(first("/usr/bin/curl -s x").name().as_deref(), Some("curl"));
    assert_eq!(first("A=1 ./run.sh").name().as_deref(), Some("run.sh"));
    assert_eq!(first("$CMD x").name(), None);
    assert_eq!(first(">x").name(), None);
    assert_eq!(
        first("'apt-get' install").name().as_deref(),
        Some("apt-get")
    );
}

fn eff(s: &str) -> Option<(String, Vec<String>)> {
    let c = first(s);
    c.effective()
        .map(|(n, args)| (n, args.iter().map(|w| w.lossy()).collect()))
}

#[test]
fn effective_looks_through_wrappers() {
    let cases: &[(&str, &str, &[&str])] = &[
        ("curl -s x", "curl", &["-s", "x"]),
        ("sudo curl x", "curl", &["x"]),
        (
            "sudo -u root -E -- /usr/bin/docker run x",
            "docker",
            &["run", "x"],
        ),
        ("sudo -Eu app docker ps", "docker", &["ps"]),
        ("sudo -uapp --preserve-env=A docker ps", "docker", &["ps"]),
        ("sudo --user app FOO=1 docker ps", "docker", &["ps"]),
        ("env -i A=b PATH=/x -u C docker ps", "docker", &["ps"]),
        ("env docker", "docker", &[]),
        ("exec -a name docker run", "docker", &["run"]),
        ("command docker run", "docker", &["run"]),
        ("command -p docker run", "docker", &["run"]),
        ("builtin echo x", "echo", &["x"]),
        ("nohup docker run &", "docker", &["run"]),
        ("time -p docker run", "docker", &["run"]),
        ("nice -n 10 docker run", "docker", &["run"]),
        ("nice -5 docker run", "docker", &["run"]),
        ("timeout -s KILL 10s docker run", "docker", &["run"]),
        ("timeout --kill-after=5 30 docker run", "docker", &["run"]),
        ("stdbuf -oL -e 0 docker logs", "docker", &["logs"]),
        ("xargs -n 1 -I {} docker rm {}", "docker", &["rm", "{}"]),
        ("xargs -0r docker rm", "docker", &["rm"]),
        (
            "sudo env A=1 nice -n 5 timeout 5 docker run",
            "docker",
            &["run"],
        ),
        ("gosu app node server.js", "node", &["server.js"]),
        ("su-exec 1000:1000 app", "app", &[]),
        ("tini -- app --flag", "app", &["--flag"]),
        ("doas -u root docker ps", "docker", &["ps"]),
        // Wrappers with nothing to run are the command.
        ("sudo -l", "sudo", &["-l"]),
        ("env", "env", &[]),
        ("xargs", "xargs", &[]),
        // `command -v` looks up, it does not run.
        ("command -v docker", "command", &["-v", "docker"]),
        // `su -c` is not a wrapper.
        ("su -c 'curl x' app", "su", &["-c", "curl x", "app"]),
    ];
    for (src, name, args) in cases {
        let (n, a) = eff(src).unwrap_or_else(|| panic!("{src}: None"));
        assert_eq!(n, *name, "{src}");
        assert_eq!(a, *args, "{src}");
    }
    // An expansion as the effective command is unknown.
    assert_eq!(eff("sudo $DOCKER run"), None);
    assert_eq!(eff("env -S 'docker run'"), None);
}

fn walk_names(s: &str) -> Vec<(String, Option<SubstKind>, Option<String>, usize)> {
    let script = ok(s);
    let mut out = Vec::new();
    script.walk(&mut |ctx| {
        out.push((
            ctx.cmd.name().unwrap_or_default(),
            ctx.subst.map(|s| s.kind),
            ctx.function.map(str::to_string),
            ctx.index,
        ));
    });
    out
}

#[test]
fn walker_visits_everything() {
    let s = r#"
f() { X=$(curl a) wget b | tee c; }
if [[ $(id -u) == 0 ]]; then (sub); fi
for i in $(seq 3); do { grp; }; done
case $(uname) in *) arm;; esac
cat < <(proc) > >(out) 2>"$(errf)"
echo "${V:-$(dflt)}" `bt`
cat <<EOF
$(hd)
EOF
"#;
    let got = walk_names(s);
    let names: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "wget", "curl", "tee", "id", "sub", "seq", "grp", "uname", "arm", "cat", "proc", "out",
            "errf", "echo", "dflt", "bt", "cat", "hd"
        ]
    );
    // Function and substitution context.
    assert_eq!(got[0].2.as_deref(), Some("f"));
    assert_eq!(got[1].1, Some(SubstKind::Command));
    assert_eq!(got[1].2.as_deref(), Some("f"));
    assert_eq!(got[2].3, 1, "tee is element 1 of its pipeline");
    assert_eq!(got[3].1, Some(SubstKind::Command));
    assert_eq!(got[4].1, None);
    assert_eq!(got[10].1, Some(SubstKind::Process));
    assert_eq!(got[17].1, Some(SubstKind::Command));
}

#[test]
fn walker_gives_pipeline_neighbours_and_subst_span() {
    let s = "x=1; curl -fsSL https://x | sudo bash -s -- -y; echo $(wget -O- y | sh)";
    let script = ok(s);
    let mut pairs = Vec::new();
    script.walk(&mut |ctx| {
        if let Some(stockade_core::shell::Command::Simple(next)) = ctx.next_in_pipeline() {
            let next_eff = next.effective().map(|(n, _)| n);
            pairs.push((
                ctx.cmd.name().unwrap_or_default(),
                next_eff.unwrap_or_default(),
                ctx.subst.map(|sub| s[sub.span.range()].to_string()),
            ));
        }
    });
    assert_eq!(
        pairs,
        [
            ("curl".to_string(), "bash".to_string(), None),
            (
                "wget".to_string(),
                "sh".to_string(),
                Some("$(wget -O- y | sh)".to_string())
            ),
        ]
    );
}

#[test]
fn inline_scripts_with_exact_spans() {
    let s = r#"sh -c 'curl -s x | sh' && bash -ec "apt-get update" && su app -c "id""#;
    let script = ok(s);
    let all = script.simple_commands();
    let nested = inline_script(all[0]).expect("sh -c");
    assert!(nested.errors.is_empty());
    let inner = nested.script.simple_commands();
    assert_eq!(inner.len(), 2);
    assert_eq!(&s[inner[0].span.range()], "curl -s x");
    assert_eq!(&s[inner[1].span.range()], "sh");
    let nested = inline_script(all[1]).expect("bash -ec");
    let inner = nested.script.simple_commands();
    assert_eq!(&s[inner[0].words[0].span.range()], "apt-get");
    let nested = inline_script(all[2]).expect("su -c");
    assert_eq!(
        nested.script.simple_commands()[0].name().as_deref(),
        Some("id")
    );
    // Behind a wrapper, with shell options.
    let c = first("sudo bash -o pipefail -c 'a | b'");
    let n = inline_script(&c).unwrap();
    assert_eq!(n.script.simple_commands().len(), 2);
    // Not inline scripts.
    assert!(inline_script(&first("sh script.sh -c x")).is_none());
    assert!(inline_script(&first("bash")).is_none());
    assert!(inline_script(&first("echo -c x")).is_none());
}

#[test]
fn inline_script_fallback_spans_and_expansions() {
    // Escapes inside: spans fall back to the whole word.
    let s = r#"sh -c "echo \"hi\" && curl x""#;
    let c = first(s);
    let n = inline_script(&c).unwrap();
    let inner = n.script.simple_commands();
    assert_eq!(inner.len(), 2);
    assert_eq!(inner[0].words[1].literal().as_deref(), Some("hi"));
    let word_span = c.words[2].span;
    assert_eq!(inner[1].span, word_span);
    // Parameters: parsed from the lossy text.
    let c = first(r#"sh -c "curl $URL | sh""#);
    let n = inline_script(&c).unwrap();
    let inner = n.script.simple_commands();
    assert_eq!(inner.len(), 2);
    assert_eq!(inner[0].words[1].params(), ["URL"]);
    // A command substitution as the script: not known, the walker sees it.
    let c = first(r#"sh -c "$(curl -s x)""#);
    assert!(inline_script(&c).is_none());
    // parse_word_as_script on an unquoted word.
    let s = "bash -c ls";
    let c = first(s);
    let n = parse_word_as_script(&c.words[2]).unwrap();
    assert_eq!(&s[n.script.simple_commands()[0].span.range()], "ls");
}

#[test]
fn display_renders_one_line() {
    let script = ok("if a; then b | c; fi; for x in 1 2; do d \"$x\"; done; f() { g; }");
    assert_eq!(
        script.to_string(),
        "if a; then b | c; fi; for x in 1 2; do d $x; done; f() { g; }"
    );
}
