#include "policy/learned/mlp.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "common/rng.h"
#include "policy/learned/learned_test_util.h"

// Counts heap allocations while g_count_mallocs is set, to check that Forward allocates nothing.
// Eigen allocates with std::malloc and libstdc++'s operator new calls malloc, so hooking malloc
// (glibc lets a program interpose it; __libc_malloc is the real one) sees both. Not under
// AddressSanitizer, which interposes malloc itself.
#if !defined(__SANITIZE_ADDRESS__)
#define PP_COUNT_MALLOC 1
namespace {
std::atomic<bool> g_count_mallocs{false};
std::atomic<long> g_mallocs{0};
}  // namespace
extern "C" void* __libc_malloc(size_t);
extern "C" void* malloc(size_t n) {
  if (g_count_mallocs.load(std::memory_order_relaxed)) g_mallocs.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(n);
}
#endif

namespace podpilot::learned {
namespace {

using testing::MakeModel;
using testing::ModelSpec;
using testing::ReferenceActions;
using testing::ReferenceLogits;

std::vector<float> RandomInput(const FeatureLayout& l, Rng& rng, double spread) {
  std::vector<float> x;
  for (int i = 0; i < l.size(); ++i) {
    const double mid = 0.5 * (l.low[i] + l.high[i]), half = 0.5 * (l.high[i] - l.low[i]);
    x.push_back(static_cast<float>(mid + spread * half * (2 * rng.Uniform() - 1)));
  }
  return x;
}

TEST(MlpTest, ForwardMatchesANaiveReference) {
  std::vector<ModelSpec> specs;
  for (Activation act : {Activation::kTanh, Activation::kRelu}) {
    for (LogitsLayout logits : {LogitsLayout::kConcat, LogitsLayout::kPerHead}) {
      for (const std::vector<int>& hidden : {std::vector<int>{}, std::vector<int>{32}, std::vector<int>{64, 64}}) {
        for (bool normalize : {false, true}) {
          ModelSpec s;
          s.targets = 3;
          s.history = 2;
          s.activation = act;
          s.logits = logits;
          s.hidden = hidden;
          s.normalize = normalize;
          s.setpoint = logits == LogitsLayout::kPerHead;
          s.seed = specs.size() + 1;
          specs.push_back(s);
        }
      }
    }
  }
  for (const ModelSpec& s : specs) {
    const LearnedModel m = MakeModel(s);
    auto net = MlpNet::Create(m);
    ASSERT_TRUE(net.ok()) << net.status().ToString();
    ASSERT_EQ(net->input_size(), m.features.size());
    Rng rng(s.seed);
    double worst = 0;
    for (int trial = 0; trial < 100; ++trial) {
      const std::vector<float> x = RandomInput(m.features, rng, trial % 2 ? 1.0 : 3.0);  // in and beyond range
      std::vector<int32_t> actions(static_cast<size_t>(net->num_heads()));
      ASSERT_TRUE(net->Forward(x.data(), actions.data()));
      const std::vector<double> ref = ReferenceLogits(m, x);
      ASSERT_EQ(static_cast<size_t>(net->logits().size()), ref.size());
      for (size_t i = 0; i < ref.size(); ++i) worst = std::max(worst, std::abs(net->logits()[i] - ref[i]));
      const std::vector<int32_t> ref_actions = ReferenceActions(ref, m.arch.heads);
      size_t off = 0;
      for (size_t h = 0; h < ref_actions.size(); ++h) {
        // Equal, or a near tie that float rounding may break either way.
        if (actions[h] != ref_actions[h]) {
          EXPECT_NEAR(ref[off + actions[h]], ref[off + ref_actions[h]], 1e-6) << "head " << h;
        }
        off += m.arch.heads[h];
      }
    }
    EXPECT_LT(worst, 1e-6) << "hidden " << s.hidden.size() << " seed " << s.seed;
  }
}

TEST(MlpTest, ArgmaxTiesGoToTheFirstIndex) {
  ModelSpec s;
  s.targets = 2;
  s.hidden = {4};
  LearnedModel m = MakeModel(s);
  for (float& w : m.heads[0].weight) w = 0;
  m.heads[0].bias = {1, 3, 3, 2, 0, /*head 2:*/ 5, 5, 5, 5, 5};
  auto net = MlpNet::Create(m);
  ASSERT_TRUE(net.ok());
  const std::vector<float> x(static_cast<size_t>(m.features.size()), 0.5f);
  int32_t a[2];
  ASSERT_TRUE(net->Forward(x.data(), a));
  EXPECT_EQ(a[0], 1);
  EXPECT_EQ(a[1], 0);
}

TEST(MlpTest, NonFiniteInputsAreReported) {
  ModelSpec s;
  s.targets = 1;
  s.normalize = false;
  auto net = MlpNet::Create(MakeModel(s));
  ASSERT_TRUE(net.ok());
  const int n = net->input_size();
  int32_t a[1];
  std::vector<float> x(static_cast<size_t>(n), 0.5f);
  EXPECT_TRUE(net->Forward(x.data(), a));
  x[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_FALSE(net->Forward(x.data(), a));
  s.hidden = {};  // a linear policy passes an infinite input straight to the logits
  auto linear = MlpNet::Create(MakeModel(s));
  ASSERT_TRUE(linear.ok());
  x[3] = std::numeric_limits<float>::infinity();
  EXPECT_FALSE(linear->Forward(x.data(), a));
  // Clipped normalisation bounds the same input.
  s.normalize = true;
  auto clipped = MlpNet::Create(MakeModel(s));
  ASSERT_TRUE(clipped.ok());
  EXPECT_TRUE(clipped->Forward(x.data(), a));
}

TEST(MlpTest, CreateRefusesAnInvalidModel) {
  LearnedModel m = MakeModel(ModelSpec{});
  m.hidden[0].weight.pop_back();
  auto net = MlpNet::Create(m);
  ASSERT_FALSE(net.ok());
  EXPECT_NE(net.status().message().find("layer 'policy.0'"), std::string::npos) << net.status().message();
}

TEST(MlpTest, ForwardDoesNotAllocate) {
#if defined(PP_COUNT_MALLOC)
  for (LogitsLayout logits : {LogitsLayout::kConcat, LogitsLayout::kPerHead}) {
    ModelSpec s;
    s.logits = logits;
    s.hidden = {64, 64};
    const LearnedModel m = MakeModel(s);
    auto net = MlpNet::Create(m);
    ASSERT_TRUE(net.ok());
    Rng rng(4);
    const std::vector<float> x = RandomInput(m.features, rng, 1.0);
    std::vector<int32_t> a(static_cast<size_t>(net->num_heads()));
    // The hook must see allocations at all, or a zero below would mean nothing.
    g_mallocs = 0;
    g_count_mallocs = true;
    void* volatile probe = std::malloc(16);  // volatile: the pair may not be optimised away
    g_count_mallocs = false;
    std::free(probe);
    ASSERT_EQ(g_mallocs.load(), 1);
    g_mallocs = 0;
    g_count_mallocs = true;
    bool ok = true;
    for (int i = 0; i < 50; ++i) ok = net->Forward(x.data(), a.data()) && ok;
    g_count_mallocs = false;
    EXPECT_TRUE(ok);
    EXPECT_EQ(g_mallocs.load(), 0);
  }
#else
  GTEST_SKIP() << "malloc counting is off under AddressSanitizer";
#endif
}

}  // namespace
}  // namespace podpilot::learned
