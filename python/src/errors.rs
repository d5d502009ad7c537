//! Python exceptions for copydesk's [`ErrorKind`]s: one base class, `CopydeskError`
//! (a `ValueError`, since every refusal is of a value passed in), and one subclass a kind.

use copydesk::ErrorKind;
use pyo3::exceptions::{PyOSError, PyValueError};
use pyo3::prelude::*;

pyo3::create_exception!(
    copydesk,
    CopydeskError,
    PyValueError,
    "Base class of copydesk's errors."
);
pyo3::create_exception!(
    copydesk,
    ConfigError,
    CopydeskError,
    "An invalid configuration."
);
pyo3::create_exception!(
    copydesk,
    EmptyTextError,
    CopydeskError,
    "An article with no words."
);
pyo3::create_exception!(
    copydesk,
    TooLargeError,
    CopydeskError,
    "An article over the size limit."
);
pyo3::create_exception!(
    copydesk,
    IdConflictError,
    CopydeskError,
    "An id already indexed with another text."
);
pyo3::create_exception!(
    copydesk,
    IncompatibleError,
    CopydeskError,
    "Signatures or detectors of different configurations."
);
pyo3::create_exception!(
    copydesk,
    CorruptIndexError,
    CopydeskError,
    "A saved index that is damaged, truncated, or of another format version."
);
pyo3::create_exception!(
    copydesk,
    InvalidInputError,
    CopydeskError,
    "A malformed input record."
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CopydeskError", py.get_type::<CopydeskError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("EmptyTextError", py.get_type::<EmptyTextError>())?;
    m.add("TooLargeError", py.get_type::<TooLargeError>())?;
    m.add("IdConflictError", py.get_type::<IdConflictError>())?;
    m.add("IncompatibleError", py.get_type::<IncompatibleError>())?;
    m.add("CorruptIndexError", py.get_type::<CorruptIndexError>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    Ok(())
}

/// The Python exception of a copydesk error: its kind's class, its message.
pub fn to_py(e: copydesk::Error) -> PyErr {
    let message = e.to_string();
    to_py_with(&e, message)
}

/// The Python exception of a copydesk error's kind, with another message.
pub fn to_py_with(e: &copydesk::Error, message: String) -> PyErr {
    match e.kind() {
        ErrorKind::InvalidConfig { .. } => ConfigError::new_err(message),
        ErrorKind::EmptyText => EmptyTextError::new_err(message),
        ErrorKind::TooLarge { .. } => TooLargeError::new_err(message),
        ErrorKind::IdConflict { .. } => IdConflictError::new_err(message),
        ErrorKind::Incompatible { .. } => IncompatibleError::new_err(message),
        ErrorKind::CorruptIndex { .. } | ErrorKind::IndexVersion { .. } => {
            CorruptIndexError::new_err(message)
        }
        ErrorKind::InvalidRecord { .. } | ErrorKind::InvalidInput { .. } => {
            InvalidInputError::new_err(message)
        }
        ErrorKind::Io { .. } => PyOSError::new_err(message),
        _ => CopydeskError::new_err(message),
    }
}
