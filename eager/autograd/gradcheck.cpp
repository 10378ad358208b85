// Finite differences over float64 inputs, element by element, against one backward pass per output element.
#include "eager/autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "eager/autograd/engine.h"
#include "eager/autograd/grad_mode.h"
#include "eager/meta.h"
#include "eager/ops.h"
#include "kernels/check.h"

namespace ember::autograd {

namespace {

// Offsets (in elements, from data_ptr) of a tensor's elements in row-major order.
std::vector<int64_t> element_offsets(const Tensor& t) {
  std::vector<int64_t> offsets;
  offsets.reserve(size_t(t.numel()));
  if (t.numel() == 0) return offsets;
  DimVector index(size_t(t.dim()), 0);
  for (int64_t n = 0; n < t.numel(); ++n) {
    int64_t off = 0;
    for (int64_t d = 0; d < t.dim(); ++d) off += index[size_t(d)] * t.stride(d);
    offsets.push_back(off);
    for (int64_t d = t.dim() - 1; d >= 0; --d) {
      if (++index[size_t(d)] < t.size(d)) break;
      index[size_t(d)] = 0;
    }
  }
  return offsets;
}

bool differentiable_output(const Tensor& t) { return t.defined() && t.is_floating_point(); }

std::vector<double> flat(const Tensor& t) {
  return t.defined() ? t.detach().to(kDouble).contiguous().to_vector<double>() : std::vector<double>();
}

std::string matrix_str(const std::vector<std::vector<double>>& m) {
  std::ostringstream os;
  for (const auto& row : m) {
    os << "  ";
    for (double v : row) os << fmt::format("{:>12.6g}", v);
    os << "\n";
  }
  return os.str();
}

}  // namespace

bool gradcheck(const DifferentiableFn& fn, const variable_list& inputs, const GradcheckOptions& options) {
  std::vector<size_t> wrt;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    EMBER_CHECK(inputs[i].dtype() == kDouble,
                "[gradcheck] input {} is {}; finite differences need float64 inputs. Convert with .to(kDouble).", i,
                to_string(inputs[i].dtype()));
    wrt.push_back(i);
  }
  EMBER_CHECK(!wrt.empty(), "[gradcheck] no input requires grad; call requires_grad_() on the inputs to check.");

  // Numerical Jacobians: numerical[o][k][e] = d output o element e / d input wrt[k] element.
  // fn runs with grad mode as the caller has it: gradgradcheck's fn computes a gradient itself.
  const variable_list reference = fn(inputs);
  std::vector<std::vector<std::vector<std::vector<double>>>> numerical(reference.size());
  for (size_t o = 0; o < reference.size(); ++o) numerical[o].resize(wrt.size());
  for (size_t k = 0; k < wrt.size(); ++k) {
    const Tensor& x = inputs[wrt[k]];
    double* base = x.data_ptr<double>();
    for (int64_t off : element_offsets(x)) {
      const double saved = base[off];
      // Outputs may alias the inputs (x.view(...), or a gradient that is grad_output
      // itself), so each is read out before the next perturbation.
      auto evaluate = [&](double value) {
        base[off] = value;
        const variable_list out = fn(inputs);
        EMBER_CHECK(out.size() == reference.size(),
                    "[gradcheck] fn returned {} outputs at one point and {} at another; it must return the same "
                    "outputs for every input value",
                    reference.size(), out.size());
        std::vector<std::vector<double>> values;
        for (const Tensor& t : out) values.push_back(differentiable_output(t) ? flat(t) : std::vector<double>());
        return values;
      };
      const auto plus = evaluate(saved + options.eps);
      const auto minus = evaluate(saved - options.eps);
      base[off] = saved;
      for (size_t o = 0; o < reference.size(); ++o) {
        if (!differentiable_output(reference[o])) continue;
        const std::vector<double>& p = plus[o];
        const std::vector<double>& m = minus[o];
        std::vector<double> column(p.size());
        for (size_t e = 0; e < p.size(); ++e) column[e] = (p[e] - m[e]) / (2 * options.eps);
        numerical[o][k].push_back(std::move(column));
      }
    }
  }

  // Analytical Jacobians, one backward per output element.
  const variable_list outputs = fn(inputs);
  variable_list wrt_tensors;
  for (size_t i : wrt) wrt_tensors.push_back(inputs[i]);
  for (size_t o = 0; o < outputs.size(); ++o) {
    const Tensor& out = outputs[o];
    if (!differentiable_output(out)) continue;
    const int64_t n = out.numel();
    // analytical[k][input element][output element], matching numerical's layout.
    std::vector<std::vector<std::vector<double>>> analytical(wrt.size());
    for (size_t k = 0; k < wrt.size(); ++k)
      analytical[k].assign(size_t(inputs[wrt[k]].numel()), std::vector<double>(size_t(n), 0.0));
    for (int64_t e = 0; e < n && out.requires_grad(); ++e) {
      Tensor grad_out = zeros(out.sizes(), out.options());
      grad_out.view({-1})[e] = 1;
      const variable_list grads = grad({out}, wrt_tensors, {grad_out}, /*retain_graph=*/true,
                                       /*create_graph=*/false, /*allow_unused=*/true);
      for (size_t k = 0; k < wrt.size(); ++k) {
        if (!grads[k].defined()) continue;
        const Tensor& x = inputs[wrt[k]];
        EMBER_CHECK(grads[k].sizes() == x.sizes(),
                    "[gradcheck] the gradient of input {} has shape {} but the input has shape {}", wrt[k],
                    detail::shape_str(grads[k].sizes()), detail::shape_str(x.sizes()));
        EMBER_CHECK(grads[k].dtype() == x.dtype(), "[gradcheck] the gradient of input {} is {} but the input is {}",
                    wrt[k], to_string(grads[k].dtype()), to_string(x.dtype()));
        const std::vector<double> g = flat(grads[k]);
        for (size_t j = 0; j < g.size(); ++j) analytical[k][j][size_t(e)] = g[j];
      }
    }
    for (size_t k = 0; k < wrt.size(); ++k) {
      const auto& num = numerical[o][k];
      const auto& ana = analytical[k];
      bool ok = num.size() == ana.size();
      for (size_t j = 0; ok && j < num.size(); ++j)
        for (size_t e = 0; ok && e < num[j].size(); ++e)
          ok = std::abs(ana[j][e] - num[j][e]) <= options.atol + options.rtol * std::abs(num[j][e]) ||
               (std::isnan(ana[j][e]) && std::isnan(num[j][e]));
      EMBER_CHECK(ok,
                  "[gradcheck] Jacobian mismatch for output {} with respect to input {},\nnumerical (row = input "
                  "element, column = output element):\n{}analytical:\n{}",
                  o, wrt[k], matrix_str(num), matrix_str(ana));
    }
  }
  return true;
}

bool gradgradcheck(const DifferentiableFn& fn, const variable_list& inputs, const variable_list& grad_outputs,
                   const GradcheckOptions& options) {
  variable_list outputs_for_shape;
  {
    NoGradGuard no_grad;
    outputs_for_shape = fn(inputs);
  }
  variable_list grads_out = grad_outputs;
  if (grads_out.empty()) {
    Generator gen(20261122);
    for (const Tensor& out : outputs_for_shape)
      if (differentiable_output(out)) grads_out.push_back(randn(out.sizes(), gen, TensorOptions(kDouble)));
  }
  for (Tensor& g : grads_out) g = g.detach().to(kDouble).requires_grad_(true);
  const size_t n_inputs = inputs.size();
  auto vjp = [&](const variable_list& all) {
    const variable_list xs(all.begin(), all.begin() + std::ptrdiff_t(n_inputs));
    const variable_list gs(all.begin() + std::ptrdiff_t(n_inputs), all.end());
    const variable_list outs = fn(xs);
    variable_list diff_outs, weights, wrt;
    size_t g = 0;
    for (const Tensor& out : outs) {
      if (!differentiable_output(out)) continue;
      if (out.requires_grad()) {
        diff_outs.push_back(out);
        weights.push_back(gs[g]);
      }
      ++g;
    }
    for (const Tensor& x : xs)
      if (x.defined() && x.requires_grad()) wrt.push_back(x);
    variable_list result;
    if (diff_outs.empty()) return result;
    for (Tensor& r : grad(diff_outs, wrt, weights, /*retain_graph=*/true, /*create_graph=*/true,
                          /*allow_unused=*/true))
      if (r.defined()) result.push_back(r);
    return result;
  };
  variable_list all = inputs;
  all.insert(all.end(), grads_out.begin(), grads_out.end());
  return gradcheck(vjp, all, options);
}

}  // namespace ember::autograd
