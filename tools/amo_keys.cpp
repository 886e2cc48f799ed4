// amo-keys: the operator's tool for connect-token keys (DESIGN §2): generate a private JWKS,
// print its public half for verifiers, and mint a token for tests, demos and service daemons.
#include <CLI/CLI.hpp>

#include <chrono>
#include <iostream>
#include <sstream>

#include "core/token/jwks.h"
#include "core/token/sign.h"
#include "io/files.h"

namespace {

amo::token::KeySet load(const std::string& path) {
  auto r = amo::token::parse_jwks(amo::io::read_file(path));
  if (r.status != amo::token::JwksStatus::ok)
    throw std::runtime_error(path + ": " + std::string(amo::token::name(r.status)) + ": " + r.detail);
  return std::move(r.keys);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  for (std::string item; std::getline(ss, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"amo-keys: connect-token keys and tokens for amo-realtime"};
  app.set_version_flag("--version", std::string("amo-keys ") + AMO_VERSION);
  app.require_subcommand(1);

  std::string alg = "EdDSA", kid;
  auto* gen = app.add_subcommand("generate", "print a new private JWKS with one key");
  gen->add_option("--alg", alg, "EdDSA, ES256 or HS256")->check(CLI::IsMember({"EdDSA", "ES256", "HS256"}));
  gen->add_option("--kid", kid, "key id")->required();

  std::string file;
  auto* pub = app.add_subcommand("public", "print the public half of a private JWKS");
  pub->add_option("file", file, "private JWKS file")->required();

  std::string iss, aud = "amo-realtime", sub, amo_id, cid, threads, role = "user";
  std::int64_t ttl = 120, sess_exp = 0;
  auto* mint = app.add_subcommand("mint", "print a connect token signed with the last key of a private JWKS");
  mint->add_option("--key", file, "private JWKS file")->required();
  mint->add_option("--iss", iss)->required();
  mint->add_option("--aud", aud);
  mint->add_option("--sub", sub)->required();
  mint->add_option("--amo", amo_id)->required();
  mint->add_option("--cid", cid)->required();
  mint->add_option("--threads", threads, "comma-separated thread ids");
  mint->add_option("--role", role)->check(CLI::IsMember({"user", "service"}));
  mint->add_option("--ttl", ttl, "lifetime in seconds");
  mint->add_option("--sess-exp", sess_exp, "absolute sess_exp (unix seconds)");

  CLI11_PARSE(app, argc, argv);
  try {
    if (*gen) {
      auto key = amo::token::generate_key(*amo::token::alg_from_name(alg), kid);
      const amo::token::Key* keys[] = {&key};
      std::cout << amo::token::to_jwks(keys, true) << "\n";
    } else if (*pub) {
      std::cout << amo::token::to_jwks(load(file), false) << "\n";
    } else if (*mint) {
      auto keys = load(file);
      const amo::token::Key* key = keys.signing_key();
      if (!key) throw std::runtime_error(file + " has no private key");
      amo::token::Claims c;
      c.iss = iss;
      c.aud = {aud};
      c.sub = sub;
      c.amo = amo_id;
      c.cid = cid;
      c.threads = split(threads);
      c.role = role == "service" ? amo::Role::service : amo::Role::user;
      c.iat = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      c.exp = c.iat + ttl;
      c.jti = amo::token::new_jti();
      if (sess_exp > 0) c.sess_exp = sess_exp;
      const std::string token = amo::token::sign(c, *key);
      if (token.empty()) throw std::runtime_error("signing with the key of " + file + " failed");
      std::cout << token << "\n";
    }
  } catch (const std::exception& e) {
    std::cerr << "amo-keys: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
