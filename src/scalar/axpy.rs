//! `axpy` and `scale`, literally.

use crate::element::Float;

/// `y[j] = fma(alpha, x[j], y[j])`.
pub(crate) fn axpy<T: Float>(alpha: T, x: &[T], y: &mut [T]) {
    for (yj, &xj) in y.iter_mut().zip(x) {
        *yj = T::fma(alpha, xj, *yj);
    }
}

/// `x[j] = alpha * x[j]`.
pub(crate) fn scale<T: Float>(alpha: T, x: &mut [T]) {
    for xj in x.iter_mut() {
        *xj = alpha * *xj;
    }
}
