#include "daemon/log/redact.h"

#include <array>
#include <cstddef>

namespace amo::log {

namespace {

// One left-to-right pass over the line. At each position a few cheap shape tests decide
// whether a secret starts here; ordinary text costs a handful of comparisons per byte.
// When a shape is ambiguous we mask too much rather than too little.

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
bool is_alnum(char c) noexcept { return is_alpha(c) || is_digit(c); }
bool is_base64url(char c) noexcept { return is_alnum(c) || c == '-' || c == '_'; }
// A key or header name: `access_token`, `Set-Cookie`, `x-api-key`.
bool is_name(char c) noexcept { return is_base64url(c); }
bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }
bool is_space(char c) noexcept { return is_blank(c) || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }
bool is_eol(char c) noexcept { return c == '\n' || c == '\r'; }
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool iends_with(std::string_view text, std::string_view suffix) noexcept {
  return text.size() >= suffix.size() && iequals(text.substr(text.size() - suffix.size()), suffix);
}

// Keys whose value is a secret, alone or as the last word of a longer key
// (`access_token`, `client_secret`, `db-password`, `amo_session`).
constexpr std::array<std::string_view, 9> kSecretKeys{"token",  "password", "passwd", "pwd",   "secret",
                                                      "cookie", "session",  "apikey", "api_key"};

// Every secret key and header ends in one of these letters: most words are rejected here.
bool may_be_secret(std::string_view key) noexcept {
  const char last = lower(key.back());
  return last == 'n' || last == 'd' || last == 't' || last == 'e' || last == 'y';
}

bool is_secret_key(std::string_view key) noexcept {
  if (!may_be_secret(key)) return false;
  for (const auto k : kSecretKeys) {
    if (iequals(key, k)) return true;
    if (key.size() > k.size() && iends_with(key, k)) {
      const char sep = key[key.size() - k.size() - 1];
      if (sep == '_' || sep == '-') return true;
    }
  }
  return false;
}

// Headers whose whole value is a credential; masked to the end of the line.
constexpr std::array<std::string_view, 4> kSecretHeaders{"cookie", "set-cookie", "authorization",
                                                         "proxy-authorization"};

bool is_secret_header(std::string_view name) noexcept {
  if (!may_be_secret(name)) return false;
  for (const auto h : kSecretHeaders)
    if (iequals(name, h)) return true;
  return false;
}

std::size_t skip_blanks(std::string_view t, std::size_t i) noexcept {
  while (i < t.size() && is_blank(t[i])) ++i;
  return i;
}

std::size_t skip_base64url(std::string_view t, std::size_t i) noexcept {
  while (i < t.size() && is_base64url(t[i])) ++i;
  return i;
}

// End of a compact JWS/JWE starting at `i` (`eyJ…` `.` `…` `.` `…`), or 0 if none starts here.
std::size_t jws_end(std::string_view t, std::size_t i) noexcept {
  if (t.substr(i, 3) != "eyJ") return 0;
  std::size_t j = skip_base64url(t, i + 3);
  if (j >= t.size() || t[j] != '.') return 0;
  const std::size_t payload = j + 1;
  j = skip_base64url(t, payload);
  if (j == payload || j >= t.size() || t[j] != '.') return 0;
  j = skip_base64url(t, j + 1);  // the signature may be empty (alg "none")
  // A JWE has five parts; take every further `.part` too.
  while (j + 1 < t.size() && t[j] == '.' && is_base64url(t[j + 1])) j = skip_base64url(t, j + 1);
  return j;
}

// End of a quoted value whose opening quote is at `i` (the closing quote's index), honouring
// backslash escapes as libpq does; t.size() when it is never closed.
std::size_t quoted_end(std::string_view t, std::size_t i) noexcept {
  const char quote = t[i];
  for (std::size_t j = i + 1; j < t.size(); ++j) {
    if (t[j] == '\\') {
      ++j;
    } else if (t[j] == quote) {
      return j;
    }
  }
  return t.size();
}

// End of an unquoted value. In a query string (`?k=v&…`) `&` and `#` end it; elsewhere
// (libpq keyword strings, free text) only white space does, as libpq reads it.
std::size_t unquoted_end(std::string_view t, std::size_t i, bool query) noexcept {
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (is_space(c)) break;
    if (query && (c == '&' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' || c == ';')) break;
    if (!query && c == '\\' && i + 1 < t.size() && !is_eol(t[i + 1])) ++i;
  }
  return i;
}

// End of a bearer credential (RFC 6750 token68, plus anything else up to a delimiter).
std::size_t bearer_token_end(std::string_view t, std::size_t i) noexcept {
  for (; i < t.size(); ++i) {
    const char c = t[i];
    if (is_space(c) || c == '"' || c == '\'' || c == ',' || c == ';' || c == '<' || c == '>') break;
  }
  return i;
}

class Redactor {
 public:
  explicit Redactor(std::string_view text) : t_(text) { out_.reserve(text.size() + 16); }

  std::string run() && {
    while (i_ < t_.size()) {
      const char c = t_[i_];
      if (c == 'e' && jws()) continue;
      if (c == ':' && url_password()) continue;
      if (is_name(c) && (i_ == 0 || !is_name(t_[i_ - 1]))) {
        const std::string_view key = name();
        if (bearer(key) || header(key) || pair(key)) continue;
        // No secret starts at this word; a JWS may still start inside it ("x" + "eyJ…").
        const std::size_t inner = key.find("eyJ", 1);
        const std::size_t plain = inner == std::string_view::npos ? key.size() : inner;
        out_.append(key.substr(0, plain));
        i_ += plain;
        continue;
      }
      out_.push_back(c);
      ++i_;
    }
    return std::move(out_);
  }

 private:
  // Copies t_[i_, keep) as is, then masks t_[keep, end) if it is not empty.
  void mask(std::size_t keep, std::size_t end) {
    out_.append(t_.substr(i_, keep - i_));
    if (end > keep) out_.append(kRedacted);
    i_ = end;
  }

  bool jws() {
    const std::size_t end = jws_end(t_, i_);
    if (end == 0) return false;
    mask(i_, end);
    return true;
  }

  // `scheme://user:password@host`: the userinfo ends at the last `@` before the path, so a
  // password holding an unescaped `@` is still masked whole.
  bool url_password() {
    if (t_.substr(i_, 3) != "://") return false;
    const std::size_t start = i_ + 3;
    std::size_t end = start;
    std::size_t at = std::string_view::npos;
    for (; end < t_.size(); ++end) {
      const char c = t_[end];
      if (c == '/' || is_space(c) || c == '"' || c == '\'' || c == '<' || c == '>') break;
      if (c == '@') at = end;
    }
    if (at == std::string_view::npos) return false;
    const std::size_t colon = t_.substr(start, at - start).find(':');
    if (colon == std::string_view::npos || start + colon + 1 == at) return false;
    mask(start + colon + 1, at);
    return true;
  }

  // `Bearer <token>` in any case, as in an Authorization header or a message about one.
  bool bearer(std::string_view key) {
    if (!iequals(key, "bearer")) return false;
    std::size_t j = i_ + key.size();
    if (j >= t_.size() || !is_blank(t_[j])) return false;
    j = skip_blanks(t_, j);
    const std::size_t end = bearer_token_end(t_, j);
    if (end == j) return false;
    mask(j, end);
    return true;
  }

  std::string_view name() const noexcept {
    std::size_t j = i_;
    while (j < t_.size() && is_name(t_[j])) ++j;
    return t_.substr(i_, j - i_);
  }

  // `Cookie: …`, `Set-Cookie: …`, `Authorization: …`: the value up to the end of the line.
  bool header(std::string_view key) {
    if (!is_secret_header(key)) return false;
    std::size_t j = skip_blanks(t_, i_ + key.size());
    if (j >= t_.size() || t_[j] != ':') return false;
    j = skip_blanks(t_, j + 1);
    std::size_t end = j;
    while (end < t_.size() && !is_eol(t_[end])) ++end;
    mask(j, end);
    return true;
  }

  // `key=value`, `key = 'quoted value'` (libpq), `?key=value&` (query) and `"key":"value"` (JSON).
  bool pair(std::string_view key) {
    if (!is_secret_key(key)) return false;
    std::size_t j = i_ + key.size();
    const bool json = i_ > 0 && t_[i_ - 1] == '"' && j < t_.size() && t_[j] == '"';
    if (json) ++j;
    j = skip_blanks(t_, j);
    if (j >= t_.size() || t_[j] != (json ? ':' : '=')) return false;
    j = skip_blanks(t_, j + 1);
    if (j >= t_.size()) return false;
    if (t_[j] == '\'' || t_[j] == '"') {
      const std::size_t close = quoted_end(t_, j);
      mask(j + 1, close);
      return true;
    }
    if (json) return false;  // a number, bool or null: not a secret
    const bool query = i_ > 0 && (t_[i_ - 1] == '?' || t_[i_ - 1] == '&');
    mask(j, unquoted_end(t_, j, query));
    return true;
  }

  std::string_view t_;
  std::size_t i_ = 0;
  std::string out_;
};

}  // namespace

std::string redact(std::string_view text) { return Redactor(text).run(); }

}  // namespace amo::log
