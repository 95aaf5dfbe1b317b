//! Shell lexing and parsing for RUN bodies and scripts, with spans
