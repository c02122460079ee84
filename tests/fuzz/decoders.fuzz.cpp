// libFuzzer targets, one per decoder (FUZZ_TARGET picks which at compile time): every input must
// decode or be refused with an error, never crash, hang or touch memory out of bounds (the
// targets run under ASan and UBSan). Whatever decodes must also re-encode and decode to the same
// content, so the decoders accept nothing the encoders could not have meant.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "compression/codecs.hpp"
#include "compression/format.hpp"
#include "compression/volume.hpp"
#include "geology/npz.hpp"

namespace {

using namespace strata::compression;

void check_channel(bool decoded, const channel& out) {
  if (!decoded)
    return;
  std::string again;
  encode_run_length(out, walk::x_first, again);
  channel back;
  if (!decode_run_length(again, back).ok() || back != out)
    __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  static channel out;
  static channel baseline = [] {
    channel b{};
    for (std::size_t n = 0; n < voxels; ++n)
      b[n] = static_cast<std::uint8_t>(n % 7);
    return b;
  }();
#if FUZZ_TARGET == 1
  check_channel(decode_uniform(in, out).ok(), out);
#elif FUZZ_TARGET == 2
  check_channel(decode_run_length(in, out).ok(), out);
#elif FUZZ_TARGET == 3
  check_channel(decode_palette(in, out).ok(), out);
#elif FUZZ_TARGET == 4
  check_channel(decode_octree(in, out).ok(), out);
#elif FUZZ_TARGET == 5
  check_channel(decode_column_layers(in, out).ok(), out);
#elif FUZZ_TARGET == 6
  check_channel(decode_zstd(in, out).ok(), out);
#elif FUZZ_TARGET == 7
  check_channel(decode_zstd_transform(in, out).ok(), out);
#elif FUZZ_TARGET == 8
  check_channel(decode_baseline_delta(in, baseline, out).ok(), out);
#elif FUZZ_TARGET == 9
  check_channel(decode_predicted_layers(in, out).ok(), out);
#elif FUZZ_TARGET == 10
  check_channel(decode_walk_raw(in, out).ok(), out);
#elif FUZZ_TARGET == 11
  check_channel(decode_context_layers(in, out).ok(), out);
#elif FUZZ_TARGET == 12
  check_channel(decode_surface_layers(in, out).ok(), out);
#elif FUZZ_TARGET == 13
  check_channel(decode_ordered_surfaces(in, out).ok(), out);
#elif FUZZ_TARGET == 14
  check_channel(decode_surface_bytes(in, out).ok(), out);
#elif FUZZ_TARGET == 15
  check_channel(decode_baseline_columns(in, baseline, out).ok(), out);
#elif FUZZ_TARGET == 100
  static chunk c;
  static chunk base_chunk;
  if (decode_chunk(in, c, &base_chunk).ok() && checksum(c) != read_header(in)->checksum)
    __builtin_trap();
#elif FUZZ_TARGET == 101
  (void)decompress_volume(in, nullptr, std::uint64_t{1} << 24);
#elif FUZZ_TARGET == 102
  (void)strata::geology::parse_npz(in, {.file_bytes_max = 1 << 20, .member_bytes_max = 1 << 22});
#else
#error "FUZZ_TARGET names no decoder"
#endif
  return 0;
}
