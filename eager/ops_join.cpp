// Joins and reordering copies through the registry: cat/concat, stack, flip, roll and repeat. Each kernel
// writes regions of the fresh output through StridedViews (pointer offset + sizes + strides) with one copy each.
#include <functional>

#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"
#include "kernels/cpu/kernels.h"

namespace ember {
namespace {

using detail::shape_str;
using detail::strided_view;
using kernels::StridedView;

// `view` moved by `elements` along its own element type.
StridedView offset_view(StridedView view, int64_t elements) {
  view.data = static_cast<char*>(view.data) + elements * element_size(view.dtype);
  return view;
}

// The smallest dtype that holds every input, as torch.cat promotes (all inputs have dims,
// so no 0-d or scalar rules apply).
ScalarType promoted_dtype(const OpCall& call) {
  ScalarType dtype = call.input(0).dtype();
  for (const Tensor& t : call.inputs) dtype = promote_types(dtype, t.dtype());
  return dtype;
}

int64_t checked_add(std::string_view op, int64_t a, int64_t b) {
  int64_t sum;
  EMBER_CHECK(!__builtin_add_overflow(a, b, &sum), "[{}] the result would have a dim of more than 2^63 elements.", op);
  return sum;
}

// ---- cat: inputs {tensors...}, attrs {dim} ----

// cat skips 1-d tensors of shape [0] (PyTorch keeps this for code written before
// zero-size dims existed), so torch.cat([torch.empty(0), x]) is x.
bool skipped_by_cat(const Tensor& t) { return t.dim() == 1 && t.size(0) == 0; }

// The first input that cat does not skip; inputs.size() when all are skipped.
size_t cat_reference(const OpCall& call) {
  for (size_t i = 0; i < call.inputs.size(); ++i)
    if (!skipped_by_cat(call.inputs[i])) return i;
  return call.inputs.size();
}

void cat_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  EMBER_CHECK(!call.inputs.empty(), "[cat] expected a non-empty list of Tensors");
  for (size_t i = 0; i < call.inputs.size(); ++i)
    EMBER_CHECK(call.inputs[i].dim() > 0,
                "[cat] zero-dimensional tensor (at position {}) cannot be concatenated. Use stack to join 0-d "
                "tensors, or unsqueeze them to 1-d first.",
                i);
  const ScalarType dtype = promoted_dtype(call);
  const size_t reference_index = cat_reference(call);
  if (reference_index == call.inputs.size()) {
    // Only skipped inputs: the result is empty too.
    out.push_back({DimVector{0}, {}, 0, dtype, call.input(0).device()});
    return;
  }
  const Tensor& reference = call.inputs[reference_index];
  const int64_t dim = detail::wrap_dim("cat", call.int_attr(0), reference.dim());
  DimVector sizes(reference.sizes());
  sizes[size_t(dim)] = 0;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const Tensor& t = call.inputs[i];
    if (skipped_by_cat(t)) continue;
    EMBER_CHECK(t.dim() == reference.dim(),
                "[cat] Tensors must have same number of dimensions: got {} and {}. Reshape tensor number {} (of shape "
                "{}) to {} dims.",
                reference.dim(), t.dim(), i, shape_str(t.sizes()), reference.dim());
    for (int64_t d = 0; d < t.dim(); ++d)
      EMBER_CHECK(d == dim || t.size(d) == reference.size(d),
                  "[cat] Sizes of tensors must match except in dimension {}. Expected size {} but got size {} for "
                  "tensor number {} in the list.",
                  dim, reference.size(d), t.size(d), i);
    sizes[size_t(dim)] = checked_add("cat", sizes[size_t(dim)], t.size(dim));
  }
  out.push_back({sizes, {}, 0, dtype, reference.device()});
}

void cat_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& out = outputs[0];
  if (out.numel() == 0) return;
  const int64_t dim = detail::wrap_dim("cat", call.int_attr(0), out.dim());
  int64_t position = 0;  // where the next input starts along dim
  for (const Tensor& t : call.inputs) {
    if (skipped_by_cat(t)) continue;
    if (t.numel() > 0) {
      StridedView region = offset_view(strided_view(out), position * out.stride(dim));
      region.sizes[size_t(dim)] = t.size(dim);
      kernels::cpu::copy(region, strided_view(t));
    }
    position += t.size(dim);
  }
}

// ---- stack: inputs {tensors...}, attrs {dim} ----

void stack_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  EMBER_CHECK(!call.inputs.empty(), "[stack] expects a non-empty TensorList");
  const Tensor& first = call.input(0);
  const int64_t dim = detail::wrap_dim("stack", call.int_attr(0), first.dim() + 1);
  for (size_t i = 1; i < call.inputs.size(); ++i)
    EMBER_CHECK(call.inputs[i].sizes() == first.sizes(),
                "[stack] expects each tensor to be equal size, but got {} at entry 0 and {} at entry {}",
                shape_str(first.sizes()), shape_str(call.inputs[i].sizes()), i);
  DimVector sizes(first.sizes());
  sizes.insert(sizes.begin() + dim, int64_t(call.inputs.size()));
  detail::check_sizes("stack", sizes);
  out.push_back({sizes, {}, 0, promoted_dtype(call), first.device()});
}

void stack_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& out = outputs[0];
  if (out.numel() == 0) return;
  const int64_t dim = detail::wrap_dim("stack", call.int_attr(0), out.dim());
  // Entry i is the slice out[..., i, ...]: drop `dim` from the output's geometry.
  StridedView slice = strided_view(out);
  slice.sizes.erase(slice.sizes.begin() + dim);
  slice.strides.erase(slice.strides.begin() + dim);
  for (size_t i = 0; i < call.inputs.size(); ++i)
    kernels::cpu::copy(offset_view(slice, int64_t(i) * out.stride(dim)), strided_view(call.inputs[i]));
}

// ---- flip: inputs {self}, attrs {dims} ----

void same_shape_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& t = call.input(0);
  out.push_back({DimVector(t.sizes()), {}, 0, t.dtype(), t.device()});
}

void flip_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  detail::dim_mask("flip", call.ints_attr(0), call.input(0).dim());  // raises on a bad or repeated dim
  same_shape_meta(def, call, out);
}

void flip_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& in = call.input(0);
  if (in.numel() == 0) return;
  const std::vector<bool> flipped = detail::dim_mask("flip", call.ints_attr(0), in.dim());
  // Reading a flipped dim backwards: start at its last element and step with the negated stride.
  StridedView source = strided_view(in);
  for (int64_t d = 0; d < in.dim(); ++d) {
    if (!flipped[size_t(d)]) continue;
    source = offset_view(source, (in.size(d) - 1) * in.stride(d));
    source.strides[size_t(d)] = -source.strides[size_t(d)];
  }
  kernels::cpu::copy(strided_view(outputs[0]), source);
}

// ---- roll: inputs {self}, attrs {shifts, dims} ----

void roll_meta(const OpDef& def, const OpCall& call, MetaOutputs& out) {
  const Tensor& t = call.input(0);
  const IntArrayRef shifts = call.ints_attr(0), dims = call.ints_attr(1);
  EMBER_CHECK(!shifts.empty(), "[roll] `shifts` required");
  EMBER_CHECK(dims.empty() ? shifts.size() == 1 : shifts.size() == dims.size(),
              "[roll] shifts and dimensions must align. shifts: {}, dims:{}. Give one shift per dim, or a single "
              "shift and no dims to roll the flattened tensor.",
              shifts.size(), dims.size());
  if (t.numel() > 0) {  // an empty tensor rolls to itself whatever the dims, as in PyTorch
    for (int64_t d : dims) {
      EMBER_CHECK(t.dim() > 0, "[roll] Dimension specified as {} but tensor has no dimensions", d);
      detail::wrap_dim("roll", d, t.dim());
    }
  }
  same_shape_meta(def, call, out);
}

// A shift in [0, size): rolling by `size` is the identity.
int64_t normalized_shift(int64_t shift, int64_t size) { return ((shift % size) + size) % size; }

// Copies source into destination rolled by shifts[d] along each dim: a dim rolled by s
// splits into [0, n-s) -> [s, n) and [n-s, n) -> [0, s), so k rolled dims make 2^k blocks.
void copy_rolled(const StridedView& source, const StridedView& destination, const std::vector<int64_t>& shifts,
                 size_t d) {
  while (d < shifts.size() && shifts[d] == 0) ++d;
  if (d == shifts.size()) {
    kernels::cpu::copy(destination, source);
    return;
  }
  const int64_t n = source.sizes[d], s = shifts[d];
  StridedView head_source = source, head_destination = offset_view(destination, s * destination.strides[d]);
  head_source.sizes[d] = head_destination.sizes[d] = n - s;
  copy_rolled(head_source, head_destination, shifts, d + 1);
  StridedView tail_source = offset_view(source, (n - s) * source.strides[d]), tail_destination = destination;
  tail_source.sizes[d] = tail_destination.sizes[d] = s;
  copy_rolled(tail_source, tail_destination, shifts, d + 1);
}

void roll_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& in = call.input(0);
  const Tensor& out = outputs[0];
  if (in.numel() == 0) return;
  const IntArrayRef shifts = call.ints_attr(0), dims = call.ints_attr(1);
  if (dims.empty()) {
    // Roll the flattened tensor: its elements in row-major order, read through a contiguous copy if needed.
    Tensor flat = in;
    if (!in.is_contiguous()) {
      flat = detail::make_tensor(in.sizes(), in.dtype(), in.device());
      kernels::cpu::copy(strided_view(flat), strided_view(in));
    }
    const int64_t n = in.numel();
    const StridedView source{flat.data_ptr(), in.dtype(), {n}, {1}};
    const StridedView destination{out.data_ptr(), out.dtype(), {n}, {1}};
    copy_rolled(source, destination, {normalized_shift(shifts[0], n)}, 0);
    return;
  }
  // Shifts along a repeated dim add up, as rolling one after the other does.
  std::vector<int64_t> net(size_t(in.dim()), 0);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = detail::wrap_dim("roll", dims[i], in.dim());
    const int64_t n = in.size(d);
    net[size_t(d)] = (net[size_t(d)] + normalized_shift(shifts[i], n)) % n;
  }
  copy_rolled(strided_view(in), strided_view(out), net, 0);
}

// ---- repeat: inputs {self}, attrs {repeats} ----

void repeat_meta(const OpDef&, const OpCall& call, MetaOutputs& out) {
  const Tensor& t = call.input(0);
  const IntArrayRef repeats = call.ints_attr(0);
  EMBER_CHECK(int64_t(repeats.size()) >= t.dim(),
              "[repeat] Number of dimensions of repeat dims can not be smaller than number of dimensions of tensor: "
              "got {} repeats for a tensor of shape {}. Give one repeat count per dim (1 keeps a dim as it is).",
              repeats.size(), shape_str(t.sizes()));
  // The tensor is seen with leading dims of size 1 added until it has one dim per repeat.
  const size_t added = repeats.size() - size_t(t.dim());
  DimVector sizes(repeats.size());
  for (size_t i = 0; i < repeats.size(); ++i) {
    const int64_t size = i < added ? 1 : t.size(int64_t(i - added));
    EMBER_CHECK(!__builtin_mul_overflow(size, repeats[i], &sizes[i]),
                "[repeat] repeating dim {} of size {} {} times overflows int64; use smaller repeats.", i, size,
                repeats[i]);
  }
  detail::check_sizes("repeat", sizes);
  int64_t numel = 1;
  for (int64_t s : sizes)
    EMBER_CHECK(!__builtin_mul_overflow(numel, s, &numel),
                "[repeat] the result of shape {} would have more than 2^63 elements; use smaller repeats.",
                shape_str(sizes));
  out.push_back({sizes, {}, 0, t.dtype(), t.device()});
}

void repeat_kernel(const OpDef&, const OpCall& call, Outputs& outputs) {
  const Tensor& in = call.input(0);
  const Tensor& out = outputs[0];
  if (out.numel() == 0) return;
  const IntArrayRef repeats = call.ints_attr(0);
  const size_t added = repeats.size() - size_t(in.dim());
  // Output dim i of size r*s is seen as two dims (r, s); the source reads the same s elements
  // for every r (stride 0), so one copy writes all the repetitions.
  StridedView destination{out.data_ptr(), out.dtype(), {}, {}};
  StridedView source{in.data_ptr(), in.dtype(), {}, {}};
  for (size_t i = 0; i < repeats.size(); ++i) {
    const int64_t size = i < added ? 1 : in.size(int64_t(i - added));
    const int64_t stride = i < added ? 0 : in.stride(int64_t(i - added));
    const int64_t out_stride = out.stride(int64_t(i));
    destination.sizes.push_back(repeats[i]);
    destination.strides.push_back(size * out_stride);
    destination.sizes.push_back(size);
    destination.strides.push_back(out_stride);
    source.sizes.push_back(repeats[i]);
    source.strides.push_back(0);
    source.sizes.push_back(size);
    source.strides.push_back(stride);
  }
  kernels::cpu::copy(destination, source);
}

// ---- backward ----

// Each input gets its own stretch of the gradient along dim; inputs that cat skipped get empty gradients.
GradList cat_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  GradList grads(ctx.input_metas.size());
  int64_t position = 0;
  for (size_t i = 0; i < ctx.input_metas.size(); ++i) {
    const IntArrayRef sizes = ctx.input_metas[i].sizes;
    if (sizes.size() == 1 && sizes[0] == 0) {
      if (ctx.needs(i)) grads[i] = zeros({0}, g.options());
      continue;
    }
    const int64_t dim = detail::wrap_dim("cat", ctx.call.int_attr(0), g.dim());  // g has the inputs' dims
    const int64_t length = sizes[size_t(dim)];
    if (ctx.needs(i)) grads[i] = g.narrow(dim, position, length);
    position += length;
  }
  return grads;
}

GradList stack_backward(const GradContext& ctx) {
  const Tensor& g = ctx.grad();
  const int64_t dim = detail::wrap_dim("stack", ctx.call.int_attr(0), g.dim());
  GradList grads(ctx.input_metas.size());
  for (size_t i = 0; i < grads.size(); ++i)
    if (ctx.needs(i)) grads[i] = g.select(dim, int64_t(i));
  return grads;
}

GradList flip_backward(const GradContext& ctx) { return {ctx.grad().flip(ctx.call.ints_attr(0))}; }

GradList roll_backward(const GradContext& ctx) {
  DimVector shifts(ctx.call.ints_attr(0));
  for (int64_t& s : shifts) s = -s;
  return {ctx.grad().roll(shifts, ctx.call.ints_attr(1))};
}

// Output dim i of size r*s is seen as (r, s); the input's gradient sums over every r.
GradList repeat_backward(const GradContext& ctx) {
  const IntArrayRef repeats = ctx.call.ints_attr(0);
  const IntArrayRef sizes = ctx.input_sizes(0);
  const Tensor& g = ctx.grad();
  if (repeats.empty()) return {g};
  const size_t added = repeats.size() - sizes.size();
  DimVector split_shape, summed;
  for (size_t i = 0; i < repeats.size(); ++i) {
    summed.push_back(int64_t(split_shape.size()));
    split_shape.push_back(repeats[i]);
    split_shape.push_back(i < added ? 1 : sizes[i - added]);
  }
  return {g.reshape(split_shape).sum(summed).reshape(sizes)};
}

const OpDef cat_def{"cat", "(Tensor[] tensors, int dim=0) -> Tensor", OpKind::Compute, FusionClass::Extern, cat_meta,
                    cat_kernel, nullptr, {cat_backward, kSaveNone}};
const OpDef stack_def{"stack", "(Tensor[] tensors, int dim=0) -> Tensor", OpKind::Compute, FusionClass::Extern,
                      stack_meta, stack_kernel, nullptr, {stack_backward, kSaveNone}};
const OpDef flip_def{"flip", "(Tensor self, int[] dims) -> Tensor", OpKind::Compute, FusionClass::Extern, flip_meta,
                     flip_kernel, nullptr, {flip_backward, kSaveNone}};
const OpDef roll_def{"roll", "(Tensor self, int[1] shifts, int[1] dims=[]) -> Tensor", OpKind::Compute,
                     FusionClass::Extern, roll_meta, roll_kernel, nullptr, {roll_backward, kSaveNone}};
const OpDef repeat_def{"repeat", "(Tensor self, int[] repeats) -> Tensor", OpKind::Compute, FusionClass::Extern,
                       repeat_meta, repeat_kernel, nullptr, {repeat_backward, kSaveNone}};

}  // namespace

void register_join_ops(OpRegistry& r) {
  for (const OpDef* d : {&cat_def, &stack_def, &flip_def, &roll_def, &repeat_def}) r.add(d);
}

Tensor cat(TensorList tensors, int64_t dim) {
  OpCall call{SmallVector<Tensor, 4>(tensors), {dim}};
  return dispatch_one(cat_def, call);
}

Tensor concat(TensorList tensors, int64_t dim) { return cat(tensors, dim); }

Tensor stack(TensorList tensors, int64_t dim) {
  OpCall call{SmallVector<Tensor, 4>(tensors), {dim}};
  return dispatch_one(stack_def, call);
}

Tensor flip(const Tensor& t, IntArrayRef dims) {
  OpCall call{{t}, {DimVector(dims)}};
  return dispatch_one(flip_def, call);
}

Tensor roll(const Tensor& t, IntArrayRef shifts, IntArrayRef dims) {
  OpCall call{{t}, {}};
  call.attrs.push_back(DimVector(shifts));
  call.attrs.push_back(DimVector(dims));
  return dispatch_one(roll_def, call);
}

Tensor repeat(const Tensor& t, IntArrayRef repeats) {
  OpCall call{{t}, {DimVector(repeats)}};
  return dispatch_one(repeat_def, call);
}

Tensor Tensor::repeat(IntArrayRef repeats) const { return ember::repeat(*this, repeats); }
Tensor Tensor::flip(IntArrayRef dims) const { return ember::flip(*this, dims); }
Tensor Tensor::roll(IntArrayRef shifts, IntArrayRef dims) const { return ember::roll(*this, shifts, dims); }

}  // namespace ember
