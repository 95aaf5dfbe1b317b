//! Parses the files named on the command line and prints errors
//! (debugging aid).
fn main() {
    let mut total = 0usize;
    let mut bytes = 0usize;
    let t = std::time::Instant::now();
    for path in std::env::args().skip(1) {
        let Ok(s) = std::fs::read_to_string(&path) else {
            continue;
        };
        total += 1;
        bytes += s.len();
        let p = stockade_shell::parse_file(&s, stockade_core::span::FileId(0));
        for e in p.errors.iter().take(3) {
            let line = s[..(e.span.start as usize).min(s.len())]
                .matches('\n')
                .count()
                + 1;
            println!("{path}:{line}: {}", e.message);
        }
    }
    eprintln!("{total} files, {bytes} bytes in {:?}", t.elapsed());
}
