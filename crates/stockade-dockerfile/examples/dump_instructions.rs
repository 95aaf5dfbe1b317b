//! Prints, for each Dockerfile named on the command line, one JSON line with
//! the instructions as stockade parses them (keyword, 1-based start/end
//! lines, heredoc names and bodies) and the parse errors. Used by
//! `tests/oracle/compare_buildkit.py` to compare with BuildKit's parser.

use serde_json::json;
use stockade_core::span::SourceMap;
use stockade_dockerfile::{Args, InstructionNode, Keyword};

/// The arguments the way BuildKit's parser lists them (`Node.Next` values).
fn values(i: &InstructionNode) -> Vec<String> {
    if i.keyword == Keyword::Unknown {
        return vec![String::new()];
    }
    fn of(a: &Args) -> Vec<String> {
        match a {
            Args::None => Vec::new(),
            Args::Exec(v) | Args::Words(v) => v.iter().map(|s| s.value.clone()).collect(),
            Args::Shell(s) | Args::Text(s) => vec![s.value.clone()],
            Args::KeyValues { pairs, .. } => pairs
                .iter()
                .flat_map(|p| [p.key.value.clone(), p.value.value.clone()])
                .collect(),
            Args::Healthcheck { kind, cmd } => {
                let mut v = vec![kind.value.clone()];
                v.extend(of(cmd));
                v
            }
            Args::Onbuild(inner) => values(inner),
        }
    }
    of(&i.args)
}

fn is_json(a: &Args) -> bool {
    match a {
        Args::Exec(_) => true,
        Args::Healthcheck { cmd, .. } => is_json(cmd),
        _ => false,
    }
}

fn main() {
    let map = SourceMap::new();
    for path in std::env::args().skip(1) {
        let text = match std::fs::read(&path) {
            Ok(b) => String::from_utf8_lossy(&b).into_owned(),
            Err(e) => {
                println!("{}", json!({"path": path, "read_error": e.to_string()}));
                continue;
            }
        };
        let file = map.add(path.clone(), None, text);
        let (doc, errors) = stockade_dockerfile::parse(&file);
        let instructions: Vec<_> = doc
            .instructions()
            .map(|i| {
                let first = i
                    .lines
                    .first()
                    .map(|l| l.span.start)
                    .unwrap_or(i.span.start);
                let start = file.line_col(first as usize).line;
                let last = i.lines.last().map(|l| l.span.start).unwrap_or(i.span.start);
                let end = file.line_col(last as usize).line;
                let heredocs: Vec<_> = i
                    .heredocs
                    .iter()
                    .map(|h| json!({"name": h.name, "content": h.content}))
                    .collect();
                let flags: Vec<String> = i
                    .flags
                    .iter()
                    .map(|f| match &f.value {
                        Some(v) => format!("--{}={v}", f.name),
                        None => format!("--{}", f.name),
                    })
                    .collect();
                json!({
                    "cmd": i.name.value.to_lowercase(),
                    "start": start,
                    "end": end,
                    "heredocs": heredocs,
                    "flags": flags,
                    "value": values(i),
                    "json": is_json(&i.args),
                    "sub_cmd": i.onbuild_inner().map(|x| x.name.value.to_lowercase()),
                })
            })
            .collect();
        let errors: Vec<_> = errors
            .iter()
            .map(|e| {
                let at = e.span.map(|s| file.line_col(s.start as usize).line);
                json!({"line": at, "message": e.message})
            })
            .collect();
        println!(
            "{}",
            json!({"path": path, "instructions": instructions, "errors": errors})
        );
    }
}
