//! `copydesk.Detector` and `copydesk.Verdict`: the Rust front door's verbs for Python.

use crate::errors::{to_py, IdConflictError};
use crate::values;
use copydesk::{Analysis, DetectorConfig, Finished, StoryId};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::collections::HashMap;

/// What the detector says of one article.
///
/// `kind` is `"new"` for the first article of a story, else how it matched `of`, the earlier
/// article: `"exact"`, `"near_copy"` or `"rewrite"`; `similarity` is the score that decided.
#[pyclass(module = "copydesk", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub struct Verdict {
    /// The article's id.
    id: String,
    /// The story it belongs to.
    story: u64,
    /// `"new"`, `"exact"`, `"near_copy"` or `"rewrite"`.
    kind: &'static str,
    /// The earlier article it matched, or `None`.
    of: Option<String>,
    /// The deciding score, 0 to 1, or `None` for a new story.
    similarity: Option<f32>,
    /// The two were published further apart than the story window (a republished copy).
    beyond_window: bool,
}

impl From<copydesk::Verdict> for Verdict {
    fn from(v: copydesk::Verdict) -> Verdict {
        let m = v.matched.as_ref();
        Verdict {
            id: v.id,
            story: v.story.0,
            kind: m.map_or("new", |m| m.kind.as_str()),
            of: m.map(|m| m.id.clone()),
            similarity: m.map(|m| m.similarity),
            beyond_window: m.is_some_and(|m| m.beyond_window),
        }
    }
}

#[pymethods]
impl Verdict {
    /// The verdict as a dict: `id`, `story`, `kind`, `of`, `similarity`, `beyond_window`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("id", &self.id)?;
        d.set_item("story", self.story)?;
        d.set_item("kind", self.kind)?;
        d.set_item("of", &self.of)?;
        d.set_item("similarity", self.similarity)?;
        d.set_item("beyond_window", self.beyond_window)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        match (&self.of, self.similarity) {
            (Some(of), Some(s)) => format!(
                "Verdict(id={:?}, story={}, kind={:?}, of={:?}, similarity={:.3})",
                self.id, self.story, self.kind, of, s
            ),
            _ => format!(
                "Verdict(id={:?}, story={}, kind=\"new\")",
                self.id, self.story
            ),
        }
    }
}

enum State {
    Open(copydesk::Detector),
    /// After `finish()`: read-only.
    Finished(Finished),
    /// Only while a method moves the detector out.
    Gone,
}

/// Links every version of a story: near copies, rewrites and summaries of articles it has
/// seen, kept apart from other events of the same kind.
///
/// `config` is a dict of settings as `copydesk config` prints them (nested dicts for the
/// sections), or `None` for the defaults. Unknown or invalid settings raise `ConfigError`.
///
/// >>> d = Detector()
/// >>> d.insert("wire", "Gales closed the Kessington harbour bridge on Monday.").kind
/// 'new'
#[pyclass(module = "copydesk")]
pub struct Detector {
    state: State,
}

impl Detector {
    fn open(&mut self) -> PyResult<&mut copydesk::Detector> {
        match &mut self.state {
            State::Open(d) => Ok(d),
            _ => Err(PyRuntimeError::new_err(
                "the detector was finished: finish() returns its final stories; make a new \
                 Detector to insert more",
            )),
        }
    }
}

/// One article's arguments, checked: `(id, text, published, source)` as `insert` and `query`
/// take them.
struct ArticleArgs {
    id: String,
    text: String,
    published: Option<copydesk::Timestamp>,
    source: Option<String>,
}

impl ArticleArgs {
    fn new(
        id: &Bound<'_, PyAny>,
        text: &Bound<'_, PyAny>,
        published: Option<&Bound<'_, PyAny>>,
        source: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ArticleArgs> {
        Ok(ArticleArgs {
            id: values::text(id, "id")?,
            text: values::text(text, "text")?,
            published: values::time(published, "published")?,
            source: values::optional_text(source, "source")?,
        })
    }

    fn article(&self) -> copydesk::Article<'_> {
        copydesk::Article {
            id: &self.id,
            text: &self.text,
            published: self.published,
            source: self.source.as_deref(),
        }
    }
}

/// One value of an optional column, or of an optional scalar given for every article.
fn nth<'a, 'py>(
    col: &'a Option<Vec<Bound<'py, PyAny>>>,
    i: usize,
) -> Option<&'a Bound<'py, PyAny>> {
    col.as_ref().map(|c| &c[i])
}

fn length_check(name: &str, col: &Option<Vec<Bound<'_, PyAny>>>, n: usize) -> PyResult<()> {
    match col {
        Some(c) if c.len() != n => Err(PyValueError::new_err(format!(
            "{name} has {} values for {n} articles",
            c.len()
        ))),
        _ => Ok(()),
    }
}

/// A detector of the configuration `config` (a dict, or `None` for the defaults).
pub fn new_detector(
    py: Python<'_>,
    config: Option<&Bound<'_, PyAny>>,
) -> PyResult<copydesk::Detector> {
    let config = match config {
        Some(c) if !c.is_none() => {
            if !c.is_instance_of::<PyDict>() {
                return Err(pyo3::exceptions::PyTypeError::new_err(
                    "config must be a dict (see Detector.default_config())",
                ));
            }
            let json: String = py.import("json")?.call_method1("dumps", (c,))?.extract()?;
            serde_json::from_str(&json).map_err(|e| {
                crate::errors::ConfigError::new_err(format!("invalid configuration: {e}"))
            })?
        }
        _ => DetectorConfig::default(),
    };
    copydesk::Detector::new(config).map_err(to_py)
}

#[pymethods]
impl Detector {
    #[new]
    #[pyo3(signature = (config = None))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Detector> {
        Ok(Detector {
            state: State::Open(new_detector(py, config)?),
        })
    }

    /// The default configuration, as a dict that `Detector(config=...)` takes back.
    #[staticmethod]
    fn default_config(py: Python<'_>) -> PyResult<Py<PyAny>> {
        let json = serde_json::to_string(&DetectorConfig::default()).expect("serialises");
        Ok(py.import("json")?.call_method1("loads", (json,))?.unbind())
    }

    /// Reads and indexes one article and says which story it belongs to.
    ///
    /// `published` is a `datetime` (naive ones are UTC) or Unix seconds; `source` names the
    /// outlet. Inserting an id again with the same text returns its verdict; with another
    /// text it raises `IdConflictError`. An article with no words raises `EmptyTextError`.
    #[pyo3(signature = (id, text, published = None, source = None))]
    fn insert(
        &mut self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        text: &Bound<'_, PyAny>,
        published: Option<&Bound<'_, PyAny>>,
        source: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Verdict> {
        let args = ArticleArgs::new(id, text, published, source)?;
        let d = self.open()?;
        py.detach(|| d.insert_article(&args.article()))
            .map(Verdict::from)
            .map_err(to_py)
    }

    /// Inserts many articles, analysed in parallel with the GIL released; the verdicts are in
    /// the order given, and the same as inserting them one at a time as a batch would
    /// (every article's terms counted before any is weighed).
    ///
    /// `ids` and `texts` are columns (lists, pandas Series, NumPy or pyarrow arrays) of `str`;
    /// `published` and `sources` optional columns of the same length. Every value is checked
    /// before anything is inserted. `on_error="raise"` (the default) raises for the first
    /// article that would be refused (no words, too large, an id taken by another text) and
    /// inserts nothing; `on_error="skip"` inserts the others and puts `None` in the refused
    /// ones' places.
    #[pyo3(signature = (ids, texts, published = None, sources = None, on_error = "raise"))]
    fn insert_batch(
        &mut self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        texts: &Bound<'_, PyAny>,
        published: Option<&Bound<'_, PyAny>>,
        sources: Option<&Bound<'_, PyAny>>,
        on_error: &str,
    ) -> PyResult<Vec<Option<Verdict>>> {
        let skip = match on_error {
            "raise" => false,
            "skip" => true,
            other => {
                return Err(PyValueError::new_err(format!(
                    "on_error must be \"raise\" or \"skip\", not {other:?}"
                )))
            }
        };
        let ids = values::texts(ids, "ids")?;
        let texts = values::texts(texts, "texts")?;
        if ids.len() != texts.len() {
            return Err(PyValueError::new_err(format!(
                "{} ids for {} texts",
                ids.len(),
                texts.len()
            )));
        }
        let n = ids.len();
        let published = published
            .filter(|p| !p.is_none())
            .map(|p| values::column(p, "published"))
            .transpose()?;
        length_check("published", &published, n)?;
        let times = (0..n)
            .map(|i| values::time(nth(&published, i), &format!("published[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        let sources = sources
            .filter(|s| !s.is_none())
            .map(|s| values::column(s, "sources"))
            .transpose()?;
        length_check("sources", &sources, n)?;
        let sources = (0..n)
            .map(|i| values::optional_text(nth(&sources, i), &format!("sources[{i}]")))
            .collect::<PyResult<Vec<_>>>()?;
        let d = self.open()?;
        let analyses: Vec<copydesk::Result<Analysis>> = py.detach(|| {
            use rayon::prelude::*;
            let d = &*d;
            texts
                .par_iter()
                .zip(times.par_iter())
                .zip(sources.into_par_iter())
                .map(|((t, &time), source)| {
                    d.analyze_at(t, time).map(|mut a| {
                        a.source = source;
                        a
                    })
                })
                .collect()
        });
        if !skip {
            let mut seen: HashMap<&str, u64> = HashMap::new();
            for (i, (id, a)) in ids.iter().zip(&analyses).enumerate() {
                let a = match a {
                    Ok(a) => a,
                    Err(e) => {
                        let message = format!("article {i} ({id:?}): {e}; nothing was inserted");
                        return Err(crate::errors::to_py_with(e, message));
                    }
                };
                let taken = seen
                    .get(id.as_str())
                    .copied()
                    .or_else(|| d.record(id).map(|r| r.content));
                if taken.is_some_and(|c| c != a.content) {
                    return Err(IdConflictError::new_err(format!(
                        "article {i}: id {id:?} is taken by another text; nothing was inserted"
                    )));
                }
                seen.insert(id, a.content);
            }
        }
        let verdicts = py.detach(|| d.par_insert_analyzed_batch(&ids, analyses));
        Ok(verdicts
            .into_iter()
            .map(|v| v.ok().map(Verdict::from))
            .collect())
    }

    /// The verdict `text` would get, without inserting it: `None` when it belongs to no
    /// story the detector holds.
    #[pyo3(signature = (id, text, published = None, source = None))]
    fn query(
        &mut self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        text: &Bound<'_, PyAny>,
        published: Option<&Bound<'_, PyAny>>,
        source: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Option<Verdict>> {
        let args = ArticleArgs::new(id, text, published, source)?;
        let d = &*self.open()?;
        py.detach(|| d.query_article(&args.article()))
            .map(|v| v.map(Verdict::from))
            .map_err(to_py)
    }

    /// Uses `stats` (from `copydesk.term_statistics`, merged across a corpus) as the corpus's
    /// term statistics, less the articles of `excluding` (texts, with `times`), which are
    /// counted again when they are inserted: a part of a corpus is then weighed as the whole
    /// corpus weighs it.
    #[pyo3(signature = (stats, excluding = None, times = None))]
    fn set_term_statistics(
        &mut self,
        py: Python<'_>,
        stats: &[u8],
        excluding: Option<&Bound<'_, PyAny>>,
        times: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let mut df = crate::spark::read_statistics(stats)?;
        if let Some(texts) = excluding.filter(|t| !t.is_none()) {
            let texts = values::texts(texts, "excluding")?;
            let times = crate::spark::batch_times(times, texts.len())?;
            let d = &*self.open()?;
            for a in crate::spark::analyses(py, d, &texts, &times)
                .into_iter()
                .flatten()
            {
                df.remove(&a.terms);
            }
        }
        self.open()?.set_term_statistics(df);
        Ok(())
    }

    /// Removes an article; `True` if it was there.
    fn remove(&mut self, id: &Bound<'_, PyAny>) -> PyResult<bool> {
        let id = values::text(id, "id")?;
        Ok(self.open()?.remove(&id))
    }

    /// Re-forms the stories from every article's links, as a batch run does at its end;
    /// returns how many articles changed story.
    fn recluster(&mut self, py: Python<'_>) -> PyResult<usize> {
        let d = self.open()?;
        Ok(py.detach(|| d.recluster()))
    }

    /// Re-forms the stories, frees the indexes, and keeps only the answers: the detector is
    /// read-only afterwards. Returns how many articles changed story.
    fn finish(&mut self, py: Python<'_>) -> PyResult<usize> {
        self.open()?;
        let State::Open(d) = std::mem::replace(&mut self.state, State::Gone) else {
            unreachable!("checked open")
        };
        let finished = py.detach(|| d.finish());
        let changed = finished.changed();
        self.state = State::Finished(finished);
        Ok(changed)
    }

    /// The verdict of an article, as its story now stands; `None` for an unknown id.
    fn verdict(&self, id: &Bound<'_, PyAny>) -> PyResult<Option<Verdict>> {
        let id = values::text(id, "id")?;
        Ok(match &self.state {
            State::Open(d) => d.verdict_of(&id),
            State::Finished(f) => f.verdict_of(&id),
            State::Gone => None,
        }
        .map(Verdict::from))
    }

    /// Every article's verdict, as the stories now stand.
    fn verdicts(&self) -> Vec<Verdict> {
        match &self.state {
            State::Open(d) => d.verdicts().map(|(_, v)| v.into()).collect(),
            State::Finished(f) => f.verdicts().map(|(_, v)| v.into()).collect(),
            State::Gone => Vec::new(),
        }
    }

    /// The story of an article, or `None`.
    fn story_of(&self, id: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
        let id = values::text(id, "id")?;
        Ok(match &self.state {
            State::Open(d) => d.story_of(&id),
            State::Finished(f) => f.story_of(&id),
            State::Gone => None,
        }
        .map(|s| s.0))
    }

    /// The ids of a story's articles, first published first.
    fn members(&self, story: u64) -> Vec<String> {
        let ids = match &self.state {
            State::Open(d) => d.members(StoryId(story)),
            State::Finished(f) => f.members(StoryId(story)),
            State::Gone => Vec::new(),
        };
        ids.into_iter().map(str::to_owned).collect()
    }

    /// Two indexed articles' scores on every tier: `exact`, `jaccard`, `containment`,
    /// `cosine`, `years_conflict`; `None` when either is unknown.
    fn compare<'py>(
        &self,
        py: Python<'py>,
        a: &Bound<'_, PyAny>,
        b: &Bound<'_, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let (a, b) = (values::text(a, "a")?, values::text(b, "b")?);
        let s = match &self.state {
            State::Open(d) => d.compare(&a, &b),
            State::Finished(f) => f.compare(&a, &b),
            State::Gone => None,
        };
        let Some(s) = s else { return Ok(None) };
        let d = PyDict::new(py);
        d.set_item("exact", s.exact)?;
        d.set_item("jaccard", s.jaccard)?;
        d.set_item("containment", s.containment)?;
        d.set_item("cosine", s.cosine)?;
        d.set_item("years_conflict", s.years_conflict)?;
        Ok(Some(d))
    }

    /// Counts: `articles`, `stories`, `documents_seen`, `terms`.
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let s = match &self.state {
            State::Open(d) => d.stats(),
            State::Finished(f) => f.stats(),
            State::Gone => return Err(PyRuntimeError::new_err("no detector")),
        };
        let d = PyDict::new(py);
        d.set_item("articles", s.articles)?;
        d.set_item("stories", s.stories)?;
        d.set_item("documents_seen", s.documents_seen)?;
        d.set_item("terms", s.terms)?;
        Ok(d)
    }

    fn __len__(&self) -> usize {
        match &self.state {
            State::Open(d) => d.len(),
            State::Finished(f) => f.stats().articles,
            State::Gone => 0,
        }
    }

    fn __contains__(&self, id: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.story_of(id)?.is_some())
    }

    /// Saves the detector to a file, in the format `copydesk index` writes and reads (written
    /// to a temporary file beside it and renamed into place).
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        match &self.state {
            State::Open(d) => py.detach(|| d.save_file(&path)),
            State::Finished(f) => py.detach(|| f.save_file(&path)),
            State::Gone => return Err(PyRuntimeError::new_err("no detector")),
        }
        .map_err(to_py)
    }

    /// Loads a detector saved by `save()` or by `copydesk index build`.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Detector> {
        let d = py
            .detach(|| copydesk::Detector::load_file(&path))
            .map_err(to_py)?;
        Ok(Detector {
            state: State::Open(d),
        })
    }

    fn __repr__(&self) -> String {
        match &self.state {
            State::Open(d) => {
                let s = d.stats();
                format!("Detector(articles={}, stories={})", s.articles, s.stories)
            }
            State::Finished(f) => {
                let s = f.stats();
                format!(
                    "Detector(articles={}, stories={}, finished)",
                    s.articles, s.stories
                )
            }
            State::Gone => "Detector()".into(),
        }
    }
}
