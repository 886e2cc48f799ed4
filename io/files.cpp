#include "io/files.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace amo::io {

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  std::string text = ss.str();
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) throw std::runtime_error(path + " is empty");
  return text;
}

std::vector<envelope::SchemaFile> read_schema_dir(const std::string& dir) {
  std::error_code ec;
  std::vector<envelope::SchemaFile> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    files.push_back(envelope::SchemaFile{entry.path().filename().string(), read_file(entry.path().string())});
  }
  if (ec) throw std::runtime_error("cannot read schema directory " + dir + ": " + ec.message());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return files;
}

FileStamp stamp_of(const std::string& path) noexcept {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return FileStamp{static_cast<std::uint64_t>(st.st_ino), static_cast<std::uint64_t>(st.st_size),
                   static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
}

}  // namespace amo::io
