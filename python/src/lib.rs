//! The `copydesk` Python package's native module, `copydesk._copydesk`: the detector, the
//! datasketch-style building blocks, and the batch functions the Spark job runs in executors.
//! The Python side (`python/copydesk/`) re-exports it and adds `copydesk.spark`.

use pyo3::prelude::*;

mod blocks;
mod detector;
mod errors;
mod spark;
mod values;

#[pymodule]
fn _copydesk(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<detector::Detector>()?;
    m.add_class::<detector::Verdict>()?;
    m.add_class::<blocks::MinHash>()?;
    m.add_class::<blocks::MinHashLSH>()?;
    m.add_function(wrap_pyfunction!(blocks::signatures, m)?)?;
    m.add_function(wrap_pyfunction!(spark::sign_batch, m)?)?;
    m.add_function(wrap_pyfunction!(spark::near_copy_scores, m)?)?;
    m.add_function(wrap_pyfunction!(spark::cosines, m)?)?;
    m.add_function(wrap_pyfunction!(spark::term_statistics, m)?)?;
    m.add_function(wrap_pyfunction!(spark::merge_term_statistics, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
