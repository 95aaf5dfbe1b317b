//! Prints the parse tree of stdin (debugging aid).
use std::io::Read;

fn main() {
    let mut s = String::new();
    let _ = std::io::stdin().read_to_string(&mut s);
    let p = stockade_shell::parse_file(&s, stockade_core::span::FileId(0));
    println!("{:#?}", p.script);
    println!("render: {}", p.script);
    for e in &p.errors {
        println!("error {}..{}: {}", e.span.start, e.span.end, e.message);
    }
}
