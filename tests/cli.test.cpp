// Proves the strata binary does what its help says: grid locate agrees with s2geometry, grid cover
// with the covering library, the survey reads real terrain, and bad usage exits non-zero with a
// message. Runs the real binary as a child process.
#include <gtest/gtest.h>
#include <s2/s2cell_id.h>
#include <s2/s2latlng.h>
#include <sys/wait.h>

#include <cstdio>
#include <random>
#include <regex>
#include <sstream>

#include "base/testing.hpp"
#include "geo/cover.hpp"

namespace strata {
namespace {

struct run_result {
  int status = -1;
  std::string out;  // stdout and stderr together
};

run_result run(const std::string& arguments, const std::string& environment = "") {
  const std::string command = environment + " " STRATA_BINARY " " + arguments + " 2>&1";
  run_result result;
  std::FILE* pipe = popen(command.c_str(), "r");
  if (!pipe)
    return result;
  char buffer[4096];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.out.append(buffer, got);
  const int raw = pclose(pipe);
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  return result;
}

// The value of "key": NUMBER or "key":"TEXT" in flat JSON output.
std::string json_field(const std::string& json, const std::string& key) {
  const std::regex pattern("\"" + key + "\":(\"([^\"]*)\"|(-?[0-9.eE+-]+))");
  std::smatch match;
  if (!std::regex_search(json, match, pattern))
    return "<missing " + key + ">";
  return match[2].matched ? match[2].str() : match[3].str();
}

TEST(cli, grid_locate_agrees_with_s2geometry) {
  const unsigned seed = base::test_seed("cli.grid_locate_agrees_with_s2geometry");
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> lat(-90, 90), lng(-180, 180);
  std::vector<std::pair<double, double>> points{
      {49.0, -124.5}, {90, 0}, {-90, 0}, {0, 180}, {35.26, 45.0}};
  for (int n = 0; n < 20; ++n)
    points.emplace_back(lat(random), lng(random));
  for (auto [la, ln] : points) {
    std::ostringstream args;
    args.precision(17);
    args << "grid locate --lat " << la << " --lng " << ln << " --alt 12.5";
    const run_result r = run(args.str());
    ASSERT_EQ(r.status, 0) << r.out;
    const S2CellId column = S2CellId(S2LatLng::FromDegrees(la, ln)).parent(20);
    int i = 0, j = 0;
    const int face = column.ToFaceIJOrientation(&i, &j, nullptr);
    EXPECT_EQ(json_field(r.out, "region"), column.parent(12).ToToken()) << r.out;
    EXPECT_EQ(json_field(r.out, "region_level"), "12");
    EXPECT_EQ(json_field(r.out, "column"), column.ToToken());
    EXPECT_EQ(json_field(r.out, "face"), std::to_string(face));
    EXPECT_EQ(json_field(r.out, "i"), std::to_string(i >> 10));
    EXPECT_EQ(json_field(r.out, "j"), std::to_string(j >> 10));
    // 12.5 m above the default floor of -11000 m in 2 m layers.
    EXPECT_EQ(json_field(r.out, "k"), std::to_string(static_cast<int>((12.5 + 11000) / 2)));
    const std::uint64_t u = (static_cast<std::uint32_t>(i >> 10) & 255) / 32;
    EXPECT_LT(std::stoull(json_field(r.out, "chunk_morton")), std::uint64_t{1} << 63);
    EXPECT_NE(r.out.find("\"u\":" + std::to_string(u)), std::string::npos) << r.out;
  }
}

TEST(cli, grid_locate_takes_world_flags_and_refuses_bad_input) {
  run_result r =
      run("grid locate --lat 48.5 --lng -123.25 --alt -40 --voxel-level 16 "
          "--region-level 10 --dz 10 --z-min -2000 --z-max 3000");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json_field(r.out, "region"),
            S2CellId(S2LatLng::FromDegrees(48.5, -123.25)).parent(10).ToToken());
  EXPECT_EQ(json_field(r.out, "k"), "196");  // (-40 + 2000) / 10
  r = run("grid locate --lat 91 --lng 0 --alt 0");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("out_of_range: latitude 91"), std::string::npos) << r.out;
  r = run("grid locate --lat 0 --lng 0 --alt 99999");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("altitude"), std::string::npos) << r.out;
  r = run("grid locate --lat 0 --lng 0");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("missing required flag --alt"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("usage: strata grid locate"), std::string::npos) << r.out;
  r = run("grid locate --lat 0 --lng 0 --alt 0 --region-level 18");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("world.region_level"), std::string::npos) << r.out;
  // The environment layer: STRATA_WORLD_VOXEL_LEVEL changes the grid; a flag beats it.
  r = run("grid locate --lat 10 --lng 10 --alt 0", "STRATA_WORLD_VOXEL_LEVEL=18");
  EXPECT_EQ(json_field(r.out, "voxel_level"), "18") << r.out;
  r = run("grid locate --lat 10 --lng 10 --alt 0 --voxel-level 19", "STRATA_WORLD_VOXEL_LEVEL=18");
  EXPECT_EQ(json_field(r.out, "voxel_level"), "19") << r.out;
  r = run("grid locate --lat 10 --lng 10 --alt 0", "STRATA_WORLD_VOXEL_LEVEL=big");
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("STRATA_WORLD_VOXEL_LEVEL"), std::string::npos) << r.out;
}

TEST(cli, grid_cover_lists_the_covering) {
  const run_result r = run("grid cover --lat 49.2 --lng -123.1 --radius-km 30 --region-level 11");
  ASSERT_EQ(r.status, 0) << r.out;
  geo::world_spec spec;
  spec.region_level = 11;
  auto expected = geo::regions_in_cap(spec, {49.2, -123.1}, 30000, 1000000);
  ASSERT_TRUE(expected.ok());
  std::string text;
  for (S2CellId region : *expected)
    text += region.ToToken() + "\n";
  EXPECT_EQ(r.out, text);
  EXPECT_GT(expected->size(), 10u);
  const run_result huge =
      run("grid cover --lat 0 --lng 0 --radius-km 20000 --region-level 15 "
          "--voxel-level 20 --set limits.cover_regions_max=1000");
  EXPECT_EQ(huge.status, 1);
  EXPECT_NE(huge.out.find("limit_exceeded"), std::string::npos) << huge.out;
}

TEST(cli, usage_errors_exit_2_and_help_lists_subcommands) {
  run_result r = run("");
  EXPECT_EQ(r.status, 2);
  r = run("frobnicate");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown subcommand \"frobnicate\""), std::string::npos) << r.out;
  r = run("grid locate --lat 0 --lng 0 --alt 0 --bogus 1");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.out.find("unknown flag --bogus"), std::string::npos) << r.out;
  r = run("grid nowhere");
  EXPECT_EQ(r.status, 2);
  r = run("help");
  EXPECT_EQ(r.status, 0);
  for (const char* name : {"version", "grid", "config", "demo", "survey"})
    EXPECT_NE(r.out.find(std::string("  ") + name), std::string::npos) << name;
  r = run("help grid");
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("locate"), std::string::npos);
  r = run("version --json");
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(json_field(r.out, "caf"), "0.17.6") << r.out;
  EXPECT_NE(json_field(r.out, "strata"), "<missing strata>");
}

TEST(cli, config_defaults_read_back_through_show) {
  const run_result defaults = run("config defaults");
  ASSERT_EQ(defaults.status, 0);
  const std::string path = ::testing::TempDir() + "/strata_cli_defaults.toml";
  std::FILE* file = std::fopen(path.c_str(), "w");
  std::fwrite(defaults.out.data(), 1, defaults.out.size(), file);
  std::fclose(file);
  const run_result shown = run("config show --config " + path + " --set world.voxel_level=22");
  ASSERT_EQ(shown.status, 0) << shown.out;
  EXPECT_NE(shown.out.find("voxel_level = 22"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("region_level = 12"), std::string::npos) << shown.out;
  const run_result bad = run("config show --set world.voxel_level=99");
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.out.find("world.voxel_level (flag): 99 is outside 0..30"), std::string::npos)
      << bad.out;
}

TEST(cli, compress_and_decompress_restore_any_volume) {
  const unsigned seed = base::test_seed("cli.compress_and_decompress_restore_any_volume");
  std::mt19937 random(seed);
  const std::string dir = ::testing::TempDir();
  // A 45 x 70 x 33 volume: no side a multiple of 32, layered with some noise.
  const int nz = 45, ny = 70, nx = 33;
  std::string data(nz * ny * nx, '\0');
  for (int z = 0; z < nz; ++z)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x)
        data[(z * ny + y) * nx + x] = static_cast<char>(z < 12 + x / 5       ? 8
                                                        : z < 30             ? 6
                                                        : random() % 50 == 0 ? 2
                                                                             : 0);
  const std::string raw = dir + "/strata_cli.raw", packed = dir + "/strata_cli.strata",
                    back = dir + "/strata_cli.back";
  std::FILE* file = std::fopen(raw.c_str(), "wb");
  std::fwrite(data.data(), 1, data.size(), file);
  std::fclose(file);
  run_result r = run("compress --shape 45,70,33 --in " + raw + " --out " + packed);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("103950 bytes in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("codecs:"), std::string::npos) << r.out;
  r = run("decompress --in " + packed + " --out " + back);
  ASSERT_EQ(r.status, 0) << r.out;
  std::FILE* restored = std::fopen(back.c_str(), "rb");
  std::string got(data.size() + 1, '\0');
  got.resize(std::fread(got.data(), 1, got.size(), restored));
  std::fclose(restored);
  EXPECT_EQ(got, data) << "seed " << seed;
  r = run("compress --shape 45,70,34 --in " + raw + " --out " + packed);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("needs 107100"), std::string::npos) << r.out;
  r = run("compress --shape 45,70 --in " + raw + " --out " + packed);
  EXPECT_EQ(r.status, 1);
  r = run("decompress --in " + raw + " --out " + back);
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.out.find("corrupt_data"), std::string::npos) << r.out;
}

TEST(cli, bench_compression_reports_goals_from_its_own_run) {
  // Two chunk columns of jacksboro: every method runs and round-trips; goals come with targets.
  const run_result r = run("bench compression --world jacksboro --chunk-columns 2 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* goal :
       {"hybrid_bytes_vs_zstd19_as_generated", "baseline_bytes_vs_zstd19_after_pass",
        "hybrid_decode_vs_zstd3_decode_after_pass",
        "fast_path_encode_vs_zstd1_encode_as_generated"})
    EXPECT_NE(r.out.find(std::string("{\"name\":\"") + goal + "\",\"value\":"), std::string::npos)
        << goal;
  for (const char* method :
       {"zstd-19", "blosc-zstd-bitshuffle", "openvdb", "strata-hybrid+baseline"})
    EXPECT_NE(r.out.find(std::string("\"name\":\"") + method + "\""), std::string::npos) << method;
  // Both passes round-trip everything: the goal's value is 0 and met.
  const std::regex failures(
      "\"round_trip_failures_[a-z_]+\",\"value\":0,\"target\":0,\"met\":true");
  EXPECT_EQ(std::distance(std::sregex_iterator(r.out.begin(), r.out.end(), failures),
                          std::sregex_iterator()),
            2)
      << r.out.substr(0, 2000);
  EXPECT_EQ(json_field(r.out, "chunks"), "22");  // 2 chunk columns x 11 chunk layers
  const run_result bad = run("bench compression --world atlantis");
  EXPECT_EQ(bad.status, 1);
  EXPECT_EQ(run("bench nothing").status, 2);
}

TEST(cli, bench_ingest_reports_goals_from_its_own_run) {
  // Nine updates through each method: every goal comes with its value and target.
  const run_result r = run("bench ingest --updates 9 --in-flight 4 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* goal : {"ingest_vs_by_hand", "ingest_vs_ceiling", "cached_point_read_p99_us",
                           "peak_memory_vs_cache_budget"})
    EXPECT_NE(r.out.find(std::string("{\"name\":\"") + goal + "\",\"value\":"), std::string::npos)
        << goal;
  for (const char* method : {"strata", "by hand", "ceiling"})
    EXPECT_NE(r.out.find(std::string("\"name\":\"") + method + "\""), std::string::npos) << method;
  EXPECT_EQ(json_field(r.out, "updates"), "9");
  EXPECT_EQ(run("bench ingest --updates 2").status, 1);
}

TEST(cli, bench_stream_and_query_report_goals_from_their_own_run) {
  // A short timeline and one pass of the viewers through the actor runtime.
  run_result r = run("bench stream --updates 3 --passes 1 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* goal :
       {"stream_chunk_rate_vs_lmdb_gets", "client_decode_mb_per_s", "time_to_first_chunk_p99_ms"})
    EXPECT_NE(r.out.find(std::string("{\"name\":\"") + goal + "\",\"value\":"), std::string::npos)
        << goal;
  EXPECT_EQ(json_field(r.out, "streams"), "12");  // the dozen sites, one pass
  EXPECT_NE(json_field(r.out, "chunks"), "0");
  r = run("bench query --updates 3 --queries 20 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("{\"name\":\"point_query_p99_ms\",\"value\":"), std::string::npos);
  EXPECT_EQ(json_field(r.out, "queries"), "20");
  EXPECT_EQ(run("bench stream --passes 0").status, 1);
}

TEST(cli, bench_cluster_reports_goals_from_its_own_run) {
  // The embedded server, then one and two node processes, nine updates each, without waiting
  // for the servers to go idle; on two nodes, a range and a region move.
  const run_result r = run("bench cluster --updates 9 --nodes 2 --passes 1 --settle-s 0 --json");
  ASSERT_EQ(r.status, 0) << r.out;
  for (const char* goal : {"one_node_cluster_ingest_vs_embedded", "two_nodes_ingest_vs_one",
                           "region_move_seconds", "range_move_vs_store_copy_time"})
    EXPECT_NE(r.out.find(std::string("{\"name\":\"") + goal + "\",\"value\":"), std::string::npos)
        << goal;
  for (const char* nodes : {"{\"nodes\":0,", "{\"nodes\":1,", "{\"nodes\":2,"})
    EXPECT_NE(r.out.find(nodes), std::string::npos) << nodes << " in " << r.out;
  EXPECT_EQ(r.out.find("{\"nodes\":3,"), std::string::npos);
  // The moved region's rows were counted in its new owner's store.
  EXPECT_NE(r.out.find("\"moves\":[{"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("\"regions\":0,"), std::string::npos) << r.out;
  EXPECT_EQ(json_field(r.out, "updates"), "9");
  EXPECT_EQ(run("bench cluster --nodes 0").status, 1);
}

TEST(cli, survey_reads_real_terrain) {
  const run_result r = run("survey --json");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ(json_field(r.out, "world"), "topobathy");
  EXPECT_EQ(json_field(r.out, "elevation_min_m"), "-1437");
  EXPECT_EQ(json_field(r.out, "elevation_max_m"), "2205");
  const double columns = std::stod(json_field(r.out, "columns"));
  const double ocean = std::stod(json_field(r.out, "ocean_columns"));
  // About 65,000 km² in columns of about 150 m: a few million.
  EXPECT_GT(columns, 2e6);
  EXPECT_LT(columns, 5e6);
  EXPECT_NEAR(ocean / columns, 0.39, 0.02);  // by area, interpolated (geology/dem.test.cpp)
  EXPECT_GT(std::stod(json_field(r.out, "regions")), 100);
  const run_result text = run("survey --world jacksboro");
  ASSERT_EQ(text.status, 0) << text.out;
  EXPECT_NE(text.out.find("jacksboro"), std::string::npos);
  EXPECT_NE(text.out.find("regions"), std::string::npos);
  const run_result missing = run("survey --sample-data /nonexistent");
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.out.find("not_found"), std::string::npos) << missing.out;
}

}  // namespace
}  // namespace strata
