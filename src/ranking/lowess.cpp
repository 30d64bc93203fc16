// Cleveland's (1979) locally weighted regression, the algorithm of R's lowess(): tricube weights over the nearest
// f * n points, local linear fits, points within delta of an estimated one interpolated, and `iter` robustness
// iterations with bisquare weights of the residuals (6 median absolute residuals).
#include <algorithm>
#include <cmath>
#include <numeric>

#include "ranking/ranking.hpp"

namespace precis {

namespace {
// the fit at xs from points [nleft, nright] (0-based) and the ties beyond nright; false if every weight is 0
bool local_fit(const std::vector<double>& x, const std::vector<double>& y, double xs, size_t nleft, size_t nright,
               std::vector<double>& w, bool robust, const std::vector<double>& rw, double& ys) {
    const size_t n = x.size();
    const double range = x[n - 1] - x[0];
    const double h = std::max(xs - x[nleft], x[nright] - xs), h9 = 0.999 * h, h1 = 0.001 * h;
    double a = 0;
    size_t j = nleft;
    for (; j < n; ++j) {
        w[j] = 0;
        const double r = std::fabs(x[j] - xs);
        if (r <= h9) {
            if (r <= h1) {
                w[j] = 1;
            } else {
                const double q = r / h, c = 1 - q * q * q;
                w[j] = c * c * c;
            }
            if (robust) w[j] *= rw[j];
            a += w[j];
        } else if (x[j] > xs) {
            break;
        }
    }
    const size_t nrt = j;  // one past the last point used (ties on the right included)
    if (a <= 0) return false;
    for (j = nleft; j < nrt; ++j) w[j] /= a;
    if (h > 0) {
        double mean = 0;
        for (j = nleft; j < nrt; ++j) mean += w[j] * x[j];
        double b = xs - mean, c = 0;
        for (j = nleft; j < nrt; ++j) c += w[j] * (x[j] - mean) * (x[j] - mean);
        if (std::sqrt(c) > 0.001 * range) {
            b /= c;
            for (j = nleft; j < nrt; ++j) w[j] *= b * (x[j] - mean) + 1;
        }
    }
    ys = 0;
    for (j = nleft; j < nrt; ++j) ys += w[j] * y[j];
    return true;
}
}  // namespace

std::vector<double> lowess_sorted(const std::vector<double>& x, const std::vector<double>& y, double f, int iter,
                                  double delta) {
    const size_t n = x.size();
    std::vector<double> ys(n, 0.0);
    if (n < 2) {
        if (n == 1) ys[0] = y[0];
        return ys;
    }
    const size_t ns = std::max<size_t>(2, std::min(n, size_t(f * double(n) + 1e-7)));
    std::vector<double> rw(n, 1.0), res(n, 0.0);
    for (int it = 1; it <= iter + 1; ++it) {
        size_t nleft = 0, nright = ns - 1, i = 0;
        long last = -1;  // the last point estimated
        for (;;) {
            if (nright + 1 < n) {
                const double d1 = x[i] - x[nleft], d2 = x[nright + 1] - x[i];
                if (d1 > d2) {  // the window moves right while that narrows it
                    ++nleft;
                    ++nright;
                    continue;
                }
            }
            double fit;
            ys[i] = local_fit(x, y, x[i], nleft, nright, res, it > 1, rw, fit) ? fit : y[i];
            if (last < long(i) - 1) {  // points skipped within delta: interpolated
                const double denom = x[i] - x[size_t(last)];
                for (size_t j = size_t(last + 1); j < i; ++j) {
                    const double alpha = (x[j] - x[size_t(last)]) / denom;
                    ys[j] = alpha * ys[i] + (1 - alpha) * ys[size_t(last)];
                }
            }
            last = long(i);
            const double cut = x[i] + delta;
            for (i = size_t(last) + 1; i < n; ++i) {
                if (x[i] > cut) break;
                if (x[i] == x[size_t(last)]) {
                    ys[i] = ys[size_t(last)];
                    last = long(i);
                }
            }
            i = std::max(size_t(last) + 1, i - 1);
            if (last >= long(n) - 1) break;
        }
        for (size_t k = 0; k < n; ++k) res[k] = y[k] - ys[k];
        double sc = 0;
        for (double r : res) sc += std::fabs(r);
        sc /= double(n);
        if (it > iter) break;
        for (size_t k = 0; k < n; ++k) rw[k] = std::fabs(res[k]);
        std::vector<double> s(rw);
        const size_t m1 = n / 2;
        std::nth_element(s.begin(), s.begin() + long(m1), s.end());
        double cmad;
        if (n % 2 == 0) {
            const size_t m2 = n - m1 - 1;
            const double a = s[m1];
            std::nth_element(s.begin(), s.begin() + long(m2), s.end());
            cmad = 3 * (a + s[m2]);
        } else {
            cmad = 6 * s[m1];
        }
        if (cmad < 1e-7 * sc) break;
        const double c9 = 0.999 * cmad, c1 = 0.001 * cmad;
        for (size_t k = 0; k < n; ++k) {
            const double r = std::fabs(res[k]);
            if (r <= c1) {
                rw[k] = 1;
            } else if (r <= c9) {
                const double q = 1 - (r / cmad) * (r / cmad);
                rw[k] = q * q;
            } else {
                rw[k] = 0;
            }
        }
    }
    return ys;
}

std::vector<double> lowess(const std::vector<double>& x, const std::vector<double>& y, double f, int iter) {
    const size_t n = x.size();
    std::vector<size_t> o(n);
    std::iota(o.begin(), o.end(), 0);
    std::stable_sort(o.begin(), o.end(), [&](size_t a, size_t b) { return x[a] < x[b]; });
    std::vector<double> xs(n), ysrt(n);
    for (size_t k = 0; k < n; ++k) xs[k] = x[o[k]], ysrt[k] = y[o[k]];
    const double delta = n ? 0.01 * (xs[n - 1] - xs[0]) : 0;
    const std::vector<double> fit = lowess_sorted(xs, ysrt, f, iter, delta);
    std::vector<double> out(n);
    for (size_t k = 0; k < n; ++k) out[o[k]] = fit[k];
    return out;
}

}  // namespace precis
