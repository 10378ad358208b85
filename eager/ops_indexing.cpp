// libtorch-style indexing (x.index({Slice(), 1, None, Ellipsis, mask}) and index_put_): basic indices compose
// the view ops; tensor indices go through the "index.Tensor" and "index_put_" ops, which gather and scatter.
#include <array>
#include <type_traits>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/indexing.h"

namespace ember {
namespace {

using detail::shape_str;

// ---- the advanced-index ops ----
// index.Tensor: inputs {self, index...}, attrs {dims}: index k (int64 or int32) picks along self's dim dims[k].
// index_put_:   inputs {self, values, index...}, attrs {dims, accumulate}.
// dims are strictly increasing; the indices broadcast together to one shape B.

bool is_index_dtype(ScalarType t) { return t == kLong || t == kInt; }

DimVector broadcast_indices(std::string_view op, const OpCall& call, size_t first) {
  DimVector shape;
  std::string shapes;
  bool ok = true;
  for (size_t k = first; k < call.inputs.size(); ++k) {
    const Tensor& index = call.input(k);
    EMBER_CHECK(is_index_dtype(index.dtype()),
                "[{}] tensors used as indices must be long, int, byte or bool tensors, got {}. Convert it with "
                ".to(kLong).",
                op, to_string(index.dtype()));
    shapes += (shapes.empty() ? "" : ", ") + shape_str(index.sizes());
    const IntArrayRef sizes = index.sizes();
    const size_t n = std::max(shape.size(), sizes.size());
    DimVector merged(n, 1);
    for (size_t i = 0; i < n; ++i) {
      const int64_t a = i < n - shape.size() ? 1 : shape[i - (n - shape.size())];
      const int64_t b = i < n - sizes.size() ? 1 : sizes[i - (n - sizes.size())];
      ok = ok && (a == b || a == 1 || b == 1);
      merged[i] = a == 1 ? b : a;
    }
    shape = merged;
  }
  EMBER_CHECK(ok, "[{}] shape mismatch: indexing tensors could not be broadcast together with shapes {}", op, shapes);
  return shape;
}

void check_index_dims(std::string_view op, const Tensor& self, IntArrayRef dims, size_t index_count) {
  EMBER_CHECK(dims.size() == index_count && !dims.empty(),
              "[{}] expected one dim per index tensor, got {} dims for {} indices", op, dims.size(), index_count);
  for (size_t k = 0; k < dims.size(); ++k)
    EMBER_CHECK(dims[k] >= 0 && dims[k] < self.dim() && (k == 0 || dims[k] > dims[k - 1]),
                "[{}] index dims {} must be increasing dims of a tensor with {} dims", op, shape_str(dims), self.dim());
}

// Where the broadcast index shape goes in the result: in place of the indexed dims when
// they are adjacent, otherwise first (NumPy's rule).
int64_t index_result_position(IntArrayRef dims) {
  const bool adjacent = dims.back() - dims.front() + 1 == int64_t(dims.size());
  return adjacent ? dims.front() : 0;
}

// The result's layout: for each result dim, self's stride (0 on index dims) and the stride into the
// flattened index shape B (0 on kept dims).
struct IndexLayout {
  DimVector sizes, self_strides, index_strides;
};

IndexLayout index_layout(const Tensor& self, IntArrayRef dims, IntArrayRef index_shape) {
  IndexLayout layout;
  std::vector<bool> indexed(size_t(self.dim()), false);
  for (int64_t d : dims) indexed[size_t(d)] = true;
  const int64_t position = index_result_position(dims);
  const DimVector b_strides = detail::contiguous_strides(index_shape);
  int64_t kept = 0;
  auto add_index_dims = [&] {
    for (size_t i = 0; i < index_shape.size(); ++i) {
      layout.sizes.push_back(index_shape[i]);
      layout.self_strides.push_back(0);
      layout.index_strides.push_back(b_strides[i]);
    }
  };
  for (int64_t d = 0; d < self.dim(); ++d) {
    if (indexed[size_t(d)]) continue;
    if (kept++ == position) add_index_dims();
    layout.sizes.push_back(self.sizes()[size_t(d)]);
    layout.self_strides.push_back(self.strides()[size_t(d)]);
    layout.index_strides.push_back(0);
  }
  if (kept <= position) add_index_dims();
  return layout;
}

template <size_t N>
using Walker = kernels::cpu::StridedWalker<N>;

// For each position of the broadcast index shape, the element offset in self that the indices pick;
// raises on an index out of range.
std::vector<int64_t> index_offsets(std::string_view op, const Tensor& self, const OpCall& call, size_t first,
                                   IntArrayRef dims, IntArrayRef index_shape) {
  std::vector<int64_t> offsets(size_t(detail::product(index_shape)), 0);
  for (size_t k = 0; k < dims.size(); ++k) {
    const Tensor& index = call.input(first + k);
    const kernels::StridedView view = detail::broadcast_view(index, index_shape);
    const int64_t size = self.sizes()[size_t(dims[k])];
    const int64_t stride = self.strides()[size_t(dims[k])];
    Walker<1> walk(view.sizes, {IntArrayRef(view.strides)});
    for (size_t j = 0; j < offsets.size(); ++j, walk.next()) {
      int64_t i = index.dtype() == kLong ? static_cast<const int64_t*>(view.data)[walk.offset(0)]
                                         : static_cast<const int32_t*>(view.data)[walk.offset(0)];
      EMBER_CHECK(i >= -size && i < size, "[{}] index {} is out of bounds for dimension {} with size {}", op, i,
                  dims[k], size);
      if (i < 0) i += size;
      offsets[j] += i * stride;
    }
  }
  return offsets;
}

// An unsigned integer type as wide as the element: gathering and scattering move bits, not values.
template <typename F>
void visit_element_size(int64_t size, F&& body) {
  switch (size) {
    case 1: return body.template operator()<uint8_t>();
    case 2: return body.template operator()<uint16_t>();
    case 4: return body.template operator()<uint32_t>();
    default: return body.template operator()<uint64_t>();
  }
}

void index_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const IntArrayRef dims = call.ints_attr(0);
  check_index_dims("index", self, dims, call.inputs.size() - 1);
  const DimVector index_shape = broadcast_indices("index", call, 1);
  out.push_back({index_layout(self, dims, index_shape).sizes, {}, 0, self.dtype(), self.device()});
}

void index_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& self = call.input(0);
  Tensor& out = outputs[0];
  const IntArrayRef dims = call.ints_attr(0);
  const DimVector index_shape = broadcast_indices("index", call, 1);
  const std::vector<int64_t> offsets = index_offsets("index", self, call, 1, dims, index_shape);
  const IndexLayout layout = index_layout(self, dims, index_shape);
  const int64_t numel = out.numel();
  visit_element_size(self.element_size(), [&]<typename T>() {
    const T* src = static_cast<const T*>(self.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());  // contiguous
    Walker<2> walk(layout.sizes, {IntArrayRef(layout.self_strides), IntArrayRef(layout.index_strides)});
    for (int64_t i = 0; i < numel; ++i, walk.next()) dst[i] = src[walk.offset(0) + offsets[size_t(walk.offset(1))]];
  });
}

void index_put_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& self = call.input(0);
  const Tensor& values = call.input(1);
  const IntArrayRef dims = call.ints_attr(0);
  check_index_dims("index_put_", self, dims, call.inputs.size() - 2);
  EMBER_CHECK(values.dtype() == self.dtype(),
              "[index_put_] Index put requires the source and destination dtypes match, got {} for the destination "
              "and {} for the source. Convert the values with .to(self.dtype()) first.",
              to_string(self.dtype()), to_string(values.dtype()));
  const DimVector result_shape = index_layout(self, dims, broadcast_indices("index_put_", call, 2)).sizes;
  bool fits = values.dim() <= int64_t(result_shape.size());
  for (int64_t d = 1; fits && d <= values.dim(); ++d) {
    const int64_t v = values.sizes()[size_t(values.dim() - d)];
    fits = v == 1 || v == result_shape[result_shape.size() - size_t(d)];
  }
  EMBER_CHECK(fits, "[index_put_] shape mismatch: value tensor of shape {} cannot be broadcast to indexing result of "
                    "shape {}",
              shape_str(values.sizes()), shape_str(result_shape));
  out.push_back({DimVector(self.sizes()), {}, 0, self.dtype(), self.device()});
}

// dst += value without signed overflow (integers wrap, as PyTorch's do in practice).
template <typename T>
T add_values(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) return a || b;
  else if constexpr (std::is_integral_v<T>) return T(std::make_unsigned_t<T>(a) + std::make_unsigned_t<T>(b));
  else if constexpr (std::is_floating_point_v<T>) return a + b;
  else return T(float(a) + float(b));
}

void index_put_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  Tensor& self = outputs[0];
  const IntArrayRef dims = call.ints_attr(0);
  const bool accumulate = call.bool_attr(1);
  // Values that share self's memory are read from a snapshot so that writes cannot feed later reads.
  const Tensor values = call.input(1).is_alias_of(self) ? call.input(1).clone() : call.input(1);
  const DimVector index_shape = broadcast_indices("index_put_", call, 2);
  const std::vector<int64_t> offsets = index_offsets("index_put_", self, call, 2, dims, index_shape);
  const IndexLayout layout = index_layout(self, dims, index_shape);
  const kernels::StridedView value_view = detail::broadcast_view(values, layout.sizes);
  const int64_t numel = detail::product(layout.sizes);
  auto scatter = [&]<typename T, bool kAccumulate>() {
    T* dst = static_cast<T*>(self.data_ptr());
    const T* src = static_cast<const T*>(value_view.data);
    Walker<3> walk(layout.sizes, {IntArrayRef(layout.self_strides), IntArrayRef(layout.index_strides),
                                  IntArrayRef(value_view.strides)});
    for (int64_t i = 0; i < numel; ++i, walk.next()) {
      T& target = dst[walk.offset(0) + offsets[size_t(walk.offset(1))]];
      if constexpr (kAccumulate) target = add_values(target, src[walk.offset(2)]);
      else target = src[walk.offset(2)];
    }
  };
  if (accumulate) visit_dtype(self.dtype(), [&]<typename T>() { scatter.template operator()<T, true>(); });
  else visit_element_size(self.element_size(), [&]<typename T>() { scatter.template operator()<T, false>(); });
}

GradList index_backward(const GradContext& ctx);
GradList index_put_backward(const GradContext& ctx);

// Saves: the index tensors (every input but self, and but values for index_put_).
constexpr uint32_t kSaveIndices = ~save({0});
constexpr uint32_t kSavePutIndices = ~save({0, 1});

const OpDef index_def{"index.Tensor", "(Tensor self, Tensor[] indices, *, int[] dims) -> Tensor", OpKind::Compute,
                      FusionClass::Opaque, index_meta, index_kernel, nullptr, {index_backward, kSaveIndices}};
const OpDef index_put_def{"index_put_",
                          "(Tensor(a!) self, Tensor values, Tensor[] indices, *, int[] dims, bool accumulate=False) "
                          "-> Tensor(a!)",
                          OpKind::InPlace, FusionClass::Opaque, index_put_meta, index_put_kernel, nullptr,
                          {index_put_backward, kSavePutIndices}};

// ---- backward ----

// self.index(indices) at `dims`, as the op (so that it records for double backward).
Tensor index_at(const Tensor& self, IntArrayRef dims, ArrayRef<Tensor> indices) {
  OpCall call{{self}, {DimVector(dims)}};
  for (const Tensor& index : indices) call.inputs.push_back(index);
  return dispatch_one(index_def, call);
}

// self.index_put_(indices, values, accumulate) at `dims`.
void index_put_at(const Tensor& self, IntArrayRef dims, ArrayRef<Tensor> indices, const Tensor& values,
                  bool accumulate) {
  OpCall call{{self, values}, {DimVector(dims), accumulate}};
  for (const Tensor& index : indices) call.inputs.push_back(index);
  dispatch(index_put_def, call);
}

// index: self: zeros(self.sizes()).index_put_(indices, grad, accumulate=true): repeated indices accumulate.
GradList index_backward(const GradContext& ctx) {
  GradList grads(ctx.call.inputs.size());
  if (!ctx.needs(0)) return grads;
  const Tensor& g = ctx.grad();
  const ArrayRef<Tensor> indices(ctx.call.inputs.data() + 1, ctx.call.inputs.size() - 1);
  Tensor result = zeros(ctx.input_sizes(0), g.options());
  index_put_at(result, ctx.call.ints_attr(0), indices, g, true);
  grads[0] = result;
  return grads;
}

// index_put_: self: accumulate ? grad : grad.index_put(indices, 0); values: grad.index(indices) (the engine sums
// it down to values' shape when values were broadcast).
GradList index_put_backward(const GradContext& ctx) {
  GradList grads(ctx.call.inputs.size());
  const Tensor& g = ctx.grad();
  const IntArrayRef dims = ctx.call.ints_attr(0);
  const bool accumulate = ctx.call.bool_attr(1);
  const ArrayRef<Tensor> indices(ctx.call.inputs.data() + 2, ctx.call.inputs.size() - 2);
  if (ctx.needs(0)) {
    if (accumulate) {
      grads[0] = g;
    } else {
      Tensor masked = g.clone();
      index_put_at(masked, dims, indices, zeros({}, g.options()), false);
      grads[0] = masked;
    }
  }
  if (ctx.needs(1)) grads[1] = index_at(g, dims, indices);
  return grads;
}

// ---- from TensorIndex lists to views and index tensors ----

// A basic-indexed view of self plus the tensor indices still to apply to it (at view dims `dims`).
struct Indexing {
  Tensor view;
  SmallVector<Tensor, 4> indices;
  DimVector dims;
};

bool is_mask(const Tensor& t) { return t.dtype() == kBool || t.dtype() == kByte; }

// The coordinates of a mask's nonzero elements, one int64 tensor per mask dim (what the mask selects).
std::vector<Tensor> nonzero_coordinates(const Tensor& mask) {
  detail::check_cpu("index", mask);
  return nonzero(mask).unbind(1);
}

Tensor bool_index(bool value, Device device) {
  Tensor index = detail::make_tensor({value ? 1 : 0}, kLong, device);
  if (value) index.zero_();
  return index;
}

// How many dims of self an index consumes.
int64_t consumed_dims(const TensorIndex& index) {
  switch (index.kind()) {
    case TensorIndex::Kind::Integer:
    case TensorIndex::Kind::Slice: return 1;
    case TensorIndex::Kind::Tensor: {
      const Tensor& t = index.tensor();
      EMBER_CHECK(t.defined(), "[index] got an undefined tensor as an index; pass a defined tensor or None.");
      return is_mask(t) ? t.dim() : 1;
    }
    default: return 0;
  }
}

int64_t wrap_index(int64_t index, int64_t dim, int64_t size) {
  EMBER_CHECK(index >= -size && index < size, "[index] index {} is out of bounds for dimension {} with size {}", index,
              dim, size);
  return index < 0 ? index + size : index;
}

Indexing apply_indices(const Tensor& self, ArrayRef<TensorIndex> indices) {
  int64_t specified = 0, ellipses = 0;
  for (const TensorIndex& index : indices) {
    specified += consumed_dims(index);
    ellipses += index.is_ellipsis();
  }
  EMBER_CHECK(ellipses <= 1, "[index] an index can only have a single ellipsis ('...'), got {}", ellipses);
  EMBER_CHECK(specified <= self.dim() || self.dim() > 0,
              "[index] invalid index of a 0-dim tensor. Use `tensor.item<T>()` in C++ to convert a 0-dim tensor to a "
              "number");
  EMBER_CHECK(specified <= self.dim(), "[index] too many indices for tensor of dimension {}", self.dim());

  Indexing result{self, {}, {}};
  Tensor& view = result.view;
  int64_t dim = 0;       // the dim of `view` the next index applies to
  int64_t self_dim = 0;  // the matching dim of self, for error messages
  auto record = [&](Tensor index) {
    result.indices.push_back(std::move(index));
    result.dims.push_back(dim++);
  };
  for (const TensorIndex& index : indices) {
    switch (index.kind()) {
      case TensorIndex::Kind::Integer:
        view = view.select(dim, wrap_index(index.integer(), self_dim, view.size(dim)));
        ++self_dim;
        break;
      case TensorIndex::Kind::Slice: {
        const indexing::Slice& s = index.slice();
        const int64_t step = s.step().value_or(1);
        EMBER_CHECK(step > 0, "[index] step must be greater than zero, got {}. Reverse a dimension with flip().", step);
        view = view.slice(dim++, s.start(), s.stop(), step);
        ++self_dim;
        break;
      }
      case TensorIndex::Kind::None: view = view.unsqueeze(dim++); break;
      case TensorIndex::Kind::Ellipsis:
        dim += self.dim() - specified;
        self_dim += self.dim() - specified;
        break;
      case TensorIndex::Kind::Boolean:
        // true adds a dim of size 1 and false one of size 0, as an index tensor on a new dim.
        view = view.unsqueeze(dim);
        record(bool_index(index.boolean(), self.device()));
        break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = index.tensor();
        if (t.dim() == 0 && is_mask(t)) {
          view = view.unsqueeze(dim);
          record(bool_index(t.item<bool>(), self.device()));
        } else if (t.dim() == 0 && is_integral(t.dtype(), false)) {
          view = view.select(dim, wrap_index(t.item<int64_t>(), self_dim, view.size(dim)));
          ++self_dim;
        } else if (is_mask(t)) {
          for (int64_t j = 0; j < t.dim(); ++j)
            EMBER_CHECK(t.sizes()[size_t(j)] == view.sizes()[size_t(dim + j)],
                        "[index] The shape of the mask {} at index {} does not match the shape of the indexed tensor "
                        "{} at index {}. A mask must have the sizes of the dims it indexes.",
                        shape_str(t.sizes()), j, shape_str(view.sizes()), dim + j);
          for (Tensor& coordinate : nonzero_coordinates(t)) record(std::move(coordinate));
          self_dim += t.dim();
        } else {
          EMBER_CHECK(is_index_dtype(t.dtype()),
                      "[index] tensors used as indices must be long, int, byte or bool tensors, got {}. Convert it "
                      "with .to(kLong).",
                      to_string(t.dtype()));
          record(t);
          ++self_dim;
        }
        break;
      }
    }
  }
  return result;
}

Tensor index_tensors(const Indexing& indexing) {
  OpCall call{{indexing.view}, {indexing.dims}};
  for (const Tensor& index : indexing.indices) call.inputs.push_back(index);
  return dispatch_one(index_def, call);
}

// Leading size-1 dims of a value are dropped so that x.index_put_({0}, ones({1, 3})) fits a row of x.
Tensor drop_leading_ones(Tensor value) {
  int64_t skip = 0;
  while (skip < value.dim() && value.sizes()[size_t(skip)] == 1) ++skip;
  if (skip == 0) return value;
  return value.view(value.sizes().slice(size_t(skip)));
}

// Writes (or with accumulate, adds) `value` where `indexing` points: into the view, or by a scatter when
// tensor indices remain.
void put(const Indexing& indexing, const Tensor& value, bool accumulate = false) {
  const Tensor values = drop_leading_ones(value);
  if (indexing.indices.empty()) {
    Tensor view = indexing.view;
    if (accumulate) view.add_(values);
    else view.copy_(values);
    return;
  }
  OpCall call{{indexing.view, values}, {indexing.dims, accumulate}};
  for (const Tensor& index : indexing.indices) call.inputs.push_back(index);
  dispatch(index_put_def, call);
}

// libtorch's optional-tensor index list as TensorIndex: nullopt (or an undefined tensor) takes the whole dim.
std::vector<TensorIndex> to_tensor_indices(const std::vector<std::optional<Tensor>>& indices) {
  std::vector<TensorIndex> list;
  for (const std::optional<Tensor>& index : indices) {
    if (index && index->defined()) list.emplace_back(*index);
    else list.emplace_back(indexing::Slice());
  }
  return list;
}

}  // namespace

void register_gather_ops(OpRegistry& r);  // eager/ops_gather.cpp

void register_indexing_ops(OpRegistry& r) {
  r.add(&index_def);
  r.add(&index_put_def);
  register_gather_ops(r);
}

Tensor Tensor::index(ArrayRef<TensorIndex> indices) const {
  const Indexing indexing = apply_indices(*this, indices);
  if (indexing.indices.empty()) return indexing.view;
  return index_tensors(indexing);
}

Tensor Tensor::index(std::initializer_list<TensorIndex> indices) const {
  return index(ArrayRef<TensorIndex>(indices.begin(), indices.size()));
}

Tensor& Tensor::index_put_(ArrayRef<TensorIndex> indices, const Tensor& value) {
  put(apply_indices(*this, indices), value);
  return *this;
}

Tensor& Tensor::index_put_(ArrayRef<TensorIndex> indices, const Scalar& value) {
  const Indexing indexing = apply_indices(*this, indices);
  if (indexing.indices.empty()) {
    Tensor view = indexing.view;
    view.fill_(value);
    return *this;
  }
  put(indexing, scalar_tensor(value, options()));
  return *this;
}

Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Tensor& value) {
  return index_put_(ArrayRef<TensorIndex>(indices.begin(), indices.size()), value);
}

Tensor& Tensor::index_put_(std::initializer_list<TensorIndex> indices, const Scalar& value) {
  return index_put_(ArrayRef<TensorIndex>(indices.begin(), indices.size()), value);
}

Tensor Tensor::operator[](const Tensor& index) const { return this->index({index}); }

Tensor Tensor::index(const std::vector<std::optional<Tensor>>& indices) const {
  return index(ArrayRef<TensorIndex>(to_tensor_indices(indices)));
}

Tensor& Tensor::index_put_(const std::vector<std::optional<Tensor>>& indices, const Tensor& values, bool accumulate) {
  put(apply_indices(*this, to_tensor_indices(indices)), values, accumulate);
  return *this;
}

Tensor Tensor::index_put(const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                         bool accumulate) const {
  Tensor out = clone();
  out.index_put_(indices, values, accumulate);
  return out;
}

Tensor index_put(const Tensor& self, const std::vector<std::optional<Tensor>>& indices, const Tensor& values,
                 bool accumulate) {
  return self.index_put(indices, values, accumulate);
}

}  // namespace ember
