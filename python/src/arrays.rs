//! Turning Python arguments into the slices and [`Matrix`] views the crate
//! takes: dtype, dimension and layout checks with messages that name the
//! argument, and numpy borrows that refuse aliasing.
//!
//! Nothing here copies: an array that does not have the layout a kernel
//! reads is an error that says how to make one that does.

use std::marker::PhantomData;

use dotgrad::Matrix;
use numpy::npyffi::npy_intp;
use numpy::prelude::*;
use numpy::{
    BorrowError, Ix2, PY_ARRAY_API, PyArray, PyArray1, PyArray2, PyReadonlyArray, PyReadwriteArray,
    PyUntypedArray,
};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

use crate::errors::crate_error;
use crate::float::Float;

/// The element type of a call, fixed by its first array argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dtype {
    F32,
    F64,
}

/// One call of one operation: its name (the prefix of every message, as in
/// the crate's own errors) and the argument whose dtype every other array
/// argument must share.
#[derive(Clone, Copy)]
pub(crate) struct Call<T> {
    pub op: &'static str,
    first: &'static str,
    _t: PhantomData<T>,
}

fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

fn as_ndarray<'a, 'py>(
    op: &str,
    name: &str,
    obj: &'a Bound<'py, PyAny>,
) -> PyResult<&'a Bound<'py, PyUntypedArray>> {
    obj.cast::<PyUntypedArray>().map_err(|_| {
        PyTypeError::new_err(format!(
            "{op}: `{name}` must be a numpy.ndarray of float32 or float64, got {}; \
             convert it with numpy.asarray(..., dtype=numpy.float32) or numpy.float64",
            type_name(obj)
        ))
    })
}

/// numpy's name of the dtype, with its type string where that says more
/// (`int64 ('<i8')`; a byte-swapped `>f4` is just `>f4`).
fn dtype_str(arr: &Bound<'_, PyUntypedArray>) -> String {
    let dt = arr.dtype();
    let name = dt.to_string();
    match dt.getattr("str").and_then(|s| s.extract::<String>()) {
        Ok(code) if code != name => format!("{name} ('{code}')"),
        _ => name,
    }
}

/// The element type of `obj`, which must be an ndarray of native-order
/// float32 or float64 (a `TypeError` otherwise).
pub(crate) fn dtype_of(op: &str, name: &str, obj: &Bound<'_, PyAny>) -> PyResult<Dtype> {
    let arr = as_ndarray(op, name, obj)?;
    let py = obj.py();
    let dt = arr.dtype();
    if dt.is_equiv_to(&numpy::dtype::<f32>(py)) {
        Ok(Dtype::F32)
    } else if dt.is_equiv_to(&numpy::dtype::<f64>(py)) {
        Ok(Dtype::F64)
    } else {
        Err(PyTypeError::new_err(format!(
            "{op}: `{name}` has dtype {}; dotgrad works on float32 and float64 \
             in native byte order; convert it with {name}.astype(numpy.float32) or numpy.float64",
            dtype_str(arr)
        )))
    }
}

fn shape_str(shape: &[usize]) -> String {
    match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A new C-contiguous array of `len` zeros. Unlike `PyArray1::zeros`, a
/// failed allocation is numpy's `MemoryError`, not a panic.
fn zeros<T: Float>(py: Python<'_>, len: usize) -> PyResult<Bound<'_, PyArray1<T>>> {
    let mut dims = [npy_intp::try_from(len)
        .map_err(|_| PyValueError::new_err(format!("{len} elements do not fit in an array")))?];
    // SAFETY: one dimension, `dims` is live for the call; `PyArray_Zeros`
    // steals the dtype reference that `into_dtype_ptr` gives away, and
    // returns a new reference to an array of dtype `T` (or NULL with an
    // exception set, which becomes the error).
    unsafe {
        let ptr = PY_ARRAY_API.PyArray_Zeros(
            py,
            1,
            dims.as_mut_ptr(),
            numpy::dtype::<T>(py).into_dtype_ptr(),
            0,
        );
        Ok(Bound::from_owned_ptr_or_err(py, ptr)?.cast_into_unchecked())
    }
}

/// A checked 2-D argument: rows are contiguous, `stride` elements apart.
pub(crate) struct MatrixArg<'py, T: Float> {
    arr: Bound<'py, PyArray2<T>>,
    rows: usize,
    cols: usize,
    stride: usize,
}

/// A read borrow of a matrix argument; [`ReadMatrix::view`] is the crate's view.
pub(crate) struct ReadMatrix<'py, T: Float> {
    ro: PyReadonlyArray<'py, T, Ix2>,
    rows: usize,
    cols: usize,
    stride: usize,
}

impl<T: Float> Call<T> {
    pub(crate) fn new(op: &'static str, first: &'static str) -> Self {
        Call {
            op,
            first,
            _t: PhantomData,
        }
    }

    /// `obj` as an ndarray of dtype `T` with `ndim` dimensions, aligned.
    fn typed<'a, 'py>(
        &self,
        name: &str,
        obj: &'a Bound<'py, PyAny>,
        ndim: usize,
    ) -> PyResult<&'a Bound<'py, PyUntypedArray>> {
        let op = self.op;
        let arr = as_ndarray(op, name, obj)?;
        if !arr.dtype().is_equiv_to(&numpy::dtype::<T>(obj.py())) {
            // Name the dtype problem precisely: another float dtype is a
            // mix, anything else is not a dtype dotgrad takes.
            dtype_of(op, name, obj)?;
            return Err(PyTypeError::new_err(format!(
                "{op}: mixed dtypes: `{}` is {} but `{name}` is {}; \
                 every array of a call must have the same dtype",
                self.first,
                T::DTYPE,
                dtype_str(arr)
            )));
        }
        if arr.ndim() != ndim {
            return Err(PyValueError::new_err(format!(
                "{op}: `{name}` must be a {ndim}-D array, got {}-D with shape {}",
                arr.ndim(),
                shape_str(arr.shape())
            )));
        }
        if !arr.is_aligned() {
            return Err(PyValueError::new_err(format!(
                "{op}: `{name}` is not aligned to its {}-byte elements (a view at an odd \
                 byte offset); pass a copy, e.g. numpy.ascontiguousarray({name})",
                size_of::<T>()
            )));
        }
        Ok(arr)
    }

    /// A 1-D, C-contiguous, aligned array of dtype `T`.
    pub(crate) fn vector<'py>(
        &self,
        name: &str,
        obj: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray1<T>>> {
        let arr = self.typed(name, obj, 1)?;
        if !arr.is_c_contiguous() {
            return Err(PyValueError::new_err(format!(
                "{}: `{name}` must be contiguous, but its stride is {} bytes, not {} \
                 (a strided view such as x[::2]); pass numpy.ascontiguousarray({name})",
                self.op,
                arr.strides()[0],
                size_of::<T>()
            )));
        }
        // SAFETY: `typed` checked that it is an ndarray of dtype `T` with one dimension.
        Ok(unsafe { arr.cast_unchecked::<PyArray1<T>>() }.clone())
    }

    /// A 2-D array of dtype `T` whose rows are contiguous and lie at a
    /// non-negative row stride that is a whole number of elements, at least
    /// a row long: a C-contiguous matrix, or a view of its leading columns
    /// (`big[:, :k]`) or of every other row (`big[::2]`).
    pub(crate) fn matrix<'py>(
        &self,
        name: &str,
        obj: &Bound<'py, PyAny>,
    ) -> PyResult<MatrixArg<'py, T>> {
        let op = self.op;
        let arr = self.typed(name, obj, 2)?;
        let (rows, cols) = (arr.shape()[0], arr.shape()[1]);
        let (s0, s1) = (arr.strides()[0], arr.strides()[1]);
        let item = size_of::<T>() as isize;
        let strides = format!("({s0}, {s1}) bytes");
        if rows == 0 || cols == 0 {
            // No element, so no layout: numpy may give such arrays any strides.
            return Ok(MatrixArg {
                // SAFETY: `typed` checked that it is an ndarray of dtype `T` with two dimensions.
                arr: unsafe { arr.cast_unchecked::<PyArray2<T>>() }.clone(),
                rows,
                cols,
                stride: cols,
            });
        }
        if cols > 1 && s1 != item {
            return Err(PyValueError::new_err(format!(
                "{op}: the rows of `{name}` must be contiguous (column stride {item} bytes), \
                 but its strides are {strides} (a transposed or column-strided view); \
                 pass numpy.ascontiguousarray({name})"
            )));
        }
        // numpy leaves the stride of a length-1 axis arbitrary: with one row
        // there is no second row to place.
        let stride = if rows == 1 {
            cols
        } else if s0 < 0 {
            return Err(PyValueError::new_err(format!(
                "{op}: `{name}` has a negative row stride, strides {strides} (a reversed \
                 view such as x[::-1]); pass numpy.ascontiguousarray({name})"
            )));
        } else if s0 % item != 0 {
            return Err(PyValueError::new_err(format!(
                "{op}: the row stride of `{name}` is not a whole number of elements, \
                 strides {strides}; pass numpy.ascontiguousarray({name})"
            )));
        } else {
            (s0 / item) as usize
        };
        if rows > 1 && stride < cols {
            // Rows that overlap (as_strided, broadcast_to): the crate's own check.
            let err = Matrix::<T>::new(&[], rows, cols, stride).err();
            return Err(err.map(crate_error).unwrap_or_else(|| {
                PyValueError::new_err(format!("{op}: the rows of `{name}` overlap"))
            }));
        }
        Ok(MatrixArg {
            // SAFETY: `typed` checked that it is an ndarray of dtype `T` with two dimensions.
            arr: unsafe { arr.cast_unchecked::<PyArray2<T>>() }.clone(),
            rows,
            cols,
            stride,
        })
    }

    fn borrow_error(&self, name: &str, e: BorrowError) -> PyErr {
        match e {
            BorrowError::NotWriteable => PyValueError::new_err(format!(
                "{}: `{name}` is read-only (its WRITEABLE flag is off), and this call \
                 writes into it",
                self.op
            )),
            BorrowError::AlreadyBorrowed => PyValueError::new_err(format!(
                "{}: `{name}` shares memory with an argument of this call that is written \
                 (or with an array that a dotgrad call in another thread is writing); \
                 pass a copy, e.g. {name}.copy()",
                self.op
            )),
            other => PyValueError::new_err(format!("{}: `{name}`: {other}", self.op)),
        }
    }

    /// A shared borrow: fails while another argument (or another thread's
    /// dotgrad call) holds an overlapping array for writing.
    pub(crate) fn read<'py, D: numpy::ndarray::Dimension>(
        &self,
        name: &str,
        arr: &Bound<'py, PyArray<T, D>>,
    ) -> PyResult<PyReadonlyArray<'py, T, D>> {
        arr.try_readonly().map_err(|e| self.borrow_error(name, e))
    }

    /// An exclusive borrow: fails for a read-only array and while any
    /// overlapping array is borrowed.
    pub(crate) fn write<'py, D: numpy::ndarray::Dimension>(
        &self,
        name: &str,
        arr: &Bound<'py, PyArray<T, D>>,
    ) -> PyResult<PyReadwriteArray<'py, T, D>> {
        arr.try_readwrite().map_err(|e| self.borrow_error(name, e))
    }

    /// `out` given as a keyword: a writeable 1-D array of dtype `T`; a new
    /// zeroed array of `len` elements when it is `None`.
    pub(crate) fn out_vector<'py>(
        &self,
        py: Python<'py>,
        out: Option<&Bound<'py, PyAny>>,
        len: usize,
    ) -> PyResult<Bound<'py, PyArray1<T>>> {
        match out {
            Some(obj) => self.vector("out", obj),
            None => zeros(py, len),
        }
    }

    pub(crate) fn read_matrix<'py>(
        &self,
        name: &str,
        m: &MatrixArg<'py, T>,
    ) -> PyResult<ReadMatrix<'py, T>> {
        Ok(ReadMatrix {
            ro: self.read(name, &m.arr)?,
            rows: m.rows,
            cols: m.cols,
            stride: m.stride,
        })
    }
}

impl<T: Float> MatrixArg<'_, T> {
    pub(crate) fn rows(&self) -> usize {
        self.rows
    }
    pub(crate) fn cols(&self) -> usize {
        self.cols
    }
}

impl<T: Float> ReadMatrix<'_, T> {
    /// The crate's view of the borrowed matrix.
    pub(crate) fn view(&self) -> PyResult<Matrix<'_, T>> {
        let (rows, cols, stride) = (self.rows, self.cols, self.stride);
        let len = if rows == 0 || cols == 0 {
            0
        } else {
            // The array's own extent, so it fits in memory; checked anyway.
            (rows - 1)
                .checked_mul(stride)
                .and_then(|x| x.checked_add(cols))
                .ok_or_else(|| PyValueError::new_err("matrix extent overflows"))?
        };
        let data: &[T] = if len == 0 {
            &[]
        } else {
            // SAFETY: `matrix` checked that the array is aligned, that its
            // rows are contiguous and `stride` elements apart (stride >= cols,
            // non-negative), so its elements lie in `ptr .. ptr + len`, the
            // span numpy's borrow in `ro` covers: no writer of any
            // overlapping array exists while `ro` lives. The elements between
            // one row's end and the next row's start belong to the same
            // buffer (the array is a view into it); the crate never reads
            // them (`Matrix` docs).
            unsafe { std::slice::from_raw_parts(self.ro.data(), len) }
        };
        Matrix::new(data, rows, cols, stride).map_err(crate_error)
    }
}
