//! Prints, for each Dockerfile named on the command line, one JSON line with
//! the instructions as stockade parses them (keyword, 1-based start/end
//! lines, heredoc names and bodies) and the parse errors. Used by
//! `tests/oracle/compare_buildkit.py` to compare with BuildKit's parser.

use serde_json::json;
use stockade_core::span::SourceMap;

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
                json!({
                    "cmd": i.name.value.to_lowercase(),
                    "start": start,
                    "end": end,
                    "heredocs": heredocs,
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
