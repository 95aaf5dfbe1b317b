//! Lossless Dockerfile parser (BuildKit syntax) and its evaluation into a
//! [`BuildSpec`].
//!
//! - [`parse`] gives the [`Document`]: every line of the file with spans,
//!   comments, continuations and heredoc bodies kept
//!   ([`Document::reconstruct`] returns the input byte for byte).
//! - [`evaluate`] parses and evaluates: stages, `ARG`/`ENV` scopes and
//!   BuildKit's word expansion (values that depend on unknown variables stay
//!   unknown), users, `RUN` scripts (parsed with `stockade_shell`), and
//!   inline suppression comments.
//! - [`looks_like_dockerfile`] sniffs content for files whose name says nothing.
//!
//! Nothing here panics on any input; problems become [`InputError`]s with
//! spans and parsing continues with the next instruction.

mod eval;
mod expand;
mod lex;
mod parser;
mod pragma;
mod sniff;
mod syntax;

pub use sniff::looks_like_dockerfile;
pub use syntax::*;

use std::path::PathBuf;
use stockade_core::build::BuildSpec;
use stockade_core::finding::InputError;
use stockade_core::span::SourceFile;

/// How to evaluate a Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct EvalOptions {
    /// `--build-arg NAME=value`: overrides the default of a declared `ARG`
    /// (undeclared names have no effect, as in BuildKit).
    pub build_args: Vec<(String, String)>,
    /// `--target`: the stage to judge instead of the last one.
    pub target: Option<String>,
    /// The build context; defaults to the Dockerfile's directory on disk.
    pub context_dir: Option<PathBuf>,
}

/// Parses `file` into its lossless syntax tree. The errors are what
/// BuildKit would reject (unknown instructions and flags, bad argument
/// counts, unterminated heredocs, invalid directives), each with a span.
pub fn parse(file: &SourceFile) -> (Document, Vec<InputError>) {
    parser::parse_document(file)
}

/// Parses and evaluates `file` into a [`BuildSpec`].
pub fn evaluate(file: &SourceFile, opts: &EvalOptions) -> (BuildSpec, Vec<InputError>) {
    let (doc, mut errors) = parse(file);
    let mut spec = eval::evaluate_doc(file, &doc, opts, &mut errors);
    spec.suppressions = pragma::collect(&doc, file, &spec);
    (spec, errors)
}
