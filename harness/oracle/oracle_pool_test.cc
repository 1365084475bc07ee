#include "harness/oracle/oracle_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <set>
#include <thread>

#include "harness/oracle/process_oracle.h"
#include "harness/oracle/scripted_oracle.h"
#include "harness/testing/pickle_testing.h"

namespace picklecheck {
namespace {

std::unique_ptr<OraclePool> ScriptedPool(size_t n) {
  std::vector<std::unique_ptr<Oracle>> oracles;
  for (size_t k = 0; k < n; ++k) {
    auto o = std::make_unique<testing::ScriptedOracle>("s" + std::to_string(k), OracleImpl::kC);
    o->Otherwise(testing::Accepted(std::to_string(k)));
    oracles.push_back(std::move(o));
  }
  return std::make_unique<OraclePool>(std::move(oracles));
}

TEST(OraclePoolTest, LeasesAreExclusive) {
  auto pool = ScriptedPool(2);
  EXPECT_EQ(pool->size(), 2u);
  OraclePool::Lease a = pool->Acquire();
  OraclePool::Lease b = pool->Acquire();
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  EXPECT_NE(a.get(), b.get());
  EXPECT_EQ(pool->available(), 0u);
  EXPECT_FALSE(pool->TryAcquire());
  a.Release();
  EXPECT_FALSE(a);
  EXPECT_EQ(pool->available(), 1u);
  OraclePool::Lease c = pool->TryAcquire();
  ASSERT_TRUE(c);
}

TEST(OraclePoolTest, SingleWorkerAlwaysGetsTheSameOracle) {
  auto pool = ScriptedPool(1);
  Oracle* first = pool->Acquire().get();
  for (int k = 0; k < 3; ++k) EXPECT_EQ(pool->Acquire().get(), first);
}

TEST(OraclePoolTest, LeaseMoveTransfersOwnership) {
  auto pool = ScriptedPool(1);
  OraclePool::Lease a = pool->Acquire();
  Oracle* o = a.get();
  OraclePool::Lease b = std::move(a);
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from leases are empty by contract
  EXPECT_EQ(b.get(), o);
  EXPECT_EQ(pool->available(), 0u);
  OraclePool::Lease c;
  c = std::move(b);
  EXPECT_EQ(c.get(), o);
  EXPECT_EQ(pool->available(), 0u);
  c = OraclePool::Lease();
  EXPECT_EQ(pool->available(), 1u);
}

TEST(OraclePoolTest, AcquireWaitsForARelease) {
  auto pool = ScriptedPool(1);
  OraclePool::Lease held = pool->Acquire();
  std::atomic<bool> acquired{false};
  std::thread waiter([&] {
    OraclePool::Lease l = pool->Acquire();
    acquired = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(acquired.load());
  held.Release();
  waiter.join();
  EXPECT_TRUE(acquired.load());
  EXPECT_EQ(pool->available(), 1u);
}

TEST(OraclePoolTest, MakeRefusesUnknownNamesAndZeroWorkers) {
  std::string why;
  EXPECT_EQ(OraclePool::Make("no-such-oracle", 2, OracleOptions{}, &why), nullptr);
  EXPECT_NE(why.find("unknown oracle"), std::string::npos) << why;
  EXPECT_EQ(OraclePool::Make("cpython-c", 0, OracleOptions{}, &why), nullptr);
  EXPECT_NE(why.find("at least one"), std::string::npos) << why;
}

TEST(OraclePoolTest, StartAllReportsAFailure) {
  std::vector<std::unique_ptr<Oracle>> oracles;
  oracles.push_back(std::make_unique<testing::ScriptedOracle>("ok", OracleImpl::kC));
  auto bad = std::make_unique<testing::ScriptedOracle>("bad", OracleImpl::kC);
  bad->FailStart({OracleErrorKind::kSpawnFailed, "no interpreter", {}});
  oracles.push_back(std::move(bad));
  OraclePool pool(std::move(oracles));
  OracleError error;
  EXPECT_FALSE(pool.StartAll(&error));
  EXPECT_EQ(error.kind, OracleErrorKind::kSpawnFailed);
  EXPECT_EQ(error.message, "no interpreter");
  EXPECT_EQ(pool.available(), 2u);
}

// Two workers, two fake-oracle processes: each worker's requests all reach
// one process, and the two processes differ.
TEST(OraclePoolTest, WorkersUseSeparateProcessesConcurrently) {
  OracleOptions options;
  options.script = testing::SourcePath("harness/oracle/testdata/fake_oracle.py");
  std::vector<std::unique_ptr<Oracle>> oracles;
  for (int k = 0; k < 2; ++k)
    oracles.push_back(std::make_unique<ProcessOracle>("fake", OracleImpl::kC, options));
  OraclePool pool(std::move(oracles));
  OracleError error;
  ASSERT_TRUE(pool.StartAll(&error)) << error.message << "\n" << error.stderr_tail;

  std::set<std::string> pids[2];
  std::atomic<int> failures{0};
  std::latch both_leased(2);  // so neither worker can finish and hand its oracle on
  auto work = [&](int w) {
    OraclePool::Lease lease = pool.Acquire();
    both_leased.arrive_and_wait();
    for (int k = 0; k < 100; ++k) {
      OracleOutcome out = lease->Load("pid");
      if (out.kind != OutcomeKind::kAccepted || out.attempts != 1) ++failures;
      pids[w].insert(out.value);
    }
  };
  std::thread t0(work, 0), t1(work, 1);
  t0.join();
  t1.join();
  EXPECT_EQ(failures.load(), 0);
  ASSERT_EQ(pids[0].size(), 1u);
  ASSERT_EQ(pids[1].size(), 1u);
  EXPECT_NE(*pids[0].begin(), *pids[1].begin());
}

}  // namespace
}  // namespace picklecheck
