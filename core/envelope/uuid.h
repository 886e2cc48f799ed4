#pragma once
// Envelope ids (DESIGN §3): UUIDv5 in the RFC 4122 URL namespace for idempotent resends,
// UUIDv4 otherwise; lower-case text form.
#include <span>
#include <string>
#include <string_view>

namespace amo::envelope {

// UUIDv5 (SHA-1) of name in namespace 6ba7b811-9dad-11d1-80b4-00c04fd430c8.
std::string uuid_v5_url(std::string_view name);
// Random UUIDv4 from OpenSSL's CSPRNG; empty if RAND_bytes fails.
std::string uuid_v4();
// Appending forms used when stamping; name_parts are hashed as one concatenated name.
// False (out unchanged) if OpenSSL fails.
bool append_uuid_v5_url(std::string& out, std::span<const std::string_view> name_parts);
bool append_uuid_v4(std::string& out);

}  // namespace amo::envelope
