// Differential test: on every envelope of the generated corpus (corpus/gen_corpus.py), ours,
// valijson and ajv give the same accept/reject answer, except where JSON parsers differ
// or we are stricter than JSON (tag ours_rejects:...): there ours must reject. Any disagreement
// is printed.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/envelope/validate.h"
#include "tests/core/envelope/reference_validator.h"
#include "tests/core/envelope/schema_files.h"

using namespace amo::envelope;

namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

std::vector<std::string> lines(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);)
    if (!l.empty()) out.push_back(l);
  return out;
}

int run(const std::string& cmd) {
  MESSAGE("running: ", cmd);
  return std::system(cmd.c_str());
}

}  // namespace

TEST_CASE("ours, valijson and ajv agree on the envelope corpus") {
  const std::filesystem::path src = AMO_SOURCE_DIR;
  const std::filesystem::path node_dir = src / "tests/node";
  REQUIRE_MESSAGE(std::filesystem::exists(node_dir / "node_modules/ajv/package.json"),
                  "tests/node/node_modules is missing: run `npm install --prefix tests/node` (scripts/bootstrap does)");
  const std::filesystem::path work = std::filesystem::path(AMO_BINARY_DIR) / "envelope_corpus";
  std::filesystem::create_directories(work);
  const auto corpus = work / "corpus.txt", ajv_out = work / "ajv.txt";
  const auto here = src / "tests/core/envelope/corpus";
  REQUIRE(run("python3 '" + (here / "gen_corpus.py").string() + "' > '" + corpus.string() + "'") == 0);
  REQUIRE(run("node '" + (here / "ajv_verdicts.cjs").string() + "' '" + (src / "schemas").string() + "' '" +
              node_dir.string() + "' '" + corpus.string() + "' '" + ajv_out.string() + "'") == 0);

  const auto files = test::read_schema_dir();
  LoadResult loaded = load_schemas(files);
  REQUIRE_MESSAGE(loaded.status == Status::ok, loaded.error);
  Validator ours(*loaded.set);
  test::ReferenceValidator valijson(files);

  const auto cases = lines(corpus);
  const auto ajv = lines(ajv_out);
  REQUIRE(cases.size() >= 5000);
  REQUIRE(ajv.size() == cases.size());
  std::size_t same = 0, parser_differs = 0, accepted = 0, disagreements = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string& line = cases[i];
    std::string tag = line.substr(0, line.find(' '));
    std::string bytes = from_hex(std::string_view(line).substr(line.find(' ') + 1));
    Verdict v = ours.validate(bytes);
    bool o = v.status == Status::ok;
    if (tag.rfind("ours_rejects:", 0) == 0) {
      ++parser_differs;
      if (o) {
        ++disagreements;
        FAIL_CHECK("case ", i, " (", tag, "): ours accepts ", bytes);
      }
      continue;
    }
    ++same;
    bool a = ajv[i] == "1";
    bool r = valijson.valid(bytes);
    accepted += o;
    if (o != a || o != r) {
      ++disagreements;
      FAIL_CHECK("case ", i, ": ours=", o, " (", name(v.status), " at '", v.pointer, "') valijson=", r, " ajv=", ajv[i],
                 " for ", bytes.size() > 300 ? bytes.substr(0, 300) + "..." : bytes);
    }
  }
  MESSAGE("cases: ", cases.size(), " compared: ", same, " (accepted ", accepted, "), parser-dependent (ours rejects): ",
          parser_differs, ", disagreements: ", disagreements);
  CHECK(disagreements == 0);
}
