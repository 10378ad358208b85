// The Transformer family, following PyTorch 1.13's torch/nn/modules/transformer.py (its reference path,
// not the fused inference fast paths, which compute the same values).
#include "eager/nn/modules/transformer.h"

#include <cmath>
#include <limits>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "eager/random.h"
#include "kernels/check.h"

namespace ember::nn {

namespace {

// What copy.deepcopy gives PyTorch's _get_clones: a new layer with the same parameter values,
// requires_grad flags and train/eval modes. The generator state is restored after construction,
// so cloning draws no random numbers (as deepcopy draws none).
template <typename Impl>
std::shared_ptr<Impl> clone_layer(const Impl& layer) {
  const Tensor state = default_generator().get_state();
  auto copy = std::make_shared<Impl>(layer.options);
  default_generator().set_state(state);
  {
    NoGradGuard no_grad;
    const auto from = layer.named_parameters();
    for (auto& item : copy->named_parameters()) {
      Tensor target = item.value();
      const Tensor& source = from[item.key()];
      target.copy_(source);
      target.requires_grad_(source.requires_grad());
    }
  }
  const auto from_modules = layer.named_modules();
  for (auto& item : copy->named_modules()) item.value()->train(from_modules[item.key()]->is_training());
  return copy;
}

// PyTorch's ModuleList: children named "0", "1", ... under one parent.
template <typename Holder>
std::vector<Holder> register_clones(Module& parent, const Holder& layer, int64_t num_layers, const char* what) {
  EMBER_CHECK(!layer.is_empty(), "[{}] the layer to copy is empty (nullptr); construct it first", what);
  EMBER_CHECK(num_layers >= 0, "[{}] num_layers must be non-negative, got {}", what, num_layers);
  auto list = parent.register_module("layers", std::make_shared<Module>("ModuleList"));
  std::vector<Holder> layers;
  for (int64_t i = 0; i < num_layers; ++i)
    layers.push_back(Holder(list->register_module(std::to_string(i), layer->clone())));
  return layers;
}

void check_key_padding_mask(const Tensor& mask, const char* what) {
  if (mask.defined())
    EMBER_CHECK(mask.scalar_type() == kBool || mask.is_floating_point(),
                "[{}] only bool and floating key padding masks are supported, got {}", what,
                python_name(mask.scalar_type()));
}

}  // namespace

TransformerActivation::TransformerActivation(const std::string& name) : name_(name) {
  if (name == "relu")
    function_ = [](const Tensor& x) { return relu(x); };
  else if (name == "gelu")
    function_ = [](const Tensor& x) { return gelu(x); };
  else
    EMBER_FAIL("[Transformer] activation should be \"relu\" or \"gelu\" (or a function), not \"{}\"", name);
}

Tensor TransformerActivation::operator()(const Tensor& x) const { return function_(x); }

// ---- encoder layer ----

TransformerEncoderLayerImpl::TransformerEncoderLayerImpl(const TransformerEncoderLayerOptions& options_)
    : Module("TransformerEncoderLayer"), options(options_) {
  EMBER_CHECK(options.dim_feedforward() > 0, "[TransformerEncoderLayer] dim_feedforward must be positive, got {}",
              options.dim_feedforward());
  // Construction order is PyTorch's, so default-initialised weights match for the same seed.
  self_attn =
      register_module("self_attn", MultiheadAttention(MultiheadAttentionOptions(options.d_model(), options.nhead())
                                                          .dropout(options.dropout())
                                                          .batch_first(options.batch_first())));
  linear1 = register_module("linear1", Linear(options.d_model(), options.dim_feedforward()));
  dropout = register_module("dropout", Dropout(options.dropout()));
  linear2 = register_module("linear2", Linear(options.dim_feedforward(), options.d_model()));
  const auto norm_options = LayerNormOptions({options.d_model()}).eps(options.layer_norm_eps());
  norm1 = register_module("norm1", LayerNorm(norm_options));
  norm2 = register_module("norm2", LayerNorm(norm_options));
  dropout1 = register_module("dropout1", Dropout(options.dropout()));
  dropout2 = register_module("dropout2", Dropout(options.dropout()));
}

Tensor TransformerEncoderLayerImpl::forward(const Tensor& src, const Tensor& src_mask,
                                            const Tensor& src_key_padding_mask) {
  check_key_padding_mask(src_key_padding_mask, "TransformerEncoderLayer");
  auto self_attention = [&](const Tensor& x) {
    return dropout1(std::get<0>(self_attn(x, x, x, src_key_padding_mask, false, src_mask)));
  };
  auto feed_forward = [&](const Tensor& x) { return dropout2(linear2(dropout(options.activation()(linear1(x))))); };
  Tensor x = src;
  if (options.norm_first()) {
    x = x + self_attention(norm1(x));
    x = x + feed_forward(norm2(x));
  } else {
    x = norm1(x + self_attention(x));
    x = norm2(x + feed_forward(x));
  }
  return x;
}

std::shared_ptr<TransformerEncoderLayerImpl> TransformerEncoderLayerImpl::clone() const { return clone_layer(*this); }

// ---- decoder layer ----

TransformerDecoderLayerImpl::TransformerDecoderLayerImpl(const TransformerDecoderLayerOptions& options_)
    : Module("TransformerDecoderLayer"), options(options_) {
  EMBER_CHECK(options.dim_feedforward() > 0, "[TransformerDecoderLayer] dim_feedforward must be positive, got {}",
              options.dim_feedforward());
  const auto attention_options = MultiheadAttentionOptions(options.d_model(), options.nhead())
                                     .dropout(options.dropout())
                                     .batch_first(options.batch_first());
  self_attn = register_module("self_attn", MultiheadAttention(attention_options));
  multihead_attn = register_module("multihead_attn", MultiheadAttention(attention_options));
  linear1 = register_module("linear1", Linear(options.d_model(), options.dim_feedforward()));
  dropout = register_module("dropout", Dropout(options.dropout()));
  linear2 = register_module("linear2", Linear(options.dim_feedforward(), options.d_model()));
  const auto norm_options = LayerNormOptions({options.d_model()}).eps(options.layer_norm_eps());
  norm1 = register_module("norm1", LayerNorm(norm_options));
  norm2 = register_module("norm2", LayerNorm(norm_options));
  norm3 = register_module("norm3", LayerNorm(norm_options));
  dropout1 = register_module("dropout1", Dropout(options.dropout()));
  dropout2 = register_module("dropout2", Dropout(options.dropout()));
  dropout3 = register_module("dropout3", Dropout(options.dropout()));
}

Tensor TransformerDecoderLayerImpl::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                            const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                            const Tensor& memory_key_padding_mask) {
  EMBER_CHECK(memory.defined(), "[TransformerDecoderLayer] memory (the encoder's output) must be a defined tensor");
  auto self_attention = [&](const Tensor& x) {
    return dropout1(std::get<0>(self_attn(x, x, x, tgt_key_padding_mask, false, tgt_mask)));
  };
  auto memory_attention = [&](const Tensor& x) {
    return dropout2(std::get<0>(multihead_attn(x, memory, memory, memory_key_padding_mask, false, memory_mask)));
  };
  auto feed_forward = [&](const Tensor& x) { return dropout3(linear2(dropout(options.activation()(linear1(x))))); };
  Tensor x = tgt;
  if (options.norm_first()) {
    x = x + self_attention(norm1(x));
    x = x + memory_attention(norm2(x));
    x = x + feed_forward(norm3(x));
  } else {
    x = norm1(x + self_attention(x));
    x = norm2(x + memory_attention(x));
    x = norm3(x + feed_forward(x));
  }
  return x;
}

std::shared_ptr<TransformerDecoderLayerImpl> TransformerDecoderLayerImpl::clone() const { return clone_layer(*this); }

// ---- stacks ----

TransformerEncoderImpl::TransformerEncoderImpl(const TransformerEncoderOptions& options_)
    : Module("TransformerEncoder"), options(options_) {
  layers = register_clones(*this, options.encoder_layer(), options.num_layers(), "TransformerEncoder");
  if (!options.norm().is_empty()) norm = register_module("norm", options.norm());
}

Tensor TransformerEncoderImpl::forward(const Tensor& src, const Tensor& mask, const Tensor& src_key_padding_mask) {
  check_key_padding_mask(src_key_padding_mask, "TransformerEncoder");
  Tensor output = src;
  for (auto& layer : layers) output = layer(output, mask, src_key_padding_mask);
  if (!norm.is_empty()) output = norm(output);
  return output;
}

TransformerDecoderImpl::TransformerDecoderImpl(const TransformerDecoderOptions& options_)
    : Module("TransformerDecoder"), options(options_) {
  layers = register_clones(*this, options.decoder_layer(), options.num_layers(), "TransformerDecoder");
  if (!options.norm().is_empty()) norm = register_module("norm", options.norm());
}

Tensor TransformerDecoderImpl::forward(const Tensor& tgt, const Tensor& memory, const Tensor& tgt_mask,
                                       const Tensor& memory_mask, const Tensor& tgt_key_padding_mask,
                                       const Tensor& memory_key_padding_mask) {
  Tensor output = tgt;
  for (auto& layer : layers)
    output = layer(output, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
  if (!norm.is_empty()) output = norm(output);
  return output;
}

// ---- the model ----

TransformerImpl::TransformerImpl(const TransformerOptions& options_) : Module("Transformer"), options(options_) {
  const auto layer_options = TransformerEncoderLayerOptions(options.d_model(), options.nhead())
                                 .dim_feedforward(options.dim_feedforward())
                                 .dropout(options.dropout())
                                 .activation(options.activation())
                                 .layer_norm_eps(options.layer_norm_eps())
                                 .batch_first(options.batch_first())
                                 .norm_first(options.norm_first());
  const auto norm_options = LayerNormOptions({options.d_model()}).eps(options.layer_norm_eps());
  // PyTorch builds (and so draws for) the encoder layer, then the decoder layer.
  if (!options.custom_encoder().is_empty()) {
    encoder = register_module("encoder", options.custom_encoder());
  } else {
    TransformerEncoderLayer layer(layer_options);
    encoder = register_module(
        "encoder", TransformerEncoder(
                       TransformerEncoderOptions(layer, options.num_encoder_layers()).norm(LayerNorm(norm_options))));
  }
  if (!options.custom_decoder().is_empty()) {
    decoder = register_module("decoder", options.custom_decoder());
  } else {
    TransformerDecoderLayer layer(layer_options);
    decoder = register_module(
        "decoder", TransformerDecoder(
                       TransformerDecoderOptions(layer, options.num_decoder_layers()).norm(LayerNorm(norm_options))));
  }
  reset_parameters();
}

void TransformerImpl::reset_parameters() {
  NoGradGuard no_grad;
  for (Tensor& p : parameters()) {
    if (p.dim() <= 1) continue;
    double receptive = 1;
    for (int64_t d = 2; d < p.dim(); ++d) receptive *= double(p.size(d));
    const double fan_in = double(p.size(1)) * receptive, fan_out = double(p.size(0)) * receptive;
    const double bound = std::sqrt(6.0 / (fan_in + fan_out));
    p.uniform_(-bound, bound);
  }
}

Tensor TransformerImpl::forward(const Tensor& src, const Tensor& tgt, const Tensor& src_mask, const Tensor& tgt_mask,
                                const Tensor& memory_mask, const Tensor& src_key_padding_mask,
                                const Tensor& tgt_key_padding_mask, const Tensor& memory_key_padding_mask) {
  EMBER_CHECK(src.defined() && tgt.defined(), "[Transformer] src and tgt must be defined tensors");
  const bool is_batched = src.dim() == 3;
  if (is_batched) {
    const int64_t batch_dim = options.batch_first() ? 0 : 1;
    EMBER_CHECK(tgt.dim() == 3 && src.size(batch_dim) == tgt.size(batch_dim),
                "[Transformer] the batch number of src and tgt must be equal, got src {} and tgt {}",
                ember::detail::shape_str(src.sizes()), ember::detail::shape_str(tgt.sizes()));
  }
  EMBER_CHECK(src.size(-1) == options.d_model() && tgt.size(-1) == options.d_model(),
              "[Transformer] the feature number of src and tgt must be equal to d_model={}, got {} and {}",
              options.d_model(), src.size(-1), tgt.size(-1));
  Tensor memory = encoder(src, src_mask, src_key_padding_mask);
  return decoder(tgt, memory, tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask);
}

Tensor TransformerImpl::generate_square_subsequent_mask(int64_t sz) {
  EMBER_CHECK(sz >= 0, "[Transformer] generate_square_subsequent_mask needs a non-negative size, got {}", sz);
  return triu(full({sz, sz}, -std::numeric_limits<double>::infinity()), 1);
}

}  // namespace ember::nn
