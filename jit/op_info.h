// What the JIT reads off an OpDef: the parameters of its schema, its side effects, and its
// output metas computed on fake tensors (tensors with geometry but no data).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "eager/op_registry.h"

namespace ember::jit {

// One parameter of a schema such as "(Tensor self, int[]? dim, bool keepdim=False) -> Tensor".
struct SchemaParam {
  std::string type;           // "Tensor(a!)", "int[]?", "Scalar"
  std::string name;           // "self", "dim"
  std::string default_value;  // "False", "None"; empty when there is none
  bool tensor = false;        // Tensor, Tensor?, Tensor[] (an input rather than an attr)
  bool optional = false;      // the type ends in '?'
  bool list = false;          // Tensor[]: takes any number of inputs
};

// The parameters of `schema` in order ('*' dropped). Parsed once per op and cached.
const std::vector<SchemaParam>& schema_params(const OpDef& op);
// The names of the op's attrs (its non-tensor parameters) in OpCall order.
std::vector<std::string> attr_names(const OpDef& op);
// Whether the schema's result is a tuple or a list (outputs are then read as name[i]).
bool returns_sequence(const OpDef& op);

// How many tensor inputs the schema accepts: [min, max]; max is -1 with a Tensor[] parameter.
struct TensorArity {
  int min = 0;
  int max = 0;
};
TensorArity tensor_arity(const OpDef& op);

// Whether the op draws random numbers (its schema takes a Generator, or it is dropout).
// The registry will answer this itself one day; until then this is the one place that decides.
bool draws_random(const OpDef& op);
// Whether running the op does anything besides producing its outputs: in-place writes,
// writes through a Tensor(a!) argument of a compute op (batch norm's running stats), random draws.
bool has_side_effects(const OpDef& op);
// Whether the op's outputs are uninitialised memory (empty, empty_strided, ...).
bool is_uninitialised(const OpDef& op);

// A tensor with `meta`'s geometry, dtype and device whose storage has no data: what meta
// functions see. Only for ops whose meta reads no values (every op but FusionClass::Opaque ones).
Tensor fake_tensor(const TensorMeta& meta);
// The op's output metas for inputs with `inputs`' metas (fails as the meta function does).
MetaOutputs infer_metas(const OpDef& op, const std::vector<TensorMeta>& inputs, const SmallVector<Attr, 4>& attrs);

// Whether the meta describes a row-major tensor (empty strides mean contiguous).
bool is_contiguous_meta(const TensorMeta& meta);

}  // namespace ember::jit
