// The child of the crash test (crash.test.cpp): opens a store, submits updates from a given id
// on, and prints one line per acknowledgement ("A <id>" applied, "D <id>" duplicate), flushed at
// once, until it is killed. Update n sets one voxel, chosen by n, to a value chosen by n.
//
//   crash_child DIR FIRST_ID COUNT
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "shard/writer.hpp"

namespace {

using strata::shard::chunk_editor;
using strata::shard::chunk_key;
using strata::shard::update_ack;
using strata::shard::update_request;
using strata::shard::update_status;

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: crash_child DIR FIRST_ID COUNT\n");
    return 2;
  }
  strata::shard::store_options options;
  options.directory = argv[1];
  options.map_bytes = 256 << 10;  // small, so that the map also grows while being killed
  auto s = strata::shard::store::open(options);
  if (!s) {
    std::printf("E %s\n", s.error().to_string().c_str());
    return 2;
  }
  std::printf("R\n");
  std::fflush(stdout);
  const unsigned long first = std::stoul(argv[2]), count = std::stoul(argv[3]);
  strata::shard::writer_options writer_options;
  writer_options.batch_delay = std::chrono::microseconds(300);
  writer_options.batch_updates_max = 32;  // many small commits, so kills land between them
  strata::shard::writer w(**s, writer_options);
  for (unsigned long n = first; n < first + count; ++n) {
    update_request r;
    for (int b = 0; b < 8; ++b)
      r.id[b] = static_cast<std::uint8_t>(n >> (8 * b));
    r.id[15] = 0x5a;
    r.regions = {1};
    r.tick = n;
    r.apply = [n](chunk_editor& editor) -> strata::base::status {
      auto c = editor.edit(chunk_key{1, 0, n / 32768 % 8});
      if (!c)
        return c.error();
      (*c)->material[n % 32768] = static_cast<std::uint8_t>(n % 250 + 1);
      return {};
    };
    auto submitted = w.submit(std::move(r), 64, [n](update_ack ack) {
      std::printf("%c %lu\n",
                  ack.status == update_status::applied     ? 'A'
                  : ack.status == update_status::duplicate ? 'D'
                                                           : 'F',
                  n);
      std::fflush(stdout);
    });
    if (!submitted) {
      // The queue is full: wait for it, as a client would back off.
      --n;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  w.stop();
  return 0;
}
