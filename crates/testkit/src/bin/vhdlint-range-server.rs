//! Serves files by range requests on 127.0.0.1 for benches: `vhdlint-range-server DELAY_MS DIR`
//! prints `http://127.0.0.1:PORT` and serves `DIR/<name>` at `/<name>` until killed, each answer
//! delayed by DELAY_MS (the latency of a far region). Requests are counted per file in the log.

use std::time::Duration;

use vhdlint_testkit::http::{Faults, Object, Server};

fn main() {
    let mut args = std::env::args().skip(1);
    let delay: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let dir = std::path::PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let server = Server::start(
        Object::Dir(dir),
        Faults {
            delay: Duration::from_millis(delay),
            ..Faults::default()
        },
    );
    println!("{}", server.url(""));
    loop {
        std::thread::sleep(Duration::from_secs(3600));
    }
}
