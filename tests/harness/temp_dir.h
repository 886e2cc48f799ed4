#pragma once

#include <filesystem>
#include <string_view>

namespace amo::harness {

// A throwaway directory under /tmp, removed recursively on destruction.
// Mode 0755 and files written 0644: Mosquitto and Postgres run as their own users
// (`mosquitto`, `postgres`), not as the test's root, and must read what tests put here.
class TempDir {
 public:
  explicit TempDir(std::string_view prefix = "amo-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;

  std::filesystem::path path() const { return path_; }
  // Writes (or overwrites) `name` (relative to the dir; parents created) world-readable.
  std::filesystem::path write(const std::filesystem::path& name, std::string_view content) const;
  // Recursively hands the dir and everything in it to `user` (e.g. "postgres").
  void chown_to(std::string_view user) const;

 private:
  std::filesystem::path path_;
};

// Reads a whole file; empty if it does not exist.
std::string read_file(const std::filesystem::path& file);

}  // namespace amo::harness
