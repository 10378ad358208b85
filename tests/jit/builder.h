// Builds JIT graphs by hand for tests: output metas come from each op's own meta function, run on
// uninitialised tensors with the input metas.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ember.h"
#include "jit/graph.h"

namespace ember::test {

inline TensorMeta contiguous_meta(IntArrayRef sizes, ScalarType dtype = kFloat) {
  Tensor t = empty(sizes, TensorOptions(dtype));
  return {DimVector(t.sizes()), DimVector(t.strides()), 0, dtype, kCPU};
}

// An uninitialised tensor with `meta`'s geometry (a view into a large enough buffer).
inline Tensor tensor_with(const TensorMeta& meta) {
  if (meta.strides.empty()) return empty(meta.sizes, TensorOptions(meta.dtype));
  int64_t extent = meta.storage_offset + 1;
  for (size_t d = 0; d < meta.sizes.size(); ++d) extent += (meta.sizes[d] - 1) * meta.strides[d];
  return empty({std::max<int64_t>(extent, 1)}, TensorOptions(meta.dtype)).as_strided(meta.sizes, meta.strides, meta.storage_offset);
}

struct GraphBuilder {
  jit::Graph g;

  jit::Value input(const std::string& name, IntArrayRef sizes, ScalarType dtype = kFloat) {
    return g.placeholder(name, contiguous_meta(sizes, dtype))->out();
  }

  // A call of the registry op `name`; an in-place op's result has its target's meta, as when traced.
  jit::Node* call(std::string_view name, std::vector<jit::Value> inputs, SmallVector<Attr, 4> attrs = {}) {
    const OpDef* op = OpRegistry::instance().find(name);
    REQUIRE_MESSAGE(op != nullptr, "no op named " << std::string(name));
    OpCall c;
    for (const jit::Value& v : inputs) c.inputs.push_back(tensor_with(v.node->meta(v.index)));
    c.attrs = attrs;
    MetaOutputs out;
    op->meta(*op, c, out);
    if (op->kind == OpKind::InPlace) out[0] = inputs[0].node->meta(inputs[0].index);
    return g.call(*op, std::move(inputs), std::move(attrs), std::vector<TensorMeta>(out.begin(), out.end()));
  }
  jit::Value value(std::string_view name, std::vector<jit::Value> inputs, SmallVector<Attr, 4> attrs = {}) {
    return call(name, std::move(inputs), std::move(attrs))->out();
  }

  jit::Node* constant(const std::string& name, const Tensor& t) {
    jit::Node* n = g.get_attr(name, t);
    n->folded = true;
    return n;
  }
};

// Attrs of the binary ops (Tensor form: alpha, rounding_mode; Scalar form: other, alpha, rounding_mode, reverse).
inline SmallVector<Attr, 4> tensor_form(Scalar alpha = 1) { return {alpha, std::monostate{}}; }
inline SmallVector<Attr, 4> scalar_form(Scalar other, Scalar alpha = 1) { return {other, alpha, std::monostate{}, false}; }

inline std::vector<Tensor> clones(const std::vector<Tensor>& inputs) {
  std::vector<Tensor> result;
  for (const Tensor& t : inputs) result.push_back(t.clone());
  return result;
}

// CHECK that two lists of tensors hold the same shapes, dtypes and values (bitwise equal, NaN == NaN).
inline void check_same(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    INFO("tensor " << i);
    REQUIRE(a[i].sizes() == b[i].sizes());
    REQUIRE(a[i].dtype() == b[i].dtype());
    CHECK(a[i].to_vector<double>() == b[i].to_vector<double>());
  }
}

}  // namespace ember::test
