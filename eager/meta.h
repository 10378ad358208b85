// Shape, stride and dtype rules shared by every op's meta function (internal to .cpp files).
#pragma once

#include "eager/op_registry.h"
#include "kernels/strided.h"

namespace ember::detail {

inline constexpr int64_t kMaxDims = 64;

// Wraps a possibly negative dim into [0, ndim); 0-d tensors accept -1 and 0.
int64_t wrap_dim(std::string_view op, int64_t dim, int64_t ndim);
// Marks each listed dim once; repeated dims raise.
std::vector<bool> dim_mask(std::string_view op, IntArrayRef dims, int64_t ndim);
DimVector contiguous_strides(IntArrayRef sizes);
bool is_contiguous_geometry(IntArrayRef sizes, IntArrayRef strides);
void check_sizes(std::string_view op, IntArrayRef sizes);
int64_t product(IntArrayRef sizes);

// Broadcast shape of two shapes; names both shapes and the dim on mismatch.
DimVector broadcast_shape(std::string_view op, IntArrayRef a, IntArrayRef b);

// PyTorch's promotion over operands: dimensioned tensors, then 0-d tensors, then
// C++ scalars, each lower group counting only when it is of a higher category.
struct ResultTypeState {
  std::optional<ScalarType> dim, zero_dim, scalar;
  void add(const Tensor& t);
  void add(const Scalar& s);
  ScalarType result() const;
};
ScalarType result_type(ArrayRef<Tensor> tensors, ArrayRef<Scalar> scalars = {});

// Kernel views: as the tensor is, or expanded to `shape` with zero strides.
kernels::StridedView strided_view(const Tensor& t);
kernels::StridedView broadcast_view(const Tensor& t, IntArrayRef shape);

// A fresh contiguous tensor on `device`.
Tensor make_tensor(IntArrayRef sizes, ScalarType dtype, Device device);
// A tensor with `base`'s storage and the given geometry (shares the version counter).
Tensor make_view(const Tensor& base, IntArrayRef sizes, IntArrayRef strides, int64_t storage_offset);
// Checks that every input is on `device`-compatible CPU memory for now.
void check_cpu(std::string_view op, const Tensor& t);

// Applies a factory's options that are not about the data: requires_grad, pinned memory.
Tensor finish_factory(Tensor t, const TensorOptions& options);

// `t` converted to `dtype` (itself when it already has it).
Tensor cast_to(const Tensor& t, ScalarType dtype);

std::string shape_str(IntArrayRef sizes);

}  // namespace ember::detail
