// Inline SVG charts for report.html: no scripts, no external resources, well-formed XML (every text escaped).
// Large inputs are thinned where the eye cannot tell: scatter points that fall on the same 1.5-pixel cell with the
// same colour are drawn once; heatmap cells of equal colour next to each other on a row are one rectangle.
#pragma once
#include <string>
#include <vector>

namespace precis::svg {

std::string esc(const std::string& s);  // &, <, >, " and ' as XML entities; control characters dropped
std::string num(double v);              // a coordinate: at most 2 decimals, no trailing zeros
// Colour of class or series i (a fixed palette of 10 that tells apart for most colour vision, then cycles).
std::string colour(size_t i);
// A blue ramp from white (0) to dark blue (1), for consensus values.
std::string ramp(double v01);
// About `target` round tick values spanning [lo, hi].
std::vector<double> ticks(double lo, double hi, int target = 5);
std::string tick_label(double v);

class Canvas {
public:
    Canvas(double width, double height, const std::string& label);  // label: the figure's accessible name
    void raw(const std::string& element) { body_ += element; }
    void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
              const std::string& dash = "");
    void rect(double x, double y, double w, double h, const std::string& fill, const std::string& title = "");
    void circle(double cx, double cy, double r, const std::string& fill, const std::string& title = "",
                double opacity = 1);
    void text(double x, double y, const std::string& s, const std::string& anchor = "start", double size = 11,
              const std::string& extra = "");
    void polyline(const std::vector<double>& xy, const std::string& stroke, double width = 1.5);
    std::string str() const;
    double width() const { return w_; }
    double height() const { return h_; }

private:
    double w_, h_;
    std::string label_, body_;
};

// A chart area with axes: data ranges mapped onto the canvas inside margins.
struct Axes {
    double x0, x1, y0, y1;  // data range
    double left = 56, right = 16, top = 26, bottom = 42;
    double px(const Canvas& c, double x) const;
    double py(const Canvas& c, double y) const;
};
// Frame, ticks, axis labels and title.
void draw_axes(Canvas& c, const Axes& a, const std::string& xlabel, const std::string& ylabel,
               const std::string& title);

struct Series {
    std::string name;
    std::vector<double> x, y;
    size_t colour = 0;
    bool steps = false;  // draw as a step function (a CDF)
};
// Lines (and a point at each value unless steps), a legend at the right, optional dashed vertical markers.
std::string line_chart(const std::vector<Series>& series, const std::string& title, const std::string& xlabel,
                       const std::string& ylabel, double width, double height, const std::vector<double>& x_marks = {},
                       bool y_from_zero = false);

// A histogram's counts in `bins` equal bins over [x0, x1): the finite values' range [lo, hi] (lo > hi: none),
// widened to show a threshold just outside it. Filled a value at a time, so that a table need not be held.
struct Histogram {
    double x0 = 0, x1 = 1, width = 1;
    std::vector<size_t> count;
    Histogram(double lo, double hi, const std::vector<double>& thresholds, size_t bins);
    void add(double x);  // non-finite values are left out
};
// The histogram drawn, dashed red lines at the thresholds inside the range.
std::string histogram(const Histogram& h, const std::string& title, const std::string& xlabel,
                      const std::vector<double>& thresholds, double width, double height);
// A histogram of the finite values in `bins` equal bins.
std::string histogram(const std::vector<double>& values, size_t bins, const std::string& title,
                      const std::string& xlabel, const std::vector<double>& thresholds, double width, double height);

struct Point {
    double x, y;
    size_t colour;
};
// Points coloured by class (legend: names[colour]), thinned at pixel resolution; `labels` are drawn beside the
// first points (x, y, text). Returns the SVG; `drawn` gets the number of marks.
std::string scatter(const std::vector<Point>& points, const std::vector<std::string>& names,
                    const std::string& title, const std::string& xlabel, const std::string& ylabel, double width,
                    double height, size_t* drawn = nullptr,
                    const std::vector<std::pair<Point, std::string>>& labels = {},
                    const std::vector<double>& y_marks = {});

// A square heatmap of values in [0, 1] (bins x bins, row-major) with a class bar along the top and left.
std::string heatmap(const std::vector<double>& values, size_t bins, const std::vector<int>& classes,
                    const std::string& title, double size);

// Vertical bars in order, each coloured by its class (1..k); values in [0, 1].
std::string class_bars(const std::vector<double>& values, const std::vector<int>& classes, const std::string& title,
                       const std::string& ylabel, double width, double height);

}  // namespace precis::svg
