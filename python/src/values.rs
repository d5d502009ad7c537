//! Python values into copydesk's: text, ids, times and columns, each with a message that names
//! the argument and the position of a bad value.

use copydesk::Timestamp;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// A `str` argument; `None`, bytes and other types are a `TypeError` naming it.
pub fn text(v: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = v.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    let got = if v.is_none() {
        "None".to_string()
    } else if v.is_instance_of::<PyBytes>() {
        "bytes (decode it first, e.g. .decode('utf-8'))".to_string()
    } else {
        v.get_type().name()?.to_string()
    };
    Err(PyTypeError::new_err(format!(
        "{what} must be a str, not {got}"
    )))
}

/// An optional `str` argument: `None` (or absent) is `None`.
pub fn optional_text(v: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<String>> {
    match v {
        Some(v) if !v.is_none() => text(v, what).map(Some),
        _ => Ok(None),
    }
}

/// A publication time: `None`, Unix seconds (int or float), or a `datetime` (naive ones are
/// taken as UTC, as the command line takes times without an offset).
pub fn time(v: Option<&Bound<'_, PyAny>>, what: &str) -> PyResult<Option<Timestamp>> {
    let Some(v) = v else { return Ok(None) };
    if v.is_none() {
        return Ok(None);
    }
    if v.hasattr("utcoffset")? && v.hasattr("timestamp")? {
        let v = if v.call_method0("utcoffset")?.is_none() {
            let utc = v
                .py()
                .import("datetime")?
                .getattr("timezone")?
                .getattr("utc")?;
            let kwargs = pyo3::types::PyDict::new(v.py());
            kwargs.set_item("tzinfo", utc)?;
            v.call_method("replace", (), Some(&kwargs))?
        } else {
            v.clone()
        };
        let seconds: f64 = v.call_method0("timestamp")?.extract()?;
        return Ok(Some(Timestamp::from_unix_seconds(seconds.floor() as i64)));
    }
    if v.is_instance_of::<pyo3::types::PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a datetime or Unix seconds, not bool"
        )));
    }
    if let Ok(s) = v.extract::<i64>() {
        return Ok(Some(Timestamp::from_unix_seconds(s)));
    }
    if let Ok(s) = v.extract::<f64>() {
        if !s.is_finite() || s.abs() > 1e15 {
            return Err(PyValueError::new_err(format!("{what}: {s} is not a time")));
        }
        return Ok(Some(Timestamp::from_unix_seconds(s.floor() as i64)));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a datetime or Unix seconds, not {}",
        v.get_type().name()?
    )))
}

/// A column as a list: a list or tuple, a pandas Series, a NumPy array, a pyarrow Array or
/// ChunkedArray (anything with `to_pylist()` or `tolist()`, or iterable).
pub fn column<'py>(v: &Bound<'py, PyAny>, what: &str) -> PyResult<Vec<Bound<'py, PyAny>>> {
    if v.is_instance_of::<PyString>() || v.is_instance_of::<PyBytes>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be a column of values (a list, a Series, an Array), not a single string"
        )));
    }
    let list = if v.hasattr("to_pylist")? {
        v.call_method0("to_pylist")?
    } else if v.hasattr("tolist")? {
        v.call_method0("tolist")?
    } else {
        v.clone()
    };
    let iter = list.try_iter().map_err(|_| {
        PyTypeError::new_err(format!(
            "{what} must be a column of values, not {}",
            v.get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default()
        ))
    })?;
    iter.collect()
}

/// A column of `str`.
pub fn texts(v: &Bound<'_, PyAny>, what: &str) -> PyResult<Vec<String>> {
    column(v, what)?
        .iter()
        .enumerate()
        .map(|(i, x)| text(x, &format!("{what}[{i}]")))
        .collect()
}
