//! Lossless Dockerfile parser (BuildKit syntax) and its evaluation into a BuildSpec
