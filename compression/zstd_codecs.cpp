// zstd over raw channels and over transforms, baseline + delta, and dispatch by codec id
// (compression/codecs.hpp).
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "compression/bytes.hpp"
#include "compression/codecs.hpp"

namespace strata::compression {

namespace {

struct cctx_free {
  void operator()(ZSTD_CCtx* context) const { ZSTD_freeCCtx(context); }
};
struct dctx_free {
  void operator()(ZSTD_DCtx* context) const { ZSTD_freeDCtx(context); }
};

// One compression and one decompression context per thread, reused across chunks: creating a
// context costs more than compressing a small chunk.
ZSTD_CCtx* compressor() {
  thread_local std::unique_ptr<ZSTD_CCtx, cctx_free> context(ZSTD_createCCtx());
  return context.get();
}
ZSTD_DCtx* decompressor() {
  thread_local std::unique_ptr<ZSTD_DCtx, dctx_free> context(ZSTD_createDCtx());
  return context.get();
}

void zstd_append(std::string_view in, int level, std::string& out) {
  const std::size_t start = out.size();
  out.resize(start + ZSTD_compressBound(in.size()));
  const std::size_t written = ZSTD_compressCCtx(compressor(), out.data() + start,
                                                out.size() - start, in.data(), in.size(), level);
  STRATA_ASSERT(!ZSTD_isError(written), "zstd cannot fail with a buffer of compressBound bytes");
  out.resize(start + written);
}

// Decompresses one frame whose recorded content size must be in [1, capacity].
base::result<std::size_t> zstd_into(std::string_view frame, void* into, std::size_t capacity) {
  const unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size == 0 ||
      size > capacity)
    return base::fail(base::errc::corrupt_data, "zstd frame does not record a content size of 1.." +
                                                    std::to_string(capacity) + " bytes");
  const std::size_t got =
      ZSTD_decompressDCtx(decompressor(), into, capacity, frame.data(), frame.size());
  if (ZSTD_isError(got) || got != size)
    return base::fail(base::errc::corrupt_data,
                      std::string("zstd frame does not decode: ") +
                          (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "short content"));
  return got;
}

bool is_transform(codec_id id) {
  return id == codec_id::run_length || id == codec_id::palette || id == codec_id::octree ||
         id == codec_id::column_layers || id == codec_id::predicted_layers ||
         id == codec_id::walk_raw || id == codec_id::surface_bytes;
}

walk fewest_runs(channel_view in) {
  walk best = walk::x_first;
  std::size_t best_runs = count_runs(in, best);
  for (int w = 1; w < walks; ++w) {
    const std::size_t runs = count_runs(in, static_cast<walk>(w));
    if (runs < best_runs) {
      best_runs = runs;
      best = static_cast<walk>(w);
    }
  }
  return best;
}

}  // namespace

bool encode_zstd(channel_view in, int level, std::string& out) {
  zstd_append(std::string_view(reinterpret_cast<const char*>(in.data()), voxels), level, out);
  return true;
}

base::status decode_zstd(std::string_view payload, channel_span out) {
  auto got = zstd_into(payload, out.data(), voxels);
  if (!got)
    return got.error();
  if (*got != voxels)
    return base::fail(base::errc::corrupt_data,
                      "zstd frame holds " + std::to_string(*got) + " bytes, not 32^3");
  return {};
}

bool encode_zstd_transform(channel_view in, codec_id inner, int level, std::string& out) {
  STRATA_ASSERT(is_transform(inner), "zstd_transform over a codec that is not a transform");
  std::string transformed;
  if (!encode_with(inner, in, level, transformed))
    return false;
  STRATA_ASSERT(transformed.size() <= transform_bytes_max, "a transform outgrew its bound");
  out.push_back(static_cast<char>(inner));
  zstd_append(transformed, level, out);
  return true;
}

base::status decode_zstd_transform(std::string_view payload, channel_span out) {
  if (payload.empty())
    return base::fail(base::errc::corrupt_data, "empty zstd_transform payload");
  const auto inner = static_cast<codec_id>(payload[0]);
  if (!is_transform(inner))
    return base::fail(base::errc::corrupt_data, "zstd_transform over codec " +
                                                    std::to_string(static_cast<int>(inner)) +
                                                    ", which is not a transform");
  thread_local std::string buffer;
  buffer.resize(transform_bytes_max);
  auto got = zstd_into(payload.substr(1), buffer.data(), transform_bytes_max);
  if (!got)
    return got.error();
  return decode_with(inner, std::string_view(buffer.data(), *got), out);
}

bool encode_baseline_delta(channel_view in, channel_view baseline, std::string& out) {
  byte_writer write(out);
  std::size_t n = 0, last_end = 0;
  while (n < voxels) {
    if (in[n] == baseline[n]) {
      ++n;
      continue;
    }
    // A span of differing voxels; short equal gaps inside it are cheaper as literals than as a
    // new span (which costs at least two bytes).
    std::size_t end = n + 1;
    while (end < voxels) {
      if (in[end] != baseline[end]) {
        ++end;
        continue;
      }
      std::size_t gap = end;
      while (gap < voxels && gap < end + 2 && in[gap] == baseline[gap])
        ++gap;
      if (gap < voxels && gap < end + 2 && in[gap] != baseline[gap]) {
        end = gap;
        continue;
      }
      break;
    }
    write.varint(n - last_end);
    write.varint(end - n - 1);
    write.bytes(in.data() + n, end - n);
    last_end = end;
    n = end;
  }
  return true;
}

namespace {

// Reads delta spans and hands each to place(position, literals); an error when a span passes the
// chunk's end or the spans end inside one.
template <class Place>
base::status apply_spans(std::string_view spans, Place place) {
  byte_reader read(spans);
  std::size_t at = 0;
  while (!read.at_end()) {
    std::uint64_t skip = 0, count_minus_one = 0;
    std::string_view literals;
    if (!read.varint(skip) || !read.varint(count_minus_one))
      return base::fail(base::errc::corrupt_data, "delta payload ends inside a span header");
    if (skip > voxels - at || count_minus_one >= voxels - at - skip)
      return base::fail(base::errc::corrupt_data,
                        "a delta span passes the chunk's end at voxel " + std::to_string(at));
    at += skip;
    if (!read.bytes(count_minus_one + 1, literals))
      return base::fail(base::errc::corrupt_data, "delta payload ends inside a span's values");
    place(at, literals);
    at += literals.size();
  }
  return {};
}

}  // namespace

base::status decode_baseline_delta(std::string_view payload, channel_view baseline,
                                   channel_span out) {
  std::memcpy(out.data(), baseline.data(), voxels);
  return apply_spans(payload, [&out](std::size_t at, std::string_view literals) {
    std::memcpy(out.data() + at, literals.data(), literals.size());
  });
}

bool encode_baseline_columns(channel_view in, channel_view baseline, int zstd_level,
                             std::string& out) {
  channel walked_in, walked_baseline;
  for (std::size_t n = 0; n < voxels; ++n) {
    const std::uint16_t at = walk_index(walk::z_first, n);
    walked_in[n] = in[at];
    walked_baseline[n] = baseline[at];
  }
  std::string spans;
  encode_baseline_delta(walked_in, walked_baseline, spans);
  STRATA_ASSERT(spans.size() <= transform_bytes_max, "delta spans outgrew their bound");
  if (!spans.empty())
    zstd_append(spans, zstd_level, out);
  return true;
}

base::status decode_baseline_columns(std::string_view payload, channel_view baseline,
                                     channel_span out) {
  std::memcpy(out.data(), baseline.data(), voxels);
  if (payload.empty())
    return {};
  thread_local std::string buffer;
  buffer.resize(transform_bytes_max);
  auto got = zstd_into(payload, buffer.data(), transform_bytes_max);
  if (!got)
    return got.error();
  return apply_spans(
      std::string_view(buffer.data(), *got), [&out](std::size_t at, std::string_view literals) {
        for (std::size_t n = 0; n < literals.size(); ++n)
          out[walk_index(walk::z_first, at + n)] = static_cast<std::uint8_t>(literals[n]);
      });
}

bool encode_with(codec_id id, channel_view in, int zstd_level, std::string& out) {
  switch (id) {
    case codec_id::uniform:
      return encode_uniform(in, out);
    case codec_id::run_length:
      return encode_run_length(in, fewest_runs(in), out);
    case codec_id::palette:
      return encode_palette(in, out);
    case codec_id::octree:
      return encode_octree(in, out);
    case codec_id::column_layers:
      return encode_column_layers(in, out);
    case codec_id::predicted_layers:
      return encode_predicted_layers(in, out);
    case codec_id::walk_raw:
      return encode_walk_raw(in, walk::z_first, out);
    case codec_id::context_layers:
      return encode_context_layers(in, out);
    case codec_id::surface_layers:
      return encode_surface_layers(in, out);
    case codec_id::ordered_surfaces:
      return encode_ordered_surfaces(in, out);
    case codec_id::surface_bytes:
      return encode_surface_bytes(in, out);
    case codec_id::zstd:
      return encode_zstd(in, zstd_level, out);
    case codec_id::zstd_transform:
      return encode_zstd_transform(in, codec_id::column_layers, zstd_level, out);
    case codec_id::baseline_delta:
    case codec_id::baseline_columns:
      break;
  }
  STRATA_ASSERT(false, "encode_with needs a codec that takes no baseline");
  return false;
}

base::status decode_with(codec_id id, std::string_view payload, channel_span out) {
  switch (id) {
    case codec_id::uniform:
      return decode_uniform(payload, out);
    case codec_id::run_length:
      return decode_run_length(payload, out);
    case codec_id::palette:
      return decode_palette(payload, out);
    case codec_id::octree:
      return decode_octree(payload, out);
    case codec_id::column_layers:
      return decode_column_layers(payload, out);
    case codec_id::predicted_layers:
      return decode_predicted_layers(payload, out);
    case codec_id::walk_raw:
      return decode_walk_raw(payload, out);
    case codec_id::context_layers:
      return decode_context_layers(payload, out);
    case codec_id::surface_layers:
      return decode_surface_layers(payload, out);
    case codec_id::ordered_surfaces:
      return decode_ordered_surfaces(payload, out);
    case codec_id::surface_bytes:
      return decode_surface_bytes(payload, out);
    case codec_id::zstd:
      return decode_zstd(payload, out);
    case codec_id::zstd_transform:
      return decode_zstd_transform(payload, out);
    case codec_id::baseline_delta:
    case codec_id::baseline_columns:
      break;
  }
  return base::fail(base::errc::corrupt_data,
                    "codec " + std::to_string(static_cast<int>(id)) + " cannot decode here");
}

}  // namespace strata::compression
