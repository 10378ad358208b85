// Running a program, the backend table, and the "eager" backend (graphs replayed op by op with eager kernels).
#include "jit/program.h"

#include <map>
#include <mutex>
#include <unordered_map>

#include "eager/autograd/grad_mode.h"
#include "jit/fusion.h"
#include "jit/logging.h"
#include "jit/passes.h"
#include "kernels/check.h"

namespace ember::jit {
namespace {

// The graph flattened into a register machine: one instruction per op, registers freed after their last read.
class EagerGraph final : public CompiledGraph {
 public:
  explicit EagerGraph(const Graph& graph) {
    std::unordered_map<const Node*, int> first_register;
    for (const auto& owned : graph.nodes()) {
      const Node& node = *owned;
      switch (node.opcode) {
        case Opcode::Placeholder:
          first_register[&node] = registers_;
          placeholders_.emplace_back(node.input_index, registers_++);
          break;
        case Opcode::GetAttr:
          first_register[&node] = registers_;
          constants_.emplace_back(registers_++, node.constant);
          break;
        case Opcode::CallOp: {
          Instruction ins;
          ins.node = &node;
          for (const Value& v : node.inputs) ins.inputs.push_back(first_register.at(v.node) + int(v.index));
          ins.first_output = registers_;
          ins.outputs = int(node.outputs.size());
          first_register[&node] = registers_;
          registers_ += ins.outputs;
          code_.push_back(std::move(ins));
          break;
        }
        case Opcode::Output:
          for (const Value& v : node.inputs) {
            outputs_.push_back(first_register.at(v.node) + int(v.index));
            // A constant the passes computed is the graph's own: each call returns a fresh copy of it.
            fresh_.push_back(v.node->opcode == Opcode::GetAttr && v.node->folded);
          }
          break;
      }
    }
    plan_releases(code_, outputs_, registers_);
  }

  std::vector<Tensor> run(ArrayRef<Tensor> inputs, ArrayRef<int64_t> symbol_values) override {
    std::vector<Tensor> regs(static_cast<size_t>(registers_));
    for (const auto& [index, reg] : placeholders_) regs[size_t(reg)] = inputs[size_t(index)];
    for (const auto& [reg, tensor] : constants_) regs[size_t(reg)] = tensor;
    for (const Instruction& ins : code_) {
      OpCall call;
      for (int r : ins.inputs) call.inputs.push_back(regs[size_t(r)]);
      Outputs out = run_node(*ins.node, call, symbol_values);
      for (int k = 0; k < ins.outputs; ++k) regs[size_t(ins.first_output + k)] = std::move(out[size_t(k)]);
      for (int r : ins.release) regs[size_t(r)] = Tensor();
    }
    std::vector<Tensor> results;
    results.reserve(outputs_.size());
    for (size_t k = 0; k < outputs_.size(); ++k)
      results.push_back(fresh_[k] ? regs[size_t(outputs_[k])].clone() : regs[size_t(outputs_[k])]);
    return results;
  }

 private:
  struct Instruction {
    const Node* node = nullptr;
    SmallVector<int, 4> inputs;
    int first_output = 0;
    int outputs = 0;
    SmallVector<int, 2> release;
  };
  std::vector<Instruction> code_;
  std::vector<std::pair<int, int>> placeholders_;
  std::vector<std::pair<int, Tensor>> constants_;
  std::vector<int> outputs_;
  std::vector<bool> fresh_;
  int registers_ = 0;
};

struct BackendTable {
  std::mutex mutex;
  std::map<std::string, Backend> backends;
  BackendTable() {
    // The reference: the graph exactly as traced.
    backends["eager"] = [](Graph& graph) -> std::unique_ptr<CompiledGraph> { return std::make_unique<EagerGraph>(graph); };
    // The graph after the default passes (functionalization, simplification, folding, CSE, DCE).
    // Graphs that autograd will differentiate are replayed as traced: the passes rewrite in-place
    // ops and constants, which changes what autograd records (until a joint forward/backward graph).
    // A graph the passes cannot handle is kept as traced too, and perf_hints says why.
    backends["eager_optimized"] = [](Graph& graph) -> std::unique_ptr<CompiledGraph> {
      if (GradMode::is_enabled() && graph_needs_grad(graph)) return std::make_unique<EagerGraph>(graph);
      Graph original = graph.clone();
      try {
        run_default_passes(graph);
      } catch (const Error& e) {
        log_line(LogKind::PerfHints, std::string("graph passes skipped: ") + e.what());
        graph = std::move(original);
      }
      return std::make_unique<EagerGraph>(graph);
    };
    // Pointwise fusion: groups of pointwise ops run as compiled x86 kernels (jit/fusion.h).
    backends["cpu"] = compile_cpu;
  }
};

BackendTable& table() {
  static BackendTable t;
  return t;
}

}  // namespace

std::unique_ptr<CompiledGraph> make_eager_graph(const Graph& graph) { return std::make_unique<EagerGraph>(graph); }

Outputs run_node(const Node& node, OpCall& call, ArrayRef<int64_t> symbol_values) {
  call.attrs = node.symbolic_attrs.empty() ? node.attrs : evaluate_attrs(node, symbol_values);
  // The function may have switched grad mode around some ops (NoGradGuard inside it).
  if (node.grad_enabled == GradMode::is_enabled()) return dispatch(*node.op, call);
  const AutoGradMode mode(node.grad_enabled);
  return dispatch(*node.op, call);
}

bool graph_needs_grad(const Graph& graph) {
  for (const auto& n : graph.nodes())
    if ((n->opcode == Opcode::Placeholder || n->opcode == Opcode::GetAttr) && n->requires_grad) return true;
  return false;
}

void register_backend(const std::string& name, Backend backend) {
  std::lock_guard<std::mutex> lock(table().mutex);
  table().backends[name] = std::move(backend);
}

const Backend* find_backend(const std::string& name) {
  std::lock_guard<std::mutex> lock(table().mutex);
  auto it = table().backends.find(name);
  return it == table().backends.end() ? nullptr : &it->second;
}

std::vector<std::string> backend_names() {
  std::lock_guard<std::mutex> lock(table().mutex);
  std::vector<std::string> names;
  for (const auto& [name, backend] : table().backends) names.push_back(name);
  return names;
}

std::vector<Tensor> Program::run(const FlatArgs& args) const {
  std::vector<Tensor> env(static_cast<size_t>(slot_count));
  for (size_t i = 0; i < arg_slots.size(); ++i)
    if (arg_slots[i] >= 0) env[size_t(arg_slots[i])] = *args.tensors[i];
  for (const auto& [slot, tensor] : lifted) env[size_t(slot)] = tensor;
  SmallVector<int64_t, 4> symbols;
  for (const auto& [arg, dim] : symbol_sources) symbols.push_back(args.tensors[size_t(arg)]->sizes()[size_t(dim)]);
  std::vector<Tensor> inputs;
  for (const Step& step : steps) {
    inputs.clear();
    if (step.is_segment) {
      const Segment& segment = segments[size_t(step.index)];
      for (int s : segment.inputs) inputs.push_back(env[size_t(s)]);
      std::vector<Tensor> out = segment.compiled->run(inputs, symbols);
      for (size_t k = 0; k < out.size(); ++k) env[size_t(segment.outputs[k])] = std::move(out[k]);
    } else {
      const GraphBreak& brk = breaks[size_t(step.index)];
      for (int s : brk.inputs) inputs.push_back(env[size_t(s)]);
      std::vector<Tensor> out;
      if (brk.kind == GraphBreak::Kind::OpaqueOp) {
        OpCall call;
        for (const Tensor& t : inputs) call.inputs.push_back(t);
        call.attrs = brk.attrs;
        const AutoGradMode mode(brk.grad_enabled);
        Outputs o = dispatch(*brk.op, call);
        out.assign(o.begin(), o.end());
      } else if (brk.kind == GraphBreak::Kind::OpaqueCall) {
        out = (*brk.call)(inputs);
      }
      EMBER_CHECK(out.size() == brk.outputs.size(),
                  "[compile] a graph break returned {} tensors on replay but {} when traced; a jit::opaque function "
                  "must return the same number of tensors on every call.",
                  out.size(), brk.outputs.size());
      for (size_t k = 0; k < out.size(); ++k) {
        EMBER_CHECK(out[k].sizes() == IntArrayRef(brk.output_sizes[k]),
                    "[compile] the graph break '{}' returned a tensor of shape {} on replay, but {} when traced; the "
                    "graphs after it were recorded for that shape. A jit::opaque function must return the same shapes "
                    "on every call of a compiled entry (guard the shape-changing input, or move the code that depends "
                    "on the shape into the opaque function).",
                    brk.reason, fmt::format("[{}]", fmt::join(out[k].sizes(), ", ")),
                    fmt::format("[{}]", fmt::join(brk.output_sizes[k], ", ")));
        env[size_t(brk.outputs[k])] = std::move(out[k]);
      }
    }
  }
  std::vector<Tensor> results;
  results.reserve(output_slots.size());
  for (int s : output_slots) results.push_back(env[size_t(s)]);
  return results;
}

}  // namespace ember::jit
