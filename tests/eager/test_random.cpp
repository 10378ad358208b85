// Generators and random ops: PyTorch 1.13's values for the same seed, state round trips, errors and statistics.
#include <cmath>
#include <numeric>

#include "helpers.h"

using namespace ember;
using ember::test::check_exact;
using ember::test::pick;

namespace {


// Mean and standard deviation of a tensor's values.
std::pair<double, double> moments(const Tensor& t) {
  const std::vector<double> v = test::values(t);
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  double var = 0;
  for (double x : v) var += (x - mean) * (x - mean);
  return {mean, std::sqrt(var / double(v.size() - 1))};
}

const std::vector<size_t> kRandnIndices = {0, 1, 7, 8, 15, 16, 83, 84, 95, 99};

}  // namespace

// ---- the generator stream ----

TEST_CASE("rand after manual_seed(0) gives PyTorch's float32 values") {
  manual_seed(0);
  const Tensor t = rand({5});
  CHECK(t.dtype() == kFloat);
  check_exact(t, {0.49625658988952637, 0.7682217955589294, 0.08847743272781372, 0.13203048706054688,
                  0.30742281675338745});
}

TEST_CASE("rand float64 draws 53-bit uniforms from two 32-bit draws") {
  manual_seed(0);
  check_exact(rand({5}, kDouble),
              {0.9700530018065531, 0.707819864399788, 0.45938294312745087, 0.9207476841219603, 0.6450241201227648});
}

TEST_CASE("rand float16 and bfloat16 use 11 and 8 random bits") {
  manual_seed(0);
  check_exact(rand({5}, kHalf), {0.333984375, 0.27294921875, 0.80712890625, 0.59375, 0.40771484375});
  manual_seed(0);
  check_exact(rand({5}, kBFloat16), {0.671875, 0.18359375, 0.45703125, 0.75, 0.26171875});
}

TEST_CASE("randn below 16 elements uses serial Box-Muller in double") {
  manual_seed(0);
  check_exact(randn({3}), {1.5409960746765137, -0.293428897857666, -2.1787893772125244});
}

TEST_CASE("randn of 16+ float32 elements matches PyTorch's vectorised layout, tail included") {
  manual_seed(0);
  const Tensor t = randn({100});
  check_exact(pick(t, kRandnIndices),
              {-1.1258398294448853, -1.152360200881958, -2.1152193546295166, 0.32227492332458496, -0.2472781538963318,
               -1.3526537418365479, 0.0008918217499740422, -2.6133224964141846, -0.926789402961731,
               0.23291829228401184});
}

TEST_CASE("randn float64 of 100 elements matches PyTorch") {
  manual_seed(0);
  check_exact(pick(randn({100}, kDouble), kRandnIndices),
              {-2.310411800234176, -0.3732508612577643, -0.8664416019125772, -1.2956271403277857, 0.3380174030507378,
               0.15351883531544036, 0.3941269998738486, 0.4188191254194787, 0.4357325629861231, 0.7255481446372165});
}

TEST_CASE("randn float16 and bfloat16 round like PyTorch's reduced-precision arithmetic") {
  manual_seed(0);
  check_exact(randn({17}, kHalf),
              {-0.90087890625, -1.3212890625, 0.280029296875, -0.07037353515625, -1.3935546875, 0.7724609375,
               -0.2142333984375, 0.398681640625, 1.6650390625, 0.78515625, -0.5048828125, 0.91552734375,
               0.85400390625, 0.1734619140625, 0.2022705078125, -0.1365966796875, 0.61328125});
  manual_seed(0);
  check_exact(randn({17}, kBFloat16),
              {1.4609375, -0.5078125, -0.435546875, 1.3671875, -0.671875, -0.11083984375, 0.89453125, -1.3359375,
               -0.875, 1.1484375, -0.57421875, 0.9609375, 2.03125, 0.5625, 0.2001953125, -0.69921875, 0.283203125});
}

TEST_CASE("normal_ with mean and std matches PyTorch on both paths") {
  manual_seed(0);
  check_exact(pick(empty({1000}).normal_(2.5, 3.0), {0, 500, 991, 999}),
              {-0.8775194883346558, 2.0073513984680176, 2.8313992023468018, 0.7414836883544922});
  manual_seed(0);
  check_exact(empty({10}).normal_(2.5, 3.0),
              {7.122988224029541, 1.619713306427002, -4.036368370056152, 4.205293655395508, -0.7535670399665833,
               -1.6957862377166748, 3.71004056930542, 5.0140790939331055, 0.3422272503376007, 1.2899694442749023});
  manual_seed(0);
  check_exact(empty({10}, kDouble).normal_(2.5, 3.0),
              {7.12298832473213, 1.6197132827171608, -4.036368146223673, 4.2052938318420034, -0.7535670272720627,
               -1.6957861861126302, 3.710040542887898, 5.0140789989929795, 0.3422272645919223, 1.2899694252034763});
}

TEST_CASE("uniform_ over a range matches PyTorch for every floating dtype") {
  manual_seed(0);
  check_exact(empty({4}).uniform_(-2.3, 3.1),
              {0.3797854483127594, 1.8483974933624268, -1.8222218751907349, -1.5870354175567627});
  manual_seed(0);
  check_exact(empty({4}, kDouble).uniform_(-2.3, 3.1),
              {2.938286209755387, 1.5222272677588553, 0.18066789288823504, 2.672037494258586});
  manual_seed(0);
  check_exact(empty({4}, kHalf).uniform_(-2.3, 3.1), {-0.497802734375, -0.8271484375, 2.056640625, 0.904296875});
  manual_seed(0);
  check_exact(empty({4}, kBFloat16).uniform_(-2.3, 3.1), {1.3125, -1.3125, 0.16015625, 1.734375});
}

TEST_CASE("the second Box-Muller sample is cached for the next call and manual_seed clears it") {
  manual_seed(0);
  check_exact(randn({1}), {1.5409960746765137});
  check_exact(randn({1}), {-0.293428897857666});
  manual_seed(0);
  randn({1});
  manual_seed(0);
  check_exact(randn({1}), {1.5409960746765137});
}

TEST_CASE("in-place fills of a transposed layout draw in memory order, as PyTorch does") {
  // A 4x3 tensor laid out as the transpose of a contiguous 3x4 one.
  Tensor x = empty_strided({4, 3}, {1, 4});
  manual_seed(0);
  x.uniform_();
  check_exact(x, {0.49625658988952637, 0.30742281675338745, 0.455627977848053, 0.7682217955589294, 0.6340786814689636,
                  0.6323062777519226, 0.08847743272781372, 0.4900934100151062, 0.3488934636116028,
                  0.13203048706054688, 0.8964447379112244, 0.40171730518341064});
}

TEST_CASE("normal_ on a non-contiguous tensor uses the serial path in memory order") {
  Tensor x = empty_strided({4, 4}, {1, 4});
  manual_seed(0);
  x.normal_();
  check_exact(x, {1.5409960746765137, -1.0845223665237427, -0.7192575931549072, -0.8566746115684509,
                  -0.293428897857666, -1.3985954523086548, -0.40334352850914, 1.1006041765213013,
                  -2.1787893772125244, 0.40334683656692505, -0.5966353416442871, -1.0711873769760132,
                  0.5684312582015991, 0.8380263447761536, 0.18203648924827576, 0.1227012425661087});
}

// ---- Generator objects and state ----

TEST_CASE("a Generator seeded with 42 gives torch.Generator().manual_seed(42)'s values") {
  Generator g(42);
  check_exact(rand({3}, g), {0.8822692632675171, 0.9150039553642273, 0.38286375999450684});
}

TEST_CASE("a default-constructed Generator uses PyTorch's default seed") {
  Generator g;
  CHECK(g.initial_seed() == 67280421310721ULL);
  check_exact(rand({3}, g), {0.267295241355896, 0.8725283145904541, 0.3352888226509094});
}

TEST_CASE("Generator copies share one state; other generators are independent") {
  Generator a(7);
  Generator b = a;
  const double first = rand({1}, a).item<double>();
  const double second = rand({1}, b).item<double>();
  Generator fresh(7);
  check_exact(rand({2}, fresh), {first, second});
  manual_seed(3);
  const double d1 = rand({1}).item<double>();
  Generator other(3);
  rand({5}, other);
  manual_seed(3);
  CHECK(rand({1}).item<double>() == d1);
}

TEST_CASE("initial_seed reports the seed, seed() picks a new one") {
  manual_seed(123);
  CHECK(initial_seed() == 123);
  Generator g(99);
  CHECK(g.initial_seed() == 99);
  CHECK(g.current_seed() == 99);
  const uint64_t s = g.seed();
  CHECK(g.initial_seed() == s);
  Generator h(s);
  CHECK(rand({4}, g).equal(rand({4}, h)));
  const uint64_t d = ember::seed();
  CHECK(initial_seed() == d);
}

TEST_CASE("get_state has PyTorch's 5056-byte layout") {
  manual_seed(0);
  rand({1});
  const Tensor state = default_generator().get_state();
  CHECK(state.dtype() == kByte);
  CHECK(test::shape(state) == std::vector<int64_t>{5056});
  const std::vector<double> v = test::values(state);
  // seed 0, left = 624, seeded = 1, next = 1, then the first and last mt19937 words.
  check_exact(std::vector<double>(v.begin(), v.begin() + 24),
              {0, 0, 0, 0, 0, 0, 0, 0, 112, 2, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});
  check_exact(std::vector<double>(v.begin() + 24, v.begin() + 32), {18, 13, 161, 145, 0, 0, 0, 0});
  check_exact(std::vector<double>(v.begin() + 24 + 8 * 623, v.begin() + 24 + 8 * 624), {210, 182, 5, 100, 0, 0, 0, 0});
}

TEST_CASE("set_state replays the stream, including a cached normal sample") {
  Generator g(5);
  randn({1}, g);  // leaves the sin() sample cached
  const Tensor state = g.get_state();
  const std::vector<double> expected = test::values(randn({20}, g));
  const std::vector<double> uniforms = test::values(rand({3}, g));
  g.set_state(state);
  check_exact(randn({20}, g), expected);
  check_exact(rand({3}, g), uniforms);
  // A state moves between generators.
  Generator other(1);
  other.set_state(state);
  check_exact(randn({20}, other), expected);
}

TEST_CASE("set_state rejects malformed states") {
  Generator g;
  CHECK(test::error_of([&] { g.set_state(zeros({10}, kByte)); }).find("found 10 bytes") != std::string::npos);
  CHECK(test::error_of([&] { g.set_state(zeros({5056}, kFloat)); }).find("must be a uint8") != std::string::npos);
  CHECK(test::error_of([&] { g.set_state(zeros({5056}, kByte)); }).find("Invalid mt19937 state") != std::string::npos);
  CHECK(test::error_of([&] { g.set_state(Tensor()); }).find("undefined") != std::string::npos);
  Tensor bad = g.get_state().clone();
  bad.data_ptr<uint8_t>()[8] = 0xff;  // left = 0x2ff > 624
  bad.data_ptr<uint8_t>()[9] = 0x02;
  CHECK(test::error_of([&] { g.set_state(bad); }).find("left=767") != std::string::npos);
  // The generator still works after a rejected state.
  Generator h;
  CHECK(rand({3}, g).equal(rand({3}, h)));
}

// ---- integers ----

TEST_CASE("randint draws (x % range) + low from 32-bit draws") {
  manual_seed(0);
  const Tensor t = randint(-5, 17, {10});
  CHECK(t.dtype() == kLong);
  check_exact(t, {5, 2, -4, 9, 14, -2, 10, 6, 12, 14});
  manual_seed(0);
  check_exact(randint(7, {6}), {4, 3, 0, 2, 1, 2});
  manual_seed(0);
  check_exact(randint(0, 10, {5}, kFloat), {4, 9, 3, 0, 3});
}

TEST_CASE("randint ranges of 2^32 or more use 64-bit draws") {
  manual_seed(0);
  check_exact(randint(0, int64_t(1) << 40, {4}), {741280623151, 506137267392, 291447657211, 841157541223});
}

TEST_CASE("random_ fills integer, bool and floating tensors like PyTorch") {
  manual_seed(0);
  check_exact(empty({6}, kChar).random_(-100, 100), {-56, -61, 33, 60, 63, 79});
  manual_seed(0);
  check_exact(empty({6}, kByte).random_(0, 256), {172, 47, 117, 192, 67, 251});
  manual_seed(0);
  check_exact(empty({6}, kBool).random_(0, 2), {0, 1, 1, 0, 1, 1});
  manual_seed(0);
  const int64_t big = int64_t(1) << 40;
  check_exact(empty({3}, kDouble).random_(-big, big), {-358231004625, -593374360384, 291447657211});
  manual_seed(0);
  check_exact(empty({3}, kBFloat16).random_(0, big), {837518622720, 1005022347264, 962072674304});
  manual_seed(0);
  check_exact(empty({4}, kHalf).random_(0, 2000), {44, 239, 933, 1760});
}

TEST_CASE("randint and random_ reject empty and out-of-range intervals") {
  CHECK(test::error_of([] { randint(5, 3, {3}); }).find("low=5 >= high=3") != std::string::npos);
  CHECK(test::error_of([] { empty({2}).random_(3, 3); }).find("from=3 >= to=3") != std::string::npos);
  CHECK(test::error_of([] { randint(0, 300, {3}, kByte); }).find("to - 1 = 299 is out of bounds for uint8") !=
        std::string::npos);
  CHECK(test::error_of([] { randint(-1, 3, {3}, kByte); }).find("from=-1 is out of bounds for uint8") !=
        std::string::npos);
  CHECK(test::error_of([] { randint(0, 3, {3}, kBool); }).find("out of bounds for bool") != std::string::npos);
  CHECK(test::error_of([] { randint(0, int64_t(1) << 40, {3}, kInt); }).find("out of bounds for int32") !=
        std::string::npos);
  CHECK(test::error_of([] { randint(0, 100000, {3}, kHalf); }).find("out of bounds for float16") !=
        std::string::npos);
  CHECK(test::error_of([] { randint(0, 3, {-1}); }).find("negative dimension -1") != std::string::npos);
}

TEST_CASE("randperm is PyTorch's Fisher-Yates permutation") {
  manual_seed(0);
  const Tensor p = randperm(10);
  CHECK(p.dtype() == kLong);
  check_exact(p, {4, 1, 7, 5, 3, 9, 0, 8, 6, 2});
  manual_seed(0);
  check_exact(pick(randperm(100), kRandnIndices), {44, 19, 95, 53, 56, 76, 67, 13, 58, 51});
  manual_seed(0);
  const Tensor f = randperm(5, kFloat);
  CHECK(f.dtype() == kFloat);
  check_exact(f, {4, 0, 1, 3, 2});
  CHECK(randperm(0).numel() == 0);
}

TEST_CASE("randperm checks n against the dtype") {
  CHECK(test::error_of([] { randperm(-1); }).find("n must be non-negative, got -1") != std::string::npos);
  CHECK(test::error_of([] { randperm(300, kByte); }).find("too large for uint8") != std::string::npos);
  CHECK(test::error_of([] { randperm(3000, kHalf); }).find("too large for float16") != std::string::npos);
  CHECK(randperm(2049, kHalf).numel() == 2049);
  CHECK(test::error_of([] { randperm(3, kBool); }).find("bool") != std::string::npos);
}

// ---- bernoulli, multinomial, poisson ----

TEST_CASE("bernoulli_ with a scalar p compares 53-bit uniforms with p") {
  manual_seed(0);
  check_exact(empty({10}).bernoulli_(0.3), {0, 0, 0, 0, 0, 0, 1, 0, 0, 1});
  manual_seed(0);
  check_exact(empty({10}, kBool).bernoulli_(0.5), {0, 0, 1, 0, 0, 0, 1, 1, 0, 1});
  manual_seed(0);
  check_exact(bernoulli(zeros({6}), 0.6), {0, 0, 1, 0, 0, 0});
}

TEST_CASE("bernoulli with a probability tensor matches PyTorch for float and double p") {
  const Tensor p = test::make<double>({0.1, 0.5, 0.9, 0.0, 1.0, 0.3, 0.7, 0.2}, {8});
  manual_seed(0);
  const Tensor b = bernoulli(p);
  CHECK(b.dtype() == kFloat);
  check_exact(b, {0, 0, 1, 0, 1, 0, 1, 0});
  manual_seed(0);
  check_exact(bernoulli(p.to(kDouble)), {0, 0, 1, 0, 1, 0, 1, 0});
}

TEST_CASE("bernoulli draws in p's logical order whatever its layout") {
  // p is the transpose of a contiguous 2x3 tensor.
  Tensor p = empty_strided({3, 2}, {1, 3});
  p.copy_(test::make<double>({0.1, 0.3, 0.9, 0.7, 0.5, 0.2}, {3, 2}));
  manual_seed(0);
  check_exact(bernoulli(p), {0, 0, 1, 1, 1, 0});
}

TEST_CASE("bernoulli rejects probabilities outside [0, 1] and integer p") {
  CHECK(test::error_of([] { empty({2}).bernoulli_(1.5); }).find("p to be in [0, 1], but got p=1.5") !=
        std::string::npos);
  CHECK(test::error_of([] { bernoulli(test::make<double>({0.5, -0.5}, {2})); }).find("p=-0.5") != std::string::npos);
  CHECK(test::error_of([] { bernoulli(test::make<double>({1, 0}, {2}, kLong)); }).find("floating point") !=
        std::string::npos);
}

TEST_CASE("multinomial with replacement matches PyTorch") {
  const Tensor probs = test::make<double>({0.1, 0.2, 0.3, 0.4}, {4});
  manual_seed(0);
  const Tensor s = multinomial(probs, 12, true);
  CHECK(s.dtype() == kLong);
  check_exact(s, {3, 3, 2, 3, 3, 3, 1, 2, 2, 1, 2, 1});
  manual_seed(0);
  check_exact(multinomial(probs.to(kDouble), 6, true), {3, 3, 2, 3, 3, 3});
  // One sample with replacement still uses the running sum; without replacement the exponential race.
  manual_seed(0);
  check_exact(multinomial(probs, 1, true), {3});
  manual_seed(0);
  check_exact(multinomial(probs, 1, false), {2});
}

TEST_CASE("multinomial without replacement matches PyTorch and never repeats") {
  const Tensor probs = test::make<double>({0.1, 0.2, 0.3, 0.4}, {4});
  manual_seed(0);
  check_exact(multinomial(probs, 4), {2, 1, 3, 0});
  manual_seed(0);
  // Unnormalised weights work too.
  check_exact(multinomial(test::make<double>({1, 2, 3, 4}, {4}), 3), {2, 1, 3});
}

TEST_CASE("multinomial samples each row of a 2-D input") {
  const Tensor probs = test::make<double>({0.1, 0.9, 0.0, 0.5, 0.25, 0.25}, {2, 3});
  manual_seed(0);
  const Tensor r = multinomial(probs, 5, true);
  CHECK(test::shape(r) == std::vector<int64_t>{2, 5});
  check_exact(r, {1, 1, 1, 1, 1, 2, 0, 0, 1, 0});
  manual_seed(0);
  check_exact(multinomial(probs, 2), {1, 0, 1, 0});
}

TEST_CASE("multinomial without replacement draws in the layout's memory order") {
  Tensor probs = empty_strided({2, 3}, {1, 2});
  probs.copy_(test::make<double>({0.1, 0.9, 0.5, 0.3, 0.7, 0.2}, {2, 3}));
  manual_seed(0);
  check_exact(multinomial(probs, 2), {1, 2, 1, 0});
  manual_seed(0);
  check_exact(multinomial(probs.contiguous(), 2), {2, 1, 1, 2});
}

TEST_CASE("multinomial rejects invalid distributions and sample counts") {
  auto err = [](std::vector<double> p, int64_t n, bool replacement) {
    return test::error_of([&] { multinomial(test::make<double>(p, {int64_t(p.size())}), n, replacement); });
  };
  CHECK(err({0.1, -0.2}, 1, false).find("`inf`, `nan` or element < 0") != std::string::npos);
  CHECK(err({0.1, INFINITY}, 1, false).find("`inf`, `nan` or element < 0") != std::string::npos);
  CHECK(err({0.1, NAN}, 1, false).find("`inf`, `nan` or element < 0") != std::string::npos);
  CHECK(err({0, 0}, 1, false).find("sum of probabilities <= 0") != std::string::npos);
  CHECK(err({0.1, 0.2}, 3, false).find("cannot sample n_sample > prob_dist.size(-1) samples without replacement") !=
        std::string::npos);
  CHECK(err({0.1, 0.2}, 0, false).find("n_sample <= 0") != std::string::npos);
  CHECK(err({0.1, -0.2}, 2, true).find("encountering probability entry < 0") != std::string::npos);
  CHECK(err({0.1, INFINITY}, 2, true).find("infinity or NaN") != std::string::npos);
  CHECK(err({0, 0}, 2, true).find("sum of probabilities <= 0") != std::string::npos);
  CHECK(test::error_of([] { multinomial(test::make<double>({1, 2}, {2}, kLong), 1); }).find("got: Long") !=
        std::string::npos);
  CHECK(test::error_of([] { multinomial(zeros({2, 2, 2}), 1); }).find("1 or 2 dim") != std::string::npos);
  CHECK(test::error_of([] { multinomial(scalar_tensor(1.0), 1); }).find("1 or 2 dim") != std::string::npos);
  // Asking for more samples than nonzero categories picks zero-probability ones last.
  manual_seed(0);
  check_exact(multinomial(test::make<double>({1, 0, 0}, {3}), 2), {0, 1});
}

TEST_CASE("poisson matches PyTorch below and above rate 10") {
  const Tensor rates = test::make<double>({0.5, 3.0, 12.0, 100.0, 0.0, 1e-3}, {6});
  manual_seed(0);
  check_exact(poisson(rates), {2, 4, 13, 99, 0, 0});
  manual_seed(0);
  const Tensor d = poisson(rates.to(kDouble));
  CHECK(d.dtype() == kDouble);
  check_exact(d, {2, 4, 13, 99, 0, 0});
}

TEST_CASE("poisson rejects negative rates and integer tensors") {
  CHECK(test::error_of([] { poisson(test::make<double>({-1.0}, {1})); }).find("non-negative") != std::string::npos);
  CHECK(test::error_of([] { poisson(test::make<double>({1, 2}, {2}, kLong)); }).find("floating point") !=
        std::string::npos);
}

// ---- normal overloads and *_like ----

TEST_CASE("normal with tensor mean and std is randn * std + mean, broadcast") {
  manual_seed(0);
  check_exact(normal(test::make<double>({0, 10, 100}, {3}), test::make<double>({1, 2, 3}, {3})),
              {1.5409960746765137, 9.413142204284668, 93.46363067626953});
  manual_seed(0);
  const Tensor b = normal(zeros({2, 3}), test::make<double>({1, 2, 3}, {3}));
  CHECK(test::shape(b) == std::vector<int64_t>{2, 3});
  check_exact(b, {1.5409960746765137, -0.586857795715332, -6.536368370056152, 0.5684312582015991,
                  -2.1690447330474854, -4.195786476135254});
}

TEST_CASE("normal with one scalar parameter") {
  manual_seed(0);
  check_exact(normal(test::make<double>({0, 10, 100}, {3}), 2.0),
              {3.0819921493530273, 9.413142204284668, 95.64241790771484});
  manual_seed(0);
  check_exact(normal(1.0, test::make<double>({1, 2, 3}, {3})),
              {2.5409960746765137, 0.41314220428466797, -5.536368370056152});
  manual_seed(0);
  check_exact(normal(0.5, 2.0, {4}),
              {3.5819921493530273, -0.08685781061649323, -3.857578754425049, 1.6368625164031982});
  manual_seed(0);
  check_exact(pick(normal(0.5, 2.0, {20}), {0, 3, 19}),
              {-1.7516796588897705, -0.3677576184272766, 0.6074737906455994});
}

TEST_CASE("normal rejects negative std and integer dtypes") {
  CHECK(test::error_of([] { normal(zeros({2}), test::make<double>({1, -1}, {2})); }).find("all elements of std >= 0.0") !=
        std::string::npos);
  CHECK(test::error_of([] { normal(zeros({2}), -1.0); }).find("std >= 0.0, but found std -1") != std::string::npos);
  CHECK(test::error_of([] { empty({3}).normal_(0, -1); }).find("found std -1") != std::string::npos);
  CHECK(test::error_of([] { normal(0.0, 1.0, {2}, std::nullopt, kLong); }).find("floating point dtype") !=
        std::string::npos);
  CHECK(test::error_of([] { normal(zeros({2, 3}), ones({4})); }).find("must match") != std::string::npos);
}

TEST_CASE("rand_like, randn_like and randint_like keep dtype and layout") {
  manual_seed(0);
  const Tensor r = rand_like(empty_strided({4, 3}, {1, 4}));
  CHECK(r.strides() == IntArrayRef({1, 4}));
  check_exact(r, {0.49625658988952637, 0.30742281675338745, 0.455627977848053, 0.7682217955589294, 0.6340786814689636,
                  0.6323062777519226, 0.08847743272781372, 0.4900934100151062, 0.3488934636116028,
                  0.13203048706054688, 0.8964447379112244, 0.40171730518341064});
  manual_seed(0);
  const Tensor n = randn_like(empty({4}, kDouble));
  CHECK(n.dtype() == kDouble);
  check_exact(n, {1.5409961082440433, -0.2934289057609464, -2.1787893820745574, 0.5684312772806678});
  manual_seed(0);
  const Tensor i = randint_like(empty({5}, kInt), 3, 9);
  CHECK(i.dtype() == kInt);
  check_exact(i, {5, 6, 8, 3, 4});
}

TEST_CASE("random factories reject integer dtypes where PyTorch does") {
  CHECK(test::error_of([] { rand({3}, kLong); }).find("[rand] expected a floating point dtype") != std::string::npos);
  CHECK(test::error_of([] { randn({3}, kInt); }).find("[randn] expected a floating point dtype") != std::string::npos);
  CHECK(test::error_of([] { empty({3}, kLong).uniform_(); }).find("floating point") != std::string::npos);
  CHECK(test::error_of([] { randn_like(empty({3}, kLong)); }).find("floating point") != std::string::npos);
  CHECK(test::error_of([] { empty({3}).uniform_(2, 1); }).find("from=2 > to=1") != std::string::npos);
  CHECK(test::error_of([] { empty({3}, kHalf).uniform_(0, 1e6); }).find("out of bounds for float16") !=
        std::string::npos);
}

TEST_CASE("random fills refuse expanded targets") {
  Tensor expanded = empty_strided({3}, {0});
  CHECK(test::error_of([&] { expanded.uniform_(); }).find("single memory location") != std::string::npos);
  CHECK(test::error_of([&] { expanded.normal_(); }).find("single memory location") != std::string::npos);
}

TEST_CASE("random fills bump the version counter and requires_grad options apply") {
  Tensor t = empty({4});
  const uint32_t before = t.storage()->version();
  t.uniform_();
  t.normal_();
  t.bernoulli_(0.5);
  t.random_(0, 3);
  CHECK(t.storage()->version() == before + 4);
  CHECK(rand({2}, TensorOptions().requires_grad(true)).requires_grad());
  CHECK(randn({2}, TensorOptions(kDouble).requires_grad(true)).requires_grad());
}

TEST_CASE("empty tensors and 0-d tensors draw nothing or one value") {
  manual_seed(0);
  CHECK(rand({0}).numel() == 0);
  CHECK(randn({2, 0}).numel() == 0);
  check_exact(rand({}), {0.49625658988952637});
}

// ---- determinism ----

TEST_CASE("values do not depend on the number of threads") {
  const int threads = get_num_threads();
  set_num_threads(1);
  manual_seed(11);
  const Tensor a = randn({100003});
  const Tensor b = rand({1000}, kDouble);
  set_num_threads(2);
  manual_seed(11);
  CHECK(randn({100003}).equal(a));
  CHECK(rand({1000}, kDouble).equal(b));
  set_num_threads(threads);
}

// ---- statistics (10^5 samples) ----

TEST_CASE("rand is uniform on [0, 1)") {
  manual_seed(1);
  const Tensor t = rand({100000});
  const auto [mean, sd] = moments(t);
  CHECK(mean == doctest::Approx(0.5).epsilon(0.01));
  CHECK(sd == doctest::Approx(std::sqrt(1.0 / 12)).epsilon(0.01));
  const auto v = test::values(t);
  CHECK(*std::min_element(v.begin(), v.end()) >= 0.0);
  CHECK(*std::max_element(v.begin(), v.end()) < 1.0);
}

TEST_CASE("randn and normal have the requested mean and std") {
  manual_seed(2);
  auto [m0, s0] = moments(randn({100000}));
  CHECK(std::fabs(m0) < 0.01);
  CHECK(s0 == doctest::Approx(1.0).epsilon(0.01));
  auto [m1, s1] = moments(normal(2.0, 3.0, {100000}, std::nullopt, kDouble));
  CHECK(m1 == doctest::Approx(2.0).epsilon(0.02));
  CHECK(s1 == doctest::Approx(3.0).epsilon(0.01));
  auto [m2, s2] = moments(randn({100000}, kHalf));
  CHECK(std::fabs(m2) < 0.01);
  CHECK(s2 == doctest::Approx(1.0).epsilon(0.01));
  auto [m3, s3] = moments(empty({1000, 100}).normal_(-1.0, 0.5));
  CHECK(m3 == doctest::Approx(-1.0).epsilon(0.01));
  CHECK(s3 == doctest::Approx(0.5).epsilon(0.01));
}

TEST_CASE("randint, bernoulli and poisson have the expected means") {
  manual_seed(3);
  auto [mi, si] = moments(randint(0, 10, {100000}));
  CHECK(mi == doctest::Approx(4.5).epsilon(0.01));
  CHECK(si == doctest::Approx(std::sqrt(99.0 / 12)).epsilon(0.01));
  auto [mb, sb] = moments(empty({100000}).bernoulli_(0.3));
  CHECK(mb == doctest::Approx(0.3).epsilon(0.02));
  auto [mbt, sbt] = moments(bernoulli(full({100000}, 0.8)));
  CHECK(mbt == doctest::Approx(0.8).epsilon(0.01));
  auto [mp, sp] = moments(poisson(full({100000}, 4.0)));
  CHECK(mp == doctest::Approx(4.0).epsilon(0.01));
  CHECK(sp * sp == doctest::Approx(4.0).epsilon(0.03));
  auto [mq, sq] = moments(poisson(full({100000}, 50.0)));
  CHECK(mq == doctest::Approx(50.0).epsilon(0.01));
  CHECK(sq * sq == doctest::Approx(50.0).epsilon(0.03));
}

TEST_CASE("multinomial frequencies follow the probabilities") {
  manual_seed(4);
  const Tensor s = multinomial(test::make<double>({0.1, 0.2, 0.3, 0.4}, {4}), 100000, true);
  std::vector<double> counts(4, 0);
  for (double v : test::values(s)) counts[size_t(v)] += 1;
  for (size_t k = 0; k < 4; ++k) CHECK(counts[k] / 100000 == doctest::Approx(0.1 * double(k + 1)).epsilon(0.03));
  // Without replacement, the first pick follows the probabilities too.
  std::vector<double> first(4, 0);
  const Tensor p = test::make<double>({0.1, 0.2, 0.3, 0.4}, {4});
  for (int i = 0; i < 20000; ++i) first[size_t(multinomial(p, 2).to_vector<int64_t>()[0])] += 1;
  for (size_t k = 0; k < 4; ++k) CHECK(first[k] / 20000 == doctest::Approx(0.1 * double(k + 1)).epsilon(0.06));
}

TEST_CASE("randperm is a permutation") {
  manual_seed(5);
  std::vector<int64_t> v = randperm(100000).to_vector<int64_t>();
  std::sort(v.begin(), v.end());
  for (int64_t i = 0; i < int64_t(v.size()); ++i) REQUIRE(v[size_t(i)] == i);
}
