// Graph passes: functionalization, algebraic simplification, constant folding, CSE and DCE.
// Each returns how many nodes it changed, added or removed (0: the graph is as it was).
#pragma once

#include <cstdint>

#include "jit/graph.h"

namespace ember::jit {

// Removes call_op nodes whose outputs nobody reads, unless running them does something else
// (in-place writes, writes through a Tensor(a!) argument, random draws), and compile-time
// constants nobody reads. Removes chains in one run.
int64_t eliminate_dead_code(Graph& graph);

// Merges call_op nodes with the same op, inputs and attrs (symbolic ones included) into the
// first of them. Never merges ops with side effects; never merges a computation across a
// mutation of (an alias of) one of its inputs, nor one whose result is mutated later.
int64_t eliminate_common_subexpressions(Graph& graph);

// Evaluates call_op nodes whose inputs are all compile-time constants (including ops with no
// tensor inputs) and replaces them by get_attr nodes holding the result (Node::folded), so that
// chains fold in one run. Random ops, ops with side effects, uninitialised results (empty),
// symbolic sizes and results above 1 MiB stay computed at run time. The user's get_attr tensors
// (parameters, buffers) are not constants: they change between calls.
int64_t fold_constants(Graph& graph);

// x*1, 1*x, x+0, 0+x, x-0, x/1 (Tensor and Scalar forms; a folded constant of ones or zeros
// counts), -(-x), transpose of the same transpose, view of a view, and a view to x's own
// shape. A rewrite happens only when x has exactly the node's meta, neither value is mutated
// in the graph, and no graph output would start aliasing a graph input or get_attr tensor.
int64_t simplify_algebra(Graph& graph);

// Removes mutation: every in-place op becomes its out-of-place twin (add_.Tensor -> add.Tensor,
// copy_ -> a converted/expanded copy of the source, fill_ -> a filled tensor), later reads of the
// mutated value (and of every view of the same base) read the new value, a write through a view
// becomes an as_strided_scatter into its base, and writes to graph inputs and get_attr tensors
// are applied with copy_ just before the output node (the only in-place ops left), so running the
// graph changes the inputs exactly as eager does. Returns the number of in-place ops rewritten.
// Raises when an in-place op has no out-of-place twin in the registry.
int64_t functionalize(Graph& graph);

// functionalize, then simplify_algebra, fold_constants, eliminate_common_subexpressions and
// eliminate_dead_code until nothing changes; then lint().
int64_t run_default_passes(Graph& graph);

}  // namespace ember::jit
