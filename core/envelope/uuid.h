#pragma once
// Envelope ids (DESIGN §3): UUIDv5 in the RFC 4122 URL namespace for idempotent resends,
// UUIDv4 otherwise; lower-case text form.
#include <string>
#include <string_view>

namespace amo::envelope {

// UUIDv5 (SHA-1) of name in namespace 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
std::string uuid_v5_url(std::string_view name);
// Random UUIDv4 from OpenSSL's CSPRNG; empty if RAND_bytes fails.
std::string uuid_v4();

}  // namespace amo::envelope
