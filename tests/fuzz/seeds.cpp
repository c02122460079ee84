// Writes a seed corpus for every fuzz target: valid payloads of each codec, chunks, a volume and
// a small .npz, so the fuzzers start from inputs that reach deep into the decoders.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "compression/codecs.hpp"
#include "compression/format.hpp"
#include "compression/volume.hpp"

using namespace strata::compression;

namespace {

void write(const std::filesystem::path& dir, const std::string& name, const std::string& bytes) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary) << bytes;
}

std::vector<channel> sample_channels() {
  std::vector<channel> samples(4);
  samples[0].fill(3);
  for (unsigned z = 0; z < edge; ++z)
    for (unsigned y = 0; y < edge; ++y)
      for (unsigned x = 0; x < edge; ++x) {
        samples[1][voxel_index(x, y, z)] = z < 5 + (x + y) / 6 ? 8 : z < 20 ? 6 : 0;
        samples[2][voxel_index(x, y, z)] = static_cast<std::uint8_t>((x * 7 + y * 3 + z) % 5);
        samples[3][voxel_index(x, y, z)] = static_cast<std::uint8_t>(x ^ y ^ z);
      }
  return samples;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds CORPUS_DIR\n");
    return 2;
  }
  const std::filesystem::path root = argv[1];
  const auto samples = sample_channels();
  channel baseline{};
  for (std::size_t n = 0; n < voxels; ++n)
    baseline[n] = static_cast<std::uint8_t>(n % 7);
  for (std::size_t s = 0; s < samples.size(); ++s) {
    const channel& c = samples[s];
    const std::string name = "sample" + std::to_string(s);
    std::string out;
    if (encode_uniform(c, out))
      write(root / "uniform", name, out);
    for (int w = 0; w < walks; ++w) {
      out.clear();
      encode_run_length(c, static_cast<walk>(w), out);
      write(root / "run_length", name + "_" + std::to_string(w), out);
    }
    out.clear(), encode_palette(c, out), write(root / "palette", name, out);
    out.clear(), encode_octree(c, out), write(root / "octree", name, out);
    out.clear(), encode_column_layers(c, out), write(root / "column_layers", name, out);
    out.clear(), encode_predicted_layers(c, out), write(root / "predicted_layers", name, out);
    out.clear(), encode_walk_raw(c, walk::z_first, out), write(root / "walk_raw", name, out);
    out.clear(), encode_context_layers(c, out), write(root / "context_layers", name, out);
    out.clear();
    if (encode_surface_layers(c, out))
      write(root / "surface_layers", name, out);
    out.clear();
    if (encode_ordered_surfaces(c, out))
      write(root / "ordered_surfaces", name, out);
    out.clear();
    if (encode_surface_bytes(c, out))
      write(root / "surface_bytes", name, out);
    out.clear(), encode_zstd(c, 3, out), write(root / "zstd", name, out);
    for (codec_id inner :
         {codec_id::run_length, codec_id::palette, codec_id::octree, codec_id::column_layers,
          codec_id::predicted_layers, codec_id::surface_bytes}) {
      out.clear();
      if (!encode_zstd_transform(c, inner, 3, out))
        continue;  // surface_bytes takes at most 16 values in a column's sequence
      write(root / "zstd_transform", name + "_" + std::string(strata::compression::name(inner)),
            out);
    }
    out.clear(), encode_baseline_delta(c, baseline, out), write(root / "baseline_delta", name, out);
    out.clear(), encode_baseline_columns(c, baseline, 3, out);
    write(root / "baseline_columns", name, out);
    chunk whole;
    whole.material = c;
    whole.history.fill(0);
    out.clear();
    encode_chunk(whole, {codec_id::zstd_transform, codec_id::uniform, 3}, out);
    write(root / "chunk", name, out);
  }
  std::string raw(40 * 40 * 40, '\0');
  for (std::size_t n = 0; n < raw.size(); ++n)
    raw[n] = static_cast<char>(n / 3000);
  selector s;
  std::string volume;
  (void)compress_volume(raw, {40, 40, 40}, s, volume);
  write(root / "volume", "layers", volume);
  std::ifstream npz("/usr/share/matplotlib/mpl-data/sample_data/topobathy.npz", std::ios::binary);
  write(root / "npz", "topobathy",
        std::string((std::istreambuf_iterator<char>(npz)), std::istreambuf_iterator<char>()));
  return 0;
}
