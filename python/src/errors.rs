//! The crate's errors as Python exceptions, carrying the crate's own message.

use pyo3::PyErr;
use pyo3::exceptions::{PyRuntimeError, PyValueError};

pyo3::create_exception!(
    dotgrad,
    BackendUnavailableError,
    PyRuntimeError,
    "The requested backend cannot run on this CPU (dotgrad never falls back to another one)."
);

/// `dotgrad::Error` as an exception whose text is the error's `Display`:
/// [`BackendUnavailableError`] for a backend this CPU or this build's
/// target lacks, `ValueError`
/// for everything else (shapes, parameters, unknown backend names).
pub(crate) fn crate_error(e: dotgrad::Error) -> PyErr {
    match e {
        dotgrad::Error::IsaUnavailable(_) | dotgrad::Error::TargetLacksIsa(_) => {
            BackendUnavailableError::new_err(e.to_string())
        }
        _ => PyValueError::new_err(e.to_string()),
    }
}
