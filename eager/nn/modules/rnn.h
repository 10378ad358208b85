// Recurrent layers as libtorch's (RNN, LSTM, GRU and their single-step cells), computed with
// differentiable ops so that autograd gives the backward pass.
#pragma once

#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "eager/nn/module.h"
#include "eager/nn/options.h"

namespace ember::nn {

// ---- options ----

// nonlinearity is PyTorch's name, "tanh" or "relu" (libtorch spells it torch::kTanh / torch::kReLU).
struct RNNOptions {
  RNNOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(int64_t, num_layers) = 1;
  EMBER_ARG(std::string, nonlinearity) = "tanh";
  EMBER_ARG(bool, bias) = true;
  // Inputs and outputs are (batch, seq, feature) instead of (seq, batch, feature); hidden states are not affected.
  EMBER_ARG(bool, batch_first) = false;
  // Dropout on the outputs of every layer but the last, in training.
  EMBER_ARG(double, dropout) = 0.0;
  EMBER_ARG(bool, bidirectional) = false;
};

struct LSTMOptions {
  LSTMOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(int64_t, num_layers) = 1;
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(double, dropout) = 0.0;
  EMBER_ARG(bool, bidirectional) = false;
  // When > 0, h is projected to proj_size features by weight_hr_l{k} (an "LSTMP").
  EMBER_ARG(int64_t, proj_size) = 0;
};

struct GRUOptions {
  GRUOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(int64_t, num_layers) = 1;
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(double, dropout) = 0.0;
  EMBER_ARG(bool, bidirectional) = false;
};

namespace detail {

enum class RNNMode { RNN_TANH, RNN_RELU, LSTM, GRU };

// What the three layer option structs have in common, as libtorch's RNNOptionsBase.
struct RNNOptionsBase {
  RNNOptionsBase(RNNMode mode, int64_t input_size, int64_t hidden_size)
      : mode_(mode), input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(RNNMode, mode);
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(int64_t, num_layers) = 1;
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(double, dropout) = 0.0;
  EMBER_ARG(bool, bidirectional) = false;
  EMBER_ARG(int64_t, proj_size) = 0;
};

// Registers the weights in PyTorch's order and names, initialises them as PyTorch does, and
// runs the layers over a whole sequence.
class RNNImplBase : public Module {
 public:
  RNNImplBase(std::string name, const RNNOptionsBase& options);
  // Every parameter ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in registration order.
  void reset_parameters();
  std::string extra_repr() const override;
  // The parameters in PyTorch's order (_flat_weights): per layer and direction w_ih, w_hh, b_ih, b_hh, w_hr.
  std::vector<Tensor> all_weights() const;

  RNNOptionsBase options_base;

 protected:
  // Checks the input and the initial states, runs the layers, and returns (output, h_n, c_n); c_n and c0
  // are only used by LSTM. hx / cx may be undefined (zeros). Handles batch_first and unbatched input.
  std::tuple<Tensor, Tensor, Tensor> forward_impl(const Tensor& input, Tensor hx, Tensor cx);

 private:
  int64_t num_directions() const { return options_base.bidirectional() ? 2 : 1; }
  int64_t real_hidden_size() const {
    return options_base.proj_size() > 0 ? options_base.proj_size() : options_base.hidden_size();
  }

  // Per layer and direction, the parameters (undefined when absent: no bias, no projection).
  struct LayerWeights {
    Tensor w_ih, w_hh, b_ih, b_hh, w_hr;
  };
  std::vector<LayerWeights> layer_weights_;
};

}  // namespace detail

// Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act = tanh or relu.
class RNNImpl : public detail::RNNImplBase {
 public:
  RNNImpl(int64_t input_size, int64_t hidden_size) : RNNImpl(RNNOptions(input_size, hidden_size)) {}
  explicit RNNImpl(const RNNOptions& options);
  // input: (seq, batch, input_size), (batch, seq, input_size) when batch_first, or (seq, input_size) unbatched.
  // h0: (num_layers * num_directions, batch, hidden_size) (2-D when unbatched); zeros when undefined.
  // Returns (output, h_n); output has num_directions * hidden_size features, forward direction first.
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});

  RNNOptions options;
};
EMBER_MODULE(RNN);

// LSTM with PyTorch's gate order i, f, g, o: c_t = f * c_{t-1} + i * g, h_t = o * tanh(c_t) (then W_hr when
// proj_size > 0).
class LSTMImpl : public detail::RNNImplBase {
 public:
  LSTMImpl(int64_t input_size, int64_t hidden_size) : LSTMImpl(LSTMOptions(input_size, hidden_size)) {}
  explicit LSTMImpl(const LSTMOptions& options);
  // hx = (h0, c0), zeros when absent. Returns (output, (h_n, c_n)).
  std::tuple<Tensor, std::tuple<Tensor, Tensor>> forward(const Tensor& input,
                                                         std::optional<std::tuple<Tensor, Tensor>> hx = {});

  LSTMOptions options;
};
EMBER_MODULE(LSTM);

// GRU with PyTorch's gate order r, z, n: n = tanh(W_in x + b_in + r * (W_hn h + b_hn)), h' = (1 - z) * n + z * h.
class GRUImpl : public detail::RNNImplBase {
 public:
  GRUImpl(int64_t input_size, int64_t hidden_size) : GRUImpl(GRUOptions(input_size, hidden_size)) {}
  explicit GRUImpl(const GRUOptions& options);
  std::tuple<Tensor, Tensor> forward(const Tensor& input, Tensor hx = {});

  GRUOptions options;
};
EMBER_MODULE(GRU);

// ---- cells: one time step ----

struct RNNCellOptions {
  RNNCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(bool, bias) = true;
  EMBER_ARG(std::string, nonlinearity) = "tanh";
};

struct LSTMCellOptions {
  LSTMCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(bool, bias) = true;
};

struct GRUCellOptions {
  GRUCellOptions(int64_t input_size, int64_t hidden_size) : input_size_(input_size), hidden_size_(hidden_size) {}
  EMBER_ARG(int64_t, input_size);
  EMBER_ARG(int64_t, hidden_size);
  EMBER_ARG(bool, bias) = true;
};

namespace detail {

// weight_ih, weight_hh, bias_ih, bias_hh for num_chunks gates, initialised as the layers are.
class RNNCellImplBase : public Module {
 public:
  RNNCellImplBase(std::string name, int64_t input_size, int64_t hidden_size, bool bias, int64_t num_chunks);
  void reset_parameters();
  std::string extra_repr() const override;

  Tensor weight_ih, weight_hh, bias_ih, bias_hh;

 protected:
  // Makes input 2-D (unbatched 1-D input gets a batch of one) and checks sizes; returns whether it was batched.
  bool prepare_input(Tensor& input) const;
  // Makes a state 2-D like the input (zeros when undefined) and checks its sizes; index names it in errors.
  Tensor prepare_state(const Tensor& input, Tensor state, bool batched, int index) const;

  int64_t input_size_, hidden_size_;
  bool has_bias_;
  std::string nonlinearity_ = "tanh";  // shown by extra_repr when not "tanh" (RNNCell only)
};

}  // namespace detail

class RNNCellImpl : public detail::RNNCellImplBase {
 public:
  RNNCellImpl(int64_t input_size, int64_t hidden_size) : RNNCellImpl(RNNCellOptions(input_size, hidden_size)) {}
  explicit RNNCellImpl(const RNNCellOptions& options);
  // input: (batch, input_size) or (input_size); hx like it with hidden_size features, zeros when undefined.
  Tensor forward(const Tensor& input, Tensor hx = {});

  RNNCellOptions options;
};
EMBER_MODULE(RNNCell);

class LSTMCellImpl : public detail::RNNCellImplBase {
 public:
  LSTMCellImpl(int64_t input_size, int64_t hidden_size) : LSTMCellImpl(LSTMCellOptions(input_size, hidden_size)) {}
  explicit LSTMCellImpl(const LSTMCellOptions& options);
  // Returns (h', c').
  std::tuple<Tensor, Tensor> forward(const Tensor& input, std::optional<std::tuple<Tensor, Tensor>> hx = {});

  LSTMCellOptions options;
};
EMBER_MODULE(LSTMCell);

class GRUCellImpl : public detail::RNNCellImplBase {
 public:
  GRUCellImpl(int64_t input_size, int64_t hidden_size) : GRUCellImpl(GRUCellOptions(input_size, hidden_size)) {}
  explicit GRUCellImpl(const GRUCellOptions& options);
  Tensor forward(const Tensor& input, Tensor hx = {});

  GRUCellOptions options;
};
EMBER_MODULE(GRUCell);

}  // namespace ember::nn
