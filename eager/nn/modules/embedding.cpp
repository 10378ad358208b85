// Embedding over the embedding op, with PyTorch's max_norm renormalisation.
#include "eager/nn/modules/embedding.h"

#include <fmt/format.h>

#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/nn/modules/common.h"
#include "eager/ops.h"
#include "eager/ops_nn.h"
#include "kernels/check.h"

namespace ember::nn {

EmbeddingImpl::EmbeddingImpl(EmbeddingOptions options_) : Module("Embedding"), options(std::move(options_)) {
  const int64_t n = options.num_embeddings();
  EMBER_CHECK(n >= 0 && options.embedding_dim() >= 0,
              "[Embedding] num_embeddings and embedding_dim must be non-negative, got {} and {}", n,
              options.embedding_dim());
  if (auto idx = options.padding_idx()) {
    EMBER_CHECK(*idx < n && *idx >= -n, "[Embedding] Padding_idx must be within num_embeddings, got {} for {}", *idx,
                n);
    if (*idx < 0) options.padding_idx(*idx + n);
  }
  if (options._weight().defined()) {
    const Tensor& w = options._weight();
    EMBER_CHECK(w.dim() == 2 && w.size(0) == n && w.size(1) == options.embedding_dim(),
                "[Embedding] Shape of weight does not match num_embeddings and embedding_dim: got {}, expected [{}, {}]",
                ember::detail::shape_str(w.sizes()), n, options.embedding_dim());
    weight = register_parameter("weight", w.detach());  // shares the data, as nn.Parameter(_weight)
  } else {
    weight = register_parameter("weight", empty({n, options.embedding_dim()}));
    reset_parameters();
  }
}

void EmbeddingImpl::reset_parameters() {
  NoGradGuard no_grad;
  weight.normal_(0, 1);
  if (auto idx = options.padding_idx()) weight.select(0, *idx).fill_(0);
}

Tensor EmbeddingImpl::forward(const Tensor& indices) {
  if (auto max_norm = options.max_norm()) {
    // embedding_renorm_: looked-up rows whose norm exceeds max_norm are scaled by max_norm / (norm + 1e-7).
    NoGradGuard no_grad;
    const Tensor flat = indices.reshape({-1});
    const Tensor rows = weight.index_select(0, flat);
    const Tensor norms = rows.norm(options.norm_type(), {1}, /*keepdim=*/true);
    const Tensor scale = where(gt(norms, *max_norm), div(full({}, *max_norm, norms.options()), norms + 1e-7),
                               ones({}, norms.options()));
    weight.index_copy_(0, flat, rows * scale);
  }
  return embedding(weight, indices, options.padding_idx().value_or(-1), options.scale_grad_by_freq(),
                   options.sparse());
}

std::string EmbeddingImpl::extra_repr() const {
  std::string s = fmt::format("{}, {}", options.num_embeddings(), options.embedding_dim());
  if (options.padding_idx()) s += fmt::format(", padding_idx={}", *options.padding_idx());
  if (options.max_norm()) s += ", max_norm=" + detail::repr_float(*options.max_norm());
  if (options.norm_type() != 2) s += ", norm_type=" + detail::repr_float(options.norm_type());
  if (options.scale_grad_by_freq()) s += ", scale_grad_by_freq=True";
  if (options.sparse()) s += ", sparse=True";
  return s;
}

Embedding Embedding::from_pretrained(const Tensor& embeddings, const EmbeddingFromPretrainedOptions& options) {
  EMBER_CHECK(embeddings.dim() == 2, "[Embedding::from_pretrained] Embeddings parameter is expected to be 2-dimensional, got {} dims",
              embeddings.dim());
  Embedding result(EmbeddingOptions(embeddings.size(0), embeddings.size(1))
                       ._weight(embeddings)
                       .padding_idx(options.padding_idx())
                       .max_norm(options.max_norm())
                       .norm_type(options.norm_type())
                       .scale_grad_by_freq(options.scale_grad_by_freq())
                       .sparse(options.sparse()));
  result->weight.requires_grad_(!options.freeze());
  return result;
}

}  // namespace ember::nn
