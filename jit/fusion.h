// Pointwise fusion: groups of pointwise graph nodes lowered to one KernelIR each, and the "cpu" backend that runs
// them as compiled x86 kernels between the graph's other nodes (run eagerly).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "jit/graph.h"
#include "jit/kernel_ir.h"
#include "jit/program.h"

namespace ember::jit {

// One kernel's worth of graph nodes. Every member has the group's output shape; values read from outside the group
// broadcast to it (stride 0). Results are the members' values used outside the group (or returned by the graph).
// The group runs where its last member stands in the graph: the planner closes a group before any other node that
// reads one of its values or writes memory (in-place ops), so moving the members there changes no result.
struct FusionGroup {
  std::vector<const Node*> nodes;   // in graph order
  std::vector<Value> inputs;        // tensors read from outside the group, in first-read order
  std::vector<Value> outputs;       // members' values needed outside the group
  int rank = 1;                     // the kernel's rank: the output rank, at least 1
  // A row reduction (softmax, log_softmax, sum/mean/amax, layer_norm over the last dim): one node (all of its
  // outputs) whose kernel iterates over
  // its input's shape (the rank is the input's), reducing each row (the last dim) in phases.
  bool row = false;
};

// The graph's call_op nodes in order, as fused kernels and nodes run eagerly.
struct FusionPlan {
  struct Step {
    int group = -1;                 // >= 0: run groups[group]
    const Node* node = nullptr;     // otherwise: run this node eagerly
  };
  std::vector<FusionGroup> groups;
  std::vector<Step> steps;

  int64_t kernel_count() const { return int64_t(groups.size()); }
  int64_t eager_count() const;
  // One line per step: "kernel 0: mul, add, gelu (inputs x, a, b; outputs gelu)" or "eager: sum".
  std::string str() const;
};

// Whether the CPU kernels can compute `node`: a pointwise op (or one decomposed into pointwise KOps) whose values are
// float32/float64 (float16/bfloat16 storage) or bool, computed in a floating dtype, with contiguous output.
bool is_fusible(const Node& node);

// Whether the CPU kernels can compute `node` as a row reduction: softmax / log_softmax over the last dim,
// sum / mean / amax over the last dim only (keepdim or not), or native_layer_norm over the last dim (with or
// without weight and bias), of a float32 or float64 input of rank >= 1.
bool is_row_reduction(const Node& node);

// Groups the graph's fusible nodes into kernels; row reductions become kernels of their own.
FusionPlan plan_fusion(const Graph& graph);

// The KernelIR of `group` with the stride class of each input taken from `input_classes` (one vector per input,
// `group.rank` entries each); outputs are contiguous. Buffers: inputs in order, then outputs in order.
KernelIR lower_group(const FusionGroup& group, const std::vector<std::vector<StrideClass>>& input_classes);

// The "cpu" backend: pointwise groups run as compiled kernels (for isa_from_env()), every other node eagerly.
// Graphs autograd will record through are replayed as traced.
std::unique_ptr<CompiledGraph> compile_cpu(Graph& graph);

}  // namespace ember::jit
