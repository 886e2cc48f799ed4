#include "daemon/metrics/registry.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace amo::metrics {

namespace {

enum Type { kCounter, kGauge, kHistogram };

std::string_view type_name(int type) noexcept {
  switch (type) {
    case kCounter:
      return "counter";
    case kGauge:
      return "gauge";
    default:
      return "histogram";
  }
}

bool is_name_char(char c, bool first, bool colon_ok) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
  if (c == ':') return colon_ok;
  return !first && c >= '0' && c <= '9';
}

bool valid_name(std::string_view name, bool colon_ok) noexcept {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (!is_name_char(name[i], i == 0, colon_ok)) return false;
  return true;
}

// Shortest text that reads back as the same double; Prometheus' and Python's parsers accept
// both the plain and the exponent forms, and spell the specials NaN, +Inf and -Inf.
void append_double(std::string& out, double v) {
  if (std::isnan(v)) {
    out.append("NaN");
    return;
  }
  if (std::isinf(v)) {
    out.append(v > 0 ? "+Inf" : "-Inf");
    return;
  }
  char buf[32];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

template <typename Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, ec == std::errc() ? end : buf);
}

// # HELP text: backslash and newline escaped (format 0.0.4).
void append_help(std::string& out, std::string_view help) {
  for (const char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

// Label values: backslash, double quote and newline escaped (format 0.0.4).
void append_label_value(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '"') {
      out.append("\\\"");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
}

// `{a="1",le="0.5"}`, or nothing when there are no labels; `le` is the histogram bucket's.
void append_labels(std::string& out, const std::vector<Label>& labels, const std::string* le = nullptr) {
  if (labels.empty() && le == nullptr) return;
  out.push_back('{');
  bool first = true;
  for (const auto& label : labels) {
    if (!first) out.push_back(',');
    first = false;
    out.append(label.name);
    out.append("=\"");
    append_label_value(out, label.value);
    out.push_back('"');
  }
  if (le != nullptr) {
    if (!first) out.push_back(',');
    out.append("le=\"");
    out.append(*le);
    out.push_back('"');
  }
  out.push_back('}');
}

}  // namespace

Histogram::Histogram(std::span<const double> bounds) : bounds_(bounds.begin(), bounds.end()) {
  // +Inf is always the last bucket; a caller listing it too means the same thing.
  if (!bounds_.empty() && std::isinf(bounds_.back()) && bounds_.back() > 0) bounds_.pop_back();
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1]))
      throw std::invalid_argument("histogram bounds must be finite and strictly ascending");
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_.emplace_back(0);
}

void Histogram::observe(double v) noexcept {
  // The first bound >= v: Prometheus buckets are "less than or equal".
  const auto bucket = std::isnan(v) ? bounds_.size()
                                    : static_cast<std::size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                                               bounds_.begin());
  buckets_[bucket].fetch_add(1, std::memory_order_relaxed);
  if (std::isfinite(v)) {
    // Fixed point keeps the sum a single atomic add; two's complement wrap-around makes
    // negative observations subtract.
    const double micro = std::clamp(v * 1e6, -9.0e18, 9.0e18);
    sum_micro_.fetch_add(static_cast<std::uint64_t>(std::llround(micro)), std::memory_order_relaxed);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::cumulative() const {
  std::vector<std::uint64_t> out;
  out.reserve(buckets_.size());
  std::uint64_t total = 0;
  for (const auto& b : buckets_) {
    total += b.load(std::memory_order_relaxed);
    out.push_back(total);
  }
  return out;
}

double Histogram::sum() const noexcept {
  return static_cast<double>(static_cast<std::int64_t>(sum_micro_.load(std::memory_order_relaxed))) / 1e6;
}

struct Registry::Series {
  std::vector<Label> labels;  // sorted by name, so any order of the same labels is one series
  std::unique_ptr<Counter> counter;
  std::unique_ptr<Gauge> gauge;
  std::unique_ptr<Histogram> histogram;
};

struct Registry::Family {
  std::string name, help;
  int type = kCounter;
  std::vector<double> bounds;  // a histogram's, shared by all its series
  std::vector<std::unique_ptr<Series>> series;
};

void Registry::FamilyDelete::operator()(Family* family) const noexcept { delete family; }

Registry::Family& Registry::family(std::string_view name, std::string_view help, int type) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name: " + std::string(name));
  for (auto& f : families_) {
    if (f->name != name) continue;
    if (f->type != type)
      throw std::logic_error("metric " + std::string(name) + " registered as " + std::string(type_name(f->type)) +
                             " and as " + std::string(type_name(type)));
    return *f;
  }
  std::unique_ptr<Family, FamilyDelete> f(new Family);
  f->name = name;
  f->help = help;
  f->type = type;
  families_.push_back(std::move(f));
  return *families_.back();
}

Registry::Series& Registry::series(Family& family, std::vector<Label> labels) {
  std::sort(labels.begin(), labels.end(), [](const Label& a, const Label& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto& n = labels[i].name;
    if (!valid_name(n, false) || n.starts_with("__") || (family.type == kHistogram && n == "le") ||
        (i > 0 && labels[i - 1].name == n))
      throw std::invalid_argument("invalid label name " + n + " for metric " + family.name);
  }
  for (auto& s : family.series) {
    const bool same = std::equal(s->labels.begin(), s->labels.end(), labels.begin(), labels.end(),
                                 [](const Label& a, const Label& b) { return a.name == b.name && a.value == b.value; });
    if (same) return *s;
  }
  auto s = std::make_unique<Series>();
  s->labels = std::move(labels);
  family.series.push_back(std::move(s));
  return *family.series.back();
}

Counter& Registry::counter(std::string_view name, std::string_view help, std::vector<Label> labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(family(name, help, kCounter), std::move(labels));
  if (!s.counter) s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::gauge(std::string_view name, std::string_view help, std::vector<Label> labels) {
  std::lock_guard lock(mutex_);
  Series& s = series(family(name, help, kGauge), std::move(labels));
  if (!s.gauge) s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

Histogram& Registry::histogram(std::string_view name, std::string_view help, std::span<const double> bounds,
                               std::vector<Label> labels) {
  std::lock_guard lock(mutex_);
  Family& f = family(name, help, kHistogram);
  auto h = std::make_unique<Histogram>(bounds);  // validates and normalises the bounds
  const auto normalised = h->bounds();
  if (f.series.empty()) {
    f.bounds.assign(normalised.begin(), normalised.end());
  } else if (!std::equal(normalised.begin(), normalised.end(), f.bounds.begin(), f.bounds.end())) {
    throw std::logic_error("histogram " + std::string(name) + " registered with two sets of buckets");
  }
  Series& s = series(f, std::move(labels));
  if (!s.histogram) s.histogram = std::move(h);
  return *s.histogram;
}

std::string Registry::render() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out.reserve(families_.size() * 160);
  for (const auto& f : families_) {
    out.append("# HELP ").append(f->name).push_back(' ');
    append_help(out, f->help);
    out.append("\n# TYPE ").append(f->name).push_back(' ');
    out.append(type_name(f->type)).push_back('\n');
    for (const auto& s : f->series) {
      if (f->type != kHistogram) {
        out.append(f->name);
        append_labels(out, s->labels);
        out.push_back(' ');
        if (f->type == kCounter) {
          append_int(out, s->counter->value());
        } else {
          append_int(out, s->gauge->value());
        }
        out.push_back('\n');
        continue;
      }
      const Histogram& h = *s->histogram;
      const auto counts = h.cumulative();
      std::string le;
      for (std::size_t i = 0; i < counts.size(); ++i) {
        le.clear();
        append_double(le, i < f->bounds.size() ? f->bounds[i] : INFINITY);
        out.append(f->name).append("_bucket");
        append_labels(out, s->labels, &le);
        out.push_back(' ');
        append_int(out, counts[i]);
        out.push_back('\n');
      }
      out.append(f->name).append("_sum");
      append_labels(out, s->labels);
      out.push_back(' ');
      append_double(out, h.sum());
      // The +Inf bucket, not count(): read in the same pass, so _count always equals it.
      out.append("\n").append(f->name).append("_count");
      append_labels(out, s->labels);
      out.push_back(' ');
      append_int(out, counts.back());
      out.push_back('\n');
    }
  }
  return out;
}

}  // namespace amo::metrics
