// CodecOracle: a test-only Oracle that answers with picklecheck's own codec
// (Load: the decoder and canonical printer; Dump: ParseCanonical and the
// encoder with the oracle's settings), so round-trip runs agree by
// construction, plus hooks that make it disagree on purpose.
//
//   picklecheck::testing::CodecOracle oracle("self-c", picklecheck::OracleImpl::kC);
//   oracle.mutate_dump = [](int protocol, std::string& pickle) { if (protocol == 2) pickle[2] ^= 1; };
//   picklecheck::RoundtripEngine engine(oracle, {});
#ifndef PICKLECHECK_HARNESS_ROUNDTRIP_CODEC_ORACLE_TESTING_H_
#define PICKLECHECK_HARNESS_ROUNDTRIP_CODEC_ORACLE_TESTING_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "harness/oracle/oracle.h"
#include "harness/pickle/canonical.h"
#include "harness/pickle/canonical_parse.h"
#include "harness/pickle/decoder.h"
#include "harness/pickle/encoder.h"

namespace picklecheck::testing {

class CodecOracle final : public Oracle {
 public:
  CodecOracle(std::string name, OracleImpl impl) : name_(std::move(name)), impl_(impl) {}

  // Applied to every pickle Dump writes.
  std::function<void(int protocol, std::string& pickle)> mutate_dump;
  // Dump answers 'U' for texts this returns true for.
  std::function<bool(std::string_view text)> unrepresentable;

  const std::string& name() const override { return name_; }
  OracleImpl impl() const override { return impl_; }
  bool Start(OracleError*) override { return true; }
  OracleInfo Info() override {
    OracleInfo info;
    info.name = name_;
    info.impl = impl_;
    info.command = info.executable = "codec";
    info.version = "0 (codec)";
    info.hello_json = R"({"hash_randomization": 1})";
    info.started = true;
    return info;
  }
  void Load(std::string_view pickle, const DecodeOptions& options, OracleOutcome& out) override {
    out = OracleOutcome{};
    out.attempts = 1;
    Result<Document> doc = Decode(pickle, options);
    if (doc.ok()) {
      out.kind = OutcomeKind::kAccepted;
      out.value = ToCanonical(doc->root());
    } else if (IsInconclusive(doc.error().kind)) {
      out.kind = OutcomeKind::kUnrepresentable;
      out.message = Describe(doc.error());
    } else {
      out.kind = OutcomeKind::kRejected;
      out.exception = std::string(PythonException(doc.error().kind));
      out.message = Message(doc.error());
    }
  }
  void Dump(std::string_view canonical, const DumpOptions& options, OracleOutcome& out) override {
    out = OracleOutcome{};
    out.attempts = 1;
    if (unrepresentable && unrepresentable(canonical)) {
      out.kind = OutcomeKind::kUnrepresentable;
      out.message = "scripted U";
      return;
    }
    Result<Document> doc = ParseCanonical(canonical);
    if (!doc.ok()) {
      out.kind = OutcomeKind::kOracleFailure;
      out.error.kind = OracleErrorKind::kInternal;
      out.error.message = "bad request: canonical text";
      return;
    }
    EncodeOptions eo;
    eo.protocol = options.protocol;
    eo.fix_imports = options.fix_imports;
    eo.out_of_band = options.out_of_band;
    eo.set_order = SetOrder::kCPythonSeed0;
    eo.max_depth = 997;
    eo.save_call_depth = 1;
    Encoded encoded;
    EncodeError why;
    if (!EncodeTo(doc->root(), eo, encoded, &why).ok()) {
      if (why.exception.empty()) {
        out.kind = OutcomeKind::kUnrepresentable;
        out.message = Describe(why);
      } else if (why.exception == "RecursionError") {
        out.kind = OutcomeKind::kResourceLimit;
        out.exception = why.exception;
        out.message = why.message;
      } else {
        out.kind = OutcomeKind::kRejected;
        out.exception = why.exception;
        out.message = why.message;
      }
      return;
    }
    if (mutate_dump) mutate_dump(options.protocol, encoded.pickle);
    out.kind = OutcomeKind::kAccepted;
    out.value = std::move(encoded.pickle);
    out.buffers = std::move(encoded.buffers);
  }
  void Ping(OracleOutcome& out) override {
    out = OracleOutcome{};
    out.kind = OutcomeKind::kAccepted;
  }
  using Oracle::Dump;
  using Oracle::Load;
  using Oracle::Ping;

 private:
  std::string name_;
  OracleImpl impl_;
};

}  // namespace picklecheck::testing

#endif  // PICKLECHECK_HARNESS_ROUNDTRIP_CODEC_ORACLE_TESTING_H_
