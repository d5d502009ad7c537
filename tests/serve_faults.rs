//! `copydesk serve` on an operator's worst day, on loopback: a full store, two servers on one
//! folder, a delete and a re-create in one group, a crash before the term statistics were
//! saved, damaged files, slow and idle clients, too many connections, and requests that are
//! not what the API takes. Each test is bounded in time and in requests.

mod common;
#[path = "common/harness.rs"]
mod harness;
#[path = "common/server.rs"]
mod server;

use harness::{call_with, Scratch, Server};

use common::article;
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_copydesk");

/// A client that opens a connection for each request: refused requests whose body the
/// server did not read end their connection, and a pooled one could be reused after that.
fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .max_idle_connections(0)
        .build()
}

/// `(status, body)` of a request with a JSON body (or none).
fn call(a: &ureq::Agent, method: &str, url: &str, body: Option<&str>) -> (u16, Value) {
    call_with(
        a,
        method,
        url,
        body,
        &[("content-type", "application/json")],
    )
}

fn post(a: &ureq::Agent, server: &Server, id: &str, text: &str) -> (u16, Value) {
    let body = json!({"id": id, "text": text}).to_string();
    call(a, "POST", &server.url("/articles"), Some(&body))
}

/// A raw exchange on a new connection: what the server answers to `request`, read until the
/// answer is whole (by its content-length), the server closes, or `wait` passes.
fn raw(server: &Server, request: &[u8], wait: Duration) -> String {
    let mut stream = TcpStream::connect(server.addr()).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    let _ = stream.write_all(request);
    let mut answer = Vec::new();
    let mut buf = [0u8; 8192];
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
        let text = String::from_utf8_lossy(&answer);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// The JSON body of a raw answer.
fn body_of(answer: &str) -> Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body.trim()).unwrap_or(Value::Null)
}

/// Starts a server that must refuse to start: its stderr, once it exited 1. A server that
/// starts instead is killed after 20 s and the test fails, rather than waiting for ever.
fn refused(data: &Path) -> String {
    let mut child = Command::new(BIN)
        .args(["serve", "--data"])
        .arg(data)
        .args(["--listen", "127.0.0.1:0"])
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            assert_eq!(status.code(), Some(1), "{err}");
            return err;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server started where it should have refused");
}

/// Fault 2: with the store full, concurrent identical posts of new ids are all refused; none
/// is answered "200 repeat" for an article that was never stored, and everything that was
/// acknowledged before is there after a restart.
#[test]
fn a_failed_commit_acknowledges_nothing() {
    let dir = Scratch::new("full");
    let server = Server::start(&dir.0, &["--max-store-bytes", "400000"]);
    let a = agent();
    let mut acknowledged = Vec::new();
    let mut full = false;
    for i in 0..2_000u64 {
        let id = format!("fill-{i}");
        let (s, v) = post(&a, &server, &id, &article(i, 12));
        match s {
            201 => acknowledged.push(id),
            503 => {
                assert_eq!(v["error"]["code"], "store_unavailable", "{v}");
                let message = v["error"]["message"].as_str().unwrap();
                assert!(message.contains("full"), "{v}");
                assert!(
                    !message.contains("SQLITE") && !message.contains("code"),
                    "{v}"
                );
                full = true;
                break;
            }
            _ => panic!("{s} {v}"),
        }
    }
    assert!(full, "the store never filled up");
    let base = server.base.clone();
    let mut lost_repeats = Vec::new();
    for round in 0..20u64 {
        let barrier = Arc::new(Barrier::new(8));
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let (barrier, base) = (Arc::clone(&barrier), base.clone());
                std::thread::spawn(move || {
                    let a = agent();
                    let body =
                        json!({"id": format!("same-{round}"), "text": article(9_000 + round, 12)})
                            .to_string();
                    barrier.wait();
                    call(&a, "POST", &format!("{base}/articles"), Some(&body))
                })
            })
            .collect();
        for h in handles {
            let (s, v) = h.join().unwrap();
            assert!(s == 503 || s == 201 || s == 200, "{s} {v}");
            if s == 200 || s == 201 {
                lost_repeats.push((round, s, v));
            }
        }
    }
    assert!(
        lost_repeats.is_empty(),
        "acknowledged while the store was full: {lost_repeats:?}"
    );
    server.stop();
    let server = Server::start(&dir.0, &[]);
    for id in &acknowledged {
        assert_eq!(
            call(&a, "GET", &server.url(&format!("/articles/{id}")), None).0,
            200,
            "{id}"
        );
    }
    let (_, stats) = call(&a, "GET", &server.url("/stats"), None);
    assert_eq!(stats["articles"], acknowledged.len(), "{stats}");
    // Refused articles are not counted as seen.
    assert_eq!(stats["documents_seen"], acknowledged.len(), "{stats}");
    server.stop();
}

/// Fault 3: a second server on the same folder is refused while the first runs.
#[test]
fn a_second_server_on_one_folder_is_refused() {
    let dir = Scratch::new("lock");
    let first = Server::start(&dir.0, &[]);
    let err = refused(&dir.0);
    assert!(
        err.contains("another copydesk serve is using this data folder"),
        "{err}"
    );
    assert!(err.contains(&first.child.id().to_string()), "{err}");
    first.stop();
    // Once it stopped, the folder is free.
    Server::start(&dir.0, &[]).stop();
}

/// Fault 4: a delete and a re-create of one id in one group, beside unrelated posts, all
/// succeed, and what was acknowledged last is what a restart finds.
#[test]
fn delete_and_recreate_in_one_group_commit() {
    let dir = Scratch::new("recreate");
    let server = Server::start(&dir.0, &[]);
    let a = agent();
    let base = server.base.clone();
    for round in 0..40u64 {
        let id = format!("x{round}");
        assert_eq!(post(&a, &server, &id, &article(round, 8)).0, 201);
        let barrier = Arc::new(Barrier::new(3));
        let jobs: Vec<(&str, String, Option<String>)> = vec![
            ("DELETE", format!("{base}/articles/{id}"), None),
            (
                "POST",
                format!("{base}/articles"),
                Some(json!({"id": id, "text": article(round + 100, 8)}).to_string()),
            ),
            (
                "POST",
                format!("{base}/articles"),
                Some(
                    json!({"id": format!("other{round}"), "text": article(round + 200, 8)})
                        .to_string(),
                ),
            ),
        ];
        let handles: Vec<_> = jobs
            .into_iter()
            .map(|(method, url, body)| {
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    let a = agent();
                    barrier.wait();
                    call(&a, method, &url, body.as_deref()).0
                })
            })
            .collect();
        let statuses: Vec<u16> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        // The delete lands first (204) or the re-post does (409: other text); never 503.
        assert_eq!(statuses[0], 204, "round {round}: {statuses:?}");
        assert!(
            matches!(statuses[1], 201 | 409),
            "round {round}: {statuses:?}"
        );
        assert_eq!(statuses[2], 201, "round {round}: {statuses:?}");
    }
    let before: Vec<u16> = (0..40)
        .map(|r| call(&a, "GET", &server.url(&format!("/articles/x{r}")), None).0)
        .collect();
    server.crash();
    let server = Server::start(&dir.0, &[]);
    let after: Vec<u16> = (0..40)
        .map(|r| call(&a, "GET", &server.url(&format!("/articles/x{r}")), None).0)
        .collect();
    assert_eq!(before, after);
    server.stop();
}

/// Fault 5: the term statistics are as durable as the articles: after kill -9, the next
/// verdicts are those of a server that never crashed.
#[test]
fn term_statistics_survive_a_crash() {
    let crashed = Scratch::new("df-crash");
    let steady = Scratch::new("df-steady");
    let a = agent();
    let first: Vec<(String, String)> = (0..300u64)
        .map(|i| (format!("a{i}"), article(i % 40, 6 + (i % 5) as usize)))
        .collect();
    let next: Vec<(String, String)> = (0..60u64)
        .map(|i| (format!("b{i}"), article(1_000 + i % 30, 7)))
        .collect();
    let verdicts = |server: &Server, articles: &[(String, String)]| -> Vec<Value> {
        articles
            .iter()
            .map(|(id, text)| {
                let (s, v) = post(&a, server, id, text);
                assert!(s == 201 || s == 409, "{s} {v}");
                json!([s, v["story"], v["of"], v["kind"]])
            })
            .collect()
    };
    let server = Server::start(&crashed.0, &[]);
    verdicts(&server, &first);
    let (_, stats) = call(&a, "GET", &server.url("/stats"), None);
    server.crash();
    let server = Server::start(&crashed.0, &[]);
    let (_, again) = call(&a, "GET", &server.url("/stats"), None);
    assert_eq!(
        (&again["documents_seen"], &again["terms"]),
        (&stats["documents_seen"], &stats["terms"]),
        "{again} against {stats}"
    );
    let after_crash = verdicts(&server, &next);
    server.stop();
    let server = Server::start(&steady.0, &[]);
    verdicts(&server, &first);
    let without_crash = verdicts(&server, &next);
    server.stop();
    assert_eq!(after_crash, without_crash);
}

/// Fault 6: a damaged write-ahead log, and a database emptied to zero bytes, are refused at
/// start with what to do, and left as they were.
#[test]
fn damaged_store_files_are_refused() {
    let dir = Scratch::new("wal");
    let server = Server::start(&dir.0, &[]);
    let a = agent();
    for i in 0..30u64 {
        assert_eq!(post(&a, &server, &format!("w{i}"), &article(i, 10)).0, 201);
    }
    // Killed: the WAL is left with every commit in it.
    server.crash();
    let wal = dir.0.join("copydesk.sqlite3-wal");
    let mut bytes = std::fs::read(&wal).unwrap();
    assert!(
        bytes.len() > 32 + 3 * 4120,
        "a WAL of {} bytes",
        bytes.len()
    );
    // Flip a byte in the first frame's page: every later frame is then dropped by SQLite.
    bytes[32 + 24 + 100] ^= 0x55;
    std::fs::write(&wal, &bytes).unwrap();
    let err = refused(&dir.0);
    assert!(err.contains("write-ahead log is damaged"), "{err}");
    assert_eq!(std::fs::read(&wal).unwrap(), bytes, "the WAL was changed");

    let dir = Scratch::new("empty");
    let server = Server::start(&dir.0, &[]);
    assert_eq!(post(&a, &server, "e1", &article(1, 10)).0, 201);
    server.stop();
    let db = dir.0.join("copydesk.sqlite3");
    std::fs::write(&db, b"").unwrap();
    let _ = std::fs::remove_file(dir.0.join("copydesk.sqlite3-wal"));
    let err = refused(&dir.0);
    assert!(err.contains("the store is empty"), "{err}");
}

/// Fault 7: a client that sends its headers a byte at a time, or that keeps an idle
/// connection, is cut off after the header timeout; past --max-connections, a connection is
/// closed at once, and the service answers again once they go.
#[test]
fn slow_idle_and_surplus_connections_are_cut_off() {
    let dir = Scratch::new("timeouts");
    let server = Server::start(
        &dir.0,
        &[
            "--header-timeout",
            "1",
            "--body-timeout",
            "1",
            "--max-connections",
            "4",
        ],
    );
    // Headers that never finish: closed within about a second.
    let start = Instant::now();
    let mut slow = TcpStream::connect(server.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    slow.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut buf = [0u8; 1024];
    let n = slow.read(&mut buf).unwrap_or(0);
    let waited = start.elapsed();
    assert!(waited < Duration::from_secs(5), "held for {waited:?}");
    assert!(
        n == 0 || String::from_utf8_lossy(&buf[..n]).contains("408"),
        "{n}"
    );
    // Four idle connections fill the slots; a fifth is closed at once.
    let idle: Vec<TcpStream> = (0..4)
        .map(|_| TcpStream::connect(server.addr()).unwrap())
        .collect();
    std::thread::sleep(Duration::from_millis(200));
    let mut fifth = TcpStream::connect(server.addr()).unwrap();
    fifth
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = fifth.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
    let n = fifth.read(&mut buf).unwrap_or(0);
    assert_eq!(n, 0, "{}", String::from_utf8_lossy(&buf[..n]));
    // The idle ones time out too, and then the service answers.
    std::thread::sleep(Duration::from_millis(1_500));
    drop(idle);
    let (s, v) = call(&agent(), "GET", &server.url("/health"), None);
    assert_eq!((s, &v["status"]), (200, &json!("ok")));
    let metrics = raw(
        &server,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    assert!(
        metrics.contains("copydesk_connections_refused_total 1"),
        "{metrics}"
    );
    // A body that stops short: 408 within about the body timeout.
    let start = Instant::now();
    let answer = raw(
        &server,
        b"POST /articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"id\": \"slow\"",
        Duration::from_secs(10),
    );
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert_eq!(
        body_of(&answer)["error"]["code"],
        "request_timeout",
        "{answer}"
    );
    server.stop();
}

/// Faults 8 and 9: what the API does not take is refused with one JSON error shape, the
/// token is required when set, browsers' cross-origin writes are refused, a BOM is skipped.
#[test]
fn requests_the_api_does_not_take() {
    let dir = Scratch::new("refusals");
    let token = dir.0.with_extension("token");
    std::fs::create_dir_all(&dir.0).unwrap();
    std::fs::write(&token, "s3cret-token\n").unwrap();
    let server = Server::start(
        &dir.0,
        &[
            "--token-file",
            token.to_str().unwrap(),
            "--max-body-bytes",
            "20000",
        ],
    );
    let a = agent();
    let auth = ("authorization", "Bearer s3cret-token");
    let json_auth = [("content-type", "application/json"), auth];
    let body = json!({"id": "t1", "text": article(1, 8)}).to_string();
    let shape = |s: u16, v: &Value, code: &str| {
        assert_eq!(v["error"]["code"], code, "{s}: {v}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
    };
    // No token, a wrong one: 401. /health needs none.
    let (s, v) = call(&a, "POST", &server.url("/articles"), Some(&body));
    assert_eq!(s, 401);
    shape(s, &v, "unauthorized");
    let (s, _) = call_with(
        &a,
        "GET",
        &server.url("/stats"),
        None,
        &[("authorization", "Bearer nope")],
    );
    assert_eq!(s, 401);
    assert_eq!(
        call_with(&a, "GET", &server.url("/health"), None, &[]).0,
        200
    );
    // Not JSON: 415, and nothing stored; a form post from a page of another site: 403.
    let (s, v) = call_with(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&body),
        &[auth, ("content-type", "text/plain")],
    );
    assert_eq!(s, 415);
    shape(s, &v, "unsupported_media_type");
    let (s, v) = call_with(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&body),
        &[
            auth,
            ("content-type", "application/json"),
            ("origin", "https://evil.example"),
        ],
    );
    assert_eq!(s, 403);
    shape(s, &v, "forbidden");
    let (s, _) = call_with(&a, "GET", &server.url("/articles/t1"), None, &[auth]);
    assert_eq!(s, 404, "a refused write was stored");
    // A BOM is skipped; a numeric id is its decimal text.
    let bom = format!("\u{feff}{body}");
    let (s, v) = call_with(&a, "POST", &server.url("/articles"), Some(&bom), &json_auth);
    assert_eq!(s, 201, "{v}");
    let numeric = json!({"id": 1234, "text": article(2, 8)}).to_string();
    let (s, v) = call_with(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&numeric),
        &json_auth,
    );
    assert_eq!((s, &v["id"]), (201, &json!("1234")), "{v}");
    // 404, 405, 413 and 414 have the shape too.
    let (s, v) = call_with(&a, "GET", &server.url("/no/such/route"), None, &[auth]);
    assert_eq!(s, 404);
    shape(s, &v, "not_found");
    let (s, v) = call_with(
        &a,
        "PATCH",
        &server.url("/articles/t1"),
        Some("{}"),
        &json_auth,
    );
    assert_eq!(s, 405);
    shape(s, &v, "method_not_allowed");
    // An oversized body is read to its end (up to 8 MiB more, kept no further) before it is
    // refused, so the client, still sending, reads the 413 rather than a reset connection
    // (regression: it was refused at the limit and the connection closed under the client).
    // Four megabytes: more than the socket buffers hold, so the client is still sending.
    let big = json!({"id": "big", "text": "w ".repeat(2_000_000)}).to_string();
    for _ in 0..5 {
        let mut req = a.request("POST", &server.url("/articles"));
        for (k, v) in &json_auth {
            req = req.set(k, v);
        }
        match req.send_string(&big) {
            Err(ureq::Error::Status(s, r)) => {
                let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
                assert_eq!(s, 413);
                shape(s, &v, "payload_too_large");
            }
            Err(e) => panic!("the 413 was not read: {e}"),
            Ok(r) => panic!("an oversized body was accepted: {}", r.status()),
        }
    }
    let (s, _) = call_with(&a, "GET", &server.url("/articles/big"), None, &[auth]);
    assert_eq!(s, 404, "the oversized article was not stored");
    let long = format!("/articles/{}", "x".repeat(9_000));
    let (s, v) = call_with(&a, "GET", &server.url(&long), None, &[auth]);
    assert_eq!(s, 414);
    shape(s, &v, "uri_too_long");
    // A batch with one bad item stores the others.
    let batch = json!([{"id": "ok1", "text": article(3, 8)}, {"id": 5, "text": 7}]).to_string();
    let (s, v) = call_with(
        &a,
        "POST",
        &server.url("/articles/batch"),
        Some(&batch),
        &json_auth,
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["results"][0]["status"], 201, "{v}");
    assert_eq!(v["results"][1]["status"], 400, "{v}");
    shape(400, &v["results"][1], "invalid_request");
    server.stop();
}

/// `/metrics`, `/openapi.json` (every route it documents is served), `GET /stories` with
/// its filters and pages, and `PUT /articles/{id}`.
#[test]
fn operations_routes() {
    let dir = Scratch::new("ops");
    let server = Server::start(&dir.0, &["--log-format", "json"]);
    let a = agent();
    for (i, source) in [(0u64, "AP"), (1, "Reuters"), (2, "AP")] {
        let body = json!({"id": format!("s{i}"), "text": article(i * 10, 8), "source": source})
            .to_string();
        assert_eq!(
            call(&a, "POST", &server.url("/articles"), Some(&body)).0,
            201
        );
    }
    let copy = json!({"id": "s0-copy", "text": format!("{} A closing line.", article(0, 8)), "source": "Paper"});
    let (s, v) = call(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&copy.to_string()),
    );
    assert_eq!((s, &v["kind"]), (201, &json!("near_copy")), "{v}");

    // Stories: all, by size, by source, in pages of one.
    let (s, v) = call(&a, "GET", &server.url("/stories"), None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["stories"].as_array().unwrap().len(), 3, "{v}");
    let (_, v) = call(&a, "GET", &server.url("/stories?min_size=2"), None);
    assert_eq!(v["stories"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["stories"][0]["first_seen"], "s0", "{v}");
    let (_, v) = call(&a, "GET", &server.url("/stories?source=Reuters"), None);
    assert_eq!(v["stories"].as_array().unwrap().len(), 1, "{v}");
    let mut seen = Vec::new();
    let mut url = server.url("/stories?limit=1");
    loop {
        let (s, v) = call(&a, "GET", &url, None);
        assert_eq!(s, 200, "{v}");
        seen.extend(
            v["stories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["story"].clone()),
        );
        match v["next"].as_u64() {
            Some(n) => url = server.url(&format!("/stories?limit=1&after={n}")),
            None => break,
        }
    }
    assert_eq!(seen.len(), 3, "{seen:?}");
    let (s, v) = call(&a, "GET", &server.url("/stories?limit=0"), None);
    assert_eq!((s, &v["error"]["code"]), (400, &json!("invalid_request")));

    // A re-issue replaces the article; the old verdict comes back as `replaced`.
    let body = json!({"text": article(77, 8), "source": "AP"}).to_string();
    let (s, v) = call(&a, "PUT", &server.url("/articles/s1"), Some(&body));
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["replaced"]["id"], "s1", "{v}");
    let (_, got) = call(&a, "GET", &server.url("/articles/s1"), None);
    assert_eq!(got["story"], v["story"], "{got}");
    let (s, v) = call(&a, "PUT", &server.url("/articles/new-one"), Some(&body));
    assert_eq!(s, 201, "{v}");
    let (s, v) = call(
        &a,
        "PUT",
        &server.url("/articles/s2"),
        Some(&json!({"id": "other", "text": "x y"}).to_string()),
    );
    assert_eq!(
        (s, &v["error"]["code"]),
        (400, &json!("invalid_request")),
        "{v}"
    );

    // Metrics.
    let metrics = raw(
        &server,
        b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        Duration::from_secs(5),
    );
    for name in [
        "copydesk_http_requests_total{",
        "copydesk_http_request_duration_seconds_bucket{",
        "copydesk_articles 5",
        "copydesk_stories",
        "copydesk_evictions_total 0",
        "copydesk_store_commit_duration_seconds_count",
        "copydesk_store_commit_group_size_bucket",
        "route=\"/articles/{id}\"",
    ] {
        assert!(metrics.contains(name), "{name} not in {metrics}");
    }
    // The OpenAPI document's every route is served (not the fallback, not 405).
    let (s, doc) = call(&a, "GET", &server.url("/openapi.json"), None);
    assert_eq!(s, 200);
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item
            .as_object()
            .unwrap()
            .keys()
            .filter(|m| *m != "parameters")
        {
            let concrete = path.replace("{id}", "0");
            let body = ["post", "put"].contains(&method.as_str()).then_some("{}");
            let (s, v) = call(&a, &method.to_uppercase(), &server.url(&concrete), body);
            assert!(s != 405, "{method} {path}: {s} {v}");
            assert!(
                !(s == 404 && v["error"]["message"] == "no such route"),
                "{method} {path} is documented but not routed"
            );
        }
    }
    server.stop();
}

/// The request log: one line per request, with method, route, status and time.
#[test]
fn one_log_line_per_request() {
    for (format, check) in [
        ("json", "\"route\":\"/articles/{id}\""),
        ("text", "route=\"/articles/{id}\""),
    ] {
        let dir = Scratch::new(&format!("log-{format}"));
        let server = Server::start(&dir.0, &["--log-format", format]);
        let a = agent();
        assert_eq!(
            call(&a, "GET", &server.url("/articles/nobody"), None).0,
            404
        );
        assert_eq!(call(&a, "GET", &server.url("/health"), None).0, 200);
        let log = Arc::clone(&server.log);
        server.stop();
        let log = log.lock().unwrap();
        let requests: Vec<&String> = log.iter().filter(|l| l.contains("request")).collect();
        assert!(
            requests
                .iter()
                .any(|l| l.contains(check) && l.contains("404")),
            "{format}: {log:?}"
        );
        if format == "json" {
            for line in log.iter() {
                serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            }
        }
    }
}
