#include "harness/oracle/oracle_pool.h"

#include <cassert>
#include <system_error>
#include <thread>
#include <utility>

namespace picklecheck {

OraclePool::OraclePool(std::vector<std::unique_ptr<Oracle>> oracles)
    : oracles_(std::move(oracles)) {
  free_.reserve(oracles_.size());
  // Hand out index 0 first: with one worker the same process serves every request.
  for (size_t k = oracles_.size(); k > 0; --k) free_.push_back(k - 1);
}

OraclePool::~OraclePool() {
  std::lock_guard<std::mutex> lock(mu_);
  assert(free_.size() == oracles_.size() && "OraclePool destroyed with leases outstanding");
}

std::unique_ptr<OraclePool> OraclePool::Make(std::string_view name, size_t workers,
                                             const OracleOptions& options, std::string* error) {
  if (workers == 0) {
    if (error) *error = "an oracle pool needs at least one worker";
    return nullptr;
  }
  std::vector<std::unique_ptr<Oracle>> oracles;
  for (size_t k = 0; k < workers; ++k) {
    std::unique_ptr<Oracle> oracle = MakeOracle(name, options, error);
    if (!oracle) return nullptr;
    oracles.push_back(std::move(oracle));
  }
  return std::make_unique<OraclePool>(std::move(oracles));
}

OraclePool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      index_(other.index_),
      oracle_(std::exchange(other.oracle_, nullptr)) {}

OraclePool::Lease& OraclePool::Lease::operator=(Lease&& other) noexcept {
  if (this != &other) {
    Release();
    pool_ = std::exchange(other.pool_, nullptr);
    index_ = other.index_;
    oracle_ = std::exchange(other.oracle_, nullptr);
  }
  return *this;
}

void OraclePool::Lease::Release() {
  if (pool_ != nullptr) pool_->Return(index_);
  pool_ = nullptr;
  oracle_ = nullptr;
}

OraclePool::Lease OraclePool::Acquire() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return !free_.empty(); });
  size_t index = free_.back();
  free_.pop_back();
  return Lease(this, index, oracles_[index].get());
}

OraclePool::Lease OraclePool::TryAcquire() {
  std::lock_guard<std::mutex> lock(mu_);
  if (free_.empty()) return Lease();
  size_t index = free_.back();
  free_.pop_back();
  return Lease(this, index, oracles_[index].get());
}

size_t OraclePool::available() const {
  std::lock_guard<std::mutex> lock(mu_);
  return free_.size();
}

void OraclePool::Return(size_t index) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    free_.push_back(index);
  }
  cv_.notify_one();
}

bool OraclePool::StartAll(OracleError* error) {
  std::vector<Lease> leases;
  leases.reserve(oracles_.size());
  for (size_t k = 0; k < oracles_.size(); ++k) leases.push_back(Acquire());
  std::vector<OracleError> errors(leases.size());
  std::vector<char> ok(leases.size(), 0);
  std::vector<std::thread> threads;
  threads.reserve(leases.size());
  for (size_t k = 0; k < leases.size(); ++k) {
    auto start = [&, k] { ok[k] = leases[k]->Start(&errors[k]) ? 1 : 0; };
    try {
      threads.emplace_back(start);
    } catch (const std::system_error&) {
      start();  // no thread to be had: start this one here, in turn
    }
  }
  for (std::thread& t : threads) t.join();
  for (size_t k = 0; k < leases.size(); ++k) {
    if (!ok[k]) {
      if (error) *error = errors[k];
      return false;
    }
  }
  return true;
}

OracleInfo OraclePool::Info() {
  Lease lease = Acquire();
  return lease->Info();
}

}  // namespace picklecheck
