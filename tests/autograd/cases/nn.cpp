// Gradcheck cases: linear, batch/layer/group norm (every output, optional affine, training and eval),
// dropout (native and in place), embedding (padding_idx, scale_grad_by_freq) and the losses in every
// reduction mode.
#include "grad_cases.h"

namespace ember::test {
namespace {

using L = variable_list;

Tensor longs(detail::TensorDataContainer data) { return tensor(std::move(data), TensorOptions(kLong)); }
Tensor doubles(detail::TensorDataContainer data) { return tensor(std::move(data), TensorOptions(kDouble)); }
L tuple3(const std::tuple<Tensor, Tensor, Tensor>& t) { return {std::get<0>(t), std::get<1>(t), std::get<2>(t)}; }

void add_nn_cases(std::vector<GradCase>& cases) {
  // ---- linear ----
  cases.push_back({"linear 2-D with bias", [] { return L{leaf({3, 4}), leaf({2, 4}, 2), leaf({2}, 3)}; },
                   [](const L& x) { return L{linear(x[0], x[1], x[2])}; }});
  cases.push_back({"linear 3-D strided input, no bias", [] { return L{strided({2, 2, 3}), leaf({2, 3}, 2)}; },
                   [](const L& x) { return L{linear(x[0], x[1])}; }});
  cases.push_back({"linear 1-D input", [] { return L{leaf({3}), leaf({2, 3}, 2), leaf({1}, 3)}; },
                   [](const L& x) { return L{linear(x[0], x[1], x[2])}; }});
  cases.push_back({"linear 1-D weight, broadcast bias", [] { return L{leaf({2, 3}), leaf({3}, 2), leaf({1}, 3)}; },
                   [](const L& x) { return L{linear(x[0], x[1], x[2])}; }});

  // ---- layer norm ----
  cases.push_back({"native_layer_norm affine, all outputs", [] { return L{leaf({2, 3}), leaf({3}, 2), leaf({3}, 3)}; },
                   [](const L& x) { return tuple3(native_layer_norm(x[0], {3}, x[1], x[2], 1e-5)); }});
  cases.push_back({"native_layer_norm two dims, strided, bias only", [] { return L{strided({2, 2, 3}), leaf({2, 3}, 2)}; },
                   [](const L& x) { return tuple3(native_layer_norm(x[0], {2, 3}, std::nullopt, x[1], 1e-5)); }});
  cases.push_back({"layer_norm weight only", [] { return L{leaf({3, 4}), leaf({4}, 2)}; },
                   [](const L& x) { return L{layer_norm(x[0], {4}, x[1])}; }});

  // ---- batch norm ----
  cases.push_back({"native_batch_norm training, affine, running stats, all outputs",
                   [] { return L{leaf({3, 2, 2}), leaf({2}, 2), leaf({2}, 3)}; },
                   [](const L& x) {
                     Tensor rm = zeros({2}, TensorOptions(kDouble)), rv = ones({2}, TensorOptions(kDouble));
                     return tuple3(native_batch_norm(x[0], x[1], x[2], rm, rv, true, 0.1, 1e-5));
                   }});
  cases.push_back({"batch_norm training, strided, no affine", [] { return L{strided({4, 3})}; },
                   [](const L& x) {
                     return L{batch_norm(x[0], std::nullopt, std::nullopt, std::nullopt, std::nullopt, true, 0.1, 1e-5)};
                   }});
  cases.push_back({"batch_norm training, bias only", [] { return L{leaf({2, 3, 2}), leaf({3}, 2)}; },
                   [](const L& x) {
                     return tuple3(native_batch_norm(x[0], std::nullopt, x[1], std::nullopt, std::nullopt, true, 0.1,
                                                     1e-5));
                   }});
  cases.push_back({"batch_norm eval", [] { return L{leaf({2, 3, 2}), leaf({3}, 2), leaf({3}, 3)}; },
                   [](const L& x) {
                     Tensor rm = doubles({0.5, -0.2, 0.1}), rv = doubles({0.7, 1.3, 2.0});
                     return L{batch_norm(x[0], x[1], x[2], rm, rv, false, 0.1, 1e-5)};
                   }});

  // ---- group norm ----
  cases.push_back({"native_group_norm affine, all outputs", [] { return L{leaf({2, 4, 2}), leaf({4}, 2), leaf({4}, 3)}; },
                   [](const L& x) { return tuple3(native_group_norm(x[0], 2, x[1], x[2], 1e-5)); }});
  cases.push_back({"group_norm one group, strided, no affine", [] { return L{strided({2, 2, 3})}; },
                   [](const L& x) { return L{group_norm(x[0], 1)}; }});
  cases.push_back({"group_norm 2-D input, weight only", [] { return L{leaf({3, 4}), leaf({4}, 2)}; },
                   [](const L& x) { return L{group_norm(x[0], 2, x[1])}; }});

  // ---- dropout (a fixed generator per call, so every evaluation draws the same mask) ----
  cases.push_back({"native_dropout training", [] { return L{leaf({3, 4})}; },
                   [](const L& x) { return L{std::get<0>(native_dropout(x[0], 0.4, true, Generator(7)))}; }});
  cases.push_back({"native_dropout eval", [] { return L{leaf({2, 3})}; },
                   [](const L& x) { return L{std::get<0>(native_dropout(x[0], 0.4, false))}; }});
  cases.push_back({"dropout_ on a non-leaf", [] { return L{leaf({3, 4})}; },
                   [](const L& x) {
                     Tensor y = x[0] * 1.0;
                     dropout_(y, 0.3, true, Generator(5));
                     return L{y};
                   }});

  // ---- embedding ----
  // The padding row and scale_grad_by_freq give gradients that are not the forward's Jacobian (by design,
  // as in PyTorch), so gradcheck runs with a padding_idx the indices never hit; test_grad_nn.cpp checks
  // both against PyTorch's values.
  cases.push_back({"embedding, padding_idx not hit", [] { return L{leaf({5, 2})}; },
                   [](const L& x) { return L{embedding(x[0], longs({{0, 2}, {4, 2}, {0, 1}}), 3)}; }});
}

void add_loss_cases(std::vector<GradCase>& cases) {
  for (const char* reduction : {"none", "mean", "sum"}) {
    const std::string r(reduction);
    cases.push_back({"mse_loss broadcast target, " + r, [] { return L{leaf({2, 3}), leaf({3}, 2)}; },
                     [r](const L& x) { return L{mse_loss(x[0], x[1], r)}; }});
    cases.push_back({"l1_loss strided, " + r, [] { return L{strided({2, 3}), leaf({2, 3}, 2)}; },
                     [r](const L& x) { return L{l1_loss(x[0], x[1], r)}; }});
    cases.push_back({"smooth_l1_loss beta 1, " + r, [] { return L{leaf({3, 4}), leaf({3, 4}, 2)}; },
                     [r](const L& x) { return L{smooth_l1_loss(x[0], x[1], r, 1.0)}; }});
    cases.push_back({"binary_cross_entropy weight, " + r,
                     [] { return L{leaf_in({2, 3}, 0.1, 0.9), leaf_in({2, 3}, 0.0, 1.0, 2)}; },
                     [r](const L& x) { return L{binary_cross_entropy(x[0], x[1], doubles({0.5, 1.0, 2.0}), r)}; }});
    cases.push_back({"binary_cross_entropy_with_logits weight, pos_weight, " + r,
                     [] { return L{leaf({2, 3}), leaf_in({2, 3}, 0.0, 1.0, 2)}; },
                     [r](const L& x) {
                       return L{binary_cross_entropy_with_logits(x[0], x[1], doubles({{0.5}, {2.0}}),
                                                                 doubles({1.5, 0.5, 3.0}), r)};
                     }});
    cases.push_back({"nll_loss weight, ignore_index, " + r, [] { return L{leaf({4, 3})}; },
                     [r](const L& x) { return L{nll_loss(x[0], longs({0, 2, 1, 2}), doubles({0.5, 1.0, 2.0}), r, 1)}; }});
    cases.push_back({"nll_loss (N, C, d), " + r, [] { return L{strided({2, 3, 2})}; },
                     [r](const L& x) { return L{nll_loss(x[0], longs({{0, 2}, {1, 1}}), std::nullopt, r)}; }});
    cases.push_back({"cross_entropy indices, weight, ignore_index, smoothing, " + r, [] { return L{leaf({4, 3})}; },
                     [r](const L& x) {
                       return L{cross_entropy(x[0], longs({0, 2, 1, 2}), doubles({0.5, 1.0, 2.0}), r, 1, 0.2)};
                     }});
    cases.push_back({"cross_entropy (N, C, d) indices, " + r, [] { return L{leaf({2, 3, 2})}; },
                     [r](const L& x) { return L{cross_entropy(x[0], longs({{0, 2}, {1, 1}}), std::nullopt, r)}; }});
    cases.push_back({"cross_entropy probabilities, weight, smoothing, " + r,
                     [] { return L{leaf({2, 3, 2}), leaf_in({2, 3, 2}, 0.0, 1.0, 2)}; },
                     [r](const L& x) {
                       return L{cross_entropy(x[0], x[1], doubles({0.5, 1.0, 2.0}), r, -100, 0.1)};
                     }});
  }
  cases.push_back({"smooth_l1_loss beta 0.5 and beta 0", [] { return L{leaf({3, 4}), leaf({4}, 2)}; },
                   [](const L& x) {
                     return L{smooth_l1_loss(x[0], x[1], "sum", 0.5), smooth_l1_loss(x[0], x[1], "mean", 0.0)};
                   }});
  cases.push_back({"binary_cross_entropy_with_logits no weights", [] { return L{leaf({3}), leaf_in({3}, 0.0, 1.0, 2)}; },
                   [](const L& x) { return L{binary_cross_entropy_with_logits(x[0], x[1])}; }});
  cases.push_back({"binary_cross_entropy 0-d", [] { return L{leaf_in({}, 0.2, 0.8), leaf_in({}, 0.0, 1.0, 2)}; },
                   [](const L& x) { return L{binary_cross_entropy(x[0], x[1])}; }});
  cases.push_back({"nll_loss and cross_entropy unbatched", [] { return L{leaf({4})}; },
                   [](const L& x) {
                     return L{nll_loss(x[0], longs(2)), cross_entropy(x[0], longs(3), std::nullopt, "sum", -100, 0.3),
                              cross_entropy(x[0], doubles({0.1, 0.2, 0.3, 0.4}))};
                   }});
  cases.push_back({"cross_entropy probabilities, no weight", [] { return L{leaf({3, 4}), leaf_in({3, 4}, 0.0, 1.0, 2)}; },
                   [](const L& x) { return L{cross_entropy(x[0], x[1])}; }});
}

const GradCaseRegistrar nn_registrar(add_nn_cases);
const GradCaseRegistrar loss_registrar(add_loss_cases);

}  // namespace
}  // namespace ember::test
