// The store's and the writer's options from the configuration's storage keys (docs/config.md).
#pragma once

#include <string>

#include "config/config.hpp"
#include "shard/store.hpp"
#include "shard/writer.hpp"

namespace strata::shard {

/// Store options for the environment in `directory`, from storage.* keys.
store_options store_options_of(const config::storage_config& storage, const std::string& directory);
writer_options writer_options_of(const config::storage_config& storage);
recompressor_options recompressor_options_of(const config::storage_config& storage);

}  // namespace strata::shard
