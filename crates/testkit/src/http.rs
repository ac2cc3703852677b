//! A small HTTP/1.1 server for tests and benches, on 127.0.0.1 only, that serves one object by
//! range requests and injects faults on demand: connection drops mid-body, 503 bursts with
//! `Retry-After`, slow bodies, a server that ignores `Range`, a wrong `Content-Range`, an ETag
//! that changes, redirect loops, an expired-SAS 403, a fixed delay per request.
//!
//! It is bounded: each connection is served by one thread with read timeouts, requests beyond
//! [`MAX_REQUESTS`] are answered 500, and the server stops when its handle is dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Requests one server answers before refusing (a runaway client fails its test, not the box).
pub const MAX_REQUESTS: u64 = 10_000;

/// What the server serves.
#[derive(Debug, Clone)]
pub enum Object {
    /// Bytes in memory.
    Bytes(Arc<Vec<u8>>),
    /// A file, read by offset (a 64 GiB sparse image costs nothing).
    File(PathBuf),
    /// The files of a folder, each at `/<file name>` (benches).
    Dir(PathBuf),
}

impl Object {
    /// The object served at `path`.
    fn at(&self, path: &str) -> Object {
        match self {
            Object::Dir(d) => {
                let name = path.rsplit('/').next().unwrap_or("");
                Object::File(d.join(name))
            }
            other => other.clone(),
        }
    }
    fn len(&self) -> u64 {
        match self {
            Object::Bytes(b) => b.len() as u64,
            Object::File(p) => std::fs::metadata(p).map(|m| m.len()).unwrap_or(0),
            Object::Dir(_) => 0,
        }
    }
    fn read(&self, start: u64, len: u64) -> Vec<u8> {
        match self {
            Object::Dir(_) => Vec::new(),
            Object::Bytes(b) => b
                .get(start as usize..(start + len) as usize)
                .map(<[u8]>::to_vec)
                .unwrap_or_default(),
            Object::File(p) => {
                use std::os::unix::fs::FileExt;
                let mut buf = vec![0u8; len as usize];
                match std::fs::File::open(p).and_then(|f| f.read_exact_at(&mut buf, start)) {
                    Ok(()) => buf,
                    Err(_) => Vec::new(),
                }
            }
        }
    }
}

/// The faults to inject; counts apply to the first requests that reach them.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Delay before every answer (latency of a far region).
    pub delay: Duration,
    /// Ranged GETs (counted after the first) whose body is cut in half and the connection closed.
    pub drop_mid_body: u64,
    /// First requests answered `503` with this `Retry-After` (seconds).
    pub status_503: u64,
    /// The `Retry-After` sent with the 503s.
    pub retry_after_secs: u64,
    /// Ranged GETs (counted after the first) whose body is sent after `slow_delay`.
    pub slow_bodies: u64,
    /// How late a slow body comes.
    pub slow_delay: Duration,
    /// Answer every GET with 200 and the whole object.
    pub ignore_range: bool,
    /// Shift `Content-Range` by one byte on ranged GETs after the first.
    pub wrong_content_range: bool,
    /// The ETag changes after this many requests (0: never).
    pub etag_changes_after: u64,
    /// Every request is redirected to another path, forever.
    pub redirect_loop: bool,
    /// The first request of each connection to `/redirect/...` is sent to `/...`.
    pub redirect_prefix: bool,
    /// Answer `403` with `x-ms-error-code: AuthenticationFailed` (an expired SAS).
    pub forbidden: bool,
    /// Answer `404`.
    pub not_found: bool,
}

/// A running server; stops when dropped.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    state: Arc<State>,
}

struct State {
    object: Object,
    faults: Faults,
    requests: AtomicU64,
    ranged: AtomicU64,
    log: Mutex<Vec<String>>,
}

impl Server {
    /// Serves `object` with `faults` on 127.0.0.1 (a free port).
    pub fn start(object: Object, faults: Faults) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let stop = Arc::new(AtomicBool::new(false));
        let state = Arc::new(State {
            object,
            faults,
            requests: AtomicU64::new(0),
            ranged: AtomicU64::new(0),
            log: Mutex::new(Vec::new()),
        });
        let (stop2, state2) = (stop.clone(), state.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                if let Ok(conn) = conn {
                    let state = state2.clone();
                    std::thread::spawn(move || serve(conn, &state));
                }
            }
        });
        Server { addr, stop, state }
    }

    /// `http://127.0.0.1:PORT/path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Requests answered so far.
    pub fn requests(&self) -> u64 {
        self.state.requests.load(Ordering::SeqCst)
    }

    /// Every request line and its headers, as received.
    pub fn log(&self) -> Vec<String> {
        self.state.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(conn: TcpStream, state: &State) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(20)));
    let _ = conn.set_nodelay(true);
    let mut reader = BufReader::new(match conn.try_clone() {
        Ok(c) => c,
        Err(_) => return,
    });
    let mut out = conn;
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
            head.push(line.trim_end().to_string());
            if head.len() > 100 {
                return;
            }
        }
        let Some(request_line) = head.first().cloned() else {
            return;
        };
        let header = |name: &str| {
            head.iter().skip(1).find_map(|h| {
                let (k, v) = h.split_once(':')?;
                k.trim()
                    .eq_ignore_ascii_case(name)
                    .then(|| v.trim().to_string())
            })
        };
        // Drain a body if one was sent (none expected).
        if let Some(n) = header("content-length").and_then(|v| v.parse::<u64>().ok()) {
            let _ = std::io::copy(&mut (&mut reader).take(n), &mut std::io::sink());
        }
        let n = state.requests.fetch_add(1, Ordering::SeqCst) + 1;
        if let Ok(mut log) = state.log.lock() {
            log.push(head.join("\n"));
        }
        let f = &state.faults;
        if !f.delay.is_zero() {
            std::thread::sleep(f.delay);
        }
        let mut parts = request_line.split(' ');
        let method = parts.next().unwrap_or("").to_string();
        let target = parts.next().unwrap_or("/").to_string();
        let path = target.split('?').next().unwrap_or("/").to_string();
        let query = target
            .split_once('?')
            .map(|(_, q)| format!("?{q}"))
            .unwrap_or_default();
        let simple = |out: &mut TcpStream, status: &str, extra: &str| {
            let _ = write!(out, "HTTP/1.1 {status}\r\nContent-Length: 0\r\n{extra}\r\n");
        };
        if n > MAX_REQUESTS {
            simple(
                &mut out,
                "500 Too Many Requests For A Test",
                "Connection: close\r\n",
            );
            return;
        }
        if f.forbidden {
            simple(
                &mut out,
                "403 Server failed to authenticate the request",
                "x-ms-error-code: AuthenticationFailed\r\n",
            );
            continue;
        }
        if f.not_found {
            simple(&mut out, "404 Not Found", "");
            continue;
        }
        if f.redirect_loop {
            let next = if path == "/a" { "/b" } else { "/a" };
            simple(
                &mut out,
                "302 Found",
                &format!("Location: {next}{query}\r\n"),
            );
            continue;
        }
        if f.redirect_prefix {
            if let Some(rest) = path.strip_prefix("/redirect") {
                simple(
                    &mut out,
                    "307 Temporary Redirect",
                    &format!("Location: {rest}{query}\r\n"),
                );
                continue;
            }
        }
        if n <= f.status_503 {
            simple(
                &mut out,
                "503 Service Unavailable",
                &format!("Retry-After: {}\r\n", f.retry_after_secs),
            );
            continue;
        }
        let etag = if f.etag_changes_after > 0 && n > f.etag_changes_after {
            "\"v2\""
        } else {
            "\"v1\""
        };
        if let Some(want) = header("if-match") {
            if want != etag && want != "*" {
                simple(&mut out, "412 Precondition Failed", "");
                continue;
            }
        }
        let object = state.object.at(&path);
        if matches!(object, Object::File(ref p) if !p.is_file()) {
            simple(&mut out, "404 Not Found", "");
            continue;
        }
        let len = object.len();
        let common =
            format!("ETag: {etag}\r\nAccept-Ranges: bytes\r\nx-ms-blob-type: PageBlob\r\n");
        if method == "HEAD" {
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n{common}\r\n"
            );
            continue;
        }
        let range = header("x-ms-range")
            .or_else(|| header("range"))
            .and_then(|r| parse_range(&r, len));
        let Some((start, end)) = range.filter(|_| !f.ignore_range) else {
            if range.is_none() && header("range").is_some() && !f.ignore_range {
                simple(
                    &mut out,
                    "416 Range Not Satisfiable",
                    &format!("Content-Range: bytes */{len}\r\n"),
                );
                continue;
            }
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n{common}\r\n"
            );
            // The whole body, in 1 MiB pieces; the client may hang up.
            let mut at = 0;
            while at < len {
                let piece = (len - at).min(1 << 20);
                if out.write_all(&object.read(at, piece)).is_err() {
                    return;
                }
                at += piece;
            }
            continue;
        };
        let k = state.ranged.fetch_add(1, Ordering::SeqCst) + 1;
        let body = object.read(start, end - start + 1);
        // Faults on ranged GETs spare the first two (the opening round trip) unless noted.
        let late = k > 2;
        let shift = u64::from(f.wrong_content_range && late);
        let _ = write!(
            out,
            "HTTP/1.1 206 Partial Content\r\nContent-Length: {}\r\nContent-Range: bytes {}-{}/{len}\r\n{common}\r\n",
            body.len(),
            start + shift,
            end + shift
        );
        if late && k - 2 <= f.slow_bodies {
            std::thread::sleep(f.slow_delay);
        }
        if late && k - 2 <= f.drop_mid_body {
            let _ = out.write_all(body.get(..body.len() / 2).unwrap_or_default());
            let _ = out.flush();
            return;
        }
        if out.write_all(&body).is_err() {
            return;
        }
    }
}

/// `bytes=a-b`, `bytes=a-`, `bytes=-n` against `len`: the inclusive range, or `None`.
fn parse_range(v: &str, len: u64) -> Option<(u64, u64)> {
    let spec = v.trim().strip_prefix("bytes=")?;
    let (a, b) = spec.split_once('-')?;
    if len == 0 {
        return None;
    }
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        (len.saturating_sub(n), len - 1)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            len - 1
        } else {
            b.parse::<u64>().ok()?.min(len - 1)
        };
        (start, end)
    };
    (start <= end && start < len).then_some((start, end))
}
