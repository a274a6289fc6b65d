//! `dotgrad::interop`: ndarray, faer and nalgebra views into `Matrix`,
//! `Oriented` and slices. Each accepted layout is checked to borrow (not
//! copy) the caller's memory and to give, on every backend, the bits the
//! same kernel gives on a plain `Matrix` of the same values; each refused
//! layout to return `Error::Layout` with its shape and strides.

mod common;

use common::{backends, same_all};
use dotgrad::interop::{Oriented, columns, slice};
use dotgrad::{Error, Kernels, Matrix};

/// Enough rows for two `gemv_t` row blocks (256 rows each), an odd column
/// count (no backend's lane count divides it).
const M: usize = 300;
const N: usize = 37;

/// A deterministic value for element (i, j): mixed signs and magnitudes.
fn value(i: usize, j: usize) -> f64 {
    let k = (i * 131 + j * 71 + 7) % 1009;
    (k as f64 - 504.0) / 97.0 + 1.0 / (1.0 + (i + 3 * j) as f64)
}

/// The `M x N` values row by row.
fn row_major(m: usize, n: usize) -> Vec<f64> {
    (0..m * n).map(|k| value(k / n, k % n)).collect()
}

fn w_of(n: usize) -> Vec<f64> {
    (0..n).map(|j| value(j + 1000, 5) / 10.0).collect()
}

fn v_of(m: usize) -> Vec<f64> {
    (0..m).map(|i| value(7, i + 2000)).collect()
}

/// `gemv`, `gemv_t` and `linear_gradient` of `x` on `k`.
fn products(k: Kernels, x: Matrix<'_, f64>) -> (Vec<f64>, Vec<f64>, Vec<f64>, [f64; 2]) {
    let (m, n) = (x.rows(), x.cols());
    let mut g = vec![0.0; m];
    k.gemv(x, &w_of(n), 0.25, &mut g).unwrap();
    let mut gt = vec![0.0; n];
    k.gemv_t(x, &v_of(m), &mut gt).unwrap();
    let mut grad = vec![0.0; n];
    let r = k
        .linear_gradient(x, &v_of(m), &w_of(n), 0.25, &mut grad)
        .unwrap();
    (g, gt, grad, [r.grad_b, r.loss])
}

/// `x` (a view converted from another crate) gives on every backend the
/// bits that a `Matrix` over a fresh contiguous copy of `want` gives.
fn same_as_plain(x: Matrix<'_, f64>, want: &[f64], m: usize, n: usize) {
    assert_eq!((x.rows(), x.cols()), (m, n));
    let copy = want.to_vec();
    let plain = Matrix::from_rows(&copy, m, n).unwrap();
    assert_eq!(x, plain, "the converted view has other values");
    for k in backends() {
        let (a, b) = (products(k, x), products(k, plain));
        assert!(same_all(&a.0, &b.0), "gemv on {}", k.isa());
        assert!(same_all(&a.1, &b.1), "gemv_t on {}", k.isa());
        assert!(same_all(&a.2, &b.2), "linear_gradient on {}", k.isa());
        assert!(same_all(&a.3, &b.3), "grad_b, loss on {}", k.isa());
    }
}

/// The logical matrix `want` (`m x n`, row-major values) seen through
/// `ColMajor(storage)`: its `gemv` is `gemv_t` of the storage plus `b`, its
/// `gemv_t` is `gemv` of the storage, bit for bit on every backend, and
/// both are the products of `want` (against an f64 reference, loosely).
fn col_major_products(o: Oriented<'_, f64>, want: &[f64], m: usize, n: usize) {
    let Oriented::ColMajor(s) = o else {
        panic!("expected ColMajor, got {o:?}")
    };
    assert_eq!((o.rows(), o.cols()), (m, n));
    assert_eq!((s.rows(), s.cols()), (n, m));
    for i in 0..m {
        for j in 0..n {
            assert_eq!(s.row(j)[i].to_bits(), want[i * n + j].to_bits());
        }
    }
    let (w, v, b) = (w_of(n), v_of(m), 0.25);
    for k in backends() {
        let mut got = vec![0.0; m];
        o.gemv_with(k, &w, b, &mut got).unwrap();
        let mut via = vec![0.0; m];
        k.gemv_t(s, &w, &mut via).unwrap();
        let via: Vec<f64> = via.iter().map(|&p| p + b).collect();
        assert!(same_all(&got, &via), "Oriented::gemv on {}", k.isa());

        let mut got_t = vec![0.0; n];
        o.gemv_t_with(k, &v, &mut got_t).unwrap();
        let mut via_t = vec![0.0; n];
        k.gemv(s, &v, -0.0, &mut via_t).unwrap();
        assert!(same_all(&got_t, &via_t), "Oriented::gemv_t on {}", k.isa());

        for (i, &g) in got.iter().enumerate() {
            let exact: f64 = (0..n).map(|j| want[i * n + j] * w[j]).sum::<f64>() + b;
            assert!((g - exact).abs() <= 1e-9 * (1.0 + exact.abs()), "gemv[{i}]");
        }
        for (j, &g) in got_t.iter().enumerate() {
            let exact: f64 = (0..m).map(|i| want[i * n + j] * v[i]).sum();
            assert!(
                (g - exact).abs() <= 1e-9 * (1.0 + exact.abs()),
                "gemv_t[{j}]"
            );
        }
    }
    // Shapes are checked in the logical orientation.
    let mut out = vec![0.0; m];
    let err = o.gemv(&w[..n - 1], 0.0, &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Shape {
                op: "Oriented::gemv",
                ..
            }
        ),
        "{err}"
    );
    let mut out = vec![0.0; n + 1];
    let err = o.gemv_t(&v, &mut out).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Shape {
                op: "Oriented::gemv_t",
                ..
            }
        ),
        "{err}"
    );
}

/// `err` is a `Layout` error naming this shape and these strides.
fn refused(err: Error, shape: (usize, usize), strides: (isize, isize)) {
    match err {
        Error::Layout {
            shape: s,
            strides: t,
            ..
        } => {
            assert_eq!((s, t), (shape, strides), "{err}");
            let text = err.to_string();
            let said = format!("row stride {} and column stride {}", strides.0, strides.1);
            assert!(text.contains(&said), "{text}");
        }
        other => panic!("expected Error::Layout, got {other:?}"),
    }
}

/// The slice borrows the vector's own memory.
fn borrows<T>(s: &[T], first: &T) {
    assert!(core::ptr::eq(&s[0], first), "the slice is a copy");
}

#[test]
fn oriented_shape_checks_and_row_major_arm() {
    let data = row_major(M, N);
    let x = Matrix::from_rows(&data, M, N).unwrap();
    let o = Oriented::RowMajor(x);
    assert_eq!(o.row_major(), Some(x));
    for k in backends() {
        let (w, v) = (w_of(N), v_of(M));
        let (mut a, mut b) = (vec![0.0; M], vec![0.0; M]);
        o.gemv_with(k, &w, 0.25, &mut a).unwrap();
        k.gemv(x, &w, 0.25, &mut b).unwrap();
        assert!(same_all(&a, &b));
        let (mut a, mut b) = (vec![0.0; N], vec![0.0; N]);
        o.gemv_t_with(k, &v, &mut a).unwrap();
        k.gemv_t(x, &v, &mut b).unwrap();
        assert!(same_all(&a, &b));
    }
    let bad = Oriented::col_major(&data, M, N, M - 1).unwrap_err();
    assert!(matches!(bad, Error::Shape { .. }), "{bad}");
}

#[test]
fn columns_of_a_wider_matrix() {
    let data = row_major(M, N);
    let x = Matrix::from_rows(&data, M, N).unwrap();
    let part = columns(x, 5..29).unwrap();
    assert_eq!(part.stride(), N);
    let want: Vec<f64> = (0..M)
        .flat_map(|i| data[i * N + 5..i * N + 29].to_vec())
        .collect();
    same_as_plain(part, &want, M, 24);
    assert_eq!(columns(x, N..N).unwrap().cols(), 0);
    assert!(matches!(columns(x, 3..N + 1), Err(Error::Shape { found, .. }) if found == N + 1));
    #[allow(clippy::reversed_empty_ranges)]
    let backwards = columns(x, 4..3);
    assert!(matches!(backwards, Err(Error::Shape { found: 4, .. })));
    let empty = Matrix::<f64>::from_rows(&[], 0, 5).unwrap();
    assert_eq!(columns(empty, 2..4).unwrap().cols(), 2);
}

mod with_ndarray {
    use super::*;
    use ndarray::{Array1, Array2, ArrayView2, ShapeBuilder, s};

    fn array() -> Array2<f64> {
        Array2::from_shape_vec((M, N), row_major(M, N)).unwrap()
    }

    #[test]
    fn contiguous_borrows_and_matches() {
        let a = array();
        let x = Matrix::try_from(&a).unwrap();
        assert!(core::ptr::eq(&x.row(0)[0], &a[[0, 0]]), "a copy");
        assert_eq!(x.stride(), N);
        same_as_plain(x, a.as_slice().unwrap(), M, N);
        let o = Oriented::try_from(a.view()).unwrap();
        assert_eq!(o, Oriented::RowMajor(x));
    }

    #[test]
    fn sliced_rows_are_contiguous_sliced_columns_are_refused() {
        let a = array();
        // Rows 10..50: still one block.
        let rows = Matrix::try_from(a.slice(s![10..50, ..])).unwrap();
        same_as_plain(rows, &a.as_slice().unwrap()[10 * N..50 * N], 40, N);
        // Columns 3..20: gaps between the rows.
        let err = Matrix::try_from(a.slice(s![.., 3..20])).unwrap_err();
        refused(err, (M, 17), (N as isize, 1));
        let err = Oriented::try_from(a.slice(s![.., 3..20])).unwrap_err();
        refused(err, (M, 17), (N as isize, 1));
        // The same columns through `interop::columns` of the whole array.
        let part = columns(Matrix::try_from(&a).unwrap(), 3..20).unwrap();
        same_as_plain(
            part,
            a.slice(s![.., 3..20]).to_owned().as_slice().unwrap(),
            M,
            17,
        );
    }

    #[test]
    fn transposed_and_fortran_order_are_col_major() {
        let a = array();
        let err = Matrix::try_from(a.t()).unwrap_err();
        refused(err, (N, M), (1, N as isize));
        let t = a.t().to_owned();
        col_major_products(
            Oriented::try_from(a.t()).unwrap(),
            t.as_standard_layout().as_slice().unwrap(),
            N,
            M,
        );

        let f = Array2::from_shape_vec((M, N).f(), row_major(N, M)).unwrap();
        let rows = f.as_standard_layout().to_owned();
        col_major_products(
            Oriented::try_from(&f).unwrap(),
            rows.as_slice().unwrap(),
            M,
            N,
        );
    }

    /// A view, its shape and its strides.
    type Case<'a> = (ArrayView2<'a, f64>, (usize, usize), (isize, isize));

    #[test]
    fn gaps_and_negative_strides_are_refused() {
        let a = array();
        let n = N as isize;
        let cases: [Case<'_>; 4] = [
            (a.slice(s![.., ..;2]), (M, N.div_ceil(2)), (n, 2)),
            (a.slice(s![..;2, ..]), (M / 2, N), (2 * n, 1)),
            (a.slice(s![..;-1, ..]), (M, N), (-n, 1)),
            (a.slice(s![.., ..;-1]), (M, N), (n, -1)),
        ];
        for (view, shape, strides) in cases {
            refused(Matrix::try_from(view).unwrap_err(), shape, strides);
            refused(Oriented::try_from(view).unwrap_err(), shape, strides);
        }
        // One row or one column: the other stride does not matter.
        let one_row = a.slice(s![3..4, ..]);
        assert_eq!(
            Matrix::try_from(one_row).unwrap().row(0),
            a.row(3).as_slice().unwrap()
        );
        let empty = a.slice(s![..0, ..;-1]);
        assert_eq!(Matrix::try_from(empty).unwrap().rows(), 0);
    }

    #[test]
    fn vectors() {
        let v = Array1::from_vec(w_of(N));
        let s1 = slice(&v).unwrap();
        borrows(s1, &v[0]);
        assert_eq!(slice(v.view()).unwrap(), v.as_slice().unwrap());
        let every_other = v.slice(s![..;2]);
        refused(slice(every_other).unwrap_err(), (N.div_ceil(2), 1), (2, 0));
        refused(slice(v.slice(s![..;-1])).unwrap_err(), (N, 1), (-1, 0));
        // A column of a row-major matrix has the row stride.
        let a = array();
        refused(slice(a.column(2)).unwrap_err(), (M, 1), (N as isize, 0));
        assert_eq!(slice(a.row(2)).unwrap(), &row_major(M, N)[2 * N..3 * N]);
        // Length 1 with another stride is one element.
        assert_eq!(slice(v.slice(s![4..5;3])).unwrap(), &[v[4]]);
    }
}

mod with_faer {
    use super::*;
    use faer::{Col, Mat, MatRef};

    /// The `M x N` values column by column.
    fn col_major_data() -> Vec<f64> {
        (0..M * N).map(|k| value(k % M, k / M)).collect()
    }

    #[test]
    fn column_major_slice_is_col_major() {
        let data = col_major_data();
        let o = Oriented::try_from(MatRef::from_column_major_slice(&data, M, N)).unwrap();
        col_major_products(o, &row_major(M, N), M, N);
        let err = Matrix::try_from(MatRef::from_column_major_slice(&data, M, N)).unwrap_err();
        refused(err, (M, N), (1, M as isize));
    }

    #[test]
    fn row_major_views_borrow_and_match() {
        let data = row_major(M, N);
        let x = Matrix::try_from(MatRef::from_row_major_slice(&data, M, N)).unwrap();
        assert!(core::ptr::eq(&x.row(0)[0], &data[0]), "a copy");
        same_as_plain(x, &data, M, N);
        // The transpose of a column-major view is row-major.
        let cm = col_major_data();
        let t = MatRef::from_column_major_slice(&cm, M, N).transpose();
        let xt = Matrix::try_from(t).unwrap();
        let want_t: Vec<f64> = (0..N * M).map(|k| value(k % M, k / M)).collect();
        same_as_plain(xt, &want_t, N, M);
        // A row-major view with a row stride has gaps.
        let strided = MatRef::from_row_major_slice_with_stride(&data, M, N - 4, N);
        refused(
            Matrix::try_from(strided).unwrap_err(),
            (M, N - 4),
            (N as isize, 1),
        );
    }

    #[test]
    fn mat_padding_and_sub_views() {
        // 300 rows of f64 are padded to 304 per column: gaps.
        let padded = Mat::from_fn(M, N, value);
        let cs = padded.col_stride();
        assert!(cs > M as isize, "faer no longer pads; revisit the docs");
        refused(Oriented::try_from(&padded).unwrap_err(), (M, N), (1, cs));
        refused(Matrix::try_from(&padded).unwrap_err(), (M, N), (1, cs));
        // 304 rows: a multiple of 8 f64, no padding.
        let exact = Mat::from_fn(304, N, value);
        assert_eq!(exact.col_stride(), 304);
        let want: Vec<f64> = (0..304 * N).map(|k| value(k / N, k % N)).collect();
        col_major_products(Oriented::try_from(&exact).unwrap(), &want, 304, N);
        // Some columns of it: one block; some rows: gaps; reversed: refused.
        let cols = exact.as_ref().subcols(3, 10);
        let want_cols: Vec<f64> = (0..304 * 10).map(|k| value(k / 10, k % 10 + 3)).collect();
        col_major_products(Oriented::try_from(cols).unwrap(), &want_cols, 304, 10);
        refused(
            Oriented::try_from(exact.as_ref().subrows(0, 100)).unwrap_err(),
            (100, N),
            (1, 304),
        );
        refused(
            Oriented::try_from(exact.as_ref().reverse_rows()).unwrap_err(),
            (304, N),
            (-1, 304),
        );
    }

    #[test]
    fn vectors() {
        let c = Col::from_fn(N, |j| w_of(N)[j]);
        let s1 = slice(&c).unwrap();
        borrows(s1, &c[0]);
        assert_eq!(s1, &w_of(N)[..]);
        assert_eq!(slice(c.as_ref()).unwrap(), s1);
        refused(
            slice(c.as_ref().reverse_rows()).unwrap_err(),
            (N, 1),
            (-1, 0),
        );
        // A row of a column-major matrix has the column stride.
        let data = col_major_data();
        let x = MatRef::from_column_major_slice(&data, M, N);
        refused(slice(x.row(4)).unwrap_err(), (N, 1), (M as isize, 0));
        assert_eq!(slice(x.col(4)).unwrap(), &data[4 * M..5 * M]);
        assert_eq!(slice(x.transpose().row(4)).unwrap(), &data[4 * M..5 * M]);
        let r = c.as_ref().transpose();
        assert_eq!(slice(r).unwrap(), s1);
        // Length 1 with another stride is one element.
        assert_eq!(slice(x.row(4).subcols(2, 1)).unwrap(), &[data[2 * M + 4]]);
    }
}

mod with_nalgebra {
    use super::*;
    use nalgebra::{DMatrix, DMatrixView, DVector, DVectorView, Dyn};

    #[test]
    fn dmatrix_is_col_major() {
        let x = DMatrix::from_row_slice(M, N, &row_major(M, N));
        col_major_products(Oriented::try_from(&x).unwrap(), &row_major(M, N), M, N);
        refused(Matrix::try_from(&x).unwrap_err(), (M, N), (1, M as isize));
        // Some columns: one block, by reference or as a view by value.
        let want: Vec<f64> = (0..M * 9).map(|k| value(k / 9, k % 9 + 4)).collect();
        col_major_products(Oriented::try_from(x.columns(4, 9)).unwrap(), &want, M, 9);
        col_major_products(Oriented::try_from(&x.columns(4, 9)).unwrap(), &want, M, 9);
        // Some rows: gaps between the columns.
        refused(
            Oriented::try_from(x.rows(10, 20)).unwrap_err(),
            (20, N),
            (1, M as isize),
        );
    }

    #[test]
    fn row_major_views_borrow_and_match() {
        let data = row_major(M, N);
        let v = DMatrixView::from_slice_with_strides(&data, M, N, N, 1);
        let x = Matrix::try_from(v).unwrap();
        assert!(core::ptr::eq(&x.row(0)[0], &data[0]), "a copy");
        same_as_plain(x, &data, M, N);
        assert_eq!(Oriented::try_from(&v).unwrap(), Oriented::RowMajor(x));
        let gapped = DMatrixView::from_slice_with_strides(&data, M, N - 3, N, 1);
        refused(
            Matrix::try_from(gapped).unwrap_err(),
            (M, N - 3),
            (N as isize, 1),
        );
        let spread = DMatrixView::from_slice_with_strides(&data, M / 2, N, 2 * N, 1);
        refused(
            Oriented::try_from(spread).unwrap_err(),
            (M / 2, N),
            (2 * N as isize, 1),
        );
    }

    #[test]
    fn vectors() {
        let w = DVector::from_vec(w_of(N));
        let s1 = slice(&w).unwrap();
        borrows(s1, &w[0]);
        assert_eq!(s1, &w_of(N)[..]);
        let x = DMatrix::from_row_slice(M, N, &row_major(M, N));
        let c = slice(x.column(3)).unwrap();
        borrows(c, &x[(0, 3)]);
        assert_eq!(c.len(), M);
        let data = w_of(N);
        let strided = DVectorView::<f64, Dyn, Dyn>::from_slice_with_strides(&data, N / 2, 2, N);
        refused(slice(strided).unwrap_err(), (N / 2, 1), (2, 0));
        // The impl for a reference to a view, not the one for the view.
        #[allow(clippy::needless_borrows_for_generic_args)]
        let by_ref = slice(&strided);
        refused(by_ref.unwrap_err(), (N / 2, 1), (2, 0));
        let one = DVectorView::<f64, Dyn, Dyn>::from_slice_with_strides(&data[5..], 1, 9, 9);
        assert_eq!(slice(one).unwrap(), &[data[5]]);
    }
}
