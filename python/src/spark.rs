//! What `copydesk.spark` runs inside executors, on a batch of articles at a time (NumPy arrays
//! in and out, the GIL released): signing with band keys, the near-copy test of candidate
//! pairs, and term statistics that merge across the cluster.

use crate::detector::new_detector;
use crate::values;
use copydesk::minhash::{containment_from_jaccard, CompactRef};
use copydesk::terms::DocumentFrequencies;
use copydesk::Timestamp;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

/// Times of a batch: a column of Unix seconds or `None`.
pub fn batch_times(v: Option<&Bound<'_, PyAny>>, n: usize) -> PyResult<Vec<Option<Timestamp>>> {
    let Some(v) = v.filter(|v| !v.is_none()) else {
        return Ok(vec![None; n]);
    };
    let col = values::column(v, "times")?;
    if col.len() != n {
        return Err(PyValueError::new_err(format!(
            "{} times for {n} texts",
            col.len()
        )));
    }
    col.iter()
        .enumerate()
        .map(|(i, t)| values::time(Some(t), &format!("times[{i}]")))
        .collect()
}

/// Every text analysed at its time, in parallel with the GIL released; `None` for a text the
/// detector refuses (no words, too large).
pub fn analyses(
    py: Python<'_>,
    d: &copydesk::Detector,
    texts: &[String],
    times: &[Option<Timestamp>],
) -> Vec<Option<copydesk::Analysis>> {
    py.detach(|| {
        use rayon::prelude::*;
        texts
            .par_iter()
            .zip(times)
            .map(|(t, &time)| d.analyze_at(t, time).ok())
            .collect()
    })
}

/// Signs a batch of texts as the detector does: a dict of arrays, one row a text —
/// `content` (`uint64`, the hash of the normalised words: equal for exact copies),
/// `shingles` (`uint32`, 0 for a text with no words), `signature` (`uint16`, the compact
/// slots the near-copy tier compares, shape `(n, slots)`) and `bands` (`uint64`, the LSH band
/// keys, shape `(n, bands)`).
#[pyfunction]
#[pyo3(signature = (texts, times = None, config = None))]
pub fn sign_batch<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    times: Option<&Bound<'py, PyAny>>,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let texts = values::texts(texts, "texts")?;
    let times = batch_times(times, texts.len())?;
    let d = new_detector(py, config)?;
    let params = d.lsh_params();
    let slots = d.config().minhash.slots;
    let n = texts.len();
    let analyses = analyses(py, &d, &texts, &times);
    let (content, shingles, signature, bands) = {
        let mut content = Vec::with_capacity(n);
        let mut shingles = Vec::with_capacity(n);
        let mut signature = Vec::with_capacity(n * slots);
        let mut bands = Vec::with_capacity(n * params.bands);
        for a in &analyses {
            match a {
                Some(a) => {
                    content.push(a.content);
                    shingles.push(a.signature.shingles());
                    signature.extend_from_slice(a.signature.compact().slots());
                    bands.extend(
                        params
                            .band_keys(&a.signature)
                            .expect("the detector's bands"),
                    );
                }
                None => {
                    content.push(0);
                    shingles.push(0);
                    signature.extend(std::iter::repeat_n(0u16, slots));
                    bands.extend(std::iter::repeat_n(0u64, params.bands));
                }
            }
        }
        (content, shingles, signature, bands)
    };
    let out = PyDict::new(py);
    out.set_item("content", PyArray1::from_vec(py, content))?;
    out.set_item("shingles", PyArray1::from_vec(py, shingles))?;
    out.set_item(
        "signature",
        PyArray1::from_vec(py, signature).reshape([n, slots])?,
    )?;
    out.set_item(
        "bands",
        PyArray1::from_vec(py, bands).reshape([n, params.bands])?,
    )?;
    Ok(out)
}

/// Near-copy scores of pairs, and what is left to check on their term vectors.
type Scores<'py> = (Bound<'py, PyArray1<f64>>, Bound<'py, PyArray1<u8>>);

/// The near-copy score of each pair `(a[i], b[i])` of compact signatures, as the detector's
/// near-copy tier scores a candidate, and what remains to check on the pair's term vectors
/// (with [`cosines`]):
///
/// - check 0: decided; the score is the estimated Jaccard similarity when at or over
///   `near_copy`, else the containment of the shorter in the longer when at or over
///   `near_copy_containment` (and the shorter has enough shingles); NaN when neither holds
///   and the pair is not in the gray zone;
/// - check 1: a short pair (under `copydesk::detector::SHORT_SHINGLES` shingles): a near copy
///   only if its term vectors share a term (cosine over 0);
/// - check 2: the gray zone (Jaccard within two standard errors under `near_copy`): a near
///   copy, scored by its Jaccard similarity, only if its cosine is at or over
///   `near_copy_cosine`; never with `story.enabled` off in `config` (as the detector, which
///   then counts no terms).
#[pyfunction]
#[pyo3(signature = (a, a_shingles, b, b_shingles, config = None))]
pub fn near_copy_scores<'py>(
    py: Python<'py>,
    a: PyReadonlyArray2<'py, u16>,
    a_shingles: PyReadonlyArray1<'py, u32>,
    b: PyReadonlyArray2<'py, u16>,
    b_shingles: PyReadonlyArray1<'py, u32>,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Scores<'py>> {
    let d = new_detector(py, config)?;
    let c = d.config();
    let (a, b) = (a.as_array(), b.as_array());
    let (sa, sb) = (a_shingles.as_slice()?, b_shingles.as_slice()?);
    let n = sa.len();
    if a.nrows() != n || b.nrows() != n || sb.len() != n || a.ncols() != b.ncols() {
        return Err(PyValueError::new_err(
            "a, a_shingles, b and b_shingles must have one row a pair, of equal widths",
        ));
    }
    let t = c.near_copy;
    let gray_zone = t - 2.0 * (t * (1.0 - t) / a.ncols().max(1) as f64).sqrt();
    let (scores, checks): (Vec<f64>, Vec<u8>) = (0..n)
        .map(|i| {
            let (ra, rb) = (a.row(i), b.row(i));
            let (Some(ra), Some(rb)) = (ra.as_slice(), rb.as_slice()) else {
                return (f64::NAN, 0);
            };
            if sa[i] == 0 || sb[i] == 0 {
                return (f64::NAN, 0);
            }
            let Ok(j) = CompactRef::new(ra, sa[i]).try_jaccard(CompactRef::new(rb, sb[i])) else {
                return (f64::NAN, 0);
            };
            let contained = containment_from_jaccard(j, sa[i], sb[i]);
            let score = if j >= t {
                j
            } else if sa[i].min(sb[i]) >= c.min_containment_shingles
                && contained >= c.near_copy_containment
            {
                contained
            } else if j >= gray_zone && c.story.enabled {
                // Just under the threshold: a near copy if the term vectors agree, as the
                // detector checks when its story tier is on (off, it counts no terms).
                return (j, 2);
            } else {
                return (f64::NAN, 0);
            };
            let short = sa[i].min(sb[i]) < copydesk::detector::SHORT_SHINGLES;
            (score, u8::from(short))
        })
        .unzip();
    Ok((
        PyArray1::from_vec(py, scores),
        PyArray1::from_vec(py, checks),
    ))
}

/// The term-vector cosine of each pair `(texts_a[i], texts_b[i])`, weighed by the term
/// statistics `stats` (from [`term_statistics`]), as the detector weighs them; NaN when
/// either has no words.
#[pyfunction]
#[pyo3(signature = (texts_a, times_a, texts_b, times_b, stats, config = None))]
pub fn cosines<'py>(
    py: Python<'py>,
    texts_a: &Bound<'py, PyAny>,
    times_a: Option<&Bound<'py, PyAny>>,
    texts_b: &Bound<'py, PyAny>,
    times_b: Option<&Bound<'py, PyAny>>,
    stats: &[u8],
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let ta = values::texts(texts_a, "texts_a")?;
    let tb = values::texts(texts_b, "texts_b")?;
    if ta.len() != tb.len() {
        return Err(PyValueError::new_err(
            "texts_a and texts_b differ in length",
        ));
    }
    let (wa, wb) = (
        batch_times(times_a, ta.len())?,
        batch_times(times_b, tb.len())?,
    );
    let df = read_statistics(stats)?;
    let d = new_detector(py, config)?;
    let out = py.detach(|| {
        use rayon::prelude::*;
        let vector = |text: &str, time| {
            d.analyze_at(text, time)
                .ok()
                .map(|a| df.vector(&a.terms, &d.config().terms))
        };
        (0..ta.len())
            .into_par_iter()
            .map(|i| match (vector(&ta[i], wa[i]), vector(&tb[i], wb[i])) {
                (Some(x), Some(y)) => f64::from(x.cosine(&y)),
                _ => f64::NAN,
            })
            .collect::<Vec<_>>()
    });
    Ok(PyArray1::from_vec(py, out))
}

/// The term statistics of a batch of texts (how many articles hold each term), as bytes that
/// `merge_term_statistics` adds up and `Detector.set_term_statistics` takes.
#[pyfunction]
#[pyo3(signature = (texts, times = None, config = None))]
pub fn term_statistics<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    times: Option<&Bound<'py, PyAny>>,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let texts = values::texts(texts, "texts")?;
    let times = batch_times(times, texts.len())?;
    let d = new_detector(py, config)?;
    let mut df = DocumentFrequencies::default();
    for a in analyses(py, &d, &texts, &times).into_iter().flatten() {
        df.add(&a.terms);
    }
    let bytes = postcard::to_stdvec(&df).expect("serialises");
    Ok(PyBytes::new(py, &bytes))
}

/// Reads term statistics written by [`term_statistics`].
pub fn read_statistics(bytes: &[u8]) -> PyResult<DocumentFrequencies> {
    postcard::from_bytes(bytes)
        .map_err(|e| crate::errors::InvalidInputError::new_err(format!("not term statistics: {e}")))
}

/// The sum of several batches' term statistics.
#[pyfunction]
pub fn merge_term_statistics<'py>(
    py: Python<'py>,
    parts: Vec<Vec<u8>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut total = DocumentFrequencies::default();
    for p in &parts {
        total.merge(&read_statistics(p)?);
    }
    let bytes = postcard::to_stdvec(&total).expect("serialises");
    Ok(PyBytes::new(py, &bytes))
}
