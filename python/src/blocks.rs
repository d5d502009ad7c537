//! The building blocks under the names datasketch users know: `MinHash` (`update`,
//! `jaccard`, `digest`) and `MinHashLSH` (`insert`, `query`, `remove`), over copydesk's
//! one-permutation MinHash and banded LSH; and `signatures`, a whole column of texts signed in
//! parallel into one NumPy array.

use crate::errors::to_py;
use crate::values;
use copydesk::lsh::{LshIndex, LshParams};
use copydesk::minhash::{MinHashConfig, MinHasher, Signature};
use copydesk::normalize::Normalizer;
use copydesk::shingle::{ShingleConfig, Shingler};
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// One hasher per `(num_perm, seed)`, shared: a hasher holds a table of probes (32 KiB at 128
/// slots) that every MinHash of its shape reads.
type Hashers = Mutex<HashMap<(usize, u64), Arc<MinHasher>>>;

fn hasher(num_perm: usize, seed: u64) -> PyResult<Arc<MinHasher>> {
    static HASHERS: OnceLock<Hashers> = OnceLock::new();
    let mut map = HASHERS.get_or_init(Default::default).lock().expect("lock");
    if let Some(h) = map.get(&(num_perm, seed)) {
        return Ok(Arc::clone(h));
    }
    let config = MinHashConfig {
        slots: num_perm,
        seed,
        ..MinHashConfig::default()
    };
    let h = Arc::new(MinHasher::new(config).map_err(to_py)?);
    map.insert((num_perm, seed), Arc::clone(&h));
    Ok(h)
}

/// An element's 64-bit hash: `bytes` as they are, `str` as UTF-8.
fn element_hash(v: &Bound<'_, PyAny>, seed: u64) -> PyResult<u64> {
    if let Ok(b) = v.cast::<PyBytes>() {
        Ok(xxhash_rust::xxh3::xxh3_64_with_seed(b.as_bytes(), seed))
    } else if let Ok(s) = v.cast::<PyString>() {
        Ok(xxhash_rust::xxh3::xxh3_64_with_seed(
            s.to_cow()?.as_bytes(),
            seed,
        ))
    } else {
        Err(PyTypeError::new_err(format!(
            "MinHash elements are bytes or str, not {}",
            v.get_type().name()?
        )))
    }
}

/// A MinHash sketch of a set, as datasketch's `MinHash`: `update` adds an element (bytes or
/// str), `jaccard` estimates the similarity of two sets, `digest` gives the signature.
///
/// One-permutation hashing with densification: one hash per element rather than `num_perm`,
/// the estimate as accurate. `num_perm` is 4 to 4096.
///
/// >>> a, b = MinHash(), MinHash()
/// >>> for w in "the harbour bridge closed on monday".split(): a.update(w)
/// >>> for w in "the harbour bridge closed on tuesday".split(): b.update(w)
/// >>> round(a.jaccard(b), 1)
/// 0.7
#[pyclass(module = "copydesk")]
pub struct MinHash {
    hasher: Arc<MinHasher>,
    seed: u64,
    /// The elements' hashes, sorted and deduplicated lazily.
    hashes: Vec<u64>,
    /// The signature of `hashes`, while they are unchanged.
    signature: Option<Signature>,
}

impl MinHash {
    pub fn signature(&mut self) -> &Signature {
        if self.signature.is_none() {
            self.hashes.sort_unstable();
            self.hashes.dedup();
            self.signature = Some(self.hasher.sketch(self.hashes.iter().copied()));
        }
        self.signature.as_ref().expect("just made")
    }

    fn num_perm(&self) -> usize {
        self.hasher.config().slots
    }
}

#[pymethods]
impl MinHash {
    #[new]
    #[pyo3(signature = (num_perm = 128, seed = 1))]
    fn new(num_perm: usize, seed: u64) -> PyResult<MinHash> {
        Ok(MinHash {
            hasher: hasher(num_perm, seed)?,
            seed,
            hashes: Vec::new(),
            signature: None,
        })
    }

    /// A MinHash of a text's word shingles, as copydesk's detector takes them (normalised
    /// words, five at a time).
    #[staticmethod]
    #[pyo3(signature = (text, num_perm = 128, seed = 1))]
    fn from_text(text: &Bound<'_, PyAny>, num_perm: usize, seed: u64) -> PyResult<MinHash> {
        let text = values::text(text, "text")?;
        let shingler = Shingler::new(ShingleConfig::default()).map_err(to_py)?;
        let mut m = MinHash::new(num_perm, seed)?;
        m.hashes = shingler.shingle_set(&Normalizer::default(), &text);
        Ok(m)
    }

    /// Adds one element: `bytes` or `str`.
    fn update(&mut self, element: &Bound<'_, PyAny>) -> PyResult<()> {
        self.hashes.push(element_hash(element, self.seed)?);
        self.signature = None;
        Ok(())
    }

    /// Adds every element of an iterable.
    fn update_batch(&mut self, elements: &Bound<'_, PyAny>) -> PyResult<()> {
        for e in elements.try_iter()? {
            self.hashes.push(element_hash(&e?, self.seed)?);
        }
        self.signature = None;
        Ok(())
    }

    /// Adds the other MinHash's elements (the union of the two sets).
    fn merge(slf: &Bound<'_, MinHash>, other: &Bound<'_, MinHash>) -> PyResult<()> {
        if slf.is(other) {
            return Ok(());
        }
        let other = other.borrow();
        let mut me = slf.borrow_mut();
        if other.num_perm() != me.num_perm() || other.seed != me.seed {
            return Err(PyValueError::new_err(
                "cannot merge MinHashes of different num_perm or seed",
            ));
        }
        me.hashes.extend_from_slice(&other.hashes);
        me.signature = None;
        Ok(())
    }

    /// The estimated Jaccard similarity of the two sets, 0 to 1.
    fn jaccard(slf: &Bound<'_, MinHash>, other: &Bound<'_, MinHash>) -> PyResult<f64> {
        let (theirs, seed) = {
            let mut other = other.borrow_mut();
            (other.signature().clone(), other.seed)
        };
        let mut me = slf.borrow_mut();
        if theirs.slots().len() != me.num_perm() || seed != me.seed {
            return Err(PyValueError::new_err(
                "cannot compare MinHashes of different num_perm or seed",
            ));
        }
        Ok(me.signature().jaccard(&theirs))
    }

    /// The signature: `num_perm` unsigned 32-bit values.
    fn digest<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        PyArray1::from_slice(py, self.signature().slots())
    }

    /// The signature, as `digest()`.
    #[getter]
    fn hashvalues<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyArray1<u32>> {
        self.digest(py)
    }

    /// The signature's length.
    #[getter(num_perm)]
    fn get_num_perm(&self) -> usize {
        self.num_perm()
    }

    #[getter]
    fn seed(&self) -> u64 {
        self.seed
    }

    /// True when no element was added.
    fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    fn __repr__(&self) -> String {
        format!("MinHash(num_perm={}, seed={})", self.num_perm(), self.seed)
    }
}

/// Banded LSH over MinHash signatures, as datasketch's `MinHashLSH`: `insert(key, minhash)`,
/// `query(minhash)` gives the keys that share a band with it (candidates, not verified),
/// `remove(key)`.
///
/// The bands and rows are chosen for `threshold` as datasketch chooses them, minimising the
/// weighted false positive and negative probabilities (`weights`). Keys are `str`.
#[pyclass(module = "copydesk")]
pub struct MinHashLSH {
    index: LshIndex<String>,
    num_perm: usize,
    threshold: f64,
}

#[pymethods]
impl MinHashLSH {
    #[new]
    #[pyo3(signature = (threshold = 0.9, num_perm = 128, weights = (0.5, 0.5), params = None))]
    fn new(
        threshold: f64,
        num_perm: usize,
        weights: (f64, f64),
        params: Option<(usize, usize)>,
    ) -> PyResult<MinHashLSH> {
        let params = match params {
            Some((b, r)) => {
                if b * r > num_perm {
                    return Err(PyValueError::new_err(format!(
                        "{b} bands of {r} rows need {} slots; num_perm is {num_perm}",
                        b * r
                    )));
                }
                LshParams::new(b, r)
            }
            None => LshParams::optimal(threshold, num_perm, weights.0, weights.1),
        }
        .map_err(to_py)?;
        Ok(MinHashLSH {
            index: LshIndex::new(params),
            num_perm,
            threshold,
        })
    }

    /// Indexes a MinHash under `key`; a key already indexed is a `ValueError`.
    fn insert(&mut self, key: &Bound<'_, PyAny>, minhash: &Bound<'_, MinHash>) -> PyResult<()> {
        let key = values::text(key, "key")?;
        if self.index.get(&key).is_some() {
            return Err(PyValueError::new_err(format!(
                "key {key:?} is already indexed"
            )));
        }
        let mut m = minhash.borrow_mut();
        self.check(&m)?;
        self.index
            .insert(key, m.signature())
            .map_err(to_py)
            .map(drop)
    }

    /// The keys whose MinHash shares a band with this one (their Jaccard similarity is likely
    /// over the threshold), in key order.
    fn query(&self, minhash: &Bound<'_, MinHash>) -> PyResult<Vec<String>> {
        let mut m = minhash.borrow_mut();
        self.check(&m)?;
        Ok(self.index.candidates(m.signature()))
    }

    /// Removes a key; an unknown key is a `KeyError`.
    fn remove(&mut self, key: &Bound<'_, PyAny>) -> PyResult<()> {
        let key = values::text(key, "key")?;
        match self.index.remove(&key) {
            Some(_) => Ok(()),
            None => Err(PyKeyError::new_err(key)),
        }
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        let key = values::text(key, "key")?;
        Ok(self.index.get(&key).is_some())
    }

    fn __len__(&self) -> usize {
        self.index.len()
    }

    fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// `(bands, rows)`.
    #[getter]
    fn params(&self) -> (usize, usize) {
        let p = self.index.params();
        (p.bands, p.rows)
    }

    #[getter]
    fn threshold(&self) -> f64 {
        self.threshold
    }

    fn __repr__(&self) -> String {
        let (b, r) = self.params();
        format!(
            "MinHashLSH(threshold={}, num_perm={}, bands={b}, rows={r}, keys={})",
            self.threshold,
            self.num_perm,
            self.index.len()
        )
    }
}

impl MinHashLSH {
    fn check(&self, m: &MinHash) -> PyResult<()> {
        if m.num_perm() != self.num_perm {
            return Err(PyValueError::new_err(format!(
                "a MinHash of num_perm {} in an index of num_perm {}",
                m.num_perm(),
                self.num_perm
            )));
        }
        Ok(())
    }
}

/// A column's signatures, one row a text, and each text's number of shingles.
type Signatures<'py> = (Bound<'py, PyArray2<u32>>, Bound<'py, PyArray1<u32>>);

/// The detector's MinHash signatures of many texts, computed in parallel with the GIL
/// released: an array of shape `(len(texts), slots)` (`uint32`) and the number of shingles of
/// each text. A text with no words has a row of zeros and 0 shingles.
#[pyfunction]
#[pyo3(signature = (texts, config = None))]
pub fn signatures<'py>(
    py: Python<'py>,
    texts: &Bound<'py, PyAny>,
    config: Option<&Bound<'py, PyAny>>,
) -> PyResult<Signatures<'py>> {
    let texts = values::texts(texts, "texts")?;
    let detector = crate::detector::new_detector(py, config)?;
    let slots = detector.config().minhash.slots;
    let (rows, counts): (Vec<u32>, Vec<u32>) = py.detach(|| {
        use rayon::prelude::*;
        let sigs: Vec<Option<Signature>> = texts
            .par_iter()
            .map(|t| detector.signature(t).ok())
            .collect();
        let mut rows = Vec::with_capacity(sigs.len() * slots);
        let mut counts = Vec::with_capacity(sigs.len());
        for s in &sigs {
            match s {
                Some(s) => {
                    rows.extend_from_slice(s.slots());
                    counts.push(s.shingles());
                }
                None => {
                    rows.extend(std::iter::repeat_n(0, slots));
                    counts.push(0);
                }
            }
        }
        (rows, counts)
    });
    let n = counts.len();
    let array = PyArray1::from_vec(py, rows).reshape([n, slots])?;
    Ok((array, PyArray1::from_vec(py, counts)))
}
