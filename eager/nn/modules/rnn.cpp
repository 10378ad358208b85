// RNN, LSTM, GRU and their cells: the time loop over differentiable ops, in PyTorch's CPU order of operations.
#include "eager/nn/modules/rnn.h"

#include <fmt/format.h>

#include <cmath>

#include "eager/autograd/grad_mode.h"
#include "eager/ops.h"
#include "eager/ops_nn.h"
#include "kernels/check.h"

namespace ember::nn {

namespace {

// Python's repr of a float: 0.5 -> "0.5", 1 -> "1.0".
std::string py_float(double v) {
  std::string s = fmt::format("{}", v);
  if (s.find_first_of(".eni") == std::string::npos) s += ".0";
  return s;
}

// "(2, 3, 4)" (a Python tuple, for expected sizes) or "[2, 3, 4]" (a list, for given ones), as PyTorch prints them.
std::string py_sizes(IntArrayRef sizes, bool tuple) {
  std::string s = tuple ? "(" : "[";
  for (size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + (tuple ? ")" : "]");
}

std::optional<Tensor> maybe(const Tensor& t) { return t.defined() ? std::optional<Tensor>(t) : std::nullopt; }

void check_nonlinearity(const std::string& module, const std::string& nonlinearity) {
  EMBER_CHECK(nonlinearity == "tanh" || nonlinearity == "relu",
              "[{}] Unknown nonlinearity '{}'; use \"tanh\" or \"relu\"", module, nonlinearity);
}

void check_sizes(const std::string& module, int64_t input_size, int64_t hidden_size) {
  EMBER_CHECK(input_size >= 0, "[{}] input_size must be non-negative, got {}", module, input_size);
  EMBER_CHECK(hidden_size > 0, "[{}] hidden_size must be greater than zero, got {}", module, hidden_size);
}

// One time step of each cell. igates = x W_ih^T + b_ih, computed for the whole sequence at once as PyTorch
// does on the CPU; the hidden-side gates are added to it in PyTorch's order.
Tensor simple_step(const Tensor& igates, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh, bool relu_act) {
  Tensor pre = add(linear(h, w_hh, maybe(b_hh)), igates);
  return relu_act ? relu(pre) : tanh(pre);
}

std::tuple<Tensor, Tensor> lstm_step(const Tensor& igates, const Tensor& h, const Tensor& c, const Tensor& w_hh,
                                     const Tensor& b_hh, const Tensor& w_hr) {
  std::vector<Tensor> gates = chunk(add(linear(h, w_hh, maybe(b_hh)), igates), 4, 1);
  Tensor in_gate = sigmoid(gates[0]);
  Tensor forget_gate = sigmoid(gates[1]);
  Tensor cell_gate = tanh(gates[2]);
  Tensor out_gate = sigmoid(gates[3]);
  Tensor c_next = add(mul(forget_gate, c), mul(in_gate, cell_gate));
  Tensor h_next = mul(out_gate, tanh(c_next));
  if (w_hr.defined()) h_next = linear(h_next, w_hr);
  return {h_next, c_next};
}

Tensor gru_step(const Tensor& igates, const Tensor& h, const Tensor& w_hh, const Tensor& b_hh) {
  std::vector<Tensor> i = chunk(igates, 3, 1);
  std::vector<Tensor> g = chunk(linear(h, w_hh, maybe(b_hh)), 3, 1);
  Tensor reset_gate = sigmoid(add(g[0], i[0]));
  Tensor update_gate = sigmoid(add(g[1], i[1]));
  Tensor new_gate = tanh(add(i[2], mul(g[2], reset_gate)));
  // (h - n) * z + n == (1 - z) * n + z * h
  return add(mul(sub(h, new_gate), update_gate), new_gate);
}

int64_t gate_count(detail::RNNMode mode) {
  switch (mode) {
    case detail::RNNMode::LSTM:
      return 4;
    case detail::RNNMode::GRU:
      return 3;
    default:
      return 1;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Layers

namespace detail {

RNNImplBase::RNNImplBase(std::string name, const RNNOptionsBase& options)
    : Module(std::move(name)), options_base(options) {
  const std::string& module = this->name();
  const RNNOptionsBase& o = options_base;
  check_sizes(module, o.input_size(), o.hidden_size());
  EMBER_CHECK(o.num_layers() > 0, "[{}] num_layers must be greater than zero, got {}", module, o.num_layers());
  EMBER_CHECK(o.dropout() >= 0 && o.dropout() <= 1,
              "[{}] dropout should be a number in range [0, 1] representing the probability of an element being "
              "zeroed, got {}",
              module, o.dropout());
  EMBER_CHECK(o.proj_size() >= 0, "[{}] proj_size should be a positive integer or zero to disable projections, got {}",
              module, o.proj_size());
  EMBER_CHECK(o.proj_size() < o.hidden_size(), "[{}] proj_size has to be smaller than hidden_size, got {} and {}",
              module, o.proj_size(), o.hidden_size());
  EMBER_CHECK(o.proj_size() == 0 || o.mode() == RNNMode::LSTM,
              "[{}] proj_size argument is only supported for LSTM, not RNN or GRU", module);

  const int64_t gate_size = gate_count(o.mode()) * o.hidden_size();
  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    for (int64_t direction = 0; direction < num_directions(); ++direction) {
      const int64_t layer_input_size = layer == 0 ? o.input_size() : real_hidden_size() * num_directions();
      const std::string suffix = fmt::format("_l{}{}", layer, direction == 1 ? "_reverse" : "");
      LayerWeights w;
      w.w_ih = register_parameter("weight_ih" + suffix, empty({gate_size, layer_input_size}));
      w.w_hh = register_parameter("weight_hh" + suffix, empty({gate_size, real_hidden_size()}));
      if (o.bias()) {
        w.b_ih = register_parameter("bias_ih" + suffix, empty({gate_size}));
        w.b_hh = register_parameter("bias_hh" + suffix, empty({gate_size}));
      }
      if (o.proj_size() > 0) w.w_hr = register_parameter("weight_hr" + suffix, empty({o.proj_size(), o.hidden_size()}));
      layer_weights_.push_back(w);
    }
  }
  reset_parameters();
}

void RNNImplBase::reset_parameters() {
  NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(double(options_base.hidden_size()));
  for (Tensor& p : parameters()) p.uniform_(-bound, bound);
}

std::vector<Tensor> RNNImplBase::all_weights() const { return parameters(); }

std::string RNNImplBase::extra_repr() const {
  const RNNOptionsBase& o = options_base;
  std::string s = fmt::format("{}, {}", o.input_size(), o.hidden_size());
  if (o.proj_size() != 0) s += fmt::format(", proj_size={}", o.proj_size());
  if (o.num_layers() != 1) s += fmt::format(", num_layers={}", o.num_layers());
  if (!o.bias()) s += ", bias=False";
  if (o.batch_first()) s += ", batch_first=True";
  if (o.dropout() != 0) s += ", dropout=" + py_float(o.dropout());
  if (o.bidirectional()) s += ", bidirectional=True";
  return s;
}

std::tuple<Tensor, Tensor, Tensor> RNNImplBase::forward_impl(const Tensor& input_, Tensor hx, Tensor cx) {
  const std::string& module = name();
  const RNNOptionsBase& o = options_base;
  const bool is_lstm = o.mode() == RNNMode::LSTM;
  EMBER_CHECK(input_.defined(), "[{}] input is an undefined tensor", module);
  EMBER_CHECK(input_.dim() == 2 || input_.dim() == 3,
              "[{}] input must have 3 dimensions (seq, batch, feature), or 2 for an unbatched sequence, got {}", module,
              input_.dim());
  const bool batched = input_.dim() == 3;
  const int64_t batch_dim = o.batch_first() ? 0 : 1;
  const int64_t state_dim = batched ? 3 : 2;
  if (is_lstm && hx.defined()) {
    EMBER_CHECK(hx.dim() == state_dim && cx.dim() == state_dim,
                "[{}] For {} input, hx and cx should also be {} but got ({}-D, {}-D) tensors", module,
                batched ? "batched 3-D" : "unbatched 2-D", batched ? "3-D" : "2-D", hx.dim(), cx.dim());
  } else if (hx.defined()) {
    EMBER_CHECK(hx.dim() == state_dim, "[{}] For {} input, hx should also be {} but got {}-D tensor", module,
                batched ? "batched 3-D" : "unbatched 2-D", batched ? "3-D" : "2-D", hx.dim());
  }
  Tensor input = batched ? input_ : input_.unsqueeze(batch_dim);
  if (!batched && hx.defined()) hx = hx.unsqueeze(1);
  if (!batched && cx.defined()) cx = cx.unsqueeze(1);

  EMBER_CHECK(input.size(-1) == o.input_size(), "[{}] input.size(-1) must be equal to input_size. Expected {}, got {}",
              module, o.input_size(), input.size(-1));
  const Tensor& first_weight = layer_weights_.front().w_ih;
  EMBER_CHECK(input.scalar_type() == first_weight.scalar_type(),
              "[{}] input and parameters must have the same dtype: input is {}, parameters are {}; convert the input "
              "or call module->to({})",
              module, to_string(input.scalar_type()), to_string(first_weight.scalar_type()),
              to_string(input.scalar_type()));

  // The loop runs on (seq, batch, feature), as PyTorch's does, so dropout masks are drawn in the same order.
  const Tensor x = o.batch_first() ? input.transpose(0, 1) : input;
  const int64_t seq_len = x.size(0);
  const int64_t batch = x.size(1);
  EMBER_CHECK(seq_len > 0, "[{}] Expected sequence length to be larger than 0 in RNN", module);

  const std::vector<int64_t> h_size{o.num_layers() * num_directions(), batch, real_hidden_size()};
  const std::vector<int64_t> c_size{o.num_layers() * num_directions(), batch, o.hidden_size()};
  if (hx.defined()) {
    EMBER_CHECK(hx.sizes().vec() == h_size, "[{}] Expected hidden{} size {}, got {}", module, is_lstm ? "[0]" : "",
                py_sizes(h_size, true), py_sizes(hx.sizes(), false));
  } else {
    hx = zeros(h_size, x.options());
  }
  if (is_lstm) {
    if (cx.defined()) {
      EMBER_CHECK(cx.sizes().vec() == c_size, "[{}] Expected hidden[1] size {}, got {}", module, py_sizes(c_size, true),
                  py_sizes(cx.sizes(), false));
    } else {
      cx = zeros(c_size, x.options());
    }
  }

  std::vector<Tensor> h_n, c_n;
  Tensor layer_input = x;
  for (int64_t layer = 0; layer < o.num_layers(); ++layer) {
    std::vector<Tensor> direction_outputs;
    for (int64_t direction = 0; direction < num_directions(); ++direction) {
      const int64_t index = layer * num_directions() + direction;
      const LayerWeights& w = layer_weights_[size_t(index)];
      const std::vector<Tensor> igates = unbind(linear(layer_input, w.w_ih, maybe(w.b_ih)), 0);
      Tensor h = hx.select(0, index);
      Tensor c = is_lstm ? cx.select(0, index) : Tensor();
      std::vector<Tensor> outputs(static_cast<size_t>(seq_len));
      for (int64_t step = 0; step < seq_len; ++step) {
        const int64_t t = direction == 0 ? step : seq_len - 1 - step;
        const Tensor& g = igates[size_t(t)];
        switch (o.mode()) {
          case RNNMode::RNN_TANH:
            h = simple_step(g, h, w.w_hh, w.b_hh, false);
            break;
          case RNNMode::RNN_RELU:
            h = simple_step(g, h, w.w_hh, w.b_hh, true);
            break;
          case RNNMode::LSTM:
            std::tie(h, c) = lstm_step(g, h, c, w.w_hh, w.b_hh, w.w_hr);
            break;
          case RNNMode::GRU:
            h = gru_step(g, h, w.w_hh, w.b_hh);
            break;
        }
        outputs[size_t(t)] = h;
      }
      direction_outputs.push_back(stack(outputs, 0));
      h_n.push_back(h);
      if (is_lstm) c_n.push_back(c);
    }
    layer_input = direction_outputs.size() == 1 ? direction_outputs[0] : cat(direction_outputs, 2);
    if (o.dropout() > 0 && is_training() && layer + 1 < o.num_layers())
      layer_input = dropout(layer_input, o.dropout(), /*train=*/true);
  }

  Tensor output = o.batch_first() ? layer_input.transpose(0, 1) : layer_input;
  Tensor h_out = stack(h_n, 0);
  Tensor c_out = is_lstm ? stack(c_n, 0) : Tensor();
  if (!batched) {
    output = output.squeeze(batch_dim);
    h_out = h_out.squeeze(1);
    if (is_lstm) c_out = c_out.squeeze(1);
  }
  return {output, h_out, c_out};
}

}  // namespace detail

namespace {

detail::RNNOptionsBase base_options(const RNNOptions& o) {
  check_nonlinearity("RNN", o.nonlinearity());
  return detail::RNNOptionsBase(o.nonlinearity() == "relu" ? detail::RNNMode::RNN_RELU : detail::RNNMode::RNN_TANH,
                                o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional());
}

detail::RNNOptionsBase base_options(const LSTMOptions& o) {
  return detail::RNNOptionsBase(detail::RNNMode::LSTM, o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional())
      .proj_size(o.proj_size());
}

detail::RNNOptionsBase base_options(const GRUOptions& o) {
  return detail::RNNOptionsBase(detail::RNNMode::GRU, o.input_size(), o.hidden_size())
      .num_layers(o.num_layers())
      .bias(o.bias())
      .batch_first(o.batch_first())
      .dropout(o.dropout())
      .bidirectional(o.bidirectional());
}

}  // namespace

RNNImpl::RNNImpl(const RNNOptions& options_) : RNNImplBase("RNN", base_options(options_)), options(options_) {}

std::tuple<Tensor, Tensor> RNNImpl::forward(const Tensor& input, Tensor hx) {
  auto [output, h_n, unused] = forward_impl(input, std::move(hx), Tensor());
  return {output, h_n};
}

LSTMImpl::LSTMImpl(const LSTMOptions& options_) : RNNImplBase("LSTM", base_options(options_)), options(options_) {}

std::tuple<Tensor, std::tuple<Tensor, Tensor>> LSTMImpl::forward(const Tensor& input,
                                                                 std::optional<std::tuple<Tensor, Tensor>> hx) {
  Tensor h0, c0;
  if (hx) {
    std::tie(h0, c0) = *hx;
    EMBER_CHECK(h0.defined() && c0.defined(),
                "[LSTM] hx must hold two defined tensors (h0, c0); pass std::nullopt for zero initial states");
  }
  auto [output, h_n, c_n] = forward_impl(input, h0, c0);
  return {output, {h_n, c_n}};
}

GRUImpl::GRUImpl(const GRUOptions& options_) : RNNImplBase("GRU", base_options(options_)), options(options_) {}

std::tuple<Tensor, Tensor> GRUImpl::forward(const Tensor& input, Tensor hx) {
  auto [output, h_n, unused] = forward_impl(input, std::move(hx), Tensor());
  return {output, h_n};
}

// ---------------------------------------------------------------------------------------------------------------
// Cells

namespace detail {

RNNCellImplBase::RNNCellImplBase(std::string name, int64_t input_size, int64_t hidden_size, bool bias,
                                 int64_t num_chunks)
    : Module(std::move(name)), input_size_(input_size), hidden_size_(hidden_size), has_bias_(bias) {
  check_sizes(this->name(), input_size, hidden_size);
  weight_ih = register_parameter("weight_ih", empty({num_chunks * hidden_size, input_size}));
  weight_hh = register_parameter("weight_hh", empty({num_chunks * hidden_size, hidden_size}));
  if (bias) {
    bias_ih = register_parameter("bias_ih", empty({num_chunks * hidden_size}));
    bias_hh = register_parameter("bias_hh", empty({num_chunks * hidden_size}));
  }
  reset_parameters();
}

void RNNCellImplBase::reset_parameters() {
  NoGradGuard no_grad;
  const double bound = 1.0 / std::sqrt(double(hidden_size_));
  for (Tensor& p : parameters()) p.uniform_(-bound, bound);
}

std::string RNNCellImplBase::extra_repr() const {
  std::string s = fmt::format("{}, {}", input_size_, hidden_size_);
  if (!has_bias_) s += ", bias=False";
  if (nonlinearity_ != "tanh") s += ", nonlinearity=" + nonlinearity_;
  return s;
}

bool RNNCellImplBase::prepare_input(Tensor& input) const {
  const std::string& module = name();
  EMBER_CHECK(input.defined(), "[{}] input is an undefined tensor", module);
  EMBER_CHECK(input.dim() == 1 || input.dim() == 2, "[{}] Expected input to be 1-D or 2-D but received {}-D tensor",
              module, input.dim());
  const bool batched = input.dim() == 2;
  if (!batched) input = input.unsqueeze(0);
  EMBER_CHECK(input.size(1) == input_size_, "[{}] input has inconsistent input_size: got {} expected {}", module,
              input.size(1), input_size_);
  return batched;
}

Tensor RNNCellImplBase::prepare_state(const Tensor& input, Tensor state, bool batched, int index) const {
  const std::string& module = name();
  if (!state.defined()) return zeros({input.size(0), hidden_size_}, input.options());
  EMBER_CHECK(state.dim() == input.dim() - (batched ? 0 : 1),
              "[{}] hidden{} must be {}-D like the input, got a {}-D tensor", module, index, batched ? 2 : 1,
              state.dim());
  if (!batched) state = state.unsqueeze(0);
  EMBER_CHECK(input.size(0) == state.size(0), "[{}] Input batch size {} doesn't match hidden{} batch size {}", module,
              input.size(0), index, state.size(0));
  EMBER_CHECK(state.size(1) == hidden_size_, "[{}] hidden{} has inconsistent hidden_size: got {}, expected {}", module,
              index, state.size(1), hidden_size_);
  return state;
}

}  // namespace detail

RNNCellImpl::RNNCellImpl(const RNNCellOptions& options_)
    : RNNCellImplBase("RNNCell", options_.input_size(), options_.hidden_size(), options_.bias(), 1), options(options_) {
  check_nonlinearity("RNNCell", options.nonlinearity());
  nonlinearity_ = options.nonlinearity();
}

Tensor RNNCellImpl::forward(const Tensor& input_, Tensor hx) {
  Tensor input = input_;
  const bool batched = prepare_input(input);
  hx = prepare_state(input, std::move(hx), batched, 0);
  Tensor h = simple_step(linear(input, weight_ih, maybe(bias_ih)), hx, weight_hh, bias_hh, nonlinearity_ == "relu");
  return batched ? h : h.squeeze(0);
}

LSTMCellImpl::LSTMCellImpl(const LSTMCellOptions& options_)
    : RNNCellImplBase("LSTMCell", options_.input_size(), options_.hidden_size(), options_.bias(), 4),
      options(options_) {}

std::tuple<Tensor, Tensor> LSTMCellImpl::forward(const Tensor& input_, std::optional<std::tuple<Tensor, Tensor>> hx) {
  Tensor input = input_;
  const bool batched = prepare_input(input);
  Tensor h0, c0;
  if (hx) {
    std::tie(h0, c0) = *hx;
    EMBER_CHECK(h0.defined() && c0.defined(),
                "[LSTMCell] hx must hold two defined tensors (h0, c0); pass std::nullopt for zero initial states");
  }
  h0 = prepare_state(input, h0, batched, 0);
  c0 = prepare_state(input, c0, batched, 1);
  auto [h, c] = lstm_step(linear(input, weight_ih, maybe(bias_ih)), h0, c0, weight_hh, bias_hh, Tensor());
  if (!batched) return {h.squeeze(0), c.squeeze(0)};
  return {h, c};
}

GRUCellImpl::GRUCellImpl(const GRUCellOptions& options_)
    : RNNCellImplBase("GRUCell", options_.input_size(), options_.hidden_size(), options_.bias(), 3),
      options(options_) {}

Tensor GRUCellImpl::forward(const Tensor& input_, Tensor hx) {
  Tensor input = input_;
  const bool batched = prepare_input(input);
  hx = prepare_state(input, std::move(hx), batched, 0);
  Tensor h = gru_step(linear(input, weight_ih, maybe(bias_ih)), hx, weight_hh, bias_hh);
  return batched ? h : h.squeeze(0);
}

}  // namespace ember::nn
