//! The lossless parser: structure, spans and errors.

mod common;

use common::{at, file, pos};
use stockade_dockerfile::*;

fn instrs(doc: &Document) -> Vec<&InstructionNode> {
    doc.instructions().collect()
}

fn heredoc_names(i: &InstructionNode) -> Vec<&str> {
    i.heredocs.iter().map(|h| h.name.as_str()).collect()
}

#[test]
fn keyword_flag_and_argument_spans() {
    let f = file(
        "FROM alpine\nRUN --mount=type=cache,target=/root/.cache --network=none pip install x\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let run = instrs(&doc)[1];
    assert_eq!(run.keyword, Keyword::Run);
    assert_eq!(at(&f, run.name.span), "RUN");
    assert_eq!(run.flags.len(), 2);
    let m = &run.flags[0];
    assert_eq!(m.name, "mount");
    assert_eq!(m.value.as_deref(), Some("type=cache,target=/root/.cache"));
    assert_eq!(at(&f, m.span), "--mount=type=cache,target=/root/.cache");
    assert_eq!(at(&f, m.name_span), "mount");
    assert_eq!(
        at(&f, m.value_span.unwrap()),
        "type=cache,target=/root/.cache"
    );
    assert_eq!(at(&f, run.flags[1].span), "--network=none");
    let rest = run.rest.as_ref().unwrap();
    assert_eq!(rest.value, "pip install x");
    assert_eq!(at(&f, rest.span), "pip install x");
    match &run.args {
        Args::Shell(s) => assert_eq!(at(&f, s.span), "pip install x"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        at(&f, run.span),
        "RUN --mount=type=cache,target=/root/.cache --network=none pip install x"
    );
    assert_eq!(run.span, run.line_span);
}

#[test]
fn reconstructs_input_byte_for_byte() {
    let text = "\u{feff}# syntax=docker/dockerfile:1\r\n\r\n# a comment\r\nFROM alpine AS base\r\n  RUN a \\\r\n# inside\r\n\r\n    b\r\nRUN <<EOF\r\nbody\r\nEOF\r\nCOPY <<-X /x\n\tline\n\tX\nunknown thing\nRUN tail \\";
    let f = file(text);
    let (doc, _) = parse(&f);
    assert_eq!(doc.reconstruct(&f.text), text);
    // The pieces tile the file: no gaps, no overlaps.
    let mut at_ = 0;
    for p in doc.pieces() {
        assert_eq!(p.start as usize, at_);
        at_ = p.end as usize;
    }
    assert_eq!(at_, text.len());
}

#[test]
fn node_kinds_cover_comments_blanks_and_directives() {
    let f = file("# syntax=x\n\n# note\nFROM a\n   \n");
    let (doc, _) = parse(&f);
    let kinds: Vec<&str> = doc
        .nodes
        .iter()
        .map(|n| match n {
            Node::Directive(_) => "directive",
            Node::Comment(_) => "comment",
            Node::Blank(_) => "blank",
            Node::Instruction(_) => "instruction",
        })
        .collect();
    assert_eq!(
        kinds,
        ["directive", "blank", "comment", "instruction", "blank"]
    );
    let c = doc.comments().next().unwrap();
    assert_eq!(at(&f, c.text), "# note");
    assert_eq!(at(&f, c.line), "# note\n");
}

#[test]
fn parser_directives() {
    let f = file(
        "# Syntax = docker/dockerfile:1.7\n#ESCAPE=`\n# check=skip=JSONArgsRecommended\nFROM a\nRUN x `\n  y\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let d: Vec<(&str, &str)> = doc
        .directives()
        .map(|d| (d.name.value.as_str(), d.value.value.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            ("syntax", "docker/dockerfile:1.7"),
            ("escape", "`"),
            ("check", "skip=JSONArgsRecommended")
        ]
    );
    let dir = doc.directives().next().unwrap();
    assert_eq!(at(&f, dir.name.span), "Syntax");
    assert_eq!(at(&f, dir.value.span), "docker/dockerfile:1.7");
    assert_eq!(doc.escape, '`');
    assert_eq!(instrs(&doc)[1].joined.text, "RUN x   y");
}

#[test]
fn directives_only_before_other_content() {
    // A blank line, a comment or an unknown directive ends the directives.
    for text in [
        "\n# escape=`\nFROM a\nRUN x `\n",
        "# hello\n# escape=`\nFROM a\nRUN x `\n",
        "# foo=bar\n# escape=`\nFROM a\nRUN x `\n",
        "FROM a\n# escape=`\nRUN x `\n",
    ] {
        let f = file(text);
        let (doc, _) = parse(&f);
        assert_eq!(doc.escape, '\\', "{text:?}");
        assert_eq!(doc.directives().count(), 0, "{text:?}");
        assert_eq!(instrs(&doc).last().unwrap().joined.text, "RUN x `");
    }
}

#[test]
fn directive_errors() {
    let f = file("# escape=x\n# syntax=a\n# SYNTAX=b\nFROM a\n");
    let (doc, errs) = parse(&f);
    assert_eq!(doc.escape, '\\');
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].message.contains("invalid escape token"));
    assert_eq!(pos(&f, &errs[0]), (1, 10));
    assert!(errs[1].message.contains("only one syntax parser directive"));
    assert_eq!(pos(&f, &errs[1]), (3, 3));
}

#[test]
fn bom_and_crlf() {
    let f = file("\u{feff}# escape=`\r\nFROM alpine\r\nRUN echo a `\r\n    b\r\nUSER app\r\n");
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    assert!(doc.bom);
    assert_eq!(doc.escape, '`');
    let i = instrs(&doc);
    assert_eq!(i[1].joined.text, "RUN echo a     b");
    assert!(!i[1].joined.text.contains('\r'));
    assert_eq!(at(&f, i[2].span), "USER app");
    assert_eq!(f.line_col(i[0].name.span.start as usize).line, 2);
}

#[test]
fn backslash_is_not_an_escape_under_backtick() {
    let f = file("# escape=`\nFROM w\nRUN dir c:\\\nRUN next\n");
    let (doc, _) = parse(&f);
    let i = instrs(&doc);
    assert_eq!(i.len(), 3);
    assert_eq!(i[1].joined.text, "RUN dir c:\\");
}

#[test]
fn keywords_are_case_insensitive() {
    let f = file("from alpine as Build\nrUn echo\ncopy a b\n");
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let k: Vec<Keyword> = doc.instructions().map(|i| i.keyword).collect();
    assert_eq!(k, [Keyword::From, Keyword::Run, Keyword::Copy]);
    assert_eq!(instrs(&doc)[1].name.value, "rUn");
}

#[test]
fn continuations_drop_comments_and_blank_lines() {
    let text = "FROM a\nRUN apt-get update \\\n# why: cache\n\n    && apt-get install -y \\\n        curl\nUSER x\n";
    let f = file(text);
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let run = instrs(&doc)[1];
    assert_eq!(
        run.joined.text,
        "RUN apt-get update     && apt-get install -y         curl"
    );
    let kinds: Vec<LineKind> = run.lines.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            LineKind::First,
            LineKind::Comment,
            LineKind::Blank,
            LineKind::Continuation,
            LineKind::Continuation
        ]
    );
    // Offsets in the joined line map back into the file across the removed lines.
    let j = &run.joined;
    let i = j.text.find("curl").unwrap();
    assert_eq!(at(&f, j.span(i, i + 4)), "curl");
    let i = j.text.find("&&").unwrap();
    assert_eq!(at(&f, j.span(i, i + 2)), "&&");
    assert_eq!(at(&f, run.span), &text[7..text.find("\nUSER").unwrap()]);
    assert_eq!(at(&f, run.line_span), "RUN apt-get update \\");
    // A word split by a continuation covers both pieces in the file.
    let f = file("FROM a\nRUN ab\\\ncd\n");
    let (doc, _) = parse(&f);
    let run = instrs(&doc)[1];
    let rest = run.rest.as_ref().unwrap();
    assert_eq!(rest.value, "abcd");
    assert_eq!(at(&f, rest.span), "ab\\\ncd");
}

#[test]
fn escaped_escape_is_not_a_continuation() {
    let f = file("FROM a\nRUN echo a \\\\\nRUN echo b\n");
    let (doc, _) = parse(&f);
    assert_eq!(doc.instructions().count(), 3);
}

#[test]
fn continuation_at_end_of_file() {
    let f = file("FROM a\nRUN echo \\");
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let run = instrs(&doc)[1];
    assert_eq!(run.rest.as_ref().unwrap().value, "echo");
    let f = file("FROM a\nRUN echo \\\n# trailing comment\n");
    let (doc, _) = parse(&f);
    assert_eq!(instrs(&doc)[1].lines.len(), 2);
    assert_eq!(doc.reconstruct(&f.text), f.text);
}

#[test]
fn heredoc_as_the_command() {
    let f = file("FROM a\nRUN <<EOF\napt-get update\nFROM evil\nEOF\nUSER x\n");
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    assert_eq!(i.len(), 3, "heredoc bodies are never instructions");
    let h = &i[1].heredocs[0];
    assert_eq!(h.name, "EOF");
    assert!(h.expand && !h.chomp);
    assert_eq!(h.content, "apt-get update\nFROM evil\n");
    assert_eq!(at(&f, h.body), "apt-get update\nFROM evil\n");
    assert_eq!(at(&f, h.marker), "<<EOF");
    assert_eq!(at(&f, h.terminator.unwrap()), "EOF");
    assert_eq!(
        at(&f, i[1].span),
        "RUN <<EOF\napt-get update\nFROM evil\nEOF"
    );
    let kinds: Vec<LineKind> = i[1].lines.iter().map(|l| l.kind).collect();
    assert_eq!(
        kinds,
        [
            LineKind::First,
            LineKind::HeredocBody(0),
            LineKind::HeredocBody(0),
            LineKind::HeredocEnd(0)
        ]
    );
}

#[test]
fn heredoc_tab_stripping_and_quoting() {
    let f = file("FROM a\nRUN <<-EOF\n\techo $HOME\n\t\tEOF\nRUN <<\"Q\" <<'S'\n$x\nQ\n$y\nS\n");
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    let h = &i[1].heredocs[0];
    assert!(h.chomp);
    assert_eq!(h.content, "\techo $HOME\n");
    assert_eq!(h.text(), "echo $HOME\n");
    assert_eq!(at(&f, h.terminator.unwrap()), "EOF");
    assert_eq!(heredoc_names(i[2]), ["Q", "S"]);
    assert!(i[2].heredocs.iter().all(|h| !h.expand));
    assert_eq!(i[2].heredocs[1].content, "$y\n");
}

#[test]
fn several_heredocs_and_heredocs_not_first() {
    let f = file(
        "FROM a\nRUN <<A <<B\na\nA\nb\nB\nRUN python3 <<EOF\nprint(1)\nEOF\nRUN cat <<EOF > /etc/x.conf\nk=v\nEOF\nRUN 2<<ERR cmd\ne\nERR\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    assert_eq!(i.len(), 5);
    assert_eq!(heredoc_names(i[1]), ["A", "B"]);
    assert_eq!(i[1].heredocs[1].content, "b\n");
    assert_eq!(heredoc_names(i[2]), ["EOF"]);
    assert_eq!(i[2].heredocs[0].content, "print(1)\n");
    assert_eq!(i[3].heredocs[0].content, "k=v\n");
    assert_eq!(i[3].rest.as_ref().unwrap().value, "cat <<EOF > /etc/x.conf");
    assert_eq!(i[4].heredocs[0].fd, 2);
}

#[test]
fn heredocs_on_copy_and_add() {
    let f = file(
        "FROM a\nCOPY <<EOF /app/run.sh\n#!/bin/sh\nexec app\nEOF\nADD <<one <<two /dir/\n1\none\n2\ntwo\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    assert_eq!(i[1].heredocs[0].content, "#!/bin/sh\nexec app\n");
    assert_eq!(heredoc_names(i[2]), ["one", "two"]);
}

#[test]
fn no_heredocs_where_buildkit_sees_none() {
    let f = file(
        "FROM a\nRUN echo \"<<EOF\" '<<X' a<<Y\nRUN [\"cat\", \"<<EOF\"]\nCMD cat <<EOF\nRUN cat <<<here\nUSER x\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    assert_eq!(i.len(), 6);
    assert!(i.iter().all(|i| i.heredocs.is_empty()));
}

#[test]
fn unterminated_heredoc_is_an_error() {
    let f = file("FROM a\nRUN <<EOF\necho never ends\n");
    let (doc, errs) = parse(&f);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("unterminated heredoc"));
    assert_eq!(pos(&f, &errs[0]), (2, 5));
    let run = instrs(&doc)[1];
    assert!(run.has_error);
    assert_eq!(run.heredocs[0].terminator, None);
    assert_eq!(doc.reconstruct(&f.text), f.text);
}

#[test]
fn exec_form_with_spans() {
    let f = file(
        "FROM a\nCMD [\"nginx\", \"-g\", \"daemon off;\"]\nENTRYPOINT [ \"/bin/tini\" , \"--\" ]\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    let Args::Exec(v) = &i[1].args else { panic!() };
    let vals: Vec<&str> = v.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(vals, ["nginx", "-g", "daemon off;"]);
    assert_eq!(at(&f, v[2].span), "\"daemon off;\"");
    let Args::Exec(v) = &i[2].args else { panic!() };
    assert_eq!(at(&f, v[1].span), "\"--\"");
    assert!(!i[1].json_fallback);
}

#[test]
fn malformed_json_falls_back_to_shell_form() {
    let f = file(
        "FROM a\nCMD [\"a\",]\nENTRYPOINT ['a']\nRUN [\"x\"\nCMD [\"ok\"] trailing\nCOPY [\"a\" b\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    for n in &i[1..4] {
        assert!(n.json_fallback, "{}", n.joined.text);
        assert!(matches!(n.args, Args::Shell(_)));
    }
    assert!(matches!(i[4].args, Args::Exec(ref v) if v.len() == 1));
    assert!(!i[4].json_fallback);
    assert!(i[5].json_fallback);
    assert!(matches!(i[5].args, Args::Words(ref w) if w.len() == 2));
}

#[test]
fn non_string_json_array_is_an_error() {
    let f = file("FROM a\nCMD [\"a\", 1]\nUSER x\n");
    let (doc, errs) = parse(&f);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].message.contains("strings only"));
    assert_eq!(pos(&f, &errs[0]).0, 2);
    assert_eq!(doc.instructions().count(), 3);
}

#[test]
fn flags_on_every_instruction_that_takes_them() {
    let f = file(concat!(
        "FROM --platform=$BUILDPLATFORM golang AS build\n",
        "COPY --from=build --chown=app:app --chmod=0755 --link /out /bin/\n",
        "COPY --parents --exclude=*.md --exclude=*.txt . /src\n",
        "ADD --checksum=sha256:abc --keep-git-dir=true --unpack=false https://x/y.git /z\n",
        "RUN --mount=type=secret,id=npm --mount=type=ssh --security=insecure --network=host make\n",
        "HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --start-interval=1s --retries=3 CMD curl -f localhost\n",
    ));
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let names: Vec<Vec<&str>> = doc
        .instructions()
        .map(|i| i.flags.iter().map(|f| f.name.as_str()).collect())
        .collect();
    assert_eq!(names[0], ["platform"]);
    assert_eq!(names[1], ["from", "chown", "chmod", "link"]);
    assert_eq!(names[2], ["parents", "exclude", "exclude"]);
    assert_eq!(names[3], ["checksum", "keep-git-dir", "unpack"]);
    assert_eq!(names[4], ["mount", "mount", "security", "network"]);
    assert_eq!(names[5].len(), 5);
}

#[test]
fn flag_errors_name_the_flag_and_position() {
    let f = file(concat!(
        "FROM --platform linux/amd64 alpine\n",
        "RUN --mout=type=cache,target=/x make\n",
        "COPY --link=maybe a b\n",
        "COPY --from=a --from=b x y\n",
        "ENV --foo=bar A=1\n",
        "HEALTHCHECK --interval=soon CMD true\n",
        "USER app\n",
    ));
    let (doc, errs) = parse(&f);
    let msgs: Vec<(u32, &str)> = errs
        .iter()
        .map(|e| (pos(&f, e).0, e.message.as_str()))
        .collect();
    assert_eq!(msgs.len(), 7, "{msgs:?}");
    // `--platform linux/amd64`: BuildKit needs `=`, so the value becomes an argument.
    assert!(
        msgs[0].1.contains("missing a value on flag: --platform"),
        "{msgs:?}"
    );
    assert!(
        msgs[1]
            .1
            .contains("FROM requires either one or three arguments")
    );
    assert_eq!(msgs[2].0, 2);
    assert!(msgs[2].1.contains("unknown flag `--mout`"));
    assert_eq!(pos(&f, &errs[2]), (2, 7));
    assert!(msgs[3].1.contains("expecting boolean value"));
    assert!(msgs[4].1.contains("duplicate flag"));
    assert!(msgs[5].1.contains("unknown flag `--foo` for ENV"));
    assert!(msgs[6].1.contains("invalid value for --interval"));
    // Parsing went on to the end.
    assert_eq!(doc.instructions().last().unwrap().keyword, Keyword::User);
}

#[test]
fn env_and_label_forms() {
    let f = file(
        "FROM a\nENV A=1 B=\"x y\" C=\nENV LEGACY some value here\nLABEL \"com.x\"=\"y\" k=v\n",
    );
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    let Args::KeyValues { legacy, pairs } = &i[1].args else {
        panic!()
    };
    assert!(!legacy);
    let kv: Vec<(&str, &str)> = pairs
        .iter()
        .map(|p| (p.key.value.as_str(), p.value.value.as_str()))
        .collect();
    assert_eq!(kv, [("A", "1"), ("B", "\"x y\""), ("C", "")]);
    assert_eq!(at(&f, pairs[1].span), "B=\"x y\"");
    assert_eq!(at(&f, pairs[1].value.span), "\"x y\"");
    let Args::KeyValues { legacy, pairs } = &i[2].args else {
        panic!()
    };
    assert!(legacy);
    assert_eq!(pairs[0].key.value, "LEGACY");
    assert_eq!(pairs[0].value.value, "some value here");
    let Args::KeyValues { pairs, .. } = &i[3].args else {
        panic!()
    };
    assert_eq!(pairs[0].key.value, "\"com.x\"");
}

#[test]
fn env_syntax_errors() {
    let f = file("FROM a\nENV A=1 B\nENV ONLY\nENV\n");
    let (_, errs) = parse(&f);
    let m: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(m.len(), 3, "{m:?}");
    assert!(m[0].contains("can't find = in \"B\""));
    assert_eq!(pos(&f, &errs[0]), (2, 9));
    assert!(m[1].contains("ENV must have two arguments"));
    assert!(m[2].contains("ENV requires at least one argument"));
}

#[test]
fn onbuild_parses_the_inner_instruction() {
    let f = file(
        "FROM a\nONBUILD COPY --chown=1:1 . /app\nONBUILD RUN <<EOF\nmake\nEOF\nONBUILD ONBUILD RUN x\nONBUILD FROM b\n",
    );
    let (doc, errs) = parse(&f);
    let i = instrs(&doc);
    let inner = i[1].onbuild_inner().unwrap();
    assert_eq!(inner.keyword, Keyword::Copy);
    assert_eq!(at(&f, inner.name.span), "COPY");
    assert_eq!(at(&f, inner.flags[0].span), "--chown=1:1");
    assert_eq!(inner.heredocs.len(), 0);
    assert_eq!(i[2].heredocs[0].content, "make\n");
    assert_eq!(i[2].onbuild_inner().unwrap().heredocs.len(), 1);
    let m: Vec<&str> = errs.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(m.len(), 2, "{m:?}");
    assert!(m[0].contains("Chaining ONBUILD"));
    assert!(m[1].contains("FROM isn't allowed as an ONBUILD trigger"));
}

#[test]
fn unknown_instructions_and_bad_arguments() {
    let f = file(concat!(
        "FROM a b\n",
        "FROM a AS 1bad\n",
        "FORM x\n",
        "COPY onlyone\n",
        "USER\n",
        "SHELL /bin/bash -c\n",
        "HEALTHCHECK NONE extra\n",
        "HEALTHCHECK CMD\n",
        "HEALTHCHECK WHEN x\n",
        "EXPOSE\n",
        "COPY a <<EOF\nx\nEOF\n",
        "RUN fine\n",
    ));
    let (doc, errs) = parse(&f);
    let got: Vec<(u32, &str)> = errs
        .iter()
        .map(|e| (pos(&f, e).0, e.message.as_str()))
        .collect();
    let want = [
        (1, "FROM requires either one or three arguments"),
        (2, "invalid name for build stage"),
        (3, "unknown instruction: FORM"),
        (4, "COPY requires at least two arguments"),
        (5, "USER requires exactly one argument"),
        (6, "SHELL requires the arguments to be in JSON form"),
        (7, "HEALTHCHECK NONE takes no arguments"),
        (8, "Missing command after HEALTHCHECK CMD"),
        (9, "Unknown type \"WHEN\" in HEALTHCHECK"),
        (10, "EXPOSE requires at least one argument"),
        (11, "COPY cannot accept a heredoc as a destination"),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((gl, gm), (wl, wm)) in got.iter().zip(want) {
        assert_eq!(*gl, wl, "{gm}");
        assert!(gm.contains(wm), "{gm} should contain {wm}");
    }
    assert_eq!(pos(&f, &errs[2]), (3, 1));
    assert_eq!(doc.instructions().last().unwrap().keyword, Keyword::Run);
}

#[test]
fn word_splitting_per_instruction() {
    let f = file("FROM a\nARG A=\"x y\" B\nEXPOSE 80/tcp  443\nVOLUME /a /b\nUSER  app user\n");
    let (doc, _) = parse(&f);
    let i = instrs(&doc);
    let words = |a: &Args| -> Vec<String> {
        match a {
            Args::Words(w) => w.iter().map(|w| w.value.clone()).collect(),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(words(&i[1].args), ["A=\"x y\"", "B"]);
    assert_eq!(words(&i[2].args), ["80/tcp", "443"]);
    assert_eq!(words(&i[3].args), ["/a", "/b"]);
    match &i[4].args {
        Args::Text(t) => assert_eq!(t.value, "app user"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn flags_end_at_double_dash_and_first_word() {
    let f = file("FROM a\nRUN --network=none -- --not-a-flag\nRUN echo --network=x\n");
    let (doc, errs) = parse(&f);
    assert!(errs.is_empty(), "{errs:?}");
    let i = instrs(&doc);
    assert_eq!(i[1].flags.len(), 1);
    assert_eq!(i[1].rest.as_ref().unwrap().value, "--not-a-flag");
    assert!(i[2].flags.is_empty());
}

#[test]
fn empty_file_and_comment_only_file() {
    for text in ["", "# just\n\n"] {
        let f = file(text);
        let (doc, errs) = parse(&f);
        assert_eq!(doc.instructions().count(), 0);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].message.contains("no instructions"));
        assert_eq!(doc.reconstruct(&f.text), text);
    }
}
