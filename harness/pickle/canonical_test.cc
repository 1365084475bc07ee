#include "harness/pickle/canonical.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "harness/pickle/bigint.h"
#include "harness/pickle/value.h"
#include "harness/testing/pickle_testing.h"

namespace picklecheck {
namespace {

std::string Str(std::string_view utf8) {
  std::string out;
  AppendStrLiteral(utf8, out);
  return out;
}

std::string Bytes(std::string_view b) {
  std::string out;
  AppendBytesLiteral(b, out);
  return out;
}

std::string Float(double d) {
  std::string out;
  AppendFloatLiteral(d, out);
  return out;
}

TEST(CanonicalTest, StrEscapes) {
  EXPECT_EQ(Str("plain"), "\"plain\"");
  EXPECT_EQ(Str("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(Str("\n\r\t"), "\"\\n\\r\\t\"");
  EXPECT_EQ(Str(std::string_view("\x00\x1f\x7f", 3)), "\"\\x00\\x1f\\x7f\"");
  EXPECT_EQ(Str("\xc2\x85"), "\"\\x85\"");          // U+0085 (C1 control)
  EXPECT_EQ(Str("\xc2\xa0\xc3\xa9"), "\"\xc2\xa0\xc3\xa9\"");  // U+00A0, U+00E9 raw
  EXPECT_EQ(Str("\xed\xa0\x80"), "\"\\ud800\"");    // lone surrogate
  EXPECT_EQ(Str("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");
}

TEST(CanonicalTest, BytesEscapes) {
  EXPECT_EQ(Bytes("ab"), "b\"ab\"");
  EXPECT_EQ(Bytes(std::string_view("\x00\xff\"\\\n", 5)), "b\"\\x00\\xff\\\"\\\\\\n\"");
}

TEST(CanonicalTest, FloatsByBitPattern) {
  EXPECT_EQ(Float(1.0), "1.0");
  EXPECT_EQ(Float(-0.0), "-0.0");
  EXPECT_EQ(Float(1e16), "1e+16");
  EXPECT_EQ(Float(1e-5), "1e-05");
  EXPECT_EQ(Float(5e-324), "5e-324");
  EXPECT_EQ(Float(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(Float(-std::numeric_limits<double>::infinity()), "-inf");
  EXPECT_EQ(Float(std::bit_cast<double>(0x7ff8000000000000ull)), "nan");
  EXPECT_EQ(Float(std::bit_cast<double>(0xfff8000000000000ull)), "nan(0xfff8000000000000)");
  EXPECT_EQ(Float(std::bit_cast<double>(0x7ff0000000000001ull)), "nan(0x7ff0000000000001)");
}

TEST(CanonicalTest, IntsDecimalBelowTwoTo64ElseHex) {
  Document doc;
  EXPECT_EQ(ToCanonical(Value::Int(-5)), "-5");
  EXPECT_EQ(ToCanonical(doc.NewInt(BigInt::FromUint64(~uint64_t{0}))), "18446744073709551615");
  EXPECT_EQ(ToCanonical(doc.NewInt(BigInt::FromDigits("18446744073709551616", 10, false))),
            "0x10000000000000000");
  EXPECT_EQ(ToCanonical(doc.NewInt(BigInt::FromDigits("18446744073709551615", 10, true))),
            "-18446744073709551615");
}

TEST(CanonicalTest, Globals) {
  std::string out;
  AppendGlobalLiteral("numpy.core.multiarray", "_reconstruct", out);
  EXPECT_EQ(out, "@numpy.core.multiarray:_reconstruct");
  out.clear();
  AppendGlobalLiteral("my mod", "A", out);
  EXPECT_EQ(out, "@\"my mod\":A");
  out.clear();
  AppendGlobalLiteral("", "1x", out);
  EXPECT_EQ(out, "@\"\":\"1x\"");
  out.clear();
  AppendGlobalLiteral("a..b", "c.", out);
  EXPECT_EQ(out, "@\"a..b\":\"c.\"");
}

TEST(CanonicalTest, SharingAndCycles) {
  Document doc;
  Value inner = doc.NewList();
  inner.list()->items.Push(doc.arena(), Value::Int(1));
  Value outer = doc.NewTuple(std::vector<Value>{inner, inner});
  EXPECT_EQ(ToCanonical(outer), "(&1 [1], *1)");

  Value self = doc.NewList();
  self.list()->items.Push(doc.arena(), self);
  EXPECT_EQ(ToCanonical(self), "&1 [*1]");

  Value d = doc.NewDict();
  ASSERT_TRUE(DictSetItem(doc.arena(), d.dict(), doc.NewStr("self"), d).ok());
  EXPECT_EQ(ToCanonical(d), "&1 {\"self\": *1}");
}

TEST(CanonicalTest, SingletonsAreNeverLabeled) {
  Document doc;
  Value a = doc.NewStr("a");
  Value empty = doc.NewStr("");
  Value eb = doc.NewBytes("");
  Value t = doc.NewTuple({});
  Value list = doc.NewList();
  for (Value v : {a, a, empty, empty, eb, eb, t, t}) list.list()->items.Push(doc.arena(), v);
  EXPECT_EQ(ToCanonical(list), "[\"a\", \"a\", \"\", \"\", b\"\", b\"\", (), ()]");
  Value s = doc.NewStr("hello");
  Value l2 = doc.NewList();
  l2.list()->items.Push(doc.arena(), s);
  l2.list()->items.Push(doc.arena(), s);
  l2.list()->items.Push(doc.arena(), doc.NewStr("hello"));
  EXPECT_EQ(ToCanonical(l2), "[&1 \"hello\", *1, \"hello\"]");
}

TEST(CanonicalTest, SetsSortedByElementText) {
  Document doc;
  Value s = doc.NewSet();
  for (int i : {3, 10, 1, 2}) ASSERT_TRUE(SetAdd(doc.arena(), s.set(), Value::Int(i)).ok());
  // Sort keys are texts: "1" < "10" < "2" < "3".
  EXPECT_EQ(ToCanonical(s), "{1, 10, 2, 3}");
  Value fs = doc.NewFrozenSet();
  EXPECT_EQ(ToCanonical(fs), "frozenset()");
  EXPECT_EQ(ToCanonical(doc.NewSet()), "set()");
}

TEST(CanonicalTest, Objects) {
  Document doc;
  Value cls = doc.Global("m", "A", Builtin::kNone);
  Value obj = doc.NewObject(CtorKind::kNew, cls);
  obj.object()->args.Push(doc.arena(), Value::Int(1));
  obj.object()->ops.Push(doc.arena(), Op{OpKind::kBuild, Value::None(), Value::None()});
  obj.object()->ops.Push(doc.arena(), Op{OpKind::kSetItem, Value::Int(2), Value::Int(3)});
  EXPECT_EQ(ToCanonical(obj), "new(@m:A, (1,)).build(None).setitem(2, 3)");
  Value call = doc.NewObject(CtorKind::kCall, obj);
  call.object()->args.Push(doc.arena(), Value::Int(4));
  EXPECT_EQ(ToCanonical(call), "call(new(@m:A, (1,)).build(None).setitem(2, 3), 4)");
  Value pid = doc.NewObject(CtorKind::kPersId, doc.NewStr("x"));
  EXPECT_EQ(ToCanonical(pid), "persid(\"x\")");
}

TEST(CanonicalTest, DeepNestingIsIterative) {
  Document doc;
  Value v = doc.NewList();
  Value root = v;
  for (int i = 0; i < 200000; ++i) {
    Value next = doc.NewList();
    v.list()->items.Push(doc.arena(), next);
    v = next;
  }
  EXPECT_EQ(ToCanonical(root).size(), 2u * 200001);
}

}  // namespace
}  // namespace picklecheck
