#include "report_docking.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "disco/read_file.h"
#include "html.h"
#include "report_3dmol.h"  // k3Dmol: third_party/3dmol/3Dmol-min.js

namespace fs = std::filesystem;

namespace disco::cli {

namespace {

std::string read_text(const fs::path& path) { return read_file_if_possible(path.string()).value_or(""); }

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> cells;
  std::stringstream ss(line);
  for (std::string cell; std::getline(ss, cell, sep);) cells.push_back(cell);
  return cells;
}

struct Point {
  double x, y, z;
};

// Heavy-atom coordinates of the first record of an SDF (V2000 atom block).
std::vector<Point> sdf_points(const std::string& sdf) {
  std::istringstream in(sdf);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line) && lines.size() < 4) lines.push_back(line);
  std::vector<Point> pts;
  if (lines.size() < 4 || lines[3].size() < 3) return pts;
  const int atoms = std::atoi(lines[3].substr(0, 3).c_str());
  for (int i = 0; i < atoms && std::getline(in, line); ++i) {
    std::istringstream row(line);
    Point p{};
    if (row >> p.x >> p.y >> p.z) pts.push_back(p);
  }
  return pts;
}

// A residue a DisCo latent picked, from `disco dock`'s latents cell ("residue A:HIS41", latent_nodes.h).
struct PickedResidue {
  char chain = ' ';
  int number = 0;
  char insertion = ' ';
};

// The protein's ATOM/HETATM records of the residues with an atom within `radius` Å of any ligand point, and of
// the `picked` residues wherever they are.
std::string pocket_pdb(const std::string& pdb, const std::vector<Point>& ligand, double radius,
                       const std::vector<PickedResidue>& picked = {}) {
  std::istringstream in(pdb);
  std::string line;
  std::vector<std::pair<std::string, std::string>> records;  // residue key, line
  std::set<std::string> keep;
  while (std::getline(in, line)) {
    if (line.rfind("ATOM", 0) != 0 && line.rfind("HETATM", 0) != 0) continue;
    if (line.size() < 54) continue;
    const std::string key = line.substr(17, 10);  // residue name, chain, number, insertion code
    const double x = std::atof(line.substr(30, 8).c_str()), y = std::atof(line.substr(38, 8).c_str()),
                 z = std::atof(line.substr(46, 8).c_str());
    for (const PickedResidue& r : picked)
      if (line[21] == r.chain && std::atoi(line.substr(22, 4).c_str()) == r.number && line[26] == r.insertion) keep.insert(key);
    for (const Point& p : ligand)
      if ((p.x - x) * (p.x - x) + (p.y - y) * (p.y - y) + (p.z - z) * (p.z - z) < radius * radius) {
        keep.insert(key);
        break;
      }
    records.emplace_back(key, line);
  }
  std::string out;
  for (const auto& [key, l] : records)
    if (keep.count(key)) out += l + "\n";
  return out + "END\n";
}

// The latents cell of one pose ("residue A:HIS41; ligand atom 7 (N)") as a JSON array for the viewer:
// {"label": ..., "chain": "A", "resi": 41, "icode": ""} per residue, {"label": ..., "atom": 6} (0-based) per
// ligand atom. `disco eval` writes node indices there instead: nothing to show for those.
std::string latents_json(const std::string& cell, std::vector<PickedResidue>& residues) {
  static const std::regex residue(R"(^residue (?:([A-Za-z0-9]):)?([A-Za-z0-9]+?)(-?[0-9]+)([A-Za-z]?)$)");
  static const std::regex atom(R"(^ligand atom ([0-9]+) \(([A-Za-z?]+)\)$)");
  std::string json = "[";
  for (std::string item : split(cell, ';')) {
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    std::smatch m;
    std::string entry;
    if (std::regex_match(item, m, residue)) {
      PickedResidue r;
      r.chain = m[1].length() ? m[1].str()[0] : ' ';
      r.number = std::atoi(m[3].str().c_str());
      r.insertion = m[4].length() ? m[4].str()[0] : ' ';
      residues.push_back(r);
      entry = "{\"label\":\"" + item + "\",\"chain\":\"" + (m[1].length() ? m[1].str() : std::string()) +
              "\",\"resi\":" + std::to_string(r.number) + ",\"icode\":\"" + m[4].str() + "\"}";
    } else if (std::regex_match(item, m, atom)) {
      entry = "{\"label\":\"" + item + "\",\"atom\":" + std::to_string(std::atoi(m[1].str().c_str()) - 1) + "}";
    }
    if (!entry.empty()) json += (json.size() > 1 ? "," : "") + entry;
  }
  return json + "]";
}

// Text for a <script type="text/plain"> block: nothing in it may close the element.
std::string raw_block(const std::string& id, const std::string& text) {
  std::string safe = text;
  for (size_t at = safe.find("</"); at != std::string::npos; at = safe.find("</", at + 2)) safe.replace(at, 2, "< /");
  return "<script type=\"text/plain\" id=\"" + id + "\">" + safe + "</script>\n";
}

constexpr double kPocketRadius = 10.0;

constexpr const char* kViewerScript = R"js(
// One 3Dmol viewer per .disco-mol element: pocket residues (cartoon + lines), crystal ligand (green sticks),
// the pose chosen in the selector (magenta sticks). Sets data-mol-ink on <body>: the smallest fraction of
// non-background pixels over the viewers (what the browser test checks), or "error: ..." when a viewer failed.
window.addEventListener('load', function () {
  var views = document.querySelectorAll('.disco-mol');
  var inks = [];
  views.forEach(function (el) {
    var n = el.getAttribute('data-n');
    try {
      var v = $3Dmol.createViewer(el, {backgroundColor: 'white'});
      var pocket = v.addModel(document.getElementById('pdb' + n).textContent, 'pdb');
      pocket.setStyle({}, {cartoon: {color: 'lightgray'}, line: {colorscheme: 'grayCarbon'}});
      var refText = document.getElementById('ref' + n).textContent;
      var ref = null;
      if (refText.trim().length) {
        ref = v.addModel(refText, 'sdf');
        ref.setStyle({}, {stick: {colorscheme: 'greenCarbon', radius: 0.18}});
      }
      var poses = document.getElementById('poses' + n).textContent.split('$$$$').filter(function (s) {
        return s.trim().length > 0;
      }).map(function (s) { return v.addModel(s.replace(/^\s*\n/, '') + '$$$$\n', 'sdf'); });
      // What each pose's DisCo latents picked (disco dock): residues in orange sticks, ligand atoms as orange
      // spheres on the pose, each labelled.
      var picked = JSON.parse(document.getElementById('latents' + n).textContent || '[]');
      var show = function (i) {
        poses.forEach(function (m, j) {
          m.setStyle({}, j === i ? {stick: {colorscheme: 'magentaCarbon', radius: 0.25}} : {});
        });
        pocket.setStyle({}, {cartoon: {color: 'lightgray'}, line: {colorscheme: 'grayCarbon'}});
        v.removeAllLabels();
        (picked[i] || []).forEach(function (p) {
          if (p.atom !== undefined) {
            poses[i].setStyle({index: p.atom}, {stick: {colorscheme: 'magentaCarbon', radius: 0.25},
                                                sphere: {color: 'orange', radius: 0.6}});
            v.addLabel(p.label, {fontSize: 11, backgroundOpacity: 0.7}, {model: poses[i], index: p.atom});
          } else {
            var sel = {model: pocket, resi: p.resi};
            if (p.chain) sel.chain = p.chain;  // (an insertion code is not matched: 3Dmol's PDB atoms lack one)
            pocket.setStyle(sel, {cartoon: {color: 'orange'}, stick: {colorscheme: 'orangeCarbon', radius: 0.2}});
            v.addLabel(p.label, {fontSize: 11, backgroundOpacity: 0.7}, sel);
          }
        });
        v.render();
      };
      document.getElementById('pick' + n).addEventListener('change', function (e) { show(+e.target.value); });
      v.zoomTo(ref ? {model: ref} : {});
      v.zoom(0.6);
      show(0);
      var img = new Image();
      img.onload = function () {
        var c = document.createElement('canvas');
        c.width = img.width; c.height = img.height;
        var g = c.getContext('2d');
        g.drawImage(img, 0, 0);
        var d = g.getImageData(0, 0, c.width, c.height).data, ink = 0;
        for (var k = 0; k < d.length; k += 4) if (d[k] < 245 || d[k + 1] < 245 || d[k + 2] < 245) ink++;
        inks.push(ink / (c.width * c.height));
        if (inks.length === views.length) document.body.setAttribute('data-mol-ink', Math.min.apply(null, inks).toFixed(4));
      };
      img.src = v.pngURI();
    } catch (e) {
      console.error('3-D view ' + n + ' failed: ' + e);
      document.body.setAttribute('data-mol-ink', 'error: ' + e);
    }
  });
});
)js";

// Whether any pose's latents cell names a node (disco dock writes names, disco eval indices).
bool latents_shown(const std::vector<std::vector<std::string>>& rows) {
  for (const auto& row : rows)
    if (row.size() > 4 && (row[4].find("residue ") != std::string::npos || row[4].find("ligand atom ") != std::string::npos))
      return true;
  return false;
}

}  // namespace

std::string docking_views(const std::vector<DockingRunFiles>& runs, size_t max_complexes, std::string* script) {
  std::string html;
  int n = 0;
  for (const auto& run : runs) {
    const fs::path eval = fs::path(run.dir) / "eval";
    const std::string listing = read_text(eval / "complexes.csv");
    if (listing.empty()) continue;
    // rank rows per complex from rmsd.csv: complex,rank,rmsd,model_score,latents[,confidence]
    std::map<std::string, std::vector<std::vector<std::string>>> ranks;
    {
      std::istringstream in(read_text(eval / "rmsd.csv"));
      std::string line;
      std::getline(in, line);
      while (std::getline(in, line)) {
        auto cells = split(line, ',');
        if (cells.size() >= 4) ranks[cells[0]].push_back(cells);
      }
    }
    std::istringstream in(listing);
    std::string line;
    std::getline(in, line);  // header
    size_t shown = 0;
    while (std::getline(in, line) && shown < max_complexes) {
      const auto cells = split(line, ',');
      if (cells.size() < 4) continue;
      const std::string& id = cells[0];
      const std::string ref = cells[2].empty() ? std::string() : read_text(cells[2]);
      const std::string poses = read_text(eval / cells[3]);
      const std::string protein = cells[1].empty() ? std::string() : read_text(cells[1]);
      if (poses.empty()) continue;
      const std::vector<Point> around = sdf_points(ref.empty() ? poses : ref);
      ++shown;
      const std::string k = std::to_string(n++);
      html += "<h3>" + html_escape(run.name) + ": " + html_escape(id) + "</h3>\n<div class=row><div class=disco-mol data-n=\"" + k +
              "\" style=\"flex:0 0 640px;width:640px;height:440px;position:relative;border:1px solid #ddd\"></div><div>";
      html += "<p><label>pose <select id=\"pick" + k + "\">";
      const auto& rows = ranks[id];
      // The confidence model's probability, when the run has one (column 6, empty otherwise).
      auto confidence = [](const std::vector<std::string>& row) { return row.size() > 5 ? row[5] : std::string(); };
      const bool has_confidence = !rows.empty() && !confidence(rows[0]).empty();
      for (size_t r = 0; r < rows.size(); ++r)
        html += "<option value=\"" + std::to_string(r) + "\">rank " + html_escape(rows[r][1]) + ": RMSD " + html_escape(rows[r][2]) +
                " Å, " + (has_confidence ? "confidence " + html_escape(confidence(rows[r])) + ", " : std::string()) +
                "model score " + html_escape(rows[r][3]) + "</option>";
      html += "</select></label></p>\n<p class=note>Green: crystal ligand" + std::string(ref.empty() ? " (not known)" : "") +
              ". Magenta: the selected pose" +
              std::string(latents_shown(rows) ? "; orange: the ligand atom or pocket residue each of its DisCo latents picked" : "") +
              ". Grey: protein residues within " + std::to_string(int(kPocketRadius)) +
              " Å of the " + (ref.empty() ? "first pose" : "crystal ligand") +
              " (the rest is left out to keep the page small). " +
              (has_confidence ? std::string("The confidence model's probability that a pose is within 2 Å ranks the poses "
                                            "(`disco confidence`); the model score is the denoiser's own score norm.")
                              : std::string("The model score ranks the poses (lower is better); it is the denoiser's own "
                                            "score norm: this run has no confidence model (`disco confidence` trains one).")) +
              "</p>\n";
      html += "<div style=\"max-height:300px;overflow:auto;display:inline-block\"><table><tr><th>rank</th><th>RMSD (Å)</th>" +
              std::string(has_confidence ? "<th>confidence</th>" : "") + "<th>model score</th>" +
              (latents_shown(rows) ? "<th>latents picked</th>" : "") + "</tr>";
      for (const auto& row : rows)
        html += "<tr><td>" + html_escape(row[1]) + "</td><td>" + html_escape(row[2]) + "</td><td>" +
                (has_confidence ? html_escape(confidence(row)) + "</td><td>" : std::string()) + html_escape(row[3]) + "</td>" +
                (latents_shown(rows) ? "<td>" + html_escape(row.size() > 4 ? row[4] : std::string()) + "</td>" : std::string()) +
                "</tr>";
      html += "</table></div></div></div>\n";
      std::vector<PickedResidue> picked;
      std::string latents = "[";
      for (size_t r = 0; r < rows.size(); ++r)
        latents += (r ? "," : "") + latents_json(rows[r].size() > 4 ? rows[r][4] : std::string(), picked);
      latents += "]";
      html += raw_block("pdb" + k, protein.empty() ? std::string("END\n") : pocket_pdb(protein, around, kPocketRadius, picked));
      html += raw_block("ref" + k, ref) + raw_block("poses" + k, poses) + raw_block("latents" + k, latents);
    }
  }
  if (n > 0 && script) *script = std::string(k3Dmol) + "\n" + kViewerScript;
  return html;
}

}  // namespace disco::cli
