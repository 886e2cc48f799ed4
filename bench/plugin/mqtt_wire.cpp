#include "bench/plugin/mqtt_wire.h"

namespace amo::bench {
namespace {

void put_u16(std::string& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xff));
}

void put_str(std::string& out, std::string_view s) {
  put_u16(out, static_cast<std::uint16_t>(s.size()));
  out.append(s);
}

void put_length(std::string& out, std::size_t n) {
  do {
    auto b = static_cast<unsigned char>(n % 128);
    n /= 128;
    if (n) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (n);
}

}  // namespace

void put_connect(std::string& out, std::string_view client_id, std::string_view username,
                 std::string_view password, std::uint16_t keepalive_s) {
  std::string body;
  put_str(body, "MQTT");
  body.push_back(4);  // protocol level 3.1.1
  unsigned char flags = 0x02;  // clean session
  if (!username.empty()) flags |= 0x80;
  if (!password.empty()) flags |= 0x40;
  body.push_back(static_cast<char>(flags));
  put_u16(body, keepalive_s);
  put_str(body, client_id);
  if (!username.empty()) put_str(body, username);
  if (!password.empty()) put_str(body, password);
  out.push_back(0x10);
  put_length(out, body.size());
  out += body;
}

void put_subscribe(std::string& out, std::uint16_t packet_id, std::span<const std::string> filters, int qos) {
  std::size_t len = 2;
  for (const auto& f : filters) len += 2 + f.size() + 1;
  out.push_back(static_cast<char>(0x82));
  put_length(out, len);
  put_u16(out, packet_id);
  for (const auto& f : filters) {
    put_str(out, f);
    out.push_back(static_cast<char>(qos));
  }
}

void put_publish(std::string& out, std::string_view topic, std::string_view payload, int qos,
                 std::uint16_t packet_id) {
  out.push_back(static_cast<char>(0x30 | (qos << 1)));
  put_length(out, 2 + topic.size() + (qos > 0 ? 2 : 0) + payload.size());
  put_str(out, topic);
  if (qos > 0) put_u16(out, packet_id);
  out.append(payload);
}

void put_puback(std::string& out, std::uint16_t packet_id) {
  out.push_back(0x40);
  out.push_back(2);
  put_u16(out, packet_id);
}

void put_disconnect(std::string& out) {
  out.push_back(static_cast<char>(0xe0));
  out.push_back(0);
}

Frame frame(const char* data, std::size_t n) {
  Frame f;
  std::size_t len = 0;
  for (std::size_t i = 1, shift = 0; i <= 4; ++i, shift += 7) {
    if (i >= n) return f;
    const auto b = static_cast<unsigned char>(data[i]);
    len |= static_cast<std::size_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      f.header_size = i + 1;
      f.size = f.header_size + len;
      return f;
    }
  }
  f.malformed = true;
  return f;
}

bool parse_publish(std::uint8_t type_byte, std::string_view body, Publish& out) {
  out.qos = (type_byte >> 1) & 3;
  if (body.size() < 2) return false;
  const std::size_t tlen = read_u16(body, 0);
  std::size_t at = 2 + tlen;
  if (body.size() < at + (out.qos ? 2 : 0)) return false;
  out.topic = body.substr(2, tlen);
  if (out.qos) {
    out.packet_id = read_u16(body, at);
    at += 2;
  }
  out.payload = body.substr(at);
  return true;
}

}  // namespace amo::bench
