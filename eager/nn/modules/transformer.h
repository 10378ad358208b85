// The Transformer family (encoder/decoder layers, their stacks and the full model), as torch.nn.Transformer.
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "eager/nn/module.h"
#include "eager/nn/modules/attention.h"
#include "eager/nn/modules/linear.h"
#include "eager/nn/options.h"

namespace ember::nn {

// The feed-forward activation of the transformer layers: "relu" (the default), "gelu", or any unary function.
class TransformerActivation {
 public:
  TransformerActivation(const char* name) : TransformerActivation(std::string(name)) {}  // NOLINT: "gelu"
  TransformerActivation(const std::string& name);                                        // NOLINT
  template <typename F, typename = std::enable_if_t<std::is_invocable_r_v<Tensor, F, const Tensor&> &&
                                                    !std::is_convertible_v<F, std::string>>>
  TransformerActivation(F function) : function_(std::move(function)) {}  // NOLINT: a lambda or function
  Tensor operator()(const Tensor& x) const;
  // "relu", "gelu", or "" for a custom function.
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  std::function<Tensor(const Tensor&)> function_;
};

struct TransformerEncoderLayerOptions {
  TransformerEncoderLayerOptions(int64_t d_model, int64_t nhead) : d_model_(d_model), nhead_(nhead) {}
  EMBER_ARG(int64_t, d_model);
  EMBER_ARG(int64_t, nhead);
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  EMBER_ARG(double, dropout) = 0.1;
  EMBER_ARG(TransformerActivation, activation) = "relu";
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  // (batch, seq, feature) inputs and outputs instead of (seq, batch, feature).
  EMBER_ARG(bool, batch_first) = false;
  // LayerNorm before attention and feed-forward (pre-norm) instead of after the residual sum.
  EMBER_ARG(bool, norm_first) = false;
};

// Self-attention then a feed-forward network, each with a residual connection and a LayerNorm.
class TransformerEncoderLayerImpl : public Module {
 public:
  TransformerEncoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerEncoderLayerImpl(TransformerEncoderLayerOptions(d_model, nhead)) {}
  explicit TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& options);
  // src (S, N, E), (N, S, E) with batch_first, or unbatched (S, E); masks as MultiheadAttention's
  // attn_mask and key_padding_mask.
  Tensor forward(const Tensor& src, const Tensor& src_mask = {}, const Tensor& src_key_padding_mask = {});
  // A deep copy (PyTorch's copy.deepcopy): same options, parameter values and train/eval modes.
  // It draws no random numbers, so the default generator is left as it was.
  std::shared_ptr<TransformerEncoderLayerImpl> clone() const;

  TransformerEncoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  Linear linear1{nullptr};
  Dropout dropout{nullptr};
  Linear linear2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr};
  Dropout dropout1{nullptr}, dropout2{nullptr};
};
EMBER_MODULE(TransformerEncoderLayer);

using TransformerDecoderLayerOptions = TransformerEncoderLayerOptions;

// Self-attention over the target, attention over the encoder's output (memory), then a feed-forward
// network, each with a residual connection and a LayerNorm.
class TransformerDecoderLayerImpl : public Module {
 public:
  TransformerDecoderLayerImpl(int64_t d_model, int64_t nhead)
      : TransformerDecoderLayerImpl(TransformerDecoderLayerOptions(d_model, nhead)) {}
  explicit TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& options);
  // tgt (T, N, E), memory (S, N, E) (batch first or unbatched as the encoder layer).
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {});
  // A deep copy, as TransformerEncoderLayerImpl::clone.
  std::shared_ptr<TransformerDecoderLayerImpl> clone() const;

  TransformerDecoderLayerOptions options;
  MultiheadAttention self_attn{nullptr};
  MultiheadAttention multihead_attn{nullptr};
  Linear linear1{nullptr};
  Dropout dropout{nullptr};
  Linear linear2{nullptr};
  LayerNorm norm1{nullptr}, norm2{nullptr}, norm3{nullptr};
  Dropout dropout1{nullptr}, dropout2{nullptr}, dropout3{nullptr};
};
EMBER_MODULE(TransformerDecoderLayer);

struct TransformerEncoderOptions {
  TransformerEncoderOptions(TransformerEncoderLayer encoder_layer, int64_t num_layers)
      : encoder_layer_(std::move(encoder_layer)), num_layers_(num_layers) {}
  TransformerEncoderOptions(const TransformerEncoderLayerOptions& layer_options, int64_t num_layers)
      : TransformerEncoderOptions(TransformerEncoderLayer(layer_options), num_layers) {}
  // The layer that is deep-copied num_layers times (it is not itself one of the layers).
  EMBER_ARG(TransformerEncoderLayer, encoder_layer);
  EMBER_ARG(int64_t, num_layers);
  // Applied to the last layer's output when set.
  EMBER_ARG(LayerNorm, norm) = nullptr;
};

// num_layers copies of an encoder layer, all starting with the given layer's weights.
class TransformerEncoderImpl : public Module {
 public:
  TransformerEncoderImpl(TransformerEncoderLayer encoder_layer, int64_t num_layers, LayerNorm norm = nullptr)
      : TransformerEncoderImpl(TransformerEncoderOptions(std::move(encoder_layer), num_layers).norm(std::move(norm))) {}
  explicit TransformerEncoderImpl(const TransformerEncoderOptions& options);
  Tensor forward(const Tensor& src, const Tensor& mask = {}, const Tensor& src_key_padding_mask = {});

  TransformerEncoderOptions options;
  // Registered as the ModuleList "layers" ("layers.0.self_attn...").
  std::vector<TransformerEncoderLayer> layers;
  LayerNorm norm{nullptr};
};
EMBER_MODULE(TransformerEncoder);

struct TransformerDecoderOptions {
  TransformerDecoderOptions(TransformerDecoderLayer decoder_layer, int64_t num_layers)
      : decoder_layer_(std::move(decoder_layer)), num_layers_(num_layers) {}
  TransformerDecoderOptions(const TransformerDecoderLayerOptions& layer_options, int64_t num_layers)
      : TransformerDecoderOptions(TransformerDecoderLayer(layer_options), num_layers) {}
  EMBER_ARG(TransformerDecoderLayer, decoder_layer);
  EMBER_ARG(int64_t, num_layers);
  EMBER_ARG(LayerNorm, norm) = nullptr;
};

// num_layers copies of a decoder layer, all starting with the given layer's weights.
class TransformerDecoderImpl : public Module {
 public:
  TransformerDecoderImpl(TransformerDecoderLayer decoder_layer, int64_t num_layers, LayerNorm norm = nullptr)
      : TransformerDecoderImpl(TransformerDecoderOptions(std::move(decoder_layer), num_layers).norm(std::move(norm))) {}
  explicit TransformerDecoderImpl(const TransformerDecoderOptions& options);
  Tensor forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask = {}, const Tensor& memory_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {});

  TransformerDecoderOptions options;
  std::vector<TransformerDecoderLayer> layers;
  LayerNorm norm{nullptr};
};
EMBER_MODULE(TransformerDecoder);

struct TransformerOptions {
  TransformerOptions(int64_t d_model = 512, int64_t nhead = 8) : d_model_(d_model), nhead_(nhead) {}  // NOLINT
  TransformerOptions(int64_t d_model, int64_t nhead, int64_t num_encoder_layers, int64_t num_decoder_layers)
      : d_model_(d_model),
        nhead_(nhead),
        num_encoder_layers_(num_encoder_layers),
        num_decoder_layers_(num_decoder_layers) {}
  EMBER_ARG(int64_t, d_model);
  EMBER_ARG(int64_t, nhead);
  EMBER_ARG(int64_t, num_encoder_layers) = 6;
  EMBER_ARG(int64_t, num_decoder_layers) = 6;
  EMBER_ARG(int64_t, dim_feedforward) = 2048;
  EMBER_ARG(double, dropout) = 0.1;
  EMBER_ARG(TransformerActivation, activation) = "relu";
  // Used instead of building the encoder/decoder from the options above when set.
  EMBER_ARG(TransformerEncoder, custom_encoder) = nullptr;
  EMBER_ARG(TransformerDecoder, custom_decoder) = nullptr;
  EMBER_ARG(double, layer_norm_eps) = 1e-5;
  EMBER_ARG(bool, batch_first) = false;
  EMBER_ARG(bool, norm_first) = false;
};

// Encoder (with a final LayerNorm) and decoder (with a final LayerNorm) of "Attention Is All You Need".
class TransformerImpl : public Module {
 public:
  explicit TransformerImpl(const TransformerOptions& options = {});
  TransformerImpl(int64_t d_model, int64_t nhead, int64_t num_encoder_layers, int64_t num_decoder_layers)
      : TransformerImpl(TransformerOptions(d_model, nhead, num_encoder_layers, num_decoder_layers)) {}
  // PyTorch's _reset_parameters: xavier_uniform_ on every parameter with more than one dim.
  void reset_parameters();
  // src (S, N, E) and tgt (T, N, E) ((N, S, E), (N, T, E) with batch_first; or unbatched); returns (T, N, E).
  Tensor forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask = {}, const Tensor& tgt_mask = {},
                 const Tensor& memory_mask = {}, const Tensor& src_key_padding_mask = {},
                 const Tensor& tgt_key_padding_mask = {}, const Tensor& memory_key_padding_mask = {});
  // A float (sz, sz) mask: 0 on and below the diagonal, -inf above (position i attends to j <= i).
  static Tensor generate_square_subsequent_mask(int64_t sz);

  TransformerOptions options;
  TransformerEncoder encoder{nullptr};
  TransformerDecoder decoder{nullptr};
};
EMBER_MODULE(Transformer);

}  // namespace ember::nn
