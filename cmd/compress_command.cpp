// strata compress | decompress: the offline tools for any dense uint8 volume.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "base/file.hpp"
#include "cmd/commands.hpp"
#include "compression/volume.hpp"

namespace strata::cmd {

namespace {

base::result<compression::volume_shape> parse_shape(const std::string& text) {
  compression::volume_shape shape;
  std::uint32_t* sides[] = {&shape.nz, &shape.ny, &shape.nx};
  std::size_t at = 0;
  for (int n = 0; n < 3; ++n) {
    const std::size_t end = n < 2 ? text.find(',', at) : text.size();
    if (end == std::string::npos)
      break;
    const std::string part = text.substr(at, end - at);
    char* stop = nullptr;
    const unsigned long value = std::strtoul(part.c_str(), &stop, 10);
    if (part.empty() || *stop != '\0' || value == 0 || value > (1u << 20))
      break;
    *sides[n] = static_cast<std::uint32_t>(value);
    at = end + 1;
    if (n == 2)
      return shape;
  }
  return base::fail(base::errc::invalid_argument,
                    "--shape needs NZ,NY,NX, each 1..1048576; got \"" + text + "\"");
}

double since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int run_compress(const args& words) {
  std::string shape_text, in_path, out_path;
  std::int64_t level = 19;
  double decode_weight = compression::balanced_decode_weight;
  double decode_target = compression::balanced_decode_target;
  flag_parser flags("strata compress",
                    "Compress a dense uint8 volume (x fastest, then y, then z) into 32^3 chunks, "
                    "each with the codec the selector picks.");
  flags.add_text("shape", "NZ,NY,NX", "the volume's sides", &shape_text, true);
  flags.add_text("in", "FILE.raw", "the raw volume", &in_path, true);
  flags.add_text("out", "FILE.strata", "where to write the compressed volume", &out_path, true);
  flags.add_integer("level", "N", "zstd level inside the codecs, 1..22 (default 19)", &level);
  char default_weight[32], default_target[32];
  std::snprintf(default_weight, sizeof default_weight, "%g", compression::balanced_decode_weight);
  std::snprintf(default_target, sizeof default_target, "%g", compression::balanced_decode_target);
  flags.add_number("decode-weight", "BYTES",
                   std::string("stored bytes one microsecond of decoding is worth when picking a "
                               "codec, where the tuning starts; with --decode-target 0 it stays, "
                               "and 0 then picks the smallest (default ") +
                       default_weight + ")",
                   &decode_weight);
  flags.add_number("decode-target", "RATIO",
                   std::string("tune the weight so that chunks decode in this fraction of zstd-3's "
                               "time, as the selector times them; 0 keeps the weight (default ") +
                       default_target + ")",
                   &decode_target);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  if (level < 1 || level > 22)
    return report(base::fail(base::errc::invalid_argument, "--level must be 1..22"));
  if (!(decode_weight >= 0 && decode_weight <= 1e9))
    return report(
        base::fail(base::errc::invalid_argument, "--decode-weight must be 0..1e9 bytes per us"));
  if (!(decode_target >= 0 && decode_target <= 1e3))
    return report(base::fail(base::errc::invalid_argument, "--decode-target must be 0..1000"));
  auto shape = parse_shape(shape_text);
  if (!shape)
    return report(shape.error());
  auto data = base::read_file(in_path);
  if (!data)
    return report(data.error());
  compression::selector_policy policy = compression::selector_policy::balanced_default();
  policy.decode_weight = decode_weight;
  policy.decode_target = decode_target;
  policy.zstd_level = static_cast<int>(level);
  policy.audit_every = 0;
  compression::selector selector(policy);
  std::string out;
  compression::volume_stats stats;
  const auto start = std::chrono::steady_clock::now();
  if (auto done = compression::compress_volume(*data, *shape, selector, out, &stats); !done)
    return report(done.error());
  const double seconds = since(start);
  if (auto written = base::write_file(out_path, out); !written)
    return report(written.error());
  std::printf("%zu bytes in, %zu bytes out, ratio %.1f, %.1f MB/s, %llu chunks\ncodecs:",
              data->size(), out.size(), static_cast<double>(data->size()) / out.size(),
              data->size() / seconds / 1e6, static_cast<unsigned long long>(stats.chunks));
  for (std::size_t n = 0; n < compression::candidate_count; ++n)
    if (stats.mix[n])
      std::printf(" %s %llu", compression::candidate_name(compression::candidates()[n]).c_str(),
                  static_cast<unsigned long long>(stats.mix[n]));
  std::printf("\n");
  return exit_ok;
}

int run_decompress(const args& words) {
  std::string in_path, out_path;
  flag_parser flags("strata decompress",
                    "Restore the exact raw volume from a file written by strata compress.");
  flags.add_text("in", "FILE.strata", "the compressed volume", &in_path, true);
  flags.add_text("out", "FILE.raw", "where to write the raw volume", &out_path, true);
  int status = exit_ok;
  if (!parse_or_exit(flags, words, status))
    return status;
  auto file = base::read_file(in_path);
  if (!file)
    return report(file.error());
  const auto start = std::chrono::steady_clock::now();
  compression::volume_shape shape;
  auto data = compression::decompress_volume(*file, &shape);
  if (!data)
    return report(data.error());
  const double seconds = since(start);
  if (auto written = base::write_file(out_path, *data); !written)
    return report(written.error());
  std::printf("%zu bytes in, %zu bytes out (shape %u,%u,%u), ratio %.1f, %.1f MB/s\n", file->size(),
              data->size(), shape.nz, shape.ny, shape.nx,
              static_cast<double>(data->size()) / file->size(), data->size() / seconds / 1e6);
  return exit_ok;
}

}  // namespace strata::cmd
