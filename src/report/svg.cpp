#include "report/svg.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

namespace precis::svg {

std::string esc(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (unsigned char c : s) {
        switch (c) {
            case '&': o += "&amp;"; break;
            case '<': o += "&lt;"; break;
            case '>': o += "&gt;"; break;
            case '"': o += "&quot;"; break;
            case '\'': o += "&#39;"; break;
            default:
                if (c >= 0x20 || c == '\t' || c == '\n') o += char(c);  // XML 1.0 allows no other controls
        }
    }
    return o;
}

std::string num(double v) {
    if (!std::isfinite(v)) return "0";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    if (s == "-0") s = "0";
    return s;
}

std::string colour(size_t i) {
    static const char* p[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                              "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#7f7f7f"};
    return p[i % 10];
}

std::string ramp(double v) {
    v = std::clamp(std::isfinite(v) ? v : 0.0, 0.0, 1.0);
    // white -> #08306b
    const int r = int(std::lround(255 + (8 - 255) * v)), g = int(std::lround(255 + (48 - 255) * v)),
              b = int(std::lround(255 + (107 - 255) * v));
    char buf[8];
    std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
    return buf;
}

std::vector<double> ticks(double lo, double hi, int target) {
    std::vector<double> t;
    if (!std::isfinite(lo) || !std::isfinite(hi)) return t;
    if (hi <= lo) return {lo};
    const double raw = (hi - lo) / std::max(1, target);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    double unit = 10;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= m * mag) {
            unit = m;
            break;
        }
    const double step = unit * mag;
    // k * step computed so that round values come out exact: 3 x 0.2 as 6 / 10, not 0.6000000000000001
    const double inv = mag < 1 ? std::round(1 / mag) : 0;
    for (long k = long(std::ceil(lo / step - 1e-9)); double(k) * step <= hi + step * 1e-9; ++k)
        t.push_back(inv > 0 ? double(k) * unit / inv : double(k) * unit * mag);
    return t;
}

std::string tick_label(double v) {
    char buf[32];
    if (v != 0 && (std::fabs(v) >= 1e5 || std::fabs(v) < 1e-3))
        std::snprintf(buf, sizeof buf, "%.3g", v);
    else
        std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

Canvas::Canvas(double width, double height, const std::string& label) : w_(width), h_(height), label_(label) {}

void Canvas::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width,
                  const std::string& dash) {
    body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
             "\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\"" +
             (dash.empty() ? "" : " stroke-dasharray=\"" + dash + "\"") + "/>";
}

void Canvas::rect(double x, double y, double w, double h, const std::string& fill, const std::string& title) {
    body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
             "\" fill=\"" + fill + "\"";
    body_ += title.empty() ? "/>" : "><title>" + esc(title) + "</title></rect>";
}

void Canvas::circle(double cx, double cy, double r, const std::string& fill, const std::string& title,
                    double opacity) {
    body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\" fill=\"" + fill + "\"" +
             (opacity < 1 ? " fill-opacity=\"" + num(opacity) + "\"" : "");
    body_ += title.empty() ? "/>" : "><title>" + esc(title) + "</title></circle>";
}

void Canvas::text(double x, double y, const std::string& s, const std::string& anchor, double size,
                  const std::string& extra) {
    body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(size) + "\" text-anchor=\"" +
             anchor + "\"" + (extra.empty() ? "" : " " + extra) + ">" + esc(s) + "</text>";
}

void Canvas::polyline(const std::vector<double>& xy, const std::string& stroke, double width) {
    std::string pts;
    for (size_t i = 0; i + 1 < xy.size(); i += 2) pts += (i ? " " : "") + num(xy[i]) + "," + num(xy[i + 1]);
    body_ += "<polyline fill=\"none\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\" points=\"" +
             pts + "\"/>";
}

std::string Canvas::str() const {
    return "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(w_) + "\" height=\"" + num(h_) +
           "\" viewBox=\"0 0 " + num(w_) + " " + num(h_) + "\" role=\"img\" aria-label=\"" + esc(label_) +
           "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"><title>" + esc(label_) + "</title>" +
           body_ + "</svg>";
}

double Axes::px(const Canvas& c, double x) const {
    const double w = c.width() - left - right;
    return left + (x1 > x0 ? (x - x0) / (x1 - x0) : 0.5) * w;
}
double Axes::py(const Canvas& c, double y) const {
    const double h = c.height() - top - bottom;
    return top + h - (y1 > y0 ? (y - y0) / (y1 - y0) : 0.5) * h;
}

void draw_axes(Canvas& c, const Axes& a, const std::string& xlabel, const std::string& ylabel,
               const std::string& title) {
    const double L = a.left, R = c.width() - a.right, T = a.top, B = c.height() - a.bottom;
    c.rect(L, T, R - L, B - T, "#ffffff");
    for (double t : ticks(a.x0, a.x1)) {
        if (t < a.x0 || t > a.x1) continue;
        const double x = a.px(c, t);
        c.line(x, T, x, B, "#e6e6e6");
        c.line(x, B, x, B + 4, "#333333");
        c.text(x, B + 15, tick_label(t), "middle", 10);
    }
    for (double t : ticks(a.y0, a.y1)) {
        if (t < a.y0 || t > a.y1) continue;
        const double y = a.py(c, t);
        c.line(L, y, R, y, "#e6e6e6");
        c.line(L - 4, y, L, y, "#333333");
        c.text(L - 6, y + 3.5, tick_label(t), "end", 10);
    }
    c.line(L, B, R, B, "#333333");
    c.line(L, T, L, B, "#333333");
    c.text((L + R) / 2, c.height() - 8, xlabel, "middle", 11);
    c.text(14, (T + B) / 2, ylabel, "middle", 11, "transform=\"rotate(-90 14 " + num((T + B) / 2) + ")\"");
    c.text(L, 16, title, "start", 12, "font-weight=\"bold\"");
}

namespace {
std::pair<double, double> range_of(const std::vector<double>& v) {
    double lo = INFINITY, hi = -INFINITY;
    for (double x : v)
        if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    if (!std::isfinite(lo)) return {0, 1};
    if (hi == lo) return {lo - 0.5, hi + 0.5};
    return {lo, hi};
}
}  // namespace

std::string line_chart(const std::vector<Series>& series, const std::string& title, const std::string& xlabel,
                       const std::string& ylabel, double width, double height, const std::vector<double>& x_marks,
                       bool y_from_zero) {
    Canvas c(width, height, title);
    std::vector<double> xs, ys;
    for (auto& s : series) {
        xs.insert(xs.end(), s.x.begin(), s.x.end());
        ys.insert(ys.end(), s.y.begin(), s.y.end());
    }
    Axes a;
    std::tie(a.x0, a.x1) = range_of(xs);
    std::tie(a.y0, a.y1) = range_of(ys);
    if (y_from_zero) a.y0 = std::min(a.y0, 0.0);
    const double pad = (a.y1 - a.y0) * 0.05;
    a.y1 += pad;
    if (!y_from_zero) a.y0 -= pad;
    const bool legend = series.size() > 1;
    if (legend) a.right = 70;
    draw_axes(c, a, xlabel, ylabel, title);
    for (double m : x_marks)
        c.line(a.px(c, m), a.top, a.px(c, m), c.height() - a.bottom, "#d62728", 1.2, "5,3");
    for (size_t si = 0; si < series.size(); ++si) {
        const Series& s = series[si];
        std::vector<double> pts;
        for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
            if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
            if (s.steps && !pts.empty()) pts.insert(pts.end(), {a.px(c, s.x[i]), pts.back()});
            pts.insert(pts.end(), {a.px(c, s.x[i]), a.py(c, s.y[i])});
        }
        c.polyline(pts, colour(s.colour));
        if (!s.steps)
            for (size_t i = 0; i + 1 < pts.size(); i += 2) c.circle(pts[i], pts[i + 1], 3, colour(s.colour));
        if (legend) {
            const double y = a.top + 8 + 15 * double(si);
            c.line(width - 64, y, width - 50, y, colour(s.colour), 3);
            c.text(width - 46, y + 4, s.name, "start", 10);
        }
    }
    return c.str();
}

Histogram::Histogram(double lo, double hi, const std::vector<double>& thresholds, size_t bins) {
    if (!(lo <= hi)) lo = 0, hi = 1;  // as range_of: no values
    else if (hi == lo) lo -= 0.5, hi += 0.5;
    x0 = lo, x1 = hi;
    for (double t : thresholds)  // show a threshold just outside the data too
        if (std::isfinite(t) && t >= x0 - (x1 - x0) * 0.25 && t <= x1 + (x1 - x0) * 0.25)
            x0 = std::min(x0, t), x1 = std::max(x1, t);
    count.assign(std::max<size_t>(1, bins), 0);
    width = (x1 - x0) / double(count.size());
}

void Histogram::add(double x) {
    if (std::isfinite(x)) ++count[std::min(count.size() - 1, size_t(std::max(0.0, (x - x0) / width)))];
}

std::string histogram(const Histogram& h, const std::string& title, const std::string& xlabel,
                      const std::vector<double>& thresholds, double width, double height) {
    Canvas c(width, height, title);
    Axes a;
    a.x0 = h.x0, a.x1 = h.x1;
    const size_t bins = h.count.size();
    const double w = h.width;
    a.y0 = 0;
    a.y1 = double(std::max<size_t>(1, *std::max_element(h.count.begin(), h.count.end()))) * 1.08;
    draw_axes(c, a, xlabel, "samples", title);
    for (size_t b = 0; b < bins; ++b) {
        if (!h.count[b]) continue;
        const double x0 = a.px(c, a.x0 + w * double(b)), x1 = a.px(c, a.x0 + w * double(b + 1));
        const double y = a.py(c, double(h.count[b]));
        c.rect(x0 + 0.5, y, std::max(0.5, x1 - x0 - 1), a.py(c, 0) - y, "#4e79a7",
               tick_label(a.x0 + w * double(b)) + " to " + tick_label(a.x0 + w * double(b + 1)) + ": " +
                   std::to_string(h.count[b]) + " samples");
    }
    for (double t : thresholds)
        if (std::isfinite(t) && t >= a.x0 && t <= a.x1) {
            const double x = a.px(c, t);
            c.line(x, a.top, x, c.height() - a.bottom, "#d62728", 1.5, "5,3");
            c.text(x + 3, a.top + 10, "threshold " + tick_label(t), "start", 9, "fill=\"#d62728\"");
        }
    return c.str();
}

std::string histogram(const std::vector<double>& values, size_t bins, const std::string& title,
                      const std::string& xlabel, const std::vector<double>& thresholds, double width, double height) {
    double lo = INFINITY, hi = -INFINITY;
    for (double x : values)
        if (std::isfinite(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    Histogram h(lo, hi, thresholds, bins);
    for (double x : values) h.add(x);
    return histogram(h, title, xlabel, thresholds, width, height);
}

std::string scatter(const std::vector<Point>& points, const std::vector<std::string>& names,
                    const std::string& title, const std::string& xlabel, const std::string& ylabel, double width,
                    double height, size_t* drawn, const std::vector<std::pair<Point, std::string>>& labels,
                    const std::vector<double>& y_marks) {
    Canvas c(width, height, title);
    std::vector<double> xs, ys;
    for (auto& p : points) xs.push_back(p.x), ys.push_back(p.y);
    Axes a;
    std::tie(a.x0, a.x1) = range_of(xs);
    std::tie(a.y0, a.y1) = range_of(ys);
    const double px = (a.x1 - a.x0) * 0.04, py = (a.y1 - a.y0) * 0.04;
    a.x0 -= px, a.x1 += px, a.y0 -= py, a.y1 += py;
    std::set<size_t> used;
    for (auto& p : points) used.insert(p.colour);
    if (names.size() > 1) a.right = 90;
    draw_axes(c, a, xlabel, ylabel, title);
    for (double m : y_marks)
        if (m >= a.y0 && m <= a.y1)
            c.line(a.left, a.py(c, m), width - a.right, a.py(c, m), "#d62728", 1, "5,3");
    // marks grouped by colour (the colour written once); beyond 20,000 points a coarser cell
    const double cell = points.size() > 20000 ? 3.0 : 1.5;
    std::set<std::tuple<long, long, size_t>> cells;
    std::map<size_t, std::string> marks;
    size_t n = 0;
    for (auto& p : points) {
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
        const double x = a.px(c, p.x), y = a.py(c, p.y);
        if (!cells.insert({std::lround(x / cell), std::lround(y / cell), p.colour}).second) continue;
        marks[p.colour] += "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"2.2\"/>";
        ++n;
    }
    for (auto& [col, m] : marks) c.raw("<g fill=\"" + colour(col) + "\" fill-opacity=\"0.75\">" + m + "</g>");
    std::vector<std::array<double, 4>> boxes;  // labels placed so far: x0, y0, x1, y1; one that would overlap is left out
    for (auto& [p, text] : labels) {
        if (!std::isfinite(p.x) || !std::isfinite(p.y)) continue;
        const double w = 5.2 * double(text.size()), y = a.py(c, p.y) - 3;
        double x = a.px(c, p.x) + 4;
        if (x + w > width - a.right) x = a.px(c, p.x) - 4 - w;  // no room on the right: on the left
        const std::array<double, 4> b{x, y - 9, x + w, y + 2};
        if (std::any_of(boxes.begin(), boxes.end(), [&](const std::array<double, 4>& o) {
                return b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3];
            }))
            continue;
        boxes.push_back(b);
        c.text(x, y, text, "start", 9);
    }
    if (names.size() > 1) {
        size_t row = 0;
        for (size_t i = 0; i < names.size(); ++i) {
            if (!used.count(i)) continue;
            const double y = a.top + 8 + 15 * double(row++);
            c.circle(width - 82, y, 4, colour(i));
            c.text(width - 74, y + 4, names[i], "start", 10);
        }
    }
    if (drawn) *drawn = n;
    return c.str();
}

std::string heatmap(const std::vector<double>& values, size_t bins, const std::vector<int>& classes,
                    const std::string& title, double size) {
    const double bar = 8, top = 24, left = 4;
    Canvas c(size + left + bar + 4, size + top + bar + 4, title);
    c.text(left, 15, title, "start", 12, "font-weight=\"bold\"");
    if (bins == 0) return c.str();
    const double cell = size / double(bins), x0 = left + bar + 2, y0 = top + bar + 2;
    auto level = [&](double v) { return std::lround(std::clamp(std::isfinite(v) ? v : 0.0, 0.0, 1.0) * 20); };
    c.raw("<g shape-rendering=\"crispEdges\">");
    for (size_t i = 0; i < bins; ++i) {
        size_t j = 0;
        while (j < bins) {  // runs of one colour on the row
            const long l = level(values[i * bins + j]);
            size_t e = j + 1;
            while (e < bins && level(values[i * bins + e]) == l) ++e;
            if (l > 0) c.rect(x0 + cell * double(j), y0 + cell * double(i), cell * double(e - j) + 0.3, cell + 0.3,
                              ramp(double(l) / 20));
            j = e;
        }
        const std::string col = colour(size_t(std::max(1, classes[i]) - 1));
        c.rect(x0 + cell * double(i), top, cell + 0.3, bar, col);
        c.rect(left, y0 + cell * double(i), bar, cell + 0.3, col);
    }
    c.raw("</g>");
    c.raw("<rect x=\"" + num(x0) + "\" y=\"" + num(y0) + "\" width=\"" + num(size) + "\" height=\"" + num(size) +
          "\" fill=\"none\" stroke=\"#999999\"/>");
    return c.str();
}

std::string class_bars(const std::vector<double>& values, const std::vector<int>& classes, const std::string& title,
                       const std::string& ylabel, double width, double height) {
    Canvas c(width, height, title);
    Axes a;
    a.x0 = 0;
    a.x1 = double(std::max<size_t>(1, values.size()));
    a.y0 = 0;
    a.y1 = 1;
    a.bottom = 20;
    draw_axes(c, a, "", ylabel, title);
    const double w = (width - a.left - a.right) / a.x1;
    for (size_t i = 0; i < values.size(); ++i) {
        if (!std::isfinite(values[i])) continue;
        const double y = a.py(c, values[i]);
        c.rect(a.px(c, double(i)), y, std::max(w, 0.6), a.py(c, 0) - y,
               colour(size_t(std::max(1, classes[i]) - 1)));
    }
    return c.str();
}

}  // namespace precis::svg
