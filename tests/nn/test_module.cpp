// nn::Module: registration, traversal, modes, conversion, state dicts, printing and hooks.
#include <doctest/doctest.h>

#include <sstream>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {

struct NetImpl : nn::Module {
  NetImpl() : nn::Module("Net") {
    fc1 = register_module("fc1", nn::Linear(4, 3));
    norm = register_module("norm", nn::LayerNorm(std::vector<int64_t>{3}));
    drop = register_module("drop", nn::Dropout(0.25));
    fc2 = register_module("fc2", nn::Linear(nn::LinearOptions(3, 2).bias(false)));
    register_buffer("steps", zeros({1}, kLong));
  }
  Tensor forward(const Tensor& x) { return fc2(drop(relu(norm(fc1(x))))); }
  nn::Linear fc1{nullptr}, fc2{nullptr};
  nn::LayerNorm norm{nullptr};
  nn::Dropout drop{nullptr};
};
EMBER_MODULE(Net);

std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

}  // namespace

TEST_CASE("Linear's default initialisation equals PyTorch's for the same seed") {
  manual_seed(0);
  nn::Linear l(3, 2);
  CHECK_VALUES(test::values(l->weight), {-0.004323, 0.309716, -0.475185, -0.424895, -0.222369, 0.154821});
  CHECK_VALUES(test::values(l->bias), {-0.011439, 0.457775});
  CHECK(l->weight.requires_grad());
  CHECK(l->weight.is_leaf());
}

TEST_CASE("modules print like PyTorch's repr") {
  Net net;
  CHECK(repr(*net) ==
        "Net(\n"
        "  (fc1): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (norm): LayerNorm((3,), eps=1e-05, elementwise_affine=True)\n"
        "  (drop): Dropout(p=0.25, inplace=False)\n"
        "  (fc2): Linear(in_features=3, out_features=2, bias=False)\n"
        ")");
}

TEST_CASE("named parameters, buffers, children and modules use dotted names in PyTorch's order") {
  Net net;
  CHECK(net->named_parameters().keys() ==
        std::vector<std::string>{"fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "fc2.weight"});
  CHECK(net->parameters().size() == 5);
  CHECK(net->named_parameters(/*recurse=*/false).is_empty());
  CHECK(net->named_buffers().keys() == std::vector<std::string>{"steps"});
  CHECK(net->named_children().keys() == std::vector<std::string>{"fc1", "norm", "drop", "fc2"});
  CHECK(net->named_modules().keys() == std::vector<std::string>{"", "fc1", "norm", "drop", "fc2"});
  CHECK(net->modules(/*include_self=*/false).size() == 4);
  CHECK(net->state_dict().tensors.keys() ==
        std::vector<std::string>{"steps", "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "fc2.weight"});
}

TEST_CASE("train and eval propagate to children and change dropout") {
  Net net;
  CHECK(net->is_training());
  net->eval();
  CHECK_FALSE(net->drop->is_training());
  Tensor x = ones({2, 3});
  CHECK(test::values(net->drop(x)) == test::values(x));
  net->train();
  CHECK(net->fc1->is_training());
}

TEST_CASE("forward, backward and zero_grad through a module") {
  Net net;
  Tensor x = randn({5, 4});
  net(x).sum().backward();
  for (const Tensor& p : net->parameters()) CHECK(p.grad().defined());
  net->zero_grad(/*set_to_none=*/false);
  CHECK(test::values(net->fc1->weight.grad()) == std::vector<double>(12, 0.0));
  net->zero_grad();
  CHECK_FALSE(net->fc1->weight.grad().defined());
}

TEST_CASE("to(dtype) converts parameters in place, keeping the handles layers hold") {
  Net net;
  Tensor w = net->fc1->weight;
  net->to(kDouble);
  CHECK(w.dtype() == kDouble);
  CHECK(net->fc1->weight.dtype() == kDouble);
  CHECK(net->named_buffers()["steps"].dtype() == kLong);  // integer buffers keep their dtype
  CHECK(net(randn({1, 4}, TensorOptions(kDouble))).dtype() == kDouble);
  CHECK(test::contains(test::error_of([&] { net->to(kInt); }), "only accepts floating point dtypes"));
}

TEST_CASE("load_state_dict copies values and reports missing, unexpected and mismatched keys") {
  Net a, b;
  b->load_state_dict(a->state_dict());
  CHECK(test::values(b->fc1->weight) == test::values(a->fc1->weight));
  TensorState partial = a->state_dict();
  partial.tensors.erase("fc2.weight");
  partial.tensors.insert("extra", ones({1}));
  const std::string e = test::error_of([&] { b->load_state_dict(partial); });
  CHECK(test::contains(e, "Error(s) in loading state_dict for Net:"));
  CHECK(test::contains(e, "Missing key(s) in state_dict: \"fc2.weight\"."));
  CHECK(test::contains(e, "Unexpected key(s) in state_dict: \"extra\"."));
  b->load_state_dict(partial, /*strict=*/false);
  TensorState wrong = a->state_dict();
  wrong.tensors["fc1.bias"] = zeros({4});
  CHECK(test::contains(test::error_of([&] { b->load_state_dict(wrong); }),
                       "size mismatch for fc1.bias: copying a param with shape [4] from checkpoint, the shape in "
                       "current model is [3]."));
}

TEST_CASE("apply visits every module with its name") {
  Net net;
  std::vector<std::string> names;
  net->apply([&](const std::string& name, nn::Module& m) { names.push_back(name + ":" + m.name()); });
  CHECK(names == std::vector<std::string>{":Net", "fc1:Linear", "norm:LayerNorm", "drop:Dropout", "fc2:Linear"});
}

TEST_CASE("forward pre-hooks and forward hooks see and replace tensors; handles remove them") {
  nn::Linear l(2, 2);
  std::vector<double> seen;
  auto pre = l->register_forward_pre_hook([](nn::Module&, const std::vector<Tensor>& in) {
    return std::optional<std::vector<Tensor>>({in[0] * 0});
  });
  auto post = l->register_forward_hook(
      [&](nn::Module&, const std::vector<Tensor>& in, const std::vector<Tensor>& out) -> std::optional<std::vector<Tensor>> {
        seen = test::values(in[0]);
        return std::vector<Tensor>{out[0] + 100};
      });
  Tensor y = l(ones({1, 2}));
  CHECK(seen == std::vector<double>{0.0, 0.0});
  CHECK_VALUES(test::values(y), test::values(l->bias + 100));
  pre.remove();
  post.remove();
  CHECK_VALUES(test::values(l(zeros({1, 2}))), test::values(l->bias));
}

TEST_CASE("full backward hooks see grad_input and grad_output and may replace grad_input") {
  nn::Linear l(2, 1);
  std::vector<double> grad_out, grad_in;
  l->register_full_backward_hook([&](nn::Module&, const std::vector<Tensor>& gin, const std::vector<Tensor>& gout)
                                     -> std::optional<std::vector<Tensor>> {
    grad_out = test::values(gout[0]);
    grad_in = test::values(gin[0]);
    return std::vector<Tensor>{gin[0] * 2};
  });
  Tensor x = ones({1, 2}).requires_grad_();
  (l(x) * 3).sum().backward();
  CHECK(grad_out == std::vector<double>{3.0});
  CHECK_VALUES(grad_in, test::values(l->weight * 3));
  CHECK_VALUES(test::values(x.grad()), test::values(l->weight * 6));
}
