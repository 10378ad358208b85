// LR schedulers: the rates (and OneCycleLR's momentum) over 12 steps equal PyTorch 1.13's
// (scripts/golden/optim.py). Group 0 starts at lr 0.1, group 1 at 0.05; the first value is the rate at
// construction.
#include "optim/problem.h"

using namespace ember;
using namespace ember::test;

namespace {

struct Setup {
  Problem problem;
  std::unique_ptr<optim::Optimizer> optimizer;
  explicit Setup(bool adam = false) {
    std::vector<optim::OptimizerParamGroup> groups;
    groups.emplace_back(std::vector<Tensor>{problem.w});
    if (adam) {
      groups.emplace_back(std::vector<Tensor>{problem.b}, std::make_unique<optim::AdamOptions>(0.05));
      optimizer = std::make_unique<optim::Adam>(std::move(groups), optim::AdamOptions(0.1));
    } else {
      groups.emplace_back(std::vector<Tensor>{problem.b},
                          std::make_unique<optim::SGDOptions>(optim::SGDOptions(0.05).momentum(0.9)));
      optimizer = std::make_unique<optim::SGD>(std::move(groups), optim::SGDOptions(0.1).momentum(0.9));
    }
  }
  double momentum() const {
    const optim::OptimizerOptions& o = optimizer->param_groups()[0].options();
    if (auto* sgd = dynamic_cast<const optim::SGDOptions*>(&o)) return sgd->momentum();
    return std::get<0>(static_cast<const optim::AdamOptions&>(o).betas());
  }
};

// The rates of both groups (and group 0's momentum) at construction and after each of `steps` steps.
struct Sequence {
  std::vector<double> group0, group1, momentum;
};

template <typename Scheduler>
Sequence run(Setup& setup, Scheduler& scheduler, int steps = 12) {
  Sequence s;
  auto record = [&] {
    s.group0.push_back(scheduler.get_last_lr()[0]);
    s.group1.push_back(scheduler.get_last_lr()[1]);
    s.momentum.push_back(setup.momentum());
  };
  record();
  for (int i = 0; i < steps; ++i) {
    setup.optimizer->step();
    scheduler.step();
    record();
  }
  return s;
}

}  // namespace

TEST_CASE("StepLR multiplies by gamma every step_size epochs") {
  // PyTorch: StepLR step_size=3 gamma=0.1
  Setup setup;
  optim::StepLR scheduler(*setup.optimizer, 3, 0.1);
  const Sequence s = run(setup, scheduler);
  check_exact(s.group0, {0.1,
      0.1,
      0.1,
      0.010000000000000002,
      0.010000000000000002,
      0.010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.00010000000000000003,
      0.00010000000000000003,
      0.00010000000000000003,
      1.0000000000000004e-05});
  check_exact(s.group1, {0.05,
      0.05,
      0.05,
      0.005000000000000001,
      0.005000000000000001,
      0.005000000000000001,
      0.0005000000000000001,
      0.0005000000000000001,
      0.0005000000000000001,
      5.0000000000000016e-05,
      5.0000000000000016e-05,
      5.0000000000000016e-05,
      5.000000000000002e-06});
  CHECK(setup.optimizer->param_groups()[0].options().get_lr() == s.group0.back());
}

TEST_CASE("MultiStepLR multiplies by gamma at milestones, by gamma^2 at a repeated one") {
  // PyTorch: MultiStepLR milestones={2,5,5,9} gamma=0.1
  Setup setup;
  optim::MultiStepLR scheduler(*setup.optimizer, {2, 5, 5, 9}, 0.1);
  const Sequence s = run(setup, scheduler);
  check_exact(s.group0, {0.1,
      0.1,
      0.010000000000000002,
      0.010000000000000002,
      0.010000000000000002,
      0.00010000000000000005,
      0.00010000000000000005,
      0.00010000000000000005,
      0.00010000000000000005,
      1.0000000000000006e-05,
      1.0000000000000006e-05,
      1.0000000000000006e-05,
      1.0000000000000006e-05});
  check_exact(s.group1, {0.05,
      0.05,
      0.005000000000000001,
      0.005000000000000001,
      0.005000000000000001,
      5.000000000000002e-05,
      5.000000000000002e-05,
      5.000000000000002e-05,
      5.000000000000002e-05,
      5.000000000000003e-06,
      5.000000000000003e-06,
      5.000000000000003e-06,
      5.000000000000003e-06});
  CHECK(setup.optimizer->param_groups()[0].options().get_lr() == s.group0.back());
}

TEST_CASE("ExponentialLR multiplies by gamma every epoch") {
  // PyTorch: ExponentialLR gamma=0.9
  Setup setup;
  optim::ExponentialLR scheduler(*setup.optimizer, 0.9);
  const Sequence s = run(setup, scheduler);
  check_exact(s.group0, {0.1,
      0.09000000000000001,
      0.08100000000000002,
      0.07290000000000002,
      0.06561000000000002,
      0.05904900000000002,
      0.05314410000000002,
      0.04782969000000002,
      0.043046721000000024,
      0.03874204890000002,
      0.03486784401000002,
      0.03138105960900001,
      0.028242953648100012});
  check_exact(s.group1, {0.05,
      0.045000000000000005,
      0.04050000000000001,
      0.03645000000000001,
      0.03280500000000001,
      0.02952450000000001,
      0.02657205000000001,
      0.02391484500000001,
      0.021523360500000012,
      0.01937102445000001,
      0.01743392200500001,
      0.015690529804500006,
      0.014121476824050006});
  CHECK(setup.optimizer->param_groups()[0].options().get_lr() == s.group0.back());
}

TEST_CASE("CosineAnnealingLR anneals to eta_min over T_max epochs and rises after") {
  // PyTorch: CosineAnnealingLR T_max=5 eta_min=0.01
  Setup setup;
  optim::CosineAnnealingLR scheduler(*setup.optimizer, 5, 0.01);
  const Sequence s = run(setup, scheduler);
  check_exact(s.group0, {0.1,
      0.09140576474687263,
      0.06890576474687263,
      0.04109423525312736,
      0.018594235253127367,
      0.01,
      0.018594235253127367,
      0.04109423525312739,
      0.06890576474687267,
      0.09140576474687269,
      0.10000000000000006,
      0.09140576474687272,
      0.06890576474687268});
  check_exact(s.group1, {0.05,
      0.04618033988749895,
      0.03618033988749895,
      0.02381966011250105,
      0.013819660112501053,
      0.01,
      0.013819660112501051,
      0.023819660112501057,
      0.03618033988749896,
      0.04618033988749897,
      0.050000000000000024,
      0.046180339887498985,
      0.03618033988749897});
  CHECK(setup.optimizer->param_groups()[0].options().get_lr() == s.group0.back());
}

TEST_CASE("OneCycleLR: cosine annealing, momentum cycled inversely") {
  // PyTorch: OneCycleLR max_lr=1.0 total_steps=12 (cos)
  Setup setup;
  optim::OneCycleLR scheduler(*setup.optimizer, optim::OneCycleLROptions(1.0, 12));
  const Sequence s = run(setup, scheduler);
  check_exact(s.group0, {0.040000000000000036,
      0.3497896542195831,
      0.8792851591221287,
      0.9944154354509117,
      0.9330129698414117,
      0.811745653949763,
      0.6473789976951033,
      0.46263710266697505,
      0.28306099820869923,
      0.1334775301888306,
      0.03456698742539522,
      4e-06,
      0.034566987425395164});
  check_exact(s.group1, {0.040000000000000036,
      0.3497896542195831,
      0.8792851591221287,
      0.9944154354509117,
      0.9330129698414117,
      0.811745653949763,
      0.6473789976951033,
      0.46263710266697505,
      0.28306099820869923,
      0.1334775301888306,
      0.03456698742539522,
      4e-06,
      0.034566987425395164});
  check_exact(s.momentum, {0.95,
      0.9177302443521267,
      0.8625744625914449,
      0.8505584586887436,
      0.856698729810778,
      0.8688255099070633,
      0.8852622412794547,
      0.9037365046793212,
      0.9216941869558779,
      0.9366525935914912,
      0.9465436874322102,
      0.95,
      0.9465436874322102});
  CHECK(setup.optimizer->param_groups()[0].options().get_lr() == s.group0.back());
}

TEST_CASE("OneCycleLR: linear annealing, pct_start and one max_lr per group") {
  // PyTorch: OneCycleLR max_lr={1.0,0.5} total_steps=12 linear pct_start=0.25
  Setup setup;
  optim::OneCycleLR scheduler(
      *setup.optimizer,
      optim::OneCycleLROptions({1.0, 0.5}, 12).anneal_strategy(optim::AnnealStrategy::linear).pct_start(0.25));
  const Sequence s = run(setup, scheduler);
  check_exact(s.group0, {0.04,
      0.52,
      1.0,
      0.8888893333333333,
      0.7777786666666666,
      0.666668,
      0.5555573333333333,
      0.44444666666666666,
      0.3333360000000001,
      0.22222533333333327,
      0.1111146666666667,
      4.000000000004e-06,
      -0.11110666666666669});
  check_exact(s.group1, {0.02,
      0.26,
      0.5,
      0.44444466666666665,
      0.3888893333333333,
      0.333334,
      0.2777786666666667,
      0.22222333333333333,
      0.16666800000000004,
      0.11111266666666664,
      0.05555733333333335,
      2.000000000002e-06,
      -0.05555333333333334});
  check_exact(s.momentum, {0.95,
      0.8999999999999999,
      0.85,
      0.861111111111111,
      0.8722222222222222,
      0.8833333333333333,
      0.8944444444444444,
      0.9055555555555556,
      0.9166666666666666,
      0.9277777777777777,
      0.9388888888888889,
      0.95,
      0.961111111111111});
  CHECK(setup.optimizer->param_groups()[0].options().get_lr() == s.group0.back());
}

TEST_CASE("OneCycleLR: three phases, div factors, and Adam's beta1 as the momentum") {
  // PyTorch: OneCycleLR max_lr=1.0 total_steps=12 three_phase div_factor=10 final_div_factor=100 pct_start=0.25, Adam
  Setup setup(/*adam=*/true);
  optim::OneCycleLR scheduler(*setup.optimizer, optim::OneCycleLROptions(1.0, 12)
                                                   .three_phase(true)
                                                   .div_factor(10)
                                                   .final_div_factor(100)
                                                   .pct_start(0.25));
  const Sequence s = run(setup, scheduler);
  check_exact(s.group0, {0.09999999999999998,
      0.55,
      1.0,
      0.55,
      0.1,
      0.09509795896116975,
      0.08136274519200731,
      0.061514786230837566,
      0.03948521376916244,
      0.019637254807992693,
      0.005902041038830258,
      0.001,
      0.005902041038830253});
  check_exact(s.group1, {0.09999999999999998,
      0.55,
      1.0,
      0.55,
      0.1,
      0.09509795896116975,
      0.08136274519200731,
      0.061514786230837566,
      0.03948521376916244,
      0.019637254807992693,
      0.005902041038830258,
      0.001,
      0.005902041038830253});
  check_exact(s.momentum, {0.95,
      0.8999999999999999,
      0.85,
      0.8999999999999999,
      0.95,
      0.95,
      0.95,
      0.95,
      0.95,
      0.95,
      0.95,
      0.95,
      0.95});
  CHECK(setup.optimizer->param_groups()[0].options().get_lr() == s.group0.back());
}

TEST_CASE("OneCycleLR: stepping past total_steps is an error; options are checked") {
  Setup setup;
  optim::OneCycleLR scheduler(*setup.optimizer, optim::OneCycleLROptions(1.0, 3));
  for (int i = 0; i < 3; ++i) scheduler.step();
  CHECK(error_of([&] { scheduler.step(); }) == "Tried to step 5 times. The specified number of total steps is 3");
  CHECK(scheduler.last_epoch() == 3);
  CHECK(error_of([&] { optim::OneCycleLR(*setup.optimizer, optim::OneCycleLROptions(1.0, 0)); }) ==
        "Expected positive integer total_steps, but got 0");
  CHECK(error_of([&] { optim::OneCycleLR(*setup.optimizer, optim::OneCycleLROptions(1.0, 10).pct_start(1.5)); }) ==
        "Expected float between 0 and 1 pct_start, but got 1.5");
  CHECK(contains(error_of([&] { optim::OneCycleLR(*setup.optimizer, optim::OneCycleLROptions({1.0, 2.0, 3.0}, 10)); }),
                 "expected 2 values for max_lr, got 3"));
  Tensor p = make<double>({1.0}, {1}).requires_grad_();
  optim::Adagrad adagrad({p});
  CHECK(contains(error_of([&] { optim::OneCycleLR(adagrad, optim::OneCycleLROptions(1.0, 10)); }),
                 "optimizer must support momentum with `cycle_momentum` option enabled"));
  optim::OneCycleLR without_momentum(adagrad, optim::OneCycleLROptions(1.0, 10).cycle_momentum(false));
  CHECK(without_momentum.get_last_lr() == std::vector<double>{0.040000000000000036});
}

const std::vector<double> kMetrics = {1.0, 0.9, 0.95, 0.91, 0.92, 0.93, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0};

TEST_CASE("ReduceLROnPlateau: min mode, relative threshold, patience, cooldown and min_lr") {
  // PyTorch: ReduceLROnPlateau min rel patience=1 factor=0.5 cooldown=1 min_lr=0.02
  Setup setup;
  optim::ReduceLROnPlateauScheduler scheduler(*setup.optimizer, optim::ReduceLROnPlateauScheduler::min, 0.5, 1,
                                              1e-4, optim::ReduceLROnPlateauScheduler::rel, 1, {0.02});
  std::vector<double> group0, group1;
  for (double metric : kMetrics) {
    scheduler.step(metric);
    group0.push_back(scheduler.get_last_lr()[0]);
    group1.push_back(scheduler.get_last_lr()[1]);
  }
  check_exact(group0, {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.02});
  check_exact(group1, {0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025, 0.02, 0.02, 0.02, 0.02});
}

TEST_CASE("ReduceLROnPlateau: max mode, absolute threshold, one min_lr per group") {
  // PyTorch: ReduceLROnPlateau max abs threshold=0.05 patience=0 factor=0.1 min_lr={0.001, 0.004}
  Setup setup;
  optim::ReduceLROnPlateau scheduler(*setup.optimizer, optim::ReduceLROnPlateau::max, 0.1, 0, 0.05,
                                    optim::ReduceLROnPlateau::abs, 0, {0.001, 0.004});
  std::vector<double> group0, group1;
  for (double metric : kMetrics) {
    scheduler.step(metric);
    group0.push_back(scheduler.get_last_lr()[0]);
    group1.push_back(scheduler.get_last_lr()[1]);
  }
  check_exact(group0, {0.1,
      0.010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002,
      0.0010000000000000002});
  check_exact(group1, {0.05,
      0.005000000000000001,
      0.004,
      0.004,
      0.004,
      0.004,
      0.004,
      0.004,
      0.004,
      0.004,
      0.004,
      0.004});
}

TEST_CASE("ReduceLROnPlateau: a reduction smaller than eps is skipped") {
  // PyTorch: ReduceLROnPlateau min abs threshold=0.02 patience=2 eps=0.03 factor=0.5
  Setup setup;
  optim::ReduceLROnPlateau scheduler(*setup.optimizer, optim::ReduceLROnPlateau::min, 0.5, 2, 0.02,
                                    optim::ReduceLROnPlateau::abs, 0, {}, 0.03);
  std::vector<double> group0, group1;
  for (double metric : kMetrics) {
    scheduler.step(metric);
    group0.push_back(scheduler.get_last_lr()[0]);
    group1.push_back(scheduler.get_last_lr()[1]);
  }
  check_exact(group0, {0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05});
  check_exact(group1, {0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05});
}

TEST_CASE("ReduceLROnPlateau: factor and min_lr are checked") {
  Setup setup;
  CHECK(error_of([&] { optim::ReduceLROnPlateau(*setup.optimizer, optim::ReduceLROnPlateau::min, 1.0); }) ==
        "Factor should be < 1.0.");
  CHECK(contains(error_of([&] {
                   optim::ReduceLROnPlateau(*setup.optimizer, optim::ReduceLROnPlateau::min, 0.1, 10, 1e-4,
                                            optim::ReduceLROnPlateau::rel, 0, {0.1, 0.2, 0.3});
                 }),
                 "expected 2 min_lrs, got 3"));
}

TEST_CASE("schedulers compose: StepLR and ExponentialLR both scale the current rate") {
  Setup setup;
  optim::StepLR step(*setup.optimizer, 2, 0.5);
  optim::ExponentialLR exponential(*setup.optimizer, 0.9);
  for (int i = 0; i < 2; ++i) {
    step.step();
    exponential.step();
  }
  // epoch 1: 0.1 * 0.9; epoch 2: * 0.5 * 0.9.
  CHECK(exponential.get_last_lr()[0] == 0.1 * 0.9 * 0.5 * 0.9);
}
