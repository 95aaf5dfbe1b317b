//! Byte spans into source files, and the map from file ids to their text.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

/// Identifies one loaded source file inside a [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A half-open byte range `[start, end)` in one source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, start: usize, end: usize) -> Self {
        debug_assert!(start <= end);
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// An empty span at `pos`.
    pub fn point(file: FileId, pos: usize) -> Self {
        Span::new(file, pos, pos)
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both (same file assumed; `self`'s file wins).
    pub fn to(&self, other: Span) -> Span {
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn contains(&self, other: Span) -> bool {
        self.file == other.file && self.start <= other.start && other.end <= self.end
    }
}

/// A value together with the span where it was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Spanned<U> {
        Spanned {
            value: f(self.value),
            span: self.span,
        }
    }
    pub fn as_ref(&self) -> Spanned<&T> {
        Spanned {
            value: &self.value,
            span: self.span,
        }
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

/// 1-based line and column (column counted in Unicode scalar values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// One source file's text and line index.
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    /// The path as the user named it (or as discovered below a named directory).
    pub path: String,
    /// Where it lives on disk, when it came from disk.
    pub disk_path: Option<PathBuf>,
    pub text: String,
    line_starts: Vec<u32>,
}

impl SourceFile {
    pub fn new(
        id: FileId,
        path: impl Into<String>,
        disk_path: Option<PathBuf>,
        text: String,
    ) -> Self {
        let mut line_starts = vec![0u32];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i as u32 + 1);
            }
        }
        SourceFile {
            id,
            path: path.into(),
            disk_path,
            text,
            line_starts,
        }
    }

    /// Number of lines (a final line without a newline counts).
    pub fn line_count(&self) -> usize {
        if self.text.ends_with('\n') {
            self.line_starts.len() - 1
        } else {
            self.line_starts.len()
        }
    }

    /// 0-based line index containing byte `pos`.
    pub fn line_index(&self, pos: usize) -> usize {
        match self.line_starts.binary_search(&(pos as u32)) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Byte range of 0-based line `idx`, without its line terminator.
    pub fn line_range(&self, idx: usize) -> std::ops::Range<usize> {
        let start = self
            .line_starts
            .get(idx)
            .copied()
            .unwrap_or(self.text.len() as u32) as usize;
        let mut end = self
            .line_starts
            .get(idx + 1)
            .map(|&e| e as usize)
            .unwrap_or(self.text.len());
        let bytes = self.text.as_bytes();
        if end > start && bytes[end - 1] == b'\n' {
            end -= 1;
        }
        if end > start && bytes[end - 1] == b'\r' {
            end -= 1;
        }
        start..end
    }

    pub fn line_text(&self, idx: usize) -> &str {
        &self.text[self.line_range(idx)]
    }

    /// 1-based line/column of byte `pos` (clamped to the text, and to a char boundary).
    pub fn line_col(&self, pos: usize) -> LineCol {
        let mut pos = pos.min(self.text.len());
        while !self.text.is_char_boundary(pos) {
            pos -= 1;
        }
        let idx = self.line_index(pos);
        let start = self.line_starts[idx] as usize;
        let column = self.text[start..pos].chars().count() as u32 + 1;
        LineCol {
            line: idx as u32 + 1,
            column,
        }
    }

    /// Byte offset of the start of 1-based `line`.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts
            .get(line.checked_sub(1)?)
            .map(|&s| s as usize)
    }

    pub fn slice(&self, span: Span) -> &str {
        let r = span.range();
        self.text.get(r).unwrap_or("")
    }
}

/// All files loaded in one run. Shared between threads; ids are dense.
#[derive(Debug, Default)]
pub struct SourceMap {
    files: RwLock<Vec<Arc<SourceFile>>>,
}

impl SourceMap {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file and returns it with its new id.
    pub fn add(
        &self,
        path: impl Into<String>,
        disk_path: Option<PathBuf>,
        text: String,
    ) -> Arc<SourceFile> {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        let id = FileId(files.len() as u32);
        let file = Arc::new(SourceFile::new(id, path, disk_path, text));
        files.push(file.clone());
        file
    }

    pub fn get(&self, id: FileId) -> Option<Arc<SourceFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        files.get(id.0 as usize).cloned()
    }

    pub fn len(&self) -> usize {
        self.files.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Resolves a span into a path and 1-based start/end positions.
    pub fn resolve(&self, span: Span) -> Option<ResolvedSpan> {
        let file = self.get(span.file)?;
        let start = file.line_col(span.start as usize);
        let end = file.line_col(span.end as usize);
        Some(ResolvedSpan {
            path: file.path.clone(),
            start,
            end,
        })
    }
}

/// A span turned into what people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedSpan {
    pub path: String,
    pub start: LineCol,
    pub end: LineCol,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars_and_lines() {
        let f = SourceFile::new(FileId(0), "x", None, "ab\ncé d\r\nlast".to_string());
        assert_eq!(f.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(3), LineCol { line: 2, column: 1 });
        // 'é' is two bytes; 'd' is at byte 7 and is the 4th char of line 2.
        assert_eq!(f.line_col(7), LineCol { line: 2, column: 4 });
        assert_eq!(f.line_text(1), "cé d");
        assert_eq!(f.line_text(2), "last");
        assert_eq!(f.line_count(), 3);
        assert_eq!(f.line_start(3), Some(10));
    }

    #[test]
    fn line_col_clamps_inside_multibyte() {
        let f = SourceFile::new(FileId(0), "x", None, "é".to_string());
        assert_eq!(f.line_col(1), LineCol { line: 1, column: 1 });
        assert_eq!(f.line_col(99), LineCol { line: 1, column: 2 });
    }
}

/// Maps offsets in a joined text (e.g. a RUN body with its line
/// continuations and comment lines removed) back to byte offsets in the file.
///
/// Each segment says: logical offsets from `logical` on correspond to file
/// offsets from `file` on, until the next segment starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OffsetMap {
    pub file_id: FileId,
    segments: Vec<(u32, u32)>,
}

impl OffsetMap {
    /// A map for text that is one contiguous slice of the file starting at `file_start`.
    pub fn contiguous(file_id: FileId, file_start: usize) -> Self {
        OffsetMap {
            file_id,
            segments: vec![(0, file_start as u32)],
        }
    }

    /// Adds a segment: logical offset `logical` is file offset `file`.
    /// Segments must be pushed in increasing logical order.
    pub fn push(&mut self, logical: usize, file: usize) {
        if let Some(last) = self.segments.last_mut()
            && last.0 == logical as u32
        {
            last.1 = file as u32;
            return;
        }
        self.segments.push((logical as u32, file as u32));
    }

    /// File offset of logical offset `pos`.
    pub fn to_file(&self, pos: usize) -> usize {
        let pos = pos as u32;
        let idx = match self.segments.binary_search_by(|s| s.0.cmp(&pos)) {
            Ok(i) => i,
            Err(0) => return pos as usize,
            Err(i) => i - 1,
        };
        let (l, f) = self.segments[idx];
        (f + (pos - l)) as usize
    }

    /// A file span for the logical range `[start, end)`.
    pub fn span(&self, start: usize, end: usize) -> Span {
        let s = self.to_file(start);
        // The end maps from the last byte inside the range so a range that
        // ends at a segment boundary does not jump over the removed text.
        let e = if end > start {
            self.to_file(end - 1) + 1
        } else {
            s
        };
        Span::new(self.file_id, s, e.max(s))
    }
}

#[cfg(test)]
mod offset_tests {
    use super::*;

    #[test]
    fn maps_across_segments() {
        // file: "RUN a \\\n  b" ; logical "a   b" built from two pieces.
        let mut m = OffsetMap::contiguous(FileId(3), 4);
        m.push(2, 10);
        assert_eq!(m.to_file(0), 4);
        assert_eq!(m.to_file(1), 5);
        assert_eq!(m.to_file(2), 10);
        assert_eq!(m.to_file(4), 12);
        let s = m.span(0, 2);
        assert_eq!((s.start, s.end, s.file), (4, 6, FileId(3)));
        let s = m.span(0, 3);
        assert_eq!((s.start, s.end), (4, 11));
    }
}
