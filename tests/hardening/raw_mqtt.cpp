#include "tests/hardening/raw_mqtt.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace amo::hardening {
namespace {

void put_u16(std::string& out, std::size_t v) {
  out += static_cast<char>((v >> 8) & 0xff);
  out += static_cast<char>(v & 0xff);
}

void put_str(std::string& out, const std::string& s) {
  put_u16(out, s.size());
  out += s;
}

std::string packet(unsigned char type, const std::string& body) {
  std::string out(1, static_cast<char>(type));
  std::size_t n = body.size();
  do {
    unsigned char b = n % 128;
    n /= 128;
    if (n > 0) b |= 0x80;
    out += static_cast<char>(b);
  } while (n > 0);
  return out + body;
}

int open_socket(int port, int receive_buffer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_all(int fd, const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<std::size_t>(n);
  }
  return true;
}

// Reads one small packet (CONNACK, SUBACK): type, remaining length, body.
std::string read_packet(int fd, std::chrono::milliseconds timeout) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  char buf[64];
  // Small packets only: the remaining length is one byte.
  while (got.size() < 2 || got.size() < 2u + static_cast<unsigned char>(got[1])) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  return got;
}

std::string connect_packet(const std::string& client_id, const std::string& password) {
  std::string body;
  put_str(body, "MQTT");
  body += static_cast<char>(5);
  body += static_cast<char>(0xC2);  // username, password, clean start
  put_u16(body, 60);
  body += static_cast<char>(0);  // no properties
  put_str(body, client_id);
  put_str(body, "x");
  put_str(body, password);
  return packet(0x10, body);
}

int connect_on(int fd, const std::string& client_id, const std::string& password, std::chrono::milliseconds timeout) {
  if (!send_all(fd, connect_packet(client_id, password))) return -1;
  const std::string ack = read_packet(fd, timeout);
  if (ack.size() < 4 || static_cast<unsigned char>(ack[0]) != 0x20) return -1;
  return static_cast<unsigned char>(ack[3]);
}

}  // namespace

int raw_connect(int port, const std::string& client_id, const std::string& password,
                std::chrono::milliseconds timeout) {
  const int fd = open_socket(port, 0);
  if (fd < 0) return -1;
  const int code = connect_on(fd, client_id, password, timeout);
  ::close(fd);
  return code;
}

StalledSubscriber::StalledSubscriber(int port, const std::string& client_id, const std::string& password,
                                     const std::string& filter) {
  fd_ = open_socket(port, 4096);
  if (fd_ < 0) throw std::runtime_error("stalled subscriber: cannot connect");
  connack_ = connect_on(fd_, client_id, password, std::chrono::seconds(10));
  std::string body;
  put_u16(body, 1);              // packet id
  body += static_cast<char>(0);  // no properties
  put_str(body, filter);
  body += static_cast<char>(1);  // QoS 1
  if (!send_all(fd_, packet(0x82, body))) return;
  const std::string ack = read_packet(fd_, std::chrono::seconds(10));
  // SUBACK: 0x90, length, packet id (2), properties length (0), reason code.
  if (ack.size() >= 6 && static_cast<unsigned char>(ack[0]) == 0x90) suback_ = static_cast<unsigned char>(ack[5]);
}

StalledSubscriber::~StalledSubscriber() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace amo::hardening
