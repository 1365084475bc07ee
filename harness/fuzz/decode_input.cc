#include "harness/fuzz/decode_input.h"

#include <algorithm>

namespace picklecheck::fuzz {
namespace {

// Reads backwards from the end of the input; past the start it yields zeros
// (FuzzedDataProvider::ConsumeIntegral) and empty data.
class TailReader {
 public:
  TailReader(const uint8_t* data, size_t size) : data_(data), end_(size) {}
  uint8_t Byte() { return end_ == 0 ? 0 : data_[--end_]; }
  std::string_view Bytes(size_t n) {
    n = std::min(n, end_);
    end_ -= n;
    return {reinterpret_cast<const char*>(data_) + end_, n};
  }
  size_t end() const { return end_; }

 private:
  const uint8_t* data_;
  size_t end_;
};

size_t BufferCount(uint8_t bufspec, bool& none) {
  uint8_t mode = bufspec & 7;
  none = mode == 0 || mode > 4;
  return none ? 0 : mode - 1u;
}

template <typename OnBuffer>
size_t WalkTail(const uint8_t* data, size_t size, uint8_t& flags, uint8_t& bufspec, bool& none,
                OnBuffer on_buffer) {
  TailReader r(data, size);
  flags = r.Byte();
  bufspec = r.Byte();
  size_t n = BufferCount(bufspec, none);
  for (size_t i = 0; i < n; ++i) {
    size_t len = r.Byte() & kMaxBufferBytes;
    on_buffer(i, r.Bytes(len));
  }
  return r.end();
}

}  // namespace

DecodeInput SplitDecodeInput(const uint8_t* data, size_t size) {
  DecodeInput in;
  uint8_t flags = 0;
  uint8_t bufspec = 0;
  bool none = true;
  size_t end = WalkTail(data, size, flags, bufspec, none, [&](size_t i, std::string_view bytes) {
    if (!in.options.buffers) in.options.buffers.emplace();
    OobBuffer& b = in.options.buffers->emplace_back();
    b.data.assign(bytes);
    b.readonly = (bufspec >> (3 + i)) & 1;
  });
  if (!none && !in.options.buffers) in.options.buffers.emplace();  // buffers=[]
  in.options.fix_imports = (flags & 1) == 0;
  in.options.persistent_load = (flags & 2) == 0;
  in.options.encoding.assign(kEncodings[(flags >> 2) & 7]);
  in.options.errors.assign(kErrorHandlers[(flags >> 5) & 7]);
  in.payload = std::span<const uint8_t>(data, end);
  in.tail_size = size - end;
  return in;
}

size_t DecodeTailSize(const uint8_t* data, size_t size) {
  uint8_t flags = 0;
  uint8_t bufspec = 0;
  bool none = true;
  return size - WalkTail(data, size, flags, bufspec, none, [](size_t, std::string_view) {});
}

std::string EncodeDecodeTail(const DecodeOptions& options) {
  auto index = [](const auto& list, std::string_view name) {
    auto it = std::find(list.begin(), list.end(), name);
    return static_cast<uint8_t>(it == list.end() ? 0 : it - list.begin());
  };
  uint8_t flags = static_cast<uint8_t>((options.fix_imports ? 0 : 1) | (options.persistent_load ? 0 : 2) |
                                       (index(kEncodings, options.encoding) << 2) |
                                       (index(kErrorHandlers, options.errors) << 5));
  uint8_t bufspec = 0;
  std::string tail;
  if (options.buffers) {
    size_t n = std::min(options.buffers->size(), kMaxBuffers);
    bufspec = static_cast<uint8_t>(n + 1);
    // Buffer n-1 is the furthest from the end, so it is written first.
    for (size_t i = n; i-- > 0;) {
      const OobBuffer& b = (*options.buffers)[i];
      std::string_view d(b.data);
      d = d.substr(0, kMaxBufferBytes);
      tail.append(d);
      tail.push_back(static_cast<char>(d.size()));
      if (b.readonly) bufspec = static_cast<uint8_t>(bufspec | (8u << i));
    }
  }
  tail.push_back(static_cast<char>(bufspec));
  tail.push_back(static_cast<char>(flags));
  return tail;
}

std::string RandomDecodeTail(uint64_t seed, std::string_view old_tail) {
  uint64_t state = seed;
  auto next = [&state]() {  // splitmix64
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  DecodeOptions options =
      SplitDecodeInput(reinterpret_cast<const uint8_t*>(old_tail.data()), old_tail.size()).options;
  switch (next() % 6) {
    case 0: options.fix_imports = !options.fix_imports; break;
    case 1: options.persistent_load = !options.persistent_load; break;
    case 2: options.encoding.assign(kEncodings[next() % kEncodings.size()]); break;
    case 3: options.errors.assign(kErrorHandlers[next() % kErrorHandlers.size()]); break;
    case 4: {
      // A new buffer list: None, [], or one to three small buffers.
      size_t mode = next() % 5;
      if (mode == 0) {
        options.buffers.reset();
        break;
      }
      options.buffers.emplace();
      for (size_t i = 0; i + 1 < mode; ++i) {
        OobBuffer& b = options.buffers->emplace_back();
        size_t len = next() % 3 == 0 ? next() % (kMaxBufferBytes + 1) : next() % 4;
        for (size_t j = 0; j < len; ++j) b.data.push_back(static_cast<char>(next()));
        b.readonly = next() % 2;
      }
      break;
    }
    default: {
      // Everything at random.
      uint8_t flags = static_cast<uint8_t>(next());
      options.fix_imports = (flags & 1) == 0;
      options.persistent_load = (flags & 2) == 0;
      options.encoding.assign(kEncodings[(flags >> 2) & 7]);
      options.errors.assign(kErrorHandlers[(flags >> 5) & 7]);
      break;
    }
  }
  return EncodeDecodeTail(options);
}

std::string DescribeOptions(const DecodeOptions& options) {
  std::string out = "fix_imports=" + std::string(options.fix_imports ? "True" : "False");
  out += " encoding=" + options.encoding + " errors=" + options.errors;
  out += " persistent_load=" + std::string(options.persistent_load ? "on" : "off");
  if (!options.buffers) {
    out += " buffers=None";
  } else {
    out += " buffers=[";
    for (size_t i = 0; i < options.buffers->size(); ++i) {
      const OobBuffer& b = (*options.buffers)[i];
      if (i) out += ", ";
      out += std::to_string(b.data.size()) + " bytes" + (b.readonly ? " ro" : "");
    }
    out += "]";
  }
  return out;
}

}  // namespace picklecheck::fuzz
