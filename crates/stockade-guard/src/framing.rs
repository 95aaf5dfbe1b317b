//! A watch on the raw request bytes of a client connection, for the one
//! framing ambiguity the HTTP layer resolves silently: a request with both
//! `Transfer-Encoding` and `Content-Length`. hyper reads such a body as
//! chunked (as RFC 9112 says), drops `Content-Length` and closes the
//! connection afterwards, so nothing is smuggled past the guard; but the
//! request is a smuggling attempt and the guard refuses it outright. The
//! watch follows the request framing (heads, `Content-Length` bodies,
//! chunked bodies) and records the index of the first request whose head
//! carries both headers. It stops watching at the first head that asks for
//! an upgrade (raw bytes may follow) or that it cannot follow (the HTTP
//! layer rejects those itself).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// Largest request head the watch follows (hyper's limit is lower).
const MAX_HEAD: usize = 512 * 1024;

/// Shared between the watch and the request handler.
#[derive(Debug)]
pub struct Flags {
    /// Index (0-based, in arrival order) of the first request with both
    /// `Transfer-Encoding` and `Content-Length`; `usize::MAX` when none.
    pub te_and_cl: AtomicUsize,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            te_and_cl: AtomicUsize::new(usize::MAX),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Head,
    Body(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkEnd,
    Trailers,
    Done,
}

/// The framing follower.
#[derive(Debug)]
pub struct Scanner {
    state: State,
    line: Vec<u8>,
    requests: usize,
    flags: Arc<Flags>,
}

impl Scanner {
    pub fn new(flags: Arc<Flags>) -> Scanner {
        Scanner {
            state: State::Head,
            line: Vec::new(),
            requests: 0,
            flags,
        }
    }

    /// Feeds bytes read from the client.
    pub fn feed(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            match self.state {
                State::Done => return,
                State::Body(n) => {
                    let take = (b.len() as u64).min(n);
                    b = &b[take as usize..];
                    self.state = if n == take {
                        State::Head
                    } else {
                        State::Body(n - take)
                    };
                }
                State::ChunkData(n) => {
                    let take = (b.len() as u64).min(n);
                    b = &b[take as usize..];
                    self.state = if n == take {
                        State::ChunkEnd
                    } else {
                        State::ChunkData(n - take)
                    };
                }
                State::Head => {
                    if self.line.is_empty() {
                        // Blank lines before a request line are skipped.
                        let skip = b
                            .iter()
                            .take_while(|c| **c == b'\r' || **c == b'\n')
                            .count();
                        b = &b[skip..];
                        if b.is_empty() {
                            return;
                        }
                    }
                    match find_end(&self.line, b, b"\r\n\r\n") {
                        Some(used) => {
                            self.line.extend_from_slice(&b[..used]);
                            b = &b[used..];
                            let head = std::mem::take(&mut self.line);
                            self.state = self.after_head(&head);
                            self.requests += 1;
                        }
                        None => {
                            self.line.extend_from_slice(b);
                            if self.line.len() > MAX_HEAD {
                                self.state = State::Done;
                            }
                            return;
                        }
                    }
                }
                State::ChunkSize | State::ChunkEnd | State::Trailers => {
                    match find_end(&self.line, b, b"\r\n") {
                        Some(used) => {
                            self.line.extend_from_slice(&b[..used]);
                            b = &b[used..];
                            let line = std::mem::take(&mut self.line);
                            let text = &line[..line.len() - 2];
                            self.state = match self.state {
                                State::ChunkEnd if text.is_empty() => State::ChunkSize,
                                State::ChunkEnd => State::Done,
                                State::Trailers if text.is_empty() => State::Head,
                                State::Trailers => State::Trailers,
                                _ => match chunk_size(text) {
                                    Some(0) => State::Trailers,
                                    Some(n) => State::ChunkData(n),
                                    None => State::Done,
                                },
                            };
                        }
                        None => {
                            self.line.extend_from_slice(b);
                            if self.line.len() > 4096 {
                                self.state = State::Done;
                            }
                            return;
                        }
                    }
                }
            }
        }
    }

    fn after_head(&mut self, head: &[u8]) -> State {
        let text = String::from_utf8_lossy(head);
        let mut lines = text.split("\r\n");
        let request_line = lines.next().unwrap_or("");
        let (mut te, mut cl, mut upgrade) = (false, None::<u64>, false);
        for l in lines {
            let Some((name, value)) = l.split_once(':') else {
                continue;
            };
            let name = name.trim().to_ascii_lowercase();
            match name.as_str() {
                "transfer-encoding" => te = true,
                "content-length" => cl = Some(value.trim().parse().unwrap_or(u64::MAX)),
                "upgrade" => upgrade = true,
                _ => {}
            }
        }
        if te && cl.is_some() {
            let _ = self.flags.te_and_cl.compare_exchange(
                usize::MAX,
                self.requests,
                Ordering::SeqCst,
                Ordering::SeqCst,
            );
            return State::Done;
        }
        if upgrade || request_line.starts_with("CONNECT ") {
            return State::Done;
        }
        match (te, cl) {
            (true, _) => State::ChunkSize,
            (false, Some(u64::MAX)) => State::Done,
            (false, Some(0)) | (false, None) => State::Head,
            (false, Some(n)) => State::Body(n),
        }
    }
}

/// Where `pat` ends in `prev ++ b`, as a count of bytes of `b`.
fn find_end(prev: &[u8], b: &[u8], pat: &[u8]) -> Option<usize> {
    // The pattern may start in `prev`: look at its tail joined with `b`.
    let keep = prev.len().min(pat.len() - 1);
    let mut joined = Vec::with_capacity(keep + b.len().min(64 * 1024));
    joined.extend_from_slice(&prev[prev.len() - keep..]);
    joined.extend_from_slice(b);
    joined
        .windows(pat.len())
        .position(|w| w == pat)
        .map(|p| p + pat.len() - keep)
}

fn chunk_size(line: &[u8]) -> Option<u64> {
    let text = std::str::from_utf8(line).ok()?;
    let hexpart = text.split(';').next()?.trim();
    if hexpart.is_empty() || hexpart.len() > 15 {
        return None;
    }
    u64::from_str_radix(hexpart, 16).ok()
}

/// An IO wrapper that feeds every byte read to a [`Scanner`].
pub struct Watched<IO> {
    inner: IO,
    scanner: Scanner,
}

impl<IO> Watched<IO> {
    pub fn new(inner: IO, flags: Arc<Flags>) -> Self {
        Watched {
            inner,
            scanner: Scanner::new(flags),
        }
    }
}

impl<IO: AsyncRead + Unpin> AsyncRead for Watched<IO> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let me = &mut *self;
        let r = Pin::new(&mut me.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = &r
            && me.scanner.state != State::Done
        {
            me.scanner.feed(&buf.filled()[before..]);
        }
        r
    }
}

impl<IO: AsyncWrite + Unpin> AsyncWrite for Watched<IO> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        b: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, b)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(parts: &[&[u8]]) -> (usize, usize, State) {
        let flags = Arc::new(Flags::default());
        let mut s = Scanner::new(flags.clone());
        for p in parts {
            s.feed(p);
        }
        (flags.te_and_cl.load(Ordering::SeqCst), s.requests, s.state)
    }

    #[test]
    fn follows_keep_alive_framing() {
        let reqs = b"GET /_ping HTTP/1.1\r\nHost: d\r\n\r\n\
            POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello\
            POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n\
            GET /c HTTP/1.1\r\n\r\n";
        assert_eq!(scan(&[reqs]), (usize::MAX, 4, State::Head));
        // Byte by byte, the same.
        let bytes: Vec<&[u8]> = reqs.chunks(1).collect();
        assert_eq!(scan(&bytes), (usize::MAX, 4, State::Head));
        // A body that looks like a head is a body.
        let tricky = b"POST /a HTTP/1.1\r\nContent-Length: 44\r\n\r\nGET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
        let (flag, n, _) = scan(&[tricky]);
        assert_eq!((flag, n), (usize::MAX, 1));
    }

    #[test]
    fn flags_te_with_cl() {
        let r = b"GET /_ping HTTP/1.1\r\n\r\nPOST /c HTTP/1.1\r\nContent-Length: 4\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n";
        assert_eq!(scan(&[r]).0, 1);
        let r = b"POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n";
        assert_eq!(scan(&[&r[..10], &r[10..]]).0, 0);
    }

    #[test]
    fn stops_at_upgrades_and_garbage() {
        let r = b"POST /containers/x/attach HTTP/1.1\r\nUpgrade: tcp\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n";
        assert_eq!(scan(&[r]), (usize::MAX, 1, State::Done));
        let r = b"POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n";
        assert_eq!(scan(&[r]).2, State::Done);
        let huge = vec![b'a'; MAX_HEAD + 10];
        assert_eq!(scan(&[&huge]).2, State::Done);
    }
}
