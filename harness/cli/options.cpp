#include "harness/cli/options.h"

namespace synack::cli {

ParsedArgs parse_args(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
  ParsedArgs out;
  auto find = [&](const std::string& name) -> const OptionSpec* {
    for (const auto& s : specs)
      if (s.name == name) return &s;
    return nullptr;
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      out.positional.insert(out.positional.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a.size() < 2 || a[0] != '-') {
      out.positional.push_back(a);
      continue;
    }
    std::string name, value;
    bool has_value = false;
    if (a.rfind("--", 0) == 0) {
      name = a.substr(2);
      if (auto eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
        has_value = true;
      }
    } else {
      name = a.substr(1, 1);  // -D SYMBOL=value, -j 4, -DSYMBOL=value
      if (a.size() > 2) {
        value = a.substr(2);
        has_value = true;
      }
    }
    const OptionSpec* spec = find(name);
    if (!spec) {
      out.error = "unknown option '" + a + "'";
      return out;
    }
    if (spec->takes_value && !has_value) {
      if (i + 1 >= args.size()) {
        out.error = "option '" + a + "' needs a value";
        return out;
      }
      value = args[++i];
    } else if (!spec->takes_value && has_value) {
      out.error = "option '--" + name + "' takes no value";
      return out;
    }
    auto& slot = out.values[name];
    if (!spec->repeatable && !slot.empty()) {
      out.error = "option '--" + name + "' given twice";
      return out;
    }
    slot.push_back(value);
  }
  return out;
}

}  // namespace synack::cli
