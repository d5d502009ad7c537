//! `copydesk serve`, on loopback: every route and error, restart, crash, concurrency, retention.

mod common;
#[path = "common/harness.rs"]
mod harness;
#[path = "common/server.rs"]
mod server;

use harness::{call_with, Scratch, Server};

use common::article;
use serde_json::{json, Value};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build()
}

/// `(status, body)` whatever the status; a body is sent as JSON.
fn call(agent: &ureq::Agent, method: &str, url: &str, body: Option<&str>) -> (u16, Value) {
    let json = [("content-type", "application/json")];
    call_with(
        agent,
        method,
        url,
        body,
        if body.is_some() { &json } else { &[] },
    )
}

/// The status of a `POST /articles` whose body is `len` bytes. The server may answer 413 and
/// close before the body is sent; an HTTP client that stops at its first write error (ureq)
/// then sees a broken pipe, not the answer. So the body is written from another thread, write
/// errors ignored, while this one reads the answer.
fn status_of_oversized_post(server: &Server, len: usize) -> u16 {
    use std::io::{Read, Write};
    let addr = server.addr();
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let body = format!("{{\"id\": \"huge\", \"text\": \"{}\"}}", "w".repeat(len));
    let head = format!(
        "POST /articles HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(body.as_bytes());
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let _ = sender.join();
    let line = String::from_utf8_lossy(&answer);
    line.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {line:?}"))
}

fn post(agent: &ureq::Agent, server: &Server, id: &str, text: &str) -> (u16, Value) {
    let body = json!({"id": id, "text": text, "source": "test"}).to_string();
    call(agent, "POST", &server.url("/articles"), Some(&body))
}

#[test]
fn every_route_and_error() {
    let dir = Scratch::new("routes");
    // Fixed dates below; a retention window of a century keeps them from being evicted
    // (retention runs at start and every minute, so the test would otherwise race it and,
    // in time, fail on the calendar).
    let server = Server::start(
        &dir.0,
        &["--max-body-bytes", "20000", "--retention-days", "36500"],
    );
    let a = agent();
    let text = article(1, 8);

    let (s, v) = call(&a, "GET", &server.url("/health"), None);
    assert_eq!((s, v["status"].as_str()), (200, Some("ok")));

    let body =
        json!({"id": "ap-1", "text": text, "source": "AP", "published_at": "2026-11-20T08:00:00Z"});
    let (s, first) = call(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&body.to_string()),
    );
    assert_eq!(s, 201, "{first}");
    assert_eq!(first["kind"], "new");
    assert_eq!(first["repeat"], false);
    // The same id and text again: idempotent.
    let (s, again) = call(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&body.to_string()),
    );
    assert_eq!(
        (s, &again["story"], &again["repeat"]),
        (200, &first["story"], &json!(true))
    );
    // The same id with other text: a conflict.
    let (s, v) = post(&a, &server, "ap-1", &article(2, 8));
    assert_eq!(s, 409, "{v}");
    assert_eq!(v["error"]["code"], "id_conflict", "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains("ap-1"));
    // A near copy from another outlet joins the story.
    let copy = json!({"id": "paper-9", "text": format!("{text} One more closing line."), "source": "Paper", "published_at": 1_795_170_000});
    let (s, v) = call(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&copy.to_string()),
    );
    assert_eq!(s, 201, "{v}");
    assert_eq!(
        (&v["kind"], &v["of"], &v["story"]),
        (&json!("near_copy"), &json!("ap-1"), &first["story"])
    );

    let (s, v) = call(&a, "GET", &server.url("/articles/paper-9"), None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["source"], "Paper");
    assert_eq!(v["published_at"], "2026-11-20T10:20:00Z");
    let story = first["story"].as_u64().unwrap();
    let (s, v) = call(&a, "GET", &server.url(&format!("/stories/{story}")), None);
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["first_seen"], "ap-1");
    assert_eq!(v["size"], 2);
    assert_eq!(v["sources"], json!(["AP", "Paper"]));

    // A query: the story it would join, or none; nothing is stored.
    let probe = json!({"id": "probe", "text": format!("{text} A different closing line.")});
    let (s, v) = call(&a, "POST", &server.url("/query"), Some(&probe.to_string()));
    assert_eq!(s, 200, "{v}");
    assert_eq!((&v["id"], &v["story"]), (&json!("probe"), &first["story"]));
    assert_eq!(v["kind"], "near_copy");
    let other = json!({"id": "other", "text": article(9, 8)});
    let (s, v) = call(&a, "POST", &server.url("/query"), Some(&other.to_string()));
    assert_eq!(s, 200, "{v}");
    assert_eq!((&v["story"], &v["kind"]), (&json!(null), &json!("new")));
    let (s, v) = call(&a, "POST", &server.url("/query"), Some("{\"id\": \"x\"}"));
    assert_eq!(s, 400, "{v}");
    let (s, _) = call(&a, "GET", &server.url("/articles/probe"), None);
    assert_eq!(s, 404, "a query is not stored");

    // Bad requests name what is wrong.
    for (body, says) in [
        ("{\"id\": \"x\"", "not valid JSON"),
        ("{\"id\": \"x\"}", "field `text` is missing"),
        ("{\"text\": \"words here\"}", "field `id` is missing"),
        ("{\"id\": \"\", \"text\": \"words here\"}", "field `id`"),
        (
            "{\"id\": \"x\", \"text\": 5}",
            "field `text` must be a string",
        ),
        (
            "{\"id\": \"x\", \"text\": \"w\", \"published_at\": \"last week\"}",
            "published_at",
        ),
    ] {
        let (s, v) = call(&a, "POST", &server.url("/articles"), Some(body));
        assert_eq!(s, 400, "{body}: {v}");
        assert_eq!(v["error"]["code"], "invalid_request", "{body}: {v}");
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{body}: {v}");
    }
    let (s, v) = post(&a, &server, "empty", " \n\t ");
    assert_eq!(s, 422, "{v}");
    assert_eq!(status_of_oversized_post(&server, 50_000), 413);
    let (s, _) = call(&a, "GET", &server.url("/articles/nobody"), None);
    assert_eq!(s, 404);
    let (s, _) = call(&a, "GET", &server.url("/stories/999999"), None);
    assert_eq!(s, 404);
    let (s, _) = call(&a, "GET", &server.url("/stories/abc"), None);
    assert_eq!(s, 400);
    let (s, _) = call(&a, "GET", &server.url("/no/such/route"), None);
    assert_eq!(s, 404);
    // Nothing of the refused requests was stored.
    let (_, stats) = call(&a, "GET", &server.url("/stats"), None);
    assert_eq!(stats["articles"], 2, "{stats}");
    for key in [
        "stories",
        "store_bytes",
        "memory_bytes",
        "uptime_seconds",
        "terms",
    ] {
        assert!(stats[key].is_u64(), "{key}: {stats}");
    }

    // Batches: each article gets its own status.
    let batch = json!([
        {"id": "b1", "text": article(3, 6)},
        {"id": "b2", "text": article(3, 6)},
        {"id": "b3", "text": "..."},
        {"id": "ap-1", "text": article(4, 6)},
    ]);
    let (s, v) = call(
        &a,
        "POST",
        &server.url("/articles/batch"),
        Some(&batch.to_string()),
    );
    assert_eq!(s, 200, "{v}");
    let statuses: Vec<u64> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [201, 201, 422, 409]);
    assert_eq!(v["results"][1]["kind"], "exact");
    // A bad item is answered in its place; the good ones are stored.
    let (s, v) = call(
        &a,
        "POST",
        &server.url("/articles/batch"),
        Some(&json!([{"id": 1}, {"id": 2, "text": article(5, 6)}]).to_string()),
    );
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["results"][0]["status"], 400, "{v}");
    assert_eq!(v["results"][0]["error"]["code"], "invalid_request", "{v}");
    assert_eq!(
        (&v["results"][1]["status"], &v["results"][1]["id"]),
        (&json!(201), &json!("2"))
    );
    assert_eq!(call(&a, "GET", &server.url("/articles/2"), None).0, 200);

    let (s, _) = call(&a, "DELETE", &server.url("/articles/b2"), None);
    assert_eq!(s, 204);
    let (s, _) = call(&a, "DELETE", &server.url("/articles/b2"), None);
    assert_eq!(s, 404);
    let (s, _) = call(&a, "GET", &server.url("/articles/b2"), None);
    assert_eq!(s, 404);
    server.stop();
}

#[test]
fn a_restart_rebuilds_the_index_from_the_store() {
    let dir = Scratch::new("restart");
    let a = agent();
    let server = Server::start(&dir.0, &[]);
    let mut stories = Vec::new();
    for i in 0..20u64 {
        let (s, v) = post(&a, &server, &format!("a{i}"), &article(i, 6));
        assert_eq!(s, 201);
        stories.push(v["story"].clone());
    }
    call(&a, "DELETE", &server.url("/articles/a3"), None);
    server.stop();

    let server = Server::start(&dir.0, &[]);
    for i in 0..20u64 {
        let (s, v) = call(&a, "GET", &server.url(&format!("/articles/a{i}")), None);
        if i == 3 {
            assert_eq!(s, 404, "deleted before the restart");
        } else {
            assert_eq!((s, &v["story"]), (200, &stories[i as usize]));
        }
    }
    // A copy arriving after the restart finds the original.
    let (s, v) = post(
        &a,
        &server,
        "late-copy",
        &format!("{} Updated.", article(7, 6)),
    );
    assert_eq!(s, 201);
    assert_eq!((&v["of"], &v["story"]), (&json!("a7"), &stories[7]));
    // Another configuration is refused rather than mixed with the stored one.
    server.stop();
    let out = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args([
            "serve",
            "--data",
            dir.0.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--threshold",
            "0.9",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("another configuration (near_copy: store 0.5, given 0.9)"),
        "{err}"
    );
    // A store of another schema version (schema 3's records hold signatures and terms of
    // the previous word hash) is refused with both versions named, and left as it was.
    let db = dir.0.join("copydesk.sqlite3");
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("PRAGMA user_version = 3;").unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    drop(conn);
    let out = Command::new(env!("CARGO_BIN_EXE_copydesk"))
        .args(["serve", "--data", dir.0.to_str().unwrap()])
        .args(["--listen", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schema version 3") && err.contains("reads versions 4 to 8"),
        "{err}"
    );
    let conn = rusqlite::Connection::open(&db).unwrap();
    let after: i64 = conn
        .query_row("SELECT count(*) FROM articles", [], |r| r.get(0))
        .unwrap();
    assert_eq!(after, rows, "nothing of the old store was touched");
}

#[test]
fn killed_mid_ingest_loses_no_acknowledged_article() {
    let dir = Scratch::new("crash");
    let server = Server::start(&dir.0, &[]);
    let acked: Arc<Mutex<Vec<(String, Value)>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let base = server.base.clone();
    let clients: Vec<_> = (0..4u64)
        .map(|c| {
            let (acked, count, base) = (Arc::clone(&acked), Arc::clone(&count), base.clone());
            std::thread::spawn(move || {
                let a = agent();
                for i in 0..2000u64 {
                    // Every third article is a copy of an earlier one of this client's.
                    let seed = if i % 3 == 2 {
                        c * 10_000 + i - 2
                    } else {
                        c * 10_000 + i
                    };
                    let id = format!("c{c}-{i}");
                    let body = json!({"id": id, "text": article(seed, 5)}).to_string();
                    match a
                        .post(&format!("{base}/articles"))
                        .set("Content-Type", "application/json")
                        .send_string(&body)
                    {
                        Ok(r) => {
                            let v: Value = serde_json::from_str(&r.into_string().unwrap()).unwrap();
                            acked.lock().unwrap().push((id, v["story"].clone()));
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        // The server died: stop this client.
                        Err(_) => return,
                    }
                }
            })
        })
        .collect();
    while count.load(Ordering::Relaxed) < 2500 {
        std::thread::sleep(Duration::from_millis(5));
    }
    server.crash();
    for c in clients {
        c.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() >= 2500 && acked.len() < 8000,
        "{} acknowledged",
        acked.len()
    );

    // The store opens (SQLite's check passes on start) and holds every acknowledged article
    // with the story it was given.
    let server = Server::start(&dir.0, &[]);
    let a = agent();
    for (id, story) in &acked {
        let (s, v) = call(&a, "GET", &server.url(&format!("/articles/{id}")), None);
        assert_eq!(s, 200, "{id} was acknowledged but is gone");
        assert_eq!(&v["story"], story, "{id}");
    }
    let (_, stats) = call(&a, "GET", &server.url("/stats"), None);
    assert!(stats["articles"].as_u64().unwrap() >= acked.len() as u64);
    eprintln!(
        "crash test: {} acknowledged before kill -9, all present after restart ({} stored)",
        acked.len(),
        stats["articles"]
    );
    server.stop();
}

#[test]
fn copies_arriving_at_once_land_in_one_story() {
    let dir = Scratch::new("race");
    let server = Server::start(&dir.0, &[]);
    let base = server.base.clone();
    for round in 0..20u64 {
        let text = article(round + 500, 6);
        let barrier = Arc::new(std::sync::Barrier::new(3));
        let handles: Vec<_> = (0..3)
            .map(|k| {
                let (barrier, base, text) = (Arc::clone(&barrier), base.clone(), text.clone());
                std::thread::spawn(move || {
                    let a = agent();
                    let body = json!({"id": format!("r{round}-{k}"), "text": format!("{text} Outlet {k}.")}).to_string();
                    barrier.wait();
                    call(&a, "POST", &format!("{base}/articles"), Some(&body)).1["story"].clone()
                })
            })
            .collect();
        let stories: Vec<Value> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        assert!(
            stories.iter().all(|s| *s == stories[0]),
            "round {round}: {stories:?}"
        );
    }
    server.stop();
}

#[test]
fn retention_goes_by_arrival_and_keeps_backfilled_articles() {
    let dir = Scratch::new("retention");
    let a = agent();
    // Published five years ago, received now: a backfilled archive article. Retention runs
    // on start; it must not evict what it has just acknowledged.
    let server = Server::start(&dir.0, &["--retention-days", "2"]);
    let body =
        json!({"id": "archive", "text": article(7, 5), "published_at": "2021-01-06T14:30:00Z"});
    let (s, v) = call(
        &a,
        "POST",
        &server.url("/articles"),
        Some(&body.to_string()),
    );
    assert_eq!(s, 201, "{v}");
    server.stop();
    // Retention runs on start and then every 0.2 s here: give it a few runs.
    let server = Server::start(
        &dir.0,
        &["--retention-days", "2", "--retention-interval", "0.2"],
    );
    std::thread::sleep(Duration::from_millis(800));
    let (s, v) = call(&a, "GET", &server.url("/articles/archive"), None);
    assert_eq!(s, 200, "a backfilled article was evicted: {v}");
    assert_eq!(v["published_at"], "2021-01-06T14:30:00Z");
    server.stop();

    // By arrival: with a window of about a second, what arrived is evicted soon after, and
    // each eviction is logged and counted.
    let dir = Scratch::new("retention-arrival");
    let server = Server::start(
        &dir.0,
        &["--retention-days", "0.00001", "--retention-interval", "0.2"],
    );
    let log = std::sync::Arc::clone(&server.log);
    let (s, _) = post(&a, &server, "soon-gone", &article(8, 5));
    assert_eq!(s, 201);
    let mut gone = false;
    for _ in 0..100 {
        if call(&a, "GET", &server.url("/articles/soon-gone"), None).0 == 404 {
            gone = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(gone, "the article was not evicted by arrival");
    // The index drops an evicted article before the store commits the eviction, and the
    // counter moves when the commit has succeeded: wait for it rather than race it.
    let mut stats = Value::Null;
    for _ in 0..100 {
        stats = call(&a, "GET", &server.url("/stats"), None).1;
        if stats["evictions"] != 0 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(stats["evictions"], 1, "{stats}");
    server.stop();
    let log = log.lock().unwrap();
    assert!(
        log.iter()
            .any(|l| l.contains("evicted by retention") && l.contains("soon-gone")),
        "{log:?}"
    );
}

#[test]
fn recluster_reforms_the_stories_and_keeps_them_across_a_restart() {
    let Some(articles) = common::jsonl("ecbplus-dev.jsonl") else {
        return;
    };
    // What the library gives: the articles one at a time, then re-clustered.
    let mut library = copydesk::Detector::new(Default::default()).unwrap();
    // Each article's story and the article it matches, as the service says them.
    let said = |v: copydesk::Verdict| (v.story.0, v.matched.map(|m| m.id));
    let mut one_at_a_time = Vec::new();
    for (id, text) in &articles {
        one_at_a_time.push(said(library.insert(id, text).unwrap()));
    }
    // Every article whose verdict changes (its story, or the article it matches) is stored.
    let changes = library.recluster_changes().len();
    assert!(changes > 0, "this set's stories change when re-formed");
    let expected: Vec<_> = articles
        .iter()
        .map(|(id, _)| said(library.verdict_of(id).unwrap()))
        .collect();

    let dir = Scratch::new("recluster");
    let a = agent();
    let server = Server::start(&dir.0, &[]);
    let batch: Vec<Value> = articles
        .iter()
        .map(|(id, text)| json!({"id": id, "text": text}))
        .collect();
    let (s, _) = call(
        &a,
        "POST",
        &server.url("/articles/batch"),
        Some(&Value::Array(batch.clone()).to_string()),
    );
    assert_eq!(s, 200);
    let stories = |server: &Server| -> Vec<(u64, Option<String>)> {
        articles
            .iter()
            .map(|(id, _)| {
                let (s, v) = call(&a, "GET", &server.url(&format!("/articles/{id}")), None);
                assert_eq!(s, 200, "{id}");
                let of = v["of"].as_str().map(str::to_string);
                (v["story"].as_u64().unwrap(), of)
            })
            .collect()
    };
    assert_eq!(stories(&server), one_at_a_time);
    // Another writer holds the store's lock past the service's 5 s wait: the new stories
    // cannot be committed, so the old ones are put back, in memory as on disk.
    let store = dir.0.join("copydesk.sqlite3");
    let writer = rusqlite::Connection::open(&store).unwrap();
    writer.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (s, v) = call(&a, "POST", &server.url("/stories/recluster"), None);
    assert_eq!(s, 503, "{v}");
    assert_eq!(v["error"]["code"], "store_unavailable", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unchanged"),
        "{v}"
    );
    assert_eq!(stories(&server), one_at_a_time);
    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);
    // Put back whole, links included: the next run makes the same changes.
    let (s, v) = call(&a, "POST", &server.url("/stories/recluster"), None);
    assert_eq!(
        (s, v["changed"].as_u64()),
        (200, Some(changes as u64)),
        "{v}"
    );
    assert_eq!(stories(&server), expected);
    // The new stories are stored: a restart serves them.
    server.stop();
    let server = Server::start(&dir.0, &[]);
    assert_eq!(stories(&server), expected);
    // Records keep each article's links: re-forming the stories again changes nothing.
    let (s, v) = call(&a, "POST", &server.url("/stories/recluster"), None);
    assert_eq!((s, v["changed"].as_u64()), (200, Some(0)), "{v}");
    server.stop();

    // With --recluster-every, the service does it by itself.
    let dir = Scratch::new("recluster-every");
    let server = Server::start(&dir.0, &["--recluster-every", "0.01"]);
    let (s, _) = call(
        &a,
        "POST",
        &server.url("/articles/batch"),
        Some(&Value::Array(batch).to_string()),
    );
    assert_eq!(s, 200);
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while stories(&server) != expected {
        assert!(
            std::time::Instant::now() < deadline,
            "not re-clustered within 30 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    server.stop();
}

/// An older version arriving late becomes its story's original, in the answer, in the stored
/// verdict of the article it displaced, and after a restart.
#[test]
fn a_late_older_version_becomes_the_original_and_is_stored_so() {
    let dir = Scratch::new("late-older");
    let a = agent();
    let server = Server::start(&dir.0, &[]);
    let text = article(3, 6);
    let post_at = |id: &str, at: &str| {
        let body = json!({"id": id, "text": text, "published_at": at});
        call(
            &a,
            "POST",
            &server.url("/articles"),
            Some(&body.to_string()),
        )
    };
    let (s, later) = post_at("outlet", "2026-01-06T12:00:00Z");
    assert_eq!((s, &later["kind"]), (201, &json!("new")), "{later}");
    let (s, wire) = post_at("wire", "2026-01-06T08:00:00Z");
    assert_eq!(s, 201, "{wire}");
    assert_eq!(
        wire["kind"], "new",
        "the earlier version is the original: {wire}"
    );
    assert_eq!(wire["story"], later["story"], "in the same story");
    let check = |server: &Server| {
        let (s, v) = call(&a, "GET", &server.url("/articles/outlet"), None);
        assert_eq!(s, 200);
        assert_eq!(
            (&v["kind"], &v["of"]),
            (&json!("exact"), &json!("wire")),
            "{v}"
        );
        assert_eq!(v["story"], later["story"], "the story keeps its id");
    };
    check(&server);
    server.stop();
    let server = Server::start(&dir.0, &[]);
    check(&server);
    server.stop();
}
