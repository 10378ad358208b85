// GEMM: cblas_sgemm/dgemm on BLAS-compatible layouts (copying only operands that are not), and
// accumulate-in-a-wide-type loops for integer and 16-bit float dtypes.
#include "kernels/cpu/blas.h"

#include <cblas.h>

#include <type_traits>
#include <vector>

#include "kernels/check.h"
#include "kernels/cpu/cast.h"
#include "kernels/cpu/parallel.h"

namespace ember::kernels::cpu {
namespace {

// How BLAS can read a 2-D matrix (rows x cols) with element strides (row_stride, col_stride).
struct BlasLayout {
  bool ok = false;
  bool transposed = false;
  int64_t ld = 1;
};

BlasLayout blas_layout(int64_t rows, int64_t cols, int64_t row_stride, int64_t col_stride) {
  // Size-1 dims may carry any stride; normalise them so such views still qualify.
  if (cols == 1) col_stride = 1;
  if (rows == 1) row_stride = std::max<int64_t>(cols, 1);
  if (col_stride == 1 && row_stride >= std::max<int64_t>(cols, 1)) return {true, false, row_stride};
  if (row_stride == 1 && col_stride >= std::max<int64_t>(rows, 1)) return {true, true, col_stride};
  return {};
}

// A contiguous copy of matrix `batch` of a 3-D view.
template <typename T>
std::vector<T> pack(const StridedView& v, int64_t batch) {
  const int64_t rows = v.sizes[1], cols = v.sizes[2];
  std::vector<T> out(size_t(rows * cols));
  const T* base = static_cast<const T*>(v.data) + batch * v.strides[0];
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; ++j) out[size_t(i * cols + j)] = base[i * v.strides[1] + j * v.strides[2]];
  return out;
}

template <typename T>
void blas_gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
               int64_t ldb, T beta, T* c, int64_t ldc) {
  const auto trans_a = ta ? CblasTrans : CblasNoTrans, trans_b = tb ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>)
    cblas_sgemm(CblasRowMajor, trans_a, trans_b, blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b,
                blasint(ldb), beta, c, blasint(ldc));
  else
    cblas_dgemm(CblasRowMajor, trans_a, trans_b, blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b,
                blasint(ldb), beta, c, blasint(ldc));
}

template <typename T>
void gemm_blas(const StridedView& out, const StridedView& a, const StridedView& w, T alpha, T beta) {
  const int64_t batches = out.sizes[0], m = out.sizes[1], n = out.sizes[2], k = a.sizes[2];
  openblas_set_num_threads(get_num_threads());
  for (int64_t bi = 0; bi < batches; ++bi) {
    BlasLayout la = blas_layout(m, k, a.strides[1], a.strides[2]);
    BlasLayout lw = blas_layout(k, n, w.strides[1], w.strides[2]);
    BlasLayout lo = blas_layout(m, n, out.strides[1], out.strides[2]);
    std::vector<T> a_copy, w_copy, out_copy;
    const T* ap = static_cast<const T*>(a.data) + bi * a.strides[0];
    const T* wp = static_cast<const T*>(w.data) + bi * w.strides[0];
    T* op = static_cast<T*>(out.data) + bi * out.strides[0];
    if (!la.ok) { a_copy = pack<T>(a, bi); ap = a_copy.data(); la = {true, false, std::max<int64_t>(k, 1)}; }
    if (!lw.ok) { w_copy = pack<T>(w, bi); wp = w_copy.data(); lw = {true, false, std::max<int64_t>(n, 1)}; }
    const bool direct = lo.ok && !lo.transposed;
    if (!direct) {
      out_copy = beta == T(0) ? std::vector<T>(size_t(m * n)) : pack<T>(out, bi);
      op = out_copy.data();
      lo = {true, false, std::max<int64_t>(n, 1)};
    }
    if (k == 0) {
      // BLAS may skip the beta scaling when k == 0; do it here.
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) op[i * lo.ld + j] = beta == T(0) ? T(0) : beta * op[i * lo.ld + j];
    } else {
      blas_gemm<T>(la.transposed, lw.transposed, m, n, k, alpha, ap, la.ld, wp, lw.ld, beta, op, lo.ld);
    }
    if (!direct) {
      T* dst = static_cast<T*>(out.data) + bi * out.strides[0];
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) dst[i * out.strides[1] + j * out.strides[2]] = op[i * n + j];
    }
  }
}

// Integers wrap (computed in uint64); 16-bit floats accumulate in double.
template <typename T>
void gemm_loops(const StridedView& out, const StridedView& a, const StridedView& w, ScalarArg alpha_arg,
                ScalarArg beta_arg) {
  using Acc = std::conditional_t<is_float_like<T>, double, uint64_t>;
  using Wide = std::conditional_t<is_float_like<T>, double, int64_t>;  // exact read of one element
  const int64_t batches = out.sizes[0], m = out.sizes[1], n = out.sizes[2], k = a.sizes[2];
  const Acc alpha = is_float_like<T> ? Acc(alpha_arg.f) : Acc(uint64_t(alpha_arg.i));
  const Acc beta = is_float_like<T> ? Acc(beta_arg.f) : Acc(uint64_t(beta_arg.i));
  parallel_for(batches * m, std::max<int64_t>(1, 4096 / std::max<int64_t>(n * k, 1)), [&](int64_t begin, int64_t end) {
    std::vector<Acc> row(static_cast<size_t>(n));
    for (int64_t r = begin; r < end; ++r) {
      const int64_t bi = r / m, i = r % m;
      std::fill(row.begin(), row.end(), Acc(0));
      const T* arow = static_cast<const T*>(a.data) + bi * a.strides[0] + i * a.strides[1];
      const T* wb = static_cast<const T*>(w.data) + bi * w.strides[0];
      for (int64_t p = 0; p < k; ++p) {
        const Acc av = Acc(cast_to<Wide>(arow[p * a.strides[2]]));
        const T* wrow = wb + p * w.strides[1];
        for (int64_t j = 0; j < n; ++j)
          row[size_t(j)] += av * Acc(cast_to<Wide>(wrow[j * w.strides[2]]));
      }
      T* orow = static_cast<T*>(out.data) + bi * out.strides[0] + i * out.strides[1];
      for (int64_t j = 0; j < n; ++j) {
        Acc v = alpha * row[size_t(j)];
        if (beta != Acc(0)) {
          v += beta * Acc(cast_to<Wide>(orow[j * out.strides[2]]));
        }
        if constexpr (is_float_like<T>) orow[j * out.strides[2]] = cast_to<T>(v);
        else orow[j * out.strides[2]] = cast_to<T>(int64_t(v));
      }
    }
  });
}

}  // namespace

void gemm(const StridedView& out, const StridedView& a, const StridedView& w, ScalarArg alpha, ScalarArg beta) {
  EMBER_CHECK(out.ndim() == 3 && a.ndim() == 3 && w.ndim() == 3, "[gemm] expects 3-D views");
  if (out.sizes[0] == 0 || out.sizes[1] == 0 || out.sizes[2] == 0) return;
  visit_dtype(out.dtype, [&]<typename T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
      gemm_blas<T>(out, a, w, T(alpha.f), T(beta.f));
    } else if constexpr (std::is_same_v<T, bool>) {
      EMBER_FAIL("[gemm] matrix products are not implemented for Bool");
    } else {
      gemm_loops<T>(out, a, w, alpha, beta);
    }
  });
}

const char* blas_core_name() { return openblas_get_corename(); }

}  // namespace ember::kernels::cpu
