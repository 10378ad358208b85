// Shared shape, stride and promotion rules (see meta.h).
#include "eager/meta.h"

#include <sstream>

#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember::detail {

int64_t wrap_dim(std::string_view op, int64_t dim, int64_t ndim) {
  const int64_t n = ndim == 0 ? 1 : ndim;
  EMBER_CHECK(dim >= -n && dim < n,
              "[{}] Dimension out of range (expected to be in range of [{}, {}], but got {})", op, -n, n - 1, dim);
  return dim < 0 ? dim + n : dim;
}

std::vector<bool> dim_mask(std::string_view op, IntArrayRef dims, int64_t ndim) {
  std::vector<bool> mask(size_t(std::max<int64_t>(ndim, 1)), false);
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(op, d, ndim);
    EMBER_CHECK(!mask[size_t(w)], "[{}] dim {} appears multiple times in the list of dims", op, w);
    mask[size_t(w)] = true;
  }
  return mask;
}

DimVector contiguous_strides(IntArrayRef sizes) {
  DimVector strides(sizes.size(), 1);
  int64_t acc = 1;
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    strides[size_t(d)] = acc;
    acc *= std::max<int64_t>(sizes[size_t(d)], 1);
  }
  return strides;
}

bool is_contiguous_geometry(IntArrayRef sizes, IntArrayRef strides) {
  int64_t expected = 1;
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    const int64_t s = sizes[size_t(d)];
    if (s == 0) return true;
    if (s == 1) continue;
    if (strides[size_t(d)] != expected) return false;
    expected *= s;
  }
  return true;
}

void check_sizes(std::string_view op, IntArrayRef sizes) {
  EMBER_CHECK(int64_t(sizes.size()) <= kMaxDims, "[{}] tensors may have at most {} dims, got {}", op, kMaxDims,
              sizes.size());
  int64_t bytes = 8;  // the widest element
  for (size_t d = 0; d < sizes.size(); ++d) {
    EMBER_CHECK(sizes[d] >= 0, "[{}] Trying to create tensor with negative dimension {}: {}", op, sizes[d],
                shape_str(sizes));
    EMBER_CHECK(!__builtin_mul_overflow(bytes, sizes[d], &bytes),
                "[{}] a tensor of shape {} has more bytes than a 64-bit size can count; use smaller sizes.", op,
                shape_str(sizes));
  }
}

int64_t product(IntArrayRef sizes) {
  int64_t n = 1;
  for (int64_t s : sizes) n *= s;
  return n;
}

std::string shape_str(IntArrayRef sizes) {
  std::string s = "[";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(sizes[i]);
  }
  return s + "]";
}

DimVector broadcast_shape(std::string_view op, IntArrayRef a, IntArrayRef b) {
  const size_t n = std::max(a.size(), b.size());
  DimVector out(n, 1);
  // From the last dim, as PyTorch reports the innermost mismatch.
  for (size_t i = n; i-- > 0;) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    EMBER_CHECK(da == db || da == 1 || db == 1,
                "[{}] The size of tensor a ({}) must match the size of tensor b ({}) at non-singleton dimension {}; "
                "shapes {} and {} cannot be broadcast together. Make the sizes equal or 1 in that dimension.",
                op, da, db, i, shape_str(a), shape_str(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// ---- type promotion ----

namespace {
std::optional<ScalarType> promote_opt(std::optional<ScalarType> a, ScalarType b) {
  return a ? promote_types(*a, b) : b;
}
// PyTorch's combine_categories: a lower-priority group only matters when it
// brings a higher category (bool < integer < floating).
std::optional<ScalarType> combine(std::optional<ScalarType> higher, std::optional<ScalarType> lower) {
  if (!higher) return lower;
  if (!lower) return higher;
  if (is_floating_point(*higher)) return higher;
  if (*higher == kBool || is_floating_point(*lower)) return promote_types(*higher, *lower);
  return higher;
}
}  // namespace

void ResultTypeState::add(const Tensor& t) {
  if (t.dim() == 0) zero_dim = promote_opt(zero_dim, t.dtype());
  else dim = promote_opt(dim, t.dtype());
}

void ResultTypeState::add(const Scalar& s) {
  // A floating scalar counts as the default dtype, an integer one as int64.
  ScalarType t = s.isFloatingPoint() ? get_default_dtype() : s.type();
  scalar = promote_opt(scalar, t);
}

ScalarType ResultTypeState::result() const {
  auto r = combine(dim, combine(zero_dim, scalar));
  return r ? *r : get_default_dtype();
}

ScalarType result_type(ArrayRef<Tensor> tensors, ArrayRef<Scalar> scalars) {
  ResultTypeState state;
  for (const auto& t : tensors) state.add(t);
  for (const auto& s : scalars) state.add(s);
  return state.result();
}

// ---- tensors and kernel views ----

kernels::StridedView strided_view(const Tensor& t) {
  return kernels::StridedView{t.data_ptr(), t.dtype(), DimVector(t.sizes()), DimVector(t.strides())};
}

kernels::StridedView broadcast_view(const Tensor& t, IntArrayRef shape) {
  kernels::StridedView v{t.data_ptr(), t.dtype(), DimVector(shape), DimVector(shape.size(), 0)};
  const size_t offset = shape.size() - size_t(t.dim());
  for (size_t d = 0; d < size_t(t.dim()); ++d)
    v.strides[offset + d] = t.sizes()[d] == 1 ? 0 : t.strides()[d];
  return v;
}

Tensor make_tensor(IntArrayRef sizes, ScalarType dtype, Device device) {
  int64_t nbytes = element_size(dtype);
  for (int64_t s : sizes)
    EMBER_CHECK(!__builtin_mul_overflow(nbytes, s, &nbytes),
                "[allocate] a tensor of shape {} has more bytes than a 64-bit size can count; use smaller sizes.",
                shape_str(sizes));
  auto storage = std::make_shared<StorageImpl>(size_t(nbytes), device);
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), dtype, DimVector(sizes), contiguous_strides(sizes), 0));
}

Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset) {
  auto impl =
      std::make_shared<TensorImpl>(base.storage(), base.dtype(), DimVector(sizes), DimVector(strides), storage_offset);
  impl->set_inference(base.is_inference());  // a view of a normal tensor stays normal, even in InferenceMode
  return Tensor(std::move(impl));
}

void check_cpu(std::string_view op, const Tensor& t) {
  EMBER_CHECK(t.defined(), "[{}] Expected a defined tensor but got an undefined one (default-constructed Tensor).", op);
  EMBER_CHECK(t.is_cpu(), "[{}] Expected a CPU tensor but got one on {}; this build has no CUDA kernels.", op,
              t.device().str());
}

Tensor finish_factory(Tensor t, const TensorOptions& options) {
  EMBER_CHECK(!options.pinned_memory(),
              "[pinned_memory] pinned host memory needs a CUDA device, and this build has none (or no device is "
              "available). Drop pinned_memory(true).");
  if (options.requires_grad()) t.requires_grad_(true);
  return t;
}

Tensor cast_to(const Tensor& t, ScalarType dtype) {
  if (t.dtype() == dtype) return t;
  return t.to(dtype);
}

}  // namespace ember::detail
