// The op registry: one OpDef per op drives eager dispatch, autograd, tracing and code generation.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <source_location>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "eager/tensor.h"

namespace ember {

// How dispatch produces an op's outputs.
enum class OpKind : uint8_t {
  Compute,  // fresh outputs allocated from meta, filled by the device kernel
  View,     // outputs alias input 0's storage with the geometry meta computes; no kernel
  InPlace,  // output 0 is input 0, written by the device kernel
};

// What the JIT may do with the op.
enum class FusionClass : uint8_t { Pointwise, Reduction, View, Extern, Opaque };

// Attributes: the non-tensor arguments, in signature order. monostate is "None". A Generator
// travels with the call so that a recorded random op replays with the generator it was given
// (None: the default generator at the time the op runs). Factories carry their Device.
using Attr =
    std::variant<std::monostate, bool, int64_t, double, Scalar, DimVector, ScalarType, std::string, Generator, Device>;

// One call: tensor inputs and attributes, as the registry's functions see them.
struct OpCall {
  SmallVector<Tensor, 4> inputs;
  SmallVector<Attr, 4> attrs;

  const Tensor& input(size_t i) const { return inputs[i]; }
  bool has(size_t i) const { return i < attrs.size() && !std::holds_alternative<std::monostate>(attrs[i]); }
  int64_t int_attr(size_t i) const { return std::get<int64_t>(attrs[i]); }
  bool bool_attr(size_t i) const { return std::get<bool>(attrs[i]); }
  double double_attr(size_t i) const { return std::get<double>(attrs[i]); }
  const Scalar& scalar_attr(size_t i) const { return std::get<Scalar>(attrs[i]); }
  IntArrayRef ints_attr(size_t i) const { return std::get<DimVector>(attrs[i]); }
  ScalarType dtype_attr(size_t i) const { return std::get<ScalarType>(attrs[i]); }
  const std::string& string_attr(size_t i) const { return std::get<std::string>(attrs[i]); }
  std::optional<ScalarType> optional_dtype_attr(size_t i) const {
    return has(i) ? std::optional<ScalarType>(dtype_attr(i)) : std::nullopt;
  }
  Device device_attr(size_t i) const { return std::get<Device>(attrs[i]); }
  // The generator a random op was given; nullopt means the default one.
  std::optional<Generator> generator_attr(size_t i) const {
    return has(i) ? std::optional<Generator>(std::get<Generator>(attrs[i])) : std::nullopt;
  }
};

// Output metadata: what eager allocates and what tracing gives its fake tensors.
// For views, strides and storage_offset place the output in input 0's storage;
// for other ops empty strides mean contiguous.
struct TensorMeta {
  DimVector sizes;
  DimVector strides;
  int64_t storage_offset = 0;
  ScalarType dtype = ScalarType::Float;
  Device device;
};

struct OpDef;
using Outputs = SmallVector<Tensor, 1>;
using MetaOutputs = SmallVector<TensorMeta, 1>;
using MetaFn = void (*)(const OpDef& op, const OpCall& call, MetaOutputs& out);
using KernelFn = void (*)(const OpDef& op, const OpCall& call, Outputs& outputs);
using DecompositionFn = Outputs (*)(const OpDef& op, const OpCall& call);

// What a backward formula sees when the engine runs it. Formulas are written with
// ember ops, so with create_graph they record a graph of their own.
struct GradContext {
  const OpDef& op;
  const OpCall& call;                 // attrs, and the inputs the op saves (self as it was before an in-place write)
  const Outputs& outputs;             // the outputs the op saves; the others are undefined
  const Outputs& grads;               // one per output: zeros for a floating output nobody used, undefined for
                                      // integer and bool outputs
  ArrayRef<TensorMeta> input_metas;   // sizes, dtype and device of every input, saved or not
  uint64_t needs_mask = 0;            // bit i: input i needs a gradient

  bool needs(size_t i) const { return (needs_mask >> i) & 1; }
  const Tensor& input(size_t i) const;    // fails if the op's Derivative does not save input i
  const Tensor& output(size_t i) const;   // fails if the op's Derivative does not save output i
  const Tensor& grad(size_t i = 0) const { return grads[i]; }
  IntArrayRef input_sizes(size_t i) const { return input_metas[i].sizes; }
  ScalarType input_dtype(size_t i) const { return input_metas[i].dtype; }
};

// Gradients of the inputs, one entry per input (undefined where there is none or
// where !ctx.needs(i)). The engine reduces broadcast gradients to the input's shape
// and casts them to its dtype, as PyTorch's validate_outputs does.
using GradList = SmallVector<Tensor, 4>;
using BackwardFn = GradList (*)(const GradContext& ctx);

// Marks an op whose outputs never require grad (detach, argmax, comparisons).
GradList not_differentiable(const GradContext& ctx);
// Marks an op PyTorch defines no derivative for (floor_divide): its outputs require grad,
// and a backward that reaches it raises "the derivative for '<op>' is not implemented".
GradList no_derivative(const GradContext& ctx);

// Bit masks over input/output positions, for Derivative.
inline constexpr uint32_t kSaveNone = 0;
inline constexpr uint32_t kSaveAll = ~0u;
constexpr uint32_t save(std::initializer_list<int> positions) {
  uint32_t mask = 0;
  for (int p : positions) mask |= 1u << p;
  return mask;
}

// An op's backward: the formula plus what it keeps alive for it. Saving only what the
// formula reads matters twice: memory, and the version check, which must not fail
// for a tensor the formula never reads. For an in-place op, saving input 0 means
// saving a copy of self taken before the write.
struct Derivative {
  BackwardFn formula = nullptr;
  uint32_t saves_inputs = kSaveAll;
  uint32_t saves_outputs = kSaveNone;
};

// The Derivative of ops whose outputs never require grad.
inline constexpr Derivative kNotDifferentiable{not_differentiable, kSaveNone, kSaveNone};

struct OpDef {
  std::string_view name;    // overload-qualified, as in PyTorch: "add.Tensor", "sum.dim_IntList"
  std::string_view schema;  // human-readable signature for printing and errors
  OpKind kind = OpKind::Compute;
  FusionClass fusion = FusionClass::Opaque;
  MetaFn meta = nullptr;
  KernelFn cpu = nullptr;
  KernelFn cuda = nullptr;
  Derivative backward;
  DecompositionFn decomposition = nullptr;
  int32_t code = 0;  // family-specific selector (e.g. which BinaryOp), read by shared meta/kernels
  // The output shape depends on input values (nonzero, masked_select): tracing breaks the graph here.
  bool data_dependent = false;

  bool differentiable() const {
    return backward.formula != nullptr && backward.formula != &not_differentiable && backward.formula != &no_derivative;
  }
};

// Whether the op draws from a generator (its schema takes one): the JIT never merges, reorders
// or drops such ops, since each call consumes the generator's stream.
bool is_random(const OpDef& op);

// A dispatch mode (tracing, replay) sees every call before eager does.
class DispatchMode {
 public:
  virtual ~DispatchMode() = default;
  virtual Outputs handle(const OpDef& op, OpCall& call) = 0;
  // The user's code is about to read `t`'s data on the host (item(), to_vector(), data_ptr(), bool(),
  // is_nonzero(), printing): `what` names the API, `where` is the user's line (empty where a call
  // cannot carry one, as for bool(t)). Reads inside ops are not reported while the mode is uninstalled.
  virtual void on_data_read(const Tensor& /*t*/, std::string_view /*what*/, const std::source_location& /*where*/) {}
};
DispatchMode* current_dispatch_mode();

namespace detail {
// Tells the current dispatch mode, if any, that `t` is read on the host; one thread-local load otherwise.
void notify_data_read(const Tensor& t, std::string_view what, const std::source_location& where);
}  // namespace detail

// Installs `mode` for this thread for the guard's lifetime (nullptr uninstalls).
class DispatchModeGuard {
 public:
  explicit DispatchModeGuard(DispatchMode* mode);
  ~DispatchModeGuard();
  DispatchModeGuard(const DispatchModeGuard&) = delete;
  DispatchModeGuard& operator=(const DispatchModeGuard&) = delete;

 private:
  DispatchMode* previous_;
};

// Runs the op: (1) the dispatch mode if one is installed, (2) meta, output
// allocation and the device kernel, (3) recording for autograd when grad mode is on
// and some input requires grad.
Outputs dispatch(const OpDef& op, OpCall& call);
inline Tensor dispatch_one(const OpDef& op, OpCall& call) { return dispatch(op, call)[0]; }
// Steps (2)-(3) only: what a dispatch mode calls to run an op for real.
Outputs dispatch_eager(const OpDef& op, OpCall& call);
namespace detail {
// A fresh tensor with a meta's sizes, dtype, device and (when given) strides: how dispatch allocates outputs.
Tensor allocate_output(const TensorMeta& meta);
}  // namespace detail

class OpRegistry {
 public:
  static OpRegistry& instance();
  // Returns nullptr when no op has that name.
  const OpDef* find(std::string_view name) const;
  const std::vector<const OpDef*>& all() const { return ops_; }
  void add(const OpDef* op);

 private:
  OpRegistry();
  std::vector<const OpDef*> ops_;
};

}  // namespace ember
