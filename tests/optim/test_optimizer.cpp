// The Optimizer base: parameter groups, zero_grad, skipped parameters, closures, option errors and
// state_dict / load_state_dict (PyTorch 1.13 values from scripts/golden/optim.py).
#include "optim/problem.h"

using namespace ember;
using namespace ember::test;

TEST_CASE("parameter groups: a group without options takes the defaults, another its own lr and momentum") {
  // PyTorch: SGD([{'params': [w]}, {'params': [b], 'lr': 0.01, 'momentum': 0.0}], lr=0.1, momentum=0.9)
  Problem problem;
  optim::SGD optimizer({optim::OptimizerParamGroup({problem.w}),
                        optim::OptimizerParamGroup({problem.b}, std::make_unique<optim::SGDOptions>(
                                                                    optim::SGDOptions(0.01).momentum(0.0)))},
                       optim::SGDOptions(0.1).momentum(0.9));
  REQUIRE(optimizer.param_groups().size() == 2);
  CHECK(optimizer.param_groups()[0].options().get_lr() == 0.1);
  CHECK(optimizer.param_groups()[1].options().get_lr() == 0.01);
  check_trajectory(problem, optimizer, {{0.41999998688697815, -0.6699999570846558, 1.7699999809265137, 0.8399999737739563, 0.3449999690055847, -0.4300000071525574, 0.3160000145435333, -0.6899999976158142},
                                       {0.2840000092983246, 0.20000003278255463, 1.3559999465942383, -0.018000030890107155, -0.3030000329017639, -0.3005000054836273, 0.331680029630661, -0.6801999807357788},
                                       {0.12480001896619797, 0.9829999804496765, 0.8177999258041382, -0.5393999814987183, -0.9753000140190125, -0.12392500787973404, 0.347046434879303, -0.6705960035324097},
                                       {-0.023439966142177582, 1.3744999170303345, 0.22163988649845123, -0.44501993060112, -1.4677798748016357, 0.08618873357772827, 0.36210551857948303, -0.6611840724945068},
                                       {-0.1321679651737213, 1.2570499181747437, -0.3670681416988373, 0.1469341218471527, -1.6506778001785278, 0.3159816563129425, 0.37686342000961304, -0.6519603729248047}});
}

TEST_CASE("parameter groups: Adam groups with their own lr, betas and amsgrad") {
  // PyTorch: Adam([{'params': [w]}, {'params': [b], 'lr': 0.02, 'amsgrad': True, 'betas': (0.9, 0.5)}], lr=0.1)
  Problem problem;
  optim::Adam optimizer({optim::OptimizerParamGroup({problem.w})}, optim::AdamOptions(0.1));
  optimizer.add_param_group(optim::OptimizerParamGroup(
      {problem.b}, std::make_unique<optim::AdamOptions>(optim::AdamOptions(0.02).amsgrad(true).betas({0.9, 0.5}))));
  check_trajectory(problem, optimizer, {{0.3999999761581421, -1.149999976158142, 1.899999976158142, 1.399999976158142, 0.6499999761581421, -0.4000000059604645, 0.320000022649765, -0.6800000071525574},
                                       {0.30174246430397034, -1.0502498149871826, 1.8001405000686646, 1.300361156463623, 0.5502742528915405, -0.3002614676952362, 0.3400699496269226, -0.6598884463310242},
                                       {0.20739492774009705, -0.9509445428848267, 1.7005244493484497, 1.2013823986053467, 0.4510399103164673, -0.20099002122879028, 0.36025258898735046, -0.6395930647850037},
                                       {0.12023814767599106, -0.8523033261299133, 1.601261854171753, 1.1034140586853027, 0.3525431454181671, -0.10241755843162537, 0.38058483600616455, -0.6190826892852783},
                                       {0.04461076855659485, -0.7545710206031799, 1.5024701356887817, 1.0068635940551758, 0.2550617456436157, -0.004804447293281555, 0.4009383022785187, -0.5987579226493835}});
}

TEST_CASE("parameter groups: each group owns a copy of its options") {
  Problem problem;
  optim::SGD optimizer({optim::OptimizerParamGroup({problem.w}), optim::OptimizerParamGroup({problem.b})},
                       optim::SGDOptions(0.1));
  optimizer.param_groups()[0].options().set_lr(0.5);
  CHECK(optimizer.param_groups()[0].options().get_lr() == 0.5);
  CHECK(optimizer.param_groups()[1].options().get_lr() == 0.1);
  CHECK(optimizer.defaults().get_lr() == 0.1);
  auto& sgd = static_cast<optim::SGDOptions&>(optimizer.param_groups()[1].options());
  sgd.momentum(0.9).nesterov(true);
  CHECK(sgd.momentum() == 0.9);
  CHECK(sgd.nesterov());
  CHECK(optimizer.size() == 2);
  CHECK(optimizer.parameters()[1].is_same(problem.b));
}

TEST_CASE("parameter groups: a parameter in two groups is an error") {
  Problem problem;
  optim::SGD optimizer({problem.w}, optim::SGDOptions(0.1));
  CHECK(error_of([&] { optimizer.add_param_group(optim::OptimizerParamGroup({problem.w})); }) ==
        "some parameters appear in more than one parameter group");
  CHECK(error_of([&] { optim::SGD({problem.b, problem.b}, optim::SGDOptions(0.1)); }) ==
        "some parameters appear in more than one parameter group");
  CHECK(error_of([&] { optim::SGD(std::vector<Tensor>{}, optim::SGDOptions(0.1)); }) ==
        "optimizer got an empty parameter list");
  Tensor non_leaf = problem.w * 2;
  CHECK(contains(error_of([&] { optim::SGD({non_leaf}, optim::SGDOptions(0.1)); }),
                 "can't optimize a non-leaf Tensor"));
}

TEST_CASE("zero_grad(set_to_none = true) leaves gradients undefined") {
  Problem problem;
  optim::SGD optimizer({problem.w, problem.b}, optim::SGDOptions(0.1));
  problem.loss().backward();
  REQUIRE(problem.w.grad().defined());
  optimizer.zero_grad();
  CHECK_FALSE(problem.w.grad().defined());
  CHECK_FALSE(problem.b.grad().defined());
}

TEST_CASE("zero_grad(set_to_none = false) zeroes the gradients in place") {
  Problem problem;
  optim::SGD optimizer({problem.w, problem.b}, optim::SGDOptions(0.1));
  problem.loss().backward();
  const Tensor grad = problem.w.grad();
  optimizer.zero_grad(false);
  REQUIRE(problem.w.grad().defined());
  CHECK(problem.w.grad().is_same(grad));
  check_exact(problem.w.grad(), {0, 0, 0, 0, 0, 0});
  check_exact(problem.b.grad(), {0, 0});
  // The next backward accumulates into the zeroed gradient: the first step of plain SGD again.
  problem.loss().backward();
  optimizer.step();
  check_close(problem.flat(), {0.41999998688697815, -0.6699999570846558, 1.7699999809265137, 0.8399999737739563,
                               0.3449999690055847, -0.4300000071525574, 0.46000000834465027, -0.5999999642372131});
}

TEST_CASE("step skips parameters without a gradient and creates no state for them") {
  Problem problem;
  Tensor unused = make<double>({1.0, 2.0}, {2}).requires_grad_();
  optim::Adam optimizer({problem.w, unused}, optim::AdamOptions(0.1));
  problem.train_step(optimizer);
  check_exact(unused, {1.0, 2.0});
  CHECK(optimizer.state().count(unused.unsafeGetTensorImpl()) == 0);
  CHECK(optimizer.state().count(problem.w.unsafeGetTensorImpl()) == 1);
  check_close(values(problem.w), {0.3999999761581421, -1.149999976158142, 1.899999976158142, 1.399999976158142,
                                  0.6499999761581421, -0.4000000059604645});
}

TEST_CASE("step runs the closure with grad mode on and returns its loss") {
  Problem problem;
  optim::SGD optimizer({problem.w, problem.b}, optim::SGDOptions(0.1));
  NoGradGuard no_grad;  // step turns grad mode on for the closure regardless
  Tensor loss = optimizer.step([&] {
    optimizer.zero_grad();
    Tensor l = problem.loss();
    l.backward();
    return l;
  });
  CHECK(loss.item<double>() == doctest::Approx(14.75375).epsilon(1e-6));
  check_close(problem.flat(), {0.41999998688697815, -0.6699999570846558, 1.7699999809265137, 0.8399999737739563,
                               0.3449999690055847, -0.4300000071525574, 0.46000000834465027, -0.5999999642372131});
}

TEST_CASE("invalid options give PyTorch's errors") {
  Tensor p = make<double>({1.0}, {1}).requires_grad_();
  CHECK(error_of([&] { optim::SGD({p}, optim::SGDOptions(-0.1)); }) == "Invalid learning rate: -0.1");
  CHECK(error_of([&] { optim::SGD({p}, optim::SGDOptions(0.1).momentum(-1)); }) == "Invalid momentum value: -1.0");
  CHECK(error_of([&] { optim::SGD({p}, optim::SGDOptions(0.1).weight_decay(-1e-4)); }) ==
        "Invalid weight_decay value: -0.0001");
  CHECK(error_of([&] { optim::SGD({p}, optim::SGDOptions(0.1).nesterov(true)); }) ==
        "Nesterov momentum requires a momentum and zero dampening");
  CHECK(error_of([&] { optim::SGD({p}, optim::SGDOptions(0.1).momentum(0.9).dampening(0.1).nesterov(true)); }) ==
        "Nesterov momentum requires a momentum and zero dampening");
  CHECK(error_of([&] { optim::Adam({p}, optim::AdamOptions(0.1).betas({1.0, 0.999})); }) ==
        "Invalid beta parameter at index 0: 1.0");
  CHECK(error_of([&] { optim::AdamW({p}, optim::AdamWOptions(0.1).betas({0.9, -0.5})); }) ==
        "Invalid beta parameter at index 1: -0.5");
  CHECK(error_of([&] { optim::Adam({p}, optim::AdamOptions(0.1).eps(-1e-8)); }) == "Invalid epsilon value: -1e-08");
  CHECK(error_of([&] { optim::RMSprop({p}, optim::RMSpropOptions(0.1).alpha(-0.5)); }) ==
        "Invalid alpha value: -0.5");
  CHECK(error_of([&] { optim::Adagrad({p}, optim::AdagradOptions(0.1).lr_decay(-1)); }) ==
        "Invalid lr_decay value: -1.0");
  CHECK(error_of([&] { optim::Adagrad({p}, optim::AdagradOptions(0.1).initial_accumulator_value(-1)); }) ==
        "Invalid initial_accumulator_value value: -1.0");
  // Groups' own options are checked too.
  optim::SGD optimizer({p}, optim::SGDOptions(0.1));
  Tensor q = make<double>({1.0}, {1}).requires_grad_();
  CHECK(error_of([&] {
          optimizer.add_param_group(optim::OptimizerParamGroup({q}, std::make_unique<optim::SGDOptions>(-1.0)));
        }) == "Invalid learning rate: -1.0");
  CHECK(contains(error_of([&] {
                   optimizer.add_param_group(optim::OptimizerParamGroup({q}, std::make_unique<optim::AdamOptions>()));
                   q.mutable_grad() = ones({1});
                   optimizer.step();
                 }),
                 "holds options of another optimizer"));
}

TEST_CASE("state_dict: per-parameter state tensors and the groups as JSON metadata") {
  // PyTorch after 2 steps of Adam(lr=0.1, amsgrad=True): state[0]['step'] == tensor(2.), param_groups
  // [{'lr': 0.1, 'betas': (0.9, 0.999), 'eps': 1e-08, 'weight_decay': 0, 'amsgrad': True, ..., 'params': [0, 1]}]
  Problem problem;
  optim::Adam optimizer({problem.w, problem.b}, optim::AdamOptions(0.1).amsgrad(true));
  problem.train_step(optimizer);
  problem.train_step(optimizer);
  TensorState state = optimizer.state_dict();
  CHECK(state.tensors.keys() == std::vector<std::string>{"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                                                        "state.0.max_exp_avg_sq", "state.1.step", "state.1.exp_avg",
                                                        "state.1.exp_avg_sq", "state.1.max_exp_avg_sq"});
  const Tensor& step = state.tensors["state.0.step"];
  CHECK(step.dim() == 0);
  CHECK(step.dtype() == kFloat);
  CHECK(step.item<double>() == 2.0);
  check_close(values(state.tensors["state.0.exp_avg"]), {0.13199999928474426, -1.062000036239624, 0.4270000159740448,
                                                         1.194000005722046, 0.7395000457763672, -0.12800000607967377});
  CHECK(state.metadata.at("param_groups") ==
        R"([{"lr":0.1,"betas":[0.9,0.999],"eps":1e-08,"weight_decay":0.0,"amsgrad":true,"params":[0,1]}])");
}

TEST_CASE("state_dict: parameters without state are left out; indices count across groups") {
  Problem problem;
  optim::SGD optimizer({optim::OptimizerParamGroup({problem.w}), optim::OptimizerParamGroup({problem.b})},
                       optim::SGDOptions(0.1).momentum(0.5));
  problem.b.mutable_grad() = ones({2});
  optimizer.step();
  TensorState state = optimizer.state_dict();
  CHECK(state.tensors.keys() == std::vector<std::string>{"state.1.momentum_buffer"});
  CHECK(state.metadata.at("param_groups") ==
        R"([{"lr":0.1,"momentum":0.5,"dampening":0.0,"weight_decay":0.0,"nesterov":false,"params":[0]},)"
        R"({"lr":0.1,"momentum":0.5,"dampening":0.0,"weight_decay":0.0,"nesterov":false,"params":[1]}])");
}

TEST_CASE("load_state_dict: a round trip continues the exact trajectory") {
  // PyTorch: Adam(lr=0.1, betas=(0.9, 0.5), amsgrad=True), steps 3 to 5.
  const Trajectory expected = {{0.4000000059604645, -1.149999976158142, 1.899999976158142, 1.399999976158142, 0.6499999761581421, -0.4000000059604645, 0.4000000059604645, -0.5999999642372131},
                           {0.2968162000179291, -1.0490440130233765, 1.799393892288208, 1.2987470626831055, 0.5489744544029236, -0.2990104556083679, 0.5017039775848389, -0.49736660718917847},
                           {0.20318925380706787, -0.94644695520401, 1.6977845430374146, 1.1952769756317139, 0.44617584347724915, -0.19631633162498474, 0.6034713387489319, -0.40022581815719604},
                           {0.12449172884225845, -0.8447612524032593, 1.5953283309936523, 1.0943644046783447, 0.3446604013442993, -0.09471200406551361, 0.7001467943191528, -0.3139801025390625},
                           {0.062009431421756744, -0.7461230754852295, 1.4940448999404907, 0.9982340335845947, 0.24658611416816711, 0.003655746579170227, 0.7895237803459167, -0.24046051502227783}};
  Problem uninterrupted;
  optim::Adam reference({uninterrupted.w, uninterrupted.b}, optim::AdamOptions(0.1).betas({0.9, 0.5}).amsgrad(true));

  Problem first;
  optim::Adam saved({first.w, first.b}, optim::AdamOptions(0.1).betas({0.9, 0.5}).amsgrad(true));
  for (int i = 0; i < 2; ++i) {
    first.train_step(saved);
    uninterrupted.train_step(reference);
  }
  // A fresh optimizer with other hyperparameters, over fresh parameters holding the same values.
  Problem second;
  {
    NoGradGuard no_grad;
    second.w.copy_(first.w);
    second.b.copy_(first.b);
  }
  optim::Adam resumed({second.w, second.b}, optim::AdamOptions(0.5));
  resumed.load_state_dict(saved.state_dict());
  CHECK(resumed.param_groups()[0].options().get_lr() == 0.1);
  CHECK(static_cast<const optim::AdamOptions&>(resumed.param_groups()[0].options()).amsgrad());
  for (size_t step = 2; step < 5; ++step) {
    CAPTURE(step + 1);
    second.train_step(resumed);
    first.train_step(saved);
    uninterrupted.train_step(reference);
    check_exact(second.flat(), uninterrupted.flat());
    check_exact(first.flat(), uninterrupted.flat());
    check_close(second.flat(), expected[step]);
  }
}

TEST_CASE("load_state_dict: the state is copied, not shared") {
  Problem problem;
  optim::SGD optimizer({problem.w}, optim::SGDOptions(0.1).momentum(0.9));
  problem.train_step(optimizer);
  TensorState state = optimizer.state_dict();
  const std::vector<double> buffer = values(state.tensors["state.0.momentum_buffer"]);
  optim::SGD other({problem.w}, optim::SGDOptions(0.1).momentum(0.9));
  other.load_state_dict(state);
  problem.train_step(other);
  check_exact(state.tensors["state.0.momentum_buffer"], buffer);
}

TEST_CASE("load_state_dict: mismatched groups, sizes, shapes and names are errors") {
  Problem problem;
  optim::Adam optimizer({problem.w, problem.b}, optim::AdamOptions(0.1));
  problem.train_step(optimizer);
  const TensorState good = optimizer.state_dict();

  Tensor other = make<double>({1.0, 2.0, 3.0}, {3}).requires_grad_();
  optim::Adam two_groups({optim::OptimizerParamGroup({problem.w}), optim::OptimizerParamGroup({other})});
  CHECK(error_of([&] { two_groups.load_state_dict(good); }) ==
        "loaded state dict has a different number of parameter groups (1 in the state dict, 2 in the optimizer)");
  optim::Adam one_param({problem.w});
  CHECK(error_of([&] { one_param.load_state_dict(good); }) ==
        "loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group 0: "
        "2 parameters in the state dict, 1 in the optimizer)");
  optim::Adam wrong_shape({problem.w, other});
  CHECK(error_of([&] { wrong_shape.load_state_dict(good); }) ==
        "[Adam::load_state_dict] state 'state.1.exp_avg' has shape [2] but parameter 1 has shape [3]; the state "
        "dict belongs to other parameters");

  TensorState bad_name = good;
  bad_name.tensors.insert("exp_avg", zeros({2}));
  CHECK(error_of([&] { optimizer.load_state_dict(bad_name); }) ==
        "[Adam::load_state_dict] unexpected tensor 'exp_avg': expected names like 'state.<param index>.<name>'");
  TensorState bad_index = good;
  bad_index.tensors.insert("state.7.exp_avg", zeros({2}));
  CHECK(error_of([&] { optimizer.load_state_dict(bad_index); }) ==
        "[Adam::load_state_dict] tensor 'state.7.exp_avg' names parameter 7, which no parameter group lists");
  TensorState no_groups = good;
  no_groups.metadata.clear();
  CHECK(contains(error_of([&] { optimizer.load_state_dict(no_groups); }), "has no metadata 'param_groups'"));
  TensorState bad_json = good;
  bad_json.metadata["param_groups"] = "[{\"lr\": ";
  CHECK(contains(error_of([&] { optimizer.load_state_dict(bad_json); }), "is not valid JSON"));
  TensorState bad_value = good;
  bad_value.metadata["param_groups"] = R"([{"lr":"fast","params":[0,1]}])";
  CHECK(error_of([&] { optimizer.load_state_dict(bad_value); }) ==
        R"([Optimizer::load_state_dict] param_groups[0]['lr'] should be a number, got "fast")");
  TensorState negative_lr = good;
  negative_lr.metadata["param_groups"] = R"([{"lr":-1,"params":[0,1]}])";
  CHECK(error_of([&] { optimizer.load_state_dict(negative_lr); }) == "Invalid learning rate: -1.0");
  // A failed load changes nothing.
  CHECK(optimizer.param_groups()[0].options().get_lr() == 0.1);
  CHECK(optimizer.state_dict().tensors.size() == 6);
}
