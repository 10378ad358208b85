// View ops through the registry: each meta fn computes the sizes, strides and storage offset of outputs
// that share input 0's storage; composite views (reshape, narrow, flatten, chunk, ...) are built on them.
#include <algorithm>

#include "eager/autograd/functions.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"

namespace ember {
namespace {

using detail::shape_str;
using detail::wrap_dim;

// Products of sizes and strides of an existing geometry cannot exceed its storage except on zero-size
// tensors, whose sizes and strides are unchecked; wrapping keeps those cases free of undefined behaviour.
int64_t wrapping_mul(int64_t a, int64_t b) { return int64_t(uint64_t(a) * uint64_t(b)); }

// Views with user-given sizes (expand, as_strided) may name more elements than an int64 counts.
void check_numel(std::string_view op, IntArrayRef sizes) {
  int64_t numel = 1;
  bool overflow = false;
  for (int64_t s : sizes) overflow = overflow || __builtin_mul_overflow(numel, s, &numel);
  EMBER_CHECK(!overflow || std::find(sizes.begin(), sizes.end(), 0) != sizes.end(),
              "[{}] a tensor of sizes {} would have more than 2^63 elements. Use smaller sizes.", op, shape_str(sizes));
}

void push_view(const Tensor& base, MetaOutputs& out, DimVector sizes, DimVector strides, int64_t storage_offset) {
  out.push_back({std::move(sizes), std::move(strides), storage_offset, base.dtype(), base.device()});
}

// `shape` with its one -1 (if any) replaced so that it holds exactly `numel` elements.
DimVector infer_size(std::string_view op, IntArrayRef shape, int64_t numel) {
  DimVector sizes(shape);
  std::optional<size_t> inferred;
  int64_t known = 1;
  bool overflow = false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      EMBER_CHECK(!inferred, "[{}] only one dimension can be inferred, but shape {} has -1 at positions {} and {}.", op,
                  shape_str(shape), *inferred, i);
      inferred = i;
      continue;
    }
    EMBER_CHECK(shape[i] >= 0,
                "[{}] invalid shape dimension {} in {}. Sizes must be non-negative, or -1 for the one dimension to "
                "infer.",
                op, shape[i], shape_str(shape));
    overflow = overflow || __builtin_mul_overflow(known, shape[i], &known);
  }
  if (inferred && !overflow) {
    EMBER_CHECK(known != 0 || numel != 0,
                "[{}] cannot reshape tensor of 0 elements into shape {} because the unspecified dimension size -1 can "
                "be any value and is ambiguous",
                op, shape_str(shape));
    if (known != 0 && numel % known == 0) {
      sizes[*inferred] = numel / known;
      return sizes;
    }
  } else if (!overflow && known == numel) {
    return sizes;
  }
  EMBER_FAIL("[{}] shape '{}' is invalid for input of size {}. The shape must hold exactly {} elements.", op,
             shape_str(shape), numel, numel);
}

// Strides that let `new_sizes` view a tensor of `sizes`/`strides` (same numel), or nothing when some new
// dim would have to span two separately strided runs of memory. The old dims are cut into chunks that
// are each one evenly strided run; every chunk must be covered exactly by consecutive new dims.
std::optional<DimVector> view_strides(IntArrayRef sizes, IntArrayRef strides, IntArrayRef new_sizes) {
  if (sizes.empty()) return DimVector(new_sizes.size(), 1);
  if (detail::product(sizes) == 0) {
    if (sizes == new_sizes) return DimVector(strides);
    return detail::contiguous_strides(new_sizes);
  }
  DimVector new_strides(new_sizes.size(), 1);
  int64_t new_dim = int64_t(new_sizes.size()) - 1;
  int64_t chunk_stride = strides.back();  // stride of the innermost element of the current chunk
  int64_t chunk_numel = 1, covered_numel = 1;
  for (int64_t d = int64_t(sizes.size()) - 1; d >= 0; --d) {
    chunk_numel *= sizes[size_t(d)];
    const bool chunk_ends =
        d == 0 || (sizes[size_t(d - 1)] != 1 && strides[size_t(d - 1)] != wrapping_mul(chunk_numel, chunk_stride));
    if (!chunk_ends) continue;
    while (new_dim >= 0 && (covered_numel < chunk_numel || new_sizes[size_t(new_dim)] == 1)) {
      new_strides[size_t(new_dim)] = wrapping_mul(covered_numel, chunk_stride);
      covered_numel *= new_sizes[size_t(new_dim)];
      --new_dim;
    }
    if (covered_numel != chunk_numel) return std::nullopt;
    if (d > 0) {
      chunk_stride = strides[size_t(d - 1)];
      chunk_numel = covered_numel = 1;
    }
  }
  if (new_dim != -1) return std::nullopt;
  return new_strides;
}

// ---- meta functions; the attrs of each op are listed in its schema ----

void view_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const DimVector sizes = infer_size("view", call.ints_attr(0), self.numel());
  detail::check_sizes("view", sizes);
  const auto strides = view_strides(self.sizes(), self.strides(), sizes);
  EMBER_CHECK(strides.has_value(),
              "[view] view size is not compatible with input tensor's size and stride (at least one dimension spans "
              "across two contiguous subspaces). Use .reshape(...) instead.");
  push_view(self, out, sizes, *strides, self.storage_offset());
}

void transpose_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const int64_t dim0 = wrap_dim("transpose", call.int_attr(0), self.dim());
  const int64_t dim1 = wrap_dim("transpose", call.int_attr(1), self.dim());
  DimVector sizes(self.sizes()), strides(self.strides());
  if (self.dim() > 0) {
    std::swap(sizes[size_t(dim0)], sizes[size_t(dim1)]);
    std::swap(strides[size_t(dim0)], strides[size_t(dim1)]);
  }
  push_view(self, out, sizes, strides, self.storage_offset());
}

void permute_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const IntArrayRef dims = call.ints_attr(0);
  EMBER_CHECK(int64_t(dims.size()) == self.dim(),
              "[permute] number of dimensions in the tensor input does not match the length of the desired ordering "
              "of dimensions i.e. input.dim() = {} is not equal to len(dims) = {}. Pass each dim exactly once.",
              self.dim(), dims.size());
  detail::dim_mask("permute", dims, self.dim());  // rejects repeated dims
  DimVector sizes, strides;
  for (int64_t d : dims) {
    const size_t w = size_t(wrap_dim("permute", d, self.dim()));
    sizes.push_back(self.sizes()[w]);
    strides.push_back(self.strides()[w]);
  }
  push_view(self, out, sizes, strides, self.storage_offset());
}

// code selects the overload: 0 squeezes every size-1 dim, 1 the dim in attr 0, 2 the dims in attr 0.
void squeeze_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  std::vector<bool> mask;
  if (def.code == 0) mask.assign(size_t(std::max<int64_t>(self.dim(), 1)), true);
  else if (def.code == 1) mask = detail::dim_mask("squeeze", {call.int_attr(0)}, self.dim());
  else mask = detail::dim_mask("squeeze", call.ints_attr(0), self.dim());
  DimVector sizes, strides;
  for (size_t d = 0; d < size_t(self.dim()); ++d) {
    if (mask[d] && self.sizes()[d] == 1) continue;
    sizes.push_back(self.sizes()[d]);
    strides.push_back(self.strides()[d]);
  }
  push_view(self, out, sizes, strides, self.storage_offset());
}

void unsqueeze_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const int64_t dim = wrap_dim("unsqueeze", call.int_attr(0), self.dim() + 1);
  DimVector sizes(self.sizes()), strides(self.strides());
  // The new dim steps over the whole dim it is inserted before, as a contiguous tensor would.
  const int64_t stride = dim >= self.dim() ? 1 : wrapping_mul(sizes[size_t(dim)], strides[size_t(dim)]);
  sizes.insert(sizes.begin() + dim, 1);
  strides.insert(strides.begin() + dim, stride);
  push_view(self, out, sizes, strides, self.storage_offset());
}

void expand_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const IntArrayRef target = call.ints_attr(0);
  const int64_t ndim = int64_t(target.size()), self_dim = self.dim();
  EMBER_CHECK(ndim >= self_dim,
              "[expand] the number of sizes provided ({}) must be greater or equal to the number of dimensions in the "
              "tensor ({}). Tensor sizes: {}, requested sizes: {}.",
              ndim, self_dim, shape_str(self.sizes()), shape_str(target));
  EMBER_CHECK(ndim <= detail::kMaxDims, "[expand] tensors may have at most {} dims, got {}", detail::kMaxDims, ndim);
  DimVector sizes(size_t(ndim), 1), strides(size_t(ndim), 0);
  for (int64_t i = ndim - 1; i >= 0; --i) {
    const int64_t d = i - (ndim - self_dim);  // the matching dim of self; negative for new leading dims
    int64_t size = target[size_t(i)];
    if (d < 0) {
      EMBER_CHECK(size != -1, "[expand] The expanded size of the tensor (-1) isn't allowed in a leading, non-existing "
                              "dimension {}. Give the size of every new leading dimension.", i);
      EMBER_CHECK(size >= 0, "[expand] expected sizes to be non-negative (or -1 to keep a size), but got {} at "
                             "dimension {} of {}", size, i, shape_str(target));
      sizes[size_t(i)] = size;
      // A new size-1 dim strides like a contiguous one; a repeated dim re-reads with stride 0.
      const bool inner_exists = i + 1 < ndim;
      strides[size_t(i)] =
          size == 1 && inner_exists ? wrapping_mul(sizes[size_t(i + 1)], strides[size_t(i + 1)]) : 0;
      continue;
    }
    const int64_t existing = self.sizes()[size_t(d)];
    if (size == -1) size = existing;
    if (size == existing) {
      sizes[size_t(i)] = existing;
      strides[size_t(i)] = self.strides()[size_t(d)];
      continue;
    }
    EMBER_CHECK(existing == 1,
                "[expand] The expanded size of the tensor ({}) must match the existing size ({}) at non-singleton "
                "dimension {}.  Target sizes: {}.  Tensor sizes: {}. Only size-1 dims can be expanded.",
                size, existing, i, shape_str(target), shape_str(self.sizes()));
    EMBER_CHECK(size >= 0, "[expand] expected sizes to be non-negative (or -1 to keep a size), but got {} at "
                           "dimension {} of {}", size, i, shape_str(target));
    sizes[size_t(i)] = size;
    strides[size_t(i)] = 0;
  }
  check_numel("expand", sizes);
  push_view(self, out, sizes, strides, self.storage_offset());
}

void select_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  EMBER_CHECK(self.dim() > 0, "[select] select() cannot be applied to a 0-dim tensor. Use item() to read its value.");
  const int64_t dim = wrap_dim("select", call.int_attr(0), self.dim());
  const int64_t size = self.sizes()[size_t(dim)];
  int64_t index = call.int_attr(1);
  EMBER_CHECK(index >= -size && index < size,
              "[select] index {} is out of range for dimension {} with size {} (tensor of size {}); expected an index "
              "in [{}, {}].",
              index, dim, size, shape_str(self.sizes()), -size, size - 1);
  if (index < 0) index += size;
  DimVector sizes(self.sizes()), strides(self.strides());
  const int64_t offset = self.storage_offset() + index * strides[size_t(dim)];
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  push_view(self, out, sizes, strides, offset);
}

// The geometry of `length` elements of `dim` from `start` (both already in range).
void push_narrowed(const Tensor& self, MetaOutputs& out, int64_t dim, int64_t start, int64_t length, int64_t step = 1) {
  DimVector sizes(self.sizes()), strides(self.strides());
  sizes[size_t(dim)] = length;
  const int64_t offset = self.storage_offset() + start * strides[size_t(dim)];
  strides[size_t(dim)] = wrapping_mul(strides[size_t(dim)], step);
  push_view(self, out, sizes, strides, offset);
}

void slice_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  EMBER_CHECK(self.dim() > 0, "[slice] slice() cannot be applied to a 0-dim tensor.");
  const int64_t dim = wrap_dim("slice", call.int_attr(0), self.dim());
  const int64_t step = call.int_attr(3);
  EMBER_CHECK(step > 0, "[slice] slice step must be positive, got {}. Reverse a dimension with flip() instead.", step);
  const int64_t size = self.sizes()[size_t(dim)];
  // Python's clamping: negative bounds count from the end, then both are clamped into [0, size].
  int64_t start = call.has(1) ? call.int_attr(1) : 0;
  int64_t end = call.has(2) ? call.int_attr(2) : size;
  if (start < 0) start += size;
  if (end < 0) end += size;
  start = std::clamp<int64_t>(start, 0, size);
  end = std::clamp<int64_t>(end, start, size);
  const int64_t length = end == start ? 0 : (end - start - 1) / step + 1;
  push_narrowed(self, out, dim, start, length, step);
}

void unfold_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const int64_t dim = wrap_dim("unfold", call.int_attr(0), self.dim());
  const int64_t size = call.int_attr(1), step = call.int_attr(2);
  // A 0-d tensor unfolds as if it had one dim of size 1.
  const int64_t dim_size = self.dim() == 0 ? 1 : self.sizes()[size_t(dim)];
  const int64_t dim_stride = self.dim() == 0 ? 1 : self.strides()[size_t(dim)];
  EMBER_CHECK(size >= 0, "[unfold] size is {} but must be >= 0", size);
  EMBER_CHECK(size <= dim_size, "[unfold] maximum size for tensor at dimension {} is {} but size is {}", dim, dim_size,
              size);
  EMBER_CHECK(step > 0, "[unfold] step is {} but must be > 0", step);
  DimVector sizes(self.sizes()), strides(self.strides());
  if (self.dim() > 0) {
    sizes[size_t(dim)] = (dim_size - size) / step + 1;
    strides[size_t(dim)] = wrapping_mul(dim_stride, step);
  }
  sizes.push_back(size);
  strides.push_back(dim_stride);
  push_view(self, out, sizes, strides, self.storage_offset());
}

void as_strided_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const IntArrayRef sizes = call.ints_attr(0), strides = call.ints_attr(1);
  const int64_t offset = call.has(2) ? call.int_attr(2) : self.storage_offset();
  EMBER_CHECK(sizes.size() == strides.size(),
              "[as_strided] mismatch in length of strides and shape: got sizes {} and strides {}. Give one stride "
              "per size.",
              shape_str(sizes), shape_str(strides));
  detail::check_sizes("as_strided", sizes);
  check_numel("as_strided", sizes);
  for (int64_t s : strides)
    EMBER_CHECK(s >= 0, "[as_strided] Negative strides are not supported at the moment, got strides: {}",
                shape_str(strides));
  EMBER_CHECK(offset >= 0, "[as_strided] invalid storage offset {}; it must be non-negative.", offset);
  // The view must stay inside the storage: the furthest element it reaches is
  // offset + sum((size - 1) * stride); zero-size views read nothing.
  if (std::find(sizes.begin(), sizes.end(), 0) == sizes.end()) {
    const int64_t itemsize = element_size(self.dtype());
    int64_t last = offset, term = 0, nbytes = 0;
    bool overflow = false;
    for (size_t d = 0; d < sizes.size(); ++d) {
      overflow = overflow || __builtin_mul_overflow(sizes[d] - 1, strides[d], &term) ||
                 __builtin_add_overflow(last, term, &last);
    }
    overflow = overflow || __builtin_add_overflow(last, 1, &last) || __builtin_mul_overflow(last, itemsize, &nbytes);
    const int64_t storage_bytes = int64_t(self.storage()->nbytes());
    EMBER_CHECK(!overflow && nbytes <= storage_bytes,
                "[as_strided] sizes {}, strides {}, storage offset {}, and itemsize {} requiring a storage size of {} "
                "are out of bounds for storage of size {}. Choose sizes and strides that stay inside the storage.",
                shape_str(sizes), shape_str(strides), offset, itemsize,
                overflow ? std::string("more than 2^63 bytes") : std::to_string(nbytes), storage_bytes);
  }
  push_view(self, out, DimVector(sizes), DimVector(strides), offset);
}

void diagonal_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const int64_t offset = call.int_attr(0);
  const int64_t dim1 = wrap_dim("diagonal", call.int_attr(1), self.dim());
  const int64_t dim2 = wrap_dim("diagonal", call.int_attr(2), self.dim());
  EMBER_CHECK(dim1 != dim2, "[diagonal] diagonal dimensions cannot be identical {}, {}", call.int_attr(1),
              call.int_attr(2));
  const int64_t size1 = self.sizes()[size_t(dim1)], size2 = self.sizes()[size_t(dim2)];
  const int64_t stride1 = self.strides()[size_t(dim1)], stride2 = self.strides()[size_t(dim2)];
  // A positive offset starts right of the main diagonal (along dim2), a negative one below it.
  const int64_t length =
      std::max<int64_t>(offset >= 0 ? std::min(size1, size2 - offset) : std::min(size1 + offset, size2), 0);
  int64_t storage_offset = self.storage_offset();
  if (length > 0) storage_offset += offset >= 0 ? offset * stride2 : -offset * stride1;
  DimVector sizes, strides;
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (d == dim1 || d == dim2) continue;
    sizes.push_back(self.sizes()[size_t(d)]);
    strides.push_back(self.strides()[size_t(d)]);
  }
  sizes.push_back(length);
  strides.push_back(stride1 + stride2);
  push_view(self, out, sizes, strides, storage_offset);
}

void split_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  EMBER_CHECK(self.dim() > 0, "[split] split expects at least a 1-dimensional tensor");
  const int64_t split_size = call.int_attr(0);
  const int64_t dim = wrap_dim("split", call.int_attr(1), self.dim());
  const int64_t size = self.sizes()[size_t(dim)];
  EMBER_CHECK(split_size >= 0, "[split] split expects split_size be non-negative, but got split_size={}", split_size);
  EMBER_CHECK(split_size > 0 || size == 0,
              "[split] split_size can only be 0 if dimension size is 0, but got dimension size of {}", size);
  // Always at least one piece, so an empty dim still yields one (empty) tensor.
  const int64_t pieces = size == 0 ? 1 : (size - 1) / split_size + 1;
  for (int64_t i = 0; i < pieces; ++i) {
    const int64_t start = i * split_size;
    push_narrowed(self, out, dim, start, std::min(split_size, size - start));
  }
}

void split_with_sizes_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  EMBER_CHECK(self.dim() > 0, "[split_with_sizes] split expects at least a 1-dimensional tensor");
  const IntArrayRef split_sizes = call.ints_attr(0);
  const int64_t dim = wrap_dim("split_with_sizes", call.int_attr(1), self.dim());
  const int64_t size = self.sizes()[size_t(dim)];
  int64_t total = 0;
  bool overflow = false;
  for (int64_t s : split_sizes) {
    EMBER_CHECK(s >= 0,
                "[split_with_sizes] split_with_sizes expects split_sizes have only non-negative entries, but got "
                "split_sizes={}",
                shape_str(split_sizes));
    overflow = overflow || __builtin_add_overflow(total, s, &total);
  }
  EMBER_CHECK(!overflow && total == size,
              "[split_with_sizes] split_with_sizes expects split_sizes to sum exactly to {} (input tensor's size at "
              "dimension {}), but got split_sizes={}",
              size, dim, shape_str(split_sizes));
  int64_t start = 0;
  for (int64_t s : split_sizes) {
    push_narrowed(self, out, dim, start, s);
    start += s;
  }
}

void unbind_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  EMBER_CHECK(self.dim() > 0, "[unbind] Dimension specified as {} but tensor has no dimensions", call.int_attr(0));
  const int64_t dim = wrap_dim("unbind", call.int_attr(0), self.dim());
  DimVector sizes(self.sizes()), strides(self.strides());
  sizes.erase(sizes.begin() + dim);
  strides.erase(strides.begin() + dim);
  for (int64_t i = 0; i < self.sizes()[size_t(dim)]; ++i)
    push_view(self, out, sizes, strides, self.storage_offset() + i * self.strides()[size_t(dim)]);
}

// ---- backward ----

// The gradient of any strided view of any (non-overlapping) input: scatter-add the
// output gradient into a buffer laid out like the storage both address, then read the
// input's elements back. It is the fallback for views rebuilt after an in-place write.
GradList as_strided_backward(const GradContext& ctx) {
  const TensorMeta& in = ctx.input_metas[0];
  const IntArrayRef sizes = ctx.call.ints_attr(0), strides = ctx.call.ints_attr(1);
  const int64_t offset = ctx.call.has(2) ? ctx.call.int_attr(2) : in.storage_offset;
  auto reach = [](IntArrayRef sz, IntArrayRef st, int64_t off) {
    int64_t last = off;
    for (size_t d = 0; d < sz.size(); ++d) {
      if (sz[d] == 0) return off;
      last += (sz[d] - 1) * st[d];
    }
    return last;
  };
  const int64_t length = std::max(reach(in.sizes, in.strides, in.storage_offset), reach(sizes, strides, offset)) + 1;
  const Tensor& g = ctx.grad();
  Tensor flat = zeros({length}, g.options());
  const Tensor positions = arange(length, TensorOptions(kLong)).as_strided(sizes, strides, offset).reshape({-1});
  flat = flat.index_add(0, positions, g.reshape({-1}));
  return {flat.as_strided(in.sizes, in.strides, in.storage_offset)};
}

// The backward of a view that picks some of the input's elements: zeros of the input's shape with the
// same view of them overwritten by the gradient. The zeros are a fresh tensor, so the write is an
// ordinary differentiable copy_ (with create_graph it records CopySlices on the fresh tensor).
template <class ViewFn>
Tensor scatter_into_zeros(const GradContext& ctx, ViewFn&& view_of) {
  const Tensor& g = ctx.grad();
  Tensor out = zeros(ctx.input_sizes(0), g.options());
  view_of(out).copy_(g);
  return out;
}

GradList transpose_backward(const GradContext& ctx) {
  return {ctx.grad().transpose(ctx.call.int_attr(0), ctx.call.int_attr(1))};
}

GradList permute_backward(const GradContext& ctx) {
  const IntArrayRef dims = ctx.call.ints_attr(0);
  const int64_t ndim = int64_t(dims.size());
  DimVector inverse(dims.size(), 0);
  for (int64_t i = 0; i < ndim; ++i) inverse[size_t(wrap_dim("permute", dims[size_t(i)], ndim))] = i;
  return {ctx.grad().permute(inverse)};
}

// unsqueeze_to: put back the size-1 dims that squeeze removed, in increasing order.
GradList squeeze_backward(const GradContext& ctx) {
  const IntArrayRef sizes = ctx.input_sizes(0);
  const int64_t ndim = int64_t(sizes.size());
  std::vector<bool> mask;
  if (ctx.op.code == 0) mask.assign(size_t(std::max<int64_t>(ndim, 1)), true);
  else if (ctx.op.code == 1) mask = detail::dim_mask("squeeze", {ctx.call.int_attr(0)}, ndim);
  else mask = detail::dim_mask("squeeze", ctx.call.ints_attr(0), ndim);
  Tensor g = ctx.grad();
  for (int64_t d = 0; d < ndim; ++d)
    if (mask[size_t(d)] && sizes[size_t(d)] == 1) g = g.unsqueeze(d);
  return {g};
}

GradList unsqueeze_backward(const GradContext& ctx) {
  const int64_t dim = wrap_dim("unsqueeze", ctx.call.int_attr(0), int64_t(ctx.input_sizes(0).size()) + 1);
  return {ctx.grad().squeeze(dim)};
}

GradList expand_backward(const GradContext& ctx) { return {autograd::sum_to(ctx.grad(), ctx.input_sizes(0))}; }

GradList select_backward(const GradContext& ctx) {
  const OpCall& c = ctx.call;
  return {scatter_into_zeros(ctx, [&](const Tensor& z) { return z.select(c.int_attr(0), c.int_attr(1)); })};
}

GradList slice_backward(const GradContext& ctx) {
  const OpCall& c = ctx.call;
  return {scatter_into_zeros(ctx, [&](const Tensor& z) {
    return z.slice(c.int_attr(0), c.has(1) ? std::optional<int64_t>(c.int_attr(1)) : std::nullopt,
                   c.has(2) ? std::optional<int64_t>(c.int_attr(2)) : std::nullopt, c.int_attr(3));
  })};
}

GradList diagonal_backward(const GradContext& ctx) {
  const OpCall& c = ctx.call;
  return {scatter_into_zeros(
      ctx, [&](const Tensor& z) { return z.diagonal(c.int_attr(0), c.int_attr(1), c.int_attr(2)); })};
}

// Windows may overlap (step < size), so each window position k adds its slice of the gradient
// into the elements k, k + step, k + 2 step, ... of the input's dim.
GradList unfold_backward(const GradContext& ctx) {
  const IntArrayRef sizes = ctx.input_sizes(0);
  const Tensor& g = ctx.grad();
  if (sizes.empty()) return {g.sum()};  // a 0-d input unfolds into [size] with size <= 1
  const int64_t dim = wrap_dim("unfold", ctx.call.int_attr(0), int64_t(sizes.size()));
  const int64_t size = ctx.call.int_attr(1), step = ctx.call.int_attr(2);
  const int64_t windows = g.size(dim);
  Tensor out = zeros(sizes, g.options());
  for (int64_t k = 0; k < size; ++k) out.slice(dim, k, k + (windows - 1) * step + 1, step).add_(g.select(-1, k));
  return {out};
}

// split, split_with_sizes: the pieces' gradients (zeros for pieces nobody used) joined back.
GradList split_backward(const GradContext& ctx) {
  return {cat(TensorList(ctx.grads.data(), ctx.grads.size()), ctx.call.int_attr(1))};
}

GradList unbind_backward(const GradContext& ctx) {
  if (ctx.grads.empty()) return {zeros(ctx.input_sizes(0), TensorOptions(ctx.input_dtype(0)))};
  return {stack(TensorList(ctx.grads.data(), ctx.grads.size()), ctx.call.int_attr(0))};
}

// Views save nothing: every formula reads only the gradient, the attrs and the input's sizes.
#define EMBER_VIEW_DEF(var, name, schema, meta, code, formula)                                  \
  const OpDef var{name, schema, OpKind::View, FusionClass::View, meta, nullptr, nullptr, \
                  {formula, kSaveNone}, nullptr, code};

GradList reshape_backward(const GradContext& ctx) { return {ctx.grad().reshape(ctx.input_sizes(0))}; }
const OpDef view_def{"view", "(Tensor(a) self, SymInt[] size) -> Tensor(a)", OpKind::View, FusionClass::View, view_meta,
                     nullptr, nullptr, {reshape_backward, kSaveNone}};
EMBER_VIEW_DEF(transpose_def, "transpose.int", "(Tensor(a) self, int dim0, int dim1) -> Tensor(a)", transpose_meta, 0,
               transpose_backward)
EMBER_VIEW_DEF(permute_def, "permute", "(Tensor(a) self, int[] dims) -> Tensor(a)", permute_meta, 0, permute_backward)
EMBER_VIEW_DEF(squeeze_def, "squeeze", "(Tensor(a) self) -> Tensor(a)", squeeze_meta, 0, squeeze_backward)
EMBER_VIEW_DEF(squeeze_dim_def, "squeeze.dim", "(Tensor(a) self, int dim) -> Tensor(a)", squeeze_meta, 1,
               squeeze_backward)
EMBER_VIEW_DEF(squeeze_dims_def, "squeeze.dims", "(Tensor(a) self, int[] dim) -> Tensor(a)", squeeze_meta, 2,
               squeeze_backward)
EMBER_VIEW_DEF(unsqueeze_def, "unsqueeze", "(Tensor(a) self, int dim) -> Tensor(a)", unsqueeze_meta, 0,
               unsqueeze_backward)
EMBER_VIEW_DEF(expand_def, "expand", "(Tensor(a) self, SymInt[] size, *, bool implicit=False) -> Tensor(a)",
               expand_meta, 0, expand_backward)
EMBER_VIEW_DEF(select_def, "select.int", "(Tensor(a) self, int dim, SymInt index) -> Tensor(a)", select_meta, 0,
               select_backward)
EMBER_VIEW_DEF(slice_def, "slice.Tensor",
               "(Tensor(a) self, int dim=0, SymInt? start=None, SymInt? end=None, SymInt step=1) -> Tensor(a)",
               slice_meta, 0, slice_backward)
EMBER_VIEW_DEF(unfold_def, "unfold", "(Tensor(a) self, int dimension, int size, int step) -> Tensor(a)", unfold_meta,
               0, unfold_backward)
const OpDef as_strided_def{"as_strided",
                           "(Tensor(a) self, SymInt[] size, SymInt[] stride, SymInt? storage_offset=None) -> Tensor(a)",
                           OpKind::View, FusionClass::View, as_strided_meta, nullptr, nullptr,
                           {as_strided_backward, kSaveNone}};
EMBER_VIEW_DEF(diagonal_def, "diagonal", "(Tensor(a) self, int offset=0, int dim1=0, int dim2=1) -> Tensor(a)",
               diagonal_meta, 0, diagonal_backward)
EMBER_VIEW_DEF(split_def, "split.Tensor", "(Tensor(a -> *) self, SymInt split_size, int dim=0) -> Tensor(a)[]",
               split_meta, 0, split_backward)
EMBER_VIEW_DEF(split_with_sizes_def, "split_with_sizes",
               "(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) -> Tensor(a)[]", split_with_sizes_meta, 0,
               split_backward)
EMBER_VIEW_DEF(unbind_def, "unbind.int", "(Tensor(a -> *) self, int dim=0) -> Tensor(a)[]", unbind_meta, 0,
               unbind_backward)
#undef EMBER_VIEW_DEF

Tensor call_view(const OpDef& def, const Tensor& self, SmallVector<Attr, 4> attrs) {
  OpCall call{{self}, std::move(attrs)};
  return dispatch_one(def, call);
}

std::vector<Tensor> call_views(const OpDef& def, const Tensor& self, SmallVector<Attr, 4> attrs) {
  OpCall call{{self}, std::move(attrs)};
  const Outputs outputs = dispatch(def, call);
  return std::vector<Tensor>(outputs.begin(), outputs.end());
}

Attr optional_attr(std::optional<int64_t> value) { return value ? Attr(*value) : Attr(std::monostate{}); }

Tensor expand_impl(const Tensor& self, IntArrayRef size, bool implicit) {
  return call_view(expand_def, self, {DimVector(size), implicit});
}

}  // namespace

void register_view_ops(OpRegistry& r) {
  for (const OpDef* d : {&view_def, &transpose_def, &permute_def, &squeeze_def, &squeeze_dim_def, &squeeze_dims_def,
                         &unsqueeze_def, &expand_def, &select_def, &slice_def, &unfold_def, &as_strided_def,
                         &diagonal_def, &split_def, &split_with_sizes_def, &unbind_def})
    r.add(d);
}

// ---- free functions ----

Tensor view(const Tensor& t, IntArrayRef size) { return call_view(view_def, t, {DimVector(size)}); }

Tensor reshape(const Tensor& t, IntArrayRef shape) {
  const DimVector sizes = infer_size("reshape", shape, t.numel());
  // A view when the geometry allows one, otherwise a contiguous copy viewed with the new shape.
  if (view_strides(t.sizes(), t.strides(), sizes)) return view(t, sizes);
  return view(t.clone(), sizes);
}

Tensor transpose(const Tensor& t, int64_t dim0, int64_t dim1) {
  return call_view(transpose_def, t, {dim0, dim1});
}

Tensor t(const Tensor& t) {
  EMBER_CHECK(t.dim() <= 2,
              "[t] t() expects a tensor with <= 2 dimensions, but self is {}D. Use transpose(dim0, dim1) or "
              "permute(dims) for more dimensions.",
              t.dim());
  return transpose(t, 0, t.dim() < 2 ? 0 : 1);
}

Tensor permute(const Tensor& t, IntArrayRef dims) { return call_view(permute_def, t, {DimVector(dims)}); }
Tensor squeeze(const Tensor& t) { return call_view(squeeze_def, t, {}); }
Tensor squeeze(const Tensor& t, int64_t dim) { return call_view(squeeze_dim_def, t, {dim}); }
Tensor squeeze(const Tensor& t, IntArrayRef dims) { return call_view(squeeze_dims_def, t, {DimVector(dims)}); }
Tensor unsqueeze(const Tensor& t, int64_t dim) { return call_view(unsqueeze_def, t, {dim}); }
Tensor expand(const Tensor& t, IntArrayRef size) { return expand_impl(t, size, false); }
Tensor broadcast_to(const Tensor& t, IntArrayRef size) { return expand_impl(t, size, false); }

std::vector<Tensor> broadcast_tensors(TensorList tensors) {
  DimVector shape;
  for (const Tensor& t : tensors) shape = detail::broadcast_shape("broadcast_tensors", shape, t.sizes());
  std::vector<Tensor> out;
  out.reserve(tensors.size());
  for (const Tensor& t : tensors) out.push_back(expand(t, shape));
  return out;
}

DimVector broadcast_shapes(IntArrayRef a, IntArrayRef b) { return detail::broadcast_shape("broadcast_shapes", a, b); }

Tensor narrow(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  EMBER_CHECK(t.dim() > 0, "[narrow] narrow() cannot be applied to a 0-dim tensor. Add a dim with unsqueeze(0) first.");
  const int64_t d = wrap_dim("narrow", dim, t.dim());
  const int64_t size = t.sizes()[size_t(d)];
  EMBER_CHECK(start >= -size && start <= size,
              "[narrow] start out of range (expected to be in range of [{}, {}], but got {}) for dimension {} of size "
              "{}",
              -size, size, start, d, size);
  if (start < 0) start += size;
  EMBER_CHECK(length >= 0 && start <= size - length,
              "[narrow] start ({}) + length ({}) exceeds dimension size ({}). Expected a non-negative length of at "
              "most {}.",
              start, length, size, size - start);
  return call_view(slice_def, t, {d, start, start + length, int64_t(1)});
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) { return call_view(select_def, t, {dim, index}); }

Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) {
  SmallVector<Attr, 4> attrs;
  attrs.emplace_back(dim);
  attrs.push_back(optional_attr(start));
  attrs.push_back(optional_attr(end));
  attrs.emplace_back(step);
  return call_view(slice_def, t, std::move(attrs));
}

Tensor unfold(const Tensor& t, int64_t dimension, int64_t size, int64_t step) {
  return call_view(unfold_def, t, {dimension, size, step});
}

Tensor flatten(const Tensor& t, int64_t start_dim, int64_t end_dim) {
  const int64_t start = wrap_dim("flatten", start_dim, t.dim());
  const int64_t end = wrap_dim("flatten", end_dim, t.dim());
  EMBER_CHECK(start <= end,
              "[flatten] flatten() has invalid args: start_dim cannot come after end_dim (got start_dim={}, "
              "end_dim={}).",
              start_dim, end_dim);
  if (t.dim() == 0) return reshape(t, {1});
  if (start == end) return t;
  DimVector shape(t.sizes().slice(0, size_t(start)));
  shape.push_back(detail::product(t.sizes().slice(size_t(start), size_t(end - start + 1))));
  for (int64_t d = end + 1; d < t.dim(); ++d) shape.push_back(t.sizes()[size_t(d)]);
  return reshape(t, shape);
}

Tensor unflatten(const Tensor& t, int64_t dim, IntArrayRef sizes) {
  EMBER_CHECK(t.dim() > 0, "[unflatten] Dimension specified as {} but tensor has no dimensions", dim);
  const int64_t d = wrap_dim("unflatten", dim, t.dim());
  EMBER_CHECK(!sizes.empty(), "[unflatten] sizes must be non-empty; give the sizes that dim {} splits into.", dim);
  const int64_t size = t.sizes()[size_t(d)];
  if (std::find(sizes.begin(), sizes.end(), -1) == sizes.end()) {
    int64_t product = 1;
    bool overflow = false;
    for (int64_t s : sizes) overflow = overflow || __builtin_mul_overflow(product, s, &product);
    EMBER_CHECK(!overflow && product == size,
                "[unflatten] Provided sizes {} don't multiply up to the size of dim {} ({}) in the input tensor",
                shape_str(sizes), dim, size);
  }
  const DimVector inner = infer_size("unflatten", sizes, size);
  DimVector shape(t.sizes().slice(0, size_t(d)));
  shape.append(inner.begin(), inner.end());
  for (int64_t i = d + 1; i < t.dim(); ++i) shape.push_back(t.sizes()[size_t(i)]);
  return view(t, shape);
}

Tensor ravel(const Tensor& t) { return reshape(t, {-1}); }

Tensor as_strided(const Tensor& t, IntArrayRef size, IntArrayRef stride, std::optional<int64_t> storage_offset) {
  SmallVector<Attr, 4> attrs;
  attrs.emplace_back(DimVector(size));
  attrs.emplace_back(DimVector(stride));
  attrs.push_back(optional_attr(storage_offset));
  return call_view(as_strided_def, t, std::move(attrs));
}

Tensor diagonal(const Tensor& t, int64_t offset, int64_t dim1, int64_t dim2) {
  return call_view(diagonal_def, t, {offset, dim1, dim2});
}

Tensor movedim(const Tensor& t, int64_t source, int64_t destination) {
  const int64_t src = wrap_dim("movedim", source, t.dim());
  const int64_t dst = wrap_dim("movedim", destination, t.dim());
  if (t.dim() == 0) return permute(t, {});
  DimVector order;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (d != src) order.push_back(d);
  order.insert(order.begin() + dst, src);
  return permute(t, order);
}

std::vector<Tensor> split(const Tensor& t, int64_t split_size, int64_t dim) {
  return call_views(split_def, t, {split_size, dim});
}

std::vector<Tensor> split_with_sizes(const Tensor& t, IntArrayRef split_sizes, int64_t dim) {
  return call_views(split_with_sizes_def, t, {DimVector(split_sizes), dim});
}

std::vector<Tensor> chunk(const Tensor& t, int64_t chunks, int64_t dim) {
  EMBER_CHECK(t.dim() > 0, "[chunk] chunk expects at least a 1-dimensional tensor");
  EMBER_CHECK(chunks > 0, "[chunk] chunk expects `chunks` to be greater than 0, got: {}", chunks);
  const int64_t size = t.sizes()[size_t(wrap_dim("chunk", dim, t.dim()))];
  const int64_t split_size = size == 0 ? 0 : (size - 1) / chunks + 1;
  // split() would return a single empty piece; an empty dim still yields `chunks` empty pieces.
  if (split_size == 0) return split_with_sizes(t, DimVector(size_t(chunks), 0), dim);
  return split(t, split_size, dim);
}

std::vector<Tensor> unbind(const Tensor& t, int64_t dim) { return call_views(unbind_def, t, {dim}); }

// ---- Tensor methods ----

Tensor Tensor::view(IntArrayRef size) const { return ember::view(*this, size); }
Tensor Tensor::reshape(IntArrayRef shape) const { return ember::reshape(*this, shape); }
Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const { return ember::transpose(*this, dim0, dim1); }
Tensor Tensor::t() const { return ember::t(*this); }
Tensor Tensor::permute(IntArrayRef dims) const { return ember::permute(*this, dims); }
Tensor Tensor::squeeze() const { return ember::squeeze(*this); }
Tensor Tensor::squeeze(int64_t dim) const { return ember::squeeze(*this, dim); }
Tensor Tensor::squeeze(IntArrayRef dims) const { return ember::squeeze(*this, dims); }
Tensor Tensor::unsqueeze(int64_t dim) const { return ember::unsqueeze(*this, dim); }
Tensor Tensor::expand(IntArrayRef size, bool implicit) const { return expand_impl(*this, size, implicit); }
Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  return ember::narrow(*this, dim, start, length);
}
Tensor Tensor::select(int64_t dim, int64_t index) const { return ember::select(*this, dim, index); }
Tensor Tensor::slice(int64_t dim, std::optional<int64_t> start, std::optional<int64_t> end, int64_t step) const {
  return ember::slice(*this, dim, start, end, step);
}
Tensor Tensor::unfold(int64_t dimension, int64_t size, int64_t step) const {
  return ember::unfold(*this, dimension, size, step);
}
Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const { return ember::flatten(*this, start_dim, end_dim); }
Tensor Tensor::unflatten(int64_t dim, IntArrayRef sizes) const { return ember::unflatten(*this, dim, sizes); }
Tensor Tensor::ravel() const { return ember::ravel(*this); }
Tensor Tensor::as_strided(IntArrayRef size, IntArrayRef stride, std::optional<int64_t> storage_offset) const {
  return ember::as_strided(*this, size, stride, storage_offset);
}
Tensor Tensor::diagonal(int64_t offset, int64_t dim1, int64_t dim2) const {
  return ember::diagonal(*this, offset, dim1, dim2);
}
Tensor Tensor::movedim(int64_t source, int64_t destination) const {
  return ember::movedim(*this, source, destination);
}
std::vector<Tensor> Tensor::split(int64_t split_size, int64_t dim) const { return ember::split(*this, split_size, dim); }
std::vector<Tensor> Tensor::split(IntArrayRef split_sizes, int64_t dim) const {
  return ember::split_with_sizes(*this, split_sizes, dim);
}
std::vector<Tensor> Tensor::split_with_sizes(IntArrayRef split_sizes, int64_t dim) const {
  return ember::split_with_sizes(*this, split_sizes, dim);
}
std::vector<Tensor> Tensor::chunk(int64_t chunks, int64_t dim) const { return ember::chunk(*this, chunks, dim); }
std::vector<Tensor> Tensor::unbind(int64_t dim) const { return ember::unbind(*this, dim); }

}  // namespace ember
