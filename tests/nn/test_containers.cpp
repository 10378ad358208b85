// Containers: Sequential, ModuleList, ModuleDict, ParameterList and ParameterDict (values and reprs from
// scripts/golden/nn_layers.py).
#include <doctest/doctest.h>

#include <sstream>

#include "ember.h"
#include "helpers.h"

using namespace ember;

namespace {
std::string repr(const nn::Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}
}  // namespace

TEST_CASE("Sequential chains its modules and prints like PyTorch") {
  manual_seed(0);
  // Constructed one by one: C++ leaves the evaluation order of constructor arguments unspecified, and the
  // order decides which layer draws which random values.
  nn::Linear fc1(3, 4);
  nn::Linear fc2(4, 2);
  nn::Sequential seq(fc1, nn::ReLU(), fc2);
  CHECK(seq->size() == 3);
  CHECK_VALUES(test::values(seq(test::pattern({2, 3}))), {-0.09103451, 0.04973695, -0.1358627, 0.1478863});
  CHECK(repr(*seq) ==
        "Sequential(\n"
        "  (0): Linear(in_features=3, out_features=4, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=4, out_features=2, bias=True)\n"
        ")");
  CHECK(seq->named_parameters().keys() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
}

TEST_CASE("Sequential gives typed access to its modules and errors past the end") {
  nn::Sequential seq(nn::Linear(3, 4), nn::ReLU());
  CHECK(seq[1]->name() == "ReLU");
  CHECK(seq->ptr<nn::LinearImpl>(0)->options.out_features() == 4);
  CHECK(seq->at<nn::LinearImpl>(0).weight.sizes() == IntArrayRef{4, 3});
  CHECK(test::contains(test::error_of([&] { (void)seq[5]; }), "index 5 is out of range"));
  CHECK(test::contains(test::error_of([&] { seq->ptr<nn::Conv2dImpl>(1); }), "ReLU"));
}

TEST_CASE("Sequential takes named modules, push_back, extend and Functional") {
  nn::Sequential seq({{"fc", nn::Linear(2, 2)}, {"act", nn::Tanh()}});
  seq->push_back("double", nn::Functional([](Tensor x) { return x * 2; }));
  nn::Sequential tail{nn::ReLU()};
  seq->extend(*tail);
  CHECK(seq->named_children().keys() == std::vector<std::string>{"fc", "act", "double", "3"});
  Tensor x = test::pattern({1, 2});
  Tensor expected = relu(tanh(seq->at<nn::LinearImpl>(0).forward(x)) * 2);
  CHECK(test::values(seq(x)) == test::values(expected));
  nn::Sequential empty;
  CHECK(empty->is_empty());
  CHECK(test::values(empty(x)) == test::values(x));
}

TEST_CASE("Sequential runs the hooks of the modules it holds") {
  nn::Sequential seq{nn::ReLU(), nn::Identity()};
  int calls = 0;
  seq[0]->register_forward_hook([&](nn::Module&, const std::vector<Tensor>&, const std::vector<Tensor>& out)
                                    -> std::optional<std::vector<Tensor>> {
    ++calls;
    return std::vector<Tensor>{out[0] + 1};
  });
  CHECK(test::values(seq(test::make<double>({-1, 2}, {2}))) == std::vector<double>{1, 3});
  CHECK(calls == 1);
}

TEST_CASE("ModuleList registers modules by position, inserts and iterates") {
  nn::ModuleList list(nn::Linear(2, 2), nn::Tanh());
  list->insert(1, nn::ReLU());
  CHECK(list->size() == 3);
  CHECK(repr(*list) ==
        "ModuleList(\n"
        "  (0): Linear(in_features=2, out_features=2, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Tanh()\n"
        ")");
  std::vector<std::string> names;
  for (const auto& m : *list) names.push_back(m->name());
  CHECK(names == std::vector<std::string>{"Linear", "ReLU", "Tanh"});
  CHECK(list->ptr<nn::LinearImpl>(0)->options.in_features() == 2);
  nn::ModuleList more{nn::Sigmoid()};
  list->extend(*more);
  CHECK(list->named_children().keys() == std::vector<std::string>{"0", "1", "2", "3"});
  CHECK(list->named_parameters().keys() == std::vector<std::string>{"0.weight", "0.bias"});
  CHECK(test::contains(test::error_of([&] { (void)list[9]; }), "out of range"));
}

TEST_CASE("ModuleDict keeps insertion order, replaces in place and pops") {
  nn::ModuleDict dict({{"conv", nn::Conv2d(1, 2, 3)}, {"act", nn::ReLU()}});
  CHECK(repr(*dict) ==
        "ModuleDict(\n"
        "  (conv): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))\n"
        "  (act): ReLU()\n"
        ")");
  CHECK(dict->keys() == std::vector<std::string>{"conv", "act"});
  CHECK(dict->contains("act"));
  dict->insert("conv", nn::Tanh());
  CHECK(dict->keys() == std::vector<std::string>{"conv", "act"});
  CHECK(dict["conv"]->name() == "Tanh");
  auto popped = dict->pop("conv");
  CHECK(popped->name() == "Tanh");
  CHECK(dict->keys() == std::vector<std::string>{"act"});
  CHECK(test::contains(test::error_of([&] { (void)dict["nope"]; }), "no module named 'nope'"));
  dict->clear();
  CHECK(dict->is_empty());
}

TEST_CASE("ParameterList registers parameters that require grad and prints like PyTorch") {
  nn::ParameterList list(zeros({3, 4}), zeros({3}));
  CHECK(list->size() == 2);
  CHECK(list->named_parameters().keys() == std::vector<std::string>{"0", "1"});
  CHECK((*list)[0].requires_grad());
  CHECK(repr(*list) ==
        "ParameterList(\n"
        "    (0): Parameter containing: [torch.float32 of size 3x4]\n"
        "    (1): Parameter containing: [torch.float32 of size 3]\n"
        ")");
  list->extend({ones({2})});
  CHECK(list->parameters().size() == 3);
}

TEST_CASE("ParameterDict holds parameters by key and prints like PyTorch") {
  OrderedDict<std::string, Tensor> params;
  params.insert("a", zeros({3}));
  params.insert("b", zeros({2, 2}, kDouble));
  nn::ParameterDict dict(params);
  CHECK(dict->keys() == std::vector<std::string>{"a", "b"});
  CHECK((*dict)["a"].requires_grad());
  CHECK(repr(*dict) ==
        "ParameterDict(\n"
        "    (a): Parameter containing: [torch.FloatTensor of size 3]\n"
        "    (b): Parameter containing: [torch.DoubleTensor of size 2x2]\n"
        ")");
  dict->insert("a", ones({3}));
  CHECK(test::values((*dict)["a"]) == std::vector<double>{1, 1, 1});
  CHECK(dict->size() == 2);
}

TEST_CASE("ParameterDict pop removes and returns a parameter; clear empties it") {
  OrderedDict<std::string, Tensor> params;
  params.insert("a", ones({2}));
  params.insert("b", zeros({3}));
  nn::ParameterDict dict(params);
  Tensor a = dict->pop("a");
  CHECK(a.sizes() == IntArrayRef{2});
  CHECK(dict->keys() == std::vector<std::string>{"b"});
  CHECK(test::contains(test::error_of([&] { dict->pop("a"); }), "a"));
  dict->clear();
  CHECK(dict->is_empty());
  CHECK(dict->parameters().empty());
}
