//! The service's request handling, in process (no socket): a sequence of requests — articles
//! posted one at a time and in batches, replaced, read, deleted, queried, stories listed and
//! re-formed, and arbitrary methods, paths, headers and bodies — through every layer a
//! connection is served with, over a store in a temporary folder, with restarts between them.
//!
//! Invariants: no answer is a 500; every error answer is the JSON error shape; an article
//! acknowledged (200 or 201) is readable until it is deleted, across restarts, with the
//! verdict it had before the restart; an article never acknowledged is not there.
#![no_main]
use arbitrary::Arbitrary;
use axum::body::Body as HttpBody;
use axum::http::{Method, Request, StatusCode};
use libfuzzer_sys::fuzz_target;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tower::ServiceExt;

mod cli;
use cli::copydesk_cli::*;
use serve::{Options, Service};

#[derive(Arbitrary, Debug)]
enum Id {
    /// One of a few ids, so that requests meet each other's articles.
    Few(u8),
    Any(String),
    Number(i64),
}

impl Id {
    fn json(&self) -> Value {
        match self {
            Id::Few(n) => json!(format!("a{}", n % 6)),
            Id::Any(s) => json!(s),
            Id::Number(n) => json!(n),
        }
    }
    fn path(&self) -> String {
        let id = match self {
            Id::Few(n) => format!("a{}", n % 6),
            Id::Any(s) => s.clone(),
            Id::Number(n) => n.to_string(),
        };
        // As a client would send it: percent-encoded.
        let mut out = String::new();
        for b in id.bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                out.push(char::from(b));
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    }
}

#[derive(Arbitrary, Debug)]
enum Time {
    Seconds(i64),
    Text(String),
    Rfc3339(u32),
}

#[derive(Arbitrary, Debug)]
enum Field<T> {
    Absent,
    Null,
    Value(T),
    Wrong(bool),
}

#[derive(Arbitrary, Debug)]
struct Article {
    id: Field<Id>,
    /// A base text (so that copies meet) and words of the input's own.
    base: u8,
    words: String,
    source: Field<String>,
    published_at: Field<Time>,
}

const BASES: [&str; 3] = [
    "Gales closed the Kessington harbour bridge on Monday as crews inspected the span.",
    "The Harlow city council voted to raise parking fees in the old town from March.",
    "",
];

impl Article {
    fn json(&self) -> Value {
        let mut o = serde_json::Map::new();
        put(&mut o, "id", &self.id, Id::json);
        let text = format!(
            "{} {}",
            BASES[usize::from(self.base) % BASES.len()],
            self.words
        );
        o.insert("text".into(), json!(text));
        put(&mut o, "source", &self.source, |s| json!(s));
        put(&mut o, "published_at", &self.published_at, |t| match t {
            Time::Seconds(s) => json!(s),
            Time::Text(s) => json!(s),
            Time::Rfc3339(s) => json!(format!("2026-01-{:02}T{:02}:00:00Z", s % 31 + 1, s % 24)),
        });
        Value::Object(o)
    }
}

fn put<T>(o: &mut serde_json::Map<String, Value>, k: &str, f: &Field<T>, v: impl Fn(&T) -> Value) {
    match f {
        Field::Absent => {}
        Field::Null => {
            o.insert(k.into(), Value::Null);
        }
        Field::Value(x) => {
            o.insert(k.into(), v(x));
        }
        Field::Wrong(b) => {
            o.insert(k.into(), if *b { json!([1]) } else { json!({"a": true}) });
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Call {
    Post(Article),
    Batch(Vec<Article>),
    Put(Id, Article),
    Get(Id),
    Delete(Id),
    Query(Article),
    Stories {
        query: String,
    },
    Story(u64),
    Recluster,
    Stats,
    Raw {
        method: u8,
        path: String,
        json: bool,
        body: Vec<u8>,
    },
    Restart,
}

fn request(
    method: Method,
    path: &str,
    body: Option<Vec<u8>>,
    json: bool,
) -> Option<Request<HttpBody>> {
    let mut r = Request::builder().method(method).uri(path);
    if json {
        r = r.header("content-type", "application/json");
    }
    r.body(body.map_or_else(HttpBody::empty, HttpBody::from))
        .ok()
}

fn to_json(v: &Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(v).expect("serialises"))
}

/// Sends one request; the status and the body parsed as JSON (`Null` when it is not).
async fn send(router: &axum::Router, req: Request<HttpBody>) -> (StatusCode, Value) {
    let response = router.clone().oneshot(req).await.expect("infallible");
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("body");
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "500: {body}");
    if status.is_client_error() || status.is_server_error() {
        assert!(
            body["error"]["code"].is_string(),
            "{status} without the error shape: {body}"
        );
    }
    (status, body)
}

/// The ids of acknowledged articles, not deleted since.
type Model = BTreeSet<String>;

fn acknowledged(model: &mut Model, status: StatusCode, body: &Value) {
    if matches!(status, StatusCode::OK | StatusCode::CREATED) {
        let id = body["id"]
            .as_str()
            .expect("an acknowledged article names its id");
        model.insert(id.to_string());
    }
}

async fn get(router: &axum::Router, path: &str) -> (StatusCode, Value) {
    send(
        router,
        request(Method::GET, path, None, false).expect("a valid request"),
    )
    .await
}

/// Every article the service lists, from its stories, with its verdict.
async fn listing(router: &axum::Router) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut after = None;
    loop {
        let path = match after {
            None => "/stories?limit=1000".to_string(),
            Some(a) => format!("/stories?limit=1000&after={a}"),
        };
        let (status, page) = get(router, &path).await;
        assert_eq!(status, StatusCode::OK);
        for s in page["stories"].as_array().expect("stories") {
            let (status, story) = get(router, &format!("/stories/{}", s["story"])).await;
            assert_eq!(status, StatusCode::OK, "a listed story is missing: {story}");
            for m in story["members"].as_array().expect("members") {
                let id = m["id"].as_str().expect("member id").to_string();
                let (status, mut v) =
                    get(router, &format!("/articles/{}", Id::Any(id.clone()).path())).await;
                assert_eq!(status, StatusCode::OK, "member {id:?} cannot be read: {v}");
                v.as_object_mut()
                    .expect("an object")
                    .insert("members".into(), json!(story["size"]));
                assert!(out.insert(id, v).is_none(), "an article in two stories");
            }
        }
        match page["next"].as_u64() {
            Some(n) => after = Some(n),
            None => return out,
        }
    }
}

/// The service holds exactly the acknowledged articles; their verdicts.
async fn check(router: &axum::Router, model: &Model) -> BTreeMap<String, Value> {
    let listed = listing(router).await;
    let ids: Model = listed.keys().cloned().collect();
    assert_eq!(
        &ids, model,
        "the articles held are not the acknowledged ones"
    );
    let (_, stats) = get(router, "/stats").await;
    assert_eq!(
        stats["articles"].as_u64(),
        Some(model.len() as u64),
        "{stats}"
    );
    listed
}

/// Stops the service and starts it again on its store: it holds what it held, each article
/// with the verdict it had.
fn restart(
    runtime: &tokio::runtime::Runtime,
    service: Service,
    data: &Path,
    model: &Model,
) -> Service {
    let before = runtime.block_on(check(&service.router(None), model));
    service.stop().expect("stops");
    let service = Service::start(&options(data)).expect("the store reopens");
    let after = runtime.block_on(check(&service.router(None), model));
    assert_eq!(before, after, "verdicts changed across a restart");
    service
}

fn options(data: &Path) -> Options {
    Options {
        data: data.to_path_buf(),
        listen: "127.0.0.1:0".parse().expect("address"),
        config: copydesk::DetectorConfig::default(),
        retention: 30 * 86_400,
        max_body: 1 << 20,
        recluster_every: None,
        token: None,
        max_connections: 16,
        header_timeout: std::time::Duration::from_secs(30),
        body_timeout: std::time::Duration::from_secs(30),
        shutdown_timeout: std::time::Duration::from_secs(30),
        log_format: serve::LogFormat::Text,
        max_store_bytes: None,
        retention_interval: std::time::Duration::from_secs(3600),
    }
}

fn data_dir() -> PathBuf {
    let d = cli::scratch("service");
    let _ = std::fs::remove_dir_all(&d);
    d
}

fuzz_target!(|calls: Vec<Call>| {
    let data = data_dir();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut service = Service::start(&options(&data)).expect("a new store opens");
    let mut model = Model::new();
    for call in calls.iter().take(24) {
        if let Call::Restart = call {
            service = restart(&runtime, service, &data, &model);
            continue;
        }
        let router = service.router(None);
        runtime.block_on(async {
            match call {
                Call::Post(a) => {
                    let req = request(Method::POST, "/articles", to_json(&a.json()), true).unwrap();
                    let (status, body) = send(&router, req).await;
                    acknowledged(&mut model, status, &body);
                }
                Call::Batch(articles) => {
                    let body = Value::Array(articles.iter().map(Article::json).collect());
                    let req =
                        request(Method::POST, "/articles/batch", to_json(&body), true).unwrap();
                    let (status, body) = send(&router, req).await;
                    if status == StatusCode::OK {
                        for r in body["results"].as_array().expect("results") {
                            let s =
                                StatusCode::from_u16(r["status"].as_u64().unwrap() as u16).unwrap();
                            acknowledged(&mut model, s, r);
                        }
                    }
                }
                Call::Put(id, a) => {
                    let path = format!("/articles/{}", id.path());
                    if let Some(req) = request(Method::PUT, &path, to_json(&a.json()), true) {
                        let (status, body) = send(&router, req).await;
                        acknowledged(&mut model, status, &body);
                    }
                }
                Call::Get(id) => {
                    let path = format!("/articles/{}", id.path());
                    if let Some(req) = request(Method::GET, &path, None, false) {
                        send(&router, req).await;
                    }
                }
                Call::Delete(id) => {
                    let path = format!("/articles/{}", id.path());
                    if let Some(req) = request(Method::DELETE, &path, None, false) {
                        let (status, _) = send(&router, req).await;
                        if status == StatusCode::NO_CONTENT {
                            let id = match id {
                                Id::Few(n) => format!("a{}", n % 6),
                                Id::Any(s) => s.clone(),
                                Id::Number(n) => n.to_string(),
                            };
                            assert!(model.remove(&id), "deleted {id:?}, never stored");
                        }
                    }
                }
                Call::Query(a) => {
                    let req = request(Method::POST, "/query", to_json(&a.json()), true).unwrap();
                    send(&router, req).await;
                }
                Call::Stories { query } => {
                    if let Some(req) =
                        request(Method::GET, &format!("/stories?{query}"), None, false)
                    {
                        send(&router, req).await;
                    }
                }
                Call::Story(n) => {
                    let req = request(Method::GET, &format!("/stories/{n}"), None, false).unwrap();
                    send(&router, req).await;
                }
                Call::Recluster => {
                    let req = request(Method::POST, "/stories/recluster", None, false).unwrap();
                    send(&router, req).await;
                }
                Call::Stats => {
                    let req = request(Method::GET, "/stats", None, false).unwrap();
                    send(&router, req).await;
                }
                Call::Raw {
                    method,
                    path,
                    json,
                    body,
                } => {
                    let methods = [
                        Method::GET,
                        Method::POST,
                        Method::PUT,
                        Method::DELETE,
                        Method::PATCH,
                    ];
                    let m = methods[usize::from(*method) % methods.len()].clone();
                    if let Some(req) = request(m, path, Some(body.clone()), *json) {
                        let write = req.method() != Method::GET;
                        send(&router, req).await;
                        // A raw request may well have stored or deleted an article: the
                        // model is what the service now lists (checked at the next restart).
                        if write {
                            model = listing(&router).await.into_keys().collect();
                        }
                    }
                }
                Call::Restart => unreachable!(),
            }
        });
    }
    let service = restart(&runtime, service, &data, &model);
    service.stop().expect("stops");
    drop(runtime);
    let _ = std::fs::remove_dir_all(&data);
});
