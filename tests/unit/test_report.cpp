// The report's SVG pieces: escaping, ticks, thinning of overlapping points, merged heatmap cells.
#include <catch2/catch.hpp>
#include <cmath>
#include <string>

#include "report/svg.hpp"

using namespace precis;

namespace {
size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++n;
    return n;
}
}  // namespace

TEST_CASE("SVG text is escaped and control characters are dropped") {
    CHECK(svg::esc("a<b>&\"c'") == "a&lt;b&gt;&amp;&quot;c&#39;");
    CHECK(svg::esc(std::string("x\x01y\x1fz")) == "xyz");
    const std::string s = svg::histogram({1, 2, 3}, 3, "<script>alert(1)</script>", "x & y", {}, 300, 200);
    CHECK(s.find("<script>") == std::string::npos);
    CHECK(s.find("&lt;script&gt;") != std::string::npos);
}

TEST_CASE("ticks are round numbers spanning the range") {
    CHECK(svg::ticks(0, 1) == std::vector<double>{0, 0.2, 0.4, 0.6, 0.8, 1});
    CHECK(svg::ticks(2, 6) == std::vector<double>{2, 3, 4, 5, 6});
    const auto t = svg::ticks(-3.7, 12.2);
    CHECK(t.front() >= -3.7);
    CHECK(t.back() <= 12.2);
    CHECK(t.size() >= 3);
    CHECK(svg::ticks(5, 5) == std::vector<double>{5});
}

TEST_CASE("points that fall on one screen cell with one colour are drawn once") {
    std::vector<svg::Point> pts;
    for (int i = 0; i < 100000; ++i) pts.push_back({1.0 + 1e-9 * (i % 7), 2.0, size_t(i % 2)});
    pts.push_back({0.0, 0.0, 0});
    pts.push_back({5.0, 5.0, 1});
    size_t drawn = 0;
    const std::string s = svg::scatter(pts, {"a", "b"}, "t", "x", "y", 400, 300, &drawn);
    CHECK(drawn == 4);  // two colours at the crowded spot, and the two corners
    CHECK(count(s, "<circle cx=") == 4 + 2);  // and the legend's two
}

TEST_CASE("heatmap cells of one colour next to each other on a row are one rectangle") {
    const std::vector<double> v(16, 1.0);
    const std::string s = svg::heatmap(v, 4, {1, 1, 2, 2}, "h", 100);
    // one rectangle per row, two class bars per bin, the background, and the frame
    CHECK(count(s, "<rect") == 4 + 8 + 1);
    const std::string zero = svg::heatmap(std::vector<double>(16, 0.0), 4, {1, 1, 2, 2}, "h", 100);
    CHECK(count(zero, "<rect") == 8 + 1);  // white cells are not drawn
}

TEST_CASE("a histogram filled a value at a time has the range and counts of its values") {
    // the range is the finite values' [lo, hi], widened to a threshold within a quarter of its width
    svg::Histogram h(0.0, 10.0, {12.0, 20.0, std::nan("")}, 5);
    CHECK(h.x0 == 0.0);
    CHECK(h.x1 == 12.0);
    CHECK(h.count.size() == 5);
    for (double x : {0.0, 0.5, 2.4, 2.5, 10.0, 12.0, std::nan(""), HUGE_VAL}) h.add(x);
    CHECK(h.count == std::vector<size_t>{2, 2, 0, 0, 2});  // width 2.4: 2.4 is the first of bin 1; 12 in the last
    // one value: a unit-wide range about it; none: [0, 1]
    svg::Histogram one(3.0, 3.0, {}, 4);
    CHECK(one.x0 == 2.5);
    CHECK(one.x1 == 3.5);
    svg::Histogram none(HUGE_VAL, -HUGE_VAL, {}, 0);
    CHECK(none.x0 == 0.0);
    CHECK(none.x1 == 1.0);
    CHECK(none.count.size() == 1);
    // the same picture as from the values held
    const std::vector<double> v{1, 2, 2, 3, 7.5, std::nan("")};
    svg::Histogram g(1, 7.5, {0.5}, 6);
    for (double x : v) g.add(x);
    CHECK(svg::histogram(g, "t", "x", {0.5}, 300, 200) == svg::histogram(v, 6, "t", "x", {0.5}, 300, 200));
}
