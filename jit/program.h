// A compiled entry's program: graph segments run by a backend, with graph breaks run eagerly between them.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "guards/guards.h"
#include "jit/graph.h"

namespace ember::jit {

// A backend's executable form of one graph.
class CompiledGraph {
 public:
  virtual ~CompiledGraph() = default;
  // Inputs in placeholder order, symbol values in Graph::symbols() order.
  virtual std::vector<Tensor> run(ArrayRef<Tensor> inputs, ArrayRef<int64_t> symbol_values) = 0;
};

// Turns a traced graph into an executable; may rewrite the graph first (passes, decompositions).
using Backend = std::function<std::unique_ptr<CompiledGraph>(Graph& graph)>;
// "eager" is built in; later backends register themselves.
void register_backend(const std::string& name, Backend backend);
const Backend* find_backend(const std::string& name);
std::vector<std::string> backend_names();

// The "eager" backend's executable: the graph replayed op by op with eager kernels.
std::unique_ptr<CompiledGraph> make_eager_graph(const Graph& graph);
// Whether autograd will record through the graph: an input or lifted tensor requires grad.
bool graph_needs_grad(const Graph& graph);

// Runs one call_op node eagerly on `inputs`: its attrs evaluated at the symbols, under the grad
// mode it was traced with. Shared by every backend's replay of the nodes it does not compile.
Outputs run_node(const Node& node, OpCall& call, ArrayRef<int64_t> symbol_values);

// For a register machine: after instruction i, release the registers it read last (results excepted).
// Instr needs `inputs` (registers read) and `release` (filled here).
template <typename Instr, typename Registers>
void plan_releases(std::vector<Instr>& code, const Registers& results, int registers) {
  std::vector<int> last_read(size_t(registers), -1);
  for (size_t i = 0; i < code.size(); ++i)
    for (int r : code[i].inputs) last_read[size_t(r)] = int(i);
  for (int r : results) last_read[size_t(r)] = int(code.size());
  for (size_t r = 0; r < last_read.size(); ++r)
    if (last_read[r] >= 0 && last_read[r] < int(code.size())) code[size_t(last_read[r])].release.push_back(int(r));
}

// A user callable the tracer must not look into (ember::jit::opaque): it runs eagerly
// on every call, between compiled segments.
using OpaqueFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Where and why tracing stopped recording one graph and started the next.
struct GraphBreak {
  enum class Kind : uint8_t {
    OpaqueOp,    // a registry op whose output shape depends on data (nonzero, masked_select), or marked opaque
    OpaqueCall,  // a callable wrapped with jit::opaque
    DataRead,    // item(), bool(), to_vector(), data_ptr() or printing of a traced tensor
  };
  Kind kind = Kind::OpaqueOp;
  std::string reason;   // "data-dependent read item() of a traced tensor"
  std::string source;   // the user's source location, "model.cpp:42" (empty when unknown)
  const OpDef* op = nullptr;
  SmallVector<Attr, 4> attrs;
  bool grad_enabled = true;  // OpaqueOp: grad mode when traced
  std::shared_ptr<OpaqueFn> call;
  std::vector<int> inputs;   // program slots
  std::vector<int> outputs;  // program slots
  // The shapes the break returned when traced: later graphs were recorded for them, so a replay
  // that returns other shapes is an error (data-dependent ops avoid this by rerunning user code).
  std::vector<DimVector> output_sizes;
};

struct Segment {
  Graph graph;
  std::vector<int> inputs;   // program slot per placeholder, in placeholder order
  std::vector<int> outputs;  // program slot per output value
  std::unique_ptr<CompiledGraph> compiled;
  int64_t traced_ops = 0;    // call_op nodes before passes
};

// Runs segments and breaks in trace order over a table of slots (one per traced tensor value).
struct Program {
  struct Step {
    bool is_segment = true;
    int index = 0;
  };
  int slot_count = 0;
  std::vector<int> arg_slots;                    // per flat tensor argument (-1: unused)
  std::vector<std::pair<int, Tensor>> lifted;    // slot and the tensor it holds by identity
  std::vector<std::string> lifted_names;
  std::vector<Segment> segments;
  std::vector<GraphBreak> breaks;
  std::vector<Step> steps;
  std::vector<int> output_slots;
  // The trace read tensor data on the host (item(), bool()): the user code decides what runs
  // next, so every call runs it again rather than replaying a branch it may not take.
  bool needs_user_code = false;
  // Dynamic dims: symbol k is the size of flat tensor argument symbol_sources[k].first at dim .second.
  std::vector<std::pair<int, int>> symbol_sources;

  std::vector<Tensor> run(const FlatArgs& args) const;
};

}  // namespace ember::jit
