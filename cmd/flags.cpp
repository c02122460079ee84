#include "cmd/flags.hpp"

#include <charconv>
#include <cmath>
#include <sstream>

namespace strata::cmd {

namespace {

base::error bad_flag(const std::string& message) {
  return base::fail(base::errc::invalid_argument, message);
}

}  // namespace

flag_parser::flag_parser(std::string command, std::string summary)
    : command_(std::move(command)), summary_(std::move(summary)) {}

void flag_parser::add(flag f) {
  flags_.push_back(std::move(f));
}

void flag_parser::add_text(std::string name, std::string value_name, std::string help,
                           std::string* target, bool required) {
  add({std::move(name), std::move(value_name), std::move(help), required, false,
       [target](const std::string& value) -> base::status {
         *target = value;
         return {};
       }});
}

void flag_parser::add_number(std::string name, std::string value_name, std::string help,
                             double* target, bool required) {
  const std::string flag_name = name;
  add({std::move(name), std::move(value_name), std::move(help), required, false,
       [target, flag_name](const std::string& value) -> base::status {
         double parsed = 0;
         const char* first = value.data();
         const char* last = first + value.size();
         auto [end, ec] = std::from_chars(first, last, parsed);
         if (value.empty() || ec != std::errc() || end != last || !std::isfinite(parsed))
           return bad_flag("--" + flag_name + " needs a number; got \"" + value + "\"");
         *target = parsed;
         return {};
       }});
}

void flag_parser::add_integer(std::string name, std::string value_name, std::string help,
                              std::int64_t* target, bool required) {
  const std::string flag_name = name;
  add({std::move(name), std::move(value_name), std::move(help), required, false,
       [target, flag_name](const std::string& value) -> base::status {
         std::int64_t parsed = 0;
         const char* first = value.data();
         const char* last = first + value.size();
         auto [end, ec] = std::from_chars(first, last, parsed);
         if (value.empty() || ec != std::errc() || end != last)
           return bad_flag("--" + flag_name + " needs an integer; got \"" + value + "\"");
         *target = parsed;
         return {};
       }});
}

void flag_parser::add_switch(std::string name, std::string help, bool* target) {
  add({std::move(name), "", std::move(help), false, false,
       [target](const std::string&) -> base::status {
         *target = true;
         return {};
       }});
}

void flag_parser::add_config(std::string name, std::string value_name, std::string help,
                             std::string key) {
  add({std::move(name), std::move(value_name), std::move(help) + " [" + key + "]", false, false,
       [this, key](const std::string& value) -> base::status {
         config_flags_.emplace_back(key, value);
         return {};
       }});
}

void flag_parser::add_config_file_and_set() {
  add_text("config", "FILE", "read configuration from FILE (docs/config.md)", &config_file_);
  add({"set", "KEY=VALUE", "set a configuration key; repeatable", false, false,
       [this](const std::string& value) -> base::status {
         const auto equals = value.find('=');
         if (equals == std::string::npos || equals == 0)
           return bad_flag("--set needs KEY=VALUE; got \"" + value + "\"");
         config_flags_.emplace_back(value.substr(0, equals), value.substr(equals + 1));
         return {};
       }});
}

base::status flag_parser::parse(const std::vector<std::string>& args) {
  for (std::size_t n = 0; n < args.size(); ++n) {
    const std::string& word = args[n];
    if (word == "--help" || word == "-h") {
      help_ = true;
      return {};
    }
    if (word.rfind("--", 0) != 0 || word.size() == 2)
      return bad_flag("unexpected argument \"" + word + "\"");
    std::string name = word.substr(2);
    std::string value;
    bool has_value = false;
    if (const auto equals = name.find('='); equals != std::string::npos) {
      value = name.substr(equals + 1);
      name.resize(equals);
      has_value = true;
    }
    flag* found = nullptr;
    for (flag& f : flags_)
      if (f.name == name)
        found = &f;
    if (!found)
      return bad_flag("unknown flag --" + name);
    if (found->value_name.empty()) {
      if (has_value)
        return bad_flag("--" + name + " takes no value");
    } else if (!has_value) {
      if (n + 1 >= args.size())
        return bad_flag("--" + name + " needs a value " + found->value_name);
      value = args[++n];
    }
    if (found->seen && found->name != "set")
      return bad_flag("--" + name + " is given twice");
    found->seen = true;
    if (auto set = found->set(value); !set)
      return set.error();
  }
  for (const flag& f : flags_)
    if (f.required && !f.seen)
      return bad_flag("missing required flag --" + f.name);
  return {};
}

std::string flag_parser::usage() const {
  std::ostringstream out;
  out << "usage: " << command_;
  for (const flag& f : flags_) {
    if (!f.required)
      continue;
    out << " --" << f.name << " " << f.value_name;
  }
  out << " [flags]\n\n" << summary_ << "\n\nflags:\n";
  for (const flag& f : flags_) {
    std::string left = "  --" + f.name + (f.value_name.empty() ? "" : " " + f.value_name);
    if (left.size() < 26)
      left.resize(26, ' ');
    else
      left += "  ";
    out << left << f.help << (f.required ? " (required)" : "") << "\n";
  }
  out << "  --help                  print this and exit\n";
  return out.str();
}

}  // namespace strata::cmd
