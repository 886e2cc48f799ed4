#pragma once
// The few MQTT 3.1.1 packets the load generator sends and reads, encoded into and decoded
// from plain byte buffers: no per-message allocation, no syscall per packet (libmosquitto
// reads every packet with at least three read() calls, which made the generator as costly
// per delivery as the broker).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace amo::bench {

enum class PacketType : std::uint8_t { connack = 2, publish = 3, puback = 4, suback = 9, pingresp = 13 };

// Client id, then username and password when non-empty (anonymous otherwise); clean session.
void put_connect(std::string& out, std::string_view client_id, std::string_view username,
                 std::string_view password, std::uint16_t keepalive_s);
void put_subscribe(std::string& out, std::uint16_t packet_id, std::span<const std::string> filters, int qos);
// packet_id is ignored for QoS 0.
void put_publish(std::string& out, std::string_view topic, std::string_view payload, int qos,
                 std::uint16_t packet_id);
void put_puback(std::string& out, std::uint16_t packet_id);
void put_disconnect(std::string& out);

struct Frame {
  std::size_t size = 0;         // whole packet, fixed header included; 0 = more bytes needed
  std::size_t header_size = 0;  // type byte + remaining-length bytes
  bool malformed = false;
};

// Where the packet starting at `data` ends, as far as `n` bytes tell.
Frame frame(const char* data, std::size_t n);

struct Publish {
  std::string_view topic, payload;
  int qos = 0;
  std::uint16_t packet_id = 0;
};

// The variable header and payload of a PUBLISH whose first byte is `type_byte`.
bool parse_publish(std::uint8_t type_byte, std::string_view body, Publish& out);

inline std::uint16_t read_u16(std::string_view s, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<unsigned char>(s[at]) << 8) | static_cast<unsigned char>(s[at + 1]));
}

}  // namespace amo::bench
