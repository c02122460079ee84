// An adaptive binary range coder (LZMA's, with probabilities that learn faster at first): each
// decision is coded with a probability that learns from the decisions coded with it before. Not
// part of the compression module's contract; the context-layers, surface-layers and
// ordered-surfaces codecs build their models on it.
//
// Encoder and decoder share one interface, `bit(probability, value)`, which returns the bit: the
// encoder codes `value`, the decoder ignores it and returns what it reads. A model written once as
// a template over the coder therefore makes the same decisions on both sides.
//
// Bytes: LZMA's range coder output without its first byte (always 0) and without trailing zero
// bytes; the decoder reads zeros past the end of its input, which restores them. A decoder never
// reads outside its input: a short or corrupt payload decodes to other bits, never to a fault.
// After the last decision the decoder has read at least every byte of a payload the encoder
// wrote, and that payload does not end in a zero: anything else was padded.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace strata::compression::internal {

inline constexpr int probability_bits = 11;

/// A probability that the next bit is 0, in 1/2048ths (starting at 1/2), and how fast it follows
/// the data: after each decision it moves 1/2 of the way towards it, then 1/4, 1/8, and 1/16 from
/// then on. Payloads are small (a few thousand decisions over a few hundred contexts), so a
/// context learns from its first decisions quickly and then settles. It stays within 15..2033.
/// Both live in one 16-bit word (the probability in the low 11 bits, the updates seen, 0..3,
/// above), so a decision loads and stores one word.
struct probability {
  std::uint16_t state = 1 << (probability_bits - 1);

  std::uint32_t p() const { return state & ((1u << probability_bits) - 1); }
  /// Moves towards the bit just coded, without a branch on it.
  void update(bool value) {
    const std::uint32_t p0 = p();
    const std::uint32_t seen = state >> probability_bits;
    const std::uint32_t shift = seen + 1;
    const std::uint32_t towards_zero = ((1u << probability_bits) - p0) >> shift;
    const std::uint32_t towards_one = p0 >> shift;
    const std::uint32_t next = value ? p0 - towards_one : p0 + towards_zero;
    state = static_cast<std::uint16_t>(next | (seen + (seen < 3)) << probability_bits);
  }
};

class range_encoder {
 public:
  static constexpr bool encoding = true;
  explicit range_encoder(std::string& out) : out_(out), start_(out.size()) {}

  bool bit(probability& prob, bool value) {
    const std::uint32_t bound = (range_ >> probability_bits) * prob.p();
    prob.update(value);
    if (!value) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    while (range_ < top) {
      range_ <<= 8;
      shift_low();
    }
    return value;
  }

  /// Flushes the coder's state; the payload is complete after this.
  void finish() {
    for (int n = 0; n < 5; ++n)
      shift_low();
    // The first byte is always 0 and trailing zeros are implied: drop them.
    out_.erase(start_, 1);
    while (out_.size() > start_ && out_.back() == '\0')
      out_.pop_back();
  }

 private:
  static constexpr std::uint32_t top = 1u << 24;
  void shift_low() {
    if (static_cast<std::uint32_t>(low_) < 0xff000000u || (low_ >> 32) != 0) {
      const auto carry = static_cast<std::uint8_t>(low_ >> 32);
      std::uint8_t pending = cache_;
      do {
        out_.push_back(static_cast<char>(static_cast<std::uint8_t>(pending + carry)));
        pending = 0xff;
      } while (--cache_size_ != 0);
      cache_ = static_cast<std::uint8_t>(low_ >> 24);
    }
    ++cache_size_;
    low_ = static_cast<std::uint32_t>(low_) << 8;
  }

  std::string& out_;
  std::size_t start_;
  std::uint64_t low_ = 0;
  std::uint32_t range_ = 0xffffffffu;
  std::uint8_t cache_ = 0;
  std::uint64_t cache_size_ = 1;
};

class range_decoder {
 public:
  static constexpr bool encoding = false;
  /// Keeps a copy of the input, followed by zeros, so that it reads without a branch: the copy
  /// is per thread, so a thread runs one decoder at a time.
  explicit range_decoder(std::string_view in) : size_(in.size()) {
    thread_local std::string padded;
    padded.assign(in);
    padded.append(padding, '\0');
    in_ = reinterpret_cast<const std::uint8_t*>(padded.data());
    for (int n = 0; n < 4; ++n) {
      code_ = code_ << 8 | in_[at_];
      at_ += at_ < size_;
    }
  }

  /// Whether the input was consumed as an encoder's payload would be (see above).
  bool consumed_exactly() const { return at_ >= size_ && (size_ == 0 || in_[size_ - 1] != 0); }

  bool bit(probability& prob, bool /*value*/) {
    // Without branches on the bit: most decisions are skewed, but the rare ones would each
    // cost a misprediction. Nor on the renormalisation, which is as hard to predict.
    const std::uint32_t bound = (range_ >> probability_bits) * prob.p();
    const bool value = code_ >= bound;
    code_ -= value ? bound : 0;
    range_ = value ? range_ - bound : bound;
    prob.update(value);
    // A probability stays within 15..2033, so one shift restores range >= 2^24. Past the end,
    // the byte read is padding: zero.
    const bool low = range_ < top;
    const std::uint32_t shift = low ? 8 : 0;
    range_ <<= shift;
    code_ = code_ << shift | (low ? in_[at_] : 0u);
    at_ += low && at_ < size_;
    return value;
  }

 private:
  static constexpr std::uint32_t top = 1u << 24;
  static constexpr std::size_t padding = 4;

  const std::uint8_t* in_ = nullptr;
  std::size_t size_ = 0;
  std::size_t at_ = 0;
  std::uint32_t range_ = 0xffffffffu;
  std::uint32_t code_ = 0;
};

}  // namespace strata::compression::internal
