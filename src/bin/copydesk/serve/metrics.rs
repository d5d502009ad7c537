//! Prometheus metrics, served at `GET /metrics` in the text exposition format: requests by
//! route, method and status, their latency, what the index holds, evictions, and the store's
//! commits (time, group size, failures). Counted where they happen; rendered on request.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// The labels of a request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The matched route (`/articles/{id}`), not the path, so ids do not become series.
    pub route: String,
    pub status: u16,
}

/// The labels of a latency series.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    pub method: String,
    pub route: String,
}

pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub latency: Family<RouteLabels, Histogram>,
    pub articles: Gauge,
    pub stories: Gauge,
    pub evictions: Counter,
    pub commit_seconds: Histogram,
    pub group_size: Histogram,
    pub commit_failures: Counter,
    pub connections_open: Gauge,
    pub connections_refused: Counter,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("copydesk");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route and status",
            requests.clone(),
        );
        let latency = Family::<RouteLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.000_1, 2.0, 18))
        });
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer",
            latency.clone(),
        );
        let articles = Gauge::default();
        registry.register("articles", "Articles held", articles.clone());
        let stories = Gauge::default();
        registry.register(
            "stories",
            "Stories with at least one article",
            stories.clone(),
        );
        let evictions = Counter::default();
        registry.register(
            "evictions",
            "Articles removed by retention",
            evictions.clone(),
        );
        let commit_seconds = Histogram::new(exponential_buckets(0.000_1, 2.0, 18));
        registry.register(
            "store_commit_duration_seconds",
            "Time to commit one group to the store, fsync included",
            commit_seconds.clone(),
        );
        let group_size = Histogram::new(exponential_buckets(1.0, 2.0, 12));
        registry.register(
            "store_commit_group_size",
            "Changes (inserts and deletes) committed together",
            group_size.clone(),
        );
        let commit_failures = Counter::default();
        registry.register(
            "store_commit_failures",
            "Groups the store could not commit (their requests got 503)",
            commit_failures.clone(),
        );
        let connections_open = Gauge::default();
        registry.register(
            "connections_open",
            "Client connections open",
            connections_open.clone(),
        );
        let connections_refused = Counter::default();
        registry.register(
            "connections_refused",
            "Connections closed at once because --max-connections were open",
            connections_refused.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            articles,
            stories,
            evictions,
            commit_seconds,
            group_size,
            commit_failures,
            connections_open,
            connections_refused,
        }
    }

    /// The exposition text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a string cannot fail");
        out
    }
}
