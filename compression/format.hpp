// The chunk byte format, version 1 (docs/format.md): how a chunk is stored on disk and sent to
// clients.
//
//   offset  size  field
//   0       1     format version: 1
//   1       1     material codec id (compression/codecs.hpp)
//   2       1     history codec id
//   3       8     xxh3-64 of the decoded content, little-endian: the 32^3 material bytes, then
//                 the 32^3 history bytes
//   11      1-3   varint: material payload length
//   ...           material payload, then history payload (to the end)
//
// Decoding checks the version, the codec ids, every length and payload, and finally the checksum,
// so a chunk that decodes is the chunk that was encoded. A chunk with a baseline_delta or
// baseline_columns channel needs the world generator's chunk to decode.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.hpp"
#include "compression/chunk.hpp"
#include "compression/codecs.hpp"

namespace strata::compression {

inline constexpr std::uint8_t format_version = 1;
/// Bytes before the material payload's length.
inline constexpr std::size_t header_bytes = 11;

/// xxh3-64 of the chunk's material bytes followed by its history bytes.
std::uint64_t checksum(const chunk& c);

struct chunk_header {
  std::uint8_t version = format_version;
  codec_id material = codec_id::uniform;
  codec_id history = codec_id::uniform;
  std::uint64_t checksum = 0;
};

/// How to encode each channel.
struct encode_choice {
  codec_id material = codec_id::run_length;
  codec_id history = codec_id::run_length;
  /// zstd's level for zstd and zstd_transform.
  int zstd_level = 3;
  /// The inner codec of zstd_transform.
  codec_id transform = codec_id::column_layers;
};

/// Encodes `c` and appends it to `out`. `baseline` is the generator's chunk, needed only when a
/// channel uses baseline_delta or baseline_columns. Returns false (and leaves `out` as it was) when
/// a chosen codec does not apply, e.g. uniform on a mixed channel.
bool encode_chunk(const chunk& c, const encode_choice& choice, std::string& out,
                  const chunk* baseline = nullptr);

/// The fast write path: each channel uniform when it is, otherwise run-length in storage order.
/// No analysis and no zstd, so updates are acknowledged quickly; the selector recompresses later.
void encode_fast(const chunk& c, std::string& out);

/// Appends a chunk whose channels are already encoded (e.g. by the selector).
void write_chunk(const chunk& c, codec_id material, std::string_view material_payload,
                 codec_id history, std::string_view history_payload, std::string& out);

/// Reads the header only. errc::corrupt_data when too short, errc::unsupported_version for
/// another version.
base::result<chunk_header> read_header(std::string_view bytes);

/// Decodes a whole chunk. Errors: read_header's; errc::corrupt_data for a bad payload or a
/// checksum that does not match; errc::invalid_argument when a channel needs a baseline and none
/// is given.
base::status decode_chunk(std::string_view bytes, chunk& out, const chunk* baseline = nullptr);

}  // namespace strata::compression
