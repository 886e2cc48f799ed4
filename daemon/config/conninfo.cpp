#include "daemon/config/conninfo.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>

namespace amo::config {

namespace {

struct ConninfoFree {
  void operator()(PQconninfoOption* o) const noexcept { PQconninfoFree(o); }
};
using Options = std::unique_ptr<PQconninfoOption, ConninfoFree>;

// nullptr when libpq refuses the string; its error text is dropped unread (it quotes the string).
Options parse(std::string_view s) {
  const std::string text(s);  // libpq wants a NUL-terminated string
  if (text.find('\0') != std::string::npos) return nullptr;
  char* error = nullptr;
  Options options(PQconninfoParse(text.c_str(), &error));
  if (error) PQfreemem(error);
  return options;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

// For text libpq rejects: `password` followed by optional blanks and '=' anywhere, any case.
bool mentions_password_keyword(const std::string& lowered) {
  for (std::size_t at = lowered.find("password"); at != std::string::npos; at = lowered.find("password", at + 1)) {
    std::size_t i = at + 8;
    while (i < lowered.size() && (lowered[i] == ' ' || lowered[i] == '\t')) ++i;
    if (i < lowered.size() && lowered[i] == '=') return true;
  }
  return false;
}

// `scheme://user:secret@host`: a ':' inside the authority before its '@'.
bool uri_with_password(const std::string& lowered) {
  const std::size_t scheme = lowered.find("://");
  if (scheme == std::string::npos) return false;
  const std::size_t start = scheme + 3;
  const std::size_t end = lowered.find_first_of("/?#", start);
  const std::string_view authority =
      std::string_view(lowered).substr(start, end == std::string::npos ? end : end - start);
  const std::size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return false;
  const std::size_t colon = authority.substr(0, at).find(':');
  return colon != std::string_view::npos && colon + 1 < at;
}

}  // namespace

bool is_conninfo(std::string_view s) {
  return parse(s) != nullptr;
}

bool has_plaintext_password(std::string_view s) {
  if (Options options = parse(s)) {
    for (const PQconninfoOption* o = options.get(); o->keyword; ++o) {
      if (std::string_view(o->keyword) == "password" && o->val && o->val[0] != '\0') return true;
    }
    return false;
  }
  const std::string lowered = lower(s);
  return mentions_password_keyword(lowered) || uri_with_password(lowered);
}

}  // namespace amo::config
