#include "core/token/verify.h"

#include <openssl/evp.h>

#include "core/ids.h"
#include "core/token/base64url.h"
#include "core/token/jws.h"

namespace amo::token {

namespace {
constexpr std::string_view kTyp = "amo-connect+jwt";
constexpr std::size_t kMaxDepth = 16;

using simdjson::dom::element;

bool get_string(element e, std::string_view& out) noexcept { return e.get(out) == simdjson::SUCCESS; }
bool get_int(element e, std::int64_t& out) noexcept { return e.get(out) == simdjson::SUCCESS; }

// Missing → missing_claim, wrong JSON type → bad_claim_type.
Status required_string(bool present, element e, std::string_view& out) noexcept {
  if (!present) return Status::missing_claim;
  return get_string(e, out) ? Status::ok : Status::bad_claim_type;
}
}  // namespace

Verifier::Verifier(VerifyPolicy policy)
    : policy_(std::move(policy)), parser_(kMaxTokenBytes, kMaxDepth), md_ctx_(EVP_MD_CTX_new()) {
  // Buffers grow to the largest token seen, once; the parser likewise. Not pre-sized to the
  // 16 KiB limit: a broker holds one Verifier and real tokens are under 1 KiB.
}

Verifier::~Verifier() { EVP_MD_CTX_free(md_ctx_); }

Status Verifier::verify(std::string_view token, const KeySet& keys, std::int64_t now, Claims& out) noexcept {
  CompactParts parts;
  if (auto s = split_compact(token, parts); s != Status::ok) return s;
  if (!base64url_decode(parts.header, header_) || !base64url_decode(parts.payload, payload_) ||
      !base64url_decode(parts.signature, signature_))
    return Status::bad_base64;

  element header;
  if (auto s = parser_.parse(header_, header); s != json::Status::ok)
    return s == json::Status::duplicate_key ? Status::duplicate_key : Status::bad_header_json;
  HeaderFields h;
  if (auto s = read_header(header, h); s != Status::ok) return s;
  if (!h.has_typ || h.typ != kTyp) return Status::bad_typ;
  // Key lookup needs the kid, but "none" is refused whatever the kid says.
  if (is_alg_none(h.alg)) return Status::alg_none;
  const Key* key = h.has_kid ? keys.find(h.kid) : nullptr;
  if (!key) return Status::unknown_kid;
  if (auto s = check_alg(h.alg, *key); s != Status::ok) return s;

  if (!md_ctx_) return Status::bad_signature;
  if (auto s = verify_signature(*key, parts.signing_input, signature_, md_ctx_); s != Status::ok) return s;
  return check_claims(payload_, now, out);
}

Status Verifier::check_claims(std::string_view payload_json, std::int64_t now, Claims& out) noexcept {
  element root;
  if (auto s = parser_.parse(payload_json, root); s != json::Status::ok)
    return s == json::Status::duplicate_key ? Status::duplicate_key : Status::bad_payload_json;
  simdjson::dom::object obj;
  if (root.get(obj) != simdjson::SUCCESS) return Status::bad_payload_json;

  // One pass over the members; the rules below then run in a fixed order.
  enum Slot { k_iss, k_aud, k_sub, k_amo, k_iat, k_exp, k_nbf, k_jti, k_cid, k_threads, k_role, k_sess_exp, k_count };
  element v[k_count];
  bool has[k_count] = {};
  for (auto field : obj) {
    const std::string_view k = field.key;
    int slot = -1;
    switch (k.size()) {
      case 3:
        slot = k == "iss" ? k_iss : k == "aud" ? k_aud : k == "sub" ? k_sub : k == "amo" ? k_amo : k == "iat" ? k_iat
             : k == "exp" ? k_exp : k == "nbf" ? k_nbf : k == "jti" ? k_jti : k == "cid" ? k_cid : -1;
        break;
      case 4: slot = k == "role" ? k_role : -1; break;
      case 7: slot = k == "threads" ? k_threads : -1; break;
      case 8: slot = k == "sess_exp" ? k_sess_exp : -1; break;
      default: break;
    }
    if (slot >= 0) {
      v[slot] = field.value;
      has[slot] = true;
    }
  }

  std::string_view s;
  if (auto st = required_string(has[k_iss], v[k_iss], s); st != Status::ok) return st;
  if (s != policy_.issuer) return Status::wrong_issuer;
  out.iss.assign(s);

  if (!has[k_aud]) return Status::missing_claim;
  if (get_string(v[k_aud], s)) {
    out.aud.resize(1);
    out.aud[0].assign(s);
  } else {
    simdjson::dom::array arr;
    if (v[k_aud].get(arr) != simdjson::SUCCESS) return Status::bad_claim_type;
    out.aud.resize(arr.size());
    std::size_t i = 0;
    for (auto e : arr) {
      if (!get_string(e, s)) return Status::bad_claim_type;
      out.aud[i++].assign(s);
    }
  }
  bool audience_ok = false;
  for (const auto& a : out.aud) audience_ok |= a == policy_.audience;
  if (!audience_ok) return Status::wrong_audience;

  out.role = amo::Role::user;
  if (has[k_role]) {
    if (!get_string(v[k_role], s)) return Status::bad_claim_type;
    if (s == "service") out.role = amo::Role::service;
    else if (s != "user") return Status::bad_role;
  }

  if (!has[k_iat] || !has[k_exp]) return Status::missing_claim;
  if (!get_int(v[k_iat], out.iat) || !get_int(v[k_exp], out.exp)) return Status::bad_claim_type;
  if (out.iat > now + policy_.leeway) return Status::issued_in_future;
  // exp ≤ iat: the token was never valid, as good as expired.
  if (out.exp <= now - policy_.leeway || out.exp <= out.iat) return Status::expired;
  // exp > iat here, so the unsigned difference is exact even at the int64 extremes.
  const std::uint64_t lifetime = static_cast<std::uint64_t>(out.exp) - static_cast<std::uint64_t>(out.iat);
  const std::int64_t max_ttl = out.role == amo::Role::service ? policy_.max_service_token_ttl : policy_.max_token_ttl;
  if (max_ttl < 0 || lifetime > static_cast<std::uint64_t>(max_ttl)) return Status::lifetime_too_long;
  out.nbf.reset();
  if (has[k_nbf]) {
    std::int64_t n = 0;
    if (!get_int(v[k_nbf], n)) return Status::bad_claim_type;
    if (n > now + policy_.leeway) return Status::not_yet_valid;
    out.nbf = n;
  }

  if (auto st = required_string(has[k_sub], v[k_sub], s); st != Status::ok) return st;
  if (!is_valid_id(s)) return Status::bad_id;
  out.sub.assign(s);
  if (auto st = required_string(has[k_amo], v[k_amo], s); st != Status::ok) return st;
  if (!is_valid_id(s) || (s == kSystemAmo) != (out.role == amo::Role::service)) return Status::bad_id;
  out.amo.assign(s);

  if (auto st = required_string(has[k_jti], v[k_jti], s); st != Status::ok) return st;
  if (!is_valid_jti(s)) return Status::bad_jti;
  out.jti.assign(s);

  if (auto st = required_string(has[k_cid], v[k_cid], s); st != Status::ok) return st;
  if (!is_valid_cid(s)) return Status::bad_cid;
  out.cid.assign(s);

  if (has[k_threads]) {
    simdjson::dom::array arr;
    if (v[k_threads].get(arr) != simdjson::SUCCESS) return Status::bad_claim_type;
    if (arr.size() > kMaxThreads) return Status::too_many_threads;
    out.threads.resize(arr.size());
    std::size_t i = 0;
    for (auto e : arr) {
      if (!get_string(e, s)) return Status::bad_claim_type;
      if (!is_valid_id(s)) return Status::bad_id;
      out.threads[i++].assign(s);
    }
  } else {
    out.threads.resize(0);
  }

  out.sess_exp.reset();
  if (has[k_sess_exp]) {
    std::int64_t t = 0;
    if (!get_int(v[k_sess_exp], t)) return Status::bad_claim_type;
    if (t <= now) return Status::session_expired;
    out.sess_exp = t;
  }
  return Status::ok;
}

}  // namespace amo::token
