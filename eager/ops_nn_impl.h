// Helpers shared by the nn and loss op files: optional tensor arguments in an OpCall and kernel-ready buffers.
#pragma once

#include <initializer_list>
#include <optional>
#include <vector>

#include "eager/meta.h"
#include "eager/op_registry.h"
#include "kernels/cpu/pointwise.h"

namespace ember::detail {

// Optional tensor arguments travel as inputs only when defined (dispatch requires defined inputs),
// and an int attribute records which were given: bit i set means optional argument i is present.
inline bool given(const std::optional<Tensor>& t) { return t.has_value() && t->defined(); }

// Appends the given tensors after the required inputs and returns the presence mask.
inline int64_t push_optional(OpCall& call, std::initializer_list<const std::optional<Tensor>*> optionals) {
  int64_t mask = 0, bit = 0;
  for (const auto* t : optionals) {
    if (given(*t)) {
      call.inputs.push_back(**t);
      mask |= int64_t(1) << bit;
    }
    ++bit;
  }
  return mask;
}

// Optional argument `bit` (counting from 0) of a call whose optionals start at input `first`;
// an undefined tensor when it was not given.
inline Tensor optional_input(const OpCall& call, size_t first, int64_t mask, int bit) {
  if (!(mask & (int64_t(1) << bit))) return Tensor();
  const int64_t before = __builtin_popcountll(uint64_t(mask) & ((uint64_t(1) << bit) - 1));
  return call.input(first + size_t(before));
}

// `t` as a contiguous tensor of `dtype`: itself when it already is one, else a copy made by the copy
// kernel directly, so that a kernel dispatches no nested ops (nothing is traced or recorded twice).
inline Tensor dense(const Tensor& t, ScalarType dtype) {
  if (t.dtype() == dtype && t.is_contiguous()) return t;
  Tensor out = make_tensor(t.sizes(), dtype, t.device());
  kernels::cpu::copy(strided_view(out), strided_view(t));
  return out;
}

// The elements of `t` (any layout and dtype) in row-major order as doubles; empty for an undefined t.
inline std::vector<double> to_doubles(const Tensor& t) {
  if (!t.defined()) return {};
  std::vector<double> v(size_t(t.numel()));
  const kernels::StridedView dst{v.data(), ScalarType::Double, DimVector(t.sizes()), contiguous_strides(t.sizes())};
  kernels::cpu::copy(dst, strided_view(t));
  return v;
}

// Writes row-major doubles back into `t` (any layout) and bumps its version, as an in-place op does.
inline void write_doubles(const Tensor& t, const std::vector<double>& v) {
  const kernels::StridedView src{const_cast<double*>(v.data()), ScalarType::Double, DimVector(t.sizes()),
                                 contiguous_strides(t.sizes())};
  kernels::cpu::copy(strided_view(t), src);
  t.storage()->bump_version();
}

inline const double* data_or_null(const std::vector<double>& v, const Tensor& t) {
  return t.defined() ? v.data() : nullptr;
}

}  // namespace ember::detail
