// disco compare RUN... : metrics of several runs side by side. Runs whose directory names differ only by a
// trailing "-seedN" form one group and are reported as mean ± std over seeds.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "commands.h"
#include "disco/atomic_file.h"
#include "disco/error.h"
#include "disco/read_file.h"
#include "disco/plot.h"

namespace fs = std::filesystem;

namespace disco::cli {

namespace {

// Reads the numeric fields of a flat metrics.json written by `disco eval`.
std::map<std::string, double> read_metrics(const std::string& path) {
  const auto read = read_file_if_possible(path);
  if (!read) throw UsageError("cannot read '" + path + "'; run `disco eval` on that run first");
  static const std::regex field(R"re("([^"]+)"\s*:\s*(-?[0-9.eE+-]+|null))re");
  std::map<std::string, double> out;
  const std::string& text = *read;
  for (std::sregex_iterator it(text.begin(), text.end(), field), end; it != end; ++it)
    out[(*it)[1]] = (*it)[2] == "null" ? NAN : std::stod((*it)[2]);
  return out;
}

std::vector<std::vector<double>> read_csv_columns(const std::string& path, std::vector<std::string>& header) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  header.clear();
  std::stringstream hs(line);
  for (std::string h; std::getline(hs, h, ',');) header.push_back(h);
  std::vector<std::vector<double>> cols(header.size());
  while (std::getline(in, line)) {
    std::stringstream ls(line);
    std::string cell;
    for (size_t c = 0; c < cols.size() && std::getline(ls, cell, ','); ++c) cols[c].push_back(std::atof(cell.c_str()));
  }
  return cols;
}

std::string group_of(const std::string& run_dir) {
  static const std::regex seed_suffix(R"(-seed[0-9]+$)");
  return std::regex_replace(fs::path(run_dir).lexically_normal().filename().string().empty()
                                ? fs::path(run_dir).parent_path().filename().string()
                                : fs::path(run_dir).filename().string(),
                            seed_suffix, "");
}

}  // namespace

int run_compare(Session& s, const CompareArgs& a) {
  std::map<std::string, std::vector<std::string>> groups;  // group -> run dirs
  std::vector<std::string> order, metric_names;
  std::map<std::string, std::map<std::string, std::vector<double>>> values;  // group -> metric -> per run
  for (const auto& dir : a.run_dirs) {
    const auto g = group_of(dir);
    if (!groups.count(g)) order.push_back(g);
    groups[g].push_back(dir);
    for (const auto& [k, v] : read_metrics(dir + "/metrics.json")) {
      if (std::find(metric_names.begin(), metric_names.end(), k) == metric_names.end()) metric_names.push_back(k);
      values[g][k].push_back(v);
    }
  }
  auto mean_std = [](const std::vector<double>& v) {
    double m = 0, s2 = 0;
    for (double x : v) m += x;
    m /= v.size();
    for (double x : v) s2 += (x - m) * (x - m);
    return std::make_pair(m, v.size() > 1 ? std::sqrt(s2 / (v.size() - 1)) : 0.0);
  };
  std::ostringstream md, csv;
  md << "| metric |";
  csv << "metric";
  for (const auto& g : order) {
    md << ' ' << g << " (n=" << groups[g].size() << ") |";
    csv << ',' << g << "_mean," << g << "_std";
  }
  md << "\n|---|";
  for (size_t i = 0; i < order.size(); ++i) md << "---|";
  md << "\n";
  csv << "\n";
  for (const auto& name : metric_names) {
    md << "| " << name << " |";
    csv << name;
    for (const auto& g : order) {
      auto it = values[g].find(name);
      if (it == values[g].end()) {
        md << " – |";
        csv << ",,";
        continue;
      }
      auto [m, sd] = mean_std(it->second);
      char buf[96];
      if (it->second.size() > 1) std::snprintf(buf, sizeof buf, " %.4g ± %.2g |", m, sd);
      else std::snprintf(buf, sizeof buf, " %.4g |", m);
      md << buf;
      csv << ',' << m << ',' << sd;
    }
    md << "\n";
    csv << "\n";
  }
  std::printf("%s", md.str().c_str());
  if (!a.out.empty()) {
    fs::create_directories(a.out);
    write_text_atomically(a.out + "/compare.md", md.str());
    write_text_atomically(a.out + "/compare.csv", csv.str());
    // Overlay every "<quantity>_vs_t.csv" that the first run of each group has (e.g. curvature_vs_t.csv).
    for (const auto& entry : fs::directory_iterator(groups[order[0]][0])) {
      const auto file = entry.path().filename().string();
      if (file.size() < 9 || file.substr(file.size() - 9) != "_vs_t.csv") continue;
      std::vector<std::string> header;
      auto first_cols = read_csv_columns(entry.path().string(), header);
      plot::Figure fig;
      for (size_t c = 1; c < header.size(); ++c) {
        plot::Axes ax;
        ax.title = header[c];
        ax.xlabel = header[0];
        ax.log_x = ax.log_y = true;
        int color = 0;
        for (const auto& g : order) {
          std::vector<std::string> h;
          auto cols = read_csv_columns(groups[g][0] + "/" + file, h);
          if (cols.size() <= c) continue;
          plot::Series line;
          line.label = g;
          line.line = true;
          line.color = plot::palette(color++);
          line.x = cols[0];
          line.y = cols[c];
          ax.series.push_back(line);
        }
        fig.panels.push_back(ax);
      }
      const auto png = a.out + "/" + file.substr(0, file.size() - 4) + ".png";
      plot::save_png(fig, png);
      s.term().info("wrote " + png);
    }
  }
  return kExitOk;
}

}  // namespace disco::cli
