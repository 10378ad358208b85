// MultiheadAttention, following PyTorch 1.13's F.multi_head_attention_forward step by step.
#include "eager/nn/modules/attention.h"

#include <cmath>
#include <limits>
#include <ostream>

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "eager/ops_nn.h"
#include "kernels/check.h"

namespace ember::nn {

namespace {

// (fan_in, fan_out) as torch.nn.init computes them: dims 1 and 0 times the receptive field.
std::pair<double, double> fans(const Tensor& t) {
  double receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= double(t.size(d));
  return {double(t.size(1)) * receptive, double(t.size(0)) * receptive};
}

void xavier_uniform(Tensor& t) {
  const auto [fan_in, fan_out] = fans(t);
  const double bound = std::sqrt(6.0 / (fan_in + fan_out));
  t.uniform_(-bound, bound);
}

void xavier_normal(Tensor& t) {
  const auto [fan_in, fan_out] = fans(t);
  t.normal_(0, std::sqrt(2.0 / (fan_in + fan_out)));
}

// A bool mask becomes 0 where false and -inf where true; a float mask is added as it is.
Tensor additive_mask(const Tensor& mask, ScalarType dtype, const char* what) {
  if (mask.scalar_type() == kBool || mask.scalar_type() == kByte)
    return zeros(mask.sizes(), dtype).masked_fill(mask.to(kBool), -std::numeric_limits<double>::infinity());
  EMBER_CHECK(mask.is_floating_point(),
              "[MultiheadAttention] {} must be bool or floating point, got {}; pass a bool "
              "mask (true = masked) or an additive float mask",
              what, python_name(mask.scalar_type()));
  return mask.to(dtype);
}

// One column of zeros on the right of the last dim: the appended key/value rows are not masked.
Tensor pad_last(const Tensor& mask) {
  auto sizes = mask.sizes().vec();
  sizes.back() = 1;
  return cat({mask, zeros(sizes, mask.scalar_type())}, -1);
}

std::string shape_of(const Tensor& t) { return ember::detail::shape_str(t.sizes()); }

}  // namespace

void NonDynamicallyQuantizableLinearImpl::pretty_print(std::ostream& stream, int) const {
  stream << "NonDynamicallyQuantizableLinear(" << extra_repr() << ")";
}

MultiheadAttentionImpl::MultiheadAttentionImpl(const MultiheadAttentionOptions& options_)
    : Module("MultiheadAttention"), options(options_) {
  const int64_t E = options.embed_dim();
  EMBER_CHECK(E > 0 && options.num_heads() > 0,
              "[MultiheadAttention] embed_dim and num_heads must be positive, got {} and {}", E, options.num_heads());
  EMBER_CHECK(E % options.num_heads() == 0,
              "[MultiheadAttention] embed_dim must be divisible by num_heads, got embed_dim={} and num_heads={}", E,
              options.num_heads());
  EMBER_CHECK(options.kdim() > 0 && options.vdim() > 0,
              "[MultiheadAttention] kdim and vdim must be positive, got {} and {}", options.kdim(), options.vdim());
  EMBER_CHECK(options.dropout() >= 0 && options.dropout() <= 1,
              "[MultiheadAttention] dropout probability has to be between 0 and 1, but got {}", options.dropout());
  head_dim = E / options.num_heads();
  qkv_same_embed_dim = options.kdim() == E && options.vdim() == E;
  // Registration order is PyTorch's, so state_dict keys come out in its order.
  if (qkv_same_embed_dim) {
    in_proj_weight = register_parameter("in_proj_weight", empty({3 * E, E}));
  } else {
    q_proj_weight = register_parameter("q_proj_weight", empty({E, E}));
    k_proj_weight = register_parameter("k_proj_weight", empty({E, options.kdim()}));
    v_proj_weight = register_parameter("v_proj_weight", empty({E, options.vdim()}));
  }
  if (options.bias()) in_proj_bias = register_parameter("in_proj_bias", empty({3 * E}));
  // Constructing out_proj draws Linear's default init before reset_parameters, as in PyTorch.
  out_proj = register_module("out_proj",
                             Linear(std::shared_ptr<LinearImpl>(std::make_shared<NonDynamicallyQuantizableLinearImpl>(
                                 LinearOptions(E, E).bias(options.bias())))));
  if (options.add_bias_kv()) {
    bias_k = register_parameter("bias_k", empty({1, 1, E}));
    bias_v = register_parameter("bias_v", empty({1, 1, E}));
  }
  reset_parameters();
}

void MultiheadAttentionImpl::reset_parameters() {
  NoGradGuard no_grad;
  if (qkv_same_embed_dim) {
    xavier_uniform(in_proj_weight);
  } else {
    xavier_uniform(q_proj_weight);
    xavier_uniform(k_proj_weight);
    xavier_uniform(v_proj_weight);
  }
  if (in_proj_bias.defined()) {
    in_proj_bias.fill_(0);
    out_proj->bias.fill_(0);
  }
  if (bias_k.defined()) xavier_normal(bias_k);
  if (bias_v.defined()) xavier_normal(bias_v);
}

std::tuple<Tensor, Tensor> MultiheadAttentionImpl::forward(const Tensor& query_in, const Tensor& key_in,
                                                           const Tensor& value_in, const Tensor& key_padding_mask_in,
                                                           bool need_weights, const Tensor& attn_mask_in,
                                                           bool average_attn_weights) {
  const int64_t E = options.embed_dim();
  const int64_t num_heads = options.num_heads();
  EMBER_CHECK(query_in.defined() && key_in.defined() && value_in.defined(),
              "[MultiheadAttention] query, key and value must all be defined tensors");
  const bool is_batched = query_in.dim() == 3;
  EMBER_CHECK(query_in.dim() == 2 || query_in.dim() == 3,
              "[MultiheadAttention] query should be unbatched 2-D or batched 3-D, got a {}-D tensor", query_in.dim());
  EMBER_CHECK(key_in.dim() == query_in.dim() && value_in.dim() == query_in.dim(),
              "[MultiheadAttention] for a {}-D query, key and value must be {}-D too, got {}-D and {}-D",
              query_in.dim(), query_in.dim(), key_in.dim(), value_in.dim());
  if (key_padding_mask_in.defined())
    EMBER_CHECK(key_padding_mask_in.dim() == (is_batched ? 2 : 1),
                "[MultiheadAttention] key_padding_mask must be {}-D for a {} query, got a {}-D tensor",
                is_batched ? 2 : 1, is_batched ? "batched" : "unbatched", key_padding_mask_in.dim());
  if (attn_mask_in.defined())
    EMBER_CHECK(attn_mask_in.dim() == 2 || attn_mask_in.dim() == 3,
                "[MultiheadAttention] attn_mask must be 2-D (L, S) or 3-D (N * num_heads, L, S), got a {}-D tensor",
                attn_mask_in.dim());
  if (key_padding_mask_in.defined())
    EMBER_CHECK(key_padding_mask_in.scalar_type() == kBool || key_padding_mask_in.is_floating_point(),
                "[MultiheadAttention] only bool and floating key_padding_mask are supported, got {}",
                python_name(key_padding_mask_in.scalar_type()));

  // Work in (seq, batch, feature), a batch of one for unbatched inputs.
  Tensor query = query_in, key = key_in, value = value_in, key_padding_mask = key_padding_mask_in;
  if (!is_batched) {
    query = query.unsqueeze(1);
    key = key.unsqueeze(1);
    value = value.unsqueeze(1);
    if (key_padding_mask.defined()) key_padding_mask = key_padding_mask.unsqueeze(0);
  } else if (options.batch_first()) {
    query = query.transpose(0, 1);
    key = key.transpose(0, 1);
    value = value.transpose(0, 1);
  }
  const int64_t tgt_len = query.size(0), bsz = query.size(1);
  int64_t src_len = key.size(0);
  EMBER_CHECK(query.size(2) == E,
              "[MultiheadAttention] expected query's embedding dimension {}, got {} (query shape {})", E, query.size(2),
              shape_of(query_in));
  EMBER_CHECK(key.size(2) == options.kdim() && value.size(2) == options.vdim(),
              "[MultiheadAttention] expected key and value feature sizes kdim={} and vdim={}, got {} and {}",
              options.kdim(), options.vdim(), key.size(2), value.size(2));
  EMBER_CHECK(key.size(0) == value.size(0) && key.size(1) == value.size(1) && key.size(1) == bsz,
              "[MultiheadAttention] key {} and value {} must share sequence length and batch size with the query's "
              "batch size {}",
              shape_of(key_in), shape_of(value_in), bsz);

  // Input projections.
  auto opt = [](const Tensor& t) { return t.defined() ? std::optional<Tensor>(t) : std::nullopt; };
  const std::vector<Tensor> b = in_proj_bias.defined() ? chunk(in_proj_bias, 3) : std::vector<Tensor>(3);
  Tensor q, k, v;
  if (qkv_same_embed_dim) {
    if (query.is_same(key) && key.is_same(value)) {
      // Self-attention: one projection, as PyTorch does, for the same rounding.
      std::vector<Tensor> qkv = chunk(linear(query, in_proj_weight, opt(in_proj_bias)), 3, -1);
      q = qkv[0], k = qkv[1], v = qkv[2];
    } else {
      const std::vector<Tensor> w = chunk(in_proj_weight, 3);
      q = linear(query, w[0], opt(b[0]));
      k = linear(key, w[1], opt(b[1]));
      v = linear(value, w[2], opt(b[2]));
    }
  } else {
    q = linear(query, q_proj_weight, opt(b[0]));
    k = linear(key, k_proj_weight, opt(b[1]));
    v = linear(value, v_proj_weight, opt(b[2]));
  }

  // Masks as additive float tensors: attn_mask (1 or N * num_heads, L, S), key_padding_mask (N, S).
  Tensor attn_mask;
  if (attn_mask_in.defined()) {
    attn_mask = additive_mask(attn_mask_in, q.scalar_type(), "attn_mask");
    if (attn_mask.dim() == 2) {
      EMBER_CHECK(attn_mask.size(0) == tgt_len && attn_mask.size(1) == src_len,
                  "[MultiheadAttention] the shape of the 2-D attn_mask is {}, but should be [{}, {}]",
                  shape_of(attn_mask_in), tgt_len, src_len);
      attn_mask = attn_mask.unsqueeze(0);
    } else {
      EMBER_CHECK(attn_mask.size(0) == bsz * num_heads && attn_mask.size(1) == tgt_len && attn_mask.size(2) == src_len,
                  "[MultiheadAttention] the shape of the 3-D attn_mask is {}, but should be [{}, {}, {}] "
                  "(batch * num_heads, L, S)",
                  shape_of(attn_mask_in), bsz * num_heads, tgt_len, src_len);
    }
  }
  if (key_padding_mask.defined()) {
    EMBER_CHECK(key_padding_mask.size(0) == bsz && key_padding_mask.size(1) == src_len,
                "[MultiheadAttention] expected key_padding_mask of shape [{}, {}] (batch, S), got {}", bsz, src_len,
                shape_of(key_padding_mask_in));
    key_padding_mask = additive_mask(key_padding_mask, q.scalar_type(), "key_padding_mask");
  }

  if (bias_k.defined()) {
    k = cat({k, bias_k.repeat({1, bsz, 1})});
    v = cat({v, bias_v.repeat({1, bsz, 1})});
    if (attn_mask.defined()) attn_mask = pad_last(attn_mask);
    if (key_padding_mask.defined()) key_padding_mask = pad_last(key_padding_mask);
  }

  // (seq, batch, E) -> (batch * num_heads, seq, head_dim).
  q = q.contiguous().view({tgt_len, bsz * num_heads, head_dim}).transpose(0, 1);
  k = k.contiguous().view({k.size(0), bsz * num_heads, head_dim}).transpose(0, 1);
  v = v.contiguous().view({v.size(0), bsz * num_heads, head_dim}).transpose(0, 1);

  if (options.add_zero_attn()) {
    k = cat({k, zeros({bsz * num_heads, 1, head_dim}, k.scalar_type())}, 1);
    v = cat({v, zeros({bsz * num_heads, 1, head_dim}, v.scalar_type())}, 1);
    if (attn_mask.defined()) attn_mask = pad_last(attn_mask);
    if (key_padding_mask.defined()) key_padding_mask = pad_last(key_padding_mask);
  }
  src_len = k.size(1);

  if (key_padding_mask.defined()) {
    Tensor per_head = key_padding_mask.view({bsz, 1, 1, src_len})
                          .expand({bsz, num_heads, 1, src_len})
                          .reshape({bsz * num_heads, 1, src_len});
    attn_mask = attn_mask.defined() ? attn_mask + per_head : per_head;
  }

  const double dropout_p = is_training() ? options.dropout() : 0.0;
  Tensor q_scaled = q / std::sqrt(double(head_dim));
  Tensor weights;
  if (attn_mask.defined())
    weights = baddbmm(attn_mask.expand({bsz * num_heads, tgt_len, src_len}), q_scaled, k.transpose(-2, -1));
  else
    weights = bmm(q_scaled, k.transpose(-2, -1));
  weights = softmax(weights, -1);
  if (dropout_p > 0.0) weights = dropout(weights, dropout_p, true);

  Tensor output = bmm(weights, v);
  output = output.transpose(0, 1).contiguous().view({tgt_len * bsz, E});
  output = out_proj(output).view({tgt_len, bsz, E});

  if (!is_batched)
    output = output.squeeze(1);
  else if (options.batch_first())
    output = output.transpose(0, 1);
  if (!need_weights) return {output, Tensor()};
  weights = weights.view({bsz, num_heads, tgt_len, src_len});
  if (average_attn_weights) weights = weights.sum(IntArrayRef{1}) / double(num_heads);
  if (!is_batched) weights = weights.squeeze(0);
  return {output, weights};
}

}  // namespace ember::nn
