#include "operator/work_queue.h"

#include <gtest/gtest.h>

#include <thread>

namespace podpilot::op {
namespace {

using namespace std::chrono_literals;

TEST(WorkQueueTest, EarliestDueFirstAndDeduplicated) {
  WorkQueue q;
  const auto now = WorkQueue::Clock::now();
  q.Add("b", now - 1ms);
  q.Add("a", now - 2ms);
  q.Add("b", now + 1h);  // later than queued: ignored
  EXPECT_EQ(q.Queued(), 2u);
  EXPECT_EQ(*q.Get(), "a");
  EXPECT_EQ(*q.Get(), "b");
  EXPECT_EQ(q.Queued(), 0u);
}

TEST(WorkQueueTest, KeyHeldByAWorkerIsNotHandedOutTwice) {
  WorkQueue q;
  q.AddNow("a");
  ASSERT_EQ(*q.Get(), "a");
  q.AddNow("a");  // changed while being reconciled
  q.AddNow("b");
  EXPECT_EQ(*q.Get(), "b");  // "a" waits for Done
  std::optional<std::string> got;
  std::thread t([&] { got = q.Get(); });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(got.has_value());
  q.Done("a");
  t.join();
  EXPECT_EQ(*got, "a");
}

TEST(WorkQueueTest, ShutdownWakesWaiters) {
  WorkQueue q;
  q.Add("later", WorkQueue::Clock::now() + 1h);
  std::optional<std::string> got = "x";
  std::thread t([&] { got = q.Get(); });
  q.Shutdown();
  t.join();
  EXPECT_FALSE(got.has_value());
}

TEST(WorkQueueTest, RemoveForgets) {
  WorkQueue q;
  q.AddNow("a");
  q.Remove("a");
  q.Add("b", WorkQueue::Clock::now());
  EXPECT_EQ(*q.Get(), "b");
}

}  // namespace
}  // namespace podpilot::op
