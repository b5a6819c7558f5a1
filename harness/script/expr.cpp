// Structural equality for the AST types that hold expression pointers (locations are ignored).
#include "harness/script/ast.h"

namespace synack::script {
namespace {

bool same(const ExprPtr& a, const ExprPtr& b) {
  if (!a || !b) return !a && !b;
  return *a == *b;
}

bool same(const std::vector<ExprPtr>& a, const std::vector<ExprPtr>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!same(a[i], b[i])) return false;
  }
  return true;
}

}  // namespace

bool operator==(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.int_value != b.int_value || a.text != b.text) return false;
  if (!same(a.items, b.items) || a.fields.size() != b.fields.size()) return false;
  for (std::size_t i = 0; i < a.fields.size(); ++i) {
    if (a.fields[i].first != b.fields[i].first || !same(a.fields[i].second, b.fields[i].second)) {
      return false;
    }
  }
  return true;
}

bool SyscallSpec::operator==(const SyscallSpec& o) const {
  return name == o.name && same(args, o.args) && same(result, o.result) &&
         errno_name == o.errno_name && errno_text == o.errno_text;
}

}  // namespace synack::script
