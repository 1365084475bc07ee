#include "harness/oracle/protocol.h"

#include <gtest/gtest.h>

#include <string>

namespace picklecheck {
namespace {

using namespace std::string_literals;

std::string Le32(uint32_t v) {
  std::string out(4, '\0');
  for (int k = 0; k < 4; ++k) out[k] = static_cast<char>((v >> (8 * k)) & 0xff);
  return out;
}

std::string Le16(uint32_t v) {
  return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
}

TEST(LoadRequestTest, EncodesDefaultOptions) {
  std::string out;
  ASSERT_TRUE(AppendLoadRequest("K\x01.", DecodeOptions{}, out, nullptr));
  std::string body =
      "L"s + "\x03"s + Le16(5) + "ASCII" + Le16(6) + "strict" + Le32(0) + Le32(3) + "K\x01.";
  EXPECT_EQ(out, Le32(static_cast<uint32_t>(body.size())) + body);
}

TEST(LoadRequestTest, EncodesFlagsAndBuffers) {
  DecodeOptions o;
  o.fix_imports = false;
  o.persistent_load = false;
  o.encoding = "latin1";
  o.errors = "surrogateescape";
  o.buffers = std::vector<OobBuffer>{{"ab", true}, {"", false}};
  std::string out = "prefix";
  ASSERT_TRUE(AppendLoadRequest(".", o, out, nullptr));
  std::string body = "L"s + "\x04"s + Le16(6) + "latin1" + Le16(15) + "surrogateescape" + Le32(2) +
                     "\x01"s + Le32(2) + "ab" + "\x00"s + Le32(0) + Le32(1) + ".";
  EXPECT_EQ(out, "prefix" + Le32(static_cast<uint32_t>(body.size())) + body);
}

TEST(LoadRequestTest, EmptyBufferListIsStillGiven) {
  DecodeOptions o;
  o.buffers = std::vector<OobBuffer>{};
  std::string out;
  ASSERT_TRUE(AppendLoadRequest(".", o, out, nullptr));
  EXPECT_EQ(static_cast<uint8_t>(out[5]),
            kLoadFixImports | kLoadPersistentLoad | kLoadBuffersGiven);
}

TEST(LoadRequestTest, RejectsEncodingNameOverU16) {
  DecodeOptions o;
  o.encoding.assign(65536, 'a');
  std::string out = "keep";
  std::string why;
  EXPECT_FALSE(AppendLoadRequest(".", o, out, &why));
  EXPECT_EQ(out, "keep");
  EXPECT_NE(why.find("encoding"), std::string::npos) << why;
}

TEST(LoadRequestTest, RejectsErrorsNameOverU16) {
  DecodeOptions o;
  o.errors.assign(65536, 'a');
  std::string out;
  std::string why;
  EXPECT_FALSE(AppendLoadRequest(".", o, out, &why));
  EXPECT_TRUE(out.empty());
  EXPECT_NE(why.find("errors"), std::string::npos) << why;
}

TEST(DumpRequestTest, EncodesProtocolFlagsAndText) {
  std::string out;
  DumpOptions o;
  o.protocol = 5;
  o.fix_imports = false;
  o.out_of_band = true;
  ASSERT_TRUE(AppendDumpRequest("[1]", o, out, nullptr));
  std::string body = "D\x05\x02"s + Le32(3) + "[1]";
  EXPECT_EQ(out, Le32(static_cast<uint32_t>(body.size())) + body);
}

TEST(DumpRequestTest, RejectsProtocolOutsideAByte) {
  DumpOptions o;
  o.protocol = 256;
  std::string out;
  std::string why;
  EXPECT_FALSE(AppendDumpRequest("1", o, out, &why));
  EXPECT_TRUE(out.empty());
  EXPECT_NE(why.find("protocol"), std::string::npos);
}

TEST(BareRequestTest, IsOneByteFrame) {
  std::string out;
  AppendBareRequest('P', out);
  EXPECT_EQ(out, Le32(1) + "P");
}

class ParseResponseTest : public ::testing::Test {
 protected:
  bool Parse(char request, const std::string& payload) {
    error = {};
    return ParseResponse(request, payload, out, error);
  }
  OracleOutcome out;
  OracleError error;
};

TEST_F(ParseResponseTest, ValueIsAccepted) {
  ASSERT_TRUE(Parse('L', "V[1, 2]"));
  EXPECT_EQ(out.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(out.value, "[1, 2]");
}

TEST_F(ParseResponseTest, EmptyValueIsAccepted) {
  ASSERT_TRUE(Parse('L', "V"));
  EXPECT_EQ(out.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(out.value, "");
}

TEST_F(ParseResponseTest, ErrorIsRejected) {
  ASSERT_TRUE(
      Parse('L', "E" + Le16(15) + "UnpicklingError" + Le32(26) + "unpickling stack underflow"));
  EXPECT_EQ(out.kind, OutcomeKind::kRejected);
  EXPECT_EQ(out.exception, "UnpicklingError");
  EXPECT_EQ(out.message, "unpickling stack underflow");
}

TEST_F(ParseResponseTest, ErrorFieldsAreClearedByTheNextAnswer) {
  ASSERT_TRUE(Parse('L', "E" + Le16(1) + "E" + Le32(1) + "m"));
  ASSERT_TRUE(Parse('L', "V1"));
  EXPECT_EQ(out.exception, "");
  EXPECT_EQ(out.message, "");
}

TEST_F(ParseResponseTest, ErrorWithOverrunningLengthIsBadResponse) {
  EXPECT_FALSE(Parse('L', "E" + Le16(50) + "ValueError"));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, ErrorWithTrailingBytesIsBadResponse) {
  EXPECT_FALSE(Parse('L', "E" + Le16(1) + "E" + Le32(1) + "m" + "junk"));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, ErrorWithEmptyTypeIsBadResponse) {
  EXPECT_FALSE(Parse('L', "E" + Le16(0) + Le32(1) + "m"));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, MemoryErrorIsResourceLimit) {
  ASSERT_TRUE(Parse('L', "Mout of memory"));
  EXPECT_EQ(out.kind, OutcomeKind::kResourceLimit);
  EXPECT_EQ(out.exception, "MemoryError");
  EXPECT_EQ(out.message, "out of memory");
}

TEST_F(ParseResponseTest, RecursionErrorIsResourceLimit) {
  ASSERT_TRUE(Parse('D', "Rmaximum recursion depth exceeded"));
  EXPECT_EQ(out.kind, OutcomeKind::kResourceLimit);
  EXPECT_EQ(out.exception, "RecursionError");
}

TEST_F(ParseResponseTest, InternalFailureIsAnError) {
  EXPECT_FALSE(Parse('L', "Xoracle bug"));
  EXPECT_EQ(error.kind, OracleErrorKind::kInternal);
  EXPECT_NE(error.message.find("oracle bug"), std::string::npos);
}

TEST_F(ParseResponseTest, InternalFailureAnswersPingToo) {
  EXPECT_FALSE(Parse('P', "Xbroken"));
  EXPECT_EQ(error.kind, OracleErrorKind::kInternal);
}

TEST_F(ParseResponseTest, UnknownTypeIsBadResponse) {
  EXPECT_FALSE(Parse('L', "Zzz"));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
  EXPECT_NE(error.message.find("response type \"Z\" does not answer request 'L'"),
            std::string::npos)
      << error.message;
}

TEST_F(ParseResponseTest, EmptyPayloadIsBadResponse) {
  EXPECT_FALSE(Parse('L', ""));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, DumpAnswerToLoadIsBadResponse) {
  EXPECT_FALSE(Parse('L', "B" + Le32(0) + Le32(0)));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, ValueAnswerToDumpIsBadResponse) {
  EXPECT_FALSE(Parse('D', "V1"));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, PongWithBodyIsBadResponse) {
  EXPECT_FALSE(Parse('P', "Px"));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
  EXPECT_TRUE(Parse('P', "P"));
  EXPECT_EQ(out.kind, OutcomeKind::kAccepted);
}

TEST_F(ParseResponseTest, DumpBytesWithBuffers) {
  ASSERT_TRUE(Parse(
      'D', "B" + Le32(2) + "\x80\x05" + Le32(2) + "\x01"s + Le32(3) + "abc" + "\x00"s + Le32(0)));
  EXPECT_EQ(out.kind, OutcomeKind::kAccepted);
  EXPECT_EQ(out.value, "\x80\x05");
  ASSERT_EQ(out.buffers.size(), 2u);
  EXPECT_TRUE(out.buffers[0].readonly);
  EXPECT_EQ(out.buffers[0].data, "abc");
  EXPECT_FALSE(out.buffers[1].readonly);
  EXPECT_EQ(out.buffers[1].data, "");
}

TEST_F(ParseResponseTest, DumpWithHugeBufferCountIsBadResponse) {
  // The count must not size a vector before the records are seen.
  EXPECT_FALSE(Parse('D', "B" + Le32(0) + Le32(0xffffffff)));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, DumpWithBadReadonlyByteIsBadResponse) {
  EXPECT_FALSE(Parse('D', "B" + Le32(0) + Le32(1) + "\x02"s + Le32(0)));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, DumpWithTrailingBytesIsBadResponse) {
  EXPECT_FALSE(Parse('D', "B" + Le32(0) + Le32(0) + "x"));
  EXPECT_EQ(error.kind, OracleErrorKind::kBadResponse);
}

TEST_F(ParseResponseTest, UnrepresentableLoad) {
  ASSERT_TRUE(Parse('L', "Uset elements with equal sort keys"));
  EXPECT_EQ(out.kind, OutcomeKind::kUnrepresentable);
  EXPECT_EQ(out.message, "set elements with equal sort keys");
}

TEST_F(ParseResponseTest, UnrepresentableDump) {
  ASSERT_TRUE(Parse('D', "Uno such value"));
  EXPECT_EQ(out.kind, OutcomeKind::kUnrepresentable);
  EXPECT_EQ(out.message, "no such value");
}

TEST(ParseHelloTest, ReadsTheHandshakeFields) {
  OracleInfo info;
  std::string why;
  ASSERT_TRUE(ParseHello(
      R"(H{"impl": "c", "executable": "/usr/bin/python3", "version": "3.11.2 (main) \n[GCC 12.2.0]",)"
      R"( "implementation": "cpython", "protocol": 5, "pid": 4242, "extra": {"a": [1, "}"]}})",
      OracleImpl::kC, info, &why))
      << why;
  EXPECT_EQ(info.executable, "/usr/bin/python3");
  EXPECT_EQ(info.version, "3.11.2 (main) \n[GCC 12.2.0]");
  EXPECT_EQ(info.implementation, "cpython");
  EXPECT_EQ(info.protocol, 5);
  EXPECT_EQ(info.pid, 4242);
}

TEST(ParseHelloTest, DecodesUnicodeEscapes) {
  OracleInfo info;
  std::string why;
  ASSERT_TRUE(ParseHello(R"(H{"impl": "python", "executable": "/p/\u00e9/\ud83d\ude00"})",
                         OracleImpl::kPython, info, &why))
      << why;
  EXPECT_EQ(info.executable, "/p/\xc3\xa9/\xf0\x9f\x98\x80");
}

TEST(ParseHelloTest, WrongImplIsRefused) {
  OracleInfo info;
  std::string why;
  EXPECT_FALSE(ParseHello(R"(H{"impl": "python"})", OracleImpl::kC, info, &why));
  EXPECT_NE(why.find("expected \"c\""), std::string::npos) << why;
}

TEST(ParseHelloTest, MissingImplIsRefused) {
  OracleInfo info;
  std::string why;
  EXPECT_FALSE(ParseHello(R"(H{"version": "3"})", OracleImpl::kOther, info, &why));
  EXPECT_NE(why.find("impl"), std::string::npos) << why;
}

TEST(ParseHelloTest, NotJsonIsRefused) {
  OracleInfo info;
  std::string why;
  EXPECT_FALSE(ParseHello("H{not json", OracleImpl::kC, info, &why));
  EXPECT_NE(why.find("malformed"), std::string::npos) << why;
  EXPECT_FALSE(ParseHello("Hnope", OracleImpl::kC, info, &why));
  EXPECT_FALSE(ParseHello(R"(H{"impl": "c"} trailing)", OracleImpl::kC, info, &why));
  EXPECT_NE(why.find("after"), std::string::npos) << why;
}

TEST(ParseHelloTest, WrongTypeIsRefused) {
  OracleInfo info;
  std::string why;
  EXPECT_FALSE(ParseHello(R"(V{"impl": "c"})", OracleImpl::kC, info, &why));
  EXPECT_NE(why.find("not 'H'"), std::string::npos) << why;
}

TEST(PrintablePrefixTest, EscapesAndTruncates) {
  EXPECT_EQ(PrintablePrefix("a\"\\\x01"), R"("a\x22\x5c\x01")");
  EXPECT_EQ(PrintablePrefix("abcdef", 3), R"("abc"... (6 bytes))");
}

TEST(FrameLengthTest, IsLittleEndian) {
  EXPECT_EQ(ReadFrameLength("\x01\x02\x03\x04"), 0x04030201u);
  EXPECT_EQ(ReadFrameLength("\xff\xff\xff\xff"), 0xffffffffu);
}

}  // namespace
}  // namespace picklecheck
