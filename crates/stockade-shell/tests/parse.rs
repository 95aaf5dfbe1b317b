//! Structure and span tests for every construct the parser reads.

use stockade_core::shell::{
    Command, Connector, PARAM_INDIRECT, PARAM_LENGTH, PARAM_NAMES, Script, SimpleCommand, Word,
    WordPart,
};
use stockade_core::span::{FileId, OffsetMap, Span};
use stockade_shell::{Parsed, parse, parse_file};

fn p(s: &str) -> Parsed {
    parse_file(s, FileId(0))
}

/// Parses and requires no errors.
fn ok(s: &str) -> Script {
    let r = p(s);
    assert!(
        r.errors.is_empty(),
        "unexpected errors for {s:?}: {:?}",
        r.errors
    );
    r.script
}

fn text(s: &str, span: Span) -> &str {
    &s[span.range()]
}

/// Every simple command's words, as literal-or-lossy strings.
fn cmds(script: &Script) -> Vec<Vec<String>> {
    script
        .simple_commands()
        .iter()
        .map(|c| c.words.iter().map(|w| w.lossy()).collect())
        .collect()
}

fn first_simple(script: &Script) -> &SimpleCommand {
    match &script.items[0].first.commands[0] {
        Command::Simple(s) => s,
        other => panic!("not simple: {other:?}"),
    }
}

fn only_word(s: &str) -> Word {
    let script = ok(s);
    let c = first_simple(&script);
    assert_eq!(c.words.len(), 1, "{s:?}");
    c.words[0].clone()
}

// ───────────────────────── words and quoting ─────────────────────────

#[test]
fn quotes_and_escapes() {
    let s = r#"echo 'a b' "c d" e\ f "g\"h" 'i'"j"k "\$x" "\q""#;
    let script = ok(s);
    let c = first_simple(&script);
    let lits: Vec<String> = c.words.iter().map(|w| w.literal().unwrap()).collect();
    assert_eq!(
        lits,
        ["echo", "a b", "c d", "e f", "g\"h", "ijk", "$x", "\\q"]
    );
    assert_eq!(text(s, c.words[1].span), "'a b'");
    assert_eq!(text(s, c.words[3].span), r"e\ f");
    assert_eq!(text(s, c.words[5].span), r#"'i'"j"k"#);
    assert!(matches!(c.words[1].parts[0], WordPart::SingleQuoted(_)));
    assert!(matches!(c.words[2].parts[0], WordPart::DoubleQuoted(_)));
}

#[test]
fn ansi_c_strings() {
    let w = only_word(r"$'a\nb\t\x41\101\u00e9\'q'");
    assert_eq!(w.literal().unwrap(), "a\nb\tAAé'q");
    assert!(matches!(w.parts[0], WordPart::SingleQuoted(_)));
    // In double quotes `$'` is literal.
    assert_eq!(only_word(r#""$'x'""#).literal().unwrap(), "$'x'");
}

#[test]
fn parameters() {
    let s = "echo $V ${V} ${V:-d e} ${#V} ${!V} ${V##*/} ${V/a/b} ${a[0]} $1 $@ $? ${V:1:2} ${!pre*} ${10} $$ ${V-x} ${V:+y} ${V^^} ${#} ${V%.*}";
    let script = ok(s);
    let c = first_simple(&script);
    let params: Vec<(String, Option<String>, Option<String>)> = c.words[1..]
        .iter()
        .map(|w| match &w.parts[..] {
            [WordPart::Param { name, op, arg, .. }] => {
                (name.clone(), op.clone(), arg.as_ref().map(|a| a.lossy()))
            }
            other => panic!("not a param: {other:?}"),
        })
        .collect();
    let expect: Vec<(&str, Option<&str>, Option<&str>)> = vec![
        ("V", None, None),
        ("V", None, None),
        ("V", Some(":-"), Some("d e")),
        ("V", Some(PARAM_LENGTH), None),
        ("V", Some(PARAM_INDIRECT), None),
        ("V", Some("##"), Some("*/")),
        ("V", Some("/"), Some("a/b")),
        ("a[0]", None, None),
        ("1", None, None),
        ("@", None, None),
        ("?", None, None),
        ("V", Some(":"), Some("1:2")),
        ("pre", Some(PARAM_NAMES), None),
        ("10", None, None),
        ("$", None, None),
        ("V", Some("-"), Some("x")),
        ("V", Some(":+"), Some("y")),
        ("V", Some("^^"), None),
        ("#", None, None),
        ("V", Some("%"), Some(".*")),
    ];
    let got: Vec<(&str, Option<&str>, Option<&str>)> = params
        .iter()
        .map(|(n, o, a)| (n.as_str(), o.as_deref(), a.as_deref()))
        .collect();
    assert_eq!(got, expect);
    // Spans of parameter parts.
    if let WordPart::Param { span, .. } = &c.words[3].parts[0] {
        assert_eq!(text(s, *span), "${V:-d e}");
    }
}

#[test]
fn nested_parameter_defaults() {
    let w = only_word(r#""${A:-${B:-"x y"}}""#);
    let WordPart::DoubleQuoted(inner) = &w.parts[0] else {
        panic!()
    };
    let WordPart::Param {
        name,
        arg: Some(arg),
        ..
    } = &inner[0]
    else {
        panic!()
    };
    assert_eq!(name, "A");
    let WordPart::Param {
        name,
        arg: Some(arg2),
        ..
    } = &arg.parts[0]
    else {
        panic!()
    };
    assert_eq!(name, "B");
    assert_eq!(arg2.literal().unwrap(), "x y");
}

#[test]
fn command_substitution_and_backticks() {
    let s = r#"echo $(curl -s "$U" | sh) `id -u` "$(a; b)" `echo \`x\``"#;
    let script = ok(s);
    let c = first_simple(&script);
    let WordPart::CommandSubst {
        script: inner,
        backtick,
        span,
    } = &c.words[1].parts[0]
    else {
        panic!()
    };
    assert!(!backtick);
    assert_eq!(text(s, *span), r#"$(curl -s "$U" | sh)"#);
    assert_eq!(inner.items[0].first.commands.len(), 2);
    let WordPart::CommandSubst {
        script: bt,
        backtick: true,
        ..
    } = &c.words[2].parts[0]
    else {
        panic!()
    };
    let id = &bt.simple_commands()[0];
    assert_eq!(id.name().as_deref(), Some("id"));
    assert_eq!(text(s, id.span), "id -u");
    // Escaped backquotes nest; spans still land on the right text.
    let WordPart::CommandSubst { script: outer, .. } = &c.words[4].parts[0] else {
        panic!()
    };
    let all = outer.simple_commands();
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].name().as_deref(), Some("x"));
    assert_eq!(text(s, all[1].span), "x");
    assert_eq!(text(s, all[0].words[0].span), "echo");
}

#[test]
fn arithmetic_and_process_substitution() {
    let s = "diff <(sort a) >(tee b) $((1 + (2 * 3))) $(( x ))";
    let script = ok(s);
    let c = first_simple(&script);
    assert!(matches!(
        &c.words[1].parts[0],
        WordPart::ProcessSubst { input: true, .. }
    ));
    assert!(matches!(
        &c.words[2].parts[0],
        WordPart::ProcessSubst { input: false, .. }
    ));
    let WordPart::Arith { text: t, span } = &c.words[3].parts[0] else {
        panic!()
    };
    assert_eq!(t, "1 + (2 * 3)");
    assert_eq!(text(s, *span), "$((1 + (2 * 3)))");
    // `$( (a) )` is a command substitution holding a subshell.
    let s2 = "echo $( (cd x; ls) )";
    let script = ok(s2);
    let c = first_simple(&script);
    assert!(matches!(
        &c.words[1].parts[0],
        WordPart::CommandSubst { .. }
    ));
    assert_eq!(cmds(&script).len(), 3);
}

#[test]
fn globs_and_tilde() {
    let s = "ls ~/x *.txt a?b [ab] @(x|y) foo=~";
    let script = ok(s);
    let c = first_simple(&script);
    assert!(matches!(&c.words[1].parts[0], WordPart::Glob(g) if g == "~"));
    assert_eq!(c.words[1].literal().unwrap(), "~/x");
    assert!(c.words[2].has_glob());
    assert!(c.words[3].has_glob());
    assert!(matches!(&c.words[5].parts[0], WordPart::Glob(g) if g == "@(x|y)"));
    assert!(!c.words[6].has_glob());
    assert!(!only_word("'*'").has_glob());
}

// ───────────────────────── lists and pipelines ─────────────────────────

#[test]
fn operators() {
    let s = "a; b && c || d | e |& f & g\n! h | i";
    let script = ok(s);
    assert_eq!(script.items.len(), 4);
    let i1 = &script.items[1];
    assert_eq!(i1.rest.len(), 2);
    assert_eq!(i1.rest[0].0, Connector::And);
    assert_eq!(i1.rest[1].0, Connector::Or);
    assert_eq!(i1.rest[1].1.commands.len(), 3);
    assert!(i1.background);
    assert_eq!(text(s, i1.span), "b && c || d | e |& f &");
    assert_eq!(text(s, i1.rest[1].1.span), "d | e |& f");
    assert!(!script.items[2].background);
    assert!(script.items[3].first.bang);
    assert_eq!(text(s, script.span), s);
    assert_eq!(cmds(&script).len(), 9);
}

#[test]
fn newlines_after_operators_and_comments() {
    let s = "a &&\n  b |\n  c # comment ) ;\n# full line\nd#e\n";
    let script = ok(s);
    assert_eq!(
        cmds(&script),
        vec![vec!["a"], vec!["b"], vec!["c"], vec!["d#e"]]
    );
}

#[test]
fn continuation_lines_in_scripts() {
    let s = "apt-get install \\\n  -y curl \\\n  && rm x";
    let script = ok(s);
    let c = cmds(&script);
    assert_eq!(c[0], ["apt-get", "install", "-y", "curl"]);
    assert_eq!(c[1], ["rm", "x"]);
}

// ───────────────────────── redirections ─────────────────────────

#[test]
fn redirections() {
    let s = "cmd 2>&1 >out >>log <in &>all &>>both 3<>rw >|clob <<<\"here $x\" 9>&- < <(x)";
    let script = ok(s);
    let c = first_simple(&script);
    let got: Vec<(Option<u32>, &str, String)> = c
        .redirects
        .iter()
        .map(|r| (r.fd, r.op.as_str(), r.target.lossy()))
        .collect();
    assert_eq!(
        got,
        vec![
            (Some(2), ">&", "1".to_string()),
            (None, ">", "out".into()),
            (None, ">>", "log".into()),
            (None, "<", "in".into()),
            (None, "&>", "all".into()),
            (None, "&>>", "both".into()),
            (Some(3), "<>", "rw".into()),
            (None, ">|", "clob".into()),
            (None, "<<<", "here $x".into()),
            (Some(9), ">&", "-".into()),
            (None, "<", "<(x)".into()),
        ]
    );
    assert_eq!(c.words.len(), 1);
    assert_eq!(text(s, c.redirects[0].span), "2>&1");
    assert_eq!(text(s, c.redirects[8].span), "<<<\"here $x\"");
    // The command inside the redirect target is visited.
    assert_eq!(script.simple_commands().len(), 2);
    // A redirect before the command name.
    let script = ok(">/dev/null 2>&1 cmd arg");
    assert_eq!(cmds(&script), vec![vec!["cmd", "arg"]]);
    // `a2>x` is a word then a redirect.
    let script = ok("echo a2>x");
    let c = first_simple(&script);
    assert_eq!(c.words[1].literal().unwrap(), "a2");
    assert_eq!(c.redirects[0].fd, None);
}

// ───────────────────────── here-documents ─────────────────────────

#[test]
fn heredoc_unquoted_expands() {
    let s = "cat <<EOF > /etc/x\nhello $USER $(id -u)\n\\$HOME\nEOF\necho after\n";
    let script = ok(s);
    let c = first_simple(&script);
    let r = &c.redirects[0];
    assert_eq!(r.op, "<<");
    assert_eq!(r.target.literal().unwrap(), "EOF");
    let body = r.heredoc.as_ref().expect("body");
    assert_eq!(text(s, body.span), "hello $USER $(id -u)\n\\$HOME\n");
    assert_eq!(body.lossy(), "hello $USER $(id -u)\n$HOME\n");
    assert_eq!(c.redirects[1].op, ">");
    // The command substitution in the body is walked; `echo after` follows.
    let names: Vec<String> = script
        .simple_commands()
        .iter()
        .filter_map(|c| c.name())
        .collect();
    assert_eq!(names, ["cat", "id", "echo"]);
}

#[test]
fn heredoc_quoted_and_stripped() {
    let s = "cat <<'EOF'\n$NOT $(expanded)\nEOF\ncat <<-\"END\"\n\tindented\n\t\tmore\n\tEND\nx";
    let script = ok(s);
    let all = script.simple_commands();
    let b1 = all[0].redirects[0].heredoc.as_ref().unwrap();
    assert_eq!(b1.literal().unwrap(), "$NOT $(expanded)\n");
    let b2 = all[1].redirects[0].heredoc.as_ref().unwrap();
    assert_eq!(b2.literal().unwrap(), "indented\nmore\n");
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].name().as_deref(), Some("x"));
}

#[test]
fn heredoc_two_on_a_line_and_in_pipelines() {
    let s = "a <<A | b <<B && c\none\nA\ntwo\nB\nd\n";
    let script = ok(s);
    let all = script.simple_commands();
    assert_eq!(all.len(), 4);
    assert_eq!(
        all[0].redirects[0]
            .heredoc
            .as_ref()
            .unwrap()
            .literal()
            .unwrap(),
        "one\n"
    );
    assert_eq!(
        all[1].redirects[0]
            .heredoc
            .as_ref()
            .unwrap()
            .literal()
            .unwrap(),
        "two\n"
    );
    assert_eq!(all[3].name().as_deref(), Some("d"));
}

#[test]
fn heredoc_in_command_substitution_and_compound() {
    let s = "x=$(cat <<EOF\nbody\nEOF\n)\nif true; then\n  cat <<EOF\n  in if\nEOF\nfi\n";
    let script = ok(s);
    let all = script.simple_commands();
    let names: Vec<String> = all.iter().filter_map(|c| c.name()).collect();
    assert_eq!(names, ["cat", "true", "cat"]);
    assert!(
        all[0].words.is_empty(),
        "the assignment-only command comes first"
    );
    assert_eq!(
        all[1].redirects[0]
            .heredoc
            .as_ref()
            .unwrap()
            .literal()
            .unwrap(),
        "body\n"
    );
    assert_eq!(
        all[3].redirects[0]
            .heredoc
            .as_ref()
            .unwrap()
            .literal()
            .unwrap(),
        "  in if\n"
    );
}

#[test]
fn heredoc_without_body_is_not_an_error() {
    // A Dockerfile RUN line whose body BuildKit handles.
    let script = ok("cat <<EOF > /x");
    assert!(first_simple(&script).redirects[0].heredoc.is_none());
    // Unterminated body runs to the end (bash only warns).
    let script = ok("cat <<EOF\nline\n");
    assert_eq!(
        first_simple(&script).redirects[0]
            .heredoc
            .as_ref()
            .unwrap()
            .literal()
            .unwrap(),
        "line\n"
    );
}

// ───────────────────────── compound commands ─────────────────────────

fn compound(script: &Script, i: usize) -> (&str, &Vec<Word>, &Vec<Script>) {
    match &script.items[i].first.commands[0] {
        Command::Compound {
            keyword,
            words,
            bodies,
            ..
        } => (keyword.as_str(), words, bodies),
        other => panic!("not compound: {other:?}"),
    }
}

#[test]
fn subshell_and_group() {
    let s = "(cd /x && make) > log; { a; b; } 2>&1 | tee y";
    let script = ok(s);
    let Command::Subshell {
        body,
        redirects,
        span,
    } = &script.items[0].first.commands[0]
    else {
        panic!()
    };
    assert_eq!(text(s, *span), "(cd /x && make) > log");
    assert_eq!(text(s, body.span), "cd /x && make");
    assert_eq!(redirects.len(), 1);
    let Command::Group {
        body, redirects, ..
    } = &script.items[1].first.commands[0]
    else {
        panic!()
    };
    assert_eq!(body.items.len(), 2);
    assert_eq!(redirects[0].fd, Some(2));
    assert_eq!(script.items[1].first.commands.len(), 2);
    // `}` not at command start is an argument; the group is unterminated.
    let r = p("{ echo }");
    assert_eq!(r.errors.len(), 1);
    assert_eq!(cmds(&r.script), vec![vec!["echo", "}"]]);
}

#[test]
fn if_elif_else() {
    let s = "if [ -f a ]; then\n  echo a\nelif test -d b\nthen echo b; else echo c; fi > out";
    let script = ok(s);
    let (kw, words, bodies) = compound(&script, 0);
    assert_eq!(kw, "if");
    assert!(words.is_empty());
    assert_eq!(bodies.len(), 5);
    assert_eq!(cmds(&bodies[2]), vec![vec!["test", "-d", "b"]]);
    assert_eq!(cmds(&bodies[4]), vec![vec!["echo", "c"]]);
    let Command::Compound {
        span, redirects, ..
    } = &script.items[0].first.commands[0]
    else {
        panic!()
    };
    assert_eq!(text(s, *span), s);
    assert_eq!(redirects.len(), 1);
}

#[test]
fn loops() {
    let s = "while read -r l; do echo \"$l\"; done < f\nuntil false; do :; done\nfor i in 1 $X \"a b\"; do echo $i; done\nfor x; do :; done\nfor ((i=0; i<3; i++)); do echo; done\nselect o in a b; do break; done\nfor f in *.sh\ndo\n  sh \"$f\"\ndone";
    let script = ok(s);
    let (kw, _, bodies) = compound(&script, 0);
    assert_eq!(kw, "while");
    assert_eq!(bodies.len(), 2);
    assert_eq!(compound(&script, 1).0, "until");
    let (kw, words, _) = compound(&script, 2);
    assert_eq!(kw, "for");
    assert!(
        matches!(&script.items[2].first.commands[0], Command::Compound { name: Some(n), .. } if n == "i")
    );
    let w: Vec<String> = words.iter().map(|w| w.lossy()).collect();
    assert_eq!(w, ["1", "$X", "a b"]);
    assert!(compound(&script, 3).1.is_empty());
    let (_, words, _) = compound(&script, 4);
    assert!(matches!(&words[0].parts[0], WordPart::Arith { text, .. } if text == "i=0; i<3; i++"));
    assert_eq!(compound(&script, 5).0, "select");
    assert_eq!(cmds(&compound(&script, 6).2[0]), vec![vec!["sh", "$f"]]);
}

#[test]
fn case_arms() {
    let s = "case \"$1\" in\n  start|up) run;;\n  (stop) halt ;&\n  *.tar.gz) tar xf x ;;&\n  *) echo usage\nesac";
    let script = ok(s);
    let (kw, words, bodies) = compound(&script, 0);
    assert_eq!(kw, "case");
    let w: Vec<String> = words.iter().map(|w| w.lossy()).collect();
    assert_eq!(w, ["$1", "start", "up", "stop", "*.tar.gz", "*"]);
    assert_eq!(bodies.len(), 4);
    assert_eq!(cmds(&bodies[3]), vec![vec!["echo", "usage"]]);
    // case inside $( ) with `)` patterns.
    let script = ok("x=$(case a in a) echo 1;; esac)");
    assert_eq!(script.simple_commands().len(), 2);
    // empty case
    ok("case x in esac");
}

#[test]
fn conditional_and_arith_commands() {
    let s = "[[ -n $a && ( $b == x* || ! -f \"$c\" ) ]] && [[ $v =~ ^(a|b)+$ ]]; (( i += 2 ))";
    let script = ok(s);
    let (kw, words, _) = compound(&script, 0);
    assert_eq!(kw, "[[");
    let w: Vec<String> = words.iter().map(|w| w.lossy()).collect();
    assert_eq!(
        w,
        [
            "-n", "$a", "&&", "(", "$b", "==", "x*", "||", "!", "-f", "$c", ")"
        ]
    );
    let Command::Compound { words, .. } = &script.items[0].rest[0].1.commands[0] else {
        panic!()
    };
    assert_eq!(words[2].lossy(), "^(a|b)+$");
    let (kw, words, _) = compound(&script, 1);
    assert_eq!(kw, "((");
    assert!(matches!(&words[0].parts[0], WordPart::Arith { text, .. } if text == " i += 2 "));
    // A `$( )` inside [[ ]] operands is walked.
    let script = ok("[[ $(id -u) -eq 0 ]]");
    assert_eq!(script.simple_commands()[0].name().as_deref(), Some("id"));
}

#[test]
fn functions() {
    let s = "f() { curl x; }\nfunction g { a; }\nfunction h() (b)\nk ()\n{\n  c\n}";
    let script = ok(s);
    let names: Vec<&str> = script
        .items
        .iter()
        .map(|i| match &i.first.commands[0] {
            Command::Function { name, .. } => name.as_str(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(names, ["f", "g", "h", "k"]);
    let Command::Function { span, body, .. } = &script.items[0].first.commands[0] else {
        panic!()
    };
    assert_eq!(text(s, *span), "f() { curl x; }");
    assert!(matches!(**body, Command::Group { .. }));
    assert!(
        matches!(&script.items[2].first.commands[0], Command::Function { body, .. } if matches!(**body, Command::Subshell { .. }))
    );
}

#[test]
fn assignments_and_arrays() {
    let s = "A=1 B=\"x y\" C+=z cmd arg D=notassign; arr=(a \"b c\" $(d)) ; e[2]=v; declare -a q=(1 2); E=";
    let script = ok(s);
    let c = first_simple(&script);
    let a: Vec<(&str, bool, String)> = c
        .assignments
        .iter()
        .map(|a| (a.name.as_str(), a.append, a.value.lossy()))
        .collect();
    assert_eq!(
        a,
        [
            ("A", false, "1".into()),
            ("B", false, "x y".into()),
            ("C", true, "z".into())
        ]
    );
    assert_eq!(c.words.len(), 3);
    assert_eq!(text(s, c.assignments[1].span), "B=\"x y\"");
    let Command::Simple(arr) = &script.items[1].first.commands[0] else {
        panic!()
    };
    let elems = arr.assignments[0].array.as_ref().unwrap();
    assert_eq!(elems.len(), 3);
    assert_eq!(elems[1].literal().unwrap(), "b c");
    assert_eq!(text(s, arr.assignments[0].value.span), "(a \"b c\" $(d))");
    assert_eq!(arr.assignments[0].value.lossy(), "(a b c $(d))");
    assert!(arr.words.is_empty());
    let Command::Simple(e) = &script.items[2].first.commands[0] else {
        panic!()
    };
    assert_eq!(e.assignments[0].name, "e[2]");
    let Command::Simple(d) = &script.items[3].first.commands[0] else {
        panic!()
    };
    assert_eq!(d.words[2].lossy(), "q=(1 2)");
    let Command::Simple(e) = &script.items[4].first.commands[0] else {
        panic!()
    };
    assert_eq!(e.assignments[0].value.literal().unwrap(), "");
    // The substitution in the array is walked.
    assert!(
        script
            .simple_commands()
            .iter()
            .any(|c| c.name().as_deref() == Some("d"))
    );
}

#[test]
fn reserved_words_only_at_command_start() {
    let script = ok("echo if then fi done { } esac; ls in");
    assert_eq!(cmds(&script)[0].len(), 8);
    assert_eq!(cmds(&script)[1], ["ls", "in"]);
}

// ───────────────────────── spans through an offset map ─────────────────────────

#[test]
fn spans_through_offset_map() {
    // File: `RUN a \` newline `  && b "c"` ; logical text "a   && b \"c\"".
    let file = "RUN a \\\n  && b \"c\"";
    let logical = "a   && b \"c\"";
    let mut map = OffsetMap::contiguous(FileId(7), 4);
    map.push(2, 8);
    let r = parse(logical, &map);
    assert!(r.errors.is_empty());
    let all = r.script.simple_commands();
    assert_eq!(all[0].span.file, FileId(7));
    assert_eq!(&file[all[0].span.range()], "a");
    assert_eq!(&file[all[1].span.range()], "b \"c\"");
    assert_eq!(&file[all[1].words[1].span.range()], "\"c\"");
}

// ───────────────────────── errors and recovery ─────────────────────────

fn check_spans_inside(s: &str, r: &Parsed) {
    let n = s.len() as u32;
    for e in &r.errors {
        assert!(
            e.span.start <= e.span.end && e.span.end <= n,
            "{s:?}: {e:?}"
        );
    }
    let mut script = r.script.clone();
    script.for_each_span_mut(&mut |sp| {
        assert!(
            sp.start <= sp.end && sp.end <= n,
            "{s:?}: span {sp:?} outside"
        );
    });
}

#[test]
fn recovery_unterminated_quote_keeps_following_lines() {
    let s = "echo 'oops\nafter ok\nls \"x\n";
    let r = p(s);
    assert_eq!(r.errors.len(), 2, "{:?}", r.errors);
    assert_eq!(&s[r.errors[0].span.range()], "'");
    let c = cmds(&r.script);
    assert_eq!(
        c,
        vec![vec!["echo", "oops"], vec!["after", "ok"], vec!["ls", "x"]]
    );
    check_spans_inside(s, &r);
}

#[test]
fn recovery_stray_tokens() {
    for (s, expect_cmds) in [
        ("a; ) b", vec!["a", "b"]),
        ("a\nfi\nb", vec!["a", "b"]),
        ("a && ; b", vec!["a", "b"]),
        ("a | | b", vec!["a", "b"]),
        (";; a", vec!["a"]),
        ("done; a; esac; b", vec!["a", "b"]),
        ("echo (x y) z\nb", vec!["echo", "b"]),
    ] {
        let r = p(s);
        assert!(!r.errors.is_empty(), "{s:?} should report an error");
        let names: Vec<String> = r
            .script
            .simple_commands()
            .iter()
            .filter_map(|c| c.name())
            .collect();
        assert_eq!(names, expect_cmds, "{s:?}");
        check_spans_inside(s, &r);
    }
}

#[test]
fn recovery_unterminated_compounds() {
    for (s, msg) in [
        ("if true; then a", "`if` without matching `fi`"),
        ("while x; do y", "`while` without matching `done`"),
        ("for i in 1; do y", "`for` without matching `done`"),
        ("case x in a) b;;", "`case` without matching `esac`"),
        ("( a; b", "unterminated `(`: missing `)`"),
        ("echo $(a", "unterminated `$(`: missing `)`"),
        ("echo ${a", "unterminated `${`: missing `}`"),
        ("[[ -f $(id)", "`[[` without matching `]]`"),
        ("{ a; b", "`{` without matching `}`"),
        ("echo `a", "unterminated backquote"),
    ] {
        let r = p(s);
        assert!(
            r.errors.iter().any(|e| e.message == msg),
            "{s:?}: {:?}",
            r.errors
        );
        assert!(
            !r.script.simple_commands().is_empty(),
            "{s:?} lost its commands"
        );
        check_spans_inside(s, &r);
    }
    // The unterminated `if` still holds its body.
    let r = p("if true; then curl x | sh");
    let names: Vec<String> = r
        .script
        .simple_commands()
        .iter()
        .filter_map(|c| c.name())
        .collect();
    assert_eq!(names, ["true", "curl", "sh"]);
}

#[test]
fn missing_redirect_target_and_bad_substitution() {
    let r = p("echo >; b");
    assert_eq!(r.errors[0].message, "missing target after `>`");
    assert_eq!(cmds(&r.script).len(), 2);
    let r = p("echo ${a b} c\nd");
    assert_eq!(r.errors[0].message, "bad substitution");
    assert_eq!(cmds(&r.script).len(), 2);
}

#[test]
fn deep_nesting_is_bounded() {
    for open in ["$(", "(", "\"$(", "${a:-", "if a; then ", "{ "] {
        let s = open.repeat(5000);
        let r = p(&s);
        assert!(!r.errors.is_empty(), "{open:?}");
        check_spans_inside(&s, &r);
    }
    // Backquotes do not nest without escapes: pairs are empty substitutions.
    let s = "`".repeat(5000);
    check_spans_inside(&s, &p(&s));
    // Moderate nesting is fine.
    let s = format!("{}x{}", "$(".repeat(50), ")".repeat(50));
    ok(&s);
}

#[test]
fn deep_nesting_fits_a_small_stack() {
    // The scanner threads of the CLI use default 2 MiB stacks; debug
    // builds have large frames, so check at the depth limit with 2 MiB.
    let h = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            for open in [
                "$(",
                "\"$(",
                "${a:-\"$(",
                "( ",
                "if a; then ",
                "<(",
                "[[ $(",
            ] {
                let s = open.repeat(3000);
                let r = p(&s);
                assert!(!r.errors.is_empty());
                let mut n = 0;
                r.script.walk(&mut |_| n += 1);
                let _ = r.script.to_string();
                drop(r);
            }
        })
        .unwrap();
    h.join().expect("parser overflowed a 2 MiB stack");
}

// ───────────────────────── randomized: never panics, spans inside ─────────────────────────

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn random_input_never_panics_and_spans_stay_inside() {
    const TOKENS: &[&str] = &[
        " ",
        " ",
        "\n",
        "\t",
        "a",
        "b",
        "x1",
        "=",
        "'",
        "\"",
        "\\",
        "$",
        "${",
        "}",
        "{",
        "$(",
        "(",
        ")",
        "`",
        "$((",
        "))",
        ";",
        ";;",
        "&",
        "&&",
        "|",
        "||",
        "|&",
        "<",
        ">",
        ">>",
        "<<",
        "<<-",
        "<<<",
        "2>&1",
        "&>",
        "<(",
        ">(",
        "#",
        "!",
        "*",
        "?",
        "[",
        "]",
        "[[",
        "]]",
        "~",
        "if ",
        "then ",
        "elif ",
        "else ",
        "fi",
        "for ",
        "in ",
        "do ",
        "done",
        "while ",
        "case ",
        "esac",
        ") ",
        "function ",
        "EOF",
        "\nEOF\n",
        ":-",
        "##",
        "%",
        "/",
        "@",
        "é",
        "\r\n",
        "$'",
        "\\\n",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..4000 {
        let n = 1 + rng.below(40);
        let mut s = String::new();
        for _ in 0..n {
            s.push_str(TOKENS[rng.below(TOKENS.len())]);
        }
        let r = p(&s);
        check_spans_inside(&s, &r);
        // Helpers must not panic either.
        r.script.walk(&mut |ctx| {
            let _ = ctx.cmd.effective();
            let _ = ctx.cmd.inline_script();
            for w in &ctx.cmd.words {
                let _ = w.expand(&|_| Some("v".into()));
                let _ = stockade_shell::parse_word_as_script(w);
            }
        });
        let _ = r.script.to_string();
    }
    // Arbitrary bytes (as UTF-8 lossy) too.
    for _ in 0..2000 {
        let n = rng.below(64);
        let bytes: Vec<u8> = (0..n).map(|_| (rng.next() & 0xFF) as u8).collect();
        let s = String::from_utf8_lossy(&bytes).into_owned();
        let r = p(&s);
        check_spans_inside(&s, &r);
    }
}

#[test]
fn large_input_is_fast_enough() {
    // 20k commands; must stay well under a second even in debug builds.
    let line = "RUN_X=1 apt-get install -y \"pkg-$V\" $(dpkg --print-architecture) && rm -rf /var/lib/apt/lists/* | tee log 2>&1\n";
    let s = line.repeat(20_000);
    let t = std::time::Instant::now();
    let r = p(&s);
    assert!(r.errors.is_empty());
    assert_eq!(r.script.items.len(), 20_000);
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
    // Pathological repeated openers stay near-linear.
    let s = "$((a) ".repeat(5000) + &"((".repeat(5000);
    let t = std::time::Instant::now();
    let _ = p(&s);
    assert!(t.elapsed().as_secs() < 10, "took {:?}", t.elapsed());
}
