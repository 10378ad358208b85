// The registry of OpDefs and the dispatch path: mode hook -> meta + device kernel -> autograd hook.
#include "eager/op_registry.h"

#include <algorithm>

#include "eager/autograd/grad_mode.h"
#include "eager/autograd/record.h"
#include "eager/meta.h"
#include "kernels/check.h"

namespace ember {

// Each op family registers its OpDefs here; one line per file of ops.
void register_pointwise_ops(OpRegistry& r);
void register_reduction_ops(OpRegistry& r);
void register_copy_ops(OpRegistry& r);
void register_view_ops(OpRegistry& r);
void register_view_scatter_ops(OpRegistry& r);
void register_join_ops(OpRegistry& r);
void register_indexing_ops(OpRegistry& r);
void register_linalg_ops(OpRegistry& r);
void register_conv_ops(OpRegistry& r);
void register_nn_ops(OpRegistry& r);
void register_factory_ops(OpRegistry& r);
void register_random_ops(OpRegistry& r);

namespace {
thread_local DispatchMode* tls_mode = nullptr;
}  // namespace

GradList not_differentiable(const GradContext& ctx) {
  EMBER_FAIL("[{}] is not differentiable; autograd never records it.", ctx.op.name);
}

GradList no_derivative(const GradContext& ctx) {
  EMBER_FAIL("the derivative for '{}' is not implemented.", ctx.op.name);
}

const Tensor& GradContext::input(size_t i) const {
  EMBER_CHECK(i < call.inputs.size() && call.inputs[i].defined(),
              "[{}] the backward formula reads input {}, which the op's Derivative does not save; add it to "
              "saves_inputs.",
              op.name, i);
  return call.inputs[i];
}

const Tensor& GradContext::output(size_t i) const {
  EMBER_CHECK(i < outputs.size() && outputs[i].defined(),
              "[{}] the backward formula reads output {}, which the op's Derivative does not save; add it to "
              "saves_outputs.",
              op.name, i);
  return outputs[i];
}

DispatchMode* current_dispatch_mode() { return tls_mode; }

void detail::notify_data_read(const Tensor& t, std::string_view what, const std::source_location& where) {
  if (DispatchMode* mode = tls_mode) [[unlikely]] mode->on_data_read(t, what, where);
}

bool is_random(const OpDef& op) { return op.schema.find("Generator") != std::string_view::npos; }

DispatchModeGuard::DispatchModeGuard(DispatchMode* mode) : previous_(tls_mode) { tls_mode = mode; }
DispatchModeGuard::~DispatchModeGuard() { tls_mode = previous_; }

Outputs dispatch(const OpDef& op, OpCall& call) {
  if (DispatchMode* mode = tls_mode) [[unlikely]] return mode->handle(op, call);
  return dispatch_eager(op, call);
}

namespace detail {
// A fresh output: contiguous, or with the strides meta asks for (empty_strided, empty_like of a
// permuted layout), in a storage just large enough for them.
Tensor allocate_output(const TensorMeta& m) {
  if (m.strides.empty() || m.strides == detail::contiguous_strides(m.sizes))
    return detail::make_tensor(m.sizes, m.dtype, m.device);
  int64_t elements = 1;
  for (size_t d = 0; d < m.sizes.size(); ++d) {
    if (m.sizes[d] == 0) {
      elements = 0;
      break;
    }
    int64_t extent;
    EMBER_CHECK(!__builtin_mul_overflow(m.sizes[d] - 1, m.strides[d], &extent) &&
                    !__builtin_add_overflow(elements, extent, &elements),
                "[allocate] sizes {} with strides {} span more elements than int64 can count; use smaller sizes.",
                detail::shape_str(m.sizes), detail::shape_str(m.strides));
  }
  int64_t nbytes;
  EMBER_CHECK(!__builtin_mul_overflow(elements, element_size(m.dtype), &nbytes),
              "[allocate] a tensor of shape {} has more bytes than a 64-bit size can count; use smaller sizes.",
              detail::shape_str(m.sizes));
  auto storage = std::make_shared<StorageImpl>(size_t(nbytes), m.device);
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), m.dtype, m.sizes, m.strides, 0));
}
}  // namespace detail

Outputs dispatch_eager(const OpDef& op, OpCall& call) {
  Device device = kCPU;
  bool any_requires_grad = false;
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const Tensor& t = call.inputs[i];
    EMBER_CHECK(t.defined(), "[{}] Expected a defined tensor for input {} but got an undefined Tensor.", op.name, i);
    if (i == 0) device = t.device();
    EMBER_CHECK(t.device() == device,
                "[{}] Expected all tensors to be on the same device, but found at least two devices, {} and {}! "
                "Move them with .to(device) first.",
                op.name, device.str(), t.device().str());
    any_requires_grad = any_requires_grad || t.requires_grad();
  }

  const bool recording = any_requires_grad && GradMode::is_enabled();
  Tensor original_self;
  if (op.kind == OpKind::InPlace) original_self = autograd::detail::before_inplace(op, call, recording);

  MetaOutputs metas;
  op.meta(op, call, metas);
  // A factory has no input to take the device from: its meta output says where the result lives.
  if (call.inputs.empty() && !metas.empty()) device = metas[0].device;
  Outputs outputs;
  switch (op.kind) {
    case OpKind::View:
      for (const auto& m : metas) outputs.push_back(detail::make_view(call.inputs[0], m.sizes, m.strides, m.storage_offset));
      break;
    case OpKind::InPlace: {
      const Tensor& self = call.inputs[0];
      const TensorMeta& m = metas[0];
      EMBER_CHECK(self.sizes() == IntArrayRef(m.sizes),
                  "[{}] output with shape {} doesn't match the broadcast shape {}. An in-place op cannot grow its "
                  "target; use the out-of-place op instead.",
                  op.name, detail::shape_str(self.sizes()), detail::shape_str(m.sizes));
      EMBER_CHECK(can_cast(m.dtype, self.dtype()),
                  "[{}] result type {} can't be cast to the desired output type {}. Use the out-of-place op, or "
                  "convert the target with .to() first.",
                  op.name, to_string(m.dtype), to_string(self.dtype()));
      for (int64_t d = 0; d < self.dim(); ++d)
        EMBER_CHECK(self.strides()[size_t(d)] != 0 || self.sizes()[size_t(d)] <= 1,
                    "[{}] unsupported operation: more than one element of the written-to tensor refers to a single "
                    "memory location (it was expanded). Please clone() the tensor before performing the operation.",
                    op.name);
      outputs.push_back(self);
      break;
    }
    case OpKind::Compute:
      for (const auto& m : metas) outputs.push_back(detail::allocate_output(m));
      break;
  }
  if (op.kind != OpKind::View) {
    KernelFn kernel = device.is_cpu() ? op.cpu : op.cuda;
    EMBER_CHECK(kernel != nullptr, "[{}] has no kernel for device {}.", op.name, device.str());
    kernel(op, call, outputs);
    if (op.kind == OpKind::InPlace) outputs[0].storage()->bump_version();
  }
  if (recording)
    autograd::detail::record(op, call, outputs, original_self);
  else if (op.kind == OpKind::View)
    autograd::detail::track_view(op, call, outputs);
  return outputs;
}

OpRegistry& OpRegistry::instance() {
  static OpRegistry registry;
  return registry;
}

OpRegistry::OpRegistry() {
  register_pointwise_ops(*this);
  register_reduction_ops(*this);
  register_copy_ops(*this);
  register_view_ops(*this);
  register_view_scatter_ops(*this);
  register_join_ops(*this);
  register_indexing_ops(*this);
  register_linalg_ops(*this);
  register_conv_ops(*this);
  register_nn_ops(*this);
  register_factory_ops(*this);
  register_random_ops(*this);
}

void OpRegistry::add(const OpDef* op) {
  EMBER_CHECK(find(op->name) == nullptr, "[OpRegistry] op '{}' is registered twice", op->name);
  ops_.push_back(op);
}

const OpDef* OpRegistry::find(std::string_view name) const {
  auto it = std::find_if(ops_.begin(), ops_.end(), [&](const OpDef* op) { return op->name == name; });
  return it == ops_.end() ? nullptr : *it;
}

}  // namespace ember
