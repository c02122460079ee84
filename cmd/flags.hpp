// Command-line flags for the strata command's subcommands.
//
// Flags are `--name value` or `--name=value`; switches are `--name` alone. Every subcommand
// declares its flags, so an unknown flag, a missing or malformed value, a missing required flag or
// a stray argument is refused with a message naming it (errc::invalid_argument), and the caller
// prints the usage and exits with status 2. Flags that stand for configuration keys are collected
// in order, to be applied as the flag layer of config::load(). `--help` is always accepted.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"

namespace strata::cmd {

class flag_parser {
 public:
  /// `command` as typed ("strata grid locate"), and one line on what it does.
  flag_parser(std::string command, std::string summary);
  // Flags that stand for config keys write into this object: it stays where it was made.
  flag_parser(const flag_parser&) = delete;
  flag_parser& operator=(const flag_parser&) = delete;

  void add_text(std::string name, std::string value_name, std::string help, std::string* target,
                bool required = false);
  void add_number(std::string name, std::string value_name, std::string help, double* target,
                  bool required = false);
  void add_integer(std::string name, std::string value_name, std::string help, std::int64_t* target,
                   bool required = false);
  void add_switch(std::string name, std::string help, bool* target);
  /// A flag whose value is the configuration key `key`.
  void add_config(std::string name, std::string value_name, std::string help, std::string key);
  /// --config FILE and --set KEY=VALUE (repeatable).
  void add_config_file_and_set();

  /// Parses `args` (the words after the subcommand). Sets help_requested() on --help.
  base::status parse(const std::vector<std::string>& args);
  bool help_requested() const { return help_; }

  /// The config file named by --config; empty when none.
  const std::string& config_file() const { return config_file_; }
  /// key → value pairs from config flags and --set, in the order given.
  const std::vector<std::pair<std::string, std::string>>& config_flags() const {
    return config_flags_;
  }

  std::string usage() const;

 private:
  struct flag {
    std::string name;
    std::string value_name;  // empty for a switch
    std::string help;
    bool required = false;
    bool seen = false;
    std::function<base::status(const std::string&)> set;
  };
  void add(flag f);

  std::string command_;
  std::string summary_;
  std::vector<flag> flags_;
  bool help_ = false;
  std::string config_file_;
  std::vector<std::pair<std::string, std::string>> config_flags_;
};

}  // namespace strata::cmd
