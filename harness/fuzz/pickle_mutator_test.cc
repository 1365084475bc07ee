// Tests of the fuzz-input layout (decode_input.h) and the opcode-aware
// mutator (pickle_mutator.h): the properties libFuzzer relies on (sizes within
// max_size, determinism per seed) and the ones that make the mutator worth
// having (tails kept, generated opcodes well-formed).
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/fuzz/decode_input.h"
#include "harness/fuzz/pickle_mutator.h"
#include "harness/pickle/decoder.h"

namespace picklecheck::fuzz {
namespace {

using namespace std::string_literals;

std::span<const uint8_t> Bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

// pickle.dumps([1, "a", {2: b"b"}, (1.5, None)], protocol) for protocols 0, 2, 4.
const std::vector<std::string>& Pickles() {
  static const std::vector<std::string> kPickles = {
      FromHex("286c70300a49310a6156610a70310a61286470320a49320a635f636f646563730a656e636f64650a70"
              "330a2856620a70340a566c6174696e310a70350a7470360a5270370a73612846312e350a4e747038"
              "0a612e"),
      FromHex("80025d7100284b0158010000006171017d71024b02635f636f646563730a656e636f64650a710358"
              "0100000062710458060000006c6174696e31710586710652710773473ff80000000000004e867108"
              "652e"),
      FromHex("80049520000000000000005d94284b018c0161947d944b024301629473473ff80000000000004e86"
              "94652e"),
  };
  return kPickles;
}

TEST(WalkOpcodesTest, WalksWholePicklesToStop) {
  for (const std::string& p : Pickles()) {
    std::vector<OpSpan> ops;
    EXPECT_EQ(WalkOpcodes(Bytes(p), ops), p.size());
    ASSERT_FALSE(ops.empty());
    EXPECT_EQ(ops.back().info->op, Opcode::kSTOP);
    size_t next = 0;
    for (const OpSpan& op : ops) {
      EXPECT_EQ(op.offset, next);
      next = op.offset + op.size;
    }
  }
}

TEST(WalkOpcodesTest, StopsAtUnknownBytesAndShortArguments) {
  std::vector<OpSpan> ops;
  EXPECT_EQ(WalkOpcodes(Bytes("N\xff."s), ops), 1u);
  EXPECT_EQ(ops.size(), 1u);
  EXPECT_EQ(WalkOpcodes(Bytes("NX\x05\x00\x00\x00\x61\x62"s), ops), 1u);
  EXPECT_EQ(WalkOpcodes(Bytes("NI12"s), ops), 1u);                   // no newline
  EXPECT_EQ(WalkOpcodes(Bytes("\x8b\xff\xff\xff\xff."s), ops), 0u);  // negative LONG4 length
  EXPECT_EQ(WalkOpcodes(Bytes("N.N."s), ops), 2u);                   // the first STOP ends it
}

TEST(DecodeInputTest, TailRoundTrips) {
  std::vector<DecodeOptions> cases(6);
  cases[1].fix_imports = false;
  cases[1].encoding = "bytes";
  cases[1].errors = "surrogateescape";
  cases[2].persistent_load = false;
  cases[2].buffers.emplace();
  cases[3].buffers.emplace();
  cases[3].buffers->push_back({"abc", true});
  cases[3].buffers->push_back({"", false});
  cases[3].buffers->push_back({std::string(63, 'x'), true});
  cases[4].encoding = "no-such-codec";
  cases[4].errors = "no-such-handler";
  cases[5].buffers.emplace();
  cases[5].buffers->push_back({"\x00\x01\x02"s, false});
  for (const DecodeOptions& o : cases) {
    std::string input = "K\x01."s + EncodeDecodeTail(o);
    DecodeInput in = SplitDecodeInput(Bytes(input).data(), input.size());
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(in.payload.data()), in.payload.size()), "K\x01."s);
    EXPECT_EQ(DescribeOptions(in.options), DescribeOptions(o));
    ASSERT_EQ(in.options.buffers.has_value(), o.buffers.has_value());
    if (o.buffers) {
      for (size_t i = 0; i < o.buffers->size(); ++i) {
        EXPECT_EQ((*in.options.buffers)[i].data, (*o.buffers)[i].data);
        EXPECT_EQ((*in.options.buffers)[i].readonly, (*o.buffers)[i].readonly);
      }
    }
    EXPECT_EQ(DecodeTailSize(Bytes(input).data(), input.size()), in.tail_size);
  }
}

TEST(DecodeInputTest, ShortInputsGetDefaults) {
  DecodeInput in = SplitDecodeInput(nullptr, 0);
  EXPECT_TRUE(in.payload.empty());
  EXPECT_EQ(in.tail_size, 0u);
  EXPECT_EQ(DescribeOptions(in.options), DescribeOptions(DecodeOptions{}));
  std::string two = "\0\0"s;
  EXPECT_EQ(SplitDecodeInput(Bytes(two).data(), 2).tail_size, 2u);
  // Buffers wanting more bytes than there are take what is left.
  std::string greedy = "\x3f\x02\x00"s;  // one buffer of up to 63 bytes, from nothing
  DecodeInput g = SplitDecodeInput(Bytes(greedy).data(), greedy.size());
  EXPECT_EQ(g.tail_size, 3u);
  ASSERT_TRUE(g.options.buffers.has_value());
  EXPECT_EQ(g.options.buffers->size(), 1u);
}

// A mutator with no byte fallback and no tail changes: every output comes
// from the opcode-level edits.
PickleMutator OpcodeOnly() { return PickleMutator{DecodeTailSize, nullptr, nullptr}; }

TEST(PickleMutatorTest, OutputsFitKeepTheTailAndAreMostlyWellFormed) {
  PickleMutator m = OpcodeOnly();
  DecodeOptions o;
  o.encoding = "latin1";
  o.buffers.emplace();
  o.buffers->push_back({"buf", false});
  const std::string tail = EncodeDecodeTail(o);
  int well_formed = 0;
  int decoded = 0;
  int total = 0;
  for (const std::string& p : Pickles()) {
    for (unsigned seed = 0; seed < 2000; ++seed) {
      std::string input = p + tail;
      const size_t max_size = input.size() + 64;
      std::vector<uint8_t> buf(max_size);
      std::memcpy(buf.data(), input.data(), input.size());
      size_t n = m.Mutate(buf.data(), input.size(), max_size, seed);
      ASSERT_GE(n, tail.size());
      ASSERT_LE(n, max_size);
      ASSERT_EQ(std::memcmp(buf.data() + n - tail.size(), tail.data(), tail.size()), 0) << seed;
      std::vector<OpSpan> ops;
      size_t payload = n - tail.size();
      if (WalkOpcodes({buf.data(), payload}, ops) == payload) ++well_formed;
      if (Decode(std::span<const uint8_t>(buf.data(), payload), o).ok()) ++decoded;
      ++total;
    }
  }
  // Most edits keep the opcode stream walkable (some are deliberately off),
  // and a fair share still decodes: that is the point of the mutator.
  EXPECT_GT(well_formed, total * 8 / 10) << well_formed << "/" << total;
  EXPECT_GT(decoded, total / 5) << decoded << "/" << total;
}

TEST(PickleMutatorTest, DeterministicPerSeed) {
  PickleMutator m = OpcodeOnly();
  std::string input = Pickles()[2] + EncodeDecodeTail({});
  for (unsigned seed = 0; seed < 200; ++seed) {
    std::vector<uint8_t> a(input.size() + 100);
    std::vector<uint8_t> b(input.size() + 100);
    std::memcpy(a.data(), input.data(), input.size());
    std::memcpy(b.data(), input.data(), input.size());
    size_t na = m.Mutate(a.data(), input.size(), a.size(), seed);
    size_t nb = m.Mutate(b.data(), input.size(), b.size(), seed);
    ASSERT_EQ(na, nb);
    ASSERT_EQ(std::memcmp(a.data(), b.data(), na), 0);
  }
}

TEST(PickleMutatorTest, RespectsTinyMaxSize) {
  PickleMutator m = OpcodeOnly();
  std::string input = Pickles()[1] + EncodeDecodeTail({});
  std::vector<uint8_t> buf(input.begin(), input.end());
  for (unsigned seed = 0; seed < 500; ++seed) {
    std::copy(input.begin(), input.end(), buf.begin());
    EXPECT_LE(m.Mutate(buf.data(), input.size(), input.size(), seed), input.size());
  }
}

TEST(PickleMutatorTest, CrossOverKeepsTheFirstTail) {
  PickleMutator m = OpcodeOnly();
  DecodeOptions o;
  o.fix_imports = false;
  std::string a = Pickles()[0] + EncodeDecodeTail(o);
  std::string b = Pickles()[2] + EncodeDecodeTail({});
  std::string tail = EncodeDecodeTail(o);
  std::vector<uint8_t> out(a.size() + b.size());
  for (unsigned seed = 0; seed < 500; ++seed) {
    size_t n = m.CrossOver(Bytes(a).data(), a.size(), Bytes(b).data(), b.size(), out.data(), out.size(), seed);
    ASSERT_LE(n, out.size());
    if (n == 0) continue;
    ASSERT_GE(n, tail.size());
    EXPECT_EQ(std::memcmp(out.data() + n - tail.size(), tail.data(), tail.size()), 0);
  }
}

TEST(RandomDecodeTailTest, AlwaysParsesBackToItself) {
  std::string tail = EncodeDecodeTail({});
  for (uint64_t seed = 0; seed < 500; ++seed) {
    tail = RandomDecodeTail(seed, tail);
    EXPECT_EQ(DecodeTailSize(Bytes(tail).data(), tail.size()), tail.size()) << seed;
  }
}

}  // namespace
}  // namespace picklecheck::fuzz
