#include "compression/format.hpp"

#if defined(__x86_64__)
#include <xxh_x86dispatch.h>
#include <xxhash.h>
#else
#define XXH_INLINE_ALL
#include <xxhash.h>
#endif

#include <array>

#include "compression/bytes.hpp"

namespace strata::compression {

std::uint64_t checksum(const chunk& c) {
  // One pass over both channels: the struct holds them back to back.
  static_assert(sizeof(chunk) == chunk_bytes);
#if defined(__x86_64__)
  // libxxhash picks the widest vector unit the processor has (AVX2, AVX-512) at run time: twice
  // as fast as this build's SSE2 on 128 KiB, and the same hash. It returns with the upper halves
  // of the vector registers in use, which makes every SSE instruction after it (all of this
  // build's, and libm's) many times slower until they are cleared: clear them.
  static const bool avx = __builtin_cpu_supports("avx");
  const std::uint64_t sum = XXH3_64bits_dispatch(&c, chunk_bytes);
  if (avx)
    __asm__ volatile("vzeroupper" ::: "memory");
  return sum;
#else
  return XXH3_64bits(&c, chunk_bytes);
#endif
}

namespace {

// The checksum of a chunk whose channels are uniform depends only on their two values, and most
// chunks of a world (air, rock, sea) are uniform: a small per-thread cache of those checksums
// saves hashing 64 KiB on every such read and write. The cached value is the real xxh3 of the
// content, so a corrupt header is still caught.
std::uint64_t uniform_checksum(std::uint8_t material, std::uint8_t history) {
  struct entry {
    std::uint32_t key = ~0u;
    std::uint64_t sum = 0;
  };
  thread_local std::array<entry, 64> cache;
  const std::uint32_t key = material | history << 8;
  entry& slot = cache[(material * 7 + history) % cache.size()];
  if (slot.key != key) {
    thread_local chunk scratch;
    scratch.material.fill(material);
    scratch.history.fill(history);
    slot = {key, checksum(scratch)};
  }
  return slot.sum;
}

// The checksum of `c`, given how its channels were encoded.
std::uint64_t checksum_of(const chunk& c, codec_id material, codec_id history) {
  if (material == codec_id::uniform && history == codec_id::uniform)
    return uniform_checksum(c.material[0], c.history[0]);
  return checksum(c);
}

bool encode_channel(channel_view in, codec_id id, const encode_choice& choice,
                    const channel* baseline, std::string& out) {
  switch (id) {
    case codec_id::baseline_delta:
      STRATA_ASSERT(baseline != nullptr, "baseline_delta needs a baseline");
      return encode_baseline_delta(in, *baseline, out);
    case codec_id::baseline_columns:
      STRATA_ASSERT(baseline != nullptr, "baseline_columns needs a baseline");
      return encode_baseline_columns(in, *baseline, choice.zstd_level, out);
    case codec_id::zstd_transform:
      return encode_zstd_transform(in, choice.transform, choice.zstd_level, out);
    default:
      return encode_with(id, in, choice.zstd_level, out);
  }
}

base::status decode_channel(std::string_view payload, codec_id id, const channel* baseline,
                            channel_span out, const char* which) {
  base::status status;
  if (needs_baseline(id)) {
    if (!baseline)
      return base::fail(base::errc::invalid_argument,
                        std::string(which) + " is a delta over the generator's chunk; none given");
    status = id == codec_id::baseline_delta ? decode_baseline_delta(payload, *baseline, out)
                                            : decode_baseline_columns(payload, *baseline, out);
  } else {
    status = decode_with(id, payload, out);
  }
  if (!status)
    return base::fail(status.error().code, std::string(which) + ": " + status.error().message);
  return {};
}

}  // namespace

void write_chunk(const chunk& c, codec_id material, std::string_view material_payload,
                 codec_id history, std::string_view history_payload, std::string& out) {
  byte_writer write(out);
  write.u8(format_version);
  write.u8(static_cast<std::uint8_t>(material));
  write.u8(static_cast<std::uint8_t>(history));
  write.u64(checksum_of(c, material, history));
  write.varint(material_payload.size());
  out += material_payload;
  out += history_payload;
}

namespace {

void encode_fast_channel(channel_view in, codec_id& id, std::string& out) {
  id = codec_id::uniform;
  if (encode_uniform(in, out))
    return;
  id = codec_id::run_length;
  encode_run_length(in, walk::x_first, out);
}

}  // namespace

void encode_fast(const chunk& c, std::string& out) {
  thread_local std::string material, history;
  material.clear();
  history.clear();
  codec_id material_id, history_id;
  encode_fast_channel(c.material, material_id, material);
  encode_fast_channel(c.history, history_id, history);
  write_chunk(c, material_id, material, history_id, history, out);
}

bool encode_chunk(const chunk& c, const encode_choice& choice, std::string& out,
                  const chunk* baseline) {
  std::string material, history;
  if (!encode_channel(c.material, choice.material, choice, baseline ? &baseline->material : nullptr,
                      material) ||
      !encode_channel(c.history, choice.history, choice, baseline ? &baseline->history : nullptr,
                      history))
    return false;
  write_chunk(c, choice.material, material, choice.history, history, out);
  return true;
}

base::result<chunk_header> read_header(std::string_view bytes) {
  byte_reader read(bytes);
  chunk_header header;
  std::uint8_t material = 0, history = 0;
  if (!read.u8(header.version))
    return base::fail(base::errc::corrupt_data, "an empty chunk");
  if (header.version != format_version)
    return base::fail(base::errc::unsupported_version,
                      "chunk format version " + std::to_string(header.version) +
                          "; this build reads version " + std::to_string(format_version));
  if (!read.u8(material) || !read.u8(history) || !read.u64(header.checksum))
    return base::fail(base::errc::corrupt_data,
                      "a chunk of " + std::to_string(bytes.size()) + " bytes has no whole header");
  header.material = static_cast<codec_id>(material);
  header.history = static_cast<codec_id>(history);
  for (codec_id id : {header.material, header.history})
    if (name(id) == "unknown")
      return base::fail(base::errc::corrupt_data,
                        "unknown codec id " + std::to_string(static_cast<int>(id)));
  return header;
}

base::status decode_chunk(std::string_view bytes, chunk& out, const chunk* baseline) {
  auto header = read_header(bytes);
  if (!header)
    return header.error();
  byte_reader read(bytes.substr(header_bytes));
  std::uint64_t material_size = 0;
  std::string_view material;
  if (!read.varint(material_size) || !read.bytes(material_size, material))
    return base::fail(base::errc::corrupt_data, "the material payload runs past the chunk's end");
  std::string_view history;
  read.bytes(read.remaining(), history);
  if (auto status =
          decode_channel(material, header->material, baseline ? &baseline->material : nullptr,
                         out.material, "material");
      !status)
    return status;
  if (auto status = decode_channel(history, header->history,
                                   baseline ? &baseline->history : nullptr, out.history, "history");
      !status)
    return status;
  if (checksum_of(out, header->material, header->history) != header->checksum)
    return base::fail(base::errc::corrupt_data, "the decoded chunk does not match its checksum");
  return {};
}

}  // namespace strata::compression
