//! The HTTP routes: each handler reads and checks its request, analyses article text off the
//! lock, hands changes to the writer ([`super::writer`]) and turns its answer into a status and
//! a JSON body. Handlers never change the index or the store themselves; reads take the read
//! lock only. [`ROUTES`] lists every route; the router and the OpenAPI document are checked
//! against it.

use super::error::ApiError;
use super::{time, App, Item, Job, Meta, Outcome, MAX_BATCH, MAX_ID};
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use copydesk::{StoryId, Verdict};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tokio::sync::oneshot;

/// Every route, `(method, path)`, as the router has them and the OpenAPI document lists them
/// (a unit test holds the document to this list; `tests/serve.rs` calls every documented route).
#[cfg(test)]
pub(super) const ROUTES: &[(&str, &str)] = &[
    ("POST", "/articles"),
    ("POST", "/articles/batch"),
    ("GET", "/articles/{id}"),
    ("PUT", "/articles/{id}"),
    ("DELETE", "/articles/{id}"),
    ("POST", "/query"),
    ("GET", "/stories"),
    ("GET", "/stories/{id}"),
    ("POST", "/stories/recluster"),
    ("GET", "/health"),
    ("GET", "/stats"),
    ("GET", "/metrics"),
    ("GET", "/openapi.json"),
];

/// The OpenAPI 3.1 document of this API.
pub(super) const OPENAPI: &str = include_str!("openapi.json");

/// The routes, without the layers [`super::http`] adds.
pub(super) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/articles", post(post_article))
        .route("/articles/batch", post(post_batch))
        .route(
            "/articles/{id}",
            get(get_article).put(put_article).delete(delete_article),
        )
        .route("/query", post(post_query))
        .route("/stories", get(list_stories))
        .route("/stories/{id}", get(get_story))
        .route("/stories/recluster", post(post_recluster))
        .route("/health", get(health))
        .route("/stats", get(stats))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi))
        .with_state(app)
}

/// Reads a request's JSON body: `content-type: application/json` required (415), at most
/// `limit` bytes (413), within the body timeout (408), a UTF-8 byte-order mark skipped.
async fn read_json(app: &App, headers: &HeaderMap, body: Body) -> Result<Value, ApiError> {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON, with content-type: application/json",
        ));
    }
    let (limit, timeout) = (app.limits.max_body, app.limits.body_timeout);
    let bytes = match tokio::time::timeout(timeout, read_limited(body, limit)).await {
        Err(_) => {
            return Err(ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "request_timeout",
                format!("the body did not arrive within {} s", timeout.as_secs_f64()),
            ))
        }
        Ok(Ok(None)) => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is over {limit} bytes (--max-body-bytes)"),
            ))
        }
        Ok(Err(e)) => return Err(ApiError::bad_request(format!("reading the body: {e}"))),
        Ok(Ok(Some(b))) => b,
    };
    let json = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    serde_json::from_slice(json)
        .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))
}

/// Bytes of an oversized body read and thrown away before it is refused: a client that is
/// still sending then reads the 413 instead of a reset connection. A body larger still is
/// refused at once, and its connection closed.
const DRAIN_BYTES: usize = 8 << 20;

/// A request body of at most `limit` bytes, or `None` when it is longer (read on, kept no
/// further, up to [`DRAIN_BYTES`] more).
async fn read_limited(mut body: Body, limit: usize) -> Result<Option<Vec<u8>>, axum::Error> {
    use http_body_util::BodyExt;
    let mut kept = Vec::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let Ok(data) = frame?.into_data() else {
            continue;
        };
        seen = seen.saturating_add(data.len());
        if seen <= limit {
            kept.extend_from_slice(&data);
        } else if seen > limit.saturating_add(DRAIN_BYTES) {
            break;
        } else {
            kept = Vec::new();
        }
    }
    Ok((seen <= limit).then_some(kept))
}

/// An article's id: a string of 1 to [`MAX_ID`] bytes, or a number read as its decimal text
/// (as the command line reads JSONL).
fn id_from(v: Option<&Value>) -> Result<String, String> {
    let id = match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        None | Some(Value::Null) => return Err("field `id` is missing".into()),
        Some(_) => return Err("field `id` must be a string or a number".into()),
    };
    if id.is_empty() || id.len() > MAX_ID {
        return Err(format!("field `id` must be 1 to {MAX_ID} bytes"));
    }
    Ok(id)
}

/// An article from a JSON object: `(id, text, meta)`. `path_id` is the id a `PUT` names.
fn article_from(v: &Value, path_id: Option<&str>) -> Result<(String, String, Meta), String> {
    let Value::Object(o) = v else {
        return Err("an article must be a JSON object".into());
    };
    let id = match (path_id, o.get("id")) {
        (Some(p), None) => p.to_string(),
        (Some(p), Some(v)) => {
            let id = id_from(Some(v))?;
            if id != p {
                return Err(format!("field `id` {id:?} differs from the path's {p:?}"));
            }
            id
        }
        (None, v) => id_from(v)?,
    };
    let text = match o.get("text") {
        Some(Value::String(s)) => s.clone(),
        None | Some(Value::Null) => return Err("field `text` is missing".into()),
        Some(_) => return Err("field `text` must be a string".into()),
    };
    let source = match o.get("source") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("field `source` must be a string".into()),
    };
    let published_at = match o.get("published_at") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64().ok_or_else(|| {
            format!("field `published_at`: {n} is not a whole number of Unix seconds")
        })?),
        Some(Value::String(t)) => {
            Some(time::parse_rfc3339(t).ok_or_else(|| {
                format!("field `published_at`: {t:?} is not an RFC 3339 date-time")
            })?)
        }
        Some(_) => return Err("field `published_at` must be RFC 3339 text or Unix seconds".into()),
    };
    let meta = Meta {
        source,
        published_at,
        received_at: time::now(),
    };
    Ok((id, text, meta))
}

fn verdict_json(id: &str, v: &Verdict) -> Value {
    json!({
        "id": id,
        "story": v.story.0,
        "of": v.matched.as_ref().map(|m| m.id.as_str()),
        "similarity": v.matched.as_ref().map(|m| m.similarity),
        "kind": v.matched.as_ref().map_or("new", |m| m.kind.as_str()),
        "beyond_window": v.matched.as_ref().is_some_and(|m| m.beyond_window),
    })
}

fn refusal(e: &copydesk::Error) -> ApiError {
    use copydesk::ErrorKind;
    let (status, code) = match e.kind() {
        ErrorKind::EmptyText => (StatusCode::UNPROCESSABLE_ENTITY, "no_words"),
        ErrorKind::TooLarge { .. } => (StatusCode::PAYLOAD_TOO_LARGE, "article_too_large"),
        ErrorKind::IdConflict { .. } => (StatusCode::CONFLICT, "id_conflict"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
    };
    ApiError::new(status, code, e.to_string())
}

fn store_failed(full: bool, detail: &str) -> ApiError {
    let public = if full {
        "the store is full; nothing of this request was kept"
    } else {
        "the store could not commit; nothing of this request was kept"
    };
    ApiError::internal(
        StatusCode::SERVICE_UNAVAILABLE,
        "store_unavailable",
        public,
        detail,
    )
}

/// The status and body of one article's outcome.
fn outcome_response(id: &str, o: Outcome) -> (StatusCode, Value) {
    match o {
        Outcome::Inserted {
            verdict, created, ..
        } => {
            let mut v = verdict_json(id, &verdict);
            v["repeat"] = json!(!created);
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, v)
        }
        Outcome::Replaced { verdict, previous } => {
            let mut v = verdict_json(id, &verdict);
            v["replaced"] = verdict_json(id, &previous);
            (StatusCode::OK, v)
        }
        Outcome::Refused(e) => {
            let e = refusal(&e);
            let mut body = e.body();
            body["id"] = json!(id);
            (e.status, body)
        }
        Outcome::StoreFailed { full, detail } => {
            let e = store_failed(full, &detail);
            let mut body = e.body();
            body["id"] = json!(id);
            (e.status, body)
        }
        Outcome::Deleted(_) => unreachable!("inserts only"),
    }
}

/// Hands a job to the writer and waits for its answer.
async fn ask<T>(app: &App, job: impl FnOnce(oneshot::Sender<T>) -> Job) -> Result<T, ApiError> {
    let (reply, rx) = oneshot::channel();
    let gone = || {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "stopping",
            "the service is stopping",
        )
    };
    app.jobs.send(job(reply)).await.map_err(|_| gone())?;
    rx.await.map_err(|_| gone())
}

/// Text up to this many bytes in all is analysed on the async worker that read the request
/// (tens of microseconds for a typical article); more goes to the blocking pool. Handing a
/// single article to another thread and back costs more than analysing it: each hop is a
/// thread wake-up.
const ANALYSE_INLINE_BYTES: usize = 16 * 1024;

/// Analyses articles: inline when they are small, else on the blocking pool, in parallel when
/// there are several.
async fn analyse(app: &Arc<App>, articles: Vec<(String, String, Meta)>) -> Vec<Item> {
    let bytes: usize = articles.iter().map(|(_, text, _)| text.len()).sum();
    if bytes <= ANALYSE_INLINE_BYTES {
        return articles.into_iter().map(|a| analyse_one(app, a)).collect();
    }
    let app = Arc::clone(app);
    tokio::task::spawn_blocking(move || {
        if articles.len() == 1 {
            return articles.into_iter().map(|a| analyse_one(&app, a)).collect();
        }
        use rayon::prelude::*;
        articles
            .into_par_iter()
            .map(|a| analyse_one(&app, a))
            .collect()
    })
    .await
    .expect("analysis does not panic")
}

/// One article's analysis, at its publication time, with its source.
fn analyse_one(app: &App, (id, text, meta): (String, String, Meta)) -> Item {
    Item {
        analysis: app
            .analyzer
            .analyze_at(
                &text,
                meta.published_at
                    .map(copydesk::Timestamp::from_unix_seconds),
            )
            .map(|mut a| {
                a.source.clone_from(&meta.source);
                a
            }),
        id,
        meta,
    }
}

async fn post_article(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let value = read_json(&app, &headers, body).await?;
    let article = article_from(&value, None).map_err(ApiError::bad_request)?;
    let item = analyse(&app, vec![article]).await.pop().expect("one");
    if let Err(e) = &item.analysis {
        return Err(refusal(e));
    }
    let id = item.id.clone();
    let mut out = ask(&app, |reply| Job::Insert {
        items: vec![item],
        reply,
    })
    .await?;
    let (status, body) = outcome_response(&id, out.pop().expect("one outcome per item"));
    Ok((status, Json(body)).into_response())
}

/// Checks an article against the stored ones without storing it or counting its terms: the
/// verdict it would get, with `story: null` when it belongs to no stored story.
async fn post_query(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<Value>, ApiError> {
    let value = read_json(&app, &headers, body).await?;
    let (id, text, meta) = article_from(&value, None).map_err(ApiError::bad_request)?;
    let reader = Arc::clone(&app);
    let (id, verdict) = tokio::task::spawn_blocking(move || {
        let article = copydesk::Article {
            id: &id,
            text: &text,
            published: meta
                .published_at
                .map(copydesk::Timestamp::from_unix_seconds),
            source: meta.source.as_deref(),
        };
        let index = reader.index.read().expect("lock");
        let verdict = index.detector.query_article(&article);
        (id, verdict)
    })
    .await
    .expect("a query does not panic");
    Ok(Json(match verdict.map_err(|e| refusal(&e))? {
        Some(v) => verdict_json(&id, &v),
        None => json!({
            "id": id,
            "story": null,
            "of": null,
            "similarity": null,
            "kind": "new",
            "beyond_window": false,
        }),
    }))
}

/// Each article of the batch is answered on its own: the valid ones are stored, the others
/// get their error, with its status, in their place.
async fn post_batch(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let Value::Array(values) = read_json(&app, &headers, body).await? else {
        return Err(ApiError::bad_request(
            "the body must be a JSON array of articles",
        ));
    };
    if values.len() > MAX_BATCH {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!("{} articles; at most {MAX_BATCH} per batch", values.len()),
        ));
    }
    let mut results: Vec<Option<Value>> = vec![None; values.len()];
    let mut valid = Vec::new();
    let mut at = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match article_from(v, None) {
            Ok(a) => {
                at.push(i);
                valid.push(a);
            }
            Err(m) => {
                let e = ApiError::bad_request(format!("article {i}: {m}"));
                let mut body = e.body();
                body["status"] = json!(400);
                if let Some(id) = v.get("id").and_then(|id| id_from(Some(id)).ok()) {
                    body["id"] = json!(id);
                }
                results[i] = Some(body);
            }
        }
    }
    let items = analyse(&app, valid).await;
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let outcomes = if items.is_empty() {
        Vec::new()
    } else {
        ask(&app, |reply| Job::Insert { items, reply }).await?
    };
    for ((i, id), o) in at.into_iter().zip(ids).zip(outcomes) {
        let (status, mut v) = outcome_response(&id, o);
        v["status"] = json!(status.as_u16());
        results[i] = Some(v);
    }
    let results: Vec<Value> = results.into_iter().map(|r| r.expect("answered")).collect();
    Ok((StatusCode::OK, Json(json!({ "results": results }))).into_response())
}

/// Replaces an article (a wire re-issue): the old version is removed and the new one decided
/// afresh; the answer carries the old verdict as `replaced`. An unknown id is created.
async fn put_article(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let value = read_json(&app, &headers, body).await?;
    let article = article_from(&value, Some(&id)).map_err(ApiError::bad_request)?;
    let item = analyse(&app, vec![article]).await.pop().expect("one");
    if let Err(e) = &item.analysis {
        return Err(refusal(e));
    }
    let outcome = ask(&app, |reply| Job::Replace {
        item: Box::new(item),
        reply,
    })
    .await?;
    let (status, body) = outcome_response(&id, outcome);
    Ok((status, Json(body)).into_response())
}

async fn get_article(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let index = app.index.read().expect("lock");
    let (Some(v), Some(m)) = (index.detector.verdict_of(&id), index.meta.get(&id)) else {
        return Err(ApiError::not_found(format!("no article {id:?}")));
    };
    // The verdict carries the article's story as it is now.
    let mut out = verdict_json(&id, &v);
    out["source"] = json!(m.source);
    out["published_at"] = json!(m.published_at.map(time::format_rfc3339));
    out["received_at"] = json!(time::format_rfc3339(m.received_at));
    Ok(Json(out))
}

async fn delete_article(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let outcome = ask(&app, |reply| Job::Delete {
        id: id.clone(),
        reply,
    })
    .await?;
    match outcome {
        Outcome::Deleted(true) => Ok(StatusCode::NO_CONTENT),
        Outcome::Deleted(false) => Err(ApiError::not_found(format!("no article {id:?}"))),
        Outcome::StoreFailed { full, detail } => Err(store_failed(full, &detail)),
        _ => unreachable!("deletes only"),
    }
}

/// `GET /stories`' query.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StoryQuery {
    /// Stories with an article received at or after this (RFC 3339 or Unix seconds).
    since: Option<String>,
    /// Stories with an article from this source.
    source: Option<String>,
    /// Stories of at least this many articles.
    min_size: Option<usize>,
    /// Stories whose id is over this (the `next` of the page before).
    after: Option<u64>,
    /// At most this many stories (1 to 1,000; default 100).
    limit: Option<usize>,
}

/// Stories, by id, in pages: `{"stories": [{"story", "size", "first_seen", "sources",
/// "last_received_at"}], "next"}`; `next` is the `after` of the next page, `null` at the end.
async fn list_stories(
    State(app): State<Arc<App>>,
    query: Result<Query<StoryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Value>, ApiError> {
    let Query(q) = query.map_err(|e| ApiError::bad_request(e.body_text()))?;
    let since = match &q.since {
        None => None,
        Some(s) => Some(
            s.parse::<i64>()
                .ok()
                .or_else(|| time::parse_rfc3339(s))
                .ok_or_else(|| {
                    ApiError::bad_request(format!("since: {s:?} is not RFC 3339 or Unix seconds"))
                })?,
        ),
    };
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "limit must be 1 to 1000, got {limit}"
        )));
    }
    struct Summary<'a> {
        size: usize,
        sources: BTreeSet<&'a str>,
        last: i64,
    }
    let index = app.index.read().expect("lock");
    let mut stories: BTreeMap<u64, Summary> = BTreeMap::new();
    for (id, meta) in &index.meta {
        let Some(story) = index.detector.story_of(id) else {
            continue;
        };
        if q.after.is_some_and(|a| story.0 <= a) {
            continue;
        }
        let s = stories.entry(story.0).or_insert(Summary {
            size: 0,
            sources: BTreeSet::new(),
            last: i64::MIN,
        });
        s.size += 1;
        s.last = s.last.max(meta.received_at);
        if let Some(src) = meta.source.as_deref() {
            s.sources.insert(src);
        }
    }
    let mut page = Vec::new();
    let mut next = None;
    for (story, s) in &stories {
        if q.min_size.is_some_and(|m| s.size < m)
            || since.is_some_and(|t| s.last < t)
            || q.source
                .as_deref()
                .is_some_and(|src| !s.sources.contains(src))
        {
            continue;
        }
        if page.len() == limit {
            next = page.last().map(|p: &Value| p["story"].clone());
            break;
        }
        let members = index.detector.members(StoryId(*story));
        page.push(json!({
            "story": story,
            "size": s.size,
            "first_seen": members.first(),
            "sources": s.sources,
            "last_received_at": time::format_rfc3339(s.last),
        }));
    }
    Ok(Json(json!({ "stories": page, "next": next })))
}

async fn get_story(
    State(app): State<Arc<App>>,
    Path(story): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let story: u64 = story
        .parse()
        .map_err(|_| ApiError::bad_request(format!("story ids are numbers, not {story:?}")))?;
    let index = app.index.read().expect("lock");
    let members = index.detector.members(StoryId(story));
    if members.is_empty() {
        return Err(ApiError::not_found(format!("no story {story}")));
    }
    let mut sources = BTreeSet::new();
    let list: Vec<Value> = members
        .iter()
        .map(|id| {
            let m = index.meta.get(*id);
            let v = index.detector.verdict_of(id).expect("member is indexed");
            if let Some(s) = m.and_then(|m| m.source.as_deref()) {
                sources.insert(s.to_string());
            }
            json!({
                "id": id,
                "source": m.and_then(|m| m.source.as_deref()),
                "published_at": m.and_then(|m| m.published_at).map(time::format_rfc3339),
                "kind": v.matched.as_ref().map_or("new", |x| x.kind.as_str()),
                "of": v.matched.as_ref().map(|x| x.id.as_str()),
                "similarity": v.matched.as_ref().map(|x| x.similarity),
            })
        })
        .collect();
    Ok(Json(json!({
        "story": story,
        "first_seen": members[0],
        "size": members.len(),
        "sources": sources,
        "members": list,
    })))
}

/// Re-forms the stories now: `{"changed", "stories", "seconds"}` once the changed articles
/// are stored.
async fn post_recluster(State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let done = ask(&app, |reply| Job::Recluster { reply: Some(reply) }).await?;
    done.map(Json)
        .map_err(|m| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable", m))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn stats(State(app): State<Arc<App>>) -> Json<Value> {
    let s = app.index.read().expect("lock").detector.stats();
    let store_bytes: u64 = ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut p = app.store_path.clone().into_os_string();
            p.push(suffix);
            std::fs::metadata(p).ok()
        })
        .map(|m| m.len())
        .sum();
    Json(json!({
        "articles": s.articles,
        "stories": s.stories,
        "documents_seen": s.documents_seen,
        "terms": s.terms,
        "evictions": app.metrics.evictions.get(),
        "store_bytes": store_bytes,
        "memory_bytes": crate::procfs::status_bytes("VmRSS"),
        "uptime_seconds": app.started.elapsed().as_secs(),
        "retention_days": app.retention as f64 / 86_400.0,
    }))
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    let s = app.index.read().expect("lock").detector.stats();
    app.metrics.articles.set(s.articles as i64);
    app.metrics.stories.set(s.stories as i64);
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The OpenAPI document lists exactly the routes the router has.
    #[test]
    fn the_openapi_document_matches_the_routes() {
        let doc: Value = serde_json::from_str(OPENAPI).expect("valid JSON");
        assert_eq!(doc["openapi"].as_str().map(|v| &v[..2]), Some("3."));
        let mut documented: Vec<(String, String)> = Vec::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("path item").keys() {
                if ["get", "post", "put", "delete", "patch"].contains(&method.as_str()) {
                    documented.push((method.to_uppercase(), path.clone()));
                }
            }
        }
        let mut routes: Vec<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        documented.sort();
        routes.sort();
        assert_eq!(documented, routes);
    }

    #[test]
    fn ids_are_strings_or_numbers_read_as_text() {
        assert_eq!(id_from(Some(&json!("ap-1"))), Ok("ap-1".to_string()));
        assert_eq!(id_from(Some(&json!(42))), Ok("42".to_string()));
        assert!(id_from(Some(&json!(""))).is_err());
        assert!(id_from(Some(&json!([1]))).is_err());
        assert!(id_from(Some(&json!("x".repeat(MAX_ID + 1)))).is_err());
        assert!(id_from(None).is_err());
    }
}
