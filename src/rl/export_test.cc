#include "rl/export.h"

#include <gtest/gtest.h>

#include "common/rng.h"
#include "policy/learned/mlp.h"
#include "rl/dqn.h"
#include "rl/rl_test_util.h"
#include "rl/running_norm.h"

namespace podpilot::rl {
namespace {

struct Layouts {
  learned::FeatureLayout features;
  learned::ActionLayout actions;
};

Layouts MakeLayouts(int targets, int history) {
  Layouts l;
  l.features = learned::MakeFeatureLayout(targets, {history, 0}).value();
  l.actions = learned::MakeDeltaActions(targets, {-2, -1, 0, 1, 2}).value();
  return l;
}

// Random raw features spread well beyond the normaliser's range, so clipping is exercised.
std::vector<float> RandomInputs(int rows, int size, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(rows) * size);
  for (auto& v : x) v = static_cast<float>(rng.Normal() * 3.0 + 0.5);
  return x;
}

// An observation normaliser fitted on random data (means and stds far from 0 and 1).
ObsNormalizer FittedNormalizer(int size, uint64_t seed) {
  ObsNormalizer n(size, true);
  Rng rng(seed);
  std::vector<float> batch(static_cast<size_t>(64) * size);
  for (int j = 0; j < 4; ++j) {
    for (size_t k = 0; k < batch.size(); ++k) batch[k] = static_cast<float>(rng.Normal() * (1 + k % 5) + (k % 7));
    n.Update(batch.data(), 64);
  }
  return n;
}

// Max |Eigen logits - torch logits| over `rows` inputs.
double MaxLogitDiff(const learned::LearnedModel& read, const ObsNormalizer& norm, int rows, int size,
                    const std::function<torch::Tensor(torch::Tensor)>& torch_logits) {
  auto net = learned::MlpNet::Create(read).value();
  const auto x = RandomInputs(rows, size, 7);
  std::vector<float> xn(x.size());
  norm.Normalize(x.data(), rows, xn.data());
  torch::NoGradGuard no_grad;
  auto ref = torch_logits(torch::from_blob(xn.data(), {rows, size}, torch::kFloat32)).contiguous();
  double max_diff = 0;
  std::vector<int32_t> actions(read.actions.num_targets);
  for (int r = 0; r < rows; ++r) {
    EXPECT_TRUE(net.Forward(x.data() + static_cast<size_t>(r) * size, actions.data()));
    const auto& logits = net.logits();
    EXPECT_EQ(logits.size(), ref.size(1));
    for (int k = 0; k < logits.size(); ++k) {
      max_diff = std::max(max_diff, std::abs(logits[k] - static_cast<double>(ref[r][k].item<float>())));
    }
  }
  return max_diff;
}

TEST(ExportTest, ActorParityWithLibtorchIncludingNormalisation) {
  const Layouts l = MakeLayouts(3, 2);
  const int f = l.features.size();
  torch::manual_seed(3);
  Mlp actor(f, std::vector<int>{64, 64}, 3 * 5, 1.0);  // gain 1 on the logits so they are not all near 0
  Mlp critic(f, std::vector<int>{64, 64}, 1, 1.0);
  const ObsNormalizer norm = FittedNormalizer(f, 11);
  learned::FeatureLayout features = l.features;
  features.normalization = norm.Export();
  auto model = ExportModel(actor, &critic, features, l.actions, {"ppo", 1234, "tiny", 5});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string path = testing::TempDir("export") + "/m.safetensors";
  ASSERT_TRUE(learned::WriteModel(path, *model).ok());
  auto read = learned::ReadModel(path);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->provenance.trainer, "ppo");
  EXPECT_EQ(read->provenance.timesteps, 1234);
  EXPECT_EQ(read->value_tensors.count("value.out.weight"), 1u);
  EXPECT_FLOAT_EQ(read->features.normalization.clip, 10.0f);
  const double diff = MaxLogitDiff(*read, norm, 300, f, [&](torch::Tensor x) { return actor->forward(x); });
  EXPECT_LT(diff, 1e-5);
}

TEST(ExportTest, DuelingQNetworkFoldsExactlyIntoOneLayer) {
  const Layouts l = MakeLayouts(2, 0);
  const int f = l.features.size();
  torch::manual_seed(5);
  QNet q(f, std::vector<int>{32, 16}, 2, 5, /*dueling=*/true);
  {
    // Non-zero biases everywhere so the fold of the biases is checked too.
    torch::NoGradGuard g;
    for (auto& p : q->parameters()) p.add_(torch::randn_like(p) * 0.1);
  }
  const ObsNormalizer norm = FittedNormalizer(f, 13);
  learned::FeatureLayout features = l.features;
  features.normalization = norm.Export();
  auto [w, b] = q->FoldedHead();
  auto model = ExportModelWithHead(q->trunk(), w, b, features, l.actions, {"dqn", 1, "tiny", 1});
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  const std::string path = testing::TempDir("export_dqn") + "/m.safetensors";
  ASSERT_TRUE(learned::WriteModel(path, *model).ok());
  auto read = learned::ReadModel(path).value();
  const double diff = MaxLogitDiff(read, norm, 300, f, [&](torch::Tensor x) { return q->forward(x).view({x.size(0), -1}); });
  EXPECT_LT(diff, 1e-5);
}

}  // namespace
}  // namespace podpilot::rl
