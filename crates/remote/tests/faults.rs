//! The HTTP source against a fault-injecting loopback server: every fault ends in the right
//! bytes after retries, or in a clear error of the right kind, bounded in requests and time,
//! and no message ever holds the SAS query.

// Test code: a panic is how a test fails.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use vhdlint_container::ReadAt;
use vhdlint_remote::{ErrorKind, HttpSource, Options, RemoteError};
use vhdlint_testkit::http::{Faults, Object, Server};

const SAS: &str = "?sv=2021-08-06&se=2030-01-01&sr=b&sp=r&sig=TOPSECRET%2Fsig%3D";

fn object(len: usize) -> Arc<Vec<u8>> {
    let mut x = 0x1234_5678_9abc_def1u64;
    Arc::new(
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect(),
    )
}

fn quick() -> Options {
    Options {
        request_timeout: Duration::from_millis(700),
        overall_timeout: Duration::from_secs(15),
        retries: 4,
        backoff_base: Duration::from_millis(10),
        backoff_max: Duration::from_millis(1500),
        proxy_from_env: false,
        ..Options::default()
    }
}

fn serve(len: usize, faults: Faults) -> (Server, Arc<Vec<u8>>) {
    let data = object(len);
    (Server::start(Object::Bytes(data.clone()), faults), data)
}

/// Reads a spread of ranges (head, middle, tail, a large read) and compares them.
fn read_all_kinds(src: &HttpSource, data: &[u8]) -> Result<(), vhdlint_container::ReadError> {
    for (offset, len) in [
        (0usize, 512usize),
        (1 << 20, 4096),
        ((1 << 20) + 70_000, 100),
        (data.len() - 512, 512),
        (100_000, 1 << 20),
    ] {
        let mut buf = vec![0u8; len];
        src.read_at(offset as u64, &mut buf)?;
        assert_eq!(buf, data[offset..offset + len], "bytes at {offset:#x}");
    }
    Ok(())
}

fn no_secret(e: &RemoteError) {
    let text = format!("{e} {e:?}");
    assert!(!text.contains("TOPSECRET"), "secret leaked: {text}");
    assert!(!text.contains("sig="), "query leaked: {text}");
}

#[test]
fn clean_server_reads_exact_bytes_pinned_by_etag() {
    let (server, data) = serve(3 << 20, Faults::default());
    let src = HttpSource::open(&(server.url("/c/disk.vhd") + SAS), quick()).unwrap();
    assert_eq!(src.len(), data.as_slice().len() as u64);
    assert_eq!(src.display(), server.url("/c/disk.vhd"));
    assert_eq!(src.etag(), Some("\"v1\""));
    let opened = src.stats();
    // Azure takes no suffix range: the tail comes once the size is known.
    assert_eq!(opened.round_trips, 2, "head, then tail");
    assert_eq!(opened.requests, 2);
    let log = server.log();
    assert!(log.iter().all(|r| !r.contains("bytes=-")), "{log:?}");
    // Any other server: head and tail in one round trip.
    let plain = HttpSource::open(&server.url("/c/disk.vhd"), quick()).unwrap();
    assert_eq!(plain.stats().round_trips, 1);
    assert_eq!(plain.stats().requests, 2);
    drop(plain);
    read_all_kinds(&src, &data).unwrap();
    // The tail page was prefetched: a footer read costs nothing.
    let before = src.stats().requests;
    let mut footer = [0u8; 512];
    src.read_at(data.as_slice().len() as u64 - 512, &mut footer)
        .unwrap();
    assert_eq!(src.stats().requests, before);
    let log: Vec<String> = server
        .log()
        .into_iter()
        .filter(|r| r.contains("sig="))
        .collect();
    assert!(
        log.iter().all(|r| r.contains("sig=TOPSECRET")),
        "the SAS is sent to the server"
    );
    assert!(
        log.iter().all(|r| r.contains("x-ms-version:")),
        "Azure headers on SAS URLs"
    );
    assert!(
        log.iter()
            .skip(2)
            .all(|r| r.to_ascii_lowercase().contains("if-match: \"v1\"")),
        "{log:?}"
    );
    assert!(src.failure().is_none());
}

#[test]
fn drops_mid_body_are_retried() {
    let faults = Faults {
        drop_mid_body: 2,
        ..Faults::default()
    };
    let (server, data) = serve(3 << 20, faults);
    let src = HttpSource::open(&server.url("/d.vhd"), quick()).unwrap();
    read_all_kinds(&src, &data).unwrap();
    assert!(src.stats().retries >= 2, "{:?}", src.stats());
    assert!(server.requests() < 20);
}

#[test]
fn a_503_burst_is_retried_honouring_retry_after() {
    let faults = Faults {
        status_503: 3,
        retry_after_secs: 1,
        ..Faults::default()
    };
    let (server, data) = serve(1 << 21, faults);
    let started = Instant::now();
    let src = HttpSource::open(&server.url("/d.vhd"), quick()).unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 honoured"
    );
    read_all_kinds(&src, &data).unwrap();
    assert!(src.stats().retries >= 2);
    assert!(server.requests() < 20);
}

#[test]
fn a_slow_body_times_out_and_is_retried() {
    let faults = Faults {
        slow_bodies: 1,
        slow_delay: Duration::from_secs(2),
        ..Faults::default()
    };
    let (_server, data) = serve(3 << 20, faults);
    let src = HttpSource::open(&_server.url("/d.vhd"), quick()).unwrap();
    read_all_kinds(&src, &data).unwrap();
    assert!(src.stats().retries >= 1);
}

#[test]
fn a_server_that_stays_slow_ends_in_a_timeout_within_bounds() {
    let faults = Faults {
        slow_bodies: 1000,
        slow_delay: Duration::from_secs(3),
        ..Faults::default()
    };
    let (server, data) = serve(3 << 20, faults);
    let opts = Options {
        retries: 2,
        ..quick()
    };
    let started = Instant::now();
    let src = HttpSource::open(&(server.url("/d.vhd") + SAS), opts).unwrap();
    let mut buf = [0u8; 16];
    let err = src.read_at(2 << 20, &mut buf).unwrap_err();
    let failure = src.failure().expect("the failure is kept");
    assert_eq!(failure.kind, ErrorKind::Timeout, "{failure}");
    no_secret(&failure);
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(10));
    // A failed source stays failed without asking the server again.
    let asked = server.requests();
    assert!(src.read_at(0, &mut buf).is_err());
    assert!(src
        .read_at(data.as_slice().len() as u64 - 16, &mut buf)
        .is_err());
    assert_eq!(server.requests(), asked);
    assert!(asked <= 2 + 3, "bounded: {asked}");
}

#[test]
fn a_server_ignoring_range_is_refused_for_large_objects_and_accepted_for_small() {
    let faults = Faults {
        ignore_range: true,
        ..Faults::default()
    };
    let (server, _) = serve(3 << 20, faults.clone());
    let opts = Options {
        small_object_cap: 1 << 20,
        ..quick()
    };
    let err = HttpSource::open(&(server.url("/big.vhd") + SAS), opts).unwrap_err();
    assert_eq!(err.kind, ErrorKind::RangeIgnored, "{err}");
    assert!(err.message.contains("refusing"), "{err}");
    no_secret(&err);

    let (server, data) = serve(100_000, faults);
    let src = HttpSource::open(&server.url("/small.vhd"), quick()).unwrap();
    let mut buf = vec![0u8; 1000];
    src.read_at(99_000, &mut buf).unwrap();
    assert_eq!(buf, data[99_000..]);
}

#[test]
fn a_wrong_content_range_is_a_clear_error() {
    let faults = Faults {
        wrong_content_range: true,
        ..Faults::default()
    };
    let (server, _) = serve(3 << 20, faults);
    let src = HttpSource::open(&server.url("/d.vhd"), quick()).unwrap();
    let mut buf = [0u8; 16];
    assert!(src.read_at(2 << 20, &mut buf).is_err());
    let f = src.failure().unwrap();
    assert_eq!(f.kind, ErrorKind::Protocol);
    assert!(f.message.contains("Content-Range mismatch"), "{f}");
}

#[test]
fn an_object_that_changes_mid_read_is_a_clear_error() {
    let faults = Faults {
        etag_changes_after: 3,
        ..Faults::default()
    };
    let (server, _) = serve(3 << 20, faults);
    let src = HttpSource::open(&(server.url("/d.vhd") + SAS), quick()).unwrap();
    let mut buf = [0u8; 16];
    src.read_at(1 << 20, &mut buf).unwrap();
    assert!(src.read_at(2 << 20, &mut buf).is_err());
    let f = src.failure().unwrap();
    assert_eq!(f.kind, ErrorKind::Changed, "{f}");
    assert!(f.message.contains("changed"), "{f}");
    no_secret(&f);
}

#[test]
fn a_redirect_loop_is_bounded() {
    let faults = Faults {
        redirect_loop: true,
        ..Faults::default()
    };
    let (server, _) = serve(1000, faults);
    let err = HttpSource::open(&(server.url("/a") + SAS), quick()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Redirect, "{err}");
    no_secret(&err);
    let max = u64::from(quick().max_redirects + 1) * 2;
    assert!(server.requests() <= max, "{} requests", server.requests());
}

#[test]
fn a_redirect_is_followed_and_later_requests_go_to_its_target() {
    let faults = Faults {
        redirect_prefix: true,
        ..Faults::default()
    };
    let (server, data) = serve(3 << 20, faults);
    let src = HttpSource::open(&(server.url("/redirect/d.vhd") + SAS), quick()).unwrap();
    read_all_kinds(&src, &data).unwrap();
    let log = server.log();
    let redirected = log
        .iter()
        .filter(|r| r.starts_with("GET /redirect"))
        .count();
    assert!(redirected <= 2, "{log:?}");
}

#[test]
fn an_expired_sas_says_so_without_showing_it() {
    let faults = Faults {
        forbidden: true,
        ..Faults::default()
    };
    let (server, _) = serve(1000, faults);
    let err = HttpSource::open(&(server.url("/d.vhd") + SAS), quick()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Forbidden);
    assert!(err.message.contains("SAS token is expired"), "{err}");
    assert!(err.message.contains("AuthenticationFailed"), "{err}");
    no_secret(&err);
    assert_eq!(server.requests(), 1, "a 403 is not retried");
}

#[test]
fn a_missing_blob_is_not_found() {
    let faults = Faults {
        not_found: true,
        ..Faults::default()
    };
    let (server, _) = serve(1000, faults);
    let err = HttpSource::open(&(server.url("/d.vhd") + SAS), quick()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::NotFound);
    no_secret(&err);
}

#[test]
fn a_closed_port_is_a_network_error_within_the_retries() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}/d.vhd{SAS}");
    let started = Instant::now();
    let err = HttpSource::open(&url, quick()).unwrap_err();
    assert_eq!(err.kind, ErrorKind::Network, "{err}");
    no_secret(&err);
    assert!(started.elapsed() < Duration::from_secs(10));
}
