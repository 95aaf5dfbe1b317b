//! Renderers: human, JSON, SARIF, GitHub annotations
