// MultiheadAttention: scaled dot-product attention over several heads, as torch.nn.MultiheadAttention.
#pragma once

#include <tuple>

#include "eager/nn/module.h"
#include "eager/nn/modules/linear.h"
#include "eager/nn/options.h"

namespace ember::nn {

struct MultiheadAttentionOptions {
  MultiheadAttentionOptions(int64_t embed_dim, int64_t num_heads)
      : embed_dim_(embed_dim), num_heads_(num_heads), kdim_(embed_dim), vdim_(embed_dim) {}
  EMBER_ARG(int64_t, embed_dim);
  EMBER_ARG(int64_t, num_heads);
  // Dropout probability on the attention weights (training only).
  EMBER_ARG(double, dropout) = 0.0;
  // Biases on the input and output projections.
  EMBER_ARG(bool, bias) = true;
  // Learned key and value rows (bias_k, bias_v) appended to the keys and values.
  EMBER_ARG(bool, add_bias_kv) = false;
  // A row of zeros appended to the keys and values (after bias_k/bias_v).
  EMBER_ARG(bool, add_zero_attn) = false;
  // Feature sizes of key and value; when either differs from embed_dim the projections are
  // separate parameters (q_proj_weight, k_proj_weight, v_proj_weight).
  EMBER_ARG(int64_t, kdim);
  EMBER_ARG(int64_t, vdim);
  // Batched inputs and outputs are (batch, seq, feature) instead of (seq, batch, feature).
  EMBER_ARG(bool, batch_first) = false;
};

// The output projection of MultiheadAttention: a Linear that PyTorch prints under this name.
class NonDynamicallyQuantizableLinearImpl : public LinearImpl {
 public:
  using LinearImpl::LinearImpl;
  void pretty_print(std::ostream& stream, int indent = 0) const override;
};
EMBER_MODULE(NonDynamicallyQuantizableLinear);

// Attention(Q, K, V) = softmax(Q K^T / sqrt(head_dim) + mask) V for each head, then out_proj.
// Parameters as PyTorch names them: in_proj_weight (3 * embed_dim, embed_dim) packing the q, k and v
// projections (or q_proj_weight, k_proj_weight, v_proj_weight when kdim/vdim differ), in_proj_bias,
// bias_k, bias_v and the out_proj submodule.
class MultiheadAttentionImpl : public Module {
 public:
  MultiheadAttentionImpl(int64_t embed_dim, int64_t num_heads)
      : MultiheadAttentionImpl(MultiheadAttentionOptions(embed_dim, num_heads)) {}
  explicit MultiheadAttentionImpl(const MultiheadAttentionOptions& options);

  // PyTorch's _reset_parameters: xavier_uniform_ on the input projections, zero biases,
  // xavier_normal_ on bias_k/bias_v. out_proj.weight keeps Linear's default init.
  void reset_parameters();

  // query (L, N, E), key (S, N, kdim), value (S, N, vdim); (N, L, E) etc. with batch_first; or
  // unbatched (L, E), (S, kdim), (S, vdim). Returns (attn_output, attn_weights):
  //  - key_padding_mask (N, S) or (S): bool (true = ignore that key) or float (added);
  //  - attn_mask (L, S) or (N * num_heads, L, S): bool (true = may not attend) or float (added);
  //  - attn_weights is (N, L, S) averaged over heads, (N, num_heads, L, S) when
  //    !average_attn_weights, and undefined when !need_weights.
  std::tuple<Tensor, Tensor> forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                     const Tensor& key_padding_mask = {}, bool need_weights = true,
                                     const Tensor& attn_mask = {}, bool average_attn_weights = true);

  MultiheadAttentionOptions options;
  int64_t head_dim;
  // kdim == vdim == embed_dim: one packed in_proj_weight.
  bool qkv_same_embed_dim;
  Tensor in_proj_weight;
  Tensor in_proj_bias;
  Tensor bias_k;
  Tensor bias_v;
  Tensor q_proj_weight;
  Tensor k_proj_weight;
  Tensor v_proj_weight;
  Linear out_proj{nullptr};
};
EMBER_MODULE(MultiheadAttention);

}  // namespace ember::nn
