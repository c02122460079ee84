#include "shard/options.hpp"

namespace strata::shard {

store_options store_options_of(const config::storage_config& storage,
                               const std::string& directory) {
  store_options out;
  out.directory = directory;
  out.map_bytes = storage.map_bytes;
  out.map_bytes_max = storage.map_bytes_max;
  out.cache_bytes = storage.cache_bytes;
  out.applied_window = storage.applied_window;
  out.lod_max = static_cast<std::uint8_t>(storage.lod_max);
  return out;
}

writer_options writer_options_of(const config::storage_config& storage) {
  writer_options out;
  out.batch_updates_max = static_cast<std::uint32_t>(storage.batch_updates_max);
  out.batch_bytes_max = storage.batch_bytes_max;
  out.batch_delay = std::chrono::microseconds(storage.batch_delay_us);
  out.queue_updates_max = storage.queue_updates_max;
  return out;
}

recompressor_options recompressor_options_of(const config::storage_config& storage) {
  recompressor_options out;
  out.slice_chunks = storage.recompress_slice_chunks;
  return out;
}

}  // namespace strata::shard
