// The backward engine: dependency counting, a ready queue ordered by creation (latest first), hooks and captures.
#include "eager/autograd/engine.h"

#include <queue>
#include <unordered_map>
#include <unordered_set>

#include "eager/autograd/functions.h"
#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::autograd {

namespace {

// One run of the engine over the graph behind some root edges.
class GraphTask {
 public:
  GraphTask(bool keep_graph, bool filtered) : keep_graph_(keep_graph), filtered_(filtered) {}

  // Gradient of the node's input `input_nr` is recorded into captured()[slot] when it arrives.
  void add_capture(const Edge& edge, size_t slot) {
    captures_.push_back({edge.function.get(), edge.input_nr, slot});
    targets_.insert(edge.function.get());
    if (captured_.size() <= slot) captured_.resize(slot + 1);
  }
  // backward(inputs=...): these AccumulateGrad nodes still run when the graph is filtered.
  void allow_accumulation(Node* node) { accumulators_.insert(node); }
  variable_list& captured() { return captured_; }

  void run(const std::vector<Edge>& roots, variable_list root_grads) {
    count_dependencies(roots);
    if (filtered_) find_needed(roots);
    for (size_t i = 0; i < roots.size(); ++i) deliver(roots[i], std::move(root_grads[i]), "backward");
    while (!ready_.empty()) {
      std::shared_ptr<Node> node = ready_.top().node;
      ready_.pop();
      variable_list inputs = std::move(buffers_[node.get()]);
      buffers_.erase(node.get());
      inputs.resize(node->num_inputs());
      run_hooks(*node, inputs);
      for (const Capture& c : captures_)
        if (c.node == node.get()) captured_[c.slot] = inputs[c.input_nr];
      if (!should_execute(node.get())) continue;
      variable_list outputs = node->apply(std::move(inputs));
      if (!keep_graph_) node->release_variables();
      EMBER_CHECK(outputs.size() == node->num_outputs(),
                  "Function {} returned an incorrect number of gradients (expected {}, got {})", node->name(),
                  node->num_outputs(), outputs.size());
      for (size_t i = 0; i < outputs.size(); ++i) deliver(node->next_edge(i), std::move(outputs[i]), node->name(), i);
    }
  }

 private:
  struct Capture {
    Node* node;
    uint32_t input_nr;
    size_t slot;
  };
  struct Ready {
    std::shared_ptr<Node> node;
    bool operator<(const Ready& other) const { return node->sequence_nr() < other.node->sequence_nr(); }
  };

  void count_dependencies(const std::vector<Edge>& roots) {
    std::vector<Node*> stack;
    std::unordered_set<Node*> seen;
    for (const Edge& e : roots) {
      if (!e.is_valid()) continue;
      ++dependencies_[e.function.get()];
      if (seen.insert(e.function.get()).second) stack.push_back(e.function.get());
    }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next_edges()) {
        if (!e.is_valid()) continue;
        ++dependencies_[e.function.get()];
        if (seen.insert(e.function.get()).second) stack.push_back(e.function.get());
      }
    }
  }

  // A node runs in a filtered graph only when one of its successors leads to a target.
  void find_needed(const std::vector<Edge>& roots) {
    std::unordered_map<Node*, bool> reaches;  // node -> a target is at or below it
    struct Frame {
      Node* node;
      size_t next;
    };
    std::vector<Frame> stack;
    for (const Edge& root : roots) {
      if (!root.is_valid() || reaches.count(root.function.get())) continue;
      stack.push_back({root.function.get(), 0});
      reaches[root.function.get()] = false;
      while (!stack.empty()) {
        Frame& f = stack.back();
        if (f.next < f.node->num_outputs()) {
          const Edge& e = f.node->next_edge(f.next++);
          if (e.is_valid() && !reaches.count(e.function.get())) {
            reaches[e.function.get()] = false;
            stack.push_back({e.function.get(), 0});
          }
          continue;
        }
        bool below = false;
        for (const Edge& e : f.node->next_edges()) below = below || (e.is_valid() && reaches[e.function.get()]);
        if (below) needed_.insert(f.node);
        reaches[f.node] = below || targets_.count(f.node) > 0;
        stack.pop_back();
      }
    }
  }

  bool should_execute(Node* node) const {
    return !filtered_ || needed_.count(node) > 0 || accumulators_.count(node) > 0;
  }

  void deliver(const Edge& edge, Tensor grad, const std::string& from, size_t index = 0) {
    if (!edge.is_valid()) return;
    Node* target = edge.function.get();
    variable_list& buffer = buffers_[target];
    if (buffer.empty()) buffer.resize(target->num_inputs());
    if (grad.defined()) {
      grad = fit_gradient(grad, target->input_meta(edge.input_nr), from, index);
      Tensor& slot = buffer[edge.input_nr];
      if (!slot.defined()) {
        slot = std::move(grad);
      } else if (!GradMode::is_enabled() && slot.use_count() == 1 && slot.storage().use_count() == 1 &&
                 !slot.requires_grad()) {
        slot.add_(grad);  // nobody else holds this buffer: sum in place
      } else {
        slot = slot + grad;
      }
    }
    if (--dependencies_[target] == 0) ready_.push({edge.function});
  }

  void run_hooks(Node& node, variable_list& inputs) {
    for (const HookEntry& hook : node.tensor_hooks()) {
      Tensor& g = inputs[hook.input_nr];
      if (!g.defined()) continue;
      Tensor replaced = hook.fn(g);
      if (replaced.defined()) g = std::move(replaced);
    }
    for (const auto& [input_nr, weak] : node.retained()) {
      std::shared_ptr<TensorImpl> impl = weak.lock();
      const Tensor& g = inputs[input_nr];
      if (!impl || !g.defined()) continue;
      AutogradMetaImpl& m = materialize_meta(Tensor(impl));
      if (GradMode::is_enabled())
        m.grad = m.grad.defined() ? m.grad + g : g;
      else
        m.grad = m.grad.defined() ? m.grad + g : g.clone();
    }
  }

  bool keep_graph_;
  bool filtered_;
  std::unordered_map<Node*, int> dependencies_;
  std::unordered_map<Node*, variable_list> buffers_;
  std::priority_queue<Ready> ready_;
  std::unordered_set<Node*> needed_;
  std::unordered_set<Node*> targets_;
  std::unordered_set<Node*> accumulators_;
  std::vector<Capture> captures_;
  variable_list captured_;
};

// Root edges and their gradients (ones for one-element outputs given none).
void collect_roots(const variable_list& outputs, const variable_list& grad_outputs, std::vector<Edge>& roots,
                   variable_list& grads) {
  EMBER_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(),
              "got {} tensors and {} gradients; give one gradient per tensor (or none for one-element tensors)",
              outputs.size(), grad_outputs.size());
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    EMBER_CHECK(out.defined(), "element {} of tensors is an undefined Tensor", i);
    EMBER_CHECK(out.requires_grad(),
                "element {} of tensors does not require grad and does not have a grad_fn. Call requires_grad_() on "
                "the leaves to differentiate, and check that no NoGradGuard is active.",
                i);
    Tensor g = grad_outputs.empty() ? Tensor() : grad_outputs[i];
    if (!g.defined()) {
      EMBER_CHECK(out.numel() == 1,
                  "grad can be implicitly created only for scalar outputs; output {} has shape {}. Pass a gradient "
                  "of that shape (e.g. ones_like(output)).",
                  i, detail::shape_str(out.sizes()));
      NoGradGuard no_grad;
      g = ones_like(out);
    } else {
      EMBER_CHECK(g.sizes() == out.sizes(),
                  "Mismatch in shape: grad_output[{}] has a shape of {} and output[{}] has a shape of {}.", i,
                  detail::shape_str(g.sizes()), i, detail::shape_str(out.sizes()));
      EMBER_CHECK(g.device() == out.device(),
                  "invalid gradient at index {} - expected device {} but got {}", i, out.device().str(),
                  g.device().str());
    }
    roots.push_back(gradient_edge(out));
    grads.push_back(std::move(g));
  }
}

}  // namespace

void backward(const variable_list& tensors, const variable_list& grad_tensors, std::optional<bool> retain_graph,
              bool create_graph, const variable_list& inputs) {
  std::vector<Edge> roots;
  variable_list grads;
  collect_roots(tensors, grad_tensors, roots, grads);
  const bool keep_graph = retain_graph.value_or(create_graph);
  AutoGradMode mode(create_graph);
  GraphTask task(keep_graph, /*filtered=*/!inputs.empty());
  std::vector<std::pair<size_t, Tensor>> non_leaf_inputs;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& in = inputs[i];
    EMBER_CHECK(in.defined() && in.requires_grad(),
                "backward: input {} of `inputs` does not require grad; every tensor in `inputs` must.", i);
    const Edge edge = gradient_edge(in);
    task.add_capture(edge, i);
    if (in.is_leaf())
      task.allow_accumulation(edge.function.get());
    else
      non_leaf_inputs.emplace_back(i, in);
  }
  task.run(roots, std::move(grads));
  for (auto& [slot, t] : non_leaf_inputs) {
    const Tensor& g = task.captured()[slot];
    if (!g.defined()) continue;
    AutogradMetaImpl& m = materialize_meta(t);
    m.grad = m.grad.defined() ? m.grad + g : (create_graph ? g : g.clone());
  }
}

variable_list grad(const variable_list& outputs, const variable_list& inputs, const variable_list& grad_outputs,
                   std::optional<bool> retain_graph, bool create_graph, bool allow_unused) {
  std::vector<Edge> roots;
  variable_list grads;
  collect_roots(outputs, grad_outputs, roots, grads);
  const bool keep_graph = retain_graph.value_or(create_graph);
  AutoGradMode mode(create_graph);
  GraphTask task(keep_graph, /*filtered=*/true);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& in = inputs[i];
    EMBER_CHECK(in.defined() && in.requires_grad(),
                "One of the differentiated Tensors does not require grad (input {}). Call requires_grad_() on it "
                "before computing the outputs.",
                i);
    task.add_capture(gradient_edge(in), i);
  }
  task.run(roots, std::move(grads));
  variable_list result = std::move(task.captured());
  result.resize(inputs.size());
  for (size_t i = 0; i < result.size(); ++i)
    EMBER_CHECK(allow_unused || result[i].defined(),
                "One of the differentiated Tensors appears to not have been used in the graph (input {}). Set "
                "allow_unused=true if this is the desired behavior.",
                i);
  return result;
}

}  // namespace ember::autograd
