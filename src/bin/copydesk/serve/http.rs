//! The HTTP side of the service: the connection loop (a cap on open connections, a timeout
//! for headers and for idle kept-alive connections, graceful shutdown that finishes the
//! requests in flight), and the layers every request goes through: the request log and
//! metrics, authentication, the refusal of browsers' cross-origin writes, the URI length
//! limit, and the one JSON error shape for answers that no handler wrote.

use super::error::{code_of, error_body, ApiError};
use super::{routes, App, LogFormat, Options};
use anyhow::{Context, Result};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::sync::Arc;
use std::time::Instant;

/// Longest request target accepted, in bytes; longer ones get 414.
const MAX_URI: usize = 8 << 10;

/// Sends log lines to stderr in the chosen format, at `info` and above.
pub(super) fn init_log(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_max_level(tracing::Level::INFO);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// What the layers need besides the app.
#[derive(Clone)]
struct Guard {
    app: Arc<App>,
    token: Option<Arc<str>>,
}

/// The routes behind every layer a request goes through: what a connection is served with.
pub(super) fn router(app: Arc<App>, token: Option<&str>) -> axum::Router {
    let guard = Guard {
        app: Arc::clone(&app),
        token: token.map(Arc::from),
    };
    routes::router(app)
        .fallback(|| async { ApiError::not_found("no such route") })
        .layer(middleware::from_fn(json_errors))
        .layer(middleware::from_fn_with_state(guard.clone(), admit))
        .layer(middleware::from_fn_with_state(guard, log_and_count))
}

/// Serves until SIGINT or SIGTERM, then finishes the requests in flight (for at most the
/// shutdown timeout).
pub(super) async fn serve(
    router: axum::Router,
    app: Arc<App>,
    options: &Options,
    loaded: usize,
    load_start: Instant,
) -> Result<()> {
    let stop = shutdown_signal();
    let listener = tokio::net::TcpListener::bind(options.listen)
        .await
        .with_context(|| format!("cannot listen on {}", options.listen))?;
    // The first line a supervisor (and the tests) read: where it listens.
    tracing::info!(
        "listening on http://{} ({loaded} articles loaded from {} in {:.2} s)",
        listener.local_addr()?,
        options.data.display(),
        load_start.elapsed().as_secs_f64()
    );
    let slots = Arc::new(tokio::sync::Semaphore::new(options.max_connections));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_timeout)
        .keep_alive(true);
    tokio::pin!(stop);
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait a little rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            app.metrics.connections_refused.inc();
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let conn = http.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            app.metrics.connections_open.inc();
            let _ = conn.await;
            app.metrics.connections_open.dec();
            drop(slot);
        });
    }
    drop(listener);
    tracing::info!("stopping: finishing the requests in flight");
    if tokio::time::timeout(options.shutdown_timeout, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after the shutdown timeout were cut off");
    }
    Ok(())
}

/// One log line per request, and the request metrics.
async fn log_and_count(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "(none)".to_string(), |p| p.as_str().to_string());
    let path = req.uri().path().to_string();
    let response = next.run(req).await;
    let seconds = start.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    let m = &guard.app.metrics;
    m.requests
        .get_or_create(&super::metrics::RequestLabels {
            method: method.to_string(),
            route: route.clone(),
            status,
        })
        .inc();
    m.latency
        .get_or_create(&super::metrics::RouteLabels {
            method: method.to_string(),
            route: route.clone(),
        })
        .observe(seconds);
    tracing::info!(
        method = %method,
        path,
        route,
        status,
        ms = (seconds * 1e6).round() / 1e3,
        "request"
    );
    response
}

/// Refuses what may not come in: too long a target (414), a missing or wrong bearer token
/// (401), a browser's cross-origin write (403).
async fn admit(State(guard): State<Guard>, req: Request, next: Next) -> Response {
    if req.uri().to_string().len() > MAX_URI {
        return ApiError::new(
            StatusCode::URI_TOO_LONG,
            "uri_too_long",
            format!("the request target is over {MAX_URI} bytes"),
        )
        .into_response();
    }
    if let Some(token) = &guard.token {
        let given = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        let ok = given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes()));
        if !ok && req.uri().path() != "/health" {
            let mut r = ApiError::new(
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "send the service's token: Authorization: Bearer TOKEN",
            )
            .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return r;
        }
    }
    if is_cross_origin_write(&req) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "cross-origin writes from a browser are refused",
        )
        .into_response();
    }
    next.run(req).await
}

/// A write (not GET, HEAD or OPTIONS) that a browser sends from a page of another origin:
/// its `Origin` names another host than the request's `Host`, or `Sec-Fetch-Site` says
/// cross-site. Clients that are not browsers send neither.
fn is_cross_origin_write(req: &Request) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let h = req.headers();
    if h.get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site" || v.as_bytes() == b"same-site")
    {
        return true;
    }
    let Some(origin) = h.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin_host = origin
        .split_once("://")
        .map_or(origin, |(_, rest)| rest)
        .trim_end_matches('/');
    let host = h
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    !origin_host.eq_ignore_ascii_case(host)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Gives every error answer that is not JSON already (the framework's 405, a layer's
/// rejection) the one error shape.
async fn json_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if status.as_u16() < 400 || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let message = match String::from_utf8_lossy(&text).trim() {
        "" => status.canonical_reason().unwrap_or("error").to_lowercase(),
        t => t.to_string(),
    };
    let mut fixed = (status, axum::Json(error_body(code_of(status), &message))).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            fixed.headers_mut().insert(name.clone(), value.clone());
        }
    }
    fixed
}

/// Resolves at SIGINT or SIGTERM. The handlers are installed when this is called, not when
/// it is first awaited, so a signal sent as soon as the service says it listens is caught.
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate());
        let int = signal(SignalKind::interrupt());
        async move {
            match (term, int) {
                (Ok(mut term), Ok(mut int)) => {
                    tokio::select! {
                        _ = term.recv() => {},
                        _ = int.recv() => {},
                    }
                }
                _ => std::future::pending().await,
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
