//! Disk images read **in place** over HTTP(S) range requests: an Azure blob or managed-disk SAS
//! URL, or any web server that honours `Range`, presented as a [`ReadAt`] source.
//!
//! A check reads a few hundred KB of a 64–127 GB image; this crate fetches only those bytes.
//!
//! - [`HttpSource::open`] makes one round trip: the first [`Options::head_bytes`] and the last
//!   [`Options::tail_bytes`] of the object, fetched in parallel (the VHD footer and header, the
//!   VHDX headers and region tables, the MBR and GPT). Their `Content-Range` gives the size (a
//!   `HEAD` is the fallback: `Content-Length`, `x-ms-blob-content-length`); the first ETag pins
//!   the object, sent as `If-Match` on every later request, so a blob that changes mid-check is
//!   a clear error, never a mixed read.
//! - Reads go through a cache of [`Options::page_size`] pages bounded by
//!   [`Options::cache_bytes`]; a miss fetches the missing pages as one coalesced range, and a
//!   run of misses that continue each other doubles the read-ahead (up to
//!   [`MAX_READAHEAD`]). Large reads are split and fetched in parallel.
//! - Every request has a timeout, the whole session a deadline; connection resets, timeouts,
//!   429/500/502/503/504 are retried a bounded number of times with exponential backoff and
//!   jitter, honouring `Retry-After`. Short bodies and `Content-Range` mismatches are detected.
//! - The first network failure is kept ([`HttpSource::failure`]): callers report it as a tool
//!   error (exit 2), never as a verdict about the image.
//! - Secrets stay secret: the query string (a SAS token) is never part of any message; see
//!   [`display_url`].

#![deny(missing_docs)]

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use vhdlint_container::read::{check_bounds, PREFETCH_MAX};
use vhdlint_container::{ReadAt, ReadError};

/// Azure Storage REST version sent as `x-ms-version` to Azure blobs (range reads of page and
/// block blobs, `x-ms-range`, `x-ms-blob-content-length`).
pub const AZURE_VERSION: &str = "2021-08-06";
/// Longest read-ahead a run of sequential misses grows to.
pub const MAX_READAHEAD: u64 = 1 << 20;
/// Reads at least this large bypass the cache and are fetched in [`LARGE_CHUNK`] pieces.
pub const LARGE_READ: usize = 1 << 20;
/// Piece size of large reads (fetched [`Options::parallel`] at a time).
pub const LARGE_CHUNK: u64 = 4 << 20;

/// How an [`HttpSource`] talks to its server.
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest one request may take, connection, headers and body included.
    pub request_timeout: Duration,
    /// Longest the whole session may take, retries and backoff included.
    pub overall_timeout: Duration,
    /// Retries of one request after a transient failure (resets, timeouts, 429/5xx).
    pub retries: u32,
    /// First backoff delay; doubled per retry, with jitter, up to [`Options::backoff_max`].
    pub backoff_base: Duration,
    /// Longest backoff delay, and longest `Retry-After` honoured.
    pub backoff_max: Duration,
    /// Redirects followed per request.
    pub max_redirects: u32,
    /// A server that ignores `Range` and answers 200 is accepted only for objects up to this
    /// size (then the whole body is kept); larger objects are refused, never downloaded.
    pub small_object_cap: u64,
    /// Bytes fetched from the start of the object when it is opened (320 KiB: the MBR/GPT, a
    /// dynamic VHD header, the VHDX file identifier, both headers and both region tables).
    pub head_bytes: u64,
    /// Bytes fetched from the end of the object when it is opened (VHD footer, GPT backup).
    pub tail_bytes: u64,
    /// Cache page size.
    pub page_size: u64,
    /// Bytes the cache keeps at most.
    pub cache_bytes: u64,
    /// Requests in flight at once for independent ranges.
    pub parallel: usize,
    /// Use `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` and `NO_PROXY` from the environment.
    pub proxy_from_env: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            request_timeout: Duration::from_secs(30),
            overall_timeout: Duration::from_secs(300),
            retries: 5,
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(10),
            max_redirects: 5,
            small_object_cap: SMALL_OBJECT_CAP,
            head_bytes: 320 << 10,
            tail_bytes: 64 << 10,
            page_size: 64 << 10,
            cache_bytes: 64 << 20,
            parallel: 8,
            proxy_from_env: true,
        }
    }
}

/// Default [`Options::small_object_cap`]: 4 MiB.
pub const SMALL_OBJECT_CAP: u64 = 4 << 20;

/// What went wrong talking to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not an `http://` or `https://` URL, or one that cannot be parsed.
    BadUrl,
    /// 401/403: the SAS is expired, wrong or lacks read permission.
    Forbidden,
    /// 404.
    NotFound,
    /// The object changed (ETag or size) since it was opened.
    Changed,
    /// The server ignored `Range` on an object larger than the small-object cap.
    RangeIgnored,
    /// 416: the range asked lies outside the object.
    Unsatisfiable,
    /// Too many redirects, or a redirect without a usable `Location`.
    Redirect,
    /// A request or the session ran out of time.
    Timeout,
    /// Connection failures, resets, 429/5xx that outlasted the retries.
    Network,
    /// The server answered something inconsistent (wrong `Content-Range`, short body, an
    /// unexpected status).
    Protocol,
}

/// A network or server failure; its message never holds the URL's query string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{url}: {message}")]
pub struct RemoteError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The URL without its query ([`display_url`]).
    pub url: String,
    /// What happened, for people.
    pub message: String,
}

/// Requests made so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RemoteStats {
    /// HTTP requests sent (retries and redirects included).
    pub requests: u64,
    /// Body bytes received.
    pub bytes: u64,
    /// Sequential round trips: the most waves of requests (requests sent together) of which
    /// each started after the one before had ended — an upper bound on the longest chain of
    /// dependent waves, so waves that threads send at the same time count once; a retry is
    /// one more.
    pub round_trips: u64,
    /// Requests retried after a transient failure.
    pub retries: u64,
}

/// True when `s` names an `http://` or `https://` resource (what the CLI opens with this crate).
pub fn is_url(s: &str) -> bool {
    let lower = s.get(..8).map(str::to_ascii_lowercase).unwrap_or_default();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// The URL as it may be shown: scheme, host, port and path; no user info, no query (a SAS
/// token), no fragment.
pub fn display_url(url: &str) -> String {
    let cut = url.find(['?', '#']).unwrap_or(url.len());
    let base = url.get(..cut).unwrap_or(url);
    // Drop user info (`user:pass@`) from the authority.
    let (scheme, rest) = match base.find("://") {
        Some(i) => (
            base.get(..i + 3).unwrap_or(""),
            base.get(i + 3..).unwrap_or(""),
        ),
        None => ("", base),
    };
    let auth_end = rest.find('/').unwrap_or(rest.len());
    let (authority, path) = rest.split_at(auth_end);
    let host = authority.rsplit('@').next().unwrap_or(authority);
    format!("{scheme}{host}{path}")
}

/// The last path segment of a URL without its extension (`gold` for `…/images/gold.vhdx?sig=…`).
pub fn url_stem(url: &str) -> String {
    let shown = display_url(url);
    let name = shown.rsplit('/').next().unwrap_or("");
    match name.rfind('.') {
        Some(i) if i > 0 => name.get(..i).unwrap_or(name).to_string(),
        _ => name.to_string(),
    }
}

/// Replaces every URL inside `text` by its [`display_url`], and any `secret` substring by
/// `<hidden>`: third-party error messages may quote the URL they failed on.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    // Bounded: each step consumes at least one byte of `rest`.
    while let Some(i) = find_url(rest) {
        out.push_str(rest.get(..i).unwrap_or(""));
        let tail = rest.get(i..).unwrap_or("");
        let end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        out.push_str(&display_url(tail.get(..end).unwrap_or("")));
        rest = tail.get(end.max(1)..).unwrap_or("");
    }
    out.push_str(rest);
    for s in secrets.iter().filter(|s| s.len() > 1) {
        out = out.replace(s, "<hidden>");
    }
    out
}

fn find_url(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// One range of the object: `start`, and its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    start: u64,
    len: u64,
}

/// A fetched body: where it starts, and the bytes.
type Piece = (u64, Vec<u8>);

#[derive(Debug, Default)]
struct Cache {
    pages: HashMap<u64, Arc<[u8]>>,
    order: VecDeque<u64>,
    bytes: u64,
    /// End of the last miss fetched, and the read-ahead it used (sequential detection).
    last_end: u64,
    readahead: u64,
}

/// An object on an HTTP(S) server, read by range requests; see the crate documentation.
pub struct HttpSource {
    agent: ureq::Agent,
    /// The full URL, query included: never printed.
    url: Mutex<String>,
    shown: String,
    /// The query string (without `?`): scrubbed from every message.
    query: String,
    len: u64,
    etag: Option<String>,
    azure: bool,
    opts: Options,
    deadline: Instant,
    cache: Mutex<Cache>,
    /// The whole object, when the server ignored `Range` and it is under the cap.
    whole: Option<Arc<[u8]>>,
    requests: AtomicU64,
    bytes: AtomicU64,
    /// Waves sent so far (the trace's numbering).
    waves_sent: AtomicU64,
    /// Each wave's (start, end) in nanoseconds since `epoch`, up to [`MAX_TRACKED_WAVES`].
    waves: Mutex<Vec<(u64, u64)>>,
    /// Waves past [`MAX_TRACKED_WAVES`]: each counted as a round trip of its own.
    untracked_waves: AtomicU64,
    epoch: Instant,
    retries: AtomicU64,
    jitter: AtomicU64,
    failure: Mutex<Option<RemoteError>>,
}

/// Most waves whose times are kept for the sequential round-trip count (16 bytes each); a
/// check sends a few dozen.
const MAX_TRACKED_WAVES: usize = 1 << 16;

/// The most intervals of `waves` that follow one another without overlapping (greedy by end
/// time, which is optimal): any chain of dependent waves is such a set, so this bounds the
/// chain from above while counting waves sent at the same time by several threads once.
fn sequential_waves(waves: &[(u64, u64)]) -> u64 {
    let mut by_end = waves.to_vec();
    by_end.sort_unstable_by_key(|&(start, end)| (end, start));
    let mut count = 0u64;
    let mut last_end: Option<u64> = None;
    for (start, end) in by_end {
        if last_end.is_none_or(|e| start >= e) {
            count += 1;
            last_end = Some(end);
        }
    }
    count
}

impl std::fmt::Debug for HttpSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpSource")
            .field("url", &self.shown)
            .field("len", &self.len)
            .field("etag", &self.etag)
            .finish_non_exhaustive()
    }
}

/// What one request returned, once its status was judged.
struct Answer {
    status: u16,
    etag: Option<String>,
    /// `Content-Range`: start, end (inclusive), total (`None` for `*`).
    range: Option<(u64, u64, Option<u64>)>,
    content_length: Option<u64>,
    blob_length: Option<u64>,
    body: Vec<u8>,
}

/// How a request is sent.
#[derive(Clone, Copy)]
enum Ask {
    Head,
    Range(Span),
    /// The last `n` bytes (`bytes=-n`).
    Suffix(u64),
}

/// A failed attempt: retry it or give up.
enum Attempt {
    Retry {
        why: String,
        after: Option<Duration>,
    },
    Fail(ErrorKind, String),
}

impl HttpSource {
    /// Opens `url`: one round trip fetching the object's head and tail in parallel, which also
    /// gives its size and ETag.
    pub fn open(url: &str, opts: Options) -> Result<Arc<HttpSource>, RemoteError> {
        let shown = display_url(url);
        if !is_url(url) {
            return Err(RemoteError {
                kind: ErrorKind::BadUrl,
                url: shown,
                message: "not an http:// or https:// URL".into(),
            });
        }
        let query = url
            .split_once('?')
            .map(|(_, q)| q.split('#').next().unwrap_or("").to_string())
            .unwrap_or_default();
        let lower = url.to_ascii_lowercase();
        let azure = lower.contains(".blob.core.windows.net/")
            || query
                .split('&')
                .any(|p| p.starts_with("sig=") || p.starts_with("sv="));
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .timeout_per_call(Some(opts.request_timeout))
            .max_idle_connections_per_host(opts.parallel.max(1))
            .proxy(if opts.proxy_from_env {
                ureq::Proxy::try_from_env()
            } else {
                None
            })
            .user_agent(concat!("vhdlint/", env!("CARGO_PKG_VERSION")))
            .build();
        let mut source = HttpSource {
            agent: config.into(),
            url: Mutex::new(url.to_string()),
            shown,
            query,
            len: 0,
            etag: None,
            azure,
            deadline: Instant::now() + opts.overall_timeout,
            opts,
            cache: Mutex::new(Cache::default()),
            whole: None,
            requests: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            waves_sent: AtomicU64::new(0),
            waves: Mutex::new(Vec::new()),
            untracked_waves: AtomicU64::new(0),
            epoch: Instant::now(),
            retries: AtomicU64::new(0),
            jitter: AtomicU64::new(seed()),
            failure: Mutex::new(None),
        };
        source.first_round()?;
        Ok(Arc::new(source))
    }

    /// The URL without its query, as every message shows it.
    pub fn display(&self) -> &str {
        &self.shown
    }

    /// The ETag the object was pinned to.
    pub fn etag(&self) -> Option<&str> {
        self.etag.as_deref()
    }

    /// Requests, bytes and round trips so far.
    pub fn stats(&self) -> RemoteStats {
        RemoteStats {
            requests: self.requests.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
            round_trips: self.round_trips(),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }

    /// Sequential round trips (see [`RemoteStats::round_trips`]).
    fn round_trips(&self) -> u64 {
        let waves = self.waves.lock().unwrap_or_else(PoisonError::into_inner);
        sequential_waves(&waves)
            + self.untracked_waves.load(Ordering::Relaxed)
            + self.retries.load(Ordering::Relaxed)
    }

    /// Starts a wave: its number (for the trace) and its start time.
    fn wave_start(&self) -> (u64, Instant) {
        (
            self.waves_sent.fetch_add(1, Ordering::Relaxed) + 1,
            Instant::now(),
        )
    }

    /// Records a wave that ran from `start` to now.
    fn wave_end(&self, start: Instant) {
        let ns = |t: Instant| {
            u64::try_from(t.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
        };
        let end = ns(Instant::now());
        let mut waves = self.waves.lock().unwrap_or_else(PoisonError::into_inner);
        if waves.len() < MAX_TRACKED_WAVES {
            waves.push((ns(start), end));
        } else {
            self.untracked_waves.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The first network failure met by a read, if any: a tool error, not a fact of the image.
    pub fn failure(&self) -> Option<RemoteError> {
        self.failure
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn error(&self, kind: ErrorKind, message: impl AsRef<str>) -> RemoteError {
        RemoteError {
            kind,
            url: self.shown.clone(),
            message: scrub(message.as_ref(), &[&self.query]),
        }
    }

    /// Round trip 1: head and tail in parallel; size, ETag, and the pages they hold.
    fn first_round(&mut self) -> Result<(), RemoteError> {
        let head = Ask::Range(Span {
            start: 0,
            len: self.opts.head_bytes.max(1),
        });
        let tail = Ask::Suffix(self.opts.tail_bytes.max(1));
        let (_, wave) = self.wave_start();
        // Azure Storage (and Azurite) do not take suffix ranges (`bytes=-n`): there the tail
        // waits for the size, one round trip later.
        let suffix = !self.azure;
        let (first, last) = std::thread::scope(|s| {
            let t = suffix.then(|| s.spawn(|| self.request(tail)));
            let first = self.request(head);
            let last = t.map(|t| {
                t.join().unwrap_or_else(|_| {
                    Err(self.error(ErrorKind::Protocol, "the request thread panicked"))
                })
            });
            (first, last)
        });
        self.wave_end(wave);
        let first = first?;
        if first.status == 200 {
            return self.accept_whole(first);
        }
        if first.status == 416 {
            // An empty object has no byte to range over.
            let head = self.request(Ask::Head)?;
            self.len = head.blob_length.or(head.content_length).unwrap_or(0);
            self.etag = head.etag;
            if self.len != 0 {
                return Err(self.error(
                    ErrorKind::Unsatisfiable,
                    "the server refused the first range (HTTP 416) of a non-empty object",
                ));
            }
            return Ok(());
        }
        let total = match first.range {
            Some((_, _, Some(total))) => total,
            _ => {
                let head = self.request(Ask::Head)?;
                head.blob_length.or(head.content_length).ok_or_else(|| {
                    self.error(
                        ErrorKind::Protocol,
                        "the server gives no size: no Content-Range total, no \
                             Content-Length or x-ms-blob-content-length on HEAD",
                    )
                })?
            }
        };
        if let Some(blob) = first.blob_length.filter(|b| *b != total) {
            return Err(self.error(
                ErrorKind::Protocol,
                format!("Content-Range gives {total} bytes but x-ms-blob-content-length {blob}"),
            ));
        }
        self.len = total;
        self.etag = first.etag.clone();
        let mut pieces = vec![self.checked_piece(head, first)?];
        let want = self.opts.tail_bytes.max(1).min(total);
        let tail_span = Span {
            start: total - want,
            len: want,
        };
        let Some(last) = last else {
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            for (start, body) in pieces {
                self.store(&mut cache, start, &body);
            }
            drop(cache);
            if tail_span.start >= self.opts.head_bytes {
                for (start, body) in self.fetch(&[tail_span])? {
                    let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                    self.store(&mut cache, start, &body);
                }
            }
            return Ok(());
        };
        let last = last?;
        if last.status == 200 {
            return Err(self.error(
                ErrorKind::RangeIgnored,
                "the server answered a suffix range with the whole object (HTTP 200)",
            ));
        }
        if last.etag != self.etag {
            return Err(self.changed("the ETag differs between the first two responses"));
        }
        pieces.push(self.checked_piece(Ask::Range(tail_span), last)?);
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        for (start, body) in pieces {
            self.store(&mut cache, start, &body);
        }
        Ok(())
    }

    /// A 200 to a ranged request: keep the body when the object is small, else refuse.
    fn accept_whole(&mut self, first: Answer) -> Result<(), RemoteError> {
        // The body was read up to the cap (+1 byte to notice a larger one).
        let len = first.body.len() as u64;
        if len > self.opts.small_object_cap
            || first
                .content_length
                .is_some_and(|c| c > self.opts.small_object_cap)
        {
            return Err(self.error(
                ErrorKind::RangeIgnored,
                format!(
                    "the server ignores Range requests (HTTP 200 with the whole object of {} \
                     bytes); refusing to download more than {} bytes",
                    first
                        .content_length
                        .map_or_else(|| "more than the cap".to_string(), |c| c.to_string()),
                    self.opts.small_object_cap
                ),
            ));
        }
        if let Some(c) = first.content_length.filter(|c| *c != len) {
            return Err(self.error(
                ErrorKind::Protocol,
                format!("short body: Content-Length {c} but {len} bytes received"),
            ));
        }
        self.len = len;
        self.etag = first.etag;
        self.whole = Some(first.body.into());
        Ok(())
    }

    fn changed(&self, why: &str) -> RemoteError {
        self.error(
            ErrorKind::Changed,
            format!(
                "the object changed while it was read ({why}; pinned ETag {}): re-run the \
                 check on a stable snapshot",
                self.etag.as_deref().unwrap_or("none")
            ),
        )
    }

    /// Validates a 206 answer against what was asked: `Content-Range` and body length.
    fn checked_piece(&self, ask: Ask, a: Answer) -> Result<Piece, RemoteError> {
        let Ask::Range(span) = ask else {
            return Err(self.error(ErrorKind::Protocol, "internal: not a range request"));
        };
        let Some((start, end, total)) = a.range else {
            return Err(self.error(
                ErrorKind::Protocol,
                format!("HTTP {} without a Content-Range header", a.status),
            ));
        };
        let want_end = (span.start + span.len).min(self.len).saturating_sub(1);
        if total.is_some_and(|t| self.len != 0 && t != self.len) {
            return Err(self.changed("its size changed"));
        }
        if start != span.start || end != want_end {
            return Err(self.error(
                ErrorKind::Protocol,
                format!(
                    "Content-Range mismatch: asked bytes {}-{want_end}, got {start}-{end}",
                    span.start
                ),
            ));
        }
        if a.body.len() as u64 != end - start + 1 {
            return Err(self.error(
                ErrorKind::Protocol,
                format!(
                    "short body: Content-Range {start}-{end} but {} bytes received",
                    a.body.len()
                ),
            ));
        }
        Ok((start, a.body))
    }

    fn store(&self, cache: &mut Cache, start: u64, body: &[u8]) {
        let page = self.opts.page_size.max(512);
        // Whole pages only (a page is cached complete or not at all); the last page of the
        // object may be short.
        let first = start.div_ceil(page);
        let end = start + body.len() as u64;
        let mut p = first;
        while p * page < end {
            let from = p * page;
            let to = (from + page).min(self.len);
            if to > end {
                break;
            }
            let bytes = body.get((from - start) as usize..(to - start) as usize);
            if let (Some(bytes), false) = (bytes, cache.pages.contains_key(&p)) {
                cache.pages.insert(p, bytes.into());
                cache.order.push_back(p);
                cache.bytes += bytes.len() as u64;
            }
            p += 1;
        }
        while cache.bytes > self.opts.cache_bytes {
            let Some(old) = cache.order.pop_front() else {
                break;
            };
            if let Some(gone) = cache.pages.remove(&old) {
                cache.bytes -= <[u8]>::len(&gone) as u64;
            }
        }
    }

    /// Fetches `spans` in one round trip (in parallel, [`Options::parallel`] at a time).
    fn fetch(&self, spans: &[Span]) -> Result<Vec<Piece>, RemoteError> {
        let mut out = Vec::with_capacity(spans.len());
        for wave in spans.chunks(self.opts.parallel.max(1)) {
            let (number, started) = self.wave_start();
            if trace() {
                for s in wave {
                    eprintln!(
                        "http trace: wave {number}: bytes {:#x}+{:#x}",
                        s.start, s.len
                    );
                }
            }
            let results: Vec<Result<Piece, RemoteError>> = std::thread::scope(|s| {
                let handles: Vec<_> = wave
                    .iter()
                    .skip(1)
                    .map(|&span| s.spawn(move || self.fetch_one(span)))
                    .collect();
                let mut results = Vec::with_capacity(wave.len());
                if let Some(&span) = wave.first() {
                    results.push(self.fetch_one(span));
                }
                for h in handles {
                    results.push(h.join().unwrap_or_else(|_| {
                        Err(self.error(ErrorKind::Protocol, "a request thread panicked"))
                    }));
                }
                results
            });
            self.wave_end(started);
            for r in results {
                out.push(r?);
            }
        }
        Ok(out)
    }

    fn fetch_one(&self, span: Span) -> Result<Piece, RemoteError> {
        let a = self.request(Ask::Range(span))?;
        if a.status == 200 {
            return Err(self.error(
                ErrorKind::RangeIgnored,
                "the server stopped honouring Range (HTTP 200 with the whole object)",
            ));
        }
        if a.etag.is_some() && a.etag != self.etag {
            return Err(self.changed("a response carries another ETag"));
        }
        self.checked_piece(Ask::Range(span), a)
    }

    /// One request with redirects and retries; a 206/200/416 (or a HEAD's 200) is returned,
    /// every other outcome is an error or a retry.
    fn request(&self, ask: Ask) -> Result<Answer, RemoteError> {
        let mut attempt = 0u32;
        let mut last_why = String::new();
        loop {
            let now = Instant::now();
            if now >= self.deadline {
                return Err(self.error(
                    ErrorKind::Timeout,
                    format!(
                        "gave up after the overall timeout of {:?}{}",
                        self.opts.overall_timeout,
                        if last_why.is_empty() {
                            String::new()
                        } else {
                            format!(" (last failure: {last_why})")
                        }
                    ),
                ));
            }
            match self.attempt(ask, self.deadline - now) {
                Ok(a) => return Ok(a),
                Err(Attempt::Fail(kind, why)) => return Err(self.error(kind, why)),
                Err(Attempt::Retry { why, after }) => {
                    if attempt >= self.opts.retries {
                        return Err(self.error(
                            if why.contains("timed out") || why.contains("Timeout") {
                                ErrorKind::Timeout
                            } else {
                                ErrorKind::Network
                            },
                            format!("{why} (gave up after {} retries)", self.opts.retries),
                        ));
                    }
                    let delay = after
                        .map(|d| d.min(self.opts.backoff_max))
                        .unwrap_or_else(|| self.backoff(attempt));
                    if Instant::now() + delay >= self.deadline {
                        return Err(self.error(
                            ErrorKind::Timeout,
                            format!(
                                "{why}; the next retry would pass the overall timeout of {:?}",
                                self.opts.overall_timeout
                            ),
                        ));
                    }
                    std::thread::sleep(delay);
                    attempt += 1;
                    last_why = why;
                    self.retries.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    fn backoff(&self, attempt: u32) -> Duration {
        let full = self
            .opts
            .backoff_base
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.opts.backoff_max);
        // Jitter: a delay drawn from [full/2, full].
        let mut x = self.jitter.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.jitter.store(x, Ordering::Relaxed);
        let half = full / 2;
        let nanos = u64::try_from(half.as_nanos()).unwrap_or(u64::MAX).max(1);
        half + Duration::from_nanos(x % nanos)
    }

    /// One attempt, following redirects.
    fn attempt(&self, ask: Ask, remaining: Duration) -> Result<Answer, Attempt> {
        let mut url = self
            .url
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for _hop in 0..=self.opts.max_redirects {
            self.requests.fetch_add(1, Ordering::Relaxed);
            let timeout = self.opts.request_timeout.min(remaining);
            let sent = match ask {
                Ask::Head => self.with_headers(self.agent.head(&url), ask).config(),
                _ => self.with_headers(self.agent.get(&url), ask).config(),
            }
            .timeout_per_call(Some(timeout))
            .build()
            .call();
            let mut resp = match sent {
                Ok(r) => r,
                Err(e) => return Err(transport(e)),
            };
            let status = resp.status().as_u16();
            let header = |name: &str| {
                resp.headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
            };
            match status {
                301 | 302 | 303 | 307 | 308 => {
                    let Some(location) = header("location") else {
                        return Err(Attempt::Fail(
                            ErrorKind::Redirect,
                            format!("HTTP {status} without a Location header"),
                        ));
                    };
                    url = resolve(&url, &location).ok_or_else(|| {
                        Attempt::Fail(
                            ErrorKind::Redirect,
                            format!("HTTP {status} to an unusable Location"),
                        )
                    })?;
                    continue;
                }
                200 | 206 | 416 => {}
                412 => {
                    return Err(Attempt::Fail(
                        ErrorKind::Changed,
                        format!(
                            "the object changed while it was read (HTTP 412: If-Match {} \
                             failed): re-run the check on a stable snapshot",
                            self.etag.as_deref().unwrap_or("")
                        ),
                    ))
                }
                401 | 403 => {
                    let code = header("x-ms-error-code")
                        .map(|c| format!(" ({})", clean(&c)))
                        .unwrap_or_default();
                    return Err(Attempt::Fail(
                        ErrorKind::Forbidden,
                        format!(
                            "access denied (HTTP {status}{code}): the SAS token is expired, \
                             wrong, or lacks read permission"
                        ),
                    ));
                }
                404 => {
                    return Err(Attempt::Fail(
                        ErrorKind::NotFound,
                        "not found (HTTP 404): no such blob or file".into(),
                    ))
                }
                429 | 500 | 502 | 503 | 504 => {
                    let after = header("retry-after")
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    return Err(Attempt::Retry {
                        why: format!("HTTP {status}"),
                        after,
                    });
                }
                _ => {
                    return Err(Attempt::Fail(
                        ErrorKind::Protocol,
                        format!("unexpected HTTP {status}"),
                    ))
                }
            }
            let etag = header("etag");
            let range = header("content-range").map(|v| parse_content_range(&v));
            let range = match range {
                Some(Some(r)) => Some(r),
                Some(None) => {
                    return Err(Attempt::Fail(
                        ErrorKind::Protocol,
                        "malformed Content-Range header".into(),
                    ))
                }
                None => None,
            };
            let content_length = header("content-length").and_then(|v| v.trim().parse().ok());
            let blob_length =
                header("x-ms-blob-content-length").and_then(|v| v.trim().parse().ok());
            let limit = match (status, ask) {
                (206, Ask::Range(s)) => s.len,
                (206, Ask::Suffix(n)) => n,
                (200, Ask::Range(_) | Ask::Suffix(_)) => self.opts.small_object_cap,
                _ => 0,
            };
            let body = if matches!(ask, Ask::Head) || limit == 0 {
                Vec::new()
            } else if status == 200 && content_length.is_some_and(|c| c > limit) {
                // Refused without reading: never download a large object.
                Vec::new()
            } else {
                match resp.body_mut().with_config().limit(limit + 1).read_to_vec() {
                    Ok(b) => b,
                    Err(ureq::Error::BodyExceedsLimit(_)) if status == 200 => {
                        vec![0; usize::try_from(limit + 1).unwrap_or(usize::MAX)]
                    }
                    Err(ureq::Error::BodyExceedsLimit(_)) => {
                        return Err(Attempt::Fail(
                            ErrorKind::Protocol,
                            format!("the body is longer than the {limit} bytes asked"),
                        ))
                    }
                    Err(e) => {
                        return Err(match transport(e) {
                            Attempt::Retry { why, after } => Attempt::Retry {
                                why: format!("short body ({why})"),
                                after,
                            },
                            other => other,
                        })
                    }
                }
            };
            self.bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
            if status == 206 {
                let expected = range.map(|(s, e, _)| e - s + 1);
                if expected.is_some_and(|n| (body.len() as u64) < n) {
                    return Err(Attempt::Retry {
                        why: format!(
                            "short body: {} of {} bytes received",
                            body.len(),
                            expected.unwrap_or(0)
                        ),
                        after: None,
                    });
                }
            }
            if url != *self.url.lock().unwrap_or_else(PoisonError::into_inner) {
                // Later requests go straight to where the redirect led.
                *self.url.lock().unwrap_or_else(PoisonError::into_inner) = url.clone();
            }
            return Ok(Answer {
                status,
                etag,
                range,
                content_length,
                blob_length,
                body,
            });
        }
        Err(Attempt::Fail(
            ErrorKind::Redirect,
            format!(
                "more than {} redirects (a redirect loop?)",
                self.opts.max_redirects
            ),
        ))
    }

    fn with_headers(
        &self,
        mut req: ureq::RequestBuilder<ureq::typestate::WithoutBody>,
        ask: Ask,
    ) -> ureq::RequestBuilder<ureq::typestate::WithoutBody> {
        let range = match ask {
            Ask::Head => None,
            Ask::Range(s) => Some(format!("bytes={}-{}", s.start, s.start + s.len - 1)),
            Ask::Suffix(n) => Some(format!("bytes=-{n}")),
        };
        if let Some(r) = &range {
            req = req.header("Range", r);
            if self.azure {
                req = req.header("x-ms-range", r);
            }
        }
        if self.azure {
            req = req.header("x-ms-version", AZURE_VERSION);
        }
        if let Some(etag) = &self.etag {
            req = req.header("If-Match", etag);
        }
        req
    }

    fn fail(&self, offset: u64, len: usize, e: RemoteError) -> ReadError {
        let mut first = self.failure.lock().unwrap_or_else(PoisonError::into_inner);
        if first.is_none() {
            *first = Some(e.clone());
        }
        ReadError::Io {
            offset,
            len: len as u64,
            kind: std::io::ErrorKind::Other,
            message: e.to_string(),
        }
    }

    fn read_large(&self, offset: u64, buf: &mut [u8]) -> Result<(), RemoteError> {
        let mut spans = Vec::new();
        let mut at = 0u64;
        let total = buf.len() as u64;
        while at < total {
            let len = LARGE_CHUNK.min(total - at);
            spans.push(Span {
                start: offset + at,
                len,
            });
            at += len;
        }
        for (start, body) in self.fetch(&spans)? {
            let from = usize::try_from(start - offset).unwrap_or(usize::MAX);
            if let Some(dst) = buf.get_mut(from..from.saturating_add(body.len())) {
                dst.copy_from_slice(&body);
            }
        }
        Ok(())
    }

    fn read_cached(&self, offset: u64, buf: &mut [u8]) -> Result<(), RemoteError> {
        let page = self.opts.page_size.max(512);
        let end = offset + buf.len() as u64;
        let (p0, p1) = (offset / page, (end - 1) / page);
        let missing: Vec<u64> = {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            (p0..=p1).filter(|p| !cache.pages.contains_key(p)).collect()
        };
        if let (Some(&first), Some(&last)) = (missing.first(), missing.last()) {
            let start = first * page;
            let readahead = {
                let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
                // A miss that continues the previous one doubles the read-ahead.
                cache.readahead = if cache.last_end == start && start != 0 {
                    (cache.readahead * 2).clamp(page, MAX_READAHEAD)
                } else {
                    0
                };
                cache.readahead
            };
            let stop = ((last + 1) * page + readahead).min(self.len);
            let pieces = self.fetch(&[Span {
                start,
                len: stop - start,
            }])?;
            let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            cache.last_end = stop;
            for (s, body) in &pieces {
                self.store(&mut cache, *s, body);
            }
            // Serve from the fetched bytes directly (the cache may have evicted them).
            if let Some((s, body)) = pieces.first() {
                let from = usize::try_from(offset - s).unwrap_or(usize::MAX);
                if let Some(src) = body.get(from..from.saturating_add(buf.len())) {
                    buf.copy_from_slice(src);
                    return Ok(());
                }
            }
        }
        let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        let mut done = 0usize;
        while done < buf.len() {
            let pos = offset + done as u64;
            let data = cache
                .pages
                .get(&(pos / page))
                .ok_or_else(|| self.error(ErrorKind::Protocol, "internal: page not cached"))?;
            let within = (pos % page) as usize;
            let src = data.get(within..).unwrap_or_default();
            let n = src.len().min(buf.len() - done);
            if n == 0 {
                return Err(self.error(ErrorKind::Protocol, "internal: empty page"));
            }
            if let (Some(dst), Some(src)) = (buf.get_mut(done..done + n), src.get(..n)) {
                dst.copy_from_slice(src);
            }
            done += n;
        }
        Ok(())
    }
}

impl ReadAt for HttpSource {
    fn len(&self) -> u64 {
        self.len
    }
    /// Fetches the span into the page cache now (at most [`PREFETCH_MAX`] bytes), so the
    /// caller's later read of it costs no round trip. A failure is remembered as any read's.
    fn prefetch(&self, offset: u64, len: u64) {
        let len = len.min(PREFETCH_MAX).min(self.len.saturating_sub(offset));
        let Ok(n) = usize::try_from(len) else {
            return;
        };
        if n == 0 || self.whole.is_some() {
            return;
        }
        let mut scratch = vec![0u8; n];
        let _ = self.read_at(offset, &mut scratch);
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<(), ReadError> {
        check_bounds(offset, buf.len(), self.len)?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(e) = self.failure() {
            // A session that failed once stays failed: no mixed reads, no request storm.
            return Err(self.fail(offset, buf.len(), e));
        }
        if let Some(whole) = &self.whole {
            return whole.as_ref().read_at(offset, buf);
        }
        let done = if buf.len() >= LARGE_READ {
            self.read_large(offset, buf)
        } else {
            self.read_cached(offset, buf)
        };
        done.map_err(|e| self.fail(offset, buf.len(), e))
    }
}

fn transport(e: ureq::Error) -> Attempt {
    let why = clean(&e.to_string());
    match e {
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => {
            Attempt::Fail(ErrorKind::BadUrl, why)
        }
        ureq::Error::HostNotFound => Attempt::Fail(ErrorKind::Network, why),
        ureq::Error::Timeout(_) => Attempt::Retry {
            why: format!("timed out: {why}"),
            after: None,
        },
        ureq::Error::Tls(_) | ureq::Error::Rustls(_) => {
            Attempt::Fail(ErrorKind::Network, format!("TLS: {why}"))
        }
        _ => Attempt::Retry { why, after: None },
    }
}

/// Third-party text made safe to show: URLs lose their query.
fn clean(s: &str) -> String {
    scrub(s, &[])
}

/// Parses `bytes START-END/TOTAL` (TOTAL may be `*`).
fn parse_content_range(v: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.trim().split_once('-')?;
    let (start, end): (u64, u64) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    if end < start {
        return None;
    }
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    if total.is_some_and(|t| end >= t) {
        return None;
    }
    Some((start, end, total))
}

/// Resolves a `Location` against the URL it answered: absolute, scheme-relative or
/// path-absolute.
fn resolve(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if is_url(location) {
        return Some(location.to_string());
    }
    let scheme_end = base.find("://")? + 3;
    let origin_end = base
        .get(scheme_end..)?
        .find(['/', '?', '#'])
        .map_or(base.len(), |i| scheme_end + i);
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{}{rest}", base.get(..scheme_end)?));
    }
    if location.starts_with('/') {
        return Some(format!("{}{location}", base.get(..origin_end)?));
    }
    None
}

/// `VHDLINT_HTTP_TRACE=1` prints each round trip's ranges to stderr (offsets only, never the
/// URL): where a check's round trips go.
fn trace() -> bool {
    static TRACE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *TRACE.get_or_init(|| std::env::var_os("VHDLINT_HTTP_TRACE").is_some_and(|v| v == "1"))
}

fn seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    (t ^ u64::from(std::process::id()).rotate_left(32)) | 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waves_sent_together_count_once_and_dependent_waves_each() {
        // One thread's dependent waves: each after the last.
        assert_eq!(sequential_waves(&[(0, 10), (10, 20), (25, 30)]), 3);
        // Three threads' waves at the same time, then one more: two sequential round trips.
        assert_eq!(sequential_waves(&[(0, 20), (1, 19), (2, 21), (22, 40)]), 2);
        // Two chains of three interleaved (A at 0,20,40; B at 10,30,50, each 15 long): no
        // fewer than the longer chain.
        let waves = [(0, 15), (20, 35), (40, 55), (10, 25), (30, 45), (50, 65)];
        assert!(sequential_waves(&waves) >= 3);
        assert_eq!(sequential_waves(&[]), 0);
    }

    #[test]
    fn display_url_drops_query_fragment_and_user_info() {
        let u = "https://user:pw@acct.blob.core.windows.net/c/gold.vhd?sv=2021&sig=SECRET%2F#x";
        assert_eq!(
            display_url(u),
            "https://acct.blob.core.windows.net/c/gold.vhd"
        );
        assert_eq!(url_stem(u), "gold");
        assert!(is_url("HTTPS://x/y"));
        assert!(!is_url("/tmp/https://x"));
    }

    #[test]
    fn scrub_hides_every_url_query_in_a_message() {
        let m = "error for http://127.0.0.1:1/a.vhd?sig=abc&se=1: reset; and https://h/b?x=y";
        let s = scrub(m, &["sig=abc&se=1"]);
        assert!(!s.contains("sig"), "{s}");
        assert!(!s.contains("x=y"), "{s}");
        assert!(s.contains("http://127.0.0.1:1/a.vhd"), "{s}");
        assert_eq!(
            scrub("tail sig=abc&se=1", &["sig=abc&se=1"]),
            "tail <hidden>"
        );
    }

    #[test]
    fn content_range_is_parsed_strictly() {
        assert_eq!(
            parse_content_range("bytes 0-9/100"),
            Some((0, 9, Some(100)))
        );
        assert_eq!(parse_content_range("bytes 5-5/*"), Some((5, 5, None)));
        assert_eq!(parse_content_range("bytes 9-0/100"), None);
        assert_eq!(parse_content_range("bytes 0-100/100"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
    }

    #[test]
    fn redirects_resolve_absolute_and_path_locations() {
        let b = "http://h:1/a/b?q=1";
        assert_eq!(resolve(b, "/c").as_deref(), Some("http://h:1/c"));
        assert_eq!(resolve(b, "https://x/y").as_deref(), Some("https://x/y"));
        assert_eq!(resolve(b, "//z/w").as_deref(), Some("http://z/w"));
        assert_eq!(resolve(b, "rel"), None);
    }
}
