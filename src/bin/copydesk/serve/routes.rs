//! The HTTP routes: each handler reads and checks its request, analyses article text off the
//! lock, hands changes to the writer ([`super::writer`]) and turns its answer into a status and
//! a JSON body. Handlers never change the index or the store themselves; reads take the read
//! lock only.

use anyhow::Result;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use copydesk::{ErrorKind, StoryId, Verdict};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use tokio::sync::oneshot;

use super::{time, App, Item, Job, Meta, Outcome, MAX_BATCH, MAX_ID};

/// An error response: a status and a message naming what is wrong.
pub(super) struct ApiError(pub(super) StatusCode, pub(super) String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(json!({ "error": self.1 }))).into_response()
    }
}

pub(super) fn status_of(e: &copydesk::Error) -> StatusCode {
    match e.kind() {
        ErrorKind::EmptyText => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorKind::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorKind::IdConflict { .. } => StatusCode::CONFLICT,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// A timestamp field: RFC 3339 text or Unix seconds.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum Timestamp {
    Seconds(i64),
    Text(String),
}

#[derive(Deserialize)]
pub(super) struct NewArticle {
    id: String,
    text: String,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    published_at: Option<Timestamp>,
}

impl NewArticle {
    fn check(self) -> Result<(String, String, Meta), String> {
        if self.id.is_empty() || self.id.len() > MAX_ID {
            return Err(format!("field `id` must be 1 to {MAX_ID} bytes"));
        }
        let published_at = match self.published_at {
            None => None,
            Some(Timestamp::Seconds(s)) => Some(s),
            Some(Timestamp::Text(t)) => Some(time::parse_rfc3339(&t).ok_or_else(|| {
                format!("field `published_at`: {t:?} is not an RFC 3339 date-time")
            })?),
        };
        let meta = Meta {
            source: self.source,
            published_at,
            received_at: time::now(),
        };
        Ok((self.id, self.text, meta))
    }
}

pub(super) fn verdict_json(id: &str, v: &Verdict) -> Value {
    json!({
        "id": id,
        "story": v.story.0,
        "of": v.matched.as_ref().map(|m| m.id.as_str()),
        "similarity": v.matched.as_ref().map(|m| m.similarity),
        "kind": v.matched.as_ref().map_or("new", |m| m.kind.as_str()),
    })
}

pub(super) fn outcome_response(id: &str, o: Outcome) -> (StatusCode, Value) {
    match o {
        Outcome::Inserted { verdict, created } => {
            let mut v = verdict_json(id, &verdict);
            v["repeat"] = json!(!created);
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            (status, v)
        }
        Outcome::Refused(e) => (status_of(&e), json!({ "id": id, "error": e.to_string() })),
        Outcome::StoreFailed(m) => (
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "id": id, "error": format!("not stored: {m}") }),
        ),
        Outcome::Deleted(_) => unreachable!("inserts only"),
    }
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("invalid request body: {e}"),
        )
    })
}

/// Hands a job to the writer and waits for its answer.
pub(super) async fn ask<T>(
    app: &App,
    job: impl FnOnce(oneshot::Sender<T>) -> Job,
) -> Result<T, ApiError> {
    let (reply, rx) = oneshot::channel();
    let gone = || {
        ApiError(
            StatusCode::SERVICE_UNAVAILABLE,
            "the service is stopping".into(),
        )
    };
    app.jobs.send(job(reply)).await.map_err(|_| gone())?;
    rx.await.map_err(|_| gone())
}

pub(super) async fn submit(app: &App, items: Vec<Item>) -> Result<Vec<Outcome>, ApiError> {
    ask(app, |reply| Job::Insert { items, reply }).await
}

pub(super) async fn post_article(
    State(app): State<Arc<App>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (id, text, meta) = parse::<NewArticle>(&body)?
        .check()
        .map_err(|m| ApiError(StatusCode::BAD_REQUEST, m))?;
    let app2 = Arc::clone(&app);
    let analysis = tokio::task::spawn_blocking(move || app2.analyzer.analyze(&text))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    if let Err(e) = &analysis {
        return Err(ApiError(status_of(e), e.to_string()));
    }
    let mut out = submit(
        &app,
        vec![Item {
            id: id.clone(),
            analysis,
            meta,
        }],
    )
    .await?;
    let (status, body) = outcome_response(&id, out.pop().expect("one outcome per item"));
    Ok((status, Json(body)).into_response())
}

pub(super) async fn post_batch(
    State(app): State<Arc<App>>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let articles: Vec<NewArticle> = parse(&body)?;
    if articles.len() > MAX_BATCH {
        return Err(ApiError(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("{} articles; at most {MAX_BATCH} per batch", articles.len()),
        ));
    }
    let mut checked = Vec::with_capacity(articles.len());
    for (i, a) in articles.into_iter().enumerate() {
        checked.push(
            a.check()
                .map_err(|m| ApiError(StatusCode::BAD_REQUEST, format!("article {i}: {m}")))?,
        );
    }
    let app2 = Arc::clone(&app);
    let items = tokio::task::spawn_blocking(move || {
        use rayon::prelude::*;
        checked
            .into_par_iter()
            .map(|(id, text, meta)| Item {
                analysis: app2.analyzer.analyze(&text),
                id,
                meta,
            })
            .collect::<Vec<Item>>()
    })
    .await
    .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let outcomes = submit(&app, items).await?;
    let results: Vec<Value> = ids
        .iter()
        .zip(outcomes)
        .map(|(id, o)| {
            let (status, mut v) = outcome_response(id, o);
            v["status"] = json!(status.as_u16());
            v
        })
        .collect();
    Ok((StatusCode::OK, Json(json!({ "results": results }))).into_response())
}

pub(super) async fn get_article(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let index = app.index.read().expect("lock");
    let (Some(v), Some(m)) = (index.detector.verdict_of(&id), index.meta.get(&id)) else {
        return Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no article {id:?}"),
        ));
    };
    // The verdict carries the article's story as it is now.
    let mut out = verdict_json(&id, &v);
    out["source"] = json!(m.source);
    out["published_at"] = json!(m.published_at.map(time::format_rfc3339));
    out["received_at"] = json!(time::format_rfc3339(m.received_at));
    Ok(Json(out))
}

pub(super) async fn get_story(
    State(app): State<Arc<App>>,
    Path(story): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let story: u64 = story.parse().map_err(|_| {
        ApiError(
            StatusCode::BAD_REQUEST,
            format!("story ids are numbers, not {story:?}"),
        )
    })?;
    let index = app.index.read().expect("lock");
    let members = index.detector.members(StoryId(story));
    if members.is_empty() {
        return Err(ApiError(StatusCode::NOT_FOUND, format!("no story {story}")));
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
pub(super) async fn post_recluster(State(app): State<Arc<App>>) -> Result<Json<Value>, ApiError> {
    let done = ask(&app, |reply| Job::Recluster { reply: Some(reply) }).await?;
    done.map(Json)
        .map_err(|m| ApiError(StatusCode::SERVICE_UNAVAILABLE, m))
}

pub(super) async fn delete_article(
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
        Outcome::Deleted(false) => Err(ApiError(
            StatusCode::NOT_FOUND,
            format!("no article {id:?}"),
        )),
        Outcome::StoreFailed(m) => Err(ApiError(StatusCode::SERVICE_UNAVAILABLE, m)),
        _ => unreachable!("deletes only"),
    }
}

pub(super) async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub(super) async fn stats(State(app): State<Arc<App>>) -> Json<Value> {
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
        "store_bytes": store_bytes,
        "memory_bytes": crate::procfs::status_bytes("VmRSS"),
        "uptime_seconds": app.started.elapsed().as_secs(),
        "retention_days": app.retention / 86_400,
    }))
}
